"""Temporal stability for the maintenance contract: pure functions on feature tables.

A segmentation is fitted on the baseline snapshot (data before `snapshots.baseline`). At each
later snapshot (the configured offsets, e.g. J+1, J+15, M+1 ... M+12):

- keep: every customer present is assigned by the baseline model (predict;
  approximate_predict for HDBSCAN, with its noise policy);
- refit: a fresh model, same config, is fitted on the snapshot;
- ARI(keep, refit) over the customers present: the stability curve;
- ARI(baseline labels, refit) over customers that existed at the baseline, and the share of
  them whose segment changed (refit segments matched to baseline segments by maximum overlap);
- customers first seen after the baseline: how many, and their segments under `keep`;
- each classifier trained on the baseline labels (random forest, nearest centroid):
  accuracy and ARI against refit.

Each agreement gets a bootstrap interval over customers (`noise.ari_interval`); the baseline's
self-agreement under other seeds and resampled customers is the noise band (`baseline_noise`);
the verdict (`verdict.decide`) declares drift only below that band, and the absolute threshold
rule (`recommendation.recommend`) is reported beside it. `stability.population: existing`
refits only on customers present at the baseline (the published method).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from segmentation.common.config import required
from segmentation.common.errors import UserError
from segmentation.common.sampling import sample_rows
from segmentation.common.validation import require_valid
from segmentation.features.cutoffs import BASELINE
from segmentation.features.selection import preprocessor_for, select_customers, wholesaler_policy
from segmentation.maintenance.band import Band, band_of, is_competing, refits
from segmentation.maintenance.noise import ari_interval
from segmentation.maintenance.recommendation import cost_tradeoff, recommend
from segmentation.maintenance.verdict import decide, usable
from segmentation.models.estimators import ModelFailure, fit_labels, make_pipeline
from segmentation.models.evaluation import adjusted_rand
from segmentation.models.fitting import segments

SUMMARY_OFFSETS = {"ari_j15": "J+15", "ari_m1": "M+1", "ari_m3": "M+3", "ari_m6": "M+6", "ari_m12": "M+12"}


def matched(reference: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """`labels` renamed to the `reference` segment they overlap most (Hungarian matching)."""
    ref_ids, ref_codes = np.unique(reference, return_inverse=True)
    lab_ids, lab_codes = np.unique(labels, return_inverse=True)
    overlap = np.bincount(lab_codes * len(ref_ids) + ref_codes,
                          minlength=len(lab_ids) * len(ref_ids)).reshape(len(lab_ids), len(ref_ids))
    rows, cols = linear_sum_assignment(-overlap)
    lookup = np.arange(len(lab_ids)) + max(ref_ids.max(), lab_ids.max()) + 1  # unmatched: fresh ids
    lookup[rows] = ref_ids[cols]
    return lookup[np.searchsorted(lab_ids, labels)]


def agreement(reference: np.ndarray, labels: np.ndarray) -> float:
    """Share of customers with the same segment once labels are matched."""
    return float(np.mean(matched(reference, labels) == reference)) if len(reference) else float("nan")


def make_classifier(name: str, seed: int):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import NearestCentroid

    if name == "random_forest":
        return RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)
    if name == "nearest_centroid":
        return NearestCentroid()
    raise UserError(f"stability.classifiers has '{name}'. Fix: use random_forest and/or nearest_centroid.")


def snapshot_row(name: str, days: int, X: pd.DataFrame, is_new: pd.Series, baseline_labels: pd.Series,
                 baseline_model, fit: Callable[[pd.DataFrame], np.ndarray], classifiers: Mapping,
                 interval_resamples: int, seed: int, curve: str, noise: Band, margin: float) -> dict:
    """Every stability figure of one snapshot (see module docstring), with a bootstrap interval
    over customers for the agreement curve the verdict reads (`curve`), and the fresh fit's best
    agreement with one of the noise band's refits (`band.Band.nearest`)."""
    keep = np.asarray(baseline_model.predict(X))
    try:
        refit = np.asarray(fit(X))
    except ModelFailure as err:
        return {"snapshot": name, "days": days, "customers": len(X), "error": str(err)}
    existing = ~is_new.to_numpy()
    base = baseline_labels.reindex(X.index).to_numpy()[existing]
    new_keep = pd.Series(keep[~existing]).value_counts(normalize=True).sort_index()
    unmeasured = (float("nan"), float("nan"))
    keep_low, keep_high = ari_interval(keep, refit, interval_resamples, seed) if curve == "keep_vs_refit" else unmeasured
    base_low, base_high = (ari_interval(base, refit[existing], interval_resamples, seed)
                           if curve == "baseline_vs_refit" and existing.any() else unmeasured)
    row = {
        "snapshot": name, "days": int(days), "customers": int(len(X)),
        "existing_customers": int(existing.sum()), "new_customers": int((~existing).sum()),
        "ari_keep_vs_refit": float(adjusted_rand(keep, refit)),
        "ari_keep_vs_refit_low": keep_low, "ari_keep_vs_refit_high": keep_high,
        "ari_baseline_vs_refit": float(adjusted_rand(base, refit[existing])) if existing.any() else float("nan"),
        "ari_baseline_vs_refit_low": base_low, "ari_baseline_vs_refit_high": base_high,
        "changed_share": 1 - agreement(base, refit[existing]) if existing.any() else float("nan"),
        "mislabelled_share": 1 - agreement(refit, keep),
        "new_by_segment": {int(k): round(float(v), 4) for k, v in new_keep.items()},
    }
    if noise.fits:  # is the fresh fit a segmentation the baseline's own refits find? (not drift)
        row["ari_nearest_refit"], row["refits_closer_to_fresh"] = noise.nearest(X, refit, keep)
        # on either curve, judged with the model applied: a fresh fit close to the deployed model
        # applied is the same segmentation, whatever the old labels say
        row["competing_solution"] = is_competing(row["ari_keep_vs_refit"], keep_high, row["ari_nearest_refit"],
                                                 noise.summary, margin)
    for label, model in classifiers.items():
        predicted = np.asarray(model.predict(X))
        row[f"accuracy_{label}"] = agreement(refit, predicted)
        row[f"ari_{label}"] = float(adjusted_rand(predicted, refit))
    return row


def baseline_noise(baseline_X: pd.DataFrame, labels: np.ndarray, features: Mapping, model: Mapping,
                   stability: Mapping, seed: int, bootstrap_aris: list[float] | None) -> Band:
    """The noise band (`band.band_of`): self-agreement of the baseline under other seeds and on
    bootstrap resamples of its customers (`bootstrap_aris` reuses a training run's own resamples).
    Above `noise_max_customers`, both refit a seeded sample of the baseline (the refits dominate
    the study's time on large customer bases)."""
    limit = int(required(stability, "noise_max_customers", "stability"))
    rows = sample_rows(len(baseline_X), limit, seed)
    if rows is not None:
        baseline_X, labels = baseline_X.iloc[rows], labels[rows]
    seeds = [seed + 1 + i for i in range(int(required(stability, "noise_seeds", "stability")))]
    resamples = int(required(stability, "noise_resamples", "stability")) if bootstrap_aris is None else 0
    return band_of(refits(features, model, baseline_X, labels, seeds, resamples, seed), bootstrap_aris)


def temporal_stability(tables: Mapping[str, pd.DataFrame], days: Mapping[str, int], cutoffs: Mapping[str, str],
                       features: Mapping, model: Mapping, stability: Mapping, seed: int,
                       meta: Mapping[str, Mapping] | None = None, bootstrap_aris: list[float] | None = None) -> dict:
    """The whole maintenance-contract computation on snapshot feature tables.

    `tables` maps snapshot names (with "baseline") to feature tables with `customer_id` and
    `is_new`; `meta` gives, per snapshot, its `label` and `no_new_data` flag (from the
    snapshots stage). Returns the per-snapshot table, the summary (verdict, noise band,
    threshold rule), the baseline's segments and the current assignments.
    """
    from sklearn.pipeline import Pipeline

    curve = required(stability, "curve", "stability")
    require_valid("stability.curve", curve)
    population = required(stability, "population", "stability")
    require_valid("stability.population", population)
    chosen = select_customers(tables[BASELINE], features)
    baseline_X, selection = chosen.X, chosen.report
    baseline_model = make_pipeline(features, model, seed)
    baseline_labels = pd.Series(fit_labels(baseline_model, baseline_X), index=baseline_X.index)
    # wholesalers set apart (baseline's and current) share one more segment, as in training
    segment = (int(np.max(baseline_labels.to_numpy(), initial=-1)) + 1
               if wholesaler_policy(features) == "separate" else None)
    classifiers = {}
    for name in required(stability, "classifiers", "stability") or []:
        classifiers[name] = Pipeline([*preprocessor_for(features).steps, ("classify", make_classifier(name, seed))]).fit(
            baseline_X, baseline_labels)

    def refit(X: pd.DataFrame) -> np.ndarray:
        return fit_labels(make_pipeline(features, model, seed), X)

    resamples = int(required(stability, "interval_resamples", "stability"))
    noise = baseline_noise(baseline_X, baseline_labels.to_numpy(), features, model, stability, seed, bootstrap_aris)
    rows, latest = [], None
    for name in sorted((n for n in tables if n != BASELINE), key=lambda n: days[n]):
        snapshot = snapshot_customers(tables[name], features, selection.get("wholesaler_threshold"), baseline_X.index,
                                      population)
        about = dict((meta or {}).get(name, {}))
        rows.append({**snapshot_row(name, days[name], snapshot["X"], snapshot["is_new"], baseline_labels,
                                    baseline_model, refit, classifiers, resamples, seed, curve, noise,
                                    float(required(stability, "competing_margin", "stability"))),
                     **snapshot["counts"], "cutoff": cutoffs[name], "label": about.get("label", name),
                     "no_new_data": bool(about.get("no_new_data", False))})
        latest = (name, snapshot["assigned"], snapshot["wholesalers"])
    table = pd.DataFrame(rows)
    summary = summarise(table, curve, noise.summary, stability, len(baseline_X), population, selection)
    summary.update(baseline_cutoff=cutoffs[BASELINE], snapshots=int(len(table)),
                   first_cutoff=str(table["cutoff"].min()) if len(table) else cutoffs[BASELINE],
                   last_cutoff=str(table["cutoff"].max()) if len(table) else cutoffs[BASELINE])
    return {"table": table, "summary": summary,
            "baseline": pd.DataFrame({"customer_id": baseline_X.index.append(chosen.wholesalers),
                                      "segment": segments(baseline_labels.to_numpy(), chosen.wholesalers, segment)}),
            "current": current_assignments(latest, required(stability, "strategy", "stability"), baseline_model,
                                           classifiers, baseline_labels, refit, segment) if latest else None}


def snapshot_customers(table: pd.DataFrame, features: Mapping, threshold: float | None, at_baseline: pd.Index,
                       population: str) -> dict:
    """One later snapshot's customers under the baseline's wholesaler threshold.

    `assigned`: those the baseline model places (below the threshold; with `population:
    existing`, only customers of the baseline); `wholesalers`: those above it when they are set
    apart (`separate`), else empty; `X` and `is_new`: the customers the snapshot row measures,
    `assigned` without the existing customers the baseline did not cluster (above the threshold
    then, below it now: they have no baseline segment to compare with), counted in `counts`
    (`set_apart_at_baseline`) whenever the wholesaler rule applies."""
    chosen = select_customers(table, features, wholesaler_threshold=threshold)
    flags = table.set_index("customer_id")["is_new"]
    X, wholesalers = chosen.X, chosen.wholesalers
    is_new = flags.reindex(X.index).fillna(True).astype(bool)
    if population == "existing":
        X, is_new = X[~is_new.to_numpy()], is_new[~is_new.to_numpy()]
        wholesalers = wholesalers[~flags.reindex(wholesalers).fillna(True).astype(bool).to_numpy()]
    unknown = ~is_new.to_numpy() & ~X.index.isin(at_baseline)
    counted = wholesaler_policy(features) != "keep" or unknown.any()
    counts = {"set_apart_at_baseline": int(unknown.sum())} if counted else {}
    return {"assigned": X, "wholesalers": wholesalers, "X": X[~unknown], "is_new": is_new[~unknown], "counts": counts}


def summarise(table: pd.DataFrame, curve: str, noise: Mapping, stability: Mapping, baseline_customers: int,
              population: str, selection: Mapping) -> dict:
    """The verdict (noise band rule), the absolute-threshold rule beside it, and headline numbers."""
    threshold = float(required(stability, "threshold", "stability"))
    rules = {key: required(stability, key, "stability") for key in
             ("min_baseline_customers", "min_new_customers", "min_offsets", "self_agreement_floor")}
    if population == "existing":
        rules["min_new_customers"] = 0  # new customers are left out by design
    new_customers = int(table["new_customers"].max()) if "new_customers" in table and len(table) else 0
    counts = {"baseline_customers": baseline_customers, "new_customers": new_customers}
    summary = decide(table, curve, noise, counts, rules)
    by_threshold = recommend(usable(table, f"ari_{curve}"), curve, threshold) if summary["usable_snapshots"] else {}
    summary.update({f"threshold_{k}": v for k, v in by_threshold.items() if k in ("refresh_interval_days",
                                                                                 "refresh_interval_months", "headline")})
    summary["recommendation"] = (f"{summary['headline']} Why: {summary['reasons'][0]}." if summary["verdict"] == "refresh"
                                 else summary["headline"])
    summary["drift"] = summary["reasons"][0] if summary["verdict"] == "refresh" else ""
    for key, offset in SUMMARY_OFFSETS.items():
        hit = table.loc[table["snapshot"] == offset, f"ari_{curve}"] if len(table) else []
        if len(hit):
            summary[key] = float(hit.iloc[0])
    if summary["verdict"] == "refresh":
        summary["cost_tradeoff"] = cost_tradeoff(usable(table, f"ari_{curve}"), summary["refresh_interval_days"])
    summary.update(curve=curve, threshold=threshold, population=population, baseline_customers=baseline_customers,
                   new_customers=new_customers, excluded_ids=int(selection.get("excluded_ids", 0)))
    return summary


def current_assignments(latest, strategy: str, baseline_model, classifiers: Mapping, baseline_labels: pd.Series,
                        refit: Callable, segment: int | None = None) -> pd.DataFrame:
    """Segments of the latest snapshot's customers by the configured strategy; refit segments
    are renamed to the baseline segment they overlap most, so ids stay comparable. Customers
    above the baseline's wholesaler threshold, when set apart (`latest`'s third part), follow
    in the baseline's wholesaler segment (`segment`) without being clustered."""
    name, X, wholesalers = latest
    if strategy == "keep":
        labels = np.asarray(baseline_model.predict(X))
    elif strategy == "classify":
        if not classifiers:
            raise UserError("stability.strategy=classify needs stability.classifiers. Fix: e.g. [random_forest].")
        labels = np.asarray(next(iter(classifiers.values())).predict(X))
    elif strategy == "refit":
        fresh = np.asarray(refit(X))
        reference = np.asarray(baseline_model.predict(X))
        labels = matched(reference, fresh)
    else:
        raise UserError(f"stability.strategy='{strategy}' is unknown. Fix: use refit, classify or keep.")
    ids = X.index
    if len(wholesalers):
        ids, labels = ids.append(wholesalers), segments(labels, wholesalers, segment)
    return pd.DataFrame({"customer_id": ids, "segment": labels, "snapshot": name, "strategy": strategy})
