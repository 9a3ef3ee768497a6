"""A seeded generator shaped like UCI Online Retail II, in its raw layout.

The real file cannot be downloaded here, so this stands in for it. It reproduces the
published shape of the real data (see docs/your-own-data.md, "The default: a synthetic shop", and `scripts/profile_reference.py`):
per-customer invoice counts, spend, items and recency distributions, a wholesaler tail,
seasonality peaking in November, 41 countries with the UK at ~91 % of lines, ~22.8 %
of lines without a customer id, cancellations, exact duplicate lines, non-product
codes (POST, DOT, M, C2, D, AMAZONFEE, B...), zero and negative prices, and one
pair of extreme quantities (±80,995) per 1.07M lines.

How: each customer draws (invoice count, items per order, recency) from the published
quantiles through a Gaussian copula, so the marginals match and the correlations are
plausible; invoice dates follow a trading calendar with the real seasonality. Work is
vectorised per chunk of ~5,940 customers; `scale` multiplies customers and lines, and
chunks are written one by one, so scale 100 (~107M lines) fits in memory.

Invoice numbers increase with time within a chunk; chunk k uses the block
489434 + k * 100000, so numbers are unique but not globally time-ordered.

Modules, in the order a chunk uses them:
    calibration   the published figures: dates, quantile knots, seasonality, countries, codes
    catalogue     products, names, prices, popularity and kinds
    favourites    customers' favourite kinds: which product a line names (own random stream)
    calendar      trading days and drawing days in proportion to order intensity
    customers     identified customers (copula draws, window, country)
    invoices      identified invoices; every invoice's time, number, prefix, customer, country
    lines         the line container; purchase, cancellation and non-product lines
    unidentified  retail baskets, stock adjustments, special invoices (fees, bad debt, extreme)
    raw_table     duplicates, descriptions, the Arrow table in the raw UCI layout
    chunk         `generate_chunk`: the steps above in the order their draws are made
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from .calendar import trading_calendar
from .calibration import END, START
from .catalogue import Catalogue, make_catalogue
from .chunk import generate_chunk
from .raw_table import RAW_SCHEMA, empty_table

__all__ = ["CUSTOMERS_PER_UNIT", "END", "RAW_SCHEMA", "START", "Catalogue", "empty_table", "generate",
           "generate_chunk", "make_catalogue", "trading_calendar"]

# Identified customers at scale 1. Defined here, not in `calibration`, because `generate`
# reads it from this namespace: patch `segmentation.data.synthetic.CUSTOMERS_PER_UNIT`.
CUSTOMERS_PER_UNIT = 5940


def generate(scale: float, seed: int, product_affinity: float) -> Iterator[pa.Table]:
    """Yield the raw table chunk by chunk; the same (scale, seed, product_affinity) yields the
    same rows. `product_affinity` (0 <= a < 1): the mean share of a customer's purchase lines
    in their favourite product kind (`catalogue.prefer_favourite_kinds`); 0 draws products by
    popularity alone. It changes which product lines name, never an amount or a date."""
    if not scale or scale <= 0:
        raise ValueError("scale must be positive")
    if not 0 <= product_affinity < 1:
        raise ValueError("product_affinity must be in [0, 1)")
    total = max(1, int(round(CUSTOMERS_PER_UNIT * scale)))
    chunks = max(1, math.ceil(scale))
    sizes = np.full(chunks, total // chunks)
    sizes[: total % chunks] += 1
    children = np.random.SeedSequence(seed).spawn(chunks + 1)
    catalogue = make_catalogue(np.random.default_rng(children[0]))
    offsets = np.cumsum(sizes) - sizes
    for chunk, (size, offset, child) in enumerate(zip(sizes, offsets, children[1:])):
        taste = np.random.default_rng(child.spawn(1)[0])  # its own stream: the main one is untouched
        yield generate_chunk(int(size), chunk, int(offset), np.random.default_rng(child), catalogue, taste,
                             product_affinity)
