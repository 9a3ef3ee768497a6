"""The most common export there is: one row per order with only customer, date and amount
(US dollars, dates without a time of day, no invoice, country or product), made from the
synthetic shop's orders and moved to 2022-2024 so that nothing recalls the reference years."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from segmentation.data import synthetic

YEARS_LATER = pd.DateOffset(years=13)


def write_minimal_csv(path: Path, scale: float = 0.2, seed: int = 3) -> Path:
    raw = pa.concat_tables(list(synthetic.generate(scale, seed, 0.6))).to_pandas()
    raw = raw[raw["Customer ID"].notna() & ~raw["StockCode"].astype(str).isin(["POST", "M", "DOT"])]
    orders = (raw.assign(amount=raw["Quantity"] * raw["Price"])
              .groupby(["Invoice", "Customer ID"], as_index=False)
              .agg(date=("InvoiceDate", "min"), amount=("amount", "sum")))
    table = pd.DataFrame({"customer": orders["Customer ID"].astype("int64").astype(str),
                          "date": (orders["date"] + YEARS_LATER).dt.strftime("%Y-%m-%d"),
                          "amount": orders["amount"].round(2)})
    path.parent.mkdir(parents=True, exist_ok=True)
    table.sort_values(["date", "customer"]).to_csv(path, index=False)
    return path
