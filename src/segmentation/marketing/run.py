"""Stage `value`: what marketing acts on, for the default segmentation — expected revenue per
customer and segment with its holdout check and the growth plan, classic RFM scores beside the
clusters, movement between the baseline and the current segmentation, and the campaign export.
Everything is read through the catalog; the numbers come from the pure functions of this folder;
`value_files` writes the files; `record` logs its numbers and files into the training run in MLflow."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pandas as pd
import pyarrow.parquet as pq
from omegaconf import DictConfig

from segmentation.common.catalog import Catalog, file_digest, read_json, require
from segmentation.common.config import required
from segmentation.common.money import money
from segmentation.marketing import trust, value_files
from segmentation.marketing.movement import active_now, customer_moves, movement_summary, revenue_between, transitions
from segmentation.marketing.rfm_scores import agreement, rfm_quintiles, rfm_segment_names
from segmentation.models.naming import labelled, segment_names
from segmentation.tracking.records import log_to_run

FIX = "run `dvc repro value` (it runs the stages before it)."
LINE_COLUMNS = ["customer_id", "invoice_date", "revenue", "is_identified", "is_cancellation"]


def run(cfg: DictConfig) -> dict:
    """Stage `value`: compute, write (reports/value/, the campaign export, metrics/value.json), log."""
    started = time.perf_counter()
    data = inputs(cfg)
    catalog: Catalog = data["catalog"]
    enabled = bool(cfg.value.enabled)
    result = (forecast(data["lines"], data["cutoff"], data["segments"], data["names"], cfg.value,
                       cfg.data.currency, int(cfg.seed)) if enabled else
              {"status": trust.NOT_ENOUGH_DATA, "reasons": ["value.enabled is false"],
               "horizon_days": float(cfg.value.horizon_days), "customers": None})
    rfm = rfm_beside_clusters(data["features"], data["segments"], data["names"])
    moved = movement(cfg, catalog, data["lines"], data["names"])
    table = value_files.campaign(data["features"], data["segments"], data["names"], result)
    summary, _ = value_files.write(catalog, result, rfm, moved, data["names"], table, cfg.data.currency)
    print(value_files.as_text(summary, cfg.data.currency, time.perf_counter() - started))
    return summary


def record(cfg: DictConfig) -> None:
    """The stage's numbers (value_*) and files into the training run, once per value.json."""
    catalog = Catalog(cfg)
    summary = read_json(require(catalog.value_output("value.json"), "the value stage's summary", FIX))
    log_to_run(cfg, catalog.train_run, value_files.numbers(summary), value_files.files(catalog), "value",
               once=file_digest(catalog.value_output("value.json")))


def inputs(cfg: DictConfig) -> dict:
    """Everything the stage reads: lines, customers, segments and their names, the study's outputs."""
    catalog = Catalog(cfg)
    lines = pq.read_table(require(catalog.clean, "cleaned lines", FIX), columns=LINE_COLUMNS).to_pandas()
    lines["customer_id"] = lines["customer_id"].astype(str)
    features = pd.read_parquet(require(catalog.features, "customer features", FIX))
    features["customer_id"] = features["customer_id"].astype(str)
    segments = pd.read_parquet(require(catalog.train_output("assignments.parquet"), "the train stage's segments", FIX))
    segments = segments.rename(columns={"cluster": "segment"}).astype({"customer_id": str})
    profiles = pd.read_csv(require(catalog.train_output("cluster_profiles.csv"), "cluster profiles", FIX))
    ingest = read_json(catalog.ingest_report) if catalog.ingest_report.is_file() else None
    names, _, _ = segment_names(cfg, profiles, features.set_index("customer_id"), ingest)
    cutoff = read_json(require(catalog.features_report, "the features report", FIX))["cutoff"]
    return {"lines": lines, "features": features, "segments": segments, "names": names, "cutoff": cutoff,
            "catalog": catalog}


def forecast(lines: pd.DataFrame, cutoff: str, segments: pd.DataFrame, names: Mapping, settings: Mapping,
             currency: str | None, seed: int) -> dict:
    """Expected revenue per customer and segment, its holdout check, its trust status and the plan.
    Without enough data: status not_enough_data and its reasons, nothing fitted."""
    from segmentation.marketing.expected_revenue import btyd_inputs, expected_value, fit_value_models, segment_value
    from segmentation.marketing.holdout import holdout_check
    from segmentation.marketing.plan import growth_plan

    horizon = float(required(settings, "horizon_days", "value"))
    customers = btyd_inputs(lines, cutoff, float(required(settings, "time_unit_days", "value")))
    identified = lines.loc[lines["is_identified"], "invoice_date"]
    problems = trust.history_problems(customers, identified.min() if len(identified) else None, cutoff, horizon,
                                      int(required(settings, "min_repeat_customers", "value")))
    if not problems:
        start = pd.Timestamp(cutoff) - pd.Timedelta(days=horizon)
        repeat = int((btyd_inputs(lines, start)["frequency"] > 0).sum())
        if repeat < int(required(settings, "min_repeat_customers", "value")):
            problems = [f"{repeat:,} customers with a repeat purchase before {start.date()}, where the forecast check "
                        f"is fitted (at least {int(settings['min_repeat_customers']):,} needed)"]
    if problems:
        return {"status": trust.NOT_ENOUGH_DATA, "reasons": problems, "horizon_days": horizon, "customers": None}
    holdout = holdout_check(lines, cutoff, horizon, seed)
    verdict = trust.judged(holdout, float(required(settings, "max_holdout_error", "value")),
                           float(required(settings, "min_rank_correlation", "value")))
    models = fit_value_models(customers, seed)
    per_customer = expected_value(models, customers, horizon, float(required(settings, "at_risk_below", "value")))
    by_segment = segment_value(per_customer, segments)
    plan = (growth_plan(by_segment, per_customer, float(required(settings, "target_growth", "value")), names,
                        lambda v: money(v, currency, compact=True), holdout["relative_error"])
            if verdict["status"] == trust.OK else None)
    return {**verdict, "horizon_days": horizon, "holdout": holdout, "params": models.params,
            "spend_customers": models.spend_customers, "spend_excluded": models.spend_excluded,
            "customers": per_customer, "segments": by_segment, "plan": plan}


def rfm_beside_clusters(features: pd.DataFrame, segments: pd.DataFrame, names: Mapping) -> dict:
    """Quintile scores and named RFM segments for every customer, and their agreement with the clusters."""
    scores = rfm_segment_names(rfm_quintiles(features))
    clustered = scores.merge(segments[["customer_id", "segment"]], on="customer_id", how="inner")
    match = agreement(clustered["rfm_segment"], labelled(clustered["segment"], names))
    return {"scores": scores, "ari": match.ari, "crosstab": match.crosstab, "customers": int(len(clustered))}


def movement(cfg: DictConfig, catalog: Catalog, lines: pd.DataFrame, names: Mapping) -> dict | None:
    """Baseline segmentation -> current one, with lapsed customers (no purchase for
    `value.lapsed_after_days` at the current cutoff) and new ones; None without the study's outputs."""
    before_path, now_path = (catalog.stability_output("baseline_assignments.parquet"),
                             catalog.stability_output("current_assignments.parquet"))
    summary_path = catalog.stability_output("stability.json")
    if not (before_path.is_file() and now_path.is_file() and summary_path.is_file()):
        return None
    before, now = pd.read_parquet(before_path), pd.read_parquet(now_path)
    if now.empty:
        return None
    snapshot = str(now["snapshot"].iloc[0])
    start, end = read_json(summary_path)["baseline_cutoff"], read_json(catalog.snapshot_report(snapshot))["cutoff"]
    table = pd.read_parquet(catalog.snapshot(snapshot), columns=["customer_id", "last_purchase"])
    lapsed_after = float(required(cfg.value, "lapsed_after_days", "value"))
    still = active_now(table.astype({"customer_id": str}), end, lapsed_after)["customer_id"]
    named = {key: pd.DataFrame({"customer_id": frame["customer_id"].astype(str),
                                "segment": labelled(frame["segment"], names)})
             for key, frame in (("before", before), ("now", now))}
    current = named["now"][named["now"]["customer_id"].isin(still)]
    order = [names[s] for s in sorted(names)]
    revenue = revenue_between(lines, start, end)
    moves = customer_moves(named["before"], current)
    moves["revenue_since_baseline"] = moves["customer_id"].map(revenue).fillna(0.0).round(2)
    matrices = transitions(named["before"], current, revenue, order)
    return {"moves": moves, "matrices": matrices, "summary": movement_summary(moves), "from": start, "to": end,
            "snapshot": snapshot, "lapsed_after_days": lapsed_after}
