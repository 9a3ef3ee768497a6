"""The refresh recommendation read from a stability curve, as structured fields.

The interval is the longest offset up to which the curve stays at or above the threshold.
Consumers use the fields (`headline`, `drift`, the interval), never text recovered by
splitting a sentence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4375


def recommend(table: pd.DataFrame, curve: str, threshold: float) -> dict:
    """The interval, a headline ("Refresh every 8 months."), where the curve drops fastest
    (`drift`, empty when stable throughout) and the whole `recommendation` sentence."""
    column = f"ari_{curve}"
    ordered = table.sort_values("days")
    values = ordered[column].to_numpy(dtype=float)
    failing = np.flatnonzero(~(values >= threshold))  # NaN (failed refit) counts as below
    if len(failing) == 0:
        days = int(ordered["days"].iloc[-1])
        horizon = True
    else:
        days = int(ordered["days"].iloc[failing[0] - 1]) if failing[0] > 0 else 0
        horizon = False
    months = round(days / DAYS_PER_MONTH, 1)
    drops = np.diff(np.concatenate([[1.0], np.nan_to_num(values, nan=0.0)]))
    steepest = ordered.iloc[int(np.argmin(drops))]
    if horizon:
        headline = f"Segments stay stable for the whole period measured ({months:g} months): refresh at least yearly."
    elif days == 0:
        headline = "Segments change from the first update: refresh at every data update, or review the model."
    elif months >= 1:
        headline = f"Refresh every {months:g} month{'s' if months != 1 else ''}."
    else:
        headline = f"Refresh every {days} days."
    drift = "" if horizon else f"Segments drift fastest just before {steepest['snapshot']} ({steepest['cutoff']})."
    return {"refresh_interval_days": days, "refresh_interval_months": months, "stable_whole_period": horizon,
            "recommendation": f"{headline} {drift}".strip(), "headline": headline, "drift": drift}


def cost_tradeoff(table: pd.DataFrame, interval_days: int) -> str:
    """Plain words: coming back more often costs more; coming back too rarely mislabels customers."""
    later = table[table["days"] > interval_days].sort_values("days")
    per_year = 365 / interval_days if interval_days else None
    text = (f"Refreshing every {interval_days} days means about {per_year:.0f} refreshes a year. "
            if per_year else "Refreshing at every update has the highest cost. ")
    if len(later):
        nxt = later.iloc[0]
        text += (f"Waiting until {nxt['snapshot']} instead would leave about {100 * nxt['mislabelled_share']:.0f}% "
                 f"of customers in a different segment than a fresh segmentation gives them")
        last = later.iloc[-1]
        text += (f", and {100 * last['mislabelled_share']:.0f}% by {last['snapshot']}." if len(later) > 1 else ".")
    return text
