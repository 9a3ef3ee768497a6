"""The sensitivity line quotes each neighbour's verdict: it must be the verdict that neighbour's
own study gives (issue #28: "holds for k = 4-6" while the k=4 run said "every 8 months")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import planted_table

from segmentation.common.config import compose
from segmentation.maintenance.sensitivity import describe
from segmentation.maintenance.snapshot_tables import measure

OFFSETS = ["J+15", "M+1", "M+2", "M+3", "M+6"]


def drifting_series(folder) -> None:
    """Three planted groups; from M+2 the second group's customers buy like the first group, more
    of them each month, so the partition really changes (not only new customers)."""
    table = pd.read_csv(planted_table(folder / "base.csv", n_per=40))
    rng = np.random.default_rng(1)
    table.to_csv(folder / "baseline.csv", index=False)
    for step, name in enumerate(OFFSETS):
        later = table.copy()
        later[["recency"]] += 15 * (step + 1)
        moved = later.index[40:40 + max(0, step - 1) * 10]  # group 2 turns into group 1
        later.loc[moved, ["frequency", "monetary"]] = [20, 5000] * (1 + rng.normal(scale=0.05, size=(len(moved), 2)))
        later.to_csv(folder / f"{name}.csv", index=False)


def study(folder, cache, k: int, sensitivity: bool) -> dict:
    cfg = compose([f"stability.precomputed={folder}", "snapshots.baseline=2011-01-01",
                   f"snapshots.offsets=[{','.join(OFFSETS)}]", "stability.min_new_customers=0",
                   f"model.n_clusters={k}", f"paths.studies={cache}", "features.transform=none"])
    return measure(cfg, sensitivity=sensitivity)["summary"]


def test_each_neighbour_verdict_in_the_sensitivity_line_is_that_configurations_own_verdict(tmp_path):
    drifting_series(tmp_path)
    quoted = study(tmp_path, tmp_path / "cache_k3", 3, sensitivity=True)["sensitivity_verdicts"]
    assert set(quoted) == {"k=2", "k=3", "k=4"}
    # each neighbour studied alone, from an empty cache: nothing read back from the k=3 study
    own = {f"k={k}": describe(study(tmp_path, tmp_path / f"cache_k{k}", k, sensitivity=False)) for k in (2, 3, 4)}
    assert quoted == own, (quoted, own)
    assert len(set(own.values())) > 1, f"the planted drift should move the verdict with k: {own}"
