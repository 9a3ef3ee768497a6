"""The synthetic generator: deterministic, chunked, in the raw UCI layout, realistic shape."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, UCI_COLUMNS, UCI_MAPPING

from segmentation.data import synthetic
from segmentation.data.normalise import normalise

# the reference-data profile is a script (it names the reference shop's published figures)
_spec = importlib.util.spec_from_file_location("profile_reference", ROOT / "scripts" / "profile_reference.py")
_profile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_profile)
measure = _profile.measure


def table(scale=0.05, seed=7) -> pa.Table:
    return pa.concat_tables(list(synthetic.generate(scale, seed, 0.6)))


def test_same_seed_same_rows_other_seed_other_rows():
    first = table().to_pandas()
    pd.testing.assert_frame_equal(first, table().to_pandas())  # NaN ids compare equal here, unlike Arrow
    assert not first.equals(table(seed=8).to_pandas())


def test_raw_layout_matches_the_real_file():
    raw = table().to_pandas()
    assert list(raw.columns) == UCI_COLUMNS
    assert raw["Customer ID"].dtype == np.float64 and raw["Customer ID"].isna().any()
    assert raw["Invoice"].str.startswith("C").any() and (raw["Quantity"] < 0).any()
    assert {"POST", "DOT", "M", "AMAZONFEE", "B"} <= set(raw["StockCode"])
    assert (raw["Price"] < 0).sum() == 2 and (raw["Price"] == 0).any()
    assert set(raw["Quantity"].abs().nlargest(2)) == {80995}
    assert raw["InvoiceDate"].min() >= synthetic.START and raw["InvoiceDate"].max() < synthetic.END + np.timedelta64(1, "D")
    assert (raw["InvoiceDate"].dt.dayofweek != 5).all()  # no Saturday trading, as in the real data


def test_chunks_keep_customer_ids_and_invoices_unique(monkeypatch):
    monkeypatch.setattr(synthetic, "CUSTOMERS_PER_UNIT", 200)
    chunks = list(synthetic.generate(2.5, 3, 0.6))
    assert len(chunks) == 3
    customers = [set(c.column("Customer ID").to_pandas().dropna()) for c in chunks]
    assert sum(len(c) for c in customers) == len(set().union(*customers)) == 500
    invoices = [set(c.column("Invoice").to_pylist()) for c in chunks]
    assert sum(len(i) for i in invoices) == len(set().union(*invoices))


def test_shape_is_close_to_the_published_figures(tmp_path):
    raw = table(scale=0.3, seed=42).to_pandas()
    path = tmp_path / "canonical.parquet"
    pq.write_table(pa.Table.from_pandas(normalise(raw, UCI_MAPPING), preserve_index=False), path)
    figures = measure(path)
    assert figures["customers"] == round(5940 * 0.3)
    assert 20 <= figures["pct_no_customer_id"] <= 26
    assert 38 <= figures["pct_customers_cancelling"] <= 48
    assert 88 <= figures["pct_lines_uk"] <= 94
    assert 20 <= figures["pct_one_invoice"] <= 30
    p25, p50, p75, _, _ = map(int, figures["invoices_q"].split(" / "))
    # ~25 % of customers have exactly one invoice, so p25 sits on the 1/2 boundary
    assert p25 in (1, 2) and p50 == 4 and 7 <= p75 <= 9
    spend_p50 = int(figures["spend_q"].split(" / ")[1].replace(",", ""))
    assert 650 <= spend_p50 <= 1000
    assert figures["top_non_product"] == "POST"
    # revenue scales with the data: ~£7.9M at scale 1 in 2010
    assert 0.3 * 6.5 <= figures["revenue_2010"] <= 0.3 * 9.0


def test_scale_must_be_positive():
    with pytest.raises(ValueError):
        next(synthetic.generate(0, 1, 0.6))
