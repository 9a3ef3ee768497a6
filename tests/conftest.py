"""Shared fixtures: tiny frames with hand-computable answers, real-format files, and the small
synthetic pipeline built once per session (`built_pipeline`, read-only; `pipeline_copy` for a
test that changes it).

The suite runs on both cores (`pytest -n 2 --dist loadgroup`, the Makefile's targets): the tests
of one end-to-end module share an `xdist_group`, so its module fixtures are built once, on one
worker; every test that uses the built pipeline is in group "pipeline". New MLflow stores are
copied from one migrated template per session (`tracking.store`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PIPELINE_SCALE = 0.03   # the end-to-end tests' synthetic shop: ~30,000 lines, every stage in seconds


def pytest_configure(config):
    """One migrated MLflow store template for every process of the session (workers, subprocesses)."""
    os.environ.setdefault("SEGMENTATION_STORE_TEMPLATES", str(Path(tempfile.gettempdir()) / "segmentation-tests-stores"))
SESSION_TRACKING_URI = os.environ.get("MLFLOW_TRACKING_URI")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Every test starts with the session's MLFLOW_TRACKING_URI: MLflow's `set_tracking_uri` also
    exports it, so a test (or a module fixture) recording in-process would point the commands a
    later test starts at its own store."""
    if SESSION_TRACKING_URI is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = SESSION_TRACKING_URI


UCI_COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
UCI_MAPPING = {"invoice": "Invoice", "stock_code": "StockCode", "description": "Description",
               "quantity": "Quantity", "invoice_date": "InvoiceDate", "price": "Price", "amount": None,
               "customer_id": "Customer ID", "country": "Country"}


def conf_group(group: str, option: str, **overrides) -> dict:
    """One option of a config group as `conf/` defines it (the one truth), with the options it
    extends (its `defaults` in the same group) and overrides: tests build model, feature and
    stability settings from it, never from literals."""
    own = yaml.safe_load((ROOT / "conf" / group / f"{option}.yaml").read_text())
    merged = {}
    for base in own.pop("defaults", []):
        merged.update(conf_group(group, base) if base != "_self_" else {})
    return {**merged, **own, **overrides}


def uci_sheets() -> dict[str, pd.DataFrame]:
    """Two sheets with the real file's quirks: Invoice and StockCode mixing integers and
    strings, Customer ID as float with blanks, a cancellation, postage, accents."""
    first = pd.DataFrame([
        [489434, 85048, "15CM CHRISTMAS GLASS BALL 20 LIGHTS", 12, datetime(2009, 12, 1, 7, 45), 6.95, 13085.0, "United Kingdom"],
        [489434, "79323P", "PINK CHERRY LIGHTS", 12, datetime(2009, 12, 1, 7, 45), 6.75, 13085.0, "United Kingdom"],
        [489435, 22041, "RECORD FRAME 7\" SINGLE SIZE", 48, datetime(2009, 12, 1, 7, 46), 2.10, None, "United Kingdom"],
        ["C489449", 22087, "PAPER BUNTING WHITE LACE", -12, datetime(2009, 12, 1, 10, 33), 2.95, 16321.0, "Australia"],
    ], columns=UCI_COLUMNS)
    second = pd.DataFrame([
        [539993, 22386, "JUMBO BAG PINK POLKADOT", 10, datetime(2011, 1, 4, 10, 0), 1.95, 13313.0, "France"],
        [539993, "POST", "POSTAGE", 1, datetime(2011, 1, 4, 10, 0), 18.0, 13313.0, "France"],
        [540001, "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, datetime(2011, 1, 4, 11, 0), 2.55, 12345.0, "Réunion"],
    ], columns=UCI_COLUMNS)
    return {"Year 2009-2010": first, "Year 2010-2011": second}


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


@pytest.fixture
def uci_xlsx(tmp_path) -> Path:
    return write_xlsx(tmp_path / "online_retail_II.xlsx", uci_sheets())


def canonical(rows: list[tuple]) -> pd.DataFrame:
    """Canonical transactions from (invoice, stock_code, quantity, price, date, customer_id[, country])."""
    records = []
    for invoice, code, quantity, price, date, customer, *country in rows:
        records.append({"invoice": invoice, "stock_code": code, "description": f"item {code}",
                        "quantity": float(quantity), "price": float(price), "invoice_date": pd.Timestamp(date),
                        "customer_id": customer, "country": country[0] if country else "United Kingdom"})
    frame = pd.DataFrame(records)
    for column in ("invoice", "stock_code", "description", "customer_id", "country"):
        frame[column] = frame[column].astype("string")
    frame["invoice_date"] = frame["invoice_date"].astype("datetime64[us]")
    return frame


def make_project(tmp_path: Path, data: dict | None = None, **overrides) -> Path:
    """A project folder with conf/, dvc.yaml and a params.yaml, for running stage entry points."""
    project = tmp_path / "project"
    (project / "conf").mkdir(parents=True)
    (project / "conf" / "config.yaml").write_text("defaults: []\n")
    (project / "dvc.yaml").write_text("stages: {}\n")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    if data is not None:
        params["data"] = data
    params.update(overrides)
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    return project


def run_module(module: str, project: Path, *args: str, timeout: int = 300,
               env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEGMENTATION_ROOT": str(project), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=timeout)


def run_stage(stage: str, project: Path, *args: str, timeout: int = 300,
              env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """One pipeline stage as `dvc repro` runs it: `python -m segmentation.stage <stage> [args]`."""
    return run_module("segmentation.stage", project, stage, *args, timeout=timeout, env_extra=env_extra)


def project_env(cwd: Path) -> dict:
    """The environment of a command run in a project copy: its own code first, its own store."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(cwd / "src"), "DVC_NO_ANALYTICS": "1"}
    for name in ("SEGMENTATION_ROOT", "MLFLOW_TRACKING_URI"):
        env.pop(name, None)
    return env


def sh(cwd: Path, *command: str) -> str:
    """Run a command in a project copy; it must succeed; its output (stdout then stderr)."""
    result = subprocess.run(command, cwd=cwd, env=project_env(cwd), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def copy_project(copy: Path, scale: float) -> Path:
    """The project's tracked files (and untracked, not ignored ones) in a fresh git repo."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    params = yaml.safe_load((copy / "params.yaml").read_text())
    params["data"]["scale"] = scale
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh(copy, "git", "init", "-q")
    sh(copy, "git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    sh(copy, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy")
    return copy


def clone_built(source: Path, target: Path) -> Path:
    """A copy of a built project that is its own: the MLflow store's absolute paths (experiments'
    artifact locations, runs' and models' URIs) point into the copy, not back into the source."""
    shutil.copytree(source, target, symlinks=True)
    store = target / "mlruns" / "mlflow.db"
    if store.is_file():
        with sqlite3.connect(store) as db:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                for column in [row[1] for row in db.execute(f"PRAGMA table_info('{table}')") if "CHAR" in row[2].upper()
                               or "TEXT" in row[2].upper()]:
                    db.execute(f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?) WHERE "{column}" LIKE ?',
                               (str(source), str(target), f"%{source}%"))
        db.close()
    return target


@dataclass(frozen=True)
class Built:
    """The small synthetic pipeline after its first `dvc repro`, and what that run printed."""

    project: Path
    output: str


@pytest.fixture(scope="session")
def built_pipeline(tmp_path_factory) -> Built:
    """`dvc repro` once per session on a copy of the project at PIPELINE_SCALE. Read-only: a test
    that changes anything works on `pipeline_copy`. (Its tests share xdist group "pipeline".)"""
    project = copy_project(tmp_path_factory.mktemp("pipeline"), PIPELINE_SCALE)
    return Built(project, sh(project, "dvc", "repro"))


@pytest.fixture
def pipeline_copy(built_pipeline, tmp_path) -> Path:
    """A private copy of the built pipeline, for a test that reruns, sweeps or writes into it."""
    return clone_built(built_pipeline.project, tmp_path / "project")


def file_digests(project: Path, names) -> dict[str, str]:
    return {name: hashlib.md5((project / name).read_bytes()).hexdigest() for name in names}


# --- training runs on a planted customer table, into a temporary MLflow store ---------------------

def planted_table(path, n_per: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = np.array([[5, 20, 5000, 3000, 1, 300], [60, 3, 400, 200, 10, 60], [300, 1, 90, 40, 30, 30]], float)
    rows = np.vstack([np.abs(c * (1 + rng.normal(scale=0.1, size=(n_per, 6)))) for c in centres])
    table = pd.DataFrame(rows, columns=["recency", "frequency", "monetary", "total_quantity", "cancellation_pct",
                                        "avg_items_per_order"])
    table.insert(0, "customer_id", [f"c{i}" for i in range(len(table))])
    table.to_csv(path, index=False)
    return path


@pytest.fixture
def store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


def overrides(tmp_path, *extra):
    table = planted_table(tmp_path / "features.csv")
    return [f"features.precomputed={table}", f"paths.features={tmp_path}/none.parquet",
            f"paths.features_report={tmp_path}/none.json", f"paths.embeddings={tmp_path}/emb",
            "evaluation.bootstrap_resamples=3", "mlflow.experiment=test", *extra]


def sweep(tmp_path, store, *arguments) -> tuple[subprocess.CompletedProcess, list, list]:
    """Run a multirun into the temporary store; return it with its parent and child runs."""
    import mlflow

    command = [sys.executable, "-m", "segmentation.train", "-m", *overrides(tmp_path), *arguments,
               f"hydra.sweep.dir={tmp_path}/sweep"]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "MLFLOW_TRACKING_URI": store},
                            capture_output=True, text=True, timeout=900)
    client = mlflow.MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("test").experiment_id])
    parents = [r for r in runs if r.data.tags.get("segmentation.role") == "sweep"]
    children = [r for r in runs if r.data.tags.get("segmentation.role") == "job"]
    return result, parents, children


# --- the error contract: one line, the fix, exit 2 -----------------------------------------------

def assert_one_line(result, message: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and "INFO mlflow" not in line]
    assert lines == [f"error: {message}"], result.stderr[-2000:]


def hydra_command(module: str, *args: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
