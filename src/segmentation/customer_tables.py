"""The customer x feature table a step works on, as the config asks for it: a precomputed
warehouse table, the features stage's output when it was built for this config, or computed
now from the cleaned lines as of `features.cutoff`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, read_json, user_path
from segmentation.cutoffs import data_span, resolve_cutoff
from segmentation.data.facts import check_same_data
from segmentation.engines.connect import connection, on_spark
from segmentation.errors import UserError
from segmentation.features import features_from_file, read_precomputed
from segmentation.interests.tables import add_interests
from segmentation.maintenance.series import id_column_in


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
    return add_interests(cfg, table, cutoff), f"{cutoff:%Y-%m-%d}"


def load_customer_table(cfg: DictConfig) -> tuple[pd.DataFrame, Path | None]:
    """The features stage's table when it was built for this config (same cutoff and source),
    else computed now; the path is None when computed (also when it lacks columns of the
    feature set: the stage built it for a feature set without interest features)."""
    catalog = Catalog(cfg)
    path, report_path = catalog.features, catalog.features_report
    if path.is_file() and report_path.is_file():
        if catalog.ingest_report.is_file() and not cfg.features.precomputed:
            check_same_data(read_json(catalog.ingest_report), OmegaConf.to_container(cfg.data, resolve=True))
        built = read_json(report_path)
        if built.get("cutoff_config") == cfg.features.cutoff and built.get("precomputed") == cfg.features.precomputed:
            table = pd.read_parquet(path)
            if set(cfg.features.columns) <= set(table.columns):  # else built for a feature set without them
                return table, path
    return customer_table(cfg)[0], None
