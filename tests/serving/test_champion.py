"""Champion selection, the registry alias, assignment from a transactions file, serving."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import mlflow
import pandas as pd
import pyarrow as pa
import pytest
from omegaconf import OmegaConf

from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.serving.champion_rule import choose, no_champion_fix

# its module fixtures are built once: every test of this module runs on one xdist worker
pytestmark = pytest.mark.xdist_group("champion")

# The default rule of conf/config.yaml, in its plain form: lower bounds, null = no constraint.
RULE = {"metric": "silhouette", "higher_is_better": True, "min_smallest_cluster_share": 0.02,
        "min_bootstrap_ari": 0.8, "min_refresh_interval_months": 1}


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
    assert choose(candidates(), {**RULE, "min_bootstrap_ari": 0.99})[0] is None
    with pytest.raises(UserError, match=r"select.metric=silhuette is not a metric .*'silhouette'"):
        choose(candidates(), {**RULE, "metric": "silhuette"})


def test_a_null_bound_switches_its_constraint_off():
    # without the bootstrap bound, e (0.42, ARI 0.6) beats c (0.40); without the refresh bound, d (0.45) wins
    assert choose(candidates(), {**RULE, "min_bootstrap_ari": None})[0]["run_id"] == "e"
    champion, table = choose(candidates(), {**RULE, "min_refresh_interval_months": None})
    assert champion["run_id"] == "d" and "refresh_interval_months >= 1" not in table.columns


def test_the_plain_keys_are_command_line_overrides():
    """`select.min_bootstrap_ari=0.5` (not the quoted '>= 0.5' the old form needed)."""
    rule = OmegaConf.to_container(compose(["select.min_bootstrap_ari=0.5"]).select)
    assert rule["min_bootstrap_ari"] == 0.5 and choose(candidates(), rule)[0]["run_id"] == "e"  # e: ARI 0.6 >= 0.5
    assert compose(["select.min_smallest_cluster_share=null"]).select.min_smallest_cluster_share is None
    with pytest.raises(UserError, match="select.min_bootstrap_ari='>= 0.5' must be a number"):
        compose(["select.min_bootstrap_ari='>= 0.5'"])


def test_no_champion_names_the_constraint_to_relax():
    _, table = choose(candidates(), {**RULE, "min_bootstrap_ari": 0.99})
    # FINISHED runs a, c, d, e all fail ARI >= 0.99; only a fails the size bound
    assert no_champion_fix(table, {**RULE, "min_bootstrap_ari": 0.99}) == (
        "Fix: relax the constraint most runs fail, select.min_bootstrap_ari=<a lower bound> (bootstrap_ari_mean "
        "ranges from 0.6 to 0.95 here) or select.min_bootstrap_ari=null (no constraint), or widen the sweep.")


T0 = 1_700_000_000_000  # ms since the epoch: 2023-11-14 22:13:20 UTC


def make_sweep(client, experiment_id: str, name: str, start: int, jobs: list[tuple[str, dict]]) -> str:
    """A sweep parent run as the sweep callback makes it, with child runs (status, metrics)."""
    from segmentation.tracking.runs import ROLE_TAG

    parent = client.create_run(experiment_id, run_name=name, start_time=start, tags={ROLE_TAG: "sweep"}).info.run_id
    for i, (status, metrics) in enumerate(jobs):
        child = client.create_run(experiment_id, run_name=f"{name}-job{i}", start_time=start + 1 + i,
                                  tags={"mlflow.parentRunId": parent}).info.run_id
        for key, value in metrics.items():
            client.log_metric(child, key, value)
        client.set_terminated(child, status)
    return parent


@pytest.fixture
def sweeps(tmp_path, monkeypatch):
    """A store with an older sweep that has runs, then an all-failed one, then an empty one (a
    sweep stopped before its first job) as the latest."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    client = mlflow.MlflowClient(uri)
    experiment_id = client.create_experiment("sweeps")
    good = make_sweep(client, experiment_id, "sweep-good", T0, [
        ("FINISHED", {"silhouette": 0.5, "smallest_cluster_share": 0.3, "bootstrap_ari_mean": 0.9}),
        ("FINISHED", {"silhouette": 0.6, "smallest_cluster_share": 0.2, "bootstrap_ari_mean": 0.7}),
        ("FAILED", {})])
    failed = make_sweep(client, experiment_id, "sweep-failed", T0 + 60_000, [("FAILED", {})])
    empty = make_sweep(client, experiment_id, "sweep-empty", T0 + 120_000, [])
    return client, experiment_id, {"good": good, "failed": failed, "empty": empty}


def started(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")  # the store's local time


def test_the_latest_sweep_with_a_finished_run_is_chosen_and_newer_ones_are_reported(sweeps):
    from segmentation.serving.registry import sweep_runs

    client, experiment_id, ids = sweeps
    sweep, runs, skipped = sweep_runs(client, experiment_id, None)
    assert sweep == {"name": "sweep-good", "id": ids["good"], "started": started(T0), "finished": 2, "total": 3}
    assert sorted(runs["status"]) == ["FAILED", "FINISHED", "FINISHED"]
    assert [(s["name"], s["finished"], s["total"]) for s in skipped] == [("sweep-empty", 0, 0), ("sweep-failed", 0, 1)]


def test_a_given_sweep_without_finished_runs_lists_the_sweeps_that_have_some(sweeps):
    from segmentation.serving.registry import sweep_runs

    client, experiment_id, ids = sweeps
    with pytest.raises(UserError) as error:
        sweep_runs(client, experiment_id, ids["empty"])
    assert str(error.value) == (
        f"sweep sweep-empty (id {ids['empty']}, started {started(T0 + 120_000)}, 0/0 runs finished) has no FINISHED "
        f"run. Sweeps with finished runs: sweep-good (id {ids['good']}, started {started(T0)}, 2/3 runs finished). "
        "Fix: give one of their ids as select.parent_run_id, or leave it null for the latest sweep with finished runs.")
    assert sweep_runs(client, experiment_id, ids["good"])[0]["name"] == "sweep-good"


def test_select_skips_the_empty_latest_sweep_and_says_so(sweeps, capsys):
    """The whole command up to the choice: it reads the older sweep, says which it skipped, and
    with no eligible run stops with the constraint to relax (before loading any model)."""
    from segmentation.select import select

    client, _, ids = sweeps
    with pytest.raises(UserError, match=r"no FINISHED run of sweep sweep-good .*bootstrap_ari_mean >= 0.95.*"
                                        r"select.min_bootstrap_ari=<a lower bound> \(bootstrap_ari_mean ranges "
                                        r"from 0.7 to 0.9 here\)"):
        select(compose(["mlflow.experiment=sweeps", "select.min_bootstrap_ari=0.95"]))
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        f"select: skipped 2 newer sweep(s) without a FINISHED run: sweep-empty (id {ids['empty']}, started "
        f"{started(T0 + 120_000)}, 0/0 runs finished); sweep-failed (id {ids['failed']}, started "
        f"{started(T0 + 60_000)}, 0/1 runs finished)")
    assert "3 candidates from sweep sweep-good" in out and "bootstrap_ari_mean >= 0.95" in out


def test_no_sweep_with_a_finished_run_lists_every_sweep(tmp_path):
    from segmentation.serving.registry import sweep_runs

    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment_id = client.create_experiment("empty")
    empty = make_sweep(client, experiment_id, "sweep-empty", T0, [])
    with pytest.raises(UserError, match=rf"no sweep in this MLflow experiment has a FINISHED run: sweep-empty \(id "
                                        rf"{empty}, started .*, 0/0 runs finished\)\. Fix: run a sweep"):
        sweep_runs(client, experiment_id, None)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A small synthetic shop: transactions file, features, a 3-run sweep and its store."""
    from segmentation.cleaning.run import run as clean
    from segmentation.data.run import run as ingest
    from segmentation.data.synthetic import generate
    from segmentation.features.run import customer_features
    from segmentation.tracking.runs import ROLE_TAG, setup
    from segmentation.train import train_once

    folder = tmp_path_factory.mktemp("shop")
    uri = f"sqlite:///{folder / 'mlflow.db'}"  # in the overrides, not the environment other modules' tests share
    pa.concat_tables(list(generate(0.05, 3, 0.6))).to_pandas().to_csv(folder / "online_retail_II.csv", index=False)
    overrides = ["data=online_retail_ii", f"data.path={folder}/online_retail_II.csv",
                 *[f"paths.{key}={folder}/{key}{suffix}" for key, suffix in
                   [("raw", ".parquet"), ("clean", ".parquet"), ("cleaning_report", ".json"), ("features", ".parquet"),
                    ("features_report", ".json"), ("champion", ".json"), ("embeddings", ""),
                    ("ingest_report", ".json"), ("last_source", ".txt"), ("cleaning_metrics", ".json")]],
                 "evaluation.bootstrap_resamples=3", f"mlflow.tracking_uri={uri}", "mlflow.experiment=shop", "features=rfm",
                 # k=4 cannot pass: its smallest segment holds at most 1/4 of the customers
                 "select.min_smallest_cluster_share=0.26", "select.min_bootstrap_ari=0.5"]
    cfg = compose(overrides)
    for step in (ingest, clean, customer_features):
        step(cfg)
    client = mlflow.MlflowClient(uri)
    parent = client.create_run(setup(cfg), run_name="sweep-test", tags={ROLE_TAG: "sweep"}).info.run_id
    runs = {k: train_once(compose([*overrides, f"model.n_clusters={k}"]), parent_run_id=parent) for k in (2, 3, 4)}
    client.create_run(setup(cfg), run_name="sweep-stopped", tags={ROLE_TAG: "sweep"})  # newer, empty: skipped
    return {"folder": folder, "uri": uri, "overrides": overrides, "runs": runs, "client": client}


@pytest.mark.slow
def test_select_registers_the_champion_under_its_alias_and_explains_why(shop, capsys):
    from segmentation.select import select

    chosen = select(compose(shop["overrides"]))
    out = capsys.readouterr().out
    eligible = {k: r for k, r in shop["runs"].items()
                if r["smallest_cluster_share"] >= 0.26 and r["bootstrap_ari_mean"] >= 0.5}
    best = max(eligible, key=lambda k: eligible[k]["silhouette"])
    assert 4 not in eligible and chosen["run_id"] == shop["runs"][best]["run_id"]
    version = shop["client"].get_model_version_by_alias("customer-segmentation", "champion")
    assert version.run_id == chosen["run_id"] and str(version.version) == chosen["version"]
    assert "skipped 1 newer sweep(s) without a FINISHED run: sweep-stopped" in out
    assert "3 candidates from sweep sweep-test" in out and "3/3 runs finished" in out
    assert "smallest_cluster_share >= 0.26" in out and "FAIL" in out and "kmeans-k4-rfm-all" in out
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


def test_assign_with_the_previous_refresh_writes_who_moved(shop):
    """Two consecutive refreshes (as of two dates) of the same file: the second lists the moves."""
    from segmentation.assign import assign

    if not shop["client"].search_registered_models():
        from segmentation.select import select

        select(compose(shop["overrides"]))
    first = assign(compose([*shop["overrides"], f"assign.output={shop['folder']}/q1.csv", "assign.as_of=2011-03-01"]))
    second = assign(compose([*shop["overrides"], f"assign.output={shop['folder']}/q2.csv", "assign.as_of=2011-06-01",
                             f"assign.previous={first}"]))
    before, now = pd.read_csv(first, dtype={"customer_id": str}), pd.read_csv(second, dtype={"customer_id": str})
    moves = pd.read_csv(shop["folder"] / "q2_moves.csv", dtype={"customer_id": str})
    assert len(moves) == len(set(before["customer_id"]) | set(now["customer_id"]))
    new = set(now["customer_id"]) - set(before["customer_id"])
    assert set(moves.loc[moves["change"] == "new", "customer_id"]) == new and new  # bought first between the dates
    both = before.merge(now, on="customer_id", suffixes=("_before", "_now"))
    moved = set(both.loc[both["segment_name_before"] != both["segment_name_now"], "customer_id"])
    assert set(moves.loc[moves["change"] == "moved", "customer_id"]) == moved
    matrix = pd.read_csv(shop["folder"] / "q2_transitions.csv", index_col=0)
    assert matrix.to_numpy().sum() == len(moves) and (shop["folder"] / "q2_transitions.png").is_file()
    with pytest.raises(UserError, match="lacks"):
        assign(compose([*shop["overrides"], f"assign.output={shop['folder']}/q3.csv",
                        f"assign.previous={shop['folder']}/q2_moves.csv"]))
