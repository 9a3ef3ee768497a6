"""The MLflow model registry at the edge: a sweep's candidate runs, registering the champion
(`models:/<name>@champion`), and loading it (or the train stage's model) to assign customers."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog
from segmentation.common.errors import UserError
from segmentation.tracking.runs import ROLE_TAG, setup

ALIAS = "champion"


MAX_LISTED = 10
RUN_A_SWEEP = ("Fix: run a sweep (`python -m segmentation.train experiment=grid`); a sweep with 0 runs stopped "
               "before its first job (its console says why), a failed run has its reason in the `error` tag in MLflow.")


def started(run) -> str:
    return datetime.fromtimestamp(run.info.start_time / 1000).strftime("%Y-%m-%d %H:%M:%S")


def sweep_summary(client, experiment_id: str, sweep) -> tuple[dict, list]:
    """(name, id, start time and finished/total child runs of a sweep parent run, its child runs)."""
    children = client.search_runs([experiment_id], f"tags.mlflow.parentRunId = '{sweep.info.run_id}'",
                                  max_results=50_000)
    finished = sum(child.info.status == "FINISHED" for child in children)
    return {"name": sweep.info.run_name, "id": sweep.info.run_id, "started": started(sweep), "finished": finished,
            "total": len(children)}, children


def describe(sweep: Mapping) -> str:
    return (f"{sweep['name']} (id {sweep['id']}, started {sweep['started']}, "
            f"{sweep['finished']}/{sweep['total']} runs finished)")


def listing(sweeps: list[dict]) -> str:
    shown = "; ".join(describe(sweep) for sweep in sweeps[:MAX_LISTED])
    return shown + (f"; and {len(sweeps) - MAX_LISTED} older" if len(sweeps) > MAX_LISTED else "")


def all_sweeps(client, experiment_id: str) -> list:
    """The experiment's sweep parent runs, newest first."""
    return client.search_runs([experiment_id], f"tags.`{ROLE_TAG}` = 'sweep'", order_by=["start_time DESC"],
                              max_results=1000)


def given_sweep(client, experiment_id: str, parent_run_id: str) -> tuple[dict, list]:
    """The sweep named by select.parent_run_id, which must have a FINISHED run."""
    from mlflow.exceptions import MlflowException

    try:
        parent = client.get_run(parent_run_id)
    except MlflowException:
        parent = None
    summary, children = sweep_summary(client, experiment_id, parent) if parent else (None, [])
    if summary and summary["finished"]:
        return summary, children
    others = [s for s in (sweep_summary(client, experiment_id, run)[0] for run in all_sweeps(client, experiment_id))
              if s["finished"]]
    problem = (f"sweep {describe(summary)} has no FINISHED run" if summary
               else f"select.parent_run_id={parent_run_id} is not a run of this MLflow store")
    if not others:
        raise UserError(f"{problem}, and no sweep of this experiment has a FINISHED run. {RUN_A_SWEEP}")
    raise UserError(f"{problem}. Sweeps with finished runs: {listing(others)}. Fix: give one of their ids as "
                    "select.parent_run_id, or leave it null for the latest sweep with finished runs.")


def sweep_runs(client, experiment_id: str, parent_run_id: str | None) -> tuple[dict, pd.DataFrame, list[dict]]:
    """(the chosen sweep's summary, one row per child run with its status and metrics, the
    newer sweeps skipped because none of their runs FINISHED). Without a parent run id: the
    latest sweep with a FINISHED run (a sweep stopped before its first job leaves an empty parent)."""
    skipped: list[dict] = []
    if parent_run_id:
        chosen, children = given_sweep(client, experiment_id, parent_run_id)
    else:
        sweeps = all_sweeps(client, experiment_id)
        if not sweeps:
            raise UserError("no sweep found in this MLflow experiment. Fix: run one first "
                            "(`python -m segmentation.train experiment=grid`) or give select.parent_run_id.")
        for sweep in sweeps:
            chosen, children = sweep_summary(client, experiment_id, sweep)
            if chosen["finished"]:
                break
            skipped.append(chosen)
        else:
            raise UserError(f"no sweep in this MLflow experiment has a FINISHED run: {listing(skipped)}. "
                            f"{RUN_A_SWEEP}")
    rows = [{"run_id": r.info.run_id, "run_name": r.info.run_name, "status": r.info.status, **r.data.metrics}
            for r in children]
    return chosen, pd.DataFrame(rows), skipped


def run_config(client, run_id: str) -> DictConfig:
    """The config a run was trained with (its config.yaml artifact)."""
    with tempfile.TemporaryDirectory() as scratch:
        return OmegaConf.load(client.download_artifacts(run_id, "config.yaml", scratch))


def run_profiles(client, run_id: str) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as scratch:
        return pd.read_csv(client.download_artifacts(run_id, "cluster_profiles.csv", scratch))


def register_champion(run_id: str, pipeline, columns: list[str], names: Mapping[int, str], example: pd.DataFrame,
                      model_name: str, requirements: list[str]) -> str:
    """Log the segment model into the champion's run (with the run's wholesaler rule, if it set
    wholesalers apart), register it and point the alias at it; returns the registered version."""
    import mlflow

    rule = run_wholesaler_rule(mlflow.MlflowClient(), run_id)
    with mlflow.start_run(run_id=run_id):
        info = log_segment_model(pipeline, columns, names, example, model_name, requirements, rule)
        mlflow.set_tag("champion", "true")
    version = str(info.registered_model_version)
    mlflow.MlflowClient().set_registered_model_alias(model_name, ALIAS, version)
    return version


def run_wholesaler_rule(client, run_id: str) -> dict | None:
    """The wholesaler rule a run logged (features.wholesalers=separate: column, training
    threshold, segment id), or None when the run set no customer apart."""
    from segmentation.models.fitting import RULE_FILE

    if RULE_FILE in {artifact.path for artifact in client.list_artifacts(run_id)}:
        with tempfile.TemporaryDirectory() as scratch:
            return json.loads(Path(client.download_artifacts(run_id, RULE_FILE, scratch)).read_text())
    if client.get_run(run_id).data.metrics.get("wholesalers_separated", 0) > 0:
        raise UserError(f"run {run_id} set wholesalers apart (features.wholesalers=separate) but has no {RULE_FILE}: "
                        "it was trained before the rule was stored with the model. Fix: train it again.")
    return None


def log_segment_model(pipeline, columns: list[str], names: Mapping[int, str], example: pd.DataFrame,
                      registered_name: str, requirements: list[str], wholesalers: Mapping | None = None):
    """Log the pyfunc into the active run and register it; returns the ModelInfo. Its meta
    (segments.json) holds the columns, the names and, with `wholesalers`, the rule; the rule's
    column joins the signature (an example without it gets the threshold: clustered customers)."""
    import cloudpickle
    import mlflow
    from mlflow.models import infer_signature

    from segmentation.serving.pyfunc import SegmentModel

    meta = {"columns": columns, "names": {str(k): v for k, v in names.items()},
            **({"wholesalers": dict(wholesalers)} if wholesalers else {})}
    with tempfile.TemporaryDirectory() as scratch:
        pipeline_path, segments_path = Path(scratch) / "pipeline.pkl", Path(scratch) / "segments.json"
        pipeline_path.write_bytes(cloudpickle.dumps(pipeline))
        segments_path.write_text(json.dumps(meta))
        wrapper = SegmentModel()
        wrapper.pipeline, wrapper.columns, wrapper.names = pipeline, columns, dict(names)
        wrapper.wholesalers = meta.get("wholesalers")
        if wholesalers and wholesalers["column"] not in example:
            example = example.assign(**{wholesalers["column"]: float(wholesalers["threshold"])})
        inputs = example[wrapper.required_columns]
        output = wrapper.predict(None, example)
        return mlflow.pyfunc.log_model(
            name="segment_model", python_model=SegmentModel(),
            artifacts={"pipeline": str(pipeline_path), "segments": str(segments_path)},
            code_paths=[str(Path(__file__).parents[1])], pip_requirements=requirements,
            signature=infer_signature(inputs, output), input_example=inputs,
            registered_model_name=registered_name)


def load_champion(cfg: DictConfig):
    """The champion pyfunc (its python model unwrapped) and a description."""
    import mlflow
    from mlflow.exceptions import MlflowException

    setup(cfg)
    name = str(cfg.select.model_name)
    try:
        version = mlflow.MlflowClient().get_model_version_by_alias(name, ALIAS)
    except MlflowException:
        raise UserError(f"no champion registered under '{name}' in {mlflow.get_tracking_uri()}. "
                        "Fix: run a sweep, then `python -m segmentation.select`.") from None
    model = mlflow.pyfunc.load_model(f"models:/{name}@{ALIAS}")
    segment_model = model.unwrap_python_model()
    segment_model.set_noise_policy(cfg.assign.noise)
    return segment_model, f"models:/{name}@{ALIAS} (version {version.version}, run {version.run_id})"


def trained_default_kept(cfg: DictConfig, run_id: str) -> dict | None:
    """The train stage's local copy of run `run_id`'s model (pipeline, cutoff, wholesaler rule), if kept."""
    import joblib

    path = Catalog(cfg).trained_model(run_id)
    return joblib.load(path) if path.is_file() else None


def load_trained_default(cfg: DictConfig, names: Mapping[int, str] | None = None):
    """The train stage's pipeline with the report's segment names (or `names`) and its wholesaler
    rule (if it set wholesalers apart), and a description."""
    from segmentation.serving.segmenter import Segmenter

    catalog = Catalog(cfg)
    run_file, names_file = catalog.train_run, catalog.segment_names
    if not run_file.is_file() or (names is None and not names_file.is_file()):
        raise UserError("no champion and no trained default model. Fix: run `dvc repro train report` first.")
    run_id = run_file.read_text().strip()
    model = Segmenter()
    kept = trained_default_kept(cfg, run_id)
    if kept:
        model.pipeline, model.wholesalers = kept["pipeline"], kept["wholesalers"]
    else:  # trained before the stage kept its model locally
        import mlflow

        setup(cfg)
        model.pipeline = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
        model.wholesalers = run_wholesaler_rule(mlflow.MlflowClient(), run_id)
    model.columns = list(cfg.features.columns)
    if names is None:
        table = pd.read_csv(names_file)
        names = dict(zip(table["cluster"].astype(int), table["name"]))
    model.names = dict(names)
    return model, f"the pipeline's default model (run {run_id}): no champion registered yet, run `segmentation.select`"
