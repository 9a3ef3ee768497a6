"""The product catalogue: stock codes, names, prices, Zipf-like popularity and each product's
kind (the noun ending its name)."""

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

