"""evaluation.fit_max_customers: the model fits on a seeded sample, everyone is placed by it,
the bootstrap refits on the sample, and the sample size is reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import conf_group

from segmentation.models.fitting import fit_and_evaluate, sample_rows

KMEANS = conf_group("model", "kmeans", n_clusters=3)
FEATURES = conf_group("features", "rfm", wholesalers="keep", transform="none", scaler="standard")
EVALUATION = {"silhouette_max_customers": 10000, "bootstrap_resamples": 3, "bootstrap_max_customers": 10000}


def customers(n: int = 900) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    centres = np.array([[10, 20, 2000], [200, 3, 300], [400, 1, 80]])
    group = np.arange(n) % 3
    values = centres[group] * rng.lognormal(0, 0.1, (n, 3))
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "recency": values[:, 0],
                         "frequency": values[:, 1], "monetary": values[:, 2]})


def test_sample_rows_are_seeded_sorted_and_none_when_everyone_fits():
    rows = sample_rows(1000, 100, seed=4)
    assert len(rows) == 100 and (np.diff(rows) > 0).all() and (rows == sample_rows(1000, 100, seed=4)).all()
    assert sample_rows(100, 100, seed=4) is None and sample_rows(100, None, seed=4) is None


def test_a_sample_fit_places_every_customer_and_says_how_many_it_was_fitted_on():
    table = customers()
    full = fit_and_evaluate(table, FEATURES, KMEANS, EVALUATION, seed=0)
    sampled = fit_and_evaluate(table, FEATURES, KMEANS, {**EVALUATION, "fit_max_customers": 150}, seed=0)
    assert full.selection["fit_customers"] == 900 and sampled.selection["fit_customers"] == 150
    assert len(sampled.labels) == 900 and len(sampled.assignments()) == 900
    # three well-separated groups: the sample finds the same partition (up to the numbering)
    assert pd.crosstab(full.labels, sampled.labels).gt(0).sum(axis=1).eq(1).all()
    placed = []
    sampled_again = fit_and_evaluate(table, FEATURES, KMEANS, {**EVALUATION, "fit_max_customers": 150}, seed=0,
                                     place=lambda fitted, X: placed.append(len(X)) or fitted.predict(X))
    assert placed == [900] and (sampled_again.labels == sampled.labels).all()
