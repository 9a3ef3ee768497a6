"""Command: run one pipeline stage with params.yaml, as `dvc repro` does.

    python -m segmentation.stage clean
    python -m segmentation.stage snapshots baseline      # one snapshot of the plan

Every stage of dvc.yaml runs through here, in the order of the flow below; each is the `run`
function (or the function named after the stage) in its step's `run.py`, the same function
the Hydra commands call with the composed `conf/`. The last stage runs several: its work here,
and its records into MLflow (the functions named `record`) after it, in a process beside it that
imported MLflow and opened the store while the work ran. A user error exits 2 with one line.
"""

from __future__ import annotations

import sys

#: stage -> "module:function" (or several, run in order), in the order of the flow
#: (dvc.yaml runs them; scripts/dvc_deps.py reads this)
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
    "monitor": "segmentation.monitoring.run:run",
    # one stage for what management and marketing read, and for every record in MLflow after
    # training (MLflow's import and store cost ~3 s, paid once, beside the work): the report, the
    # dashboard, the latest assignments, then the stability study, the value stage, the monitor's
    # check and both documents in MLflow
    "report": ["segmentation.reporting.run:run", "segmentation.dashboard.run:run", "segmentation.serving.run:run",
               "segmentation.maintenance.run:record", "segmentation.marketing.run:record",
               "segmentation.monitoring.run:record", "segmentation.reporting.run:record",
               "segmentation.dashboard.run:record"],
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
    from segmentation.common.parallel import named

    targets = STAGES[argv[0]]
    targets = [targets] if isinstance(targets, str) else targets
    work = [target for target in targets if not is_record(target)]
    records = [target for target in targets if is_record(target)]

    def run_all() -> None:
        cfg = load_params()
        if not records:
            for function in [named(target) for target in work]:
                function(cfg, *argv[1:])
            return
        from segmentation.common.parallel import call_each, side_pool

        # the records in a process beside the work, which meanwhile imports MLflow and opens its
        # store (~3 s); started before the work's own imports. Named, not imported: the stages
        # without records do not depend on the tracking code (scripts/dvc_deps.py)
        with side_pool(1) as pool:
            ready = pool.submit(call_each, ["segmentation.tracking.records:ready_to_record"], cfg, records)
            for function in [named(target) for target in work]:
                function(cfg, *argv[1:])
            ready.result()
            pool.submit(call_each, records, cfg).result()

    cli(run_all)()
    return 0


def is_record(target: str) -> bool:
    """A function that only records finished files into MLflow (named `record`)."""
    return target.endswith(":record")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
