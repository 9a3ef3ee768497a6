"""Cleaning rules, each switchable and accounted for (lines and revenue).

Order: exact duplicates, then non-product codes, non-positive prices and quantity
outliers; a line is counted against the first rule that removes it. Two flags are added
and counted, never used to remove lines:
- `is_identified`: a customer id is present. Unidentified lines stay for company-level
  figures and are left out of customer features.
- `is_cancellation`: the invoice starts with the source's `cancellation_prefix` (UCI: "C";
  none for most exports) or the quantity is negative.
Exact-duplicate removal `auto` applies only when the source has invoice numbers or times of
day: without both, identical lines are as likely to be genuine repeat purchases.
Revenue of a line is quantity x price (negative on cancellations).

The same SQL runs on an in-memory frame (`clean_frame`, used by `assign` and tests) and on
parquet files of any size (`clean_file`). At 100M lines, materialising, deduplicating and
sorting the whole table cost minutes and 6.5 GB, so instead:
- duplicates: a 64-bit hash of every column finds the few lines that may repeat in one
  narrow pass; the exact comparison runs on those only. A repeated line keeps its first
  occurrence; the later line numbers are the drop list;
- the report is one aggregate over the source without the drop list;
- the lines a rule removes are a second, narrow list of line numbers;
- kept lines stream out batch by batch in input order (pyarrow: read, drop listed lines, add
  revenue and flags, write), so the output is deterministic without a sort and memory stays
  bounded by a batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from segmentation.common.config import required
from segmentation.common.errors import UserError
from segmentation.common.sql import quote

REMOVAL_RULES = ("duplicates", "non_product", "non_positive_price", "quantity_outliers")
ROW = "_row"  # input line number (0-based)
BATCH_ROWS = 2_000_000


def duplicates_rule(setting, facts: Mapping | None) -> dict:
    """Whether exact duplicates are removed, and why (`cleaning.drop_duplicates`: true, false
    or auto; `facts`: the ingest report's columns and time_of_day)."""
    if setting is True or setting is False:
        return {"applied": setting, "reason": f"cleaning.drop_duplicates={str(setting).lower()}"}
    if setting != "auto":
        raise UserError(f"cleaning.drop_duplicates='{setting}' is not valid. Fix: use auto, true or false.")
    if facts is None:
        return {"applied": True, "reason": "auto: what the source supplies is unknown, so duplicates are removed"}
    if facts["columns"].get("invoice") or facts["time_of_day"]:
        return {"applied": True, "reason": "auto: the source has invoice numbers or times of day, so identical "
                                           "lines are repeated entries"}
    return {"applied": False, "reason": "auto: the source has no invoice number and no time of day, so identical "
                                        "lines may be genuine repeat purchases (set cleaning.drop_duplicates=true "
                                        "to remove them)"}


def cleaning_rules(cleaning: Mapping, data: Mapping, facts: Mapping | None) -> dict:
    """The rules `clean_*` apply: the cleaning config, the source's cancellation prefix and the
    duplicate rule resolved for this source (`duplicates_rule`)."""
    rule = duplicates_rule(required(cleaning, "drop_duplicates", "cleaning"), facts)
    return {**cleaning, "drop_duplicates": rule["applied"], "duplicates_rule": rule,
            "cancellation_prefix": required(data, "cancellation_prefix", "data")}


def cancellation_sql(rules: Mapping) -> str:
    """SQL flag of a cancellation line (the same definition as `with_flags`)."""
    prefix = rules.get("cancellation_prefix")
    if not prefix:
        return "(quantity < 0)"
    return f"(starts_with(upper(invoice), {quote(str(prefix).upper())}) OR quantity < 0)"


def removal_conditions(rules: Mapping) -> dict[str, str]:
    """SQL condition per enabled row-level rule, in the order they apply."""
    conditions = {}
    if required(rules, "drop_non_product", "cleaning"):
        code = "upper(trim(stock_code))"
        parts = []
        codes = [str(c).upper() for c in required(rules, "non_product_codes", "cleaning") or []]
        if codes:
            parts.append(f"{code} IN ({', '.join(map(quote, codes))})")
        parts += [f"starts_with({code}, {quote(str(p).upper())})" for p in required(rules, "non_product_prefixes", "cleaning") or []]
        if parts:
            conditions["non_product"] = "coalesce(" + " OR ".join(parts) + ", false)"
    if required(rules, "drop_non_positive_price", "cleaning"):
        conditions["non_positive_price"] = "price <= 0"
    if required(rules, "drop_quantity_outliers", "cleaning"):
        conditions["quantity_outliers"] = f"abs(quantity) > {float(required(rules, 'max_abs_quantity', 'cleaning'))}"
    return conditions


def removed_by_sql(rules: Mapping) -> str:
    """SQL naming the first row-level rule that removes a line (NULL when it is kept)."""
    case = " ".join(f"WHEN {sql} THEN '{name}'" for name, sql in removal_conditions(rules).items())
    return f"CASE {case} END" if case else "NULL::VARCHAR"


def duplicates_sql(columns: list[str]) -> str:
    """Line numbers of exact duplicates after their first occurrence, from view `source`: the
    definition (`duplicate_rows` finds the same lines on one host through a hash pre-filter)."""
    cols = ", ".join(f'"{name}"' for name in columns)
    return (f"SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {cols} ORDER BY {ROW}) AS occurrence "
            f"FROM source) WHERE occurrence > 1")


def kept_sql(columns: list[str], rules: Mapping) -> str:
    """The kept lines of view `source` (minus view `dropped`) with revenue and the two flags:
    the definitions `with_flags` applies batch by batch on one host."""
    cols = ", ".join(f'"{name}"' for name in columns)
    return (f"SELECT {cols}, quantity * price AS revenue, customer_id IS NOT NULL AS is_identified, "
            f"{cancellation_sql(rules)} AS is_cancellation FROM source "
            f"WHERE {ROW} NOT IN (SELECT {ROW} FROM dropped) AND ({removed_by_sql(rules)}) IS NULL")


def duplicate_rows(con: duckdb.DuckDBPyConnection, columns: list[str]) -> np.ndarray:
    """Ascending line numbers of exact duplicates after their first occurrence, from view `source`."""
    cols = ", ".join(f'"{name}"' for name in columns)
    return con.execute(f"""
        WITH repeated AS (SELECT hash({cols}) AS h FROM source GROUP BY h HAVING count(*) > 1),
             candidates AS (SELECT * FROM source WHERE hash({cols}) IN (SELECT h FROM repeated)),
             firsts AS (SELECT min({ROW}) AS {ROW} FROM candidates GROUP BY {cols})
        SELECT {ROW} FROM candidates WHERE {ROW} NOT IN (SELECT {ROW} FROM firsts) ORDER BY {ROW}
    """).fetchnumpy()[ROW].astype(np.int64)


def cleaning_report(con, rules: Mapping) -> dict:
    """Lines and revenue per rule and flag; view `source`, drop list registered as `dropped`.
    `con`: DuckDB, or Spark through `engines.spark.SparkConnection` (the same SQL)."""
    lines_in, revenue_in = con.execute("SELECT count(*), coalesce(sum(quantity * price), 0) FROM source").fetchone()
    cancelled = cancellation_sql(rules)
    groups = con.execute(f"""
        SELECT removed_by, count(*), coalesce(sum(revenue), 0),
               count(*) FILTER (customer_id IS NULL), coalesce(sum(revenue) FILTER (customer_id IS NULL), 0),
               count(*) FILTER ({cancelled}), coalesce(sum(revenue) FILTER ({cancelled}), 0),
               count(DISTINCT customer_id)
        FROM (SELECT {removed_by_sql(rules)} AS removed_by, quantity * price AS revenue, customer_id, invoice, quantity
              FROM source WHERE {ROW} NOT IN (SELECT {ROW} FROM dropped))
        GROUP BY removed_by""").fetchall()
    by_rule = {row[0]: row[1:] for row in groups}
    kept = by_rule.pop(None, (0, 0.0, 0, 0.0, 0, 0.0, 0))
    deduped_lines = kept[0] + sum(row[0] for row in by_rule.values())
    deduped_revenue = kept[1] + sum(row[1] for row in by_rule.values())
    removed = {"duplicates": (lines_in - deduped_lines, revenue_in - deduped_revenue)}
    removed.update({name: by_rule.get(name, (0, 0.0))[:2] for name in REMOVAL_RULES[1:]})
    money = lambda value: round(float(value), 2)  # noqa: E731
    return {
        "lines_in": int(lines_in),
        "revenue_in": money(revenue_in),
        "removed": {name: {"lines": int(lines), "revenue": money(revenue)} for name, (lines, revenue) in removed.items()},
        "lines_out": int(kept[0]),
        "revenue_out": money(kept[1]),
        "flagged": {
            "unidentified": {"lines": int(kept[2]), "revenue": money(kept[3])},
            "cancellations": {"lines": int(kept[4]), "revenue": money(kept[5])},
        },
        "customers_out": int(kept[6]),
    }


def removed_rows(con: duckdb.DuckDBPyConnection, rules: Mapping) -> np.ndarray:
    """Ascending line numbers a row-level rule removes (a narrow result: order is free here)."""
    return con.execute(f"SELECT {ROW} FROM source WHERE ({removed_by_sql(rules)}) IS NOT NULL ORDER BY {ROW}"
                       ).fetchnumpy()[ROW].astype(np.int64)


def with_flags(table: pa.Table, prefix: str | None) -> pa.Table:
    """Add revenue, is_identified and is_cancellation (the same definitions as `_report`'s SQL)."""
    quantity = table["quantity"]
    cancelled = pc.less(quantity, 0)
    if prefix:
        cancelled = pc.or_kleene(pc.starts_with(pc.utf8_upper(table["invoice"]), str(prefix).upper()), cancelled)
    return (table.append_column("revenue", pc.multiply(quantity, table["price"]))
            .append_column("is_identified", pc.is_valid(table["customer_id"]))
            .append_column("is_cancellation", cancelled))


def _kept_batches(batches, drop: np.ndarray, prefix: str | None):
    """Kept lines with revenue and flags, batch by batch, in input order."""
    first = 0
    for batch in batches:
        rows = np.arange(first, first + batch.num_rows)
        lo, hi = np.searchsorted(drop, [first, first + batch.num_rows])
        first += batch.num_rows
        keep = ~np.isin(rows, drop[lo:hi], assume_unique=True)
        yield with_flags(pa.Table.from_batches([batch]).filter(pa.array(keep)), prefix)


def _clean(con: duckdb.DuckDBPyConnection, columns: list[str], batches, rules: Mapping):
    rule = rules.get("duplicates_rule") or duplicates_rule(required(rules, "drop_duplicates", "cleaning"), None)
    prefix = required(rules, "cancellation_prefix", "data")
    dropped = duplicate_rows(con, columns) if rule["applied"] else np.empty(0, dtype=np.int64)
    con.register("dropped", pa.table({ROW: dropped}))
    report = {**cleaning_report(con, rules), "duplicates_rule": dict(rule)}
    drop = np.union1d(dropped, removed_rows(con, rules))
    return report, _kept_batches(batches, drop, prefix)


def clean_frame(frame: pd.DataFrame, rules: Mapping) -> tuple[pd.DataFrame, dict]:
    """Clean canonical transactions held in memory; return the kept lines and the report."""
    con = duckdb.connect()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    con.register("numbered", table.append_column(ROW, pa.array(np.arange(len(frame), dtype=np.int64))))
    con.execute("CREATE VIEW source AS SELECT * FROM numbered")
    report, kept = _clean(con, list(frame.columns), table.to_batches(), rules)
    tables = list(kept) or [with_flags(table.slice(0, 0), rules.get("cancellation_prefix"))]
    return pa.concat_tables(tables).to_pandas(), report


def clean_file(source: Path, target: Path, rules: Mapping, memory_limit: str = "6GB") -> dict:
    """Clean a canonical parquet file into `target` (written whole or not at all by the caller)."""
    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = {quote(str(target.parent / '.duckdb_tmp'))}")
    con.execute(f"CREATE VIEW source AS SELECT * RENAME (file_row_number AS {ROW}) "
                f"FROM read_parquet({quote(source.as_posix())}, file_row_number = true)")
    parquet = pq.ParquetFile(source)
    report, kept = _clean(con, parquet.schema_arrow.names, parquet.iter_batches(batch_size=BATCH_ROWS), rules)
    writer = None
    try:
        for table in kept:
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # no batch at all: still a valid, empty file
        pq.write_table(with_flags(parquet.schema_arrow.empty_table(), rules.get("cancellation_prefix")), target)
    return report
