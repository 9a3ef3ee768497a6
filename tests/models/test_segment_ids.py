"""One segment numbering: every customer-level output calls a segment by the id that
reports/segments.csv names (the report's naming of the train stage's clusters), whichever fit
produced it: the train stage, the maintenance study's refit at the latest snapshot, the
pipeline's default model or a registered champion."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from conftest import sh

from segmentation.models.segment_ids import in_numbering_of, matching_ids


def test_matching_ids_renames_each_segment_to_the_reference_segment_it_overlaps_most():
    ids = [f"c{i}" for i in range(8)]
    reference = pd.Series([0, 0, 0, 1, 1, 2, 2, 2], index=ids)
    labels = pd.Series([5, 5, 5, 7, 7, 9, 9, 7], index=ids)  # 5 ~ 0, 7 ~ 1 (2 of 3), 9 ~ 2
    assert matching_ids(labels, reference) == {5: 0, 7: 1, 9: 2}


def test_matching_ids_gives_unmatched_segments_new_ids_and_keeps_noise():
    ids = [f"c{i}" for i in range(6)]
    reference = pd.Series([0, 0, 1, 1, 1, 1], index=ids)
    labels = pd.Series([3, 3, 4, 4, 8, -1], index=ids)  # three segments for two: 8 has no partner left
    assert matching_ids(labels, reference) == {3: 0, 4: 1, 8: 2, -1: -1}


def test_in_numbering_of_renumbers_and_measures_agreement():
    result = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": [1, 1, 0, 0], "segment_name": list("xxyy")})
    train = pd.DataFrame({"customer_id": ["a", "b", "c", "e"], "cluster": [0, 0, 0, 1]})
    renumbered, same = in_numbering_of(result, train)
    assert renumbered["segment"].tolist() == [0, 0, 2, 2]     # 1 -> 0; 0 overlaps only 0, taken: a new id
    assert renumbered["segment_name"].tolist() == list("xxyy") and same == pytest.approx(2 / 3)


def segments_of(project) -> dict[str, pd.DataFrame]:
    """customer_id, segment (and segment_name where the file has one) of every customer-level output."""
    read_csv = {"dtype": {"customer_id": str}}
    files = {"train": pd.read_parquet(project / "reports/train/assignments.parquet").rename(columns={"cluster": "segment"}),
             "current": pd.read_parquet(project / "reports/stability/current_assignments.parquet"),
             "latest": pd.read_csv(project / "reports/assignments_latest.csv", **read_csv)}
    if (project / "reports/assigned.csv").is_file():
        files["assign"] = pd.read_csv(project / "reports/assigned.csv", **read_csv)
    return {name: f[[c for c in ("customer_id", "segment", "segment_name") if c in f]] for name, f in files.items()}


def check_one_numbering(project) -> None:
    """Every customer in two files has the same segment id in both, and every name agrees with
    reports/segments.csv's name for that id."""
    named = pd.read_csv(project / "reports/segments.csv").set_index("cluster")["name"]
    files = segments_of(project)
    for name, frame in files.items():
        assert frame["segment"].isin(named.index).all(), name
        if "segment_name" in frame:
            assert (frame["segment_name"] == frame["segment"].map(named)).all(), name
    for (a, left), (b, right) in itertools.combinations(files.items(), 2):
        both = left.merge(right, on="customer_id", suffixes=("_a", "_b"))
        assert len(both) > 0.9 * min(len(left), len(right)), (a, b)
        assert (both["segment_a"] == both["segment_b"]).all(), (a, b, (both["segment_a"] != both["segment_b"]).sum())


@pytest.mark.slow
@pytest.mark.xdist_group("pipeline")
def test_the_pipeline_outputs_share_one_numbering(built_pipeline):
    assert "numbered as the train stage's segments" in built_pipeline.output
    check_one_numbering(built_pipeline.project)


@pytest.mark.slow
@pytest.mark.xdist_group("pipeline")
def test_a_champion_of_the_default_configuration_assigns_with_the_same_ids_and_names(pipeline_copy):
    pipeline = pipeline_copy
    scale = "data.scale=0.03"
    sh(pipeline, "python", "-m", "segmentation.train", "-m", scale, "model.n_clusters=4")
    sh(pipeline, "python", "-m", "segmentation.select", scale, "select.min_bootstrap_ari=null",
       "select.min_smallest_cluster_share=null")
    # the report stage assigns the latest customers with the champion (run alone: `dvc repro report`
    # would first rerun the monitor for the new deployment, which this test is not about)
    assert "customer-segmentation@champion" in sh(pipeline, "python", "-m", "segmentation.stage", "report")
    sh(pipeline, "python", "-m", "segmentation.assign", scale, "assign.output=reports/assigned.csv")
    check_one_numbering(pipeline)
