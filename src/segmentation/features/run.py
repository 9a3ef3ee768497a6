"""Stages `categories`, `features` and `snapshots`: the customer features as of one date, and as
of every date the maintenance contract replays.

- `categories`: product categories from descriptions, once per dataset (or a user mapping), or
  the reason there are none (then feature set rfm_interests stops with one line and its fix);
- `features` (`customer_features`): every customer feature as of `features.cutoff` (or a
  precomputed table);
- `snapshots`: for every snapshot of the plan (`cutoffs.snapshot_plan`: the baseline, `auto` or a
  date, then the offsets the data covers, the last one possibly partial), or the one named
  (`python -m segmentation.stage snapshots baseline|J+1|M+3...`), its feature table (every
  feature, plus `is_new`: no purchase before the baseline cutoff; with feature set
  rfm_interests, the interest features as of that cutoff) and a small report. Snapshots not in
  the plan are removed, so the folder matches it.
"""

from __future__ import annotations

import time

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, write_frame, write_json
from segmentation.common.dvc_metrics import write_metrics
from segmentation.common.errors import UserError
from segmentation.engines.connect import connection, on_spark
from segmentation.features.customer_table import add_interests, build_categories, customer_table
from segmentation.features.cutoffs import (
    BASELINE,
    SnapshotCut,
    data_span,
    lines_per_period,
    snapshot_names,
    snapshot_plan,
)
from segmentation.features.rfm import ALL_FEATURES, features_from_file, with_membership
from segmentation.features.selection import select_features


def categories(cfg: DictConfig) -> dict:
    """Stage `categories`: the product table, its per-category summary and the report."""
    started = time.perf_counter()
    catalog = Catalog(cfg)
    built = build_categories(cfg)
    report = built.report  # no timing in it: a DVC metric must be the same on every run
    write_frame(built.products, catalog.categories)
    write_frame(built.summary, catalog.categories_summary)
    write_json(catalog.categories_report, report)
    write_metrics(catalog.categories_metrics, report)
    if "skipped" in report:
        print(f"categories: none: {report['skipped']}; interest features (features=rfm_interests) are unavailable")
    else:
        print(f"categories: {report['k']} categories of {report['products']:,} products ({report['source']}"
              f"{', silhouette %.3f' % report['silhouette'] if 'silhouette' in report else ''}) "
              f"in {time.perf_counter() - started:.1f}s")
    return report


def customer_features(cfg: DictConfig) -> dict:
    """Stage `features`: the customer table as of `features.cutoff` and its report."""
    started = time.perf_counter()
    catalog = Catalog(cfg)
    table, cutoff = customer_table(cfg)
    _, selection = select_features(table, OmegaConf.to_container(cfg.features, resolve=True))
    write_frame(table, catalog.features)
    present = [c for c in ALL_FEATURES if c in table.columns]
    report = {"cutoff": cutoff, "cutoff_config": cfg.features.cutoff,
              "precomputed": cfg.features.precomputed, **selection,
              "median": {c: round(float(table[c].median()), 2) for c in present}}
    write_json(catalog.features_report, report)
    print(f"features: {len(table):,} customers as of {cutoff} ({wholesaler_words(cfg.features.wholesalers, selection)} "
          f"by the current config) in {time.perf_counter() - started:.1f}s")
    return report


def wholesaler_words(policy: str, selection: dict) -> str:
    """What `features.wholesalers` (`policy`) does to the accounts above the threshold, counted:
    removed (drop; keep: 0 removed) or set apart (separate)."""
    if policy == "separate":
        return f"{selection['wholesalers_separated']} wholesalers set apart as their own segment"
    return f"{selection['wholesalers_removed']} wholesalers removed"


def _table(cfg: DictConfig, catalog: Catalog, cut: SnapshotCut) -> pd.DataFrame:
    """Every feature as of the cut, with the interest features when the feature set asks for them."""
    on_engine = connection(cfg) if on_spark(cfg) else None  # Spark: one session for every snapshot
    table = add_interests(cfg, features_from_file(catalog.clean, cut.cutoff, on_engine), cut.cutoff)
    if cut.name == BASELINE:
        return table.assign(is_new=False)
    baseline_path = catalog.snapshot(BASELINE)
    if not baseline_path.is_file():
        raise UserError(f"{baseline_path} not found. Fix: build the baseline first "
                        "(`python -m segmentation.features.run baseline`).")
    return with_membership(table, pd.read_parquet(baseline_path, columns=["customer_id"])["customer_id"])


def build(cfg: DictConfig, cut: SnapshotCut, baseline: pd.Timestamp, new_lines: int) -> dict:
    """One snapshot's table and report. `new_lines`: cleaned lines since the previous snapshot's
    cutoff (for the baseline, before it); none after the baseline means it repeats the previous."""
    started = time.perf_counter()
    catalog = Catalog(cfg)
    table = _table(cfg, catalog, cut)
    write_frame(table, catalog.snapshot(cut.name))
    report = {"cutoff": f"{cut.cutoff:%Y-%m-%d}", "days_after_baseline": int((cut.cutoff - baseline).days),
              "customers": int(len(table)), "existing_customers": int((~table["is_new"]).sum()),
              "new_customers": int(table["is_new"].sum()), "label": cut.label, "partial": bool(cut.partial),
              "new_lines": int(new_lines), "no_new_data": bool(cut.name != BASELINE and new_lines == 0)}
    write_json(catalog.snapshot_report(cut.name), report)
    repeat = "; no new data: repeats the previous snapshot" if report["no_new_data"] else ""
    print(f"snapshot {cut.label}: {report['customers']:,} customers as of {report['cutoff']} "
          f"({report['new_customers']:,} new, {report['new_lines']:,} new lines{repeat}) "
          f"in {time.perf_counter() - started:.1f}s")
    return report


def _check_name(cfg: DictConfig, name: str, plan: dict[str, SnapshotCut], last) -> None:
    if name in plan:
        return
    if name in snapshot_names(cfg.snapshots.offsets):
        raise UserError(f"snapshot '{name}' starts after the end of the data (last line {last:%Y-%m-%d}), so it is "
                        f"not built. Fix: use one of {list(plan)}.")
    raise UserError(f"snapshot '{name}' is not configured. Fix: use one of {list(plan)}.")


def snapshots(cfg: DictConfig, name: str | None = None) -> dict:
    """Every snapshot of the plan (stale ones removed), or only `name`."""
    catalog = Catalog(cfg)
    span = data_span(catalog.clean)
    plan = snapshot_plan(cfg.snapshots, span)
    if name is not None:
        _check_name(cfg, name, plan, span[1])
    counts = dict(zip(plan, lines_per_period(catalog.clean, [cut.cutoff for cut in plan.values()])))
    baseline = plan[BASELINE].cutoff
    if name is not None:
        return build(cfg, plan[name], baseline, counts[name])
    reports = {each: build(cfg, cut, baseline, counts[each]) for each, cut in plan.items()}
    wanted = {catalog.snapshot(each) for each in plan} | {catalog.snapshot_report(each) for each in plan}
    for stale in set(catalog.snapshot_files()) - wanted:
        stale.unlink()
    return reports
