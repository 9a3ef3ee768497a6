"""Comparing runs as users do it: run names, the sweep's leaderboard, no RUNNING debris, a quiet
terminal with progress, and the MLflow UI opening on the training runs."""

from __future__ import annotations

import io
import json
import sys

import mlflow
import pandas as pd
import pytest
from conftest import sweep
from mlflow.entities import ViewType

from hydra_plugins.segmentation_grid.grid_union_sweeper import union_of_grids
from segmentation.common import progress
from segmentation.common.config import compose
from segmentation.sweeps import leaderboard
from segmentation.sweeps.jobs import as_params, swept_keys
from segmentation.tracking import ui_links
from segmentation.tracking.run_names import run_name, short_form
from segmentation.tracking.runs import KIND, KIND_TAG, setup

RULE = {"metric": "silhouette", "higher_is_better": True, "min_smallest_cluster_share": 0.02,
        "min_bootstrap_ari": 0.8, "min_refresh_interval_months": 1}


def run_row(run_id, name, algorithm, size, silhouette, ari, share, status="FINISHED", **extra):
    return {"run_id": run_id, "run_name": name, "status": status, "algorithm": algorithm, "features": "rfm",
            "wholesalers": "kept", "size": size, "variant": "", "silhouette": silhouette, "bootstrap_ari_mean": ari,
            "smallest_cluster_share": share, "n_clusters": float(size[1:]) if size.startswith("k") else 5.0, **extra}


def test_the_leaderboard_ranks_by_the_champion_rule_and_marks_the_best_rows():
    runs = pd.DataFrame([
        run_row("a", "kmeans-k3-rfm-all", "kmeans", "k3", 0.40, 0.90, 0.10),
        run_row("b", "kmeans-k4-rfm-all", "kmeans", "k4", 0.45, 0.70, 0.10),          # best silhouette, unstable
        run_row("c", "gmm-k3-rfm-all", "gmm", "k3", 0.35, 0.95, 0.10, maintenance_verdict="refresh",
                refresh_interval_months=8.0, refresh_interval_days=245),
        run_row("d", "gmm-k4-rfm-all", "gmm", "k4", 0.30, 0.85, 0.01),                 # a 1 % segment
        run_row("e", "gmm-k9-rfm-all-FAILED", "gmm", "k9", None, None, None, status="FAILED"),
        run_row("f", "hdbscan-mcs50-msauto-rfm-all", "hdbscan", "mcs50-msauto", 0.38, 0.92, 0.05,
                maintenance_verdict="refresh", refresh_interval_months=0.5, refresh_interval_days=15),  # too short
    ])
    table = leaderboard.build(runs, RULE)
    assert list(table.columns) == leaderboard.COLUMNS
    # eligible first by silhouette (a 0.40, c 0.35), then the others by silhouette, the failed run last
    assert table["run_id"].tolist() == ["a", "c", "b", "f", "d", "e"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert table["mark"].tolist() == ["champion", "best in line", "", "", "", ""]
    assert table["eligible"].tolist() == [True, True, False, False, False, False]
    assert table["fails"].tolist() == ["", "", "bootstrap_ari_mean >= 0.8", "refresh_interval_months >= 1",
                                       "smallest_cluster_share >= 0.02", ""]
    assert table["temporal"].tolist() == ["", "8 months", "", "15 days", "", ""]
    best = leaderboard.best_values(table)
    assert best["best_silhouette"] == 0.45 and best["champion_silhouette"] == 0.40 and best["eligible_runs"] == 2
    text = leaderboard.as_text(table).splitlines()
    assert text[0].split() == ["#", "run", "silhouette", "bootstrap", "ARI", "temporal", "smallest", "status"]
    assert text[1].split()[:5] == ["1", "★", "kmeans-k3-rfm-all", "0.400", "0.900"]
    assert text[2].split()[:6] == ["2", "☆", "gmm-k3-rfm-all", "0.350", "0.950", "8"]
    right_edge = text[0].index("silhouette") + len("silhouette")                  # numbers align under headers
    assert text[1].index("0.400") + len("0.400") == text[2].index("0.350") + len("0.350") == right_edge
    assert text[-1].startswith("6") and text[-1].endswith("FAILED")


def test_the_leaderboard_page_is_self_contained_and_rounded(tmp_path):
    from segmentation.sweeps.leaderboard_files import write

    runs = pd.DataFrame([run_row("a", "kmeans-k3-rfm-all", "kmeans", "k3", 0.123456, 0.987654, 0.1),
                         run_row("b", "kmeans-k4-rfm-all", "kmeans", "k4", 0.2, 0.5, 0.1)])
    files = write(leaderboard.build(runs, RULE), RULE, tmp_path, "Sweep test: leaderboard")
    assert [f.name for f in files] == ["leaderboard.csv", "leaderboard.html", "leaderboard.png"]
    page = (tmp_path / "leaderboard.html").read_text()
    assert "0.123" in page and "0.988" in page and "0.123456" not in page
    assert "<table>" in page and "<style>" in page and "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page and "<link" not in page and "<script" not in page
    assert pd.read_csv(tmp_path / "leaderboard.csv")["silhouette"].tolist() == [0.123456, 0.2]


def test_run_names_carry_every_swept_value_in_short_form():
    cfg = compose(["model=kmeans", "model.n_clusters=4"])
    assert run_name(cfg) == "kmeans-k4-rfm_extras-all"
    swept = {"model": "kmeans", "model.n_clusters": "4", "features.scaler": "robust", "seed": "7"}
    assert run_name(cfg, swept) == "kmeans-k4-rfm_extras-all-robust-seed7"
    assert [short_form("features.transform", "none"), short_form("data.scale", "0.1"),
            short_form("projection", "umap"), short_form("stability.sensitivity", "true"),
            short_form("stability.sensitivity", "false")] == \
        ["no_transform", "scale0.1", "umap", "sensitivity", "nosensitivity"]
    assert run_name(compose(["model=kmeans", "model.n_clusters=4", "features.wholesalers=separate"]),
                    {"features.wholesalers": "separate", "seed": "7"}) == "kmeans-k4-rfm_extras-sepwholesalers-seed7"
    names = {run_name(cfg, {"features.scaler": s}) for s in ("standard", "robust", "minmax")}
    assert len(names) == 3


def test_the_sweep_plan_counts_jobs_and_finds_the_swept_keys():
    jobs = union_of_grids([], ["model=kmeans,gmm", "model.n_clusters=3,4", "data.scale=0.1"])
    assert len(jobs) == 4
    assert swept_keys(jobs) == ["model", "model.n_clusters"]
    assert as_params(jobs) == {"model": "kmeans,gmm", "model.n_clusters": "3,4", "data.scale": "0.1"}
    grids = [{"model": "kmeans", "model.n_clusters": "2,3"}, {"model": "hdbscan", "model.min_cluster_size": "25"}]
    # a key only some grids set varies too (k for KMeans, min cluster size for HDBSCAN)
    assert swept_keys(union_of_grids(grids, [])) == ["model", "model.n_clusters", "model.min_cluster_size"]


def test_the_experiment_opens_as_model_training(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    client = mlflow.MlflowClient(uri)
    old = client.create_experiment("made-before")          # an experiment from before the tag
    assert KIND_TAG not in client.get_experiment(old).tags
    assert setup(compose(["mlflow.experiment=made-before"])) == old
    assert client.get_experiment(old).tags[KIND_TAG] == KIND == "custom_model_development"
    new = setup(compose(["mlflow.experiment=made-now"]))
    assert client.get_experiment(new).tags[KIND_TAG] == "custom_model_development"


def test_ui_links_open_the_training_view_of_a_sweep():
    link = ui_links.runs_table("http://127.0.0.1:5000", "3", "abc", "silhouette")
    assert link.startswith("http://127.0.0.1:5000/#/experiments/3/runs?workflowType=machine_learning&")
    assert "searchFilter=tags.mlflow.parentRunId%20%3D%20%27abc%27" in link
    assert "orderByKey=metrics.%60silhouette%60&orderByAsc=false" in link
    assert ui_links.run_page("http://h", "3", "abc") == "http://h/#/experiments/3/runs/abc?workflowType=machine_learning"
    assert ui_links.run_page("http://h", "3", "abc", "leaderboard.html") == \
        "http://h/#/experiments/3/runs/abc/artifactPath/leaderboard.html?workflowType=machine_learning"
    assert ui_links.ui_base("https://mlflow.team.example/") == "https://mlflow.team.example"
    charts = ui_links.runs_table("http://h", "2", search="tags.deployment = 'r1@2011-06-01'", charts=True)
    assert charts == ("http://h/#/experiments/2/runs?workflowType=machine_learning&searchFilter=tags.deployment%20%3D%20"
                      "%27r1%402011-06-01%27&compareRunsMode=CHART")


def test_progress_is_quiet_off_a_terminal(monkeypatch):
    items = [1, 2, 3]
    monkeypatch.setattr(sys, "stdout", io.StringIO())       # a pipe, a log file, pytest's capture
    assert progress.progress(items, "refits") is items
    monkeypatch.setattr(sys, "stdout", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    monkeypatch.setattr(sys, "stderr", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    monkeypatch.setenv("CI", "true")
    assert progress.progress(items, "refits") is items
    monkeypatch.delenv("CI")
    bar = progress.progress(items, "refits")
    assert bar is not items and list(bar) == items and "refits: " in sys.stderr.getvalue()


@pytest.mark.slow
def test_a_sweep_over_the_scaler_names_its_runs_apart_and_ends_with_its_leaderboard(tmp_path, store):  # noqa: F811
    result, parents, children = sweep(tmp_path, store, "model=kmeans", "model.n_clusters=3",
                                      "features.scaler=standard,robust", "mlflow.log_model=false")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(r.info.run_name for r in children) == ["kmeans-k3-rfm_extras-all-robust",
                                                         "kmeans-k3-rfm_extras-all-standard"]
    parent = parents[0]
    assert parent.data.params["features.scaler"] == "standard,robust" and parent.data.params["model.n_clusters"] == "3"
    assert json.loads(parent.data.tags["segmentation.swept_keys"]) == ["features.scaler"]
    assert {"best_silhouette", "best_bootstrap_ari_mean", "jobs"} <= set(parent.data.metrics)
    client = mlflow.MlflowClient(store)
    assert {"leaderboard.csv", "leaderboard.html", "leaderboard.png"} <= \
        {a.path for a in client.list_artifacts(parent.info.run_id)}
    out = result.stdout
    assert "job 1/2 done" in out and "job 2/2 done" in out and "elapsed" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("leaderboard, ranked by the champion rule"))
    assert lines[start + 1].split()[:2] == ["#", "run"]                          # the table, one row per run
    rows = lines[start + 2:start + 4]
    assert all(any(f" {name} " in row for row in rows) for name in
               ("kmeans-k3-rfm_extras-all-robust", "kmeans-k3-rfm_extras-all-standard"))
    assert out.rstrip().splitlines()[-1].startswith("  its leaderboard: http://127.0.0.1:5000/#/experiments/")
    assert out.rstrip().endswith("/artifactPath/leaderboard.html?workflowType=machine_learning")
    for noise in ("LocalArtifactDatasetSource", "pickle or cloudpickle"):
        assert noise not in out + result.stderr


@pytest.mark.slow
def test_a_sweep_failing_before_any_job_leaves_no_running_run(tmp_path, store):  # noqa: F811
    result, _, _ = sweep(tmp_path, store, "model=kmeans,gmmm")
    assert result.returncode != 0 and "Could not find 'model/gmmm'" in result.stderr
    client = mlflow.MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("test").experiment_id], run_view_type=ViewType.ALL)
    assert runs and all(r.info.status != "RUNNING" for r in runs)
    assert [(r.info.status, r.info.lifecycle_stage) for r in runs] == [("FAILED", "deleted")]
