"""Placing customers in a trained model's segments: pure, on frames.

From a customer x feature table (`assign_features`), or from raw transaction lines, cleaned
with the configured rules and turned into features as of a date (`assign_transactions`).

One numbering: the report names the train stage's clusters (reports/segments.csv), so segment
ids that come from another fit (the maintenance study's model, a champion) are renumbered to
the train stage's segment they share most customers with (`matching_ids`, `in_numbering_of`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from scipy.optimize import linear_sum_assignment

from segmentation.cleaning import clean_frame
from segmentation.cutoffs import default_cutoff, resolve_cutoff
from segmentation.errors import UserError
from segmentation.features import features_from_frame
from segmentation.interests.features import interest_columns_of, interests_from_frame, top_n_of, with_interests
from segmentation.models import NOISE


def assign_features(table: pd.DataFrame, segment_model) -> pd.DataFrame:
    """customer id, segment, segment name for a customer x feature table. A model trained with
    wholesalers set apart (`features.wholesalers: separate`) puts those above its training
    threshold in their own segment, so it also needs the rule's column."""
    needed = getattr(segment_model, "required_columns", segment_model.columns)
    missing = [c for c in segment_model.columns if c not in table]
    if missing:
        raise UserError(f"the champion needs feature(s) {missing}, not in the table. Fix: compute them or "
                        "select a champion trained on these features.")
    if [c for c in needed if c not in table]:
        raise UserError(f"the champion needs column {needed[-1]}, not in the table: {segment_model.rule_text()}. "
                        f"Fix: add {needed[-1]} to the table, or select a champion that keeps or drops wholesalers.")
    result = segment_model.predict(None, table[needed].reset_index(drop=True))
    return pd.concat([table["customer_id"].reset_index(drop=True).rename("customer_id"), result], axis=1)


def assign_transactions(lines: pd.DataFrame, cleaning: Mapping, as_of, segment_model,
                        categories: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Segments of the customers in `lines` as of `as_of` (null: the day after the last line).
    A model on interest features needs `categories` (description, category: the training
    data's; products it does not list are pooled in share_other)."""
    cleaned, _ = clean_frame(lines, cleaning)
    if cleaned.empty:
        raise UserError("no line is left after cleaning. Fix: check the file and the cleaning rules.")
    first, last = pd.Timestamp(cleaned["invoice_date"].min()), pd.Timestamp(cleaned["invoice_date"].max())
    cutoff = resolve_cutoff(as_of, first, last, "assign.as_of") if as_of else default_cutoff(last)
    table = features_from_frame(cleaned, cutoff)
    if table.empty:
        raise UserError(f"no identified customer bought before {cutoff:%Y-%m-%d}. Fix: check assign.as_of.")
    needed = interest_columns_of(segment_model.columns)
    if needed:
        interests, _ = interests_from_frame(cleaned, categories, cutoff, top_n_of(needed))
        table = with_interests(table, interests)
    return assign_features(table, segment_model), cutoff


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
