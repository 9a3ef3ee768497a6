"""Stage `stability`: the maintenance curve and refresh recommendation for the default config.

The current assignments (the latest snapshot's customers, by `stability.strategy`) come from
the study's own fits, numbered after its baseline model; they are renumbered to the train
stage's segments (the ids reports/segments.csv names) by the Hungarian method over the
customers both place, so every customer-level file uses one numbering. The baseline's own segments are written in
that same numbering (baseline_assignments.parquet): the value stage's movement reads both."""

from __future__ import annotations

import time

import pandas as pd
from omegaconf import DictConfig

from segmentation.assignment import in_numbering_of, matching_ids, renumber
from segmentation.catalog import Catalog, require, write_frame
from segmentation.dvc_metrics import write_metrics
from segmentation.maintenance import outputs
from segmentation.maintenance.snapshot_tables import measure
from segmentation.stages import run_stage
from segmentation.tracking.runs import log_maintenance
from segmentation.tracking.runs import run as tracked_run


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    catalog = Catalog(cfg)
    train_ids = pd.read_parquet(require(catalog.train_output("assignments.parquet"), "the train stage's segments",
                                        "run `dvc repro train` first"), columns=["customer_id", "cluster"])
    with tracked_run(cfg, tags={"segmentation.role": "stability"}):
        result = measure(cfg, sensitivity=cfg.stability.sensitivity)
        current, same = in_numbering_of(result["current"], train_ids)
        # the baseline's segments in the same numbering as the current ones (the value stage's movement)
        mapping = matching_ids(result["current"].set_index("customer_id")["segment"],
                               train_ids.set_index("customer_id")["cluster"])
        write_frame(renumber(result["baseline"], mapping), catalog.stability_output("baseline_assignments.parquet"))
        log_maintenance(result, outputs.write(result, catalog.stability))
        write_frame(current, catalog.stability_output("current_assignments.parquet"))
        write_metrics(catalog.stability_metrics, {**result["summary"], "current_same_segment_as_train": same})
    print(f"stability ({result['summary']['curve']}, {time.perf_counter() - started:.1f}s):\n{outputs.as_text(result)}\n"
          f"  current assignments ({len(current):,} customers, strategy {cfg.stability.strategy}) numbered as the "
          f"train stage's segments; {same:.1%} of customers in both are in the same segment")
    return result["summary"]


if __name__ == "__main__":
    run_stage(run)
