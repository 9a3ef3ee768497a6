"""The monitor's files, through the catalog: latest.json (the last check in full), history.csv
(one row per check, kept across runs: a check of the same cutoff and deployment replaces its
row, so a rerun adds no duplicate), replay.csv and policies.csv (the replay)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from segmentation.common.catalog import Catalog, write_frame, write_json

COLUMNS = ["cutoff", "deployed_at", "days_since_deployment", "customers", "new_customers", "agreement",
           "agreement_low", "agreement_high", "band_low", "band_high", "status", "mislabelled_share", "transitions",
           "deployment"]
NUMBERS = ("agreement", "agreement_low", "agreement_high", "band_low", "band_high", "mislabelled_share")


def rounded(row: Mapping) -> dict:
    """A history row as written: rates to 4 decimals (a check reads at two)."""
    return {key: (round(float(value), 4) if key in NUMBERS and value is not None and np.isfinite(value) else value)
            for key, value in row.items()}


def read_history(catalog: Catalog) -> pd.DataFrame:
    path = catalog.monitor_output("history.csv")
    return pd.read_csv(path, dtype={"transitions": str}, keep_default_na=False, na_values=[""]) if path.is_file() \
        else pd.DataFrame(columns=COLUMNS)


def append(catalog: Catalog, row: Mapping) -> pd.DataFrame:
    """The history with `row` (replacing an earlier check of the same cutoff and deployment), by cutoff."""
    history = read_history(catalog)
    same = (history["cutoff"].astype(str) == str(row["cutoff"])) & (history["deployment"].astype(str) == str(row["deployment"]))
    updated = pd.concat([history[~same], pd.DataFrame([rounded(row)])], ignore_index=True)[COLUMNS]
    updated = updated.sort_values(["cutoff", "deployed_at"], kind="stable").reset_index(drop=True)
    write_frame(updated, catalog.monitor_output("history.csv"))
    return updated


def write_latest(catalog: Catalog, finding: Mapping, about: Mapping) -> dict:
    """latest.json: the check in full (transitions as a table, changes in words, reasons)."""
    latest = {**about, **{k: v for k, v in finding.items() if k != "transitions"},
              "transitions": finding["transitions"].to_dict(orient="records")}
    write_json(catalog.monitor_output("latest.json"), json.loads(json.dumps(latest, default=_plain)))
    return latest


def write_replay(catalog: Catalog, policies: pd.DataFrame, replay: pd.DataFrame, recommendation: Mapping) -> None:
    write_frame(replay.assign(**{c: replay[c].round(4) for c in NUMBERS if c in replay}), catalog.monitor_output("replay.csv"))
    write_frame(policies, catalog.monitor_output("policies.csv"))
    write_json(catalog.monitor_output("recommendation.json"), json.loads(json.dumps(recommendation, default=_plain)))


def clear_replay(catalog: Catalog) -> None:
    """No replay this run: its files go, so none describes another configuration."""
    for name in ("replay.csv", "policies.csv", "policies.png", "recommendation.json"):
        catalog.monitor_output(name).unlink(missing_ok=True)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value)}")
