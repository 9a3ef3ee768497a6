"""SQL text built in one place: a value written into a DuckDB (or Spark, via SQLGlot) statement."""

from __future__ import annotations


def quote(text) -> str:
    """A SQL string literal: single quotes around, inner single quotes doubled."""
    return "'" + str(text).replace("'", "''") + "'"
