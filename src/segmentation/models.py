"""Clustering models behind one interface: a scaler + model sklearn Pipeline with fit,
training labels and predict for new customers.

- kmeans: KMeans(n_clusters);
- gmm: GaussianMixture(n_components = n_clusters, covariance_type); a fit that does not
  converge is a failure, not a warning;
- hdbscan: the `hdbscan` package with prediction_data=True, so new customers are assigned by
  `approximate_predict`. Noise is label -1; `noise: keep` leaves it, `noise: nearest` gives
  noise points the cluster of their nearest clustered neighbour. Fewer than two clusters
  is a failure.
Every random step takes the configured seed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import Pipeline

from segmentation.errors import UserError
from segmentation.features import make_preprocessor

NOISE = -1
MODELS = ("kmeans", "gmm", "hdbscan")


class ModelFailure(UserError):
    """The model could not produce a usable segmentation with this configuration."""


class ConvergedGaussianMixture(GaussianMixture):
    """GaussianMixture whose non-convergence raises instead of warning."""

    def fit_predict(self, X, y=None):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            try:
                self.labels_ = super().fit_predict(X, y)
            except ConvergenceWarning:
                raise ModelFailure(
                    f"GMM did not converge in max_iter={self.max_iter} iterations "
                    f"(covariance_type={self.covariance_type}, k={self.n_components}). "
                    "Fix: raise model.max_iter, or try another covariance_type or k.") from None
        return self.labels_

    def fit(self, X, y=None):
        self.fit_predict(X, y)
        return self


class HDBSCANClusterer(ClusterMixin, BaseEstimator):
    """hdbscan.HDBSCAN with prediction data, a noise policy and a predict method."""

    def __init__(self, min_cluster_size: int = 50, min_samples: int | None = None, noise: str = "keep",
                 cluster_selection_method: str = "eom"):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.noise = noise
        self.cluster_selection_method = cluster_selection_method

    def fit(self, X, y=None):
        import hdbscan

        if self.noise not in ("keep", "nearest"):
            raise UserError(f"model.noise='{self.noise}' is unknown. Fix: use keep or nearest.")
        X = np.asarray(X, dtype=float)
        smallest = max(int(self.min_cluster_size), int(self.min_samples or 0))
        if smallest >= len(X):
            raise ModelFailure(f"HDBSCAN needs more customers ({len(X)}) than min_cluster_size/min_samples "
                               f"({smallest}). Fix: lower model.min_cluster_size.")
        self.model_ = hdbscan.HDBSCAN(min_cluster_size=int(self.min_cluster_size),
                                      min_samples=None if self.min_samples is None else int(self.min_samples),
                                      cluster_selection_method=self.cluster_selection_method,
                                      prediction_data=True).fit(X)
        raw = self.model_.labels_
        found = len(set(raw) - {NOISE})
        if found < 2:
            what = "only noise" if found == 0 else "a single cluster"
            raise ModelFailure(f"HDBSCAN found {what} (min_cluster_size={self.min_cluster_size}, "
                               f"min_samples={self.min_samples}). Fix: lower model.min_cluster_size.")
        self.noise_share_ = float(np.mean(raw == NOISE))
        clustered = raw != NOISE
        self._neighbours = NearestNeighbors(n_neighbors=1).fit(X[clustered])
        self._neighbour_labels = raw[clustered]
        self.labels_ = self._apply_noise_policy(X, raw)
        return self

    def _apply_noise_policy(self, X, labels):
        if self.noise == "keep" or not (labels == NOISE).any():
            return labels
        labels = labels.copy()
        noise = labels == NOISE
        nearest = self._neighbours.kneighbors(X[noise], return_distance=False)[:, 0]
        labels[noise] = self._neighbour_labels[nearest]
        return labels

    def predict(self, X):
        import hdbscan

        X = np.asarray(X, dtype=float)
        labels, _ = hdbscan.approximate_predict(self.model_, X)
        return self._apply_noise_policy(X, np.asarray(labels))

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_


def make_clusterer(model: Mapping, seed: int):
    name = model.get("name")
    if name == "kmeans":
        return KMeans(n_clusters=_k(model), n_init=int(model.get("n_init", 10)),
                      max_iter=int(model.get("max_iter", 300)), random_state=seed)
    if name == "gmm":
        return ConvergedGaussianMixture(n_components=_k(model), covariance_type=model.get("covariance_type", "full"),
                                        max_iter=int(model.get("max_iter", 200)), n_init=int(model.get("n_init", 1)),
                                        random_state=seed)
    if name == "hdbscan":
        return HDBSCANClusterer(min_cluster_size=int(model.get("min_cluster_size", 50)),
                                min_samples=model.get("min_samples"), noise=model.get("noise", "keep"),
                                cluster_selection_method=model.get("cluster_selection_method", "eom"))
    raise UserError(f"model '{name}' is unknown. Fix: use model=kmeans, model=gmm or model=hdbscan.")


def _k(model: Mapping) -> int:
    k = model.get("n_clusters")
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise UserError(f"model.n_clusters={k!r} must be a whole number of at least 2. Fix: e.g. model.n_clusters=4.")
    return k


def make_pipeline(features: Mapping, model: Mapping, seed: int) -> Pipeline:
    """Transform + scaler + clusterer, so the fitted model carries its preprocessing."""
    preprocess = make_preprocessor(features.get("transform", "log1p"), features.get("scaler", "standard"))
    return Pipeline([*preprocess.steps, ("cluster", make_clusterer(model, seed))])


def fit_labels(pipeline: Pipeline, X) -> np.ndarray:
    """Fit the pipeline and return the training labels."""
    clusterer = pipeline.steps[-1][1]
    k = getattr(clusterer, "n_clusters", None) or getattr(clusterer, "n_components", None)
    if k and k > len(X):
        raise ModelFailure(f"k={k} is larger than the number of customers ({len(X)}). Fix: lower model.n_clusters.")
    return np.asarray(pipeline.fit_predict(X))


def refit_clone(pipeline: Pipeline, X) -> np.ndarray:
    """Labels of a fresh copy of `pipeline` fitted on X (bootstrap, stability)."""
    return fit_labels(clone(pipeline), X)
