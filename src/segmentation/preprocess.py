"""From a customer table to the matrix a model sees: which customers (the wholesaler rule),
which columns (the feature set), and how they are transformed and scaled.

The wholesaler rule lives here only: the features, the maintenance study and the company
performance figures all call `wholesaler_mask`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from segmentation.config import required
from segmentation.errors import UserError
from segmentation.features import ALL_FEATURES, EXTRA_FEATURES

SCALERS = ("standard", "robust", "minmax")
TRANSFORMS = ("none", "log1p")


#: features counted in units: without a quantity column every line is one unit
UNIT_FEATURES = ("total_quantity", "avg_items_per_order")


def wholesaler_rule_applies(column: str, available) -> bool:
    """The wholesaler rule is meaningful unless it counts units the source does not supply."""
    return column not in UNIT_FEATURES or bool(available.get("quantity"))


def wholesaler_mask(table: pd.DataFrame, column: str, quantile: float) -> tuple[pd.Series, float]:
    """Customers strictly above the `quantile` of `column`, and that threshold."""
    if column not in table.columns:
        raise UserError(f"features.wholesaler_column='{column}' is not a feature. Fix: use one of {list(ALL_FEATURES)}.")
    if not 0 < quantile < 1:
        raise UserError(f"features.wholesaler_quantile={quantile} must be between 0 and 1 (e.g. 0.98).")
    threshold = float(table[column].quantile(quantile))
    return table[column] > threshold, threshold


def select_features(table: pd.DataFrame, features: Mapping,
                    wholesaler_threshold: float | None = None) -> tuple[pd.DataFrame, dict]:
    """Apply the feature set: optional wholesaler removal, then its columns.

    `wholesaler_threshold` replaces the quantile (snapshots reuse the baseline's threshold).
    Returns the customer x feature frame (indexed by customer id) and a report.
    """
    columns = list(features["columns"])
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        from_orders = [c for c in unknown if c in EXTRA_FEATURES.values()]
        if from_orders:
            raise UserError(f"features={features.get('name')} needs {from_orders}, built from order attributes this "
                            "data does not have (reviews, instalments, delivery dates of the Olist export). "
                            "Fix: use data=olist, or a feature set of this data (features=rfm or rfm_extras).")
        raise UserError(f"features.columns has {unknown}, not in the feature table {list(table.columns)}. "
                        "Fix: list existing columns.")
    report = {"customers_in": int(len(table)), "wholesalers_removed": 0}
    excluded = {str(i) for i in required(features, "exclude_ids", "features") or []}
    if excluded:  # customers the user leaves out everywhere (e.g. hand-picked extremes)
        dropped = table["customer_id"].astype(str).isin(excluded)
        table = table.loc[~dropped]
        report["excluded_ids"] = int(dropped.sum())
    if required(features, "drop_wholesalers", "features"):
        column = required(features, "wholesaler_column", "features")
        mask, threshold = wholesaler_mask(table, column, float(required(features, "wholesaler_quantile", "features")))
        if wholesaler_threshold is not None:
            threshold = float(wholesaler_threshold)
            mask = table[column] > threshold
        table = table.loc[~mask]
        report.update(wholesalers_removed=int(mask.sum()), wholesaler_threshold=round(threshold, 4))
    report["customers"] = int(len(table))
    return table.set_index("customer_id")[columns].astype("float64"), report


def signed_log1p(values):
    return np.sign(values) * np.log1p(np.abs(values))


def signed_expm1(values):
    return np.sign(values) * np.expm1(np.abs(values))


def preprocessor_for(features: Mapping):
    """The transform + scaler steps of a feature set's config."""
    return make_preprocessor(required(features, "transform", "features"), required(features, "scaler", "features"))


def make_preprocessor(transform: str, scaler: str):
    """The transform + scaler steps (an sklearn Pipeline) every model pipeline starts with."""
    # imported here: sklearn costs ~1.3 s at start-up, which every snapshot stage would pay
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, RobustScaler, StandardScaler

    if transform not in TRANSFORMS:
        raise UserError(f"features.transform='{transform}' is unknown. Fix: use one of {list(TRANSFORMS)}.")
    if scaler not in SCALERS:
        raise UserError(f"features.scaler='{scaler}' is unknown. Fix: use one of {list(SCALERS)}.")
    steps = []
    if transform == "log1p":
        steps.append(("log1p", FunctionTransformer(signed_log1p, inverse_func=signed_expm1,
                                                   feature_names_out="one-to-one", validate=False)))
    scalers = {"standard": StandardScaler, "robust": RobustScaler, "minmax": MinMaxScaler}
    steps.append(("scale", scalers[scaler]()))
    return Pipeline(steps)
