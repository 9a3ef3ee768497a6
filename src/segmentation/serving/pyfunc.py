"""The champion as an MLflow pyfunc: per-customer feature rows in, segment id and name out.

`mlflow models serve -m models:/<name>@champion --env-manager local -h 127.0.0.1` serves it;
the package is bundled with the model (code_paths), so it loads wherever MLflow runs.

A model trained with `features.wholesalers: separate` carries its wholesaler rule in its meta
(`wholesalers`: column, the training threshold, segment id): customers strictly above the
threshold go to that segment and are not clustered, as in training; the rule's column is then
required even when the model's features do not include it. Without a rule (keep, drop), every
row is clustered.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd

from segmentation.features.selection import is_wholesaler
from segmentation.models.estimators import NOISE


class SegmentModel(mlflow.pyfunc.PythonModel):
    """Wraps the fitted sklearn pipeline, the segment names and the wholesaler rule, if any."""

    wholesalers: dict | None = None  # {"column", "threshold", "segment"} with wholesalers set apart

    def load_context(self, context) -> None:
        import cloudpickle

        with open(context.artifacts["pipeline"], "rb") as handle:
            self.pipeline = cloudpickle.load(handle)
        meta = json.loads(Path(context.artifacts["segments"]).read_text())
        self.columns = meta["columns"]
        self.names = {int(k): v for k, v in meta["names"].items()}
        self.wholesalers = meta.get("wholesalers")

    @property
    def required_columns(self) -> list[str]:
        """The model's features, then the wholesaler rule's column when the rule needs it."""
        rule = self.wholesalers
        return [*self.columns, *([rule["column"]] if rule and rule["column"] not in self.columns else [])]

    def rule_text(self) -> str:
        """The wholesaler rule in words, for messages ('' without one)."""
        rule = self.wholesalers
        return (f"customers with {rule['column']} above {rule['threshold']:g} form segment {rule['segment']} "
                f"({self.names.get(rule['segment'], 'Wholesalers')}), as in training "
                "(features.wholesalers=separate)") if rule else ""

    def set_noise_policy(self, noise: str | None) -> None:
        """HDBSCAN only: `keep` leaves new customers far from every segment unassigned (-1)."""
        clusterer = self.pipeline.steps[-1][1]
        if noise and hasattr(clusterer, "noise"):
            clusterer.noise = noise

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        missing = [c for c in self.required_columns if c not in model_input]
        if missing:
            because = f" ({self.rule_text()})" if set(missing) - set(self.columns) else ""
            raise ValueError(f"missing column(s) {missing}; expected {self.required_columns}{because}")
        rule = self.wholesalers
        if rule is None:
            labels = pd.Series(self.pipeline.predict(model_input[self.columns].astype("float64")), dtype="int64")
        else:
            labels = pd.Series(self._with_rule(model_input, rule), dtype="int64")
        fallback = ("Segment " + labels.astype(str)).where(labels != NOISE, "Unassigned")
        names = labels.map(self.names).fillna(fallback)
        return pd.DataFrame({"segment": labels.to_numpy(), "segment_name": names.to_numpy()})

    def _with_rule(self, model_input: pd.DataFrame, rule: dict) -> np.ndarray:
        """The rule's segment above its threshold, the pipeline's clusters for everyone else."""
        apart = is_wholesaler(model_input[rule["column"]], rule["threshold"]).to_numpy()
        labels = np.full(len(model_input), int(rule["segment"]), dtype="int64")
        if (~apart).any():
            labels[~apart] = self.pipeline.predict(model_input.loc[~apart, self.columns].astype("float64"))
        return labels
