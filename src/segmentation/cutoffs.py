"""Dates that cut the data: the features cutoff, the snapshot baseline and the offsets after it.

Parsed and checked here only, so the snapshots stage, the maintenance study, assignment and
training all mean the same thing by `snapshots.baseline`, `J+15` or `features.cutoff`.
A cutoff is exclusive: lines strictly before it count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from segmentation.errors import UserError

BASELINE = "baseline"


def default_cutoff(last_transaction) -> pd.Timestamp:
    """The day after the last transaction, so every line counts."""
    return pd.Timestamp(last_transaction).normalize() + pd.Timedelta(days=1)


def data_span(clean_path: Path) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last line dates of the cleaned data (parquet statistics, no full scan)."""
    if not clean_path.is_file():
        raise UserError(f"{clean_path} not found. Fix: run the clean stage first (`dvc repro clean`).")
    first, last = duckdb.execute(
        f"SELECT min(invoice_date), max(invoice_date) FROM read_parquet('{clean_path.as_posix()}')").fetchone()
    return pd.Timestamp(first), pd.Timestamp(last)


def parse_date(value, key: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(str(value))
    except ValueError:
        raise UserError(f"{key}='{value}' is not a date. Fix: use YYYY-MM-DD, e.g. {key}=2011-01-01.") from None


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


def snapshot_plan(snapshots: Mapping, span: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> dict[str, pd.Timestamp]:
    """Cutoff of every snapshot (baseline first). With the data's span, the baseline is checked
    against it (and may be null: the day after the last line)."""
    baseline = (resolve_cutoff(snapshots["baseline"], *span, "snapshots.baseline") if span
                else parse_date(snapshots["baseline"], "snapshots.baseline"))
    return {name: baseline if name == BASELINE else offset_cutoff(baseline, name)
            for name in snapshot_names(snapshots["offsets"])}


def latest_snapshot(snapshots: Mapping) -> str:
    """The last configured snapshot (the most recent data the study replays)."""
    return snapshot_names(snapshots["offsets"])[-1]
