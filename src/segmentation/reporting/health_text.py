"""The "Segment health" section in words, every number from the monitor's files: the latest
check (status, why, which segments changed), and the refresh policy the replay recommends.
Pure: the report and the slides print these lines."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

STATUS_TITLES = {"ok": "Segments still hold", "refresh_due": "Refresh due",
                 "not_enough_data": "Not enough new data to judge yet"}


def _day(text: str) -> str:
    day = pd.Timestamp(text)
    return f"{day.day} {day:%B %Y}"


def latest_lines(latest: Mapping) -> tuple[str, list[str]]:
    """(the callout's title and sentence, the lines under it) for the last check."""
    title = STATUS_TITLES[latest["status"]]
    head = (f"{title}: the segmentation deployed on data up to {_day(latest['deployed_at'])} "
            f"({latest['model'].split(' (run ')[0]}), checked on the data up to {_day(latest['cutoff'])}.")
    lines = [f"Why: {reason}." for reason in latest["reasons"]]
    if latest["status"] != "not_enough_data":
        lines.append(f"{latest['mislabelled_share']:.0%} of today's customers would change segment with a refresh; "
                     f"{latest['new_customers']:,} customers are new since the deployment.")
    if latest.get("changes") and latest["status"] != "ok":
        lines.append("What changed: " + "; ".join(latest["changes"]) + ".")
    return head, lines


def track_sentence(track: pd.DataFrame) -> str:
    """The replayed months in one sentence: how many checks said what."""
    if track.empty:
        return ""
    counts = track["status"].value_counts()
    due = track.loc[track["status"] == "refresh_due", "cutoff"].map(_day).tolist()
    return (f"Replayed month by month after the baseline ({len(track)} checks): "
            f"{counts.get('ok', 0)} said the segments hold, {counts.get('not_enough_data', 0)} lacked data"
            + (f", a refresh was due on {', '.join(due)}." if due else ", no refresh was due."))


def policy_lines(recommendation: Mapping | None, policies: pd.DataFrame | None) -> list[str]:
    """The recommended policy, then each policy's cost and risk."""
    if not recommendation:
        return []
    lines = [recommendation["sentence"]]
    if policies is not None and len(policies):
        lines.append("Policies replayed: " + "; ".join(
            f"{'when the monitor says so' if row.policy == 'monitor' else row.policy}: {int(row.refreshes)} refresh"
            f"{'es' if row.refreshes != 1 else ''}, worst {row.worst_mislabelled:.1%} mislabelled"
            for row in policies.itertuples()) + ".")
    return lines
