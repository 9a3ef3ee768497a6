"""The movement figure: a transition matrix as a heatmap a marketing director reads at a glance."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.marketing.movement import LAPSED, NEW


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
