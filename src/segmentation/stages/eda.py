"""Stage `eda`: company-performance figures, a summary (DVC metrics) and the monthly series (DVC plot)."""

from __future__ import annotations

import time

import duckdb
from omegaconf import DictConfig

from segmentation.catalog import Catalog, write_frame, write_json
from segmentation.customer_tables import customer_table
from segmentation.performance import company_performance, lines_view
from segmentation.preprocess import wholesaler_mask
from segmentation.reporting.plots.performance import draw_all
from segmentation.stages import run_stage


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    catalog = Catalog(cfg)
    customers, _ = customer_table(cfg)  # checks the clean file exists
    is_wholesale, threshold = wholesaler_mask(customers, cfg.features.wholesaler_column,
                                              float(cfg.features.wholesaler_quantile))
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    lines_view(con, catalog.clean)
    perf = company_performance(con, customers.loc[is_wholesale, "customer_id"], threshold)
    figures = draw_all(perf, catalog.figures)
    monthly = perf.monthly.assign(month=perf.monthly["period"].dt.strftime("%Y-%m"))[
        ["month", "revenue", "orders", "customers", "average_basket", "cancellation_rate_pct"]].round(2)
    write_frame(monthly, catalog.eda_monthly)
    write_json(catalog.eda_summary, perf.summary)
    print(f"eda: {len(figures)} figures, summary and monthly series in {time.perf_counter() - started:.1f}s")
    return perf.summary


if __name__ == "__main__":
    run_stage(run)
