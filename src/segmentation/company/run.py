"""Stage `eda`: company-performance figures, a summary (its numbers: DVC metrics) and the monthly series (DVC plot).

Adapts to what the source supplies (the ingest report: optional columns present or not) and
to `data.currency` / `data.market_label`; figures the data cannot support are skipped with
one line naming the column that would enable them."""

from __future__ import annotations

import time

from omegaconf import DictConfig

from segmentation.common.catalog import Catalog, read_json, require, write_frame, write_json
from segmentation.common.dvc_metrics import write_metrics
from segmentation.common.errors import UserError
from segmentation.common.money import check_currency
from segmentation.company.sales import company_performance, lines_view
from segmentation.company.sales_figures import draw_all
from segmentation.data.schema import OPTIONAL
from segmentation.engines.connect import connection
from segmentation.features.customer_table import customer_table
from segmentation.features.selection import wholesaler_mask, wholesaler_rule_applies

FIX_INGEST = "run `dvc repro ingest`"


def supplied_columns(catalog: Catalog) -> dict[str, bool]:
    """Optional column -> whether the source supplies it, from the ingest report."""
    report = read_json(require(catalog.ingest_report, "what the data source supplies", FIX_INGEST))
    columns = report.get("columns")
    if not isinstance(columns, dict):
        raise UserError(f"{catalog.ingest_report} does not list the columns the source supplies "
                        f"(written by an older version). Fix: {FIX_INGEST}.")
    return {key: bool(columns.get(key, False)) for key in OPTIONAL}


def run(cfg: DictConfig) -> dict:
    started = time.perf_counter()
    catalog = Catalog(cfg)
    available = supplied_columns(catalog)
    currency = check_currency(cfg.data.get("currency"))
    market_label = str(cfg.data.market_label)
    customers, _ = customer_table(cfg)  # checks the clean file exists
    wholesalers, threshold = None, None
    if wholesaler_rule_applies(cfg.features.wholesaler_column, available):
        is_wholesale, threshold = wholesaler_mask(customers, cfg.features.wholesaler_column,
                                                  float(cfg.features.wholesaler_quantile))
        wholesalers = customers.loc[is_wholesale, "customer_id"]
    else:
        print(f"eda: no wholesale split: features.wholesaler_column={cfg.features.wholesaler_column} counts units "
              "and the data have no quantity column (set data.columns.quantity)")
    con = connection(cfg)  # DuckDB, or Spark with engine=spark: the same SQL
    lines_view(con, catalog.clean)
    perf = company_performance(con, wholesalers, threshold, available, market_label, currency=currency)
    drawn, skipped = draw_all(perf, catalog.figures, currency, market_label, available)
    for name, reason in skipped.items():
        print(f"eda: skipped {name}: {reason}")
    perf.summary.update({"figures": drawn, "skipped": skipped})
    # the month as a date (its first day): DVC's plot templates need a date or a number on x
    monthly = perf.monthly.assign(month=perf.monthly["period"].dt.strftime("%Y-%m-01"))[
        ["month", "revenue", "orders", "customers", "average_basket", "cancellation_rate_pct"]].round(2)
    write_frame(monthly, catalog.eda_monthly)
    write_json(catalog.eda_summary, perf.summary)
    write_metrics(catalog.eda_metrics, perf.summary)
    print(f"eda: {len(drawn)} figures, summary and monthly series in {time.perf_counter() - started:.1f}s")
    return perf.summary

