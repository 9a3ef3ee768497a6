"""When the expected-revenue forecast is shown, flagged or withheld, and the words the report prints."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.marketing import trust
from segmentation.reporting import value_text


def customers(frequencies):
    return pd.DataFrame({"customer_id": [str(i) for i in range(len(frequencies))], "frequency": frequencies})


def test_enough_history_has_no_problem():
    assert trust.history_problems(customers([1] * 60 + [0] * 10), "2020-01-01", "2021-01-01", 90, 50) == []


def test_too_few_repeat_customers_and_too_short_a_history_are_both_named():
    problems = trust.history_problems(customers([1] * 40 + [0] * 100), "2020-10-01", "2021-01-01", 90, 50)
    assert problems == ["40 customers with a repeat purchase (at least 50 needed to fit purchase rates)",
                        "92 days of history before the cutoff (at least 180 needed: one 90-day horizon to fit on "
                        "and one to check the forecast against)"]


HOLDOUT = {"horizon_days": 90.0, "relative_error": -0.28, "spearman": 0.44, "calibration_cutoff": "2011-09-11",
           "cutoff": "2011-12-10", "predicted_total": 1.9e6, "actual_total": 2.65e6, "customers": 5620,
           "new_customers": 320, "new_customer_revenue": 230000.0}


@pytest.mark.parametrize("error, rank, status, ranking_ok, reasons", [
    (-0.28, 0.44, "ok", True, 0),
    (-0.40, 0.44, "unreliable", True, 1),     # missed by more than 35 %
    (0.10, 0.20, "ok", False, 0),             # a weak ranking is a note on the lists, not a verdict
    (float("nan"), float("nan"), "unreliable", False, 1),
])
def test_judged_by_the_holdout(error, rank, status, ranking_ok, reasons):
    verdict = trust.judged({**HOLDOUT, "relative_error": error, "spearman": rank}, 0.35, 0.3)
    assert (verdict["status"], verdict["ranking_ok"], len(verdict["reasons"])) == (status, ranking_ok, reasons)
    assert bool(verdict["ranking_note"]) == (not ranking_ok)


VALUE = {"status": "ok", "reasons": [], "horizon_days": 90.0, "expected_revenue": 2.47e6, "customers_forecast": 5940,
         "holdout": HOLDOUT, "at_risk_customers": 768, "revenue_at_risk": 391675.0,
         "plan": {"target_growth": 0.1, "gap": 247e3, "target": 2.717e6, "target_within_error": True,
                  "plan": ["A: ..."], "assumptions": []},
         "rfm": {"ari": 0.18, "customers": 10, "crosstab": {"Champions": {"Gold": 8, "Silver": 1},
                                                           "Lost": {"Gold": 0, "Silver": 1}}},
         "movement": {"stayed": 6, "moved": 2, "new": 3, "lapsed": 4, "from": "2011-01-01", "to": "2011-12-10",
                      "lapsed_after_days": 365.0}}


def test_headline_gives_the_forecast_with_the_band_of_its_own_error():
    assert value_text.headline(VALUE, "GBP") == (
        "The 5,940 current customers are on course for £2.5M over the next 90 days (new customers not included). "
        "If the model misses by as much as on the last 90 days (-28%), it would be £3.4M.")  # 2.47M / 0.72


def test_unreliable_and_not_enough_data_say_why():
    unreliable = {**VALUE, "status": "unreliable", "reasons": ["missed by -60%"], "plan": None}
    assert value_text.headline(unreliable, None).endswith("Treat it as unreliable: missed by -60%.")
    assert value_text.plan_intro(unreliable, None) == "No growth plan is derived: the forecast is not reliable enough."
    none = {"status": "not_enough_data", "reasons": ["40 customers with a repeat purchase"], "horizon_days": 90.0}
    assert value_text.headline(none, None) == ("Not enough data to forecast the next 90 days: 40 customers with a "
                                               "repeat purchase.")


def test_plan_intro_warns_when_the_target_is_inside_the_forecast_error():
    intro = value_text.plan_intro(VALUE, "USD")
    assert intro.startswith("+10% on what the next 90 days are on course for means $247k more (target $2.7M).")
    assert "missed the last 90 days by -28%, more than the target itself" in intro


def test_movement_and_rfm_lines():
    assert value_text.movement_lines(VALUE) == [
        "From the baseline segmentation (2011-01-01) to the current one (2011-12-10): of the 8 customers present "
        "both times, 6 stayed in their segment (75%) and 2 moved; 3 customers are new and 4 have lapsed "
        "(no purchase for 365 days)."]
    assert value_text.rfm_lines(VALUE) == ["Gold: mostly RFM Champions 100%", "Silver: mostly RFM Lost 50%, Champions 50%"]
    assert "quite unlike" in value_text.rfm_sentence(VALUE)
