"""Hydra command: train one segmentation and track it in MLflow.

    python -m segmentation.train model=gmm model.n_clusters=5
    python -m segmentation.train -m features=rfm,rfm_extras model=kmeans,gmm 'model.n_clusters=range(2,11)'
    python -m segmentation.train experiment=grid             # the design card's full grid (84 runs)

The DVC stage `train` calls the same `models.run.train` with params.yaml (and writes its outputs). `--help` prints
the usage, examples and every key (conf/config.yaml, hydra.help).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import hydra
from omegaconf import DictConfig

from segmentation.common.errors import EXIT_USER_ERROR, as_user_error, cli
from segmentation.common.parallel import keep_share_of_cores, parallel_jobs
from segmentation.common.project import project_root
from segmentation.common.validation import check
from segmentation.tracking.runs import parent_run_id_for


def run_job(cfg: DictConfig) -> float:
    """Hydra task: in a multirun a failing job is logged (FAILED run) and the sweep goes on."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    if multirun and "n_jobs" in hydra_cfg.launcher:  # the joblib launcher's jobs run side by side
        keep_share_of_cores(parallel_jobs(int(hydra_cfg.launcher.n_jobs or 1)))
    parent = parent_run_id_for(hydra_cfg.sweep.dir) if multirun else None
    try:
        return float(train_once(cfg, parent).get("silhouette", float("nan")))
    except Exception as err:  # noqa: BLE001 - a sweep must survive any job's failure
        user_error = as_user_error(err)
        message = f"{user_error}" if user_error else f"{type(err).__name__}: {err}"
        print(f"error: {message}", file=sys.stderr)
        if multirun:
            return float("nan")
        raise SystemExit(EXIT_USER_ERROR if user_error else 1) from None


def train_once(cfg: DictConfig, parent_run_id: str | None = None) -> dict:
    """One tracked training run (its metrics and run id); with `stability.enabled`, the
    maintenance study in the same run."""
    # imported here, not at the top: a sweep's own process (joblib launcher) fits nothing, and only
    # runs with stability.enabled need the study's stack
    from segmentation.models.run import train

    measure = None
    if cfg.stability.enabled:
        from segmentation.maintenance.run import measure_in_training_run as measure
    with tempfile.TemporaryDirectory() as scratch:
        trained = train(cfg, Path(scratch), parent_run_id, measure)
    return {**trained.metrics, "run_id": trained.run_id}


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float:
    cli(check)(cfg)  # a bad value stops the run, or the whole sweep, with one line (exit 2)
    return run_job(cfg)


if __name__ == "__main__":
    main()
