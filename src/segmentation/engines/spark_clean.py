"""Cleaning on Spark: the same rules, report and flags as `cleaning.clean_file`, from the same
SQL (`cleaning.duplicates_sql`, `cleaning_report`, `kept_sql`), written as partitioned parquet."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from segmentation.cleaning import ROW, cleaning_report, duplicates_rule, duplicates_sql, kept_sql
from segmentation.config import required
from segmentation.engines.spark import SparkConnection, to_spark


def clean_on_spark(con: SparkConnection, source: Path, target: Path, rules: Mapping) -> dict:
    """Clean the canonical parquet `source` into the folder `target` (one part file per Spark
    partition); returns the cleaning report. A line's number is its row index in the file, so
    the first of two identical lines is the one kept, as on one host."""
    raw = con.spark.read.parquet(str(source))
    columns = list(raw.columns)
    raw.select("*", raw["_metadata.row_index"].alias(ROW)).createOrReplaceTempView("source")
    rule = rules.get("duplicates_rule") or duplicates_rule(required(rules, "drop_duplicates", "cleaning"), None)
    dropped = duplicates_sql(columns) if rule["applied"] else f"SELECT {ROW} FROM source WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE dropped AS {dropped}")
    report = {**cleaning_report(con, rules), "duplicates_rule": dict(rule)}
    kept = con.spark.sql(to_spark(kept_sql(columns, rules)))
    kept.write.mode("overwrite").parquet(str(target))
    return report
