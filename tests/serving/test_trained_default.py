"""The train stage keeps its model locally (build/cache/trained_models): the report and the monitor
read it without MLflow, and it places customers exactly as the model logged in MLflow does."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from segmentation.common.catalog import Catalog
from segmentation.common.config import load_params
from segmentation.serving import registry
from segmentation.serving.registry import load_trained_default, trained_default_kept
from segmentation.tracking.runs import tracking_uri

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]


def test_the_local_model_places_customers_as_the_mlflow_model_does(built_pipeline, monkeypatch):
    monkeypatch.setenv("SEGMENTATION_ROOT", str(built_pipeline.project))  # read only
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    cfg = load_params()
    catalog = Catalog(cfg)
    run_id = catalog.train_run.read_text().strip()
    kept = trained_default_kept(cfg, run_id)
    assert kept is not None
    assert list(catalog.trained_model(run_id).parent.glob("*.joblib")) == [catalog.trained_model(run_id)]
    assert kept["cutoff"] == mlflow.MlflowClient(tracking_uri(cfg)).get_run(run_id).data.tags["segmentation.cutoff"]
    customers = pd.read_parquet(catalog.features)
    local, described = load_trained_default(cfg)
    monkeypatch.setattr(registry, "trained_default_kept", lambda cfg, run_id: None)  # a run trained before the copy
    asked, rule_in_mlflow = [], registry.run_wholesaler_rule
    monkeypatch.setattr(registry, "run_wholesaler_rule",
                        lambda client, run: asked.append(run) or rule_in_mlflow(client, run))
    logged, _ = load_trained_default(cfg)
    assert asked == [run_id]  # read from MLflow
    assert run_id in described and local.names == logged.names and local.wholesalers == logged.wholesalers
    placed = local.predict(None, customers)
    pd.testing.assert_frame_equal(placed, logged.predict(None, customers))
    assert placed["segment"].nunique() == len(local.names)
