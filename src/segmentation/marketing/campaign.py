"""The campaign export: one customer list a CRM imports (CSV and XLSX) and a per-segment summary.

Pure functions build the tables; only `write_campaign` writes files, atomically (both files or
neither). Conventions, for a person reading the file as much as for the CRM:

- money (spend, expected revenue, revenue, average order value) is rounded to cents;
- shares and probabilities are percentages, 0-100 with one decimal (`probability_active` 87.5
  means an 87.5 % chance that the customer is still active);
- `last_purchase_date` is a date (no time of day): text `YYYY-MM-DD` in the CSV, a real date
  cell in the XLSX;
- without a value model (`value=None`) the columns `expected_revenue_next_quarter` and
  `probability_active` are empty, never filled with a guess.

The XLSX holds a "Summary" sheet first, then one sheet per segment (largest revenue first)
with the same columns as the CSV; the segment sheets put back together equal the CSV.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from segmentation.common.catalog import atomic_path
from segmentation.common.errors import UserError
from segmentation.models.naming import actions_for

COLUMNS = ["customer_id", "segment", "segment_name", "last_purchase_date", "orders", "spend",
           "expected_revenue_next_quarter", "probability_active", "suggested_action"]
SUMMARY_COLUMNS = ["segment", "segment_name", "customers", "share_of_customers_pct", "orders", "revenue",
                   "share_of_revenue_pct", "average_order_value", "expected_revenue",
                   "share_of_expected_revenue_pct"]
SUMMARY_SHEET = "Summary"
TOTAL_NAME = "All customers"
#: Excel's limits on sheet names
SHEET_MAX, SHEET_FORBIDDEN = 31, re.compile(r"[\[\]:*?/\\]")


def _check_columns(frame: pd.DataFrame, needed: Sequence[str], what: str, fix: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise UserError(f"{what} lacks column(s) {missing}. Columns found: {list(frame.columns)}. Fix: {fix}")


def _action(name: str, actions: Mapping[str, str | Sequence[str]] | None) -> str:
    """The segment's first suggested action: from `actions` when given, else the naming rules'."""
    chosen = actions[name] if actions is not None and name in actions else actions_for(name)
    return chosen if isinstance(chosen, str) else (list(chosen)[0] if len(chosen) else "")


def campaign_table(customers: pd.DataFrame, segments: pd.DataFrame, value: pd.DataFrame | None = None,
                   actions: Mapping[str, str | Sequence[str]] | None = None) -> pd.DataFrame:
    """One row per segmented customer with `COLUMNS`, by segment then value (expected revenue,
    else spend), highest first.

    customers: the features table (customer_id, frequency, monetary, last_purchase).
    segments: customer_id, segment (id) and optionally segment_name ("Segment <id>" when absent).
    value: customer_id, expected_revenue (next quarter, money), probability_active (0-1); optional.
    actions: segment name -> action text (or a list: its first item); default: the naming rules'."""
    _check_columns(customers, ["customer_id", "frequency", "monetary"], "the customer table",
                   "pass the features stage's table (build/features.parquet).")
    _check_columns(segments, ["customer_id", "segment"], "the segment table", "pass customer_id and segment.")
    if segments["customer_id"].duplicated().any():
        raise UserError("the segment table lists a customer more than once. Fix: one segment per customer.")
    segs = segments.assign(customer_id=segments["customer_id"].astype(str))
    if "segment_name" not in segs:
        segs["segment_name"] = [f"Segment {s}" for s in segs["segment"]]
    feats = customers.assign(customer_id=customers["customer_id"].astype(str)).set_index("customer_id")
    unknown = segs.loc[~segs["customer_id"].isin(feats.index), "customer_id"]
    if len(unknown):
        raise UserError(f"{len(unknown)} segmented customer(s) are not in the customer table (e.g. "
                        f"{unknown.iloc[0]}). Fix: use the features table the segments were built from.")
    rows = feats.reindex(segs["customer_id"])
    last = rows["last_purchase"] if "last_purchase" in rows else pd.Series(pd.NaT, index=rows.index)
    table = pd.DataFrame({
        "customer_id": segs["customer_id"].to_numpy(),
        "segment": segs["segment"].to_numpy(),
        "segment_name": segs["segment_name"].astype(str).to_numpy(),
        "last_purchase_date": [d.date() if pd.notna(d) else None for d in pd.to_datetime(last)],
        "orders": rows["frequency"].astype(np.int64).to_numpy(),
        "spend": rows["monetary"].astype(float).round(2).to_numpy(),
    })
    expected, active = _value_columns(table["customer_id"], value)
    table["expected_revenue_next_quarter"], table["probability_active"] = expected, active
    table["suggested_action"] = table["segment_name"].map(lambda n: _action(n, actions))
    rank = "expected_revenue_next_quarter" if value is not None else "spend"
    return (table.sort_values(["segment", rank, "customer_id"], ascending=[True, False, True], kind="stable")
            .reset_index(drop=True)[COLUMNS])


def _value_columns(ids: pd.Series, value: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Expected revenue (cents) and probability active (%, one decimal) per id; NaN without a value model."""
    if value is None:
        return np.full(len(ids), np.nan), np.full(len(ids), np.nan)
    _check_columns(value, ["customer_id", "expected_revenue", "probability_active"], "the value table",
                   "pass the expected-revenue model's per-customer table.")
    per_customer = value.assign(customer_id=value["customer_id"].astype(str)).set_index("customer_id")
    if per_customer.index.duplicated().any():
        raise UserError("the value table lists a customer more than once. Fix: one row per customer.")
    rows = per_customer.reindex(ids)
    return (rows["expected_revenue"].astype(float).round(2).to_numpy(),
            (100 * rows["probability_active"].astype(float)).round(1).to_numpy())


def _pct(part: pd.Series, whole: float) -> pd.Series:
    return (100 * part / whole).round(1) if whole else pd.Series(np.nan, index=part.index)


def segment_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per segment of a `campaign_table`: customers, orders, revenue (spend), average order value,
    expected revenue, with shares in %; largest revenue first, then an "All customers" total row.
    Expected revenue is empty when the table has none."""
    has_value = table["expected_revenue_next_quarter"].notna().any()
    groups = table.groupby(["segment", "segment_name"], sort=False)
    per = groups.agg(customers=("customer_id", "size"), orders=("orders", "sum"), revenue=("spend", "sum"),
                     expected_revenue=("expected_revenue_next_quarter", "sum")).reset_index()
    per = per.sort_values(["revenue", "segment"], ascending=[False, True], kind="stable")
    total = pd.DataFrame([{"segment": None, "segment_name": TOTAL_NAME, "customers": per["customers"].sum(),
                           "orders": per["orders"].sum(), "revenue": per["revenue"].sum(),
                           "expected_revenue": per["expected_revenue"].sum()}])
    summary = pd.concat([per, total], ignore_index=True)
    summary["segment"] = summary["segment"].astype(object)
    summary["revenue"] = summary["revenue"].astype(float).round(2)
    summary["average_order_value"] = (summary["revenue"] / summary["orders"].where(summary["orders"] != 0)).round(2)
    summary["expected_revenue"] = summary["expected_revenue"].astype(float).round(2) if has_value else np.nan
    summary["share_of_customers_pct"] = _pct(summary["customers"], per["customers"].sum())
    summary["share_of_revenue_pct"] = _pct(summary["revenue"], per["revenue"].sum())
    summary["share_of_expected_revenue_pct"] = (_pct(summary["expected_revenue"], per["expected_revenue"].sum())
                                                if has_value else np.nan)
    return summary[SUMMARY_COLUMNS]


def sheet_names(names: Sequence[str], reserved: Sequence[str] = (SUMMARY_SHEET,)) -> list[str]:
    """Excel-safe sheet names, one per name, in order: the characters []:*?/\\ become "-",
    leading/trailing apostrophes and spaces go, at most 31 characters, unique regardless of case
    (and distinct from `reserved`) by a " (2)", " (3)"... suffix; an empty result becomes "Segment"."""
    taken = {r.casefold() for r in reserved}
    out = []
    for name in names:
        base = SHEET_FORBIDDEN.sub("-", str(name)).strip(" '")[:SHEET_MAX].strip(" '") or "Segment"
        candidate, suffix = base, 2
        while candidate.casefold() in taken or candidate.casefold() == "history":  # "History" is reserved by Excel
            tail = f" ({suffix})"
            candidate, suffix = base[:SHEET_MAX - len(tail)].rstrip() + tail, suffix + 1
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


MONEY_COLUMNS = {"spend", "expected_revenue_next_quarter", "revenue", "average_order_value", "expected_revenue"}
FORMATS = {**dict.fromkeys(MONEY_COLUMNS, "#,##0.00"), "last_purchase_date": "yyyy-mm-dd"}


def _columns(frame: pd.DataFrame) -> list[list]:
    """Plain Python values, column by column (None for missing), ready for the XLSX writer."""
    columns = []
    for column in frame.columns:
        values = frame[column].astype(object).where(frame[column].notna(), None).tolist()
        columns.append([v.item() if isinstance(v, np.generic) else v for v in values])
    return columns


def _add_sheet(book, title: str, frame: pd.DataFrame, formats: Mapping) -> None:
    """One sheet: header frozen, widths from the content, money with thousands separators, dates as dates."""
    sheet = book.add_worksheet(title)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, list(frame.columns))
    for index, (column, values) in enumerate(zip(frame.columns, _columns(frame), strict=True)):
        width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
        sheet.set_column(index, index, min(max(width + 2, 10), 60))
        style = formats.get(column)
        for row, value in enumerate(values, start=1):
            if value is not None:
                sheet.write(row, index, value, style)


def _deterministic(payload: bytes) -> bytes:
    """The zip with fixed entry dates and document dates: same content, same bytes (DVC sees no change)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(payload)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # the writer stamps the save time here
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<3>", data)
            target.writestr(info, data)
    return out.getvalue()


def _xlsx_bytes(table: pd.DataFrame, summary: pd.DataFrame) -> bytes:
    """The workbook: the summary sheet, then one sheet per segment in the summary's order.
    XlsxWriter (python-pptx's dependency) writes it in a fifth of openpyxl's time; text stays text
    (no formula or link made from a cell that starts with "=" or "http")."""
    import io

    import xlsxwriter

    segments = summary.loc[summary["segment_name"] != TOTAL_NAME, ["segment", "segment_name"]]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False, "nan_inf_to_errors": True})
    formats = {column: book.add_format({"num_format": fmt}) for column, fmt in FORMATS.items()}
    _add_sheet(book, SUMMARY_SHEET, summary, formats)
    keys = table["segment"].astype(str)
    for title, segment in zip(sheet_names(list(segments["segment_name"])), segments["segment"]):
        _add_sheet(book, title, table[keys == str(segment)], formats)
    book.close()
    return _deterministic(buffer.getvalue())


def write_campaign(table: pd.DataFrame, summary: pd.DataFrame, csv_path: str | os.PathLike,
                   xlsx_path: str | os.PathLike) -> None:
    """The customer list as CSV (UTF-8, dates as YYYY-MM-DD, empty cells for missing values) and
    the XLSX workbook (summary + one sheet per segment); both are written or neither."""
    payload = _xlsx_bytes(table, summary)
    with atomic_path(csv_path) as csv_tmp, atomic_path(xlsx_path) as xlsx_tmp:
        table.to_csv(csv_tmp, index=False, encoding="utf-8")
        xlsx_tmp.write_bytes(payload)
