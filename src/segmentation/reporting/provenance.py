"""Where a report comes from, printed at its top: the data's dates, the source, the rows read and
kept, the MLflow run of the train stage and the code's git commit.

No wall-clock time: the report is dated by its data (the last day in the data) and its commit,
so the same data and code give the same file and `dvc repro` sees no change.
"""

from __future__ import annotations

from collections.abc import Mapping

from segmentation.common.git import NO_GIT
from segmentation.company.periods import day_text


def header(data: Mapping, span: tuple[str | None, str | None], cleaning: Mapping | None, customers: int | None,
           cutoff: str | None, run_id: str | None, commit: str) -> list[tuple[str, str]]:
    """(label, text) rows of the report's header block, every value from the pipeline's files."""
    first, last = span
    kind = "synthetic rehearsal data, not a real shop" if data.get("name") == "synthetic" else "transactions"
    rows = [("Report date", f"{day_text(last) or 'unknown'}, the last day in the data")]
    if first and last:
        rows.append(("Data period", f"{day_text(first)} to {day_text(last)}"))
    rows.append(("Data source", f"{data.get('name')}: {data.get('path')} ({kind})"))
    counted = []
    if cleaning:
        counted.append(f"{int(cleaning['lines_in']):,} lines read, {int(cleaning['lines_out']):,} kept after cleaning")
    if customers is not None:
        counted.append(f"{int(customers):,} customers segmented"
                       + (f" as of {day_text(cutoff)}" if cutoff and cutoff[:1].isdigit() else ""))
    if counted:
        rows.append(("Rows", "; ".join(counted)))
    rows.append(("MLflow run", f"{run_id} (train stage)" if run_id else "not recorded (run `dvc repro` first)"))
    rows.append(("Code", f"commit {commit}" if commit != NO_GIT else NO_GIT))
    return rows
