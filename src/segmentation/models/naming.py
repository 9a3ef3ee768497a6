"""Segment names, traits and marketing actions from cluster profiles: pure and deterministic.

Each segment is placed against the whole customer base: for recency, frequency, monetary
and units per order, the *position* of the segment's median among all customers (0 = lowest,
1 = highest). Recency is turned around so that high means recent (`R`). `C` is the segment's
mean cancellation percentage divided by the population's. Rules, first match wins
(F = frequency position, M = spend position, W = units-per-order position):

| name | rule |
|---|---|
| Wholesalers / big accounts | W >= 0.9 and M >= 0.75 |
| Champions | R >= 0.6, F >= 0.7, M >= 0.7 |
| Loyal customers | R >= 0.4, F >= 0.6, M >= 0.5 |
| Can't lose them | R < 0.35, F >= 0.6, M >= 0.6 |
| Frequent cancellers | C >= 2.5 and a mean above 5 % of lines cancelled |
| New customers | R >= 0.7, F < 0.35 |
| Promising | R >= 0.55, F < 0.55 |
| At risk | R < 0.4, F >= 0.4 |
| Lost | R < 0.25, F < 0.35 |
| Hibernating | R < 0.45, F < 0.45 |
| Occasional buyers | F < 0.35 |
| Need attention | anything else |

Names are unique within a run: when several segments match the same first rule, the one
with the higher spend keeps it and the others take their next matching rule; a segment with
no free rule gets its first name qualified by spend ("At risk, lower spend"). A config
mapping (`naming.overrides: {segment id: name}`) replaces any name.

Wholesalers set apart by the wholesaler rule (`features.wholesalers: separate`; their profile
row has `wholesalers` true) are always "Wholesalers"; no other segment then takes the
"Wholesalers / big accounts" rule (an override still wins).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.money import money
from segmentation.features.selection import UNIT_FEATURES

#: the segment of the wholesalers set apart by the wholesaler rule (features.wholesalers: separate)
WHOLESALERS = "Wholesalers"

RULES = [
    ("Wholesalers / big accounts", lambda p: p["W"] >= 0.9 and p["M"] >= 0.75),
    ("Champions", lambda p: p["R"] >= 0.6 and p["F"] >= 0.7 and p["M"] >= 0.7),
    ("Loyal customers", lambda p: p["R"] >= 0.4 and p["F"] >= 0.6 and p["M"] >= 0.5),
    ("Can't lose them", lambda p: p["R"] < 0.35 and p["F"] >= 0.6 and p["M"] >= 0.6),
    ("Frequent cancellers", lambda p: p["C"] >= 2.5 and p["cancel_pct"] > 5),
    ("New customers", lambda p: p["R"] >= 0.7 and p["F"] < 0.35),
    ("Promising", lambda p: p["R"] >= 0.55 and p["F"] < 0.55),
    ("At risk", lambda p: p["R"] < 0.4 and p["F"] >= 0.4),
    ("Lost", lambda p: p["R"] < 0.25 and p["F"] < 0.35),
    ("Hibernating", lambda p: p["R"] < 0.45 and p["F"] < 0.45),
    ("Occasional buyers", lambda p: p["F"] < 0.35),
    ("Need attention", lambda p: True),
]

ACTIONS = {
    "Wholesalers / big accounts": ["Give them a named account manager and a trade price list.",
                                   "Offer volume discounts and early access to the seasonal range.",
                                   "Check in before their usual reorder date."],
    WHOLESALERS: ["Give each account a named account manager and review their orders with them every quarter.",
                  "Offer volume pricing: a trade price list with price breaks by order size.",
                  "Agree reorder dates and delivery slots ahead of their large orders."],
    "Champions": ["Reward them: early access to new products and a thank-you gift.",
                  "Ask for reviews and referrals.",
                  "Do not discount: they already buy at full price."],
    "Loyal customers": ["Offer a loyalty programme with points on every order.",
                        "Recommend related products (bundles, matching ranges).",
                        "Invite them to upgrade to larger orders with free delivery thresholds."],
    "Can't lose them": ["Call or write personally: find out why they stopped.",
                        "Send a strong win-back offer on the products they used to buy.",
                        "Show what is new since their last order."],
    "New customers": ["Send a welcome series explaining the range and delivery.",
                      "Offer a small discount on a second order within 30 days.",
                      "Ask how their first order went."],
    "Promising": ["Nudge a second and third order with personalised recommendations.",
                  "Offer free delivery above a basket size a little above theirs.",
                  "Invite them to the newsletter and seasonal previews."],
    "At risk": ["Send a time-limited reactivation offer.",
                "Remind them of their favourite products and what is new.",
                "Survey them briefly to understand what changed."],
    "Lost": ["Include them only in low-cost campaigns (seasonal email).",
             "Try one last reactivation offer, then stop spending on them.",
             "Use them to learn why customers leave."],
    "Frequent cancellers": ["Find out why they cancel: check the products, photos and descriptions they return.",
                            "Confirm large orders before dispatch to avoid costly cancellations.",
                            "Do not target them with discounts until cancellations fall."],
    "Occasional buyers": ["Remind each customer at the time of year they bought before (the export has the date).",
                          "Offer a reason to order more often: a subscription or a reorder reminder.",
                          "Suggest add-ons to their usual basket."],
    "Hibernating": ["Reactivate with the current best sellers, at the time of year each customer bought before.",
                    "Offer a modest discount with a clear end date.",
                    "Reduce contact frequency if they do not respond."],
    "Need attention": ["Send recommendations based on past purchases.",
                       "Offer a limited-time incentive to order again soon.",
                       "Watch whether they move up or down next quarter."],
}


def positions(profiles: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Per segment: R, F, M, W in [0, 1], the share of customers below the segment's median."""
    def position(column: str, flip: bool = False) -> pd.Series:
        if f"median_{column}" not in profiles or column not in population:
            return pd.Series(0.5, index=profiles.index)
        values = np.sort(population[column].to_numpy(dtype=float))
        medians = profiles[f"median_{column}"].to_numpy(dtype=float)
        share = np.searchsorted(values, medians, side="left") / max(len(values), 1)
        return pd.Series(1 - share if flip else share, index=profiles.index)

    if "mean_cancellation_pct" in profiles and "cancellation_pct" in population:
        cancel = profiles["mean_cancellation_pct"].astype(float)
        ratio = cancel / max(float(population["cancellation_pct"].mean()), 1e-9)
    else:
        cancel = ratio = pd.Series(0.0, index=profiles.index)
    return pd.DataFrame({"R": position("recency", flip=True), "F": position("frequency"),
                         "M": position("monetary"), "W": position("avg_items_per_order"),
                         "C": ratio, "cancel_pct": cancel})


def without_units(profiles: pd.DataFrame, population: pd.DataFrame,
                  units_supplied: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profiles and population as naming should see them: without a quantity column every line is
    one unit, so unit-based figures (wholesalers, items per order) would describe lines, not units."""
    if units_supplied:
        return profiles, population
    return (profiles.drop(columns=[c for c in profiles if c.removeprefix("median_").removeprefix("mean_")
                                   in UNIT_FEATURES]),
            population.drop(columns=[c for c in UNIT_FEATURES if c in population]))


def name_segments(profiles: pd.DataFrame, population: pd.DataFrame,
                  overrides: Mapping | None = None) -> dict[int, str]:
    """Unique, deterministic names keyed by segment id (see module docstring)."""
    profiles = profiles.set_index("cluster") if "cluster" in profiles else profiles
    place = positions(profiles, population)
    apart = set(profiles.index[profiles["wholesalers"].astype(bool)]) if "wholesalers" in profiles else set()
    rules = [(name, rule) for name, rule in RULES if not (apart and name.startswith(WHOLESALERS))]
    candidates = {c: [name for name, rule in rules if rule(place.loc[c])] for c in profiles.index}
    order = place.sort_values(["M", "F"], ascending=False).index  # higher value picks first
    names = {c: WHOLESALERS for c in apart}
    taken = set(names.values())
    for cluster in (c for c in order if c not in apart):
        free = [n for n in candidates[cluster] if n not in taken]
        if free:
            names[cluster] = free[0]
        else:
            names[cluster] = f"{candidates[cluster][0]}, {'higher' if place.loc[cluster, 'M'] >= 0.5 else 'lower'} spend"
            suffix = 2
            while names[cluster] in taken:
                names[cluster] = f"{candidates[cluster][0]} ({suffix})"
                suffix += 1
        taken.add(names[cluster])
    for cluster, name in (overrides or {}).items():
        if int(cluster) in names:
            names[int(cluster)] = str(name)
    return {int(c): names[c] for c in sorted(names)}


def actions_for(name: str) -> list[str]:
    """2-3 marketing actions; overridden names fall back to their closest rule name."""
    for key in ACTIONS:
        if name.startswith(key):
            return ACTIONS[key]
    return ACTIONS["Need attention"]


def traits(row: pd.Series, currency: str | None) -> str:
    """Plain words with numbers and units, amounts in the data's currency (`data.currency`),
    e.g. "About 3 orders, the last one 40 days ago, $950 spent in all"."""
    parts = []
    if "median_frequency" in row:
        orders = row["median_frequency"]
        parts.append(f"about {orders:,.0f} order{'s' if round(orders) != 1 else ''}")
    if "median_recency" in row:
        parts.append(f"the last one {row['median_recency']:,.0f} days ago")
    if "median_monetary" in row:
        parts.append(f"{money(row['median_monetary'], currency)} spent in all")
    text = ", ".join(parts)
    if "median_avg_items_per_order" in row:
        text += f"; {row['median_avg_items_per_order']:,.0f} items per order"
    if "mean_cancellation_pct" in row and row["mean_cancellation_pct"] >= 0.5:
        text += f"; {row['mean_cancellation_pct']:.0f}% of order lines cancelled"
    return text[:1].upper() + text[1:] + " (typical customer)."


def segment_cards(profiles: pd.DataFrame, names: Mapping[int, str], currency: str | None) -> pd.DataFrame:
    """One row per segment: name, size, shares, traits (amounts in `currency`) and actions,
    largest revenue first."""
    rows = []
    for _, row in profiles.iterrows():
        cluster = int(row["cluster"])
        name = names.get(cluster, f"Segment {cluster}")
        rows.append({"cluster": cluster, "name": name, "customers": int(row["customers"]),
                     "share_of_customers": float(row["share_of_customers"]),
                     "share_of_revenue": float(row.get("share_of_revenue", np.nan)),
                     "traits": traits(row, currency), "actions": actions_for(name)})
    return pd.DataFrame(rows).sort_values("share_of_revenue", ascending=False).reset_index(drop=True)


def segment_names(cfg: DictConfig, profiles: pd.DataFrame, population: pd.DataFrame,
                  ingest: Mapping | None) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """{segment id: name}, and the profiles and customer table the names were computed from
    (without unit-based features when the source has no quantity column)."""
    overrides = OmegaConf.to_container(cfg.naming.overrides, resolve=True) if cfg.naming.overrides else {}
    units = ingest is None or bool(ingest["columns"].get("quantity"))
    named_profiles, named_population = without_units(profiles, population, units)
    return name_segments(named_profiles, named_population, overrides), named_profiles, named_population


def labelled(segments: pd.Series, names: Mapping) -> pd.Series:
    """Segment ids -> their names ("Segment <id>" for an id without one)."""
    return segments.map(names).fillna("Segment " + segments.astype(str)).astype(str)
