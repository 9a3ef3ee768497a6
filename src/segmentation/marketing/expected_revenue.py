"""Expected revenue per customer: a buy-till-you-die model fitted by MAP (pure functions).

Purchases follow the BG/NBD model (Fader, Hardie & Lee 2005), order values the Gamma-Gamma
model (Fader & Hardie 2013), both from pymc-marketing (`pymc_marketing.clv`): the likelihoods
are the library's, never written here. Expected revenue over a horizon is
`BetaGeoModel.expected_purchases(future_t=horizon)` x `GammaGammaModel.expected_customer_spend`
(not `expected_customer_lifetime_value`, whose horizon is counted in 30-day months).

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
Priors are flat (HalfFlat) on r, alpha, a, b and p, q, v, so the MAP is the maximum-likelihood
fit the BTYD literature and `lifetimes` report.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from segmentation.common.errors import UserError

PURCHASE_PARAMS = ("r", "alpha", "a", "b")
SPEND_PARAMS = ("p", "q", "v")
TIME_UNIT = "time_unit_days"  # key of `inputs.attrs`: the unit of recency and T, in days
SETTLED_DIGITS = 8  # significant digits kept of each fitted parameter (see _settle)

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
    """The two fitted models, their parameters and what the spend fit left out."""

    purchases: Any           # fitted pymc_marketing.clv.BetaGeoModel
    spend: Any               # fitted pymc_marketing.clv.GammaGammaModel
    time_unit_days: float    # unit of recency and T the models were fitted in
    params: dict[str, float]  # r, alpha, a, b (BG/NBD) and p, q, v (Gamma-Gamma)
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


@contextmanager
def _quiet() -> Iterator[None]:
    """pytensor in FAST_COMPILE mode, quietly. Its default mode compiles each graph to C: ~30 s
    in a fresh machine (then cached in ~/.pytensor); FAST_COMPILE evaluates the same graphs with
    numpy, which for these small elementwise models fits in ~3 s with no compile cache at all
    (parameters equal to 1e-8). The one warning silenced is pytensor's "could not link to a BLAS"
    (usual for pip installs; these graphs have no matrix products)."""
    import pytensor

    with warnings.catch_warnings(), pytensor.config.change_flags(mode="FAST_COMPILE"):
        warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS", category=UserWarning)
        yield


def _point(model, names: tuple[str, ...]) -> dict[str, float]:
    return {name: float(model.fit_result[name].mean().item()) for name in names}


def _settle(model, names: tuple[str, ...], digits: int = SETTLED_DIGITS) -> None:
    """Round the fitted parameters in place to `digits` significant digits. pytensor may compile
    a model's sums in another order in another process, which moves the Gamma-Gamma MAP in its
    12th digit; rounded, every process predicts from the same parameters and writes the same
    bytes (DVC outputs reproduce), far inside the fit's own precision."""
    posterior = model.idata.posterior
    for name in names:
        values = posterior[name].values
        posterior[name].values = np.vectorize(lambda v: float(f"{v:.{digits}g}"))(values).astype(values.dtype)


def fit_value_models(inputs: pd.DataFrame, seed: int) -> ValueModels:
    """BG/NBD on every customer and Gamma-Gamma on customers with repeats of positive mean value,
    both by MAP (scipy L-BFGS-B from the priors' fixed initial point; `seed` is passed on for any
    random initialisation). Parameters are rounded to 8 significant digits (`_settle`) so that every
    process gives the same bytes.
    Graphs run in pytensor's FAST_COMPILE mode (see `_quiet`): no C compilation."""
    if TIME_UNIT not in inputs.attrs:
        raise ValueError("inputs.attrs lacks 'time_unit_days': build the inputs with btyd_inputs")
    spend_mask = (inputs["frequency"] > 0) & (inputs["monetary_value"] > 0)
    if len(inputs) < 2 or spend_mask.sum() < 2:
        raise UserError(f"{len(inputs)} customers, {int(spend_mask.sum())} with repeat purchases of positive value: too few to fit "
                        "expected revenue. Fix: use data with more customers or a later cutoff.")
    with _quiet():
        # imported here: pymc-marketing takes seconds to import, and only this fit needs it
        from pymc_extras.prior import Prior
        from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

        purchases = BetaGeoModel(model_config={name: Prior("HalfFlat") for name in PURCHASE_PARAMS})
        purchases.fit(data=inputs[["customer_id", "frequency", "recency", "T"]].reset_index(drop=True),
                      method="map", progressbar=False, seed=seed)
        spend = GammaGammaModel(model_config={name: Prior("HalfFlat") for name in SPEND_PARAMS})
        spend.fit(data=inputs.loc[spend_mask, ["customer_id", "frequency", "monetary_value"]].reset_index(drop=True),
                  method="map", progressbar=False, seed=seed)
    _settle(purchases, PURCHASE_PARAMS)
    _settle(spend, SPEND_PARAMS)
    return ValueModels(purchases=purchases, spend=spend, time_unit_days=inputs.attrs[TIME_UNIT],
                       params={**_point(purchases, PURCHASE_PARAMS), **_point(spend, SPEND_PARAMS)},
                       spend_customers=int(spend_mask.sum()),
                       spend_excluded=int(((inputs["frequency"] > 0) & (inputs["monetary_value"] <= 0)).sum()))


def _per_customer(values, ids: pd.Series) -> np.ndarray:
    """A fitted model's per-customer prediction (mean over chain and draw) in the order of `ids`."""
    return values.mean(("chain", "draw")).to_series().reindex(ids.to_numpy()).to_numpy(dtype=float)


def predict(models: ValueModels, inputs: pd.DataFrame, horizon_days: float) -> pd.DataFrame:
    """customer_id, probability_active, expected_purchases and expected_order_value (Gamma-Gamma)
    over `horizon_days`, expected_revenue = their product, and revenue_if_active = what the
    customer would spend over the horizon if certainly still active (expected_revenue /
    probability_active: BG/NBD's expected purchases given alive)."""
    if horizon_days <= 0:
        raise UserError(f"horizon_days={horizon_days} is not positive. Fix: use a number of days, e.g. 90.")
    history = inputs[["customer_id", "frequency", "recency", "T"]].reset_index(drop=True)
    usable = (history["frequency"] > 0) & (inputs["monetary_value"].to_numpy() > 0)
    spend_data = pd.DataFrame({"customer_id": history["customer_id"],
                               "frequency": np.where(usable, history["frequency"], 0),  # 0: population mean
                               "monetary_value": np.where(usable, inputs["monetary_value"].to_numpy(), 0.0)})
    ids = history["customer_id"]
    with _quiet():
        alive = _per_customer(models.purchases.expected_probability_alive(data=history), ids)
        purchases = _per_customer(models.purchases.expected_purchases(
            data=history, future_t=horizon_days / models.time_unit_days), ids)
        order_value = _per_customer(models.spend.expected_customer_spend(data=spend_data), ids)
    revenue = purchases * order_value
    if_active = np.divide(revenue, alive, out=np.zeros_like(revenue), where=alive > 0)
    # rounded (cents; 1e-6 for rates): another process may compile the same formulas in another
    # order and move their last bits, and the sums of the outputs must reproduce to the byte
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
