"""Hydra entry for the data steps: `python -m segmentation.prepare data=online_retail_ii`.

Runs generate, ingest and clean with the composed `conf/` (the DVC stages run the same
functions with params.yaml)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from segmentation.steps.clean import clean_step
from segmentation.steps.generate import generate_step
from segmentation.steps.ingest import ingest_step
from segmentation.errors import cli
from segmentation.project import project_root
from segmentation.validation import check


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli  # inside hydra.main, so a UserError exits 2 with one line instead of Hydra's traceback
def main(cfg: DictConfig) -> None:
    check(cfg)
    generate_step(cfg)
    ingest_step(cfg)
    clean_step(cfg)


if __name__ == "__main__":
    main()
