"""The wholesaler policy in the report's words (`features.wholesalers`: keep, drop or separate),
every number from the training run's selection report (train.json): how many accounts were left
out or set apart, above which threshold, and, when the data have no quantity column, that the
rule counted order lines, not units (`wholesaler_rule_applies` false)."""

from __future__ import annotations

import re
from collections.abc import Mapping

MAP_CAPTION = "Each dot is a customer; customers close to each other buy in a similar way."


def method_sentences(features: Mapping, train: Mapping) -> list[str]:
    """One method-note bullet on the policy that applied, and one more when the rule counted lines."""
    policy, threshold = features["wholesalers"], train.get("wholesaler_threshold")
    lines_only = train.get("wholesaler_rule_applies") is False  # a unit rule on data without quantities
    unit = "lines" if lines_only else "items"
    column = {"avg_items_per_order": f"{unit} per order", "total_quantity": unit, "monetary": "spent"}.get(
        features.get("wholesaler_column"), str(features.get("wholesaler_column")).replace("_", " "))
    count = int(train.get({"drop": "wholesalers_removed", "separate": "wholesalers_separated"}.get(policy, "")) or 0)
    digits = 0 if threshold is None or abs(threshold) >= 10 else 1
    accounts = f"Wholesale-sized accounts: {count:,} customers" + (
        "" if threshold is None else f" above {threshold:,.{digits}f} {column}")
    sentence = {"keep": "Wholesale-sized accounts: kept and clustered with every other customer "
                        "(features.wholesalers=keep).",
                "drop": f"{accounts} were left out of the segmentation (features.wholesalers=drop).",
                "separate": f"{accounts} form their own segment, \u201cWholesalers\u201d, and are not clustered; "
                            "separation and repeatability describe the other "
                            f"{int(train.get('customers_clustered', 0)):,} customers (features.wholesalers=separate)."
                }[policy]
    if lines_only and policy != "keep":
        return [sentence, "Without a quantity column every line counts as one unit, so the wholesaler rule ranked "
                          "customers by order lines, not units."]
    return [sentence]


def map_caption(method: list[str]) -> str:
    """The customer map's caption. The map shows clustered customers only: when the method note
    (`method_sentences`, train.json's counts) says wholesalers were set apart or left out, the
    caption says they are not on it."""
    for line in method:
        found = re.match(r"Wholesale-sized accounts: ([\d,]+) customers .*(form their own segment|were left out)", line)
        if found and found.group(1).strip("0,"):
            count = found.group(1)
            if found.group(2).startswith("form"):
                return (f"Each dot is a clustered customer; customers close to each other buy in a similar way. The "
                        f"{count} wholesale-sized accounts of the \u201cWholesalers\u201d segment are not on the map: "
                        "they were set apart, not clustered.")
            return f"{MAP_CAPTION} The {count} wholesale-sized accounts left out of the segmentation are not on the map."
    return MAP_CAPTION
