"""DVC metrics files: the numbers of a report, nothing else.

`dvc metrics show` and `dvc exp show` make one column per key of every metrics file, so a
sentence, a list or a name stored there widens the table and shows as "-" everywhere else.
Each stage keeps its full report as an ordinary output (what the code reads) and writes
`numbers_only(report)` beside it as its DVC metrics file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from segmentation.common.catalog import write_json


def numbers_only(payload: Mapping) -> dict:
    """`payload` with only its numbers and booleans: nested mappings are kept as nested
    mappings (DVC shows them as dotted columns, e.g. `revenue.2023`); texts, lists, nulls,
    NaN and infinities are dropped, and so is a mapping left empty."""
    kept: dict = {}
    for key, value in payload.items():
        if isinstance(value, Mapping):
            value = numbers_only(value)
            if value:
                kept[str(key)] = value
        elif isinstance(value, bool) or (isinstance(value, int | float) and math.isfinite(value)):
            kept[str(key)] = value
    return kept


def write_metrics(target: str | os.PathLike, payload: Mapping) -> None:
    """The numbers of `payload` as a DVC metrics file (atomic)."""
    write_json(target, numbers_only(payload))
