"""`features.wholesalers: keep | drop | separate` on a hand-made table of 20 customers, two of
them obvious wholesalers: who is clustered, who gets a segment, what the segment is called,
how runs are named, what the method note says, and the one-line errors for a bad value or the
former switch `features.drop_wholesalers`."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, assert_one_line, conf_group, hydra_command, make_project, run_stage

from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.features.selection import select_customers, select_features
from segmentation.maintenance.study import temporal_stability
from segmentation.models.fitting import fit_and_evaluate
from segmentation.models.naming import WHOLESALERS, actions_for, name_segments, segment_cards
from segmentation.reporting.report_html import method_note
from segmentation.tracking.run_names import describing_tags, run_name

RETAIL = [f"r{i:02d}" for i in range(1, 19)]
BIG = ["w1", "w2"]


def customers() -> pd.DataFrame:
    """18 retail customers in two plain groups (9 recent and frequent, 9 lapsed), units per order
    1..18; two wholesalers ordering 100 and 200 units per order.
    The 0.9 quantile of units per order over all 20: position 0.9 x 19 = 17.1 in the sorted
    values, between 18 and 100: 18 + 0.1 x (100 - 18) = 26.2, so exactly w1 and w2 are above it."""
    recent = np.arange(9)
    table = pd.DataFrame({
        "customer_id": RETAIL + BIG,
        "recency": [5.0 + r for r in recent] + [300.0 + 10 * r for r in recent] + [3.0, 7.0],
        "frequency": [20.0 + r for r in recent] + [1.0 + r % 2 for r in recent] + [40.0, 50.0],
        "monetary": [2000.0 + 100 * r for r in recent] + [60.0 + 5 * r for r in recent] + [20000.0, 30000.0],
        "avg_items_per_order": [float(i) for i in range(1, 19)] + [100.0, 200.0],
    })
    return table.assign(total_quantity=table["avg_items_per_order"] * table["frequency"], cancellation_pct=0.0)


def features(policy: str, **changes) -> dict:
    return conf_group("features", "rfm", wholesalers=policy, wholesaler_quantile=0.9, **changes)


KMEANS = conf_group("model", "kmeans", n_clusters=2)
EVALUATION = {"silhouette_max_customers": 10000, "bootstrap_resamples": 3, "bootstrap_max_customers": 10000}


def fitted(policy: str):
    return fit_and_evaluate(customers(), features(policy), KMEANS, EVALUATION, seed=0)


# --- who is clustered, who is given a segment ---------------------------------------------------

def test_the_selection_keeps_drops_or_sets_apart_the_two_wholesalers():
    keep = select_customers(customers(), features("keep"))
    assert len(keep.X) == 20 and keep.wholesalers.empty
    assert keep.report == {"customers_in": 20, "wholesalers_removed": 0, "wholesalers_separated": 0,
                           "customers": 20, "customers_clustered": 20}
    drop = select_customers(customers(), features("drop"))
    assert list(drop.X.index) == RETAIL and drop.wholesalers.empty
    assert drop.report == {"customers_in": 20, "wholesalers_removed": 2, "wholesalers_separated": 0,
                           "wholesaler_threshold": 26.2, "customers": 18, "customers_clustered": 18}
    separate = select_customers(customers(), features("separate"))
    assert list(separate.X.index) == RETAIL and list(separate.wholesalers) == BIG
    assert separate.report == {"customers_in": 20, "wholesalers_removed": 0, "wholesalers_separated": 2,
                               "wholesaler_threshold": 26.2, "customers": 20, "customers_clustered": 18}
    # the maintenance study's entry: with separate, the frame it studies is drop's
    X, report = select_features(customers(), features("separate"), wholesaler_threshold=150.0)
    assert len(X) == 19 and "w2" not in X.index and report["wholesalers_separated"] == 1


def test_keep_clusters_20_drop_clusters_and_assigns_18_separate_clusters_18_and_assigns_20():
    keep, drop, separate = fitted("keep"), fitted("drop"), fitted("separate")
    assert len(keep.X) == 20 and len(keep.assignments()) == 20 and keep.wholesaler_segment is None
    assert len(drop.X) == 18 and len(drop.assignments()) == 18 and set(drop.assignments()["customer_id"]) == set(RETAIL)
    assert len(separate.X) == 18 and len(separate.assignments()) == 20
    k = int(separate.labels.max()) + 1
    assert separate.wholesaler_segment == k == 2
    placed = separate.assignments().set_index("customer_id")["cluster"]
    assert placed[BIG].tolist() == [k, k] and set(placed[RETAIL]) == {0, 1}
    # quality describes the clustered customers only: the same numbers as drop, on 18 customers
    assert separate.metrics["silhouette_sample_size"] == 18 and separate.metrics["n_clusters"] == 2
    for metric in ("silhouette", "davies_bouldin", "smallest_cluster_share", "bootstrap_ari_mean"):
        assert separate.metrics[metric] == pytest.approx(drop.metrics[metric]), metric
    assert separate.selection["wholesalers_separated"] == 2 and separate.selection["customers_clustered"] == 18


def test_the_wholesaler_segment_has_a_profile_row_like_the_others():
    profiles = fitted("separate").profiles.set_index("cluster")
    assert list(profiles.index) == [0, 1, 2] and profiles["wholesalers"].tolist() == [False, False, True]
    row = profiles.loc[2]
    total = customers()["monetary"].sum()
    assert row["customers"] == 2 and row["share_of_customers"] == pytest.approx(2 / 20)
    assert row["share_of_revenue"] == pytest.approx(50000 / total)
    assert row["median_avg_items_per_order"] == 150.0 and row["mean_monetary"] == 25000.0
    assert row["median_recency"] == 5.0 and row["median_frequency"] == 45.0
    assert profiles["customers"].sum() == 20 and profiles["share_of_customers"].sum() == pytest.approx(1)
    assert "wholesalers" not in fitted("drop").profiles and len(fitted("drop").profiles) == 2


# --- names, actions ----------------------------------------------------------------------------

def test_the_set_apart_segment_is_named_wholesalers_and_an_override_still_wins():
    result = fitted("separate")
    names = name_segments(result.profiles, customers())
    assert names[2] == WHOLESALERS == "Wholesalers" and len(set(names.values())) == 3
    assert name_segments(result.profiles, customers(), {2: "Trade accounts"})[2] == "Trade accounts"
    cards = segment_cards(result.profiles, names, "EUR").set_index("name")
    assert cards.loc["Wholesalers", "customers"] == 2 and cards.loc["Wholesalers", "traits"].startswith(
        "About 45 orders, the last one 5 days ago, €25,000 spent in all; 150 items per order")


def test_no_other_segment_takes_the_rule_based_wholesaler_name_when_wholesalers_are_set_apart():
    population = pd.DataFrame({"recency": range(1, 11), "frequency": range(1, 11), "monetary": range(1, 11),
                               "avg_items_per_order": range(1, 11)})
    # segment 0: median units per order and spend at the top (W = M = 0.9): the big-account rule
    profiles = pd.DataFrame({"cluster": [0, 1, 2], "median_recency": [5, 9, 10], "median_frequency": [10, 2, 10],
                             "median_monetary": [10, 1, 10], "median_avg_items_per_order": [10, 1, 10]})
    assert name_segments(profiles.iloc[:2], population)[0] == "Wholesalers / big accounts"
    names = name_segments(profiles.assign(wholesalers=[False, False, True]), population)
    assert names[2] == "Wholesalers" and not any(n.startswith("Wholesalers") for n in (names[0], names[1]))


def test_wholesaler_actions_are_account_management_and_volume_pricing_in_any_shop_words():
    actions = actions_for("Wholesalers")
    text = " ".join(actions).lower()
    assert len(actions) == 3 and "account manager" in text and "volume pricing" in text
    assert not re.search(r"christmas|holiday|season|£|\$|€|pound|dollar|euro|united kingdom|\buk\b", text)
    assert actions_for("Wholesalers / big accounts") != actions  # the rule-based segment keeps its own


# --- run names and tags ------------------------------------------------------------------------

@pytest.mark.parametrize("policy, part, tag", [("keep", "all", "kept"), ("drop", "nowholesalers", "removed"),
                                               ("separate", "sepwholesalers", "separate")])
def test_runs_are_named_and_tagged_by_the_policy(policy, part, tag):
    cfg = compose(["model=kmeans", "model.n_clusters=4", f"features.wholesalers={policy}"])
    assert run_name(cfg) == f"kmeans-k4-rfm_extras-{part}"
    assert run_name(cfg, {"features.wholesalers": policy, "seed": "7"}) == f"kmeans-k4-rfm_extras-{part}-seed7"
    assert describing_tags(cfg, None)["segmentation.wholesalers"] == tag


# --- the method note ---------------------------------------------------------------------------

CONFIG = {"data": {"name": "my_shop", "currency": "EUR"}, "seed": 7,
          "features": {"name": "rfm", "columns": ["recency", "frequency", "monetary"], "transform": "log1p",
                       "scaler": "standard", "wholesaler_column": "avg_items_per_order", "wholesaler_quantile": 0.98},
          "model": {"name": "kmeans", "short_names": {"n_clusters": "k"}, "n_clusters": 4}}
TRAIN = {"customers": 5940, "customers_clustered": 5821, "wholesalers_removed": 0, "wholesalers_separated": 119,
         "wholesaler_threshold": 412.37, "silhouette": 0.26, "bootstrap_ari_mean": 0.89, "bootstrap_resamples": 20}


def note(policy: str, **train) -> list[str]:
    config = {**CONFIG, "features": {**CONFIG["features"], "wholesalers": policy}}
    return [line for line in method_note(config, {**TRAIN, **train}, None) if "holesale" in line]


def test_the_method_note_says_which_policy_applied_and_how_many_accounts():
    assert note("separate") == ["Wholesale-sized accounts: 119 customers above 412 items per order form their own "
                                "segment, \u201cWholesalers\u201d, and are not clustered; separation and repeatability "
                                "describe the other 5,821 customers (features.wholesalers=separate)."]
    assert note("drop", wholesalers_removed=119, wholesalers_separated=0, customers=5821) == [
        "Wholesale-sized accounts: 119 customers above 412 items per order were left out of the segmentation "
        "(features.wholesalers=drop)."]
    assert note("keep") == ["Wholesale-sized accounts: kept and clustered with every other customer "
                            "(features.wholesalers=keep)."]


def test_without_a_quantity_column_the_method_note_says_the_rule_counted_order_lines():
    lines = note("separate", wholesaler_rule_applies=False, wholesaler_threshold=1.2031)  # small: one decimal
    assert lines[0].startswith("Wholesale-sized accounts: 119 customers above 1.2 lines per order form their own")
    assert lines[1] == ("Without a quantity column every line counts as one unit, so the wholesaler rule ranked "
                        "customers by order lines, not units.")
    assert len(note("drop", wholesaler_rule_applies=False)) == 2
    assert len(note("keep", wholesaler_rule_applies=False)) == 1  # nothing was ranked
    assert max(len(line) for line in note("separate", wholesaler_rule_applies=False)) <= 250  # a slide bullet


# --- the maintenance study treats separate as drop ---------------------------------------------

def test_the_maintenance_study_studies_the_clustered_customers_with_separate_as_with_drop():
    rng = np.random.default_rng(0)
    table = customers()
    tables = {name: table.assign(monetary=table["monetary"] * rng.uniform(0.95, 1.05, len(table)), is_new=False)
              for name in ("baseline", "J+15", "M+1", "M+2")}
    days = {"baseline": 0, "J+15": 15, "M+1": 31, "M+2": 59}
    cutoffs = {name: f"{pd.Timestamp('2024-01-01') + pd.Timedelta(days=d):%Y-%m-%d}" for name, d in days.items()}
    stability = conf_group("stability", "default", noise_seeds=2, noise_resamples=2, interval_resamples=5,
                           min_baseline_customers=5, min_new_customers=0, classifiers=[])
    studies = {policy: temporal_stability(tables, days, cutoffs, features(policy), KMEANS, stability, seed=0)
               for policy in ("drop", "separate", "keep")}
    baseline = {policy: study["summary"]["baseline_customers"] for policy, study in studies.items()}
    assert baseline == {"drop": 18, "separate": 18, "keep": 20}
    pd.testing.assert_frame_equal(studies["separate"]["table"], studies["drop"]["table"])
    # the assignments: with separate, the wholesalers follow in their own segment (2: above the
    # baseline model's clusters 0 and 1), at the baseline and now; with drop they are nobody's
    assert set(studies["drop"]["current"]["customer_id"]) == set(studies["drop"]["baseline"]["customer_id"]) == set(RETAIL)
    for frame in (studies["separate"]["current"], studies["separate"]["baseline"]):
        segment = frame.set_index("customer_id")["segment"]
        assert list(segment.index) == RETAIL + BIG and segment[BIG].tolist() == [2, 2] and set(segment[RETAIL]) == {0, 1}


# --- one-line errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("override, message", [
    ("features.wholesalers=maybe", "features.wholesalers='maybe' is not one of keep, drop or separate. "
                                   "Fix: use features.wholesalers=keep, drop or separate."),
    ("features.wholesalers=true", "features.wholesalers=true is not one of keep, drop or separate."),
    ("features.drop_wholesalers=true", "features.drop_wholesalers=true was replaced by features.wholesalers "
                                       "(keep, drop or separate). Fix: use features.wholesalers=drop."),
    ("features.drop_wholesalers=false", "features.drop_wholesalers=false was replaced by features.wholesalers "
                                        "(keep, drop or separate). Fix: use features.wholesalers=keep."),
    ("features.drop_wholesalers=maybe", "features.drop_wholesalers='maybe' was replaced by features.wholesalers "
                                        "(keep, drop or separate). Fix: use features.wholesalers=drop (was true) "
                                        "or keep (was false)."),
])
def test_a_bad_policy_or_the_former_switch_is_one_line_with_the_fix(override, message):
    with pytest.raises(UserError) as error:
        compose([override])
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_the_pure_selection_refuses_an_unknown_policy_too():
    with pytest.raises(UserError, match=r"^features.wholesalers='some' is not one of keep, drop or separate\. Fix"):
        select_customers(customers(), features("some"))


def test_an_old_params_yaml_with_the_former_switch_stops_the_stage_with_one_line(tmp_path):
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    project = make_project(tmp_path, features={**params["features"], "drop_wholesalers": True})
    result = run_stage("features", project)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        "error: features.drop_wholesalers=true was replaced by features.wholesalers (keep, drop or separate). "
        "Fix: use features.wholesalers=drop."]


def test_an_old_command_line_gets_one_line_and_exit_2_not_hydras_unknown_key_error(tmp_path):
    """Hydra refuses an unknown key in six lines with exit 1; the former switch stays in conf/
    as null, so the check answers instead."""
    result = hydra_command("segmentation.train", "features.drop_wholesalers=true", f"hydra.run.dir={tmp_path}/run",
                           tmp_path=tmp_path)
    assert_one_line(result, "features.drop_wholesalers=true was replaced by features.wholesalers (keep, drop or "
                            "separate). Fix: use features.wholesalers=drop.")
