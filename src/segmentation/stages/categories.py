"""Stage `categories`: product categories from descriptions, once per dataset (or a user mapping),
or the reason there are none (then feature set rfm_interests stops with one line and its fix)."""

from __future__ import annotations

import time

from omegaconf import DictConfig

from segmentation.catalog import Catalog, write_frame, write_json
from segmentation.dvc_metrics import write_metrics
from segmentation.interests.tables import build_categories
from segmentation.stages import run_stage


def run(cfg: DictConfig) -> dict:
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


if __name__ == "__main__":
    run_stage(run)
