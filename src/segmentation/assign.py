"""Place customers in the champion's segments.

    python -m segmentation.assign data=transactions data.path=new.csv [assign.as_of=2012-01-01]
        [assign.output=reports/assignments.parquet]

Reads transactions in any supported format and mapping, cleans them with the configured
rules, computes features as of the date (default: the day after the last line) with the
champion's own feature set, loads `models:/<name>@champion` and writes customer id, segment
id and segment name (CSV or parquet, by the output's extension). New customers are assigned
like known ones; for an HDBSCAN champion `assign.noise` (keep | nearest) sets the policy.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.config import project_root, resolve
from segmentation.errors import UserError, cli
from segmentation.io import atomic_path


def load_champion(cfg: DictConfig):
    """The champion pyfunc (its python model unwrapped) and a description."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from segmentation.tracking import setup

    setup(cfg)
    name = str(cfg.select.model_name)
    try:
        version = mlflow.MlflowClient().get_model_version_by_alias(name, "champion")
    except MlflowException:
        raise UserError(f"no champion registered under '{name}' in {mlflow.get_tracking_uri()}. "
                        "Fix: run a sweep, then `python -m segmentation.select`.") from None
    model = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    segment_model = model.unwrap_python_model()
    segment_model.set_noise_policy(cfg.assign.get("noise"))
    return segment_model, f"models:/{name}@champion (version {version.version}, run {version.run_id})"


def assign_features(table: pd.DataFrame, segment_model) -> pd.DataFrame:
    """customer id, segment, segment name for a customer x feature table."""
    missing = [c for c in segment_model.columns if c not in table]
    if missing:
        raise UserError(f"the champion needs feature(s) {missing}, not in the table. Fix: compute them or "
                        "select a champion trained on these features.")
    result = segment_model.predict(None, table[segment_model.columns].reset_index(drop=True))
    return pd.concat([table["customer_id"].reset_index(drop=True).rename("customer_id"), result], axis=1)


def write_table(frame: pd.DataFrame, target: Path) -> Path:
    if target.suffix.lower() not in (".csv", ".parquet"):
        raise UserError(f"assign.output={target.name} must end in .csv or .parquet.")
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False) if target.suffix.lower() == ".parquet" else frame.to_csv(tmp, index=False)
    return target


def assign(cfg: DictConfig) -> Path:
    from segmentation.cleaning import clean_frame
    from segmentation.data.readers import iter_transactions
    from segmentation.features import default_cutoff, features_from_frame
    from segmentation.stages.features import resolve_cutoff

    segment_model, described = load_champion(cfg)
    lines = pd.concat(list(iter_transactions(OmegaConf.to_container(cfg.data, resolve=True))), ignore_index=True)
    cleaned, _ = clean_frame(lines, OmegaConf.to_container(cfg.cleaning, resolve=True))
    if cleaned.empty:
        raise UserError("no line is left after cleaning. Fix: check the file and the cleaning rules.")
    first, last = cleaned["invoice_date"].min(), cleaned["invoice_date"].max()
    as_of = resolve_cutoff(cfg.assign.get("as_of"), pd.Timestamp(first), pd.Timestamp(last), "assign.as_of") \
        if cfg.assign.get("as_of") else default_cutoff(last)
    table = features_from_frame(cleaned, as_of)
    if table.empty:
        raise UserError(f"no identified customer bought before {as_of:%Y-%m-%d}. Fix: check assign.as_of.")
    result = assign_features(table, segment_model)
    target = write_table(result, resolve(cfg.assign.output))
    counts = result["segment_name"].value_counts()
    print(f"assign: {len(result):,} customers as of {as_of:%Y-%m-%d} with {described} -> {target}\n"
          + "\n".join(f"  {name}: {count:,}" for name, count in counts.items()))
    return target


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli
def main(cfg: DictConfig) -> None:
    assign(cfg)


if __name__ == "__main__":
    main()
