"""Any retailer's data: currency from config, what a source supplies, returns in amount-only
files, the duplicate rule that fits the data, cancellations without a prefix, order
attributes as features, and a durable data choice."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml
from conftest import ROOT, canonical

from segmentation.cleaning.rules import clean_frame, cleaning_rules, duplicates_rule
from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.common.money import money, unit
from segmentation.data.choice import apply_overrides, current_default, set_default
from segmentation.data.facts import check_same_data, data_change, frame_facts, source_facts, source_label
from segmentation.data.normalise import normalise
from segmentation.features.rfm import features_from_frame
from segmentation.features.selection import select_features

RULES = {**yaml.safe_load((ROOT / "conf" / "cleaning" / "default.yaml").read_text()), "cancellation_prefix": None}
MINIMAL = {"customer_id": "customer", "invoice_date": "date", "amount": "amount", "price": None, "invoice": None,
           "quantity": None, "country": None, "stock_code": None, "description": None}


@pytest.mark.parametrize("value, currency, compact, expected", [
    (1234.4, "GBP", False, "£1,234"), (-950, "USD", False, "-$950"), (12_345, "BRL", True, "R$12k"),
    (1_250_000, "eur", True, "€1.2M"), (1200, "SEK", False, "SEK 1,200"), (1200, None, False, "1,200"),
])
def test_money_is_written_in_the_configured_currency(value, currency, compact, expected):
    assert money(value, currency, compact) == expected


def test_a_currency_that_is_not_an_iso_code_is_refused_and_null_says_so():
    with pytest.raises(UserError, match=r"data.currency='pounds' is not an ISO 4217 code\. Fix: .*USD"):
        money(1, "pounds")
    assert unit(None) == "currency not set" and unit("usd") == "USD"


def minimal_file(rows) -> pd.DataFrame:
    return normalise(pd.DataFrame(rows, columns=["customer", "date", "amount"]), MINIMAL)


def test_a_negative_amount_without_quantity_is_a_return_of_one_unit_not_a_negative_price():
    lines = minimal_file([["a", "2024-01-05", "30.00"], ["a", "2024-01-20", "-10.00"]])
    assert lines["quantity"].tolist() == [1.0, -1.0] and lines["price"].tolist() == [30.0, 10.0]
    kept, report = clean_frame(lines, cleaning_rules(RULES, {"cancellation_prefix": None}, None))
    assert report["removed"]["non_positive_price"]["lines"] == 0
    assert kept["is_cancellation"].tolist() == [False, True] and kept["revenue"].sum() == 20.0


def test_without_invoice_nor_time_identical_lines_are_kept_as_repeat_purchases():
    lines = minimal_file([["a", "2024-01-05", "12.50"], ["a", "2024-01-05", "12.50"], ["b", "2024-01-06", "8"]])
    facts = source_facts([frame_facts(lines)], mapped=set())
    assert facts == {"columns": dict.fromkeys(["invoice", "quantity", "country", "stock_code", "description"], False),
                     "time_of_day": False}
    kept, report = clean_frame(lines, cleaning_rules(RULES, {"cancellation_prefix": None}, facts))
    assert len(kept) == 3 and report["removed"]["duplicates"] == {"lines": 0, "revenue": 0.0}
    assert report["duplicates_rule"]["applied"] is False
    assert "no invoice number and no time of day" in report["duplicates_rule"]["reason"]


def test_with_invoice_numbers_or_times_exact_duplicates_are_removed():
    with_time = {"columns": {"invoice": False}, "time_of_day": True}
    with_invoice = {"columns": {"invoice": True}, "time_of_day": False}
    assert duplicates_rule("auto", with_time)["applied"] and duplicates_rule("auto", with_invoice)["applied"]
    assert duplicates_rule(False, with_invoice) == {"applied": False, "reason": "cleaning.drop_duplicates=false"}
    with pytest.raises(UserError, match="cleaning.drop_duplicates='maybe'"):
        duplicates_rule("maybe", with_time)
    lines = canonical([("1", "A", 1, 5.0, "2024-01-05 10:00", "a"), ("1", "A", 1, 5.0, "2024-01-05 10:00", "a")])
    _, report = clean_frame(lines, cleaning_rules(RULES, {"cancellation_prefix": "C"}, with_time))
    assert report["removed"]["duplicates"] == {"lines": 1, "revenue": 5.0}


def test_invoices_starting_with_c_are_cancellations_only_where_the_source_says_so():
    lines = canonical([("CA-100", "A", 2, 5.0, "2024-01-05 10:00", "a"), ("C200", "A", -1, 5.0, "2024-01-06", "a")])
    uci, _ = clean_frame(lines, {**RULES, "cancellation_prefix": "C"})
    other, report = clean_frame(lines, RULES)
    assert uci["is_cancellation"].tolist() == [True, True]
    assert other["is_cancellation"].tolist() == [False, True]  # only the negative quantity
    assert report["flagged"]["cancellations"] == {"lines": 1, "revenue": -5.0}


def test_a_source_supplies_a_column_only_when_mapped_and_filled():
    lines = canonical([("1", "A", 1, 5.0, "2024-01-05", "a", None)])
    lines["description"] = pd.NA
    facts = source_facts([frame_facts(lines)], mapped={"invoice", "country", "description"})
    assert facts["columns"] == {"invoice": True, "quantity": False, "country": False, "stock_code": False,
                                "description": False}
    assert facts["time_of_day"] is False


def test_a_run_on_other_data_than_the_pipeline_built_says_so_or_stops():
    synthetic = {"name": "synthetic", "path": "build/synthetic.parquet", "scale": 1.0}
    shop = {"name": "my_shop", "path": "data/shop.csv", "scale": None}
    built = {"source": source_label(synthetic)}
    assert data_change(built, synthetic) is None and data_change(None, shop) is None
    assert data_change(built, shop) == ("data changed since the last run: synthetic (build/synthetic.parquet, "
                                        "scale 1.0) -> my_shop (data/shop.csv)")
    check_same_data(built, synthetic)
    with pytest.raises(UserError, match=r"built from synthetic .* Fix: .*use_data my_shop.*dvc repro"):
        check_same_data(built, shop)


def olist_like_lines() -> pd.DataFrame:
    """Three orders of customer u1 (one cancelled), one of u2; order attributes per line."""
    lines = canonical([("o1", None, 1, 100.0, "2018-01-05 10:00", "u1", "SP"),
                       ("o2", None, 1, 50.0, "2018-02-05 10:00", "u1", "SP"),
                       ("o3", None, 1, 30.0, "2018-03-05 10:00", "u1", "SP"),
                       ("o3-cancelled", None, -1, 30.0, "2018-03-05 10:00", "u1", "SP"),
                       ("o4", None, 1, 80.0, "2018-03-07 10:00", "u2", "RJ")])
    return lines.assign(review_score=[5.0, 3.0, None, None, None], installments=[1.0, 4.0, 2.0, 2.0, 10.0],
                        late_delivery=[0.0, 1.0, None, None, 1.0])


def test_order_attributes_become_features_over_purchases_with_gaps_filled_by_the_median():
    kept, _ = clean_frame(olist_like_lines(), {**RULES, "drop_non_product": False})
    table = features_from_frame(kept, "2018-04-01").set_index("customer_id")
    assert table.loc["u1", "frequency"] == 3 and table.loc["u1", "monetary"] == 150.0
    assert table.loc["u1", "mean_review_score"] == 4.0        # (5 + 3) / 2: unreviewed order left out
    assert table.loc["u2", "mean_review_score"] == 4.0        # no review: median of those with one
    assert table.loc["u1", "mean_installments"] == pytest.approx(7 / 3)  # purchases only: (1 + 4 + 2) / 3
    assert table.loc["u1", "late_delivery_pct"] == 50.0 and table.loc["u2", "late_delivery_pct"] == 100.0


def test_rfm_olist_on_data_without_order_attributes_is_one_line_with_the_fix():
    kept, _ = clean_frame(canonical([("1", "A", 1, 5.0, "2024-01-05", "a")]), RULES)
    features = {**yaml.safe_load((ROOT / "conf" / "features" / "rfm_olist.yaml").read_text())}
    with pytest.raises(UserError, match=r"features=rfm_olist needs .*mean_review_score.* Fix: use data=olist"):
        select_features(features_from_frame(kept, "2024-02-01"), features)


def test_a_data_config_is_written_from_a_template_with_typed_overrides():
    text = (ROOT / "conf" / "data" / "transactions.yaml").read_text()
    content = apply_overrides(text, "my_shop", ["data.path=data/shop.csv", "data.currency=USD",
                                                "data.columns.invoice=null", "data.columns.amount=total"])
    assert content["name"] == "my_shop" and content["path"] == "data/shop.csv" and content["currency"] == "USD"
    assert content["columns"]["invoice"] is None and content["columns"]["amount"] == "total"
    with pytest.raises(UserError, match="'model.n_clusters' is not a data setting"):
        apply_overrides(text, "x", ["model.n_clusters=3"])
    glob = apply_overrides((ROOT / "conf" / "data" / "online_retail_ii.yaml").read_text(), "uci_copy",
                           ["data.path=data/copy.xlsx", "snapshots.baseline=auto"])
    assert glob["data"]["name"] == "uci_copy" and glob["snapshots"]["baseline"] == "auto"


def test_the_default_data_line_is_replaced_and_its_comment_kept():
    text = "defaults:\n  - _self_\n  - data: synthetic   # the source\n  - model: kmeans\n"
    assert set_default(text, "my_shop") == "defaults:\n  - _self_\n  - data: my_shop   # the source\n  - model: kmeans\n"
    assert current_default(text) == "synthetic"
    with pytest.raises(UserError, match="exactly one `- data: <name>` line"):
        set_default("defaults: []\n", "x")


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.setenv("SEGMENTATION_ROOT", str(tmp_path))
    return tmp_path


def test_use_data_makes_a_new_dataset_the_default_of_every_later_composition(project_copy):
    from segmentation.use_data import use_data

    line = use_data("my_shop", "transactions", ["data.path=data/shop.csv", "data.currency=USD"])
    assert line.startswith("use_data: the default data is now 'my_shop' (was 'synthetic'")
    assert (project_copy / "conf" / "data" / "my_shop.yaml").is_file()
    assert compose(["model=gmm"]).data.name == "my_shop"      # what `dvc exp run -S model=gmm` recomposes
    params = yaml.safe_load((project_copy / "params.yaml").read_text())
    assert params["data"]["name"] == "my_shop" and params["data"]["currency"] == "USD"
    use_data("synthetic", None, [])
    assert compose().data.name == "synthetic" and (project_copy / "conf" / "data" / "my_shop.yaml").is_file()


def test_use_data_leaves_conf_as_it_was_when_the_choice_is_bad(project_copy):
    from segmentation.use_data import use_data

    before = (project_copy / "conf" / "config.yaml").read_text()
    with pytest.raises(UserError, match="data.currency='dollars'"):
        use_data("my_shop", "transactions", ["data.currency=dollars"])
    with pytest.raises(UserError, match=r"conf/data/nonexistent.yaml does not exist\. Fix: pick one of"):
        use_data("my_shop", "nonexistent", [])
    assert (project_copy / "conf" / "config.yaml").read_text() == before
    assert not (project_copy / "conf" / "data" / "my_shop.yaml").exists()


def test_the_cdnow_text_file_has_no_header_line_and_reads_with_header_names(tmp_path):
    """The public CDNOW file (1997-1998): `   00001 19970101  1  11.77`, whitespace, no header."""
    from segmentation.data.readers import iter_transactions

    path = tmp_path / "CDNOW_master.txt"
    path.write_text("   00001 19970101  1  11.77\n   00002 19970112  1  12.00\n   00002 19970112  5  77.00\n")
    data = {**yaml.safe_load((ROOT / "conf" / "data" / "transactions.yaml").read_text()), "path": str(path),
            "header_names": ["customer", "date", "cds", "dollars"], "date_format": "%Y%m%d",
            "columns": {**MINIMAL, "amount": "dollars", "quantity": "cds"}}
    lines = pd.concat(list(iter_transactions(data)))
    assert lines["customer_id"].tolist() == ["00001", "00002", "00002"]      # leading zeros kept
    assert lines["price"].round(2).tolist() == [11.77, 12.0, 15.4] and lines["quantity"].tolist() == [1, 1, 5]
    assert lines["invoice"].tolist() == ["00001-19970101", "00002-19970112", "00002-19970112"]
    with pytest.raises(UserError, match=r"data.header_names: the header repeats column\(s\) \['a'\]"):
        list(iter_transactions({**data, "header_names": ["a", "a", "b", "c"]}))


def test_without_a_quantity_column_unit_based_views_are_left_out_not_computed_on_lines():
    import duckdb

    from segmentation.company.sales import company_performance, lines_view
    from segmentation.features.selection import wholesaler_rule_applies
    from segmentation.models.naming import name_segments, without_units

    assert not wholesaler_rule_applies("avg_items_per_order", {"quantity": False})
    assert wholesaler_rule_applies("monetary", {"quantity": False})
    assert wholesaler_rule_applies("avg_items_per_order", {"quantity": True})
    kept, _ = clean_frame(minimal_file([["a", "2024-01-05", "30"], ["b", "2024-02-05", "20"]]), RULES)
    con = duckdb.connect()
    lines_view(con, kept)
    perf = company_performance(con, None, None, dict.fromkeys(["country", "quantity"], False), "country", "USD")
    assert "Account" not in set(perf.customer_types["dimension"])
    assert "wholesale" not in perf.summary["revenue_share_pct"]
    assert perf.summary["wholesaler_units_per_order_threshold"] is None
    # a segment whose orders hold two lines would be "Wholesalers" on units it does not have
    profiles = pd.DataFrame({"cluster": [0, 1], "median_recency": [5, 300], "median_frequency": [9, 1],
                             "median_monetary": [900, 20], "median_avg_items_per_order": [2.0, 1.0]})
    population = pd.DataFrame({"recency": [5, 300, *range(100, 180, 10)], "frequency": [9, 1, *[2] * 8],
                               "monetary": [900, 20, *range(50, 130, 10)], "avg_items_per_order": [2.0] + [1.0] * 9})
    assert name_segments(profiles, population)[0].startswith("Wholesalers")
    named, people = without_units(profiles, population, units_supplied=False)
    assert name_segments(named, people)[0] == "Champions" and "median_avg_items_per_order" not in named


def test_the_data_note_of_a_fixed_export_does_not_ask_for_a_column_mapping():
    from segmentation.reporting.availability import data_note

    ingest = {"columns": {"invoice": True, "quantity": True, "country": True, "stock_code": False,
                          "description": False}}
    eda = {"skipped": {"8_top_products": "needs a product column: set data.columns.description or "
                                         "data.columns.stock_code"}}
    mapped, olist = data_note(ingest, eda), data_note(ingest, eda, mappable=False)
    assert any("set data.columns.stock_code" in line for line in mapped)
    assert not any("data.columns" in line for line in olist) and any("not in this source" in line for line in olist)
