"""The published figures of UCI Online Retail II that the generator is calibrated to.

Dates, per-customer quantiles, seasonality, countries and their shares, invoice numbering
and the non-product codes of the real file (see docs/your-own-data.md, "The default: a synthetic shop", and `scripts/profile_reference.py`).
The number of customers at scale 1 is `CUSTOMERS_PER_UNIT` in the package's `__init__`,
where `generate` reads it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2009-12-01")
END = pd.Timestamp("2011-12-09")  # last trading day; reference date for recency is END + 1 day
FIRST_INVOICE = 489434
INVOICE_BLOCK = 100_000

# Published per-customer quantiles (u -> value); values interpolated in log space.
# A continuous x is floored to an invoice count, so x in [1, 2) means exactly one invoice.
INVOICES_KNOTS = ([0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0], [1.0, 2.0, 4.5, 8.5, 17.5, 57.5, 260.0])
ITEMS_PER_ORDER_KNOTS = ([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.97, 0.995, 1.0],
                         [4.0, 30.0, 58.0, 105.0, 160.0, 200.0, 480.0, 2000.0, 8000.0])
RECENCY_KNOTS = ([0.0, 0.25, 0.5, 0.75, 1.0], [1.0, 27.0, 100.0, 390.0, 739.0])
# copula correlations between (invoices, items per order, recency)
COPULA = np.array([[1.0, -0.1, -0.55], [-0.1, 1.0, -0.1], [-0.55, -0.1, 1.0]])

MONTH_WEIGHT = {1: 0.95, 2: 0.9, 3: 1.0, 4: 0.9, 5: 0.95, 6: 0.95, 7: 0.95, 8: 0.95,
                9: 1.4, 10: 1.6, 11: 1.9, 12: 1.15}
TREND = 2.8
HOUR_WEIGHT = np.array([0, 0, 0, 0, 0, 0, 0, 2, 5, 9, 11, 12, 14, 12, 10, 8, 5, 3, 2, 1, 1], float)

COUNTRIES = [
    "United Kingdom", "EIRE", "Germany", "France", "Netherlands", "Spain", "Switzerland", "Belgium",
    "Portugal", "Australia", "Channel Islands", "Italy", "Norway", "Sweden", "Cyprus", "Finland",
    "Austria", "Denmark", "Greece", "Japan", "Poland", "USA", "Israel", "Unspecified", "Singapore",
    "Iceland", "Canada", "Malta", "United Arab Emirates", "Lithuania", "RSA", "Bahrain", "Korea",
    "Thailand", "Brazil", "Czech Republic", "Nigeria", "European Community", "West Indies", "Lebanon",
    "Saudi Arabia",
]
UK_CUSTOMER_SHARE = 0.905
UK_UNIDENTIFIED_SHARE = 0.985

# Non-product codes: (code, description)
NON_PRODUCT = {
    "POST": "POSTAGE", "DOT": "DOTCOM POSTAGE", "M": "Manual", "C2": "CARRIAGE", "D": "Discount",
    "CRUK": "CRUK Commission", "PADS": "PADS TO MATCH ALL CUSHIONS", "BANK CHARGES": "Bank Charges",
    "AMAZONFEE": "AMAZON FEE", "B": "Adjust bad debt", "S": "SAMPLES", "TEST001": "This is a test product.",
}
