"""The maintenance curve: agreement after the baseline, with its intervals, against the noise
band of the baseline itself; the absolute threshold is drawn as the secondary business rule."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from segmentation.common.figure_style import BLUE, GREY, ORANGE, RED, save, style  # noqa: E402

CURVE_LABELS = {"keep_vs_refit": "Baseline segments kept vs re-segmenting now",
                "baseline_vs_refit": "Existing customers: baseline vs re-segmenting now"}


def stability_curve(table: pd.DataFrame, summary: dict, target: Path) -> None:
    style()
    fig, ax = plt.subplots(figsize=(10, 5.4))
    data = table.sort_values("days")
    column = f"ari_{summary['curve']}"
    if np.isfinite(summary.get("band_low", np.nan)):
        ax.axhspan(summary["band_low"], summary["band_high"], color=BLUE, alpha=0.12, linewidth=0,
                   label=f"Noise band: the baseline refitted ({summary['band_low']:.2f}-{summary['band_high']:.2f})")
        ax.axhline(summary["band_median"], color=BLUE, alpha=0.4, linewidth=1)
    other = "ari_baseline_vs_refit" if column == "ari_keep_vs_refit" else "ari_keep_vs_refit"
    if other in data:
        ax.plot(data["days"], data[other], "--", marker=".", color=ORANGE, linewidth=1.2,
                label=CURVE_LABELS[other.removeprefix("ari_")])
    skipped = data.get("no_new_data", pd.Series(False, index=data.index)).fillna(False).astype(bool).to_numpy()
    errors = np.vstack([data[column] - data[f"{column}_low"], data[f"{column}_high"] - data[column]])
    ax.errorbar(data["days"], data[column], yerr=np.clip(np.nan_to_num(errors), 0, None), color=BLUE, linewidth=2.4,
                marker="o", capsize=3, label=CURVE_LABELS[summary["curve"]] + " (bootstrap interval)")
    if skipped.any():
        ax.plot(data["days"][skipped], data[column][skipped], "o", color="white", markeredgecolor=GREY, markersize=9,
                label="No new data since the previous point (not counted)")
    ax.axhline(summary["threshold"], color=RED, linewidth=1, linestyle=":")
    ax.annotate(f"business threshold {summary['threshold']:g}", (data["days"].max(), summary["threshold"]),
                ha="right", va="bottom", color=RED, fontsize=9.5)
    if summary["verdict"] == "refresh" and summary["refresh_interval_days"]:
        ax.axvline(summary["refresh_interval_days"], color=GREY, linestyle="--", linewidth=1)
    labels = data.get("label", data["snapshot"]).str.replace(r" \(partial: data to (.*)\)", r"*", regex=True)
    ax.set_xticks(data["days"], labels, rotation=90, fontsize=9.5)  # upright: close snapshots (M+11, M+12*) stay apart
    partial = data.get("label", data["snapshot"]).str.extract(r"partial: data to (.*)\)")[0].dropna()
    if len(partial):
        fig.text(0.01, 0.01, f"* partial period: the data end on {partial.iloc[0]}", fontsize=9, color=GREY)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("Time since the baseline segmentation")
    ax.set_ylabel("Agreement (adjusted Rand index, 1 = identical)")
    ax.set_title(summary["headline"] if len(summary["headline"]) < 95 else summary["headline"][:92] + "...",
                 fontsize=12)
    ax.legend(frameon=False, fontsize=9.5, loc="lower left")
    save(fig, target)
