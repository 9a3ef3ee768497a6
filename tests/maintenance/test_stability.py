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
                       classifiers=["random_forest", "nearest_centroid"], min_new_customers=5,  # 10 new per snapshot
                       noise_seeds=4, noise_resamples=6)  # a smaller band keeps the suite fast
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
    days = {**OFFSETS, "baseline": 0}
    return tables, days, {name: f"{pd.Timestamp('2011-01-01') + pd.Timedelta(days=day):%Y-%m-%d}" for name, day in days.items()}


def test_planted_stable_clusters_stay_at_ari_one():
    result = temporal_stability(*snapshots(), FEATURES, KMEANS, STABILITY, seed=0)
    table = result["table"]
    assert (table["ari_keep_vs_refit"] > 0.97).all() and (table["ari_baseline_vs_refit"] > 0.97).all()
    assert (table["changed_share"] < 0.02).all()
    summary = result["summary"]
    assert summary["verdict"] == "stable" and summary["refresh_interval_days"] == 181
    assert summary["band_low"] > 0.95 and summary["band_samples"] == STABILITY["noise_seeds"] + STABILITY["noise_resamples"]
    assert (table["ari_keep_vs_refit_low"] > 0.9).all() and (table["ari_keep_vs_refit_high"] <= 1).all()
    assert table.loc[table["snapshot"] == "M+6", "new_customers"].iloc[0] == 10
    assert sum(table.iloc[0]["new_by_segment"].values()) == pytest.approx(1.0)


def test_a_structural_shift_drops_the_curve_and_shortens_the_interval():
    result = temporal_stability(*snapshots(shift_from=90), FEATURES, KMEANS, STABILITY, seed=0)
    table = result["table"].set_index("snapshot")
    assert table.loc["M+2", "ari_keep_vs_refit"] > 0.97
    assert table.loc["M+3", "ari_keep_vs_refit"] < 0.8 and table.loc["M+3", "mislabelled_share"] > 0.08
    summary = result["summary"]
    assert summary["verdict"] == "refresh" and summary["drift_at"] == "M+3"
    assert summary["refresh_interval_days"] == 59 and summary["refresh_interval_months"] == 1.9
    assert "M+3" in summary["recommendation"] and summary["threshold_refresh_interval_days"] == 59
    assert "%" in summary["cost_tradeoff"] and summary["ari_m1"] > 0.97


def test_customers_moving_between_segments_show_on_the_baseline_curve():
    result = temporal_stability(*snapshots(shift_from=90, move_to=1), FEATURES, KMEANS,
                                {**STABILITY, "curve": "baseline_vs_refit"}, seed=0)
    table = result["table"].set_index("snapshot")
    assert table.loc["M+3", "ari_keep_vs_refit"] > 0.97        # same segments: re-applying the model suffices
    assert table.loc["M+3", "ari_baseline_vs_refit"] < 0.8     # but old labels are stale
    assert table.loc["M+3", "changed_share"] == pytest.approx(67 / 300, abs=0.02)
    assert result["summary"]["refresh_interval_days"] == 59 and result["summary"]["drift_at"] == "M+3"


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


def test_structureless_customers_are_unstable_at_the_baseline_and_get_no_interval():
    rng = np.random.default_rng(5)
    tables, days, cutoffs = snapshots()
    noise = {name: table.assign(recency=rng.uniform(1, 400, len(table)), frequency=rng.uniform(1, 300, len(table)),
                                monetary=rng.uniform(100, 9000, len(table))) for name, table in tables.items()}
    summary = temporal_stability(noise, days, cutoffs, FEATURES, conf_group("model", "kmeans", n_clusters=6),
                                 STABILITY, seed=0)["summary"]
    assert summary["verdict"] == "unstable_baseline" and summary["band_median"] < STABILITY["self_agreement_floor"]
    assert "unstable at the baseline" in summary["headline"] and summary["refresh_interval_months"] == 0


def test_forty_baseline_customers_are_not_enough_data_and_the_numbers_are_given():
    tables, days, cutoffs = snapshots()
    kept = {f"c{i}" for i in range(0, 300, 15)} | {f"c{i}" for i in range(1, 300, 15)}  # 40, all three groups
    small = {name: table[table["customer_id"].isin(kept) | table["is_new"]] for name, table in tables.items()}
    summary = temporal_stability(small, days, cutoffs, FEATURES, KMEANS, STABILITY, seed=0)["summary"]
    assert summary["verdict"] == "not_enough_data" and summary["baseline_customers"] == 40
    assert "40 customers at the baseline (at least 100 needed)" in summary["headline"]


def test_snapshots_without_new_data_are_shown_but_not_counted():
    tables, days, cutoffs = snapshots(shift_from=90)  # drift from M+3, as above
    meta = {"M+2": {"label": "M+2", "no_new_data": True}}  # as if nothing was sold in February
    summary = temporal_stability(tables, days, cutoffs, FEATURES, KMEANS, STABILITY, seed=0, meta=meta)["summary"]
    assert summary["verdict"] == "refresh" and summary["drift_at"] == "M+3" and summary["refresh_interval_days"] == 31
    assert summary["usable_snapshots"] == len(OFFSETS) - 1


def test_the_published_method_existing_customers_excluded_ids_per_snapshot_scaler():
    """Refit on the baseline's customers only, 2 ids left out everywhere, raw features, a scaler
    fitted on each snapshot, KMeans k=3 n_init=10 seed 42, ARI against the baseline labels:
    recomputed by hand to 1e-9."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    tables, days, cutoffs = snapshots(shift_from=59, move_to=1)
    excluded = ["c0", "c150"]
    features = {**FEATURES, "transform": "none", "exclude_ids": excluded}
    stability = {**STABILITY, "curve": "baseline_vs_refit", "population": "existing", "classifiers": []}
    result = temporal_stability(tables, days, cutoffs, features, conf_group("model", "kmeans", n_clusters=3),
                                stability, seed=42)
    columns = features["columns"]

    def labels(table):
        table = table[~table["customer_id"].isin(excluded)]
        return pd.Series(KMeans(n_clusters=3, n_init=10, random_state=42).fit_predict(
            StandardScaler().fit_transform(table[columns])), index=table["customer_id"])

    baseline = labels(tables["baseline"])
    for _, row in result["table"].iterrows():
        snapshot = tables[row["snapshot"]]
        refit = labels(snapshot[snapshot["customer_id"].isin(baseline.index)])
        assert row["customers"] == len(refit) == 298
        assert row["ari_baseline_vs_refit"] == pytest.approx(adjusted_rand_score(baseline[refit.index], refit), abs=1e-9)
    assert result["summary"]["excluded_ids"] == 2 and result["summary"]["population"] == "existing"


def test_neighbours_move_the_first_declared_hyperparameter():
    from segmentation.maintenance.sensitivity import neighbours

    assert neighbours(conf_group("model", "kmeans", n_clusters=4)) == ("n_clusters", [3, 5])
    assert neighbours(conf_group("model", "kmeans", n_clusters=2)) == ("n_clusters", [3])
    assert neighbours(conf_group("model", "hdbscan", min_cluster_size=50)) == ("min_cluster_size", [25, 100])


def test_sensitivity_says_whether_the_verdict_holds():
    from segmentation.maintenance.sensitivity import sensitivity

    model = conf_group("model", "kmeans", n_clusters=4)
    eight = {"verdict": "refresh", "refresh_interval_days": 243, "refresh_interval_months": 8.0}
    same = sensitivity(model, eight, lambda m: eight)
    assert same["sensitivity"] == "holds for k = 3-5" and same["sensitivity_holds"] is True
    by_k = {3: {"verdict": "refresh", "refresh_interval_days": 31, "refresh_interval_months": 1.0},
            5: {"verdict": "unstable_baseline", "refresh_interval_days": 0, "refresh_interval_months": 0.0}}
    moved = sensitivity(model, eight, lambda m: by_k[m["n_clusters"]])
    assert moved["sensitivity"] == "depends on k: 1 month at k=3, 8 months at k=4, unstable at k=5"


def test_a_precomputed_series_with_a_copy_a_loss_and_a_missing_column_still_gives_a_verdict(tmp_path):
    """Tables as another analysis wrote them: its own file names and id spelling, no other setting."""
    from segmentation.common.config import compose
    from segmentation.maintenance.snapshot_tables import measure

    rng = np.random.default_rng(1)
    groups = np.repeat([0, 1, 2], 100)
    base = customers([f"c{i}" for i in range(300)], groups, rng, spread=0.05)
    names = {"baseline": "baseline", "J+1": "j1", "J+15": "j15", "M+1": "m1", "M+2": "m2", "M+3": "m3", "M+6": "m6"}
    previous, grown = None, base
    for step, name in enumerate(names):
        if step:  # cumulative: every earlier customer stays, totals only grow, 10 new customers arrive
            new = customers([f"n{step}_{i}" for i in range(10)], rng.integers(0, 3, 10), rng, spread=0.05)
            grown = pd.concat([grown.assign(frequency=grown["frequency"] + 1), new], ignore_index=True)
        out = grown.rename(columns={"customer_id": "Customer ID", "frequency": "total_invoices"})
        if name == "J+15":
            out = previous.copy()                                  # a copy of J+1
        if name == "M+2":
            out = out[~out["Customer ID"].isin(["c1", "c2"])]      # loses 2 customers
        if name == "M+3":
            out = out.drop(columns="recency")                      # a column short
        out.to_csv(tmp_path / f"rfm_{names[name]}.csv", index=False)
        previous = out
    cfg = compose(["snapshots.baseline=2011-01-01", "snapshots.offsets=[J+1,J+15,M+1,M+2,M+3,M+6]",
                   f"stability.precomputed={tmp_path}", "stability.precomputed_pattern='rfm_{slug}.csv'",
                   "stability.min_new_customers=5"])
    result = measure(cfg)
    warned = sorted((w["check"], w["snapshot"]) for w in result["summary"]["warnings"])
    assert warned == [("customers_lost", "M+2"), ("identical_to_previous", "J+15"), ("missing_columns", "M+3")]
    assert list(result["table"]["snapshot"]) == ["J+1", "J+15", "M+1", "M+2", "M+6"]
    assert result["table"].set_index("snapshot").loc["J+15", "no_new_data"]
    assert result["summary"]["verdict"] == "stable" and result["summary"]["usable_snapshots"] == 4
