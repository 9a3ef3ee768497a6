"""Read the Olist Brazilian e-commerce export (a folder of CSV tables) as canonical lines.

One line per order: the buyer is `customer_unique_id` (the export's `customer_id` is a new id
for every order, so using it would make every buyer a one-time buyer), the amount is the
order's payment total, the market is the buyer's state. A cancelled order is a purchase line
plus a reversing line (quantity -1), which is how the project recognises cancellations.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.common.catalog import user_path
from segmentation.common.config import required
from segmentation.common.errors import UserError
from segmentation.data.schema import ARROW_SCHEMA, EXTRA_COLUMNS

#: the export's published file names (data.files overrides them one by one)
PUBLISHED_FILES = {
    "orders": "olist_orders_dataset.csv",
    "payments": "olist_order_payments_dataset.csv",
    "customers": "olist_customers_dataset.csv",
    "items": "olist_order_items_dataset.csv",
    "reviews": "olist_order_reviews_dataset.csv",
}
OPTIONAL_FILES = ("items", "reviews")
#: the published columns this reader uses, per file
USED_COLUMNS = {
    "orders": ("order_id", "customer_id", "order_status", "order_purchase_timestamp",
               "order_delivered_customer_date", "order_estimated_delivery_date"),
    "payments": ("order_id", "payment_installments", "payment_value"),
    "customers": ("customer_id", "customer_unique_id", "customer_state"),
    "items": ("order_id", "price", "freight_value"),
    "reviews": ("order_id", "review_score"),
}
EXPORT = "the Olist export (Kaggle: 'Brazilian E-Commerce Public Dataset by Olist')"


def supplied_columns(data: Mapping) -> set[str]:
    """The optional canonical columns this source fills: quantity is always 1 (or -1 on the
    reversing line of a cancelled order); there is no product code or name per order."""
    return {"invoice", "country"}


def check_folder(path: Path) -> Path:
    """`path` when it is an existing folder, else a one-line error."""
    if not path.exists():
        raise UserError(f"data folder not found: {path}. Fix: unzip {EXPORT} there, or set data.path "
                        "to the folder holding its olist_*.csv files.")
    if not path.is_dir():
        raise UserError(f"data.path {path} is a file, but data.format=olist reads a folder. Fix: set data.path "
                        "to the folder holding the olist_*.csv files.")
    return path


def read_olist(data: Mapping) -> pd.DataFrame:
    """The export in `data['path']` as one canonical frame: one line per order, plus a reversing
    line per cancelled order; ARROW_SCHEMA columns, then the order attributes it knows."""
    folder = check_folder(user_path(data["path"]))
    tables = _read_tables(folder, required(data, "files", "data"))
    orders = _orders(tables["orders"], tables["customers"], _name(data, "orders"), _name(data, "customers"))
    payments = _payment_totals(tables["payments"], _name(data, "payments"))
    orders = orders.join(payments, on="order_id")
    if "items" in tables:
        item_totals = _item_totals(tables["items"], _name(data, "items"))
        orders["amount"] = orders["amount"].fillna(orders["order_id"].map(item_totals))
    unpaid = orders["amount"].isna()
    if unpaid.any():
        fallback = "nor item" if "items" in tables else "row (and no items file)"
        print(f"olist: {int(unpaid.sum()):,} order(s) left out: no payment {fallback} to price them")
        orders = orders[~unpaid]
    if "reviews" in tables:
        orders = orders.join(_review_scores(tables["reviews"], _name(data, "reviews")), on="order_id")
    statuses = required(data, "cancelled_statuses", "data") or []
    return _lines(orders, {str(s).strip().lower() for s in statuses})


def _name(data: Mapping, key: str) -> str:
    return str(required(data, "files", "data").get(key) or PUBLISHED_FILES[key])


def _read_tables(folder: Path, files: Mapping) -> dict[str, pd.DataFrame]:
    """The used columns of every file present, as strings; required files must exist."""
    tables = {}
    for key, published in PUBLISHED_FILES.items():
        name = str(files.get(key) or published)
        path = folder / name
        if not path.is_file():
            if key in OPTIONAL_FILES:
                continue
            found = sorted(p.name for p in folder.glob("*.csv"))
            raise UserError(f"{name} ({key}, required) not found in {folder}; .csv files there: {found}. "
                            f"Fix: unzip the whole of {EXPORT} there, or set data.files.{key} to the file's name.")
        tables[key] = _read_csv(path, key)
    return tables


def _read_csv(path: Path, key: str) -> pd.DataFrame:
    fix = "remove it (it is optional) or re-download it" if key in OPTIONAL_FILES else f"re-download {EXPORT}"
    options = {"encoding": "utf-8-sig", "encoding_errors": "replace"}  # the used columns are ASCII
    try:
        header = [str(c) for c in pd.read_csv(path, nrows=0, **options).columns]
    except pd.errors.EmptyDataError:
        raise UserError(f"{path.name} is empty (no header, no rows). Fix: {fix}.") from None
    for column in USED_COLUMNS[key]:
        if column not in header:
            raise UserError(f"{path.name}: column '{column}' not found. Columns found: {header}. Fix: use the "
                            f"file as published in {EXPORT}, or point data.files.{key} at the right file.")
    try:
        table = pd.read_csv(path, usecols=list(USED_COLUMNS[key]), dtype=str, keep_default_na=False, **options)
    except pd.errors.ParserError as err:
        raise UserError(f"{path.name} could not be parsed as CSV ({str(err).strip()}). Fix: {fix}.") from None
    if table.empty:
        raise UserError(f"{path.name} has a header but no data rows. Fix: {fix}.")
    return table.apply(lambda values: values.str.strip())


def _orders(orders: pd.DataFrame, customers: pd.DataFrame, orders_file: str, customers_file: str) -> pd.DataFrame:
    """Orders with their buyer (customer_unique_id), state, purchase time and lateness."""
    _refuse_duplicates(orders, "order_id", orders_file)
    _refuse_duplicates(customers, "customer_id", customers_file)
    buyers = customers.set_index("customer_id")
    known = orders["customer_id"].isin(buyers.index)
    if not known.all():
        first = orders.loc[~known, "order_id"].iloc[0]
        raise UserError(f"{orders_file}: {int((~known).sum()):,} order(s) have a customer_id missing from "
                        f"{customers_file}, e.g. order {first}. Fix: use the customers file of the same export.")
    purchased = _timestamps(orders["order_purchase_timestamp"])
    bad = purchased.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserError(f"{orders_file}: {int(bad.sum()):,} value(s) in column 'order_purchase_timestamp' are not "
                        f"dates, e.g. order {orders['order_id'].iloc[i]}: "
                        f"'{orders['order_purchase_timestamp'].iloc[i]}'. "
                        "Fix: restore the export's format (2017-10-02 10:56:33) or remove those orders.")
    delivered = _timestamps(orders["order_delivered_customer_date"])
    estimated = _timestamps(orders["order_estimated_delivery_date"])
    # the estimate is a day (midnight): delivered during that day is on time
    late = (delivered.dt.normalize() > estimated.dt.normalize()).astype("float64").where(
        delivered.notna() & estimated.notna())
    return pd.DataFrame({
        "order_id": orders["order_id"],
        "status": orders["order_status"].str.lower(),
        "invoice_date": purchased,
        "customer_id": orders["customer_id"].map(buyers["customer_unique_id"]),
        "country": orders["customer_id"].map(buyers["customer_state"]),
        "late_delivery": late,
    })


def _refuse_duplicates(table: pd.DataFrame, key: str, file: str) -> None:
    repeated = table[key].duplicated()
    if repeated.any():
        raise UserError(f"{file}: {int(repeated.sum()):,} repeated {key}(s), e.g. '{table.loc[repeated, key].iloc[0]}'"
                        f". Fix: use the file as published in {EXPORT} (one row per {key}).")


def _timestamps(values: pd.Series) -> pd.Series:
    """Export timestamps ('2017-10-02 10:56:33', or any ISO 8601 variant); NaT where empty or bad."""
    return pd.to_datetime(values.replace("", None), format="ISO8601", errors="coerce").astype("datetime64[us]")


def _numbers(table: pd.DataFrame, column: str, file: str, required: bool) -> pd.Series:
    """A numeric column; empty cells are NaN unless `required`, anything else unreadable is refused."""
    values = table[column]
    numbers = pd.to_numeric(values.replace("", None), errors="coerce").astype("float64")
    bad = (numbers.isna() & ((values != "") | required)) | np.isinf(numbers)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserError(f"{file}: {int(bad.sum()):,} value(s) in column '{column}' are not numbers, e.g. order "
                        f"{table['order_id'].iloc[i]}: '{values.iloc[i]}'. Fix: correct or remove those rows.")
    return numbers


def _payment_totals(payments: pd.DataFrame, file: str) -> pd.DataFrame:
    """Per order: `amount` (sum of payment_value) and `installments` (the most instalments)."""
    per_row = pd.DataFrame({
        "order_id": payments["order_id"],
        "amount": _numbers(payments, "payment_value", file, required=True),
        "installments": _numbers(payments, "payment_installments", file, required=False),
    })
    totals = per_row.groupby("order_id", sort=False).agg(amount=("amount", "sum"), installments=("installments", "max"))
    negative = totals["amount"] < 0
    if negative.any():
        order, total = totals.index[negative][0], totals.loc[negative, "amount"].iloc[0]
        raise UserError(f"{file}: order {order} has a negative payment total ({total:g}). Fix: correct its "
                        "payment_value rows or remove them (refunds are cancellations: set the order's status).")
    return totals


def _item_totals(items: pd.DataFrame, file: str) -> pd.Series:
    """Per order: the items' price plus freight (prices orders that have no payment row)."""
    lines = _numbers(items, "price", file, required=True) + _numbers(items, "freight_value", file, required=True)
    return lines.groupby(items["order_id"], sort=False).sum()


def _review_scores(reviews: pd.DataFrame, file: str) -> pd.Series:
    scores = _numbers(reviews, "review_score", file, required=False)
    return scores.groupby(reviews["order_id"], sort=False).mean().rename("review_score")


def _lines(orders: pd.DataFrame, cancelled: set[str]) -> pd.DataFrame:
    """Canonical lines: each order once, and each cancelled order again reversed; sorted."""
    purchases = orders.assign(invoice=orders["order_id"], quantity=1.0)
    reversals = orders[orders["status"].isin(cancelled)]
    reversals = reversals.assign(invoice=reversals["order_id"] + "-cancelled", quantity=-1.0)
    lines = pd.concat([purchases, reversals], ignore_index=True)
    lines = lines.sort_values(["invoice_date", "invoice"], kind="mergesort", ignore_index=True)
    missing = pd.Series(pd.NA, index=lines.index, dtype="string")
    extras = [name for name in EXTRA_COLUMNS if name in lines]
    frame = pd.DataFrame({
        "invoice": lines["invoice"].astype("string"),
        "stock_code": missing,
        "description": missing.copy(),
        "quantity": lines["quantity"].astype("float64"),
        "price": lines["amount"].astype("float64"),
        "invoice_date": lines["invoice_date"].astype("datetime64[us]"),
        "customer_id": lines["customer_id"].astype("string").replace("", pd.NA),
        "country": lines["country"].astype("string").replace("", pd.NA),
        **{name: lines[name].astype("float64") for name in extras},
    })
    return frame[[*ARROW_SCHEMA.names, *extras]]
