"""The champion as an MLflow pyfunc: per-customer feature rows in, segment id and name out.

`mlflow models serve -m models:/<name>@champion --env-manager local -h 127.0.0.1` serves it;
the package is bundled with the model (code_paths), so it loads wherever MLflow runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow.pyfunc
import pandas as pd

from segmentation.models import NOISE


class SegmentModel(mlflow.pyfunc.PythonModel):
    """Wraps the fitted sklearn pipeline and the segment names."""

    def load_context(self, context) -> None:
        import cloudpickle

        with open(context.artifacts["pipeline"], "rb") as handle:
            self.pipeline = cloudpickle.load(handle)
        meta = json.loads(Path(context.artifacts["segments"]).read_text())
        self.columns = meta["columns"]
        self.names = {int(k): v for k, v in meta["names"].items()}

    def set_noise_policy(self, noise: str | None) -> None:
        """HDBSCAN only: `keep` leaves new customers far from every segment unassigned (-1)."""
        clusterer = self.pipeline.steps[-1][1]
        if noise and hasattr(clusterer, "noise"):
            clusterer.noise = noise

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        missing = [c for c in self.columns if c not in model_input]
        if missing:
            raise ValueError(f"missing feature column(s) {missing}; expected {self.columns}")
        labels = pd.Series(self.pipeline.predict(model_input[self.columns].astype("float64")), dtype="int64")
        fallback = ("Segment " + labels.astype(str)).where(labels != NOISE, "Unassigned")
        names = labels.map(self.names).fillna(fallback)
        return pd.DataFrame({"segment": labels.to_numpy(), "segment_name": names.to_numpy()})
