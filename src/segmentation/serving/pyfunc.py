"""The champion as an MLflow pyfunc: per-customer feature rows in, segment id and name out
(`segmenter.Segmenter`'s logic, with the wholesaler rule, if any, in the model's meta).

`mlflow models serve -m models:/<name>@champion --env-manager local -h 127.0.0.1` serves it;
the package is bundled with the model (code_paths), so it loads wherever MLflow runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow.pyfunc
import pandas as pd

from segmentation.serving.segmenter import Segmenter


class SegmentModel(Segmenter, mlflow.pyfunc.PythonModel):
    """A `Segmenter` that MLflow saves, loads and serves."""

    def load_context(self, context) -> None:
        import cloudpickle

        with open(context.artifacts["pipeline"], "rb") as handle:
            self.pipeline = cloudpickle.load(handle)
        meta = json.loads(Path(context.artifacts["segments"]).read_text())
        self.columns = meta["columns"]
        self.names = {int(k): v for k, v in meta["names"].items()}
        self.wholesalers = meta.get("wholesalers")

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return Segmenter.predict(self, context, model_input, params)
