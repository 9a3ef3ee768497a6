"""Report figures per named segment: snake plot and relative-importance heatmap."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from segmentation.common.figure_style import GREY, save, style  # noqa: E402
from segmentation.features.selection import signed_log1p  # noqa: E402
from segmentation.models.run_figures import color, feature_label  # noqa: E402


def snake(features: pd.DataFrame, labels: np.ndarray, names: dict[int, str], target: Path,
          currency: str | None = None) -> None:
    """Standardised (log scale) feature means per segment: how each segment differs from average."""
    style()
    z = signed_log1p(features)
    z = (z - z.mean()) / z.std(ddof=0).replace(0, 1)
    means = z.assign(cluster=np.asarray(labels)).groupby("cluster").mean()
    fig, ax = plt.subplots(figsize=(10, 5))
    x = np.arange(len(means.columns))
    for cluster, row in means.iterrows():
        ax.plot(x, row.to_numpy(), marker="o", linewidth=2, color=color(int(cluster)),
                label=names.get(int(cluster), f"Segment {cluster}"))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [feature_label(c, currency) for c in means.columns], rotation=15)
    ax.set_ylabel("Above (+) or below (-) the average customer")
    ax.set_title("How each segment differs from the average customer (0 = average)")
    ax.legend(frameon=False, fontsize=9, ncol=2)
    save(fig, target)


#: what more of a feature means for the business: +1 better (more orders, spend, units, a higher
#: review score), -1 worse (more days since the last purchase, more cancellations, more late
#: deliveries), 0 neither (instalments are how a customer pays, not how good they are). A feature
#: not listed (a precomputed table's own columns) counts as neither.
BUSINESS_DIRECTION = {"recency": -1, "frequency": 1, "monetary": 1, "total_quantity": 1, "avg_items_per_order": 1,
                      "cancellation_pct": -1, "mean_review_score": 1, "late_delivery_pct": -1,
                      "mean_installments": 0}
DIRECTION_NOTE = {-1: "(lower is better)", 0: "(neither good nor bad)", 1: ""}
#: red = worse for the business, yellow = about average, green = better
BUSINESS_COLOURS = "RdYlGn"
NEUTRAL_COLOUR = "#e6e6e6"


def relative_difference(features: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Each segment's mean relative to the population mean, in % (+205 = three times the average)."""
    population = features.mean()
    means = features.assign(cluster=np.asarray(labels)).groupby("cluster").mean()
    return ((means / population.replace(0, np.nan) - 1) * 100).fillna(0)


def business_score(relative: pd.DataFrame) -> pd.DataFrame:
    """The difference turned into good (+) or bad (-) for the business: -78 % days since the last
    purchase scores +78 (they bought recently), +298 % cancellations scores -298; 0 for a feature
    that is neither good nor bad."""
    direction = pd.Series({c: BUSINESS_DIRECTION.get(c, 0) for c in relative.columns}, dtype=float)
    return relative * direction


#: the score at which a colour is at its darkest: a segment at twice the average (+100 %) or at
#: nothing (-100 %, the lowest a count or amount can go) is as far from average as it gets
COLOUR_LIMIT = 100.0


def score_colour(score: float, limit: float = COLOUR_LIMIT) -> tuple[float, float, float, float]:
    """The cell colour of a score: red for worse for the business, green for better."""
    return plt.get_cmap(BUSINESS_COLOURS)(0.5 + 0.5 * float(np.clip(score / limit, -1, 1)))


def _column_label(column: str, currency: str | None) -> str:
    text = textwrap.fill(feature_label(column, currency), 16)
    note = DIRECTION_NOTE[BUSINESS_DIRECTION.get(column, 0)]
    return f"{text}\n{note}" if note else text


def cell_colours(relative: pd.DataFrame) -> np.ndarray:
    """The heatmap's RGBA cells: `score_colour` of each business score, grey for a feature that
    is neither good nor bad."""
    scores = business_score(relative)
    neutral = matplotlib.colors.to_rgba(NEUTRAL_COLOUR)
    return np.array([[neutral if BUSINESS_DIRECTION.get(column, 0) == 0 else score_colour(scores.at[row, column])
                      for column in relative.columns] for row in relative.index])


def importance_heatmap(features: pd.DataFrame, labels: np.ndarray, names: dict[int, str], target: Path,
                       currency: str | None = None) -> None:
    """Each segment's difference from the average customer, in % (printed in each cell), coloured
    by what it means for the business: green better, red worse, grey neither."""
    style()
    relative = relative_difference(features, labels)
    scores = business_score(relative)
    fig, ax = plt.subplots(figsize=(11, 0.7 * len(relative) + 2.6))
    ax.imshow(cell_colours(relative), aspect="auto")
    ax.set_xticks(range(len(relative.columns)), [_column_label(c, currency) for c in relative.columns], fontsize=9.5)
    ax.set_yticks(range(len(relative)), [names.get(int(c), f"Segment {c}") for c in relative.index])
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
    for (i, j), value in np.ndenumerate(relative.to_numpy()):
        strong = BUSINESS_DIRECTION.get(relative.columns[j], 0) != 0 and abs(scores.iat[i, j]) > 0.65 * COLOUR_LIMIT
        ax.text(j, i, f"{value:+.0f}%", ha="center", va="center", fontsize=10.5,
                color="white" if strong else "black", fontweight="bold" if strong else "normal")
    ax.grid(False)
    ax.set_title("What stands out in each segment: difference from the average customer", pad=12)
    scale = matplotlib.cm.ScalarMappable(matplotlib.colors.Normalize(-COLOUR_LIMIT, COLOUR_LIMIT),
                                         plt.get_cmap(BUSINESS_COLOURS))
    bar = fig.colorbar(scale, ax=ax, shrink=0.9, ticks=[-COLOUR_LIMIT, 0, COLOUR_LIMIT], pad=0.02)
    bar.ax.set_yticklabels(["worse for\nthe business", "average", "better for\nthe business"], fontsize=9)
    fig.text(0.01, 0.01, "Green = better for the business, red = worse, grey = neither. Each cell: the segment's "
             "average vs the average customer.", fontsize=9, color=GREY, ha="left", va="bottom")
    save(fig, target)
