"""Transitions between the deployed segments and a fresh fit's (MONIC): each rule on a handful of
customers whose overlaps are counted by hand. share(X, Y) = |X ∩ Y| / |X| over the customers both
partitions hold; survive 0.7, split 0.3 (conf/monitor/default.yaml)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import conf_group

from segmentation.monitoring.transitions import in_words, overlap_shares, transitions

MONITOR = conf_group("monitor", "default")
SURVIVE, SPLIT = MONITOR["survive"], MONITOR["split"]


def labels(*groups: tuple[str, int, int]) -> pd.Series:
    """A label series from (prefix, count, segment) runs: ("c", 3, 0) -> c0, c1, c2 in segment 0;
    a prefix's numbering continues across runs."""
    ids, values, used = [], [], {}
    for prefix, count, segment in groups:
        start = used.get(prefix, 0)
        ids += [f"{prefix}{start + i}" for i in range(count)]
        values += [segment] * count
        used[prefix] = start + count
    return pd.Series(values, index=ids)


def rows(table: pd.DataFrame) -> list[tuple]:
    return [(row.segment, row.kind, list(row.into), list(row.shares)) for row in table.itertuples()]


def test_thresholds_are_the_configured_ones():
    assert (SURVIVE, SPLIT) == (0.7, 0.3)


def test_overlap_share_is_the_part_of_the_deployed_segment_each_fresh_segment_takes():
    deployed = labels(("c", 4, 0), ("c", 2, 1), ("gone", 1, 1))   # gone0 is not in the fresh fit
    fresh = labels(("c", 3, 5), ("c", 3, 6), ("new", 2, 6))       # new0, new1 are not deployed
    shares = overlap_shares(deployed, fresh)
    assert shares.loc[0].tolist() == [0.75, 0.25]   # c0-c2 -> 5, c3 -> 6
    assert shares.loc[1].tolist() == [0.0, 1.0]     # c4, c5 -> 6; gone0 and new* are not counted


def test_a_segment_whose_customers_stay_together_survives():
    """0 keeps 4 of its 5 customers together (0.8 >= 0.7) in fresh 5; 1 keeps all 5 in fresh 6,
    which also takes the fifth customer of 0: a minority does not make 1 'absorbed'."""
    deployed = labels(("c", 5, 0), ("c", 5, 1))
    fresh = labels(("c", 4, 5), ("c", 6, 6))
    table = transitions(deployed, fresh, SURVIVE, SPLIT)
    assert rows(table) == [(0, "survive", [5], [0.8]), (1, "survive", [6], [1.0])]
    assert in_words(table) == []   # nothing changed worth telling


def test_survive_share_is_inclusive_at_the_threshold():
    """7 of 10 customers together: exactly 0.7, which is enough."""
    deployed = labels(("c", 10, 0))
    fresh = labels(("c", 7, 3), ("c", 3, 4))
    assert rows(transitions(deployed, fresh, SURVIVE, SPLIT))[0] == (0, "survive", [3], [0.7])


def test_a_segment_shared_by_two_fresh_segments_splits_largest_part_first():
    """0 (10 customers): 4 go to fresh 1 and 6 to fresh 2, each >= 0.3 and together 1.0 >= 0.7;
    the parts are listed largest first (2 before 1). 1 survives into 3."""
    deployed = labels(("c", 10, 0), ("c", 5, 1))
    fresh = labels(("c", 4, 1), ("c", 6, 2), ("c", 5, 3))
    table = transitions(deployed, fresh, SURVIVE, SPLIT)
    assert rows(table) == [(0, "split", [2, 1], [0.6, 0.4]), (1, "survive", [3], [1.0])]


def test_a_split_leaves_out_parts_under_the_split_share():
    """0 (10): 5 -> fresh 1, 3 -> fresh 2, 2 -> fresh 3. Parts >= 0.3: 0.5 and 0.3 (together 0.8):
    a split into 1 and 2. Fresh 3 holds only 0's two stragglers: no deployed segment goes to it,
    so it emerged."""
    deployed = labels(("c", 10, 0))
    fresh = labels(("c", 5, 1), ("c", 3, 2), ("c", 2, 3))
    assert rows(transitions(deployed, fresh, SURVIVE, SPLIT)) == [
        (0, "split", [1, 2], [0.5, 0.3]), (3, "emerged", [], [])]


def test_two_big_parts_that_do_not_cover_the_survive_share_are_no_split():
    """0 (10): 3, 3, 2, 2 over fresh 1-4: two parts of 0.3 but together 0.6 < 0.7: it
    disappeared (and every fresh segment it fed emerged)."""
    deployed = labels(("c", 10, 0))
    fresh = labels(("c", 3, 1), ("c", 3, 2), ("c", 2, 3), ("c", 2, 4))
    assert rows(transitions(deployed, fresh, SURVIVE, SPLIT)) == [
        (0, "disappeared", [], []), (1, "emerged", [], []), (2, "emerged", [], []),
        (3, "emerged", [], []), (4, "emerged", [], [])]


def test_segments_going_to_the_same_fresh_segment_are_absorbed():
    """0 (4 customers) and 1 (6) both go whole to fresh 7: each is absorbed; 2 survives into 8."""
    deployed = labels(("c", 4, 0), ("c", 6, 1), ("c", 3, 2))
    fresh = labels(("c", 10, 7), ("c", 3, 8))
    table = transitions(deployed, fresh, SURVIVE, SPLIT)
    assert rows(table) == [(0, "absorbed", [7], [1.0]), (1, "absorbed", [7], [1.0]), (2, "survive", [8], [1.0])]


def test_a_segment_scattered_with_no_destination_disappeared():
    """0 (8 customers) spread 2 by 2 over fresh 1-4 (0.25 each, all < 0.3); 1-4 (4 customers each)
    survive into fresh 1-4, so no fresh segment emerged."""
    deployed = labels(("a", 8, 0), ("b", 4, 1), ("c", 4, 2), ("d", 4, 3), ("e", 4, 4))
    fresh = labels(("a", 2, 1), ("a", 2, 2), ("a", 2, 3), ("a", 2, 4),
                   ("b", 4, 1), ("c", 4, 2), ("d", 4, 3), ("e", 4, 4))
    table = transitions(deployed, fresh, SURVIVE, SPLIT)
    assert rows(table) == [(0, "disappeared", [], []), (1, "survive", [1], [1.0]), (2, "survive", [2], [1.0]),
                           (3, "survive", [3], [1.0]), (4, "survive", [4], [1.0])]


def test_a_segment_whose_customers_all_left_disappeared():
    """9's customers are not in the fresh fit at all."""
    deployed = labels(("c", 5, 0), ("gone", 3, 9))
    fresh = labels(("c", 5, 0))
    assert rows(transitions(deployed, fresh, SURVIVE, SPLIT)) == [(0, "survive", [0], [1.0]),
                                                                  (9, "disappeared", [], [])]


def test_a_fresh_segment_of_new_customers_emerged():
    """Fresh 2: 6 new customers and 2 of deployed 1's 10 (0.2 < 0.3): no deployed segment goes to
    it. 0 survives into 0, 1 (8 of 10) into 1."""
    deployed = labels(("c", 5, 0), ("c", 10, 1))
    fresh = labels(("c", 5, 0), ("c", 8, 1), ("c", 2, 2), ("new", 6, 2))
    table = transitions(deployed, fresh, SURVIVE, SPLIT)
    assert rows(table) == [(0, "survive", [0], [1.0]), (1, "survive", [1], [0.8]), (2, "emerged", [], [])]


def test_noise_is_a_segment_like_any_other():
    deployed = labels(("c", 3, -1), ("c", 3, 0))
    fresh = labels(("c", 3, -1), ("c", 3, 4))
    assert rows(transitions(deployed, fresh, SURVIVE, SPLIT)) == [(-1, "survive", [-1], [1.0]),
                                                                  (0, "survive", [4], [1.0])]


@pytest.mark.parametrize("survive, split", [(0.3, 0.3), (0.5, 0.6), (1.2, 0.3), (0.7, 0.0)])
def test_thresholds_must_order_split_under_survive(survive, split):
    deployed = labels(("c", 2, 0))
    with pytest.raises(ValueError, match="0 < split"):
        transitions(deployed, deployed, survive, split)


def changed_partition():
    """0 splits (6 -> fresh 1, 4 -> fresh 2); 1 and 2 are absorbed by fresh 3 (3 of 4 = 0.75 and
    4 of 4); 3 (4 customers) scatters 1 by 1 over fresh 1-4: it disappeared; 4 survives into 5
    (which also takes 1's fourth customer); fresh 4 (one of 3's customers and 5 new ones) emerged."""
    deployed = labels(("a", 10, 0), ("b", 4, 1), ("c", 4, 2), ("d", 4, 3), ("e", 3, 4))
    fresh = labels(("a", 6, 1), ("a", 4, 2), ("b", 3, 3), ("b", 1, 5), ("c", 4, 3),
                   ("d", 1, 1), ("d", 1, 2), ("d", 1, 3), ("d", 1, 4), ("new", 5, 4), ("e", 3, 5))
    return deployed, fresh


def test_every_kind_at_once():
    table = transitions(*changed_partition(), SURVIVE, SPLIT)
    assert rows(table) == [(0, "split", [1, 2], [0.6, 0.4]), (1, "absorbed", [3], [0.75]), (2, "absorbed", [3], [1.0]),
                           (3, "disappeared", [], []), (4, "survive", [5], [1.0]), (4, "emerged", [], [])]


def test_in_words_tells_each_change_but_survivals_with_the_segment_names():
    table = transitions(*changed_partition(), SURVIVE, SPLIT)
    names = {0: "Champions", 1: "Loyal", 2: "At risk", 3: "Bargain hunters", 4: "New"}
    assert in_words(table, names) == [
        "Champions split in 2 (60%, 40% of its customers)",
        "Loyal merged into a larger segment (75% of its customers)",
        "At risk merged into a larger segment (100% of its customers)",
        "Bargain hunters disappeared: its customers scattered over other segments",
        "a new segment emerged, from customers no deployed segment holds together"]


def test_in_words_without_names_says_segment_and_its_id():
    table = transitions(*changed_partition(), SURVIVE, SPLIT)
    assert in_words(table)[:2] == ["Segment 0 split in 2 (60%, 40% of its customers)",
                                   "Segment 1 merged into a larger segment (75% of its customers)"]
    assert in_words(table, {1: "Loyal"})[0] == "Segment 0 split in 2 (60%, 40% of its customers)"  # unnamed: the id
