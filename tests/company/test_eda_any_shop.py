"""Company performance (EDA) for any retailer: optional columns missing, another currency and
market, the peak month from full months only, and no stale figures left behind."""

from __future__ import annotations

import itertools
import json

import duckdb
import matplotlib
import matplotlib.colors as mcolors
import pandas as pd
import pytest
import yaml
from conftest import ROOT, canonical, conf_group, make_project, run_stage

from segmentation.cleaning.rules import clean_frame
from segmentation.common.figure_style import ORANGE
from segmentation.company import sales_figures as plots
from segmentation.company.sales import company_performance, full_months, lines_view, peak_month, plural
from segmentation.data.facts import source_label

OPTIONAL = ("country", "description", "stock_code", "invoice", "quantity")
ALL_FIGURES = list(plots.FIGURES)
NO_COUNTRY = "needs a country column: set data.columns.country"
NO_PRODUCT = "needs a product column: set data.columns.description or data.columns.stock_code"

SHOP = [  # (invoice, stock_code, quantity, price, date, customer[, country]); no id starts with the prefix "C"
    ("1", "X", 10, 2.0, "2010-11-03 10:00", "A", "United Kingdom"),
    ("1", "Y", 1, 5.0, "2010-11-03 10:00", "A", "United Kingdom"),
    ("C2", "X", -2, 2.0, "2010-11-10 10:00", "A", "United Kingdom"),   # a cancellation
    ("3", "X", 100, 1.0, "2010-12-01 10:00", "B", "France"),
    ("4", "Y", 2, 5.0, "2011-01-05 10:00", "A", "United Kingdom"),
    ("5", "X", 3, 2.0, "2011-01-06 10:00", None, "United Kingdom"),     # unidentified
    ("6", "Y", 4, 5.0, "2011-02-07 10:00", "E", "Germany"),
]


def without(lines: pd.DataFrame, absent: set[str]) -> pd.DataFrame:
    """`lines` as ingest writes them when the source lacks the `absent` columns: empty text
    columns, one order per customer per day, one unit per line (-1 on a negative amount: a return),
    as `normalise` derives them."""
    frame = lines.copy()
    for column in {"country", "description", "stock_code"} & absent:
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "quantity" in absent:
        amount = frame["quantity"] * frame["price"]
        frame["price"], frame["quantity"] = amount.abs(), amount.where(amount >= 0, -1.0).where(amount < 0, 1.0)
    if "invoice" in absent:
        day = frame["invoice_date"].dt.strftime("%Y%m%d").astype("string")
        frame["invoice"] = (frame["customer_id"].fillna("unidentified") + "-" + day).astype("string")
    return frame


def cleaned(lines: pd.DataFrame, prefix: str | None = "C") -> pd.DataFrame:
    return clean_frame(lines, conf_group("cleaning", "default", cancellation_prefix=prefix))[0]


def perform(lines: pd.DataFrame, available: dict, market_label: str = "country", currency: str | None = "GBP",
            wholesalers=("B",)):
    con = duckdb.connect()
    lines_view(con, lines)
    return company_performance(con, pd.Series(list(wholesalers), dtype="string"), 10.0, available, market_label,
                               currency=currency)


SUBSETS = [set(c) for n in range(len(OPTIONAL) + 1) for c in itertools.combinations(OPTIONAL, n)]
# drawn for real (~1.5 s each): every column present, each one missing alone, the two product
# columns missing together (no product figure) and every optional column missing; the other
# subsets are planned (`skipped_figures`, what `draw_all` skips) and computed, not drawn
DRAWN = [set(), *({column} for column in OPTIONAL), {"description", "stock_code"}, set(OPTIONAL)]


def expected_skips(absent: set[str]) -> dict[str, str]:
    expected = {}
    if "country" in absent:
        expected["3_sales_by_country"] = NO_COUNTRY
    if {"description", "stock_code"} <= absent:
        expected["8_top_products"] = NO_PRODUCT
    return expected


@pytest.mark.parametrize("absent", DRAWN, ids=lambda s: "no-" + "-".join(sorted(s)) if s else "all")
def test_the_figures_of_a_shop_missing_columns_are_drawn_except_those_it_cannot_support(absent, tmp_path):
    lines = cleaned(without(canonical(SHOP), absent), prefix=None if "invoice" in absent else "C")
    available = {key: key not in absent for key in OPTIONAL}
    drawn, skipped = plots.draw_all(perform(lines, available), tmp_path, "GBP", "country", available)
    assert skipped == expected_skips(absent)
    assert drawn == [name for name in ALL_FIGURES if name not in skipped]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{name}.png" for name in drawn)


@pytest.mark.parametrize("absent", SUBSETS, ids=lambda s: "no-" + "-".join(sorted(s)) if s else "all")
def test_every_subset_of_optional_columns_computes_and_skips_exactly_what_it_lacks(absent):
    available = {key: key not in absent for key in OPTIONAL}
    lines = cleaned(without(canonical(SHOP), absent), prefix=None if "invoice" in absent else "C")
    perf = perform(lines, available)
    assert plots.skipped_figures(perf, available) == expected_skips(absent)

    summary = perf.summary
    # without quantities the cancellation (-4) is a returned unit, still netted
    assert summary["revenue"] == {"2010": 121.0, "2011": 36.0}
    assert summary["countries"] == (0 if "country" in absent else 3)
    assert (summary["top_market"] is None) == ("country" in absent)
    assert ("top_market" in summary["revenue_share_pct"]) == ("country" not in absent)
    assert ("Market" in set(perf.customer_types["dimension"])) == ("country" not in absent)
    assert perf.countries.empty == ("country" in absent)
    if "country" not in absent:
        assert summary["top_market"]["name"] == "France" and summary["top_market"]["markets"] == 3
    assert perf.products.empty == ({"description", "stock_code"} <= absent)
    if "description" in absent and "stock_code" not in absent:
        assert set(perf.products["product"]) == {"X", "Y"}   # the code stands in for the name


def test_a_figure_without_cancellations_is_skipped_with_the_reason(tmp_path):
    lines = cleaned(canonical([row for row in SHOP if not row[0].startswith("C")]))
    assert not lines["is_cancellation"].any()
    available = dict.fromkeys(OPTIONAL, True)
    drawn, skipped = plots.draw_all(perform(lines, available), tmp_path, "GBP", "country", available)
    assert skipped == {"6_cancellation_rate": plots.NO_CANCELLATIONS} and "6_cancellation_rate" not in drawn


USD_SHOP = [  # net sales: United States 300 + 200 - 20 = 480, Canada 150 + 90 = 240
    ("1", "P1", 3, 100.0, "2023-01-10 09:00", "u1", "United States"),
    ("2", "P2", 4, 50.0, "2023-02-11 09:00", "u2", "United States"),
    ("C3", "P2", -2, 10.0, "2023-02-12 09:00", "u2", "United States"),
    ("4", "P1", 1, 150.0, "2023-02-20 09:00", "k1", "Canada"),
    ("5", "P3", 9, 10.0, "2023-03-05 09:00", "k1", "Canada"),
]


def figure_texts(monkeypatch) -> dict[str, list[str]]:
    """Capture every text of every figure drawn (titles, labels, formatted ticks, notes)."""
    texts: dict[str, list[str]] = {}

    def capture(fig, target):
        fig.canvas.draw()
        texts[target.stem] = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        if target.stem == "3_sales_by_country":
            ax = fig.axes[0]
            labels = [t.get_text() for t in ax.get_yticklabels()]
            texts["highlighted"] = [label for label, bar in zip(labels, ax.patches)
                                    if mcolors.to_hex(bar.get_facecolor()) == ORANGE]
        matplotlib.pyplot.close(fig)

    monkeypatch.setattr(plots, "save", capture)
    return texts


def test_a_usd_shop_in_north_america_names_its_own_top_market_and_currency(tmp_path, monkeypatch):
    available = dict.fromkeys(OPTIONAL, True)
    perf = perform(cleaned(canonical(USD_SHOP)), available, currency="USD", wholesalers=())
    summary = perf.summary
    assert summary["top_market"] == {"name": "United States", "share_pct": pytest.approx(100 * 480 / 720, abs=0.01),
                                     "markets": 2}
    assert summary["revenue_share_pct"]["top_market"] == pytest.approx(66.67, abs=0.01)
    assert summary["currency"] == "USD" and summary["market_label"] == "country" and summary["countries"] == 2
    assert "united_kingdom" not in summary["revenue_share_pct"]
    assert set(perf.customer_types.query("dimension == 'Market'")["type"]) == {"United States", "Other countries"}

    texts = figure_texts(monkeypatch)
    drawn, skipped = plots.draw_all(perf, tmp_path, "USD", "country", available)
    assert skipped == {} and drawn == ALL_FIGURES
    everything = [text for name in drawn for text in texts[name]]
    assert not [t for t in everything if "United Kingdom" in t or "£" in t or "International" in t]
    assert any(t.startswith("$") for t in texts["1_sales_per_month"])   # money axes in dollars
    assert any(t.startswith("$") for t in texts["5_average_order_value"])
    assert texts["highlighted"] == ["United States"]
    assert "Where sales come from: all 2 countries" in texts["3_sales_by_country"]
    assert "United States vs other countries" in texts["4_customer_types"]


def test_market_label_names_the_other_markets_and_no_currency_says_so(tmp_path, monkeypatch):
    available = dict.fromkeys(OPTIONAL, True)
    states = [(*row[:6], {"United States": "Texas", "Canada": "Ohio"}[row[6]]) for row in USD_SHOP]
    perf = perform(cleaned(canonical(states)), available, market_label="state", currency=None)
    assert set(perf.countries["country"]) == {"Texas", "Ohio"}
    texts = figure_texts(monkeypatch)
    plots.draw_all(perf, tmp_path, None, "state", available)
    assert "Where sales come from: all 2 states" in texts["3_sales_by_country"]
    assert "Texas vs other states" in texts["4_customer_types"] and "Other states" in texts["4_customer_types"]
    assert "Net sales (currency not set)" in texts["1_sales_per_month"]
    assert (plural("country"), plural("state"), plural("region"), plural("sales channel")) == (
        "countries", "states", "regions", "sales channels")


def test_a_bare_shop_draws_customer_types_without_an_empty_market_panel(tmp_path, monkeypatch):
    absent = {"country", "description", "stock_code", "invoice", "quantity"}
    available = dict.fromkeys(OPTIONAL, False)
    perf = perform(cleaned(without(canonical(USD_SHOP), absent), prefix=None), available, currency="USD")
    captured = {}
    monkeypatch.setattr(plots, "save", lambda fig, target: captured.setdefault(target.stem, len(fig.axes)))
    plots.customer_types(perf, tmp_path / "4_customer_types.png", plots.Look("USD", "country"))
    assert captured["4_customer_types"] == 3   # monthly panel on top, account and identification below


def monthly(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"period": pd.to_datetime(list(values)), "revenue": list(values.values())})


def test_peak_month_over_two_full_years_averages_calendar_months():
    sales = {f"{m:%Y-%m-%d}": 100.0 for m in pd.date_range("2022-01-01", "2023-12-01", freq="MS")}
    sales.update({"2022-11-01": 300.0, "2023-11-01": 500.0})   # November: mean 400
    del sales["2022-02-01"]                                     # nothing sold: February's mean is 50
    sales.update({"2021-12-01": 10_000.0, "2024-01-01": 10_000.0})  # partial first and last months
    peak = peak_month(monthly(sales), pd.Timestamp("2021-12-15 08:00"), pd.Timestamp("2024-01-10 17:00"))
    # 10 months at 100, February at 50, November at 400: an average year of 1,450
    assert peak == {"month": "November", "share_pct": pytest.approx(100 * 400 / 1450, abs=0.01),
                    "basis": "average of 2 full years"}


def test_peak_month_with_fewer_than_twelve_full_months_is_the_best_full_month():
    sales = monthly({"2024-01-01": 1000.0, "2024-02-01": 200.0, "2024-03-01": 500.0, "2024-04-01": 300.0,
                     "2024-05-01": 400.0})
    peak = peak_month(sales, pd.Timestamp("2024-01-10"), pd.Timestamp("2024-05-31 23:00"))  # January partial
    assert peak == {"month": "March 2024", "share_pct": pytest.approx(100 * 500 / 2400, abs=0.01),
                    "basis": "fewer than 12 full months: best single month"}
    assert peak_month(sales, pd.Timestamp("2024-01-10"), pd.Timestamp("2024-01-30")) is None


def test_full_months_exclude_partial_ends():
    assert list(full_months(pd.Timestamp("2024-01-01 09:00"), pd.Timestamp("2024-03-31 10:00"))) == list(
        pd.date_range("2024-01-01", "2024-03-01", freq="MS"))
    assert list(full_months(pd.Timestamp("2024-01-02"), pd.Timestamp("2024-03-30"))) == [pd.Timestamp("2024-02-01")]
    assert full_months(pd.Timestamp("2024-01-02"), pd.Timestamp("2024-02-28")).empty


def test_skipped_figures_of_a_previous_run_are_deleted(tmp_path):
    for name in ALL_FIGURES:
        (tmp_path / f"{name}.png").write_bytes(b"from the reference shop")
    absent = {"country", "description", "stock_code"}
    available = {key: key not in absent for key in OPTIONAL}
    drawn, skipped = plots.draw_all(perform(cleaned(without(canonical(SHOP), absent)), available), tmp_path,
                                    "GBP", "country", available)
    assert set(skipped) == {"3_sales_by_country", "8_top_products"}
    assert sorted(p.stem for p in tmp_path.iterdir()) == sorted(drawn)
    assert all((tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG") for name in drawn)


def test_the_stage_runs_on_a_shop_with_only_customer_date_and_amount(tmp_path):
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    data = {**params["data"], "currency": "USD", "market_label": "state", "cancellation_prefix": None}
    project = make_project(tmp_path, data=data)
    (project / "build").mkdir()
    absent = set(OPTIONAL)
    cleaned(without(canonical(USD_SHOP), absent), prefix=None).to_parquet(project / "build" / "clean.parquet")
    result = run_stage("eda", project)
    assert result.returncode == 2 and "dvc repro ingest" in result.stderr and "Traceback" not in result.stderr

    (project / "metrics").mkdir()
    (project / "metrics" / "ingest.json").write_text(json.dumps(
        {"lines": 5, "source": source_label(data), "columns": dict.fromkeys(OPTIONAL, False), "time_of_day": True}))
    result = run_stage("eda", project)
    assert result.returncode == 0, result.stderr
    assert "eda: skipped 3_sales_by_country: needs a country column: set data.columns.country" in result.stdout
    summary = json.loads((project / "reports" / "eda" / "summary.json").read_text())
    assert list(summary) == ["revenue", "orders", "customers", "average_basket", "cancellation_rate_pct",
                             "revenue_share_pct", "wholesaler_units_per_order_threshold", "countries", "currency",
                             "market_label", "top_market", "peak_month", "first_date", "last_date", "figures", "skipped"]
    assert (summary["currency"], summary["market_label"], summary["top_market"], summary["countries"]) == (
        "USD", "state", None, 0)
    # the -20 line is a return (one unit back), so the cancellation figure is drawn
    assert set(summary["skipped"]) == {"3_sales_by_country", "8_top_products"}
    assert sorted(p.stem for p in (project / "reports" / "figures").iterdir()) == sorted(summary["figures"])
