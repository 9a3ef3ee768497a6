"""Cleaning on Spark: the same rules, report and flags as `cleaning.clean_file`, from the same
SQL (`cleaning.duplicates_sql`, `cleaning_report`, `kept_sql`), written as partitioned parquet."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from segmentation.cleaning.rules import ROW, cleaning_report, duplicates_rule, duplicates_sql, kept_sql
from segmentation.common.config import required
from segmentation.engines.spark import SparkConnection, to_spark


def clean_on_spark(con: SparkConnection, source: Path, target: Path, rules: Mapping) -> dict:
    """Clean the canonical parquet `source` (a file, or Spark's parts) into the folder `target`
    (one part file per Spark partition); returns the cleaning report. Lines are numbered in
    file order (`numbered`), so the first of two identical lines is the one kept, as on one host."""
    raw = con.spark.read.parquet(str(source))
    columns = list(raw.columns)
    numbered(con.spark, raw).createOrReplaceTempView("source")
    rule = rules.get("duplicates_rule") or duplicates_rule(required(rules, "drop_duplicates", "cleaning"), None)
    dropped = duplicates_sql(columns) if rule["applied"] else f"SELECT {ROW} FROM source WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE dropped AS {dropped}")
    report = {**cleaning_report(con, rules), "duplicates_rule": dict(rule)}
    kept = con.spark.sql(to_spark(kept_sql(columns, rules)))
    kept.write.mode("overwrite").parquet(str(target))
    return report


def numbered(spark, raw):
    """`raw` with `ROW`: its line number across its files in name order (Spark's part files are
    named in partition order), from each file's row index plus the lines of the files before."""
    from pyspark.sql import functions as F

    located = raw.select("*", F.col("_metadata.file_name").alias("_file"), F.col("_metadata.row_index").alias("_at"))
    sizes = located.groupBy("_file").count().orderBy("_file").collect()
    offsets, total = [], 0
    for row in sizes:
        offsets.append((row["_file"], total))
        total += int(row["count"])
    starts = spark.createDataFrame(offsets or [("", 0)], "_file string, _offset long")
    joined = located.join(F.broadcast(starts), "_file")
    return joined.select(*raw.columns, (F.col("_offset") + F.col("_at")).alias(ROW))
