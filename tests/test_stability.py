"""Temporal stability on planted snapshot tables with known behaviour over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import conf_group

from segmentation.maintenance.recommendation import recommend
from segmentation.maintenance.study import agreement, matched, temporal_stability

OFFSETS = {"J+1": 1, "J+15": 15, "M+1": 31, "M+2": 59, "M+3": 90, "M+6": 181}
FEATURES = conf_group("features", "rfm", transform="log1p", scaler="standard")
KMEANS = conf_group("model", "kmeans", n_clusters=3)
STABILITY = conf_group("stability", "default", curve="keep_vs_refit", threshold=0.8, strategy="refit",
                       classifiers=["random_forest", "nearest_centroid"])
CENTRES = np.array([[5.0, 30.0, 8000.0], [60.0, 5.0, 800.0], [400.0, 1.0, 100.0],
                    [1.0, 300.0, 200000.0]])  # 3: a new, far-away behaviour: a refit regroups the rest


def customers(ids, groups, rng, spread=0.08):
    values = CENTRES[groups] * np.exp(rng.normal(scale=spread, size=(len(ids), 3)))
    return pd.DataFrame({"customer_id": ids, "recency": values[:, 0], "frequency": values[:, 1],
                         "monetary": values[:, 2]})


def snapshots(shift_from: int | None = None, seed: int = 0, move_to: int = 3):
    """Baseline of 300 customers in 3 groups; 10 new customers per snapshot. From the
    snapshot at day `shift_from` on, two thirds of group 0 behave like group `move_to`:
    3 is a new behaviour (the structure changes), 1 an existing one (customers move)."""
    rng = np.random.default_rng(seed)
    groups = np.repeat([0, 1, 2], 100)
    ids = [f"c{i}" for i in range(300)]
    tables = {"baseline": customers(ids, groups, rng).assign(is_new=False)}
    for step, (name, day) in enumerate(OFFSETS.items()):
        current = groups.copy()
        if shift_from is not None and day >= shift_from:
            current[:67] = move_to
        new_ids = [f"n{step}_{i}" for i in range(10)]
        table = pd.concat([customers(ids, current, rng), customers(new_ids, rng.integers(0, 3, 10), rng)])
        tables[name] = table.assign(is_new=table["customer_id"].str.startswith("n"))
    return tables, {**OFFSETS, "baseline": 0}, {name: f"day {day}" for name, day in {**OFFSETS, "baseline": 0}.items()}


def test_planted_stable_clusters_stay_at_ari_one():
    result = temporal_stability(*snapshots(), FEATURES, KMEANS, STABILITY, seed=0)
    table = result["table"]
    assert (table["ari_keep_vs_refit"] > 0.97).all() and (table["ari_baseline_vs_refit"] > 0.97).all()
    assert (table["changed_share"] < 0.02).all()
    assert result["summary"]["stable_whole_period"] and result["summary"]["refresh_interval_days"] == 181
    assert table.loc[table["snapshot"] == "M+6", "new_customers"].iloc[0] == 10
    assert sum(table.iloc[0]["new_by_segment"].values()) == pytest.approx(1.0)


def test_a_structural_shift_drops_the_curve_and_shortens_the_interval():
    result = temporal_stability(*snapshots(shift_from=90), FEATURES, KMEANS, STABILITY, seed=0)
    table = result["table"].set_index("snapshot")
    assert table.loc["M+2", "ari_keep_vs_refit"] > 0.97
    assert table.loc["M+3", "ari_keep_vs_refit"] < 0.8 and table.loc["M+3", "mislabelled_share"] > 0.08
    summary = result["summary"]
    assert summary["refresh_interval_days"] == 59 and summary["refresh_interval_months"] == 1.9
    assert "M+3" in summary["recommendation"]
    assert "%" in summary["cost_tradeoff"] and summary["ari_m1"] > 0.97


def test_customers_moving_between_segments_show_on_the_baseline_curve():
    result = temporal_stability(*snapshots(shift_from=90, move_to=1), FEATURES, KMEANS,
                                {**STABILITY, "curve": "baseline_vs_refit"}, seed=0)
    table = result["table"].set_index("snapshot")
    assert table.loc["M+3", "ari_keep_vs_refit"] > 0.97        # same segments: re-applying the model suffices
    assert table.loc["M+3", "ari_baseline_vs_refit"] < 0.8     # but old labels are stale
    assert table.loc["M+3", "changed_share"] == pytest.approx(67 / 300, abs=0.02)
    assert result["summary"]["refresh_interval_days"] == 59


def test_classification_strategy_agrees_with_refit_on_stable_data():
    result = temporal_stability(*snapshots(), FEATURES, KMEANS, {**STABILITY, "strategy": "classify"}, seed=0)
    table = result["table"]
    assert (table["accuracy_random_forest"] > 0.97).all() and (table["ari_nearest_centroid"] > 0.97).all()
    current = result["current"]
    assert current["strategy"].iloc[0] == "classify" and current["snapshot"].iloc[0] == "M+6"
    assert len(current) == 310


def test_refit_strategy_keeps_baseline_segment_ids():
    result = temporal_stability(*snapshots(), FEATURES, KMEANS, STABILITY, seed=0)
    kept = temporal_stability(*snapshots(), FEATURES, KMEANS, {**STABILITY, "strategy": "keep"}, seed=0)
    assert agreement(kept["current"]["segment"].to_numpy(), result["current"]["segment"].to_numpy()) > 0.97
    assert (kept["current"]["segment"].to_numpy() == result["current"]["segment"].to_numpy()).mean() > 0.97


def test_hdbscan_with_noise_is_replayed():
    hdbscan = conf_group("model", "hdbscan", min_cluster_size=15, noise="keep")
    tables, days, cutoffs = snapshots()
    outlier = pd.DataFrame({"customer_id": ["far"], "recency": [700.0], "frequency": [400.0], "monetary": [1e6],
                            "is_new": [False]})
    tables = {name: pd.concat([table, outlier]) for name, table in tables.items()}
    result = temporal_stability(tables, days, cutoffs, FEATURES, hdbscan, STABILITY, seed=0)
    assert (result["table"]["ari_keep_vs_refit"] > 0.9).all()


def test_matching_and_recommendation_edges():
    np.testing.assert_array_equal(matched(np.array([0, 0, 1, 1]), np.array([5, 5, 7, 7])), [0, 0, 1, 1])
    assert agreement(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0])) == 1.0
    table = pd.DataFrame({"snapshot": ["J+1", "M+1"], "days": [1, 31], "cutoff": ["a", "b"],
                          "ari_keep_vs_refit": [0.5, 0.9]})
    assert recommend(table, "keep_vs_refit", 0.8)["refresh_interval_days"] == 0


def test_the_method_is_exactly_standard_scaler_kmeans_refit_vs_baseline(tmp_path):
    """The reference analysis' method, recomputed by hand, gives the same curve."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    tables, days, cutoffs = snapshots(shift_from=59, move_to=1)
    features = {**FEATURES, "transform": "none"}
    result = temporal_stability(tables, days, cutoffs, features, KMEANS,
                                {**STABILITY, "curve": "baseline_vs_refit", "classifiers": []}, seed=3)
    columns = features["columns"]

    def labels(table):
        X = StandardScaler().fit_transform(table[columns])
        return pd.Series(KMeans(n_clusters=3, n_init=10, random_state=3).fit_predict(X),
                         index=table["customer_id"])

    baseline = labels(tables["baseline"])
    for _, row in result["table"].iterrows():
        refit = labels(tables[row["snapshot"]])
        existing = refit.index.isin(baseline.index)
        expected = adjusted_rand_score(baseline.reindex(refit.index[existing]), refit[existing])
        assert row["ari_baseline_vs_refit"] == pytest.approx(expected, abs=1e-9)
