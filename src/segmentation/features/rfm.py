"""Customer features as of a cutoff date: pure, vectorised (one DuckDB group-by).

Only identified lines strictly before the cutoff count. Per customer:

- recency: days from the last purchase (a non-cancellation line) to the cutoff; ≥ 1,
  because the cutoff is a date and only earlier lines count;
- frequency: number of distinct purchase invoices (cancellation invoices excluded);
- monetary: net spend in `data.currency`, purchases minus cancellations/returns (sum of quantity x price);
- total_quantity: net units, units bought minus units returned;
- cancellation_pct: share of the customer's lines that are cancellations, x 100;
- avg_items_per_order: units bought (purchase lines) divided by frequency, i.e. the mean
  summed quantity per purchase invoice.

When the source carries order attributes (the Olist export: `schema.EXTRA_COLUMNS`), three more
per customer, over their purchase lines (`features=rfm_olist`):
- mean_review_score: mean review score (1-5) of their reviewed orders;
- mean_installments: mean number of payment instalments;
- late_delivery_pct: share of their delivered orders that arrived after the estimated date, x 100.
A customer without a reviewed (delivered) order gets the median of the customers who have one,
so the column has no gaps; a feature whose attribute no line holds is left out.

A customer appears once they have made at least one purchase before the cutoff; customers
with only cancellations in the window (returns of older orders) are left out. Net spend can
be negative when returns exceed purchases in the window: such customers are kept, and the
signed log1p transform (sign(x) * log1p(|x|)) handles them.

The same SQL runs on an in-memory frame (tests) and on a parquet file of any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from segmentation.common.catalog import parquet_columns, parquet_scan
from segmentation.common.errors import UserError

#: order attribute (schema.EXTRA_COLUMNS) -> the per-customer feature built from it
EXTRA_FEATURES = {"review_score": "mean_review_score", "installments": "mean_installments",
                  "late_delivery": "late_delivery_pct"}
ALL_FEATURES = ("recency", "frequency", "monetary", "total_quantity", "cancellation_pct", "avg_items_per_order",
                *EXTRA_FEATURES.values())
FEATURE_LABELS = {
    "recency": "Days since last purchase",
    "frequency": "Number of orders",
    "monetary": "Net spend",
    "total_quantity": "Units bought (net)",
    "cancellation_pct": "Cancelled lines (%)",
    "avg_items_per_order": "Units per order",
    "mean_review_score": "Review score (1-5)",
    "mean_installments": "Payment instalments",
    "late_delivery_pct": "Late deliveries (%)",
}


def _extra_sql(extras: Sequence[str]) -> tuple[str, str]:
    """The aggregate and the output column of each order attribute present in the source."""
    scale = {"late_delivery": "100.0 * "}
    aggregates = "".join(f",\n                   {scale.get(name, '')}avg({name}) FILTER (NOT is_cancellation) "
                         f"AS {EXTRA_FEATURES[name]}" for name in extras)
    outputs = "".join(f"{EXTRA_FEATURES[name]}::DOUBLE AS {EXTRA_FEATURES[name]}, " for name in extras)
    return aggregates, outputs


def _sql(source_sql: str, cutoff: pd.Timestamp, extras: Sequence[str] = ()) -> str:
    at = f"TIMESTAMP '{cutoff:%Y-%m-%d %H:%M:%S}'"
    extra_aggregates, extra_outputs = _extra_sql(extras)
    return f"""
        WITH per_customer AS (
            SELECT customer_id,
                   max(invoice_date) FILTER (NOT is_cancellation) AS last_purchase,
                   min(invoice_date) FILTER (NOT is_cancellation) AS first_purchase,
                   count(DISTINCT invoice) FILTER (NOT is_cancellation) AS frequency,
                   sum(revenue) AS monetary,
                   sum(quantity) AS total_quantity,
                   100.0 * avg(is_cancellation::INTEGER) AS cancellation_pct,
                   sum(quantity) FILTER (NOT is_cancellation) AS purchased_units{extra_aggregates}
            FROM ({source_sql})
            WHERE is_identified AND invoice_date < {at}
            GROUP BY customer_id
        )
        SELECT customer_id,
               date_diff('day', last_purchase::DATE, {at}::DATE)::BIGINT AS recency,
               frequency::BIGINT AS frequency,
               round(monetary, 2)::DOUBLE AS monetary,
               total_quantity::DOUBLE AS total_quantity,
               cancellation_pct::DOUBLE AS cancellation_pct,
               (purchased_units / frequency)::DOUBLE AS avg_items_per_order,
               {extra_outputs}first_purchase, last_purchase
        FROM per_customer WHERE frequency > 0
        ORDER BY customer_id"""


def _extras_in(columns) -> list[str]:
    return [name for name in EXTRA_FEATURES if name in set(columns)]


def _fill_extras(table: pd.DataFrame) -> pd.DataFrame:
    """Gaps in order-attribute features take the median of the customers who have a value;
    a feature nobody has is dropped."""
    for column in EXTRA_FEATURES.values():
        if column in table:
            if table[column].notna().any():
                table[column] = table[column].fillna(table[column].median())
            else:
                table = table.drop(columns=column)
    return table


def features_from_frame(lines: pd.DataFrame, cutoff) -> pd.DataFrame:
    """Features of cleaned lines held in memory (see module docstring)."""
    con = duckdb.connect()
    con.register("lines", lines)
    return _fill_extras(con.execute(_sql("SELECT * FROM lines", pd.Timestamp(cutoff), _extras_in(lines.columns))).df())


def features_from_file(path: Path, cutoff, con=None) -> pd.DataFrame:
    """Features of cleaned lines in a parquet file or folder; DuckDB prunes row groups after the
    cutoff. `con`: a DuckDB connection (default: a new one) or a `SparkConnection`."""
    if con is None:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
    extras = _extras_in(parquet_columns(path))
    sql = _sql(f"SELECT * FROM {parquet_scan(path)}", pd.Timestamp(cutoff), extras)
    return _fill_extras(con.execute(sql).df())


def with_membership(table: pd.DataFrame, baseline_ids) -> pd.DataFrame:
    """Mark customers with no purchase before the baseline as new."""
    return table.assign(is_new=~table["customer_id"].isin(set(baseline_ids)))


def read_precomputed(path: Path, id_column: str, columns: Sequence[str]) -> pd.DataFrame:
    """A customer x feature table from a warehouse (CSV or parquet) instead of transactions;
    its id column is renamed `customer_id`."""
    if not path.is_file():
        raise UserError(f"precomputed features not found: {path}. Fix: set features.precomputed to the table's path.")
    try:
        table = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
    except Exception as err:  # pandas raises many types for unreadable files
        raise UserError(f"{path.name} could not be read as a table ({err}). Fix: give a CSV or parquet file.") from None
    if table.empty:
        raise UserError(f"{path.name} has no rows. Fix: point features.precomputed at a table with customers.")
    if id_column not in table.columns:
        raise UserError(f"{path.name} has no id column '{id_column}'. Columns found: {list(table.columns)}. "
                        "Fix: set features.id_column to the customer id column.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise UserError(f"{path.name} lacks feature column(s) {missing}. Columns found: {list(table.columns)}. "
                        "Fix: set features.columns to columns of the table.")
    if table[id_column].duplicated().any():
        raise UserError(f"{path.name}: customer ids repeat in '{id_column}'. Fix: one row per customer.")
    numeric = table[list(columns)].apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() | ~np.isfinite(numeric)
    if bad.any().any():
        column = bad.any().idxmax()
        row = int(bad[column].to_numpy().argmax())
        raise UserError(f"{path.name}: column '{column}' is not a finite number on data row {row + 1} "
                        f"('{table[column].iloc[row]}'). Fix: clean the table.")
    out = numeric.astype("float64")
    out.insert(0, "customer_id", table[id_column].astype("string"))
    return out
