"""Stage `clean`: apply the cleaning rules (on DuckDB, or Spark with engine=spark) and write the
per-rule report, and its numbers as DVC metrics."""

from __future__ import annotations

import shutil
import time

from omegaconf import DictConfig, OmegaConf

from segmentation.cleaning.by_partition import clean_partitions, partitioned
from segmentation.cleaning.rules import clean_file, cleaning_rules
from segmentation.cleaning.rules_spark import clean_on_spark
from segmentation.common.catalog import Catalog, atomic_path, read_json, write_json
from segmentation.common.dvc_metrics import write_metrics
from segmentation.common.errors import UserError
from segmentation.engines.connect import connection, on_spark


def run(cfg: DictConfig) -> dict:
    catalog = Catalog(cfg)
    source, target = catalog.raw, catalog.clean
    if not source.exists():
        raise UserError(f"{source} not found. Fix: run the ingest stage first (`dvc repro ingest`).")
    facts = read_json(catalog.ingest_report) if catalog.ingest_report.is_file() else None
    rules = cleaning_rules(OmegaConf.to_container(cfg.cleaning, resolve=True),
                           OmegaConf.to_container(cfg.data, resolve=True), facts)
    started = time.perf_counter()
    if partitioned(source):  # a source in periods: only the partitions not yet cleaned under these rules
        report, cleaned = clean_partitions(source, target, rules)
        everything_removed(report)
        print(f"clean: {cleaned} of {report['partitions']} partition(s) cleaned now")
    else:
        if target.is_dir() and partitioned(target):  # the partitions of an earlier source in periods
            shutil.rmtree(target)
        with atomic_path(target) as tmp:
            report = clean_on_spark(connection(cfg), source, tmp, rules) if on_spark(cfg) else clean_file(source, tmp, rules)
            everything_removed(report)  # inside: a refused output is never written
    write_json(catalog.cleaning_report, report)
    write_metrics(catalog.cleaning_metrics, report)
    removed = ", ".join(f"{name} {r['lines']:,}" for name, r in report["removed"].items())
    print(f"clean: {report['lines_in']:,} -> {report['lines_out']:,} lines (removed: {removed}) "
          f"in {time.perf_counter() - started:.1f}s")
    if not rules["duplicates_rule"]["applied"]:
        print(f"clean: exact duplicates kept ({rules['duplicates_rule']['reason']})")
    return report


def everything_removed(report: dict) -> None:
    """Refuse a cleaning that kept no line (the rules or the data are wrong)."""
    if report["lines_out"] == 0:
        raise UserError("cleaning removed every line. Fix: check the cleaning rules (cleaning.*) and the data.")
