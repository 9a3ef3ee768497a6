"""Stage `stability`: the maintenance curve and refresh recommendation for the default config."""

from __future__ import annotations

import time

from omegaconf import DictConfig

from segmentation.catalog import Catalog, write_frame
from segmentation.maintenance import outputs
from segmentation.maintenance.snapshot_tables import measure
from segmentation.stages import run_stage
from segmentation.tracking.runs import log_maintenance
from segmentation.tracking.runs import run as tracked_run


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    catalog = Catalog(cfg)
    with tracked_run(cfg, tags={"segmentation.role": "stability"}):
        result = measure(cfg, sensitivity=cfg.stability.sensitivity)
        log_maintenance(result, outputs.write(result, catalog.stability))
        write_frame(result["current"], catalog.stability_output("current_assignments.parquet"))
    print(f"stability ({result['summary']['curve']}, {time.perf_counter() - started:.1f}s):\n{outputs.as_text(result)}")
    return result["summary"]


if __name__ == "__main__":
    run_stage(run)
