"""A series of per-snapshot tables built elsewhere: finding the files and the id, reading, and the
warnings that flag a series built wrongly. Tiny hand-made tables; every count is checkable by eye."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.common.errors import UserError
from segmentation.features.precomputed import (
    ID_SPELLINGS,
    check_series,
    detect_id_column,
    read_snapshot_series,
    snapshot_files,
    snapshot_slug,
)

NAMES = ["baseline", "J+1", "J+15", "M+1", "M+3", "M+6"]
TOTALS = ["total_invoices", "total_quantity"]


def write(folder, name: str, rows: list[tuple], columns: list[str]):
    pd.DataFrame(rows, columns=columns).to_csv(folder / name, index=False)
    return folder / name


def checks(warnings: list[dict]) -> list[tuple]:
    return [(w["check"], w["snapshot"], w["count"]) for w in warnings]


@pytest.mark.parametrize("columns, expected", [
    (["Customer ID", "recency"], "Customer ID"),
    (["recency", "CustomerID"], "CustomerID"),
    (["customerid", "recency"], "customerid"),
    (["Customer_ID"], "Customer_ID"),
    (["customer_unique_id", "customer_id"], "customer_id"),  # the first common spelling wins, not the first column
    (["total_price", "customer_unique_id"], "customer_unique_id"),
])
def test_the_id_column_is_found_whatever_its_spelling(columns, expected):
    assert detect_id_column(columns) == expected


def test_a_given_id_column_is_used_and_must_exist():
    assert detect_id_column(["client", "customer_id"], given="client") == "client"
    with pytest.raises(UserError, match=r"'client' not found.*Fix: set features.id_column"):
        detect_id_column(["customer_id", "recency"], given="client")


def test_no_id_column_lists_the_columns_and_the_fix():
    with pytest.raises(UserError) as err:
        detect_id_column(["shopper", "total_price"])
    message = str(err.value)
    assert "['shopper', 'total_price']" in message and "Fix: set features.id_column" in message
    assert "customer_id" in ID_SPELLINGS


def test_slugs_are_lower_case_names_without_plus():
    assert [snapshot_slug(n) for n in ("baseline", "J+1", "J+15", "M+3")] == ["baseline", "j1", "j15", "m3"]


def test_files_are_found_by_pattern_with_slug_or_name(tmp_path):
    for name in ("rfm_baseline.csv", "rfm_j1.csv", "rfm_m3.csv", "baseline.csv", "M+1.csv"):
        (tmp_path / name).write_text("customer_id,x\n1,1\n")
    assert snapshot_files(tmp_path, ["baseline", "J+1", "J+15", "M+3"], None, "rfm_{slug}.csv") == {
        "baseline": tmp_path / "rfm_baseline.csv", "J+1": tmp_path / "rfm_j1.csv", "M+3": tmp_path / "rfm_m3.csv"}
    assert snapshot_files(tmp_path, ["baseline", "M+1", "M+2"], None, "{name}.csv") == {
        "baseline": tmp_path / "baseline.csv", "M+1": tmp_path / "M+1.csv"}


def test_files_are_found_by_mapping_or_default_names(tmp_path):
    for name in ("start.csv", "later.csv", "baseline.parquet", "baseline.csv", "J+1.csv"):
        (tmp_path / name).write_text("")
    assert snapshot_files(tmp_path, ["baseline", "M+1", "M+2"], {"baseline": "start.csv", "M+1": "later.csv"},
                          None) == {"baseline": tmp_path / "start.csv", "M+1": tmp_path / "later.csv"}
    assert snapshot_files(tmp_path, ["baseline", "J+1", "M+1"], None, None) == {
        "baseline": tmp_path / "baseline.parquet", "J+1": tmp_path / "J+1.csv"}  # parquet first, as before


@pytest.mark.parametrize("pattern, says", [("rfm.csv", "same file for every snapshot"),
                                           ("rfm_{slug}_{month}.csv", "unknown placeholder")])
def test_a_bad_pattern_is_a_user_error(tmp_path, pattern, says):
    with pytest.raises(UserError, match=f"{says}.*Fix:"):
        snapshot_files(tmp_path, ["baseline"], None, pattern)


def test_a_missing_baseline_names_the_folder_the_file_and_the_fix(tmp_path):
    (tmp_path / "rfm_j1.csv").write_text("customer_id,x\n1,1\n")
    with pytest.raises(UserError) as err:
        snapshot_files(tmp_path, ["baseline", "J+1"], None, "rfm_{slug}.csv")
    message = str(err.value)
    assert str(tmp_path) in message and "rfm_baseline.csv" in message and "Fix:" in message
    assert "stability.precomputed_files" in message and "stability.precomputed_pattern" in message
    with pytest.raises(UserError, match="Fix:"):
        read_snapshot_series(tmp_path, ["baseline", "J+1"])


def test_features_are_the_numeric_columns_of_the_baseline(tmp_path):
    """Text, flags and the unnamed index column `to_csv` writes are not features; float ids lose '.0'."""
    pd.DataFrame({"Customer ID": [13085.0, 13313.0], "Country": ["France", "Spain"], "is_new": [True, False],
                  "total_invoices": [2, 5], "total_price": [10.5, 99.0]}).to_csv(tmp_path / "baseline.csv")
    tables, warnings = read_snapshot_series(tmp_path, ["baseline"])
    baseline = tables["baseline"]
    assert list(baseline.columns) == ["customer_id", "total_invoices", "total_price"] and warnings == []
    assert baseline["customer_id"].tolist() == ["13085", "13313"]
    assert baseline[["total_invoices", "total_price"]].dtypes.eq("float64").all()
    assert baseline["total_invoices"].tolist() == [2.0, 5.0]
    chosen, _ = read_snapshot_series(tmp_path, ["baseline"], columns=["total_price"])
    assert list(chosen["baseline"].columns) == ["customer_id", "total_price"]


def test_a_bad_value_in_a_later_snapshot_is_reported_by_the_shared_checks(tmp_path):
    columns = ["CustomerID", "recency"]
    write(tmp_path, "baseline.csv", [(1, 3), (2, 4)], columns)
    write(tmp_path, "J+1.csv", [(1, 4), (2, "n/a")], columns)
    with pytest.raises(UserError, match=r"J\+1.csv: column 'recency' is not a finite number on data row 2.*Fix:"):
        read_snapshot_series(tmp_path, ["baseline", "J+1"])


def test_a_precomputed_series_with_a_copy_a_loss_and_a_missing_column(tmp_path):
    """J+1 is the baseline again (rows shuffled), J+15 loses customers 3 and 4, M+1 lacks recency,
    M+6 has no file; M+3 has everyone back plus a newcomer, with totals that only grew."""
    columns = ["Customer ID", *TOTALS, "recency"]
    baseline = [(1, 2, 10, 5), (2, 1, 4, 30), (3, 5, 50, 2), (4, 1, 1, 90)]
    write(tmp_path, "rfm_baseline.csv", baseline, columns)
    write(tmp_path, "rfm_j1.csv", baseline[::-1], columns)
    write(tmp_path, "rfm_j15.csv", [(1, 3, 12, 1), (2, 1, 4, 44)], ["CustomerID", *TOTALS, "recency"])
    write(tmp_path, "rfm_m1.csv", [(1, 3, 12), (2, 1, 4), (3, 5, 50), (4, 1, 1)], ["Customer ID", *TOTALS])
    write(tmp_path, "rfm_m3.csv", [(1, 4, 20, 3), (2, 2, 6, 10), (3, 5, 50, 100), (4, 1, 1, 180), (5, 1, 2, 7)],
          columns)

    tables, read_warnings = read_snapshot_series(tmp_path, NAMES, pattern="rfm_{slug}.csv")
    assert list(tables) == ["baseline", "J+1", "J+15", "M+3"]
    assert checks(read_warnings) == [("missing_columns", "M+1", 1), ("missing_file", "M+6", 1)]
    assert "recency" in read_warnings[0]["message"] and "rfm_m6.csv" in read_warnings[1]["message"]
    assert tables["J+15"]["customer_id"].tolist() == ["1", "2"]
    assert tables["M+3"].loc[4, ["total_invoices", "recency"]].tolist() == [1.0, 7.0]

    warnings = check_series(tables, NAMES, cumulative_columns=TOTALS)
    assert checks(warnings) == [("identical_to_previous", "J+1", 4), ("customers_lost", "J+15", 2)]
    assert "adds nothing" in warnings[0]["message"] and "lacks 2 customer(s)" in warnings[1]["message"]
    assert set(warnings[0]) == {"check", "snapshot", "count", "message"}


def test_decreasing_cumulative_totals_are_counted_per_customer():
    before = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "total_invoices": [3.0, 2.0, 1.0, 1.0],
                           "total_quantity": [10.0, 5.0, 1.0, 7.0], "total_price": [9.0, 9.0, 9.0, 9.0]})
    after = pd.DataFrame({"customer_id": ["a", "b", "c", "e"], "total_invoices": [2.0, 2.0, 1.0, 1.0],
                          "total_quantity": [9.0, 4.0, 1.0 - 1e-12, 1.0]})
    warnings = check_series({"M+1": before, "M+2": after}, ["M+1", "M+2"],
                            cumulative_columns=[*TOTALS, "total_price", "recency"])
    # a: both totals fall, b: quantity falls, c: rounding noise only; d is lost; total_price only before
    assert checks(warnings) == [("customers_lost", "M+2", 1), ("decreasing_totals", "M+2", 2)]
    assert "(total_invoices: 1, total_quantity: 2)" in warnings[1]["message"]
    assert "returns, or tables built wrongly" in warnings[1]["message"]
    assert check_series({"M+1": before, "M+2": after}, ["M+1", "M+2"]) == warnings[:1]


def test_snapshots_cut_after_the_data_ends_are_flagged():
    """The last line is on 2011-12-09: a cutoff of 2011-12-10 counts every line, 2012-01-01 is 22 days past."""
    tables = {name: pd.DataFrame({"customer_id": ["a"], "frequency": [float(n)]})
              for n, name in enumerate(["baseline", "M+3", "J+100", "M+4"], start=1)}
    cutoffs = {"baseline": pd.Timestamp("2011-09-01"), "M+3": pd.Timestamp("2011-12-01"),
               "J+100": pd.Timestamp("2011-12-10"), "M+4": pd.Timestamp("2012-01-01")}
    order = ["baseline", "M+3", "J+100", "M+4"]
    warnings = check_series(tables, order, ["frequency"], cutoffs, pd.Timestamp("2011-12-09 12:50"))
    assert checks(warnings) == [("past_data_end", "M+4", 22)]
    assert "2012-01-01" in warnings[0]["message"] and "22 day(s)" in warnings[0]["message"]
    assert check_series(tables, order, ["frequency"], cutoffs) == []
