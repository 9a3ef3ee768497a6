"""What would +10 % take: expected revenue turned into a plain plan (pure arithmetic).

The baseline is the revenue the next horizon is on course for: the sum of every current
customer's expected revenue. The gap is `target_growth` x that baseline. For each segment, two
ways of closing the whole gap with that segment alone, in customers:
- reactivate N of its at-risk customers, each placing one order at their segment's mean past
  order value (of at-risk customers): N = ceil(gap / at_risk_order_value);
- one more order from M of its active customers at their mean past order value:
  M = ceil(gap / active_order_value).
A way is feasible when the segment has that many customers of the kind. Every assumption is
listed in the result, in words, for the report to print beside the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from segmentation.common.errors import UserError


def _needed(gap: float, order_value: pd.Series) -> pd.Series:
    """Customers needed to bring `gap` at one order of `order_value` each (missing when a segment
    has no such customers or their orders are worth nothing)."""
    values = order_value.astype(float)
    return pd.Series([math.ceil(gap / v) if pd.notna(v) and v > 0 else pd.NA for v in values],
                     index=order_value.index, dtype="Int64")


def _label(segment, names: Mapping | None) -> str:
    if pd.isna(segment):
        return "Customers without a segment"
    return str((names or {}).get(segment, f"Segment {segment}"))


def _plain(value: float) -> str:
    return f"{value:,.0f}"


def _sentence(row: pd.Series, names: Mapping | None = None, amount: Callable[[float], str] = _plain) -> str:
    way = []
    for count, pool, value, kind, act in (
            (row["reactivate_customers"], row["at_risk_customers"], row["at_risk_order_value"], "at-risk",
             "reactivate {n:,} of its {pool:,} at-risk customers (one order each, {value} on average)"),
            (row["extra_order_customers"], row["active_customers"], row["active_order_value"], "active",
             "one more order from {n:,} of its {pool:,} active customers ({value} on average)")):
        if pd.isna(count):
            way.append(f"no {kind} customers to draw on")
        elif count <= pool:
            way.append(act.format(n=int(count), pool=int(pool), value=amount(value)))
        else:
            way.append(f"not enough {kind} customers alone ({int(count):,} needed, {int(pool):,} in the segment)")
    return f"{_label(row['segment'], names)}: {way[0]}; or {way[1]}."


def growth_plan(segment_value_table: pd.DataFrame, per_customer: pd.DataFrame, target_growth: float,
                names: Mapping | None = None, amount: Callable[[float], str] = _plain,
                holdout_error: float | None = None) -> dict:
    """The plan: on_course (sum of per_customer's expected_revenue), target_growth, target, gap,
    per segment (`segments`: the counts needed by each way, their share of the pool and
    whether the segment has enough), one plain sentence per segment (`plan`) and `assumptions`.

    `names` maps segment ids to names for the sentences, `amount` formats money. With
    `holdout_error` (the holdout check's relative error, e.g. -0.28: the model expected 28 % less
    than happened), `on_course_if_same_error` is what the next horizon would bring if the model
    misses by as much again (on_course / (1 + error)), and `target_within_error` says whether the
    target growth is smaller than that miss: then the forecast cannot tell a reached target from
    its own error, and the assumptions say so."""
    if not target_growth > 0:
        raise UserError(f"target_growth={target_growth} is not positive. Fix: use a fraction, e.g. 0.10 for +10 %.")
    on_course = float(per_customer["expected_revenue"].sum())
    gap = on_course * target_growth
    table = segment_value_table
    segments = table[["segment", "customers", "expected_revenue", "at_risk_customers", "at_risk_order_value",
                      "active_customers", "active_order_value"]].copy()
    segments["reactivate_customers"] = _needed(gap, table["at_risk_order_value"])
    segments["reactivate_feasible"] = (segments["reactivate_customers"] <= table["at_risk_customers"]).fillna(False)
    segments["extra_order_customers"] = _needed(gap, table["active_order_value"])
    segments["extra_order_feasible"] = (segments["extra_order_customers"] <= table["active_customers"]).fillna(False)
    for column, pool in (("reactivate", "at_risk_customers"), ("extra_order", "active_customers")):
        share = segments[f"{column}_customers"].astype(float) / table[pool].replace(0, np.nan)
        segments[f"{column}_share"] = share.astype(float)
    return {
        "on_course": on_course, "target_growth": float(target_growth), "target": on_course + gap, "gap": gap,
        "segments": segments,
        "plan": [_sentence(row, names, amount) for _, row in segments.iterrows()],
        **_error_band(on_course, target_growth, holdout_error),
        "assumptions": [
            f"The next horizon is on course for {amount(on_course)}: the sum of every current customer's expected "
            "revenue (BG/NBD expected purchases x Gamma-Gamma expected order value). Customers not yet acquired "
            "are not in it, nor is seasonality: the models assume a steady buying rate.",
            f"+{target_growth:.0%} means {amount(gap)} more than that baseline (target {amount(on_course + gap)}), "
            "not more than last year's same period.",
            "A reactivated at-risk customer (probability still active below the at-risk threshold) places exactly "
            "one order, worth the mean past order value of the segment's at-risk customers, and nothing more.",
            "One more order from an active customer is worth the mean past order value of the segment's active "
            "customers, and does not replace an order they would have placed anyway.",
            "Past order value: a customer's net revenue (returns deducted) per purchase day; negative values "
            "count as 0.",
            "Each segment's line closes the whole gap with that segment alone; spread over several segments, "
            "each needs proportionally fewer customers. Counts are rounded up.",
            "Campaign costs, discounts, response rates and customers lost meanwhile are not modelled: the counts "
            "are customers who must respond, not customers to contact.",
            *_error_assumption(target_growth, holdout_error),
        ],
    }


def _error_band(on_course: float, target_growth: float, holdout_error: float | None) -> dict:
    if holdout_error is None or not np.isfinite(holdout_error) or holdout_error <= -1:
        return {"on_course_if_same_error": None, "target_within_error": None}
    return {"on_course_if_same_error": on_course / (1 + holdout_error),
            "target_within_error": bool(target_growth < abs(holdout_error))}


def _error_assumption(target_growth: float, holdout_error: float | None) -> list[str]:
    band = _error_band(1.0, target_growth, holdout_error)
    if band["target_within_error"] is None:
        return ["The forecast has not been checked on a past horizon: treat it as an order of magnitude."]
    missed = (f"On the last past horizon the model missed the actual revenue of these customers by "
              f"{holdout_error:+.0%}.")
    if band["target_within_error"]:
        return [f"{missed} That is more than the +{target_growth:.0%} target: the forecast cannot tell a reached "
                "target from its own error. Judge the campaign on actual sales against the same period a year "
                "earlier or against a control group, not against this forecast."]
    return [f"{missed} The +{target_growth:.0%} target is larger than that miss."]
