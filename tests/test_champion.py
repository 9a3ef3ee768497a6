"""Champion selection, the registry alias, assignment from a transactions file, serving."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd
import pyarrow as pa
import pytest

from segmentation.champion import choose
from segmentation.config import compose
from segmentation.errors import UserError

RULE = {"metric": "silhouette", "higher_is_better": True, "optional": ["refresh_interval_months"],
        "constraints": {"smallest_cluster_share": ">= 0.02", "bootstrap_ari_mean": ">= 0.8",
                        "refresh_interval_months": ">= 1"}}


def candidates() -> pd.DataFrame:
    return pd.DataFrame([
        # best silhouette, but one tiny cluster
        {"run_id": "a", "run_name": "kmeans-k9", "status": "FINISHED", "silhouette": 0.50,
         "smallest_cluster_share": 0.01, "bootstrap_ari_mean": 0.95},
        # failed run: never the champion whatever its metrics
        {"run_id": "b", "run_name": "gmm-k3", "status": "FAILED", "silhouette": 0.60,
         "smallest_cluster_share": 0.2, "bootstrap_ari_mean": 0.9},
        # passes; stability not computed (optional constraint not applicable)
        {"run_id": "c", "run_name": "kmeans-k4", "status": "FINISHED", "silhouette": 0.40,
         "smallest_cluster_share": 0.1, "bootstrap_ari_mean": 0.85},
        # passes size and bootstrap, but segments drift within the month
        {"run_id": "d", "run_name": "kmeans-k3", "status": "FINISHED", "silhouette": 0.45,
         "smallest_cluster_share": 0.2, "bootstrap_ari_mean": 0.9, "refresh_interval_months": 0.5},
        # unstable under resampling
        {"run_id": "e", "run_name": "kmeans-k5", "status": "FINISHED", "silhouette": 0.42,
         "smallest_cluster_share": 0.1, "bootstrap_ari_mean": 0.6},
    ])


def test_the_champion_is_the_best_run_passing_every_constraint():
    champion, table = choose(candidates(), RULE)
    assert champion["run_id"] == "c"
    verdict = table.set_index("run_id")
    assert list(verdict.index[verdict["eligible"]]) == ["c"]
    assert not verdict.loc["a", "smallest_cluster_share >= 0.02"]
    assert verdict.loc["d", "refresh_interval_months >= 1"] is False  # checked where present
    assert verdict.loc["c", "refresh_interval_months >= 1"] is None   # not computed: not held against it
    assert not verdict.loc["e", "bootstrap_ari_mean >= 0.8"]
    assert not verdict.loc["b", "eligible"]


def test_lower_is_better_and_no_eligible_run():
    champion, _ = choose(candidates(), {**RULE, "metric": "silhouette", "higher_is_better": False})
    assert champion["run_id"] == "c"
    strict = {**RULE, "constraints": {"bootstrap_ari_mean": ">= 0.99"}}
    assert choose(candidates(), strict)[0] is None
    with pytest.raises(UserError, match="is not like '>= 0.8'"):
        choose(candidates(), {**RULE, "constraints": {"silhouette": "big"}})


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A small synthetic shop: transactions file, features, a 3-run sweep and its store."""
    from segmentation.data.synthetic import generate
    from segmentation.stages import features
    from segmentation.steps.clean import clean_step
    from segmentation.steps.ingest import ingest_step
    from segmentation.tracking.runs import ROLE_TAG, setup
    from segmentation.tracking.training_run import tracked_training

    folder = tmp_path_factory.mktemp("shop")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    os.environ["MLFLOW_TRACKING_URI"] = uri
    pa.concat_tables(list(generate(0.05, 3))).to_pandas().to_csv(folder / "online_retail_II.csv", index=False)
    overrides = ["data=online_retail_ii", f"data.path={folder}/online_retail_II.csv",
                 *[f"paths.{key}={folder}/{key}{suffix}" for key, suffix in
                   [("raw", ".parquet"), ("clean", ".parquet"), ("cleaning_report", ".json"), ("features", ".parquet"),
                    ("features_report", ".json"), ("champion", ".json"), ("embeddings", "")]],
                 "evaluation.bootstrap_resamples=3", "mlflow.experiment=shop", "features=rfm",
                 "+select.constraints.n_clusters='<= 3'", "select.constraints.bootstrap_ari_mean='>= 0.5'"]
    cfg = compose(overrides)
    for step in (ingest_step, clean_step, features.run):
        step(cfg)
    client = mlflow.MlflowClient(uri)
    parent = client.create_run(setup(cfg), run_name="sweep-test", tags={ROLE_TAG: "sweep"}).info.run_id
    runs = {k: tracked_training(compose([*overrides, f"model.n_clusters={k}"]), parent_run_id=parent) for k in (2, 3, 4)}
    yield {"folder": folder, "uri": uri, "overrides": overrides, "runs": runs, "client": client}
    os.environ.pop("MLFLOW_TRACKING_URI", None)


@pytest.mark.slow
def test_select_registers_the_champion_under_its_alias_and_explains_why(shop, capsys):
    from segmentation.select import select

    chosen = select(compose(shop["overrides"]))
    out = capsys.readouterr().out
    eligible = {k: r for k, r in shop["runs"].items() if k <= 3 and r["bootstrap_ari_mean"] >= 0.5}
    best = max(eligible, key=lambda k: eligible[k]["silhouette"])
    assert chosen["run_id"] == shop["runs"][best]["run_id"]
    version = shop["client"].get_model_version_by_alias("customer-segmentation", "champion")
    assert version.run_id == chosen["run_id"] and str(version.version) == chosen["version"]
    assert "n_clusters <= 3" in out and "FAIL" in out and "kmeans-k4-rfm-all" in out
    assert json.loads((shop["folder"] / "champion.json").read_text())["version"] == chosen["version"]


@pytest.mark.slow
def test_assign_places_every_customer_of_a_transactions_file(shop):
    from segmentation.assign import assign

    select_needed = shop["client"].search_registered_models()
    if not select_needed:
        from segmentation.select import select

        select(compose(shop["overrides"]))
    target = assign(compose([*shop["overrides"], f"assign.output={shop['folder']}/assigned.parquet",
                             "assign.as_of=2011-06-01"]))
    result = pd.read_parquet(target)
    champion = json.loads((shop["folder"] / "champion.json").read_text())
    assert list(result.columns) == ["customer_id", "segment", "segment_name"]
    assert set(result["segment_name"]) <= set(champion["segments"].values())
    assert result["customer_id"].is_unique and len(result) > 100


def test_assign_without_a_champion_says_what_to_do(tmp_path, monkeypatch):
    from segmentation.assign import assign

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(UserError, match="no champion registered under 'customer-segmentation'.*segmentation.select"):
        assign(compose(["mlflow.experiment=empty"]))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_served_champion_answers_two_rows(shop):
    if not shop["client"].search_registered_models():
        from segmentation.select import select

        select(compose(shop["overrides"]))
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": shop["uri"],
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen([sys.executable, "-m", "mlflow", "models", "serve", "-m",
                               "models:/customer-segmentation@champion", "--env-manager", "local", "-h", "127.0.0.1",
                               "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                time.sleep(1)
        body = json.dumps({"dataframe_split": {"columns": ["recency", "frequency", "monetary"],
                                                "data": [[10, 20, 5000.0], [500, 1, 30.0]]}}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            predictions = json.loads(response.read())["predictions"]
        names = json.loads((shop["folder"] / "champion.json").read_text())["segments"]
        assert len(predictions) == 2 and predictions[0]["segment"] != predictions[1]["segment"]
        assert all(p["segment_name"] == names[str(p["segment"])] for p in predictions)
    finally:
        server.terminate()
        server.wait(timeout=30)
