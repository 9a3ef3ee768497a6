"""Hydra command: train one segmentation and track it in MLflow.

    python -m segmentation.train model=gmm model.n_clusters=5
    python -m segmentation.train -m features=rfm,rfm_extras model=kmeans,gmm 'model.n_clusters=range(2,11)'
    python -m segmentation.train experiment=grid             # the design card's full grid (84 runs)

The DVC stage `train` calls the same `tracked_training(cfg)` with params.yaml. `--help` prints
the usage, examples and every key (conf/config.yaml, hydra.help).
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from segmentation.errors import EXIT_USER_ERROR, as_user_error, cli
from segmentation.project import project_root
from segmentation.tracking.runs import parent_run_id_for
from segmentation.tracking.training_run import tracked_training
from segmentation.validation import check


def run_job(cfg: DictConfig) -> float:
    """Hydra task: in a multirun a failing job is logged (FAILED run) and the sweep goes on."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    parent = parent_run_id_for(hydra_cfg.sweep.dir) if multirun else None
    try:
        return float(tracked_training(cfg, parent_run_id=parent).get("silhouette", float("nan")))
    except Exception as err:  # noqa: BLE001 - a sweep must survive any job's failure
        user_error = as_user_error(err)
        message = f"{user_error}" if user_error else f"{type(err).__name__}: {err}"
        print(f"error: {message}", file=sys.stderr)
        if multirun:
            return float("nan")
        raise SystemExit(EXIT_USER_ERROR if user_error else 1) from None


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float:
    cli(check)(cfg)  # a bad value stops the run, or the whole sweep, with one line (exit 2)
    return run_job(cfg)


if __name__ == "__main__":
    main()
