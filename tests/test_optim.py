"""Gradient descent, Newton and BFGS on the Rosenbrock function (SciPy as oracle)."""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

from sciml_lib.optim import armijo, bfgs, gradient_descent, newton, newton_minimize

X0 = np.array([-1.2, 1.0])


def test_newton_and_bfgs_reach_the_minimum():
    for r in (newton(rosen, rosen_der, rosen_hess, X0), bfgs(rosen, rosen_der, X0)):
        assert r.success
        np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-6)
        assert all(np.diff(r.history) <= 1e-12)  # monotone thanks to the line search


def test_newton_uses_fewer_iterations_than_gd():
    gd = gradient_descent(rosen, rosen_der, X0, maxiter=2000)
    nt = newton(rosen, rosen_der, rosen_hess, X0)
    assert nt.nit < 50 < gd.nit
    assert gd.fun < rosen(X0)


def test_quadratic_gd_converges_linearly():
    A = np.diag([1.0, 10.0])
    r = gradient_descent(
        lambda x: 0.5 * x @ A @ x, lambda x: A @ x, [1.0, 1.0], maxiter=5000, gtol=1e-10
    )
    assert r.success
    np.testing.assert_allclose(r.x, 0, atol=1e-9)


def test_constant_step_diverges_when_too_large():
    r = gradient_descent(
        lambda x: 0.5 * 10 * x @ x,
        lambda x: 10 * x,
        [1.0],
        lr=0.25,
        line_search=False,
        maxiter=2000,
    )
    assert not r.success and (not np.isfinite(r.fun) or r.fun > 1e10)


def test_armijo_rejects_ascent_direction():
    x = np.array([1.0])
    assert armijo(lambda x: float(x @ x), x, 1.0, 2 * x, 2 * x)[0] == 0.0


def test_bad_input():
    with pytest.raises(TypeError, match="fun"):
        bfgs(1, rosen_der, X0)
    with pytest.raises(ValueError, match="x0"):
        newton(rosen, rosen_der, rosen_hess, np.ones((2, 2)))


def test_newton_minimize_matches_scipy_newton_cg():
    from scipy.optimize import minimize

    x0 = np.array([-1.2, 1.0, 0.8, 1.5])
    ref = minimize(rosen, x0, jac=rosen_der, hess=rosen_hess, method="Newton-CG", tol=1e-12)
    r = newton_minimize(rosen, rosen_der, rosen_hess, x0)
    assert r.success and ref.success
    np.testing.assert_allclose(r.x, ref.x, atol=1e-6)
    assert newton is newton_minimize  # the older name still works
