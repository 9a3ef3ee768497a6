"""Stage `snapshots`: features at the baseline and at every configured offset after it.

`python -m segmentation.stages.snapshots [baseline|J+1|M+3...]` writes, for every snapshot
(or the one named), its feature table (every feature, plus `is_new`: the customer had no
purchase before the baseline cutoff) and a small report, through the catalog. Snapshots no
longer configured are removed, so the folder matches `snapshots.offsets`.
"""

from __future__ import annotations

import sys
import time

import pandas as pd
from omegaconf import DictConfig

from segmentation.catalog import Catalog, write_frame, write_json
from segmentation.cutoffs import BASELINE, data_span, snapshot_plan
from segmentation.errors import UserError
from segmentation.features import features_from_file, with_membership
from segmentation.stages import run_stage


def build(cfg: DictConfig, name: str, plan: dict[str, pd.Timestamp]) -> dict:
    """One snapshot's table and report."""
    started = time.perf_counter()
    catalog = Catalog(cfg)
    baseline, cutoff = plan[BASELINE], plan[name]
    table = features_from_file(catalog.clean, cutoff)
    if name == BASELINE:
        table = table.assign(is_new=False)
    else:
        baseline_path = catalog.snapshot(BASELINE)
        if not baseline_path.is_file():
            raise UserError(f"{baseline_path} not found. Fix: build the baseline first "
                            "(`python -m segmentation.stages.snapshots baseline`).")
        table = with_membership(table, pd.read_parquet(baseline_path, columns=["customer_id"])["customer_id"])
    write_frame(table, catalog.snapshot(name))
    report = {"cutoff": f"{cutoff:%Y-%m-%d}", "days_after_baseline": int((cutoff - baseline).days),
              "customers": int(len(table)), "existing_customers": int((~table["is_new"]).sum()),
              "new_customers": int(table["is_new"].sum())}
    write_json(catalog.snapshot_report(name), report)
    print(f"snapshot {name}: {report['customers']:,} customers as of {report['cutoff']} "
          f"({report['new_customers']:,} new) in {time.perf_counter() - started:.1f}s")
    return report


def run(cfg: DictConfig, name: str | None = None) -> dict:
    """Every configured snapshot (stale ones removed), or only `name`."""
    catalog = Catalog(cfg)
    plan = snapshot_plan(cfg.snapshots, data_span(catalog.clean))
    if name is not None:
        if name not in plan:
            raise UserError(f"snapshot '{name}' is not configured. Fix: use one of {list(plan)}.")
        return build(cfg, name, plan)
    reports = {each: build(cfg, each, plan) for each in plan}
    wanted = {catalog.snapshot(each) for each in plan} | {catalog.snapshot_report(each) for each in plan}
    for stale in set(catalog.snapshot_files()) - wanted:
        stale.unlink()
    return reports


if __name__ == "__main__":
    if len(sys.argv) > 2:
        raise SystemExit("usage: python -m segmentation.stages.snapshots [baseline|<offset>]")
    run_stage(lambda cfg: run(cfg, sys.argv[1] if len(sys.argv) == 2 else None))
