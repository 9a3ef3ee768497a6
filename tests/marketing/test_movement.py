"""Movement between segments on a hand-made pair of segmentations."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.image import imread

from segmentation.marketing.movement import customer_moves, movement_summary, transitions
from segmentation.marketing.value_figures import draw_transitions

# a..f are in both; g, h only before (lapsed); i, j only now (new)
BEFORE = pd.DataFrame({"customer_id": list("abcdefgh"),
                       "segment": ["Gold", "Gold", "Gold", "Silver", "Silver", "Bronze", "Gold", "Bronze"]})
NOW = pd.DataFrame({"customer_id": list("fedcbaij"),
                    "segment": ["Silver", "Silver", "Gold", "Silver", "Gold", "Gold", "Bronze", "Gold"]})
REVENUE_NOW = pd.Series({"a": 100.0, "b": 50.0, "c": 20.0, "d": 10.0, "e": 5.0, "f": 1.0, "i": 7.0, "j": 3.0,
                         "x": 999.0})  # x is in neither segmentation: not counted
ORDER = ["Gold", "Silver", "Bronze"]


def test_customer_moves_labels_new_and_lapsed():
    moves = customer_moves(BEFORE, NOW)
    assert moves.columns.tolist() == ["customer_id", "segment_before", "segment_now", "moved", "change"]
    rows = moves.set_index("customer_id")
    assert rows.loc["a"].tolist() == ["Gold", "Gold", False, "stayed"]
    assert rows.loc["c"].tolist() == ["Gold", "Silver", True, "moved"]
    assert rows.loc["g"].tolist() == ["Gold", "Lapsed", True, "lapsed"]
    assert rows.loc["i"].tolist() == ["New", "Bronze", True, "new"]
    assert moves["customer_id"].tolist() == list("abcdefghij")
    assert movement_summary(moves) == {"stayed": 3, "moved": 3, "new": 2, "lapsed": 2}


def test_transition_matrix_in_customers_by_hand():
    matrix = transitions(BEFORE, NOW, order=ORDER).customers
    assert matrix.index.tolist() == ["Gold", "Silver", "Bronze", "New"]
    assert matrix.columns.tolist() == ["Gold", "Silver", "Bronze", "Lapsed"]
    expected = pd.DataFrame([[2, 1, 0, 1],    # a, b stayed Gold; c -> Silver; g lapsed
                             [1, 1, 0, 0],    # d -> Gold; e stayed Silver
                             [0, 1, 0, 1],    # f -> Silver; h lapsed
                             [1, 0, 1, 0]],   # j new in Gold, i new in Bronze
                            index=matrix.index, columns=matrix.columns)
    pd.testing.assert_frame_equal(matrix, expected, check_dtype=False, check_names=False)
    in_both = len(set(BEFORE["customer_id"]) & set(NOW["customer_id"]))
    assert matrix.iloc[:-1, :-1].to_numpy().sum() == in_both == 6
    assert matrix.to_numpy().sum() == in_both + 2 + 2  # + new + lapsed
    assert matrix.sum(axis=1).iloc[:-1].tolist() == BEFORE["segment"].value_counts()[ORDER].tolist()
    assert matrix.sum(axis=0).iloc[:-1].tolist() == NOW["segment"].value_counts().reindex(ORDER).tolist()


def test_transition_matrix_in_revenue_by_hand():
    revenue = transitions(BEFORE, NOW, revenue_now=REVENUE_NOW, order=ORDER).revenue
    assert revenue.loc["Gold"].tolist() == [150.0, 20.0, 0.0, 0.0]  # g lapsed: no revenue now
    assert revenue.loc["Silver"].tolist() == [10.0, 5.0, 0.0, 0.0]
    assert revenue.loc["Bronze"].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert revenue.loc["New"].tolist() == [3.0, 0.0, 7.0, 0.0]
    assert revenue.to_numpy().sum() == pytest.approx(REVENUE_NOW.drop("x").sum())


def test_revenue_as_a_frame_and_ids_as_segments():
    before = BEFORE.assign(segment=BEFORE["segment"].map({"Gold": 10, "Silver": 2, "Bronze": 1}))
    now = NOW.assign(segment=NOW["segment"].map({"Gold": 10, "Silver": 2, "Bronze": 1}))
    frame = REVENUE_NOW.rename_axis("customer_id").rename("revenue").reset_index()
    result = transitions(before, now, revenue_now=frame)
    assert result.customers.index.tolist() == ["1", "2", "10", "New"]  # ids as text, in numeric order
    assert result.revenue.loc["10", "10"] == 150.0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="more than once"):
        transitions(pd.concat([BEFORE, BEFORE.head(1)]), NOW)
    with pytest.raises(ValueError, match="'New' or 'Lapsed'"):
        transitions(BEFORE.assign(segment="New"), NOW)


def test_the_figure_is_written(tmp_path):
    result = transitions(BEFORE, NOW, revenue_now=REVENUE_NOW, order=ORDER)
    draw_transitions(result.customers, tmp_path / "moves.png", "Where customers went")
    draw_transitions(result.revenue, tmp_path / "revenue.png", "Revenue", currency="GBP", in_money=True)
    for name in ("moves.png", "revenue.png"):
        height, width, _ = imread(tmp_path / name).shape
        assert width >= 800 and height >= 500
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_figure_headline_counts_stayers_among_customers_present_both_times():
    from segmentation.marketing.value_figures import _headline

    matrix = transitions(BEFORE, NOW, order=ORDER).customers
    assert _headline(matrix, lambda v: f"{v:,.0f}") == "Present both times: 6 (3 stayed, 50%; 3 moved) · new 2 · lapsed 2"


def test_active_now_drops_customers_past_the_lapse_window():
    from segmentation.marketing.movement import active_now

    table = pd.DataFrame({"customer_id": ["a", "b", "c"],
                          "last_purchase": pd.to_datetime(["2011-12-01", "2010-12-11", "2010-12-10"])})
    # cutoff 2011-12-10: b bought 364 days before (kept), c exactly 365 days before (lapsed)
    assert active_now(table, "2011-12-10", 365)["customer_id"].tolist() == ["a", "b"]


def test_revenue_between_counts_identified_lines_in_the_window_net_of_returns():
    from segmentation.marketing.movement import revenue_between

    lines = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "c"],
        "invoice_date": pd.to_datetime(["2010-12-31", "2011-01-01", "2011-03-01", "2011-06-01", "2011-12-10",
                                        "2011-02-01"]),
        "revenue": [100.0, 10.0, -4.0, 7.0, 50.0, 9.0],
        "is_identified": [True, True, True, True, True, False]})
    revenue = revenue_between(lines, "2011-01-01", "2011-12-10")
    assert revenue.to_dict() == {"a": 6.0, "b": 7.0}   # before the start, on the end day, unidentified: out
