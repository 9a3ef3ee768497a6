"""Segmentation quality and stability: pure functions on arrays.

- quality: silhouette (sampled above a size, the sample size recorded), Davies-Bouldin,
  Calinski-Harabasz, number of clusters, smallest cluster share and noise share. Noise
  points (label -1) are left out of the quality metrics.
- bootstrap stability in the manner of R's fpc::clusterboot: refit on B resamples drawn with
  replacement; for the distinct customers of each resample compare the resample's labels with
  the original ones: adjusted Rand index (mean and std over resamples) and, per original
  cluster, the best Jaccard overlap with a resample cluster (mean over resamples; clusterboot
  reads < 0.5 as dissolved, > 0.75 as stable).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from segmentation.models.labels import NOISE


def adjusted_rand(labels_true, labels_pred) -> float:
    """The adjusted Rand index, equal to sklearn's `adjusted_rand_score` to the last bit (the same
    integer pair counts and formula) at a fraction of its cost: one bincount for the contingency
    table instead of sklearn's checks and sparse matrix (~2 ms a call), which the maintenance
    study, the monitor and the bootstrap make hundreds of times."""
    a, b = np.asarray(labels_true).ravel(), np.asarray(labels_pred).ravel()
    if a.shape != b.shape:
        raise ValueError(f"labels of different lengths: {a.size} and {b.size}")
    n = a.size
    if n == 0:
        return 1.0
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    ka, kb = int(ia.max()) + 1, int(ib.max()) + 1
    table = np.bincount(ia.ravel() * kb + ib.ravel(), minlength=ka * kb).reshape(ka, kb).astype(np.int64)
    sum_squares = int((table ** 2).sum())
    fp = int((table @ table.sum(axis=0)).sum()) - sum_squares
    fn = int((table.T @ table.sum(axis=1)).sum()) - sum_squares
    tp = sum_squares - n
    tn = n * n - fp - fn - sum_squares
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def quality(X: np.ndarray, labels: np.ndarray, silhouette_max: int, seed: int) -> dict[str, float]:
    """Quality metrics on the scaled features, noise excluded."""
    # imported here: the steps that only compare labels (value, report) need not load scikit-learn
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    labels = np.asarray(labels)
    clustered = labels != NOISE
    Xc, lc = X[clustered], labels[clustered]
    sizes = np.bincount(lc - lc.min()) if len(lc) else np.array([0])
    sizes = sizes[sizes > 0]
    result = {"n_clusters": int(len(sizes)), "smallest_cluster_share": float(sizes.min() / len(labels)),
              "noise_share": float(1 - clustered.mean())}
    if len(sizes) < 2:
        return {**result, "silhouette": float("nan"), "davies_bouldin": float("nan"),
                "calinski_harabasz": float("nan"), "silhouette_sample_size": 0}
    sample = min(len(lc), int(silhouette_max))
    result["silhouette"] = float(silhouette_score(Xc, lc, sample_size=sample if sample < len(lc) else None,
                                                  random_state=seed))
    result["silhouette_sample_size"] = sample
    result["davies_bouldin"] = float(davies_bouldin_score(Xc, lc))
    result["calinski_harabasz"] = float(calinski_harabasz_score(Xc, lc))
    return result


def bootstrap_stability(refit: Callable[[np.ndarray], np.ndarray], X, labels: np.ndarray, resamples: int,
                        seed: int, max_customers: int | None = None) -> dict:
    """clusterboot-style stability of `labels` (see module docstring).

    `refit(rows)` fits a fresh model on X[rows] and returns its labels, one per row.
    Above `max_customers`, each resample draws that many customers (a subsampled bootstrap).
    """
    labels = np.asarray(labels)
    n = len(labels)
    size = n if not max_customers else min(n, int(max_customers))
    rng = np.random.default_rng(seed)
    clusters = [c for c in np.unique(labels) if c != NOISE]
    aris, jaccards = [], {c: [] for c in clusters}
    for _ in range(int(resamples)):
        rows = rng.integers(0, n, size)
        boot = np.asarray(refit(rows))
        rows, first = np.unique(rows, return_index=True)  # each distinct customer once
        boot, original = boot[first], labels[rows]
        aris.append(adjusted_rand(original, boot))
        for c in clusters:
            members = original == c
            if not members.any():
                continue
            best = max((np.sum(members & (boot == d)) / np.sum(members | (boot == d))
                        for d in np.unique(boot) if d != NOISE), default=0.0)
            jaccards[c].append(best)
    return {"bootstrap_ari_mean": float(np.mean(aris)), "bootstrap_ari_std": float(np.std(aris)),
            "aris": [float(a) for a in aris],  # per resample: the maintenance study's noise band reuses them
            "bootstrap_resamples": int(resamples), "bootstrap_sample_size": int(size),
            "jaccard": {int(c): float(np.mean(v)) if v else float("nan") for c, v in jaccards.items()}}


def cluster_profiles(features: pd.DataFrame, labels: np.ndarray, revenue_column: str = "monetary") -> pd.DataFrame:
    """Per cluster: size, share of customers, share of revenue, mean and median of each feature."""
    frame = features.assign(cluster=np.asarray(labels))
    grouped = frame.groupby("cluster")
    profile = pd.DataFrame({"customers": grouped.size()})
    profile["share_of_customers"] = profile["customers"] / len(frame)
    if revenue_column in frame:
        revenue = grouped[revenue_column].sum()
        profile["share_of_revenue"] = revenue / frame[revenue_column].sum()
    columns = [c for c in features.columns]
    means = grouped[columns].mean().add_prefix("mean_")
    medians = grouped[columns].median().add_prefix("median_")
    return pd.concat([profile, means, medians], axis=1).reset_index()
