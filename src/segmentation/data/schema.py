"""The canonical transaction schema every reader produces and every later step consumes."""

from __future__ import annotations

import pyarrow as pa

#: canonical name -> meaning. `price` is the unit price in £; revenue = quantity * price.
CANONICAL_COLUMNS = {
    "invoice": "order id; cancellations start with 'C'",
    "stock_code": "product code",
    "description": "product name",
    "quantity": "units on the line; negative on cancellations",
    "price": "unit price (£)",
    "invoice_date": "date and time of the order",
    "customer_id": "customer id; missing for unidentified buyers",
    "country": "customer's country",
}

#: columns the user must map; `price` may be replaced by `amount` (line total).
REQUIRED = ("customer_id", "invoice_date")
OPTIONAL = ("invoice", "quantity", "country", "stock_code", "description")

ARROW_SCHEMA = pa.schema(
    [
        ("invoice", pa.string()),
        ("stock_code", pa.string()),
        ("description", pa.string()),
        ("quantity", pa.float64()),
        ("price", pa.float64()),
        ("invoice_date", pa.timestamp("us")),
        ("customer_id", pa.string()),
        ("country", pa.string()),
    ]
)
