"""Placing customers in a trained model's segments: pure, on frames.

From a customer x feature table (`assign_features`), or from raw transaction lines, cleaned
with the configured rules and turned into features as of a date (`assign_transactions`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from segmentation.cleaning import clean_frame
from segmentation.cutoffs import default_cutoff, resolve_cutoff
from segmentation.errors import UserError
from segmentation.features import features_from_frame


def assign_features(table: pd.DataFrame, segment_model) -> pd.DataFrame:
    """customer id, segment, segment name for a customer x feature table."""
    missing = [c for c in segment_model.columns if c not in table]
    if missing:
        raise UserError(f"the champion needs feature(s) {missing}, not in the table. Fix: compute them or "
                        "select a champion trained on these features.")
    result = segment_model.predict(None, table[segment_model.columns].reset_index(drop=True))
    return pd.concat([table["customer_id"].reset_index(drop=True).rename("customer_id"), result], axis=1)


def assign_transactions(lines: pd.DataFrame, cleaning: Mapping, as_of, segment_model) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Segments of the customers in `lines` as of `as_of` (null: the day after the last line)."""
    cleaned, _ = clean_frame(lines, cleaning)
    if cleaned.empty:
        raise UserError("no line is left after cleaning. Fix: check the file and the cleaning rules.")
    first, last = pd.Timestamp(cleaned["invoice_date"].min()), pd.Timestamp(cleaned["invoice_date"].max())
    cutoff = resolve_cutoff(as_of, first, last, "assign.as_of") if as_of else default_cutoff(last)
    table = features_from_frame(cleaned, cutoff)
    if table.empty:
        raise UserError(f"no identified customer bought before {cutoff:%Y-%m-%d}. Fix: check assign.as_of.")
    return assign_features(table, segment_model), cutoff
