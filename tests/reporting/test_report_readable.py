"""A report that cannot be misread: heatmap colours say good or bad for the business, the radar
says which way its recency axis runs, partial years are labelled, every figure the pipeline
draws is in the report, the header says where the report comes from, slide text is short
enough to fit."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Inches

from segmentation.common.git import NO_GIT, git_commit
from segmentation.company.periods import data_span, partial_months_note, year_labels
from segmentation.company.sales_figures import FIGURES, month_step
from segmentation.models.naming import segment_cards
from segmentation.models.run_figures import percentile_profile, radar_label
from segmentation.reporting.availability import REPORT_FIGURES, report_figures
from segmentation.reporting.provenance import header
from segmentation.reporting.report_html import data_uri, executive_summary, method_note, render_html
from segmentation.reporting.segment_figures import (
    NEUTRAL_COLOUR,
    business_score,
    cell_colours,
    relative_difference,
    score_colour,
)
from segmentation.reporting.slides import MIN_SIZE, WIDTH, build_deck, pages, text_height

CONFIG = {"data": {"name": "my_shop"}, "seed": 7,
          "features": {"name": "rfm_extras", "transform": "log1p", "scaler": "standard", "wholesalers": "drop",
                       "wholesaler_column": "avg_items_per_order",
                       "columns": ["recency", "frequency", "monetary", "total_quantity", "cancellation_pct",
                                   "avg_items_per_order"]},
          "model": {"name": "kmeans", "short_names": {"n_clusters": "k"}, "n_clusters": 4}}
CLEANING = {"lines_in": 1_063_463, "lines_out": 1_018_381,
            "removed": {"duplicates": {"lines": 33_519}, "non_product": {"lines": 6_175}},
            "duplicates_rule": {"applied": False, "reason": "auto: the source has no invoice number and no time of "
                                                            "day, so identical lines may be genuine repeat purchases"}}
TRAIN = {"customers": 5821, "wholesalers_removed": 119, "wholesaler_threshold": 412.37, "silhouette": 0.26,
         "bootstrap_ari_mean": 0.89, "bootstrap_resamples": 20}
STABILITY = {"verdict": "refresh", "headline": "Refresh every 8 months.", "reasons": ["at M+9 agreement is 0.73"],
             "band_low": 0.78, "band_median": 0.93, "band_high": 1.0, "band_samples": 30, "threshold": 0.8,
             "baseline_cutoff": "2011-01-01", "first_cutoff": "2011-01-02", "last_cutoff": "2011-12-10",
             "snapshots": 14, "population": "all", "warnings": []}
EDA = {"revenue": {"2009": 0.93e6, "2010": 8.58e6, "2011": 8.06e6}, "orders": {"2009": 2349, "2010": 23583,
                                                                              "2011": 21685},
       "customers": {"2009": 1076, "2010": 4258, "2011": 4151},
       "average_basket": {"2009": 397.83, "2010": 368.77, "2011": 378.56},
       "cancellation_rate_pct": {"2009": 9.27, "2010": 11.67, "2011": 14.67},
       "figures": list(FIGURES), "skipped": {}, "market_label": "country", "top_market": None, "peak_month": None}


def cards() -> pd.DataFrame:
    profile = {"customers": 25, "share_of_customers": 0.5, "share_of_revenue": 0.5, "median_recency": 10,
               "median_frequency": 5, "median_monetary": 900, "median_avg_items_per_order": 20,
               "mean_cancellation_pct": 2.0}
    return segment_cards(pd.DataFrame([{**profile, "cluster": 0}, {**profile, "cluster": 1, "median_recency": 300}]),
                         {0: "Champions", 1: "Lost"}, "GBP")


# --- the heatmap's colours ----------------------------------------------------------------

def is_red(rgba) -> bool:
    return rgba[0] > rgba[1] + 0.2


def is_green(rgba) -> bool:
    return rgba[1] > rgba[0] + 0.2


def test_the_heatmap_colours_say_good_or_bad_for_the_business():
    # a Champions-like row (bought recently, spends three times the average) and a row that
    # cancels four times as much and bought longer ago
    relative = pd.DataFrame({"recency": [-78.0, 78.0], "monetary": [205.0, -40.0], "cancellation_pct": [-5.0, 298.0],
                             "mean_installments": [50.0, -50.0]}, index=[0, 1])
    scores = business_score(relative)
    assert scores.to_dict("list") == {"recency": [78.0, -78.0], "monetary": [205.0, -40.0],
                                      "cancellation_pct": [5.0, -298.0], "mean_installments": [0.0, 0.0]}
    colours = cell_colours(relative)
    assert is_green(colours[0, 0]) and is_red(colours[1, 0])      # recency -78 % good, +78 % bad
    assert is_green(colours[0, 1]) and is_red(colours[1, 1])      # spend +205 % good, -40 % bad
    assert is_red(colours[1, 2])                                  # cancellations +298 %: bad, not "more = blue"
    assert tuple(colours[0, 3]) == tuple(colours[1, 3]) == pytest.approx(
        tuple(int(NEUTRAL_COLOUR[i:i + 2], 16) / 255 for i in (1, 3, 5)) + (1.0,))  # instalments: neither
    assert score_colour(300.0) == score_colour(100.0)              # darkest from twice the average on
    assert is_red(score_colour(-298.0)) and is_green(score_colour(205.0))


def test_the_heatmap_prints_the_raw_difference_from_the_average():
    features = pd.DataFrame({"recency": [10.0, 30.0, 20.0, 20.0], "monetary": [300.0, 100.0, 100.0, 300.0]})
    relative = relative_difference(features, np.array([0, 1, 0, 1]))   # means: recency 20, spend 200
    assert relative.loc[0, "recency"] == pytest.approx(-25.0) and relative.loc[1, "recency"] == pytest.approx(25.0)
    assert relative.loc[0, "monetary"] == pytest.approx(0.0)


def test_the_radar_says_which_way_its_recency_axis_runs():
    features = pd.DataFrame({"recency": [1.0, 2.0, 300.0, 400.0], "frequency": [9.0, 8.0, 1.0, 2.0]})
    profile = percentile_profile(features, np.array([0, 0, 1, 1]), ("recency",))
    assert profile.loc[0, "recency"] > profile.loc[1, "recency"]    # the recent buyers are further out
    assert profile.loc[0, "frequency"] > profile.loc[1, "frequency"]
    assert radar_label("recency", "GBP") == "Days since last purchase\n(outer = more recent)"
    assert radar_label("frequency", "GBP") == "Number of orders"


def test_month_labels_are_spaced_to_the_axes_width():
    assert month_step(25, 10.6) == 3      # a full-width monthly chart: a label every quarter
    assert month_step(25, 4.2) == 12      # a third of the width: once a year
    assert 25 / month_step(25, 4.2) * 0.95 < 4.2


# --- partial periods ----------------------------------------------------------------------

def test_partial_years_are_labelled_from_the_data_s_own_dates():
    assert year_labels(["2009", "2010", "2011"], "2009-12-01", "2011-12-09") == {
        "2009": "2009 (from 1 Dec)", "2010": "2010", "2011": "2011 (to 9 Dec)"}
    assert year_labels(["2023"], "2023-01-01", "2023-12-31") == {"2023": "2023"}
    assert year_labels(["2024"], "2024-03-05", "2024-06-30") == {"2024": "2024 (5 Mar to 30 Jun)"}
    assert year_labels(["2024"], "2024-01", "2024-06") == {"2024": "2024 (to Jun)"}   # months only
    assert partial_months_note("2009-12-01", "2011-12-09") == "December 2011 holds 1-9 December only."


def test_the_data_s_last_day_comes_from_the_summary_else_the_default_cutoff_else_the_months():
    months = ["2009-12-01", "2011-12-01"]
    assert data_span({"first_date": "2009-12-01", "last_date": "2011-12-09"}) == ("2009-12-01", "2011-12-09")
    assert data_span({}, {"cutoff": "2011-12-10", "cutoff_config": None}, months) == ("2009-12", "2011-12-09")
    assert data_span({}, {"cutoff": "2011-06-01", "cutoff_config": "2011-06-01"}, months) == ("2009-12", "2011-12")
    assert data_span({}, {"cutoff": "precomputed", "cutoff_config": None}, ()) == (None, None)


def test_the_executive_summary_says_when_the_last_year_stops():
    summary = executive_summary({**EDA, "first_date": "2009-12-01", "last_date": "2011-12-09"}, cards(), None, "GBP")
    assert summary[0].startswith("Net sales were £8.6M in 2010 and £8.1M in 2011 (to 9 Dec).")
    assert summary[1].startswith("4,151 customers bought in 2011 (to 9 Dec)")
    whole = {**EDA, "first_date": "2009-12-01", "last_date": "2011-12-31"}
    assert "£8.1M in 2011." in executive_summary(whole, cards(), None, "GBP")[0]


# --- every figure, and where the report comes from ----------------------------------------

def test_every_figure_the_eda_draws_is_in_the_report():
    assert {name for name, _ in REPORT_FIGURES} == set(FIGURES)
    assert [name for name, _ in report_figures(EDA)] == [name for name, _ in REPORT_FIGURES]


HEADER = header({"name": "my_shop", "path": "data/shop.csv"}, ("2009-12-01", "2011-12-09"), CLEANING, 5940,
                "2011-12-10", "6a746286ceec4d62954740ae4d323ca1", "1b3f3e8")


def test_the_header_lists_dates_source_rows_run_and_commit():
    assert dict(HEADER) == {
        "Report date": "9 December 2011, the last day in the data",
        "Data period": "1 December 2009 to 9 December 2011",
        "Data source": "my_shop: data/shop.csv (transactions)",
        "Rows": "1,063,463 lines read, 1,018,381 kept after cleaning; 5,940 customers segmented as of "
                "10 December 2011",
        "MLflow run": "6a746286ceec4d62954740ae4d323ca1 (train stage)",
        "Code": "commit 1b3f3e8"}
    missing = dict(header({"name": "x", "path": "y"}, (None, None), None, None, None, None, NO_GIT))
    assert missing["MLflow run"].startswith("not recorded") and missing["Code"] == NO_GIT


def render(**changes) -> str:
    uri = data_uri(b"")
    figures = report_figures(EDA)
    context = {"title": "Customer segmentation", "subtitle": "test", "cards": cards(), "header": HEADER,
               "summary": executive_summary(EDA, cards(), None, "GBP"), "stability": None, "eda_figures": figures,
               "images": {k: uri for k in [*dict(figures), "radar", "map", "snake", "heatmap"]},
               "figure_notes": {"6_cancellation_rate": "Cancellations rose."},
               "method": method_note(CONFIG, TRAIN, CLEANING, STABILITY), **changes}
    return render_html(context)


def test_the_rendered_report_shows_the_header_and_every_figure():
    page = render()
    block = page.split('id="provenance">')[1].split("</dl>")[0]
    for text in ("Data source", "data/shop.csv", "commit 1b3f3e8", "6a746286ceec4d62954740ae4d323ca1",
                 "1,018,381 kept", "9 December 2011"):
        assert text in block, text
    for _, caption in REPORT_FIGURES:
        assert f'alt="{caption.format(market="country")}"' in page, caption
    assert "Cancellations rose." in page


def test_the_commit_is_read_from_git_or_said_to_be_missing(tmp_path):
    assert git_commit(tmp_path) == NO_GIT

    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path,
                              capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "dvc.lock").write_text("a\n")
    git("add", "-A")
    git("commit", "-qm", "one")
    short = git("rev-parse", "--short", "HEAD")
    (tmp_path / "dvc.lock").write_text("b\n")           # the pipeline's own files do not count
    assert git_commit(tmp_path) == short
    (tmp_path / "src" / "a.py").write_text("x = 2\n")
    assert git_commit(tmp_path) == f"{short} + uncommitted changes to code or configuration"


# --- slides -------------------------------------------------------------------------------

def test_the_method_is_short_bullets_on_its_slide(tmp_path):
    method = method_note(CONFIG, TRAIN, CLEANING, STABILITY)
    assert len(method) >= 8 and max(len(line) for line in method) <= 250
    assert "Identical lines were kept: the source has no invoice number" in " ".join(method)
    assert ("Wholesale-sized accounts: 119 customers above 412 items per order were left out of the segmentation "
            "(features.wholesalers=drop).") in method
    context = {"title": "Customer segmentation", "subtitle": "test", "cards": cards(), "summary": ["one"],
               "stability": None, "eda_figures": [], "method": method, "header": HEADER}
    build_deck(context, {k: png() for k in ["radar", "map", "snake", "heatmap"]}, tmp_path / "deck.pptx")
    slides = {s.shapes[0].text_frame.text: s for s in Presentation(str(tmp_path / "deck.pptx")).slides}
    bullets = [p.text for p in slides["Method"].shapes[1].text_frame.paragraphs]
    assert len(bullets) == len(method) and max(len(b) for b in bullets) <= 252   # "• " + at most 250
    title = "\n".join(p.text for p in slides["Customer segmentation"].shapes[1].text_frame.paragraphs)
    assert "Data source: my_shop: data/shop.csv" in title and "commit 1b3f3e8" in title
    assert "6a746286" not in title          # the run id would change the deck at every forced rebuild


def test_a_text_too_long_for_one_slide_goes_on_to_the_next():
    lines = [f"Point {i}: " + "words " * 30 for i in range(30)]
    chunks = pages(lines, size=20)
    assert len(chunks) > 1 and sum(chunks, []) == lines
    height = Inches(7.5) - Inches(1.4) - Inches(0.4)
    assert all(text_height(chunk, WIDTH - 2 * Inches(0.6), MIN_SIZE) <= height for chunk in chunks)


def png() -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
