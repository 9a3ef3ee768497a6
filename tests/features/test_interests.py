"""Product categories from descriptions and the per-customer interest and seasonality
features (feature set rfm_interests), on hand-made products and lines."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pytest
from conftest import conf_group

from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.data import synthetic
from segmentation.features.categories import cluster_products, from_mapping, normalise
from segmentation.features.customer_table import customer_table
from segmentation.features.interests import interest_columns, interests_from_frame

GROUPS = {"mug": "MUG", "candle": "SCENTED CANDLE", "bag": "JUMBO SHOPPER BAG"}
COLOURS = ["RED", "BLUE", "GREEN", "PINK", "WHITE", "IVORY", "BLACK", "YELLOW"]


def planted_products() -> pd.DataFrame:
    rows = [(f"{colour} {noun}", group) for group, noun in GROUPS.items() for colour in COLOURS]
    return pd.DataFrame({"description": [d for d, _ in rows], "group": [g for _, g in rows],
                         "revenue": [30.0 if g == "bag" else 10.0 for _, g in rows]})


def test_normalise_keeps_lower_case_letters_and_single_spaces():
    assert normalise("SET OF 3 Cake-Tins  ") == "set of cake tins"
    assert normalise(None) == ""


def test_clustering_recovers_the_planted_groups_and_names_them_by_their_noun():
    products = planted_products()
    settings = conf_group("categories", "default", k_min=2, k_max=6, k_step=1, svd_components=10)
    found = cluster_products(products[["description", "revenue"]], settings, seed=0)
    assert found.report["k"] == 3  # the best silhouette over 2..6
    joined = products.merge(found.products, on="description")
    assert joined.groupby("group")["category"].nunique().eq(1).all()        # one category per group
    assert joined.groupby("category")["group"].nunique().eq(1).all()        # one group per category
    bag = joined.loc[joined["group"] == "bag", "category"].iloc[0]
    assert bag == 0  # numbered by revenue: the bags' 8 x 30 beats 8 x 10
    summary = found.summary.set_index("category")
    assert summary.loc[0, "products"] == 8 and summary.loc[0, "revenue_share"] == pytest.approx(240 / 400, abs=1e-4)
    names = dict(zip(summary.index, summary["category_name"]))
    assert "bag" in names[0] or "jumbo" in names[0] or "shopper" in names[0]
    assert any("candle" in n or "scented" in n for n in names.values())


def test_the_generator_s_product_kinds_are_recovered_from_its_descriptions():
    """The synthetic shop's products are <adjective(s)> <kind>, 30 kinds; the default settings
    must find the kinds, not the adjectives, and name categories by them."""
    from sklearn.metrics import adjusted_mutual_info_score

    from segmentation.data.synthetic.catalogue import _NOUNS
    raw = pa.concat_tables(list(synthetic.generate(0.2, 42, 0.6))).to_pandas()
    bought = raw[(raw["Quantity"] > 0) & (raw["Price"] > 0) & raw["StockCode"].str[0].str.isdigit()]  # products
    products = (bought.assign(revenue=bought["Quantity"] * bought["Price"])
                .groupby("Description", as_index=False)["revenue"].sum().rename(columns={"Description": "description"}))
    found = cluster_products(products, conf_group("categories", "default"), seed=42)
    longest_first = sorted(_NOUNS, key=len, reverse=True)
    kind = found.products["description"].map(lambda d: next(n for n in longest_first if d.endswith(n)))
    assert 24 <= found.report["k"] <= 36
    assert adjusted_mutual_info_score(kind, found.products["category"]) > 0.85
    named_by_a_kind = found.summary["category_name"].map(
        lambda name: any(normalise(n).split()[-1] in name.split() for n in _NOUNS))
    assert named_by_a_kind.mean() >= 0.75


def test_a_user_mapping_replaces_the_clustering():
    products = planted_products()[["description", "revenue"]]
    mapping = pd.DataFrame({"description": ["RED MUG", "BLUE MUG", "RED SCENTED CANDLE"],
                            "category": ["Mugs", "Mugs", "Candles"]})
    found = from_mapping(products, mapping, "map.csv")
    assert dict(zip(found.products["description"], found.products["category_name"])) == {
        "RED MUG": "Mugs", "BLUE MUG": "Mugs", "RED SCENTED CANDLE": "Candles"}
    assert found.summary["category_name"].tolist() == ["Mugs", "Candles"]  # 20 before 10 of revenue
    with pytest.raises(UserError, match="needs columns 'description' and 'category'"):
        from_mapping(products, mapping.rename(columns={"category": "group"}), "map.csv")


def line(customer, invoice, day, description, revenue, identified=True, cancellation=False):
    return {"customer_id": customer, "invoice": invoice, "invoice_date": pd.Timestamp(day),
            "description": description, "revenue": revenue, "is_identified": identified,
            "is_cancellation": cancellation}


LINES = pd.DataFrame([
    line("A", "1", "2011-01-10 09:00", "RED MUG", 30.0),
    line("A", "2", "2011-02-10 09:00", "BLUE CANDLE", 10.0),
    line("A", "3", "2011-04-11 09:00", "RED MUG", 60.0),
    line("A", "9", "2012-01-05 09:00", "RED MUG", 1000.0),           # after the cutoff: not counted
    line("B", "4", "2011-10-05 10:00", "BLUE CANDLE", 200.0),
    line("B", "4", "2011-10-05 10:00", "NO CATEGORY", 50.0),          # not in the categories: pooled
    line("B", "C5", "2011-10-06 10:00", "BLUE CANDLE", -20.0, cancellation=True),  # not a purchase
    line("B", "6", "2011-11-20 10:00", "BLUE CANDLE", 250.0),
    line(None, "7", "2011-03-01 10:00", "RED MUG", 5000.0, identified=False),    # unidentified: not counted
])
CATEGORIES = pd.DataFrame({"description": ["BLUE CANDLE", "RED MUG"], "category": [0, 1]})


def test_interest_and_seasonality_features_on_a_hand_computed_frame():
    table, peak = interests_from_frame(LINES, CATEGORIES, "2012-01-01", top_n=1)
    table = table.set_index("customer_id")
    assert list(table.columns) == interest_columns(1)
    # spend: A 30 + 10 + 60 = 100 (candle 10); B 200 + 50 + 250 = 500 (candle 450, uncategorised 50)
    assert table.loc["A", "share_top1"] == pytest.approx(0.1) and table.loc["A", "share_other"] == pytest.approx(0.9)
    assert table.loc["B", "share_top1"] == pytest.approx(0.9) and table.loc["B", "share_other"] == pytest.approx(0.1)
    entropy = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert table["category_entropy"].tolist() == pytest.approx([entropy, entropy])
    # quarters before the cutoff: Q1 40, Q2 60, Q4 500 -> the peak is Q4 (the 1,000 of 2012 would make it Q1)
    assert peak == 4
    assert table["peak_quarter_share"].tolist() == pytest.approx([0.0, 1.0])
    assert table["active_months"].tolist() == [3, 2]
    # A's gaps: 31 and 60 days -> mean 45.5, population std 14.5; B has one gap: A's value (the median)
    assert table["order_gap_cv"].tolist() == pytest.approx([14.5 / 45.5, 14.5 / 45.5])


@pytest.mark.parametrize("top_n", [1, 2, 3])
def test_spend_shares_sum_to_one_per_customer(top_n):
    table, _ = interests_from_frame(LINES, CATEGORIES, "2012-01-01", top_n=top_n)
    shares = [f"share_top{i}" for i in range(1, top_n + 1)] + ["share_other"]
    assert table[shares].sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert (table[shares] >= 0).all().all()


def test_rfm_interests_without_descriptions_is_one_line_with_its_fix(tmp_path):
    clean = LINES.drop(columns="description").assign(quantity=1.0, price=LINES["revenue"])
    clean.to_parquet(tmp_path / "clean.parquet")
    cfg = compose(["features=rfm_interests", f"paths.clean={tmp_path / 'clean.parquet'}",
                   f"paths.ingest_report={tmp_path / 'ingest.json'}", f"paths.categories={tmp_path / 'c.parquet'}",
                   f"paths.categories_report={tmp_path / 'c.json'}"])
    with pytest.raises(UserError) as error:
        customer_table(cfg)
    message = str(error.value)
    assert "\n" not in message and "the data has no product descriptions" in message
    assert "features=rfm_interests" in message and "Fix: use a feature set without them" in message
    assert not (tmp_path / "c.parquet").exists()  # no partial output
    rfm, _ = customer_table(compose([f"paths.clean={tmp_path / 'clean.parquet'}",
                                     f"paths.ingest_report={tmp_path / 'ingest.json'}"]))
    assert rfm["customer_id"].tolist() == ["A", "B"]  # the other feature sets work on the same data


def test_too_few_products_skips_the_categories_with_the_reason(tmp_path):
    LINES.assign(quantity=1.0, price=LINES["revenue"]).to_parquet(tmp_path / "clean.parquet")
    cfg = compose(["features=rfm_interests", f"paths.clean={tmp_path / 'clean.parquet'}",
                   f"paths.ingest_report={tmp_path / 'ingest.json'}", f"paths.categories={tmp_path / 'c.parquet'}",
                   f"paths.categories_report={tmp_path / 'c.json'}", "categories.min_products=4"])
    with pytest.raises(UserError, match=r"has 3 distinct product description\(s\), fewer than "
                                        r"categories.min_products=4 so there are no product categories"):
        customer_table(cfg)


class Recorder:
    """A champion on interest features that places everyone in segment 0 and keeps its input."""

    columns = ["recency", "share_top1", "share_other", "category_entropy"]

    def predict(self, context, frame):
        self.seen = frame
        return pd.DataFrame({"segment": [0] * len(frame), "segment_name": ["Mug people"] * len(frame)})


def test_new_transactions_get_the_interest_features_a_champion_needs_from_the_training_categories():
    from conftest import canonical

    from segmentation.cleaning.rules import cleaning_rules
    from segmentation.serving.assignment import assign_transactions
    lines = canonical([("1", "10", 1, 30.0, "2024-01-10 09:00", "A"), ("2", "11", 1, 10.0, "2024-02-10 09:00", "A"),
                       ("3", "12", 1, 60.0, "2024-03-10 09:00", "B")])  # item 12: a product training never saw
    rules = cleaning_rules(conf_group("cleaning", "default"), {"cancellation_prefix": "C"}, None)
    categories = pd.DataFrame({"description": ["item 10", "item 11"], "category": [0, 1]})
    model = Recorder()
    result, cutoff = assign_transactions(lines, rules, None, model, categories)
    seen = model.seen.assign(customer_id=result["customer_id"]).set_index("customer_id")
    assert list(seen.columns) == Recorder.columns  # exactly what the champion needs, computed here
    # A: 30 of 40 in category 0 (top 1), 10 in category 1 (pooled); B: only the unknown product
    assert seen.loc["A", "share_top1"] == pytest.approx(0.75) and seen.loc["A", "share_other"] == pytest.approx(0.25)
    assert seen.loc["B", "share_top1"] == 0.0 and seen.loc["B", "share_other"] == pytest.approx(1.0)
    assert seen.loc["A", "category_entropy"] == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
