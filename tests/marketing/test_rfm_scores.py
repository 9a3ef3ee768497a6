"""Classic RFM scores on a hand-computed frame: quintiles, ties, the named grid, agreement."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.common.errors import UserError
from segmentation.marketing.rfm_scores import GRID, SEGMENTS, agreement, rfm_quintiles, rfm_segment_names

# Ten customers, so score = 1 + floor(worse / 2), worse = customers with a strictly worse value.
# Ties: c02/c03 share recency 10; five customers have one order; c03/c04/c08 spend 80.
TABLE = pd.DataFrame({
    "customer_id": [f"c{i:02d}" for i in range(1, 11)],
    "recency": [5, 10, 10, 30, 45, 60, 90, 200, 365, 400],
    "frequency": [10, 8, 1, 1, 2, 1, 3, 1, 1, 5],
    "monetary": [5000.0, 3000.0, 80.0, 80.0, 400.0, 50.0, 900.0, 80.0, 30.0, 2500.0],
})
# R: worse = customers with MORE days; c02 and c03 both have 7 worse -> 4 (split by rank they
# would get 4 and 5). F: the five one-order customers have 0 worse -> 1; c05 (2 orders) has 5
# worse -> 3, so F = 2 is empty. M: the three at 80 have 2 worse -> 2 (c03 alone would be 3).
EXPECTED = pd.DataFrame({
    "customer_id": TABLE["customer_id"],
    "R": [5, 4, 4, 4, 3, 3, 2, 2, 1, 1],
    "F": [5, 5, 1, 1, 3, 1, 4, 1, 1, 4],
    "M": [5, 5, 2, 2, 3, 1, 4, 2, 1, 4],
    "rfm": ["555", "455", "412", "412", "333", "311", "244", "212", "111", "144"],
})
# FM = (F + M) / 2 rounded half up, then the grid row R, column FM
NAMES = ["Champions", "Loyal", "Potential loyalist", "Potential loyalist", "Need attention", "About to sleep",
         "At risk", "Hibernating", "Lost", "At risk"]


def test_quintile_scores_by_hand_with_ties_in_the_same_score():
    pd.testing.assert_frame_equal(rfm_quintiles(TABLE), EXPECTED, check_dtype=False)


def test_scores_do_not_depend_on_row_order():
    shuffled = TABLE.sample(frac=1, random_state=3)
    scores = rfm_quintiles(shuffled).set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(scores, EXPECTED.set_index("customer_id"), check_dtype=False)


def test_without_ties_scores_are_equal_fifths():
    table = pd.DataFrame({"customer_id": [str(i) for i in range(20)], "recency": range(1, 21),
                          "frequency": range(20), "monetary": [float(v) for v in range(20)]})
    scores = rfm_quintiles(table)
    for column in ("R", "F", "M"):
        assert scores[column].value_counts().sort_index().tolist() == [4, 4, 4, 4, 4]
    assert scores.loc[0, "R"] == 5 and scores.loc[0, "F"] == 1  # the most recent, the fewest orders


def test_named_segments_by_hand():
    named = rfm_segment_names(rfm_quintiles(TABLE))
    assert named["FM"].tolist() == [5, 5, 2, 2, 3, 1, 4, 2, 1, 4]
    assert named["rfm_segment"].tolist() == NAMES


@pytest.mark.parametrize("r, f, m, name", [
    (5, 1, 1, "New customers"), (4, 1, 1, "Promising"), (5, 4, 3, "Champions"),  # FM 3.5 -> 4
    (5, 3, 4, "Champions"), (3, 2, 3, "Need attention"), (3, 1, 2, "About to sleep"),
    (2, 5, 4, "Can't lose them"), (1, 5, 5, "Can't lose them"), (1, 1, 1, "Lost"), (1, 1, 2, "Hibernating"),
    (2, 1, 1, "Hibernating"), (1, 3, 3, "At risk"), (3, 4, 4, "Loyal"), (4, 2, 3, "Potential loyalist"),
])
def test_grid_cells(r, f, m, name):
    scores = pd.DataFrame({"customer_id": ["x"], "R": [r], "F": [f], "M": [m]})
    assert rfm_segment_names(scores)["rfm_segment"].iloc[0] == name


def test_the_grid_uses_exactly_the_eleven_named_segments():
    assert {name for row in GRID for name in row} == set(SEGMENTS) and len(SEGMENTS) == 11


def test_agreement_is_one_for_the_same_partition_under_other_labels():
    names = pd.Series(NAMES, index=TABLE["customer_id"])
    clusters = names.map({n: i for i, n in enumerate(dict.fromkeys(NAMES))}).sample(frac=1, random_state=0)
    result = agreement(names, clusters)  # matched on customer_id, not on position
    assert result.ari == pytest.approx(1.0)
    assert result.crosstab.loc["Potential loyalist"].tolist() == [0, 0, 2, 0, 0, 0, 0, 0]
    assert list(result.crosstab.index) == [s for s in SEGMENTS if s in set(NAMES)]  # best first


def test_agreement_by_hand():
    # contingency {(A,0): 2, (B,0): 1, (B,1): 1}: index = sum C(n_ij, 2) = 1; row sums 2, 2 and column
    # sums 3, 1 give expected (1 + 1)(3 + 0) / C(4, 2) = 1 and max (2 + 3) / 2 = 2.5: ARI = (1 - 1) / 1.5 = 0
    result = agreement(["A", "A", "B", "B"], [0, 0, 0, 1])
    assert result.ari == pytest.approx(0.0)
    assert result.crosstab.to_dict() == {0: {"A": 2, "B": 1}, 1: {"A": 0, "B": 1}}


def test_agreement_refuses_different_customers():
    with pytest.raises(ValueError, match="same customers"):
        agreement(pd.Series(["A"], index=["c1"]), pd.Series([0], index=["c2"]))


def test_missing_column_is_a_user_error():
    with pytest.raises(UserError, match=r"lacks \['monetary'\].*Fix:"):
        rfm_quintiles(TABLE.drop(columns="monetary"))
