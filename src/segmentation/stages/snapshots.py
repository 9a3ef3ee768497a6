"""Stage `snapshots`: features at the baseline and at every snapshot of the plan after it.

`python -m segmentation.stages.snapshots [baseline|J+1|M+3...]` writes, for every snapshot of
the plan (`cutoffs.snapshot_plan`: the baseline, `auto` or a date, then the offsets the data
covers, the last one possibly partial), or the one named, its feature table (every feature,
plus `is_new`: the customer had no purchase before the baseline cutoff; with feature set
rfm_interests, the interest features as of that cutoff) and a small report,
through the catalog. Snapshots not in the plan are removed, so the folder matches it.
"""

from __future__ import annotations

import sys
import time

import pandas as pd
from omegaconf import DictConfig

from segmentation.catalog import Catalog, write_frame, write_json
from segmentation.cutoffs import BASELINE, SnapshotCut, data_span, lines_per_period, snapshot_names, snapshot_plan
from segmentation.engines.connect import connection, on_spark
from segmentation.errors import UserError
from segmentation.features import features_from_file, with_membership
from segmentation.interests.tables import add_interests
from segmentation.stages import run_stage


def _table(cfg: DictConfig, catalog: Catalog, cut: SnapshotCut) -> pd.DataFrame:
    """Every feature as of the cut, with the interest features when the feature set asks for them."""
    on_engine = connection(cfg) if on_spark(cfg) else None  # Spark: one session for every snapshot
    table = add_interests(cfg, features_from_file(catalog.clean, cut.cutoff, on_engine), cut.cutoff)
    if cut.name == BASELINE:
        return table.assign(is_new=False)
    baseline_path = catalog.snapshot(BASELINE)
    if not baseline_path.is_file():
        raise UserError(f"{baseline_path} not found. Fix: build the baseline first "
                        "(`python -m segmentation.stages.snapshots baseline`).")
    return with_membership(table, pd.read_parquet(baseline_path, columns=["customer_id"])["customer_id"])


def build(cfg: DictConfig, cut: SnapshotCut, baseline: pd.Timestamp, new_lines: int) -> dict:
    """One snapshot's table and report. `new_lines`: cleaned lines since the previous snapshot's
    cutoff (for the baseline, before it); none after the baseline means it repeats the previous."""
    started = time.perf_counter()
    catalog = Catalog(cfg)
    table = _table(cfg, catalog, cut)
    write_frame(table, catalog.snapshot(cut.name))
    report = {"cutoff": f"{cut.cutoff:%Y-%m-%d}", "days_after_baseline": int((cut.cutoff - baseline).days),
              "customers": int(len(table)), "existing_customers": int((~table["is_new"]).sum()),
              "new_customers": int(table["is_new"].sum()), "label": cut.label, "partial": bool(cut.partial),
              "new_lines": int(new_lines), "no_new_data": bool(cut.name != BASELINE and new_lines == 0)}
    write_json(catalog.snapshot_report(cut.name), report)
    repeat = "; no new data: repeats the previous snapshot" if report["no_new_data"] else ""
    print(f"snapshot {cut.label}: {report['customers']:,} customers as of {report['cutoff']} "
          f"({report['new_customers']:,} new, {report['new_lines']:,} new lines{repeat}) "
          f"in {time.perf_counter() - started:.1f}s")
    return report


def _check_name(cfg: DictConfig, name: str, plan: dict[str, SnapshotCut], last) -> None:
    if name in plan:
        return
    if name in snapshot_names(cfg.snapshots.offsets):
        raise UserError(f"snapshot '{name}' starts after the end of the data (last line {last:%Y-%m-%d}), so it is "
                        f"not built. Fix: use one of {list(plan)}.")
    raise UserError(f"snapshot '{name}' is not configured. Fix: use one of {list(plan)}.")


def run(cfg: DictConfig, name: str | None = None) -> dict:
    """Every snapshot of the plan (stale ones removed), or only `name`."""
    catalog = Catalog(cfg)
    span = data_span(catalog.clean)
    plan = snapshot_plan(cfg.snapshots, span)
    if name is not None:
        _check_name(cfg, name, plan, span[1])
    counts = dict(zip(plan, lines_per_period(catalog.clean, [cut.cutoff for cut in plan.values()])))
    baseline = plan[BASELINE].cutoff
    if name is not None:
        return build(cfg, plan[name], baseline, counts[name])
    reports = {each: build(cfg, cut, baseline, counts[each]) for each, cut in plan.items()}
    wanted = {catalog.snapshot(each) for each in plan} | {catalog.snapshot_report(each) for each in plan}
    for stale in set(catalog.snapshot_files()) - wanted:
        stale.unlink()
    return reports


if __name__ == "__main__":
    if len(sys.argv) > 2:
        raise SystemExit("usage: python -m segmentation.stages.snapshots [baseline|<offset>]")
    run_stage(lambda cfg: run(cfg, sys.argv[1] if len(sys.argv) == 2 else None))
