"""Dates that cut the data: the features cutoff, the snapshot baseline and the offsets after it.

Parsed and checked here only, so the snapshots stage, the maintenance study, assignment and
training all mean the same thing by `snapshots.baseline`, `J+15` or `features.cutoff`.
A cutoff is exclusive: lines strictly before it count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from segmentation.common.catalog import parquet_scan
from segmentation.common.errors import UserError

BASELINE = "baseline"
AUTO = "auto"
AUTO_MAX_REPLAY_MONTHS = 12   # the auto rule (see `auto_baseline`): at most a year replayed
MIN_REPLAYED = 2              # snapshots after the baseline the maintenance study needs


@dataclass(frozen=True)
class SnapshotCut:
    """One snapshot of the plan. `cutoff` is the effective (exclusive) cutoff: the offset's own,
    or the end of the data for a `partial` one, whose `label` says so."""

    name: str
    cutoff: pd.Timestamp
    label: str
    partial: bool


def default_cutoff(last_transaction) -> pd.Timestamp:
    """The day after the last transaction, so every line counts."""
    return pd.Timestamp(last_transaction).normalize() + pd.Timedelta(days=1)


def data_span(clean_path: Path) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last line dates of the cleaned data (parquet statistics, no full scan)."""
    if not clean_path.exists():  # a file, or a folder of parquet parts (engine=spark)
        raise UserError(f"{clean_path} not found. Fix: run the clean stage first (`dvc repro clean`).")
    first, last = duckdb.execute(
        f"SELECT min(invoice_date), max(invoice_date) FROM {parquet_scan(clean_path)}").fetchone()
    return pd.Timestamp(first), pd.Timestamp(last)


def parse_date(value, key: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(str(value))
    except ValueError:
        raise UserError(f"{key}='{value}' is not a date. Fix: use YYYY-MM-DD, e.g. {key}=2024-01-01.") from None


def resolve_cutoff(value, first: pd.Timestamp, last: pd.Timestamp, key: str) -> pd.Timestamp:
    """A configured cutoff (or the day after the last line), checked against the data span."""
    if value in (None, "", "null"):
        return default_cutoff(last)
    cutoff = parse_date(value, key)
    if cutoff <= first.normalize():
        raise UserError(f"{key}={cutoff:%Y-%m-%d} is on or before the first line ({first:%Y-%m-%d}): no customer "
                        f"would have a purchase. Fix: choose a date after {first:%Y-%m-%d}.")
    return cutoff


def offset_cutoff(baseline, offset: str) -> pd.Timestamp:
    """Cutoff of a snapshot: 'J+n' is n days after the baseline cutoff, 'M+n' n months."""
    base = pd.Timestamp(baseline)
    text = str(offset).strip().upper()
    try:
        unit, amount = text[0], int(text[2:])
        if text[1] != "+" or unit not in "JM" or amount < 0:
            raise ValueError
    except (ValueError, IndexError):
        raise UserError(f"snapshot offset '{offset}' is not of the form J+<days> or M+<months>. "
                        "Fix: e.g. snapshots.offsets=[J+1,J+15,M+1,M+2].") from None
    return base + (pd.Timedelta(days=amount) if unit == "J" else pd.DateOffset(months=amount))


def snapshot_names(offsets: Sequence) -> list[str]:
    """The baseline first, then every configured offset, as written in the config."""
    return [BASELINE, *map(str, offsets)]


def month_start(day) -> pd.Timestamp:
    return pd.Timestamp(day).normalize().replace(day=1)


def whole_months(start, end) -> int:
    """Whole calendar months from `start` to `end`: the largest n with start + n months <= end."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if start + pd.DateOffset(months=months) > end else months


def auto_baseline(first, last) -> pd.Timestamp:
    """`snapshots.baseline: auto`: a month start leaving the shorter of 12 months and half the
    data's span to replay.

    end = the day after the last line (`default_cutoff`); span = calendar months from the first
    line's month start to end's month start; replay = min(12, span // 2); baseline = end's month
    start (end itself when it is one) minus `replay` months. E.g. lines from 1997-01-01 to
    1998-06-30: end 1998-07-01, span 18, replay 9, baseline 1997-10-01; a year 2023-01-01 to
    2023-12-31: end 2024-01-01, span 12, replay 6, baseline 2023-07-01.
    """
    end = default_cutoff(last)
    span = whole_months(month_start(first), month_start(end))
    replay = min(AUTO_MAX_REPLAY_MONTHS, span // 2)
    if replay < 1:
        raise UserError(f"the data spans {span} calendar month(s) ({pd.Timestamp(first):%Y-%m-%d} to "
                        f"{pd.Timestamp(last):%Y-%m-%d}): snapshots.baseline=auto needs at least 2 to replay one. "
                        "Fix: use a longer transaction file or set snapshots.baseline to a date inside the data.")
    return month_start(end) - pd.DateOffset(months=replay)


def resolve_baseline(value, span: tuple[pd.Timestamp, pd.Timestamp] | None) -> pd.Timestamp:
    """The baseline cutoff: `auto` (needs the data's span) or a date strictly inside the span."""
    if value is None or str(value).strip() in ("", "null", "None"):
        raise UserError("snapshots.baseline is empty. Fix: set snapshots.baseline=auto or a date (YYYY-MM-DD).")
    if str(value).strip().lower() == AUTO:
        if span is None:
            raise UserError("snapshots.baseline=auto needs the transactions' dates, but the snapshots come from "
                            "precomputed tables. Fix: give the date the tables were cut at, e.g. "
                            "snapshots.baseline=2024-01-01.")
        return auto_baseline(*span)
    baseline = parse_date(value, "snapshots.baseline")
    if span is not None:
        first, last = span
        if baseline <= first.normalize() or baseline >= default_cutoff(last):
            raise UserError(f"snapshots.baseline={baseline:%Y-%m-%d} is outside the data ({first:%Y-%m-%d} to "
                            f"{last:%Y-%m-%d}): it must fall after the first line's day and on or before the last. "
                            "Fix: choose a date in between, or snapshots.baseline=auto.")
    return baseline


def _replayed(baseline: pd.Timestamp, offsets: Sequence, end: pd.Timestamp | None, last) -> dict[str, SnapshotCut]:
    """The offsets' snapshots ordered by cutoff; past `end`, only the first one the data covers partly."""
    ordered = sorted(((str(name), offset_cutoff(baseline, name)) for name in offsets), key=lambda pair: pair[1])
    cuts, previous = {}, baseline
    for name, cutoff in ordered:
        if end is not None and cutoff > end:
            if previous < end:
                cuts[name] = SnapshotCut(name, end, f"{name} (partial: data to {last:%Y-%m-%d})", True)
            break
        cuts[name], previous = SnapshotCut(name, cutoff, name, False), cutoff
    return cuts


def snapshot_plan(snapshots: Mapping, span: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> dict[str, SnapshotCut]:
    """Every snapshot to build, baseline first, ordered by cutoff.

    With the data's span (first, last line): `auto` is resolved (`auto_baseline`), an explicit
    baseline must lie inside it, snapshots past the end (the day after the last line) are
    dropped except the first one whose period the data covers partly (previous cutoff < end <
    its cutoff), kept with `end` as effective cutoff and a "(partial: data to ...)" label.
    Without a span (precomputed tables), the baseline must be a date and nothing is dropped.
    Fewer than 2 snapshots after the baseline is a UserError.
    """
    baseline = resolve_baseline(snapshots["baseline"], span)
    end, last = (default_cutoff(span[1]), span[1]) if span else (None, None)
    cuts = {BASELINE: SnapshotCut(BASELINE, baseline, BASELINE, False),
            **_replayed(baseline, snapshots["offsets"], end, last)}
    if len(cuts) - 1 < MIN_REPLAYED:
        allowed = (f"the data (to {last:%Y-%m-%d}) allows {whole_months(baseline, end)} whole month(s) after "
                   f"the baseline {baseline:%Y-%m-%d}" if span else f"the baseline is {baseline:%Y-%m-%d}")
        raise UserError(f"the snapshot plan keeps {len(cuts) - 1} snapshot(s) after the baseline, the maintenance "
                        f"study needs at least {MIN_REPLAYED}; {allowed}. Fix: an earlier snapshots.baseline "
                        "(or auto) or shorter snapshots.offsets, e.g. [J+1,J+15,M+1].")
    return cuts


def latest_snapshot(snapshots: Mapping, span: tuple[pd.Timestamp, pd.Timestamp] | None) -> str:
    """The last snapshot the plan builds (`span`: the cleaned data's, `data_span`; None for
    precomputed tables): the most recent data the study replays."""
    return list(snapshot_plan(snapshots, span))[-1]


def lines_per_period(clean_path: Path, cutoffs: Sequence) -> list[int]:
    """Cleaned lines in each period the (ascending) cutoffs close: before the first cutoff, then
    [previous cutoff, this cutoff). One DuckDB scan for all periods."""
    bounds = [pd.Timestamp(c).to_pydatetime() for c in cutoffs]
    counts = ["count(*) FILTER (WHERE invoice_date < ?)"]
    counts += ["count(*) FILTER (WHERE invoice_date >= ? AND invoice_date < ?)"] * (len(bounds) - 1)
    params = [bounds[0], *(bound for pair in zip(bounds, bounds[1:]) for bound in pair)]
    sql = f"SELECT {', '.join(counts)} FROM {parquet_scan(clean_path)}"
    return [int(n) for n in duckdb.execute(sql, params).fetchone()]
