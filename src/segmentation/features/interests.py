"""Per-customer interest and seasonality features as of a cutoff: one DuckDB query, no
per-customer Python loop.

Over a customer's purchase lines (identified, not cancellations) strictly before the cutoff,
spend = max(quantity x price, 0):

- share_top1..share_topN: share of spend in the categories ranked 1..N by revenue
  (N: the largest share_topN the feature set lists); share_other: the rest (smaller categories and products without one),
  so the N + 1 shares sum to 1 (a customer with no positive spend has share_other = 1);
- category_entropy: Shannon entropy (natural log) of the spend shares over every category,
  uncategorised products counted as one more; 0 = buys one category only;
- peak_quarter_share: share of spend in the data's peak quarter, the calendar quarter with the
  most spend over every customer's lines before the cutoff;
- active_months: distinct calendar months with a purchase;
- order_gap_cv: regularity, the coefficient of variation (population std / mean) of the days
  between consecutive purchase days; low = regular. Needs 3 purchase days (2 gaps): other
  customers get the median of those who have it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from segmentation.common.catalog import parquet_scan
from segmentation.common.errors import UserError

SEASONALITY = ("category_entropy", "peak_quarter_share", "active_months", "order_gap_cv")
FIX_ABSENT = ("Fix: use a feature set without them (features=rfm_extras or rfm), or data with product "
              "descriptions (data.columns.description) and enough distinct products (categories.min_products).")


def share_columns(top_n: int) -> list[str]:
    return [*(f"share_top{i}" for i in range(1, top_n + 1)), "share_other"]


def interest_columns(top_n: int) -> list[str]:
    return [*share_columns(top_n), *SEASONALITY]


def is_interest_column(name: str) -> bool:
    return name in (*SEASONALITY, "share_other") or (name.startswith("share_top") and name[9:].isdigit())


def interest_columns_of(columns) -> list[str]:
    return [str(c) for c in columns if is_interest_column(str(c))]


def with_interests(table: pd.DataFrame, interests: pd.DataFrame) -> pd.DataFrame:
    """`table` (one row per customer) joined to their interest features; a customer without a
    purchase line before the cutoff (only cancellations) bought nothing: shares 0 but
    share_other 1, regularity the median."""
    joined = table.merge(interests, on="customer_id", how="left")
    nothing = {c: 0.0 for c in interests.columns if c != "customer_id"} | {"share_other": 1.0}
    median_cv = float(interests["order_gap_cv"].median()) if len(interests) else 0.0
    return joined.fillna({**nothing, "order_gap_cv": median_cv})


def top_n_of(columns) -> int:
    """N of the spend shares a feature set asks for: its largest share_topN (0 if it lists none)."""
    return max((int(c[9:]) for c in map(str, columns) if c.startswith("share_top") and c[9:].isdigit()), default=0)


def product_table(source_sql: str) -> pd.DataFrame:
    """Distinct product descriptions of purchase lines with their revenue (description, revenue)."""
    return duckdb.connect().execute(f"""
        SELECT description, round(sum(greatest(revenue, 0)), 2)::DOUBLE AS revenue, count(*)::BIGINT AS lines
        FROM ({source_sql}) WHERE NOT is_cancellation AND description IS NOT NULL AND trim(description) <> ''
        GROUP BY description ORDER BY description""").df()


def absence(columns, products: pd.DataFrame | None, min_products: int) -> str | None:
    """Why there can be no categories (no description column, too few products), else None."""
    if "description" not in set(columns):
        return "the data has no product descriptions"
    if products is None or len(products) < min_products:
        found = 0 if products is None else len(products)
        return f"the data has {found} distinct product description(s), fewer than categories.min_products={min_products}"
    return None


def absent_error(feature_set: str, reason: str, needed) -> UserError:
    return UserError(f"features={feature_set} needs interest features {list(needed)[:3]}..., but {reason} so "
                     f"there are no product categories. {FIX_ABSENT}")


def _sql(source_sql: str, at: str, top_n: int) -> str:
    shares = ", ".join(f"coalesce(sum(spend) FILTER (WHERE rank = {i}) / nullif(sum(spend), 0), 0)::DOUBLE "
                       f"AS share_top{i}" for i in range(1, top_n + 1))
    return f"""
        WITH lines AS (
            SELECT l.customer_id, l.invoice_date, greatest(l.revenue, 0) AS spend,
                   coalesce(c.category + 1, 0) AS rank
            FROM ({source_sql}) l LEFT JOIN categories c ON l.description = c.description
            WHERE l.is_identified AND NOT l.is_cancellation AND l.invoice_date < {at}),
        peak AS (SELECT quarter(invoice_date) AS q FROM lines GROUP BY q ORDER BY sum(spend) DESC, q LIMIT 1),
        per_category AS (SELECT customer_id, sum(spend) AS s FROM lines GROUP BY customer_id, rank),
        entropy AS (
            SELECT customer_id, coalesce(-sum(s / t * ln(s / t)) FILTER (WHERE s > 0), 0) AS category_entropy
            FROM (SELECT customer_id, s, sum(s) OVER (PARTITION BY customer_id) AS t FROM per_category)
            GROUP BY customer_id),
        days AS (SELECT DISTINCT customer_id, invoice_date::DATE AS d FROM lines),
        gaps AS (
            SELECT customer_id, date_diff('day', lag(d) OVER (PARTITION BY customer_id ORDER BY d), d) AS g FROM days),
        regularity AS (
            SELECT customer_id, CASE WHEN count(g) >= 2 AND avg(g) > 0 THEN stddev_pop(g) / avg(g) END AS order_gap_cv
            FROM gaps GROUP BY customer_id),
        per_customer AS (
            SELECT customer_id, {shares},
                   coalesce(sum(spend) FILTER (WHERE quarter(invoice_date) = (SELECT q FROM peak))
                            / nullif(sum(spend), 0), 0)::DOUBLE AS peak_quarter_share,
                   count(DISTINCT date_trunc('month', invoice_date))::BIGINT AS active_months
            FROM lines GROUP BY customer_id)
        SELECT p.*, e.category_entropy::DOUBLE AS category_entropy, r.order_gap_cv::DOUBLE AS order_gap_cv,
               (SELECT q FROM peak) AS peak_quarter
        FROM per_customer p JOIN entropy e USING (customer_id) JOIN regularity r USING (customer_id)
        ORDER BY customer_id"""


def _finish(table: pd.DataFrame, top_n: int) -> tuple[pd.DataFrame, int | None]:
    shares = share_columns(top_n)[:-1]
    table["share_other"] = (1.0 - table[shares].sum(axis=1)).clip(lower=0.0)
    if table["order_gap_cv"].notna().any():
        table["order_gap_cv"] = table["order_gap_cv"].fillna(table["order_gap_cv"].median())
    else:
        table["order_gap_cv"] = 0.0
    peak = None if table.empty else int(table["peak_quarter"].iloc[0])
    return table[["customer_id", *interest_columns(top_n)]], peak


def _run(con, source_sql: str, categories: pd.DataFrame, cutoff, top_n: int) -> tuple[pd.DataFrame, int | None]:
    if top_n < 1:
        raise UserError("the feature set lists interest features but no share_top1..N. "
                        "Fix: add share_top1 (and more) to features.columns, e.g. as conf/features/rfm_interests.yaml.")
    con.execute("SET enable_progress_bar = false")
    con.register("categories", categories[["description", "category"]])
    at = f"TIMESTAMP '{pd.Timestamp(cutoff):%Y-%m-%d %H:%M:%S}'"
    return _finish(con.execute(_sql(source_sql, at, top_n)).df(), top_n)


def interests_from_file(path: Path, categories: pd.DataFrame, cutoff, top_n: int) -> tuple[pd.DataFrame, int | None]:
    """The interest features of every customer with a purchase before `cutoff` (see module
    docstring) in a cleaned parquet file, and the peak quarter (1-4; None without customers).
    `categories`: description, category (0 = the most revenue)."""
    return _run(duckdb.connect(), file_source(path), categories, cutoff, top_n)


def interests_from_frame(lines: pd.DataFrame, categories: pd.DataFrame, cutoff, top_n: int):
    """`interests_from_file` on cleaned lines held in memory."""
    con = duckdb.connect()
    con.register("frame_lines", lines)
    return _run(con, "SELECT * FROM frame_lines", categories, cutoff, top_n)


def file_source(path: Path) -> str:
    return f"SELECT * FROM {parquet_scan(path)}"


def spend_by_key(path: Path, categories: pd.DataFrame, cutoff) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spend per customer and category name (customer_id, category_name, spend; products
    without a category left out) and per customer and calendar month (customer_id, month 1-12,
    spend), over identified purchase lines strictly before `cutoff`: one DuckDB pass each."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("categories", categories[["description", "category_name"]])
    at = f"TIMESTAMP '{pd.Timestamp(cutoff):%Y-%m-%d %H:%M:%S}'"
    lines = (f"SELECT * FROM ({file_source(path)}) WHERE is_identified AND NOT is_cancellation "
             f"AND invoice_date < {at} AND revenue > 0")
    by_category = con.execute(f"""
        SELECT l.customer_id, c.category_name, sum(l.revenue)::DOUBLE AS spend
        FROM ({lines}) l JOIN categories c ON l.description = c.description
        GROUP BY ALL ORDER BY ALL""").df() if len(categories) else None
    by_month = con.execute(f"""
        SELECT customer_id, month(invoice_date)::INTEGER AS month, sum(revenue)::DOUBLE AS spend
        FROM ({lines}) GROUP BY ALL ORDER BY ALL""").df()
    return by_category, by_month
