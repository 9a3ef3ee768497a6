"""The maintenance study's files (curve figure, per-snapshot CSV, summary JSON) and the plain
table the stage and the training command print."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from segmentation.common.catalog import write_frame, write_json
from segmentation.maintenance.curve_figure import stability_curve

FILES = ("curve.png", "stability.csv", "stability.json")


def write(result: dict, folder: Path) -> list[Path]:
    """`FILES` into `folder`; returns their paths."""
    table = result["table"].assign(new_by_segment=lambda t: t["new_by_segment"].map(json.dumps))
    stability_curve(result["table"], result["summary"], folder / "curve.png")
    write_frame(table, folder / "stability.csv")
    write_json(folder / "stability.json", result["summary"])
    return [folder / name for name in FILES]


def read(folder: Path) -> dict:
    """What `write` wrote, as the study's result: its table (one row per snapshot) and summary."""
    table = pd.read_csv(folder / "stability.csv")
    return {"table": table.assign(new_by_segment=table["new_by_segment"].map(json.loads)),
            "summary": json.loads((folder / "stability.json").read_text())}


def as_text(result: dict) -> str:
    """The curve as a table (offset, date, customers, new, agreement with interval), the noise
    band, the verdict with its reasons, the sensitivity line and any warning."""
    summary, column = result["summary"], f"ari_{result['summary']['curve']}"
    rows = []
    for _, row in result["table"].sort_values("days").iterrows():
        agreement = ("refit failed" if pd.isna(row.get(column)) else
                     f"{row[column]:.2f} [{row[f'{column}_low']:.2f}-{row[f'{column}_high']:.2f}]")
        flag = "no new data: not counted" if row.get("no_new_data") else ""
        rows.append(f"  {str(row.get('label', row['snapshot'])):<34} {row['cutoff']:<10} {int(row['customers']):>9,} "
                    f"{int(row.get('new_customers', 0) or 0):>7,}  {agreement:<20} {flag}")
    lines = [f"  {'snapshot':<34} {'cutoff':<10} {'customers':>9} {'new':>7}  agreement [interval]", *rows,
             f"  noise band (baseline refitted, {summary['band_samples']} refits): {summary['band_low']:.2f} - "
             f"{summary['band_median']:.2f} - {summary['band_high']:.2f} (5th, 50th, 95th percentile)",
             f"verdict ({summary['verdict']}): {summary['headline']}",
             *[f"  because {reason}" for reason in summary["reasons"]]]
    if summary.get("threshold_headline"):
        lines.append(f"  business rule (agreement >= {summary['threshold']:g}): {summary['threshold_headline']}")
    if summary.get("sensitivity"):
        lines.append(f"  sensitivity: {summary['sensitivity']}")
    lines += [f"  warning: {w['message']}" for w in summary.get("warnings", [])]
    return "\n".join(lines)
