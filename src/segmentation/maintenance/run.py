"""Stage `stability`: the maintenance curve and refresh recommendation for the default config
(`record` puts it in MLflow, from the final stage); and the same study inside a training run
(`measure_in_training_run`, with `stability.enabled`).

The current assignments (the latest snapshot's customers, by `stability.strategy`) come from
the study's own fits, numbered after its baseline model; they are renumbered to the train
stage's segments (the ids reports/segments.csv names) by the Hungarian method over the
customers both place, so every customer-level file uses one numbering. The baseline's own
segments are written in that same numbering (baseline_assignments.parquet): the value stage's movement reads both."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig

from segmentation.common.catalog import Catalog, file_digest, require, write_frame
from segmentation.common.dvc_metrics import write_metrics
from segmentation.maintenance import study_files
from segmentation.maintenance.snapshot_tables import measure
from segmentation.models.fitting import TrainingResult
from segmentation.models.segment_ids import in_numbering_of, matching_ids, renumber
from segmentation.tracking.records import recorded_before
from segmentation.tracking.runs import log_maintenance
from segmentation.tracking.runs import run as tracked_run


def run(cfg: DictConfig) -> dict:
    """Stage `stability`: the study on the snapshots, its files and metrics, and the current and
    baseline assignments in the train stage's numbering."""
    started = time.perf_counter()
    catalog = Catalog(cfg)
    train_ids = pd.read_parquet(require(catalog.train_output("assignments.parquet"), "the train stage's segments",
                                        "run `dvc repro train` first"), columns=["customer_id", "cluster"])
    result = measure(cfg, sensitivity=cfg.stability.sensitivity)
    current, same = in_numbering_of(result["current"], train_ids)
    # the baseline's segments in the same numbering as the current ones (the value stage's movement)
    mapping = matching_ids(result["current"].set_index("customer_id")["segment"],
                           train_ids.set_index("customer_id")["cluster"])
    write_frame(renumber(result["baseline"], mapping), catalog.stability_output("baseline_assignments.parquet"))
    study_files.write(result, catalog.stability)
    write_frame(current, catalog.stability_output("current_assignments.parquet"))
    write_metrics(catalog.stability_metrics, {**result["summary"], "current_same_segment_as_train": same})
    print(f"stability ({result['summary']['curve']}, {time.perf_counter() - started:.1f}s):\n{study_files.as_text(result)}\n"
          f"  current assignments ({len(current):,} customers, strategy {cfg.stability.strategy}) numbered as the "
          f"train stage's segments; {same:.1%} of customers in both are in the same segment")
    return result["summary"]


def record(cfg: DictConfig) -> None:
    """The study in MLflow: a run of role `stability` with the curve per day, the summary's numbers,
    the verdict and the files; once per result (a rerun of a later stage adds no duplicate)."""
    catalog = Catalog(cfg)
    files = [catalog.stability_output(name) for name in study_files.FILES]
    digest = file_digest(*files)
    if recorded_before(cfg, "stability", digest):
        return
    with tracked_run(cfg, tags={"segmentation.role": "stability", "recorded": digest}):
        log_maintenance(study_files.read(catalog.stability), files)


def measure_in_training_run(cfg: DictConfig, result: TrainingResult, folder: Path, in_sweep: bool) -> dict:
    """The study for a training run's own config, logged into that run: it reads the cached
    snapshot tables and its noise band reuses the run's bootstrap resamples. Alone it prints the
    whole study; in a sweep one line per job (the sweep's leaderboard gathers the verdicts)."""
    started = time.perf_counter()
    study = measure(cfg, bootstrap_aris=result.bootstrap_aris, sensitivity=cfg.stability.sensitivity_in_runs)
    log_maintenance(study, study_files.write(study, folder / "stability"))
    print(f"stability: {study['summary']['headline']}" if in_sweep else study_files.as_text(study))
    numbers = {k: v for k, v in study["summary"].items() if isinstance(v, (int, float))}
    return {**numbers, "stability_seconds": time.perf_counter() - started}
