"""Stage `train`: the default segmentation, tracked in MLflow, with its outputs for DVC."""

from __future__ import annotations

from omegaconf import DictConfig

from segmentation.config import resolve
from segmentation.stages import run_stage
from segmentation.train import train


def run(cfg: DictConfig) -> dict:
    return train(cfg, outputs=resolve(cfg.paths.train))


if __name__ == "__main__":
    run_stage(run)
