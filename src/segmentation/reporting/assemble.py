"""The management report and slide deck assembled from the pipeline's outputs: every input
read through the catalog, every figure drawn, then HTML, slides and the segment table written."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, atomic_path, read_json, require, write_text
from segmentation.common.git import git_commit
from segmentation.common.project import project_root
from segmentation.company.periods import data_span, day_text
from segmentation.models.naming import segment_cards, segment_names
from segmentation.reporting import health_section
from segmentation.reporting.availability import REPORT_FIGURES, data_note, report_figures
from segmentation.reporting.eda_text import figure_sentences
from segmentation.reporting.provenance import header
from segmentation.reporting.report_html import executive_summary, method_note, png, render_html
from segmentation.reporting.slides import build_deck

EDA_FIGURES = REPORT_FIGURES  # the candidates; the context's "eda_figures" are those the EDA drew
SEGMENT_FIGURES = ("radar", "map", "snake", "heatmap")
VALUE_FIGURES = ("expected_revenue", "holdout", "movement", "movement_revenue")
FIX = "run `dvc repro` up to the report stage."


def dated(catalog: Catalog, eda: dict) -> tuple[dict, dict]:
    """The EDA summary with the data's first and last dates (`periods.data_span`: the summary's
    own, else the features cutoff and the monthly series), and the features report."""
    features_report = read_json(catalog.features_report) if catalog.features_report.is_file() else {}
    months = pd.read_csv(catalog.eda_monthly, usecols=["month"])["month"] if catalog.eda_monthly.is_file() else ()
    first, last = data_span(eda, features_report, months)
    return {**eda, "first_date": first, "last_date": last}, features_report


def provenance(cfg: DictConfig, catalog: Catalog, eda: dict, features_report: dict, cleaning: dict | None,
               train: dict) -> list[tuple[str, str]]:
    """The report's header rows: dates, source, rows, the train stage's MLflow run, the commit."""
    run_id = catalog.train_run.read_text().strip() if catalog.train_run.is_file() else None
    return header({"name": cfg.data.name, "path": cfg.data.path}, (eda["first_date"], eda["last_date"]), cleaning,
                  train.get("customers"), features_report.get("cutoff"), run_id or None, git_commit(project_root()))


def tastes_of(cfg: DictConfig, assignments: pd.DataFrame, features_report: dict) -> dict[int, list[str]]:
    """{segment: the card's lines on the categories and months it over-buys} (`tastes.taste_sentences`),
    on lines before the features cutoff; without categories (no descriptions), only the season line;
    none for a precomputed feature table (no transactions to read)."""
    from segmentation.features.customer_table import load_categories
    from segmentation.features.interests import spend_by_key
    from segmentation.reporting.tastes import distinct_keys, taste_sentences

    if cfg.features.precomputed or not features_report.get("cutoff"):
        return {}
    segments = assignments.set_index("customer_id")["cluster"]
    settings = OmegaConf.to_container(cfg.categories.tastes, resolve=True)
    categories, skipped = load_categories(cfg)
    by_category, by_month = spend_by_key(Catalog(cfg).clean, categories if not skipped else categories.head(0),
                                         features_report["cutoff"])
    seed = int(cfg.seed)
    favourites = (distinct_keys(by_category, segments, "category_name", settings, seed) if by_category is not None
                  else None)
    season = distinct_keys(by_month, segments, "month", settings, seed)
    return {int(segment): taste_sentences(favourites, season, segment, int(settings["favourites"]),
                                          has_categories=favourites is not None)
            for segment in pd.unique(segments)}


def value_figures(catalog: Catalog) -> dict[str, Path]:
    """The value stage's figures that exist, keyed as the report names them (value_<name>)."""
    found = {f"value_{key}": catalog.value_figure(key) for key in VALUE_FIGURES}
    return {key: path for key, path in found.items() if path.is_file()}


def gather(cfg: DictConfig, folder: Path) -> dict:
    """Every input read, every segment figure drawn into `folder`; returns the report's context."""
    from segmentation.models.run_figures import projection_map, radar
    from segmentation.reporting.segment_figures import importance_heatmap, snake

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
    eda, features_report = dated(catalog, eda)

    names, named_profiles, _ = segment_names(cfg, profiles, table, ingest)
    cards = segment_cards(named_profiles, names, currency)
    cards["tastes"] = cards["cluster"].map(tastes_of(cfg, assignments, features_report)).apply(
        lambda lines: lines if isinstance(lines, list) else [])
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
    value = read_json(catalog.value_output("value.json")) if catalog.value_output("value.json").is_file() else None
    images.update({key: png(path) for key, path in value_figures(catalog).items()})
    images.update({key: png(path) for key, path in health_section.figures(catalog).items()})
    plain = OmegaConf.to_container(cfg, resolve=True)
    health = health_section.read(catalog)
    return {
        "title": "Customer segmentation: who buys, how, and what to do",
        "subtitle": f"For general management and marketing: customers as of "
                    f"{day_text(features_report.get('cutoff')) or 'the end of the data'}.",
        "header": provenance(cfg, catalog, eda, features_report, cleaning, train),
        "summary": executive_summary(eda, cards, stability, currency, (health or {}).get("recommendation")),
        "currency": currency,
        "figure_notes": figure_sentences(eda, currency),
        "data_note": data_note(ingest, eda, mappable=cfg.data.format != "olist"),
        "cards": cards, "names": names, "images": images,
        "stability": stability, "value": value, "health": health, "eda_figures": eda_figures, "method": method_note(plain, train, cleaning, stability),
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
        pngs.update({key: path.read_bytes() for key, path in value_figures(catalog).items()})
        pngs.update({key: path.read_bytes() for key, path in health_section.figures(catalog).items()})
        slides = build_deck(context, pngs, catalog.slides)
        with atomic_path(catalog.segment_names) as tmp:
            context["cards"].assign(actions=context["cards"]["actions"].map(" | ".join),
                                    tastes=context["cards"]["tastes"].map(" ".join)).to_csv(tmp, index=False)
    return context, slides
