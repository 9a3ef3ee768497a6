"""Hydra command: place customers in the champion's segments.

    python -m segmentation.assign data=transactions data.path=new.csv [assign.as_of=2012-01-01]
        [assign.output=reports/assignments.parquet] [assign.previous=reports/assignments_2024-Q1.csv]

Reads transactions in any supported format and mapping, cleans them with the configured
rules, computes features as of the date (default: the day after the last line) with the
champion's own feature set, loads `models:/<name>@champion` and writes customer id, segment
id and segment name (CSV or parquet, by the output's extension). New customers are assigned
like known ones; for an HDBSCAN champion `assign.noise` (keep | nearest) sets the policy.
A champion trained with `features.wholesalers=separate` puts the customers above its training
wholesaler threshold in its Wholesalers segment without clustering them; with `drop` the model
never saw wholesalers and clusters every customer, as with `keep`.
With `assign.previous` (an earlier output of this command), who moved since that refresh is
written beside the output: <output>_moves.csv, <output>_transitions.csv and .png.
"""

from __future__ import annotations

import hydra
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.assignment import assign_transactions
from segmentation.catalog import user_path, write_frame
from segmentation.cleaning import cleaning_rules
from segmentation.data.facts import frame_facts, source_facts
from segmentation.data.readers import iter_transactions, mapped_columns
from segmentation.errors import UserError, cli
from segmentation.interests.tables import categories_for
from segmentation.project import project_root
from segmentation.registry import load_champion
from segmentation.steps.moves import read_assignments, write_moves
from segmentation.validation import check


def assign(cfg: DictConfig):
    """Assign the configured transactions' customers; returns the output file."""
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


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli
def main(cfg: DictConfig) -> None:
    check(cfg)
    assign(cfg)


if __name__ == "__main__":
    main()
