"""The maintenance curve: how far segments drift after the baseline."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from segmentation.reporting.plots.style import BLUE, GREEN, GREY, ORANGE, RED, save, style  # noqa: E402


def stability_curve(table: pd.DataFrame, summary: dict, target: Path) -> None:
    style()
    fig, ax = plt.subplots(figsize=(10, 5.2))
    data = table.sort_values("days")
    lines = [("ari_keep_vs_refit", "Baseline segments kept vs re-segmenting now", BLUE, "-"),
             ("ari_baseline_vs_refit", "Existing customers: baseline vs re-segmenting now", ORANGE, "--"),
             ("ari_random_forest", "Classifier (random forest) vs re-segmenting now", GREEN, ":"),
             ("ari_nearest_centroid", "Classifier (nearest centroid) vs re-segmenting now", GREY, ":")]
    for column, label, color, style_ in lines:
        if column in data:
            width = 2.6 if column == f"ari_{summary['curve']}" else 1.4
            ax.plot(data["days"], data[column], style_, marker="o", color=color, linewidth=width, label=label)
    ax.axhline(summary["threshold"], color=RED, linewidth=1)
    ax.annotate(f"threshold {summary['threshold']:g}", (data["days"].max(), summary["threshold"]),
                ha="right", va="bottom", color=RED, fontsize=9)
    if summary["refresh_interval_days"] > 0:
        ax.axvline(summary["refresh_interval_days"], color=GREY, linestyle="--", linewidth=1)
    ax.set_xticks(data["days"], data["snapshot"], rotation=45)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("Time since the baseline segmentation")
    ax.set_ylabel("Agreement (adjusted Rand index, 1 = identical)")
    ax.set_title(summary["headline"], fontsize=12)
    ax.legend(frameon=False, fontsize=8.5, loc="lower left")
    save(fig, target)
