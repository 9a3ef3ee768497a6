"""Every stage on data the reference shop never saw: a three-column dollar CSV made the default
with `use_data` (and kept by a later `dvc exp run -S model=...`), then the Olist export's
folder with its own feature set."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_project, sh
from layouts.minimal import write_minimal_csv
from layouts.olist import write_olist

sys.path.insert(0, str(ROOT / "scripts"))
import docs_shown

#: the three-column walk-through as the documentation shows it: this module runs exactly its commands
WALKTHROUGH = ("docs/your-own-data.md", "From a three-column CSV to a report")
COPY, USE_DATA, REPRO, EXP_RUN = docs_shown.walkthrough(*WALKTHROUGH)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("any_shop")]  # its shop is built once, on one worker

REFERENCE_WORDS = ["United Kingdom", "£", "pound", "Christmas", "autumn", "2009", "2010", "2011", "GBP"]


def report_text(project: Path) -> str:
    page = (project / "reports" / "report.html").read_text()
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    return re.sub(r"\b[0-9a-f]{7,40}\b", "<id>", page)  # run ids and commits may contain any digits


def commit(project: Path, message: str) -> None:
    sh(project, "git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    sh(project, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message, "--allow-empty")


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("shop"), 0.03)
    write_minimal_csv(project / COPY[-1], scale=0.1)   # the page's `cp` of the user's export
    assert "data.path=data/shop.csv" in USE_DATA and "data.columns.amount=amount" in USE_DATA
    out = sh(project, *USE_DATA)
    assert "the default data is now 'my_shop'" in out
    commit(project, "my data")
    sh(project, *REPRO)
    return project


def test_a_three_column_dollar_csv_runs_every_stage_and_the_report_speaks_of_it(shop):
    ingest = json.loads((shop / "metrics" / "ingest.json").read_text())
    assert ingest["source"] == "my_shop (data/shop.csv)" and not any(ingest["columns"].values())
    cleaning = json.loads((shop / "reports" / "cleaning.json").read_text())
    assert cleaning["duplicates_rule"]["applied"] is False and cleaning["removed"]["duplicates"]["lines"] == 0
    eda = json.loads((shop / "reports" / "eda" / "summary.json").read_text())
    assert eda["currency"] == "USD" and eda["top_market"] is None
    assert set(eda["skipped"]) == {"3_sales_by_country", "8_top_products"}
    assert (shop / "reports" / "slides.pptx").is_file() and (shop / "reports" / "assignments_latest.csv").is_file()
    text = report_text(shop)
    assert "Data available" in text and "No country column" in text and "$" in text
    for word in REFERENCE_WORDS:
        assert word.lower() not in text.lower(), word
    assert "Wholesale" not in (shop / "reports" / "segments.csv").read_text()


def test_a_three_column_csv_gets_its_forecast_checked_its_movement_and_its_campaign_export(shop):
    import pandas as pd

    value = json.loads((shop / "reports" / "value" / "value.json").read_text())
    assert value["status"] in ("ok", "unreliable") and value["holdout"]["horizon_days"] == 90
    assert value["holdout"]["actual_total"] > 0 and -1 < value["holdout"]["relative_error"] < 5
    moved = value["movement"]
    moves = pd.read_csv(shop / "reports" / "value" / "movement.csv")
    assert len(moves) == moved["stayed"] + moved["moved"] + moved["new"] + moved["lapsed"]
    campaign = pd.read_csv(shop / "reports" / "campaign.csv")
    assert len(campaign) == value["campaign_customers"] and campaign["expected_revenue_next_quarter"].notna().all()
    sheets = pd.read_excel(shop / "reports" / "campaign.xlsx", sheet_name=None)
    assert list(sheets)[0] == "Summary" and sum(len(f) for name, f in sheets.items() if name != "Summary") == len(campaign)
    text = report_text(shop)
    assert "Value and movement" in text and "on course for $" in text and "Who moved between segments" in text


def test_the_dashboard_of_a_three_column_csv_hides_the_region_filter_with_a_note(shop):
    import re

    page = (shop / "reports" / "dashboard.html").read_text(encoding="utf-8")
    payload = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page,
                                   re.S).group(1))
    assert payload["customers"]["regions"] is None and "region" not in payload["customers"]["columns"]
    assert payload["notes"][0] == "No country column in the data: that filter is hidden."
    assert payload["currency"]["prefix"] == "$" and payload["customers"]["moves"] is not None
    assert len(payload["customers"]["columns"]["id"]) == json.loads(
        (shop / "reports" / "train" / "train.json").read_text())["customers"]
    assert not re.search(r"<(script|link|img)[^>]*\b(src|href)=", page)  # nothing loaded: all inline


def test_a_later_exp_run_without_data_settings_keeps_the_chosen_data(shop):
    commit(shop, "repro")
    assert EXP_RUN == ["dvc", "exp", "run", "-S", "model=gmm"]
    out = sh(shop, *EXP_RUN)
    assert "data changed" not in out
    params = yaml.safe_load((shop / "params.yaml").read_text())
    assert params["data"]["name"] == "my_shop" and params["model"]["name"] == "gmm"
    assert json.loads((shop / "metrics" / "ingest.json").read_text())["source"] == "my_shop (data/shop.csv)"


def test_the_olist_export_runs_every_stage_with_its_own_features(shop):
    commit(shop, "gmm")
    write_olist(shop / "data" / "olist", customers=700)
    out = sh(shop, "dvc", "exp", "run", "-S", "data=olist", "-S", "data.path=data/olist", "-S", "features=rfm_olist")
    assert "ingest: data changed since the last run: my_shop (data/shop.csv) -> olist (data/olist)" in out
    assert yaml.safe_load((shop / "params.yaml").read_text())["features"]["name"] == "rfm_olist"
    assert json.loads((shop / "reports" / "train" / "train.json").read_text())["customers"] == 700
    columns = yaml.safe_load((shop / "params.yaml").read_text())["features"]["columns"]
    assert {"mean_review_score", "mean_installments", "late_delivery_pct"} <= set(columns)
    eda = json.loads((shop / "reports" / "eda" / "summary.json").read_text())
    assert eda["currency"] == "BRL" and eda["top_market"]["name"] == "SP" and eda["market_label"] == "state"
    text = report_text(shop)
    assert "R$" in text and "SP brings" in text and "top state of 8" in text
    for word in REFERENCE_WORDS:
        assert word.lower() not in text.lower(), word
