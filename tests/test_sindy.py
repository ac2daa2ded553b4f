"""Tests of sciml_lib.sindy: library construction, STLSQ, derivatives, end-to-end Lorenz."""

from __future__ import annotations

import numpy as np
import pytest

from sciml_lib.sindy import polynomial_library, sindy, stlsq, time_derivative


def test_polynomial_library_matches_hand_written_columns():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    Theta, names = polynomial_library(X, 3, include_trig=True)
    x, y = X.T
    expected = {
        "1": np.ones(50), "x": x, "y": y, "x^2": x * x, "x y": x * y, "y^2": y * y,
        "x^3": x**3, "x^2 y": x * x * y, "x y^2": x * y * y, "y^3": y**3,
        "sin(x)": np.sin(x), "sin(y)": np.sin(y), "cos(x)": np.cos(x), "cos(y)": np.cos(y),
    }
    assert names == list(expected)
    for k, name in enumerate(names):
        np.testing.assert_allclose(Theta[:, k], expected[name], rtol=1e-14)


def test_library_size_is_binomial():
    from math import comb

    X = np.ones((4, 5))
    for d in range(4):
        Theta, _ = polynomial_library(X, d)
        assert Theta.shape[1] == comb(5 + d, d)


def test_stlsq_recovers_synthetic_sparse_system_exactly():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(400, 3))
    Theta, _ = polynomial_library(X, 3)
    Xi = np.zeros((Theta.shape[1], 3))
    Xi[1, 0], Xi[5, 0] = 1.5, -0.7
    Xi[2, 1], Xi[13, 1] = -2.0, 0.4
    Xi[0, 2], Xi[9, 2] = 3.0, 0.25
    est = stlsq(Theta, Theta @ Xi, threshold=0.1)
    np.testing.assert_array_equal(est != 0, Xi != 0)
    np.testing.assert_allclose(est, Xi, atol=1e-10)


def test_stlsq_first_pass_is_least_squares_and_ridge():
    rng = np.random.default_rng(2)
    A = rng.normal(size=(60, 4))
    b = rng.normal(size=60)
    ls = np.linalg.lstsq(A, b, rcond=None)[0]
    np.testing.assert_allclose(stlsq(A, b, 0.0)[:, 0], ls, rtol=1e-9)
    # ridge on column-normalised A, mapped back
    s = np.linalg.norm(A, axis=0)
    As = A / s
    alpha = 0.3
    ridge = np.linalg.solve(As.T @ As + alpha * np.eye(4), As.T @ b) / s
    np.testing.assert_allclose(stlsq(A, b, 0.0, alpha=alpha)[:, 0], ridge, rtol=1e-9)


@pytest.mark.parametrize("method,tol", [("finite", 2e-4), ("smoothed", 2e-5), ("spline", 1e-6)])
def test_time_derivative_of_sine(method, tol):
    t = np.linspace(0, 2 * np.pi, 2001)
    X = np.column_stack([np.sin(t), np.cos(2 * t)])
    D = time_derivative(X, t, method)
    exact = np.column_stack([np.cos(t), -2 * np.sin(2 * t)])
    assert np.abs(D - exact).max() < tol


def test_sindy_lorenz_recovers_equations():
    from sciml_lib.ode import solve
    from sciml_lib.problems import LORENZ

    dt = 0.002
    t = np.arange(0, 5 + dt / 2, dt)
    X = solve(LORENZ.f, (0, 5), np.array([-8.0, 8, 27]), LORENZ.p, rtol=1e-11, atol=1e-11,
              saveat=t).u
    res = sindy(X, t, 2, 0.1, "spline")
    true = np.zeros((10, 3))
    true[1, 0], true[2, 0] = -10, 10
    true[1, 1], true[2, 1], true[6, 1] = 28, -1, -1
    true[3, 2], true[5, 2] = -8 / 3, 1
    np.testing.assert_array_equal(res.support(), true != 0)
    np.testing.assert_allclose(res.coefficients, true, atol=1e-3)
    eqs = res.equations()
    assert eqs[2].startswith("z' = ") and "x y" in eqs[2]
    exact = np.stack([LORENZ.f(0, u, LORENZ.p) for u in X[:5]])
    np.testing.assert_allclose(res.rhs(X[:5]), exact, rtol=1e-3)


def test_bad_input():
    X = np.ones((10, 2))
    with pytest.raises(ValueError, match="degree"):
        polynomial_library(X, -1)
    with pytest.raises(ValueError, match="names"):
        polynomial_library(X, 1, names=["a"])
    Theta, _ = polynomial_library(X, 1)
    with pytest.raises(ValueError, match="threshold"):
        stlsq(Theta, X, -0.1)
    with pytest.raises(ValueError, match="rows"):
        stlsq(Theta, X[:5], 0.1)
    with pytest.raises(ValueError, match="alpha"):
        stlsq(Theta, X, 0.1, alpha=-1)
    with pytest.raises(ValueError, match="t must"):
        sindy(X, np.arange(9.0), 2, 0.1)
    with pytest.raises(ValueError, match="derivative"):
        sindy(X, np.arange(10.0), 2, 0.1, derivative="magic")
    with pytest.raises(ValueError, match="X"):
        polynomial_library(np.array([[np.nan, 1.0]]), 2)
