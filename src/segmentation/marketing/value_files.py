"""Stage `value`, written: the tables, figures and summary of `marketing.run`'s results, through the
catalog (reports/value/, the campaign export, metrics/value.json)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from segmentation.common.catalog import Catalog, write_frame, write_json
from segmentation.common.dvc_metrics import write_metrics
from segmentation.marketing import trust
from segmentation.marketing.campaign import campaign_table, segment_summary, write_campaign
from segmentation.models.naming import labelled


def error_note(result: Mapping) -> str:
    """The holdout check in one line, printed under every expected-revenue figure."""
    holdout = result.get("holdout")
    if not holdout:
        return ""
    return (f"Checked on the past {holdout['horizon_days']:,.0f} days ({holdout['calibration_cutoff']} to "
            f"{holdout['cutoff']}): the model missed the actual revenue by {holdout['relative_error']:+.0%}; "
            f"customers' rank correlation {holdout['spearman']:.2f}. New customers are not in the forecast.")


def summary(result: Mapping, rfm: Mapping, moved: Mapping | None, names: Mapping, table: pd.DataFrame) -> dict:
    """value.json: the forecast's status and numbers, the plan, RFM agreement, movement counts."""
    out = {"status": result["status"], "reasons": result["reasons"], "horizon_days": result["horizon_days"],
           "names": {str(k): v for k, v in names.items()}, "campaign_customers": int(len(table)),
           "rfm": {"ari": rfm["ari"], "customers": rfm["customers"],
                   "crosstab": {str(k): {str(c): int(v) for c, v in row.items()}
                                for k, row in rfm["crosstab"].iterrows()}}}
    if result["status"] != trust.NOT_ENOUGH_DATA:
        holdout = {k: v for k, v in result["holdout"].items() if k not in ("deciles", "per_customer")}
        segments = result["segments"]
        out.update(ranking_ok=result["ranking_ok"], ranking_note=result["ranking_note"], holdout=holdout,
                   params=result["params"],
                   spend_customers=result["spend_customers"], spend_excluded=result["spend_excluded"],
                   expected_revenue=float(segments["expected_revenue"].sum()),
                   revenue_at_risk=float(segments["revenue_at_risk"].sum()),
                   at_risk_customers=int(segments["at_risk_customers"].sum()),
                   customers_forecast=int(segments["customers"].sum()),
                   segments=segments.astype({"segment": object}).where(segments.notna(), None).to_dict("records"))
    plan = result.get("plan")
    if plan:
        out["plan"] = {k: v for k, v in plan.items() if k != "segments"}
    if moved:
        out["movement"] = {**moved["summary"], "from": moved["from"], "to": moved["to"], "snapshot": moved["snapshot"],
                           "lapsed_after_days": moved["lapsed_after_days"],
                           "revenue_since_baseline": float(moved["moves"]["revenue_since_baseline"].sum())}
    return out


def numbers(value: Mapping) -> dict:
    """The DVC metrics: the headline numbers only."""
    holdout = value.get("holdout") or {}
    plan = value.get("plan") or {}
    return {"forecast_ok": value["status"] == trust.OK, "expected_revenue": value.get("expected_revenue"),
            "revenue_at_risk": value.get("revenue_at_risk"), "at_risk_customers": value.get("at_risk_customers"),
            "holdout_relative_error": holdout.get("relative_error"), "holdout_spearman": holdout.get("spearman"),
            "holdout_predicted": holdout.get("predicted_total"), "holdout_actual": holdout.get("actual_total"),
            "plan_gap": plan.get("gap"), "rfm_ari": value["rfm"]["ari"],
            **{f"movement_{k}": v for k, v in (value.get("movement") or {}).items() if isinstance(v, int)}}


def readable(segments: pd.DataFrame, names: Mapping) -> pd.DataFrame:
    """The per-segment value table for people: named, money in cents, the share in % (one decimal)."""
    table = segments.assign(segment_name=segments["segment"].map(names),
                            expected_revenue_share_pct=(100 * segments["expected_revenue_share"]).round(1))
    money_columns = ["expected_revenue", "revenue_at_risk", "at_risk_past_revenue", "active_order_value",
                     "at_risk_order_value"]
    table[money_columns] = table[money_columns].round(2)
    return table[["segment", "segment_name", "customers", "expected_revenue", "expected_revenue_share_pct",
                  "at_risk_customers", "revenue_at_risk", "at_risk_past_revenue", "active_customers",
                  "active_order_value", "at_risk_order_value"]]


def campaign(features: pd.DataFrame, segments: pd.DataFrame, names: Mapping, result: Mapping) -> pd.DataFrame:
    """The CRM list: values only when the forecast was fitted (an unreliable one is flagged in the report)."""
    named = segments.assign(segment_name=labelled(segments["segment"], names))
    value = result["customers"] if result["status"] != trust.NOT_ENOUGH_DATA else None
    return campaign_table(features, named, value)


def write(catalog: Catalog, result: Mapping, rfm: Mapping, moved: Mapping | None, names: Mapping,
          table: pd.DataFrame, currency: str | None) -> tuple[dict, list[Path]]:
    """Every file of the stage; returns value.json's content and the files written."""
    from segmentation.marketing.value_figures import draw_transitions, expected_revenue_bars, holdout_deciles

    out = catalog.value_output
    files = [write_frame(rfm["scores"], out("rfm_scores.parquet")),
             write_frame(rfm["crosstab"].reset_index(), out("rfm_vs_clusters.csv"))]
    if result["status"] != trust.NOT_ENOUGH_DATA:
        files += [write_frame(result["customers"], out("customer_value.parquet")),
                  write_frame(readable(result["segments"], names), out("segment_value.csv")),
                  write_frame(result["holdout"]["deciles"], out("holdout_deciles.csv"))]
        expected_revenue_bars(result["segments"], names, result["horizon_days"], catalog.value_figure("expected_revenue"),
                              currency, error_note(result))
        holdout_deciles(result["holdout"]["deciles"], result["holdout"], catalog.value_figure("holdout"), currency)
        files += [catalog.value_figure("expected_revenue"), catalog.value_figure("holdout")]
    if moved:
        moves = moved["moves"][["customer_id", "segment_before", "segment_now", "moved", "change",
                                "revenue_since_baseline"]]
        files += [write_frame(moves, out("movement.csv")),
                  write_frame(moved["matrices"].customers.reset_index(), out("transitions_customers.csv")),
                  write_frame(moved["matrices"].revenue.round(2).reset_index(), out("transitions_revenue.csv"))]
        period = f"{moved['from']} → {moved['to']}"
        draw_transitions(moved["matrices"].customers, catalog.value_figure("movement"),
                         f"Where the customers of each segment went ({period})")
        draw_transitions(moved["matrices"].revenue, catalog.value_figure("movement_revenue"),
                         f"Revenue since the baseline, by move ({period})", currency=currency, in_money=True)
        files += [catalog.value_figure("movement"), catalog.value_figure("movement_revenue")]
    write_campaign(table, segment_summary(table), catalog.campaign(".csv"), catalog.campaign(".xlsx"))
    value = summary(result, rfm, moved, names, table)
    write_json(out("value.json"), value)
    write_metrics(catalog.value_metrics, numbers(value))
    return value, [*files, out("value.json"), catalog.campaign(".csv"), catalog.campaign(".xlsx")]


def files(catalog: Catalog) -> list[Path]:
    """The stage's files as they are on disk (its folder, the campaign export), for MLflow."""
    folder = sorted(p for p in catalog.value.iterdir() if p.is_file()) if catalog.value.is_dir() else []
    return [*folder, *(p for p in (catalog.campaign(".csv"), catalog.campaign(".xlsx")) if p.is_file())]


def as_text(value: Mapping, currency: str | None, seconds: float) -> str:
    """What the stage prints: status, forecast with its check, plan gap, RFM agreement, movement."""
    from segmentation.common.money import money

    lines = [f"value ({seconds:.1f}s): forecast {value['status']}"
             + (f" ({'; '.join(value['reasons'])})" if value["reasons"] else "")]
    holdout = value.get("holdout")
    if holdout:
        lines.append(f"  next {value['horizon_days']:,.0f} days: {money(value['expected_revenue'], currency)} expected "
                     f"from {value['customers_forecast']:,} customers, {money(value['revenue_at_risk'], currency)} at "
                     f"risk ({value['at_risk_customers']:,} customers)")
        lines.append(f"  holdout {holdout['calibration_cutoff']} -> {holdout['cutoff']}: predicted "
                     f"{money(holdout['predicted_total'], currency)}, actual {money(holdout['actual_total'], currency)} "
                     f"({holdout['relative_error']:+.1%}), rank correlation {holdout['spearman']:.2f}")
    if value.get("plan"):
        lines.append(f"  +{value['plan']['target_growth']:.0%} plan: gap {money(value['plan']['gap'], currency)}")
    lines.append(f"  RFM segments vs clusters: ARI {value['rfm']['ari']:.2f} on {value['rfm']['customers']:,} customers")
    moved = value.get("movement")
    if moved:
        lines.append(f"  movement {moved['from']} -> {moved['to']}: stayed {moved['stayed']:,}, moved {moved['moved']:,}, "
                     f"new {moved['new']:,}, lapsed {moved['lapsed']:,}")
    lines.append(f"  campaign export: {value['campaign_customers']:,} customers")
    return "\n".join(lines)
