"""Train one segmentation and track it in MLflow.

    python -m segmentation.train model=gmm model.n_clusters=5
    python -m segmentation.train -m features=rfm,rfm_extras model=kmeans,gmm 'model.n_clusters=range(2,11)'
    python -m segmentation.train experiment=grid             # the design card's full grid (84 runs)

The DVC stage `train` calls the same `train(cfg)` with params.yaml.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.config import project_root, resolve
from segmentation.errors import EXIT_USER_ERROR, UserError
from segmentation.evaluation import bootstrap_stability, cluster_profiles, quality
from segmentation.features import ALL_FEATURES, select_features
from segmentation.io import atomic_path
from segmentation.models import NOISE, ModelFailure, fit_labels, make_pipeline, refit_clone
from segmentation.projection import cached_embedding, sample_rows
from segmentation.tracking import file_md5, flat_params, parent_run_id_for, retry_locked, run


def load_customer_table(cfg: DictConfig) -> tuple[pd.DataFrame, Path | None]:
    """The features stage's table when it matches the config, else computed now."""
    from segmentation.stages.features import customer_table

    path, report_path = resolve(cfg.paths.features), resolve(cfg.paths.features_report)
    if path.is_file() and report_path.is_file():
        built = json.loads(report_path.read_text())
        if (built.get("cutoff_config") == cfg.features.get("cutoff")
                and built.get("precomputed") == cfg.features.get("precomputed")):
            return pd.read_parquet(path), path
    return customer_table(cfg)[0], None


def _refit_or_dissolve(pipeline, X: pd.DataFrame):
    """Refit on resampled rows; a resample where the model fails counts as dissolved."""
    def refit(rows: np.ndarray) -> np.ndarray:
        try:
            return refit_clone(pipeline, X.iloc[rows])
        except ModelFailure:
            return np.full(len(rows), NOISE)
    return refit


def train(cfg: DictConfig, parent_run_id: str | None = None, outputs: Path | None = None) -> dict:
    """Fit, evaluate, draw and log one run; return its metrics. `outputs`, when given, also
    receives the metrics, assignments and figures (the DVC stage's outputs)."""
    import mlflow

    seed = int(cfg.seed)
    features_cfg = OmegaConf.to_container(cfg.features, resolve=True)
    with run(cfg, parent_run_id) as active, tempfile.TemporaryDirectory() as scratch:
        timings = {}
        started = time.perf_counter()
        table, table_path = load_customer_table(cfg)
        X, selection = select_features(table, features_cfg)
        pipeline = make_pipeline(features_cfg, OmegaConf.to_container(cfg.model, resolve=True), seed)
        labels = fit_labels(pipeline, X)
        timings["fit_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        scaled = pipeline[:-1].transform(X)
        evaluation = cfg.evaluation
        metrics = quality(scaled, labels, int(evaluation.silhouette_max_customers), seed)
        clusterer = pipeline.steps[-1][1]
        if hasattr(clusterer, "noise_share_"):
            metrics["noise_share"] = clusterer.noise_share_  # before the noise policy
        stability = bootstrap_stability(_refit_or_dissolve(pipeline, X), X, labels,
                                        int(evaluation.bootstrap_resamples), seed,
                                        evaluation.get("bootstrap_max_customers"))
        metrics.update({k: v for k, v in stability.items() if k != "jaccard"})
        metrics.update({f"jaccard_cluster_{c}": v for c, v in stability["jaccard"].items()})
        profile_columns = [c for c in ALL_FEATURES if c in table.columns] or list(X.columns)
        profiles = cluster_profiles(table.set_index("customer_id").loc[X.index, profile_columns], labels)
        timings["metrics_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        from segmentation.plots.clusters import projection_map, radar

        folder = Path(scratch)
        radar(table.set_index("customer_id").loc[X.index, list(X.columns)], labels, folder / "radar.png")
        projection = OmegaConf.to_container(cfg.projection, resolve=True)
        rows = sample_rows(len(X), int(projection.get("max_points", 20000)), seed)
        embedding, cached = cached_embedding(scaled[rows], projection, seed, resolve(cfg.paths.embeddings))
        projection_map(embedding, labels[rows], projection["method"], folder / "projection.png")
        timings["plots_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        assignments = pd.DataFrame({"customer_id": X.index, "cluster": labels})
        assignments.to_csv(folder / "assignments.csv", index=False)
        profiles.to_csv(folder / "cluster_profiles.csv", index=False)
        (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
        retry_locked(mlflow.log_params, flat_params(cfg))
        retry_locked(mlflow.set_tags, {"data_version": file_md5(table_path) if table_path else "computed-in-run",
                         "projection_cached": str(cached)})
        retry_locked(mlflow.log_metrics, {**{k: float(v) for k, v in metrics.items()},
                            **{k: float(v) for k, v in selection.items() if isinstance(v, (int, float))}})
        source = table_path or cfg.features.get("precomputed") or cfg.paths.clean
        dataset = mlflow.data.from_pandas(X.reset_index(), source=str(source),
                                          name=f"{cfg.features.name}-{'nowholesalers' if features_cfg.get('drop_wholesalers') else 'all'}")
        retry_locked(mlflow.log_input, dataset, context="training")
        retry_locked(mlflow.log_artifacts, str(folder))
        if cfg.mlflow.get("log_model", True):
            from mlflow.models import infer_signature

            mlflow.sklearn.log_model(pipeline, name="model", serialization_format="cloudpickle",
                                     signature=infer_signature(X.head(100), labels[:100]),
                                     input_example=X.head(3), code_paths=[str(Path(__file__).parent)],
                                     pip_requirements=model_requirements())
        timings["logging_seconds"] = time.perf_counter() - started
        if cfg.stability.get("enabled"):
            started = time.perf_counter()
            from segmentation import stability_io

            result = stability_io.measure(cfg)  # reads the cached snapshot tables, never recomputes them
            stability_io.log(result, folder / "stability")
            metrics.update({k: v for k, v in result["summary"].items() if isinstance(v, (int, float))})
            timings["stability_seconds"] = time.perf_counter() - started
        retry_locked(mlflow.log_metrics, timings)
        metrics.update(timings)
        if outputs is not None:
            points = pd.DataFrame({"customer_id": X.index[rows], "x": embedding[:, 0], "y": embedding[:, 1],
                                   "cluster": labels[rows]})
            _write_outputs(outputs, metrics, selection, assignments, points, folder)
            with atomic_path(resolve(cfg.paths.train_run)) as tmp:  # the report is logged into this run
                tmp.write_text(active.info.run_id)
        print(f"train: {active.info.run_name}: silhouette {metrics.get('silhouette', float('nan')):.3f}, "
              f"bootstrap ARI {metrics['bootstrap_ari_mean']:.3f}, {metrics['n_clusters']} clusters "
              f"(fit {timings['fit_seconds']:.1f}s, metrics {timings['metrics_seconds']:.1f}s, "
              f"plots {timings['plots_seconds']:.1f}s, logging {timings['logging_seconds']:.1f}s)")
        return {**metrics, "run_id": active.info.run_id}


def model_requirements() -> list[str]:
    """Pinned requirements of a logged model (inferring them costs seconds per run)."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in
            ("scikit-learn", "hdbscan", "numpy", "pandas", "scipy", "cloudpickle", "mlflow")]


def _write_outputs(outputs: Path, metrics: dict, selection: dict, assignments: pd.DataFrame, points: pd.DataFrame,
                   folder: Path) -> None:
    from segmentation.io import write_json

    with atomic_path(outputs / "map.parquet") as tmp:
        points.to_parquet(tmp, index=False)

    # timings stay in MLflow: a metrics file must be identical when the inputs are
    write_json(outputs / "train.json", {**{k: round(float(v), 6) for k, v in metrics.items()
                                           if not k.endswith("_seconds")}, **selection})
    with atomic_path(outputs / "assignments.parquet") as tmp:
        assignments.to_parquet(tmp, index=False)
    for name in ("radar.png", "projection.png", "cluster_profiles.csv"):
        with atomic_path(outputs / name) as tmp:
            tmp.write_bytes((folder / name).read_bytes())


def run_job(cfg: DictConfig) -> float:
    """Hydra task: in a multirun a failing job is logged (FAILED run) and the sweep goes on."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    parent = parent_run_id_for(hydra_cfg.sweep.dir) if multirun else None
    try:
        return float(train(cfg, parent_run_id=parent).get("silhouette", float("nan")))
    except Exception as err:  # noqa: BLE001 - a sweep must survive any job's failure
        message = f"{err}" if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
        print(f"error: {message}", file=sys.stderr)
        if multirun:
            return float("nan")
        raise SystemExit(EXIT_USER_ERROR if isinstance(err, UserError) else 1) from None


@hydra.main(config_path=str(project_root() / "conf"), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float:
    return run_job(cfg)


if __name__ == "__main__":
    main()
