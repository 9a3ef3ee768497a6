"""Stage `stability`: the maintenance curve and refresh recommendation for the default config."""

from __future__ import annotations

import time

from omegaconf import DictConfig

from segmentation import stability_io
from segmentation.config import resolve
from segmentation.io import atomic_path
from segmentation.stages import run_stage
from segmentation.tracking import run as tracked_run


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    folder = resolve(cfg.paths.stability)
    with tracked_run(cfg, tags={"segmentation.role": "stability"}):
        result = stability_io.measure(cfg)
        stability_io.log(result, folder)
        with atomic_path(folder / "current_assignments.parquet") as tmp:
            result["current"].to_parquet(tmp, index=False)
    summary = result["summary"]
    print(f"stability: {summary['recommendation']} (curve {summary['curve']}, "
          f"{time.perf_counter() - started:.1f}s)")
    return summary


if __name__ == "__main__":
    run_stage(run)
