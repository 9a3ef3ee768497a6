"""The snapshot series the maintenance study reads, its checks, and the study run on it.

Tables come from the snapshots stage (through the catalog: the plan of `cutoffs.snapshot_plan`,
with each snapshot's label and `no_new_data` flag), or from a folder of per-customer tables
built elsewhere (`stability.precomputed`, read by `series.read_snapshot_series`: id column
detected, features = `features.columns` when the tables have them, else every numeric column).
Either way the series is checked (`series.check_series`) and the warnings travel with the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, read_json, user_path
from segmentation.common.errors import UserError
from segmentation.common.parallel import side_pool
from segmentation.features.cutoffs import BASELINE, data_span, default_cutoff, snapshot_plan
from segmentation.features.precomputed import check_series, read_snapshot_series
from segmentation.features.rfm import with_membership
from segmentation.maintenance import study_cache
from segmentation.maintenance.sensitivity import neighbours
from segmentation.maintenance.sensitivity import sensitivity as sensitivity_of
from segmentation.maintenance.study import temporal_stability

CUMULATIVE = ("frequency", "total_invoices")  # per-customer totals that can only grow in cumulative snapshots


@dataclass
class SnapshotSeries:
    tables: dict                  # name -> customer table (customer_id, features, is_new)
    days: dict                    # name -> days after the baseline
    cutoffs: dict                 # name -> effective cutoff (YYYY-MM-DD)
    meta: dict                    # name -> {label, no_new_data, partial}
    warnings: list = field(default_factory=list)
    columns: list | None = None   # the features, when the tables impose them (precomputed)


def _precomputed(cfg: DictConfig) -> SnapshotSeries:
    plan = snapshot_plan(cfg.snapshots)
    stability, features = cfg.stability, cfg.features
    header_ok = list(features.columns)
    tables, warnings = read_snapshot_series(user_path(stability.precomputed), list(plan),
                                            OmegaConf.to_container(stability.precomputed_files) or None,
                                            stability.precomputed_pattern, features.id_column, None)
    columns = header_ok if set(header_ok) <= set(tables[BASELINE].columns) else \
        [c for c in tables[BASELINE].columns if c != "customer_id"]
    tables = {name: with_membership(t, tables[BASELINE]["customer_id"]) for name, t in tables.items()}
    baseline = plan[BASELINE].cutoff
    days = {name: int((plan[name].cutoff - baseline).days) for name in tables}
    cutoffs = {name: f"{plan[name].cutoff:%Y-%m-%d}" for name in tables}
    order = [name for name in plan if name in tables]
    warnings += check_series(tables, order, [c for c in CUMULATIVE if c in columns])
    copies = {w["snapshot"] for w in warnings if w["check"] == "identical_to_previous"}
    meta = {name: {"label": name, "no_new_data": name in copies, "partial": False} for name in tables}
    return SnapshotSeries(tables, days, cutoffs, meta, warnings, columns)


def load_snapshots(cfg: DictConfig) -> SnapshotSeries:
    """The series for baseline and every snapshot of the plan, with its warnings."""
    if cfg.stability.precomputed:
        return _precomputed(cfg)
    catalog = Catalog(cfg)
    span = data_span(catalog.clean)
    series = SnapshotSeries({}, {}, {}, {})
    for name in snapshot_plan(cfg.snapshots, span):
        path, report = catalog.snapshot(name), catalog.snapshot_report(name)
        if not path.is_file() or not report.is_file():
            raise UserError(f"snapshot '{name}' has not been built ({path}). Fix: run `dvc repro snapshots` "
                            "(or set stability.precomputed).")
        series.tables[name] = pd.read_parquet(path)
        meta = read_json(report)
        series.days[name], series.cutoffs[name] = int(meta["days_after_baseline"]), meta["cutoff"]
        series.meta[name] = {key: meta.get(key, default) for key, default in
                             (("label", name), ("no_new_data", False), ("partial", False))}
    order = list(series.tables)
    cutoffs = {name: pd.Timestamp(series.cutoffs[name]) for name in order}
    series.warnings = check_series(series.tables, order, [c for c in CUMULATIVE if c in series.tables[BASELINE]],
                                   cutoffs, span[1])
    series.warnings += [{"check": "no_new_data", "snapshot": name, "count": 0,
                         "message": f"{series.meta[name]['label']} ({series.cutoffs[name]}) adds no transaction after "
                                    "the previous snapshot: shown, not counted in the verdict."}
                        for name in order if series.meta[name]["no_new_data"]]
    if default_cutoff(span[1]) < max(cutoffs.values()):
        raise UserError("a snapshot cuts after the end of the data. Fix: rebuild them with `dvc repro snapshots`.")
    return series


def measure(cfg: DictConfig, bootstrap_aris: list[float] | None = None, sensitivity: bool = False) -> dict:
    """The study on the configured snapshots (see `study.temporal_stability`), its warnings,
    and, with `sensitivity`, the verdict at neighbouring configurations."""
    series = load_snapshots(cfg)
    features = OmegaConf.to_container(cfg.features, resolve=True)
    if series.columns:
        features["columns"] = series.columns
    model = OmegaConf.to_container(cfg.model, resolve=True)
    stability = OmegaConf.to_container(cfg.stability, resolve=True)

    seed, tables_id, folder = int(cfg.seed), study_cache.tables_digest(series.tables), Catalog(cfg).studies
    dates = (series.days, series.cutoffs, series.meta)
    key = lambda model_cfg, settings, aris=None: study_cache.study_key(  # noqa: E731
        tables_id, dates, features, model_cfg, settings, seed, aris)
    # a neighbour's verdict only (no classifiers, no current assignments): the same verdict as its own study
    light = {**stability, "classifiers": [], "strategy": "keep"}
    moved, values = neighbours(model) if sensitivity else ("", [])
    missing = [v for v in values if study_cache.read(folder, key({**model, moved: v}, light)) is None]
    # the neighbours not kept from an earlier run are computed in other processes meanwhile
    with side_pool(len(missing)) as pool:
        pending = {value: pool.submit(temporal_stability, series.tables, series.days, series.cutoffs, features,
                                      {**model, moved: value}, light, seed, meta=series.meta) for value in missing}
        result = study_cache.cached(folder, key(model, stability, bootstrap_aris), lambda: temporal_stability(
            series.tables, series.days, series.cutoffs, features, model, stability, seed, meta=series.meta,
            bootstrap_aris=bootstrap_aris))
        if bootstrap_aris is None:  # its verdict is also its configuration's as another run's neighbour
            study_cache.store(folder, key(model, light), result["summary"])
        for value, future in pending.items():
            study_cache.store(folder, key({**model, moved: value}, light), future.result()["summary"])
    result["summary"]["warnings"] = series.warnings
    if sensitivity:
        result["summary"].update(sensitivity_of(model, result["summary"],
                                                lambda m: study_cache.read(folder, key(m, light))))
    return result
