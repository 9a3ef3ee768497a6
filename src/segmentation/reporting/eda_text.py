"""The company-performance sentences under the figures, every number from the EDA summary
(`metrics/eda.json`) and every partial year labelled ("2024 (to 9 Dec)") from the data's own
first and last dates (`first_date`, `last_date`; see `periods`). Pure."""

from __future__ import annotations

from collections.abc import Mapping

from segmentation.common.money import money
from segmentation.company.periods import day_text, year_labels


def labels(eda: Mapping) -> dict[str, str]:
    """Year -> its label, partial years said: {"2023": "2023", "2024": "2024 (to 9 Dec)"}."""
    return year_labels(sorted(eda.get("revenue") or {}), eda.get("first_date"), eda.get("last_date"))


def _series(values: Mapping[str, float], named: Mapping[str, str], fmt) -> str:
    """'A in 2022 (from 1 Dec), B in 2023 and C in 2024 (to 9 Dec)'."""
    parts = [f"{fmt(values[y])} in {named.get(y, y)}" for y in sorted(values)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _trend(first: float, last: float, points: float) -> str:
    if abs(last - first) < points:
        return "stayed about the same"
    return "rose" if last > first else "fell"


def figure_sentences(eda: Mapping, currency: str | None = None) -> dict[str, str]:
    """Figure name -> the sentence the report prints under it (only where it helps)."""
    named = labels(eda)
    sentences = {}
    partial = [label for label in named.values() if "(" in label]
    if partial and eda.get("last_date"):
        sentences["2_sales_orders_customers_per_year"] = (
            f"The data run from {day_text(eda.get('first_date'))} to {day_text(eda.get('last_date'))}: "
            f"{' and '.join(partial)} {'is not a whole year' if len(partial) == 1 else 'are not whole years'}, "
            "so compare them with care.")
    basket = eda.get("average_basket") or {}
    if basket:
        sentences["5_average_order_value"] = (
            f"The average order was {_series(basket, named, lambda v: money(v, currency))}.")
    rates = eda.get("cancellation_rate_pct") or {}
    if len(rates) >= 2:
        years = sorted(rates)
        first, last = rates[years[0]], rates[years[-1]]
        sentences["6_cancellation_rate"] = (
            f"The share of invoices that are cancellations {_trend(first, last, 1.0)}: {first:.0f}% in "
            f"{named.get(years[0], years[0])}, {last:.0f}% in {named.get(years[-1], years[-1])}.")
    elif rates:
        year, rate = next(iter(rates.items()))
        sentences["6_cancellation_rate"] = f"{rate:.0f}% of invoices were cancellations in {named.get(year, year)}."
    return sentences
