"""Invoices drawn without a customer: retail baskets, stock adjustments, and the special
invoices (Amazon fees, bad-debt adjustments, the extreme-quantity pair, whose customer is
assigned later), plus the countries of the retail invoices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import Calendar
from .calibration import COUNTRIES, UK_UNIDENTIFIED_SHARE
from .catalogue import Catalogue, draw_products
from .lines import Lines, non_product, snap_to_pack


@dataclass(frozen=True)
class Unidentified:
    """Invoices without a customer id, with consecutive local indices from `start`."""
    start: int
    day: np.ndarray
    lines: Lines

    @property
    def stop(self) -> int:
        return self.start + len(self.day)

    @property
    def invoice(self) -> np.ndarray:
        return self.start + np.arange(len(self.day))


def draw_retail_invoices(rng: np.random.Generator, first_invoice: int, n_customers: int,
                         calendar: Calendar, catalogue: Catalogue) -> Unidentified:
    """Unidentified invoices (no customer id): long retail baskets, small quantities."""
    n_unident = int(round(n_customers * 0.75))
    un_invoice = first_invoice + np.arange(n_unident)
    un_day = calendar.draw_any_days(rng, n_unident)
    un_lines = 1 + rng.negative_binomial(0.9, 0.9 / (0.9 + 50), n_unident)
    un_line_invoice = np.repeat(un_invoice, un_lines)
    un_product = draw_products(rng, catalogue, len(un_line_invoice))
    un_quantity = 1 + rng.geometric(0.55, len(un_line_invoice)) - 1
    un_price = np.round(catalogue.price[un_product] * 1.9, 2)
    return Unidentified(first_invoice, un_day,
                        Lines.of_products(un_line_invoice, un_product, un_quantity.astype(np.int64), un_price))


def draw_stock_adjustments(rng: np.random.Generator, first_invoice: int, n_customers: int,
                           calendar: Calendar, catalogue: Catalogue) -> Unidentified:
    """Stock adjustments: unidentified, one line each, price 0, often negative quantity."""
    n_adjust = int(round(n_customers * 0.9))
    adj_invoice = first_invoice + np.arange(n_adjust)
    adj_day = calendar.draw_any_days(rng, n_adjust)
    adj_product = rng.integers(0, len(catalogue.price), n_adjust)
    adj_quantity = np.where(rng.random(n_adjust) < 0.7, -1, 1) * snap_to_pack(rng.lognormal(np.log(12), 1.2, n_adjust) + 1)
    return Unidentified(first_invoice, adj_day,
                        Lines.of_products(adj_invoice, adj_product, adj_quantity, np.zeros(n_adjust)))


@dataclass(frozen=True)
class Specials:
    fee: np.ndarray       # Amazon fee invoices (cancellations)
    bad_debt: np.ndarray  # three bad-debt adjustment invoices
    extreme: np.ndarray   # the extreme-quantity order and its cancellation, last
    day: np.ndarray       # one per invoice, in the order fee, bad_debt, extreme
    lines: list[Lines]


def draw_special_invoices(rng: np.random.Generator, first_invoice: int, n_customers: int,
                          calendar: Calendar, catalogue: Catalogue) -> Specials:
    """Amazon fees, bad-debt adjustments, one extreme-quantity pair."""
    n_fee = max(1, int(round(n_customers * 0.005)))
    fee_invoice = first_invoice + np.arange(n_fee)
    bad_debt_invoice = first_invoice + n_fee + np.arange(3)
    extreme_invoice = first_invoice + n_fee + 3 + np.arange(2)
    special_day = calendar.draw_any_days(rng, n_fee + 5)
    special_day[-1] = special_day[-2]  # the extreme order is cancelled the same day
    bad_debt_value = round(float(rng.uniform(8000, 15000)), 2)
    extreme_product = int(rng.integers(0, len(catalogue.price)))
    lines = [
        non_product(fee_invoice, "AMAZONFEE", -1, rng.lognormal(np.log(2500), 0.9, n_fee)),
        non_product(bad_debt_invoice, "B", 1, [bad_debt_value, -bad_debt_value, -bad_debt_value]),
        Lines.of_products(extreme_invoice, np.full(2, extreme_product), np.array([80995, -80995]), np.full(2, 2.08)),
    ]
    return Specials(fee_invoice, bad_debt_invoice, extreme_invoice, special_day, lines)


def draw_unidentified_countries(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.where(rng.random(n) < UK_UNIDENTIFIED_SHARE, 0, rng.integers(1, len(COUNTRIES), n))
