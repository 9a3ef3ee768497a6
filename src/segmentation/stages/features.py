"""Stage `features`: every customer feature as of `features.cutoff` (or a precomputed table)."""

from __future__ import annotations

import time

from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, write_frame, write_json
from segmentation.customer_tables import customer_table
from segmentation.features import ALL_FEATURES
from segmentation.preprocess import select_features
from segmentation.stages import run_stage


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    catalog = Catalog(cfg)
    table, cutoff = customer_table(cfg)
    _, selection = select_features(table, OmegaConf.to_container(cfg.features, resolve=True))
    write_frame(table, catalog.features)
    present = [c for c in ALL_FEATURES if c in table.columns]
    report = {"cutoff": cutoff, "cutoff_config": cfg.features.cutoff,
              "precomputed": cfg.features.precomputed, **selection,
              "median": {c: round(float(table[c].median()), 2) for c in present}}
    write_json(catalog.features_report, report)
    print(f"features: {len(table):,} customers as of {cutoff} ({wholesaler_words(cfg.features.wholesalers, selection)} "
          f"by the current config) in {time.perf_counter() - started:.1f}s")
    return report


def wholesaler_words(policy: str, selection: dict) -> str:
    """What `features.wholesalers` (`policy`) does to the accounts above the threshold, counted:
    removed (drop; keep: 0 removed) or set apart (separate)."""
    if policy == "separate":
        return f"{selection['wholesalers_separated']} wholesalers set apart as their own segment"
    return f"{selection['wholesalers_removed']} wholesalers removed"


if __name__ == "__main__":
    run_stage(run)
