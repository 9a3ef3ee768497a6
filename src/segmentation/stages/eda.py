"""Stage `eda`: company-performance figures, a summary (DVC metrics) and the monthly series (DVC plot)."""

from __future__ import annotations

import time

import duckdb

from omegaconf import DictConfig

from segmentation.config import resolve
from segmentation.eda import company_performance, lines_view
from segmentation.errors import UserError
from segmentation.io import atomic_path, write_json
from segmentation.plots.eda import draw_all
from segmentation.stages import run_stage


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    clean_path = resolve(cfg.paths.clean)
    if not clean_path.is_file():
        raise UserError(f"{clean_path} not found. Fix: run the clean stage first (`dvc repro clean`).")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    lines_view(con, clean_path)
    perf = company_performance(con, float(cfg.features.wholesaler_quantile))
    figures = draw_all(perf, resolve(cfg.paths.figures))
    monthly = perf.monthly.assign(month=perf.monthly["period"].dt.strftime("%Y-%m"))[
        ["month", "revenue", "orders", "customers", "average_basket", "cancellation_rate_pct"]].round(2)
    with atomic_path(resolve(cfg.paths.eda_monthly)) as tmp:
        monthly.to_csv(tmp, index=False)
    write_json(resolve(cfg.paths.eda_summary), perf.summary)
    print(f"eda: {len(figures)} figures, summary and monthly series in {time.perf_counter() - started:.1f}s")
    return perf.summary


if __name__ == "__main__":
    run_stage(run)
