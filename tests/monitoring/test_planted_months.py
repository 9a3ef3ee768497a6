"""The monitor, month by month, on planted customers: 300 customers in three groups, 25 new ones
each month. Stable data stay `ok` for 12 months; a group that splits from month 4 makes a refresh
due at month 4 with `split` on that segment; a new group from month 6 shows as `emerged`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import conf_group

from segmentation.monitoring.check import OK, REFRESH_DUE
from segmentation.monitoring.replay import Month, fitted, monitor_policy

FEATURES = conf_group("features", "rfm", transform="log1p", scaler="standard")
KMEANS = conf_group("model", "kmeans", n_clusters=3)
SETTINGS = {**conf_group("monitor", "default", noise_seeds=4, noise_resamples=4, interval_resamples=50),
            **{key: conf_group("stability", "default")[key] for key in ("competing_margin", "self_agreement_floor")}}
# groups 1 and 2 are distinct but near each other; 3 is a new, far-away behaviour: with k fixed,
# a fresh fit that meets group 3 merges 1 and 2 to give it a segment of its own
CENTRES = np.array([[5.0, 30.0, 8000.0], [60.0, 5.0, 800.0], [120.0, 3.0, 400.0], [1.0, 300.0, 200000.0]])


def frame(ids, groups, rng) -> pd.DataFrame:
    values = CENTRES[groups] * np.exp(rng.normal(scale=0.08, size=(len(ids), 3)))
    return pd.DataFrame(values, index=pd.Index(ids, name="customer_id"), columns=["recency", "frequency", "monetary"])


def months(split_from: int | None = None, emerge_from: int | None = None) -> list[Month]:
    """Baseline (month 0) and 12 months. From `split_from`, half of group 0 behaves like group 3;
    from `emerge_from`, every new customer does."""
    rng = np.random.default_rng(0)
    groups, ids = np.repeat([0, 1, 2], 100), [f"c{i}" for i in range(300)]
    out = []
    for month in range(13):
        current = groups.copy()
        if split_from is not None and month >= split_from:
            current[:50] = 3
        if emerge_from is not None and month >= emerge_from:
            groups = np.concatenate([groups, np.full(25, 3)])
        elif month:
            groups = np.concatenate([groups, rng.integers(0, 3, 25)])
        if month:
            ids = ids + [f"n{month}_{i}" for i in range(25)]
            current = np.concatenate([current, groups[len(current):]])
        cutoff = f"{pd.Timestamp('2011-01-01') + pd.DateOffset(months=month):%Y-%m-%d}"
        out.append(Month(f"M+{month}", cutoff, frame(ids, current, rng), 0 if month == 0 else 1000))
    return fitted(out, FEATURES, KMEANS, SETTINGS, seed=0)


def segment_of(series: list[Month], customer: str) -> int:
    return int(series[0].labels.loc[customer])


def test_stable_customers_stay_ok_for_twelve_months():
    summary, history = monitor_policy(months(), FEATURES, KMEANS, SETTINGS, seed=0)
    assert history["status"].tolist() == [OK] * 12
    assert summary["refreshes"] == 0 and summary["worst_mislabelled"] < 0.02
    assert (history["agreement_low"] >= history["band_low"]).all()


def test_a_segment_split_from_month_four_makes_a_refresh_due_then_with_split_on_it():
    series = months(split_from=4)
    summary, history = monitor_policy(series, FEATURES, KMEANS, SETTINGS, seed=0)
    assert history["status"].tolist()[:4] == [OK, OK, OK, REFRESH_DUE]
    assert f"split {segment_of(series, 'c0')}" in history.iloc[3]["transitions"].split("; ")
    assert summary["refreshes"] == 1 and history["status"].tolist()[4:] == [OK] * 8  # the refresh re-baselines


def test_a_new_group_from_month_six_shows_as_emerged():
    series = months(emerge_from=6)
    _, history = monitor_policy(series, FEATURES, KMEANS, SETTINGS, seed=0)
    due = history[history["status"] == REFRESH_DUE]
    assert not due.empty and due.iloc[0]["cutoff"] >= "2011-06-01"
    assert any(t.startswith("emerged") for t in due.iloc[0]["transitions"].split("; "))


def test_four_equal_groups_at_k3_make_the_replay_unclear_not_a_policy():
    """Four groups of equal size at the corners of a square, k = 3: which two merge is a coin toss,
    so refits of the same customers disagree; the replay counts those months as unclear and
    `policies` says so instead of ranking the policies."""
    from segmentation.monitoring.replay import policies

    rng = np.random.default_rng(0)
    corners = np.array([[10.0, 2.0, 500.0], [10.0, 20.0, 500.0], [100.0, 2.0, 500.0], [100.0, 20.0, 500.0]])
    series, ids, groups = [], [f"c{i}" for i in range(200)], np.repeat([0, 1, 2, 3], 50)
    for month in range(4):
        if month:
            ids, groups = ids + [f"n{month}_{i}" for i in range(8)], np.concatenate([groups, np.arange(8) % 4])
        values = corners[groups] * np.exp(rng.normal(scale=0.05, size=(len(ids), 3)))
        table = pd.DataFrame(values, index=pd.Index(ids, name="customer_id"), columns=["recency", "frequency", "monetary"])
        cutoff = f"{pd.Timestamp('2011-01-01') + pd.DateOffset(months=month):%Y-%m-%d}"
        series.append(Month(f"M+{month}", cutoff, table, 0 if month == 0 else 1000))
    series = fitted(series, FEATURES, KMEANS, {**SETTINGS, "min_new_customers": 5}, seed=0)
    table, history, unclear = policies(series, FEATURES, KMEANS, {**SETTINGS, "min_new_customers": 5, "policies": [1]},
                                       seed=0)
    assert unclear == 3 and len(history) == 3
    assert float(history["band_low"].min()) < SETTINGS["self_agreement_floor"]
