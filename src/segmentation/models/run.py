"""Stage `train`: the default segmentation fitted, drawn, logged to MLflow and written for DVC.

A training run is four steps, each its own function: `fit` (the customer table, then
`fitting.fit_and_evaluate`), `draw` (radar and customer map), `log` (params, metrics, dataset,
files and model to MLflow) and, for the DVC stage only, `write` (the stage's outputs through the
catalog). `fit_and_draw` runs the first two, then `logged` records them in one MLflow run (a
failure to fit included): the Hydra command `python -m segmentation.train` (every job of a
sweep) calls both in turn (`train`); the DVC stage (`run`) calls `logged` in a process beside it,
which imported MLflow and opened its store during the fit. A caller may measure more inside the
same run (`measure`: the train command's maintenance study with `stability.enabled`).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import (
    Catalog,
    atomic_path,
    file_digest,
    read_json,
    write_bytes,
    write_frame,
    write_json,
    write_text,
)
from segmentation.common.config import required
from segmentation.common.sampling import sample_rows
from segmentation.engines.connect import on_spark
from segmentation.features.customer_table import load_customer_table
from segmentation.features.selection import wholesaler_mask, wholesaler_rule_applies
from segmentation.models.fitting import RULE_FILE, TrainingResult, fit_and_evaluate
from segmentation.models.projection import cached_embedding
from segmentation.tracking.runs import (
    data_label,
    flat_params,
    model_requirements,
    pinned_requirements_trusted,
    retry_locked,
)
from segmentation.tracking.runs import run as tracked_run

FIGURES = ("radar.png", "projection.png")
#: measures more inside the training run: (cfg, result, scratch folder, in a sweep) -> metrics to add
Measure = Callable[[DictConfig, TrainingResult, Path, bool], Mapping]


@dataclass
class Trained:
    """One finished training run: what `write` needs."""

    result: TrainingResult
    points: pd.DataFrame     # the customer map's points (a seeded sample)
    metrics: dict            # quality, bootstrap, timings (and what `measure` added)
    run_id: str
    cutoff: str              # the training data's cutoff (lines strictly before it), or "precomputed"


@dataclass
class Fitted:
    """A fitted and drawn model, not yet logged: what `logged` records."""

    table: pd.DataFrame
    table_path: Path | None
    result: TrainingResult
    points: pd.DataFrame
    cached: bool             # the map's embedding came from the cache
    started: float           # epoch seconds: the run's start in MLflow


@dataclass
class Failed:
    """What stopped a fit, and when it began: `logged` ends the run FAILED (KILLED after Ctrl-C)."""

    error: BaseException
    started: float


def run(cfg: DictConfig) -> dict:
    """Stage `train`: one tracked training run, then its outputs for DVC (reports/train/).
    MLflow (~3 s to import and open its store) is readied in a process beside the fit, and the
    run is logged there."""
    from segmentation.common.parallel import side_pool
    from segmentation.tracking.records import ready_to_record

    with tempfile.TemporaryDirectory() as scratch, side_pool(1) as pool:
        ready = pool.submit(ready_to_record, cfg, [])
        fitted = fit_and_draw(cfg, Path(scratch))
        ready.result()
        trained = pool.submit(logged, cfg, fitted, Path(scratch)).result()
        write(cfg, trained, Path(scratch))
    return {**trained.metrics, "run_id": trained.run_id}


def train(cfg: DictConfig, folder: Path, parent_run_id: str | None = None, measure: Measure | None = None) -> Trained:
    """Fit, draw and log one run into MLflow (a child of `parent_run_id` in a sweep); the figures
    and files it logs stay in `folder`."""
    return logged(cfg, fit_and_draw(cfg, folder), folder, parent_run_id, measure)


def fit_and_draw(cfg: DictConfig, folder: Path) -> Fitted | Failed:
    """The fitted model and its figures in `folder`; or what stopped it, which `logged` records
    as the run's failure before raising it."""
    began = time.time()
    try:
        table, table_path, result = fit(cfg)
        started = time.perf_counter()
        points, cached = draw(cfg, table, result, folder)
        result.timings["plots_seconds"] = time.perf_counter() - started
        return Fitted(table, table_path, result, points, cached, began)
    except BaseException as err:  # noqa: BLE001 - recorded in the run, then raised
        return Failed(err, began)


def logged(cfg: DictConfig, fitted: Fitted | Failed, folder: Path, parent_run_id: str | None = None,
           measure: Measure | None = None) -> Trained:
    """One MLflow run of `fitted`, started when its fit began: params, metrics, files and model
    (`log`), what `measure` adds, the timings; a failure to fit ends the run FAILED and is raised."""
    import mlflow

    with tracked_run(cfg, parent_run_id, started=fitted.started) as active:
        if isinstance(fitted, Failed):
            raise fitted.error
        table, result = fitted.table, fitted.result
        metrics, timings = dict(result.metrics), result.timings
        started = time.perf_counter()
        log(cfg, table, fitted.table_path, result, folder, fitted.cached)
        timings["logging_seconds"] = time.perf_counter() - started
        if measure is not None:
            added = measure(cfg, result, folder, parent_run_id is not None)
            metrics.update(added)
            timings.update({k: v for k, v in added.items() if k.endswith("_seconds")})
        retry_locked(mlflow.log_metrics, timings)
        metrics.update(timings)
        print(f"train: {active.info.run_name}: silhouette {metrics.get('silhouette', float('nan')):.3f}, "
              f"bootstrap ARI {metrics['bootstrap_ari_mean']:.3f}, {metrics['n_clusters']} clusters "
              f"(fit {timings['fit_seconds']:.1f}s, metrics {timings['metrics_seconds']:.1f}s, "
              f"plots {timings['plots_seconds']:.1f}s, logging {timings['logging_seconds']:.1f}s)", flush=True)
        return Trained(result, fitted.points, metrics, active.info.run_id, cutoff_tag(table))


def fit(cfg: DictConfig) -> tuple[pd.DataFrame, Path | None, TrainingResult]:
    """The customer table (and its file, None when computed now) and the fitted, measured model."""
    table, table_path = load_customer_table(cfg)
    result = fit_and_evaluate(table, OmegaConf.to_container(cfg.features, resolve=True),
                              OmegaConf.to_container(cfg.model, resolve=True),
                              OmegaConf.to_container(cfg.evaluation, resolve=True), int(cfg.seed), placement(cfg))
    return table, table_path, result


def placement(cfg: DictConfig):
    """With engine=spark and a fit sample, everyone is placed on Spark's executors; else None."""
    if not (on_spark(cfg) and cfg.evaluation.fit_max_customers):
        return None
    from segmentation.engines.connect import connection
    from segmentation.models.placement_spark import placer

    return placer(connection(cfg).spark)


def draw(cfg: DictConfig, table: pd.DataFrame, result: TrainingResult, folder: Path) -> tuple[pd.DataFrame, bool]:
    """radar.png and projection.png into `folder`; returns the map's points (a seeded sample)
    and whether the embedding came from the cache."""
    from segmentation.models.run_figures import projection_map, radar

    seed, X, labels = int(cfg.seed), result.X, result.labels
    every = result.assignments()  # the wholesalers set apart are a segment of the radar too (not of the map)
    radar(table.set_index("customer_id").loc[every["customer_id"], list(X.columns)], every["cluster"].to_numpy(),
          folder / "radar.png", currency=cfg.data.currency)
    projection = OmegaConf.to_container(cfg.projection, resolve=True)
    rows = sample_rows(len(X), int(projection["max_points"]), seed)
    rows = np.arange(len(X)) if rows is None else rows  # a C-ordered copy: the cached embedding is byte-stable
    embedding, cached = cached_embedding(result.scaled[rows], projection, seed, Catalog(cfg).embeddings)
    projection_map(embedding, labels[rows], projection["method"], folder / "projection.png")
    points = pd.DataFrame({"customer_id": X.index[rows], "x": embedding[:, 0], "y": embedding[:, 1],
                           "cluster": labels[rows]})
    return points, cached


def log(cfg: DictConfig, table: pd.DataFrame, table_path: Path | None, result: TrainingResult, folder: Path,
        cached: bool) -> None:
    """Params, tags, metrics, the dataset, the run's files (with the wholesaler rule) and the model."""
    import mlflow

    rule = wholesaler_rule(OmegaConf.to_container(cfg.features, resolve=True), table, result)
    if rule:  # the registered model assigns new customers with the training threshold
        (folder / RULE_FILE).write_text(json.dumps(rule))
    result.assignments().to_csv(folder / "assignments.csv", index=False)
    result.profiles.to_csv(folder / "cluster_profiles.csv", index=False)
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    retry_locked(mlflow.log_params, flat_params(cfg))
    retry_locked(mlflow.set_tags, {"data_version": file_digest(table_path) if table_path else "computed-in-run",
                                   "projection_cached": str(cached),
                                   # the monitor checks a deployed model against the data after this date
                                   "segmentation.cutoff": cutoff_tag(table)})
    retry_locked(mlflow.log_metrics, {**{k: float(v) for k, v in result.metrics.items()},
                                      **{k: float(v) for k, v in result.selection.items()
                                         if isinstance(v, (int, float))}})
    source = table_path or cfg.features.precomputed or Catalog(cfg).clean
    dataset = mlflow.data.from_pandas(result.X.reset_index(), source=str(source), name=data_label(cfg.features))
    retry_locked(mlflow.log_input, dataset, context="training")
    retry_locked(mlflow.log_artifacts, str(folder))
    if cfg.mlflow.log_model:
        from mlflow.models import infer_signature

        with pinned_requirements_trusted():
            mlflow.sklearn.log_model(result.pipeline, name="model", serialization_format="cloudpickle",
                                     signature=infer_signature(result.X.head(100), result.labels[:100]),
                                     input_example=result.X.head(3), code_paths=[str(Path(__file__).parents[1])],
                                     pip_requirements=model_requirements())


def cutoff_tag(table: pd.DataFrame) -> str:
    return str(table.attrs.get("cutoff") or "precomputed")


def wholesaler_rule(features: Mapping, table: pd.DataFrame, result: TrainingResult) -> dict | None:
    """With wholesalers set apart, the rule that set them apart, so the registered model assigns
    new customers alike: the column, the exact threshold (train.json rounds it) and their
    segment id; None when no customer was set apart."""
    if result.wholesaler_segment is None:
        return None
    column = required(features, "wholesaler_column", "features")
    # the quantile over the customers the rule ranked: the clustered ones and those set apart
    ranked = table.set_index("customer_id").loc[result.X.index.append(result.wholesalers), [column]]
    _, threshold = wholesaler_mask(ranked, column, float(required(features, "wholesaler_quantile", "features")))
    return {"column": column, "threshold": threshold, "segment": int(result.wholesaler_segment)}


def rule_counts_units(cfg: DictConfig) -> dict:
    """For train.json: whether the wholesaler rule, when applied, counted real units
    (`wholesaler_rule_applies`: false when it counts units and the source has no quantity column,
    so every line counted as one unit); nothing when the rule was not applied or unknown."""
    ingest = Catalog(cfg).ingest_report
    if cfg.features.wholesalers == "keep" or cfg.features.precomputed or not ingest.is_file():
        return {}
    available = read_json(ingest).get("columns") or {}
    return {"wholesaler_rule_applies": wholesaler_rule_applies(cfg.features.wholesaler_column, available)}


def write(cfg: DictConfig, trained: Trained, folder: Path) -> None:
    """The train stage's outputs: metrics (train.json), assignments, figures, profiles, the map,
    and the run id the later stages log into."""
    catalog = Catalog(cfg)
    write_frame(trained.points, catalog.train_output("map.parquet"))
    # timings stay in MLflow: a metrics file must be identical when the inputs are
    selection = {**trained.result.selection, **rule_counts_units(cfg)}
    write_json(catalog.train_output("train.json"), {**{k: round(float(v), 6) for k, v in trained.metrics.items()
                                                       if not k.endswith("_seconds")}, **selection})
    write_frame(trained.result.assignments(), catalog.train_output("assignments.parquet"))
    for name in (*FIGURES, "cluster_profiles.csv"):
        write_bytes(catalog.train_output(name), (folder / name).read_bytes())
    rule = folder / RULE_FILE
    keep_model(catalog.trained_model(trained.run_id), trained.result.pipeline, trained.cutoff,
               json.loads(rule.read_text()) if rule.is_file() else None)
    write_text(catalog.train_run, trained.run_id)  # the report is logged into this run


def keep_model(path: Path, pipeline, cutoff: str, wholesalers: Mapping | None) -> None:
    """The model as MLflow holds it (pipeline, data cutoff, wholesaler rule), kept locally: the
    report and the monitor load it in milliseconds where MLflow takes seconds."""
    import joblib

    with atomic_path(path) as tmp:
        joblib.dump({"pipeline": pipeline, "cutoff": cutoff, "wholesalers": wholesalers}, tmp)
    for older in path.parent.glob("*.joblib"):  # only the current run's model is read
        if older != path:
            older.unlink()
