"""The maintenance verdict: a refresh interval only when the data can support one.

Kinds, checked in this order:
- `not_enough_data`: too few baseline customers, new customers or usable snapshots (the
  configured minimums), with the numbers;
- `unstable_baseline`: the baseline's median self-agreement (the noise band) is under the
  configured floor: the segmentation is not reproducible by itself, so no curve can tell drift;
- `refresh`: the first usable snapshot whose agreement interval lies wholly under the band's
  low end marks drift; refresh at the last usable snapshot before it (0 days: at every update);
- `stable`: no usable snapshot falls under the band.
Snapshots marked `no_new_data` (they repeat the previous one) or whose refit failed are not
usable. The absolute threshold (`recommendation.recommend`) is reported beside, as a business rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from segmentation.maintenance.recommendation import DAYS_PER_MONTH

KINDS = ("not_enough_data", "unstable_baseline", "refresh", "stable")


def usable(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Snapshots that can count: new data since the previous one, and an agreement measured."""
    keep = table[column].notna()
    if "no_new_data" in table:
        keep &= ~table["no_new_data"].fillna(False).astype(bool)
    return table[keep].sort_values("days")


def _not_enough(table: pd.DataFrame, counts: Mapping, minimums: Mapping) -> list[str]:
    reasons = []
    if counts["baseline_customers"] < minimums["min_baseline_customers"]:
        reasons.append(f"{counts['baseline_customers']:,} customers at the baseline (at least "
                       f"{minimums['min_baseline_customers']:,} needed)")
    if counts["new_customers"] < minimums["min_new_customers"]:
        reasons.append(f"{counts['new_customers']:,} new customers after the baseline (at least "
                       f"{minimums['min_new_customers']:,} needed)")
    if len(table) < minimums["min_offsets"]:
        reasons.append(f"{len(table)} usable snapshot(s) after the baseline (at least {minimums['min_offsets']} needed)")
    return reasons


def competing_reason(rows: pd.DataFrame, column: str) -> list[str]:
    """Where a fresh fit was a competing segmentation found again (`band.is_competing`): not drift."""
    if rows.empty:
        return []
    return [f"two competing segmentations: at {', '.join(map(str, rows['label']))} the fresh fit agrees "
            f"{rows['ari_nearest_refit'].min():.2f} or more with a refit of the baseline itself but at most "
            f"{rows[column].max():.2f} with the deployed segments, another segmentation of nearly equal quality found "
            f"again, not a change in the customers (the deployed one is the one "
            f"{1 - rows['refits_closer_to_fresh'].mean():.0%} of the baseline's refits are closer to)"]


def decide(table: pd.DataFrame, curve: str, noise: Mapping, counts: Mapping, rules: Mapping) -> dict:
    """The verdict's structured fields: `verdict`, `headline`, `reasons`, the interval (days,
    months) where there is one, `drift_at` and the noise band."""
    column = f"ari_{curve}"
    points = usable(table, column)
    result = {**noise, "verdict": None, "reasons": [], "refresh_interval_days": None,
              "refresh_interval_months": None, "drift_at": None, "usable_snapshots": int(len(points))}
    missing = _not_enough(points, counts, rules)
    if missing:
        return {**result, "verdict": "not_enough_data", "reasons": missing,
                "headline": "Not enough data to recommend a refresh interval: " + "; ".join(missing) + "."}
    if not noise["band_median"] >= rules["self_agreement_floor"]:
        reason = (f"refitting the baseline with other seeds and resampled customers agrees only "
                  f"{noise['band_median']:.2f} with itself (median; floor {rules['self_agreement_floor']:g})")
        # interval 0: no safe interval, so a champion constraint on refresh_interval_months rejects it
        return {**result, "verdict": "unstable_baseline", "reasons": [reason], "refresh_interval_days": 0,
                "refresh_interval_months": 0.0,
                "headline": f"The segmentation itself is unstable at the baseline (self-agreement "
                            f"{noise['band_median']:.2f}): choose a more stable configuration before planning refreshes."}
    competing = points["competing_solution"].fillna(False).astype(bool) if "competing_solution" in points else \
        pd.Series(False, index=points.index)
    below = points[(points[f"{column}_high"] < noise["band_low"]) & ~competing]
    found_other = competing_reason(points[competing], column)
    if below.empty:
        days = int(points["days"].iloc[-1])
        months = round(days / DAYS_PER_MONTH, 1)
        return {**result, "verdict": "stable", "refresh_interval_days": days, "refresh_interval_months": months,
                "reasons": [*found_other, f"{'otherwise, ' if found_other else ''}no snapshot's agreement falls under the "
                                          f"noise band (from {noise['band_low']:.2f})"],
                "headline": f"Segments stay stable for the whole period measured ({months:g} months): "
                            "refresh at least yearly."}
    first = below.iloc[0]
    before = points[points["days"] < first["days"]]
    days = int(before["days"].iloc[-1]) if len(before) else 0
    months = round(days / DAYS_PER_MONTH, 1)
    reason = (f"at {first['label']} ({first['cutoff']}) agreement is {first[column]:.2f} "
              f"(interval {first[f'{column}_low']:.2f}-{first[f'{column}_high']:.2f}), under the noise band "
              f"{noise['band_low']:.2f}-{noise['band_high']:.2f}")
    headline = ("Segments change from the first update: refresh at every data update." if days == 0 else
                f"Refresh every {months:g} month{'s' if months != 1 else ''}." if months >= 1 else
                f"Refresh every {days} days.")
    return {**result, "verdict": "refresh", "refresh_interval_days": days, "refresh_interval_months": months,
            "drift_at": str(first["label"]), "reasons": [reason, *found_other], "headline": headline}
