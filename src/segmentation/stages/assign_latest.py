"""Stage `assign_latest`: the latest snapshot's customers in the champion's segments.

Depends on the champion file, which `python -m segmentation.select` rewrites, so a new
champion makes `dvc repro` refresh the assignments. Until a champion is registered (a fresh
clone), the pipeline's own model (stage `train`) is used, and the output says so.
"""

from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig

from segmentation.assignment import assign_features
from segmentation.catalog import Catalog, read_json, write_frame
from segmentation.cutoffs import data_span, latest_snapshot
from segmentation.errors import UserError
from segmentation.registry import load_champion, load_trained_default
from segmentation.stages import run_stage


def run(cfg: DictConfig) -> pd.DataFrame:
    catalog = Catalog(cfg)
    champion = read_json(catalog.champion)
    latest = latest_snapshot(cfg.snapshots, data_span(catalog.clean))
    table = pd.read_parquet(catalog.snapshot(latest))
    try:
        if not champion.get("version"):
            raise UserError("no champion yet")
        model, described = load_champion(cfg)
    except UserError:
        model, described = load_trained_default(cfg)
    result = assign_features(table, model).assign(snapshot=latest, is_new=table["is_new"].to_numpy())
    write_frame(result, catalog.assignments_latest)
    print(f"assign_latest: {len(result):,} customers of snapshot {latest} with {described}")
    return result


if __name__ == "__main__":
    run_stage(run)
