"""Company performance from cleaned lines: pure computations (DuckDB SQL), no plotting.

Works on any retailer's lines: only customer, date and amount are required. What the
source supplies (`available`, from the ingest report) decides which breakdowns exist: no
market breakdown without a country column, no products without a description or code.

Definitions used throughout, in plain words for the report:
- revenue: net sales in data.currency, purchases minus cancellations (quantity x price);
- orders: distinct purchase invoices (cancellation invoices are not orders; without an
  invoice column, one order per customer per day);
- active customers: identified customers with at least one purchase in the period;
- average basket: purchase revenue divided by orders;
- cancellation rate: cancellation invoices as a share of all invoices;
- new customer in a month: their first purchase in the data is in that month;
- top market: the value of the country column (a country, state, region... as
  data.market_label says) with the highest net sales; the others are "Other <market>s";
- peak month: with 12 full calendar months or more, the calendar month with the highest
  average net sales over its full months, as a share of an average year; with fewer, the best
  full month as a share of all sales. A month is full when the data cover all its days;
- wholesaler: the customers `features.selection.wholesaler_mask` marks (the rule behind
  `features.wholesalers` drop/separate: above the configured quantile of `features.wholesaler_column`,
  as of `features.cutoff`), passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from segmentation.common.catalog import parquet_scan
from segmentation.common.sql import quote

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


def plural(label: str) -> str:
    """'country' -> 'countries', 'state' -> 'states', 'sales region' -> 'sales regions'."""
    label = str(label).strip() or "market"
    if label[-1:] == "y" and label[-2:-1].lower() not in "aeiou":
        return label[:-1] + "ies"
    if label.endswith(("s", "x", "z", "ch", "sh")):
        return label + "es"
    return label + "s"


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


def top_market(con: duckdb.DuckDBPyConnection) -> tuple[str | None, int]:
    """The market (country column value) with the highest net sales, and how many markets there are."""
    row = con.execute("""
        SELECT country, markets FROM (
            SELECT country, sum(revenue) AS revenue, count(*) OVER () AS markets FROM lines
            WHERE country IS NOT NULL GROUP BY country)
        ORDER BY revenue DESC, country LIMIT 1""").fetchone()
    return (None, 0) if row is None else (str(row[0]), int(row[1]))


def _countries(con: duckdb.DuckDBPyConnection, market_label: str) -> pd.DataFrame:
    """Net sales and customers of the top markets, the rest as one row ('All other countries')."""
    others = quote(f"All other {plural(market_label)}")
    return con.execute(f"""
        WITH ranked AS (SELECT coalesce(country, 'Unknown') AS country, sum(revenue) AS revenue,
                               count(DISTINCT customer_id) AS customers,
                               row_number() OVER (ORDER BY sum(revenue) DESC, country) AS rank
                        FROM lines GROUP BY country)
        SELECT CASE WHEN rank <= {TOP_COUNTRIES} THEN country ELSE {others} END AS country,
               sum(revenue) AS revenue, sum(customers) AS customers, min(rank) AS rank
        FROM ranked GROUP BY 1 ORDER BY rank""").df().drop(columns="rank")


def _products(con: duckdb.DuckDBPyConnection, available: Mapping[str, bool]) -> pd.DataFrame:
    if not (available.get("description") or available.get("stock_code")):
        return pd.DataFrame({"product": pd.Series(dtype="string"), "revenue": pd.Series(dtype=float),
                             "units": pd.Series(dtype=float)})
    return con.execute(f"""
        SELECT coalesce(description, stock_code) AS product, sum(revenue) AS revenue, sum(quantity) AS units
        FROM lines WHERE coalesce(description, stock_code) IS NOT NULL
        GROUP BY ALL ORDER BY revenue DESC LIMIT {TOP_PRODUCTS}""").df()


def company_performance(con: duckdb.DuckDBPyConnection, wholesalers: pd.Series | None, threshold: float | None,
                        available: Mapping[str, bool], market_label: str,
                        currency: str | None = None) -> CompanyPerformance:
    """Every figure of the company-performance section; `lines` must be a view of cleaned lines,
    `wholesalers` the customer ids of wholesale accounts and `threshold` the rule's cut-off (None:
    no wholesale split, e.g. a unit-based rule on data without quantities),
    `available` the optional columns the source supplies (ingest report), `market_label` what
    the country column holds and `currency` the ISO code of the amounts (or None)."""
    yearly = _periods(con, "year(invoice_date)")
    monthly = _periods(con, "date_trunc('month', invoice_date)::DATE")
    monthly["period"] = pd.to_datetime(monthly["period"])
    has_markets = bool(available.get("country"))
    top, markets = top_market(con) if has_markets else (None, 0)
    countries = _countries(con, market_label) if has_markets else pd.DataFrame(
        {"country": pd.Series(dtype="string"), "revenue": pd.Series(dtype=float), "customers": pd.Series(dtype=int)})

    con.execute("""
        CREATE OR REPLACE TEMP TABLE customer_facts AS
        SELECT customer_id,
               min(date_trunc('month', invoice_date)) FILTER (NOT is_cancellation) AS cohort
        FROM lines WHERE is_identified GROUP BY customer_id""")
    customer_types = _customer_types(con, wholesalers, top, f"Other {plural(market_label)}")

    new_vs_returning = con.execute("""
        SELECT date_trunc('month', l.invoice_date)::DATE AS period,
               CASE WHEN date_trunc('month', l.invoice_date) = f.cohort THEN 'New' ELSE 'Returning' END AS type,
               sum(l.revenue) AS revenue,
               count(DISTINCT l.customer_id) FILTER (NOT l.is_cancellation) AS customers
        FROM lines l JOIN customer_facts f USING (customer_id)
        WHERE l.is_identified AND f.cohort IS NOT NULL GROUP BY ALL ORDER BY period, type""").df()
    new_vs_returning["period"] = pd.to_datetime(new_vs_returning["period"])

    cohort_table = _cohorts(con, monthly["period"].max())
    result = CompanyPerformance(yearly, monthly, countries, customer_types, new_vs_returning, cohort_table,
                                _products(con, available))
    first, last = con.execute("SELECT min(invoice_date), max(invoice_date) FROM lines").fetchone()
    result.summary = {**_summary(result, threshold, markets, top), "currency": currency, "market_label": market_label}
    result.summary["top_market"] = None if top is None else {
        "name": top, "share_pct": result.summary["revenue_share_pct"]["top_market"], "markets": markets}
    result.summary["peak_month"] = peak_month(monthly, first, last)
    result.summary.update({key: None if day is None else f"{pd.Timestamp(day):%Y-%m-%d}"
                           for key, day in (("first_date", first), ("last_date", last))})
    return result


def _customer_types(con: duckdb.DuckDBPyConnection, wholesalers: pd.Series | None, top: str | None,
                    others: str) -> pd.DataFrame:
    """Revenue and customers by identification, account type (wholesale or retail) and, when
    there is a country column, market (the top market vs the others)."""
    con.register("wholesale_accounts", pd.DataFrame({"customer_id": pd.Series(
        [] if wholesalers is None else wholesalers, dtype="string")}))
    accounts = "" if wholesalers is None else """
        UNION ALL
        SELECT 'Account', account, sum(revenue), count(DISTINCT customer_id) FROM typed
        WHERE account IS NOT NULL GROUP BY ALL"""
    market = "NULL::VARCHAR" if top is None else \
        f"CASE WHEN l.country = {quote(top)} THEN {quote(top)} ELSE {quote(others)} END"
    customer_types = con.execute(f"""
        WITH typed AS (
            SELECT l.revenue, l.customer_id,
                   CASE WHEN l.is_identified THEN 'Identified' ELSE 'Unidentified (no customer id)' END AS identification,
                   {market} AS market,
                   CASE WHEN NOT l.is_identified THEN NULL
                        WHEN l.customer_id IN (SELECT customer_id FROM wholesale_accounts) THEN 'Wholesale'
                        ELSE 'Retail' END AS account
            FROM lines l)
        SELECT 'Identification' AS dimension, identification AS type, sum(revenue) AS revenue,
               count(DISTINCT customer_id) AS customers FROM typed GROUP BY ALL
        UNION ALL
        SELECT 'Market', market, sum(revenue), count(DISTINCT customer_id) FROM typed
        WHERE market IS NOT NULL GROUP BY ALL{accounts}
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
    if cohorts.empty:  # no identified customer with a purchase
        return pd.DataFrame(columns=range(COHORT_MONTHS + 1), index=pd.DatetimeIndex([], name="cohort"), dtype=float)
    cohort_table = (cohorts.pivot(index="cohort", columns="months_after", values="customers")
                    .reindex(columns=range(COHORT_MONTHS + 1)).fillna(0))
    cohort_table = cohort_table.div(cohort_table[0], axis=0) * 100 if 0 in cohort_table else cohort_table
    cohort_table.index = pd.to_datetime(cohort_table.index)
    # months after the end of the data are unknown, not 0 %
    elapsed = ((last_month.year - cohort_table.index.year) * 12 + last_month.month - cohort_table.index.month).to_numpy()
    cohort_table = cohort_table.mask(cohort_table.columns.to_numpy()[None, :] > elapsed[:, None])
    return cohort_table


def full_months(first, last) -> pd.DatetimeIndex:
    """Month starts of the months the data span [first, last] covers entirely: the first month
    is partial when the data start after its 1st, the last when they end before its last day."""
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return pd.DatetimeIndex([])
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    start = first.normalize().replace(day=1)
    if first.day != 1:
        start += pd.offsets.MonthBegin(1)
    end = last.normalize().replace(day=1)
    if (last.normalize() + pd.Timedelta(days=1)).day != 1:
        end -= pd.offsets.MonthBegin(1)
    return pd.date_range(start, end, freq="MS") if start <= end else pd.DatetimeIndex([])


def peak_month(monthly: pd.DataFrame, first, last) -> dict | None:
    """The peak of the year from the monthly series (`period` month starts, `revenue`) and the
    data span: a calendar month on 12 full months or more, else the best full month; None
    without a full month (or without positive sales)."""
    months = full_months(first, last)
    if len(months) == 0:
        return None
    by_month = pd.Series(monthly["revenue"].to_numpy(float), index=pd.DatetimeIndex(monthly["period"]).as_unit("ns"))
    sales = by_month.reindex(months.as_unit("ns"), fill_value=0.0)  # a full month without a line sold nothing
    if len(months) >= 12:
        means = sales.groupby(sales.index.month).mean()
        best, base = int(means.idxmax()), float(means.sum())
        years = len(months) / 12
        basis = (f"average of {years:.0f} full year{'s' if years > 1 else ''}" if len(months) % 12 == 0
                 else f"average of {len(months)} full months ({years:.1f} years)")
        name, value = pd.Timestamp(2000, best, 1).strftime("%B"), float(means[best])
    else:
        best_month, base = sales.idxmax(), float(by_month.sum())
        name, value, basis = f"{best_month:%B %Y}", float(sales[best_month]), "fewer than 12 full months: best single month"
    if base <= 0:
        return None
    return {"month": name, "share_pct": round(100 * value / base, 2), "basis": basis}


def _summary(perf: CompanyPerformance, threshold: float | None, markets: int, top: str | None) -> dict:
    by_year = perf.yearly.set_index(perf.yearly["period"].astype(int).astype(str))
    share = perf.customer_types.set_index(["dimension", "type"])["revenue_share_pct"]
    pick = lambda key: round(float(share.get(key, 0.0)), 2)  # noqa: E731
    shares = {"identified": pick(("Identification", "Identified"))}
    if threshold is not None:
        shares["wholesale"] = pick(("Account", "Wholesale"))
    if top is not None:
        shares["top_market"] = pick(("Market", top))
    return {
        "revenue": {y: round(float(v), 2) for y, v in by_year["revenue"].items()},
        "orders": {y: int(v) for y, v in by_year["orders"].items()},
        "customers": {y: int(v) for y, v in by_year["customers"].items()},
        "average_basket": {y: round(float(v), 2) for y, v in by_year["average_basket"].items()},
        "cancellation_rate_pct": {y: round(float(v), 2) for y, v in by_year["cancellation_rate_pct"].items()},
        "revenue_share_pct": shares,
        "wholesaler_units_per_order_threshold": None if threshold is None else round(float(threshold), 2),
        "countries": int(markets),
    }


def lines_view(con: duckdb.DuckDBPyConnection, source: Path | pd.DataFrame) -> None:
    """Expose cleaned lines as the view `lines`, from a parquet file or a frame."""
    if isinstance(source, pd.DataFrame):
        con.register("lines", source)
    else:
        con.execute(f"CREATE OR REPLACE VIEW lines AS SELECT * FROM {parquet_scan(source)}")
