"""Expected revenue per customer: a buy-till-you-die model fitted by maximum likelihood (pure).

Purchases follow the BG/NBD model (Fader, Hardie & Lee 2005), order values the Gamma-Gamma
model (Fader & Hardie 2013), in closed form in `btyd` (the models of pymc-marketing's
`BetaGeoModel` and `GammaGammaModel`, checked against the library in the tests). Expected
revenue over a horizon is the expected purchases over it x the expected order value.

Per-customer inputs (`btyd_inputs`), from identified cleaned lines strictly before the cutoff:
- a purchase occasion is a calendar day with at least one non-cancellation line (distinct
  purchase days, as the `lifetimes` library counts them: two invoices on one day are one
  occasion); a customer appears once they have one (as in `features`);
- frequency: purchase days - 1 (repeat occasions); recency: first to last purchase day;
  T: first purchase day (its midnight) to the cutoff, so T > recency; both in `time_unit_days`;
- monetary_value: mean net revenue per repeat occasion = net revenue of every line dated after
  the first purchase day (cancellations included, whatever their day) / frequency; 0 without
  repeats. `orders`, `revenue` (net, from the first purchase day on), `avg_order_value`
  (revenue / orders) and `last_purchase` describe the customer's history.

The Gamma-Gamma model needs positive order values: customers whose repeat occasions net to zero
or less (returns exceed purchases) are left out of its fit and, like customers without repeats,
get the population mean order value the fitted model implies.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from segmentation.common.errors import UserError
from segmentation.marketing import btyd

TIME_UNIT = "time_unit_days"  # key of `inputs.attrs`: the unit of recency and T, in days
SETTLED_DIGITS = 8  # significant digits kept of each fitted parameter (see _settled)

_INPUTS_SQL = """
WITH kept AS (
    -- exact decimal sums: a float sum's last bits follow DuckDB's thread order, and outputs must reproduce
    SELECT customer_id, CAST(invoice_date AS DATE) AS day, CAST(revenue AS DECIMAL(18, 4)) AS revenue, is_cancellation
    FROM lines WHERE is_identified AND invoice_date < $cutoff),
days AS (
    SELECT customer_id, day, sum(revenue) AS revenue, bool_or(NOT is_cancellation) AS purchase
    FROM kept GROUP BY customer_id, day),
marked AS (
    SELECT *, min(CASE WHEN purchase THEN day END) OVER (PARTITION BY customer_id) AS first_day FROM days)
SELECT customer_id,
       count(*) FILTER (purchase) AS orders,
       date_diff('day', first_day, max(day) FILTER (purchase)) AS recency_days,
       (epoch($cutoff) - epoch(CAST(first_day AS TIMESTAMP))) / 86400.0 AS t_days,
       CAST(coalesce(sum(revenue) FILTER (day > first_day), 0) AS DOUBLE) AS repeat_revenue,
       CAST(sum(revenue) FILTER (day >= first_day) AS DOUBLE) AS revenue,
       max(day) FILTER (purchase) AS last_purchase
FROM marked WHERE first_day IS NOT NULL
GROUP BY customer_id, first_day ORDER BY customer_id
"""


@dataclass(frozen=True)
class ValueModels:
    """The two fitted models' parameters and what the spend fit left out."""

    time_unit_days: float    # unit of recency and T the models were fitted in
    params: dict[str, float]  # r, alpha, a, b (BG/NBD) and p, q, v (Gamma-Gamma), 8 significant digits
    spend_customers: int     # customers in the Gamma-Gamma fit (repeats with positive mean value)
    spend_excluded: int      # customers with repeats whose mean repeat value is <= 0


def btyd_inputs(lines: pd.DataFrame, cutoff, time_unit_days: float = 1) -> pd.DataFrame:
    """Per customer: customer_id, frequency, recency, T, monetary_value (what pymc-marketing's
    CLV models read) plus orders, revenue, avg_order_value, last_purchase; see the module doc.
    `attrs["time_unit_days"]` records the unit of recency and T."""
    if time_unit_days <= 0:
        raise UserError(f"time_unit_days={time_unit_days} is not positive. Fix: use 1 (days) or 7 (weeks).")
    columns = ["customer_id", "invoice_date", "revenue", "is_identified", "is_cancellation"]
    con = duckdb.connect()
    con.register("lines", lines[columns])
    table = con.execute(_INPUTS_SQL, {"cutoff": pd.Timestamp(cutoff).to_pydatetime()}).df()
    frequency = table["orders"].astype(np.int64) - 1
    out = pd.DataFrame({
        "customer_id": table["customer_id"].astype(str),
        "frequency": frequency,
        "recency": table["recency_days"].astype(float) / time_unit_days,
        "T": table["t_days"].astype(float) / time_unit_days,
        "monetary_value": np.where(frequency > 0, table["repeat_revenue"] / frequency.clip(lower=1), 0.0),
        "orders": table["orders"].astype(np.int64),
        "revenue": table["revenue"].astype(float),
        "avg_order_value": table["revenue"].astype(float) / table["orders"],
        "last_purchase": pd.to_datetime(table["last_purchase"]),
    })
    out.attrs[TIME_UNIT] = float(time_unit_days)
    return out


def _settled(params: dict[str, float], digits: int = SETTLED_DIGITS) -> dict[str, float]:
    """The fitted parameters at `digits` significant digits: far inside the fit's own precision,
    and what every prediction and output is computed from."""
    return {name: float(f"{value:.{digits}g}") for name, value in params.items()}


def fit_value_models(inputs: pd.DataFrame, seed: int) -> ValueModels:
    """BG/NBD on every customer and Gamma-Gamma on customers with repeats of positive mean value,
    both by maximum likelihood (`btyd`; deterministic: `seed` is kept for the callers' contract,
    no step draws at random)."""
    if TIME_UNIT not in inputs.attrs:
        raise ValueError("inputs.attrs lacks 'time_unit_days': build the inputs with btyd_inputs")
    spend_mask = (inputs["frequency"] > 0) & (inputs["monetary_value"] > 0)
    if len(inputs) < 2 or spend_mask.sum() < 2:
        raise UserError(f"{len(inputs)} customers, {int(spend_mask.sum())} with repeat purchases of positive value: too few to fit "
                        "expected revenue. Fix: use data with more customers or a later cutoff.")
    x, t_x, T = (inputs[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    spenders = inputs[spend_mask]
    params = {**btyd.fit_bgnbd(x, t_x, T),
              **btyd.fit_gamma_gamma(spenders["frequency"].to_numpy(dtype=float),
                                     spenders["monetary_value"].to_numpy(dtype=float))}
    return ValueModels(time_unit_days=inputs.attrs[TIME_UNIT], params=_settled(params),
                       spend_customers=int(spend_mask.sum()),
                       spend_excluded=int(((inputs["frequency"] > 0) & (inputs["monetary_value"] <= 0)).sum()))


def predict(models: ValueModels, inputs: pd.DataFrame, horizon_days: float) -> pd.DataFrame:
    """customer_id, probability_active, expected_purchases and expected_order_value (Gamma-Gamma)
    over `horizon_days`, expected_revenue = their product, and revenue_if_active = what the
    customer would spend over the horizon if certainly still active (expected_revenue /
    probability_active: BG/NBD's expected purchases given alive)."""
    if horizon_days <= 0:
        raise UserError(f"horizon_days={horizon_days} is not positive. Fix: use a number of days, e.g. 90.")
    x, t_x, T = (inputs[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    usable = (x > 0) & (inputs["monetary_value"].to_numpy() > 0)
    alive = btyd.probability_alive(models.params, x, t_x, T)
    purchases = btyd.expected_purchases(models.params, horizon_days / models.time_unit_days, x, t_x, T)
    order_value = btyd.expected_order_value(models.params, np.where(usable, x, 0.0),
                                            np.where(usable, inputs["monetary_value"].to_numpy(dtype=float), 0.0))
    ids = inputs["customer_id"].reset_index(drop=True)
    revenue = purchases * order_value
    if_active = np.divide(revenue, alive, out=np.zeros_like(revenue), where=alive > 0)
    # rounded (cents; 1e-6 for rates): the outputs read as money and rates, and their sums reproduce to the byte
    return pd.DataFrame({"customer_id": ids, "probability_active": alive.round(6),
                         "expected_purchases": purchases.round(6), "expected_order_value": order_value.round(2),
                         "expected_revenue": revenue.round(2), "revenue_if_active": if_active.round(2)})


def expected_value(models: ValueModels, inputs: pd.DataFrame, horizon_days: float,
                   at_risk_below: float) -> pd.DataFrame:
    """Per customer: the history (orders, revenue, avg_order_value, last_purchase), the
    predictions of `predict` over `horizon_days`, and at_risk = probability_active < at_risk_below."""
    if not 0 < at_risk_below <= 1:
        raise UserError(f"at_risk_below={at_risk_below} is not a probability. Fix: use a value in (0, 1], e.g. 0.5.")
    history = inputs[["customer_id", "orders", "revenue", "avg_order_value", "last_purchase"]].reset_index(drop=True)
    out = pd.concat([history, predict(models, inputs, horizon_days).drop(columns="customer_id")], axis=1)
    out["at_risk"] = out["probability_active"] < at_risk_below
    return out


def segment_value(per_customer: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Per segment (`segments`: customer_id, segment), from `expected_value`'s table:
    - customers, expected_revenue and expected_revenue_share (of all customers' expected revenue);
    - at_risk_customers and revenue_at_risk: what the at-risk customers (probably no longer buying)
      would spend over the horizon if they were still buying at their usual pace
      (sum of revenue_if_active); at_risk_past_revenue: their net spend so far;
    - active_customers (not at risk), and the mean past order value (avg_order_value, negative
      ones counted as 0) of the active and of the at-risk customers.
    Customers without a segment (e.g. left out of the clustering) form the row whose segment is
    missing; segment members without a purchase before the cutoff have no estimate and are not counted."""
    labels = segments[["customer_id", "segment"]]
    if pd.api.types.is_integer_dtype(labels["segment"]):
        labels = labels.astype({"segment": "Int64"})  # stays integer beside the missing label
    table = per_customer.merge(labels, on="customer_id", how="left")
    table = table.assign(
        order_value=table["avg_order_value"].clip(lower=0),
        risk_revenue=table["revenue_if_active"].where(table["at_risk"], 0.0),
        risk_past=table["revenue"].where(table["at_risk"], 0.0),
        risk_value=table["avg_order_value"].clip(lower=0).where(table["at_risk"]),
        active_value=table["avg_order_value"].clip(lower=0).where(~table["at_risk"]))
    grouped = table.groupby("segment", dropna=False, sort=True).agg(
        customers=("customer_id", "size"), expected_revenue=("expected_revenue", "sum"),
        at_risk_customers=("at_risk", "sum"), revenue_at_risk=("risk_revenue", "sum"),
        at_risk_past_revenue=("risk_past", "sum"), active_order_value=("active_value", "mean"),
        at_risk_order_value=("risk_value", "mean")).reset_index()
    total = table["expected_revenue"].sum()
    grouped.insert(3, "expected_revenue_share", grouped["expected_revenue"] / total if total else np.nan)
    grouped["at_risk_customers"] = grouped["at_risk_customers"].astype(np.int64)
    grouped.insert(7, "active_customers", grouped["customers"] - grouped["at_risk_customers"])
    return grouped
