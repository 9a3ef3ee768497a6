"""What the data supplied, for the report: which company-performance figures exist, and a short
"Data available" note naming each optional column the source lacks, what it costs and how to
add it. Pure: from the ingest report (columns supplied) and the EDA summary (figures drawn,
figures skipped and why); nothing here assumes a particular shop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: company-performance figures in report order: (name, caption); "{market}" is the data's market label.
#: Every figure the EDA stage draws (company.sales_figures.FIGURES) is here: the report shows them all.
REPORT_FIGURES = (("1_sales_per_month", "Sales per month"),
                  ("2_sales_orders_customers_per_year", "Sales, orders and customers per year"),
                  ("4_customer_types", "Who the customers are"), ("3_sales_by_country", "Sales by {market}"),
                  ("5_average_order_value", "Average order value"),
                  ("6_cancellation_rate", "Cancellation rate"),
                  ("7_cohort_retention", "How many new customers come back"),
                  ("8_top_products", "Best-selling products"))
#: every EDA figure's caption (named when skipped)
CAPTIONS = dict(REPORT_FIGURES)

#: optional column -> what its absence costs (without the figures the EDA skipped)
COLUMN_EFFECTS = {
    "invoice": "orders are counted as one per customer per day",
    "quantity": "every line counts as one unit (a negative amount as a return of one), so the unit-based "
                "views (wholesale split, items per order in segment names) are left out",
    "country": "sales cannot be split by {market}",
    "stock_code": "postage and fee lines cannot be recognised by their product code",
    "description": "products are named by their code only",
}


def _name(figure: str) -> str:
    return str(figure).removesuffix(".png")


def caption(figure: str, market_label: str = "country") -> str:
    return CAPTIONS.get(_name(figure), _name(figure).replace("_", " ")).format(market=market_label)


def report_figures(eda: Mapping, exists: Callable[[str], bool] = lambda name: True) -> list[tuple[str, str]]:
    """The report's EDA figures that were drawn: listed in eda["figures"] (every one when the
    summary predates that key) and present (`exists`), with captions in the data's words."""
    drawn = {_name(f) for f in eda["figures"]} if eda.get("figures") is not None else None
    market = eda.get("market_label") or "country"
    return [(name, text.format(market=market)) for name, text in REPORT_FIGURES
            if (drawn is None or name in drawn) and exists(name)]


def data_note(ingest: Mapping | None, eda: Mapping, mappable: bool = True) -> list[str]:
    """One sentence per missing optional column (with the report figures it leaves out) and per
    skipped report figure no single missing column explains; empty when nothing is missing.
    `mappable`: the source maps its columns (data.columns); a fixed export (Olist) cannot."""
    market = eda.get("market_label") or "country"
    columns = (ingest or {}).get("columns") or {}
    missing = [column for column in COLUMN_EFFECTS if columns.get(column) is False]
    shown = dict(REPORT_FIGURES)
    skipped = {_name(f): str(reason) for f, reason in (eda.get("skipped") or {}).items() if _name(f) in shown}
    by_column: dict[str, list[str]] = {column: [] for column in missing}
    alone = []
    for figure, reason in skipped.items():
        named = [c for c in missing if re.search(rf"\b{c}\b", reason)]
        (by_column[named[0]] if len(named) == 1 else alone).append(figure)
    lines = []
    for column in missing:
        label = market if column == "country" else column.replace("_", " ")
        left_out = "".join(f"; the \u201c{caption(f, market)}\u201d chart is left out" for f in by_column[column])
        fix = f"set data.columns.{column}" if mappable else "not in this source"
        lines.append(f"No {label} column: {COLUMN_EFFECTS[column].format(market=market)}{left_out} ({fix}).")
    reasons = {f: skipped[f] if mappable else skipped[f].split(": set ")[0] for f in alone}
    lines += [f"The \u201c{caption(f, market)}\u201d chart is left out: {reasons[f].rstrip('.')}." for f in alone]
    return lines
