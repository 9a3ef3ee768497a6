"""Expected revenue (BG/NBD x Gamma-Gamma, pymc-marketing by MAP), its holdout check, the value
per segment and the "+10 %" plan: hand-computed frames, and data simulated from known parameters."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import UCI_MAPPING, canonical, conf_group

from segmentation.cleaning.rules import clean_frame
from segmentation.common.errors import UserError
from segmentation.data import synthetic
from segmentation.data.normalise import normalise
from segmentation.marketing.expected_revenue import (
    ValueModels,
    btyd_inputs,
    expected_value,
    fit_value_models,
    segment_value,
)
from segmentation.marketing.holdout import calibration_deciles, holdout_check
from segmentation.marketing.plan import growth_plan

# its module fixtures are built once: every test of this module runs on one xdist worker
pytestmark = pytest.mark.xdist_group("value")

RULES = conf_group("cleaning", "default", cancellation_prefix="C")
CUTOFF = "2011-01-01"
LINES = canonical([
    # A: two invoices on 12-01 are one purchase occasion; a cancellation-only day after the first
    # purchase counts in the repeat revenue; a purchase after the cutoff does not count
    ("1", "X1", 10, 2.0, "2010-12-01 09:00", "A"),
    ("1", "X2", 5, 4.0, "2010-12-01 09:00", "A"),
    ("2", "X1", 1, 10.0, "2010-12-01 15:00", "A"),
    ("3", "X1", 6, 2.5, "2010-12-10 11:00", "A"),
    ("C4", "X1", -2, 2.0, "2010-12-12 10:00", "A"),
    ("5", "X1", 3, 5.0, "2010-12-20 16:00", "A"),
    ("6", "X1", 100, 1.0, "2011-01-05 10:00", "A"),
    # B: one purchase: no repeat
    ("7", "X3", 12, 1.25, "2010-06-15 11:00", "B"),
    # C: a return of an older order before the first purchase (not counted), then returns that
    # exceed the repeat purchase: mean repeat value <= 0
    ("C8", "X4", -1, 5.0, "2010-03-01 12:00", "C"),
    ("9", "X4", 4, 5.0, "2010-05-01 12:00", "C"),
    ("10", "X4", 1, 5.0, "2010-06-01 12:00", "C"),
    ("C11", "X4", -4, 5.0, "2010-06-10 12:00", "C"),
    # D: only a cancellation; E: only a purchase after the cutoff; and an unidentified line
    ("C12", "X1", -1, 2.0, "2010-05-01 12:00", "D"),
    ("13", "X1", 3, 1.0, "2011-01-01 00:00", "E"),
    ("14", "X1", 50, 2.0, "2010-07-01 12:00", None),
])

EXPECTED = pd.DataFrame({
    "customer_id": ["A", "B", "C"],
    "frequency": [2, 0, 1],                   # purchase days - 1
    "recency": [19.0, 0.0, 31.0],             # 12-01 -> 12-20; 05-01 -> 06-01
    "T": [31.0, 200.0, 245.0],                # first purchase day -> 2011-01-01
    "monetary_value": [(15 - 4 + 15) / 2, 0.0, (5 - 20) / 1],
    "orders": [3, 1, 2],
    "revenue": [50 + 15 - 4 + 15, 15.0, 20 + 5 - 20.0],
    "avg_order_value": [76 / 3, 15.0, 5 / 2],
    "last_purchase": pd.to_datetime(["2010-12-20", "2010-06-15", "2010-06-01"]),
})

# BG/NBD (r, alpha in days, a, b) and Gamma-Gamma (p, q, v) parameters the simulation draws from
TRUE = {"r": 0.5, "alpha": 20.0, "a": 0.8, "b": 4.0, "p": 6.0, "q": 4.0, "v": 15.0}
HORIZON = 90.0


def simulate(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """BG/NBD histories (Fader, Hardie & Lee 2005) with Gamma-Gamma order values: rate
    lambda ~ Gamma(r, rate alpha), dropout p ~ Beta(a, b); from the first purchase at time 0,
    purchases arrive at rate lambda and after each repeat purchase the customer drops out with
    probability p. Observed until T ~ U(180, 720) days; also returns the purchases in
    (T, T + HORIZON]. Order values: nu ~ Gamma(q, rate v), each order ~ Gamma(p, rate nu)."""
    rate, dropout = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n), rng.beta(TRUE["a"], TRUE["b"], n)
    T = rng.uniform(180, 720, n)
    now, last = np.zeros(n), np.zeros(n)
    seen, future = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        now = np.where(alive, now + rng.exponential(1 / rate), now)
        alive &= now <= T + HORIZON
        seen += alive & (now <= T)
        future += alive & (now > T)
        last = np.where(alive & (now <= T), now, last)
        alive &= rng.random(n) >= dropout
    nu = rng.gamma(TRUE["q"], 1 / TRUE["v"], n)
    orders = np.maximum(seen, 1)
    spend = np.where(seen > 0, rng.gamma(TRUE["p"] * orders, 1 / nu) / orders, 0.0)  # mean of `seen` orders
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": seen, "recency": last, "T": T,
                          "monetary_value": spend, "orders": seen + 1, "revenue": spend * (seen + 1),
                          "avg_order_value": spend, "last_purchase": pd.Timestamp("2011-01-01")})  # history: unused
    frame.attrs["time_unit_days"] = 1.0
    return frame, future


@pytest.fixture(scope="module")
def cleaned() -> pd.DataFrame:
    return clean_frame(LINES, RULES)[0]


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, np.ndarray, ValueModels]:
    inputs, future = simulate(3000, np.random.default_rng(7))
    return inputs, future, fit_value_models(inputs, seed=0)


def test_btyd_inputs_match_the_hand_computed_table(cleaned):
    inputs = btyd_inputs(cleaned, CUTOFF)
    pd.testing.assert_frame_equal(inputs[EXPECTED.columns], EXPECTED, check_dtype=False)
    assert inputs.attrs["time_unit_days"] == 1.0
    weeks = btyd_inputs(cleaned, CUTOFF, time_unit_days=7)
    np.testing.assert_allclose(weeks["T"], EXPECTED["T"] / 7)
    np.testing.assert_allclose(weeks["recency"], EXPECTED["recency"] / 7)
    assert weeks["frequency"].tolist() == [2, 0, 1]  # still distinct purchase days


def test_btyd_inputs_agree_with_pymc_marketing_rfm_summary_on_plain_purchases(cleaned):
    from pymc_marketing.clv import rfm_summary

    purchases = cleaned[cleaned["is_identified"] & ~cleaned["is_cancellation"]
                        & (cleaned["invoice_date"] < pd.Timestamp(CUTOFF))]
    ours = btyd_inputs(purchases, CUTOFF).set_index("customer_id")
    theirs = rfm_summary(purchases, "customer_id", "invoice_date", "revenue",
                         observation_period_end=CUTOFF).set_index("customer_id")
    columns = ["frequency", "recency", "T", "monetary_value"]
    pd.testing.assert_frame_equal(ours[columns], theirs.loc[ours.index, columns], check_dtype=False,
                                  check_names=False, check_index_type=False)


def test_bgnbd_and_gamma_gamma_recover_the_simulated_parameters(simulated):
    """3,000 simulated customers. Tolerances, set from 20 simulation seeds (largest error seen):
    r and alpha within 15 % (6 %, 9 %); the mean dropout probability a / (a + b) within 15 % (9 %),
    a and b alone within 50 % (24 %, 39 %: at this size the data pins down their ratio, not each);
    Gamma-Gamma q within 15 % (9 %) and the population mean order value p v / (q - 1) within 10 %
    (3 %); p and v alone trade off against each other (up to 48 %) and are not checked."""
    inputs, _, models = simulated
    fitted = models.params
    for name, tolerance in (("r", 0.15), ("alpha", 0.15), ("a", 0.5), ("b", 0.5), ("q", 0.15)):
        assert fitted[name] == pytest.approx(TRUE[name], rel=tolerance), name
    dropout = fitted["a"] / (fitted["a"] + fitted["b"])
    assert dropout == pytest.approx(TRUE["a"] / (TRUE["a"] + TRUE["b"]), rel=0.15)
    mean_order_value = fitted["p"] * fitted["v"] / (fitted["q"] - 1)
    assert mean_order_value == pytest.approx(TRUE["p"] * TRUE["v"] / (TRUE["q"] - 1), rel=0.10)
    assert models.spend_customers == int((inputs["frequency"] > 0).sum()) and models.spend_excluded == 0


def test_expected_value_predicts_the_simulated_future(simulated):
    inputs, future, models = simulated
    table = expected_value(models, inputs, HORIZON, at_risk_below=0.5)
    assert table["expected_purchases"].sum() == pytest.approx(future.sum(), rel=0.10)
    # no repeat purchase yet: certainly active (BG/NBD drops out only after a repeat purchase),
    # and the population mean order value p v / (q - 1)
    first_only = table[inputs["frequency"].to_numpy() == 0]
    p, q, v = (models.params[k] for k in ("p", "q", "v"))
    np.testing.assert_allclose(first_only["probability_active"], 1.0)
    np.testing.assert_allclose(first_only["expected_order_value"], p * v / (q - 1), atol=0.005)  # cents
    # the products hold up to the rounding of the outputs (money in cents, rates to 1e-6)
    np.testing.assert_allclose(table["expected_revenue"], table["expected_purchases"] * table["expected_order_value"],
                               atol=0.01 + 0.005 * table["expected_purchases"].max())
    np.testing.assert_allclose(table["revenue_if_active"] * table["probability_active"], table["expected_revenue"],
                               atol=0.01)
    assert (table["at_risk"] == (table["probability_active"] < 0.5)).all() and table["at_risk"].any()
    with pytest.raises(UserError, match="at_risk_below=1.5"):
        expected_value(models, inputs, HORIZON, at_risk_below=1.5)
    with pytest.raises(UserError, match="horizon_days=0"):
        expected_value(models, inputs, 0, at_risk_below=0.5)


def synthetic_lines(scale: float) -> pd.DataFrame:
    raw = pa.concat_tables(list(synthetic.generate(scale, 42, 0.6))).to_pandas()
    return clean_frame(normalise(raw, UCI_MAPPING), RULES)[0]


def test_the_holdout_never_sees_the_horizon():
    lines = synthetic_lines(0.05)
    cutoff = lines["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    split = cutoff - pd.Timedelta(days=HORIZON)
    check = holdout_check(lines, cutoff, HORIZON, seed=0)
    # rewrite the horizon: triple its revenue, drop a third of its lines, add a new customer
    after = lines["invoice_date"] >= split
    changed = lines.copy()
    changed.loc[after, "revenue"] *= 3
    changed = changed.drop(changed.index[after.to_numpy()][::3])
    newcomer = changed[changed["is_identified"]].iloc[[0]].assign(customer_id="NEW", invoice_date=split, revenue=99.0)
    again = holdout_check(pd.concat([changed, newcomer], ignore_index=True), cutoff, HORIZON, seed=0)
    assert again["params"] == check["params"] and again["predicted_total"] == check["predicted_total"]
    assert again["actual_total"] != check["actual_total"] and again["new_customers"] == check["new_customers"] + 1

    window = lines[lines["is_identified"] & after]
    assert check["calibration_cutoff"] == split.date().isoformat()
    assert check["customers"] == len(btyd_inputs(lines, split))
    assert check["actual_total"] + check["new_customer_revenue"] == pytest.approx(window["revenue"].sum())
    assert check["relative_error"] == pytest.approx(check["predicted_total"] / check["actual_total"] - 1)
    assert check["deciles"]["customers"].sum() == check["customers"] and -1 <= check["spearman"] <= 1
    with pytest.raises(UserError, match="cutoff - 5000 days"):
        holdout_check(lines, cutoff, 5000, seed=0)


def test_calibration_deciles_group_customers_by_predicted_revenue():
    predicted = pd.Series(np.arange(20, 0, -1, dtype=float))  # 20, 19, ..., 1
    actual = pd.Series(np.arange(20, dtype=float))             # 0 for the highest prediction
    table = calibration_deciles(predicted, actual)
    assert table["decile"].tolist() == list(range(1, 11)) and (table["customers"] == 2).all()
    assert table["predicted_mean"].tolist() == [1.5 + 2 * i for i in range(10)]
    assert table.loc[0, "actual_mean"] == 18.5 and table.loc[9, "actual_mean"] == 0.5  # (19 + 18) / 2, (1 + 0) / 2


PER_CUSTOMER = pd.DataFrame({
    "customer_id": ["a", "b", "c", "d", "e"],
    "revenue": [500.0, 300.0, 90.0, 40.0, 10.0],
    "avg_order_value": [50.0, 30.0, -10.0, 40.0, 20.0],
    "probability_active": [0.9, 0.2, 0.4, 0.8, 0.1],
    "expected_revenue": [600.0, 20.0, 40.0, 300.0, 40.0],
    "revenue_if_active": [600 / 0.9, 100.0, 100.0, 300 / 0.8, 400.0],
    "at_risk": [False, True, True, False, True],
})
SEGMENTS = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "zz"], "segment": [1, 1, 1, 2, 2]})


def test_segment_value_sums_shares_and_revenue_at_risk():
    table = segment_value(PER_CUSTOMER, SEGMENTS)
    assert table["segment"].tolist()[:2] == [1, 2] and pd.isna(table["segment"].iloc[2])  # e has no segment
    assert table["customers"].tolist() == [3, 1, 1]                       # zz has no history: not counted
    assert table["expected_revenue"].tolist() == [660.0, 300.0, 40.0]
    assert table["expected_revenue_share"].tolist() == [0.66, 0.30, 0.04]
    assert table["at_risk_customers"].tolist() == [2, 0, 1] and table["active_customers"].tolist() == [1, 1, 0]
    assert table["revenue_at_risk"].tolist() == [200.0, 0.0, 400.0]       # b and c: 100 + 100 at their usual pace
    assert table["at_risk_past_revenue"].tolist() == [390.0, 0.0, 10.0]
    assert table["at_risk_order_value"].tolist()[::2] == [15.0, 20.0]     # (30 + max(-10, 0)) / 2
    assert table["active_order_value"].tolist()[:2] == [50.0, 40.0] and pd.isna(table["active_order_value"].iloc[2])
    assert table["expected_revenue"].sum() == PER_CUSTOMER["expected_revenue"].sum()


def test_growth_plan_arithmetic():
    plan = growth_plan(segment_value(PER_CUSTOMER, SEGMENTS), PER_CUSTOMER, target_growth=0.10)
    assert plan["on_course"] == 1000.0 and plan["gap"] == pytest.approx(100.0)
    assert plan["target"] == pytest.approx(1100.0)
    rows = plan["segments"]
    # segment 1: 100 / 15 -> 7 reactivations (only 2 at risk); 100 / 50 -> 2 more orders (1 active)
    assert rows.loc[0, "reactivate_customers"] == math.ceil(100 / 15) == 7 and not rows.loc[0, "reactivate_feasible"]
    assert rows.loc[0, "extra_order_customers"] == 2 and not rows.loc[0, "extra_order_feasible"]
    # segment 2: nobody at risk; 100 / 40 -> 3 more orders, 1 active customer
    assert pd.isna(rows.loc[1, "reactivate_customers"]) and rows.loc[1, "extra_order_customers"] == 3
    assert rows.loc[0, "reactivate_share"] == 3.5 and rows.loc[1, "extra_order_share"] == 3.0
    plan = growth_plan(segment_value(PER_CUSTOMER, SEGMENTS), PER_CUSTOMER, target_growth=0.01)  # gap 10
    assert plan["segments"]["reactivate_feasible"].tolist() == [True, False, True]
    assert plan["plan"][0] == ("Segment 1: reactivate 1 of its 2 at-risk customers (one order each, 15 on average); "
                               "or one more order from 1 of its 1 active customers (50 on average).")
    assert plan["plan"][1].startswith("Segment 2: no at-risk customers to draw on;")
    assert plan["plan"][2].startswith("Customers without a segment: reactivate 1 of its 1")
    assert any("10 more than that baseline" in text for text in plan["assumptions"])
    with pytest.raises(UserError, match="target_growth=0"):
        growth_plan(segment_value(PER_CUSTOMER, SEGMENTS), PER_CUSTOMER, target_growth=0)


def test_growth_plan_names_segments_formats_money_and_carries_the_holdout_error():
    names = {1: "Loyal", 2: "Big spenders"}
    plan = growth_plan(segment_value(PER_CUSTOMER, SEGMENTS), PER_CUSTOMER, target_growth=0.01, names=names,
                       amount=lambda v: f"EUR {v:.2f}", holdout_error=-0.2)
    assert plan["plan"][0].startswith("Loyal: reactivate 1 of its 2 at-risk customers (one order each, EUR 15.00")
    assert plan["plan"][1].startswith("Big spenders: no at-risk customers")
    # missed by -20 %: the same miss again would mean 1000 / 0.8 = 1250
    assert plan["on_course_if_same_error"] == pytest.approx(1250.0)
    assert plan["target_within_error"] is True            # +1 % is inside a 20 % miss
    assert any("cannot tell a reached target from its own error" in a for a in plan["assumptions"])
    wide = growth_plan(segment_value(PER_CUSTOMER, SEGMENTS), PER_CUSTOMER, target_growth=0.5, holdout_error=0.25)
    assert wide["on_course_if_same_error"] == pytest.approx(800.0) and wide["target_within_error"] is False
    unchecked = growth_plan(segment_value(PER_CUSTOMER, SEGMENTS), PER_CUSTOMER, target_growth=0.1)
    assert unchecked["on_course_if_same_error"] is None
    assert any("has not been checked" in a for a in unchecked["assumptions"])
