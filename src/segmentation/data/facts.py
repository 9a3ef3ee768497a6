"""What a source supplies, from its canonical frames: the optional columns it fills and
whether its dates carry a time of day. Later steps adapt to it (cleaning's duplicate rule,
the figures and report sections that need a column)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from segmentation.common.errors import UserError
from segmentation.data.schema import OPTIONAL


def frame_facts(frame: pd.DataFrame) -> dict:
    """Per frame: which optional columns hold a value, and whether any date has a time of day."""
    dates = frame["invoice_date"]
    present = {key: bool(frame[key].notna().any()) for key in OPTIONAL if key in frame}
    return {"present": present, "time_of_day": bool((dates != dates.dt.normalize()).any())}


def merged_facts(per_frame: Iterable[Mapping]) -> dict:
    """Several frames' facts as one frame's: a column is present when any frame holds it."""
    per_frame = list(per_frame)
    return {"present": {key: any(f["present"].get(key, False) for f in per_frame) for key in OPTIONAL},
            "time_of_day": any(f["time_of_day"] for f in per_frame)}


def source_facts(per_frame: Iterable[Mapping], mapped: set[str]) -> dict:
    """The source's facts: a column is supplied when the source maps it and a line holds it."""
    per_frame = list(per_frame)
    present = {key: any(facts["present"].get(key, False) for facts in per_frame) for key in OPTIONAL}
    return {"columns": {key: key in mapped and present[key] for key in OPTIONAL},
            "time_of_day": any(facts["time_of_day"] for facts in per_frame)}


def source_label(data: Mapping) -> str:
    """How messages name a data choice: 'olist (data/olist)', 'synthetic (build/synthetic.parquet, scale 1.0)'."""
    scale = f", scale {data['scale']}" if data.get("scale") is not None else ""
    return f"{data.get('name')} ({data.get('path')}{scale})"


def check_same_data(built: Mapping | None, data: Mapping) -> None:
    """Refuse to work on pipeline files built from other data than this run asks for."""
    if built and built.get("source") != source_label(data):
        raise UserError(
            f"this run asks for data {source_label(data)}, but the pipeline's files were built from "
            f"{built.get('source')}. Fix: make it the default (`python -m segmentation.use_data {data.get('name')}`) "
            "and run `dvc repro`, or drop the data override.")


def data_change(previous: Mapping | None, data: Mapping) -> str | None:
    """One line when this run's data differ from the last ingest's, else None."""
    if not previous or previous.get("source") == source_label(data):
        return None
    return f"data changed since the last run: {previous.get('source')} -> {source_label(data)}"
