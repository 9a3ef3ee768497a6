"""Clustering models behind one interface: a transform + scaler + clusterer sklearn Pipeline
with fit, training labels and predict for new customers.

An algorithm is declared by its config alone (`conf/model/<name>.yaml`): `_target_` names the
estimator class, every other key except the metadata below is one of its hyper-parameters,
and `random_state` receives the configured seed when the class takes one. Metadata:
- `name`: the algorithm's name in run names, params and reports;
- `short_names`: the hyper-parameters that tell runs apart, with the short name each takes
  in a run name ({n_clusters: k} gives `kmeans-k4`).

Two estimators here wrap what scikit-learn lacks:
- ConvergedGaussianMixture: a GMM that does not converge is a failed run, not a warning;
- HDBSCANClusterer: the `hdbscan` package with prediction_data=True, so new customers are
  assigned by `approximate_predict`. Noise is `NOISE` (-1); `noise: keep` leaves it,
  `noise: nearest` gives noise points the cluster of their nearest clustered neighbour.
  Fewer than two clusters is a failure.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import Pipeline

from segmentation.common.config import required
from segmentation.common.errors import UserError
from segmentation.features.selection import preprocessor_for
from segmentation.models.labels import NOISE

METADATA = ("name", "_target_", "short_names")


class ModelFailure(UserError):
    """The model could not produce a usable segmentation with this configuration."""


class ConvergedGaussianMixture(GaussianMixture):
    """GaussianMixture whose non-convergence raises instead of warning; `n_clusters` is its
    number of components, so one sweep (`model.n_clusters=range(2,11)`) drives every algorithm."""

    def __init__(self, n_clusters, covariance_type, max_iter, n_init, random_state=None):
        super().__init__(n_components=n_clusters, covariance_type=covariance_type, max_iter=max_iter,
                         n_init=n_init, random_state=random_state)
        self.n_clusters = n_clusters

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
    """hdbscan.HDBSCAN with a noise policy and a predict method (its prediction data made when
    it first predicts)."""

    def __init__(self, min_cluster_size, min_samples, noise, cluster_selection_method):
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
                                      cluster_selection_method=self.cluster_selection_method).fit(X)
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
        if getattr(self.model_, "_prediction_data", None) is None:
            # made on the first prediction, not at every fit: the bootstrap's refits only need labels
            self.model_.generate_prediction_data()
        labels, _ = hdbscan.approximate_predict(self.model_, X)
        return self._apply_noise_policy(X, np.asarray(labels))

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_


def hyperparameters(model: Mapping) -> dict:
    """The estimator's arguments: every key of the model config but its metadata."""
    return {k: v for k, v in model.items() if k not in METADATA}


def make_clusterer(model: Mapping, seed: int):
    from hydra.utils import get_class

    target = required(model, "_target_", "model")
    try:
        estimator = get_class(str(target))
    except Exception:  # noqa: BLE001 - Hydra raises several types for an unimportable name
        raise UserError(f"model._target_='{target}' cannot be imported. Fix: name an installed estimator class, "
                        "e.g. sklearn.cluster.KMeans.") from None
    arguments = hyperparameters(model)
    if "n_clusters" in arguments:
        _check_k(arguments["n_clusters"])
    if "random_state" in inspect.signature(estimator).parameters:
        arguments["random_state"] = seed
    try:
        return estimator(**arguments)
    except TypeError as err:
        raise UserError(f"model '{model.get('name')}': {err}. Fix: give {target} only arguments it takes.") from None


def _check_k(k) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise UserError(f"model.n_clusters={k!r} must be a whole number of at least 2. Fix: e.g. model.n_clusters=4.")


def make_pipeline(features: Mapping, model: Mapping, seed: int) -> Pipeline:
    """Transform + scaler + clusterer, so the fitted model carries its preprocessing."""
    return Pipeline([*preprocessor_for(features).steps, ("cluster", make_clusterer(model, seed))])


def fit_labels(pipeline: Pipeline, X) -> np.ndarray:
    """Fit the pipeline and return the training labels."""
    clusterer = pipeline.steps[-1][1]
    k = getattr(clusterer, "n_clusters", None)
    if k and k > len(X):
        raise ModelFailure(f"k={k} is larger than the number of customers ({len(X)}). Fix: lower model.n_clusters.")
    return np.asarray(pipeline.fit_predict(X))


def objective(pipeline: Pipeline) -> float | None:
    """A fitted clustering's own criterion, higher is better: minus the within-segment sum of
    squares (k-means), the log-likelihood's lower bound (mixtures); None where the model has none
    (HDBSCAN: no random start to choose between)."""
    clusterer = pipeline.steps[-1][1]
    if hasattr(clusterer, "inertia_"):
        return -float(clusterer.inertia_)
    if hasattr(clusterer, "lower_bound_"):
        return float(clusterer.lower_bound_)
    return None


def best_fit(features: Mapping, model: Mapping, X, seeds) -> tuple[Pipeline, np.ndarray]:
    """The pipeline fitted under each seed, the best by its objective (the first of equals):
    a fit that lands in another local optimum than the best one is not a different segmentation
    of the customers. One fit when the model has no objective."""
    best = None
    for seed in seeds:
        pipeline = make_pipeline(features, model, int(seed))
        labels = fit_labels(pipeline, X)
        score = objective(pipeline)
        if best is None or (score is not None and score > best[2]):
            best = (pipeline, labels, score)
        if score is None:
            break
    return best[0], best[1]


def place_many(pipelines: list[Pipeline], X) -> list[np.ndarray]:
    """`[pipeline.predict(X) for pipeline in pipelines]`, the same labels to the last bit, at a
    fraction of the cost for the common pipeline (a function transform, a standard scaler,
    k-means): scikit-learn's per-step checks and DataFrame round trips (~3 ms a call) dominate
    the noise band's placements, which the maintenance study and the monitor make hundreds of
    times on the same customers. The table is converted once and each distinct transform applied
    once; the scaler is the same two in-place float64 operations scikit-learn performs. Any other
    pipeline is placed by its own `predict`."""
    values, transformed = None, {}
    out = []
    for pipeline in pipelines:
        steps = [step for _, step in pipeline.steps]
        if not _placeable(steps, X):
            out.append(np.asarray(pipeline.predict(X)))
            continue
        if values is None:
            values = np.asarray(X, dtype="float64")
        Xt = values
        if len(steps) == 3:
            function = steps[0].func
            if function not in transformed:
                transformed[function] = np.asarray(function(values), dtype="float64")
            Xt = transformed[function]
        scaler = steps[-2]
        Xt = (Xt - scaler.mean_) / scaler.scale_
        out.append(np.asarray(steps[-1].predict(Xt)))
    return out


def _placeable(steps: list, X) -> bool:
    """A pipeline `place_many` places itself: [function transform,] standard scaler, k-means,
    fitted on X's columns in X's order (its own `predict` checks the names; this path cannot)."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    *transforms, clusterer = steps
    scaler = transforms[-1] if transforms else None
    function = transforms[0] if len(transforms) == 2 else None
    fitted_on = getattr(transforms[0], "feature_names_in_", None) if transforms else None
    same_columns = (fitted_on is None and not hasattr(X, "columns")) or (
        fitted_on is not None and hasattr(X, "columns") and list(X.columns) == list(fitted_on))
    return (same_columns and type(clusterer) in (KMeans, MiniBatchKMeans) and type(scaler) is StandardScaler
            and scaler.with_mean and scaler.with_std and scaler.mean_ is not None and scaler.scale_ is not None
            and len(transforms) in (1, 2)
            and (function is None or (type(function) is FunctionTransformer and not function.validate
                                      and function.func is not None and not function.kw_args)))


def refit_clone(pipeline: Pipeline, X) -> np.ndarray:
    """Labels of a fresh copy of `pipeline` fitted on X (bootstrap, stability)."""
    return fit_labels(clone(pipeline), X)
