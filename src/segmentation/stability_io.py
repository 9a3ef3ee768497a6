"""Edges of the stability computation: snapshot tables in, curve figure, files and MLflow out."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.config import resolve
from segmentation.errors import UserError
from segmentation.features import offset_cutoff, read_precomputed
from segmentation.io import atomic_path, write_json
from segmentation.stability import temporal_stability


def load_snapshots(cfg: DictConfig) -> tuple[dict, dict, dict]:
    """(tables, days after baseline, cutoffs) for baseline and every configured offset."""
    names = ["baseline", *map(str, cfg.snapshots.offsets)]
    tables, days, cutoffs = {}, {}, {}
    folder = cfg.stability.get("precomputed")
    if folder:
        folder = resolve(folder)
        baseline = pd.Timestamp(str(cfg.snapshots.baseline))
        for name in names:
            path = next((p for p in (folder / f"{name}.parquet", folder / f"{name}.csv") if p.is_file()), None)
            if path is None:
                raise UserError(f"precomputed snapshot '{name}' not found in {folder} (looked for {name}.csv and "
                                f"{name}.parquet). Fix: add it or set snapshots.offsets to the tables you have.")
            tables[name] = read_precomputed(path, cfg.features.get("id_column") or "customer_id",
                                            list(cfg.features.columns))
            cutoff = baseline if name == "baseline" else offset_cutoff(baseline, name)
            days[name], cutoffs[name] = int((cutoff - baseline).days), f"{cutoff:%Y-%m-%d}"
        existing = set(tables["baseline"]["customer_id"])
        for name, table in tables.items():
            table["is_new"] = ~table["customer_id"].isin(existing)
        return tables, days, cutoffs
    folder, reports = resolve(cfg.paths.snapshots), resolve(cfg.paths.snapshots_report)
    for name in names:
        path, report = folder / f"{name}.parquet", reports / f"{name}.json"
        if not path.is_file() or not report.is_file():
            raise UserError(f"snapshot '{name}' has not been built ({path}). Fix: run `dvc repro snapshots` "
                            "(or set stability.precomputed).")
        tables[name] = pd.read_parquet(path)
        meta = json.loads(report.read_text())
        days[name], cutoffs[name] = int(meta["days_after_baseline"]), meta["cutoff"]
    return tables, days, cutoffs


def measure(cfg: DictConfig) -> dict:
    tables, days, cutoffs = load_snapshots(cfg)
    return temporal_stability(tables, days, cutoffs, OmegaConf.to_container(cfg.features, resolve=True),
                              OmegaConf.to_container(cfg.model, resolve=True),
                              OmegaConf.to_container(cfg.stability, resolve=True), int(cfg.seed))


def write(result: dict, folder: Path) -> list[Path]:
    """curve.png, stability.csv and stability.json into `folder`."""
    from segmentation.plots.stability import stability_curve

    table = result["table"].assign(new_by_segment=lambda t: t["new_by_segment"].map(json.dumps))
    stability_curve(result["table"], result["summary"], folder / "curve.png")
    with atomic_path(folder / "stability.csv") as tmp:
        table.to_csv(tmp, index=False)
    write_json(folder / "stability.json", result["summary"])
    return [folder / "curve.png", folder / "stability.csv", folder / "stability.json"]


def log(result: dict, folder: Path) -> None:
    """Into the active MLflow run: ari_temporal per day, summary metrics, the files."""
    import mlflow

    curve = result["summary"]["curve"]
    for _, row in result["table"].iterrows():
        if pd.notna(row.get(f"ari_{curve}")):
            mlflow.log_metric("ari_temporal", float(row[f"ari_{curve}"]), step=int(row["days"]))
    numbers = {k: float(v) for k, v in result["summary"].items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    mlflow.log_metrics(numbers)
    mlflow.set_tag("refresh_recommendation", result["summary"]["recommendation"])
    for path in write(result, folder):
        mlflow.log_artifact(str(path), artifact_path="stability")
