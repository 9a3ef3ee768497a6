"""Stage `value`: what marketing acts on, for the default segmentation — expected revenue per
customer and segment with its holdout check and the growth plan, classic RFM scores beside the
clusters, movement between the baseline and the current segmentation, and the campaign export.
Its numbers and files are also logged into the training run in MLflow."""

from __future__ import annotations

import time

from omegaconf import DictConfig

from segmentation.catalog import Catalog
from segmentation.marketing import trust
from segmentation.stages import run_stage
from segmentation.steps import value, value_outputs
from segmentation.tracking.runs import log_to_run


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    data = value.inputs(cfg)
    catalog: Catalog = data["catalog"]
    enabled = bool(cfg.value.enabled)
    result = (value.forecast(data["lines"], data["cutoff"], data["segments"], data["names"], cfg.value,
                             cfg.data.currency, int(cfg.seed)) if enabled else
              {"status": trust.NOT_ENOUGH_DATA, "reasons": ["value.enabled is false"],
               "horizon_days": float(cfg.value.horizon_days), "customers": None})
    rfm = value.rfm_beside_clusters(data["features"], data["segments"], data["names"])
    moved = value.movement(cfg, catalog, data["lines"], data["names"])
    table = value_outputs.campaign(data["features"], data["segments"], data["names"], result)
    summary, files = value_outputs.write(catalog, result, rfm, moved, data["names"], table, cfg.data.currency)
    log_to_run(cfg, catalog.train_run, value_outputs.numbers(summary), files, "value")
    print(value_outputs.as_text(summary, cfg.data.currency, time.perf_counter() - started))
    return summary


if __name__ == "__main__":
    run_stage(run)
