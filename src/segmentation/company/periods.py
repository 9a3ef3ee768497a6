"""Partial periods in words, from the data's own first and last dates: a year the data cover
only in part reads "2024 (to 9 Dec)", so "8.1M in 2024" cannot be taken for a whole year.

Dates are ISO text: a day ("2024-12-09") when known, a month ("2024-12") when only the monthly
series is at hand; the label then names the month ("2024 (to Dec)"). Pure: nothing here reads
a file or assumes a calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd


def parse(value) -> pd.Timestamp | pd.Period | None:
    """A day (Timestamp), a month (Period) or None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()[:10]
    try:
        return pd.Period(text, freq="M") if len(text) == 7 else pd.Timestamp(text)
    except ValueError:  # "precomputed" and other words where a date may stand
        return None


def _when(moment: pd.Timestamp | pd.Period) -> str:
    """'9 Dec' for a day, 'Dec' for a month."""
    return f"{moment:%b}" if isinstance(moment, pd.Period) else f"{moment.day} {moment:%b}"


def _starts_late(first, year: int) -> bool:
    if first is None or first.year != year:
        return False
    return first.month != 1 if isinstance(first, pd.Period) else (first.month, first.day) != (1, 1)


def _ends_early(last, year: int) -> bool:
    if last is None or last.year != year:
        return False
    return last.month != 12 if isinstance(last, pd.Period) else (last.month, last.day) != (12, 31)


def year_label(year, first=None, last=None) -> str:
    """'2023' for a whole year; '2024 (to 9 Dec)', '2022 (from 1 Dec)' or '2024 (1 Mar to 9 Jun)'
    for a year the data [first, last] cover only in part."""
    start, end, number = parse(first), parse(last), int(year)
    late, early = _starts_late(start, number), _ends_early(end, number)
    if late and early:
        return f"{year} ({_when(start)} to {_when(end)})"
    if late:
        return f"{year} (from {_when(start)})"
    if early:
        return f"{year} (to {_when(end)})"
    return str(year)


def year_labels(years: Iterable, first=None, last=None) -> dict[str, str]:
    return {str(y): year_label(y, first, last) for y in years}


def day_text(value) -> str:
    """'9 December 2024' for a day, 'December 2024' for a month, '' for None."""
    moment = parse(value)
    if moment is None:
        return ""
    return f"{moment:%B %Y}" if isinstance(moment, pd.Period) else f"{moment.day} {moment:%B %Y}"


def partial_months_note(first=None, last=None) -> str:
    """'December 2024 holds 1-9 December only.' for a first or last month the data cover in part."""
    notes = []
    start, end = parse(first), parse(last)
    if isinstance(start, pd.Timestamp) and start.day != 1:
        notes.append(f"{start:%B %Y} holds {start.day}-{start.days_in_month} {start:%B} only")
    if isinstance(end, pd.Timestamp) and end.day != end.days_in_month:
        notes.append(f"{end:%B %Y} holds 1-{end.day} {end:%B} only")
    return "; ".join(notes) + "." if notes else ""


def data_span(eda: Mapping, features_report: Mapping | None = None,
              months: Iterable[str] = ()) -> tuple[str | None, str | None]:
    """The data's first and last dates as ISO text, best known first: the EDA summary's
    `first_date`/`last_date`; for the last, the features cutoff minus a day when it is the
    default (the day after the last line); else the first and last month of the monthly series."""
    months = sorted(str(m)[:7] for m in months)
    first = eda.get("first_date") or (months[0] if months else None)
    last = eda.get("last_date")
    report = features_report or {}
    if last is None and report.get("cutoff_config") is None and str(report.get("cutoff", ""))[:1].isdigit():
        last = f"{pd.Timestamp(report['cutoff']) - pd.Timedelta(days=1):%Y-%m-%d}"
    if last is None and months:
        last = months[-1]
    return (None if first is None else str(first)[:10]), (None if last is None else str(last)[:10])
