"""Accurate linear algebra in the Rosenbrock stages (sciml_lib.ode.linsolve): error-free
transformations, the doubled-precision residual, iterative refinement, and the compensated
(Kahan) summation of the state.

Oracles: exact rational arithmetic (``fractions.Fraction``) for every product, sum, residual
and solution; a plain working-precision computation of the same quantity shows that each test
can tell the accurate version from the plain one.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from numba import njit

from sciml_lib.ode import solve
from sciml_lib.ode.linsolve import (
    DenseLU,
    lu_factor,
    lu_solve,
    lu_solve_refined,
    shifted_residual,
    two_product,
    two_sum,
)
from sciml_lib.problems import E5, bari_error

RNG = np.random.default_rng(20261205)


def _random_floats(k):
    return RNG.choice([-1.0, 1.0], k) * 10.0 ** RNG.uniform(-100, 100, k) * RNG.uniform(1, 2, k)


def test_two_product_and_two_sum_are_error_free():
    """Exact (products between 1e-200 and 1e200: an error term below the normal range would
    underflow)."""
    a, b = _random_floats(2000), _random_floats(2000)
    for x, y in zip(a, b):
        p, e = two_product(x, y)
        assert p == x * y and Fraction(p) + Fraction(e) == Fraction(x) * Fraction(y)
        s, t = two_sum(x, y * 1e-3)
        assert s == x + y * 1e-3 and Fraction(s) + Fraction(t) == Fraction(x) + Fraction(y * 1e-3)


def _exact_residual(J, alpha, x, b):
    n = len(x)
    return [Fraction(b[i]) - Fraction(alpha) * Fraction(x[i])
            + sum(Fraction(J[i, j]) * Fraction(x[j]) for j in range(n)) for i in range(n)]


def _ill_conditioned(n, alpha):
    """alpha I - J with J of norm ~ 1e4 and a left null vector c = (0, 1, -1, -1, 0, ...):
    cond ~ |J| / alpha, the structure of E5's W."""
    J = RNG.standard_normal((n, n)) * 1e4
    J[2] = J[1] - J[3]  # c^T J = 0 up to rounding
    W = -J.copy()
    W[np.diag_indices(n)] += alpha
    return J, W


def test_shifted_residual_is_accurate_under_cancellation():
    """b = W x rounded: the exact residual is tiny against |J||x|; the doubled-precision one is
    correct to a couple of ulps of itself, the working-precision one is not."""
    eps = np.finfo(float).eps
    worst, worst_plain = 0.0, 0.0
    for _ in range(50):
        n = 5
        J, W = _ill_conditioned(n, 1e-6)
        x = RNG.standard_normal(n)
        b = W @ x
        r = b.copy()
        shifted_residual(J, 1e-6, x, r)
        exact = _exact_residual(J, 1e-6, x, b)
        plain = b - W @ x
        for i in range(n):
            terms = abs(b[i]) + 1e-6 * abs(x[i]) + np.abs(J[i]) @ np.abs(x)
            # Dot2's bound: eps |r| + 2 (n+1)^2 eps^2 sum |terms| (Ogita-Rump-Oishi, Thm 4.7)
            bound = eps * abs(float(exact[i])) + 2 * (n + 1) ** 2 * eps**2 * terms
            worst = max(worst, abs(float(Fraction(r[i]) - exact[i])) / bound)
            worst_plain = max(worst_plain, abs(float(Fraction(plain[i]) - exact[i])) / bound)
    assert worst <= 1.0
    assert worst_plain > 1e3  # the plain residual is far outside it: the test can fail


def _exact_solve(J, alpha, b):
    """The exact solution of (alpha I - J) x = b (the diagonal alpha - J_ii unrounded)."""
    n = len(b)
    A = [[Fraction(alpha) * (i == j) - Fraction(J[i, j]) for j in range(n)] + [Fraction(b[i])]
         for i in range(n)]
    for k in range(n):
        piv = next(i for i in range(k, n) if A[i][k] != 0)
        A[k], A[piv] = A[piv], A[k]
        for i in range(k + 1, n):
            m = A[i][k] / A[k][k]
            A[i] = [A[i][j] - m * A[k][j] for j in range(n + 1)]
    x = [Fraction(0)] * n
    for i in range(n - 1, -1, -1):
        x[i] = (A[i][n] - sum(A[i][j] * x[j] for j in range(i + 1, n))) / A[i][i]
    return np.array([float(v) for v in x])


@pytest.mark.parametrize("alpha", [1e-2, 1e-6, 1e-7])
def test_refined_solves_against_the_exact_solution(alpha):
    """cond(W) = 1e6 .. 1e12: one refinement step with the doubled residual multiplies the error
    by about eps cond(W) (down to eps), in the compiled solve and in DenseLU (LAPACK); the plain
    solve stays at about eps cond."""
    n = 4
    errs = {"plain": 0.0, "compiled": 0.0, "lapack": 0.0}
    for _ in range(20):
        J, W = _ill_conditioned(n, alpha)
        b = RNG.standard_normal(n)
        x = _exact_solve(J, alpha, b)
        LU, piv = W.copy(), np.empty(n, dtype=np.int64)
        assert lu_factor(LU, piv)
        plain = b.copy()
        lu_solve(LU, piv, plain)
        refined = b.copy()
        lu_solve_refined(LU, piv, J, alpha, refined, np.empty(n))
        ls = DenseLU()
        assert ls.update(alpha, J)
        for k, v in (("plain", plain), ("compiled", refined), ("lapack", ls.solve_refined(b))):
            errs[k] = max(errs[k], np.abs(v - x).max() / np.abs(x).max())
    cond = np.linalg.cond(W)
    eps = np.finfo(float).eps
    for k in ("compiled", "lapack"):  # one step contracts the error by about n^2 eps cond
        assert errs[k] <= n * n * eps * cond * errs["plain"] + 10 * eps, (errs, cond)
    if eps * cond > 1e-8:  # where the plain solve has lost digits, refinement recovers them
        assert errs["compiled"] < errs["plain"] / 100 and errs["lapack"] < errs["plain"] / 100


def test_e5_jacobian_keeps_the_conservation_law_exactly():
    """c^T J = 0 for c = (0, 1, -1, -1), exactly in floating point (math.fsum of the three rows
    is the exactly rounded sum), at states over thirty orders of magnitude."""
    for _ in range(2000):
        u = 10.0 ** RNG.uniform(-30, -2, 4)
        J = E5.jac(0.0, u, E5.p)
        for j in range(4):
            assert math.fsum([J[1, j], -J[2, j], -J[3, j]]) == 0.0


@njit(cache=True)
def _constant_rate(t, u, p):
    return np.array([p[0]])


@njit(cache=True)
def _zero_jacobian(t, u, p):
    return np.zeros((1, 1))


@pytest.mark.parametrize("python_loop", [False, True], ids=["compiled", "python"])
def test_state_update_is_compensated(python_loop):
    """u' = 0.1, u(0) = 1 with 10240 fixed steps of 2^-10 to t = 10: u(10) = 2 exactly; the
    increments (0.1 h, below the last bit of u) would be rounded away one by one in a plain sum,
    the compensated sum keeps them."""
    h = 2.0 ** -10
    kw = {"tstops": [5.0]} if python_loop else {}
    s = solve(_constant_rate, (0.0, 10.0), np.array([1.0]), np.array([0.1]), method="Rodas4",
              jac=_zero_jacobian, adaptive=False, dt=h, dense=False, **kw)
    assert s.success and s.t[-1] == 10.0
    ulp = np.spacing(2.0)
    assert abs(s.u[-1, 0] - 2.0) <= 2 * ulp
    plain = 1.0
    for _ in range(10240):  # the same increments, summed plainly
        plain += 0.1 * h
    assert abs(plain - 2.0) > 20 * ulp


def test_e5_through_the_python_loop_is_right_as_well():
    """tstops send Rodas5 through the Python loop (LAPACK LU, DenseLU.solve_refined): E5 at
    rtol 1e-6, atol 1e-30 is right there too (the criterion of tests/test_bari.py)."""
    s = solve(E5.f, E5.tspan, E5.u0, E5.p, method="Rodas5", rtol=1e-6, atol=1e-30, jac=E5.jac,
              tstops=[1e3], max_steps=100_000, dense=False)
    assert s.success
    assert bari_error("E5", s.u[-1]) <= 1e-3
