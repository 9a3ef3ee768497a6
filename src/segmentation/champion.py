"""Choosing the champion among a sweep's runs: a pure rule on a table of run metrics.

The rule (`select` in config): maximise (or minimise) a primary metric among FINISHED runs
that pass every constraint, e.g. `smallest_cluster_share: ">= 0.02"`. A constraint on a
metric listed in `optional` is checked only where the run has it (e.g.
`refresh_interval_months`, present only when stability was computed).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping

import pandas as pd

from segmentation.config import required
from segmentation.errors import UserError

OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


def parse_constraint(metric: str, text: str):
    match = re.fullmatch(r"\s*(>=|<=|==|>|<)\s*(-?[\d.]+(?:e-?\d+)?)\s*", str(text))
    if not match:
        raise UserError(f"select.constraints.{metric}='{text}' is not like '>= 0.8'. Fix: use one of "
                        f"{list(OPERATORS)} followed by a number.")
    return OPERATORS[match.group(1)], float(match.group(2))


def evaluate(runs: pd.DataFrame, rule: Mapping) -> pd.DataFrame:
    """`runs` has run_id, run_name, status and one column per metric. Adds one pass/fail
    column per constraint (True, False, or None where an optional metric is absent) and
    `eligible`, sorted best first."""
    metric = required(rule, "metric", "select")
    optional = set(required(rule, "optional", "select") or [])
    table = runs.copy()
    table["eligible"] = table["status"].eq("FINISHED") & table.get(metric, pd.Series(index=table.index)).notna()
    for name, text in (required(rule, "constraints", "select") or {}).items():
        check, value = parse_constraint(name, text)
        column = table[name] if name in table else pd.Series(float("nan"), index=table.index)
        passed = column.map(lambda v, c=check, x=value: None if pd.isna(v) else bool(c(v, x)))
        if name not in optional:
            passed = passed.fillna(False).astype(bool)
        table[f"{name} {text.strip()}"] = passed
        table["eligible"] &= passed.map(lambda p: p is not False)
    ascending = not required(rule, "higher_is_better", "select")
    return table.sort_values(["eligible", metric], ascending=[False, ascending], na_position="last").reset_index(drop=True)


def choose(runs: pd.DataFrame, rule: Mapping) -> tuple[pd.Series | None, pd.DataFrame]:
    """(the champion row or None, the evaluated table)."""
    table = evaluate(runs, rule)
    return (table.iloc[0] if len(table) and table.iloc[0]["eligible"] else None), table


def explain(table: pd.DataFrame, metric: str, limit: int = 15) -> str:
    """The evaluated table as text: each candidate's metric, pass/FAIL per constraint, eligibility."""
    checks = [c for c in table.columns if any(c.endswith(f"{op} {v}") for op in (">=", "<=", ">", "<", "==")
                                               for v in [c.split()[-1]])]
    shown = table[["run_name", "status", metric, *checks, "eligible"]].head(limit).copy()
    shown[metric] = shown[metric].round(3)
    for column in checks:
        shown[column] = shown[column].map({True: "pass", False: "FAIL", None: "n/a"})
    shown["eligible"] = shown["eligible"].map({True: "yes", False: "no"})
    more = f"\n... {len(table) - limit} more candidates" if len(table) > limit else ""
    return shown.to_string(index=False) + more
