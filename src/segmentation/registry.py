"""The MLflow model registry at the edge: a sweep's candidate runs, registering the champion
(`models:/<name>@champion`), and loading it (or the train stage's model) to assign customers."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog
from segmentation.errors import UserError
from segmentation.tracking.runs import ROLE_TAG, setup

ALIAS = "champion"


def sweep_runs(client, experiment_id: str, parent_run_id: str | None) -> tuple[str, pd.DataFrame]:
    """(the sweep's parent run id, one row per child run with its status and metrics);
    without a parent run id, the latest sweep."""
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


def run_config(client, run_id: str) -> DictConfig:
    """The config a run was trained with (its config.yaml artifact)."""
    with tempfile.TemporaryDirectory() as scratch:
        return OmegaConf.load(client.download_artifacts(run_id, "config.yaml", scratch))


def run_profiles(client, run_id: str) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as scratch:
        return pd.read_csv(client.download_artifacts(run_id, "cluster_profiles.csv", scratch))


def register_champion(run_id: str, pipeline, columns: list[str], names: Mapping[int, str], example: pd.DataFrame,
                      model_name: str, requirements: list[str]) -> str:
    """Log the segment model into the champion's run, register it and point the alias at it;
    returns the registered version."""
    import mlflow

    with mlflow.start_run(run_id=run_id):
        info = log_segment_model(pipeline, columns, names, example, model_name, requirements)
        mlflow.set_tag("champion", "true")
    version = str(info.registered_model_version)
    mlflow.MlflowClient().set_registered_model_alias(model_name, ALIAS, version)
    return version


def log_segment_model(pipeline, columns: list[str], names: Mapping[int, str], example: pd.DataFrame,
                      registered_name: str, requirements: list[str]):
    """Log the pyfunc into the active run and register it; returns the ModelInfo."""
    import cloudpickle
    import mlflow
    from mlflow.models import infer_signature

    from segmentation.serving import SegmentModel

    with tempfile.TemporaryDirectory() as scratch:
        pipeline_path, segments_path = Path(scratch) / "pipeline.pkl", Path(scratch) / "segments.json"
        pipeline_path.write_bytes(cloudpickle.dumps(pipeline))
        segments_path.write_text(json.dumps({"columns": columns, "names": {str(k): v for k, v in names.items()}}))
        wrapper = SegmentModel()
        wrapper.pipeline, wrapper.columns, wrapper.names = pipeline, columns, dict(names)
        output = wrapper.predict(None, example)
        return mlflow.pyfunc.log_model(
            name="segment_model", python_model=SegmentModel(),
            artifacts={"pipeline": str(pipeline_path), "segments": str(segments_path)},
            code_paths=[str(Path(__file__).parent)], pip_requirements=requirements,
            signature=infer_signature(example[columns], output), input_example=example[columns],
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


def load_trained_default(cfg: DictConfig):
    """The train stage's pipeline with the report's segment names, and a description."""
    import mlflow

    from segmentation.serving import SegmentModel

    catalog = Catalog(cfg)
    run_file, names_file = catalog.train_run, catalog.segment_names
    if not run_file.is_file() or not names_file.is_file():
        raise UserError("no champion and no trained default model. Fix: run `dvc repro train report` first.")
    setup(cfg)
    run_id = run_file.read_text().strip()
    model = SegmentModel()
    model.pipeline = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    model.columns = list(cfg.features.columns)
    names = pd.read_csv(names_file)
    model.names = dict(zip(names["cluster"].astype(int), names["name"]))
    return model, f"the pipeline's default model (run {run_id}): no champion registered yet, run `segmentation.select`"
