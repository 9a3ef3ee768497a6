"""The maintenance study's files: curve figure, per-snapshot table (CSV) and summary (JSON)."""

from __future__ import annotations

import json
from pathlib import Path

from segmentation.catalog import write_frame, write_json
from segmentation.reporting.plots.stability import stability_curve

FILES = ("curve.png", "stability.csv", "stability.json")


def write(result: dict, folder: Path) -> list[Path]:
    """`FILES` into `folder`; returns their paths."""
    table = result["table"].assign(new_by_segment=lambda t: t["new_by_segment"].map(json.dumps))
    stability_curve(result["table"], result["summary"], folder / "curve.png")
    write_frame(table, folder / "stability.csv")
    write_json(folder / "stability.json", result["summary"])
    return [folder / name for name in FILES]
