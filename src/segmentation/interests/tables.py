"""The categories of the configured data and the interest features a feature set asks for,
read and written through the catalog.

`build_categories(cfg)` is what the `categories` stage runs: the clean file's products,
clustered (or a user mapping, `categories.mapping`), or the reason there are none.
`add_interests(cfg, table, cutoff)` joins the interest features to a customer table when
`features.columns` (or the columns a champion needs) names any (feature set rfm_interests);
otherwise the table is unchanged. `segment_tastes` is what the report's cards say.
"""

from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, parquet_columns, read_json, require, user_path
from segmentation.interests.categories import Categories, cluster_products, from_mapping
from segmentation.interests.features import (absence, absent_error, file_source, interests_from_file,
                                             interest_columns_of, product_table, spend_by_key, top_n_of,
                                             with_interests)
from segmentation.interests.tastes import distinct_keys, taste_sentences

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


def segment_tastes(cfg: DictConfig, segments: pd.Series, cutoff) -> dict[int, list[str]]:
    """{segment: the card's lines on what it over-buys and when} (`tastes.taste_sentences`), for
    the customers of `segments` (segment per customer id) on lines before `cutoff`. Without
    categories (no descriptions), only the season line."""
    settings = OmegaConf.to_container(cfg.categories.tastes, resolve=True)
    categories, skipped = load_categories(cfg)
    by_category, by_month = spend_by_key(Catalog(cfg).clean, categories if not skipped else categories.head(0), cutoff)
    seed = int(cfg.seed)
    favourites = (distinct_keys(by_category, segments, "category_name", settings, seed) if by_category is not None
                  else None)
    season = distinct_keys(by_month, segments, "month", settings, seed)
    return {int(segment): taste_sentences(favourites, season, segment, int(settings["favourites"]),
                                          has_categories=favourites is not None)
            for segment in pd.unique(segments)}
