"""Property-based tests of readers and features; retry on a locked store; security rules."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, conf_group
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.common.errors import UserError
from segmentation.common.project import resolve
from segmentation.data.normalise import normalise
from segmentation.features.rfm import features_from_frame
from segmentation.tracking.runs import retry_locked

MAPPING = {"invoice": "inv", "stock_code": "code", "description": None, "quantity": "qty", "invoice_date": "day",
           "price": "price", "amount": None, "customer_id": "cust", "country": None}
START = pd.Timestamp("2010-01-01")

line = st.fixed_dictionaries({
    "inv": st.one_of(st.integers(100000, 999999), st.integers(100000, 999999).map(lambda n: f"C{n}")),
    "code": st.one_of(st.integers(10000, 99999), st.text("ABCDEFGHJK0123456789", min_size=1, max_size=6)),
    "qty": st.integers(-500, 500).filter(lambda q: q != 0),
    "day": st.integers(0, 700).map(lambda d: START + pd.Timedelta(days=d, hours=9)),
    "price": st.floats(0.01, 500, allow_nan=False).map(lambda p: round(p, 2)),
    "cust": st.one_of(st.none(), st.integers(12346, 12400).map(float)),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=1, max_size=40))
def test_normalise_keeps_every_row_and_writes_ids_as_text(rows):
    raw = pd.DataFrame(rows)
    out = normalise(raw, MAPPING)
    assert len(out) == len(raw)
    ids = out["customer_id"].dropna()
    assert ids.str.fullmatch(r"\d+").all()   # 12346.0 -> "12346"
    assert out["invoice"].str.fullmatch(r"C?\d+").all()
    assert out["quantity"].tolist() == [float(q) for q in raw["qty"]]
    assert out["customer_id"].isna().sum() == raw["cust"].isna().sum()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=1, max_size=40), st.integers(1, 720))
def test_features_obey_their_definitions(rows, cutoff_day):
    lines = normalise(pd.DataFrame(rows), MAPPING)
    lines = lines.assign(revenue=lines["quantity"] * lines["price"], is_identified=lines["customer_id"].notna(),
                         is_cancellation=lines["invoice"].str.startswith("C") | (lines["quantity"] < 0))
    cutoff = START + pd.Timedelta(days=cutoff_day)
    table = features_from_frame(lines, cutoff).set_index("customer_id")
    window = lines[lines["is_identified"] & (lines["invoice_date"] < cutoff)]
    buyers = set(window.loc[~window["is_cancellation"], "customer_id"])
    assert set(table.index) == buyers
    if len(table):
        assert (table["recency"] >= 1).all() and (table["frequency"] >= 1).all()
        assert table["cancellation_pct"].between(0, 100).all()
        spend = window.groupby("customer_id")["revenue"].sum().reindex(table.index)
        np.testing.assert_allclose(table["monetary"], spend.round(2), atol=0.011)
        purchases = window[~window["is_cancellation"]]
        invoices = purchases.groupby("customer_id")["invoice"].nunique().reindex(table.index)
        assert (table["frequency"] == invoices).all()


def test_a_locked_store_is_retried_then_gives_up():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("(sqlite3.OperationalError) database is locked")
        return "logged"

    assert retry_locked(flaky, pause=0.001) == "logged" and len(calls) == 3
    with pytest.raises(RuntimeError, match="locked"):
        retry_locked(lambda: (_ for _ in ()).throw(RuntimeError("database is locked")), retries=2, pause=0.001)
    with pytest.raises(ValueError):
        retry_locked(lambda: (_ for _ in ()).throw(ValueError("other")), pause=0.001)


def test_servers_listen_on_loopback_only():
    makefile = (ROOT / "Makefile").read_text()
    assert "--host 127.0.0.1" in makefile and "-h 127.0.0.1" in makefile
    for path in [*ROOT.glob("src/**/*.py"), ROOT / "Makefile", ROOT / "README.md"]:
        assert "0.0.0.0" not in path.read_text(), path


def test_yaml_is_only_read_with_safe_loaders():
    for path in ROOT.glob("src/**/*.py"):
        source = path.read_text()
        assert not re.search(r"yaml\.(load|unsafe_load|full_load)\(", source), path
        assert "Loader=yaml.Loader" not in source and "UnsafeLoader" not in source, path


def test_relative_paths_stay_inside_the_project():
    assert resolve("data/x.csv") == ROOT / "data" / "x.csv"
    assert resolve("/tmp/elsewhere.csv") == Path("/tmp/elsewhere.csv")
    with pytest.raises(UserError, match="leads outside the project"):
        resolve("../../etc/passwd")


@pytest.mark.slow
def test_umap_gives_the_same_embedding_with_the_same_seed():
    from segmentation.models.projection import embed

    X = np.random.default_rng(0).normal(size=(300, 4))
    first = embed(X, conf_group("projection", "umap", n_neighbors=10), 7)
    second = embed(X, conf_group("projection", "umap", n_neighbors=10), 7)
    np.testing.assert_array_equal(first, second)
