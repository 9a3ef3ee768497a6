"""The categories of the configured data and the interest features a feature set asks for,
read and written through the catalog.

`build_categories(cfg)` is what the `categories` stage runs: the clean file's products,
clustered (or a user mapping, `categories.mapping`), or the reason there are none.
`add_interests(cfg, table, cutoff)` joins the interest features to a customer table when
`features.columns` names any (feature set rfm_interests); otherwise the table is unchanged.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, read_json, require, user_path
from segmentation.interests.categories import Categories, cluster_products, from_mapping
from segmentation.interests.features import (absence, absent_error, file_source, interests_from_file,
                                             is_interest_column, product_table)

EMPTY_PRODUCTS = pd.DataFrame({"description": pd.Series(dtype="string"), "category": pd.Series(dtype="int64"),
                               "category_name": pd.Series(dtype="string"), "revenue": pd.Series(dtype="float64")})
EMPTY_SUMMARY = pd.DataFrame({"category": pd.Series(dtype="int64"), "category_name": pd.Series(dtype="string"),
                              "products": pd.Series(dtype="int64"), "revenue_share": pd.Series(dtype="float64"),
                              "top_terms": pd.Series(dtype="string")})


def build_categories(cfg: DictConfig) -> Categories:
    """The data's categories; when there can be none, empty tables and the reason in `report['skipped']`."""
    settings = OmegaConf.to_container(cfg.categories, resolve=True)
    clean = require(Catalog(cfg).clean, "the cleaned lines", "run the clean stage first (`dvc repro clean`).")
    columns = pq.read_schema(clean).names
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


def interest_columns_of(features) -> list[str]:
    return [c for c in features.columns if is_interest_column(str(c))]


def add_interests(cfg: DictConfig, table: pd.DataFrame, cutoff) -> pd.DataFrame:
    """`table` with the interest features as of `cutoff` when the feature set asks for them."""
    needed = interest_columns_of(cfg.features)
    if not needed or cfg.features.precomputed:
        return table
    categories, skipped = load_categories(cfg)
    if skipped:
        raise absent_error(cfg.features.name, skipped, needed)
    interests, _ = interests_from_file(Catalog(cfg).clean, categories, cutoff, int(cfg.categories.top_n))
    return table.merge(interests, on="customer_id", how="left")
