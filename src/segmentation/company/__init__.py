"""Company performance for management (stage `eda`): sales, customers, cohorts and products
from the cleaned lines (`sales`, DuckDB SQL), their figures (`sales_figures`) and partial periods
in words (`periods`)."""
