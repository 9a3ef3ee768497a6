"""Is expected revenue right? A holdout check: fit on the history up to `cutoff - horizon`,
predict the horizon, compare with what each customer really spent in [cutoff - horizon, cutoff).

Only lines strictly before `cutoff - horizon` reach the fit (`btyd_inputs` filters them), so the
horizon never leaks into the parameters. Actual revenue is net (cancellations in the horizon
count against it), like the model's order values. Customers whose first purchase falls inside the
horizon have no history to predict from: their revenue is reported apart as new-customer
revenue, outside the predicted-vs-actual comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from segmentation.common.errors import UserError
from segmentation.marketing.expected_revenue import btyd_inputs, fit_value_models, predict


def calibration_deciles(predicted: pd.Series, actual: pd.Series, groups: int = 10) -> pd.DataFrame:
    """Customers in `groups` equal groups by predicted revenue (1 = lowest; ties broken by order):
    per group, customers, mean and total predicted and actual revenue."""
    n = len(predicted)
    groups = min(groups, n)
    rank = pd.Series(np.asarray(predicted, dtype=float)).rank(method="first").to_numpy()
    frame = pd.DataFrame({"decile": np.ceil(rank * groups / n).astype(np.int64),
                          "predicted": np.asarray(predicted, dtype=float), "actual": np.asarray(actual, dtype=float)})
    return frame.groupby("decile").agg(customers=("predicted", "size"), predicted_mean=("predicted", "mean"),
                                       actual_mean=("actual", "mean"), predicted_total=("predicted", "sum"),
                                       actual_total=("actual", "sum")).reset_index()


def _rank_correlation(predicted: np.ndarray, actual: np.ndarray) -> float:
    if len(predicted) < 2 or np.ptp(predicted) == 0 or np.ptp(actual) == 0:
        return float("nan")
    return float(spearmanr(predicted, actual).statistic)


def holdout_check(lines: pd.DataFrame, cutoff, horizon_days: float, seed: int) -> dict:
    """Fit before `cutoff - horizon_days`, predict `horizon_days`, compare per customer.

    Returns: calibration_cutoff and cutoff (ISO dates), horizon_days, customers (predicted),
    predicted_total, actual_total, error (predicted - actual), relative_error (error / actual;
    negative = the model expected less), spearman (rank correlation of predicted and actual
    revenue per customer), new_customers and new_customer_revenue (first seen in the horizon, not
    predicted), params (the calibration fit's), deciles (`calibration_deciles`) and per_customer
    (customer_id, predicted, actual)."""
    if horizon_days <= 0:
        raise UserError(f"horizon_days={horizon_days} is not positive. Fix: use a number of days, e.g. 90.")
    end = pd.Timestamp(cutoff)
    start = end - pd.Timedelta(days=horizon_days)
    identified = lines[lines["is_identified"]]
    if not (identified["invoice_date"] < start).any():
        raise UserError(f"the holdout fits on lines before {start.date()} (cutoff - {horizon_days} days) and there "
                        "are none. Fix: use a shorter horizon or data with more history.")
    inputs = btyd_inputs(lines, start)
    models = fit_value_models(inputs, seed)
    predicted = predict(models, inputs, horizon_days)
    window = identified[(identified["invoice_date"] >= start) & (identified["invoice_date"] < end)]
    spent = window.groupby(window["customer_id"].astype(str))["revenue"].sum()
    known = spent.index.isin(predicted["customer_id"])
    actual = spent.reindex(predicted["customer_id"].to_numpy(), fill_value=0.0).to_numpy(dtype=float)
    guess = predicted["expected_revenue"].to_numpy(dtype=float)
    actual_total, predicted_total = float(actual.sum()), float(guess.sum())
    return {
        "calibration_cutoff": start.date().isoformat(), "cutoff": end.date().isoformat(),
        "horizon_days": horizon_days, "customers": len(predicted),
        "predicted_total": predicted_total, "actual_total": actual_total,
        "error": predicted_total - actual_total,
        "relative_error": (predicted_total - actual_total) / actual_total if actual_total else float("nan"),
        "spearman": _rank_correlation(guess, actual),
        "new_customers": int((~known).sum()), "new_customer_revenue": float(spent[~known].sum()),
        "params": models.params,
        "deciles": calibration_deciles(guess, actual),
        "per_customer": pd.DataFrame({"customer_id": predicted["customer_id"], "predicted": guess, "actual": actual}),
    }
