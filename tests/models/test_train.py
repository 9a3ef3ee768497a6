"""Training runs and sweeps into a temporary MLflow store, on a tiny planted feature table."""

from __future__ import annotations

import itertools

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, overrides, planted_table, sweep

from hydra_plugins.segmentation_grid.grid_union_sweeper import union_of_grids
from segmentation.common.config import compose
from segmentation.models.projection import cached_embedding
from segmentation.train import train_once

ARTIFACTS = {"radar.png", "projection.png", "cluster_profiles.csv", "assignments.csv", "config.yaml"}


def test_every_config_composes():
    for features, model, projection in itertools.product(["rfm", "rfm_extras"], ["kmeans", "gmm", "hdbscan"],
                                                         ["pca", "umap", "tsne"]):
        cfg = compose([f"features={features}", f"model={model}", f"projection={projection}"])
        assert cfg.model.name == model and cfg.projection.method == projection


def test_the_named_grid_is_the_design_cards_84_runs():
    grid = yaml.safe_load((ROOT / "conf" / "experiment" / "grid.yaml").read_text())["hydra"]["sweeper"]["grids"]
    jobs = union_of_grids(grid, [])
    assert len(jobs) == len({tuple(job) for job in jobs}) == 84
    assert sum("model=hdbscan" in job for job in jobs) == 12
    assert ["features=rfm", "features.wholesalers=drop", "model=gmm", "model.n_clusters=10"] in jobs
    assert not any("features.wholesalers=separate" in job for job in jobs)  # separate fits drop's model
    # command-line sweeps apply to every grid
    assert len(union_of_grids(grid, ["seed=1,2"])) == 168


@pytest.mark.parametrize("model", ["model=kmeans", "model=gmm", "model=hdbscan"])
def test_a_run_logs_metrics_artifacts_and_model(tmp_path, store, model):
    result = train_once(compose(overrides(tmp_path, model, "model.min_cluster_size=20" if "hdbscan" in model
                                     else "model.n_clusters=3")))
    client = mlflow.MlflowClient(store)
    run = client.get_run(result["run_id"])
    assert run.info.status == "FINISHED"
    for metric in ("silhouette", "davies_bouldin", "calinski_harabasz", "bootstrap_ari_mean", "bootstrap_ari_std",
                   "n_clusters", "smallest_cluster_share", "fit_seconds", "logging_seconds", "jaccard_cluster_0"):
        assert metric in run.data.metrics, metric
    assert run.data.metrics["silhouette"] > 0.5 and run.data.metrics["n_clusters"] == 3
    assert {"git_commit", "data_version", "mlflow.source.name", "mlflow.user"} <= set(run.data.tags)
    # logged after the fit, the run still starts when the fit did: its duration is the work's
    work = sum(run.data.metrics[k] for k in ("fit_seconds", "metrics_seconds", "plots_seconds", "logging_seconds"))
    assert (run.info.end_time - run.info.start_time) / 1000 >= work - 0.01
    assert run.data.params["model.name"] == model.split("=")[1]
    assert ARTIFACTS <= {a.path for a in client.list_artifacts(run.info.run_id)}
    assert run.inputs.dataset_inputs, "the feature table is logged as an input"
    loaded = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")  # an MLflow 3 LoggedModel
    table = pd.read_csv(tmp_path / "features.csv").set_index("customer_id")
    assert len(set(loaded.predict(table.iloc[[0, 70, 150]]))) == 3


def test_a_run_with_stability_logs_the_temporal_curve(tmp_path, store):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    table = pd.read_csv(planted_table(tmp_path / "features.csv"))
    for step, name in enumerate(["baseline", "J+1", "M+1", "M+3"]):
        table.iloc[: 150 + 10 * step].to_csv(folder / f"{name}.csv", index=False)
    cfg = compose(overrides(tmp_path, "model.n_clusters=3", "stability.enabled=true", f"stability.precomputed={folder}",
                            "snapshots.offsets=[J+1,M+1,M+3]", "mlflow.log_model=false"))
    result = train_once(cfg)
    client = mlflow.MlflowClient(store)
    history = client.get_metric_history(result["run_id"], "ari_temporal")
    assert [m.step for m in sorted(history, key=lambda m: m.step)] == [1, 31, 90]
    metrics = client.get_run(result["run_id"]).data.metrics
    assert {"ari_m1", "ari_m3", "refresh_interval_months", "stability_seconds"} <= set(metrics)
    artifacts = {a.path for a in client.list_artifacts(result["run_id"], "stability")}
    assert {"stability/curve.png", "stability/stability.csv", "stability/stability.json"} <= artifacts


def test_a_run_on_a_precomputed_snapshot_series_needs_no_transactions(tmp_path, store):
    """No cleaned lines and no feature table (a fresh clone): the run trains on the series' own
    baseline table (ids spelled 'Customer ID', as the series' files spell them) and studies the rest."""
    folder = tmp_path / "snapshots"
    folder.mkdir()
    table = pd.read_csv(planted_table(tmp_path / "features.csv")).rename(columns={"customer_id": "Customer ID"})
    for step, name in enumerate(["baseline", "J+1", "M+1"]):
        table.iloc[: 150 + 10 * step].to_csv(folder / f"rfm_{name.lower().replace('+', '')}.csv", index=False)
    without_table = [o for o in overrides(tmp_path) if not o.startswith("features.precomputed=")]
    cfg = compose([*without_table, "model.n_clusters=3", "stability.enabled=true", f"stability.precomputed={folder}",
                   "stability.precomputed_pattern='rfm_{slug}.csv'", "snapshots.baseline=2011-01-01",
                   "snapshots.offsets=[J+1,M+1]", f"paths.clean={tmp_path}/absent.parquet", "mlflow.log_model=false"])
    result = train_once(cfg)
    run = mlflow.MlflowClient(store).get_run(result["run_id"])
    assert run.info.status == "FINISHED" and run.data.metrics["customers"] == 150  # the baseline's rows
    assert run.data.tags["segmentation.cutoff"] == "precomputed"
    assert {"ari_m1", "refresh_interval_months"} <= set(run.data.metrics)


def test_a_run_with_wholesalers_set_apart_fits_without_them_and_assigns_them_one_more_segment(tmp_path, store):
    """180 planted customers, quantile 0.95: 180 x 0.05 = 9 wholesalers set apart; the model's 3
    clusters on the other 171, the wholesalers in segment 3."""
    result = train_once(compose(overrides(tmp_path, "features.wholesalers=separate", "model.n_clusters=3",
                                                "features.wholesaler_quantile=0.95", "mlflow.log_model=false")))
    client = mlflow.MlflowClient(store)
    run = client.get_run(result["run_id"])
    assert run.info.run_name == "kmeans-k3-rfm_extras-sepwholesalers"
    assert run.data.tags["segmentation.wholesalers"] == "separate"
    metrics = run.data.metrics
    assert (metrics["wholesalers_separated"], metrics["customers_clustered"], metrics["customers"]) == (9, 171, 180)
    assert metrics["n_clusters"] == 3 and metrics["silhouette_sample_size"] == 171  # quality: the clustered only
    assignments, profiles = (pd.read_csv(client.download_artifacts(run.info.run_id, name, str(tmp_path / name)))
                             for name in ("assignments.csv", "cluster_profiles.csv"))
    assert len(assignments) == 180 and (assignments["cluster"] == 3).sum() == 9
    assert profiles["cluster"].tolist() == [0, 1, 2, 3] and profiles["wholesalers"].tolist() == [False] * 3 + [True]
    assert profiles["customers"].sum() == 180


def test_same_seed_same_labels(tmp_path, store):
    first = train_once(compose(overrides(tmp_path, "model=gmm", "model.n_clusters=3", "mlflow.log_model=false")))
    second = train_once(compose(overrides(tmp_path, "model=gmm", "model.n_clusters=3", "mlflow.log_model=false")))
    client = mlflow.MlflowClient(store)
    read = lambda run_id: pd.read_csv(client.download_artifacts(run_id, "assignments.csv", str(tmp_path / run_id)))  # noqa: E731
    pd.testing.assert_frame_equal(read(first["run_id"]), read(second["run_id"]))


def test_embeddings_are_cached_by_content(tmp_path):
    X = np.random.default_rng(0).normal(size=(200, 4))
    first, hit = cached_embedding(X, {"method": "tsne", "perplexity": 20}, 0, tmp_path)
    again, hit_again = cached_embedding(X, {"method": "tsne", "perplexity": 20}, 0, tmp_path)
    assert not hit and hit_again and np.array_equal(first, again)
    _, other = cached_embedding(X + 1, {"method": "tsne", "perplexity": 20}, 0, tmp_path)
    assert not other


@pytest.mark.slow
def test_a_sweep_has_one_parent_and_survives_a_failing_job(tmp_path, store):
    result, parents, children = sweep(tmp_path, store, "model=kmeans", "model.n_clusters=2,3,500",
                                      "mlflow.log_model=false")
    assert result.returncode == 1, result.stderr          # the sweep says something failed...
    assert "3 runs, 2 finished, 1 failed" in result.stdout and "k=500 is larger" in result.stdout
    assert len(parents) == 1 and len(children) == 3        # ...after running every job
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parents[0].info.run_id}
    status = {r.info.run_name: r.info.status for r in children}
    assert status == {"kmeans-k2-rfm_extras-all": "FINISHED", "kmeans-k3-rfm_extras-all": "FINISHED",
                      "kmeans-k500-rfm_extras-all-FAILED": "FAILED"}
    failed = next(r for r in children if r.info.status == "FAILED")
    assert "larger than the number of customers" in failed.data.tags["error"]
    assert parents[0].info.status == "FAILED" and parents[0].data.metrics["jobs_failed"] == 1


@pytest.mark.slow
def test_a_parallel_sweep_with_joblib_loses_no_run(tmp_path, store):
    # two jobs at once, one on each of the launcher's workers, both writing the same store
    result, parents, children = sweep(tmp_path, store, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
                                      "model=kmeans,gmm", "model.n_clusters=3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(parents) == 1 and len(children) == 2
    assert all(r.info.status == "FINISHED" for r in children)
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parents[0].info.run_id}
    assert all("silhouette" in r.data.metrics and "bootstrap_ari_mean" in r.data.metrics for r in children)
