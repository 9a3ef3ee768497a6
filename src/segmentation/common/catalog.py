"""The artifact catalog: every pipeline file, where it lives and how it is read and written.

Locations come from `paths.*` in `conf/config.yaml`, resolved from the project root (so DVC,
Hydra and tests agree whatever the working directory). Every write is atomic: a failed step
never leaves a partial output behind. No other module builds an artifact path.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig

from segmentation.common.errors import UserError
from segmentation.common.project import resolve
from segmentation.common.sql import quote


class Catalog:
    """Named pipeline files for one configuration (`cfg.paths`)."""

    def __init__(self, cfg: DictConfig) -> None:
        self._paths = cfg.paths

    def _at(self, key: str) -> Path:
        return resolve(self._paths[key])

    # --- data ------------------------------------------------------------------------
    synthetic = property(lambda self: self._at("synthetic"))          # generate: raw UCI layout
    raw = property(lambda self: self._at("raw"))                      # ingest: canonical lines
    ingest_report = property(lambda self: self._at("ingest_report"))  # ingest: columns supplied, origin
    last_source = property(lambda self: self._at("last_source"))      # the last ingest's data (not a DVC output)
    clean = property(lambda self: self._at("clean"))                  # clean: kept lines + flags
    cleaning_report = property(lambda self: self._at("cleaning_report"))  # the full report (read by the report)
    cleaning_metrics = property(lambda self: self._at("cleaning_metrics"))  # its numbers: DVC metrics
    # --- customers -------------------------------------------------------------------
    features = property(lambda self: self._at("features"))
    features_report = property(lambda self: self._at("features_report"))
    categories = property(lambda self: self._at("categories"))        # categories: description -> category
    categories_summary = property(lambda self: self._at("categories_summary"))  # one row per category
    categories_report = property(lambda self: self._at("categories_report"))    # k and silhouettes, or why skipped
    categories_metrics = property(lambda self: self._at("categories_metrics"))  # its numbers (DVC metrics)

    def snapshot(self, name: str) -> Path:
        return self._at("snapshots") / f"{name}.parquet"

    def snapshot_report(self, name: str) -> Path:
        return self._at("snapshots_report") / f"{name}.json"

    def snapshot_files(self) -> list[Path]:
        """Every snapshot table and report on disk (to remove the ones no longer configured)."""
        return [*self._at("snapshots").glob("*.parquet"), *self._at("snapshots_report").glob("*.json")]

    # --- company performance ---------------------------------------------------------
    figures = property(lambda self: self._at("figures"))

    def figure(self, key: str) -> Path:
        return self.figures / f"{key}.png"

    eda_summary = property(lambda self: self._at("eda_summary"))      # the full summary (read by the report)
    eda_metrics = property(lambda self: self._at("eda_metrics"))      # its numbers: DVC metrics
    eda_monthly = property(lambda self: self._at("eda_monthly"))
    # --- training and maintenance ----------------------------------------------------
    embeddings = property(lambda self: self._at("embeddings"))
    train_run = property(lambda self: self._at("train_run"))          # MLflow run id of stage train

    def trained_model(self, run_id: str) -> Path:
        """The train stage's model of MLflow run `run_id`, kept locally with its cutoff and wholesaler rule."""
        return self._at("trained_models") / f"{run_id}.joblib"

    train = property(lambda self: self._at("train"))                  # folder of the train stage's outputs

    def train_output(self, name: str) -> Path:
        return self.train / name

    stability = property(lambda self: self._at("stability"))

    def stability_output(self, name: str) -> Path:
        return self.stability / name

    stability_metrics = property(lambda self: self._at("stability_metrics"))  # numbers of stability.json: DVC metrics
    studies = property(lambda self: self._at("studies"))              # maintenance studies by their inputs (a cache)

    # --- monitoring (stage monitor) ----------------------------------------------------
    monitor = property(lambda self: self._at("monitor"))              # folder of the monitor's outputs

    def monitor_output(self, name: str) -> Path:
        return self.monitor / name

    deployments = property(lambda self: self._at("deployments"))      # each deployment's noise band (a cache)

    # --- reporting, champion, assignments --------------------------------------------
    report = property(lambda self: self._at("report"))
    slides = property(lambda self: self._at("slides"))
    segment_names = property(lambda self: self._at("segment_names"))
    champion = property(lambda self: self._at("champion"))
    assignments_latest = property(lambda self: self._at("assignments_latest"))
    # --- value and movement (stage value) --------------------------------------------
    value = property(lambda self: self._at("value"))                  # folder of the value stage's outputs

    def value_output(self, name: str) -> Path:
        return self.value / name

    def value_figure(self, key: str) -> Path:
        """expected_revenue, holdout, movement, movement_revenue: the value stage's figures."""
        return self.value / f"{key}.png"

    value_metrics = property(lambda self: self._at("value_metrics"))  # its numbers: DVC metrics

    dashboard = property(lambda self: self._at("dashboard"))          # the offline marketing dashboard

    def campaign(self, suffix: str) -> Path:
        """The CRM export: campaign.csv and campaign.xlsx."""
        return self._at("campaign").with_suffix(suffix)


def user_path(value: str | os.PathLike) -> Path:
    """A path the user configured (data.path, *.precomputed, assign.output): relative to the project."""
    return resolve(value)


def require(path: Path, what: str, fix: str) -> Path:
    if not path.exists():  # a file, or a folder of parquet parts (engine=spark)
        raise UserError(f"{path} not found ({what}). Fix: {fix}")
    return path


def file_digest(*paths: str | os.PathLike) -> str:
    """md5 of the files' bytes, in order (of one file: the md5 DVC records, so a run can be matched
    to dvc.lock); what a result is recorded once by."""
    digest = hashlib.md5()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def parquet_scan(path: str | os.PathLike) -> str:
    """`read_parquet(...)` of a parquet file, or of every part of a folder (what Spark writes);
    the same text reads on DuckDB and, transpiled, on Spark."""
    path = Path(path)
    return f"read_parquet({quote(f'{path.as_posix()}/*.parquet' if path.is_dir() else path.as_posix())})"


def parquet_columns(path: str | os.PathLike) -> list[str]:
    """Column names of a parquet file or folder."""
    import pyarrow.dataset as ds

    return list(ds.dataset(path, format="parquet").schema.names)


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it onto `target` only on success. The
    writer may make it a folder (Spark's parquet parts): it then replaces a file or folder."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a killed run of this step
        _remove(stale)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.is_dir() or target.is_dir():
            _remove(target)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, target)
    finally:
        _remove(tmp)


def _remove(path: Path) -> None:
    if path.is_dir():
        import shutil

        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def write_json(target: str | os.PathLike, payload: object) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_bytes(target: str | os.PathLike, payload: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)


def write_text(target: str | os.PathLike, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_frame(frame: pd.DataFrame, target: str | os.PathLike) -> Path:
    """A table as parquet or CSV, by the target's extension."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UserError(f"{target.name} must end in .csv or .parquet.")
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False) if suffix == ".parquet" else frame.to_csv(tmp, index=False)
    return target
