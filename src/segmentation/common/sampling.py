"""The one sampler of rows: seeded, sorted, without replacement, so a sampled step (a fit, a
map, a noise band) is repeatable and keeps the rows' order."""

from __future__ import annotations

import numpy as np


def sample_rows(n: int, at_most, seed: int) -> np.ndarray | None:
    """Sorted positions of a seeded sample of `at_most` of `n` rows; None when every row is used
    (`at_most` None, or not fewer than `n`)."""
    if at_most is None or n <= int(at_most):
        return None
    return np.sort(np.random.default_rng(seed).choice(n, int(at_most), replace=False))
