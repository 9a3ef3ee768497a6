"""The champion and its customers: the selection rule (`champion_rule`), the MLflow registry
(`registry`), the served model (`pyfunc`), placing customers in its segments (`assignment`), who
moved between two assignments (`moves`), and the stage `assign_latest` with the commands
`select` and `assign` (`run`)."""
