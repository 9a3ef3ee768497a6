"""Stage `report` (its dashboard part; see stage.STAGES): reports/dashboard.html, an interactive
dashboard for marketing that opens offline from one file (data, Plotly and the app inlined);
`record` attaches it to the training run."""

from __future__ import annotations

import time

from omegaconf import DictConfig

from segmentation.common.catalog import Catalog, write_text
from segmentation.dashboard.build import payload
from segmentation.dashboard.page import render
from segmentation.tracking.records import log_files_to_run


def run(cfg: DictConfig) -> dict:
    from plotly.offline import get_plotlyjs  # the library's own bundle, inlined: no CDN

    started = time.perf_counter()
    catalog = Catalog(cfg)
    content = payload(cfg)
    write_text(catalog.dashboard, render(content, get_plotlyjs()))
    size = catalog.dashboard.stat().st_size / 1e6
    shown = content["map"]
    print(f"dashboard: {len(content['customers']['columns']['id']):,} customers, {len(content['segments'])} segments, "
          f"map {len(shown['row']):,} points{' (sampled)' if shown['sampled'] else ''}; {catalog.dashboard.name} "
          f"{size:.1f} MB in {time.perf_counter() - started:.1f}s")
    return {"megabytes": round(size, 2)}


def record(cfg: DictConfig) -> None:
    """The dashboard, into the training run (artifacts/report)."""
    catalog = Catalog(cfg)
    log_files_to_run(cfg, catalog.train_run, [catalog.dashboard], "report")
