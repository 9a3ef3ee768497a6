"""The maintenance plan in plain words, every date and number from the study's summary:
the report's section, the slides' bullets, the executive summary's sentence and the method note."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

VERDICT_TITLES = {"refresh": "Refresh plan", "stable": "Stable over the period measured",
                  "unstable_baseline": "No plan yet: the segmentation is unstable",
                  "not_enough_data": "No plan yet: not enough data"}


def _day(text: str, days_before: int = 0) -> str:
    day = pd.Timestamp(text) - pd.Timedelta(days=days_before)
    return f"{day.day} {day:%B %Y}"


def scope(summary: Mapping) -> str:
    """What was compared with what, from the data's own dates."""
    return (f"The segments built on data up to {_day(summary['baseline_cutoff'], 1)} were compared with a fresh "
            f"segmentation at {summary['snapshots']} later dates, from {_day(summary['first_cutoff'])} to "
            f"{_day(summary['last_cutoff'])}.")


def band_sentence(summary: Mapping) -> str:
    if not summary.get("band_samples"):
        return ""
    return (f"Refitting the same baseline ({summary['band_samples']} times, other seeds and resampled customers) "
            f"already agrees only {summary['band_low']:.2f} to {summary['band_high']:.2f} with itself (median "
            f"{summary['band_median']:.2f}): differences inside this band are noise, not drift.")


def details(summary: Mapping) -> list[str]:
    """The sentences under the verdict: reasons, noise band, business rule, sensitivity, cost."""
    lines = [f"Why: {reason}." for reason in summary["reasons"]]
    lines.append(band_sentence(summary))
    if summary.get("threshold_headline"):
        lines.append(f"Business rule (agreement of at least {summary['threshold']:g}): "
                     f"{summary['threshold_headline']}")
    if summary.get("sensitivity"):
        lines.append(f"Sensitivity to the number of segments: the verdict {summary['sensitivity']}.")
    if summary.get("cost_tradeoff"):
        lines.append(summary["cost_tradeoff"])
    return [line for line in lines if line]


def warnings(summary: Mapping) -> list[str]:
    return [w["message"] for w in summary.get("warnings", [])]


def executive_sentence(summary: Mapping, replayed: Mapping | None = None) -> str:
    """The plan in one bullet. With a policy from the monitor's replay (the cheapest one keeping
    the share of customers in a wrong segment under the ceiling) that policy leads, and the
    study's verdict, which asks a different question, is said as such."""
    if replayed and replayed.get("policy") and summary["verdict"] in ("refresh", "stable"):
        return (f"{replayed['sentence']} The study of when change first exceeds the noise says: "
                f"{summary['headline'][0].lower()}{summary['headline'][1:]} In between, place new and existing "
                "customers in the current segments at every data update.")
    if summary["verdict"] in ("refresh", "stable"):
        return f"{summary['headline']} In between, place new and existing customers in the current segments at every data update."
    return f"{summary['headline']} Until then, place new customers in the current segments and review them often."


def method_sentence(summary: Mapping | None) -> str:
    if not summary:
        return "Stability: not measured for this segmentation."
    return (f"Stability over time: the model fitted on data up to {_day(summary['baseline_cutoff'], 1)} is compared "
            f"at each later snapshot with a model refitted then ({summary['population']} customers), with a "
            "bootstrap interval, against the noise band of the baseline refitted by itself.")


def plan_lines(summary: Mapping, replayed: Mapping | None) -> list[str]:
    """The plan slide's lines: with a replayed policy, that policy first and the study's verdict
    named for its question (as in the executive summary); else the study's verdict alone."""
    if replayed and replayed.get("policy"):
        return [f"Recommended: {replayed['sentence']}",
                f"The study of when change first exceeds the noise: {summary['headline'][0].lower()}"
                f"{summary['headline'][1:]}"]
    return [summary["headline"]]

