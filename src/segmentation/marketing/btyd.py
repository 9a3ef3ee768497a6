"""The BG/NBD and Gamma-Gamma models in closed form (numpy, scipy): log-likelihoods, their
maximum-likelihood fits and the predictions the value stage makes. Pure functions on arrays.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"), per customer with x
repeat purchases, the last at t_x, observed for T (x, t_x, T = frequency, recency, T):

    L = B(a, b + x) / B(a, b) * Γ(r + x) α^r / Γ(r) * [ (α + T)^-(r+x) + 1{x>0} a/(b+x-1) (α + t_x)^-(r+x) ]

Gamma-Gamma (Fader & Hardie 2013), per customer with x repeat purchases of mean value m > 0:

    L = Γ(px + q) / (Γ(px) Γ(q)) * v^q * m^(px-1) * x^(px) / (v + m x)^(px+q)

Both are the models pymc-marketing implements (`pymc_marketing.clv.BetaGeoModel`,
`GammaGammaModel`); with flat priors its MAP is this maximum-likelihood fit, which
tests/marketing/test_btyd.py checks against the library on simulated data. Written here because
the library's fit costs ~10 s per stage (4 s of import, graphs evaluated in Python) where these
take milliseconds.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, expit, gammaln, hyp2f1

PURCHASE_PARAMS = ("r", "alpha", "a", "b")
SPEND_PARAMS = ("p", "q", "v")
#: relative change of the negative mean log-likelihood that ends a fit: far below the precision
#: the parameters are kept at (8 significant digits)
TOLERANCE = 1e-15


def bgnbd_loglik(params, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood under (r, alpha, a, b)."""
    r, alpha, a, b = params
    common = betaln(a, b + x) - betaln(a, b) + gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    stays = -(r + x) * np.log(alpha + T)
    left = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x)
    return common + np.where(x > 0, np.logaddexp(stays, left), stays)


def gamma_gamma_loglik(params, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Each customer's Gamma-Gamma log-likelihood under (p, q, v); x > 0 and m > 0."""
    p, q, v = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(v + m * x))


def _fit(loglik, start: np.ndarray, data: tuple) -> np.ndarray:
    """Maximum likelihood in log-parameters (every parameter is positive), by L-BFGS-B."""
    def objective(log_params):
        value = -np.mean(loglik(np.exp(log_params), *data))
        return value if np.isfinite(value) else np.inf

    result = minimize(objective, np.log(start), method="L-BFGS-B",
                      options={"ftol": TOLERANCE, "gtol": 1e-10, "maxiter": 10_000})
    return np.exp(result.x)


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> dict[str, float]:
    """r, alpha, a, b by maximum likelihood; alpha starts at the mean observation length."""
    start = np.array([1.0, max(float(np.mean(T)), 1e-6), 1.0, 1.0])
    return dict(zip(PURCHASE_PARAMS, map(float, _fit(bgnbd_loglik, start, (x, t_x, T)))))


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> dict[str, float]:
    """p, q, v by maximum likelihood on customers with repeats of positive mean value."""
    start = np.array([1.0, 2.0, max(float(np.mean(m)), 1e-6)])
    return dict(zip(SPEND_PARAMS, map(float, _fit(gamma_gamma_loglik, start, (x, m)))))


def probability_alive(params: dict, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(still buying at T | history): 1 without a repeat purchase (BG/NBD drops out only after one)."""
    r, alpha, a, b = (params[k] for k in PURCHASE_PARAMS)
    odds = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x > 0, expit(-odds), 1.0)


def expected_purchases(params: dict, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Expected purchases in (T, T + t] given the history (Fader, Hardie & Lee 2005, eq. 10)."""
    r, alpha, a, b = (params[k] for k in PURCHASE_PARAMS)
    z = t / (alpha + T + t)
    ha, hb, hc = r + x, b + x, a + b + x - 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_hyp = np.log(hyp2f1(ha, hb, hc, z))
        # Euler's transformation where the series overflows: the same value, computed stably
        log_hyp = np.where(np.isfinite(log_hyp), log_hyp,
                           np.log(hyp2f1(hc - ha, hc - hb, hc, z)) + (hc - ha - hb) * np.log1p(-z))
    growth = (a + b + x - 1) / (a - 1) * (1 - np.exp(log_hyp + (r + x) * np.log((alpha + T) / (alpha + T + t))))
    dropped = np.where(x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return growth / (1 + dropped)


def expected_order_value(params: dict, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[order value | x repeats of mean m]: a weighted mean of the population mean p v / (q - 1)
    and the customer's own mean; the population mean where x is 0."""
    p, q, v = (params[k] for k in SPEND_PARAMS)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * (v * p / (q - 1)) + weight * m
