"""Stage `features`: every customer feature as of `features.cutoff` (or a precomputed table)."""

from __future__ import annotations

import time

import duckdb
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.config import resolve
from segmentation.errors import UserError
from segmentation.features import (ALL_FEATURES, default_cutoff, features_from_file, read_precomputed,
                                   select_features)
from segmentation.io import atomic_path, write_json
from segmentation.stages import run_stage


def data_span(clean_path) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last line dates of the cleaned data (parquet statistics, no full scan)."""
    if not clean_path.is_file():
        raise UserError(f"{clean_path} not found. Fix: run the clean stage first (`dvc repro clean`).")
    first, last = duckdb.execute(
        f"SELECT min(invoice_date), max(invoice_date) FROM read_parquet('{clean_path.as_posix()}')").fetchone()
    return pd.Timestamp(first), pd.Timestamp(last)


def resolve_cutoff(value, first: pd.Timestamp, last: pd.Timestamp, key: str) -> pd.Timestamp:
    """A configured cutoff (or the day after the last line), checked against the data span."""
    if value in (None, "", "null"):
        return default_cutoff(last)
    try:
        cutoff = pd.Timestamp(str(value))
    except ValueError:
        raise UserError(f"{key}='{value}' is not a date. Fix: use YYYY-MM-DD, e.g. {key}=2011-01-01.") from None
    if cutoff <= first.normalize():
        raise UserError(f"{key}={cutoff:%Y-%m-%d} is on or before the first line ({first:%Y-%m-%d}): no customer "
                        f"would have a purchase. Fix: choose a date after {first:%Y-%m-%d}.")
    return cutoff


def customer_table(cfg: DictConfig) -> tuple[pd.DataFrame, str]:
    """All features per customer, and the cutoff used (or 'precomputed')."""
    features = cfg.features
    if features.get("precomputed"):
        table = read_precomputed(resolve(features.precomputed), features.get("id_column") or "customer_id",
                                 list(features.columns))
        return table, "precomputed"
    clean_path = resolve(cfg.paths.clean)
    first, last = data_span(clean_path)
    cutoff = resolve_cutoff(features.get("cutoff"), first, last, "features.cutoff")
    table = features_from_file(clean_path, cutoff)
    if table.empty:
        raise UserError(f"no identified customer has a purchase before {cutoff:%Y-%m-%d}. Fix: check features.cutoff.")
    return table, f"{cutoff:%Y-%m-%d}"


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    table, cutoff = customer_table(cfg)
    _, selection = select_features(table, OmegaConf.to_container(cfg.features, resolve=True))
    with atomic_path(resolve(cfg.paths.features)) as tmp:
        table.to_parquet(tmp, index=False)
    present = [c for c in ALL_FEATURES if c in table.columns]
    report = {"cutoff": cutoff, "cutoff_config": cfg.features.get("cutoff"),
              "precomputed": cfg.features.get("precomputed"), **selection,
              "median": {c: round(float(table[c].median()), 2) for c in present}}
    write_json(resolve(cfg.paths.features_report), report)
    print(f"features: {len(table):,} customers as of {cutoff} ({selection['wholesalers_removed']} wholesalers "
          f"removed by the current config) in {time.perf_counter() - started:.1f}s")
    return report


if __name__ == "__main__":
    run_stage(run)
