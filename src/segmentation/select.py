"""Hydra command: pick the champion of a sweep, register it, set the alias `champion`.

    python -m segmentation.select                          # the latest sweep with a FINISHED run
    python -m segmentation.select select.parent_run_id=<id> select.metric=calinski_harabasz
    python -m segmentation.select select.min_bootstrap_ari=0.5 select.min_refresh_interval_months=null

Prints why the winner won: every candidate with its metric and each constraint passed or failed
(`serving.run.select`).
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from segmentation.common.errors import cli
from segmentation.common.project import project_root
from segmentation.common.validation import check
from segmentation.serving.run import select


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli
def main(cfg: DictConfig) -> None:
    select(check(cfg))


if __name__ == "__main__":
    main()
