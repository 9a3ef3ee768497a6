"""Product categories and the interest features (features=rfm_interests) on the public real
layouts, read, ingested and cleaned by the project's own code: the UCI xlsx, its CSV export and
the older release's naming find the planted product kinds and give every customer their
favourite; the layouts without descriptions (customer/date/amount CSV, CDNOW text, Olist
folder) skip the categories with their reason and stop rfm_interests with one line and its fix,
while the other feature sets work on the same data."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, UCI_COLUMNS, write_xlsx
from layouts.cdnow import write_cdnow_like
from layouts.minimal import write_minimal_csv
from layouts.olist import write_olist

from segmentation.cleaning.rules import clean_file, cleaning_rules
from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.data.facts import frame_facts, source_facts
from segmentation.data.readers import iter_transactions, mapped_columns
from segmentation.data.schema import schema_for
from segmentation.features.customer_table import build_categories, customer_table
from segmentation.features.interests import share_columns

KINDS = {"mug": "MUG", "bag": "JUMBO SHOPPER BAG", "candle": "SCENTED CANDLE"}
ADJECTIVES = ["RED", "BLUE", "GREEN", "PINK", "WHITE", "IVORY", "BLACK", "YELLOW", "VINTAGE", "RETRO",
              "FLORAL", "SPOTTY", "STRIPED", "GOLD", "SILVER", "RUSTIC", "HEART", "STAR", "PAISLEY", "TARTAN"]
OLDER_NAMES = {"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"}


def uci_frame(customers: int = 30, seed: int = 0) -> pd.DataFrame:
    """UCI-layout lines: 60 products (20 colours of 3 kinds); customer i buys 4 of every 5 lines
    from kind i mod 3 and the rest at random, on invoices spread over a year."""
    rng = np.random.default_rng(seed)
    products = {kind: [f"{adjective} {noun}" for adjective in ADJECTIVES] for kind, noun in KINDS.items()}
    kinds, rows = list(KINDS), []
    for customer in range(customers):
        favourite = kinds[customer % 3]
        for order in range(6):
            invoice, day = 500000 + customer * 10 + order, datetime(2010, 1, 4) + timedelta(days=int(rng.integers(0, 360)))
            for line in range(5):
                kind = favourite if line < 4 else kinds[int(rng.integers(0, 3))]
                description = products[kind][int(rng.integers(0, len(ADJECTIVES)))]
                rows.append([invoice, f"{kind[:3].upper()}{ADJECTIVES.index(description.split()[0])}", description,
                             int(rng.integers(1, 6)), day + timedelta(minutes=line), 2.5, float(12000 + customer),
                             "Ruritania"])
    return pd.DataFrame(rows, columns=UCI_COLUMNS)


def data_config(name: str, path: Path, **overrides) -> dict:
    loaded = yaml.safe_load((ROOT / "conf" / "data" / f"{name}.yaml").read_text())
    data = loaded.get("data", loaded)
    return {**data, **overrides, "path": str(path), "columns": {**data["columns"], **overrides.get("columns", {})},
            "scale": None}


def uci_xlsx(tmp: Path) -> dict:
    frame = uci_frame()
    first = frame["InvoiceDate"] < datetime(2010, 7, 1)
    path = write_xlsx(tmp / "online_retail_II.xlsx", {"Year 2009-2010": frame[first], "Year 2010-2011": frame[~first]})
    return data_config("online_retail_ii", path)


def uci_csv(tmp: Path) -> dict:
    path = tmp / "online_retail_II.csv"
    uci_frame().to_csv(path, index=False)
    return data_config("online_retail_ii", path)


def older_uci_naming(tmp: Path) -> dict:
    path = write_xlsx(tmp / "Online Retail.xlsx", {"Online Retail": uci_frame().rename(columns=OLDER_NAMES)})
    return data_config("online_retail", path)


WITH_DESCRIPTIONS = {"uci_xlsx": uci_xlsx, "uci_csv": uci_csv, "older_uci_naming": older_uci_naming}
WITHOUT_DESCRIPTIONS = {
    "customer_date_amount_csv": lambda tmp: data_config(
        "transactions", write_minimal_csv(tmp / "shop.csv", scale=0.05), currency="USD",
        columns={"customer_id": "customer", "invoice_date": "date", "amount": "amount"}),
    "cdnow_text": lambda tmp: data_config(
        "transactions", write_cdnow_like(tmp / "CDNOW_master.txt", customers=200),
        header_names=["customer", "date", "cds", "dollars"], date_format="%Y%m%d", currency="USD",
        columns={"customer_id": "customer", "invoice_date": "date", "amount": "dollars", "quantity": "cds"}),
    "olist_folder": lambda tmp: data_config("olist", write_olist(tmp / "olist", customers=150)),
}


def cleaned_config(tmp: Path, data: dict, *overrides: str):
    """Ingest and clean `data` as the stages do (into tmp), then the composed config reading it."""
    frames = list(iter_transactions(data))
    tables = [pa.Table.from_pandas(f, schema=schema_for(f.columns), preserve_index=False) for f in frames]
    pq.write_table(pa.concat_tables(tables), tmp / "raw.parquet")
    cleaning = yaml.safe_load((ROOT / "conf" / "cleaning" / "default.yaml").read_text())
    rules = cleaning_rules(cleaning, data, source_facts([frame_facts(f) for f in frames], mapped_columns(data)))
    clean_file(tmp / "raw.parquet", tmp / "clean.parquet", rules)
    return compose([f"paths.clean={tmp / 'clean.parquet'}", f"paths.ingest_report={tmp / 'absent.json'}",
                    f"paths.categories={tmp / 'categories.parquet'}",
                    f"paths.categories_report={tmp / 'categories.json'}", *overrides])


@pytest.mark.parametrize("layout", sorted(WITH_DESCRIPTIONS))
def test_real_layouts_with_descriptions_find_the_product_kinds_and_each_customer_s_favourite(tmp_path, layout):
    cfg = cleaned_config(tmp_path, WITH_DESCRIPTIONS[layout](tmp_path), "features=rfm_interests",
                         "categories.k_min=3", "categories.k_max=6", "categories.k_step=1")
    built = build_categories(cfg)
    assert built.report["source"] == "clustered" and built.report["products"] == 60
    kind_of = {f"{adjective} {noun}": kind for kind, noun in KINDS.items() for adjective in ADJECTIVES}
    products = built.products.assign(kind=built.products["description"].map(kind_of))
    assert products.groupby("category")["kind"].nunique().eq(1).all()   # no category mixes two kinds
    assert products["kind"].nunique() == products["category"].nunique() == 3
    for kind, noun in KINDS.items():  # each named by its noun: "mug", "jumbo shopper bag" or a part of it
        name = products.loc[products["kind"] == kind, "category_name"].iloc[0]
        assert set(name.replace(" / ", " ").split()) <= set(noun.lower().split())

    table, _ = customer_table(cfg)
    assert len(table) == 30
    shares = table[share_columns(3)]
    assert np.allclose(shares.sum(axis=1), 1.0)
    category_of_kind = products.groupby("kind")["category"].first()
    favourite = table["customer_id"].astype(float).astype(int).sub(12000).mod(3).map(dict(enumerate(KINDS)))
    top = shares.iloc[:, :3].to_numpy().argmax(axis=1)   # share_topN is category N - 1 (0: the most revenue)
    assert (top == favourite.map(category_of_kind).to_numpy()).all()
    assert table["active_months"].between(1, 6).all() and (table["category_entropy"] > 0).all()


@pytest.mark.parametrize("layout", sorted(WITHOUT_DESCRIPTIONS))
def test_real_layouts_without_descriptions_skip_the_categories_and_rfm_interests_is_one_line(tmp_path, layout):
    data = WITHOUT_DESCRIPTIONS[layout](tmp_path)
    cfg = cleaned_config(tmp_path, data, "features=rfm_interests")
    built = build_categories(cfg)
    assert built.products.empty and "description" in built.report["skipped"]
    with pytest.raises(UserError) as error:
        customer_table(cfg)
    message = str(error.value)
    assert "\n" not in message and "features=rfm_interests" in message and "Fix:" in message
    extras, _ = customer_table(cleaned_config(tmp_path, data, "features=rfm_extras"))
    assert len(extras) > 0   # the other feature sets work on the same data
