"""Hydra command: is the deployed segmentation still valid today?

    python -m segmentation.monitor                         # the data up to the day after the last line
    python -m segmentation.monitor monitor.as_of=YYYY-MM-DD
    python -m segmentation.monitor monitor.replay=true     # also replay every month after the baseline

Checks the champion (or, until one is registered, the pipeline's own model) against the data
up to `monitor.as_of`: writes reports/monitor/latest.json, a row of history.csv and an MLflow
run (experiment `monitor.experiment`). Exit status for a scheduler: 0 when the segments hold
(or there is not enough new data yet), `monitor.refresh_exit_code` (3) when a refresh is due,
2 for a user's mistake (one line and its fix).
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from segmentation.common.errors import cli
from segmentation.common.project import project_root
from segmentation.common.validation import check
from segmentation.monitoring.run import exit_status, record, run


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli
def main(cfg: DictConfig) -> None:
    finding = run(check(cfg))
    record(cfg, again=True)
    sys.exit(exit_status(finding, cfg))


if __name__ == "__main__":
    main()
