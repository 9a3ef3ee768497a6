"""The noise band with the fits behind it, and a competing segmentation told apart from drift.

The band is the agreement of the deployed (baseline) segments with refits of the same customers
under other seeds and on bootstrap resamples of them. Some data hold several segmentations of
nearly equal quality: refits of the baseline itself land in either, and a tiny change in the
data may flip which one a fresh fit finds. Read against the band alone, a fresh fit landing in
another of them looks like drift. So the band's fits are kept: a later fresh fit whose
agreement with the deployed segments is under the band, but which agrees with one of the
baseline's own refits by at least `competing_margin` more, is a segmentation the baseline's own
data already produce - a competing one found again, not a change in the customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from segmentation.common.progress import progress
from segmentation.maintenance.noise import band
from segmentation.models.estimators import ModelFailure, fit_labels, make_pipeline, place_many
from segmentation.models.evaluation import adjusted_rand
from segmentation.models.labels import NOISE


@dataclass
class Band:
    """The band's summary (band_low, band_median, band_high, band_samples) and the refits behind it."""

    summary: dict
    fits: list = field(default_factory=list)

    def nearest(self, X: pd.DataFrame, fresh: np.ndarray, keep: np.ndarray) -> tuple[float, float]:
        """(the highest agreement of `fresh` (a fit of X) with one of the band's refits applied to X,
        the share of those refits closer to `fresh` than to `keep` (the deployed segments)); nan
        without refits."""
        placed = place_many(self.fits, X)
        if not placed:
            return float("nan"), float("nan")
        to_fresh = np.array([adjusted_rand(p, fresh) for p in placed])
        to_keep = np.array([adjusted_rand(p, keep) for p in placed])
        return float(to_fresh.max()), float(np.mean(to_fresh > to_keep))


def refits(features: Mapping, model: Mapping, X: pd.DataFrame, labels: np.ndarray, seeds: list[int],
           resamples: int, seed: int) -> list[tuple[float, object]]:
    """(agreement with `labels`, the fitted pipeline) of each refit: one per seed, then one per
    bootstrap resample (over the distinct customers drawn; a failed fit counts as noise, no pipeline)."""
    out = []
    for each in progress(seeds, "noise band: refits under other seeds"):
        pipeline = make_pipeline(features, model, each)
        out.append((float(adjusted_rand(labels, _labels(pipeline, X))), pipeline))
    template, draws = make_pipeline(features, model, seed), np.random.default_rng(seed)
    for _ in range(int(resamples)):
        rows = draws.integers(0, len(X), len(X))
        pipeline = clone(template)
        boot = _labels(pipeline, X.iloc[rows])
        distinct, first = np.unique(rows, return_index=True)
        out.append((float(adjusted_rand(labels[distinct], boot[first])), pipeline))
    return out


def _labels(pipeline, X: pd.DataFrame) -> np.ndarray:
    try:
        return fit_labels(pipeline, X)
    except ModelFailure:
        return np.full(len(X), NOISE)


def band_of(fits: list[tuple[float, object]], extra: list[float] | None = None) -> Band:
    """The band of these refits' agreements (and of `extra` values without a fit: a training run's
    own resamples), with the refits that did not fail."""
    return Band(band([value for value, _ in fits] + list(extra or [])), [fit for _, fit in fits if fit is not None])


def is_competing(keep: float, keep_high: float, nearest: float, summary: Mapping, margin: float) -> bool:
    """A fresh fit that is a competing segmentation found again: its agreement with the deployed
    segments is under the band, and with one of the baseline's refits at least `margin` higher."""
    return bool(keep_high < summary["band_low"] and np.isfinite(nearest) and nearest - keep >= margin)
