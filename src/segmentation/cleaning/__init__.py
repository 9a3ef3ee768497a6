"""Stage `clean`: the switchable cleaning rules with their per-rule accounting (`rules`, DuckDB
SQL; `rules_spark` runs the same SQL on Spark) and the stage itself (`run`)."""
