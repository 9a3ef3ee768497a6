"""Every figure of the report, the EDA and the MLflow runs (matplotlib, written atomically)."""
