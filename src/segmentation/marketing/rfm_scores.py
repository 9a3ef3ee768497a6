"""Classic RFM scores and named RFM segments: the transparent baseline a marketer already knows,
shown beside the clusters. Pure functions on the customer table (`segmentation.features.rfm`).

**Scores.** R, F and M are quintile scores 1-5 of recency, frequency and monetary; 5 is best:
the most recent purchase (fewest days), the most orders, the highest net spend. A customer's
score is set by the share of customers strictly worse on that measure:

    score = 1 + floor(5 x (customers with a strictly worse value) / (all customers))

so 1 + the quintile in which the customer's value starts. Without ties this is the usual
split in five groups of equal size (sizes differ by at most one).

**Ties.** Equal values always get the same score: a group of tied customers takes the score
of the place where the group starts (ties are rounded down, never split between two scores).
The consequence when many customers tie: scores lose their equal sizes and some become
empty. With one order for 27 % of the customers (the synthetic default), all of them get F = 1
and F = 1 holds 27 % of the base, not 20 %; if half the customers have one order, all of them
get F = 1, the next customer starts at 50 % and gets F = 3, and F = 2 is empty. Recency ties
on days and monetary rarely ties, so R and M stay close to equal fifths.

**Named segments.** The widely used grid of R against FM = (F + M) / 2, rounded half up
(F = 2, M = 3 gives FM = 3):

| R \\ FM | 1 | 2 | 3 | 4 | 5 |
|---|---|---|---|---|---|
| 5 | New customers | Potential loyalist | Potential loyalist | Champions | Champions |
| 4 | Promising | Potential loyalist | Potential loyalist | Loyal | Loyal |
| 3 | About to sleep | About to sleep | Need attention | Loyal | Loyal |
| 2 | Hibernating | Hibernating | At risk | At risk | Can't lose them |
| 1 | Lost | Hibernating | At risk | At risk | Can't lose them |

**Agreement.** The adjusted Rand index (1 = the same partition, about 0 = no more alike than
chance) between the named RFM segments and the clusters, and their crosstab.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.common.errors import UserError
from segmentation.models.evaluation import adjusted_rand

#: named segments from best to worst (the crosstab's row order)
SEGMENTS = ("Champions", "Loyal", "Potential loyalist", "New customers", "Promising", "Need attention",
            "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost")

#: GRID[R - 1][FM - 1], the table of the module docstring read from R = 1 up
GRID = (
    ("Lost", "Hibernating", "At risk", "At risk", "Can't lose them"),
    ("Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"),
    ("About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"),
    ("Promising", "Potential loyalist", "Potential loyalist", "Loyal", "Loyal"),
    ("New customers", "Potential loyalist", "Potential loyalist", "Champions", "Champions"),
)

#: score column -> (feature column, True when a higher value is better)
MEASURES = {"R": ("recency", False), "F": ("frequency", True), "M": ("monetary", True)}


def quintile_score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Scores 1-5 by the share of values strictly worse (see the module docstring); ties share a score."""
    oriented = values.astype(float) if higher_is_better else -values.astype(float)
    if oriented.isna().any():
        raise UserError(f"column '{values.name}' has missing values; RFM scores need a value for every customer. "
                        "Fix: fill or drop those customers first.")
    worse = oriented.rank(method="min").astype(np.int64) - 1  # customers with a strictly worse value
    return (1 + (5 * worse) // max(len(values), 1)).astype(np.int64).rename(values.name)


def rfm_quintiles(table: pd.DataFrame) -> pd.DataFrame:
    """customer_id, R, F, M (1-5, 5 = best) and the RFM code ("545"), one row per customer, in
    the table's order."""
    missing = [c for c in ("customer_id", *(col for col, _ in MEASURES.values())) if c not in table.columns]
    if missing:
        raise UserError(f"the customer table lacks {missing} for RFM scores. Columns found: {list(table.columns)}. "
                        "Fix: use the features stage's table (recency, frequency, monetary per customer).")
    scores = pd.DataFrame({"customer_id": table["customer_id"].to_numpy()}, index=table.index)
    for score, (column, higher_is_better) in MEASURES.items():
        scores[score] = quintile_score(table[column], higher_is_better).to_numpy()
    scores["rfm"] = scores["R"].astype(str) + scores["F"].astype(str) + scores["M"].astype(str)
    return scores.reset_index(drop=True)


def rfm_segment_names(scores: pd.DataFrame) -> pd.DataFrame:
    """The scores with FM = (F + M) / 2 rounded half up and `rfm_segment`, the grid's name."""
    bad = [c for c in ("R", "F", "M") if c not in scores or not scores[c].between(1, 5).all()]
    if bad:
        raise ValueError(f"scores {bad} must be present and within 1-5 (use rfm_quintiles)")
    fm = (scores["F"].astype(np.int64) + scores["M"].astype(np.int64) + 1) // 2
    names = [GRID[r - 1][f - 1] for r, f in zip(scores["R"].astype(np.int64), fm)]
    return scores.assign(FM=fm.to_numpy(), rfm_segment=names)


@dataclass(frozen=True)
class Agreement:
    """How far the clusters match the named RFM segments."""

    ari: float               # adjusted Rand index: 1 = same partition, ~0 = chance
    crosstab: pd.DataFrame   # customers: RFM segments (rows, best first) x clusters (columns)


def agreement(rfm_names: pd.Series | Sequence, cluster_labels: pd.Series | Sequence) -> Agreement:
    """ARI and crosstab of two labelings of the same customers. Two Series are matched on their
    index (e.g. customer_id) and must hold the same customers; sequences are matched by position."""
    if isinstance(rfm_names, pd.Series) and isinstance(cluster_labels, pd.Series):
        if not rfm_names.index.sort_values().equals(cluster_labels.index.sort_values()):
            raise ValueError("rfm_names and cluster_labels must hold the same customers (index)")
        cluster_labels = cluster_labels.reindex(rfm_names.index)
    rfm = pd.Series(np.asarray(rfm_names), name="rfm_segment")
    clusters = pd.Series(np.asarray(cluster_labels), name="cluster")
    if len(rfm) != len(clusters):
        raise ValueError(f"{len(rfm)} RFM names but {len(clusters)} cluster labels")
    table = pd.crosstab(rfm, clusters)
    order = [s for s in SEGMENTS if s in table.index] + sorted(set(table.index) - set(SEGMENTS))
    table = table.reindex(order)
    return Agreement(ari=float(adjusted_rand(rfm, clusters)), crosstab=table)
