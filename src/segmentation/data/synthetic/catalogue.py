"""The product catalogue: stock codes, names, prices and Zipf-like popularity; each product's
kind (the noun ending its name), and customers' favourite kinds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ADJECTIVES = ["WHITE", "RED", "PINK", "BLUE", "GREEN", "IVORY", "VINTAGE", "RETRO", "HEART", "STAR",
               "FLORAL", "SPOTTY", "GLASS", "WOODEN", "ENAMEL", "PAPER", "CERAMIC", "ZINC", "SILVER",
               "REGENCY", "JUMBO", "SMALL", "LARGE", "SET OF 3", "SET OF 6", "PACK OF 12", "CHRISTMAS",
               "PARTY", "GARDEN", "KITCHEN", "BABY", "LOVE", "DOLLY GIRL", "SPACEBOY", "PAISLEY"]
_NOUNS = ["T-LIGHT HOLDER", "LANTERN", "BAG", "LUNCH BOX", "CAKE CASES", "MUG", "TEACUP", "BUNTING",
          "NOTEBOOK", "CANDLE", "DOORSTOP", "CUSHION COVER", "JAR", "TIN", "FRAME", "CLOCK", "SIGN",
          "GIFT WRAP", "NAPKINS", "PLATE", "BOWL", "HOT WATER BOTTLE", "HANGING DECORATION",
          "COAT HANGER", "PHOTO ALBUM", "WATERING CAN", "APRON", "OVEN GLOVE", "PENCILS", "STICKERS"]


@dataclass(frozen=True)
class Catalogue:
    stock_code: np.ndarray  # object array of str
    description: np.ndarray
    price: np.ndarray
    cumulative_weight: np.ndarray
    kind: np.ndarray  # index into the nouns: what the product is (mug, lantern...)


def make_catalogue(rng: np.random.Generator, size: int = 4600) -> Catalogue:
    numbers = rng.choice(np.arange(10002, 90000), size=size, replace=False)
    suffix = np.where(rng.random(size) < 0.12, rng.choice(list("ABCDEFGLPS"), size), "")
    codes = np.array([f"{n}{s}" for n, s in zip(numbers, suffix)], dtype=object)
    adjectives = rng.choice(_ADJECTIVES, (size, 2))
    nouns = rng.choice(_NOUNS, size)
    kind = np.searchsorted(np.array(sorted(_NOUNS)), nouns)
    names = np.array([f"{a} {b} {n}" if a != b else f"{a} {n}" for (a, b), n in zip(adjectives, nouns)], dtype=object)
    price = np.round(np.clip(rng.lognormal(np.log(1.93), 0.75, size), 0.1, 60.0), 2)
    weight = 1.0 / np.arange(1, size + 1) ** 0.7  # Zipf-like popularity
    weight = rng.permutation(weight)
    return Catalogue(codes, names, price, np.cumsum(weight) / weight.sum(), kind)


def draw_products(rng: np.random.Generator, catalogue: Catalogue, n: int) -> np.ndarray:
    """Catalogue indices drawn by popularity."""
    return np.minimum(np.searchsorted(catalogue.cumulative_weight, rng.random(n)), len(catalogue.price) - 1)


def prefer_favourite_kinds(rng: np.random.Generator, catalogue: Catalogue, product: np.ndarray,
                           line_customer: np.ndarray, n_customers: int, affinity: float) -> np.ndarray:
    """`product` with each customer's lines leaning to one favourite kind.

    Every customer draws a favourite kind (in proportion to the kinds' popularity) and a loyalty
    (Beta, mean `affinity`); with that probability, each of their lines becomes the product of
    the favourite kind nearest in list price. Only which product a line names changes: its
    quantity and price were drawn before, so every amount, date and count stays as drawn.
    `affinity` 0 returns `product` unchanged without drawing."""
    if affinity <= 0:
        return product
    weight = np.diff(catalogue.cumulative_weight, prepend=0.0)
    kinds = int(catalogue.kind.max()) + 1
    popularity = np.bincount(catalogue.kind, weights=weight, minlength=kinds)
    favourite = rng.choice(kinds, n_customers, p=popularity / popularity.sum())
    loyalty = rng.beta(4 * affinity, 4 * (1 - affinity), n_customers)
    moved = rng.random(len(product)) < loyalty[line_customer]
    # products ordered by (kind, price): the favourite kind's product nearest in price by one search
    order = np.lexsort((catalogue.price, catalogue.kind))
    key = catalogue.kind[order] * 1000.0 + catalogue.price[order]
    start = np.searchsorted(catalogue.kind[order], np.arange(kinds))
    stop = np.append(start[1:], len(order))
    wanted_kind = favourite[line_customer[moved]]
    wanted = wanted_kind * 1000.0 + catalogue.price[product[moved]]
    above = np.clip(np.searchsorted(key, wanted), start[wanted_kind], stop[wanted_kind] - 1)
    below = np.maximum(above - 1, start[wanted_kind])
    nearest = np.where(np.abs(key[below] - wanted) <= np.abs(key[above] - wanted), below, above)
    result = product.copy()
    result[moved] = order[nearest]
    return result
