"""Who moved between segments: between the baseline segmentation and the current one, or
between two consecutive refreshes. Pure functions on frames `customer_id, segment`, and the
figure a marketing director reads at a glance.

Segments may be names or ids; they are written as text (id 3 becomes "3") so that the New and
Lapsed labels sit in the same column. A customer only in `now` comes from "New"; a customer
only in `before` goes to "Lapsed". The transition matrix has the segments before as rows (and a
"New" row last), the segments now as columns (and a "Lapsed" column last), the same segment
order on both axes so that customers who stayed are on the diagonal. Its cells add up to every
customer of either table: those present in both, plus the new ones, plus the lapsed ones.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


def _cell_text(value: float, share: float, money_format) -> str:
    amount = money_format(value) if money_format else f"{value:,.0f}"
    return f"{amount}\n{share:.0%}" if value else "–"


def draw_transitions(matrix: pd.DataFrame, target: Path, title: str, currency: str | None = None,
                     in_money: bool = False) -> None:
    """A heatmap of a transition matrix: each cell shows its count (or amount, `in_money`, in
    `currency`) and its share of the row, coloured by that share; customers who stayed (the
    diagonal) are outlined; the New row and the Lapsed column are set apart by a line."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from segmentation.money import money
    from segmentation.reporting.plots.style import GREEN, GREY, save, style

    style()
    values = matrix.to_numpy(dtype=float)
    totals = values.sum(axis=1, keepdims=True)
    shares = np.divide(values, totals, out=np.zeros_like(values), where=totals != 0)
    n_rows, n_cols = values.shape
    fig, ax = plt.subplots(figsize=(max(7.5, 1.45 * n_cols + 3.2), max(4.8, 0.78 * n_rows + 2.4)))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.grid(False)
    money_format = (lambda v: money(v, currency, compact=True)) if in_money else None
    for i in range(n_rows):
        for j in range(n_cols):
            ax.text(j, i, _cell_text(values[i, j], shares[i, j], money_format), ha="center", va="center",
                    fontsize=10, color="white" if shares[i, j] > 0.55 else "black",
                    fontweight="bold" if matrix.index[i] == matrix.columns[j] else "normal")
            if matrix.index[i] == matrix.columns[j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=GREEN, linewidth=3,
                                       clip_on=False))
    total_text = (lambda v: money(v, currency, compact=True)) if in_money else (lambda v: f"{v:,.0f}")
    ax.set_yticks(range(n_rows), [f"{_wrap(r)}\n({total_text(t)})" for r, t in zip(matrix.index, totals[:, 0])])
    ax.set_xticks(range(n_cols), [f"{_wrap(c)}\n({total_text(t)})" for c, t in zip(matrix.columns, values.sum(axis=0))])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.axhline(n_rows - 1.5, color=GREY, linewidth=1.5)
    ax.axvline(n_cols - 1.5, color=GREY, linewidth=1.5)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("Segment now", fontweight="bold", labelpad=10)
    ax.xaxis.set_label_position("top")
    ax.set_ylabel("Segment before", fontweight="bold", labelpad=10)
    ax.set_title(f"{title}\n{_headline(matrix, total_text)}", pad=14)
    what = ("revenue now and % of the row (of the segment's revenue)" if in_money
            else "customers and % of the row (where the segment's customers went)")
    fig.text(0.01, 0.01, f"Each cell: {what}. Green outline: stayed in their segment. Totals in brackets.",
             fontsize=9, color=GREY)
    save(fig, target)


def _headline(matrix: pd.DataFrame, amount) -> str:
    """'Present both times: 4,549 (3,857 stayed, 85 %; 692 moved) · new 797 · lapsed 500'."""
    values = matrix.to_numpy(dtype=float)
    stayed = sum(values[i, matrix.columns.get_loc(label)] for i, label in enumerate(matrix.index)
                 if label != NEW and label in matrix.columns)
    new = values[matrix.index.get_loc(NEW)].sum() if NEW in matrix.index else 0.0
    lapsed = values[:, matrix.columns.get_loc(LAPSED)].sum() if LAPSED in matrix.columns else 0.0
    both = values.sum() - new - lapsed
    share = f"{stayed / both:.0%}" if both else "-"
    return (f"Present both times: {amount(both)} ({amount(stayed)} stayed, {share}; {amount(both - stayed)} moved)"
            f" · new {amount(new)} · lapsed {amount(lapsed)}")


def _wrap(label: str, width: int = 14) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)
