"""Order lines: the column container, pack-size rounding, and the lines drawn for identified
invoices (purchases, cancellations) and for any invoice (postage, carriage, manual...)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .catalogue import Catalogue, draw_products
from .customers import Customers
from .invoices import Invoices


@dataclass
class Lines:
    """Column arrays of generated lines, one entry per line."""

    invoice: np.ndarray      # local invoice index
    product: np.ndarray      # catalogue index, or -1 for a non-product code
    code: np.ndarray         # non-product code (object) where product == -1
    quantity: np.ndarray
    price: np.ndarray

    @staticmethod
    def of_products(invoice, product, quantity, price) -> Lines:
        return Lines(invoice, product, np.full(len(invoice), None, dtype=object), quantity, price)

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        return Lines(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                       ("invoice", "product", "code", "quantity", "price")))

    def take(self, index: np.ndarray) -> Lines:
        return Lines(self.invoice[index], self.product[index], self.code[index], self.quantity[index],
                     self.price[index])


def non_product(invoice, code: str, quantity, price) -> Lines:
    n = len(invoice)
    return Lines(np.asarray(invoice), np.full(n, -1), np.full(n, code, dtype=object),
                 np.broadcast_to(np.asarray(quantity, dtype=np.int64), (n,)).copy(),
                 np.round(np.broadcast_to(np.asarray(price, dtype=float), (n,)), 2))


_PACKS = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 25, 30, 32, 36, 40, 48, 50, 60, 72, 80, 96,
                   100, 120, 144, 160, 192, 200, 240, 288, 300, 360, 384, 400, 480, 500, 576, 600, 720,
                   800, 960, 1000, 1200, 1440, 1728, 2000, 2400, 2880, 3000, 4000, 4800, 5000])


def snap_to_pack(quantity: np.ndarray) -> np.ndarray:
    """Round to common pack sizes (6, 12, 24...) as real order lines are."""
    position = np.clip(np.searchsorted(_PACKS, quantity), 1, len(_PACKS) - 1)
    lower, upper = _PACKS[position - 1], _PACKS[position]
    pick_upper = np.log(quantity / lower) > np.log(upper / quantity)
    snapped = np.where(pick_upper, upper, lower)
    return np.where(quantity > _PACKS[-1], np.round(quantity, -2), snapped).astype(np.int64)


def draw_purchase_lines(rng: np.random.Generator, customers: Customers, invoices: Invoices,
                        catalogue: Catalogue) -> Lines:
    purchase = invoices.purchase
    # lines per purchase invoice grow mildly with the customer's order size
    lines_mean = np.clip(rng.lognormal(np.log(17), 0.55, len(customers.n_invoices))
                         * (customers.items_per_order / 125) ** 0.25, 1.0, 120)
    mean_lines = lines_mean[invoices.customer[purchase]]
    n_lines = 1 + rng.negative_binomial(2, 2 / (2 + mean_lines - 1 + 1e-9))
    line_invoice = np.repeat(purchase, n_lines)
    line_product = draw_products(rng, catalogue, len(line_invoice))
    base_price = catalogue.price[line_product]
    # cheap items are bought in bigger quantities; invoice size follows the customer's norm
    order_items = customers.items_per_order[invoices.customer[purchase]] * rng.lognormal(0.0, 0.35, len(purchase))
    per_line = np.repeat(order_items / n_lines, n_lines)
    raw_quantity = per_line * rng.lognormal(0.0, 0.55, len(line_invoice)) * (2.1 / base_price) ** 0.7
    quantity = snap_to_pack(np.maximum(raw_quantity, 1.0))
    bulk = quantity >= 100
    price = np.round(np.where(bulk, base_price * 0.82, base_price), 2)
    return Lines.of_products(line_invoice, line_product, quantity, price)


def draw_cancellation_lines(rng: np.random.Generator, invoices: Invoices, purchases: Lines,
                            n_customers: int) -> tuple[Lines, np.ndarray]:
    """Cancellations copy earlier lines of the same customer with negative quantity; with the
    purchase line each copies."""
    line_customer = invoices.customer[purchases.invoice]
    start = np.searchsorted(line_customer, np.arange(n_customers), side="left")
    stop = np.searchsorted(line_customer, np.arange(n_customers), side="right")
    cancel_inv = invoices.cancelled
    n_cancel_lines = 1 + rng.poisson(1.2, len(cancel_inv))
    c_invoice = np.repeat(cancel_inv, n_cancel_lines)
    c_customer = invoices.customer[c_invoice]
    source = start[c_customer] + np.floor(rng.random(len(c_invoice)) * (stop - start)[c_customer]).astype(np.int64)
    partial = rng.random(len(c_invoice)) < 0.4
    quantity = purchases.quantity[source]
    c_quantity = np.where(partial, np.maximum(1, np.round(quantity * rng.random(len(c_invoice)))), quantity)
    return Lines.of_products(c_invoice, purchases.product[source], -c_quantity.astype(np.int64),
                             purchases.price[source]), source


def draw_non_product_lines(rng: np.random.Generator, invoices: Invoices, un_invoice: np.ndarray,
                           inv_country: np.ndarray) -> list[Lines]:
    """Non-product lines (postage, carriage, manual...) on identified and unidentified invoices."""
    buy = np.concatenate([invoices.purchase, un_invoice])
    foreign = inv_country[buy] != 0
    draws = rng.random((len(buy), 4))
    post = buy[(foreign & (draws[:, 0] < 0.6)) | (~foreign & (draws[:, 0] < 0.012))]
    manual = buy[draws[:, 1] < 0.012]
    carriage = buy[foreign & (draws[:, 2] < 0.05)]
    bank = buy[draws[:, 3] < 0.0015]
    dot = un_invoice[rng.random(len(un_invoice)) < 0.45]
    cancel_inv = invoices.cancelled
    c_draws = rng.random((len(cancel_inv), 3))
    return [
        non_product(post, "POST", rng.integers(1, 4, len(post)), rng.choice([18.0, 15.0, 28.0, 40.0], len(post))),
        non_product(manual, "M", rng.integers(1, 3, len(manual)), rng.lognormal(np.log(3), 1.0, len(manual))),
        non_product(carriage, "C2", 1, np.full(len(carriage), 50.0)),
        non_product(bank, "BANK CHARGES", 1, np.full(len(bank), 15.0)),
        non_product(dot, "DOT", 1, rng.lognormal(np.log(120), 0.9, len(dot))),
        non_product(cancel_inv[c_draws[:, 0] < 0.03], "D", -1, rng.lognormal(np.log(20), 0.8, int((c_draws[:, 0] < 0.03).sum()))),
        non_product(cancel_inv[c_draws[:, 1] < 0.03], "M", -1, rng.lognormal(np.log(5), 1.0, int((c_draws[:, 1] < 0.03).sum()))),
        non_product(cancel_inv[c_draws[:, 2] < 0.003], "CRUK", -1, rng.lognormal(np.log(300), 0.5, int((c_draws[:, 2] < 0.003).sum()))),
        non_product(buy[rng.random(len(buy)) < 0.0008], "PADS", 1, 0.001),
        non_product(cancel_inv[rng.random(len(cancel_inv)) < 0.004], "S", -1, 30.0),
    ]
