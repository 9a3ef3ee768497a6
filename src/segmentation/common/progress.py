"""Progress bars for long steps, shown only to a person watching a terminal.

A thin wrapper over tqdm: a bar on stderr when both stdout and stderr are terminals and the
environment variable `CI` is not set; otherwise the iterable is returned untouched, so logs,
pipes, DVC output and test captures stay free of carriage-return noise.

    for seed in progress(seeds, "noise band: refits under other seeds"):
        ...
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def enabled() -> bool:
    """A person is watching: stdout and stderr are terminals and this is not a CI job."""
    if os.environ.get("CI"):
        return False
    return all(stream is not None and hasattr(stream, "isatty") and stream.isatty()
               for stream in (sys.stdout, sys.stderr))


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T] | Iterable[T]:
    """`items`, with a bar named `description` (count, elapsed, ETA) when `enabled()`.
    Nested bars (a step inside a step) clear themselves when done."""
    if not enabled():
        return items
    from tqdm import tqdm

    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    return tqdm(items, desc=description, total=total, leave=False, dynamic_ncols=True, file=sys.stderr,
                bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed} elapsed, ETA {remaining}")
