"""The snapshot calendar: the auto baseline, partial and dropped snapshots, periods without
sales, and plans the data cannot hold, on hand-computed dates and tiny transaction files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import canonical, make_project, run_stage
from omegaconf import OmegaConf
from test_features import RULES

from segmentation.cleaning.rules import clean_frame
from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.features.cutoffs import (
    SnapshotCut,
    auto_baseline,
    latest_snapshot,
    lines_per_period,
    snapshot_plan,
    whole_months,
)

T = pd.Timestamp
UCI_OLD = (T("2010-12-01 08:26"), T("2011-12-09 12:50"))   # the older UCI release's span
SYNTHETIC = (T("2009-12-01 07:45"), T("2011-12-09 12:50"))  # the synthetic default's span


def default_snapshots() -> dict:
    """The snapshot settings of a source that pins none (data=transactions): auto, default offsets."""
    return OmegaConf.to_container(compose(["data=transactions"]).snapshots, resolve=True)


def test_sources_without_a_calendar_get_auto_and_the_brief_sources_keep_2011():
    assert default_snapshots()["baseline"] == "auto"
    assert compose(["data=online_retail"]).snapshots.baseline == "auto"
    assert compose(["data=online_retail_ii"]).snapshots.baseline == "2011-01-01"
    assert compose().snapshots.baseline == "2011-01-01"


# --- the auto baseline, computed by hand ---------------------------------------------------

def test_auto_replays_nine_months_of_an_eighteen_month_file():
    # end = 1998-07-01 (day after the last line); span Jan 1997 -> Jul 1998 = 18 months;
    # replay min(12, 9) = 9; 1998-07-01 minus 9 months = 1997-10-01
    assert auto_baseline(T("1997-01-01 09:00"), T("1998-06-30 18:00")) == T("1997-10-01")


def test_auto_replays_six_months_of_a_twelve_month_file():
    # end = 2011-01-01; span Jan 2010 -> Jan 2011 = 12 months; replay 6: 2010-07-01
    assert auto_baseline(T("2010-01-01"), T("2010-12-31 17:00")) == T("2010-07-01")


def test_auto_on_the_uci_spans():
    # older release: end 2011-12-10, month start 2011-12-01, span Dec 2010 -> Dec 2011 = 12, replay 6
    assert auto_baseline(*UCI_OLD) == T("2011-06-01")
    # synthetic / Online Retail II: span Dec 2009 -> Dec 2011 = 24, replay min(12, 12) = 12
    assert auto_baseline(*SYNTHETIC) == T("2010-12-01")


def test_auto_on_less_than_two_months_is_a_user_error():
    with pytest.raises(UserError, match="Fix"):
        auto_baseline(T("2011-01-05"), T("2011-02-20"))  # span Jan -> Feb = 1 month, replay 0


def test_whole_months():
    assert whole_months(T("2011-01-01"), T("2011-12-10")) == 11
    assert whole_months(T("2011-01-31"), T("2011-02-28")) == 1   # 01-31 + 1 month = 02-28, as M+1 counts it
    assert whole_months(T("2011-01-15"), T("2011-02-14")) == 0
    assert whole_months(T("2011-01-15"), T("2011-02-15")) == 1


# --- the plan: dropped, partial, span-less ---------------------------------------------------

def test_the_first_offset_past_the_end_is_partial_and_the_rest_are_dropped():
    plan = snapshot_plan({"baseline": "2011-01-01", "offsets": ["J+1", "M+11", "M+12", "M+13"]}, SYNTHETIC)
    assert list(plan) == ["baseline", "J+1", "M+11", "M+12"]
    assert plan["M+11"] == SnapshotCut("M+11", T("2011-12-01"), "M+11", False)
    # M+12 = 2012-01-01 > end 2011-12-10 > M+11 = 2011-12-01: kept, cut at the end of the data
    assert plan["M+12"] == SnapshotCut("M+12", T("2011-12-10"), "M+12 (partial: data to 2011-12-09)", True)
    assert latest_snapshot({"baseline": "2011-01-01", "offsets": ["J+1", "M+11", "M+12", "M+13"]}, SYNTHETIC) == "M+12"


def test_auto_with_default_offsets_on_the_older_uci_span():
    plan = snapshot_plan({**default_snapshots(), "baseline": "auto"}, UCI_OLD)
    assert plan["baseline"].cutoff == T("2011-06-01")
    assert list(plan)[-2:] == ["M+6", "M+7"]                   # M+8 ... M+12 dropped
    assert plan["M+6"].cutoff == T("2011-12-01") and not plan["M+6"].partial
    assert plan["M+7"].label == "M+7 (partial: data to 2011-12-09)" and plan["M+7"].cutoff == T("2011-12-10")


def test_an_offset_ending_exactly_at_the_end_is_complete_and_the_next_is_dropped():
    plan = snapshot_plan({"baseline": "1997-10-01", "offsets": ["J+1", "M+9", "M+10"]},
                         (T("1997-01-01"), T("1998-06-30 18:00")))
    assert list(plan) == ["baseline", "J+1", "M+9"]
    assert plan["M+9"] == SnapshotCut("M+9", T("1998-07-01"), "M+9", False)


def test_the_plan_is_ordered_by_cutoff():
    plan = snapshot_plan({"baseline": "2011-01-01", "offsets": ["M+1", "J+1", "J+40"]}, SYNTHETIC)
    assert list(plan) == ["baseline", "J+1", "M+1", "J+40"]


def test_without_a_span_dates_are_kept_and_auto_needs_a_date():
    plan = snapshot_plan({"baseline": "2011-01-01", "offsets": ["J+1", "M+12", "M+24"]})
    assert [cut.cutoff for cut in plan.values()] == [T("2011-01-01"), T("2011-01-02"), T("2012-01-01"), T("2013-01-01")]
    assert not any(cut.partial for cut in plan.values())
    with pytest.raises(UserError, match=r"snapshots\.baseline=auto needs .*Fix: .*snapshots\.baseline=\d{4}-\d{2}-\d{2}"):
        snapshot_plan({"baseline": "auto", "offsets": ["J+1", "M+1"]})


@pytest.mark.parametrize("baseline", ["2009-11-01", "2009-12-01", "2011-12-10", "2012-03-01"])
def test_an_explicit_baseline_outside_the_data_is_a_user_error(baseline):
    with pytest.raises(UserError, match=r"outside the data \(2009-12-01 to 2011-12-09\).*Fix"):
        snapshot_plan({"baseline": baseline, "offsets": ["J+1", "M+1"]}, SYNTHETIC)


def test_day_offsets_up_to_the_end_of_the_data():
    # end 2011-12-10: J+1 = 12-09 and J+2 = 12-10 complete; J+3 starts after the data: dropped
    plan = snapshot_plan({"baseline": "2011-12-08", "offsets": ["J+1", "J+2", "J+3"]}, SYNTHETIC)
    assert list(plan) == ["baseline", "J+1", "J+2"] and not plan["J+2"].partial


def test_a_plan_with_fewer_than_two_snapshots_after_the_baseline_is_a_user_error():
    # baseline 2011-11-01: M+1 = 2011-12-01 complete, M+2 partial -> 2 kept: fine
    assert list(snapshot_plan({"baseline": "2011-11-01", "offsets": ["M+1", "M+2", "M+3"]}, SYNTHETIC)) == [
        "baseline", "M+1", "M+2"]
    # baseline 2011-11-15: M+1 = 2011-12-15 partial, M+2 dropped -> 1 kept; 0 whole months to 2011-12-10
    with pytest.raises(UserError, match=r"keeps 1 snapshot.*allows 0 whole month.*Fix: an earlier"):
        snapshot_plan({"baseline": "2011-11-15", "offsets": ["M+1", "M+2"]}, SYNTHETIC)
    with pytest.raises(UserError, match="Fix"):
        snapshot_plan({"baseline": "2011-01-01", "offsets": ["M+1"]})


# --- lines per period and the stage ----------------------------------------------------------

def write_clean(project, rows) -> None:
    (project / "build").mkdir(exist_ok=True)
    clean_frame(canonical(rows), RULES)[0].to_parquet(project / "build" / "clean.parquet")


def reports(project) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (project / "metrics" / "snapshots").glob("*.json")}


def test_lines_per_period_counts_each_half_open_period(tmp_path):
    write_clean(tmp_path, [("1", "X", 1, 1.0, "2011-01-01 00:00", "A"), ("2", "X", 1, 1.0, "2010-12-31 23:59", "A"),
                           ("3", "X", 1, 1.0, "2011-01-05", "B"), ("4", "X", 1, 1.0, "2011-02-01", "B")])
    cutoffs = [T("2011-01-01"), T("2011-01-02"), T("2011-01-16"), T("2011-02-01"), T("2011-02-02")]
    assert lines_per_period(tmp_path / "build" / "clean.parquet", cutoffs) == [1, 1, 1, 0, 1]


CDNOW_LIKE = [   # January 1997 -> June 1998; auto baseline 1997-10-01
    ("1", "X", 1, 10.0, "1997-01-01 09:00", "A"),
    ("2", "X", 2, 10.0, "1997-05-03 10:00", "B"),
    ("3", "X", 1, 10.0, "1997-10-01 11:00", "D"),    # on the baseline day: J+1's period, D new
    ("4", "X", 1, 10.0, "1997-12-10 12:00", "A"),
    ("5", "X", 3, 10.0, "1998-02-14 13:00", "C"),    # C new
    ("6", "X", 1, 10.0, "1998-06-30 18:00", "B"),    # last line: end 1998-07-01
]


def test_a_1997_file_with_no_snapshot_settings_keeps_every_snapshot_inside_the_data(tmp_path):
    project = make_project(tmp_path, snapshots=default_snapshots())
    write_clean(project, CDNOW_LIKE)
    result = run_stage("snapshots", project)
    assert result.returncode == 0, result.stderr
    built = reports(project)
    # replay 9 months: baseline, J+1, J+15, M+1 ... M+9 (= 1998-07-01, the end); M+10 ... M+12 dropped
    assert set(built) == {"baseline", "J+1", "J+15", *(f"M+{n}" for n in range(1, 10))}
    assert sorted(p.stem for p in (project / "build" / "snapshots").glob("*.parquet")) == sorted(built)
    assert built["baseline"]["cutoff"] == "1997-10-01"
    assert all("1997-01-01" < r["cutoff"] <= "1998-07-01" and not r["partial"] for r in built.values())
    baseline = built["baseline"]
    assert (baseline["customers"], baseline["new_lines"], baseline["no_new_data"]) == (2, 2, False)
    assert (built["J+1"]["new_customers"], built["J+1"]["new_lines"], built["J+1"]["no_new_data"]) == (1, 1, False)
    assert (built["J+15"]["new_lines"], built["J+15"]["no_new_data"]) == (0, True)   # nothing sold 10-02 .. 10-15
    # 1997-10-01 -> 1998-07-01: 31+30+31+31+28+31+30+31+30 = 273 days; B's 1998-06-30 line is M+9's
    assert built["M+9"] == {"cutoff": "1998-07-01", "days_after_baseline": 273, "customers": 4,
                            "existing_customers": 2, "new_customers": 2, "label": "M+9", "partial": False,
                            "new_lines": 1, "no_new_data": False}
    assert sum(line.startswith("snapshot ") for line in result.stdout.splitlines()) == len(built)


def test_the_partial_last_period_is_labelled_and_cut_at_the_end_of_the_data(tmp_path):
    project = make_project(tmp_path, snapshots={"baseline": "2011-01-01", "offsets": ["J+1", "M+11", "M+12", "M+13"]})
    write_clean(project, [("1", "X", 1, 5.0, "2010-12-01 08:26", "A"), ("2", "X", 1, 5.0, "2011-12-05 10:00", "B"),
                          ("3", "X", 1, 5.0, "2011-12-09 12:50", "A")])
    (project / "metrics" / "snapshots").mkdir(parents=True)
    (project / "metrics" / "snapshots" / "M+13.json").write_text("{}")  # an earlier run's: not in the plan
    result = run_stage("snapshots", project)
    assert result.returncode == 0, result.stderr
    built = reports(project)
    assert set(built) == {"baseline", "J+1", "M+11", "M+12"}
    assert built["M+12"] == {"cutoff": "2011-12-10", "days_after_baseline": 343, "customers": 2,
                             "existing_customers": 1, "new_customers": 1,
                             "label": "M+12 (partial: data to 2011-12-09)", "partial": True,
                             "new_lines": 2, "no_new_data": False}
    assert "snapshot M+12 (partial: data to 2011-12-09):" in result.stdout
    dropped = run_stage("snapshots", project, "M+13")
    assert dropped.returncode == 2 and "after the end of the data" in dropped.stderr


def test_j1_without_sales_on_the_baseline_day_repeats_the_baseline(tmp_path):
    project = make_project(tmp_path, snapshots={"baseline": "2011-01-01", "offsets": ["J+1", "J+15", "M+1"]})
    write_clean(project, [("1", "X", 1, 5.0, "2010-12-20", "A"), ("2", "X", 1, 5.0, "2011-01-04", "B"),
                          ("3", "X", 1, 5.0, "2011-02-10", "A")])
    result = run_stage("snapshots", project)
    assert result.returncode == 0, result.stderr
    built = reports(project)
    assert (built["J+1"]["new_lines"], built["J+1"]["no_new_data"]) == (0, True)
    assert (built["J+15"]["new_lines"], built["J+15"]["no_new_data"]) == (1, False)
    assert built["baseline"]["no_new_data"] is False
    assert "snapshot J+1: 1 customers as of 2011-01-02 (0 new, 0 new lines; no new data" in result.stdout


@pytest.mark.parametrize("snapshots, message", [
    ({"baseline": "1996-06-01", "offsets": ["J+1", "M+1"]}, "outside the data"),
    ({"baseline": "1998-07-01", "offsets": ["J+1", "M+1"]}, "outside the data"),
    ({"baseline": "1998-06-15", "offsets": ["M+1", "M+2"]}, "allows 0 whole month"),
    ({"baseline": "auto", "offsets": ["M+1"]}, "keeps 1 snapshot"),
])
def test_a_plan_the_data_cannot_hold_exits_2_with_one_line(tmp_path, snapshots, message):
    project = make_project(tmp_path, snapshots=snapshots)
    write_clean(project, CDNOW_LIKE)
    result = run_stage("snapshots", project)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2 and len(errors) == 1 and "Fix" in errors[0] and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
