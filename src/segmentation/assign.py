"""Hydra command: place customers in the champion's segments.

    python -m segmentation.assign data=transactions data.path=new.csv [assign.as_of=2012-01-01]
        [assign.output=reports/assignments.parquet] [assign.previous=reports/assignments_2024-Q1.csv]

Reads transactions in any supported format and mapping, cleans them with the configured
rules, computes features as of the date (default: the day after the last line) with the
champion's own feature set, loads `models:/<name>@champion` and writes customer id, segment
id and segment name (CSV or parquet, by the output's extension). New customers are assigned
like known ones; for an HDBSCAN champion `assign.noise` (keep | nearest) sets the policy.
A champion trained with `features.wholesalers=separate` puts the customers above its training
wholesaler threshold in its Wholesalers segment without clustering them; with `drop` the model
never saw wholesalers and clusters every customer, as with `keep`.
With `assign.previous` (an earlier output of this command), who moved since that refresh is
written beside the output: <output>_moves.csv, <output>_transitions.csv and .png.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from segmentation.common.errors import cli
from segmentation.common.project import project_root
from segmentation.common.validation import check
from segmentation.serving.run import assign


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli
def main(cfg: DictConfig) -> None:
    check(cfg)
    assign(cfg)


if __name__ == "__main__":
    main()
