"""Command: run one pipeline stage with params.yaml, as `dvc repro` does.

    python -m segmentation.stage clean
    python -m segmentation.stage snapshots baseline      # one snapshot of the plan

Every stage of dvc.yaml runs through here, in the order of the flow below; each is the `run`
function (or the function named after the stage) in its step's `run.py`, the same function
the Hydra commands call with the composed `conf/`. A user error exits 2 with one line.
"""

from __future__ import annotations

import importlib
import sys

#: stage -> "module:function", in the order of the flow (dvc.yaml runs them; scripts/dvc_deps.py reads this)
STAGES = {
    "generate": "segmentation.data.synthetic.run:run",
    "ingest": "segmentation.data.run:run",
    "clean": "segmentation.cleaning.run:run",
    "categories": "segmentation.features.run:categories",
    "features": "segmentation.features.run:customer_features",
    "snapshots": "segmentation.features.run:snapshots",
    "eda": "segmentation.company.run:run",
    "train": "segmentation.models.run:run",
    "stability": "segmentation.maintenance.run:run",
    "value": "segmentation.marketing.run:run",
    "report": "segmentation.reporting.run:run",
    "dashboard": "segmentation.dashboard.run:run",
    "assign_latest": "segmentation.serving.run:run",
}
#: stages that take one optional argument (its name, in the usage line)
ARGUMENTS = {"snapshots": "[baseline|<offset>]"}


def usage() -> str:
    return "usage: python -m segmentation.stage <stage> [argument]\n  stages: " + ", ".join(
        f"{name} {ARGUMENTS[name]}" if name in ARGUMENTS else name for name in STAGES)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in STAGES or len(argv) > 1 + (argv[0] in ARGUMENTS):
        print(usage(), file=sys.stderr)
        return 2
    from segmentation.common.config import load_params
    from segmentation.common.errors import cli

    module, function = STAGES[argv[0]].split(":")
    run = getattr(importlib.import_module(module), function)
    cli(lambda: run(load_params(), *argv[1:]))()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
