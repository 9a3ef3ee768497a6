"""Stage `assign_latest`: the latest snapshot's customers in the champion's segments.

Depends on `reports/champion.json`, which `python -m segmentation.select` rewrites, so a new
champion makes `dvc repro` refresh the assignments. Until a champion is registered (a fresh
clone), the pipeline's own model (stage `train`) is used, and the output says so.
"""

from __future__ import annotations

import json

import pandas as pd
from omegaconf import DictConfig

from segmentation.assign import assign_features, load_champion, write_table
from segmentation.config import resolve
from segmentation.errors import UserError
from segmentation.stages import run_stage


def default_model(cfg: DictConfig):
    """The training stage's pipeline with the report's segment names."""
    import mlflow

    from segmentation.serving import SegmentModel
    from segmentation.tracking import setup

    run_file, names_file = resolve(cfg.paths.train_run), resolve(cfg.paths.segment_names)
    if not run_file.is_file() or not names_file.is_file():
        raise UserError("no champion and no trained default model. Fix: run `dvc repro train report` first.")
    setup(cfg)
    run_id = run_file.read_text().strip()
    model = SegmentModel()
    model.pipeline = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    model.columns = list(cfg.features.columns)
    names = pd.read_csv(names_file)
    model.names = dict(zip(names["cluster"].astype(int), names["name"]))
    return model, f"the pipeline's default model (run {run_id}): no champion registered yet, run `segmentation.select`"


def run(cfg: DictConfig) -> pd.DataFrame:
    champion = json.loads(resolve(cfg.paths.champion).read_text())
    latest = str(list(cfg.snapshots.offsets)[-1])
    table = pd.read_parquet(resolve(cfg.paths.snapshots) / f"{latest}.parquet")
    try:
        if not champion.get("version"):
            raise UserError("no champion yet")
        model, described = load_champion(cfg)
    except UserError:
        model, described = default_model(cfg)
    result = assign_features(table, model).assign(snapshot=latest, is_new=table["is_new"].to_numpy())
    write_table(result, resolve(cfg.paths.assignments_latest))
    print(f"assign_latest: {len(result):,} customers of snapshot {latest} with {described}")
    return result


if __name__ == "__main__":
    run_stage(run)
