"""The fits the monitor compares, on customer tables: a deployment's fit, a refit today, and the
noise band of a deployment. Every fit is the best of `refit_seeds` seeds by the model's own
objective (`models.estimators.best_fit`), so two fits of unchanged customers land in the same
solution and a local optimum is not read as drift."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from segmentation.common.sampling import sample_rows
from segmentation.features.selection import select_customers
from segmentation.maintenance.band import Band, band_of, refits
from segmentation.models.estimators import best_fit


def seeds(first: int, count: int) -> list[int]:
    """`count` seeds from `first`: one fit's starting points."""
    return [int(first) + i for i in range(int(count))]


def customers(table: pd.DataFrame, features: Mapping) -> pd.DataFrame:
    """The customer x feature frame a fit sees (the feature set's columns, its wholesaler policy)."""
    return select_customers(table, features).X


def fit(features: Mapping, model: Mapping, X: pd.DataFrame, seed: int, settings: Mapping):
    """(fitted pipeline, labels as a series on X's customers): the best of `refit_seeds` seeds."""
    pipeline, labels = best_fit(features, model, X, seeds(seed, settings["refit_seeds"]))
    return pipeline, pd.Series(labels, index=X.index)


def deployment_band(features: Mapping, model: Mapping, X: pd.DataFrame, labels: pd.Series, settings: Mapping,
                    seed: int) -> Band:
    """How much a fit of the deployment's own customers agrees with the deployed segments when
    nothing changed (`maintenance.band`, the study's rule): refits under `noise_seeds` other seeds
    and on `noise_resamples` bootstrap resamples of the customers (at most `noise_max_customers`
    of them, a seeded sample), kept with their fits to tell a competing segmentation from drift."""
    rows = sample_rows(len(X), settings["noise_max_customers"], seed)
    if rows is not None:
        X, labels = X.iloc[rows], labels.iloc[rows]
    others = seeds(seed + int(settings["refit_seeds"]), int(settings["noise_seeds"]))
    return band_of(refits(features, model, X, labels.to_numpy(), others, int(settings["noise_resamples"]), seed))
