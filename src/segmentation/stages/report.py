"""Stage `report`: name the default segmentation's segments and write the management report
(self-contained HTML) and slide deck, also logged into the training run in MLflow."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.config import resolve
from segmentation.errors import UserError
from segmentation.io import atomic_path
from segmentation.naming import name_segments, segment_cards
from segmentation.report import executive_summary, method_note, png, render_html
from segmentation.stages import run_stage

EDA_FIGURES = [("1_sales_per_month", "Sales per month"), ("2_sales_orders_customers_per_year", "Sales, orders and customers per year"),
               ("4_customer_types", "Who the customers are"), ("3_sales_by_country", "Sales by country"),
               ("7_cohort_retention", "How many new customers come back"), ("8_top_products", "Best-selling products")]


def _read(path: Path, what: str):
    if not path.is_file():
        raise UserError(f"{path} not found ({what}). Fix: run `dvc repro` up to the report stage.")
    return json.loads(path.read_text()) if path.suffix == ".json" else path


def build(cfg: DictConfig, folder: Path) -> dict:
    """Every input gathered, every figure drawn into `folder`; returns the context."""
    from segmentation.plots.clusters import projection_map, radar
    from segmentation.plots.segments import importance_heatmap, snake

    train_dir, stability_dir = resolve(cfg.paths.train), resolve(cfg.paths.stability)
    train = _read(train_dir / "train.json", "training metrics")
    profiles = pd.read_csv(_read(train_dir / "cluster_profiles.csv", "cluster profiles"))
    assignments = pd.read_parquet(_read(train_dir / "assignments.parquet", "assignments"))
    points = pd.read_parquet(_read(train_dir / "map.parquet", "map coordinates"))
    table = pd.read_parquet(_read(resolve(cfg.paths.features), "customer features")).set_index("customer_id")
    eda = _read(resolve(cfg.paths.eda_summary), "company performance")
    stability_path = stability_dir / "stability.json"
    stability = json.loads(stability_path.read_text()) if stability_path.is_file() else None
    cleaning_path = resolve(cfg.paths.cleaning_report)
    cleaning = json.loads(cleaning_path.read_text()) if cleaning_path.is_file() else None

    overrides = OmegaConf.to_container(cfg.naming.overrides, resolve=True) if cfg.naming.get("overrides") else {}
    names = name_segments(profiles, table, overrides)
    cards = segment_cards(profiles, names)
    features = table.loc[assignments["customer_id"]]
    labels = assignments["cluster"].to_numpy()
    used = list(cfg.features.columns)
    radar(features[used], labels, folder / "radar.png", names)
    projection_map(points[["x", "y"]].to_numpy(), points["cluster"].to_numpy(), cfg.projection.method,
                   folder / "map.png", names)
    snake(features[used], labels, names, folder / "snake.png")
    importance_heatmap(features[used], labels, names, folder / "heatmap.png")
    figures = resolve(cfg.paths.figures)
    images = {key: png(figures / f"{key}.png") for key, _ in EDA_FIGURES}
    images.update({key: png(folder / f"{key}.png") for key in ("radar", "map", "snake", "heatmap")})
    if stability:
        images["stability_curve"] = png(_read(stability_dir / "curve.png", "stability curve"))
    plain = OmegaConf.to_container(cfg, resolve=True)
    return {
        "title": "Customer segmentation: who buys, how, and what to do",
        "subtitle": f"Data: {cfg.data.name} ({'synthetic rehearsal data' if cfg.data.name == 'synthetic' else 'transactions'}), "
                    f"customers as of {json.loads(resolve(cfg.paths.features_report).read_text()).get('cutoff')}.",
        "summary": executive_summary(eda, cards, stability),
        "cards": cards, "names": names, "images": images, "stability": stability,
        "eda_figures": EDA_FIGURES, "method": method_note(plain, train, cleaning),
    }


def run(cfg: DictConfig) -> dict:
    from segmentation.slides import build_deck

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        context = build(cfg, folder)
        report = resolve(cfg.paths.report)
        with atomic_path(report) as tmp:
            tmp.write_text(render_html(context), encoding="utf-8")
        pngs = {key: (resolve(cfg.paths.figures) / f"{key}.png").read_bytes() for key, _ in EDA_FIGURES}
        pngs.update({key: (folder / f"{key}.png").read_bytes() for key in ("radar", "map", "snake", "heatmap")})
        if context["stability"]:
            pngs["stability_curve"] = (resolve(cfg.paths.stability) / "curve.png").read_bytes()
        slides = build_deck(context, pngs, resolve(cfg.paths.slides))
        with atomic_path(resolve(cfg.paths.segment_names)) as tmp:
            context["cards"].assign(actions=context["cards"]["actions"].map(" | ".join)).to_csv(tmp, index=False)
    _log_to_run(cfg, [report, resolve(cfg.paths.slides), resolve(cfg.paths.segment_names)])
    print(f"report: {len(context['cards'])} segments ({', '.join(context['names'].values())}); "
          f"{report.name} and {slides} slides in {time.perf_counter() - started:.1f}s")
    return context["names"]


def _log_to_run(cfg: DictConfig, files: list[Path]) -> None:
    """Attach the report to the training run it describes."""
    import mlflow

    from segmentation.tracking import setup

    run_file = resolve(cfg.paths.train_run)
    if not run_file.is_file():
        return
    setup(cfg)
    client = mlflow.MlflowClient()
    for path in files:
        client.log_artifact(run_file.read_text().strip(), str(path), artifact_path="report")


if __name__ == "__main__":
    run_stage(run)
