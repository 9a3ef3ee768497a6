"""The replay's fixed refresh policies and the choice between policies, on hand-built months whose
fits are stubs: the mislabelled share of a month is known from how long ago the model in use was
deployed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segmentation.monitoring.replay import Month, _spread, cheapest, fixed_policy, history_row, mislabelled

CUSTOMERS = [f"c{i}" for i in range(10)]
REFIT = pd.Series([0] * 5 + [1] * 5, index=CUSTOMERS)   # every month's refit: two segments of 5


class Drifting:
    """The fit deployed at month `at`: applied to month m's customers, it moves min(m - at, 5)
    customers of refit segment 0 to segment 1. Matched to the refit (0 <-> 0, 1 <-> 1 keeps 10 - a
    customers, more than the a of the swap), 1 - agreement = a / 10: 0.1 per month of age, at
    most 0.5 (all ten in one segment: 5 agree)."""

    def __init__(self, at: int):
        self.at = at

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        moved = min(int(X["month"].iloc[0]) - self.at, 5)
        return np.array([1] * moved + [0] * (5 - moved) + [1] * 5)


class Fixed:
    def __init__(self, labels):
        self.labels = labels

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.labels)


def month(index: int, pipeline=None, labels: pd.Series = REFIT) -> Month:
    X = pd.DataFrame({"month": index}, index=CUSTOMERS)
    return Month(f"M+{index}", f"2011-{index + 1:02d}-01" if index < 12 else "2012-01-01", X, 100,
                 pipeline or Drifting(index), labels)


def year() -> list[Month]:
    """The baseline (month 0) and twelve months after it."""
    return [month(i) for i in range(13)]


def test_mislabelled_share_is_one_minus_the_matched_agreement():
    now = month(3)
    assert mislabelled(month(0), now) == pytest.approx(0.3)      # 3 of 10 moved
    assert mislabelled(month(2), now) == pytest.approx(0.1)
    assert mislabelled(month(0, Drifting(-10)), now) == pytest.approx(0.5)   # capped: all in segment 1


def test_renamed_segments_are_not_mislabelled():
    """The deployed model calls the refit's 0 '7' and its 1 '3': segments are matched first."""
    swapped = month(0, Fixed([7] * 5 + [3] * 5))
    assert mislabelled(swapped, month(4)) == 0.0


def test_a_segment_the_deployed_model_merges_mislabels_the_smaller_refit_segment():
    """Refit 0 (3 customers), 1 (3), 2 (4); the deployed model puts 0 and 1 together: its segment
    is matched to one of them, the other 3 customers are mislabelled."""
    refit = pd.Series([0] * 3 + [1] * 3 + [2] * 4, index=CUSTOMERS)
    assert mislabelled(month(0, Fixed([5] * 6 + [6] * 4)), month(1, labels=refit)) == pytest.approx(0.3)


@pytest.mark.parametrize("every, refreshes, mean, worst, policy", [
    (1, 12, 0.1, 0.1, "every 1 month"),             # always one month old: 0.1 each month
    (3, 4, 0.2, 0.3, "every 3 months"),             # refresh at 3, 6, 9, 12; ages 1, 2, 3 four times
    (5, 2, 0.275, 0.5, "every 5 months"),           # refresh at 5, 10; ages 1-5, 1-5, 1-2: 3.3 / 12
    (6, 2, 0.3333, 0.5, "every 6 months"),          # refresh at 6, 12; 0.1 .. 0.5, 0.5 twice: 4.0 / 12
    (12, 1, 0.4167, 0.5, "every 12 months"),        # refresh at 12; 0.1 .. 0.5 then 0.5 x 7: 5.0 / 12
    (13, 0, 0.4167, 0.5, "every 13 months"),        # never within the year
])
def test_fixed_policy_refreshes_every_n_months_and_measures_each_month_before_it(every, refreshes, mean, worst,
                                                                                   policy):
    result = fixed_policy(year(), every)
    assert result == {"policy": policy, "every_months": every, "refreshes": refreshes,
                      "mean_mislabelled": mean, "worst_mislabelled": worst, "months": 12}


def test_fixed_policy_measures_with_the_model_in_use_not_this_months_refit():
    """Month 3 (every 3) is measured with month 0's model (0.3), before it refreshes to month 3's."""
    months = year()[:4]
    assert fixed_policy(months, 3)["worst_mislabelled"] == 0.3
    assert fixed_policy(months, 3)["refreshes"] == 1


def test_fixed_policy_of_the_baseline_alone_has_no_month():
    result = fixed_policy(year()[:1], 3)
    assert (result["refreshes"], result["months"]) == (0, 0)
    assert math.isnan(result["mean_mislabelled"]) and math.isnan(result["worst_mislabelled"])


def test_spread_rounds_to_four_decimals_and_skips_unmeasured_months():
    assert _spread([0.1, float("nan"), 0.30001]) == {"mean_mislabelled": 0.2, "worst_mislabelled": 0.3, "months": 3}
    assert _spread([1 / 3]) == {"mean_mislabelled": 0.3333, "worst_mislabelled": 0.3333, "months": 1}


POLICIES = pd.DataFrame([
    {"policy": "every 1 month", "every_months": 1, "refreshes": 12, "worst_mislabelled": 0.02},
    {"policy": "every 3 months", "every_months": 3, "refreshes": 4, "worst_mislabelled": 0.08},
    {"policy": "every 6 months", "every_months": 6, "refreshes": 2, "worst_mislabelled": 0.10},
    {"policy": "every 12 months", "every_months": 12, "refreshes": 1, "worst_mislabelled": 0.25},
    {"policy": "monitor", "every_months": None, "refreshes": 2, "worst_mislabelled": 0.06},
])


def test_cheapest_is_the_fewest_refreshes_under_the_ceiling_and_a_tie_goes_to_the_lower_worst_share():
    """Ceiling 0.10: every 12 months (1 refresh) is over it; every 6 months and monitor both
    refresh twice, the monitor's worst share (0.06) is lower."""
    assert cheapest(POLICIES, 0.10)["policy"] == "monitor"
    assert cheapest(POLICIES.iloc[::-1], 0.10)["policy"] == "monitor"   # whatever the rows' order


@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_of_two_policies_refreshing_as_often_the_lower_worst_share_wins_in_either_order(order):
    table = pd.DataFrame([{"policy": "every 6 months", "refreshes": 2, "worst_mislabelled": 0.09},
                          {"policy": "monitor", "refreshes": 2, "worst_mislabelled": 0.04}]).iloc[order]
    assert cheapest(table, 0.10)["policy"] == "monitor"


def test_the_ceiling_is_inclusive():
    """Without the monitor, every 6 months' worst share of exactly 0.10 qualifies."""
    best = cheapest(POLICIES[POLICIES["policy"] != "monitor"], 0.10)
    assert (best["policy"], best["refreshes"], best["worst_mislabelled"]) == ("every 6 months", 2, 0.10)


def test_cheapest_with_a_loose_or_a_tight_ceiling():
    assert cheapest(POLICIES, 0.30)["policy"] == "every 12 months"
    assert cheapest(POLICIES, 0.05)["policy"] == "every 1 month"


def test_no_policy_under_the_ceiling_is_none():
    assert cheapest(POLICIES, 0.01) is None


def test_a_policy_never_measured_does_not_qualify():
    table = pd.DataFrame([{"policy": "every 3 months", "refreshes": 0, "worst_mislabelled": float("nan")},
                          {"policy": "every 1 month", "refreshes": 3, "worst_mislabelled": 0.02}])
    assert cheapest(table, 0.1)["policy"] == "every 1 month"


def test_history_row_lists_the_transitions_that_are_not_survivals():
    transitions = pd.DataFrame({"segment": [0, 1, 2, 3], "kind": ["survive", "split", "absorbed", "emerged"],
                                "into": [[0], [1, 2], [3], []], "shares": [[0.9], [0.5, 0.4], [0.8], []]})
    finding = {"customers": 120, "new_customers": 25, "agreement": 0.6, "agreement_low": 0.5,
               "agreement_high": 0.7, "band_low": 0.9, "band_high": 0.98, "status": "refresh_due",
               "mislabelled_share": 0.2, "transitions": transitions}
    row = history_row(month(3), month(0), finding, days=90)
    assert row == {"cutoff": "2011-04-01", "deployed_at": "2011-01-01", "days_since_deployment": 90,
                   "customers": 120, "new_customers": 25, "agreement": 0.6, "agreement_low": 0.5,
                   "agreement_high": 0.7, "band_low": 0.9, "band_high": 0.98, "status": "refresh_due",
                   "mislabelled_share": 0.2, "transitions": "split 1; absorbed 2; emerged 3"}


def test_the_recommendation_reads_with_one_decimal_so_a_share_over_the_ceiling_never_rounds_into_it():
    from segmentation.monitoring.words import policy_sentence

    table = POLICIES.assign(months=12)
    table.loc[table["policy"] == "every 12 months", "worst_mislabelled"] = 0.103  # "10%" would read as allowed
    fixed = table[table["policy"] != "monitor"]
    assert policy_sentence(fixed, cheapest(fixed, 0.10), 0.10) == (
        "Refresh every 6 months: 2 refreshes in 12 months, never more than 10.0% of customers in a wrong segment "
        "(ceiling 10%).")
    assert policy_sentence(table, cheapest(table, 0.10), 0.10) == (
        "Come back when the monitor says so: 2 refreshes in 12 months, never more than 6.0% of customers in a wrong "
        "segment (ceiling 10%).")  # every 6 months refreshes as often: no "instead of"
    over = table.assign(worst_mislabelled=table["worst_mislabelled"] + 0.2)
    assert policy_sentence(over, cheapest(over, 0.10), 0.10) == (
        "No policy keeps the share of customers in a wrong segment under 10% over the 12 months replayed (the best, "
        "every 1 month, reaches 22.0%): refresh monthly and review the configuration.")


def test_unclear_months_give_no_policy_but_what_to_do_first():
    from segmentation.monitoring.words import unclear_sentence

    assert unclear_sentence(11, 12, 0.4046) == (
        "The replay cannot say when to refresh at this configuration: in 11 of 12 months a fresh fit found a competing "
        "segmentation of nearly equal quality, or the deployment's own refits agreed as little as 0.40, so the shares "
        "in a wrong segment measure a choice between segmentations, not customers who changed. Choose a configuration "
        "that refits to the same segments first (another k: the maintenance study's sensitivity line compares them), "
        "then replay.")
