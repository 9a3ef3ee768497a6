"""How a partition changed, segment by segment, not only by how much: the transitions between the
deployed segments and a fresh fit's, typed as in cluster-tracking (MONIC, Spiliopoulou et al.
2006) - survive, absorbed, split, disappeared, emerged. Pure functions on label series.

Overlaps are counted on the customers both partitions place (the deployed segments as they were
at deployment, the fresh fit's now). For a deployed segment X and a fresh segment Y,
share(X, Y) = |X ∩ Y| / |X|:
- X **survives** into Y when share(X, Y) >= `survive` and no other deployed segment goes to Y;
- X is **absorbed** by Y when share(X, Y) >= `survive` and another deployed segment goes to Y too;
- X **splits** into Y1, Y2... when two or more fresh segments each take >= `split` of X and
  together >= `survive`;
- X **disappeared** otherwise (its customers scattered, or none left);
- a fresh segment no deployed segment survives into, is absorbed by or splits into **emerged**.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

KINDS = ("survive", "absorbed", "split", "disappeared", "emerged")


def overlap_shares(deployed: pd.Series, fresh: pd.Series) -> pd.DataFrame:
    """share(X, Y) for every deployed X (rows) and fresh Y (columns), over the customers (index)
    both series hold; noise (-1) is a segment like any other here."""
    both = deployed.index.intersection(fresh.index)
    counts = pd.crosstab(deployed.loc[both].to_numpy(), fresh.loc[both].to_numpy())
    return counts.div(counts.sum(axis=1), axis=0)


def transitions(deployed: pd.Series, fresh: pd.Series, survive: float = 0.7, split: float = 0.3) -> pd.DataFrame:
    """One row per deployed segment (kind, its fresh segments and their shares) and one per
    emerged fresh segment: columns segment, kind, into (fresh ids), shares (same order)."""
    if not 0 < split < survive <= 1:
        raise ValueError(f"thresholds must satisfy 0 < split ({split}) < survive ({survive}) <= 1")
    shares = overlap_shares(deployed, fresh)
    best = {x: (shares.loc[x].idxmax(), float(shares.loc[x].max())) for x in shares.index}
    matched = {x: y for x, (y, share) in best.items() if share >= survive}
    rows, reached = [], set()
    for x in sorted(set(deployed.unique())):
        if x in matched:
            y = matched[x]
            kind = "absorbed" if sum(target == y for target in matched.values()) > 1 else "survive"
            rows.append({"segment": int(x), "kind": kind, "into": [int(y)], "shares": [round(best[x][1], 4)]})
            reached.add(y)
            continue
        parts = shares.loc[x][shares.loc[x] >= split].sort_values(ascending=False) if x in shares.index else []
        if len(parts) >= 2 and float(np.sum(parts)) >= survive:
            rows.append({"segment": int(x), "kind": "split", "into": [int(y) for y in parts.index],
                         "shares": [round(float(s), 4) for s in parts]})
            reached.update(parts.index)
        else:
            rows.append({"segment": int(x), "kind": "disappeared", "into": [], "shares": []})
    for y in sorted(set(fresh.unique()) - reached):
        rows.append({"segment": int(y), "kind": "emerged", "into": [], "shares": []})
    return pd.DataFrame(rows, columns=["segment", "kind", "into", "shares"])


def in_words(table: pd.DataFrame, names: Mapping[int, str] | None = None) -> list[str]:
    """Each change a marketer reads ("Champions split in two", "a new segment emerged"); segments
    that survive are not listed."""
    names = names or {}
    name = lambda segment: names.get(int(segment), f"Segment {int(segment)}")  # noqa: E731
    lines = []
    for row in table.itertuples():
        if row.kind == "split":
            lines.append(f"{name(row.segment)} split in {len(row.into)} "
                         f"({', '.join(f'{share:.0%}' for share in row.shares)} of its customers)")
        elif row.kind == "absorbed":
            lines.append(f"{name(row.segment)} merged into a larger segment ({row.shares[0]:.0%} of its customers)")
        elif row.kind == "disappeared":
            lines.append(f"{name(row.segment)} disappeared: its customers scattered over other segments")
        elif row.kind == "emerged":
            lines.append("a new segment emerged, from customers no deployed segment holds together")
    return lines


def segment_changes(deployed: pd.Series, now: pd.Series, value_then: pd.Series, value_now: pd.Series) -> pd.DataFrame:
    """Per deployed segment: customers at deployment and now (the deployed model's assignment of
    today's customers), and their summed value then and now (e.g. spend)."""
    frame = pd.DataFrame({
        "customers_then": deployed.value_counts(), "customers_now": now.value_counts(),
        "value_then": value_then.groupby(deployed.reindex(value_then.index)).sum(),
        "value_now": value_now.groupby(now.reindex(value_now.index)).sum()}).fillna(0)
    frame.index.name = "segment"
    frame[["customers_then", "customers_now"]] = frame[["customers_then", "customers_now"]].astype(np.int64)
    return frame.reset_index()
