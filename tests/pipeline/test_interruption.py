"""Killed mid-way: `dvc repro` completes on rerun with the same outputs; a killed sweep leaves
a readable store, its killed runs visible as unfinished, and the MLflow UI still opens."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import mlflow
import pytest
from conftest import copy_project, overrides, project_env, sh

from segmentation.tracking.runs import PARENT_FILE

pytestmark = pytest.mark.slow
OUTPUTS = ["metrics/cleaning.json", "metrics/features.json", "build/clean.parquet", "build/features.parquet"]


def digests(project) -> dict[str, str]:
    return {name: hashlib.md5((project / name).read_bytes()).hexdigest() for name in OUTPUTS}


def kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.xdist_group("pipeline")
def test_a_killed_repro_completes_on_rerun_with_the_same_outputs(tmp_path, built_pipeline):
    clean_run = built_pipeline.project  # the same stages, uninterrupted, at the same scale
    killed = copy_project(tmp_path / "killed", 0.03)
    process = subprocess.Popen(["dvc", "repro", "features"], cwd=killed, env=project_env(killed),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while not (killed / "build" / "raw.parquet").exists() and time.time() < deadline:
        assert process.poll() is None, "dvc repro ended before it could be killed"
        time.sleep(0.05)
    kill_group(process)  # SIGKILL while ingest is committing or clean is running
    assert not (killed / "build" / "features.parquet").exists()
    sh(killed, "dvc", "repro", "features")
    assert digests(killed) == digests(clean_run)
    assert not list((killed / "build").glob(".*.tmp")), "a temporary file of the killed run is left"
    assert "up to date" in sh(killed, "dvc", "repro", "features")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_killed_sweep_leaves_a_readable_store_and_the_ui_opens(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    command = [sys.executable, "-m", "segmentation.train", "-m", *overrides(tmp_path), "mlflow.log_model=false",
               "model=kmeans", "model.n_clusters=2,3,4,5,6,7", f"hydra.sweep.dir={tmp_path}/sweep"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.time() + 300
    # MlflowClient(uri) opens (creates and migrates) the store at once: made before the sweep has
    # copied its store and created its parent run, it races them and can lose the parent
    while not (tmp_path / "sweep" / PARENT_FILE).exists():
        assert time.time() < deadline and process.poll() is None, "the sweep never created its parent run"
        time.sleep(0.2)
    client = mlflow.MlflowClient(uri)
    finished = []
    while time.time() < deadline and len(finished) < 2:
        time.sleep(0.5)
        try:
            experiment = client.get_experiment_by_name("test")
            runs = client.search_runs([experiment.experiment_id]) if experiment else []
        except Exception:  # noqa: BLE001, S112 - a sweep write may hold the sqlite lock a moment
            continue
        finished = [r for r in runs if r.info.status == "FINISHED"]
    kill_group(process)
    runs = client.search_runs([client.get_experiment_by_name("test").experiment_id])
    statuses = [r.info.status for r in runs]
    assert statuses.count("FINISHED") >= 2 and "RUNNING" in statuses   # the sweep parent at least
    assert len(runs) < 7, "the sweep was killed before all six jobs ran"
    port = free_port()
    # the UI as `make ui` starts it: one server process, no GenAI job runners
    ui = subprocess.Popen([sys.executable, "-m", "mlflow", "ui", "--workers", "1", "--backend-store-uri", uri,
                           "--host", "127.0.0.1", "--port", str(port)],
                          env={**env, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
                               "PATH": f"{os.path.dirname(sys.executable)}:{env['PATH']}"},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 120
        status = None
        while time.time() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    status = response.status
            except OSError:
                time.sleep(1)
        assert status == 200
    finally:
        kill_group(ui)
