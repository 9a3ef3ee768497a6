"""A sweep's leaderboard: one row per child run, ranked by the champion rule.

Pure functions on a runs frame (one row per run: `run_id`, `run_name`, `status`, the
descriptive columns `algorithm`, `features`, `wholesalers`, `size`, `variant`, the metrics,
and `maintenance_verdict` where the maintenance study ran). `runs_frame` builds it from MLflow
runs; `build` ranks it with `segmentation.serving.champion_rule` (the rule `select` uses) and marks the
champion and the best run of each line (algorithm x feature set x other swept values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from segmentation.maintenance.sensitivity import describe
from segmentation.serving.champion_rule import active_constraints, check_label, choose

#: tags `runs.run` sets on every job at its start, so failed jobs are described too
DESCRIBING_TAGS = {"algorithm": "segmentation.algorithm", "features": "segmentation.features",
                   "wholesalers": "segmentation.wholesalers", "size": "segmentation.size",
                   "variant": "segmentation.variant"}
METRICS = ("silhouette", "bootstrap_ari_mean", "smallest_cluster_share", "n_clusters",
           "refresh_interval_months", "refresh_interval_days")
CHAMPION, BEST_IN_LINE = "champion", "best in line"
LINE = ["algorithm", "features", "wholesalers", "variant"]
#: the leaderboard's columns, in order (the numbers first: what a narrow pane shows)
COLUMNS = ["rank", "mark", "run_name", "silhouette", "bootstrap_ari_mean", "temporal", "refresh_interval_months",
           "smallest_cluster_share", "status", "fails", "algorithm", "features", "wholesalers", "size", "variant",
           "n_clusters", "eligible", "run_id"]


def runs_frame(runs: Iterable) -> pd.DataFrame:
    """One row per MLflow run (objects with `.info` and `.data`) with all its metrics, in the
    shape `build` takes."""
    rows = []
    for run in runs:
        tags = run.data.tags
        rows.append({"run_id": run.info.run_id, "run_name": run.info.run_name, "status": run.info.status,
                     **{column: tags.get(tag, "") for column, tag in DESCRIBING_TAGS.items()},
                     "maintenance_verdict": tags.get("maintenance_verdict"), **run.data.metrics})
    frame = pd.DataFrame(rows, columns=list(dict.fromkeys(["run_id", "run_name", "status", *DESCRIBING_TAGS,
                                                           "maintenance_verdict", *METRICS,
                                                           *(k for row in rows for k in row)])))
    return frame


def temporal(row: Mapping) -> str:
    """The maintenance verdict in a few words ('8 months', 'stable'...), or '' when not computed."""
    verdict = row.get("maintenance_verdict")
    if not isinstance(verdict, str) or not verdict:
        return ""
    months, days = row.get("refresh_interval_months"), row.get("refresh_interval_days")
    if verdict == "refresh" and (pd.isna(months) or pd.isna(days)):
        return "refresh"
    return describe({"verdict": verdict, "refresh_interval_months": months,
                     "refresh_interval_days": None if pd.isna(days) else int(days)})


def build(runs: pd.DataFrame, rule: Mapping) -> pd.DataFrame:
    """The leaderboard: `runs` ranked by the champion rule (eligible runs first, best first),
    with `rank`, `mark` (champion / best in line), `eligible`, `fails` (the constraints a run
    misses) and `temporal`; columns as in COLUMNS."""
    champion, table = choose(runs, rule)
    checks = [c for c in table.columns if c not in runs.columns and c != "eligible"]
    table["fails"] = [", ".join(c for c in checks if pd.notna(row[c]) and not bool(row[c]))
                      if row["status"] == "FINISHED" else "" for row in table.to_dict("records")]
    table["temporal"] = [temporal(row) for row in table.to_dict("records")]
    table["rank"] = range(1, len(table) + 1)
    table["mark"] = ""
    for _, line in table[table["eligible"]].groupby(LINE, sort=False, dropna=False):
        table.loc[line.index[0], "mark"] = BEST_IN_LINE  # sorted best first: the line's first eligible run
    if champion is not None:
        table.loc[table["run_id"] == champion["run_id"], "mark"] = CHAMPION
    for column in COLUMNS:
        if column not in table:
            table[column] = float("nan")
    return table[COLUMNS]


def champion_row(table: pd.DataFrame) -> pd.Series | None:
    marked = table[table["mark"] == CHAMPION]
    return marked.iloc[0] if len(marked) else None


def best_values(table: pd.DataFrame) -> dict[str, float]:
    """Parent-run metrics: the best of each quality metric among finished runs, the champion's
    values and how many runs pass the rule."""
    finished = table[table["status"] == "FINISHED"]
    values = {"eligible_runs": float(table["eligible"].sum())}
    for metric in ("silhouette", "bootstrap_ari_mean", "smallest_cluster_share", "refresh_interval_months"):
        column = pd.to_numeric(finished[metric], errors="coerce").dropna()
        if len(column):
            values[f"best_{metric}"] = float(column.max())
    champion = champion_row(table)
    if champion is not None:
        for metric in ("silhouette", "bootstrap_ari_mean", "smallest_cluster_share"):
            if pd.notna(champion[metric]):
                values[f"champion_{metric}"] = float(champion[metric])
    return values


def rule_text(rule: Mapping) -> str:
    """The champion rule in one line, e.g. 'max silhouette among FINISHED runs with ...'."""
    constraints = [f"{check_label(metric, bound)}{' where measured' if optional else ''}"
                   for _, metric, bound, optional in active_constraints(rule)]
    best = "max" if rule.get("higher_is_better", True) else "min"
    return f"{best} {rule['metric']} among FINISHED runs" + (f" with {', '.join(constraints)}" if constraints else "")


SYMBOLS = {CHAMPION: "★", BEST_IN_LINE: "☆"}
#: terminal columns: header, column, right-aligned
TEXT_COLUMNS = [("#", "rank", True), ("", "mark", False), ("run", "run_name", False),
                ("silhouette", "silhouette", True), ("bootstrap ARI", "bootstrap_ari_mean", True),
                ("temporal", "temporal", False), ("smallest", "smallest_cluster_share", True),
                ("status", "status", False)]


def _cell(row: Mapping, column: str) -> str:
    value = row[column]
    if column == "mark":
        return SYMBOLS.get(value, "")
    if column == "status":
        return f"{value}, fails {row['fails']}" if row["fails"] else str(value)
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.3f}"
    return "" if value is None else str(value)


def as_text(table: pd.DataFrame, limit: int = 20) -> str:
    """The leaderboard as an aligned plain-text table (its first `limit` rows; columns empty in
    all of them, e.g. `temporal` when no job ran the maintenance study, left out)."""
    records = table.head(limit).to_dict("records")
    shown = [spec for spec in TEXT_COLUMNS if spec[1] in ("mark", "status") or any(_cell(r, spec[1]) for r in records)]
    rows = [[_cell(row, column) for _, column, _ in shown] for row in records]
    headers = [header for header, _, _ in shown]
    widths = [max(len(cell) for cell in cells) for cells in zip(headers, *rows)]
    lines = ["  ".join(cell.rjust(w) if right else cell.ljust(w)
                       for cell, w, (_, _, right) in zip(cells, widths, shown)).rstrip()
             for cells in [headers, *rows]]
    if len(table) > limit:
        lines.append(f"... and {len(table) - limit} more runs (leaderboard.html)")
    return "\n".join(lines)
