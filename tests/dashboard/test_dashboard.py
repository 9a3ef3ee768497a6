"""The offline dashboard: its data on hand-computed frames, its escaping, and the page in a real
browser (Debian's Chromium driven by Playwright): no console error, filters change the tiles,
the CSV download holds the filtered customers, text from the data stays text."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from segmentation.dashboard import data
from segmentation.dashboard.page import embedded_json, plain, render

# its module fixtures are built once: every test of this module runs on one xdist worker
pytestmark = pytest.mark.xdist_group("dashboard")

EVIL = "<script>alert('x')</script>"
CUSTOMERS = pd.DataFrame({
    "customer_id": ["a", "b", "c", "d", "e"],
    "segment": [0, 0, 1, 1, 1],
    "orders": [2, 1, 5, 3, 1],
    "revenue": [100.0, 50.0, 900.0, 300.0, -10.0],
    "recency": [10, 200, 5, 40, 300],
    "last_purchase": pd.to_datetime(["2011-11-30", "2011-05-24", "2011-12-05", "2011-10-31", "2011-02-12"]),
    "first_purchase": pd.to_datetime(["2010-01-05", "2010-02-01", "2011-07-01", "2010-12-31", "2011-01-01"]),
    "region": ["France", EVIL, "France", "Spain", None],
    "expected_revenue": [20.0, 1.5, 300.0, 80.0, None],
    "probability_active": [0.9, 0.2, 0.99, 0.8, None],
    "before": ["Loyal", "Loyal", "New", "Big", "Big"],
    "now": ["Loyal", "Lapsed", "Big", "Loyal", "Lapsed"],
})
LINES = pd.DataFrame({
    "customer_id": ["a", "a", "b", "c", "c", "d", "e", None],
    "invoice_date": pd.to_datetime(["2010-01-05", "2011-11-30", "2010-02-01", "2011-07-01", "2011-07-20",
                                    "2010-12-31", "2011-01-01", "2011-07-02"]),
    "revenue": [60.0, 40.0, 50.0, 400.0, 500.0, 300.0, -10.0, 999.0],
    "is_identified": [True, True, True, True, True, True, True, False],
    "country": ["France", "Spain", EVIL, "France", "France", "Spain", "Spain", "Spain"],
})


def test_first_purchase_periods_are_quarters_within_three_years_else_years():
    assert data.cohort_labels(CUSTOMERS["first_purchase"]).tolist() == ["2010-Q1", "2010-Q1", "2011-Q3", "2010-Q4",
                                                                         "2011-Q1"]
    long = pd.Series(pd.to_datetime(["2005-03-01", "2011-01-01"]))
    assert data.cohort_labels(long).tolist() == ["2005", "2011"]


def test_main_region_is_where_the_customer_spent_most():
    regions = data.main_region(LINES).set_index("customer_id")["region"].to_dict()
    assert regions == {"a": "France", "b": EVIL, "c": "France", "d": "Spain", "e": "Spain"}  # a: 60 in France > 40


def test_customer_columns_code_categories_and_keep_unknown_values_empty():
    table = data.customer_columns(CUSTOMERS, [0, 1], ["Loyal", "Big"])
    columns = table["columns"]
    assert columns["seg"] == [0, 0, 1, 1, 1] and columns["revenue"] == [100.0, 50.0, 900.0, 300.0, -10.0]
    assert table["cohorts"] == ["2010-Q1", "2010-Q4", "2011-Q1", "2011-Q3"] and columns["cohort"] == [0, 0, 3, 1, 2]
    assert table["regions"] == ["(none)", EVIL, "France", "Spain"] and columns["region"] == [2, 1, 2, 3, 0]
    assert columns["expected"] == [20.0, 1.5, 300.0, 80.0, None] and columns["active"] == [90.0, 20.0, 99.0, 80.0, None]
    assert table["moves"] == {"before": ["Loyal", "Big", "New"], "now": ["Loyal", "Big", "Lapsed"]}
    assert columns["before"] == [0, 0, 2, 1, 1] and columns["now"] == [0, 2, 1, 0, 2]


def test_the_monthly_cube_sums_identified_revenue_per_month_segment_period_and_region():
    table = data.customer_columns(CUSTOMERS, [0, 1])
    cube = data.monthly_cube(LINES, CUSTOMERS, [0, 1], table["cohorts"], table["regions"])
    rows = pd.DataFrame({k: cube[k] for k in ("month", "seg", "cohort", "region", "revenue")})
    rows["month"] = rows["month"].map(dict(enumerate(cube["months"])))
    assert cube["months"] == ["2010-01", "2010-02", "2010-12", "2011-01", "2011-07", "2011-11"]
    july = rows[rows["month"] == "2011-07"]
    assert july["revenue"].tolist() == [900.0] and july["seg"].tolist() == [1]  # the unidentified 999 is left out
    assert rows["revenue"].sum() == pytest.approx(1340.0)


def test_the_map_is_sampled_above_the_limit_with_the_seed():
    points = pd.DataFrame({"customer_id": [str(i) for i in range(50)], "x": range(50), "y": range(50)})
    row_of = {str(i): i for i in range(50)}
    small = data.map_sample(points, row_of, 100, 42)
    assert small["row"] == list(range(50)) and not small["sampled"]
    sample = data.map_sample(points, row_of, 10, 42)
    assert len(sample["row"]) == 10 and sample["sampled"] and sample["total"] == 50
    assert sample == data.map_sample(points, row_of, 10, 42)


def test_embedded_json_cannot_close_its_script_and_has_no_nan():
    text = embedded_json({"name": EVIL, "band": [float("nan"), 0.5]})
    assert "<" not in text and ">" not in text and "</script" not in text.lower()
    assert json.loads(text) == {"name": EVIL, "band": [None, 0.5]}
    assert plain({"x": float("inf")}) == {"x": None}


def payload() -> dict:
    table = data.customer_columns(CUSTOMERS, [0, 1], ["Loyal", EVIL])
    points = pd.DataFrame({"customer_id": list("abcde"), "x": [0.0, 1, 2, 3, 4], "y": [1.0, 0, 1, 0, 1]})
    stability = pd.DataFrame({"label": ["J+1", "M+1"], "days": [1, 31], "ari_keep_vs_refit": [0.99, 0.9],
                              "ari_keep_vs_refit_low": [0.98, 0.85], "ari_keep_vs_refit_high": [1.0, 0.95]})
    return {"title": "Customer segments: dashboard", "subtitle": "test shop", "region_label": "Country",
            "currency": {"prefix": "€", "unit": "EUR"},
            "segments": [{"id": 0, "name": "Loyal", "color": "#2f6690"}, {"id": 1, "name": EVIL, "color": "#f28e2b"}],
            "customers": table, "notes": [], "movement_period": "2011-01-01 → 2011-12-10",
            "monthly": data.monthly_cube(LINES, CUSTOMERS, [0, 1], table["cohorts"], table["regions"]),
            "map": data.map_sample(points, {c: i for i, c in enumerate("abcde")}, 100, 0),
            "maintenance": data.maintenance(stability, {"curve": "keep_vs_refit", "band_low": 0.8, "band_median": 0.9,
                                                        "band_high": float("nan"), "verdict": "stable",
                                                        "headline": "Stable for a year."}),
            "value": {"horizon_days": 90.0}, "settings": {"page_size": 2}}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from plotly.offline import get_plotlyjs

    browser_path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser_path is None:
        pytest.skip("no Chromium on this machine (Debian package 'chromium'); .ci/run installs it when it can")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency (pip install -e .[dev])")
    target = tmp_path_factory.mktemp("dashboard") / "dashboard.html"
    target.write_text(render(payload(), get_plotlyjs()), encoding="utf-8")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        problems, requests = [], []
        tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(target.as_uri())
        tab.wait_for_function("window.dashboard !== undefined")
        yield tab, problems, requests
        browser.close()


def tile_number(tab, tile: str, field: str) -> str:
    return tab.inner_text(f"#{tile} .{field} .value")


def test_the_page_renders_offline_with_no_console_error(page):
    tab, problems, requests = page
    assert problems == []
    assert all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests  # nothing from a network
    assert tab.inner_text("#title") == "Customer segments: dashboard"
    assert tile_number(tab, "tile-total", "customers") == "5" and tile_number(tab, "tile-total", "orders") == "12"
    assert tile_number(tab, "tile-total", "revenue") == "€1,340" and tile_number(tab, "tile-0", "aov") == "€50"
    assert tile_number(tab, "tile-1", "moves") == "1 · 1 · 1"  # d moved in from Big, c is new, e lapsed
    assert tab.locator(".js-plotly-plot").count() == 5


def test_text_from_the_data_stays_text(page):
    tab, problems, _ = page
    assert tab.inner_text("#tile-1 h3") == EVIL                        # a segment name
    assert EVIL in tab.inner_text("#region-filter")                   # a country in the filter
    assert tab.locator("script:not([id]):not([src])").count() == 3    # only the page's own scripts
    assert problems == []                                             # no alert() dialog either


def test_a_segment_filter_changes_the_tiles_and_the_table(page):
    tab, problems, _ = page
    tab.uncheck("#seg-1")
    assert tile_number(tab, "tile-total", "customers") == "2" and tile_number(tab, "tile-total", "revenue") == "€150"
    assert tab.locator("#tile-1").count() == 0
    assert "2 customers" in tab.inner_text("#page-info")
    tab.check("#seg-1")
    tab.select_option("#region-filter", label="France")
    assert tile_number(tab, "tile-total", "customers") == "2" and tile_number(tab, "tile-total", "revenue") == "€1,000"
    tab.click("#reset")
    assert tile_number(tab, "tile-total", "customers") == "5"
    assert problems == []


def test_the_csv_download_holds_the_filtered_customers(page):
    tab, problems, _ = page
    tab.select_option("#cohort-filter", label="2010-Q1")
    with tab.expect_download() as download:
        tab.click("#download")
    text = open(download.value.path(), encoding="utf-8").read()
    lines = text.splitlines()
    assert lines[0] == ("customer_id,segment,region,first_purchase_period,orders,revenue,last_purchase_date,"
                        "expected_revenue,probability_active_pct")
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["a", "b"]          # a and b joined in 2010-Q1
    row_b = next(line for line in lines[1:] if line.startswith("b,"))
    assert row_b == "b,Loyal,<script>alert('x')</script>,2010-Q1,1,50,2011-05-24,1.5,20"
    tab.click("#reset")
    assert problems == []


def test_the_table_sorts_and_pages(page):
    tab, _, _ = page
    first = lambda: tab.inner_text("#table-body tr:first-child td:first-child")  # noqa: E731
    assert first() == "c" and "Page 1 of 3" in tab.inner_text("#page-info")        # revenue, highest first
    tab.click("#table-head th:has-text('Revenue')")
    assert first() == "e"                                                          # now lowest first
    tab.fill("#search", "d")
    assert first() == "d" and re.search(r"1 customers", tab.inner_text("#page-info"))
    tab.fill("#search", "")


def test_a_customer_outside_the_movement_period_has_no_move():
    later = pd.concat([CUSTOMERS, CUSTOMERS.iloc[[0]].assign(customer_id="f", before=None, now=None)], ignore_index=True)
    table = data.customer_columns(later, [0, 1], ["Loyal", "Big"])
    assert table["moves"] == {"before": ["Loyal", "Big", "New"], "now": ["Loyal", "Big", "Lapsed"]}
    assert table["columns"]["before"][-1] == -1 and table["columns"]["now"][-1] == -1
