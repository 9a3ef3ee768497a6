"""Hydra entry for the data steps: `python -m segmentation.prepare data=online_retail_ii`.

Runs generate, ingest and clean with the composed `conf/` (the DVC stages run the same
functions with params.yaml)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from segmentation.config import project_root
from segmentation.errors import cli
from segmentation.stages import clean, generate, ingest


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli  # inside hydra.main, so a UserError exits 2 with one line instead of Hydra's traceback
def main(cfg: DictConfig) -> None:
    generate.run(cfg)
    ingest.run(cfg)
    clean.run(cfg)


if __name__ == "__main__":
    main()
