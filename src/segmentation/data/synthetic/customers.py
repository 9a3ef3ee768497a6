"""Drawing identified customers: invoice count, order size, recency and country.

The three per-customer figures come from the published quantiles through a Gaussian
copula, so the marginals match and the correlations are plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .calendar import Calendar, snap_to_trading_day
from .calibration import COPULA, COUNTRIES, INVOICES_KNOTS, ITEMS_PER_ORDER_KNOTS, RECENCY_KNOTS, UK_CUSTOMER_SHARE


def _curve(u: np.ndarray, knots: tuple[list[float], list[float]]) -> np.ndarray:
    return np.exp(np.interp(u, knots[0], np.log(knots[1])))


@dataclass(frozen=True)
class Customers:
    n_invoices: np.ndarray
    items_per_order: np.ndarray
    first: np.ndarray           # day of the first purchase
    last: np.ndarray            # day of the last purchase
    started_inside: np.ndarray  # the purchase window starts inside the data
    country: np.ndarray         # index into COUNTRIES


def draw_customers(rng: np.random.Generator, n_customers: int, calendar: Calendar) -> Customers:
    last_day, open_days = calendar.last_day, calendar.open_days
    z = rng.multivariate_normal(np.zeros(3), COPULA, size=n_customers)
    u = ndtr(z)
    n_invoices = np.floor(_curve(u[:, 0], INVOICES_KNOTS)).astype(np.int64)
    items_per_order = _curve(u[:, 1], ITEMS_PER_ORDER_KNOTS)
    recency = np.round(_curve(u[:, 2], RECENCY_KNOTS)).astype(np.int64)
    last = snap_to_trading_day(np.clip(last_day + 1 - recency, 0, last_day), open_days)
    tenure = np.where(n_invoices > 1, rng.lognormal(np.log(500), 0.8, n_customers), 0).astype(np.int64)
    first = snap_to_trading_day(np.clip(last - tenure, 0, last_day), open_days)
    uk = rng.random(n_customers) < UK_CUSTOMER_SHARE
    foreign_weight = 1.0 / np.arange(1, len(COUNTRIES)) ** 1.1
    country = np.where(uk, 0, 1 + rng.choice(len(COUNTRIES) - 1, n_customers, p=foreign_weight / foreign_weight.sum()))
    # abroad, customers are more often resellers with larger orders
    items_per_order = np.where(uk, items_per_order, items_per_order * 1.15)
    return Customers(n_invoices, items_per_order, first, last, last - tenure >= 0, country)
