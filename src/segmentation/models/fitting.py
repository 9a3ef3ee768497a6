"""One segmentation fitted and measured: pure computation, no MLflow, no files.

`fit_and_evaluate` turns a customer table and the config sections into a `TrainingResult`:
the fitted pipeline, its labels, quality metrics, clusterboot-style bootstrap stability and
per-segment profiles. Tracking and outputs are the caller's (`models.run`).

With `features.wholesalers: separate` the model fits on the other customers; the wholesalers
form one more segment (id: the largest model cluster id + 1) in the assignments and profiles,
while every quality metric describes the clustered customers only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.common.config import required
from segmentation.common.sampling import sample_rows
from segmentation.features.rfm import ALL_FEATURES
from segmentation.features.selection import select_customers
from segmentation.models.estimators import ModelFailure, fit_labels, make_pipeline, refit_clone
from segmentation.models.evaluation import bootstrap_stability, cluster_profiles, quality
from segmentation.models.labels import NOISE

#: the artifact a training run with wholesalers set apart logs its rule in (read when registering)
RULE_FILE = "wholesaler_rule.json"


@dataclass
class TrainingResult:
    pipeline: object             # fitted transform + scaler + clusterer
    X: pd.DataFrame              # customers x model features (index: customer id)
    labels: np.ndarray           # one segment per row of X
    scaled: np.ndarray           # X after the pipeline's preprocessing
    metrics: dict                # quality and bootstrap metrics
    selection: dict              # customers in / kept, wholesalers removed or separated and threshold
    profiles: pd.DataFrame       # per segment (wholesalers' too): size, shares, mean and median of each feature
    bootstrap_aris: list = field(default_factory=list)  # one ARI per bootstrap resample
    timings: dict = field(default_factory=dict)
    wholesalers: pd.Index = field(default_factory=lambda: pd.Index([]))  # set apart (wholesalers: separate)
    wholesaler_segment: int | None = None  # their segment id: the largest model cluster id + 1

    def assignments(self) -> pd.DataFrame:
        """Every customer given a segment: the clustered ones, then the wholesalers set apart."""
        return pd.DataFrame({"customer_id": self.X.index.append(self.wholesalers),
                             "cluster": segments(self.labels, self.wholesalers, self.wholesaler_segment)})


def segments(labels: np.ndarray, wholesalers: pd.Index, segment: int | None) -> np.ndarray:
    """The model's labels followed by the wholesalers' segment id."""
    return np.concatenate([np.asarray(labels), np.full(len(wholesalers), -1 if segment is None else segment)]
                          ).astype(np.asarray(labels).dtype)


def wholesaler_segment(labels: np.ndarray, wholesalers: pd.Index) -> int | None:
    """The set-apart wholesalers' segment id: one above the model's largest cluster id."""
    return int(np.max(labels, initial=-1)) + 1 if len(wholesalers) else None


def refit_or_dissolve(pipeline, X: pd.DataFrame):
    """Refit on resampled rows; a resample where the model fails counts as dissolved."""
    def refit(rows: np.ndarray) -> np.ndarray:
        try:
            return refit_clone(pipeline, X.iloc[rows])
        except ModelFailure:
            return np.full(len(rows), NOISE)
    return refit


def fit_and_evaluate(table: pd.DataFrame, features: Mapping, model: Mapping, evaluation: Mapping,
                     seed: int, place=None) -> TrainingResult:
    """Fit the configured pipeline on `table` (one row per customer) and measure it.

    With `evaluation.fit_max_customers` below the number of customers, the model fits on a
    seeded sample and `place(pipeline, X)` gives everyone their segment (default: the
    pipeline's predict here; the train stage passes Spark's executors with engine=spark);
    the bootstrap then refits on that sample. The sample size is in the selection."""
    started = time.perf_counter()
    chosen = select_customers(table, features)
    X, selection = chosen.X, chosen.report
    pipeline = make_pipeline(features, model, seed)
    fit_rows = sample_rows(len(X), evaluation.get("fit_max_customers"), seed)
    if fit_rows is None:
        labels = fit_labels(pipeline, X)
    else:
        fit_labels(pipeline, X.iloc[fit_rows])
        labels = np.asarray((place or (lambda fitted, rows: fitted.predict(rows)))(pipeline, X))
    selection = {**selection, "fit_customers": int(len(X) if fit_rows is None else len(fit_rows))}
    timings = {"fit_seconds": time.perf_counter() - started}

    started = time.perf_counter()
    scaled = pipeline[:-1].transform(X)
    metrics = quality(scaled, labels, int(required(evaluation, "silhouette_max_customers", "evaluation")), seed)
    clusterer = pipeline.steps[-1][1]
    if hasattr(clusterer, "noise_share_"):
        metrics["noise_share"] = clusterer.noise_share_  # before the noise policy
    on = slice(None) if fit_rows is None else fit_rows  # the bootstrap refits on what the model was fitted on
    stability = bootstrap_stability(refit_or_dissolve(pipeline, X.iloc[on]), X.iloc[on], labels[on],
                                    int(required(evaluation, "bootstrap_resamples", "evaluation")), seed,
                                    required(evaluation, "bootstrap_max_customers", "evaluation"))
    metrics.update({k: v for k, v in stability.items() if k not in ("jaccard", "aris")})
    metrics.update({f"jaccard_cluster_{c}": v for c, v in stability["jaccard"].items()})
    segment = wholesaler_segment(labels, chosen.wholesalers)
    profiles = segment_profiles(table, X, labels, chosen.wholesalers, segment)
    timings["metrics_seconds"] = time.perf_counter() - started
    return TrainingResult(pipeline, X, labels, scaled, metrics, selection, profiles, stability["aris"], timings,
                          chosen.wholesalers, segment)


def segment_profiles(table: pd.DataFrame, X: pd.DataFrame, labels: np.ndarray, wholesalers: pd.Index,
                     segment: int | None) -> pd.DataFrame:
    """Per segment, over every customer given one: size, shares, mean and median of each feature;
    with wholesalers set apart, their segment too and a `wholesalers` column marking it."""
    columns = [c for c in ALL_FEATURES if c in table.columns] or list(X.columns)
    profiles = cluster_profiles(table.set_index("customer_id").loc[X.index.append(wholesalers), columns],
                                segments(labels, wholesalers, segment))
    if segment is not None:
        profiles["wholesalers"] = profiles["cluster"] == segment
    return profiles
