"""Stage `report` (its first part; see stage.STAGES): name the default segmentation's segments and
write the management report (self-contained HTML) and slide deck; `record` attaches them to the
training run in MLflow."""

from __future__ import annotations

import time

from omegaconf import DictConfig

from segmentation.common.catalog import Catalog
from segmentation.reporting.assemble import write_report
from segmentation.tracking.records import log_files_to_run

FILES = ("report", "slides", "segment_names")  # catalog names


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    context, slides = write_report(cfg)
    catalog = Catalog(cfg)
    print(f"report: {len(context['cards'])} segments ({', '.join(context['names'].values())}); "
          f"{catalog.report.name} and {slides} slides in {time.perf_counter() - started:.1f}s")
    return context["names"]


def record(cfg: DictConfig) -> None:
    """The report, the slides and the segment names, into the training run (artifacts/report)."""
    catalog = Catalog(cfg)
    log_files_to_run(cfg, catalog.train_run, [getattr(catalog, name) for name in FILES], "report")
