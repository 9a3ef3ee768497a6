"""The monitor's figures: the segments' health over time (agreement with its interval against the
noise band, status marked) and the refresh policies compared."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmentation.common.figure_style import BLUE, GREY, ORANGE, RED, save, style


def health_figure(track: pd.DataFrame, target: Path, title: str) -> None:
    """Agreement of the deployed segmentation with a fresh fit, month by month, with its interval;
    the deployment's noise band shaded; refreshes marked."""
    import matplotlib.pyplot as plt

    style()
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    dates = pd.to_datetime(track["cutoff"])
    ax.fill_between(dates, track["band_low"], track["band_high"], step="mid", color=GREY, alpha=0.25,
                    label="noise band (no change)")
    ax.errorbar(dates, track["agreement"], yerr=[track["agreement"] - track["agreement_low"],
                                                 track["agreement_high"] - track["agreement"]],
                fmt="o-", color=BLUE, capsize=3, label="agreement with a fresh fit")
    due = track["status"] == "refresh_due"
    ax.scatter(dates[due], track.loc[due, "agreement"], s=120, facecolors="none", edgecolors=RED, linewidths=2,
               label="refresh due", zorder=3)
    ax.set_ylim(min(0.0, float(track["agreement_low"].min()) - 0.05), 1.02)
    ax.set_ylabel("Agreement (ARI)")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8.5, frameon=False)
    save(fig, target)


def policies_figure(table: pd.DataFrame, ceiling: float, target: Path, recommended: str | None) -> None:
    """Per policy: refreshes (bars, the recommended one highlighted) and the worst share of customers
    in a wrong segment (dots), against the ceiling."""
    import matplotlib.pyplot as plt

    style()
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    names = ["when the\nmonitor says so" if p == "monitor" else p.replace("every ", "every\n") for p in table["policy"]]
    bars = ax.bar(names, table["refreshes"], color=[ORANGE if p == recommended else BLUE for p in table["policy"]])
    if recommended is not None:
        ax.legend([bars[list(table["policy"]).index(recommended)]], ["recommended: fewest refreshes under the ceiling"],
                  loc="upper center", fontsize=8.5, frameon=False)
    ax.set_ylabel("Refreshes (bars)")
    share = ax.twinx()
    share.plot(names, 100 * table["worst_mislabelled"], "o", color=RED, markersize=8, label="worst month")
    share.axhline(100 * ceiling, color=RED, linestyle=":", linewidth=1, label=f"ceiling {ceiling:.0%}")
    share.set_ylim(0, max(100 * ceiling, float(100 * table["worst_mislabelled"].max())) * 1.25)
    share.set_ylabel("Wrong segment, worst month (%)")
    share.grid(False)
    share.legend(loc="upper right", fontsize=8.5, frameon=False)
    ax.set_title("Refresh policies replayed: refreshes and customers in a wrong segment")
    save(fig, target)
