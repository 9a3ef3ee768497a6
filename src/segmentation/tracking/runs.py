"""MLflow at the edge: store location, run naming, params, tags, sweep parent runs.

Store: `$MLFLOW_TRACKING_URI`, else `mlflow.tracking_uri` from config, else a sqlite database
`mlruns/mlflow.db` with artifacts in `mlruns/artifacts`, both as absolute paths from the
project root, so Hydra or DVC working directories never scatter stores.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from segmentation.common.git import git_commit
from segmentation.common.project import project_root
from segmentation.tracking.run_names import data_label, describing_tags, run_name  # noqa: F401 - data_label re-exported
from segmentation.tracking.store import ensure_sqlite_store

PARENT_FILE = "mlflow_parent_run_id"
LOCK_RETRIES = 8


def retry_locked(call, *args, retries: int = LOCK_RETRIES, pause: float = 0.25, **kwargs):
    """Call an MLflow function, retrying while the sqlite store is locked by another job."""
    for attempt in range(retries):
        try:
            return call(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - MLflow wraps sqlite errors in several types
            if "database is locked" not in str(err) or attempt == retries - 1:
                raise
            time.sleep(pause * (2 ** attempt))


ROLE_TAG = "segmentation.role"
SWEPT_TAG = "segmentation.swept_keys"   # on a sweep's parent run: the keys that vary between its jobs
# MLflow 3's UI reads this experiment tag to tell model training from GenAI work
KIND_TAG, KIND = "mlflow.experimentKind", "custom_model_development"


def tracking_uri(cfg: DictConfig) -> str:
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    if cfg.mlflow.tracking_uri:
        return str(cfg.mlflow.tracking_uri)
    store = project_root() / "mlruns"
    store.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{store / 'mlflow.db'}"


def artifact_location(cfg: DictConfig, uri: str) -> str | None:
    if cfg.mlflow.artifact_location:
        return str(cfg.mlflow.artifact_location)
    if uri.startswith("sqlite:///"):  # keep artifacts beside the database
        return (Path(uri.removeprefix("sqlite:///")).parent / "artifacts").as_uri()
    return None  # a tracking server decides


class _DropMessage(logging.Filter):
    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.start)


def quiet_mlflow() -> None:
    """Silence two MLflow messages that repeat on every run and ask nothing of the user (idempotent).

    - "The specified dataset source can be interpreted in multiple ways: LocalArtifactDatasetSource,
      LocalArtifactDatasetSource": MLflow registers the same local-file source class under two
      URI schemes and warns that a path matches both; the choice is the same class either way.
    - mlflow.sklearn's "Saving scikit-learn models in the pickle or cloudpickle format requires
      exercising caution...": the project logs its own pipelines (with its code bundled) and loads
      only models from its own store; skops cannot hold the project's estimator classes.
    """
    warnings.filterwarnings("ignore", message="The specified dataset source can be interpreted in multiple ways",
                            category=UserWarning)
    logger = logging.getLogger("mlflow.sklearn")
    if not any(isinstance(f, _DropMessage) for f in logger.filters):
        logger.addFilter(_DropMessage("Saving scikit-learn models in the pickle or cloudpickle format"))


def setup(cfg: DictConfig, experiment: str | None = None) -> str:
    """Point MLflow at the store and return the id of the experiment (`mlflow.experiment`, or the
    one named), created on first use, tagged as model training so the UI opens on runs, not on
    GenAI traces."""
    import mlflow
    from mlflow.exceptions import MlflowException

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # keep logs readable
    quiet_mlflow()
    uri = tracking_uri(cfg)
    ensure_sqlite_store(uri)
    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient()
    name = str(experiment or cfg.mlflow.experiment)
    for attempt in range(5):  # parallel sweep jobs may race to create it
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            if experiment.tags.get(KIND_TAG) != KIND:  # created before the tag, or by another tool
                retry_locked(client.set_experiment_tag, experiment.experiment_id, KIND_TAG, KIND)
            return experiment.experiment_id
        try:
            return client.create_experiment(name, artifact_location=artifact_location(cfg, uri), tags={KIND_TAG: KIND})
        except MlflowException:
            time.sleep(0.2 * (attempt + 1))
    return client.get_experiment_by_name(name).experiment_id


def flat_params(cfg: DictConfig) -> dict[str, str]:
    """Dotted keys of the resolved config (paths and tracking settings left out)."""
    def walk(node, prefix=""):
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                yield from walk(value, f"{name}.")
            else:
                yield name, str(value)[:500]
    container = OmegaConf.to_container(cfg, resolve=True)
    for skip in ("paths", "mlflow"):
        container.pop(skip, None)
    return dict(walk(container))


def model_requirements() -> list[str]:
    """Pinned requirements of a logged model (inferring them costs seconds per run)."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in
            ("scikit-learn", "hdbscan", "numpy", "pandas", "scipy", "cloudpickle", "mlflow")]


@contextmanager
def pinned_requirements_trusted() -> Iterator[None]:
    """While logging a model with `model_requirements()`: MLflow's check that the environment
    satisfies a model's requirements (when saving it, and when it loads it back to validate the
    input example) is skipped. Pinned from the installed versions, they always do, and the check
    costs ~1.4 s per process (it maps every installed distribution's modules)."""
    import mlflow.pyfunc
    from mlflow.utils import environment

    name = "warn_dependency_requirement_mismatches"
    modules = [module for module in (environment, mlflow.pyfunc) if hasattr(module, name)]
    checks = [getattr(module, name) for module in modules]
    for module in modules:
        setattr(module, name, lambda requirements: None)
    try:
        yield
    finally:
        for module, check in zip(modules, checks):
            setattr(module, name, check)


@contextmanager
def run(cfg: DictConfig, parent_run_id: str | None = None, tags: Mapping[str, str] | None = None,
        started: float | None = None) -> Iterator:
    """An MLflow run that ends FINISHED, or FAILED with the error as a tag and an artifact.
    `started` (epoch seconds): when its work began, if before the run is opened (a model fitted
    first, logged after), so the run's duration is the work's."""
    import mlflow

    experiment_id = setup(cfg)
    swept = swept_values(parent_run_id)
    tags = {ROLE_TAG: "job", **describing_tags(cfg, swept), **(tags or {})}
    name = run_name(cfg, swept) if tags[ROLE_TAG] == "job" else f"{tags[ROLE_TAG]}-{run_name(cfg, swept)}"
    tags = {"git_commit": git_commit(project_root(), short=False), **tags}
    if started is None:
        opened = partial(mlflow.start_run, experiment_id=experiment_id, run_name=name, parent_run_id=parent_run_id,
                         tags=tags)
    else:  # created with its start time (what start_run does, with the same context tags), then resumed
        from mlflow.tracking.context import registry

        context = {**tags, "mlflow.runName": name, **({"mlflow.parentRunId": parent_run_id} if parent_run_id else {})}
        created = retry_locked(mlflow.MlflowClient().create_run, experiment_id, start_time=int(started * 1000),
                               tags=registry.resolve_tags(context), run_name=name)
        opened = partial(mlflow.start_run, run_id=created.info.run_id)
    with retry_locked(opened) as active:
        try:
            yield active
        except BaseException as err:
            message = f"{type(err).__name__}: {err}"
            status = "FAILED" if not isinstance(err, KeyboardInterrupt) else "KILLED"
            mlflow.set_tag("error", message[:5000])
            mlflow.log_text(message, "error.txt")
            # named as such, so a failed job never passes for a result in the runs table
            retry_locked(mlflow.MlflowClient().update_run, active.info.run_id, name=f"{name}-{status}")
            mlflow.end_run(status=status)
            raise


@contextmanager
def monitoring_run(cfg: DictConfig, name: str, tags: Mapping[str, str]) -> Iterator:
    """A run of the monitor's experiment (`monitor.experiment`): one per check."""
    import mlflow

    experiment_id = setup(cfg, str(cfg.monitor.experiment))
    with retry_locked(mlflow.start_run, experiment_id=experiment_id, run_name=name,
                      tags={ROLE_TAG: "monitor", "git_commit": git_commit(project_root(), short=False), **tags}) as active:
        yield active


def swept_values(parent_run_id: str | None) -> dict[str, str]:
    """This job's value of every key its sweep varies (the keys: the parent run's tag, written by
    `SweepCallback`; the values: the job's own Hydra overrides). Empty outside a sweep."""
    if not parent_run_id:
        return {}
    import mlflow
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return {}
    keys = retry_locked(mlflow.MlflowClient().get_run, parent_run_id).data.tags.get(SWEPT_TAG)
    overrides = dict(item.lstrip("+~").split("=", 1) for item in HydraConfig.get().overrides.task if "=" in item)
    return {key: overrides[key] for key in json.loads(keys or "[]") if key in overrides}


def parent_run_id_for(sweep_dir: str | os.PathLike | None) -> str | None:
    """The sweep's parent run id, written by `SweepCallback` in the sweep folder."""
    if not sweep_dir:
        return None
    marker = Path(sweep_dir) / PARENT_FILE
    return marker.read_text().strip() if marker.is_file() else None


def log_maintenance(result: dict, files: list[Path]) -> None:
    """Into the active run: `ari_temporal` (and its interval) per day after the baseline, the
    summary's numbers (band, interval, threshold rule), the verdict, its reasons, the
    sensitivity and the warnings as tags, and the study's files."""
    import mlflow
    import pandas as pd

    summary, column = result["summary"], f"ari_{result['summary']['curve']}"
    for _, row in result["table"].iterrows():
        if pd.notna(row.get(column)):
            for key, name in ((column, "ari_temporal"), (f"{column}_low", "ari_temporal_low"),
                              (f"{column}_high", "ari_temporal_high")):
                mlflow.log_metric(name, float(row[key]), step=int(row["days"]))
    mlflow.log_metrics({k: float(v) for k, v in summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
    mlflow.set_tags({"refresh_recommendation": summary["recommendation"], "maintenance_verdict": summary["verdict"],
                     "maintenance_reasons": " | ".join(summary["reasons"])[:5000],
                     "maintenance_sensitivity": summary.get("sensitivity") or "not measured",
                     "maintenance_warnings": " | ".join(w["message"] for w in summary.get("warnings", []))[:5000]
                     or "none"})
    for path in files:
        mlflow.log_artifact(str(path), artifact_path="stability")
