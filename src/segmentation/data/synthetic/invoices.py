"""Invoices: the identified customers' invoices and days, and every invoice's time of day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import Calendar, draw_days
from .calibration import HOUR_WEIGHT
from .customers import Customers


@dataclass(frozen=True)
class Invoices:
    """Identified invoices, grouped by customer; local invoice index = position in these arrays."""
    customer: np.ndarray   # customer index of each invoice
    day: np.ndarray
    purchase: np.ndarray   # indices of purchase invoices
    cancelled: np.ndarray  # indices of cancellation invoices


def draw_identified_invoices(rng: np.random.Generator, customers: Customers, calendar: Calendar) -> Invoices:
    """Position 0 is a customer's first purchase, the last one is on `last`."""
    n_invoices = customers.n_invoices
    inv_customer = np.repeat(np.arange(len(n_invoices)), n_invoices)
    position = np.arange(len(inv_customer)) - np.repeat(np.cumsum(n_invoices) - n_invoices, n_invoices)
    count = n_invoices[inv_customer]
    first, last = customers.first[inv_customer], customers.last[inv_customer]
    inv_day = draw_days(rng, first, last, calendar.cumulative)
    # customers whose window starts before the data were already buying: no pinned first order
    inv_day = np.where((position == 0) & customers.started_inside[inv_customer], first, inv_day)
    inv_day = np.where((position == count - 1) & (count > 1), last, inv_day)
    cancelled = (position > 0) & (rng.random(len(inv_customer)) < 0.16)
    return Invoices(inv_customer, inv_day, np.flatnonzero(~cancelled), np.flatnonzero(cancelled))


def draw_invoice_minutes(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """Minutes since START of each invoice: its day plus a time of day by hourly weight."""
    n_total = len(day)
    minute = rng.choice(len(HOUR_WEIGHT), n_total, p=HOUR_WEIGHT / HOUR_WEIGHT.sum()) * 60 + rng.integers(0, 60, n_total)
    minute[-1] = minute[-2] + 10  # the extreme order (the last two invoices) is cancelled 10 minutes later
    return day * 1440 + minute
