"""Stage `assign_latest`: the latest snapshot's customers in the champion's segments; and what
the commands `select` (register a sweep's champion) and `assign` (place any customers in the
champion's segments) run.

Depends on the champion file, which `python -m segmentation.select` rewrites, so a new
champion makes `dvc repro` refresh the assignments. Until a champion is registered (a fresh
clone), the pipeline's own model (stage `train`) is used, and the output says so.

Segment ids are the train stage's, the ones reports/segments.csv names: the pipeline's own
model has them by construction; a champion's own ids are renumbered to the train stage's
segment each shares most customers with (Hungarian method), keeping the champion's names.
A model trained with `features.wholesalers: separate` puts the customers above its training
threshold in its Wholesalers segment without clustering them (`pyfunc.SegmentModel`).
"""

from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.cleaning.rules import cleaning_rules
from segmentation.common.catalog import Catalog, read_json, require, user_path, write_frame, write_json
from segmentation.common.errors import UserError
from segmentation.data.facts import frame_facts, source_facts
from segmentation.data.readers import iter_transactions, mapped_columns
from segmentation.features.customer_table import add_interests, categories_for, load_customer_table
from segmentation.features.cutoffs import data_span, latest_snapshot
from segmentation.features.selection import select_features
from segmentation.models.naming import segment_names
from segmentation.models.segment_ids import in_numbering_of
from segmentation.serving.assignment import assign_features, assign_transactions
from segmentation.serving.champion_rule import active_constraints, check_label, choose, explain, no_champion_fix
from segmentation.serving.moves import read_assignments, write_moves
from segmentation.serving.registry import (
    describe,
    listing,
    load_champion,
    load_trained_default,
    register_champion,
    run_config,
    run_profiles,
    sweep_runs,
)
from segmentation.tracking.runs import model_requirements, setup


def in_train_numbering(result: pd.DataFrame, catalog: Catalog) -> tuple[pd.DataFrame, str]:
    """A champion's assignments with the train stage's segment ids, and what changed, in words."""
    train_ids = pd.read_parquet(require(catalog.train_output("assignments.parquet"), "the train stage's segments",
                                        "run `dvc repro train` first"), columns=["customer_id", "cluster"])
    renumbered, same = in_numbering_of(result, train_ids)
    moved = sorted({(int(a), int(b)) for a, b in zip(result["segment"], renumbered["segment"]) if a != b})
    how = ", ".join(f"{a} -> {b}" for a, b in moved) or "unchanged"
    return renumbered, f"; ids as the train stage's segments ({how}; {same:.0%} of customers in the same segment)"


def run(cfg: DictConfig) -> pd.DataFrame:
    """Stage `assign_latest`: the latest snapshot's customers with the champion, or the train
    stage's model until a champion is registered."""
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


def select(cfg: DictConfig) -> dict:
    """Command `select`: the champion of a sweep by `select.*`, registered with the names the
    report would give its segments, and reports/champion.json."""
    import mlflow

    experiment_id = setup(cfg)
    client = mlflow.MlflowClient()
    rule = OmegaConf.to_container(cfg.select, resolve=True)
    sweep, runs, skipped = sweep_runs(client, experiment_id, rule["parent_run_id"])
    if skipped:
        print(f"select: skipped {len(skipped)} newer sweep(s) without a FINISHED run: {listing(skipped)}")
    champion, table = choose(runs, rule)
    print(f"select: {len(table)} candidates from sweep {describe(sweep)}, ranked by {rule['metric']}:\n"
          + explain(table, rule["metric"]))
    if champion is None:
        checks = ", ".join(check_label(name, bound) for _, name, bound, _ in active_constraints(rule))
        raise UserError(f"no FINISHED run of sweep {sweep['name']} (id {sweep['id']}) passes every constraint "
                        f"({checks or 'none set'}). {no_champion_fix(table, rule)}")
    run_cfg = run_config(client, champion["run_id"])
    pipeline = mlflow.sklearn.load_model(f"runs:/{champion['run_id']}/model")
    customers = load_customer_table(run_cfg)[0]
    X, _ = select_features(customers, OmegaConf.to_container(run_cfg.features, resolve=True))
    ingest = Catalog(cfg).ingest_report
    names, _, _ = segment_names(cfg, run_profiles(client, champion["run_id"]), customers,
                                read_json(ingest) if ingest.is_file() else None)
    name = str(rule["model_name"])
    version = register_champion(champion["run_id"], pipeline, list(X.columns), names,
                                X.head(5).reset_index(drop=True), name, model_requirements())
    chosen = {"model_name": name, "alias": "champion", "version": version, "run_id": champion["run_id"],
              "run_name": champion["run_name"], "metric": rule["metric"],
              "value": round(float(champion[rule["metric"]]), 6), "segments": {str(k): v for k, v in names.items()},
              "features": list(X.columns)}
    write_json(Catalog(cfg).champion, chosen)
    print(f"select: champion {champion['run_name']} ({rule['metric']} {champion[rule['metric']]:.3f}) registered "
          f"as models:/{name}@champion (version {version}); segments: {', '.join(names.values())}")
    return chosen


def assign(cfg: DictConfig):
    """Command `assign`: assign the configured transactions' customers; returns the output file."""
    target = user_path(cfg.assign.output)
    if target.suffix.lower() not in (".csv", ".parquet"):
        raise UserError(f"assign.output={target.name} must end in .csv or .parquet.")
    segment_model, described = load_champion(cfg)
    data = OmegaConf.to_container(cfg.data, resolve=True)
    lines = pd.concat(list(iter_transactions(data)), ignore_index=True)
    facts = source_facts([frame_facts(lines)], mapped_columns(data))
    rules = cleaning_rules(OmegaConf.to_container(cfg.cleaning, resolve=True), data, facts)
    categories = categories_for(cfg, segment_model.columns)  # a champion on interest features: the training data's
    result, as_of = assign_transactions(lines, rules, cfg.assign.as_of, segment_model, categories)
    previous = read_assignments(user_path(cfg.assign.previous)) if cfg.assign.previous else None
    write_frame(result, target)
    if previous is not None:
        moved = write_moves(previous, result, target, cfg.data.currency)
        print(f"assign: since {cfg.assign.previous}: stayed {moved['stayed']:,}, moved {moved['moved']:,}, "
              f"new {moved['new']:,}, lapsed {moved['lapsed']:,} -> {target.with_suffix('')}_moves.csv")
    counts = result["segment_name"].value_counts()
    print(f"assign: {len(result):,} customers as of {as_of:%Y-%m-%d} with {described} -> {target}\n"
          + "\n".join(f"  {name}: {count:,}" for name, count in counts.items()))
    return target
