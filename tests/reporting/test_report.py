"""Segment naming rules, the self-contained report, a real browser check, the slide deck."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from segmentation.models.naming import actions_for, name_segments, segment_cards, traits  # noqa: E402
from segmentation.reporting.report_html import data_uri, executive_summary, render_html  # noqa: E402

# its module fixtures are built once: every test of this module runs on one xdist worker
pytestmark = pytest.mark.xdist_group("report")

STABILITY = {"verdict": "refresh", "headline": "Refresh every 3 months.",
                 "recommendation": "Refresh every 3 months. at M+4 (1998-02-01) agreement is 0.41.",
                 "reasons": ["at M+4 (1998-02-01) agreement is 0.41 (interval 0.35-0.47), under the noise band 0.88-0.99"],
                 "drift": "at M+4 (1998-02-01) agreement is 0.41", "band_low": 0.88, "band_median": 0.95,
                 "band_high": 0.99, "band_samples": 30, "threshold": 0.8,
                 "threshold_headline": "Refresh every 2 months.", "sensitivity": "holds for k = 3-5",
                 "baseline_cutoff": "1997-10-01", "first_cutoff": "1997-10-02", "last_cutoff": "1998-07-01",
                 "snapshots": 11, "population": "all",
                 "warnings": [{"check": "customers_lost", "snapshot": "M+2", "count": 3,
                               "message": "M+2 lacks 3 customer(s) present in an earlier snapshot."}],
                 "cost_tradeoff": "Refreshing every 90 days means about 4 refreshes a year."}

# a population of 100 customers: recency 1..100 days, frequency 1..100, spend 10..1000
POPULATION = pd.DataFrame({"recency": np.arange(1, 101), "frequency": np.arange(1, 101),
                           "monetary": np.arange(1, 101) * 10.0, "avg_items_per_order": np.arange(1, 101) * 5.0,
                           "cancellation_pct": np.full(100, 2.0)})


def profile(cluster, recency, frequency, monetary, items=250.0, cancel=2.0, share=0.25, revenue=0.25):
    return {"cluster": cluster, "customers": 25, "share_of_customers": share, "share_of_revenue": revenue,
            "median_recency": recency, "median_frequency": frequency, "median_monetary": monetary,
            "median_avg_items_per_order": items, "mean_cancellation_pct": cancel}


def test_names_follow_the_documented_rules():
    profiles = pd.DataFrame([
        profile(0, recency=5, frequency=90, monetary=900),                   # recent, frequent, big spend
        profile(1, recency=95, frequency=5, monetary=50),                    # long gone, rare, small
        profile(2, recency=10, frequency=10, monetary=300),                  # recent but few orders
        profile(3, recency=20, frequency=60, monetary=950, items=480),       # huge baskets
        profile(4, recency=80, frequency=80, monetary=800),                  # was big, quiet now
        profile(5, recency=50, frequency=50, monetary=500, cancel=12.0),     # cancels a lot
    ])
    assert name_segments(profiles, POPULATION) == {
        0: "Champions", 1: "Lost", 2: "New customers", 3: "Wholesalers / big accounts",
        4: "Can't lose them", 5: "Frequent cancellers"}


def test_names_are_unique_and_can_be_overridden():
    profiles = pd.DataFrame([profile(0, 5, 90, 900), profile(1, 6, 85, 850), profile(2, 4, 95, 990)])
    names = name_segments(profiles, POPULATION)
    assert len(set(names.values())) == 3
    assert names[2] == "Champions"                       # the highest spender keeps the first name
    assert names[0] == "Loyal customers"                 # the next keeps its next matching rule
    assert name_segments(profiles, POPULATION, {1: "Gift-shop regulars"})[1] == "Gift-shop regulars"
    same = pd.DataFrame([profile(0, 95, 5, 50), profile(1, 96, 4, 40)])
    assert sorted(name_segments(same, POPULATION).values()) == ["Hibernating", "Lost"]


def test_traits_and_actions_speak_plainly():
    row = pd.Series(profile(0, recency=40, frequency=3, monetary=950, items=120, cancel=7.5))
    assert traits(row, "GBP") == ("About 3 orders, the last one 40 days ago, £950 spent in all; 120 items per order; "
                           "8% of order lines cancelled (typical customer).")
    assert 2 <= len(actions_for("Champions")) <= 3 and actions_for("At risk, lower spend") == actions_for("At risk")
    jargon = re.compile(r"cluster|silhouette|centroid|ARI|k-means|standardi", re.I)
    for name in ["Champions", "Lost", "Frequent cancellers", "Need attention"]:
        assert not any(jargon.search(action) for action in actions_for(name))


def tiny_png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return data_uri(buffer.getvalue())


@pytest.fixture(scope="module")
def report_html() -> str:
    cards = segment_cards(pd.DataFrame([profile(0, 5, 90, 900, revenue=0.7), profile(1, 95, 5, 50, revenue=0.3)]),
                          {0: "Champions", 1: "Lost"}, "GBP")
    eda = {"revenue": {"2010": 8.5e6, "2011": 8.0e6}, "orders": {"2010": 20000, "2011": 19000},
           "customers": {"2010": 4200, "2011": 4100},
           "revenue_share_pct": {"top_market": 91.0, "identified": 88.0, "wholesale": 20.0},
           "top_market": {"name": "Ruritania", "share_pct": 91.0, "markets": 38}, "market_label": "country",
           "peak_month": {"month": "November", "share_pct": 13.0, "basis": "2 full years"}}
    stability = STABILITY
    image = tiny_png()
    keys = ["a", "b", "radar", "map", "snake", "heatmap", "stability_curve"]
    context = {"title": "Customer segmentation", "subtitle": "test", "cards": cards,
               "summary": executive_summary(eda, cards, stability), "images": {k: image for k in keys},
               "stability": stability, "eda_figures": [("a", "Sales per month"), ("b", "Customers")],
               "method": ["Method note."]}
    return render_html(context)


def test_report_has_every_section_and_five_summary_points(report_html):
    for section in ["Executive summary", "Company performance", "Customer segments", "Map of customers",
                    "How segments differ", "Maintenance plan", "Method", "Glossary"]:
        assert f">{section}</h2>" in report_html
    summary = report_html.split('class="summary">')[1].split("</ul>")[0]
    assert summary.count("<li>") == 5
    assert "Refresh every 3 months" in report_html and "@media print" in report_html


def test_the_maintenance_section_speaks_of_the_data_s_own_dates_band_sensitivity_and_checks(report_html):
    section = re.sub(r'src="[^"]*"', "", report_html.split('id="maintenance-plan"')[1].split('id="method"')[0])
    assert "data up to 30 September 1997" in section and "from 2 October 1997 to 1 July 1998" in section
    assert "0.88 to 0.99" in section and "holds for k = 3-5" in section and "Business rule" in section
    assert "M+2 lacks 3 customer(s)" in section and "Refresh plan" in section
    assert "2011" not in section and "December 2010" not in section


def test_a_verdict_without_an_interval_is_said_as_such():
    from segmentation.reporting import maintenance_text

    unstable = {**STABILITY, "verdict": "unstable_baseline", "reasons": ["agrees only 0.41 with itself"],
                "headline": "The segmentation itself is unstable at the baseline (self-agreement 0.41).",
                "cost_tradeoff": None, "refresh_interval_days": 0}
    assert maintenance_text.VERDICT_TITLES["unstable_baseline"].startswith("No plan yet")
    assert not any("Refreshing every" in line for line in maintenance_text.details(unstable))
    assert "Until then" in maintenance_text.executive_sentence(unstable)


def test_every_image_is_embedded_with_no_external_reference(report_html):
    sources = re.findall(r'src="([^"]*)"', report_html)
    assert len(sources) == 7 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r'(href|src)="(https?:)?//', report_html) and "<link" not in report_html


def test_a_headless_browser_finds_no_broken_image(report_html, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian package 'chromium'); .ci/run installs it when it can")
    probe = ("<script>window.addEventListener('load', () => { const imgs = [...document.images];"
             "document.title = 'images:' + imgs.length + ' broken:' +"
             " imgs.filter(i => !i.complete || i.naturalWidth === 0).length; });</script>")
    page = tmp_path / "report.html"
    page.write_text(report_html.replace("</body>", probe + "</body>"), encoding="utf-8")
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                             "--disable-background-networking", "--disable-component-update", "--disable-sync",
                             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
                             page.as_uri()], capture_output=True, text=True, timeout=120)
    title = re.search(r"<title>(.*?)</title>", result.stdout)
    assert title and title.group(1) == "images:7 broken:0", result.stderr[-2000:]


def test_slide_deck_has_one_idea_per_slide(tmp_path):
    from pptx import Presentation

    from segmentation.reporting.slides import build_deck

    cards = segment_cards(pd.DataFrame([profile(0, 5, 90, 900, revenue=0.7), profile(1, 95, 5, 50, revenue=0.3)]),
                          {0: "Champions", 1: "Lost"}, "GBP")
    fig, ax = plt.subplots(figsize=(4, 3))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    pngs = {k: buffer.getvalue() for k in ["a", "radar", "map", "snake", "heatmap", "stability_curve"]}
    context = {"title": "Customer segmentation", "subtitle": "test", "cards": cards, "summary": ["one", "two"],
               "stability": STABILITY,
               "eda_figures": [("a", "Sales per month")], "method": ["Method note."]}
    count = build_deck(context, pngs, tmp_path / "deck.pptx")
    build_deck(context, pngs, tmp_path / "again.pptx")
    assert (tmp_path / "deck.pptx").read_bytes() == (tmp_path / "again.pptx").read_bytes()  # same content, same file
    titles = [s.shapes[0].text_frame.text for s in Presentation(str(tmp_path / "deck.pptx")).slides]
    assert count == len(titles) == 14  # title, summary, 1 figure, segments, profiles, 2 segments, map, snake,
    #                                      heatmap, 2 maintenance, method, glossary
    assert titles[:3] == ["Customer segmentation", "Executive summary", "Sales per month"]
    assert {"Champions", "Lost", "Method", "Glossary"} <= set(titles)
    assert "Maintenance plan: refresh plan" in titles and "Maintenance plan: why" in titles


def test_the_replayed_policy_leads_the_plan_and_the_study_is_said_as_the_other_question():
    """Two answers in one report must not read as a contradiction: the replay's policy (cheapest
    under the ceiling) leads; the study's verdict follows, named for what it measures. Without a
    policy (an unclear replay) the study's verdict stands alone."""
    from segmentation.reporting import maintenance_text

    replayed = {"policy": {"policy": "every 6 months"}, "sentence": "Refresh every 6 months: 2 refreshes in 12 "
                "months, never more than 8.9% of customers in a wrong segment (ceiling 10%)."}
    assert maintenance_text.executive_sentence(STABILITY, replayed) == (
        "Refresh every 6 months: 2 refreshes in 12 months, never more than 8.9% of customers in a wrong segment "
        "(ceiling 10%). The study of when change first exceeds the noise says: refresh every 3 months. In between, "
        "place new and existing customers in the current segments at every data update.")
    unclear = {"policy": None, "sentence": "The replay cannot say when to refresh at this configuration: ..."}
    assert maintenance_text.executive_sentence(STABILITY, unclear) == maintenance_text.executive_sentence(STABILITY)
    assert maintenance_text.executive_sentence(STABILITY).startswith("Refresh every 3 months. In between")
    assert maintenance_text.plan_lines(STABILITY, replayed) == [
        "Recommended: Refresh every 6 months: 2 refreshes in 12 months, never more than 8.9% of customers in a wrong "
        "segment (ceiling 10%).", "The study of when change first exceeds the noise: refresh every 3 months."]
    assert maintenance_text.plan_lines(STABILITY, unclear) == ["Refresh every 3 months."]

