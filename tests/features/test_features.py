"""Feature definitions on a hand-computed tiny dataset (cutoff 2011-01-01)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import canonical

from segmentation.cleaning.rules import clean_frame
from segmentation.common.errors import UserError
from segmentation.features.cutoffs import default_cutoff, offset_cutoff
from segmentation.features.rfm import features_from_file, features_from_frame, read_precomputed
from segmentation.features.selection import make_preprocessor, select_features

# its module fixtures are built once: every test of this module runs on one xdist worker
pytestmark = pytest.mark.xdist_group("features")

RULES = {"drop_duplicates": True, "drop_non_product": True, "non_product_codes": ["B", "POST"],
         "non_product_prefixes": [], "drop_non_positive_price": True, "drop_quantity_outliers": True,
         "max_abs_quantity": 10000, "cancellation_prefix": "C"}
CUTOFF = "2011-01-01"

LINES = canonical([
    # A: two orders, one cancellation, and an order after the cutoff that must not count
    ("1", "X1", 10, 2.0, "2010-12-01 09:00", "A"),
    ("1", "X2", 5, 4.0, "2010-12-01 09:00", "A"),
    ("2", "X1", 6, 2.5, "2010-12-20 15:30", "A"),
    ("C3", "X1", -2, 2.0, "2010-12-22 10:00", "A"),
    ("4", "X1", 100, 1.0, "2011-02-01 10:00", "A"),
    # B: only purchase after the cutoff -> absent
    ("5", "X1", 3, 1.0, "2011-01-01 00:00", "B"),
    # C: one order, plus a bad-debt adjustment with a negative price (removed by cleaning)
    ("6", "X3", 12, 1.25, "2010-06-15 11:00", "C"),
    ("A7", "B", 1, -50.0, "2010-06-16 11:00", "C"),
    # D: returns exceed purchases in the window -> negative net spend, kept
    ("8", "X4", 1, 5.0, "2010-01-05 12:00", "D"),
    ("C9", "X4", -4, 5.0, "2010-03-01 12:00", "D"),
    # E: only a cancellation before the cutoff -> absent
    ("C10", "X1", -1, 2.0, "2010-05-01 12:00", "E"),
    # unidentified line -> never a customer
    ("11", "X1", 50, 2.0, "2010-07-01 12:00", None),
])

EXPECTED = pd.DataFrame({
    "customer_id": ["A", "C", "D"],
    "recency": [12, 200, 361],              # 2011-01-01 minus 2010-12-20 / 2010-06-15 / 2010-01-05
    "frequency": [2, 1, 1],
    "monetary": [40 + 15 - 4, 15.0, 5 - 20.0],
    "total_quantity": [15 + 6 - 2, 12.0, 1 - 4.0],
    "cancellation_pct": [25.0, 0.0, 50.0],  # 1 of A's 4 lines; 1 of D's 2 lines
    "avg_items_per_order": [(15 + 6) / 2, 12.0, 1.0],
})


@pytest.fixture(scope="module")
def cleaned() -> pd.DataFrame:
    return clean_frame(LINES, RULES)[0]


def test_every_feature_matches_the_hand_computed_values(cleaned):
    table = features_from_frame(cleaned, CUTOFF)
    pd.testing.assert_frame_equal(table[EXPECTED.columns].reset_index(drop=True), EXPECTED,
                                  check_dtype=False, check_exact=False)
    assert table.loc[table["customer_id"] == "A", "last_purchase"].iloc[0] == pd.Timestamp("2010-12-20 15:30")


def test_a_later_cutoff_includes_later_purchases(cleaned):
    table = features_from_frame(cleaned, "2011-02-02").set_index("customer_id")
    assert set(table.index) == {"A", "B", "C", "D"}
    assert table.loc["A", "frequency"] == 3 and table.loc["A", "recency"] == 1
    assert table.loc["B", "recency"] == 32


def test_file_and_frame_give_the_same_table(cleaned, tmp_path):
    path = tmp_path / "clean.parquet"
    cleaned.to_parquet(path)
    pd.testing.assert_frame_equal(features_from_file(path, CUTOFF), features_from_frame(cleaned, CUTOFF))


def test_cutoffs():
    assert default_cutoff("2011-12-09 17:15") == pd.Timestamp("2011-12-10")
    assert offset_cutoff("2011-01-01", "J+15") == pd.Timestamp("2011-01-16")
    assert offset_cutoff("2011-01-01", "M+1") == pd.Timestamp("2011-02-01")
    assert offset_cutoff("2011-01-01", "M+12") == pd.Timestamp("2012-01-01")
    with pytest.raises(UserError, match="J\\+<days> or M\\+<months>"):
        offset_cutoff("2011-01-01", "Q+1")


def test_wholesaler_removal_reports_the_count_and_threshold():
    table = pd.DataFrame({"customer_id": list("abcde"), "recency": [1, 2, 3, 4, 5],
                          "avg_items_per_order": [10.0, 20.0, 30.0, 40.0, 1000.0]})
    features = {"columns": ["recency"], "wholesalers": "drop", "wholesaler_column": "avg_items_per_order",
                "wholesaler_quantile": 0.75, "exclude_ids": []}
    selected, report = select_features(table, features)
    assert list(selected.index) == ["a", "b", "c", "d"]  # 1000 > p75 = 40
    assert report == {"customers_in": 5, "wholesalers_removed": 1, "wholesalers_separated": 0,
                      "wholesaler_threshold": 40.0, "customers": 4, "customers_clustered": 4}
    selected, report = select_features(table, {**features, "wholesalers": "keep"})
    assert len(selected) == 5 and report["wholesalers_removed"] == 0 and "wholesaler_threshold" not in report


def test_excluded_ids_are_left_out_before_the_wholesaler_rule_and_counted():
    table = pd.DataFrame({"customer_id": list("abcde"), "recency": [1, 2, 3, 4, 5],
                          "avg_items_per_order": [10.0, 20.0, 30.0, 40.0, 1000.0]})
    features = {"columns": ["recency"], "wholesalers": "drop", "wholesaler_column": "avg_items_per_order",
                "wholesaler_quantile": 0.5, "exclude_ids": ["e", "zz"]}
    selected, report = select_features(table, features)
    assert list(selected.index) == ["a", "b"]  # e excluded first; then p50 of 10..40 = 25 removes c, d
    assert report == {"customers_in": 5, "wholesalers_removed": 2, "wholesalers_separated": 0, "excluded_ids": 1,
                      "wholesaler_threshold": 25.0, "customers": 2, "customers_clustered": 2}


def test_signed_log1p_keeps_negative_spend_and_scalers_are_selectable():
    values = np.array([[-15.0], [0.0], [np.e - 1]])
    pipe = make_preprocessor("log1p", "minmax").fit(values)
    np.testing.assert_allclose(pipe.named_steps["log1p"].transform(values).ravel(), [-np.log(16), 0.0, 1.0])
    np.testing.assert_allclose(pipe.transform(values).ravel(), [0.0, np.log(16) / (np.log(16) + 1), 1.0])
    assert make_preprocessor("none", "robust").steps[0][0] == "scale"
    with pytest.raises(UserError, match="features.scaler='zscore'"):
        make_preprocessor("none", "zscore")


def test_precomputed_table_is_accepted_and_validated(tmp_path):
    path = tmp_path / "warehouse.csv"
    pd.DataFrame({"client": ["x", "y"], "recency": [3, 40], "frequency": [5, 1], "monetary": [900.5, 20]}).to_csv(path, index=False)
    table = read_precomputed(path, "client", ["recency", "frequency", "monetary"])
    assert list(table.columns) == ["customer_id", "recency", "frequency", "monetary"]
    assert table["customer_id"].tolist() == ["x", "y"]
    with pytest.raises(UserError, match="no id column 'customer_id'.*Columns found"):
        read_precomputed(path, "customer_id", ["recency"])
    with pytest.raises(UserError, match="lacks feature column"):
        read_precomputed(path, "client", ["tenure"])
