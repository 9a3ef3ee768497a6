"""The deployed segmentation the monitor watches: the champion when one is registered, otherwise
the pipeline's own model (stage train, from its local copy: no MLflow), with its configuration,
the cutoff of the data it was trained on, and its noise band, computed once and kept
(build/cache/deployments; `run.record` logs it with the deployment's MLflow run)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import joblib
import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, atomic_path, read_json, require, write_json
from segmentation.common.errors import UserError
from segmentation.features.customer_table import customer_table
from segmentation.maintenance.band import Band
from segmentation.monitoring import fits


@dataclass
class Deployment:
    """What is deployed, and how to place customers with it."""

    predict: Callable[[pd.DataFrame], np.ndarray]  # a customer table (its columns) -> segment ids
    features: dict       # the feature set it was trained with
    model: dict          # its model configuration
    cutoff: pd.Timestamp  # lines strictly before this date trained it
    key: str             # its MLflow run id
    description: str     # which model, in words
    names: dict          # segment id -> name


def deployed(cfg: DictConfig) -> Deployment:
    """The champion (models:/<name>@champion) or, until one is registered, the train stage's model."""
    from segmentation.serving.registry import load_champion, load_trained_default, run_config, trained_default_kept
    from segmentation.tracking.runs import setup

    catalog = Catalog(cfg)
    champion = read_json(catalog.champion) if catalog.champion.is_file() else {}
    cutoff = None
    if champion.get("version"):
        import mlflow

        segment_model, described = load_champion(cfg)
        run_id = champion["run_id"]
        run_cfg = run_config(mlflow.MlflowClient(), run_id)
        features, model = (OmegaConf.to_container(run_cfg[key], resolve=True) for key in ("features", "model"))
    else:
        segment_model, described = load_trained_default(cfg, default_names(cfg))
        run_id = catalog.train_run.read_text().strip()
        features, model = (OmegaConf.to_container(cfg[key], resolve=True) for key in ("features", "model"))
        cutoff = (trained_default_kept(cfg, run_id) or {}).get("cutoff")
    if cutoff is None:
        import mlflow

        setup(cfg)
        cutoff = mlflow.MlflowClient().get_run(run_id).data.tags.get("segmentation.cutoff")
    if cutoff == "precomputed":
        raise UserError(f"the deployed model (run {run_id}) was trained on a precomputed customer table, with no "
                        "transactions to watch after it. Fix: monitor a model trained on the transactions.")
    if not cutoff:
        raise UserError(f"the deployed model's run {run_id} does not record the cutoff of its training data. "
                        "Fix: retrain it with this version (`dvc repro train`; for a champion, "
                        "`python -m segmentation.train` then `python -m segmentation.select`).")
    predict = lambda table: segment_model.predict(None, table)["segment"].to_numpy()  # noqa: E731
    return Deployment(predict, features, model, pd.Timestamp(cutoff), run_id, described, dict(segment_model.names))


def default_names(cfg: DictConfig) -> dict[int, str]:
    """The train stage's segments named as the report names them (the same computation)."""
    from segmentation.models.naming import segment_names

    catalog = Catalog(cfg)
    profiles = pd.read_csv(require(catalog.train_output("cluster_profiles.csv"), "cluster profiles",
                                   "run `dvc repro train` first"))
    features = pd.read_parquet(require(catalog.features, "customer features", "run `dvc repro features` first"))
    ingest = read_json(catalog.ingest_report) if catalog.ingest_report.is_file() else None
    return segment_names(cfg, profiles, features.set_index("customer_id"), ingest)[0]


def table_at(cfg: DictConfig, features: dict, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Every customer's features as of `cutoff` (lines strictly before it), with `features`'s columns."""
    at = OmegaConf.merge(cfg, {"features": {**features, "cutoff": f"{cutoff:%Y-%m-%d}", "precomputed": None}})
    table, _ = customer_table(at)
    return table


def band_of(cfg: DictConfig, deployment: Deployment, X: pd.DataFrame, labels: pd.Series) -> tuple[Band, str]:
    """The deployment's noise band (with its refits) and where it came from: kept from an earlier
    check, or computed now (then kept, and its summary logged with the deployment's run)."""
    settings = OmegaConf.to_container(cfg.monitor, resolve=True)
    kept = Catalog(cfg).deployments / f"{deployment.key}.json"
    refits = kept.with_suffix(".joblib")
    if kept.is_file() and refits.is_file():
        return Band(read_json(kept), joblib.load(refits)), "kept from the first check of this deployment"
    band = fits.deployment_band(deployment.features, deployment.model, X, labels, settings, int(cfg.seed))
    refits.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(refits) as tmp:
        joblib.dump(band.fits, tmp)
    write_json(kept, band.summary)  # also logged with the deployment's run by `run.record`
    return band, "computed now (the first check of this deployment) and kept with its run"
