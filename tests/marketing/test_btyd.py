"""The BG/NBD and Gamma-Gamma models in closed form: likelihoods computed by hand on one customer,
and the same fit and predictions as pymc-marketing's models, the reference implementation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from test_value import simulate

from segmentation.marketing import btyd

PURCHASES = {"r": 0.5, "alpha": 20.0, "a": 0.8, "b": 4.0}
SPEND = {"p": 6.0, "q": 4.0, "v": 15.0}
# every module of this file shares the simulated customers (and pymc-marketing's slow fits)
pytestmark = pytest.mark.xdist_group("value")


def test_a_customer_without_repeats_is_a_poisson_gamma_wait():
    """x = 0: only the first term survives, B(a, b)/B(a, b) = 1 and Γ(r)/Γ(r) = 1, so
    log L = r log(α / (α + T)): with r = 1, α = 1, T = 1, log(1/2)."""
    ll = btyd.bgnbd_loglik((1.0, 1.0, 0.8, 4.0), np.array([0.0]), np.array([0.0]), np.array([1.0]))
    assert ll[0] == pytest.approx(math.log(0.5), rel=1e-12)


def test_one_repeat_purchase_by_hand():
    """x = 1, t_x = 2, T = 5, (r, α, a, b) = (1, 1, 1, 1):
    B(1, 2)/B(1, 1) = 1/2; Γ(2) α^1 / Γ(1) = 1; (α + T)^-2 = 1/36; a/(b + x - 1) (α + t_x)^-2 = 1/9;
    L = 1/2 (1/36 + 1/9) = 5/72."""
    ll = btyd.bgnbd_loglik((1.0, 1.0, 1.0, 1.0), np.array([1.0]), np.array([2.0]), np.array([5.0]))
    assert ll[0] == pytest.approx(math.log(5 / 72), rel=1e-12)


def test_gamma_gamma_by_hand():
    """x = 1, m = 2, (p, q, v) = (1, 1, 1): Γ(2)/(Γ(1)Γ(1)) 1^1 2^0 1^1 / (1 + 2)^2 = 1/9."""
    ll = btyd.gamma_gamma_loglik((1.0, 1.0, 1.0), np.array([1.0]), np.array([2.0]))
    assert ll[0] == pytest.approx(math.log(1 / 9), rel=1e-12)


def test_predictions_by_hand():
    """Without repeats the customer is alive; the order value of a customer without repeats is the
    population mean p v / (q - 1) = 30; with x repeats of mean m, the weighted mean."""
    x, t_x, T = np.array([0.0, 3.0]), np.array([0.0, 10.0]), np.array([50.0, 50.0])
    alive = btyd.probability_alive(PURCHASES, x, t_x, T)
    odds = 0.8 / (4 + 3 - 1) * ((20 + 50) / (20 + 10)) ** (0.5 + 3)
    assert alive[0] == 1.0 and alive[1] == pytest.approx(1 / (1 + odds))
    value = btyd.expected_order_value(SPEND, np.array([0.0, 2.0]), np.array([0.0, 50.0]))
    weight = 6 * 2 / (6 * 2 + 4 - 1)
    assert value[0] == pytest.approx(30.0) and value[1] == pytest.approx((1 - weight) * 30 + weight * 50)


@pytest.fixture(scope="module")
def reference():
    """3,000 simulated customers fitted here and by pymc-marketing (flat priors: its MAP is the MLE)."""
    pymc = pytest.importorskip("pymc_marketing.clv")
    import pytensor
    from pymc_extras.prior import Prior

    inputs, _ = simulate(3000, np.random.default_rng(7))
    x, t_x, T = (inputs[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    spenders = inputs[(inputs["frequency"] > 0) & (inputs["monetary_value"] > 0)]
    with warnings.catch_warnings(), pytensor.config.change_flags(mode="FAST_COMPILE"):
        warnings.simplefilter("ignore")
        purchases = pymc.BetaGeoModel(model_config={k: Prior("HalfFlat") for k in btyd.PURCHASE_PARAMS})
        purchases.fit(data=inputs[["customer_id", "frequency", "recency", "T"]], method="map", progressbar=False)
        spend = pymc.GammaGammaModel(model_config={k: Prior("HalfFlat") for k in btyd.SPEND_PARAMS})
        spend.fit(data=spenders[["customer_id", "frequency", "monetary_value"]], method="map", progressbar=False)
    return {"inputs": inputs, "data": (x, t_x, T), "spenders": spenders, "pymc": (purchases, spend),
            "ours": {**btyd.fit_bgnbd(x, t_x, T),
                     **btyd.fit_gamma_gamma(spenders["frequency"].to_numpy(float),
                                            spenders["monetary_value"].to_numpy(float))}}


def _point(model, names) -> dict[str, float]:
    return {name: float(model.fit_result[name].mean().item()) for name in names}


def test_the_fit_reaches_the_library_s_optimum_or_a_higher_likelihood(reference):
    """Same model, same data: the likelihood at our parameters is at least the library's (its
    L-BFGS stops a little earlier on the flat a/b ridge), and the parameters agree within 1 %."""
    x, t_x, T = reference["data"]
    spenders = reference["spenders"]
    purchases, spend = reference["pymc"]
    theirs = {**_point(purchases, btyd.PURCHASE_PARAMS), **_point(spend, btyd.SPEND_PARAMS)}
    ours = reference["ours"]
    assert btyd.bgnbd_loglik([ours[k] for k in btyd.PURCHASE_PARAMS], x, t_x, T).sum() >= \
        btyd.bgnbd_loglik([theirs[k] for k in btyd.PURCHASE_PARAMS], x, t_x, T).sum() - 1e-6
    m_x, m = spenders["frequency"].to_numpy(float), spenders["monetary_value"].to_numpy(float)
    assert btyd.gamma_gamma_loglik([ours[k] for k in btyd.SPEND_PARAMS], m_x, m).sum() >= \
        btyd.gamma_gamma_loglik([theirs[k] for k in btyd.SPEND_PARAMS], m_x, m).sum() - 1e-6
    for name in (*btyd.PURCHASE_PARAMS, *btyd.SPEND_PARAMS):
        assert ours[name] == pytest.approx(theirs[name], rel=0.01), name


def test_the_predictions_are_the_library_s_formulas(reference):
    """At the same parameters (ours, put into the library's fitted models), every customer's
    probability of being active, expected purchases over 90 days and expected order value equal
    the library's to 1e-9."""
    inputs, (x, t_x, T) = reference["inputs"], reference["data"]
    purchases, spend = reference["pymc"]
    ours = reference["ours"]
    for model, names in ((purchases, btyd.PURCHASE_PARAMS), (spend, btyd.SPEND_PARAMS)):
        for name in names:
            model.idata.posterior[name].values = np.full_like(model.idata.posterior[name].values, ours[name])
    history = inputs[["customer_id", "frequency", "recency", "T"]]
    per_customer = lambda values: values.mean(("chain", "draw")).to_numpy()  # noqa: E731
    np.testing.assert_allclose(btyd.probability_alive(ours, x, t_x, T),
                               per_customer(purchases.expected_probability_alive(data=history)), rtol=1e-9)
    np.testing.assert_allclose(btyd.expected_purchases(ours, 90.0, x, t_x, T),
                               per_customer(purchases.expected_purchases(data=history, future_t=90.0)), rtol=1e-9)
    usable = (x > 0) & (inputs["monetary_value"].to_numpy() > 0)
    spend_data = inputs[["customer_id"]].assign(frequency=np.where(usable, x, 0),
                                                monetary_value=np.where(usable, inputs["monetary_value"], 0.0))
    np.testing.assert_allclose(btyd.expected_order_value(ours, np.where(usable, x, 0.0),
                                                         spend_data["monetary_value"].to_numpy()),
                               per_customer(spend.expected_customer_spend(data=spend_data)), rtol=1e-9)
