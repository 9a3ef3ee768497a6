"""Apache Spark behind DuckDB's connection surface.

`SparkConnection.execute(sql)` takes a statement in DuckDB's dialect, transpiles it with
SQLGlot and runs it on the Spark session; the result offers `df()`, `fetchall()`,
`fetchone()` and `fetchnumpy()` like DuckDB's. So the cleaning report, the customer features
and the company-performance aggregates run unchanged on either engine. `CREATE TEMP TABLE`
becomes a cached temporary view; DuckDB-only settings (`SET ...`) are ignored.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import expressions as exp

from segmentation.common.errors import UserError


def to_spark(sql: str) -> str:
    """One DuckDB statement in Spark SQL."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


def session(settings: Mapping):
    """A Spark session from `engine.spark` (master, driver_memory, shuffle_partitions, options).
    Spark's web UI is off; times are UTC and timestamps without a zone, as in DuckDB. Without
    PySpark or Java, one line and the fix."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UserError("engine=spark needs PySpark. Fix: pip install -e '.[spark]' (make install does), "
                        "or use engine=duckdb.") from None
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)

    builder = (SparkSession.builder.appName("segmentation").master(str(settings["master"]))
               .config("spark.driver.memory", str(settings["driver_memory"]))
               .config("spark.sql.shuffle.partitions", int(settings["shuffle_partitions"]))
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    options = dict(settings.get("options") or {})
    # Python workers (mapInPandas) run this interpreter unless the options say which (a cluster's)
    os.environ.setdefault("PYSPARK_PYTHON", str(options.get("spark.pyspark.python", sys.executable)))
    for key, value in options.items():
        builder = builder.config(str(key), str(value))
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # PySparkRuntimeError JAVA_GATEWAY_EXITED and kin: no usable Java
        if "JAVA_GATEWAY_EXITED" in str(err) or "JAVA_HOME" in str(err):
            raise UserError("engine=spark could not start Java. Fix: install Java 17 and set JAVA_HOME, "
                            "or use engine=duckdb.") from None
        raise
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkResult:
    def __init__(self, frame) -> None:
        self.frame = frame

    def df(self) -> pd.DataFrame:
        return self.frame.toPandas() if self.frame is not None else pd.DataFrame()

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self.frame.collect()]

    def fetchone(self) -> tuple | None:
        rows = self.frame.limit(1).collect()
        return tuple(rows[0]) if rows else None

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        table = self.df()
        return {name: table[name].to_numpy() for name in table.columns}


class SparkConnection:
    """DuckDB's `execute`/`register` on a Spark session (see module docstring)."""

    def __init__(self, spark) -> None:
        self.spark = spark

    def execute(self, sql: str) -> SparkResult:
        statement = sqlglot.parse_one(sql, read="duckdb")
        if isinstance(statement, exp.Set):
            return SparkResult(None)  # DuckDB session settings
        if isinstance(statement, exp.Create) and statement.args.get("kind") in ("TABLE", "VIEW"):
            frame = self.spark.sql(statement.expression.sql(dialect="spark"))
            if statement.args.get("kind") == "TABLE":
                frame = frame.cache()
            frame.createOrReplaceTempView(statement.this.name)
            return SparkResult(None)
        return SparkResult(self.spark.sql(statement.sql(dialect="spark")))

    def register(self, name: str, data) -> None:
        """A pandas frame or Arrow table (typed, even when empty) as a temporary view."""
        import pyarrow as pa

        table = pa.Table.from_pandas(data, preserve_index=False) if isinstance(data, pd.DataFrame) else data
        self.spark.createDataFrame(table).createOrReplaceTempView(name)
