"""How much agreement to expect with no drift at all: the noise floor of a segmentation.

Refitting the same baseline with other seeds, or on bootstrap resamples of its customers,
already moves some customers between segments. A later snapshot's agreement is only evidence
of drift when it falls clearly below that band. Pure functions on labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from segmentation.common.progress import progress
from segmentation.models.evaluation import adjusted_rand

BAND_PERCENTILES = (5, 50, 95)
INTERVAL_PERCENTILES = (2.5, 97.5)


def seed_agreement(labels: np.ndarray, refit_with_seed: Callable[[int], np.ndarray], seeds: Sequence[int]) -> list[float]:
    """ARI between the baseline labels and a refit of the same data under each other seed
    (a progress bar in a terminal: these refits are a large part of the stability step)."""
    return [float(adjusted_rand(labels, refit_with_seed(int(seed))))
            for seed in progress(seeds, "noise band: refits under other seeds")]


def band(values: Sequence[float]) -> dict:
    """The 5th, 50th and 95th percentiles of self-agreement values, and how many there were."""
    values = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if len(values) == 0:
        return {"band_low": float("nan"), "band_median": float("nan"), "band_high": float("nan"), "band_samples": 0}
    low, median, high = np.percentile(values, BAND_PERCENTILES)
    return {"band_low": float(low), "band_median": float(median), "band_high": float(high),
            "band_samples": int(len(values))}


def _ari_from_contingency(table: np.ndarray) -> np.ndarray:
    """ARI of each contingency table in a stack (resamples x rows x columns)."""
    pairs = lambda x: x * (x - 1) / 2  # noqa: E731
    n = table.sum(axis=(1, 2))
    index = pairs(table).sum(axis=(1, 2))
    rows, cols = pairs(table.sum(axis=2)).sum(axis=1), pairs(table.sum(axis=1)).sum(axis=1)
    expected = rows * cols / np.maximum(pairs(n), 1)
    maximum = (rows + cols) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        ari = (index - expected) / (maximum - expected)
    return np.where(maximum == expected, 1.0, ari)


def ari_interval(a: np.ndarray, b: np.ndarray, resamples: int, seed: int) -> tuple[float, float]:
    """Bootstrap interval (2.5th-97.5th percentile) of ARI(a, b) over customers, without refitting:
    each resample draws customers with replacement and recomputes the contingency table."""
    a, b = np.asarray(a), np.asarray(b)
    if len(a) < 2 or resamples < 1:
        return float("nan"), float("nan")
    _, a_codes = np.unique(a, return_inverse=True)
    _, b_codes = np.unique(b, return_inverse=True)
    ka, kb = a_codes.max() + 1, b_codes.max() + 1
    cells = a_codes * kb + b_codes
    draws = np.random.default_rng(seed).integers(0, len(a), (int(resamples), len(a)))
    per_resample = cells[draws] + (np.arange(int(resamples)) * ka * kb)[:, None]  # one bincount for all resamples
    tables = np.bincount(per_resample.ravel(), minlength=int(resamples) * ka * kb).reshape(-1, ka, kb).astype(float)
    low, high = np.percentile(_ari_from_contingency(tables), INTERVAL_PERCENTILES)
    return float(low), float(high)
