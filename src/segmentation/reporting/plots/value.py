"""The expected-revenue figures: each segment's expected revenue over the horizon with the revenue
at risk beside it, and the holdout check (predicted against actual, per decile of customers)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from segmentation.money import money, money_axis  # noqa: E402
from segmentation.reporting.plots.style import BLUE, GREY, ORANGE, RED, save, style  # noqa: E402


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
