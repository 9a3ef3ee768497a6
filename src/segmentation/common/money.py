"""Money as the data's currency writes it: `data.currency` is an ISO 4217 code (or null).

Pure formatting, used by every figure, table, report, slide and export, so no text assumes
one shop's currency. An unknown code is shown as the code itself ("SEK 1,200"); null shows
plain numbers, and labels say the currency is not set.
"""

from __future__ import annotations

import re

from segmentation.common.errors import UserError

#: symbols written before the amount; other valid codes are written as "CODE 1,200"
SYMBOLS = {
    "GBP": "£", "USD": "$", "EUR": "€", "BRL": "R$", "JPY": "¥", "CNY": "CN¥", "INR": "₹", "KRW": "₩",
    "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "HKD": "HK$", "SGD": "S$", "MXN": "MX$", "ILS": "₪",
    "NGN": "₦", "PHP": "₱", "TRY": "₺", "UAH": "₴", "VND": "₫", "THB": "฿", "PLN": "zł ", "ZAR": "R ",
}
_CODE = re.compile(r"^[A-Z]{3}$")


def check_currency(code: str | None) -> str | None:
    """The code upper-cased, or a one-line error for something that is not an ISO code."""
    if code is None or str(code).strip() == "":
        return None
    text = str(code).strip().upper()
    if not _CODE.match(text):
        raise UserError(f"data.currency='{code}' is not an ISO 4217 code. Fix: use three letters, "
                        "e.g. data.currency=USD (or EUR, GBP, BRL), or null for plain numbers.")
    return text


def prefix(currency: str | None) -> str:
    """What goes before an amount: '£', 'R$', 'SEK ' or '' (currency not set)."""
    code = check_currency(currency)
    if code is None:
        return ""
    return SYMBOLS.get(code, f"{code} ")


def money(value: float, currency: str | None, compact: bool = False) -> str:
    """'£1,234' / '-$950'; compact: '£950', '£12k', '£1.2M' (axes and headlines)."""
    sign, size = ("-" if value < 0 else ""), abs(float(value))
    if compact and size >= 1e6:
        number = f"{size / 1e6:.1f}M"
    elif compact and size >= 1e3:
        number = f"{size / 1e3:.0f}k"
    else:
        number = f"{size:,.0f}"
    return f"{sign}{prefix(currency)}{number}"


def money_axis(currency: str | None):
    """A matplotlib tick formatter function (value, position) -> compact money."""
    return lambda value, _=None: money(value, currency, compact=True)


def unit(currency: str | None) -> str:
    """How a label names the unit: 'GBP', 'USD', or 'currency not set'."""
    code = check_currency(currency)
    return code if code else "currency not set"
