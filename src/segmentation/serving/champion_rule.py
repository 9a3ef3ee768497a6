"""Choosing the champion among a sweep's runs: a pure rule on a table of run metrics.

The rule (`select` in config): maximise (or minimise) a primary metric among FINISHED runs
that pass every constraint. Each constraint is a plain lower bound on a run metric
(`select.min_smallest_cluster_share: 0.02` means smallest_cluster_share >= 0.02; null: no
constraint). A metric that only some runs compute (`refresh_interval_months`, present when
stability was computed) is checked only where the run has it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from segmentation.common.config import required
from segmentation.common.errors import UserError

#: select.<key> -> (the run metric it bounds from below, checked only where the run has it)
CONSTRAINTS = {
    "min_smallest_cluster_share": ("smallest_cluster_share", False),
    "min_bootstrap_ari": ("bootstrap_ari_mean", False),
    "min_refresh_interval_months": ("refresh_interval_months", True),
}
RUN_COLUMNS = ("run_id", "run_name", "status")


def check_label(metric: str, bound: float) -> str:
    return f"{metric} >= {bound:g}"


def active_constraints(rule: Mapping) -> list[tuple[str, str, float, bool]]:
    """(select key, metric, lower bound, optional) for every constraint that is not null."""
    bounds = {key: required(rule, key, "select") for key in CONSTRAINTS}
    return [(key, *CONSTRAINTS[key][:1], float(bound), CONSTRAINTS[key][1])
            for key, bound in bounds.items() if bound is not None]


def check_metric(runs: pd.DataFrame, metric: str) -> None:
    """A metric no FINISHED run has is a typo; without any FINISHED run nothing is eligible anyway."""
    if metric not in runs and runs["status"].eq("FINISHED").any():
        known = sorted(c for c in runs.columns if c not in RUN_COLUMNS and not c.startswith("jaccard_cluster_"))
        raise UserError(f"select.metric={metric} is not a metric of the sweep's runs. Fix: use one of {known}.")


def evaluate(runs: pd.DataFrame, rule: Mapping) -> pd.DataFrame:
    """`runs` has run_id, run_name, status and one column per metric. Adds one pass/fail
    column per constraint (True, False, or None where an optional metric is absent) and
    `eligible`, sorted best first."""
    metric = required(rule, "metric", "select")
    check_metric(runs, metric)
    table = runs.copy()
    if metric not in table:
        table[metric] = float("nan")
    table["eligible"] = table["status"].eq("FINISHED") & table[metric].notna()
    for _, name, bound, optional in active_constraints(rule):
        column = table[name] if name in table else pd.Series(float("nan"), index=table.index)
        passed = column.map(lambda v, b=bound: None if pd.isna(v) else bool(v >= b)).astype(object)
        if not optional:
            passed = passed.map(lambda p: p is True)
        table[check_label(name, bound)] = passed
        table["eligible"] &= passed.map(lambda p: p is not False)
    ascending = not required(rule, "higher_is_better", "select")
    return table.sort_values(["eligible", metric], ascending=[False, ascending], na_position="last").reset_index(drop=True)


def choose(runs: pd.DataFrame, rule: Mapping) -> tuple[pd.Series | None, pd.DataFrame]:
    """(the champion row or None, the evaluated table)."""
    table = evaluate(runs, rule)
    return (table.iloc[0] if len(table) and table.iloc[0]["eligible"] else None), table


def binding_constraint(table: pd.DataFrame, rule: Mapping) -> str | None:
    """The select key of the constraint most FINISHED runs fail (what to relax first), if any."""
    finished = table[table["status"].eq("FINISHED")]
    fails = {key: int(finished[check_label(name, bound)].map(lambda p: p is False).sum())
             for key, name, bound, _ in active_constraints(rule)}
    key = max(fails, key=fails.get, default=None)
    return key if key and fails[key] else None


def no_champion_fix(table: pd.DataFrame, rule: Mapping) -> str:
    """The Fix sentence when no run passes: relax the binding constraint, or widen the sweep."""
    key = binding_constraint(table, rule)
    if key is None:
        return "Fix: widen the sweep or check why its runs failed (their `error` tag in MLflow)."
    metric = CONSTRAINTS[key][0]
    values = table[metric].dropna() if metric in table else pd.Series(dtype=float)
    spread = f" ({metric} ranges from {values.min():.3g} to {values.max():.3g} here)" if len(values) else ""
    return (f"Fix: relax the constraint most runs fail, select.{key}=<a lower bound>{spread} or "
            f"select.{key}=null (no constraint), or widen the sweep.")


def explain(table: pd.DataFrame, metric: str, limit: int = 15) -> str:
    """The evaluated table as text: each candidate's metric, pass/FAIL per constraint, eligibility."""
    checks = [c for c in table.columns if " >= " in c]
    shown = table[["run_name", "status", metric, *checks, "eligible"]].head(limit).copy()
    shown[metric] = shown[metric].round(3)
    for column in checks:
        shown[column] = shown[column].map({True: "pass", False: "FAIL", None: "n/a"})
    shown["eligible"] = shown["eligible"].map({True: "yes", False: "no"})
    more = f"\n... {len(table) - limit} more candidates" if len(table) > limit else ""
    return shown.to_string(index=False) + more
