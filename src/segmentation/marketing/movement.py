"""Who moved between segments: between the baseline segmentation and the current one, or
between two consecutive refreshes. Pure functions on frames `customer_id, segment`
(the figure: `value_figures.draw_transitions`).

Segments may be names or ids; they are written as text (id 3 becomes "3") so that the New and
Lapsed labels sit in the same column. A customer only in `now` comes from "New"; a customer
only in `before` goes to "Lapsed". The transition matrix has the segments before as rows (and a
"New" row last), the segments now as columns (and a "Lapsed" column last), the same segment
order on both axes so that customers who stayed are on the diagonal. Its cells add up to every
customer of either table: those present in both, plus the new ones, plus the lapsed ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

NEW, LAPSED = "New", "Lapsed"


@dataclass(frozen=True)
class Transitions:
    """Rows: segment before (+ New); columns: segment now (+ Lapsed)."""

    customers: pd.DataFrame           # number of customers in each cell
    revenue: pd.DataFrame | None      # sum of `revenue_now` in each cell (None without revenue)


def _segments(frame: pd.DataFrame, which: str) -> pd.Series:
    """customer_id -> segment as text, checked."""
    missing = [c for c in ("customer_id", "segment") if c not in frame.columns]
    if missing:
        raise ValueError(f"`{which}` needs columns customer_id and segment; missing {missing}")
    if frame["customer_id"].duplicated().any():
        raise ValueError(f"`{which}` lists a customer more than once")
    if frame["segment"].isna().any():
        raise ValueError(f"`{which}` has customers without a segment")
    labels = frame["segment"].astype(str)
    if labels.isin([NEW, LAPSED]).any():
        raise ValueError(f"a segment of `{which}` is called '{NEW}' or '{LAPSED}': rename it")
    return pd.Series(labels.to_numpy(), index=frame["customer_id"].astype(str).to_numpy(), name=which)


def customer_moves(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """customer_id, segment_before, segment_now, moved, change: one row per customer of either
    table, sorted by customer_id. `moved` is True when the two labels differ (a new customer moved
    from "New", a lapsed one to "Lapsed"); `change` says which: stayed, moved, new or lapsed."""
    old, new = _segments(before, "before"), _segments(now, "now")
    both = pd.concat([old.rename("segment_before"), new.rename("segment_now")], axis=1, join="outer")
    both.index.name = "customer_id"
    both = both.sort_index().reset_index()
    is_new, is_lapsed = both["segment_before"].isna(), both["segment_now"].isna()
    both["segment_before"] = both["segment_before"].fillna(NEW).astype(str)
    both["segment_now"] = both["segment_now"].fillna(LAPSED).astype(str)
    both["moved"] = (both["segment_before"] != both["segment_now"]).astype(bool)
    both["change"] = np.select([is_new.to_numpy(), is_lapsed.to_numpy(), both["moved"].to_numpy()],
                               ["new", "lapsed", "moved"], "stayed")
    return both


def _order(moves: pd.DataFrame, order: Sequence | None) -> list[str]:
    seen = sorted(set(moves["segment_before"]) | set(moves["segment_now"]), key=_natural)
    seen = [s for s in seen if s not in (NEW, LAPSED)]
    if order is None:
        return seen
    wanted = [str(s) for s in order]
    return [s for s in wanted if s in seen] + [s for s in seen if s not in wanted]


def _natural(label: str) -> tuple:
    """Ids in numeric order (2 before 10), names alphabetically."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def transitions(before: pd.DataFrame, now: pd.DataFrame, revenue_now: pd.Series | pd.DataFrame | None = None,
                order: Sequence | None = None) -> Transitions:
    """Transition matrices in customers and (with `revenue_now`) in revenue.

    `revenue_now`: each customer's revenue in the current period, a Series indexed by customer_id
    or a frame `customer_id, revenue`; a customer it does not list counts 0 (lapsed customers
    usually have no revenue now, so their column is mostly 0). `order`: segments in the order the
    axes should show them (e.g. largest revenue first); others follow, ids numerically."""
    moves = customer_moves(before, now)
    segments = _order(moves, order)
    rows, columns = [*segments, NEW], [*segments, LAPSED]
    counts = pd.crosstab(moves["segment_before"], moves["segment_now"])
    counts = counts.reindex(index=rows, columns=columns, fill_value=0).astype(np.int64)
    counts.index.name, counts.columns.name = "before", "now"
    revenue = None
    if revenue_now is not None:
        per_customer = _revenue_series(revenue_now)
        amounts = moves["customer_id"].map(per_customer).fillna(0.0).astype(float)
        revenue = (moves.assign(revenue=amounts.to_numpy())
                   .pivot_table(index="segment_before", columns="segment_now", values="revenue", aggfunc="sum")
                   .reindex(index=rows, columns=columns).fillna(0.0))
        revenue.index.name, revenue.columns.name = "before", "now"
    return Transitions(customers=counts, revenue=revenue)


def _revenue_series(revenue_now: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(revenue_now, pd.DataFrame):
        if not {"customer_id", "revenue"} <= set(revenue_now.columns):
            raise ValueError("revenue_now as a frame needs columns customer_id and revenue")
        revenue_now = revenue_now.set_index("customer_id")["revenue"]
    series = revenue_now.astype(float)
    series.index = series.index.astype(str)
    if series.index.duplicated().any():
        raise ValueError("revenue_now lists a customer more than once")
    return series


def movement_summary(moves: pd.DataFrame) -> dict[str, int]:
    """Counts of a `customer_moves` table: stayed, moved (between segments), new, lapsed."""
    counts = moves["change"].value_counts()
    return {key: int(counts.get(key, 0)) for key in ("stayed", "moved", "new", "lapsed")}


def active_now(table: pd.DataFrame, cutoff, lapsed_after_days: float) -> pd.DataFrame:
    """The rows of a customer table (customer_id, last_purchase, ...) whose last purchase is less
    than `lapsed_after_days` before `cutoff`: customers of a cumulative snapshot who still buy.
    The others are "Lapsed" in `customer_moves` when they are left out of `now`."""
    since = pd.Timestamp(cutoff) - pd.to_datetime(table["last_purchase"])
    return table[(since < pd.Timedelta(days=lapsed_after_days)).to_numpy()]


def revenue_between(lines: pd.DataFrame, start, end) -> pd.Series:
    """Net revenue per customer (identified lines, cancellations deducted) dated in [start, end):
    what each customer brought between two segmentations."""
    dates = lines["invoice_date"]
    kept = lines[(lines["is_identified"] & (dates >= pd.Timestamp(start)) & (dates < pd.Timestamp(end))).to_numpy()]
    revenue = kept.groupby(kept["customer_id"].astype(str))["revenue"].sum()
    revenue.index.name = "customer_id"
    return revenue.rename("revenue")
