"""The management report and slide deck assembled from the pipeline's outputs: every input
read through the catalog, every figure drawn, then HTML, slides and the segment table written."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, atomic_path, read_json, require, write_text
from segmentation.reporting.availability import REPORT_FIGURES, data_note, report_figures
from segmentation.reporting.naming import name_segments, segment_cards, without_units
from segmentation.reporting.report_html import executive_summary, method_note, png, render_html
from segmentation.reporting.slides import build_deck

EDA_FIGURES = REPORT_FIGURES  # the candidates; the context's "eda_figures" are those the EDA drew
SEGMENT_FIGURES = ("radar", "map", "snake", "heatmap")
FIX = "run `dvc repro` up to the report stage."


def gather(cfg: DictConfig, folder: Path) -> dict:
    """Every input read, every segment figure drawn into `folder`; returns the report's context."""
    from segmentation.reporting.plots.clusters import projection_map, radar
    from segmentation.reporting.plots.segments import importance_heatmap, snake

    catalog = Catalog(cfg)
    train = read_json(require(catalog.train_output("train.json"), "training metrics", FIX))
    profiles = pd.read_csv(require(catalog.train_output("cluster_profiles.csv"), "cluster profiles", FIX))
    assignments = pd.read_parquet(require(catalog.train_output("assignments.parquet"), "assignments", FIX))
    points = pd.read_parquet(require(catalog.train_output("map.parquet"), "map coordinates", FIX))
    table = pd.read_parquet(require(catalog.features, "customer features", FIX)).set_index("customer_id")
    eda = read_json(require(catalog.eda_summary, "company performance", FIX))
    stability_path = catalog.stability_output("stability.json")
    stability = read_json(stability_path) if stability_path.is_file() else None
    cleaning = read_json(catalog.cleaning_report) if catalog.cleaning_report.is_file() else None
    ingest = read_json(catalog.ingest_report) if catalog.ingest_report.is_file() else None
    currency = cfg.data.currency
    eda = {**eda, "market_label": eda.get("market_label") or cfg.data.market_label}

    overrides = OmegaConf.to_container(cfg.naming.overrides, resolve=True) if cfg.naming.overrides else {}
    units = ingest is None or bool(ingest["columns"].get("quantity"))
    named_profiles, population = without_units(profiles, table, units)
    names = name_segments(named_profiles, population, overrides)
    cards = segment_cards(named_profiles, names, currency)
    features = table.loc[assignments["customer_id"]]
    labels = assignments["cluster"].to_numpy()
    used = list(cfg.features.columns)
    radar(features[used], labels, folder / "radar.png", names, currency=currency)
    projection_map(points[["x", "y"]].to_numpy(), points["cluster"].to_numpy(), cfg.projection.method,
                   folder / "map.png", names)
    snake(features[used], labels, names, folder / "snake.png", currency=currency)
    importance_heatmap(features[used], labels, names, folder / "heatmap.png", currency=currency)
    eda_figures = report_figures(eda, lambda key: catalog.figure(key).is_file())
    images = {key: png(catalog.figure(key)) for key, _ in eda_figures}
    images.update({key: png(folder / f"{key}.png") for key in SEGMENT_FIGURES})
    if stability:
        images["stability_curve"] = png(require(catalog.stability_output("curve.png"), "stability curve", FIX))
    plain = OmegaConf.to_container(cfg, resolve=True)
    return {
        "title": "Customer segmentation: who buys, how, and what to do",
        "subtitle": f"Data: {cfg.data.name} ({'synthetic rehearsal data' if cfg.data.name == 'synthetic' else 'transactions'}), "
                    f"customers as of {read_json(catalog.features_report).get('cutoff')}.",
        "summary": executive_summary(eda, cards, stability, currency), "currency": currency,
        "data_note": data_note(ingest, eda, mappable=cfg.data.format != "olist"),
        "cards": cards, "names": names, "images": images,
        "stability": stability, "eda_figures": eda_figures, "method": method_note(plain, train, cleaning, stability),
    }


def write_report(cfg: DictConfig) -> tuple[dict, int]:
    """report.html, slides.pptx and the segment table; returns the context and the slide count."""
    catalog = Catalog(cfg)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        context = gather(cfg, folder)
        write_text(catalog.report, render_html(context))
        pngs = {key: catalog.figure(key).read_bytes() for key, _ in context["eda_figures"]}
        pngs.update({key: (folder / f"{key}.png").read_bytes() for key in SEGMENT_FIGURES})
        if context["stability"]:
            pngs["stability_curve"] = catalog.stability_output("curve.png").read_bytes()
        slides = build_deck(context, pngs, catalog.slides)
        with atomic_path(catalog.segment_names) as tmp:
            context["cards"].assign(actions=context["cards"]["actions"].map(" | ".join)).to_csv(tmp, index=False)
    return context, slides
