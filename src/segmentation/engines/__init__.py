"""Where transaction-heavy SQL runs: DuckDB on one host (default) or Apache Spark.

One definition per rule and feature, written in DuckDB's dialect; on Spark, SQLGlot
transpiles each statement (`spark.SparkConnection`), so the two engines cannot drift.
"""
