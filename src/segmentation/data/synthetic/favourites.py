"""Customers' favourite product kinds: which product a purchase line names, and nothing else.

Drawn from a stream of their own after every other draw of the chunk, so a lower or zero
`product_affinity` leaves amounts, dates, customers and invoices exactly as drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import Catalogue


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


def _collisions(invoice: np.ndarray, product: np.ndarray, quantity: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Lines equal to another line of their invoice in product, quantity and price."""
    return pd.DataFrame({"i": invoice, "p": product, "q": quantity, "c": price}).duplicated(keep=False).to_numpy()


def without_new_duplicates(chosen: np.ndarray, drawn: np.ndarray, purchases, cancels, source: np.ndarray) -> np.ndarray:
    """`chosen` products, except that a purchase line which was, or would become, an exact
    duplicate of another line of its invoice (or whose cancellation copy was or would be) keeps
    its `drawn` product, so the cleaning's duplicate rule removes exactly the lines it removed
    before."""
    invoice = np.concatenate([purchases.invoice, cancels.invoice])
    quantity = np.concatenate([purchases.quantity, cancels.quantity])
    price = np.concatenate([purchases.price, cancels.price])
    before = _collisions(invoice, np.concatenate([drawn, drawn[source]]), quantity, price)
    line = np.concatenate([np.arange(len(drawn)), source])  # the purchase line each row comes from
    chosen = chosen.copy()
    chosen[line[before]] = drawn[line[before]]  # lines that were duplicates stay so
    while True:
        new = _collisions(invoice, np.concatenate([chosen, chosen[source]]), quantity, price) & ~before
        revert = np.unique(line[new])
        revert = revert[chosen[revert] != drawn[revert]]
        if not len(revert):
            return chosen
        chosen[revert] = drawn[revert]
