"""What the dashboard embeds, as pure functions on frames: one row per customer (ids and figures
only, never invoice lines), the monthly sales cube the filters slice, the map sample and the
maintenance curve. Columns are plain lists (JSON), categories are indexes into a label list so
that the file stays small: about 60 bytes per customer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from segmentation.common.sampling import sample_rows

NO_REGION = "(none)"


def cohort_labels(first_purchase: pd.Series) -> pd.Series:
    """First-purchase period: the quarter ("2024-Q4") when the data span at most 3 years, else the year."""
    dates = pd.to_datetime(first_purchase)
    if dates.max() - dates.min() <= pd.Timedelta(days=3 * 366):
        return dates.dt.year.astype(str) + "-Q" + dates.dt.quarter.astype(str)
    return dates.dt.year.astype(str)


def main_region(lines: pd.DataFrame) -> pd.DataFrame:
    """customer_id, region: the country (or state, region) where the customer spent most."""
    con = duckdb.connect()
    con.register("lines", lines[["customer_id", "country", "revenue"]])
    return con.execute("""
        SELECT customer_id, arg_max(country, spent) AS region FROM (
            SELECT customer_id, coalesce(country, '') AS country, sum(revenue) AS spent FROM lines
            WHERE customer_id IS NOT NULL GROUP BY ALL) GROUP BY customer_id""").df()


def _codes(values: pd.Series, order: Sequence | None = None) -> tuple[list[int], list[str]]:
    labels = list(order) if order is not None else sorted(values.dropna().astype(str).unique())
    index = {label: i for i, label in enumerate(labels)}
    return values.astype(str).map(index).fillna(-1).astype(int).tolist(), labels


def _move_labels(values: pd.Series, first: Sequence[str], last: str) -> list[str]:
    """Segment names in the segments' order, any other label found, then New or Lapsed last."""
    found = set(values.dropna().astype(str))
    return ([n for n in first if n in found] + sorted(found - set(first) - {last})
            + ([last] if last in found else []))


def customer_columns(customers: pd.DataFrame, segment_order: Sequence[int],
                     segment_names: Sequence[str] = ()) -> dict:
    """customers: customer_id, segment, orders, revenue, recency, last_purchase, first_purchase,
    and optionally region, expected_revenue, probability_active, before, now (movement labels).
    Returns the columnar customer table and its label lists."""
    segment_index = {s: i for i, s in enumerate(segment_order)}
    out = {"id": customers["customer_id"].astype(str).tolist(),
           "seg": customers["segment"].map(segment_index).fillna(-1).astype(int).tolist(),
           "orders": customers["orders"].astype(int).tolist(),
           "revenue": customers["revenue"].astype(float).round(2).tolist(),
           "recency": customers["recency"].astype(float).round(0).astype(int).tolist(),
           "last": pd.to_datetime(customers["last_purchase"]).dt.strftime("%Y-%m-%d").tolist()}
    cohorts = cohort_labels(customers["first_purchase"])
    out["cohort"], labels = _codes(cohorts)
    result = {"columns": out, "cohorts": labels, "regions": None, "moves": None}
    if "region" in customers:
        out["region"], result["regions"] = _codes(customers["region"].fillna(NO_REGION).replace("", NO_REGION))
    if "expected_revenue" in customers:
        out["expected"] = [None if pd.isna(v) else round(float(v), 2) for v in customers["expected_revenue"]]
        out["active"] = [None if pd.isna(v) else round(100 * float(v), 1) for v in customers["probability_active"]]
    if "before" in customers:
        # -1: a customer outside the movement period (first purchase after its end)
        out["before"], before = _codes(customers["before"], _move_labels(customers["before"], segment_names, "New"))
        out["now"], now = _codes(customers["now"], _move_labels(customers["now"], segment_names, "Lapsed"))
        result["moves"] = {"before": before, "now": now}
    return result


def monthly_cube(lines: pd.DataFrame, customers: pd.DataFrame, segment_order: Sequence[int],
                 cohorts: Sequence[str], regions: Sequence[str] | None) -> dict:
    """Net sales per month × segment × first-purchase period (× region): the rows the monthly
    chart sums over the filtered categories. Identified lines only (a segment is a set of customers)."""
    keys = customers[["customer_id", "segment"]].assign(cohort=cohort_labels(customers["first_purchase"]))
    if regions is not None:
        keys["region"] = customers["region"].fillna(NO_REGION).replace("", NO_REGION)
    con = duckdb.connect()
    con.register("lines", lines[["customer_id", "invoice_date", "revenue", "is_identified"]])
    con.register("keys", keys)
    dims = ", ".join(f"k.{d}" for d in ["segment", "cohort", *(["region"] if regions is not None else [])])
    cube = con.execute(f"""
        SELECT strftime(date_trunc('month', l.invoice_date), '%Y-%m') AS month, {dims}, round(sum(l.revenue), 2) AS revenue
        FROM lines l JOIN keys k USING (customer_id) WHERE l.is_identified
        GROUP BY ALL ORDER BY ALL""").df()
    months = sorted(cube["month"].unique())
    out = {"months": months, "month": cube["month"].map({m: i for i, m in enumerate(months)}).tolist(),
           "seg": cube["segment"].map({s: i for i, s in enumerate(segment_order)}).fillna(-1).astype(int).tolist(),
           "cohort": cube["cohort"].map({c: i for i, c in enumerate(cohorts)}).astype(int).tolist(),
           "revenue": cube["revenue"].astype(float).tolist()}
    if regions is not None:
        out["region"] = cube["region"].map({r: i for i, r in enumerate(regions)}).astype(int).tolist()
    return out


def map_sample(points: pd.DataFrame, row_of: Mapping[str, int], max_points: int, seed: int) -> dict:
    """The 2-D map's points (customer row index, x, y), a seeded sample above `max_points`."""
    points = points[points["customer_id"].astype(str).isin(row_of)]
    rows = sample_rows(len(points), max_points, seed)
    sampled = rows is not None
    if sampled:
        points = points.iloc[rows]
    return {"row": points["customer_id"].astype(str).map(row_of).astype(int).tolist(),
            "x": points["x"].round(4).tolist(), "y": points["y"].round(4).tolist(), "sampled": bool(sampled),
            "total": int(len(row_of))}


def health(latest: Mapping, track: pd.DataFrame | None, policy: str | None) -> dict:
    """The monitor's last check (its status and lines) and, when replayed, its month-by-month track."""
    lines = [*latest["reasons"], *(latest.get("changes") or [] if latest["status"] != "ok" else [])]
    columns = ["cutoff", "agreement", "agreement_low", "agreement_high", "band_low", "band_high", "status"]
    return {"status": f"{latest['status'].replace('_', ' ')} as of {latest['cutoff']} (deployed {latest['deployed_at']})",
            "lines": lines, "policy": policy,
            "track": {c: (track[c].round(4) if c not in ("cutoff", "status") else track[c].astype(str)).tolist()
                      for c in columns} if track is not None and len(track) else None}


def maintenance(table: pd.DataFrame, summary: Mapping) -> dict:
    """The maintenance curve with its interval, the noise band and the verdict."""
    column = f"ari_{summary['curve']}"
    data = table.sort_values("days")
    return {"label": data["label"].astype(str).tolist(), "days": data["days"].astype(int).tolist(),
            "ari": data[column].round(4).tolist(), "low": data[f"{column}_low"].round(4).tolist(),
            "high": data[f"{column}_high"].round(4).tolist(),
            "band": [summary.get("band_low"), summary.get("band_median"), summary.get("band_high")],
            "verdict": summary.get("verdict"), "headline": summary.get("headline")}
