"""One chunk of the raw table: the drawing steps, in the order their draws are made."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .calendar import order_calendar
from .catalogue import Catalogue
from .customers import draw_customers
from .favourites import prefer_favourite_kinds, without_new_duplicates
from .invoices import draw_identified_invoices, draw_invoice_minutes
from .lines import Lines, draw_cancellation_lines, draw_non_product_lines, draw_purchase_lines
from .numbering import invoice_columns
from .raw_table import add_duplicates_sorted, describe_lines, to_arrow
from .unidentified import (
    draw_retail_invoices,
    draw_special_invoices,
    draw_stock_adjustments,
    draw_unidentified_countries,
)


def generate_chunk(n_customers: int, chunk: int, id_offset: int, rng: np.random.Generator,
                   catalogue: Catalogue, taste_rng: np.random.Generator, product_affinity: float) -> pa.Table:
    """One chunk of the raw table: `n_customers` identified customers plus the
    proportional share of unidentified lines, non-product lines and duplicates.

    Every step draws from the same `rng`, so their order is part of the output: moving
    a step (or a draw within one) changes the data generated for a given seed. Customers'
    favourite product kinds draw from their own `taste_rng`, so `product_affinity` changes
    which products lines name and nothing else (0: popularity alone)."""
    calendar = order_calendar()
    customers = draw_customers(rng, n_customers, calendar)
    invoices = draw_identified_invoices(rng, customers, calendar)
    purchases = draw_purchase_lines(rng, customers, invoices, catalogue)
    cancels, copied = draw_cancellation_lines(rng, invoices, purchases, n_customers)
    if product_affinity > 0:
        favoured = prefer_favourite_kinds(taste_rng, catalogue, purchases.product,
                                          invoices.customer[purchases.invoice], n_customers, product_affinity)
        purchases.product = without_new_duplicates(favoured, purchases.product, purchases, cancels, copied)
        cancels.product = purchases.product[copied]
    # local invoice indices run: identified, retail, adjustments, specials
    retail = draw_retail_invoices(rng, len(invoices.customer), n_customers, calendar, catalogue)
    adjustments = draw_stock_adjustments(rng, retail.stop, n_customers, calendar, catalogue)
    specials = draw_special_invoices(rng, adjustments.stop, n_customers, calendar, catalogue)
    countries = np.concatenate([customers.country[invoices.customer],
                                draw_unidentified_countries(rng, len(retail.invoice))])
    extras = draw_non_product_lines(rng, invoices, retail.invoice, countries)
    lines = Lines.concat([purchases, cancels, retail.lines, adjustments.lines, *specials.lines, *extras])

    minutes = draw_invoice_minutes(rng, np.concatenate([invoices.day, retail.day, adjustments.day, specials.day]))
    columns = invoice_columns(minutes, chunk, customers, invoices, countries, specials)
    lines = add_duplicates_sorted(rng, lines, columns.number)
    stock, description = describe_lines(rng, lines, catalogue, adjustments)
    return to_arrow(lines, stock, description, columns, id_offset)
