"""One numbering of segments across fits: the report names the train stage's clusters
(reports/segments.csv), so segment ids that come from another fit (the maintenance study's
model, a champion, a refit) are renumbered to the train stage's segment they share most
customers with (Hungarian method): pure, on label series.
"""

from __future__ import annotations

import pandas as pd
from scipy.optimize import linear_sum_assignment

from segmentation.models.labels import NOISE


def matching_ids(labels: pd.Series, reference: pd.Series) -> dict[int, int]:
    """Each segment id of `labels` -> the `reference` segment sharing most of its customers.

    Both are indexed by customer id. One-to-one (Hungarian method on the overlap table of the
    customers both place, noise left out). A segment left without a partner (more segments than
    the reference, or no customer in common) gets a new id after the reference's largest, so it
    never borrows another segment's name; noise (-1) stays -1."""
    common = labels.index.intersection(reference.index)
    own, ref = labels.loc[common], reference.loc[common]
    placed = (own != NOISE) & (ref != NOISE)
    overlap = pd.crosstab(own[placed], ref[placed])
    rows, cols = linear_sum_assignment(-overlap.to_numpy()) if overlap.size else ([], [])
    mapping = {int(overlap.index[r]): int(overlap.columns[c]) for r, c in zip(rows, cols)
               if overlap.iat[r, c] > 0}
    fresh = max([int(v) for v in reference.unique() if v != NOISE], default=-1) + 1
    for segment in sorted(int(v) for v in labels.unique() if v != NOISE and int(v) not in mapping):
        mapping[segment], fresh = fresh, fresh + 1
    return {**mapping, NOISE: NOISE} if (labels == NOISE).any() else mapping


def renumber(frame: pd.DataFrame, mapping, column: str = "segment") -> pd.DataFrame:
    """`frame` with `column` mapped through `mapping` (an id absent from it keeps its number)."""
    return frame.assign(**{column: frame[column].map(mapping).fillna(frame[column]).astype("int64")})


def in_numbering_of(result: pd.DataFrame, reference: pd.DataFrame, column: str = "segment") -> tuple[pd.DataFrame, float]:
    """`result` (customer_id, `column`) renumbered like `reference` (customer_id, cluster: the
    train stage's assignments), and the share of the customers both hold that are in the same
    segment once renumbered (1.0: the same partition)."""
    reference_ids = reference.set_index("customer_id")["cluster"]
    mapping = matching_ids(result.set_index("customer_id")[column], reference_ids)
    renumbered = renumber(result, mapping, column)
    both = renumbered.set_index("customer_id")[column].align(reference_ids, join="inner")
    agreement = float((both[0] == both[1]).mean()) if len(both[0]) else float("nan")
    return renumbered, agreement
