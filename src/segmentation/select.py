"""Hydra command: pick the champion of a sweep, register it, set the alias `champion`.

    python -m segmentation.select                          # the latest sweep with a FINISHED run
    python -m segmentation.select select.parent_run_id=<id> select.metric=calinski_harabasz
    python -m segmentation.select select.min_bootstrap_ari=0.5 select.min_refresh_interval_months=null

Prints why the winner won: every candidate with its metric and each constraint passed or failed.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, read_json, write_json
from segmentation.champion import active_constraints, check_label, choose, explain, no_champion_fix
from segmentation.customer_tables import load_customer_table
from segmentation.errors import UserError, cli
from segmentation.preprocess import select_features
from segmentation.project import project_root
from segmentation.registry import describe, listing, register_champion, run_config, run_profiles, sweep_runs
from segmentation.reporting.naming import name_segments, without_units
from segmentation.tracking.runs import setup
from segmentation.tracking.training_run import model_requirements
from segmentation.validation import check


def select(cfg: DictConfig) -> dict:
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
    units = not ingest.is_file() or bool(read_json(ingest)["columns"].get("quantity"))
    names = name_segments(*without_units(run_profiles(client, champion["run_id"]), customers, units),
                          OmegaConf.to_container(cfg.naming.overrides) or {})
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


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli
def main(cfg: DictConfig) -> None:
    select(check(cfg))


if __name__ == "__main__":
    main()
