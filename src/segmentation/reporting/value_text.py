"""The words of the report's "Value and movement" section, computed from the value stage's
summary (value.json): the forecast with its check, the +10 % plan, movement, RFM agreement.
Pure: the HTML and the slides both print these lines."""

from __future__ import annotations

from collections.abc import Mapping

from segmentation.common.money import money

STATUS_TITLES = {"ok": "Forecast", "unreliable": "Forecast not reliable", "not_enough_data": "No forecast"}


def headline(value: Mapping, currency: str | None) -> str:
    """The callout: what the next horizon is on course for, with its band, or why there is none."""
    days = f"{value['horizon_days']:,.0f} days"
    if value["status"] == "not_enough_data":
        return f"Not enough data to forecast the next {days}: {'; '.join(value['reasons'])}."
    amount = money(value["expected_revenue"], currency, compact=True)  # a forecast: no false precision
    holdout = value["holdout"]
    corrected = value["expected_revenue"] / (1 + holdout["relative_error"]) if holdout["relative_error"] > -1 else None
    band = (f" If the model misses by as much as on the last {days} ({holdout['relative_error']:+.0%}), "
            f"it would be {money(corrected, currency, compact=True)}." if corrected is not None else "")
    text = (f"The {value['customers_forecast']:,} current customers are on course for {amount} over the next {days} "
            f"(new customers not included).{band}")
    if value["status"] == "unreliable":
        return f"{text} Treat it as unreliable: {'; '.join(value['reasons'])}."
    return text


def check_sentence(value: Mapping, currency: str | None) -> str:
    """The holdout check in words."""
    h = value["holdout"]
    return (f"Check: fitted on the data before {h['calibration_cutoff']}, the model expected "
            f"{money(h['predicted_total'], currency)} from the {h['customers']:,} customers known then over the next "
            f"{h['horizon_days']:,.0f} days; they spent {money(h['actual_total'], currency)} "
            f"({h['relative_error']:+.0%}). Ranking of customers: rank correlation {h['spearman']:.2f} "
            f"(1 = perfect order). " + (f"{h['new_customers']:,} new customers of that period brought "
                                        f"{money(h['new_customer_revenue'], currency)}, which no forecast of existing "
                                        "customers includes." if h["new_customers"] else
                                        "No new customer joined in that period.")
            + (f" Note: {value['ranking_note']}." if value.get("ranking_note") else ""))


def risk_sentence(value: Mapping, currency: str | None) -> str:
    return (f"{value['at_risk_customers']:,} customers are at risk (probably no longer buying): if they still bought "
            f"at their usual pace they would bring {money(value['revenue_at_risk'], currency)} over the horizon.")


def plan_lines(value: Mapping) -> list[str]:
    """The +10 % plan: the gap, then one line per segment; empty without a plan."""
    plan = value.get("plan")
    if not plan:
        return []
    return plan["plan"]


def plan_intro(value: Mapping, currency: str | None) -> str:
    plan = value.get("plan")
    if not plan:
        why = ("the forecast is not reliable enough" if value["status"] == "unreliable"
               else "there is no forecast")
        return f"No growth plan is derived: {why}."
    caveat = (f" Beware: the forecast missed the last {value['horizon_days']:,.0f} days by "
              f"{value['holdout']['relative_error']:+.0%}, more than the target itself, so it cannot tell whether the "
              "target was reached: judge the campaign on actual sales (against the same period a year earlier or a "
              "control group)." if plan.get("target_within_error") else "")
    return (f"+{plan['target_growth']:.0%} on what the next {value['horizon_days']:,.0f} days are on course for means "
            f"{money(plan['gap'], currency, compact=True)} more (target {money(plan['target'], currency, compact=True)})."
            f"{caveat} Each segment alone could close the gap by:")


def movement_lines(value: Mapping) -> list[str]:
    moved = value.get("movement")
    if not moved:
        return []
    both = moved["stayed"] + moved["moved"]
    share = f" ({moved['stayed'] / both:.0%})" if both else ""
    return [f"From the baseline segmentation ({moved['from']}) to the current one ({moved['to']}): of the "
            f"{both:,} customers present both times, {moved['stayed']:,} stayed in their segment{share} and "
            f"{moved['moved']:,} moved; {moved['new']:,} customers are new and {moved['lapsed']:,} have lapsed "
            f"(no purchase for {moved['lapsed_after_days']:,.0f} days)."]


def rfm_sentence(value: Mapping) -> str:
    ari = value["rfm"]["ari"]
    closeness = ("close to" if ari >= 0.6 else "partly like" if ari >= 0.3 else "quite unlike")
    return (f"Classic RFM segments (quintile scores 1-5 for recency, frequency and spend) group customers "
            f"{closeness} the clusters do (adjusted Rand index {ari:.2f}; 1 = the same groups, 0 = unrelated).")


def rfm_lines(value: Mapping, top: int = 2) -> list[str]:
    """Per cluster, its most common RFM segments with their shares: 'Champions: RFM Champions 58 %, Loyal 38 %'."""
    table = value["rfm"]["crosstab"]  # {rfm segment: {cluster: customers}}
    clusters = list(next(iter(table.values())).keys()) if table else []
    lines = []
    for cluster in clusters:
        counts = sorted(((row[cluster], name) for name, row in table.items()), reverse=True)
        total = sum(c for c, _ in counts)
        if total:
            parts = ", ".join(f"{name} {count / total:.0%}" for count, name in counts[:top] if count)
            lines.append(f"{cluster}: mostly RFM {parts}")
    return lines
