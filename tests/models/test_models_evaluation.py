"""Models (one interface, seeded, clear failures) and evaluation on planted clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import conf_group
from sklearn.metrics import adjusted_rand_score

from segmentation.common.errors import UserError
from segmentation.models.estimators import ModelFailure, fit_labels, make_pipeline, refit_clone
from segmentation.models.evaluation import adjusted_rand, bootstrap_stability, cluster_profiles, quality

FEATURES = conf_group("features", "rfm", transform="none", scaler="standard")
MODELS = {"kmeans": conf_group("model", "kmeans", n_clusters=3),
          "gmm": conf_group("model", "gmm", n_clusters=3),
          "minibatch_kmeans": conf_group("model", "minibatch_kmeans", n_clusters=3),
          "hdbscan": conf_group("model", "hdbscan", min_cluster_size=20, noise="keep")}


def planted(n_per: int = 150, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [8, 8, 0], [0, 8, 8]], float)
    X = np.vstack([c + rng.normal(scale=0.7, size=(n_per, 3)) for c in centres])
    return pd.DataFrame(X, columns=["a", "b", "c"]), np.repeat([0, 1, 2], n_per)


@pytest.mark.parametrize("name", MODELS)
def test_every_model_finds_planted_clusters_and_is_deterministic(name):
    X, truth = planted()
    first = fit_labels(make_pipeline(FEATURES, MODELS[name], seed=7), X)
    again = fit_labels(make_pipeline(FEATURES, MODELS[name], seed=7), X)
    np.testing.assert_array_equal(first, again)
    clustered = first != -1
    assert adjusted_rand_score(truth[clustered], first[clustered]) > 0.95


@pytest.mark.parametrize("name", MODELS)
def test_every_model_predicts_new_customers(name):
    X, truth = planted()
    pipeline = make_pipeline(FEATURES, MODELS[name], seed=1)
    labels = fit_labels(pipeline, X)
    new = pd.DataFrame([[0.1, -0.2, 0.0], [8.1, 7.9, 0.2]], columns=X.columns)
    predicted = pipeline.predict(new)
    assert predicted[0] == labels[0] and predicted[1] == labels[200]


def test_hdbscan_noise_is_kept_or_given_the_nearest_segment():
    X, _ = planted()
    X.loc[len(X)] = [30.0, -30.0, 30.0]  # a far outlier
    keep = fit_labels(make_pipeline(FEATURES, {**MODELS["hdbscan"], "noise": "keep"}, 0), X)
    assert keep[-1] == -1
    pipeline = make_pipeline(FEATURES, {**MODELS["hdbscan"], "noise": "nearest"}, 0)
    nearest = fit_labels(pipeline, X)
    assert (nearest != -1).all() and pipeline.steps[-1][1].noise_share_ > 0
    far = pd.DataFrame([[40.0, -40.0, 40.0]], columns=X.columns)
    assert pipeline.predict(far)[0] != -1


def test_failures_are_plain_messages():
    X, _ = planted(n_per=5)
    with pytest.raises(ModelFailure, match="k=50 is larger than the number of customers"):
        fit_labels(make_pipeline(FEATURES, conf_group("model", "kmeans", n_clusters=50), 0), X)
    with pytest.raises(ModelFailure, match="GMM did not converge"):
        fit_labels(make_pipeline(FEATURES, conf_group("model", "gmm", n_clusters=3, max_iter=1), 0),
                   planted()[0])
    with pytest.raises(ModelFailure, match="HDBSCAN found"):
        fit_labels(make_pipeline(FEATURES, conf_group("model", "hdbscan", min_cluster_size=100), 0), planted(n_per=60)[0])
    with pytest.raises(ModelFailure, match="HDBSCAN needs more customers"):
        fit_labels(make_pipeline(FEATURES, conf_group("model", "hdbscan", min_cluster_size=200), 0), planted(n_per=60)[0])
    with pytest.raises(UserError, match="model._target_='sklearn.cluster.DBSCANN' cannot be imported"):
        make_pipeline(FEATURES, conf_group("model", "kmeans", _target_="sklearn.cluster.DBSCANN"), 0)
    with pytest.raises(UserError, match="model 'kmeans'.*unexpected keyword argument 'min_cluster_size'"):
        make_pipeline(FEATURES, conf_group("model", "kmeans", min_cluster_size=5), 0)
    with pytest.raises(UserError, match="model.n_clusters=-2"):
        make_pipeline(FEATURES, conf_group("model", "kmeans", n_clusters=-2), 0)


def test_quality_excludes_noise_and_samples_the_silhouette():
    X = np.array([[0.0], [0.1], [10.0], [10.1], [50.0]])
    labels = np.array([0, 0, 1, 1, -1])
    result = quality(X, labels, silhouette_max=100, seed=0)
    assert result["n_clusters"] == 2 and result["noise_share"] == pytest.approx(0.2)
    assert result["smallest_cluster_share"] == pytest.approx(0.4)
    assert result["silhouette"] > 0.98 and result["silhouette_sample_size"] == 4
    big, truth = planted()
    sampled = quality(big.to_numpy(), truth, silhouette_max=100, seed=0)
    assert sampled["silhouette_sample_size"] == 100 and sampled["silhouette"] > 0.7


def test_bootstrap_is_about_one_on_planted_clusters_and_low_on_noise():
    X, _ = planted()
    pipeline = make_pipeline(FEATURES, MODELS["kmeans"], 3)
    labels = fit_labels(pipeline, X)
    stable = bootstrap_stability(lambda rows: refit_clone(pipeline, X.iloc[rows]), X, labels, 5, seed=0)
    assert stable["bootstrap_ari_mean"] > 0.98 and min(stable["jaccard"].values()) > 0.95
    noise = pd.DataFrame(np.random.default_rng(0).uniform(size=(300, 3)), columns=X.columns)
    pipeline = make_pipeline(FEATURES, conf_group("model", "kmeans", n_clusters=8), 3)
    unstable = bootstrap_stability(lambda rows: refit_clone(pipeline, noise.iloc[rows]), noise,
                                   fit_labels(pipeline, noise), 5, seed=0)
    assert unstable["bootstrap_ari_mean"] < stable["bootstrap_ari_mean"] - 0.2


def test_profiles_give_size_customer_and_revenue_shares_and_feature_summaries():
    features = pd.DataFrame({"recency": [10, 20, 300, 400], "monetary": [100.0, 300.0, 50.0, 50.0]})
    profile = cluster_profiles(features, np.array([0, 0, 1, 1])).set_index("cluster")
    assert profile.loc[0, "customers"] == 2 and profile.loc[0, "share_of_customers"] == 0.5
    assert profile.loc[0, "share_of_revenue"] == pytest.approx(0.8)
    assert profile.loc[1, "mean_recency"] == 350 and profile.loc[0, "median_monetary"] == 200


def test_the_adjusted_rand_index_is_sklearns_to_the_last_bit():
    # hand-computed: two pairs split the other way round (sklearn's own doc example), a relabelling
    assert adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1]) == -0.5
    assert adjusted_rand([0, 0, 1, 1], [5, 5, 2, 2]) == 1.0
    assert adjusted_rand([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0
    assert adjusted_rand([], []) == 1.0
    rng = np.random.default_rng(7)
    for n, k, j in [(1, 1, 1), (7, 2, 3), (500, 4, 4), (6000, 6, 9), (6000, 1, 5), (300, 300, 2)]:
        a, b = rng.integers(-1, k, n), rng.integers(0, j, n)  # -1: HDBSCAN's noise is a label like another
        assert adjusted_rand(a, b) == adjusted_rand_score(a, b)
        assert adjusted_rand(a.astype(str), b) == adjusted_rand_score(a.astype(str), b)
    with pytest.raises(ValueError, match="different lengths"):
        adjusted_rand([0, 1], [0])


def test_placing_many_pipelines_gives_each_ones_own_predictions_to_the_last_bit():
    """`place_many` is a faster `[p.predict(X) for p in pipelines]`: equal labels for the pipelines
    it places itself (log1p or none, standard scaler, k-means / mini-batch k-means; integer and
    negative columns), and the pipeline's own predict for the others (a mixture, another scaler,
    columns in another order)."""
    from segmentation.models.estimators import place_many

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"recency": rng.integers(0, 700, 2000), "frequency": rng.integers(1, 60, 2000),
                      "monetary": rng.lognormal(5, 2, 2000) * rng.choice([-1, 1], 2000, p=[0.05, 0.95])})
    pipelines = []
    for transform, scaler, model in [("log1p", "standard", "kmeans"), ("none", "standard", "kmeans"),
                                     ("log1p", "standard", "minibatch_kmeans"), ("log1p", "robust", "kmeans"),
                                     ("log1p", "standard", "gmm")]:
        for seed in (0, 1):
            features = conf_group("features", "rfm", transform=transform, scaler=scaler)
            pipeline = make_pipeline(features, conf_group("model", model, n_clusters=6), seed=seed)
            rows = np.random.default_rng(seed).integers(0, len(X), len(X))
            fit_labels(pipeline, X.iloc[rows])
            pipelines.append(pipeline)
    new = X.sample(frac=1.0, random_state=5).head(1500)
    for got, pipeline in zip(place_many(pipelines, new), pipelines, strict=True):
        np.testing.assert_array_equal(got, np.asarray(pipeline.predict(new)))
    with pytest.raises(ValueError, match="same order"):  # as scikit-learn's own predict refuses
        place_many(pipelines, new[["frequency", "recency", "monetary"]])
