"""A fitted segmentation as the project applies it, without MLflow: the sklearn pipeline, the
segment names and the wholesaler rule, if any. `pyfunc.SegmentModel` serves the same logic
through MLflow; the report and the monitor use it directly on the train stage's local model
(importing MLflow's model layer costs seconds).

A model trained with `features.wholesalers: separate` carries its wholesaler rule
(`wholesalers`: column, the training threshold, segment id): customers strictly above the
threshold go to that segment and are not clustered, as in training; the rule's column is then
required even when the model's features do not include it. Without a rule (keep, drop), every
row is clustered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.features.selection import is_wholesaler
from segmentation.models.labels import NOISE


class Segmenter:
    """The fitted sklearn pipeline (`pipeline`), its feature `columns`, segment `names` and
    wholesaler rule (`wholesalers`: {"column", "threshold", "segment"} with wholesalers set apart)."""

    pipeline = None
    columns: list[str]
    names: dict
    wholesalers: dict | None = None

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
        """Segment id and name per row (`context` and `params`: MLflow's pyfunc signature, unused)."""
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
