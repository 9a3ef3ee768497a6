"""Pure mapping of a raw table onto the canonical schema, with plain-language validation.

Real-file quirks handled here: Customer ID read as float with NaN (13085.0 -> "13085"),
Invoice and StockCode mixing integers and strings, optional columns absent.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from segmentation.common.errors import UserError
from segmentation.data.schema import ARROW_SCHEMA, OPTIONAL, REQUIRED


def check_columns(found: list[str], columns: Mapping[str, str | None], source: str) -> None:
    """Fail with the columns found and the override that fixes each missing mapping."""
    duplicated = sorted({name for name in found if found.count(name) > 1})
    if duplicated:
        raise UserError(
            f"{source}: the header repeats column(s) {duplicated}. "
            "Fix: give every column a distinct name in the file."
        )
    for key in REQUIRED:
        if not columns.get(key):
            raise UserError(f"data.columns.{key} is not set. Fix: map it to one of the columns {found}.")
    if not columns.get("price") and not columns.get("amount"):
        raise UserError(
            "neither data.columns.price (unit price) nor data.columns.amount (line total) is set. "
            f"Fix: map one of them to one of the columns {found}."
        )
    missing = [(key, name) for key, name in columns.items() if name and name not in found]
    if missing:
        fixes = []
        for key, name in missing:
            guess = difflib.get_close_matches(str(name), [str(f) for f in found], n=1, cutoff=0.5)
            fixes.append(f"data.columns.{key}={guess[0] if guess else '<column>'}")
        wanted = ", ".join(f"{key}='{name}'" for key, name in missing)
        raise UserError(
            f"{source}: column(s) not found: {wanted}. Columns found: {found}. "
            f"Fix: map them to your column names, e.g. `dvc exp run -S '{fixes[0]}'`"
            + (f" (also {', '.join(fixes[1:])})" if len(fixes) > 1 else "")
            + ", or pick the data config that matches the file (data=online_retail_ii|online_retail|transactions)."
        )


def normalise(
    raw: pd.DataFrame,
    columns: Mapping[str, str | None],
    date_format: str | None = None,
    source: str = "input",
    first_row: int = 1,
) -> pd.DataFrame:
    """Return `raw` in the canonical schema (see `schema.ARROW_SCHEMA`).

    `first_row` is the data-row number of raw's first row, so messages quote file rows.
    Raises UserError naming the column, an example row and the fix.
    """
    columns = {k: v for k, v in columns.items() if k in (*REQUIRED, *OPTIONAL, "price", "amount")}
    check_columns([str(c) for c in raw.columns], columns, source)
    if raw.empty:
        raise UserError(f"{source} has a header but no data rows. Fix: point data.path at a file with transactions.")
    raw = raw.reset_index(drop=True)

    def col(key: str) -> pd.Series:
        return raw[columns[key]]

    def row(i: int) -> int:
        return first_row + int(i)

    customer_id = _id_strings(col("customer_id"))
    invoice_date = _dates(col("invoice_date"), columns["invoice_date"], date_format, source, row)
    quantity, price = _quantity_and_price(raw, columns, source, row)
    if columns.get("invoice"):
        invoice = _id_strings(col("invoice"))
    else:  # one order per customer per day
        invoice = customer_id.fillna("unidentified") + "-" + invoice_date.dt.strftime("%Y%m%d").astype("string")

    def text(key: str) -> pd.Series:
        if not columns.get(key):
            return pd.Series(pd.NA, index=raw.index, dtype="string")
        return col(key).astype("string").str.strip()

    return pd.DataFrame(
        {
            "invoice": invoice.astype("string"),
            "stock_code": _id_strings(col("stock_code")) if columns.get("stock_code") else text("stock_code"),
            "description": text("description"),
            "quantity": quantity.astype("float64"),
            "price": price.astype("float64"),
            "invoice_date": invoice_date.astype("datetime64[us]"),
            "customer_id": customer_id,
            "country": text("country"),
        },
        columns=ARROW_SCHEMA.names,
    )


def _quantity_and_price(raw: pd.DataFrame, columns: Mapping, source: str, row) -> tuple[pd.Series, pd.Series]:
    """Quantity (1 per line when unmapped; -1 on a negative amount) and unit price (or the line
    amount over the quantity)."""
    quantity = (
        _numbers(raw[columns["quantity"]], columns["quantity"], source, row)
        if columns.get("quantity")
        else pd.Series(1.0, index=raw.index)
    )
    if columns.get("price"):
        return quantity, _numbers(raw[columns["price"]], columns["price"], source, row)
    amount = _numbers(raw[columns["amount"]], columns["amount"], source, row)
    if not columns.get("quantity"):  # a negative line total is a return: one unit back, not a negative price
        quantity = quantity.where(amount >= 0, -1.0)
    zero = quantity == 0
    if zero.any():
        i = int(np.flatnonzero(zero.to_numpy())[0])
        raise UserError(
            f"{source}: quantity is 0 on data row {row(i)}, so the unit price cannot be derived from "
            "the line amount. Fix: remove such lines or map data.columns.price."
        )
    return quantity, amount / quantity


def _id_strings(values: pd.Series) -> pd.Series:
    """Ids as trimmed strings; integral numbers lose their '.0' (13085.0 -> '13085')."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("string")
    if pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        integral = numbers.notna() & np.isfinite(numbers) & (numbers == numbers.round())
        if integral.sum() == numbers.notna().sum():
            return numbers.astype("Int64").astype("string")
        return numbers.astype("string")
    # xlsx cells arrive as int/float/str mixes; floats print as "489434.0"
    text = values.astype("string").str.strip().str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text.mask(text.isin(["", "nan", "NaN", "None"]))


def _dates(values: pd.Series, name: str, date_format: str | None, source: str, row) -> pd.Series:
    if pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime"):
        # typed spreadsheet cells: calamine gives a cell at midnight as a date, the others as
        # datetimes; as text the two would look like two formats
        values = pd.to_datetime(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
    elif pd.api.types.is_numeric_dtype(values) and not date_format:
        example = values.dropna().iloc[0] if values.notna().any() else "?"
        raise UserError(
            f"{source}: column '{name}' holds numbers (e.g. {example}), not dates. "
            "Fix: set data.date_format, e.g. data.date_format='%Y%m%d'."
        )
    else:
        as_text = values.astype("string").str.strip()
        if date_format:
            parsed = pd.to_datetime(as_text, format=date_format, errors="coerce")
        else:
            parsed = pd.to_datetime(as_text, errors="coerce")
            # pandas infers the format from the first value; a second mixed-format pass
            # would silently swap day and month, so unparsed rows are reported instead.
        bad = parsed.isna() & values.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise UserError(
                f"{source}: {int(bad.sum())} value(s) in column '{name}' are not dates in one consistent format, "
                f"e.g. data row {row(i)}: '{values.iloc[i]}'. "
                "Fix: set data.date_format to the file's format (e.g. '%d/%m/%Y %H:%M') or correct those rows."
            )
    missing = parsed.isna()
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise UserError(f"{source}: column '{name}' is empty on data row {row(i)}. Fix: every line needs a date.")
    future = parsed > pd.Timestamp(datetime.now())
    if future.any():
        i = int(np.flatnonzero(future.to_numpy())[0])
        raise UserError(
            f"{source}: {int(future.sum())} date(s) in column '{name}' are in the future, "
            f"e.g. data row {row(i)}: '{values.iloc[i]}'. Fix: check the date format (day/month order) or the rows."
        )
    return parsed


def _numbers(values: pd.Series, name: str, source: str, row) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        raise UserError(f"{source}: column '{name}' holds true/false values, not numbers. Fix: map the right column.")
    numbers = pd.to_numeric(values, errors="coerce") if not pd.api.types.is_numeric_dtype(values) else values
    numbers = numbers.astype("float64")
    bad = numbers.isna() & values.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        example = str(values.iloc[i])
        hint = ""
        if any(unicodedata.category(char) == "Sc" for char in example):  # any currency symbol
            hint = " Remove currency symbols from the column."
        elif "," in example:
            hint = " Use '.' as the decimal separator (e.g. 3.50, not 3,50)."
        raise UserError(
            f"{source}: {int(bad.sum())} value(s) in column '{name}' are not numbers, "
            f"e.g. data row {row(i)}: '{example}'.{hint} Fix: correct the column or map another one."
        )
    if numbers.isna().any():
        i = int(np.flatnonzero(numbers.isna().to_numpy())[0])
        raise UserError(f"{source}: column '{name}' is empty on data row {row(i)}. Fix: fill or remove those lines.")
    infinite = ~np.isfinite(numbers)
    if infinite.any():
        i = int(np.flatnonzero(infinite.to_numpy())[0])
        raise UserError(
            f"{source}: column '{name}' holds an infinite value on data row {row(i)}. Fix: correct those lines."
        )
    return numbers
