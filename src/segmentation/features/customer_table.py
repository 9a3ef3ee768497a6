"""The customer x feature table a step works on, as the config asks for it: a precomputed
warehouse table, the features stage's output when it was built for this config, or computed
now from the cleaned lines as of `features.cutoff`; with the interest features (feature set
rfm_interests) joined from the product categories when its columns name any.

`build_categories(cfg)` is what the `categories` stage runs: the clean file's products,
clustered (or a user mapping, `categories.mapping`), or the reason there are none.
`add_interests(cfg, table, cutoff)` joins the interest features to a customer table when
`features.columns` (or the columns a champion needs) names any; otherwise the table is unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, parquet_columns, read_json, require, user_path
from segmentation.common.errors import UserError
from segmentation.data.facts import check_same_data
from segmentation.engines.connect import connection, on_spark
from segmentation.features.categories import Categories, cluster_products, from_mapping
from segmentation.features.cutoffs import data_span, resolve_cutoff
from segmentation.features.interests import (
    absence,
    absent_error,
    file_source,
    interest_columns_of,
    interests_from_file,
    product_table,
    top_n_of,
    with_interests,
)
from segmentation.features.precomputed import id_column_in, series_baseline
from segmentation.features.rfm import features_from_file, read_precomputed

EMPTY_PRODUCTS = pd.DataFrame({"description": pd.Series(dtype="string"), "category": pd.Series(dtype="int64"),
                               "category_name": pd.Series(dtype="string"), "revenue": pd.Series(dtype="float64")})
EMPTY_SUMMARY = pd.DataFrame({"category": pd.Series(dtype="int64"), "category_name": pd.Series(dtype="string"),
                              "products": pd.Series(dtype="int64"), "revenue_share": pd.Series(dtype="float64"),
                              "top_terms": pd.Series(dtype="string")})


def build_categories(cfg: DictConfig) -> Categories:
    """The data's categories; when there can be none, empty tables and the reason in `report['skipped']`."""
    settings = OmegaConf.to_container(cfg.categories, resolve=True)
    clean = require(Catalog(cfg).clean, "the cleaned lines", "run the clean stage first (`dvc repro clean`).")
    columns = parquet_columns(clean)
    products = product_table(file_source(clean)) if "description" in columns else None
    reason = absence(columns, products, int(settings["min_products"]))
    if reason:
        return Categories(EMPTY_PRODUCTS, EMPTY_SUMMARY, {"source": "none", "skipped": reason})
    if settings["mapping"]:
        path = require(user_path(settings["mapping"]), "categories.mapping", "set categories.mapping to a CSV file.")
        return from_mapping(products, pd.read_csv(path), path.name)
    return cluster_products(products, settings, int(cfg.seed))


def load_categories(cfg: DictConfig) -> tuple[pd.DataFrame, str | None]:
    """The categories stage's product table (computed now when the stage has not run), and the
    reason there is none (None when there is one)."""
    catalog = Catalog(cfg)
    if catalog.categories.is_file() and catalog.categories_report.is_file():
        return pd.read_parquet(catalog.categories), read_json(catalog.categories_report).get("skipped")
    built = build_categories(cfg)
    return built.products, built.report.get("skipped")


def categories_for(cfg: DictConfig, columns) -> pd.DataFrame | None:
    """The categories a model or feature set with `columns` needs (None when it needs none); one
    line and its fix when the data has none."""
    needed = interest_columns_of(columns)
    if not needed:
        return None
    categories, skipped = load_categories(cfg)
    if skipped:
        raise absent_error(cfg.features.name, skipped, needed)
    return categories


def add_interests(cfg: DictConfig, table: pd.DataFrame, cutoff, columns=None) -> pd.DataFrame:
    """`table` with the interest features as of `cutoff` that `columns` (default: the feature
    set's) name; unchanged when they name none or the table is precomputed."""
    needed = interest_columns_of(cfg.features.columns if columns is None else columns)
    if not needed or cfg.features.precomputed:
        return table
    categories = categories_for(cfg, needed)
    interests, _ = interests_from_file(Catalog(cfg).clean, categories, cutoff, top_n_of(needed))
    return with_interests(table, interests)


def customer_table(cfg: DictConfig) -> tuple[pd.DataFrame, str]:
    """All features per customer, and the cutoff used (or 'precomputed')."""
    features = cfg.features
    if features.precomputed:
        path = user_path(features.precomputed)
        table = read_precomputed(path, id_column_in(path, features.id_column), list(features.columns))
        return table, "precomputed"
    catalog = Catalog(cfg)
    if catalog.ingest_report.is_file():
        check_same_data(read_json(catalog.ingest_report), OmegaConf.to_container(cfg.data, resolve=True))
    clean_path = catalog.clean
    first, last = data_span(clean_path)
    cutoff = resolve_cutoff(features.cutoff, first, last, "features.cutoff")
    table = features_from_file(clean_path, cutoff, connection(cfg) if on_spark(cfg) else None)
    if table.empty:
        raise UserError(f"no identified customer has a purchase before {cutoff:%Y-%m-%d}. Fix: check features.cutoff.")
    table = add_interests(cfg, table, cutoff)
    table.attrs["cutoff"] = f"{cutoff:%Y-%m-%d}"  # what a model trained on it is deployed as of
    return table, f"{cutoff:%Y-%m-%d}"


def load_customer_table(cfg: DictConfig) -> tuple[pd.DataFrame, Path | None]:
    """The features stage's table when it was built for this config (same cutoff and source),
    else computed now; the path is None when computed (also when it lacks columns of the
    feature set: the stage built it for a feature set without interest features)."""
    if cfg.stability.precomputed and not cfg.features.precomputed:  # a run on a precomputed snapshot series
        stability = cfg.stability
        return series_baseline(user_path(stability.precomputed), OmegaConf.to_container(stability.precomputed_files)
                               or None, stability.precomputed_pattern, cfg.features.id_column,
                               list(cfg.features.columns)), None
    catalog = Catalog(cfg)
    path, report_path = catalog.features, catalog.features_report
    if path.is_file() and report_path.is_file():
        if catalog.ingest_report.is_file() and not cfg.features.precomputed:
            check_same_data(read_json(catalog.ingest_report), OmegaConf.to_container(cfg.data, resolve=True))
        built = read_json(report_path)
        if built.get("cutoff_config") == cfg.features.cutoff and built.get("precomputed") == cfg.features.precomputed:
            table = pd.read_parquet(path)
            if set(cfg.features.columns) <= set(table.columns):  # else built for a feature set without them
                table.attrs["cutoff"] = built.get("cutoff")
                return table, path
    return customer_table(cfg)[0], None
