"""The value stage's figures: each segment's expected revenue over the horizon with the revenue
at risk beside it, the holdout check (predicted against actual, per decile of customers), and
movement as a transition matrix a marketing director reads at a glance."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from segmentation.common.figure_style import BLUE, GREEN, GREY, ORANGE, RED, save, style  # noqa: E402
from segmentation.common.money import money, money_axis  # noqa: E402
from segmentation.marketing.movement import LAPSED, NEW  # noqa: E402


def expected_revenue_bars(table: pd.DataFrame, names: Mapping, horizon_days: float, target: Path,
                          currency: str | None, error_note: str) -> None:
    """Per segment (largest expected revenue on top): expected revenue over the horizon, and what
    its at-risk customers would spend over it if they still bought (revenue at risk)."""
    style()
    data = table.sort_values("expected_revenue")
    labels = [str(names.get(s, f"Segment {s}")) for s in data["segment"]]
    y = np.arange(len(data))
    fig, ax = plt.subplots(figsize=(10, max(3.6, 0.75 * len(data) + 1.8)))
    ax.barh(y + 0.19, data["expected_revenue"], height=0.38, color=BLUE, label="Expected revenue")
    ax.barh(y - 0.19, data["revenue_at_risk"], height=0.38, color=RED, alpha=0.75,
            label="Revenue at risk (at-risk customers, if they still bought)")
    for yi, value, risk, share in zip(y, data["expected_revenue"], data["revenue_at_risk"], data["expected_revenue_share"]):
        ax.text(value, yi + 0.19, f"  {money(value, currency, compact=True)} ({share:.0%})", va="center", fontsize=9.5)
        ax.text(risk, yi - 0.19, f"  {money(risk, currency, compact=True)}", va="center", fontsize=9, color=RED)
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(money_axis(currency))
    ax.set_xlim(0, 1.25 * max(float(data["expected_revenue"].max()), float(data["revenue_at_risk"].max()), 1.0))
    total = float(table["expected_revenue"].sum())
    ax.set_title(f"Expected revenue over the next {horizon_days:,.0f} days: {money(total, currency, compact=True)}")
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    save(fig, target, _footnote(fig, error_note))


def holdout_deciles(deciles: pd.DataFrame, holdout: Mapping, target: Path, currency: str | None) -> None:
    """Mean predicted and actual revenue per customer in each tenth of customers ranked by their
    prediction: a calibrated model puts the two bars level, a good ranking makes them rise."""
    style()
    fig, ax = plt.subplots(figsize=(10, 4.8))
    x = deciles["decile"].to_numpy()
    ax.bar(x - 0.2, deciles["predicted_mean"], width=0.4, color=BLUE, label="Predicted (model fitted before)")
    ax.bar(x + 0.2, deciles["actual_mean"], width=0.4, color=ORANGE, label="What happened")
    ax.set_xticks(x, [str(d) for d in x])
    ax.set_xlabel("Customers ranked by predicted revenue, in tenths (1 = lowest, 10 = highest)")
    ax.set_ylabel("Revenue per customer (log scale)")
    ax.set_yscale("log")  # the top tenth spends 100x the bottom one: a linear axis hides the lower tenths
    ax.yaxis.set_major_formatter(money_axis(currency))
    ax.set_title(f"Forecast check on {holdout['calibration_cutoff']} → {holdout['cutoff']}: predicted "
                 f"{money(holdout['predicted_total'], currency, compact=True)}, actual "
                 f"{money(holdout['actual_total'], currency, compact=True)} ({holdout['relative_error']:+.0%})")
    ax.legend(loc="upper left", frameon=False)
    bottom = _footnote(fig, f"Customers known before {holdout['calibration_cutoff']}; rank correlation of predicted and "
                   f"actual revenue per customer {holdout['spearman']:.2f}. New customers of the period "
                   f"({holdout['new_customers']:,}) are not predicted.")
    save(fig, target, bottom)


def _footnote(fig, text: str) -> float:
    """A grey note under the axes, wrapped to the figure's width; returns the height to leave for it."""
    lines = textwrap.wrap(text, int(fig.get_figwidth() * 13))
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=9, color=GREY)
    return 0.01 + 0.16 * len(lines) / fig.get_figheight()


def _cell_text(value: float, share: float, money_format) -> str:
    amount = money_format(value) if money_format else f"{value:,.0f}"
    return f"{amount}\n{share:.0%}" if value else "–"


def draw_transitions(matrix: pd.DataFrame, target: Path, title: str, currency: str | None = None,
                     in_money: bool = False) -> None:
    """A heatmap of a transition matrix: each cell shows its count (or amount, `in_money`, in
    `currency`) and its share of the row, coloured by that share; customers who stayed (the
    diagonal) are outlined; the New row and the Lapsed column are set apart by a line."""
    from matplotlib.patches import Rectangle

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
    what = ("revenue since the baseline and % of the row" if in_money
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
