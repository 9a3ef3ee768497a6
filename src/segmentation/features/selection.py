"""From a customer table to the matrix a model sees: which customers (the wholesaler rule),
which columns (the feature set), and how they are transformed and scaled.

The wholesaler rule lives here only: the features, the maintenance study and the company
performance figures all call `wholesaler_mask`. `features.wholesalers` says what happens to the
accounts it marks: `keep` (clustered with everyone), `drop` (left out of the segmentation) or
`separate` (left out of the clustering and reported as one segment of their own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.common.config import required
from segmentation.common.errors import UserError
from segmentation.common.validation import require_valid
from segmentation.features.rfm import ALL_FEATURES, EXTRA_FEATURES

#: the class (sklearn.preprocessing) of each option of `features.scaler` (`validation.options`)
SCALER_CLASSES = {"standard": "StandardScaler", "robust": "RobustScaler", "minmax": "MinMaxScaler"}


#: features counted in units: without a quantity column every line is one unit
UNIT_FEATURES = ("total_quantity", "avg_items_per_order")


def wholesaler_rule_applies(column: str, available) -> bool:
    """The wholesaler rule is meaningful unless it counts units the source does not supply."""
    return column not in UNIT_FEATURES or bool(available.get("quantity"))


def is_wholesaler(values: pd.Series, threshold: float) -> pd.Series:
    """The wholesaler test, one source for training and serving: strictly above the threshold."""
    return values.astype("float64") > float(threshold)


def wholesaler_mask(table: pd.DataFrame, column: str, quantile: float) -> tuple[pd.Series, float]:
    """Customers strictly above the `quantile` of `column`, and that threshold."""
    if column not in table.columns:
        raise UserError(f"features.wholesaler_column='{column}' is not a feature. Fix: use one of {list(ALL_FEATURES)}.")
    if not 0 < quantile < 1:
        raise UserError(f"features.wholesaler_quantile={quantile} must be between 0 and 1 (e.g. 0.98).")
    threshold = float(table[column].quantile(quantile))
    return is_wholesaler(table[column], threshold), threshold


@dataclass(frozen=True)
class Selection:
    """The customers a model clusters and those set apart, from one customer table."""

    X: pd.DataFrame          # clustered customers x the feature set's columns (index: customer id)
    wholesalers: pd.Index    # customer ids set apart as their own segment (`wholesalers: separate`), else empty
    report: dict             # counts and threshold: customers_in, wholesalers_removed / _separated, customers...


def wholesaler_policy(features: Mapping) -> str:
    """`features.wholesalers`: keep, drop or separate."""
    policy = required(features, "wholesalers", "features")
    require_valid("features.wholesalers", policy)
    return policy


def select_features(table: pd.DataFrame, features: Mapping,
                    wholesaler_threshold: float | None = None) -> tuple[pd.DataFrame, dict]:
    """The clustered customer x feature frame (indexed by customer id) and the selection report
    (`select_customers`; with `wholesalers: separate` the frame holds no wholesaler, as with drop)."""
    selection = select_customers(table, features, wholesaler_threshold)
    return selection.X, selection.report


def select_customers(table: pd.DataFrame, features: Mapping, wholesaler_threshold: float | None = None) -> Selection:
    """Apply the feature set: excluded ids out, the wholesaler policy, then its columns.

    `wholesaler_threshold` replaces the quantile (snapshots reuse the baseline's threshold).
    Report: `customers_in`, `excluded_ids` (when any), `wholesalers_removed` (drop),
    `wholesalers_separated` (separate), `wholesaler_threshold` (drop, separate), `customers`
    (those given a segment: with separate, the clustered and the wholesalers) and
    `customers_clustered` (the rows of X).
    """
    columns = list(features["columns"])
    _check_columns(table, columns, features)
    policy = wholesaler_policy(features)
    report = {"customers_in": int(len(table)), "wholesalers_removed": 0, "wholesalers_separated": 0}
    excluded = {str(i) for i in required(features, "exclude_ids", "features") or []}
    if excluded:  # customers the user leaves out everywhere (e.g. hand-picked extremes)
        dropped = table["customer_id"].astype(str).isin(excluded)
        table = table.loc[~dropped]
        report["excluded_ids"] = int(dropped.sum())
    wholesalers = pd.Index([], name="customer_id")
    if policy != "keep":
        column = required(features, "wholesaler_column", "features")
        mask, threshold = wholesaler_mask(table, column, float(required(features, "wholesaler_quantile", "features")))
        if wholesaler_threshold is not None:
            threshold = float(wholesaler_threshold)
            mask = is_wholesaler(table[column], threshold)
        if policy == "separate":
            wholesalers = pd.Index(table.loc[mask, "customer_id"], name="customer_id")
        table = table.loc[~mask]
        report.update({"wholesalers_removed" if policy == "drop" else "wholesalers_separated": int(mask.sum()),
                       "wholesaler_threshold": round(threshold, 4)})
    report.update(customers=int(len(table) + len(wholesalers)), customers_clustered=int(len(table)))
    return Selection(table.set_index("customer_id")[columns].astype("float64"), wholesalers, report)


def _check_columns(table: pd.DataFrame, columns: list, features: Mapping) -> None:
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        from_orders = [c for c in unknown if c in EXTRA_FEATURES.values()]
        if from_orders:
            raise UserError(f"features={features.get('name')} needs {from_orders}, built from order attributes this "
                            "data does not have (reviews, instalments, delivery dates of the Olist export). "
                            "Fix: use data=olist, or a feature set of this data (features=rfm or rfm_extras).")
        raise UserError(f"features.columns has {unknown}, not in the feature table {list(table.columns)}. "
                        "Fix: list existing columns.")


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
    from sklearn import preprocessing
    from sklearn.pipeline import Pipeline

    require_valid("features.transform", transform)
    require_valid("features.scaler", scaler)
    steps = []
    if transform == "log1p":
        steps.append(("log1p", preprocessing.FunctionTransformer(signed_log1p, inverse_func=signed_expm1,
                                                                 feature_names_out="one-to-one", validate=False)))
    steps.append(("scale", getattr(preprocessing, SCALER_CLASSES[scaler])()))
    return Pipeline(steps)
