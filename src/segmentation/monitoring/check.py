"""Is the deployed segmentation still valid today? The monitor's check, pure, on labels.

Today's customers are placed two ways: *keep* (the deployed model applied) and *refit* (a fresh
fit of the same configuration, the best of several seeds, so a refit that lands in another local
optimum is not taken for a change in the customers). Their agreement (ARI, with a bootstrap
interval over customers) is compared with the noise band of the deployment (the deployed fit's
agreement with refits of its own training data): the same rule as the maintenance study.

Status:
- `not_enough_data`: fewer new customers or new lines since the deployment than configured;
- `refresh_due`: the agreement's whole interval lies under the band; the reasons name the
  segments that split, were absorbed, disappeared or emerged (`transitions`);
- `ok`: otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from segmentation.maintenance.band import is_competing
from segmentation.maintenance.noise import ari_interval
from segmentation.maintenance.study import agreement
from segmentation.models.evaluation import adjusted_rand
from segmentation.monitoring.transitions import in_words, transitions

OK, REFRESH_DUE, NOT_ENOUGH_DATA = "ok", "refresh_due", "not_enough_data"


def enough_data(counts: Mapping, settings: Mapping) -> list[str]:
    """Why there is too little new data to judge (nothing when there is enough)."""
    reasons = []
    if counts["new_customers"] < int(settings["min_new_customers"]):
        reasons.append(f"{counts['new_customers']:,} new customers since the deployment "
                       f"(at least {int(settings['min_new_customers']):,} needed)")
    if counts["new_lines"] < int(settings["min_new_lines"]):
        reasons.append(f"{counts['new_lines']:,} new lines since the deployment "
                       f"(at least {int(settings['min_new_lines']):,} needed)")
    return reasons


def check(keep: pd.Series, refit: pd.Series, deployed: pd.Series, band: Mapping, counts: Mapping,
          settings: Mapping, seed: int, names: Mapping[int, str] | None = None, nearest: float = float("nan")) -> dict:
    """The monitor's finding. `keep` and `refit`: today's customers (index) by the deployed model
    and by a fresh fit; `deployed`: the customers of the deployment with their deployed segments;
    `band`: band_low, band_high (and median) of the deployment; `counts`: new_customers, new_lines;
    `nearest`: the refit's best agreement with one of the band's own refits (`band.Band.nearest`)."""
    keep, refit = keep.align(refit, join="inner")
    value = float(adjusted_rand(keep.to_numpy(), refit.to_numpy())) if len(keep) else float("nan")
    low, high = ari_interval(keep.to_numpy(), refit.to_numpy(), int(settings["interval_resamples"]), seed)
    table = transitions(deployed, refit, float(settings["survive"]), float(settings["split"]))
    changed = in_words(table, names)
    new = keep.index.difference(deployed.index)
    finding = {"agreement": value, "agreement_low": low, "agreement_high": high,
               "band_low": band.get("band_low"), "band_median": band.get("band_median"), "band_high": band.get("band_high"),
               "mislabelled_share": 1 - agreement(refit.to_numpy(), keep.to_numpy()) if len(keep) else float("nan"),
               "customers": int(len(keep)), **counts,
               "new_by_segment": {int(k): round(float(v), 4)
                                  for k, v in keep.loc[new].value_counts(normalize=True).sort_index().items()},
               "transitions": table, "changes": changed}
    missing = enough_data(counts, settings)
    if missing:
        return {**finding, "status": NOT_ENOUGH_DATA, "reasons": missing}
    if not np.isfinite(band.get("band_low", float("nan"))):
        return {**finding, "status": NOT_ENOUGH_DATA, "reasons": ["the deployment has no noise band to compare with"]}
    if is_competing(value, high, nearest, band, float(settings["competing_margin"])):
        return {**finding, "status": OK, "competing": True, "reasons": [
            f"two competing segmentations: today's refit agrees only {value:.2f} with the deployed segments but "
            f"{nearest:.2f} with a refit of the deployment's own customers - another segmentation of nearly equal "
            "quality found again, not a change in the customers"]}
    if high < band["band_low"]:
        interval = f"{value:.2f} (interval {low:.2f}-{high:.2f})"
        reason = f"agreement {interval} is under the noise band {band['band_low']:.2f}-{band['band_high']:.2f}"
        return {**finding, "status": REFRESH_DUE, "reasons": [reason, *changed]}
    reasons = [f"agreement {value:.2f} (interval {low:.2f}-{high:.2f}) is within the noise band "
               f"{band['band_low']:.2f}-{band['band_high']:.2f}"]
    if band["band_low"] < float(settings["self_agreement_floor"]):  # ok, but only a large change could show
        reasons.append(f"the check is coarse: refits of the deployment's own customers agree as little as "
                       f"{band['band_low']:.2f}, so only a change deeper than that shows; a more stable "
                       "configuration (another k) makes the monitor sharper")
    return {**finding, "status": OK, "coarse": len(reasons) > 1, "reasons": reasons}
