"""Ingest on Spark: read parquet, CSV, whitespace text or a catalog table with Spark, and turn
every partition into the canonical schema with the very function the one-host reader uses
(`data.normalise.normalise`, through `mapInPandas`), so the two paths cannot drift. What the
source supplies is measured per partition by `data.facts.frame_facts`, as on one host.

Formats read on one host only (xlsx, the Olist multi-table export) stop with one line and
the fix. A user error raised inside a worker (a bad date, a missing column) reaches the
driver as Spark's exception; it is turned back into the same one-line error."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from segmentation.common.errors import UserError
from segmentation.data.facts import frame_facts, source_facts
from segmentation.data.normalise import check_columns, normalise
from segmentation.data.readers import (
    _detect_encoding,
    _header,
    _sniff_delimiter,
    check_duplicate_header,
    detect_format,
    mapped_columns,
)
from segmentation.data.schema import schema_for
from segmentation.engines.spark import SparkConnection

ON_SPARK = ("parquet", "csv", "txt", "table")


def _location(data: Mapping) -> str:
    path = str(data["path"])
    if "://" in path or data.get("format") == "table":
        return path
    from segmentation.common.catalog import user_path

    found = user_path(path)
    if not found.exists():
        raise UserError(f"data.path={path} not found. Fix: point data.path at the transactions file.")
    return str(found)


def _read(spark, data: Mapping, location: str, fmt: str):
    """The raw source as a Spark DataFrame of its own columns (text as strings)."""
    from pyspark.sql import functions as F

    if fmt == "table":
        return spark.table(location)
    if fmt == "parquet":
        return spark.read.parquet(location)
    encoding = data.get("encoding") or _detect_encoding(Path(location))
    names = [str(n) for n in data["header_names"]] if data.get("header_names") else None
    if fmt == "txt":
        lines = spark.read.text(location)
        first = lines.first()["value"]
        header = names or re.split(r"\s+", first.strip())
        check_duplicate_header(header, "data.header_names" if names else Path(location).name)
        parts = F.split(F.trim(F.col("value")), r"\s+")
        body = lines if names else lines.where(F.col("value") != first)
        return body.select(*[parts.getItem(i).alias(name) for i, name in enumerate(header)])
    sep = data.get("delimiter") or _sniff_delimiter(Path(location), encoding)
    if names:
        check_duplicate_header(names, "data.header_names")
    else:
        check_duplicate_header(_header(Path(location), encoding, sep), Path(location).name)
    reader = spark.read.option("sep", sep).option("encoding", "UTF-8" if encoding == "utf-8-sig" else encoding)
    frame = reader.option("header", names is None).option("inferSchema", False).csv(location)
    return frame.toDF(*names) if names else frame


def _first_rows(raw, first: int) -> dict[int, int]:
    """Each partition's first line number in the source (error messages name lines), from one
    count per partition: Spark splits the same source the same way on every read."""
    from pyspark.sql import functions as F

    counts = dict(raw.groupBy(F.spark_partition_id().alias("p")).count().select("p", "count").collect())
    starts, at = {}, first
    for partition in range(max(counts, default=-1) + 1):
        starts[partition], at = at, at + int(counts.get(partition, 0))
    return starts


def _user_error(err: Exception) -> UserError | None:
    found = re.search(r"UserError: (.+?)(?:\n|$)", str(err))
    return UserError(found.group(1).strip()) if found else None


def ingest_on_spark(con: SparkConnection, data: Mapping, target: Path) -> tuple[int, dict]:
    """Write the configured source in the canonical schema as parquet parts in the folder
    `target`; return the number of lines and what the source supplies (the ingest report's
    `columns` and `time_of_day`)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    fmt = "table" if data.get("format") == "table" else detect_format(Path(str(data["path"])), data.get("format"))
    if fmt not in ON_SPARK:
        raise UserError(f"engine=spark reads parquet, csv, txt or a catalog table (data.format=table), not {fmt}. "
                        "Fix: use engine=duckdb for this source, or convert it to parquet.")
    location, columns = _location(data), dict(data["columns"])
    name, date_format = Path(location).name, data.get("date_format")
    raw = _read(con.spark, data, location, fmt)
    check_columns(raw.columns, columns, name)
    raw = raw.select(*sorted({c for c in columns.values() if c}))
    schema = schema_for(normalise(raw.limit(50).toPandas(), columns, date_format, name).columns)
    first_rows = _first_rows(raw, 2 if fmt in ("csv", "txt") and not data.get("header_names") else 1)

    def canonical(batches):
        from pyspark import TaskContext

        row = first_rows.get(TaskContext.get().partitionId(), 1)
        for batch in batches:  # a partition's rows arrive in order: each batch's first row number
            if len(batch):
                yield normalise(batch, columns, date_format, name, row)
                row += len(batch)

    try:
        raw.mapInPandas(canonical, from_arrow_schema(schema)).write.mode("overwrite").parquet(str(target))
    except Exception as err:  # a user error raised in a worker
        raise _user_error(err) or err from None
    written = con.spark.read.parquet(str(target))

    def facts(batches):
        for batch in batches:
            yield pd.DataFrame({"facts": [json.dumps(frame_facts(batch))], "lines": [len(batch)]})

    per_part = written.mapInPandas(facts, "facts string, lines long").collect()
    lines = sum(int(row["lines"]) for row in per_part)
    if lines == 0:
        raise UserError(f"{name} has a header but no data rows. Fix: point data.path at a file with transactions.")
    return lines, source_facts([json.loads(row["facts"]) for row in per_part], mapped_columns(data))
