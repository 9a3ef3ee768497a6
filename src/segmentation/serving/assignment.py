"""Placing customers in a trained model's segments: pure, on frames.

From a customer x feature table (`assign_features`), or from raw transaction lines, cleaned
with the configured rules and turned into features as of a date (`assign_transactions`).

A champion's segment ids are renumbered to the train stage's where a stage needs one numbering
(`models.segment_ids`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from segmentation.cleaning.rules import clean_frame
from segmentation.common.errors import UserError
from segmentation.features.cutoffs import default_cutoff, resolve_cutoff
from segmentation.features.interests import interest_columns_of, interests_from_frame, top_n_of, with_interests
from segmentation.features.rfm import features_from_frame


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
