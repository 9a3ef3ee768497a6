"""Every invoice's number (increasing with time), prefix, customer and country, once the
identified, retail, adjustment and special invoices are all drawn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibration import FIRST_INVOICE, INVOICE_BLOCK
from .customers import Customers
from .invoices import Invoices
from .unidentified import Specials


@dataclass(frozen=True)
class InvoiceColumns:
    """Attributes of every invoice of the chunk, indexed by local invoice index."""
    minutes: np.ndarray   # minutes since START
    number: np.ndarray    # invoice number, increasing with time
    prefix: np.ndarray    # "C" cancellation, "A" bad-debt adjustment, "" otherwise
    customer: np.ndarray  # customer index, -1 when unidentified
    country: np.ndarray   # index into COUNTRIES


def invoice_columns(minutes: np.ndarray, chunk: int, customers: Customers, invoices: Invoices,
                    countries: np.ndarray, specials: Specials) -> InvoiceColumns:
    """Customer, country, prefix and number (by time) of each invoice; `countries` covers
    identified and retail invoices, the rest (adjustments, specials) are in the UK."""
    n_total = len(minutes)
    extreme_customer = int(np.argmax(customers.n_invoices))
    customer_index = np.concatenate([invoices.customer, np.full(n_total - len(invoices.customer), -1)])
    customer_index[specials.extreme] = extreme_customer
    inv_country_all = np.concatenate([countries, np.zeros(n_total - len(countries), np.int64)])
    inv_country_all[specials.extreme] = customers.country[extreme_customer]
    prefix = np.full(n_total, "", dtype=object)
    prefix[invoices.cancelled] = "C"
    prefix[specials.fee] = "C"
    prefix[specials.extreme[1]] = "C"
    prefix[specials.bad_debt] = "A"
    order = np.argsort(minutes, kind="stable")
    number = np.empty(n_total, np.int64)
    number[order] = FIRST_INVOICE + chunk * INVOICE_BLOCK + np.arange(n_total)
    return InvoiceColumns(minutes, number, prefix, customer_index, inv_country_all)
