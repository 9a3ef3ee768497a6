"""One segmentation fitted and measured: pure computation, no MLflow, no files.

`fit_and_evaluate` turns a customer table and the config sections into a `TrainingResult`:
the fitted pipeline, its labels, quality metrics, clusterboot-style bootstrap stability and
per-segment profiles. Tracking and outputs are the caller's (`tracking.training_run`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.config import required
from segmentation.evaluation import bootstrap_stability, cluster_profiles, quality
from segmentation.features import ALL_FEATURES
from segmentation.models import NOISE, ModelFailure, fit_labels, make_pipeline, refit_clone
from segmentation.preprocess import select_features


@dataclass
class TrainingResult:
    pipeline: object             # fitted transform + scaler + clusterer
    X: pd.DataFrame              # customers x model features (index: customer id)
    labels: np.ndarray           # one segment per row of X
    scaled: np.ndarray           # X after the pipeline's preprocessing
    metrics: dict                # quality and bootstrap metrics
    selection: dict              # customers in / kept, wholesalers removed and threshold
    profiles: pd.DataFrame       # per segment: size, shares, mean and median of each feature
    bootstrap_aris: list = field(default_factory=list)  # one ARI per bootstrap resample
    timings: dict = field(default_factory=dict)


def refit_or_dissolve(pipeline, X: pd.DataFrame):
    """Refit on resampled rows; a resample where the model fails counts as dissolved."""
    def refit(rows: np.ndarray) -> np.ndarray:
        try:
            return refit_clone(pipeline, X.iloc[rows])
        except ModelFailure:
            return np.full(len(rows), NOISE)
    return refit


def fit_and_evaluate(table: pd.DataFrame, features: Mapping, model: Mapping, evaluation: Mapping,
                     seed: int) -> TrainingResult:
    """Fit the configured pipeline on `table` (one row per customer) and measure it."""
    started = time.perf_counter()
    X, selection = select_features(table, features)
    pipeline = make_pipeline(features, model, seed)
    labels = fit_labels(pipeline, X)
    timings = {"fit_seconds": time.perf_counter() - started}

    started = time.perf_counter()
    scaled = pipeline[:-1].transform(X)
    metrics = quality(scaled, labels, int(required(evaluation, "silhouette_max_customers", "evaluation")), seed)
    clusterer = pipeline.steps[-1][1]
    if hasattr(clusterer, "noise_share_"):
        metrics["noise_share"] = clusterer.noise_share_  # before the noise policy
    stability = bootstrap_stability(refit_or_dissolve(pipeline, X), X, labels,
                                    int(required(evaluation, "bootstrap_resamples", "evaluation")), seed,
                                    required(evaluation, "bootstrap_max_customers", "evaluation"))
    metrics.update({k: v for k, v in stability.items() if k not in ("jaccard", "aris")})
    metrics.update({f"jaccard_cluster_{c}": v for c, v in stability["jaccard"].items()})
    profile_columns = [c for c in ALL_FEATURES if c in table.columns] or list(X.columns)
    profiles = cluster_profiles(table.set_index("customer_id").loc[X.index, profile_columns], labels)
    timings["metrics_seconds"] = time.perf_counter() - started
    return TrainingResult(pipeline, X, labels, scaled, metrics, selection, profiles, stability["aris"], timings)
