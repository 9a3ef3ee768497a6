"""The monitor's check on hand-built labels: not enough new data, a refresh when today's refit
disagrees with the deployed model beyond the noise band (whole interval under it), ok otherwise."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import conf_group

from segmentation.monitoring.check import NOT_ENOUGH_DATA, OK, REFRESH_DUE, check, enough_data

# the monitor's settings as its command builds them: conf/monitor with the study's competing_margin
STUDY = conf_group("stability", "default")
SETTINGS = conf_group("monitor", "default", interval_resamples=50, competing_margin=STUDY["competing_margin"],
                      self_agreement_floor=STUDY["self_agreement_floor"])   # min 20 new customers, 100 lines
ENOUGH = {"new_customers": 30, "new_lines": 500}
BAND = {"band_low": 0.9, "band_median": 0.95, "band_high": 0.98}
# split case: 100 customers, deployed 0 (c0-c49) and 1 (c50-c99); today's refit cuts 0 in two halves
# (0: c0-c24, 1: c25-c49) and keeps 1 whole (2). Contingency [[25, 25, 0], [0, 0, 50]]:
# sum C(n_ij, 2) = 300 + 300 + 1225 = 1825, rows 2 x 1225 = 2450, columns 1825, C(100, 2) = 4950,
# ARI = (1825 - 2450 x 1825 / 4950) / ((2450 + 1825) / 2 - 2450 x 1825 / 4950) = 0.7468.
SPLIT_ARI = 0.7468
IDS = [f"c{i}" for i in range(100)]


def split_case() -> tuple[pd.Series, pd.Series, pd.Series]:
    deployed = pd.Series([0] * 50 + [1] * 50, index=IDS)
    keep = deployed.copy()                                   # the deployed model places everyone as before
    refit = pd.Series([0] * 25 + [1] * 25 + [2] * 50, index=IDS)
    return keep, refit, deployed


def test_settings_are_the_configured_monitor_defaults():
    assert (SETTINGS["min_new_customers"], SETTINGS["min_new_lines"], SETTINGS["survive"], SETTINGS["split"],
            SETTINGS["competing_margin"], SETTINGS["self_agreement_floor"]) == (20, 100, 0.7, 0.3, 0.25, 0.75)


def test_too_few_new_customers_is_not_enough_data_with_the_numbers():
    keep, refit, deployed = split_case()   # even a strong disagreement is not judged
    finding = check(keep, refit, deployed, BAND, {"new_customers": 5, "new_lines": 500}, SETTINGS, seed=0)
    assert finding["status"] == NOT_ENOUGH_DATA
    assert finding["reasons"] == ["5 new customers since the deployment (at least 20 needed)"]
    assert finding["new_customers"] == 5 and finding["new_lines"] == 500   # the counts are in the finding


def test_too_few_new_lines_too_gives_both_reasons_with_thousands_separators():
    reasons = enough_data({"new_customers": 1234, "new_lines": 99}, {**SETTINGS, "min_new_customers": 2000})
    assert reasons == ["1,234 new customers since the deployment (at least 2,000 needed)",
                       "99 new lines since the deployment (at least 100 needed)"]


def test_exactly_the_minimum_is_enough():
    assert enough_data({"new_customers": 20, "new_lines": 100}, SETTINGS) == []


def test_a_deployment_without_noise_band_cannot_be_judged():
    keep, refit, deployed = split_case()
    band = {"band_low": float("nan"), "band_median": float("nan"), "band_high": float("nan")}
    finding = check(keep, refit, deployed, band, ENOUGH, SETTINGS, seed=0)
    assert finding["status"] == NOT_ENOUGH_DATA
    assert finding["reasons"] == ["the deployment has no noise band to compare with"]


def test_a_split_under_the_noise_band_is_a_refresh_naming_the_split():
    keep, refit, deployed = split_case()
    finding = check(keep, refit, deployed, BAND, ENOUGH, SETTINGS, seed=0, names={0: "Champions", 1: "Loyal"})
    assert finding["agreement"] == pytest.approx(SPLIT_ARI, abs=1e-4)
    assert finding["agreement_low"] < finding["agreement"] < finding["agreement_high"] < BAND["band_low"]
    assert finding["status"] == REFRESH_DUE
    low, high = finding["agreement_low"], finding["agreement_high"]
    assert finding["reasons"] == [
        f"agreement 0.75 (interval {low:.2f}-{high:.2f}) is under the noise band 0.90-0.98",
        "Champions split in 2 (50%, 50% of its customers)"]   # Loyal survives: not a reason
    assert finding["transitions"]["kind"].tolist() == ["split", "survive"]
    assert finding["changes"] == finding["reasons"][1:]
    # refit matched to keep: keep 0 pairs with one half (25), keep 1 with refit 2 (50): 75 of 100 agree
    assert finding["mislabelled_share"] == pytest.approx(0.25)
    assert finding["customers"] == 100 and finding["new_by_segment"] == {}
    assert (finding["band_low"], finding["band_median"], finding["band_high"]) == (0.9, 0.95, 0.98)
    assert "competing" not in finding   # no refit of the deployment to compare with (nearest: nan)


def test_a_refit_much_closer_to_a_refit_of_the_deployment_is_a_competing_segmentation_not_a_refresh():
    """Under the band, but agreeing 1.00 with one of the deployment's own refits: 1.00 - 0.7468 =
    0.2532 >= the 0.25 margin, another solution of the same customers found again: ok."""
    keep, refit, deployed = split_case()
    finding = check(keep, refit, deployed, BAND, ENOUGH, SETTINGS, seed=0, nearest=1.0)
    assert finding["status"] == OK and finding["competing"] is True
    assert finding["reasons"] == [(
        "two competing segmentations: today's refit agrees only 0.75 with the deployed segments but 1.00 with a "
        "refit of the deployment's own customers - another segmentation of nearly equal quality found again, "
        "not a change in the customers")]


def test_a_refit_not_margin_closer_to_a_refit_of_the_deployment_is_still_a_refresh():
    """0.99 - 0.7468 = 0.2432 < 0.25: the margin is not reached."""
    keep, refit, deployed = split_case()
    finding = check(keep, refit, deployed, BAND, ENOUGH, SETTINGS, seed=0, nearest=0.99)
    assert finding["status"] == REFRESH_DUE and "competing" not in finding


def test_a_close_refit_of_the_deployment_does_not_matter_when_the_agreement_is_within_the_band():
    keep, refit, deployed = split_case()
    band = {"band_low": 0.7, "band_median": 0.8, "band_high": 0.9}   # the interval reaches over 0.7
    finding = check(keep, refit, deployed, band, ENOUGH, SETTINGS, seed=0, nearest=1.0)
    assert finding["status"] == OK and "competing" not in finding


def test_an_agreement_below_the_band_whose_interval_reaches_it_is_ok():
    """The refresh needs the whole interval under band_low: 0.75 with the band from 0.80, but an
    interval reaching above 0.80, is within the noise."""
    keep, refit, deployed = split_case()
    band = {"band_low": 0.8, "band_median": 0.9, "band_high": 0.95}
    finding = check(keep, refit, deployed, band, ENOUGH, SETTINGS, seed=0)
    assert finding["agreement"] < 0.8 <= finding["agreement_high"]
    assert finding["status"] == OK
    low, high = finding["agreement_low"], finding["agreement_high"]
    assert finding["reasons"] == [f"agreement 0.75 (interval {low:.2f}-{high:.2f}) is within the noise band 0.80-0.95"]


def test_keep_equal_to_refit_is_ok():
    """Same partition (refit ids renamed, customers in another order): ARI 1, every resample 1,
    nobody mislabelled. Three new customers n0-n2 (1 in segment 0, 2 in segment 1)."""
    deployed = pd.Series([0] * 4 + [1] * 4, index=[f"c{i}" for i in range(8)])
    keep = pd.concat([deployed, pd.Series([0, 1, 1], index=["n0", "n1", "n2"])])
    refit = (1 - keep).iloc[::-1]   # 0 <-> 1, reversed order: aligned on customers
    finding = check(keep, refit, deployed, BAND, ENOUGH, SETTINGS, seed=0)
    assert finding["status"] == OK
    assert (finding["agreement"], finding["agreement_low"], finding["agreement_high"]) == (1.0, 1.0, 1.0)
    assert finding["reasons"] == ["agreement 1.00 (interval 1.00-1.00) is within the noise band 0.90-0.98"]
    assert finding["mislabelled_share"] == 0.0 and finding["customers"] == 11
    assert finding["new_by_segment"] == {0: 0.3333, 1: 0.6667}
    assert finding["changes"] == [] and finding["transitions"]["kind"].tolist() == ["survive", "survive"]


def test_only_customers_both_placements_hold_are_compared():
    """keep has x0, refit has y0: neither counts."""
    keep, refit, deployed = split_case()
    keep = pd.concat([keep, pd.Series([1], index=["x0"])])
    refit = pd.concat([refit, pd.Series([0], index=["y0"])])
    finding = check(keep, refit, deployed, BAND, ENOUGH, SETTINGS, seed=0)
    assert finding["customers"] == 100 and finding["agreement"] == pytest.approx(SPLIT_ARI, abs=1e-4)


def test_ok_within_a_wide_band_says_the_check_is_coarse():
    """A band from 0.40 (the deployment's own refits land in other solutions; floor 0.75): ok, and
    the reasons say only a change deeper than 0.40 could show. From 0.90 no such caveat."""
    keep, refit, deployed = split_case()
    wide = check(keep, refit, deployed, {"band_low": 0.4, "band_median": 0.9, "band_high": 0.99}, ENOUGH, SETTINGS, seed=0)
    assert wide["status"] == OK and wide["coarse"]
    assert wide["reasons"][1].startswith("the check is coarse: refits of the deployment's own customers agree as "
                                         "little as 0.40")
    same = pd.Series([0] * 50 + [1] * 50, index=IDS)
    narrow = check(same, same, same, BAND, ENOUGH, SETTINGS, seed=0)
    assert narrow["status"] == OK and not narrow["coarse"] and len(narrow["reasons"]) == 1
