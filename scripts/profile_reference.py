"""Measure a transactions file against the published figures of the real Online Retail II.

Used to document how close the synthetic default is to the real data, and as a sanity
check of a real file. Measured on the canonical ingest output (all lines, before cleaning).
Per-customer figures use identified lines and count cancellation invoices as invoices;
"net" means purchases minus cancellations; recency is measured at 2011-12-10.

    python scripts/profile_reference.py [build/raw.parquet] [--markdown out.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from segmentation.common.catalog import Catalog, user_path
from segmentation.common.config import load_params
from segmentation.common.errors import UserError, cli

#: (key, label, published value as text, numeric target or None)
TARGETS = [
    ("lines", "Invoice lines", "1,067,371", 1_067_371),
    ("pct_no_customer_id", "Lines without Customer ID (%)", "22.8", 22.8),
    ("duplicate_lines", "Exact duplicate lines", "≈ 34,300", 34_300),
    ("customers", "Identified customers", "≈ 5,940", 5_940),
    ("customers_by_2010", "Customers active by 2010-12-31", "4,411", 4_411),
    ("pct_customers_cancelling", "Customers with ≥ 1 cancellation line (%)", "≈ 43", 43),
    ("countries", "Countries", "≈ 41", 41),
    ("pct_lines_uk", "Lines from the United Kingdom (%)", "≈ 91", 91),
    ("revenue_2010", "Net revenue 2010, identified customers (£M)", "≈ 7.9", 7.9),
    ("revenue_2011", "Net revenue 2011, identified customers (£M)", "≈ 7.7", 7.7),
    ("revenue_jan_aug", "Monthly revenue Jan–Aug, min–max (£M)", "0.45–0.65", None),
    ("revenue_nov", "Monthly revenue in November 2010 / 2011 (£M)", "1.0–1.1", None),
    ("invoices_q", "Invoices per customer p25/p50/p75/p90/p99", "2 / 4 / 8 / 17 / 57", None),
    ("pct_one_invoice", "Customers with exactly one invoice (%)", "≈ 25", 25),
    ("spend_q", "Net spend per customer p25/p50/p75/p90/p99 (£)", "321 / 824 / 2,143 / 5,135 / 26,000", None),
    ("items_q", "Items per customer p50/p90", "460 / 3,100", None),
    ("items_per_order_q", "Average items per order p50/p90", "130 / 340", None),
    ("recency_q", "Days since last purchase p25/p50/p75", "24 / 95 / 380", None),
    ("pct_wholesale", "Customers averaging ≥ 1,000 items per order (%)", "a few", None),
    ("top_non_product", "Most frequent non-product code", "POST", None),
    ("negative_price_lines", "Lines with a negative price", "a few (B, bad debt)", None),
]


def measure(path: str | Path) -> dict[str, object]:
    """Every figure of TARGETS, measured on a canonical parquet file."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS SELECT *, quantity * price AS revenue FROM read_parquet('{Path(path).as_posix()}')")
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    lines, no_id, uk, countries, negative_price = one(
        "SELECT count(*), count(*) FILTER (customer_id IS NULL), count(*) FILTER (country = 'United Kingdom'), "
        "count(DISTINCT country), count(*) FILTER (price < 0) FROM t")
    distinct = one("SELECT count(*) FROM (SELECT DISTINCT * EXCLUDE (revenue) FROM t)")[0]
    con.execute("""
        CREATE TEMP TABLE invoices AS
        SELECT customer_id, invoice, min(invoice_date) AS ordered_at, sum(quantity) AS items, sum(revenue) AS revenue,
               bool_or(invoice LIKE 'C%' OR quantity < 0) AS cancelling
        FROM t WHERE customer_id IS NOT NULL GROUP BY customer_id, invoice""")
    con.execute("""
        CREATE TEMP TABLE customers AS
        SELECT customer_id, count(*) AS invoices, sum(revenue) AS spend, sum(items) AS items,
               avg(items) AS items_per_order, bool_or(cancelling) AS cancelling, min(ordered_at) AS first_at,
               date_diff('day', max(ordered_at)::DATE, DATE '2011-12-10') AS recency
        FROM invoices GROUP BY customer_id""")
    quantiles = lambda column, qs: [round(v) for v in one(  # noqa: E731
        "SELECT " + ", ".join(f"quantile_cont({column}, {q})" for q in qs) + " FROM customers")]
    customers, by_2010, cancelling, one_invoice, wholesale = one(
        "SELECT count(*), count(*) FILTER (first_at < DATE '2011-01-01'), avg(cancelling::INT) * 100, "
        "avg((invoices = 1)::INT) * 100, avg((items_per_order >= 1000)::INT) * 100 FROM customers")
    monthly = con.execute("""
        SELECT year(invoice_date) AS y, month(invoice_date) AS m, sum(revenue) / 1e6 AS revenue
        FROM t WHERE customer_id IS NOT NULL GROUP BY ALL ORDER BY y, m""").fetchall()
    by_year = {}
    for y, _, revenue in monthly:
        by_year[y] = by_year.get(y, 0.0) + revenue
    jan_aug = [r for y, m, r in monthly if y in (2010, 2011) and m <= 8]
    november = [r for y, m, r in monthly if m == 11]
    top_code = con.execute("""
        SELECT stock_code FROM t WHERE NOT regexp_matches(stock_code, '^[0-9]{5}')
        GROUP BY stock_code ORDER BY count(*) DESC LIMIT 1""").fetchone()
    return {
        "lines": lines,
        "pct_no_customer_id": round(100 * no_id / lines, 1),
        "duplicate_lines": lines - distinct,
        "customers": customers,
        "customers_by_2010": by_2010,
        "pct_customers_cancelling": round(cancelling, 1),
        "countries": countries,
        "pct_lines_uk": round(100 * uk / lines, 1),
        "revenue_2010": round(by_year.get(2010, 0.0), 2),
        "revenue_2011": round(by_year.get(2011, 0.0), 2),
        "revenue_jan_aug": f"{min(jan_aug):.2f}–{max(jan_aug):.2f}" if jan_aug else "n/a",
        "revenue_nov": " / ".join(f"{r:.2f}" for r in november) or "n/a",
        "invoices_q": " / ".join(map(str, quantiles("invoices", [0.25, 0.5, 0.75, 0.9, 0.99]))),
        "pct_one_invoice": round(one_invoice, 1),
        "spend_q": " / ".join(f"{v:,}" for v in quantiles("spend", [0.25, 0.5, 0.75, 0.9, 0.99])),
        "items_q": " / ".join(f"{v:,}" for v in quantiles("items", [0.5, 0.9])),
        "items_per_order_q": " / ".join(f"{v:,}" for v in quantiles("items_per_order", [0.5, 0.9])),
        "recency_q": " / ".join(map(str, quantiles("recency", [0.25, 0.5, 0.75]))),
        "pct_wholesale": round(wholesale, 1),
        "top_non_product": top_code[0] if top_code else "n/a",
        "negative_price_lines": negative_price,
    }


def as_markdown(measured: dict[str, object], title: str = "This data") -> str:
    rows = ["| Figure | Real Online Retail II (published) | " + title + " |", "|---|---|---|"]
    for key, label, published, _ in TARGETS:
        value = measured[key]
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        rows.append(f"| {label} | {published} | {shown} |")
    return "\n".join(rows) + "\n"


@cli
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="canonical parquet (default: paths.raw from params.yaml)")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    path = user_path(args.path) if args.path else Catalog(load_params()).raw
    if not path.is_file():
        raise UserError(f"{path} not found. Fix: run `dvc repro ingest` first.")
    table = as_markdown(measure(path), "Measured here")
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
