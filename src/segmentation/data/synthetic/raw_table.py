"""The raw UCI-layout table: exact duplicate lines, stock codes and descriptions, Arrow columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .calibration import COUNTRIES, NON_PRODUCT, START
from .catalogue import Catalogue
from .lines import Lines
from .numbering import InvoiceColumns
from .unidentified import Unidentified

RAW_SCHEMA = pa.schema([("Invoice", pa.string()), ("StockCode", pa.string()), ("Description", pa.string()),
                        ("Quantity", pa.int64()), ("InvoiceDate", pa.timestamp("us")), ("Price", pa.float64()),
                        ("Customer ID", pa.float64()), ("Country", pa.string())])


def empty_table() -> pa.Table:
    """A raw table with no lines (written when real data is configured)."""
    return RAW_SCHEMA.empty_table()


def add_duplicates_sorted(rng: np.random.Generator, lines: Lines, number: np.ndarray) -> Lines:
    """Exact duplicate lines (~3.2 %), then sort lines by invoice number."""
    n_all = len(lines.invoice)
    repeat = 1 + (rng.random(n_all) < 0.015).astype(np.int64)
    keep = np.repeat(np.arange(n_all), repeat)
    return lines.take(keep[np.argsort(number[lines.invoice[keep]], kind="stable")])


def describe_lines(rng: np.random.Generator, lines: Lines, catalogue: Catalogue,
                   adjustments: Unidentified) -> tuple[np.ndarray, np.ndarray]:
    """Stock code and description of each line; stock adjustments say "damaged" or nothing."""
    is_product = lines.product >= 0
    product = np.maximum(lines.product, 0)
    stock = np.where(is_product, catalogue.stock_code[product], lines.code)
    description = np.where(is_product, catalogue.description[product],
                           pd.Series(lines.code).map(NON_PRODUCT).to_numpy(dtype=object))
    adjustment_line = (lines.invoice >= adjustments.start) & (lines.invoice < adjustments.stop)
    blank = adjustment_line & (rng.random(len(lines.invoice)) < 0.5)
    return stock, np.where(blank, None, np.where(adjustment_line, "damaged", description))


def to_arrow(lines: Lines, stock: np.ndarray, description: np.ndarray, invoices: InvoiceColumns,
             id_offset: int) -> pa.Table:
    inv = lines.invoice
    cust = invoices.customer[inv]
    invoice_text = pc.binary_join_element_wise(
        pa.array(invoices.prefix[inv], pa.string()), pa.array(invoices.number[inv]).cast(pa.string()), "")
    timestamps = (START.value // 1000 + invoices.minutes[inv] * 60_000_000)
    return pa.table({
        "Invoice": invoice_text,
        "StockCode": pa.array(stock, pa.string()),
        "Description": pa.array(description, pa.string()),
        "Quantity": pa.array(lines.quantity, pa.int64()),
        "InvoiceDate": pa.array(timestamps, pa.timestamp("us")),
        "Price": pa.array(lines.price, pa.float64()),
        "Customer ID": pa.array(np.where(cust >= 0, 12346 + id_offset + cust, np.nan), pa.float64()),
        "Country": pa.array(np.array(COUNTRIES, dtype=object)[invoices.country[inv]], pa.string()),
    })
