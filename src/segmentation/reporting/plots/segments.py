"""Report figures per named segment: snake plot and relative-importance heatmap."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from segmentation.preprocess import signed_log1p  # noqa: E402
from segmentation.reporting.plots.clusters import color, feature_label  # noqa: E402
from segmentation.reporting.plots.style import save, style  # noqa: E402


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


def importance_heatmap(features: pd.DataFrame, labels: np.ndarray, names: dict[int, str], target: Path,
                       currency: str | None = None) -> None:
    """Segment mean relative to the population mean, in %: what stands out in each segment."""
    style()
    population = features.mean()
    relative = (features.assign(cluster=np.asarray(labels)).groupby("cluster").mean() / population.replace(0, np.nan)
                - 1) * 100
    relative = relative.fillna(0)
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(relative) + 2))
    limit = max(100.0, float(np.nanpercentile(np.abs(relative.to_numpy()), 90)))
    image = ax.imshow(relative.to_numpy(), cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(relative.columns)), [feature_label(c, currency) for c in relative.columns], rotation=15)
    ax.set_yticks(range(len(relative)), [names.get(int(c), f"Segment {c}") for c in relative.index])
    for (i, j), value in np.ndenumerate(relative.to_numpy()):
        ax.text(j, i, f"{value:+.0f}%", ha="center", va="center", fontsize=9,
                color="white" if abs(value) > 0.6 * limit else "black")
    ax.grid(False)
    ax.set_title("What stands out in each segment: difference from the average customer")
    fig.colorbar(image, ax=ax, shrink=0.8, format="%+.0f%%")
    save(fig, target)
