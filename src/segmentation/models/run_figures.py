"""Per-run figures: radar chart of cluster profiles, 2-D map of customers by cluster."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from segmentation.common.figure_style import GREY, PALETTE, save, style  # noqa: E402
from segmentation.common.money import unit  # noqa: E402
from segmentation.features.rfm import FEATURE_LABELS  # noqa: E402

#: features measured in money: their labels carry the data's currency
MONEY_FEATURES = ("monetary",)


def feature_label(column: str, currency: str | None) -> str:
    """The axis label of a feature: "Net spend (USD)" for money features, else its plain label."""
    label = FEATURE_LABELS.get(column, column)
    return f"{label} ({unit(currency)})" if column in MONEY_FEATURES else label


def color(cluster: int) -> str:
    return GREY if cluster < 0 else PALETTE[cluster % len(PALETTE)]


#: radar axes turned around so that outer = better for every RFM axis: outer = more recent
#: (fewer days since the last purchase); each is said on its axis label
RADAR_REVERSED = {"recency": "outer = more recent"}


def percentile_profile(features: pd.DataFrame, labels: np.ndarray, reversed_columns=()) -> pd.DataFrame:
    """Each cluster's average percentile rank (0-100) on each feature: comparable axes. For
    `reversed_columns` the rank is of the opposite (100 = the lowest value)."""
    flipped = features.apply(lambda column: -column if column.name in reversed_columns else column)
    ranks = flipped.rank(pct=True) * 100
    return ranks.assign(cluster=np.asarray(labels)).groupby("cluster").mean()


def radar_label(column: str, currency: str | None) -> str:
    """An axis label of the radar, with its direction when it runs opposite to "outer = higher"."""
    label = feature_label(column, currency)
    return f"{label}\n({RADAR_REVERSED[column]})" if column in RADAR_REVERSED else label


def radar(features: pd.DataFrame, labels: np.ndarray, target: Path, names: dict[int, str] | None = None,
          currency: str | None = None) -> None:
    style()
    profile = percentile_profile(features, labels, tuple(RADAR_REVERSED))
    sizes = pd.Series(np.asarray(labels)).value_counts()
    axes_labels = [radar_label(c, currency) for c in profile.columns]
    angles = np.linspace(0, 2 * np.pi, len(axes_labels), endpoint=False).tolist()
    fig, ax = plt.subplots(figsize=(9.5, 8), subplot_kw={"polar": True})  # wide: side labels sit outside
    for cluster, row in profile.iterrows():
        values = row.tolist()
        label = (names or {}).get(cluster, f"Segment {cluster}" if cluster >= 0 else "Unassigned")
        ax.plot(angles + angles[:1], values + values[:1], color=color(cluster), linewidth=2,
                label=f"{label} ({sizes[cluster]:,} customers)")
        ax.fill(angles + angles[:1], values + values[:1], color=color(cluster), alpha=0.08)
    ax.set_xticks(angles, axes_labels)
    ax.tick_params(axis="x", pad=10)
    for label, angle in zip(ax.get_xticklabels(), angles):  # labels outside the circle, not across it
        side = np.cos(angle)
        label.set_horizontalalignment("left" if side > 0.1 else "right" if side < -0.1 else "center")
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75], ["25", "50", "75"], color=GREY, fontsize=8)
    ax.set_title("Segment profiles\n(average position among all customers, 0 = lowest, 100 = highest)", pad=20)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False, fontsize=9)
    save(fig, target)


def projection_map(embedding: np.ndarray, labels: np.ndarray, method: str, target: Path,
                   names: dict[int, str] | None = None) -> None:
    style()
    fig, ax = plt.subplots(figsize=(8, 6.5))
    labels = np.asarray(labels)
    for cluster in np.unique(labels):
        points = embedding[labels == cluster]
        label = (names or {}).get(cluster, f"Segment {cluster}" if cluster >= 0 else "Unassigned")
        ax.scatter(points[:, 0], points[:, 1], s=6, alpha=0.6, color=color(int(cluster)),
                   label=f"{label} ({len(points):,})", linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"Map of customers ({method.upper()}): nearby points behave alike")
    ax.legend(markerscale=3, frameon=False, fontsize=9, loc="best")
    save(fig, target)
