"""Maintenance studies kept by their inputs (build/cache/studies): a rerun, or a neighbouring
configuration's study that an earlier run computed (the sensitivity of k=5 holds the studies at
k=4 and k=6, which another k's run computed as its own or as its neighbours'), is read back.

The key is a digest of everything the study reads: the snapshot tables' content, their dates,
the feature, model and stability settings, the seed, a training run's own resamples, and the
code that computes it (this package's source and the libraries' versions), so a change of any
of them computes anew."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from segmentation.common.catalog import atomic_path

PACKAGE = Path(__file__).resolve().parents[1]
LIBRARIES = ("scikit-learn", "numpy", "pandas", "hdbscan")
_CODE: str | None = None


def code_digest() -> str:
    """The package's source and the libraries' versions, once per process."""
    global _CODE
    if _CODE is None:
        digest = hashlib.md5()
        for path in sorted(PACKAGE.rglob("*.py")):
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + path.read_bytes())
        digest.update(json.dumps({name: version(name) for name in LIBRARIES}).encode())
        _CODE = digest.hexdigest()
    return _CODE


def tables_digest(tables: Mapping[str, pd.DataFrame]) -> str:
    digest = hashlib.md5()
    for name in sorted(tables):
        digest.update(name.encode() + pd.util.hash_pandas_object(tables[name], index=True).to_numpy().tobytes()
                      + ",".join(map(str, tables[name].columns)).encode())
    return digest.hexdigest()


def study_key(tables_id: str, *parts) -> str:
    text = json.dumps([tables_id, code_digest(), *parts], sort_keys=True, default=str)
    return hashlib.md5(text.encode()).hexdigest()


def cached(folder: Path, key: str, compute: Callable[[], object]) -> object:
    """The value kept under `key`, or `compute()` kept there (written whole or not at all)."""
    path = folder / f"{key}.pkl"
    if path.is_file():
        with path.open("rb") as handle:
            return pickle.load(handle)
    value = compute()
    store(folder, key, value)
    return value


def read(folder: Path, key: str):
    path = folder / f"{key}.pkl"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return pickle.load(handle)


def store(folder: Path, key: str, value) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / f"{key}.pkl") as tmp:
        tmp.write_bytes(pickle.dumps(value))
