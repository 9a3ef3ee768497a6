"""Stage `train`: the default segmentation, tracked in MLflow, with its outputs for DVC."""

from __future__ import annotations

from omegaconf import DictConfig

from segmentation.stages import run_stage
from segmentation.tracking.training_run import tracked_training


def run(cfg: DictConfig) -> dict:
    return tracked_training(cfg, write_outputs=True)


if __name__ == "__main__":
    run_stage(run)
