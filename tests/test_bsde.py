"""Tests of sciml_lib.bsde: reference values and the deep BSDE solver on closed-form cases."""

from __future__ import annotations

import numpy as np
import pytest

from sciml_lib.bsde import (
    allen_cahn,
    black_scholes_default_risk,
    hjb_lqg,
    hjb_lqg_exact,
    simulate_forward,
    solve_bsde,
)


def _gauss_hermite_heat(x0: float, T: float) -> float:
    # E g(x0 + sqrt(2T) xi), g(x) = log((1 + x^2)/2), xi ~ N(0, 1), by Gauss-Hermite quadrature
    z, w = np.polynomial.hermite_e.hermegauss(120)
    x = x0 + np.sqrt(2 * T) * z
    return float(np.sum(w * np.log(0.5 * (1 + x * x))) / np.sqrt(2 * np.pi))


def test_cole_hopf_monte_carlo_matches_quadrature_in_1d():
    z, w = np.polynomial.hermite_e.hermegauss(120)
    for lam in (0.5, 2.0):
        x = 0.7 + np.sqrt(2.0) * z
        wv = np.sum(w * np.exp(-lam * np.log(0.5 * (1 + x * x)))) / np.sqrt(2 * np.pi)
        exact = -np.log(wv) / lam
        mc = hjb_lqg_exact(1, lam, 1.0, x0=[0.7], n_samples=2 * 10**6, seed=1)
        assert abs(mc - exact) < 5e-3 * abs(exact)
    assert hjb_lqg_exact(1, 0.0, x0=[0.7], n_samples=2 * 10**6) == pytest.approx(
        _gauss_hermite_heat(0.7, 1.0), rel=5e-3)


def test_hjb_lambda1_d100_matches_published_value():
    # Han, Jentzen, E (2018): u(0, 0) = 4.5901 for lambda = 1, d = 100
    assert hjb_lqg_exact(100, 1.0, n_samples=10**6) == pytest.approx(4.5901, abs=2e-3)


def test_forward_paths_are_euler_maruyama():
    import jax

    prob = black_scholes_default_risk(3)
    dW, X = simulate_forward(prob, 5, 4, jax.random.PRNGKey(0))
    dW, X = np.asarray(dW), np.asarray(X)
    x = np.full((4, 3), 100.0)
    for n in range(5):
        x = x + 0.02 * x * 0.2 + 0.2 * x * dW[:, n]
        np.testing.assert_allclose(X[:, n + 1], x, rtol=1e-12)


@pytest.mark.slow
def test_deep_bsde_heat_equation_d1_within_one_percent():
    prob = hjb_lqg(1, 0.0, x0=[1.0])
    res = solve_bsde(prob, n_steps=10, batch=512, iterations=1000, lr=1e-2, hidden=(16, 16),
                     seed=0, dtype=np.float64, progress=False)
    exact = _gauss_hermite_heat(1.0, 1.0)
    assert res.success
    assert abs(res.u0 - exact) < 0.01 * abs(exact)
    assert res.relative_error(exact) < 0.01
    # the loss decreases from the zero-Z start
    assert np.mean(res.loss_history[-50:]) < np.mean(res.loss_history[:10])


@pytest.mark.slow
def test_seed_reproducible():
    prob = allen_cahn(2)
    a = solve_bsde(prob, n_steps=4, batch=16, iterations=20, hidden=(8,), seed=3, progress=False)
    b = solve_bsde(prob, n_steps=4, batch=16, iterations=20, hidden=(8,), seed=3, progress=False)
    np.testing.assert_array_equal(a.loss_history, b.loss_history)
    assert a.u0 == b.u0


def test_bad_input():
    with pytest.raises(ValueError, match="d must"):
        hjb_lqg(0)
    with pytest.raises(ValueError, match="d must"):
        allen_cahn(-3)
    with pytest.raises(ValueError, match="lam"):
        hjb_lqg(2, -1.0)
    with pytest.raises(ValueError, match="x0"):
        hjb_lqg(2, 1.0, x0=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="T must"):
        black_scholes_default_risk(2, T=0.0)
    with pytest.raises(TypeError, match="problem"):
        solve_bsde("heat")
    with pytest.raises(ValueError, match="n_steps"):
        solve_bsde(allen_cahn(2), n_steps=0)
    with pytest.raises(ValueError, match="lr"):
        solve_bsde(allen_cahn(2), lr=-1.0)
    with pytest.raises(ValueError, match="reference"):
        solve_bsde(hjb_lqg(2), iterations=0, progress=False).relative_error()
