"""The snapshot feature tables the maintenance study reads, and the study run on them.

Tables come from the snapshots stage (through the catalog), or from a folder of precomputed
per-customer tables (`stability.precomputed`: baseline.csv, J+1.csv, ...), whose cutoffs
follow `snapshots.baseline` and the offsets exactly as the snapshots stage computes them.
"""

from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, read_json, user_path
from segmentation.cutoffs import BASELINE, snapshot_names, snapshot_plan
from segmentation.errors import UserError
from segmentation.features import read_precomputed, with_membership
from segmentation.maintenance.study import temporal_stability


def _precomputed(cfg: DictConfig, folder) -> tuple[dict, dict, dict]:
    plan = snapshot_plan(cfg.snapshots)
    baseline = plan[BASELINE]
    tables, days, cutoffs = {}, {}, {}
    for name, cutoff in plan.items():
        path = next((p for p in (folder / f"{name}.parquet", folder / f"{name}.csv") if p.is_file()), None)
        if path is None:
            raise UserError(f"precomputed snapshot '{name}' not found in {folder} (looked for {name}.csv and "
                            f"{name}.parquet). Fix: add it or set snapshots.offsets to the tables you have.")
        tables[name] = read_precomputed(path, cfg.features.id_column or "customer_id", list(cfg.features.columns))
        days[name], cutoffs[name] = int((cutoff - baseline).days), f"{cutoff:%Y-%m-%d}"
    existing = tables[BASELINE]["customer_id"]
    tables = {name: with_membership(table, existing) for name, table in tables.items()}
    return tables, days, cutoffs


def load_snapshots(cfg: DictConfig) -> tuple[dict, dict, dict]:
    """(tables, days after baseline, cutoffs) for baseline and every configured offset."""
    if cfg.stability.precomputed:
        return _precomputed(cfg, user_path(cfg.stability.precomputed))
    catalog = Catalog(cfg)
    tables, days, cutoffs = {}, {}, {}
    for name in snapshot_names(cfg.snapshots.offsets):
        path, report = catalog.snapshot(name), catalog.snapshot_report(name)
        if not path.is_file() or not report.is_file():
            raise UserError(f"snapshot '{name}' has not been built ({path}). Fix: run `dvc repro snapshots` "
                            "(or set stability.precomputed).")
        tables[name] = pd.read_parquet(path)
        meta = read_json(report)
        days[name], cutoffs[name] = int(meta["days_after_baseline"]), meta["cutoff"]
    return tables, days, cutoffs


def measure(cfg: DictConfig) -> dict:
    """The study on the configured snapshots (see `study.temporal_stability`)."""
    tables, days, cutoffs = load_snapshots(cfg)
    return temporal_stability(tables, days, cutoffs, OmegaConf.to_container(cfg.features, resolve=True),
                              OmegaConf.to_container(cfg.model, resolve=True),
                              OmegaConf.to_container(cfg.stability, resolve=True), int(cfg.seed))
