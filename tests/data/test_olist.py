"""The Olist export (a folder of CSV tables in the published schema) read as canonical lines:
one line per order, the buyer is customer_unique_id, cancelled orders are reversed."""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import conf_group, make_project, run_stage
from omegaconf import OmegaConf

from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.data.normalise import normalise
from segmentation.data.olist import read_olist, supplied_columns
from segmentation.data.readers import iter_transactions, mapped_columns

# unique customers (customer_unique_id); U1 buys twice under two per-order export customer_ids
U1, U2, U3, U4, U5 = ("7c396fd4830fd04220f754e42b4e5bff", "af07308b275d755c9edb36a90c618231",
                      "3a653a41f6f9fc3d2a113cf8398680e8", "7c142cf63193a1473d2e66489a9ae977",
                      "72632f0f9dd73dfee390c9b22eb56dd6")
O1 = "e481f51cbdc54678b7cc49136f2d6af7"  # U1, paid in two rows, delivered on time
O2 = "53cdb2fc8bc7dce0b6741e2150273451"  # U1 again, delivered late, two reviews
O3 = "c6e2731c5b391845f6800c97401a43a9"  # canceled, id starts with "c"
O4 = "949d5b44dbf5de918fe9c16f97b45f8a"  # shipped, not delivered, no review
O5 = "bfbd0f9bdef84302105ad712db648a6c"  # no payment row: priced from its items
O6 = "a4591c265e18cb1dcee52889e2d8acc3"  # unavailable (a cancellation)

CUSTOMERS = [  # customer_id (per order), customer_unique_id, zip, city, state
    ("9ef432eb6251297304e76186b10a928d", U1, "03149", "sao paulo", "SP"),
    ("b0830fb4747a6c6d20dea0b8c802d7ef", U1, "03149", "sao paulo", "SP"),
    ("41ce2a54c0b03bf3443c3d931a367089", U2, "47813", "barreiras", "BA"),
    ("f88197465ea7920adcdbec7375364d82", U3, "75265", "vianopolis", "GO"),
    ("8ab97904e6daea8866dbdbc4fb7aad2c", U4, "59296", "sao goncalo do amarante", "RN"),
    ("503740e9ca751ccdda7ba28e9ab8f608", U5, "01151", "sao paulo", "SP"),
]
ORDERS = [  # order, customer_id, status, purchased, approved, carrier, delivered, estimated
    (O1, CUSTOMERS[0][0], "delivered", "2017-10-02 10:56:33", "2017-10-02 11:07:15", "2017-10-04 19:55:00",
     "2017-10-10 21:25:13", "2017-10-18 00:00:00"),
    (O2, CUSTOMERS[1][0], "delivered", "2018-07-24 20:41:37", "2018-07-26 03:24:27", "2018-07-26 14:31:00",
     "2018-08-07 15:27:45", "2018-08-01 00:00:00"),
    (O3, CUSTOMERS[2][0], "canceled", "2018-02-13 21:18:39", "2018-02-13 22:20:29", "", "", "2018-03-05 00:00:00"),
    (O4, CUSTOMERS[3][0], "shipped", "2017-11-18 19:28:06", "2017-11-18 19:45:59", "2017-11-22 13:39:59", "",
     "2017-12-15 00:00:00"),
    (O5, CUSTOMERS[4][0], "delivered", "2017-12-01 08:15:00", "2017-12-01 08:30:10", "2017-12-04 18:00:00",
     "2017-12-08 10:02:11", "2017-12-20 00:00:00"),
    (O6, CUSTOMERS[5][0], "unavailable", "2017-01-05 11:56:06", "2017-01-07 03:35:44", "", "",
     "2017-02-01 00:00:00"),
]
PAYMENTS = [  # order, sequential, type, installments, value
    (O1, "1", "credit_card", "8", "100.00"), (O1, "2", "voucher", "1", "18.59"),
    (O2, "1", "credit_card", "1", "141.46"), (O3, "1", "boleto", "1", "72.20"),
    (O4, "1", "credit_card", "3", "50.00"), (O6, "1", "credit_card", "2", "30.00"),
]
ITEMS = [  # order, item, product, seller, shipping limit, price, freight
    (O5, "1", "87285b34884572647811a353c7ac498a", "3504c0cb71d7fa48d967e0e4c94d59d9", "2017-12-07 08:30:10",
     "44.99", "15.10"),
    (O5, "2", "87285b34884572647811a353c7ac498a", "3504c0cb71d7fa48d967e0e4c94d59d9", "2017-12-07 08:30:10",
     "44.99", "15.10"),
    (O1, "1", "595fac2a385ac33a80bd5114aec74eb8", "289cdb325fb7e7f891c38608bf9e0962", "2017-10-06 11:07:15",
     "99.90", "18.69"),
]
REVIEWS = [  # review, order, score, title, message, created, answered
    ("7bc2406110b926393aa56f80a40eba40", O1, "4", "", "", "2017-10-11 00:00:00", "2017-10-12 03:43:48"),
    ("80e641a11e56f04c1ad469d5645fdfde", O2, "5", "Ótimo", "Recebi bem, recomendo,\nmas atrasou.",
     "2018-08-08 00:00:00", "2018-08-08 18:39:12"),
    ("228ce5500dc1d8e020d8d1322874b6f0", O2, "2", "", "Chegou depois do prazo", "2018-08-09 00:00:00",
     "2018-08-10 11:02:05"),
    ("e64fb393e7b32834bb789ff8bb30750e", O3, "1", "", "", "2018-02-20 00:00:00", "2018-02-21 22:59:14"),
    ("f7c4243c7fe1938f181bec41a392bdeb", O5, "5", "", "Muito bom", "2017-12-09 00:00:00", "2017-12-11 08:01:40"),
    ("15197aa66ff4d0650b5434f1b46cda19", O6, "1", "", "", "2017-02-02 00:00:00", "2017-02-03 10:12:33"),
]
TABLES = {
    "olist_customers_dataset.csv": (["customer_id", "customer_unique_id", "customer_zip_code_prefix",
                                     "customer_city", "customer_state"], CUSTOMERS),
    "olist_orders_dataset.csv": (["order_id", "customer_id", "order_status", "order_purchase_timestamp",
                                  "order_approved_at", "order_delivered_carrier_date",
                                  "order_delivered_customer_date", "order_estimated_delivery_date"], ORDERS),
    "olist_order_payments_dataset.csv": (["order_id", "payment_sequential", "payment_type",
                                          "payment_installments", "payment_value"], PAYMENTS),
    "olist_order_items_dataset.csv": (["order_id", "order_item_id", "product_id", "seller_id",
                                       "shipping_limit_date", "price", "freight_value"], ITEMS),
    "olist_order_reviews_dataset.csv": (["review_id", "order_id", "review_score", "review_comment_title",
                                         "review_comment_message", "review_creation_date",
                                         "review_answer_timestamp"], REVIEWS),
}
CANONICAL = ["invoice", "stock_code", "description", "quantity", "price", "invoice_date", "customer_id", "country"]


def write_export(folder, skip=(), edit=None):
    """The export's tables in `folder`; `edit(name, frame)` may alter a table before it is written."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (columns, rows) in TABLES.items():
        if name in skip:
            continue
        frame = pd.DataFrame(rows, columns=columns, dtype=str)
        frame = edit(name, frame) if edit else frame
        frame.to_csv(folder / name, index=False)
    return folder


def config(folder, **overrides) -> dict:
    return conf_group("data", "olist", path=str(folder), **overrides)


@pytest.fixture
def export(tmp_path):
    return write_export(tmp_path / "olist")


def by_invoice(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("invoice")


def test_one_line_per_order_plus_a_reversing_line_per_cancelled_order(export):
    frame = read_olist(config(export))
    assert frame["invoice"].tolist() == [O6, f"{O6}-cancelled", O1, O4, O5, O3, f"{O3}-cancelled", O2]
    assert list(frame.columns) == [*CANONICAL, "review_score", "installments", "late_delivery"]
    assert frame["quantity"].tolist() == [1.0, -1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 1.0]
    assert frame["stock_code"].isna().all() and frame["description"].isna().all()


def test_the_buyer_is_the_unique_customer_not_the_per_order_id(export):
    frame = read_olist(config(export))
    assert frame["customer_id"].nunique() == 5
    purchases = frame[frame["quantity"] > 0]
    assert purchases.groupby("customer_id")["invoice"].nunique()[U1] == 2
    lines = by_invoice(frame)
    assert lines.loc[O1, "customer_id"] == lines.loc[O2, "customer_id"] == U1
    assert lines.loc[O3, "country"] == "BA" and lines.loc[O1, "country"] == "SP"


def test_amounts_dates_and_order_attributes(export):
    lines = by_invoice(read_olist(config(export)))
    # two payment rows summed (the items' 99.90 + 18.69 are ignored when payments exist)
    assert lines.loc[O1, "price"] == pytest.approx(118.59)
    assert lines.loc[O5, "price"] == pytest.approx(2 * (44.99 + 15.10))  # no payment row: items + freight
    assert lines.loc[f"{O3}-cancelled", "price"] == lines.loc[O3, "price"] == pytest.approx(72.20)
    assert lines.loc[f"{O3}-cancelled", "invoice_date"] == lines.loc[O3, "invoice_date"] == pd.Timestamp(
        "2018-02-13 21:18:39")
    assert lines.loc[O1, "installments"] == 8.0 and lines.loc[O2, "installments"] == 1.0
    assert math.isnan(lines.loc[O5, "installments"])
    assert lines.loc[O2, "review_score"] == 3.5 and lines.loc[O1, "review_score"] == 4.0
    assert math.isnan(lines.loc[O4, "review_score"])
    assert lines.loc[O1, "late_delivery"] == 0.0 and lines.loc[O2, "late_delivery"] == 1.0
    assert math.isnan(lines.loc[O4, "late_delivery"]) and math.isnan(lines.loc[O3, "late_delivery"])
    assert lines.loc[f"{O6}-cancelled", "installments"] == 2.0


def test_dtypes_match_the_normalised_reference_formats(export):
    frame = read_olist(config(export))
    raw = pd.DataFrame({"c": ["A"], "d": ["2011-01-03 10:00:00"], "a": ["1.5"], "i": ["1"], "k": ["UK"]})
    reference = normalise(raw, {"customer_id": "c", "invoice_date": "d", "amount": "a", "invoice": "i",
                                "country": "k"})
    assert frame[CANONICAL].dtypes.to_dict() == reference.dtypes.to_dict()
    assert (frame[["review_score", "installments", "late_delivery"]].dtypes == "float64").all()


def test_without_the_optional_files(tmp_path, capsys):
    folder = write_export(tmp_path / "olist", skip=("olist_order_items_dataset.csv",
                                                    "olist_order_reviews_dataset.csv"))
    frame = read_olist(config(folder))
    assert O5 not in set(frame["invoice"]) and len(frame) == 7
    assert list(frame.columns) == [*CANONICAL, "installments", "late_delivery"]
    assert "1 order(s) left out" in capsys.readouterr().out


def test_cancelled_statuses_are_configurable(export):
    frame = read_olist(config(export, cancelled_statuses=["canceled"]))
    assert frame["invoice"].tolist() == [O6, O1, O4, O5, O3, f"{O3}-cancelled", O2]


def test_renamed_files_are_found_through_data_files(tmp_path):
    folder = write_export(tmp_path / "olist")
    (folder / "olist_orders_dataset.csv").rename(folder / "orders.csv")
    files = {**conf_group("data", "olist")["files"], "orders": "orders.csv"}
    assert len(read_olist(config(folder, files=files))) == 8


def test_the_reader_dispatch(export):
    data = config(export)
    [frame] = list(iter_transactions(data))
    pd.testing.assert_frame_equal(frame, read_olist(data))
    assert mapped_columns(data) == supplied_columns(data) == {"invoice", "country"}


def drop_row(file, column, value):
    return lambda name, frame: frame[frame[column] != value] if name == file else frame


def set_cell(file, order, column, value):
    def edit(name, frame):
        if name == file:
            frame.loc[frame["order_id"] == order, column] = value
        return frame
    return edit


BAD = [
    ("required file missing", {"skip": ("olist_order_payments_dataset.csv",)},
     ["olist_order_payments_dataset.csv", "not found", "olist_orders_dataset.csv", "data.files.payments"]),
    ("required column missing", {"edit": lambda n, f: f.drop(columns="payment_value")
                                 if n == "olist_order_payments_dataset.csv" else f},
     ["olist_order_payments_dataset.csv", "'payment_value' not found", "payment_installments"]),
    ("order without a known customer", {"edit": drop_row("olist_customers_dataset.csv", "customer_unique_id", U3)},
     ["1 order(s) have a customer_id missing from olist_customers_dataset.csv", O4]),
    ("unparseable purchase timestamp", {"edit": set_cell("olist_orders_dataset.csv", O4,
                                                         "order_purchase_timestamp", "18/11/2017 7pm")},
     ["order_purchase_timestamp", O4, "'18/11/2017 7pm'"]),
    ("negative payment total", {"edit": set_cell("olist_order_payments_dataset.csv", O4, "payment_value", "-50")},
     [f"order {O4} has a negative payment total (-50)"]),
    ("header-only file", {"edit": lambda n, f: f.iloc[:0] if n == "olist_order_payments_dataset.csv" else f},
     ["olist_order_payments_dataset.csv has a header but no data rows"]),
]


@pytest.mark.parametrize("name, write, fragments", BAD, ids=[case[0] for case in BAD])
def test_bad_exports_are_one_plain_error(tmp_path, name, write, fragments):
    folder = write_export(tmp_path / "olist", **write)
    with pytest.raises(UserError) as raised:
        read_olist(config(folder))
    message = str(raised.value)
    assert "\n" not in message and "Fix:" in message
    for fragment in fragments:
        assert fragment in message, message


def test_an_empty_file_is_refused(export):
    (export / "olist_orders_dataset.csv").write_text("")
    with pytest.raises(UserError, match=r"olist_orders_dataset.csv is empty.*Fix"):
        read_olist(config(export))


def test_a_missing_folder_or_a_file_is_refused(tmp_path):
    with pytest.raises(UserError, match=r"data folder not found: .*absent.*Fix"):
        list(iter_transactions(config(tmp_path / "absent")))
    (tmp_path / "orders.csv").write_text("order_id\n1\n")
    with pytest.raises(UserError, match=r"is a file, but data.format=olist reads a folder.*Fix"):
        read_olist(config(tmp_path / "orders.csv"))


def test_ingest_stage_writes_the_extras_and_refuses_a_bad_export_in_one_line(tmp_path):
    # the composed config, not params.yaml: the stage must work from conf/ as it is
    cfg = OmegaConf.to_container(compose(["data=olist"]), resolve=True)
    project = make_project(tmp_path, **{**cfg, "data": config("data/olist")})
    write_export(project / "data" / "olist")
    result = run_stage("ingest", project)
    assert result.returncode == 0, result.stderr
    table = pq.read_table(project / cfg["paths"]["raw"])
    assert table.num_rows == 8 and table.schema.names[-3:] == ["review_score", "installments", "late_delivery"]
    report = json.loads((project / cfg["paths"]["ingest_report"]).read_text())
    assert report["columns"]["invoice"] and report["columns"]["country"] and not report["columns"]["quantity"]

    (project / "data" / "olist" / "olist_customers_dataset.csv").unlink()
    result = run_stage("ingest", project)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 2 and "Traceback" not in result.stderr and len(errors) == 1, result.stderr
    assert "olist_customers_dataset.csv" in errors[0] and "Fix" in errors[0]
