"""Assigning customers applies the training's wholesaler rule: the maintenance study's later
snapshots and current assignments, the served model (its meta holds the rule), the leaderboard
legend, the features stage's line and the customer map's caption, on the hand-made table of
tests/test_wholesalers.py (18 retail customers, w1 and w2 above the 0.9 quantile 26.2 of units
per order)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import conf_group
from test_wholesalers import BIG, CONFIG, KMEANS, RETAIL, TRAIN, customers, features, fitted

from segmentation.common.errors import UserError
from segmentation.features.run import wholesaler_words
from segmentation.maintenance.study import temporal_stability
from segmentation.models.fitting import fit_and_evaluate
from segmentation.models.run import wholesaler_rule
from segmentation.reporting.report_html import method_note
from segmentation.reporting.wholesale_text import MAP_CAPTION, map_caption
from segmentation.serving.assignment import assign_features
from segmentation.serving.pyfunc import SegmentModel
from segmentation.sweeps.leaderboard_files import line_label

# --- the maintenance study: a baseline wholesaler who later falls under the threshold -----------

STABILITY = conf_group("stability", "default", noise_seeds=2, noise_resamples=2, interval_resamples=5,
                       min_baseline_customers=5, min_new_customers=0, classifiers=[], strategy="keep")


def study(policy: str) -> dict:
    """Baseline: the 20 customers. J+15 and M+1: w1 now orders 20 units per order (under the
    baseline's 26.2, so no longer set apart) and n1, a new retail customer, has arrived."""
    baseline = customers().assign(is_new=False)
    later = pd.concat([baseline.assign(avg_items_per_order=lambda t: t["avg_items_per_order"].where(
        t["customer_id"] != "w1", 20.0)), baseline.iloc[[0]].assign(customer_id="n1", is_new=True)], ignore_index=True)
    days = {"baseline": 0, "J+15": 15, "M+1": 31}
    cutoffs = {name: f"{pd.Timestamp('2024-01-01') + pd.Timedelta(days=d):%Y-%m-%d}" for name, d in days.items()}
    return temporal_stability({"baseline": baseline, "J+15": later, "M+1": later}, days, cutoffs, features(policy),
                              KMEANS, STABILITY, seed=0)


@pytest.mark.parametrize("policy", ["drop", "separate"])
def test_a_baseline_wholesaler_under_the_threshold_later_is_left_out_of_the_snapshot_and_counted(policy):
    """It used to stop the study: w1 existed at the baseline but has no baseline segment."""
    result = study(policy)
    rows = result["table"].set_index("snapshot")
    # 19 customers under 26.2 now (18 retail + n1; w1 at 20 too, but left out): 18 existing, 1 new
    assert rows["set_apart_at_baseline"].tolist() == [1, 1]
    assert rows["customers"].tolist() == [19, 19] and rows["existing_customers"].tolist() == [18, 18]
    assert rows["new_customers"].tolist() == [1, 1]
    assert rows["ari_baseline_vs_refit"].notna().all() and rows["ari_keep_vs_refit"].notna().all()


def test_the_current_assignments_place_a_former_wholesaler_and_set_apart_those_above_the_baseline_threshold():
    separate = study("separate")["current"].set_index("customer_id")["segment"]
    # the clustered customers (w1 now under 26.2, n1), then w2 alone above it: segment 2
    assert list(separate.index) == [*RETAIL, "w1", "n1", "w2"] and separate["w2"] == 2
    # w1 (3 days, 40 orders) is placed with the recent, frequent retail customers r01..r09
    assert separate["w1"] == separate["r01"] != separate["r10"] and set(separate.drop("w2")) == {0, 1}
    drop = study("drop")["current"].set_index("customer_id")["segment"]
    assert list(drop.index) == [*RETAIL, "w1", "n1"]  # w2 is nobody's with drop
    pd.testing.assert_series_equal(drop, separate.drop("w2"))


def test_with_keep_nothing_is_set_apart_and_the_snapshot_rows_have_no_such_column():
    result = study("keep")
    assert "set_apart_at_baseline" not in result["table"]
    assert result["table"]["customers"].tolist() == [21, 21]  # the 20 and n1
    assert len(result["current"]) == 21 and len(result["baseline"]) == 20


# --- the rule a training run stores with its model -----------------------------------------------

def test_a_run_that_sets_wholesalers_apart_stores_its_column_threshold_and_segment():
    assert wholesaler_rule(features("separate"), customers(), fitted("separate")) == {
        "column": "avg_items_per_order", "threshold": pytest.approx(26.2), "segment": 2}
    assert wholesaler_rule(features("drop"), customers(), fitted("drop")) is None
    assert wholesaler_rule(features("keep"), customers(), fitted("keep")) is None


def test_the_stored_threshold_is_exact_where_the_rounded_one_of_train_json_would_move_customers():
    """Units per order 1..17, three customers at 26.00004 and one at 200: the 0.9 quantile is at
    position 17.1, between two of the 26.00004, so exactly 26.00004; train.json rounds it to 26.0,
    above which the three tied customers would be set apart although training clustered them."""
    table = customers().assign(avg_items_per_order=[*range(1, 18), 26.00004, 26.00004, 26.00004]).iloc[:-1]
    table = pd.concat([table, customers().iloc[[-1]]], ignore_index=True)  # w2: 200 units per order
    result = fit_and_evaluate(table, features("separate"), KMEANS, {"silhouette_max_customers": 100,
                                                                   "bootstrap_resamples": 2,
                                                                   "bootstrap_max_customers": 100}, seed=0)
    rule = wholesaler_rule(features("separate"), table, result)
    assert result.selection["wholesaler_threshold"] == 26.0 and list(result.wholesalers) == ["w2"]
    assert rule["threshold"] == 26.00004
    model = served(result.pipeline, rule)
    placed = assign_features(table, model).set_index("customer_id")["segment"]
    assert placed["w2"] == 2 and (placed.drop("w2") != 2).all()


# --- the served model --------------------------------------------------------------------------

RFM = ["recency", "frequency", "monetary"]


def served(pipeline, rule: dict | None) -> SegmentModel:
    model = SegmentModel()
    model.pipeline, model.columns, model.names, model.wholesalers = pipeline, RFM, {
        0: "Champions", 1: "Hibernating", 2: "Wholesalers"}, rule
    return model


RULE = {"column": "avg_items_per_order", "threshold": 26.2, "segment": 2}


def test_the_served_model_puts_customers_above_the_training_threshold_in_the_wholesaler_segment():
    result = fitted("separate")
    table = customers()
    table.loc[table["customer_id"] == "r18", "avg_items_per_order"] = 26.2  # at the threshold: clustered
    answer = served(result.pipeline, RULE).predict(None, table[[*RFM, "avg_items_per_order"]])
    segment = pd.Series(answer["segment"].to_numpy(), index=table["customer_id"])
    assert segment[BIG].tolist() == [2, 2] and answer["segment_name"].tolist()[-2:] == ["Wholesalers"] * 2
    assert segment[RETAIL].tolist() == result.labels.tolist()  # the model's own clusters, as in training
    # without the rule (keep, drop) every row is clustered, the wholesalers too
    plain = served(result.pipeline, None).predict(None, table[RFM])
    assert set(plain["segment"]) <= {0, 1} and len(plain) == 20


def test_the_rule_column_is_required_only_when_the_model_has_a_rule():
    pipeline = fitted("separate").pipeline
    assert served(pipeline, None).required_columns == RFM
    assert served(pipeline, RULE).required_columns == [*RFM, "avg_items_per_order"]
    with pytest.raises(ValueError, match=r"^missing column\(s\) \['avg_items_per_order'\]; expected \['recency', "
                                         r"'frequency', 'monetary', 'avg_items_per_order'\] \(customers with "
                                         r"avg_items_per_order above 26\.2 form segment 2 \(Wholesalers\), as in "
                                         r"training \(features\.wholesalers=separate\)\)$"):
        served(pipeline, RULE).predict(None, customers()[RFM])
    with pytest.raises(UserError) as error:
        assign_features(customers().drop(columns="avg_items_per_order"), served(pipeline, RULE))
    assert str(error.value) == (
        "the champion needs column avg_items_per_order, not in the table: customers with avg_items_per_order above "
        "26.2 form segment 2 (Wholesalers), as in training (features.wholesalers=separate). Fix: add "
        "avg_items_per_order to the table, or select a champion that keeps or drops wholesalers.")


@pytest.mark.slow
def test_the_registered_model_keeps_the_rule_in_its_meta_and_its_signature(tmp_path, monkeypatch):
    import mlflow

    from segmentation.serving.registry import log_segment_model

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    result = fitted("separate")
    with mlflow.start_run():
        info = log_segment_model(result.pipeline, RFM, {0: "A", 1: "B", 2: "Wholesalers"},
                                 result.X.head(3).reset_index(drop=True), "wholesale-test", [], RULE)
    folder = Path(mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path / "model")))
    meta = json.loads(next(folder.rglob("segments.json")).read_text())
    assert meta["wholesalers"] == RULE and meta["columns"] == RFM
    model = mlflow.pyfunc.load_model(info.model_uri)
    assert [c["name"] for c in model.metadata.get_input_schema().to_dict()] == [*RFM, "avg_items_per_order"]
    answer = model.predict(customers()[[*RFM, "avg_items_per_order"]])
    assert answer["segment"].tolist()[-2:] == [2, 2] and answer["segment_name"].tolist()[-1] == "Wholesalers"
    with pytest.raises(Exception, match="avg_items_per_order"):
        model.predict(customers()[RFM])


# --- what people read: the leaderboard legend, the features line, the map caption ---------------

def test_the_leaderboard_legend_names_each_wholesaler_policy():
    assert line_label(("kmeans", "rfm", "kept", "")) == "kmeans · rfm · wholesalers kept"
    assert line_label(("kmeans", "rfm", "removed", "")) == "kmeans · rfm · no wholesalers"
    assert line_label(("kmeans", "rfm", "separate", "robust")) == "kmeans · rfm · wholesalers apart · robust"
    assert line_label(("gmm", "rfm", np.nan, "")) == "gmm · rfm"  # a run without the tag


def test_the_features_stage_counts_the_wholesalers_its_policy_removes_or_sets_apart():
    counts = {"wholesalers_removed": 0, "wholesalers_separated": 119}
    assert wholesaler_words("separate", counts) == "119 wholesalers set apart as their own segment"
    assert wholesaler_words("drop", {"wholesalers_removed": 119, "wholesalers_separated": 0}) == "119 wholesalers removed"
    assert wholesaler_words("keep", {"wholesalers_removed": 0, "wholesalers_separated": 0}) == "0 wholesalers removed"


def caption(policy: str, **train) -> str:
    config = {**CONFIG, "features": {**CONFIG["features"], "wholesalers": policy}}
    return map_caption(method_note(config, {**TRAIN, **train}, None))


def test_the_map_caption_says_the_wholesalers_set_apart_or_left_out_are_not_on_it():
    assert caption("separate") == (
        "Each dot is a clustered customer; customers close to each other buy in a similar way. The 119 wholesale-sized "
        "accounts of the \u201cWholesalers\u201d segment are not on the map: they were set apart, not clustered.")
    assert caption("drop", wholesalers_removed=1190, wholesalers_separated=0) == (
        "Each dot is a customer; customers close to each other buy in a similar way. The 1,190 wholesale-sized "
        "accounts left out of the segmentation are not on the map.")
    assert caption("keep") == MAP_CAPTION == "Each dot is a customer; customers close to each other buy in a similar way."
    assert caption("separate", wholesalers_separated=0) == MAP_CAPTION  # nobody above the threshold
