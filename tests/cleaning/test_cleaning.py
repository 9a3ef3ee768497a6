"""Cleaning rules on a tiny frame with hand-computed counts and revenue."""

from __future__ import annotations

import pytest
from conftest import canonical

from segmentation.cleaning.rules import clean_frame

RULES = {"drop_duplicates": True, "drop_non_product": True,
         "non_product_codes": ["POST", "B", "M"], "non_product_prefixes": ["gift_0001_"],
         "drop_non_positive_price": True, "drop_quantity_outliers": True, "max_abs_quantity": 10000,
         "cancellation_prefix": "C"}

LINES = canonical([
    ("1001", "85123A", 6, 2.5, "2010-01-04 10:00", "C1"),        # kept                      15.00
    ("1001", "85123A", 6, 2.5, "2010-01-04 10:00", "C1"),        # exact duplicate           15.00
    ("1001", "POST", 1, 18.0, "2010-01-04 10:00", "C1"),         # non-product               18.00
    ("1002", "post", 2, 15.0, "2010-01-05 10:00", "C2"),         # non-product, lower case   30.00
    ("1003", "gift_0001_20", 1, 16.67, "2010-01-06 10:00", "C2"),  # non-product prefix     16.67
    ("A1004", "B", 1, -11062.06, "2010-01-07 10:00", None),     # bad debt: non-product first -11062.06
    ("1005", "22423", 5, 0.0, "2010-01-08 10:00", None),         # price 0                    0.00
    ("1006", "22423", 80995, 2.08, "2010-01-09 10:00", "C3"),    # quantity outlier      168469.60
    ("C1007", "22423", -80995, 2.08, "2010-01-09 10:10", "C3"),  # quantity outlier     -168469.60
    ("C1008", "85123A", -2, 2.5, "2010-01-10 10:00", "C1"),      # cancellation, kept        -5.00
    ("1009", "21212", 24, 0.55, "2010-01-11 10:00", None),       # unidentified, kept        13.20
    ("1010", "21212", 12, 0.55, "2010-01-12 10:00", "C2"),       # kept                       6.60
])


def test_each_rule_counts_lines_and_revenue_against_the_first_rule_that_removes_them():
    kept, report = clean_frame(LINES, RULES)
    removed = report["removed"]
    assert report["lines_in"] == 12
    assert removed["duplicates"] == {"lines": 1, "revenue": 15.0}
    assert removed["non_product"] == {"lines": 4, "revenue": pytest.approx(18 + 30 + 16.67 - 11062.06)}
    assert removed["non_positive_price"] == {"lines": 1, "revenue": 0.0}
    assert removed["quantity_outliers"] == {"lines": 2, "revenue": 0.0}
    assert report["lines_out"] == len(kept) == 4
    assert report["revenue_out"] == pytest.approx(15.0 - 5.0 + 13.2 + 6.6)
    assert report["flagged"] == {"unidentified": {"lines": 1, "revenue": 13.2},
                                 "cancellations": {"lines": 1, "revenue": -5.0}}
    assert report["customers_out"] == 2
    assert report["revenue_in"] == pytest.approx(report["revenue_out"] + sum(r["revenue"] for r in removed.values()))


def test_kept_lines_carry_flags_and_revenue_in_input_order():
    kept, _ = clean_frame(LINES, RULES)
    assert kept["invoice"].tolist() == ["1001", "C1008", "1009", "1010"]
    assert kept["is_cancellation"].tolist() == [False, True, False, False]
    assert kept["is_identified"].tolist() == [True, True, False, True]
    assert kept["revenue"].tolist() == pytest.approx([15.0, -5.0, 13.2, 6.6])


@pytest.mark.parametrize("switch, rule, lines_out", [
    ("drop_duplicates", "duplicates", 5),
    ("drop_non_product", "non_product", 7),   # the bad-debt line then falls to the price rule
    ("drop_non_positive_price", "non_positive_price", 5),
    ("drop_quantity_outliers", "quantity_outliers", 6),
])
def test_every_rule_can_be_switched_off(switch, rule, lines_out):
    kept, report = clean_frame(LINES, {**RULES, switch: False})
    assert report["removed"][rule]["lines"] == 0
    assert report["lines_out"] == len(kept) == lines_out


def test_quantity_threshold_is_configurable():
    _, report = clean_frame(LINES, {**RULES, "max_abs_quantity": 20})
    assert report["removed"]["quantity_outliers"]["lines"] == 3  # 80995, -80995 and 24


def test_input_order_is_kept_and_a_duplicate_keeps_its_first_place_in_memory_and_on_disk(tmp_path):
    from segmentation.cleaning.rules import clean_file

    shuffled = LINES.iloc[[11, 9, 1, 10, 0]].reset_index(drop=True)  # 1010, C1008, dup of 1001, 1009, 1001
    kept, report = clean_frame(shuffled, RULES)
    assert kept["invoice"].tolist() == ["1010", "C1008", "1001", "1009"]
    assert report["removed"]["duplicates"]["lines"] == 1
    shuffled.to_parquet(tmp_path / "raw.parquet")
    on_disk = clean_file(tmp_path / "raw.parquet", tmp_path / "clean.parquet", RULES)
    assert on_disk == report
    assert report["flagged"]["cancellations"]["lines"] == kept["is_cancellation"].sum() == 1
    assert report["flagged"]["unidentified"]["lines"] == (~kept["is_identified"]).sum() == 1
    import pandas as pd
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "clean.parquet"), kept)


def test_when_every_line_is_removed_the_output_is_empty_with_the_full_schema(tmp_path):
    from segmentation.cleaning.rules import clean_file

    postage = LINES.iloc[[2, 3]].reset_index(drop=True)
    kept, report = clean_frame(postage, RULES)
    assert kept.empty and report["lines_out"] == 0
    assert {"revenue", "is_identified", "is_cancellation"} <= set(kept.columns)
    postage.to_parquet(tmp_path / "raw.parquet")
    clean_file(tmp_path / "raw.parquet", tmp_path / "clean.parquet", RULES)
    import pandas as pd
    assert list(pd.read_parquet(tmp_path / "clean.parquet").columns) == list(kept.columns)


def test_duplicates_are_found_exactly_including_missing_values():
    lines = LINES.iloc[[10, 10, 10, 9, 10]].reset_index(drop=True)  # unidentified line x4, customer id NULL
    lines.loc[4, "description"] = None  # differs from the others only by a missing description
    kept, report = clean_frame(lines, RULES)
    assert report["removed"]["duplicates"]["lines"] == 2
    assert kept["description"].isna().tolist() == [False, False, True]
