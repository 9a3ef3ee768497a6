"""DVC's views of the pipeline: metrics files hold numbers only, and every declared plot renders
(the monthly series on a date axis, the stability curve on days, the images)."""

from __future__ import annotations

import json
import math
import subprocess

import pandas as pd
import pytest
import yaml
from conftest import ROOT, sh

from segmentation.common.dvc_metrics import numbers_only, write_metrics

PLOTS = yaml.safe_load((ROOT / "dvc.yaml").read_text())["plots"]


def plot_definition(key_part: str) -> dict:
    """The properties of the dvc.yaml plot whose file (e.g. `${paths.eda_monthly}`) contains `key_part`."""
    (props,) = [next(iter(p.values())) for p in PLOTS if isinstance(p, dict) and key_part in next(iter(p))]
    return props


def test_numbers_only_keeps_numbers_and_booleans_and_drops_texts_lists_and_nulls():
    report = {"lines_in": 7, "revenue": 12.5, "applied": False,
              "removed": {"duplicates": {"lines": 2, "revenue": 0.0}, "why": {"reason": "auto: ..."}},
              "verdict": "refresh", "reasons": ["at M+9 ..."], "top_market": None, "band": float("nan"),
              "peak_month": {"month": "November", "share_pct": 11.86}, "skipped": {}, "ratio": math.inf}
    assert numbers_only(report) == {"lines_in": 7, "revenue": 12.5, "applied": False,
                                    "removed": {"duplicates": {"lines": 2, "revenue": 0.0}},
                                    "peak_month": {"share_pct": 11.86}}


def test_write_metrics_writes_the_numbers_as_json(tmp_path):
    write_metrics(tmp_path / "m.json", {"customers": {"2010": 4258}, "currency": "GBP"})
    assert json.loads((tmp_path / "m.json").read_text()) == {"customers": {"2010": 4258}}


def render(props: dict, rows: list[dict]) -> dict:
    """The vega-lite spec `dvc plots show` fills for one plot of dvc.yaml, from its template in .dvc/plots."""
    from dvc_render import VegaRenderer

    datapoints = [{**row, "rev": "workspace"} for row in rows]
    return VegaRenderer(datapoints, "plot", template_dir=str(ROOT / ".dvc" / "plots"), **props).get_filled_template()


def test_the_monthly_sales_plot_draws_months_as_dates_without_a_currency():
    props = plot_definition("eda_monthly")
    spec = render(props, [{"month": "2010-11-01", "revenue": "1000.5"}, {"month": "2010-12-01", "revenue": "800"}])
    x = spec["encoding"]["x"]
    assert (x["field"], x["type"], x["timeUnit"]) == ("month", "temporal", "utcyearmonth")
    assert spec["encoding"]["y"]["field"] == "revenue" and len(spec["data"]["values"]) == 2
    # titles are static text: amounts are in data.currency, so no symbol may be written here
    texts = [props["title"], props["x_label"], props["y_label"]]
    assert not any(symbol in text for text in texts for symbol in "£$€¥"), texts


def test_the_stability_plot_draws_agreement_against_days():
    spec = render(plot_definition("stability.csv"), [{"days": "15", "ari_keep_vs_refit": "0.98"},
                                                     {"days": "31", "ari_keep_vs_refit": "0.96"}])
    assert (spec["encoding"]["x"]["field"], spec["encoding"]["x"]["type"]) == ("days", "quantitative")


@pytest.fixture
def built(built_pipeline):
    return built_pipeline.project


@pytest.mark.slow
@pytest.mark.xdist_group("pipeline")
def test_every_dvc_metrics_file_holds_numbers_only(built):
    shown = json.loads(sh(built, "dvc", "metrics", "show", "--json").strip().splitlines()[-1])[""]["data"]
    assert {"metrics/cleaning.json", "metrics/eda.json", "metrics/stability.json", "reports/train/train.json"} <= set(shown)
    for path, content in shown.items():
        assert "error" not in content, (path, content)
        assert content["data"] and numbers_only(content["data"]) == content["data"], path
    table = sh(built, "dvc", "metrics", "show")
    assert "Refresh every" not in table and "GBP" not in table


@pytest.mark.slow
@pytest.mark.xdist_group("pipeline")
def test_the_full_reports_stay_where_the_code_reads_them(built):
    summary = json.loads((built / "reports" / "eda" / "summary.json").read_text())
    assert summary["currency"] == "GBP" and "1_sales_per_month" in summary["figures"]
    assert json.loads((built / "metrics" / "eda.json").read_text())["revenue"] == summary["revenue"]
    stability = json.loads((built / "reports" / "stability" / "stability.json").read_text())
    assert stability["headline"] and stability["verdict"]
    numbers = json.loads((built / "metrics" / "stability.json").read_text())
    assert numbers["refresh_interval_months"] == stability["refresh_interval_months"] and "verdict" not in numbers
    assert numbers["current_same_segment_as_train"] == 1.0  # the refit at the end of the data is the train stage's
    cleaning = json.loads((built / "reports" / "cleaning.json").read_text())
    assert cleaning["duplicates_rule"]["reason"].startswith("auto:")
    assert json.loads((built / "metrics" / "cleaning.json").read_text())["duplicates_rule"] == {"applied": True}


@pytest.mark.slow
@pytest.mark.xdist_group("pipeline")
def test_every_declared_plot_renders_and_its_page_is_not_committed(pipeline_copy):
    built = pipeline_copy  # `dvc plots show` writes its page into the project
    shown = json.loads(sh(built, "dvc", "plots", "show", "--json"))
    assert "errors" not in shown
    plots = shown["data"]
    assert set(plots) == {"reports/eda/monthly.csv", "reports/stability/stability.csv", "reports/train/radar.png",
                          "reports/train/projection.png", "reports/stability/curve.png"}
    monthly = plots["reports/eda/monthly.csv"][0]["content"]
    months = pd.to_datetime([row["month"] for row in monthly["data"]["values"]], format="%Y-%m-%d")
    assert (months.day == 1).all() and len(months) == 25  # Dec 2009 .. Dec 2011
    assert monthly["encoding"]["x"]["type"] == "temporal"
    stability = plots["reports/stability/stability.csv"][0]["content"]
    assert len(stability["data"]["values"]) == 14 and stability["encoding"]["x"]["field"] == "days"
    for image in ("reports/train/radar.png", "reports/train/projection.png", "reports/stability/curve.png"):
        assert plots[image][0]["url"], image
    sh(built, "dvc", "plots", "show")
    assert (built / "dvc_plots" / "index.html").is_file()
    status = subprocess.run(["git", "status", "--porcelain", "--", "dvc_plots"], cwd=built, capture_output=True,
                            text=True, check=True).stdout
    assert status == ""
