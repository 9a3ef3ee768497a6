"""Readers: every supported format and mapping, and one plain message per user error."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import UCI_COLUMNS, UCI_MAPPING, uci_sheets, write_xlsx

from segmentation.common.errors import UserError
from segmentation.data.normalise import normalise
from segmentation.data.readers import iter_transactions


def read(path, columns=UCI_MAPPING, **options) -> pd.DataFrame:
    data = {"path": str(path), "format": "auto", "sheets": None, "encoding": None, "delimiter": None,
            "date_format": None, "columns": columns, **options}
    return pd.concat(list(iter_transactions(data)), ignore_index=True)


UCI_SHEETS = ["Year 2009-2010", "Year 2010-2011"]
TRANSACTIONS = {"customer_id": "client", "invoice_date": "day", "price": None, "amount": "amount",
                "invoice": None, "quantity": None, "country": None, "stock_code": None, "description": None}


def test_online_retail_ii_xlsx_concatenates_both_sheets_and_fixes_real_quirks(uci_xlsx):
    frame = read(uci_xlsx, sheets=UCI_SHEETS)
    assert len(frame) == 7
    assert list(frame.columns) == ["invoice", "stock_code", "description", "quantity", "price",
                                   "invoice_date", "customer_id", "country"]
    assert frame["invoice"].tolist() == ["489434", "489434", "489435", "C489449", "539993", "539993", "540001"]
    assert frame["stock_code"].tolist() == ["85048", "79323P", "22041", "22087", "22386", "POST", "85123A"]
    assert frame["customer_id"].tolist()[:4] == ["13085", "13085", pd.NA, "16321"]
    assert frame["quantity"].tolist()[3] == -12.0
    assert frame["invoice_date"].iloc[4] == pd.Timestamp("2011-01-04 10:00")
    assert frame["country"].iloc[6] == "Réunion"


def test_xlsx_dates_at_midnight_beside_dates_with_a_time_are_one_format(tmp_path):
    """Excel stores every date cell as a number; the reader hands a cell at midnight back as a
    date and the others as datetimes, which, compared as text, looked like two formats."""
    sheet = uci_sheets()["Year 2010-2011"]
    sheet["InvoiceDate"] = pd.to_datetime(["2011-01-04 00:00", "2011-01-04 00:00", "2011-01-05 11:30"])
    frame = read(write_xlsx(tmp_path / "shop.xlsx", {"Sheet1": sheet}), sheets=["Sheet1"])
    assert frame["invoice_date"].tolist() == [pd.Timestamp("2011-01-04"), pd.Timestamp("2011-01-04"),
                                              pd.Timestamp("2011-01-05 11:30")]


def test_a_wrong_sheet_name_lists_the_sheets_found(uci_xlsx):
    with pytest.raises(UserError, match=r"sheet\(s\) \['Year 2011'\] not found.*Year 2009-2010.*Fix: set data.sheets"):
        read(uci_xlsx, sheets=["Year 2011"])


def test_online_retail_mapping_reads_the_older_column_names(tmp_path):
    legacy = uci_sheets()["Year 2010-2011"].rename(
        columns={"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"})
    path = write_xlsx(tmp_path / "Online Retail.xlsx", {"Online Retail": legacy})
    columns = {**UCI_MAPPING, "invoice": "InvoiceNo", "price": "UnitPrice", "customer_id": "CustomerID"}
    frame = read(path, columns=columns, sheets=["Online Retail"])
    assert frame["customer_id"].tolist() == ["13313", "13313", "12345"]
    assert frame["price"].tolist() == [1.95, 18.0, 2.55]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_csv_export_is_read_in_utf8_or_latin1(tmp_path, encoding):
    frame = pd.concat(uci_sheets().values())
    path = tmp_path / "online_retail_II.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    result = read(path)
    assert len(result) == 7
    assert result["country"].iloc[6] == "Réunion"
    assert result["customer_id"].iloc[0] == "13085"  # "13085.0" in the CSV export


def test_semicolon_delimited_csv_is_sniffed(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("client;day;amount\nA1;2011-01-03;10.5\nA1;2011-01-03;4.5\nB2;2011-02-01;7\n")
    frame = read(path, columns=TRANSACTIONS)
    assert frame["price"].tolist() == [10.5, 4.5, 7.0]


def test_whitespace_text_with_date_format_amounts_and_no_invoice(tmp_path):
    path = tmp_path / "cdnow.txt"
    path.write_text("00001 19970101 2 11.77\n00001 19970101 1 5.00\n00002 19970112 4 20.00\n")
    columns = {**TRANSACTIONS, "customer_id": "id", "invoice_date": "date", "quantity": "qty", "amount": "amount"}
    path.write_text("id date qty amount\n" + path.read_text())
    frame = read(path, columns=columns, date_format="%Y%m%d")
    assert frame["customer_id"].tolist() == ["00001", "00001", "00002"]  # ids keep leading zeros
    assert frame["price"].tolist() == pytest.approx([11.77 / 2, 5.0, 5.0])
    # no invoice column: one order per customer per day
    assert frame["invoice"].tolist() == ["00001-19970101", "00001-19970101", "00002-19970112"]
    assert frame["invoice_date"].iloc[2] == pd.Timestamp("1997-01-12")


def test_parquet_is_streamed_into_the_canonical_schema(tmp_path):
    path = tmp_path / "t.parquet"
    pd.concat(uci_sheets().values()).astype({"Invoice": str, "StockCode": str}).to_parquet(path)
    frame = read(path)
    assert len(frame) == 7 and frame["customer_id"].iloc[4] == "13313"


def test_missing_column_lists_columns_found_and_the_mapping_that_fixes_it(tmp_path):
    path = tmp_path / "t.csv"
    frame = pd.concat(uci_sheets().values()).rename(columns={"Customer ID": "CustomerID"})
    frame.to_csv(path, index=False)
    with pytest.raises(UserError) as err:
        read(path)
    message = str(err.value)
    assert "customer_id='Customer ID'" in message and "Columns found" in message and "CustomerID" in message
    assert "data.columns.customer_id=CustomerID" in message


def test_unparseable_dates_quote_an_example_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("client,day,amount\nA,2011-01-03,1\nB,2011-01-04,2\nC,not a date,3\n")
    with pytest.raises(UserError, match=r"data row 3: 'not a date'.*data.date_format"):
        read(path, columns=TRANSACTIONS)


def test_numeric_dates_without_a_format_ask_for_one(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"client": ["A"], "day": [20110103], "amount": [1.0]}).to_parquet(path)
    with pytest.raises(UserError, match=r"holds numbers.*data.date_format='%Y%m%d'"):
        read(path, columns=TRANSACTIONS)


@pytest.mark.parametrize("value, hint", [("£3.50", "currency"), ("3,50", "decimal separator"), ("abc", "correct the column")])
def test_non_numeric_prices_say_which_row_and_why(tmp_path, value, hint):
    path = tmp_path / "t.csv"
    path.write_text(f'client,day,amount\nA,2011-01-03,1.0\nB,2011-01-04,"{value}"\n')
    with pytest.raises(UserError, match=rf"column 'amount' are not numbers, e.g. data row 2: '{value}'.*{hint}"):
        read(path, columns=TRANSACTIONS)


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("client,day,amount\n", "header but no data rows"),
    ("client,day,client\nA,2011-01-01,B\n", "repeats column"),
])
def test_empty_header_only_and_duplicated_header_files(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        read(path, columns=TRANSACTIONS)


def test_missing_file_and_corrupted_xlsx(tmp_path):
    with pytest.raises(UserError, match="data file not found.*set data.path"):
        read(tmp_path / "nope.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(UserError, match="not a readable Excel file"):
        read(broken)


def test_normalise_rejects_infinite_and_missing_numbers():
    raw = pd.DataFrame({c: ["x"] for c in UCI_COLUMNS})
    raw["InvoiceDate"] = pd.Timestamp("2011-01-01")
    raw["Quantity"] = [float("inf")]
    raw["Price"] = [1.0]
    with pytest.raises(UserError, match="infinite value on data row 1"):
        normalise(raw, UCI_MAPPING)
    raw["Quantity"] = [None]
    with pytest.raises(UserError, match="'Quantity' is empty on data row 1"):
        normalise(raw, UCI_MAPPING)


def test_future_dates_are_refused():
    raw = pd.DataFrame({"client": ["A"], "day": ["2999-01-01"], "amount": [1.0]})
    with pytest.raises(UserError, match="in the future"):
        normalise(raw, TRANSACTIONS)


def test_xlsx_with_a_repeated_header_or_mismatched_sheets(tmp_path):
    sheets = uci_sheets()
    repeated = sheets["Year 2009-2010"].copy()
    repeated.columns = [*UCI_COLUMNS[:-1], "Price"]
    path = write_xlsx(tmp_path / "dup.xlsx", {"Year 2009-2010": repeated})
    with pytest.raises(UserError, match=r"repeats column\(s\) \['Price'\]"):
        read(path, sheets=["Year 2009-2010"])
    renamed = sheets["Year 2010-2011"].rename(columns={"Price": "UnitPrice"})
    path = write_xlsx(tmp_path / "mixed.xlsx", {"Year 2009-2010": sheets["Year 2009-2010"], "Year 2010-2011": renamed})
    with pytest.raises(UserError, match="unlike sheet 'Year 2009-2010'"):
        read(path, sheets=UCI_SHEETS)


def test_xlsx_sheets_read_in_parallel_match_pandas_read_excel(tmp_path):
    """The threaded calamine reader gives what pd.read_excel gives: blanks and NA strings missing, types kept."""
    from segmentation.data.readers import read_table

    sheets = uci_sheets()
    second = sheets["Year 2010-2011"].astype({"Description": object})
    second.loc[0, "Description"] = "NULL"
    second.loc[1, "Description"] = ""
    path = write_xlsx(tmp_path / "na.xlsx", {"Year 2009-2010": sheets["Year 2009-2010"], "Year 2010-2011": second})
    ours = read_table(path, "xlsx", UCI_SHEETS)
    expected = pd.concat(pd.read_excel(path, sheet_name=UCI_SHEETS, engine="calamine").values(), ignore_index=True)
    pd.testing.assert_frame_equal(normalise(ours, UCI_MAPPING), normalise(expected, UCI_MAPPING))
    assert ours["Description"].isna().tolist()[4:6] == [True, True]
    assert len(ours) == 7 and ours["InvoiceDate"].dtype.kind == "M"


def test_an_empty_sheet_is_refused_by_name(tmp_path):
    path = write_xlsx(tmp_path / "empty.xlsx", {"Year 2009-2010": pd.DataFrame()})
    with pytest.raises(UserError, match=r"Columns found: \[\]"):
        read(path, sheets=["Year 2009-2010"])
