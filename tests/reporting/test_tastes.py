"""What a segment over-buys and when, on hand-made spend: named only beyond the noise."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import conf_group

from segmentation.reporting.tastes import distinct_keys, month_ranges, months_text, taste_sentences

SETTINGS = conf_group("categories", "default")["tastes"]


def spend_of(customers: dict[str, dict[str, float]], key: str = "category_name") -> pd.DataFrame:
    return pd.DataFrame([(c, k, v) for c, row in customers.items() for k, v in row.items()],
                        columns=["customer_id", key, "spend"])


def population():
    """40 mug lovers (A), 40 bag lovers (B), 40 like everyone (C), 30 with one big lamp buyer (D)."""
    customers, segments = {}, {}
    for i in range(40):
        customers[f"a{i}"], segments[f"a{i}"] = {"mug": 90.0, "bag": 10.0}, "A"
        customers[f"b{i}"], segments[f"b{i}"] = {"mug": 10.0, "bag": 90.0}, "B"
        customers[f"c{i}"], segments[f"c{i}"] = {"mug": 50.0, "bag": 50.0}, "C"
    for i in range(29):
        customers[f"d{i}"], segments[f"d{i}"] = {"mug": 10.0}, "D"
    customers["d29"], segments["d29"] = {"lamp": 300.0}, "D"
    return spend_of(customers), pd.Series(segments)


def test_a_category_is_named_only_where_the_segment_over_buys_it_beyond_the_noise():
    spend, segments = population()
    found = distinct_keys(spend, segments, "category_name", SETTINGS, seed=0)
    # all customers: mug 40x90 + 40x10 + 40x50 + 29x10 = 6,290 of 12,590 (bag 6,000, lamp 300)
    named = {(row.segment, row.category_name): row for row in found.itertuples()}
    assert set(named) == {("A", "mug"), ("B", "bag")}
    mug = named[("A", "mug")]
    assert mug.share == pytest.approx(0.9) and mug.overall == pytest.approx(6290 / 12590)
    assert mug.low == pytest.approx(0.9) and mug.high == pytest.approx(0.9)  # identical customers: no spread
    assert mug.lift == pytest.approx(0.9 / (6290 / 12590))
    # D: the lamp is 300 / 590 = 51% of its spend against 2.4% overall, but one customer makes it:
    # resampled, that customer is absent a third of the time, so the interval starts at 0
    assert ("D", "lamp") not in named


def test_segments_below_the_minimum_size_get_no_verdict():
    spend, segments = population()
    found = distinct_keys(spend, segments, "category_name", {**SETTINGS, "min_customers": 41}, seed=0)
    assert found.empty


def test_the_same_seed_gives_the_same_intervals():
    spend, segments = population()
    spend.loc[spend["customer_id"].str.startswith("a"), "spend"] *= [1 + (i % 7) / 10 for i in range(80)]
    first = distinct_keys(spend, segments, "category_name", SETTINGS, seed=3)
    pd.testing.assert_frame_equal(first, distinct_keys(spend, segments, "category_name", SETTINGS, seed=3))
    assert (first["low"] <= first["share"]).all() and (first["share"] <= first["high"]).all()


def test_months_are_said_as_runs_across_the_year_end():
    assert month_ranges([10, 11, 12, 1, 5]) == [(5, 5), (10, 1)]
    assert month_ranges([3]) == [(3, 3)]
    assert months_text([11, 10]) == "October\u2013November"
    assert months_text([12, 1, 5]) == "May and December\u2013January"
    assert months_text(range(1, 13)) == "January\u2013December"


def test_card_lines_give_share_interval_and_the_average_or_say_nothing_stands_out():
    spend, segments = population()
    favourites = distinct_keys(spend, segments, "category_name", SETTINGS, seed=0)
    months = spend_of({f"a{i}": {11: 80.0, 3: 20.0} for i in range(40)} | {f"b{i}": {11: 20.0, 3: 80.0} for i in range(40)},
                      key="month")
    season = distinct_keys(months, segments, "month", SETTINGS, seed=0)
    assert taste_sentences(favourites, season, "A", 2, has_categories=True) == [
        "Buys more than others: mug (90% of its spend, range 90%\u201390%; all customers 50%).",
        "Buys most in November: 80% of its spend, range 80%\u201380%, against 50% for all customers."]
    assert taste_sentences(favourites, season, "C", 2, has_categories=True) == [
        "No product category stands out: it buys like the average customer, within the noise.",
        "No season of its own: it buys across the year like the average customer, within the noise."]
    assert taste_sentences(None, season, "B", 2, has_categories=False) == [
        "Buys most in March: 80% of its spend, range 80%\u201380%, against 50% for all customers."]


def test_a_season_of_several_months_carries_the_band_of_their_summed_share():
    """Customers alternate between 60 and 40 of their 100 in October and November: each month's
    share moves, their sum (0.8 of the spend, the rest in March) does not. All customers:
    October-November 40 x 80 + 40 x 20 = 4,000 of 8,000, 50%."""
    segments = pd.Series({f"a{i}": "A" for i in range(40)} | {f"c{i}": "C" for i in range(40)})
    months = spend_of({f"a{i}": {10: 60.0 if i % 2 else 20.0, 11: 20.0 if i % 2 else 60.0, 3: 20.0}
                       for i in range(40)} | {f"c{i}": {10: 10.0, 11: 10.0, 3: 80.0} for i in range(40)},
                      key="month")
    season = distinct_keys(months, segments, "month", SETTINGS, seed=0)
    own = season[season["segment"] == "A"]
    assert sorted(own["month"]) == [10, 11]
    assert (own["low"] < 0.4).all() and (own["high"] > 0.4).all()   # each month alone varies
    assert own["together_low"].iloc[0] == pytest.approx(0.8) and own["together_high"].iloc[0] == pytest.approx(0.8)
    assert taste_sentences(None, season, "A", 2, has_categories=False) == [
        "Buys most in October\u2013November: 80% of its spend, range 80%\u201380%, against 50% for all customers."]
