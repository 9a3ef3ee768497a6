"""Pick the champion of a sweep, register it, set the alias `champion`.

    python -m segmentation.select                          # the latest sweep
    python -m segmentation.select select.parent_run_id=<id> select.metric=calinski_harabasz

Prints why the winner won: every candidate with its metric and each constraint passed or failed.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import hydra
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.champion import choose
from segmentation.config import project_root, resolve
from segmentation.errors import UserError, cli
from segmentation.io import write_json
from segmentation.tracking import ROLE_TAG, setup


def sweep_runs(client, experiment_id: str, parent_run_id: str | None) -> tuple[str, pd.DataFrame]:
    if not parent_run_id:
        sweeps = client.search_runs([experiment_id], f"tags.`{ROLE_TAG}` = 'sweep'", order_by=["start_time DESC"],
                                    max_results=1)
        if not sweeps:
            raise UserError("no sweep found in this MLflow experiment. Fix: run one first "
                            "(`python -m segmentation.train experiment=grid`) or give select.parent_run_id.")
        parent_run_id = sweeps[0].info.run_id
    children = client.search_runs([experiment_id], f"tags.mlflow.parentRunId = '{parent_run_id}'", max_results=50_000)
    if not children:
        raise UserError(f"sweep {parent_run_id} has no runs. Fix: check select.parent_run_id.")
    rows = [{"run_id": r.info.run_id, "run_name": r.info.run_name, "status": r.info.status, **r.data.metrics}
            for r in children]
    return parent_run_id, pd.DataFrame(rows)


def explain(table: pd.DataFrame, metric: str, limit: int = 15) -> str:
    checks = [c for c in table.columns if any(c.endswith(f"{op} {v}") for op in (">=", "<=", ">", "<", "==")
                                               for v in [c.split()[-1]])]
    shown = table[["run_name", "status", metric, *checks, "eligible"]].head(limit).copy()
    shown[metric] = shown[metric].round(3)
    for column in checks:
        shown[column] = shown[column].map({True: "pass", False: "FAIL", None: "n/a"})
    shown["eligible"] = shown["eligible"].map({True: "yes", False: "no"})
    more = f"\n... {len(table) - limit} more candidates" if len(table) > limit else ""
    return shown.to_string(index=False) + more


def run_config(client, run_id: str) -> DictConfig:
    with tempfile.TemporaryDirectory() as scratch:
        return OmegaConf.load(client.download_artifacts(run_id, "config.yaml", scratch))


def select(cfg: DictConfig) -> dict:
    import mlflow

    from segmentation.features import select_features
    from segmentation.naming import name_segments
    from segmentation.serving import log_segment_model
    from segmentation.train import load_customer_table, model_requirements

    experiment_id = setup(cfg)
    client = mlflow.MlflowClient()
    rule = OmegaConf.to_container(cfg.select, resolve=True)
    parent, runs = sweep_runs(client, experiment_id, rule.get("parent_run_id"))
    champion, table = choose(runs, rule)
    print(f"select: {len(table)} candidates from sweep {parent}, ranked by {rule['metric']}:\n"
          + explain(table, rule["metric"]))
    if champion is None:
        raise UserError(f"no FINISHED run of sweep {parent} passes every constraint {dict(rule['constraints'])}. "
                        "Fix: relax select.constraints or widen the sweep.")
    run_cfg = run_config(client, champion["run_id"])
    pipeline = mlflow.sklearn.load_model(f"runs:/{champion['run_id']}/model")
    customers = load_customer_table(run_cfg)[0]
    X, _ = select_features(customers, OmegaConf.to_container(run_cfg.features, resolve=True))
    with tempfile.TemporaryDirectory() as scratch:
        profiles = pd.read_csv(client.download_artifacts(champion["run_id"], "cluster_profiles.csv", scratch))
    names = name_segments(profiles, customers, OmegaConf.to_container(cfg.naming.overrides) or {})
    name = str(rule["model_name"])
    with mlflow.start_run(run_id=champion["run_id"]):
        info = log_segment_model(pipeline, list(X.columns), names, X.head(5).reset_index(drop=True), name,
                                 model_requirements())
        mlflow.set_tag("champion", "true")
    version = str(info.registered_model_version)
    client.set_registered_model_alias(name, "champion", version)
    chosen = {"model_name": name, "alias": "champion", "version": version, "run_id": champion["run_id"],
              "run_name": champion["run_name"], "metric": rule["metric"],
              "value": round(float(champion[rule["metric"]]), 6), "segments": {str(k): v for k, v in names.items()},
              "features": list(X.columns)}
    write_json(resolve(cfg.paths.champion), chosen)
    print(f"select: champion {champion['run_name']} ({rule['metric']} {champion[rule['metric']]:.3f}) registered "
          f"as models:/{name}@champion (version {version}); segments: {', '.join(names.values())}")
    return chosen


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
@cli
def main(cfg: DictConfig) -> None:
    select(cfg)


if __name__ == "__main__":
    main()
