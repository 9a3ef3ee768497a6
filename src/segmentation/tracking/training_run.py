"""One tracked training run: the glue the DVC stage `train` and the Hydra command share.

Fit and measure (`training.fit_and_evaluate`), draw the radar and the customer map, log
params, metrics, dataset, files and model to MLflow, optionally run the maintenance study,
and, for the DVC stage, write the outputs through the catalog.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, read_json, write_bytes, write_frame, write_json, write_text
from segmentation.config import required
from segmentation.customer_tables import load_customer_table
from segmentation.engines.connect import on_spark
from segmentation.preprocess import wholesaler_mask, wholesaler_rule_applies
from segmentation.projection import cached_embedding, sample_rows
from segmentation.tracking.runs import data_label, file_md5, flat_params, log_maintenance, retry_locked, run
from segmentation.training import TrainingResult, fit_and_evaluate

FIGURES = ("radar.png", "projection.png")


def placement(cfg: DictConfig):
    """With engine=spark and a fit sample, everyone is placed on Spark's executors; else None."""
    if not (on_spark(cfg) and cfg.evaluation.fit_max_customers):
        return None
    from segmentation.engines.connect import connection
    from segmentation.engines.spark_assign import placer

    return placer(connection(cfg).spark)


def tracked_training(cfg: DictConfig, parent_run_id: str | None = None, write_outputs: bool = False) -> dict:
    """Fit, evaluate, draw and log one run; return its metrics and run id. With
    `write_outputs`, also write the train stage's files (metrics, assignments, figures, map)."""
    import mlflow

    seed = int(cfg.seed)
    with run(cfg, parent_run_id) as active, tempfile.TemporaryDirectory() as scratch:
        table, table_path = load_customer_table(cfg)
        result = fit_and_evaluate(table, OmegaConf.to_container(cfg.features, resolve=True),
                                  OmegaConf.to_container(cfg.model, resolve=True),
                                  OmegaConf.to_container(cfg.evaluation, resolve=True), seed, placement(cfg))
        metrics, timings, folder = dict(result.metrics), result.timings, Path(scratch)

        started = time.perf_counter()
        points, cached = _draw(cfg, table, result, folder)
        timings["plots_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        assignments = result.assignments()  # with wholesalers set apart, they follow in their own segment
        _write_rule(folder, wholesaler_rule(OmegaConf.to_container(cfg.features, resolve=True), table, result))
        _log(cfg, result, assignments, table_path, folder, cached)
        timings["logging_seconds"] = time.perf_counter() - started
        if cfg.stability.enabled:
            started = time.perf_counter()
            from segmentation.maintenance import outputs
            from segmentation.maintenance.snapshot_tables import measure

            # reads the cached snapshot tables; the band reuses this run's bootstrap resamples
            study = measure(cfg, bootstrap_aris=result.bootstrap_aris, sensitivity=cfg.stability.sensitivity_in_runs)
            log_maintenance(study, outputs.write(study, folder / "stability"))
            # alone, the whole study; in a sweep, one line per job (its leaderboard gathers the verdicts)
            print(outputs.as_text(study) if parent_run_id is None else f"stability: {study['summary']['headline']}")
            metrics.update({k: v for k, v in study["summary"].items() if isinstance(v, (int, float))})
            timings["stability_seconds"] = time.perf_counter() - started
        retry_locked(mlflow.log_metrics, timings)
        metrics.update(timings)
        if write_outputs:
            _write_outputs(Catalog(cfg), metrics, {**result.selection, **rule_counts_units(cfg)}, assignments, points,
                           folder)
            write_text(Catalog(cfg).train_run, active.info.run_id)  # the report is logged into this run
        print(f"train: {active.info.run_name}: silhouette {metrics.get('silhouette', float('nan')):.3f}, "
              f"bootstrap ARI {metrics['bootstrap_ari_mean']:.3f}, {metrics['n_clusters']} clusters "
              f"(fit {timings['fit_seconds']:.1f}s, metrics {timings['metrics_seconds']:.1f}s, "
              f"plots {timings['plots_seconds']:.1f}s, logging {timings['logging_seconds']:.1f}s)")
        return {**metrics, "run_id": active.info.run_id}


def _draw(cfg: DictConfig, table: pd.DataFrame, result: TrainingResult, folder: Path) -> tuple[pd.DataFrame, bool]:
    """radar.png and projection.png into `folder`; returns the map's points (a seeded sample)
    and whether the embedding came from the cache."""
    from segmentation.reporting.plots.clusters import projection_map, radar

    seed, X, labels = int(cfg.seed), result.X, result.labels
    every = result.assignments()  # the wholesalers set apart are a segment of the radar too (not of the map)
    radar(table.set_index("customer_id").loc[every["customer_id"], list(X.columns)], every["cluster"].to_numpy(),
          folder / "radar.png", currency=cfg.data.currency)
    projection = OmegaConf.to_container(cfg.projection, resolve=True)
    rows = sample_rows(len(X), int(projection["max_points"]), seed)
    embedding, cached = cached_embedding(result.scaled[rows], projection, seed, Catalog(cfg).embeddings)
    projection_map(embedding, labels[rows], projection["method"], folder / "projection.png")
    points = pd.DataFrame({"customer_id": X.index[rows], "x": embedding[:, 0], "y": embedding[:, 1],
                           "cluster": labels[rows]})
    return points, cached


def _log(cfg: DictConfig, result: TrainingResult, assignments: pd.DataFrame, table_path: Path | None,
         folder: Path, cached: bool) -> None:
    import mlflow

    assignments.to_csv(folder / "assignments.csv", index=False)
    result.profiles.to_csv(folder / "cluster_profiles.csv", index=False)
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    retry_locked(mlflow.log_params, flat_params(cfg))
    retry_locked(mlflow.set_tags, {"data_version": file_md5(table_path) if table_path else "computed-in-run",
                                   "projection_cached": str(cached)})
    retry_locked(mlflow.log_metrics, {**{k: float(v) for k, v in result.metrics.items()},
                                      **{k: float(v) for k, v in result.selection.items()
                                         if isinstance(v, (int, float))}})
    source = table_path or cfg.features.precomputed or Catalog(cfg).clean
    dataset = mlflow.data.from_pandas(result.X.reset_index(), source=str(source), name=data_label(cfg.features))
    retry_locked(mlflow.log_input, dataset, context="training")
    retry_locked(mlflow.log_artifacts, str(folder))
    if cfg.mlflow.log_model:
        from mlflow.models import infer_signature

        mlflow.sklearn.log_model(result.pipeline, name="model", serialization_format="cloudpickle",
                                 signature=infer_signature(result.X.head(100), result.labels[:100]),
                                 input_example=result.X.head(3), code_paths=[str(Path(__file__).parents[1])],
                                 pip_requirements=model_requirements())


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


def _write_rule(folder: Path, rule: dict | None) -> None:
    """The rule as a run artifact (`serving.RULE_FILE`), logged with the run's other files."""
    from segmentation.serving import RULE_FILE

    if rule:
        (folder / RULE_FILE).write_text(json.dumps(rule))


def rule_counts_units(cfg: DictConfig) -> dict:
    """For train.json: whether the wholesaler rule, when applied, counted real units
    (`wholesaler_rule_applies`: false when it counts units and the source has no quantity column,
    so every line counted as one unit); nothing when the rule was not applied or unknown."""
    ingest = Catalog(cfg).ingest_report
    if cfg.features.wholesalers == "keep" or cfg.features.precomputed or not ingest.is_file():
        return {}
    available = read_json(ingest).get("columns") or {}
    return {"wholesaler_rule_applies": wholesaler_rule_applies(cfg.features.wholesaler_column, available)}


def model_requirements() -> list[str]:
    """Pinned requirements of a logged model (inferring them costs seconds per run)."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in
            ("scikit-learn", "hdbscan", "numpy", "pandas", "scipy", "cloudpickle", "mlflow")]


def _write_outputs(catalog: Catalog, metrics: dict, selection: dict, assignments: pd.DataFrame,
                   points: pd.DataFrame, folder: Path) -> None:
    write_frame(points, catalog.train_output("map.parquet"))
    # timings stay in MLflow: a metrics file must be identical when the inputs are
    write_json(catalog.train_output("train.json"), {**{k: round(float(v), 6) for k, v in metrics.items()
                                                       if not k.endswith("_seconds")}, **selection})
    write_frame(assignments, catalog.train_output("assignments.parquet"))
    for name in (*FIGURES, "cluster_profiles.csv"):
        write_bytes(catalog.train_output(name), (folder / name).read_bytes())
