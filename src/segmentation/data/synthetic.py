"""A seeded generator shaped like UCI Online Retail II, in its raw layout.

The real file cannot be downloaded here, so this stands in for it. It reproduces the
published shape of the real data (see README "Synthetic data" and `data/profile.py`):
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
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import ndtr

START = pd.Timestamp("2009-12-01")
END = pd.Timestamp("2011-12-09")  # last trading day; reference date for recency is END + 1 day
CUSTOMERS_PER_UNIT = 5940  # identified customers at scale 1
FIRST_INVOICE = 489434
INVOICE_BLOCK = 100_000

# Published per-customer quantiles (u -> value); values interpolated in log space.
# A continuous x is floored to an invoice count, so x in [1, 2) means exactly one invoice.
INVOICES_KNOTS = ([0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0], [1.0, 2.0, 4.5, 8.5, 17.5, 57.5, 260.0])
ITEMS_PER_ORDER_KNOTS = ([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.97, 0.995, 1.0],
                         [4.0, 30.0, 58.0, 105.0, 160.0, 200.0, 480.0, 2000.0, 8000.0])
RECENCY_KNOTS = ([0.0, 0.25, 0.5, 0.75, 1.0], [1.0, 27.0, 100.0, 390.0, 739.0])
# copula correlations between (invoices, items per order, recency)
COPULA = np.array([[1.0, -0.1, -0.55], [-0.1, 1.0, -0.1], [-0.55, -0.1, 1.0]])

MONTH_WEIGHT = {1: 0.95, 2: 0.9, 3: 1.0, 4: 0.9, 5: 0.95, 6: 0.95, 7: 0.95, 8: 0.95,
                9: 1.4, 10: 1.6, 11: 1.9, 12: 1.15}
TREND = 2.8
HOUR_WEIGHT = np.array([0, 0, 0, 0, 0, 0, 0, 2, 5, 9, 11, 12, 14, 12, 10, 8, 5, 3, 2, 1, 1], float)

COUNTRIES = [
    "United Kingdom", "EIRE", "Germany", "France", "Netherlands", "Spain", "Switzerland", "Belgium",
    "Portugal", "Australia", "Channel Islands", "Italy", "Norway", "Sweden", "Cyprus", "Finland",
    "Austria", "Denmark", "Greece", "Japan", "Poland", "USA", "Israel", "Unspecified", "Singapore",
    "Iceland", "Canada", "Malta", "United Arab Emirates", "Lithuania", "RSA", "Bahrain", "Korea",
    "Thailand", "Brazil", "Czech Republic", "Nigeria", "European Community", "West Indies", "Lebanon",
    "Saudi Arabia",
]
UK_CUSTOMER_SHARE = 0.905
UK_UNIDENTIFIED_SHARE = 0.985

# Non-product codes: (code, description)
NON_PRODUCT = {
    "POST": "POSTAGE", "DOT": "DOTCOM POSTAGE", "M": "Manual", "C2": "CARRIAGE", "D": "Discount",
    "CRUK": "CRUK Commission", "PADS": "PADS TO MATCH ALL CUSHIONS", "BANK CHARGES": "Bank Charges",
    "AMAZONFEE": "AMAZON FEE", "B": "Adjust bad debt", "S": "SAMPLES", "TEST001": "This is a test product.",
}

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


def make_catalogue(rng: np.random.Generator, size: int = 4600) -> Catalogue:
    numbers = rng.choice(np.arange(10002, 90000), size=size, replace=False)
    suffix = np.where(rng.random(size) < 0.12, rng.choice(list("ABCDEFGLPS"), size), "")
    codes = np.array([f"{n}{s}" for n, s in zip(numbers, suffix)], dtype=object)
    adjectives = rng.choice(_ADJECTIVES, (size, 2))
    nouns = rng.choice(_NOUNS, size)
    names = np.array([f"{a} {b} {n}" if a != b else f"{a} {n}" for (a, b), n in zip(adjectives, nouns)], dtype=object)
    price = np.round(np.clip(rng.lognormal(np.log(1.93), 0.75, size), 0.1, 60.0), 2)
    weight = 1.0 / np.arange(1, size + 1) ** 0.7  # Zipf-like popularity
    weight = rng.permutation(weight)
    return Catalogue(codes, names, price, np.cumsum(weight) / weight.sum())


def trading_calendar() -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Trading days and their relative order intensity (no Saturdays, closed over Christmas)."""
    days = pd.date_range(START, END, freq="D")
    intensity = np.array(days.month.map(MONTH_WEIGHT), dtype=float)
    intensity[days.dayofweek == 5] = 0.0
    intensity[days.dayofweek == 6] *= 0.55
    christmas = ((days.month == 12) & (days.day >= 23)) | ((days.month == 1) & (days.day <= 3))
    intensity[christmas] = 0.0
    return days, intensity


def _curve(u: np.ndarray, knots: tuple[list[float], list[float]]) -> np.ndarray:
    return np.exp(np.interp(u, knots[0], np.log(knots[1])))


def _snap_to_trading_day(day: np.ndarray, open_days: np.ndarray) -> np.ndarray:
    """The last trading day on or before `day` (the first one if none)."""
    position = np.searchsorted(open_days, day, side="right") - 1
    return open_days[np.clip(position, 0, len(open_days) - 1)]


_PACKS = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 25, 30, 32, 36, 40, 48, 50, 60, 72, 80, 96,
                   100, 120, 144, 160, 192, 200, 240, 288, 300, 360, 384, 400, 480, 500, 576, 600, 720,
                   800, 960, 1000, 1200, 1440, 1728, 2000, 2400, 2880, 3000, 4000, 4800, 5000])


def _snap_to_pack(quantity: np.ndarray) -> np.ndarray:
    """Round to common pack sizes (6, 12, 24...) as real order lines are."""
    position = np.clip(np.searchsorted(_PACKS, quantity), 1, len(_PACKS) - 1)
    lower, upper = _PACKS[position - 1], _PACKS[position]
    pick_upper = np.log(quantity / lower) > np.log(upper / quantity)
    snapped = np.where(pick_upper, upper, lower)
    return np.where(quantity > _PACKS[-1], np.round(quantity, -2), snapped).astype(np.int64)


def _draw_days(rng, lo: np.ndarray, hi: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Draw a trading day in [lo, hi] for each row, proportional to the calendar intensity."""
    c_lo = np.where(lo > 0, cumulative[np.maximum(lo - 1, 0)], 0.0)
    c_hi = cumulative[hi]
    target = c_lo + rng.random(len(lo)) * (c_hi - c_lo)
    return np.clip(np.searchsorted(cumulative, target, side="left"), lo, hi)


@dataclass
class _Lines:
    """Column arrays of generated lines, one entry per line."""

    invoice: np.ndarray      # local invoice index
    product: np.ndarray      # catalogue index, or -1 for a non-product code
    code: np.ndarray         # non-product code (object) where product == -1
    quantity: np.ndarray
    price: np.ndarray

    @staticmethod
    def concat(parts: list[_Lines]) -> _Lines:
        return _Lines(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                        ("invoice", "product", "code", "quantity", "price")))


def _non_product(invoice, code: str, quantity, price) -> _Lines:
    n = len(invoice)
    return _Lines(np.asarray(invoice), np.full(n, -1), np.full(n, code, dtype=object),
                  np.broadcast_to(np.asarray(quantity, dtype=np.int64), (n,)).copy(),
                  np.round(np.broadcast_to(np.asarray(price, dtype=float), (n,)), 2))


def generate_chunk(n_customers: int, chunk: int, id_offset: int, rng: np.random.Generator,
                   catalogue: Catalogue) -> pa.Table:
    """One chunk of the raw table: `n_customers` identified customers plus the
    proportional share of unidentified lines, non-product lines and duplicates."""
    days, intensity = trading_calendar()
    # customers' windows pile up late (recent last purchases); a mild decay in the
    # placement of repeat orders keeps 2010 and 2011 revenue level, as in the real data
    cumulative = np.cumsum(intensity * np.exp(-TREND * np.arange(len(days)) / len(days)))
    open_days = np.flatnonzero(intensity > 0)
    last_day = len(days) - 1

    # --- customers ---------------------------------------------------------------
    z = rng.multivariate_normal(np.zeros(3), COPULA, size=n_customers)
    u = ndtr(z)
    n_invoices = np.floor(_curve(u[:, 0], INVOICES_KNOTS)).astype(np.int64)
    items_per_order = _curve(u[:, 1], ITEMS_PER_ORDER_KNOTS)
    recency = np.round(_curve(u[:, 2], RECENCY_KNOTS)).astype(np.int64)
    last = _snap_to_trading_day(np.clip(last_day + 1 - recency, 0, last_day), open_days)
    tenure = np.where(n_invoices > 1, rng.lognormal(np.log(500), 0.8, n_customers), 0).astype(np.int64)
    first = _snap_to_trading_day(np.clip(last - tenure, 0, last_day), open_days)
    uk = rng.random(n_customers) < UK_CUSTOMER_SHARE
    foreign_weight = 1.0 / np.arange(1, len(COUNTRIES)) ** 1.1
    country = np.where(uk, 0, 1 + rng.choice(len(COUNTRIES) - 1, n_customers, p=foreign_weight / foreign_weight.sum()))
    # abroad, customers are more often resellers with larger orders
    items_per_order = np.where(uk, items_per_order, items_per_order * 1.15)

    # --- identified invoices: position 0 is the first purchase, the last one is `last` -----
    inv_customer = np.repeat(np.arange(n_customers), n_invoices)
    position = np.arange(len(inv_customer)) - np.repeat(np.cumsum(n_invoices) - n_invoices, n_invoices)
    count = n_invoices[inv_customer]
    inv_day = _draw_days(rng, first[inv_customer], last[inv_customer], cumulative)
    # customers whose window starts before the data were already buying: no pinned first order
    started_inside = (last - tenure >= 0)[inv_customer]
    inv_day = np.where((position == 0) & started_inside, first[inv_customer], inv_day)
    inv_day = np.where((position == count - 1) & (count > 1), last[inv_customer], inv_day)
    cancelled = (position > 0) & (rng.random(len(inv_customer)) < 0.16)

    n_ident = len(inv_customer)
    purchase = np.flatnonzero(~cancelled)
    # lines per purchase invoice grow mildly with the customer's order size
    lines_mean = np.clip(rng.lognormal(np.log(17), 0.55, n_customers) * (items_per_order / 125) ** 0.25, 1.0, 120)
    mean_lines = lines_mean[inv_customer[purchase]]
    n_lines = 1 + rng.negative_binomial(2, 2 / (2 + mean_lines - 1 + 1e-9))
    line_invoice = np.repeat(purchase, n_lines)
    line_product = np.searchsorted(catalogue.cumulative_weight, rng.random(len(line_invoice)))
    line_product = np.minimum(line_product, len(catalogue.price) - 1)
    base_price = catalogue.price[line_product]
    # cheap items are bought in bigger quantities; invoice size follows the customer's norm
    order_items = items_per_order[inv_customer[purchase]] * rng.lognormal(0.0, 0.35, len(purchase))
    per_line = np.repeat(order_items / n_lines, n_lines)
    raw_quantity = per_line * rng.lognormal(0.0, 0.55, len(line_invoice)) * (2.1 / base_price) ** 0.7
    quantity = _snap_to_pack(np.maximum(raw_quantity, 1.0))
    bulk = quantity >= 100
    price = np.round(np.where(bulk, base_price * 0.82, base_price), 2)
    purchases = _Lines(line_invoice, line_product, np.full(len(line_invoice), None, dtype=object), quantity, price)

    # --- cancellations copy earlier lines of the same customer with negative quantity --------
    line_customer = inv_customer[line_invoice]
    start = np.searchsorted(line_customer, np.arange(n_customers), side="left")
    stop = np.searchsorted(line_customer, np.arange(n_customers), side="right")
    cancel_inv = np.flatnonzero(cancelled)
    n_cancel_lines = 1 + rng.poisson(1.2, len(cancel_inv))
    c_invoice = np.repeat(cancel_inv, n_cancel_lines)
    c_customer = inv_customer[c_invoice]
    source = start[c_customer] + np.floor(rng.random(len(c_invoice)) * (stop - start)[c_customer]).astype(np.int64)
    partial = rng.random(len(c_invoice)) < 0.4
    c_quantity = np.where(partial, np.maximum(1, np.round(quantity[source] * rng.random(len(c_invoice)))), quantity[source])
    cancels = _Lines(c_invoice, line_product[source], np.full(len(c_invoice), None, dtype=object),
                     -c_quantity.astype(np.int64), price[source])

    # --- unidentified invoices (no customer id): long retail baskets, small quantities --------
    n_unident = int(round(n_customers * 0.75))
    un_invoice = n_ident + np.arange(n_unident)
    un_day = _draw_days(rng, np.zeros(n_unident, np.int64), np.full(n_unident, last_day), cumulative)
    un_lines = 1 + rng.negative_binomial(0.9, 0.9 / (0.9 + 50), n_unident)
    un_line_invoice = np.repeat(un_invoice, un_lines)
    un_product = np.minimum(np.searchsorted(catalogue.cumulative_weight, rng.random(len(un_line_invoice))),
                            len(catalogue.price) - 1)
    un_quantity = 1 + rng.geometric(0.55, len(un_line_invoice)) - 1
    un_price = np.round(catalogue.price[un_product] * 1.9, 2)
    unidentified = _Lines(un_line_invoice, un_product, np.full(len(un_line_invoice), None, dtype=object),
                          un_quantity.astype(np.int64), un_price)

    # --- stock adjustments: unidentified, price 0, often negative quantity ----------------
    n_adjust = int(round(n_customers * 0.9))
    adj_invoice = n_ident + n_unident + np.arange(n_adjust)
    adj_day = _draw_days(rng, np.zeros(n_adjust, np.int64), np.full(n_adjust, last_day), cumulative)
    adj_product = rng.integers(0, len(catalogue.price), n_adjust)
    adj_quantity = np.where(rng.random(n_adjust) < 0.7, -1, 1) * _snap_to_pack(rng.lognormal(np.log(12), 1.2, n_adjust) + 1)
    adjustments = _Lines(adj_invoice, adj_product, np.full(n_adjust, None, dtype=object), adj_quantity, np.zeros(n_adjust))

    # --- special invoices: Amazon fees, bad-debt adjustments, one extreme-quantity pair -------
    next_inv = n_ident + n_unident + n_adjust
    n_fee = max(1, int(round(n_customers * 0.005)))
    fee_invoice = next_inv + np.arange(n_fee)
    bad_debt_invoice = next_inv + n_fee + np.arange(3)
    extreme_invoice = next_inv + n_fee + 3 + np.arange(2)
    n_special = n_fee + 5
    special_day = _draw_days(rng, np.zeros(n_special, np.int64), np.full(n_special, last_day), cumulative)
    special_day[-1] = special_day[-2]  # the extreme order is cancelled the same day
    bad_debt_value = round(float(rng.uniform(8000, 15000)), 2)
    extreme_product = int(rng.integers(0, len(catalogue.price)))
    extreme_customer = int(np.argmax(n_invoices))
    specials = [
        _non_product(fee_invoice, "AMAZONFEE", -1, rng.lognormal(np.log(2500), 0.9, n_fee)),
        _non_product(bad_debt_invoice, "B", 1, [bad_debt_value, -bad_debt_value, -bad_debt_value]),
        _Lines(extreme_invoice, np.full(2, extreme_product), np.full(2, None, dtype=object),
               np.array([80995, -80995]), np.full(2, 2.08)),
    ]

    # --- non-product lines on identified and unidentified invoices ------------------------
    inv_country = np.concatenate([country[inv_customer], np.where(rng.random(n_unident) < UK_UNIDENTIFIED_SHARE, 0,
                                  rng.integers(1, len(COUNTRIES), n_unident))])
    buy = np.concatenate([purchase, un_invoice])
    foreign = inv_country[buy] != 0
    draws = rng.random((len(buy), 4))
    post = buy[(foreign & (draws[:, 0] < 0.6)) | (~foreign & (draws[:, 0] < 0.012))]
    manual = buy[draws[:, 1] < 0.012]
    carriage = buy[foreign & (draws[:, 2] < 0.05)]
    bank = buy[draws[:, 3] < 0.0015]
    dot = un_invoice[rng.random(n_unident) < 0.45]
    c_draws = rng.random((len(cancel_inv), 3))
    extras = [
        _non_product(post, "POST", rng.integers(1, 4, len(post)), rng.choice([18.0, 15.0, 28.0, 40.0], len(post))),
        _non_product(manual, "M", rng.integers(1, 3, len(manual)), rng.lognormal(np.log(3), 1.0, len(manual))),
        _non_product(carriage, "C2", 1, np.full(len(carriage), 50.0)),
        _non_product(bank, "BANK CHARGES", 1, np.full(len(bank), 15.0)),
        _non_product(dot, "DOT", 1, rng.lognormal(np.log(120), 0.9, len(dot))),
        _non_product(cancel_inv[c_draws[:, 0] < 0.03], "D", -1, rng.lognormal(np.log(20), 0.8, int((c_draws[:, 0] < 0.03).sum()))),
        _non_product(cancel_inv[c_draws[:, 1] < 0.03], "M", -1, rng.lognormal(np.log(5), 1.0, int((c_draws[:, 1] < 0.03).sum()))),
        _non_product(cancel_inv[c_draws[:, 2] < 0.003], "CRUK", -1, rng.lognormal(np.log(300), 0.5, int((c_draws[:, 2] < 0.003).sum()))),
        _non_product(buy[rng.random(len(buy)) < 0.0008], "PADS", 1, 0.001),
        _non_product(cancel_inv[rng.random(len(cancel_inv)) < 0.004], "S", -1, 30.0),
    ]
    lines = _Lines.concat([purchases, cancels, unidentified, adjustments, *specials, *extras])

    # --- invoice attributes: day, time, customer, numbering by time ----------------------
    n_total = next_inv + n_special
    day = np.concatenate([inv_day, un_day, adj_day, special_day])
    minute = rng.choice(len(HOUR_WEIGHT), n_total, p=HOUR_WEIGHT / HOUR_WEIGHT.sum()) * 60 + rng.integers(0, 60, n_total)
    minute[-1] = minute[-2] + 10
    inv_minutes = day * 1440 + minute
    customer_index = np.concatenate([inv_customer, np.full(n_total - n_ident, -1)])
    customer_index[extreme_invoice] = extreme_customer
    inv_country_all = np.concatenate([inv_country, np.zeros(n_adjust + n_special, np.int64)])
    inv_country_all[extreme_invoice] = country[extreme_customer]
    prefix = np.full(n_total, "", dtype=object)
    prefix[cancel_inv] = "C"
    prefix[fee_invoice] = "C"
    prefix[extreme_invoice[1]] = "C"
    prefix[bad_debt_invoice] = "A"
    order = np.argsort(inv_minutes, kind="stable")
    number = np.empty(n_total, np.int64)
    number[order] = FIRST_INVOICE + chunk * INVOICE_BLOCK + np.arange(n_total)

    # --- exact duplicate lines (~3.2 %), then sort lines by invoice number -------------------
    n_all = len(lines.invoice)
    repeat = 1 + (rng.random(n_all) < 0.015).astype(np.int64)
    keep = np.repeat(np.arange(n_all), repeat)
    keep = keep[np.argsort(number[lines.invoice[keep]], kind="stable")]
    inv = lines.invoice[keep]
    product = lines.product[keep]
    is_product = product >= 0
    stock = np.where(is_product, catalogue.stock_code[np.maximum(product, 0)], lines.code[keep])
    description = np.where(is_product, catalogue.description[np.maximum(product, 0)],
                           pd.Series(lines.code[keep]).map(NON_PRODUCT).to_numpy(dtype=object))
    adjustment_line = (inv >= n_ident + n_unident) & (inv < n_ident + n_unident + n_adjust)
    blank = adjustment_line & (rng.random(len(inv)) < 0.5)
    description = np.where(blank, None, np.where(adjustment_line, "damaged", description))
    cust = customer_index[inv]
    invoice_text = pc.binary_join_element_wise(
        pa.array(prefix[inv], pa.string()), pa.array(number[inv]).cast(pa.string()), "")
    timestamps = (START.value // 1000 + inv_minutes[inv] * 60_000_000)
    return pa.table({
        "Invoice": invoice_text,
        "StockCode": pa.array(stock, pa.string()),
        "Description": pa.array(description, pa.string()),
        "Quantity": pa.array(lines.quantity[keep], pa.int64()),
        "InvoiceDate": pa.array(timestamps, pa.timestamp("us")),
        "Price": pa.array(lines.price[keep], pa.float64()),
        "Customer ID": pa.array(np.where(cust >= 0, 12346 + id_offset + cust, np.nan), pa.float64()),
        "Country": pa.array(np.array(COUNTRIES, dtype=object)[inv_country_all[inv]], pa.string()),
    })


RAW_SCHEMA = pa.schema([("Invoice", pa.string()), ("StockCode", pa.string()), ("Description", pa.string()),
                        ("Quantity", pa.int64()), ("InvoiceDate", pa.timestamp("us")), ("Price", pa.float64()),
                        ("Customer ID", pa.float64()), ("Country", pa.string())])


def empty_table() -> pa.Table:
    """A raw table with no lines (written when real data is configured)."""
    return RAW_SCHEMA.empty_table()


def generate(scale: float, seed: int) -> Iterator[pa.Table]:
    """Yield the raw table chunk by chunk; the same (scale, seed) yields the same rows."""
    if not scale or scale <= 0:
        raise ValueError("scale must be positive")
    total = max(1, int(round(CUSTOMERS_PER_UNIT * scale)))
    chunks = max(1, math.ceil(scale))
    sizes = np.full(chunks, total // chunks)
    sizes[: total % chunks] += 1
    children = np.random.SeedSequence(seed).spawn(chunks + 1)
    catalogue = make_catalogue(np.random.default_rng(children[0]))
    offsets = np.cumsum(sizes) - sizes
    for chunk, (size, offset, child) in enumerate(zip(sizes, offsets, children[1:])):
        yield generate_chunk(int(size), chunk, int(offset), np.random.default_rng(child), catalogue)
