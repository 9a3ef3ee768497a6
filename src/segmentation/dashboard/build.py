"""The dashboard's payload from the pipeline's outputs, read through the catalog: customers and
their segments (train), region and monthly sales (cleaned lines), map (train), expected revenue
and movement (value, when its forecast or movement exists), maintenance curve (stability)."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
from omegaconf import DictConfig

from segmentation.common.catalog import Catalog, read_json, require
from segmentation.common.config import required
from segmentation.common.figure_style import GREY, PALETTE
from segmentation.common.money import prefix, unit
from segmentation.dashboard import data
from segmentation.models.naming import segment_names

FIX = "run `dvc repro report` (it runs the stages before it)."


def _customers(catalog: Catalog, lines: pd.DataFrame, has_region: bool) -> pd.DataFrame:
    features = pd.read_parquet(require(catalog.features, "customer features", FIX)).astype({"customer_id": str})
    segments = pd.read_parquet(require(catalog.train_output("assignments.parquet"), "segments", FIX))
    table = segments.astype({"customer_id": str}).rename(columns={"cluster": "segment"}).merge(
        features.rename(columns={"frequency": "orders", "monetary": "revenue"}), on="customer_id", how="left")
    if has_region:
        table = table.merge(data.main_region(lines).astype({"customer_id": str}), on="customer_id", how="left")
    return table


def _value(catalog: Catalog, table: pd.DataFrame) -> tuple[pd.DataFrame, dict | None, str | None]:
    """Expected revenue and movement columns when the value stage has them (else hidden, never faked)."""
    summary_path = catalog.value_output("value.json")
    value = read_json(summary_path) if summary_path.is_file() else None
    if value and value["status"] != "not_enough_data" and catalog.value_output("customer_value.parquet").is_file():
        forecast = pd.read_parquet(catalog.value_output("customer_value.parquet"),
                                   columns=["customer_id", "expected_revenue", "probability_active"])
        table = table.merge(forecast.astype({"customer_id": str}), on="customer_id", how="left")
    period = None
    if value and value.get("movement") and catalog.value_output("movement.csv").is_file():
        moves = pd.read_csv(catalog.value_output("movement.csv"), dtype={"customer_id": str},
                            usecols=["customer_id", "segment_before", "segment_now"])
        table = table.merge(moves.rename(columns={"segment_before": "before", "segment_now": "now"}),
                            on="customer_id", how="left")
        period = f"{value['movement']['from']} → {value['movement']['to']}"
    return table, value, period


def _health(catalog: Catalog) -> dict | None:
    """The monitor's panel, when the monitor has run."""
    latest_path, track_path = catalog.monitor_output("latest.json"), catalog.monitor_output("replay.csv")
    if not latest_path.is_file():
        return None
    recommendation = catalog.monitor_output("recommendation.json")
    policy = read_json(recommendation)["sentence"] if recommendation.is_file() else None
    return data.health(read_json(latest_path), pd.read_csv(track_path) if track_path.is_file() else None, policy)


def payload(cfg: DictConfig) -> dict:
    catalog = Catalog(cfg)
    ingest = read_json(catalog.ingest_report) if catalog.ingest_report.is_file() else {"columns": {}}
    has_region = bool(ingest["columns"].get("country"))
    columns = ["customer_id", "invoice_date", "revenue", "is_identified", *(["country"] if has_region else [])]
    lines = pq.read_table(require(catalog.clean, "cleaned lines", FIX), columns=columns).to_pandas()
    lines["customer_id"] = lines["customer_id"].astype(str)
    table = _customers(catalog, lines, has_region)
    table, value, period = _value(catalog, table)
    profiles = pd.read_csv(require(catalog.train_output("cluster_profiles.csv"), "cluster profiles", FIX))
    population = table.rename(columns={"orders": "frequency", "revenue": "monetary"}).set_index("customer_id")
    names, _, _ = segment_names(cfg, profiles, population, ingest)  # the report's names: same rules, same table
    order = sorted(int(s) for s in table["segment"].unique())
    customers = data.customer_columns(table, order, [names.get(s, f"Segment {s}") for s in order])
    settings = cfg.dashboard
    points = pd.read_parquet(require(catalog.train_output("map.parquet"), "map coordinates", FIX))
    row_of = {cid: i for i, cid in enumerate(customers["columns"]["id"])}
    stability = catalog.stability_output("stability.json")
    notes = [] if has_region else [f"No {cfg.data.market_label or 'country'} column in the data: that filter is hidden."]
    if "expected" not in customers["columns"]:
        notes.append("Expected revenue is hidden: " + ("; ".join(value["reasons"]) if value else
                                                      "the value stage has not run") + ".")
    return {
        "title": "Customer segments: dashboard",
        "subtitle": f"{cfg.data.name}: {len(table):,} customers as of "
                    f"{read_json(catalog.features_report).get('cutoff', 'the end of the data')}; "
                    "figures per customer, no invoice line.",
        "currency": {"prefix": prefix(cfg.data.currency), "unit": unit(cfg.data.currency)},
        "region_label": str(cfg.data.market_label or "Country").capitalize(),
        "segments": [{"id": s, "name": names.get(s, f"Segment {s}"),
                      "color": GREY if s < 0 else PALETTE[s % len(PALETTE)]} for s in order],
        "customers": customers, "notes": notes, "movement_period": period,
        "monthly": data.monthly_cube(lines, table, order, customers["cohorts"], customers["regions"]),
        "map": data.map_sample(points, row_of, int(required(settings, "max_map_points", "dashboard")), int(cfg.seed)),
        "maintenance": data.maintenance(pd.read_csv(catalog.stability_output("stability.csv")), read_json(stability))
        if stability.is_file() else None,
        "value": {"horizon_days": value["horizon_days"]} if value else None,
        "health": _health(catalog),
        "settings": {"page_size": int(required(settings, "page_size", "dashboard"))},
    }
