"""What each segment buys more than the average customer, and when: pure functions on frames.

Input is spend per customer and key (a product category, or a calendar month 1-12) in long
form. A segment's share of a key is the key's part of the segment's spend. A key is the
segment's own only when the segment over-buys it beyond the noise: the lower end of a
bootstrap interval of its share (customers resampled with seeded Poisson weights, so every
replicate is one matrix product) is at least `min_lift` times the share among all customers.
Otherwise the card says that nothing stands out: a favourite inside the noise is not shown.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping

import numpy as np
import pandas as pd


def distinct_keys(spend: pd.DataFrame, segments: pd.Series, key: str, settings: Mapping, seed: int) -> pd.DataFrame:
    """One row per (segment, key) that the segment over-buys beyond the noise: segment, key,
    share, low, high (the interval), overall (share among all customers), lift = share / overall,
    and together_low, together_high: the interval of the summed share of all the keys the segment
    over-buys (the same replicates), so several months said as one season carry their own band;
    best lift first within a segment.

    `spend`: customer_id, `key`, spend (>= 0); `segments`: segment per customer id (customers
    without a segment are left out). `settings`: bootstrap (replicates), interval (e.g. 0.9),
    min_lift (e.g. 1.25), min_customers (smaller segments get no verdict)."""
    columns = ["segment", key, "share", "low", "high", "overall", "lift", "together_low", "together_high"]
    spend = spend[spend["customer_id"].isin(segments.index)]
    matrix = spend.pivot_table(index="customer_id", columns=key, values="spend", aggfunc="sum", fill_value=0.0)
    if matrix.empty or matrix.to_numpy().sum() <= 0:
        return pd.DataFrame(columns=columns)
    values = matrix.to_numpy(dtype=np.float64)
    overall = values.sum(axis=0) / values.sum()
    labels = segments.loc[matrix.index].to_numpy()
    rng = np.random.default_rng(seed)
    replicates, tail = int(settings["bootstrap"]), (1 - float(settings["interval"])) / 2
    rows = []
    for segment in np.unique(labels):
        inside = values[labels == segment]
        if len(inside) < int(settings["min_customers"]) or inside.sum() <= 0:
            continue
        share = inside.sum(axis=0) / inside.sum()
        weights = rng.poisson(1.0, (replicates, len(inside))).astype(np.float64)
        totals = weights @ inside
        shares = totals / np.maximum(totals.sum(axis=1, keepdims=True), 1e-12)
        low, high = np.quantile(shares, [tail, 1 - tail], axis=0)
        keep = (overall > 0) & (low >= float(settings["min_lift"]) * overall)
        together = np.quantile(shares[:, keep].sum(axis=1), [tail, 1 - tail]) if keep.any() else (0.0, 0.0)
        for i in np.flatnonzero(keep):
            rows.append((segment, matrix.columns[i], share[i], low[i], high[i], overall[i], share[i] / overall[i],
                         *together))
    found = pd.DataFrame(rows, columns=columns)
    return found.sort_values(["segment", "lift"], ascending=[True, False], kind="stable").reset_index(drop=True)


def month_ranges(months) -> list[tuple[int, int]]:
    """Calendar months (1-12) as runs of consecutive months, December running into January:
    {10, 11, 12, 1, 5} -> [(5, 5), (10, 1)]."""
    chosen = sorted({int(m) for m in months})
    if len(chosen) == 12:
        return [(1, 12)]
    runs: list[list[int]] = []
    for month in chosen:
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    if len(runs) > 1 and runs[0][0] == 1 and runs[-1][-1] == 12:
        runs[0] = runs.pop() + runs[0]
    return sorted((run[0], run[-1]) for run in runs)


def months_text(months) -> str:
    """'October–November', 'May and December–January'."""
    def one(first: int, last: int) -> str:
        name = calendar.month_name
        return name[first] if first == last else f"{name[first]}\u2013{name[last]}"
    return " and ".join(one(a, b) for a, b in month_ranges(months))


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def taste_sentences(favourites: pd.DataFrame, season: pd.DataFrame, segment, n_favourites: int,
                    has_categories: bool) -> list[str]:
    """The card's lines for one segment: its favourite categories and its season, each with the
    share of its spend, the interval and the share among all customers; or that none stands out."""
    lines = []
    if has_categories:
        own = favourites[favourites["segment"] == segment].head(n_favourites)
        if own.empty:
            lines.append("No product category stands out: it buys like the average customer, within the noise.")
        else:
            parts = [f"{row.category_name} ({_pct(row.share)} of its spend, range {_pct(row.low)}\u2013"
                     f"{_pct(row.high)}; all customers {_pct(row.overall)})" for row in own.itertuples()]
            lines.append("Buys more than others: " + ", ".join(parts) + ".")
    months = season[season["segment"] == segment]
    if months.empty:
        lines.append("No season of its own: it buys across the year like the average customer, within the noise.")
    else:
        share, overall = months["share"].sum(), months["overall"].sum()
        low, high = months["together_low"].iloc[0], months["together_high"].iloc[0]
        lines.append(f"Buys most in {months_text(months['month'])}: {_pct(share)} of its spend, range "
                     f"{_pct(low)}\u2013{_pct(high)}, against {_pct(overall)} for all customers.")
    return lines
