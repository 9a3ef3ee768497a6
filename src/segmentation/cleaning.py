"""Cleaning rules, each switchable and accounted for (lines and revenue).

Order: exact duplicates, then non-product codes, non-positive prices and quantity
outliers; a line is counted against the first rule that removes it. Two flags are added
and counted, never used to remove lines:
- `is_identified`: a customer id is present. Unidentified lines stay for company-level
  figures and are left out of customer features.
- `is_cancellation`: the invoice starts with "C" or the quantity is negative.
Revenue of a line is quantity x price (negative on cancellations).

The same SQL runs on an in-memory frame (`clean_frame`, used by tests) and on parquet
files of any size (`clean_file`, streamed and spilled by DuckDB). Kept lines stay in input
order (a duplicate keeps its first occurrence), so the output is deterministic and the
only sort is on one integer (sorting 100M lines on all eight columns cost minutes).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

REMOVAL_RULES = ("duplicates", "non_product", "non_positive_price", "quantity_outliers")
ROW = "_row"  # input line number, carried through to keep the input order


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def removal_conditions(rules: Mapping) -> dict[str, str]:
    """SQL condition per enabled row-level rule, in the order they apply."""
    conditions = {}
    if rules.get("drop_non_product", True):
        code = "upper(trim(stock_code))"
        parts = []
        codes = [str(c).upper() for c in rules.get("non_product_codes") or []]
        if codes:
            parts.append(f"{code} IN ({', '.join(map(_quote, codes))})")
        parts += [f"starts_with({code}, {_quote(str(p).upper())})" for p in rules.get("non_product_prefixes") or []]
        if parts:
            conditions["non_product"] = "coalesce(" + " OR ".join(parts) + ", false)"
    if rules.get("drop_non_positive_price", True):
        conditions["non_positive_price"] = "price <= 0"
    if rules.get("drop_quantity_outliers", True):
        conditions["quantity_outliers"] = f"abs(quantity) > {float(rules.get('max_abs_quantity', 10000))}"
    return conditions


def _run(con: duckdb.DuckDBPyConnection, source_sql: str, rules: Mapping) -> dict:
    """Label every line with the rule that removes it (or NULL); return the report."""
    lines_in, revenue_in = con.execute(f"SELECT count(*), coalesce(sum(quantity * price), 0) FROM ({source_sql})").fetchone()
    deduplicate = rules.get("drop_duplicates", True)
    # GROUP BY ALL = DISTINCT on every column but the line number (NULLs compare equal, as in DISTINCT)
    deduped = f"SELECT * EXCLUDE ({ROW}), min({ROW}) AS {ROW} FROM ({source_sql}) GROUP BY ALL" if deduplicate else source_sql
    conditions = removal_conditions(rules)
    case = " ".join(f"WHEN {sql} THEN '{name}'" for name, sql in conditions.items())
    removed_by = f"CASE {case} END" if case else "NULL::VARCHAR"
    con.execute(f"CREATE OR REPLACE TEMP TABLE labelled AS SELECT *, {removed_by} AS removed_by FROM ({deduped})")
    by_rule = {name: (lines, revenue) for name, lines, revenue in con.execute(
        "SELECT removed_by, count(*), coalesce(sum(quantity * price), 0) FROM labelled GROUP BY removed_by").fetchall()}
    kept_lines, kept_revenue = by_rule.pop(None, (0, 0.0))
    deduped_lines = kept_lines + sum(lines for lines, _ in by_rule.values())
    deduped_revenue = kept_revenue + sum(revenue for _, revenue in by_rule.values())
    removed = {"duplicates": (lines_in - deduped_lines, revenue_in - deduped_revenue)}
    removed.update({name: by_rule.get(name, (0, 0.0)) for name in REMOVAL_RULES[1:]})
    flags = con.execute("""
        SELECT count(*) FILTER (customer_id IS NULL), coalesce(sum(quantity * price) FILTER (customer_id IS NULL), 0),
               count(*) FILTER (starts_with(upper(invoice), 'C') OR quantity < 0),
               coalesce(sum(quantity * price) FILTER (starts_with(upper(invoice), 'C') OR quantity < 0), 0),
               count(DISTINCT customer_id)
        FROM labelled WHERE removed_by IS NULL""").fetchone()
    money = lambda value: round(float(value), 2)  # noqa: E731
    return {
        "lines_in": int(lines_in),
        "revenue_in": money(revenue_in),
        "removed": {name: {"lines": int(lines), "revenue": money(revenue)} for name, (lines, revenue) in removed.items()},
        "lines_out": int(kept_lines),
        "revenue_out": money(kept_revenue),
        "flagged": {
            "unidentified": {"lines": int(flags[0]), "revenue": money(flags[1])},
            "cancellations": {"lines": int(flags[2]), "revenue": money(flags[3])},
        },
        "customers_out": int(flags[4]),
    }


_OUTPUT = f"""
    SELECT * EXCLUDE (removed_by, {ROW}), quantity * price AS revenue, customer_id IS NOT NULL AS is_identified,
           (starts_with(upper(invoice), 'C') OR quantity < 0) AS is_cancellation
    FROM labelled WHERE removed_by IS NULL ORDER BY {ROW}"""


def clean_frame(frame: pd.DataFrame, rules: Mapping) -> tuple[pd.DataFrame, dict]:
    """Clean canonical transactions held in memory; return the kept lines and the report."""
    con = duckdb.connect()
    con.register("source_frame", frame.assign(**{ROW: np.arange(len(frame), dtype=np.int64)}))
    report = _run(con, "SELECT * FROM source_frame", rules)
    return con.execute(_OUTPUT).df(), report


def clean_file(source: Path, target: Path, rules: Mapping, memory_limit: str = "6GB") -> dict:
    """Clean a canonical parquet file into `target` (written whole or not at all by the caller)."""
    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": True})
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = {_quote(str(target.parent / '.duckdb_tmp'))}")
    source_sql = f"SELECT * RENAME (file_row_number AS {ROW}) FROM read_parquet({_quote(source.as_posix())}, file_row_number = true)"
    report = _run(con, source_sql, rules)
    con.execute(f"COPY ({_OUTPUT}) TO {_quote(target.as_posix())} (FORMAT parquet, COMPRESSION zstd)")
    return report
