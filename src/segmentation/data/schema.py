"""The canonical transaction schema every reader produces and every later step consumes."""

from __future__ import annotations

import pyarrow as pa

#: canonical name -> meaning. `price` is the unit price in `data.currency`; revenue = quantity * price.
CANONICAL_COLUMNS = {
    "invoice": "order id; cancellations start with data.cancellation_prefix (UCI: 'C')",
    "stock_code": "product code",
    "description": "product name",
    "quantity": "units on the line; negative on cancellations",
    "price": "unit price (data.currency)",
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

#: order attributes a multi-table source may add after the canonical columns (numeric, one
#: value per order repeated on its lines; missing where unknown). Feature set `rfm_olist`.
EXTRA_COLUMNS = {
    "review_score": "the order's mean review score (1-5)",
    "installments": "number of payment instalments of the order",
    "late_delivery": "1 when the order arrived after its estimated date, 0 on time",
}


def schema_for(columns) -> pa.Schema:
    """ARROW_SCHEMA, plus the order attributes a frame carries (float64), in EXTRA_COLUMNS order."""
    extras = [name for name in EXTRA_COLUMNS if name in set(columns)]
    return pa.schema([*ARROW_SCHEMA, *(pa.field(name, pa.float64()) for name in extras)])
