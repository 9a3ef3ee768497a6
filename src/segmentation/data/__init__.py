"""Raw data in: the canonical schema, readers for xlsx, CSV, whitespace text, parquet and the
Olist folder, the mapping of any layout onto the schema, what a source supplies (`facts`), the
seeded synthetic shop (`synthetic/`), and the stages `generate` and `ingest` (`run`, with its
Spark twin `ingest_spark`)."""
