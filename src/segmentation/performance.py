"""Company performance from cleaned lines: pure computations (DuckDB SQL), no plotting.

Definitions used throughout, in plain words for the report:
- revenue: net sales in £, purchases minus cancellations (quantity x price);
- orders: distinct purchase invoices (cancellation invoices are not orders);
- active customers: identified customers with at least one purchase in the period;
- average basket: purchase revenue divided by orders;
- cancellation rate: cancellation invoices as a share of all invoices;
- new customer in a month: their first purchase in the data is in that month;
- wholesaler: the customers `preprocess.wholesaler_mask` marks (the rule behind
  `features.drop_wholesalers`: above the configured quantile of `features.wholesaler_column`,
  as of `features.cutoff`), passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

TOP_COUNTRIES = 10
TOP_PRODUCTS = 10
COHORT_MONTHS = 12


@dataclass
class CompanyPerformance:
    yearly: pd.DataFrame
    monthly: pd.DataFrame
    countries: pd.DataFrame
    customer_types: pd.DataFrame
    new_vs_returning: pd.DataFrame
    cohorts: pd.DataFrame
    products: pd.DataFrame
    summary: dict = field(default_factory=dict)


_PERIOD = """
    SELECT {period} AS period,
           sum(revenue) AS revenue,
           sum(revenue) FILTER (NOT is_cancellation) AS purchase_revenue,
           count(DISTINCT invoice) FILTER (NOT is_cancellation) AS orders,
           count(DISTINCT invoice) FILTER (is_cancellation) AS cancellations,
           count(DISTINCT customer_id) FILTER (NOT is_cancellation) AS customers
    FROM lines GROUP BY ALL ORDER BY period"""


def _periods(con, period_sql: str) -> pd.DataFrame:
    frame = con.execute(_PERIOD.format(period=period_sql)).df()
    frame["average_basket"] = frame["purchase_revenue"] / frame["orders"]
    frame["cancellation_rate_pct"] = 100 * frame["cancellations"] / (frame["orders"] + frame["cancellations"])
    return frame


def company_performance(con: duckdb.DuckDBPyConnection, wholesalers: pd.Series, threshold: float) -> CompanyPerformance:
    """Every figure of the company-performance section; `lines` must be a view of cleaned lines,
    `wholesalers` the customer ids of wholesale accounts and `threshold` the rule's cut-off."""
    yearly = _periods(con, "year(invoice_date)")
    monthly = _periods(con, "date_trunc('month', invoice_date)::DATE")
    monthly["period"] = pd.to_datetime(monthly["period"])

    countries = con.execute(f"""
        WITH ranked AS (SELECT country, sum(revenue) AS revenue, count(DISTINCT customer_id) AS customers,
                               row_number() OVER (ORDER BY sum(revenue) DESC) AS rank
                        FROM lines GROUP BY country)
        SELECT CASE WHEN rank <= {TOP_COUNTRIES} THEN country ELSE 'All other countries' END AS country,
               sum(revenue) AS revenue, sum(customers) AS customers, min(rank) AS rank
        FROM ranked GROUP BY 1 ORDER BY rank""").df().drop(columns="rank")

    con.execute("""
        CREATE OR REPLACE TEMP TABLE customer_facts AS
        SELECT customer_id,
               min(date_trunc('month', invoice_date)) FILTER (NOT is_cancellation) AS cohort
        FROM lines WHERE is_identified GROUP BY customer_id""")
    customer_types = _customer_types(con, wholesalers)

    new_vs_returning = con.execute("""
        SELECT date_trunc('month', l.invoice_date)::DATE AS period,
               CASE WHEN date_trunc('month', l.invoice_date) = f.cohort THEN 'New' ELSE 'Returning' END AS type,
               sum(l.revenue) AS revenue,
               count(DISTINCT l.customer_id) FILTER (NOT l.is_cancellation) AS customers
        FROM lines l JOIN customer_facts f USING (customer_id)
        WHERE l.is_identified AND f.cohort IS NOT NULL GROUP BY ALL ORDER BY period, type""").df()
    new_vs_returning["period"] = pd.to_datetime(new_vs_returning["period"])

    cohort_table = _cohorts(con, monthly["period"].max())

    products = con.execute(f"""
        SELECT coalesce(description, stock_code) AS product, sum(revenue) AS revenue, sum(quantity) AS units
        FROM lines GROUP BY ALL ORDER BY revenue DESC LIMIT {TOP_PRODUCTS}""").df()

    n_countries = con.execute("SELECT count(DISTINCT country) FROM lines").fetchone()[0]
    result = CompanyPerformance(yearly, monthly, countries, customer_types, new_vs_returning, cohort_table, products)
    result.summary = _summary(result, threshold, n_countries)
    return result


def _customer_types(con: duckdb.DuckDBPyConnection, wholesalers: pd.Series) -> pd.DataFrame:
    """Revenue and customers by identification, market and account type (wholesale or retail)."""
    con.register("wholesale_accounts", pd.DataFrame({"customer_id": pd.Series(wholesalers, dtype="string")}))
    customer_types = con.execute("""
        WITH typed AS (
            SELECT l.revenue, l.customer_id,
                   CASE WHEN l.is_identified THEN 'Identified' ELSE 'Unidentified (no customer id)' END AS identification,
                   CASE WHEN l.country = 'United Kingdom' THEN 'United Kingdom' ELSE 'International' END AS market,
                   CASE WHEN NOT l.is_identified THEN NULL
                        WHEN l.customer_id IN (SELECT customer_id FROM wholesale_accounts) THEN 'Wholesale'
                        ELSE 'Retail' END AS account
            FROM lines l)
        SELECT 'Identification' AS dimension, identification AS type, sum(revenue) AS revenue,
               count(DISTINCT customer_id) AS customers FROM typed GROUP BY ALL
        UNION ALL
        SELECT 'Market', market, sum(revenue), count(DISTINCT customer_id) FROM typed GROUP BY ALL
        UNION ALL
        SELECT 'Account', account, sum(revenue), count(DISTINCT customer_id) FROM typed
        WHERE account IS NOT NULL GROUP BY ALL
        ORDER BY dimension, revenue DESC""").df()
    customer_types["revenue_share_pct"] = 100 * customer_types["revenue"] / customer_types.groupby(
        "dimension")["revenue"].transform("sum")
    return customer_types


def _cohorts(con: duckdb.DuckDBPyConnection, last_month: pd.Timestamp) -> pd.DataFrame:
    """Share (%) of each month's new customers buying again 0..COHORT_MONTHS months later."""
    cohorts = con.execute(f"""
        WITH activity AS (
            SELECT DISTINCT customer_id, date_trunc('month', invoice_date) AS month
            FROM lines WHERE is_identified AND NOT is_cancellation)
        SELECT f.cohort::DATE AS cohort, date_diff('month', f.cohort, a.month) AS months_after,
               count(*) AS customers
        FROM activity a JOIN customer_facts f USING (customer_id)
        WHERE date_diff('month', f.cohort, a.month) <= {COHORT_MONTHS} GROUP BY ALL""").df()
    cohort_table = (cohorts.pivot(index="cohort", columns="months_after", values="customers")
                    .reindex(columns=range(COHORT_MONTHS + 1)).fillna(0))
    cohort_table = cohort_table.div(cohort_table[0], axis=0) * 100 if 0 in cohort_table else cohort_table
    cohort_table.index = pd.to_datetime(cohort_table.index)
    # months after the end of the data are unknown, not 0 %
    elapsed = ((last_month.year - cohort_table.index.year) * 12 + last_month.month - cohort_table.index.month).to_numpy()
    cohort_table = cohort_table.mask(cohort_table.columns.to_numpy()[None, :] > elapsed[:, None])
    return cohort_table


def _summary(perf: CompanyPerformance, threshold: float | None, n_countries: int) -> dict:
    by_year = perf.yearly.set_index(perf.yearly["period"].astype(int).astype(str))
    share = perf.customer_types.set_index(["dimension", "type"])["revenue_share_pct"]
    pick = lambda key: round(float(share.get(key, 0.0)), 2)  # noqa: E731
    return {
        "revenue": {y: round(float(v), 2) for y, v in by_year["revenue"].items()},
        "orders": {y: int(v) for y, v in by_year["orders"].items()},
        "customers": {y: int(v) for y, v in by_year["customers"].items()},
        "average_basket": {y: round(float(v), 2) for y, v in by_year["average_basket"].items()},
        "cancellation_rate_pct": {y: round(float(v), 2) for y, v in by_year["cancellation_rate_pct"].items()},
        "revenue_share_pct": {
            "united_kingdom": pick(("Market", "United Kingdom")),
            "identified": pick(("Identification", "Identified")),
            "wholesale": pick(("Account", "Wholesale")),
        },
        "wholesaler_units_per_order_threshold": round(float(threshold or 0.0), 2),
        "countries": int(n_countries),
    }


def lines_view(con: duckdb.DuckDBPyConnection, source: Path | pd.DataFrame) -> None:
    """Expose cleaned lines as the view `lines`, from a parquet file or a frame."""
    if isinstance(source, pd.DataFrame):
        con.register("lines", source)
    else:
        con.execute(f"CREATE OR REPLACE VIEW lines AS SELECT * FROM read_parquet('{Path(source).as_posix()}')")
