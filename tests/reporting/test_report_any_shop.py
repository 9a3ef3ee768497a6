"""The report and slides speak of the shop in the data, not of the reference shop: a US shop
without country and product descriptions gets dollars, its own years and seasons, and a note on
what its data did not supply; a shop with countries gets its own top market."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import ROOT  # noqa: E402

from segmentation.models.naming import ACTIONS, segment_cards, traits  # noqa: E402
from segmentation.models.run_figures import feature_label  # noqa: E402
from segmentation.reporting.availability import data_note, report_figures  # noqa: E402
from segmentation.reporting.report_html import data_uri, executive_summary, glossary, method_note, render_html  # noqa: E402
from segmentation.reporting.slides import build_deck  # noqa: E402

FORBIDDEN = ["United Kingdom", "£", "pound", "Christmas", "autumn", "2009", "2010", "2011", "GBP"]
ALL_FIGURES = ["1_sales_per_month", "2_sales_orders_customers_per_year", "3_sales_by_country", "4_customer_types",
               "5_average_order_value", "6_cancellation_rate", "7_cohort_retention", "8_top_products"]
STABILITY = {"verdict": "refresh", "headline": "Refresh every 3 months.",
             "reasons": ["at M+4 (2024-02-01) agreement is 0.41 (interval 0.35-0.47), under the noise band 0.88-0.99"],
             "band_low": 0.88, "band_median": 0.95, "band_high": 0.99, "band_samples": 30, "threshold": 0.8,
             "threshold_headline": "Refresh every 2 months.", "sensitivity": "holds for k = 3-5",
             "baseline_cutoff": "2023-10-01", "first_cutoff": "2023-10-02", "last_cutoff": "2024-07-01",
             "snapshots": 11, "population": "all", "warnings": [],
             "cost_tradeoff": "Refreshing every 90 days means about 4 refreshes a year."}
CONFIG = {"data": {"name": "transactions"}, "seed": 7,
          "features": {"name": "rfm", "columns": ["recency", "frequency", "monetary"], "transform": "log",
                       "scaler": "standard", "wholesalers": "keep"},
          "model": {"name": "kmeans", "short_names": {"n_clusters": "k"}, "n_clusters": 3}}
CLEANING = {"lines_in": 120_000, "lines_out": 118_500,
            "removed": {"duplicates": {"lines": 0}, "non_product": {"lines": 900},
                        "non_positive_price": {"lines": 600}, "quantity_outliers": {"lines": 0}},
            "duplicates_rule": {"applied": False, "reason": "auto: the source has no invoice number and no time of "
                                                            "day, so identical lines may be genuine repeat purchases"}}
TRAIN = {"customers": 3100, "silhouette": 0.31, "bootstrap_ari_mean": 0.9, "bootstrap_resamples": 20}


def us_eda(**changes) -> dict:
    """eda.json of a US shop over 2022-2024 without a country column."""
    eda = {"revenue": {"2022": 2.41e6, "2023": 2.93e6, "2024": 0.35e6}, "orders": {"2022": 9000, "2023": 10400,
                                                                                 "2024": 1200},
           "customers": {"2022": 2500, "2023": 2870, "2024": 700}, "currency": "USD", "market_label": "country",
           "top_market": None, "peak_month": {"month": "December", "share_pct": 15.4, "basis": "2 full years"},
           "figures": [f for f in ALL_FIGURES if f not in ("3_sales_by_country", "6_cancellation_rate")],
           "skipped": {"3_sales_by_country": "needs a country column: set data.columns.country",
                       "6_cancellation_rate": "no cancellations in the data"},
           "revenue_share_pct": {"identified": 96.0, "wholesale": 11.0}}
    return {**eda, **changes}


def ingest(**missing) -> dict:
    columns = {"invoice": True, "quantity": True, "country": True, "stock_code": True, "description": True}
    return {"lines": 120_000, "source": "transactions (x.csv)", "columns": {**columns, **missing}, "time_of_day": False}


def png_bytes() -> bytes:
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def profiles() -> pd.DataFrame:
    rows = [(0, 6, 14, 2950.0, 0.3, 0.62), (1, 40, 4, 610.0, 0.45, 0.3), (2, 220, 1, 95.0, 0.25, 0.08)]
    return pd.DataFrame([{"cluster": c, "customers": int(3100 * s), "share_of_customers": s, "share_of_revenue": r,
                          "median_recency": rec, "median_frequency": f, "median_monetary": m,
                          "median_avg_items_per_order": 6.0, "mean_cancellation_pct": 1.0}
                         for c, rec, f, m, s, r in rows])


def build(eda: dict, facts: dict | None, tmp_path, currency: str | None = "USD") -> tuple[str, list[str], dict]:
    """The rendered HTML (images removed), every text of the deck, and the context."""
    cards = segment_cards(profiles(), {0: "Champions", 1: "Occasional buyers", 2: "Hibernating"}, currency)
    figures = report_figures(eda)
    png = png_bytes()
    keys = [k for k, _ in figures] + ["radar", "map", "snake", "heatmap", "stability_curve"]
    context = {"title": "Customer segmentation", "subtitle": "Data: transactions, customers as of 2024-02-01.",
               "summary": executive_summary(eda, cards, STABILITY, currency), "currency": currency,
               "data_note": data_note(facts, eda), "cards": cards, "images": {k: data_uri(png) for k in keys},
               "stability": STABILITY, "eda_figures": figures,
               "method": method_note(CONFIG, TRAIN, CLEANING, STABILITY)}
    page = re.sub(r'src="data:[^"]*"', 'src=""', render_html(context))
    build_deck(context, {k: png for k in keys}, tmp_path / "deck.pptx")
    from pptx import Presentation

    texts = [shape.text_frame.text for slide in Presentation(str(tmp_path / "deck.pptx")).slides
             for shape in slide.shapes if shape.has_text_frame]
    return page, texts, context


def assert_no_reference_shop(text: str) -> None:
    for word in FORBIDDEN:
        assert word.lower() not in text.lower(), word
    assert not re.search(r"\bUK\b", text)


@pytest.fixture()
def us_shop(tmp_path):
    return build(us_eda(), ingest(country=False, description=False), tmp_path)


def test_a_us_shop_without_countries_reads_as_itself(us_shop):
    page, texts, context = us_shop
    deck = "\n".join(texts)
    for text in (page, deck):
        assert_no_reference_shop(text)
        assert re.search(r"\$\d", text)                         # dollar amounts
    assert "Net sales were $2.4M in 2022 and $2.9M in 2023." in context["summary"][0]
    assert "Sales peak in December (15% of an average year's sales)" in context["summary"][0]
    assert "brings" not in context["summary"][1]                  # no market sentence without countries
    assert "$2,950 spent in all" in page and "in USD" in page     # traits and glossary
    assert "Identical lines were kept" in page and "duplicates," not in " ".join(context["method"])


def test_the_data_available_note_names_what_is_missing(us_shop):
    page, texts, context = us_shop
    note = context["data_note"]
    assert len(note) == 3 and note[0].startswith("No country column") and note[1].startswith("No description column")
    assert note[2] == "The \u201cCancellation rate\u201d chart is left out: no cancellations in the data."
    assert "\u201cSales by country\u201d chart is left out" in note[0]  # the skipped figure, told once
    for text in (page, "\n".join(texts)):
        assert "set data.columns.country" in text and "set data.columns.description" in text
    assert "Data available" in texts                               # its own slide
    assert "Sales by country" not in [caption for _, caption in context["eda_figures"]]
    assert len(re.findall(r"<figure>", page)) == 6 + 5             # 6 EDA figures + 5 segment/maintenance figures


def test_a_shop_with_countries_names_its_own_top_market(tmp_path):
    eda = us_eda(top_market={"name": "Brazil", "share_pct": 62.4, "markets": 7}, figures=ALL_FIGURES, skipped={},
                 revenue_share_pct={"identified": 96.0, "wholesale": 11.0, "top_market": 62.4})
    page, texts, context = build(eda, ingest(), tmp_path, currency="BRL")
    assert "Brazil brings 62% of sales (top country of 7)." in context["summary"][1]
    assert "R$2.9M in 2023" in context["summary"][0] and "Brazil brings 62%" in "\n".join(texts)
    assert "Sales by country" in page
    states = executive_summary(us_eda(top_market={"name": "Texas", "share_pct": 31.0, "markets": 50},
                                      market_label="state"), segment_cards(profiles(), {}, "USD"), None, "USD")
    assert "Texas brings 31% of sales (top state of 50)." in states[1]


def test_everything_available_means_no_data_note(tmp_path):
    eda = us_eda(top_market={"name": "Ohio", "share_pct": 20.0, "markets": 12}, figures=ALL_FIGURES, skipped={})
    page, texts, context = build(eda, ingest(), tmp_path)
    assert context["data_note"] == [] and data_note(None, {"skipped": {}}) == []
    assert 'id="data-available"' not in page and "Data available" not in page and "Data available" not in texts
    # a chart the data cannot fill is said, also when no column is missing
    no_cancellations = us_eda(figures=[f for f in ALL_FIGURES if f != "6_cancellation_rate"],
                              skipped={"6_cancellation_rate": "no cancellations in the data"})
    assert data_note(ingest(), no_cancellations) == [
        "The \u201cCancellation rate\u201d chart is left out: no cancellations in the data."]


def test_short_data_and_missing_figures_are_handled(tmp_path):
    eda = us_eda(revenue={"2024": 4.1e5}, orders={"2024": 900}, customers={"2024": 310},
                 peak_month={"month": "March 2024", "share_pct": 22.0, "basis": "7 months"},
                 figures=["1_sales_per_month"],
                 skipped={"8_top_products": "needs a product column: set data.columns.description or "
                                            "data.columns.stock_code"})
    summary = executive_summary(eda, segment_cards(profiles(), {}, "USD"), None, "USD")
    assert "Net sales were $410k in 2024." in summary[0] and "strongest month was March 2024" in summary[0]
    assert report_figures(eda) == [("1_sales_per_month", "Sales per month")]
    note = data_note(ingest(stock_code=False, description=False), eda)
    assert note[-1] == ("The \u201cBest-selling products\u201d chart is left out: needs a product column: "
                        "set data.columns.description or data.columns.stock_code.")
    # a figure named but not drawn is skipped, not a KeyError
    page, _, _ = build(eda, None, tmp_path)
    assert 'alt="Sales per month"' in page and 'alt="Best-selling products"' not in page


def test_money_words_follow_the_currency():
    row = profiles().iloc[1]
    assert traits(row, "EUR").startswith("About 4 orders, the last one 40 days ago, €610 spent in all")
    assert "610 spent in all" in traits(row, None) and "currency" not in traits(row, None)
    assert feature_label("monetary", "USD") == "Net spend (USD)" and feature_label("recency", "USD") == \
        "Days since last purchase"
    assert all("pound" not in text.lower() for text in glossary(None).values())
    assert "in JPY" in glossary("JPY")["Spend"]
    holidays = re.compile(r"christmas|xmas|easter|black friday|thanksgiving|autumn|winter", re.I)
    assert not any(holidays.search(action) for actions in ACTIONS.values() for action in actions)


def test_no_reference_shop_words_in_the_code():
    """The reference shop lives only in the synthetic rehearsal data's generator (and the pound
    sign in money.py's table of currency symbols)."""
    package = ROOT / "src" / "segmentation"
    synthetic = package / "data" / "synthetic"
    words = ("United Kingdom", "£", "Christmas", "pounds", "2009", "2010", "2011")  # its country, currency, holiday, years
    found = {f"{path.relative_to(ROOT)}: {word}" for path in package.rglob("*.py")
             if synthetic not in path.parents and path != package / "common" / "money.py"
             for word in words if word in path.read_text(encoding="utf-8")}
    assert not found, sorted(found)
