"""Records into MLflow after the work: files and numbers into a finished training run, once
per result, and whether a result is recorded already. The report stage makes them in a process
beside its work (`ready_to_record` first: MLflow imported, its store open)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from omegaconf import DictConfig

from segmentation.tracking.runs import ROLE_TAG, retry_locked, setup


def ready_to_record(cfg: DictConfig, records: list[str]) -> None:
    """MLflow imported, its store open and the `records` ("module:function") imported: what a
    process pays before it records (~3 s), paid here so the records that follow start at once."""
    from segmentation.common.parallel import named

    setup(cfg)
    for target in records:
        named(target)


def log_files_to_run(cfg: DictConfig, run_id_file: Path, files: list[Path], artifact_path: str) -> None:
    """Attach files to the run whose id `run_id_file` holds (e.g. the report to its training run);
    nothing when that run was never recorded."""
    import mlflow

    if not run_id_file.is_file():
        return
    setup(cfg)
    client = mlflow.MlflowClient()
    for path in files:
        client.log_artifact(run_id_file.read_text().strip(), str(path), artifact_path=artifact_path)


def log_to_run(cfg: DictConfig, run_id_file: Path, metrics: Mapping, files: list[Path], artifact_path: str,
               once: str | None = None) -> None:
    """Numbers (finite numbers only) and files into the run whose id `run_id_file` holds (the
    training run); nothing when that run was never recorded. With `once` (a digest of what is
    recorded), nothing when the run already holds that record (tag `recorded.<artifact_path>`)."""
    import math

    import mlflow

    if not run_id_file.is_file():
        return
    setup(cfg)
    client, run_id = mlflow.MlflowClient(), run_id_file.read_text().strip()
    tag = f"recorded.{artifact_path}"
    if once and retry_locked(client.get_run, run_id).data.tags.get(tag) == once:
        return
    for key, value in metrics.items():
        if isinstance(value, bool) or (isinstance(value, int | float) and math.isfinite(value)):
            retry_locked(client.log_metric, run_id, f"{artifact_path}_{key}", float(value))
    for path in files:
        retry_locked(client.log_artifact, run_id, str(path), artifact_path=artifact_path)
    if once:
        retry_locked(client.set_tag, run_id, tag, once)


def recorded_before(cfg: DictConfig, role: str, digest: str, experiment: str | None = None) -> bool:
    """Whether a run of `role` (e.g. stability) already records the result whose digest is
    `digest`, in `experiment` (default: `mlflow.experiment`)."""
    import mlflow

    experiment_id = setup(cfg, experiment)
    found = retry_locked(mlflow.MlflowClient().search_runs, [experiment_id],
                         f"tags.`{ROLE_TAG}` = '{role}' and tags.`recorded` = '{digest}'", max_results=1)
    return bool(found)
