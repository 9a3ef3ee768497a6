"""The campaign export: columns, rounding, the summary by hand, safe sheet names, XLSX == CSV."""

from __future__ import annotations

import datetime
import zipfile

import openpyxl
import pandas as pd
import pytest

from segmentation.common.errors import UserError
from segmentation.marketing.campaign import (
    COLUMNS,
    SUMMARY_SHEET,
    campaign_table,
    segment_summary,
    sheet_names,
    write_campaign,
)

CUSTOMERS = pd.DataFrame({
    "customer_id": ["c1", "c2", "c3", "c4", "c5"],
    "recency": [3, 40, 200, 10, 90],
    "frequency": [10, 2, 1, 4, 3],
    "monetary": [1234.5678, 80.004, 19.999, 400.01, -5.0],
    "last_purchase": pd.to_datetime(["2011-12-06 14:30", "2011-10-30 09:00", "2011-05-24 17:59",
                                     "2011-11-29 08:00", "2011-09-10 12:00"]),
})
SEGMENTS = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4", "c5"], "segment": [1, 0, 0, 1, 2],
                         "segment_name": ["Champions", "Hibernating", "Hibernating", "Champions",
                                          "Wholesalers / big accounts"]})
VALUE = pd.DataFrame({"customer_id": ["c5", "c4", "c3", "c2", "c1"],
                      "expected_revenue": [0.0, 500.556, 1.234, 20.0, 300.0],
                      "probability_active": [0.1, 0.9876, 0.05, 0.5, 0.99]})


def test_columns_rounding_dates_and_order():
    table = campaign_table(CUSTOMERS, SEGMENTS, VALUE, actions={"Champions": ["Reward them.", "Ask for referrals."]})
    assert table.columns.tolist() == COLUMNS
    # by segment id, then expected revenue, highest first
    assert table["customer_id"].tolist() == ["c2", "c3", "c4", "c1", "c5"]
    row = table.set_index("customer_id").loc["c1"]
    assert row["spend"] == 1234.57 and row["orders"] == 10
    assert row["last_purchase_date"] == datetime.date(2011, 12, 6)  # a date: no time of day
    assert row["expected_revenue_next_quarter"] == 300.0 and row["probability_active"] == 99.0  # %
    assert table.set_index("customer_id").loc["c4", "expected_revenue_next_quarter"] == 500.56  # cents
    assert table.set_index("customer_id").loc["c4", "probability_active"] == 98.8
    assert row["suggested_action"] == "Reward them."  # the first action of the segment
    assert table.set_index("customer_id").loc["c2", "suggested_action"].startswith("Reactivate")  # naming's


def test_without_a_value_model_value_columns_are_empty_not_guessed():
    table = campaign_table(CUSTOMERS, SEGMENTS)
    assert table["expected_revenue_next_quarter"].isna().all() and table["probability_active"].isna().all()
    assert table["customer_id"].tolist() == ["c2", "c3", "c1", "c4", "c5"]  # then by spend
    summary = segment_summary(table)
    assert summary["expected_revenue"].isna().all() and summary["share_of_expected_revenue_pct"].isna().all()


def test_segment_summary_by_hand():
    summary = segment_summary(campaign_table(CUSTOMERS, SEGMENTS, VALUE)).set_index("segment_name")
    assert summary.index.tolist() == ["Champions", "Hibernating", "Wholesalers / big accounts", "All customers"]
    champions = summary.loc["Champions"]
    # c1 + c4: 2 customers, 14 orders, 1234.57 + 400.01 = 1634.58, AOV 1634.58 / 14 = 116.7557 -> 116.76
    assert (champions["customers"], champions["orders"], champions["revenue"]) == (2, 14, 1634.58)
    assert champions["average_order_value"] == 116.76
    assert champions["expected_revenue"] == pytest.approx(800.56)  # 300 + 500.56
    assert champions["share_of_customers_pct"] == 40.0
    total = summary.loc["All customers"]
    # 1234.57 + 80.00 + 20.00 + 400.01 - 5 = 1729.58; share of revenue 1634.58 / 1729.58 = 94.51 %
    assert (total["customers"], total["orders"], total["revenue"]) == (5, 20, 1729.58)
    assert champions["share_of_revenue_pct"] == 94.5
    assert total["share_of_customers_pct"] == 100.0 and total["expected_revenue"] == pytest.approx(821.79)


@pytest.mark.parametrize("names, expected", [
    (["Wholesalers / big accounts"], ["Wholesalers - big accounts"]),
    (["a[b]:c*d?e\\f"], ["a-b--c-d-e-f"]),
    (["A very long segment name that goes on and on"], ["A very long segment name that g"]),
    (["summary", "Champions", "champions"], ["summary (2)", "Champions", "champions (2)"]),
    (["'Quoted'", "History", "***"], ["Quoted", "History (2)", "---"]),
    (["", "x" * 40, "x" * 40], ["Segment", "x" * 31, "x" * 27 + " (2)"]),
])
def test_sheet_names_are_excel_safe(names, expected):
    result = sheet_names(names)
    assert result == expected
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in result)
    assert len({n.casefold() for n in result} | {SUMMARY_SHEET.casefold()}) == len(result) + 1


def _written(tmp_path, value=VALUE):
    table = campaign_table(CUSTOMERS, SEGMENTS, value)
    summary = segment_summary(table)
    csv, xlsx = tmp_path / "campaign.csv", tmp_path / "campaign.xlsx"
    write_campaign(table, summary, csv, xlsx)
    return table, summary, csv, xlsx


@pytest.mark.parametrize("value", [VALUE, None], ids=["with value", "without value"])
def test_the_xlsx_round_trips_to_the_csv(tmp_path, value):
    table, summary, csv, xlsx = _written(tmp_path, value)
    from_csv = pd.read_csv(csv, dtype={"customer_id": str}, parse_dates=["last_purchase_date"])
    sheets = pd.read_excel(xlsx, sheet_name=None, dtype={"customer_id": str}, engine="openpyxl")
    assert list(sheets) == ["Summary", "Champions", "Hibernating", "Wholesalers - big accounts"]
    for name, segment in [("Champions", 1), ("Hibernating", 0), ("Wholesalers - big accounts", 2)]:
        expected = from_csv[from_csv["segment"] == segment].reset_index(drop=True)
        pd.testing.assert_frame_equal(sheets[name], expected, check_dtype=False)
    pd.testing.assert_frame_equal(sheets["Summary"], summary.astype({"segment": float}), check_dtype=False)
    assert not list(tmp_path.glob(".*.tmp"))


def test_xlsx_cells_are_real_dates_and_money_formats(tmp_path):
    _, _, csv, xlsx = _written(tmp_path)
    sheet = openpyxl.load_workbook(xlsx)["Champions"]
    header = [c.value for c in sheet[1]]
    date_cell = sheet.cell(row=2, column=header.index("last_purchase_date") + 1)
    assert date_cell.is_date and date_cell.value == datetime.datetime(2011, 11, 29)
    assert sheet.cell(row=2, column=header.index("spend") + 1).number_format == "#,##0.00"
    assert sheet.freeze_panes == "A2"
    assert "2011-11-29," in csv.read_text()  # the CSV writes the date alone


def test_same_content_gives_the_same_bytes(tmp_path):
    first = _written(tmp_path / "a")[3].read_bytes()
    second = _written(tmp_path / "b")[3].read_bytes()
    assert first == second and zipfile.is_zipfile(tmp_path / "a" / "campaign.xlsx")


def test_a_failed_write_leaves_neither_file(tmp_path, monkeypatch):
    table, summary, csv, xlsx = _written(tmp_path)
    csv.unlink(), xlsx.unlink()
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        write_campaign(table, summary, csv, xlsx)
    assert not csv.exists() and not xlsx.exists() and not list(tmp_path.glob(".*.tmp"))


def test_bad_inputs_are_user_errors():
    with pytest.raises(UserError, match="not in the customer table.*Fix:"):
        campaign_table(CUSTOMERS.head(3), SEGMENTS)
    with pytest.raises(UserError, match=r"lacks column\(s\) \['frequency'\]"):
        campaign_table(CUSTOMERS.drop(columns="frequency"), SEGMENTS)
    with pytest.raises(UserError, match="value table lacks"):
        campaign_table(CUSTOMERS, SEGMENTS, VALUE.drop(columns="probability_active"))
    with pytest.raises(UserError, match="more than once"):
        campaign_table(CUSTOMERS, pd.concat([SEGMENTS, SEGMENTS.head(1)]))


def test_a_table_without_last_purchase_leaves_the_date_empty():
    table = campaign_table(CUSTOMERS.drop(columns="last_purchase"), SEGMENTS)
    assert table["last_purchase_date"].isna().all() and table["spend"].notna().all()
