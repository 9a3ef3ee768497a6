"""Stage `assign_latest`: the latest snapshot's customers in the champion's segments.

Depends on the champion file, which `python -m segmentation.select` rewrites, so a new
champion makes `dvc repro` refresh the assignments. Until a champion is registered (a fresh
clone), the pipeline's own model (stage `train`) is used, and the output says so.

Segment ids are the train stage's, the ones reports/segments.csv names: the pipeline's own
model has them by construction; a champion's own ids are renumbered to the train stage's
segment each shares most customers with (Hungarian method), keeping the champion's names.
A model trained with `features.wholesalers: separate` puts the customers above its training
threshold in its Wholesalers segment without clustering them (`serving.SegmentModel`).
"""

from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig

from segmentation.assignment import assign_features, in_numbering_of
from segmentation.catalog import Catalog, read_json, require, write_frame
from segmentation.cutoffs import data_span, latest_snapshot
from segmentation.errors import UserError
from segmentation.interests.tables import add_interests
from segmentation.registry import load_champion, load_trained_default
from segmentation.stages import run_stage


def in_train_numbering(result: pd.DataFrame, catalog: Catalog) -> tuple[pd.DataFrame, str]:
    """A champion's assignments with the train stage's segment ids, and what changed, in words."""
    train_ids = pd.read_parquet(require(catalog.train_output("assignments.parquet"), "the train stage's segments",
                                        "run `dvc repro train` first"), columns=["customer_id", "cluster"])
    renumbered, same = in_numbering_of(result, train_ids)
    moved = sorted({(int(a), int(b)) for a, b in zip(result["segment"], renumbered["segment"]) if a != b})
    how = ", ".join(f"{a} -> {b}" for a, b in moved) or "unchanged"
    return renumbered, f"; ids as the train stage's segments ({how}; {same:.0%} of customers in the same segment)"


def run(cfg: DictConfig) -> pd.DataFrame:
    catalog = Catalog(cfg)
    champion = read_json(catalog.champion)
    latest = latest_snapshot(cfg.snapshots, data_span(catalog.clean))
    table = pd.read_parquet(catalog.snapshot(latest))
    try:
        if not champion.get("version"):
            raise UserError("no champion yet")
        model, described = load_champion(cfg)
    except UserError:
        model, described = load_trained_default(cfg)
        champion = {}
    if any(c not in table for c in model.columns):  # a champion on interest features the snapshot lacks
        cutoff = read_json(catalog.snapshot_report(latest))["cutoff"]
        table = add_interests(cfg, table, cutoff, columns=model.columns)
    result = assign_features(table, model).assign(snapshot=latest, is_new=table["is_new"].to_numpy())
    rule = model.wholesalers  # separate: those above the training threshold, counted before any renumbering
    apart = (f"; {int((result['segment'] == rule['segment']).sum()):,} set apart: {model.rule_text()}" if rule
             else "")
    if champion:
        result, note = in_train_numbering(result, catalog)
        described += note
    write_frame(result, catalog.assignments_latest)
    print(f"assign_latest: {len(result):,} customers of snapshot {latest} with {described}{apart}")
    return result


if __name__ == "__main__":
    run_stage(run)
