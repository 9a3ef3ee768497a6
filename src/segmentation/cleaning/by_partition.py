"""Cleaning a source in periods, partition by partition (`data.partitions`): each ingested
partition is cleaned into one of the same name, only when it is new or the rules changed, and
the report is the whole data's: lines and revenue summed over the partitions (each partition's
revenue to the cent), customers counted once across them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import duckdb

from segmentation.cleaning.rules import clean_file
from segmentation.common.catalog import atomic_path, parquet_scan
from segmentation.data.partitions import prepare_folder, read_manifest, write_manifest


def partitioned(source: Path) -> bool:
    """Whether the ingested data are partitions of a source in periods (a folder with a manifest)."""
    return source.is_dir() and (source / "_manifest.json").is_file()


def clean_partitions(source: Path, target: Path, rules: Mapping) -> tuple[dict, int]:
    """Clean every partition not yet cleaned under these rules; (the whole data's report, how many
    partitions were cleaned now)."""
    digest = hashlib.md5(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()
    raw = read_manifest(source)["partitions"]
    valid = {entry["raw"]: entry for entry in read_manifest(target)["partitions"] if entry["rules"] == digest
             and entry["raw"] in {r["partition"] for r in raw} and (target / entry["partition"]).is_file()}
    if target.is_dir():
        write_manifest(target, list(valid.values()))  # before removing what it no longer lists
    folder, cleaned = prepare_folder(target), 0
    for part in raw:
        if part["partition"] in valid:
            continue
        with atomic_path(folder / part["partition"]) as tmp:
            report = clean_file(source / part["partition"], tmp, rules)
        valid[part["partition"]] = {"raw": part["partition"], "partition": part["partition"], "rules": digest,
                                    "report": report}
        write_manifest(folder, [valid[p["partition"]] for p in raw if p["partition"] in valid])
        cleaned += 1
    reports = [valid[p["partition"]]["report"] for p in raw]
    customers = duckdb.execute(f"SELECT count(DISTINCT customer_id) FROM {parquet_scan(folder)}").fetchone()[0]
    return {**merged(reports), "customers_out": int(customers)}, cleaned


def merged(reports: list[Mapping]) -> dict:
    """The partitions' reports as one: lines and revenue summed, the same duplicates rule."""
    money = lambda values: round(sum(values), 2)  # noqa: E731
    first = reports[0]
    return {
        "lines_in": sum(r["lines_in"] for r in reports), "revenue_in": money(r["revenue_in"] for r in reports),
        "removed": {name: {"lines": sum(r["removed"][name]["lines"] for r in reports),
                           "revenue": money(r["removed"][name]["revenue"] for r in reports)} for name in first["removed"]},
        "lines_out": sum(r["lines_out"] for r in reports), "revenue_out": money(r["revenue_out"] for r in reports),
        "flagged": {name: {"lines": sum(r["flagged"][name]["lines"] for r in reports),
                           "revenue": money(r["flagged"][name]["revenue"] for r in reports)} for name in first["flagged"]},
        "customers_out": 0, "duplicates_rule": first["duplicates_rule"], "partitions": len(reports)}
