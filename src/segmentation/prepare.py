"""Hydra entry for the data steps: `python -m segmentation.prepare data=online_retail_ii`.

Runs generate, ingest and clean with the composed `conf/` (the DVC stages run the same
functions with params.yaml)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from segmentation.cleaning.run import run as clean
from segmentation.common.errors import cli
from segmentation.common.project import project_root
from segmentation.common.validation import check
from segmentation.data.run import run as ingest
from segmentation.data.synthetic.run import run as generate


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli  # inside hydra.main, so a UserError exits 2 with one line instead of Hydra's traceback
def main(cfg: DictConfig) -> None:
    check(cfg)
    generate(cfg)
    ingest(cfg)
    clean(cfg)


if __name__ == "__main__":
    main()
