"""The monitor's findings in words a marketing director reads (pure)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

STATUS_WORDS = {"ok": "Segments still hold", "refresh_due": "Refresh due", "not_enough_data": "Not enough new data"}


def status_line(finding: Mapping) -> str:
    """'monitor <as of> (deployed <cutoff>): Refresh due - agreement 0.41 ... ; Champions split in 2'."""
    head = f"monitor {finding['cutoff']} (deployed {finding['deployed_at']}): {STATUS_WORDS[finding['status']]}"
    return f"{head} - " + "; ".join(finding["reasons"])


def policy_name(row: Mapping) -> str:
    return "when the monitor says so" if row["policy"] == "monitor" else str(row["policy"])


def policy_sentence(table: pd.DataFrame, best: Mapping | None, ceiling: float) -> str:
    """The replay's recommendation: the cheapest policy keeping the mislabelled share at most
    `ceiling`, against the cheapest fixed interval that does as well."""
    months = int(table["months"].max()) if len(table) else 0
    if best is None:
        worst = table.sort_values("worst_mislabelled").iloc[0] if len(table) else None
        return (f"No policy keeps the share of customers in a wrong segment under {ceiling:.0%} over the {months} months "
                f"replayed (the best, {policy_name(worst)}, reaches {worst['worst_mislabelled']:.1%}): refresh "
                "monthly and review the configuration." if worst is not None else "Nothing to replay.")
    fixed = table[(table["policy"] != "monitor") & (table["worst_mislabelled"] <= ceiling)]
    cheapest_fixed = fixed.sort_values(["refreshes", "worst_mislabelled"]).iloc[0] if len(fixed) else None
    say = (f"{int(best['refreshes'])} refresh{'es' if best['refreshes'] != 1 else ''} in {months} months, never more "
           f"than {best['worst_mislabelled']:.1%} of customers in a wrong segment (ceiling {ceiling:.0%})")
    if best["policy"] == "monitor":
        against = (f" instead of {int(cheapest_fixed['refreshes'])} {policy_name(cheapest_fixed)}"
                   if cheapest_fixed is not None and cheapest_fixed["refreshes"] > best["refreshes"] else "")
        return f"Come back when the monitor says so: {say}{against}."
    return f"Refresh {policy_name(best)}: {say}."


def unclear_sentence(unclear: int, months: int, band_low: float) -> str:
    """The replay's answer when its months cannot tell customers who changed from a choice between
    segmentations of nearly equal quality: no policy, and what to do first."""
    return (f"The replay cannot say when to refresh at this configuration: in {unclear} of {months} months a fresh "
            f"fit found a competing segmentation of nearly equal quality, or the deployment's own refits agreed as "
            f"little as {band_low:.2f}, so the shares in a wrong segment measure a choice between segmentations, "
            "not customers who changed. Choose a configuration that refits to the same segments first (another k: "
            "the maintenance study's sensitivity line compares them), then replay.")

