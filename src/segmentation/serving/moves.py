"""Who moved between two refreshes: two assignment files (customer_id, segment_name) in, the
per-customer table, the transition matrix and its figure out, beside the newer file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmentation.common.catalog import require, write_frame
from segmentation.common.errors import UserError
from segmentation.marketing.movement import customer_moves, movement_summary, transitions


def read_assignments(path: Path) -> pd.DataFrame:
    """customer_id, segment (the segment's name) of an earlier `assign` output (CSV or parquet)."""
    require(path, "the previous assignments", "pass assign.previous=<an earlier assign output>.")
    frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path, dtype={"customer_id": str})
    missing = {"customer_id", "segment_name"} - set(frame.columns)
    if missing:
        raise UserError(f"{path.name} lacks {sorted(missing)} (columns found: {list(frame.columns)}). "
                        "Fix: pass an earlier output of `python -m segmentation.assign`.")
    return pd.DataFrame({"customer_id": frame["customer_id"].astype(str), "segment": frame["segment_name"].astype(str)})


def write_moves(previous: pd.DataFrame, current: pd.DataFrame, output: Path, currency: str | None = None) -> dict:
    """<output stem>_moves.csv (customer_id, segment_before, segment_now, moved, change),
    <stem>_transitions.csv and <stem>_transitions.png; returns the counts (stayed, moved, new, lapsed).
    Customers only in the previous file are Lapsed, only in the current one New."""
    from segmentation.marketing.value_figures import draw_transitions

    now = pd.DataFrame({"customer_id": current["customer_id"].astype(str), "segment": current["segment_name"].astype(str)})
    moves = customer_moves(previous, now)
    matrix = transitions(previous, now).customers
    stem = output.with_suffix("")
    write_frame(moves, Path(f"{stem}_moves.csv"))
    write_frame(matrix.reset_index(), Path(f"{stem}_transitions.csv"))
    draw_transitions(matrix, Path(f"{stem}_transitions.png"), "Where the customers of each segment went since the "
                     "previous assignment", currency=currency)
    return movement_summary(moves)
