"""The contract decided by the data, against fixed dates: every month after the baseline replayed
as if the data had arrived monthly, on the snapshot tables (features as of each month start).

At each month, the model in use (the last deployment) meets that month's customers: the share
of them whose segment would change if refitted now is the *mislabelled share* (what not
refreshing costs). Policies:
- `every N months`: refresh at months N, 2N, ... (the baseline is month 0);
- `monitor`: refresh when the monitor's check says `refresh_due`, then it watches the new fit.
Per policy: the number of refreshes in the period, and the mean and worst mislabelled share over
its months (each measured before that month's refresh). Pure, on tables; the fits are
`monitoring.fits`'s, one per month (a month's refit is also what a refresh deploys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.maintenance.study import agreement
from segmentation.monitoring import fits
from segmentation.monitoring.check import REFRESH_DUE, check


@dataclass
class Month:
    """One month of the replay: its name, cutoff, customers (X), new lines since the previous one."""

    name: str
    cutoff: str
    X: pd.DataFrame
    new_lines: int
    pipeline: object = None
    labels: pd.Series = field(default=None)


def fitted(months: Sequence[Month], features: Mapping, model: Mapping, settings: Mapping, seed: int) -> list[Month]:
    """Each month's best fit (month 0: the baseline's, the first deployment)."""
    for month in months:
        month.pipeline, month.labels = fits.fit(features, model, month.X, seed, settings)
    return list(months)


def opening(first: Month, others: Sequence[Month], features: Mapping, model: Mapping, settings: Mapping,
            seed: int) -> tuple[list[Month], object]:
    """One share of a replay split over two processes: the first deployment's fit and noise band
    (every policy starts from it), and the fits of `others`."""
    done = fitted([first, *others], features, model, settings, seed)
    return done, fits.deployment_band(features, model, first.X, first.labels, settings, seed)


def mislabelled(deployed: Month, now: Month) -> float:
    """Share of `now`'s customers whose segment would change: 1 - agreement(refit, deployed model)."""
    keep = np.asarray(deployed.pipeline.predict(now.X))
    return 1 - agreement(now.labels.to_numpy(), keep)


def fixed_policy(months: Sequence[Month], every: int) -> dict:
    """Refresh every `every` months: refreshes and the mislabelled share of each month before it acts."""
    shares, deployed, refreshes = [], 0, 0
    for index in range(1, len(months)):
        shares.append(mislabelled(months[deployed], months[index]))
        if index % every == 0:
            deployed, refreshes = index, refreshes + 1
    return {"policy": f"every {every} month{'s' if every > 1 else ''}", "every_months": every,
            "refreshes": refreshes, **_spread(shares)}


def monitor_policy(months: Sequence[Month], features: Mapping, model: Mapping, settings: Mapping,
                   seed: int, bands: Mapping | None = None) -> tuple[dict, pd.DataFrame]:
    """Refresh on `refresh_due`: the policy's summary and the month-by-month checks (the history a
    monitor run each month would have written). `bands`: deployments' noise bands already
    computed, by month index."""
    rows, shares, deployed, refreshes, bands, unclear = [], [], 0, 0, dict(bands or {}), 0
    for index in range(1, len(months)):
        base, now = months[deployed], months[index]
        if deployed not in bands:  # computed once per deployment, as with a real one
            bands[deployed] = fits.deployment_band(features, model, base.X, base.labels, settings, seed)
        keep = pd.Series(np.asarray(base.pipeline.predict(now.X)), index=now.X.index)
        counts = {"new_customers": int(len(now.X.index.difference(base.X.index))),
                  "new_lines": int(sum(m.new_lines for m in months[deployed + 1: index + 1]))}
        nearest, _ = bands[deployed].nearest(now.X, now.labels.to_numpy(), keep.to_numpy())
        finding = check(keep, now.labels, base.labels, bands[deployed].summary, counts, settings, seed, None, nearest)
        shares.append(finding["mislabelled_share"])
        unclear += bool(finding.get("competing") or finding.get("coarse"))
        rows.append(history_row(now, base, finding, days=_days(base.cutoff, now.cutoff)))
        if finding["status"] == REFRESH_DUE:
            deployed, refreshes = index, refreshes + 1
    return ({"policy": "monitor", "every_months": None, "refreshes": refreshes, **_spread(shares),
             "unclear_months": unclear}, pd.DataFrame(rows))


def history_row(now: Month, deployed: Month, finding: Mapping, days: int) -> dict:
    """One line of the monitor's history (see `history.COLUMNS`)."""
    moved = [f"{row.kind} {row.segment}" for row in finding["transitions"].itertuples() if row.kind != "survive"]
    return {"cutoff": now.cutoff, "deployed_at": deployed.cutoff, "days_since_deployment": days,
            "customers": finding["customers"], "new_customers": finding["new_customers"],
            "agreement": finding["agreement"], "agreement_low": finding["agreement_low"],
            "agreement_high": finding["agreement_high"], "band_low": finding["band_low"],
            "band_high": finding["band_high"], "status": finding["status"],
            "mislabelled_share": finding["mislabelled_share"], "transitions": "; ".join(moved)}


def policies(months: Sequence[Month], features: Mapping, model: Mapping, settings: Mapping,
             seed: int, bands: Mapping | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Every policy of `settings['policies']` and the monitor's: one row each; the monitor's history;
    and its unclear months (a competing segmentation, or a band too wide to judge: there the
    mislabelled shares measure a choice between segmentations, not customers who changed)."""
    rows = [fixed_policy(months, int(every)) for every in settings["policies"]]
    watched, history = monitor_policy(months, features, model, settings, seed, bands)
    unclear = watched.pop("unclear_months")
    return pd.DataFrame([*rows, watched]), history, unclear


def cheapest(table: pd.DataFrame, ceiling: float) -> dict | None:
    """The policy with the fewest refreshes whose worst mislabelled share stays at most `ceiling`
    (on a tie, the lower worst share), or None when none does."""
    within = table[table["worst_mislabelled"] <= ceiling]
    if within.empty:
        return None
    return within.sort_values(["refreshes", "worst_mislabelled"]).iloc[0].to_dict()


def _spread(shares: Sequence[float]) -> dict:
    values = np.asarray(shares, dtype=float)
    return {"mean_mislabelled": round(float(np.nanmean(values)), 4) if len(values) else float("nan"),
            "worst_mislabelled": round(float(np.nanmax(values)), 4) if len(values) else float("nan"),
            "months": int(len(values))}


def _days(start: str, end: str) -> int:
    return int((pd.Timestamp(end) - pd.Timestamp(start)).days)
