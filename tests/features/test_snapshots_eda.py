"""Snapshot membership through the stage entry point, and company-performance numbers."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from conftest import canonical, make_project, run_stage
from test_features import LINES, RULES

from segmentation.cleaning.rules import clean_frame
from segmentation.company.sales import company_performance, lines_view
from segmentation.features.cutoffs import default_cutoff
from segmentation.features.rfm import features_from_frame
from segmentation.features.selection import wholesaler_mask


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, snapshots={"baseline": "2011-01-01", "offsets": ["J+1", "M+1"]})
    (project / "build").mkdir()
    clean_frame(LINES, RULES)[0].to_parquet(project / "build" / "clean.parquet")
    return project


def test_snapshots_mark_customers_new_after_the_baseline(project):
    for name in ("baseline", "J+1", "M+1"):
        result = run_stage("snapshots", project, name)
        assert result.returncode == 0, result.stderr
    baseline = pd.read_parquet(project / "build" / "snapshots" / "baseline.parquet")
    assert sorted(baseline["customer_id"]) == ["A", "C", "D"] and not baseline["is_new"].any()
    month = pd.read_parquet(project / "build" / "snapshots" / "M+1.parquet").set_index("customer_id")
    assert month["is_new"].to_dict() == {"A": False, "B": True, "C": False, "D": False}
    report = json.loads((project / "metrics" / "snapshots" / "M+1.json").read_text())
    # B's only line (2011-01-01) falls in J+1's period; A's next one (2011-02-01 10:00) after M+1's
    # cutoff: nothing was sold in [J+1, M+1), so M+1 repeats J+1
    assert report == {"cutoff": "2011-02-01", "days_after_baseline": 31, "customers": 4,
                      "existing_customers": 3, "new_customers": 1, "label": "M+1", "partial": False,
                      "new_lines": 0, "no_new_data": True}
    first_day = json.loads((project / "metrics" / "snapshots" / "J+1.json").read_text())
    assert (first_day["new_lines"], first_day["no_new_data"]) == (1, False)


def test_the_stage_builds_every_configured_snapshot_in_one_process_and_drops_stale_ones(project):
    for folder, suffix in (("build/snapshots", ".parquet"), ("metrics/snapshots", ".json")):
        (project / folder).mkdir(parents=True, exist_ok=True)
        (project / folder / f"M+7{suffix}").write_text("from an earlier offsets list")
    result = run_stage("snapshots", project)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "build" / "snapshots").iterdir()) == ["J+1.parquet", "M+1.parquet",
                                                                                   "baseline.parquet"]
    assert sorted(p.name for p in (project / "metrics" / "snapshots").iterdir()) == ["J+1.json", "M+1.json",
                                                                                     "baseline.json"]
    month = pd.read_parquet(project / "build" / "snapshots" / "M+1.parquet").set_index("customer_id")
    assert month["is_new"].to_dict() == {"A": False, "B": True, "C": False, "D": False}


def test_unknown_snapshot_and_early_cutoff_fail_cleanly(project):
    result = run_stage("snapshots", project, "M+7")
    assert result.returncode == 2 and "snapshot 'M+7' is not configured" in result.stderr
    early = run_stage("features", project)  # default cutoff works
    assert early.returncode == 0, early.stderr
    import yaml

    params = yaml.safe_load((project / "params.yaml").read_text())
    params["features"]["cutoff"] = "2009-01-01"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    result = run_stage("features", project)
    assert result.returncode == 2 and "before the first line (2010-01-05)" in result.stderr
    assert "Traceback" not in result.stderr


def test_company_performance_on_a_tiny_dataset():
    lines = clean_frame(canonical([
        ("1", "X", 10, 2.0, "2010-11-03 10:00", "A", "United Kingdom"),   # 20
        ("1", "Y", 1, 5.0, "2010-11-03 10:00", "A", "United Kingdom"),    # 5
        ("C2", "X", -2, 2.0, "2010-11-10 10:00", "A", "United Kingdom"),  # -4, cancellation invoice
        ("3", "X", 100, 1.0, "2010-12-01 10:00", "B", "France"),          # 100
        ("4", "Y", 2, 5.0, "2011-01-05 10:00", "A", "United Kingdom"),    # 10, A returns
        ("5", "X", 3, 2.0, "2011-01-06 10:00", None, "United Kingdom"),   # 6, unidentified
    ]), RULES)[0]
    con = duckdb.connect()
    lines_view(con, lines)
    customers = features_from_frame(lines, default_cutoff(lines["invoice_date"].max()))
    is_wholesale, threshold = wholesaler_mask(customers, "avg_items_per_order", 0.5)  # the features' own rule
    available = dict.fromkeys(("invoice", "quantity", "country", "stock_code", "description"), True)
    perf = company_performance(con, customers.loc[is_wholesale, "customer_id"], threshold, available, "country",
                               currency="GBP")
    assert perf.summary["revenue"] == {"2010": 121.0, "2011": 16.0}
    assert perf.summary["orders"] == {"2010": 2, "2011": 2}
    assert perf.summary["customers"] == {"2010": 2, "2011": 1}
    assert perf.summary["cancellation_rate_pct"] == {"2010": pytest.approx(33.33), "2011": 0.0}
    assert perf.summary["average_basket"]["2010"] == 62.5                  # (25 + 100) / 2
    assert perf.summary["revenue_share_pct"]["identified"] == pytest.approx(100 * 131 / 137, abs=0.01)
    # the top market is computed (France: 100 of 137), the United Kingdom is one of the others
    assert perf.summary["revenue_share_pct"]["top_market"] == pytest.approx(100 * 100 / 137, abs=0.01)
    assert perf.summary["top_market"] == {"name": "France", "share_pct": pytest.approx(100 * 100 / 137, abs=0.01),
                                          "markets": 2}
    market = perf.customer_types.query("dimension == 'Market'").set_index("type")["revenue_share_pct"]
    assert market["Other countries"] == pytest.approx(100 * 37 / 137)
    # A: 11 + 2 units over 2 orders = 6.5 per order; B: 100 -> B is the wholesaler above the median
    assert perf.summary["revenue_share_pct"]["wholesale"] == pytest.approx(100 * 100 / 131, abs=0.01)
    assert perf.summary["countries"] == 2
    new = perf.new_vs_returning.set_index(["period", "type"])["revenue"]
    assert new[(pd.Timestamp("2010-11-01"), "New")] == 21.0
    assert new[(pd.Timestamp("2011-01-01"), "Returning")] == 10.0
    # A's cohort (Nov 2010) buys again 2 months later: 100 % at +2, 0 % at +1
    assert perf.cohorts.loc[pd.Timestamp("2010-11-01"), 2] == 100.0
    assert perf.cohorts.loc[pd.Timestamp("2010-11-01"), 1] == 0.0
    assert pd.isna(perf.cohorts.loc[pd.Timestamp("2010-11-01"), 3])   # after the data end: unknown
    assert perf.products.iloc[0]["product"] == "item X"
