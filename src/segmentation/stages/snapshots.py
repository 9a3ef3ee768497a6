"""Stage `snapshots`: features at the baseline and at every configured offset after it.

`python -m segmentation.stages.snapshots [baseline|J+1|M+3...]` writes, for every snapshot
(or the one named), `<paths.snapshots>/<name>.parquet` (every feature, plus `is_new`: the
customer had no purchase before the baseline cutoff) and `<paths.snapshots_report>/<name>.json`.
Snapshots no longer configured are removed, so the folder matches `snapshots.offsets`.
"""

from __future__ import annotations

import sys
import time

import pandas as pd
from omegaconf import DictConfig

from segmentation.config import resolve
from segmentation.errors import UserError
from segmentation.features import features_from_file, offset_cutoff
from segmentation.io import atomic_path, write_json
from segmentation.stages import run_stage
from segmentation.stages.features import data_span, resolve_cutoff

BASELINE = "baseline"


def snapshot_cutoff(cfg: DictConfig, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(baseline cutoff, this snapshot's cutoff)."""
    first, last = data_span(resolve(cfg.paths.clean))
    baseline = resolve_cutoff(cfg.snapshots.baseline, first, last, "snapshots.baseline")
    if name == BASELINE:
        return baseline, baseline
    if name not in list(cfg.snapshots.offsets):
        raise UserError(f"snapshot '{name}' is not configured. Fix: use baseline or one of {list(cfg.snapshots.offsets)}.")
    return baseline, offset_cutoff(baseline, name)


def with_membership(table: pd.DataFrame, baseline_ids: pd.Series) -> pd.DataFrame:
    """Mark customers with no purchase before the baseline as new."""
    return table.assign(is_new=~table["customer_id"].isin(set(baseline_ids)))


def run(cfg: DictConfig, name: str) -> dict:
    started = time.perf_counter()
    baseline, cutoff = snapshot_cutoff(cfg, name)
    folder = resolve(cfg.paths.snapshots)
    table = features_from_file(resolve(cfg.paths.clean), cutoff)
    if name == BASELINE:
        table = table.assign(is_new=False)
    else:
        baseline_path = folder / f"{BASELINE}.parquet"
        if not baseline_path.is_file():
            raise UserError(f"{baseline_path} not found. Fix: build the baseline first "
                            "(`python -m segmentation.stages.snapshots baseline`).")
        table = with_membership(table, pd.read_parquet(baseline_path, columns=["customer_id"])["customer_id"])
    with atomic_path(folder / f"{name}.parquet") as tmp:
        table.to_parquet(tmp, index=False)
    report = {"cutoff": f"{cutoff:%Y-%m-%d}", "days_after_baseline": int((cutoff - baseline).days),
              "customers": int(len(table)), "existing_customers": int((~table["is_new"]).sum()),
              "new_customers": int(table["is_new"].sum())}
    write_json(resolve(cfg.paths.snapshots_report) / f"{name}.json", report)
    print(f"snapshot {name}: {report['customers']:,} customers as of {report['cutoff']} "
          f"({report['new_customers']:,} new) in {time.perf_counter() - started:.1f}s")
    return report


def run_all(cfg: DictConfig) -> dict:
    names = [BASELINE, *map(str, cfg.snapshots.offsets)]
    reports = {name: run(cfg, name) for name in names}
    for folder, suffix in ((resolve(cfg.paths.snapshots), ".parquet"), (resolve(cfg.paths.snapshots_report), ".json")):
        for stale in folder.glob(f"*{suffix}"):
            if stale.name[: -len(suffix)] not in names:
                stale.unlink()
    return reports


if __name__ == "__main__":
    if len(sys.argv) > 2:
        raise SystemExit("usage: python -m segmentation.stages.snapshots [baseline|<offset>]")
    run_stage(lambda cfg: run(cfg, sys.argv[1]) if len(sys.argv) == 2 else run_all(cfg))
