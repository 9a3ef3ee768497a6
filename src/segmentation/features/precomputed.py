"""Per-snapshot customer tables built elsewhere (CSV or parquet, files and id named as the user chose),
read into the study's shape and checked for the signs of a series built wrongly (a copied snapshot,
vanishing customers, decreasing cumulative totals, cutoffs past the data): such a series would make
the maintenance study measure how the tables were made, not how customers changed.

A warning is {"check", "snapshot", "count", "message"}; `count` is what the check counted: customers
(identical_to_previous, customers_lost, decreasing_totals), columns (missing_columns), days
(past_data_end) or 1 (missing_file).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from segmentation.common.errors import UserError
from segmentation.features.cutoffs import BASELINE, default_cutoff
from segmentation.features.rfm import read_precomputed

ID_SPELLINGS = ("customer_id", "Customer ID", "CustomerID", "customer_unique_id", "client_id", "cust_id", "user_id")


def _spelling_key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


def detect_id_column(columns: Sequence[str], given: str | None = None) -> str:
    """The customer id column: the configured one, else the first common spelling found, matched
    ignoring case, spaces and underscores, because tables built elsewhere spell it their own way."""
    columns = list(columns)
    if given and given not in columns:
        raise UserError(f"id column '{given}' not found; columns found: {columns}. "
                        "Fix: set features.id_column to the customer id column.")
    if given:
        return given
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_spelling_key(column), column)
    found = next((by_key[key] for key in map(_spelling_key, ID_SPELLINGS) if key in by_key), None)
    if found is None:
        raise UserError(f"no customer id column among {columns} (looked for {list(ID_SPELLINGS)}). "
                        "Fix: set features.id_column to the customer id column.")
    return found


def snapshot_slug(name: str) -> str:
    """'M+3' -> 'm3', 'J+15' -> 'j15': how file names usually spell a snapshot."""
    return str(name).lower().replace("+", "")


def _candidates(folder: Path, name: str, files: Mapping[str, str] | None, pattern: str | None) -> list[Path]:
    if files is not None:
        return [folder / files[name]] if name in files else []
    if pattern is None:
        return [folder / f"{name}.parquet", folder / f"{name}.csv"]
    try:
        return [folder / pattern.format(name=name, slug=snapshot_slug(name))]
    except (KeyError, IndexError, ValueError):
        raise UserError(f"stability.precomputed_pattern '{pattern}' uses an unknown placeholder. "
                        "Fix: use only {name} (e.g. M+3) or {slug} (e.g. m3).") from None


def _looked_for(folder: Path, name: str, files: Mapping[str, str] | None, pattern: str | None) -> str:
    paths = " or ".join(p.name for p in _candidates(folder, name, files, pattern))
    return f"looked for {paths}" if paths else "no file given for it in stability.precomputed_files"


def snapshot_files(folder: Path, names: list[str], files: Mapping[str, str] | None,
                   pattern: str | None) -> dict[str, Path]:
    """Where each snapshot's table is: `files` (snapshot -> file in folder), else `pattern`, else
    <name>.parquet|csv. Absent snapshots are left out (the caller decides); the baseline is required,
    since every later snapshot is compared with it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"precomputed snapshot folder {folder} not found. Fix: set stability.precomputed to it.")
    if pattern is not None and "{name}" not in pattern and "{slug}" not in pattern:
        raise UserError(f"stability.precomputed_pattern '{pattern}' names the same file for every snapshot. "
                        "Fix: include {name} (e.g. M+3) or {slug} (e.g. m3), as in rfm_{slug}.csv.")
    found = {name: path for name in names
             if (path := next((p for p in _candidates(folder, name, files, pattern) if p.is_file()), None))}
    if BASELINE not in found:
        looked = _looked_for(folder, BASELINE, files, pattern)
        raise UserError(f"baseline table not found in {folder} ({looked}). Fix: add it, or name your files "
                        "with stability.precomputed_files (snapshot -> file) or stability.precomputed_pattern "
                        "(e.g. rfm_{slug}.csv).")
    return found


def _warning(check: str, snapshot: str, count: int, message: str) -> dict:
    return {"check": check, "snapshot": snapshot, "count": int(count), "message": message}


def _header(path: Path, whole: bool = False) -> pd.DataFrame:
    """The table's columns and types without its rows (all rows for a CSV when `whole`, since a CSV's
    types show only in its values): enough to find the id and features before `read_precomputed`."""
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pq.read_schema(path).empty_table().to_pandas()
        return pd.read_csv(path, nrows=None if whole else 0)
    except Exception as err:  # pandas and pyarrow raise many types for unreadable files
        raise UserError(f"{path.name} could not be read as a table ({err}). Fix: give a CSV or parquet file.") from None


def id_column_in(path: Path, given: str | None = None) -> str:
    """The customer id column of a table file: `given`, or detected among common spellings."""
    return detect_id_column(_header(path).columns, given)


def numeric_features(header: pd.DataFrame, id_column: str) -> list[str]:
    """Every numeric column but the id, flags (booleans such as is_new) and the unnamed index
    column pandas writes with `to_csv`, which would otherwise become a feature."""
    return [c for c in header.columns if c != id_column and pd.api.types.is_numeric_dtype(header[c])
            and not pd.api.types.is_bool_dtype(header[c]) and not str(c).startswith("Unnamed:")]


def _read_table(path: Path, id_column: str, features: list[str]) -> pd.DataFrame:
    """One table validated by `read_precomputed`; ids written as floats (13085.0, as pandas writes an
    id column that once held blanks) become 13085, to match tables that wrote the id as an integer."""
    table = read_precomputed(path, id_column, features)
    ids = table["customer_id"]
    if ids.str.fullmatch(r"\d+\.0").all():
        table["customer_id"] = ids.str[:-2]
    return table


def read_snapshot_series(folder: Path, names: list[str], files: Mapping[str, str] | None = None,
                         pattern: str | None = None, id_column: str | None = None,
                         columns: Sequence[str] | None = None) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Every snapshot table found, as `customer_id` + float64 features (`columns`, else the baseline's
    numeric columns), in `names` order, with warnings. A later snapshot whose file or feature columns
    are missing is left out with a warning rather than stopping the study: the others still tell."""
    folder = Path(folder)
    paths = snapshot_files(folder, names, files, pattern)
    if columns is None:
        baseline = _header(paths[BASELINE], whole=True)
        columns = numeric_features(baseline, detect_id_column(baseline.columns, id_column))
        if not columns:
            raise UserError(f"{paths[BASELINE].name} has no numeric column besides the customer id. "
                            "Fix: set features.columns to the feature columns.")
    features, tables, warnings = list(columns), {}, []
    for name in names:
        if name not in paths:
            warnings.append(_warning("missing_file", name, 1, f"snapshot {name} not found in {folder} "
                                     f"({_looked_for(folder, name, files, pattern)}): it is left out of the study."))
            continue
        header = _header(paths[name]).columns
        missing = [c for c in features if c not in header]
        if missing and name != BASELINE:  # a baseline lacking a feature is an error, raised by read_precomputed
            warnings.append(_warning("missing_columns", name, len(missing), (
                f"{paths[name].name} ({name}) lacks {len(missing)} feature column(s) {missing}: it is left out, the "
                "study goes on with the others. Fix: rebuild it with them, or set features.columns to shared ones.")))
            continue
        tables[name] = _read_table(paths[name], detect_id_column(header, id_column), features)
    return tables, warnings


def _identical(before: pd.DataFrame, after: pd.DataFrame, previous: str, name: str) -> list[dict]:
    by_id = [t.sort_values("customer_id", ignore_index=True) for t in (before, after)]
    if set(before.columns) != set(after.columns) or not by_id[0].equals(by_id[1][list(before.columns)]):
        return []
    return [_warning("identical_to_previous", name, len(after), (
        f"{name} is identical to {previous} (same {len(after)} customers, same values): it adds nothing "
        "— was it built from the same data?"))]


def _lost(seen: pd.Index, ids: pd.Index, name: str) -> list[dict]:
    lost = len(seen.difference(ids))
    return [_warning("customers_lost", name, lost, (
        f"{name} lacks {lost} customer(s) present in an earlier snapshot: in cumulative snapshots customers "
        "never disappear, a sign the tables were built wrongly (e.g. from a window instead of all history)."))
        ] if lost else []


def _decreasing(before: pd.DataFrame, after: pd.DataFrame, previous: str, name: str,
                cumulative_columns: Sequence[str]) -> list[dict]:
    shared = [c for c in cumulative_columns if c in before.columns and c in after.columns]
    pairs = before[["customer_id", *shared]].merge(after[["customer_id", *shared]], on="customer_id")
    old, new = (pairs[[f"{c}{suffix}" for c in shared]].to_numpy(float) for suffix in ("_x", "_y"))
    down = (new < old) & ~np.isclose(new, old)
    customers = int(down.any(axis=1).sum())
    per_column = ", ".join(f"{c}: {n}" for c, n in zip(shared, down.sum(axis=0)) if n)
    return [_warning("decreasing_totals", name, customers, (
        f"{name}: {customers} customer(s) have a lower cumulative total than in {previous} ({per_column}): "
        "can be returns, or tables built wrongly."))] if customers else []


def _past_data_end(names: list[str], cutoffs: Mapping[str, pd.Timestamp], data_end: pd.Timestamp) -> list[dict]:
    """A cutoff later than the day after the last line (the cutoff that already counts every line)
    covers days with no transactions: the snapshot shows less change than that much time would."""
    complete = default_cutoff(data_end)
    late = {name: (pd.Timestamp(cutoffs[name]) - complete).days for name in names if name in cutoffs}
    return [_warning("past_data_end", name, days, (
        f"{name} cuts on {pd.Timestamp(cutoffs[name]):%Y-%m-%d}, {days} day(s) after the data ends (last line "
        f"{pd.Timestamp(data_end):%Y-%m-%d}): those days hold no transactions."))
        for name, days in late.items() if days > 0]


def check_series(tables: Mapping[str, pd.DataFrame], order: list[str], cumulative_columns: Sequence[str] = (),
                 cutoffs: Mapping[str, pd.Timestamp] | None = None, data_end: pd.Timestamp | None = None) -> list[dict]:
    """Warnings on signs a series was built wrongly, each snapshot compared with the previous one in
    `order` (customers lost: with every earlier one): a copied snapshot, vanishing customers,
    decreasing cumulative totals, cutoffs past the data. Warnings, not errors: the user judges."""
    present = [name for name in order if name in tables]
    warnings: list[dict] = []
    seen = pd.Index([], dtype="string")
    for previous, name in zip([None, *present], present):
        ids = pd.Index(tables[name]["customer_id"].astype("string"))
        if previous is not None:
            before, after = tables[previous], tables[name]
            warnings += _identical(before, after, previous, name) + _lost(seen, ids, name)
            warnings += _decreasing(before, after, previous, name, cumulative_columns)
        seen = seen.union(ids)
    if cutoffs is not None and data_end is not None:
        warnings += _past_data_end(present, cutoffs, data_end)
    return warnings


def series_baseline(folder: Path, files: Mapping[str, str] | None, pattern: str | None, id_column: str | None,
                    columns: Sequence[str]) -> pd.DataFrame:
    """The baseline table of a precomputed snapshot series, read as the study reads it: a run on
    the series trains on it, so it needs no transactions (a fresh clone, no stage run)."""
    paths = snapshot_files(Path(folder), [BASELINE], files, pattern)
    header = _header(paths[BASELINE]).columns
    return _read_table(paths[BASELINE], detect_id_column(header, id_column), list(columns))

