"""Uncertainty programming (sciml_lib.uq) against jax.jacfwd, finite differences, exact rationals,
mpmath interval arithmetic, Monte Carlo and closed-form expectations."""

import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sciml_lib.ad.forward import Dual
from sciml_lib.ode import solve
from sciml_lib.problems import FITZHUGH_NAGUMO, harmonic_rhs
from sciml_lib.problems.small import fitzhugh_nagumo_components, pendulum_components
from sciml_lib.uq import (
    Interval,
    Normal,
    covariance_matrix,
    interval_euler,
    koopman_expectation,
    mc_expectation,
    nominal_values,
    probints,
    propagate,
    solve_fixed,
    std_devs,
)

iv = mpmath.iv

jax.config.update("jax_enable_x64", True)


# ----------------------------------------------------------------------------- linear propagation
def _f_np(x):
    return np.array(
        [np.sin(x[0]) * x[1] ** 2, np.exp(0.3 * x[2]) / (1.0 + x[0] ** 2), x[0] * x[1] * x[2]]
    )


def _f_jax(x):
    return jnp.array(
        [jnp.sin(x[0]) * x[1] ** 2, jnp.exp(0.3 * x[2]) / (1.0 + x[0] ** 2), x[0] * x[1] * x[2]]
    )


def test_propagate_matches_jax_jacfwd():
    rng = np.random.default_rng(1)
    mu = rng.normal(size=3)
    B = rng.normal(size=(3, 3))
    S = B @ B.T + 0.1 * np.eye(3)
    m, C = propagate(_f_np, mu, S)
    J = np.asarray(jax.jacfwd(_f_jax)(jnp.asarray(mu)))
    np.testing.assert_allclose(m, np.asarray(_f_jax(jnp.asarray(mu))), rtol=1e-13)
    np.testing.assert_allclose(C, J @ S @ J.T, rtol=1e-11, atol=1e-13)


def test_propagate_exact_for_affine_maps():
    rng = np.random.default_rng(2)
    A, c = rng.normal(size=(4, 3)), rng.normal(size=4)
    mu, B = rng.normal(size=3), rng.normal(size=(3, 3))
    S = B @ B.T
    m, C = propagate(lambda x: A @ x + c, mu, S)
    np.testing.assert_allclose(m, A @ mu + c, rtol=1e-13)
    np.testing.assert_allclose(C, A @ S @ A.T, rtol=1e-12)
    # a scalar output gives a 1 x 1 covariance: Var(a.x) = a S a
    m1, C1 = propagate(lambda x: 2.0 * x[0] - x[2], mu, S)
    a = np.array([2.0, 0.0, -1.0])
    assert m1.shape == (1,) and C1.shape == (1, 1)
    assert C1[0, 0] == pytest.approx(a @ S @ a, rel=1e-12)


def test_propagate_bad_input():
    S = np.eye(2)
    with pytest.raises(TypeError, match="f"):
        propagate(3.0, [0.0, 0.0], S)
    with pytest.raises(ValueError, match="mean"):
        propagate(lambda x: x, [[0.0, 0.0]], S)
    with pytest.raises(ValueError, match="cov"):
        propagate(lambda x: x, [0.0, 0.0], np.eye(3))
    with pytest.raises(ValueError, match="cov"):
        propagate(lambda x: x, [0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match="cov"):
        propagate(lambda x: x, [0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]])


def test_normal_arithmetic_matches_jacfwd_covariance():
    mu, s = np.array([0.7, -1.3, 0.4]), np.array([0.05, 0.2, 0.1])
    x = [Normal(m, sd) for m, sd in zip(mu, s)]
    y = [np.sin(x[0]) * x[1] ** 2, (0.3 * x[2]).exp() / (1.0 + x[0] ** 2), x[0] * x[1] * x[2]]
    J = np.asarray(jax.jacfwd(_f_jax)(jnp.asarray(mu)))
    C = J @ np.diag(s**2) @ J.T
    np.testing.assert_allclose(nominal_values(y), _f_np(mu), rtol=1e-14)
    np.testing.assert_allclose(covariance_matrix(y), C, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(std_devs(y), np.sqrt(np.diag(C)), rtol=1e-12)
    assert y[2].derivative(x[1]) == pytest.approx(J[2, 1], rel=1e-13)


def test_normal_correlations_and_rules():
    x = Normal(2.0, 0.1)
    assert (x - x).std == 0.0  # correlated with itself
    assert (x + x).std == pytest.approx(0.2)  # not sqrt(2) * 0.1
    assert (3.0 * x + 1.0).std == pytest.approx(0.3)  # alpha N(a, b) = N(alpha a, |alpha| b)
    assert (-3.0 * x).std == pytest.approx(0.3)
    y = Normal(1.0, 0.2)
    assert (x + y).std == pytest.approx(math.hypot(0.1, 0.2))
    assert (x / y).std == pytest.approx(math.hypot(0.1 / 1.0, 2.0 * 0.2), rel=1e-12)
    assert (x**y).mean == pytest.approx(2.0)
    assert (2.0**x).std == pytest.approx(math.log(2) * 4.0 * 0.1)
    assert (x**0).std == 0.0 and (1.0 - x).mean == -1.0 and abs(-x).mean == 2.0
    assert x > 1.0 and x < y + 5 and x >= 2.0 and x <= 2.0


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh"]
)
def test_normal_elementary_derivatives_match_dual(name):
    x = Normal(0.8, 0.01)
    y = getattr(np, name)(x)
    d = getattr(Dual(0.8, 1.0), name)()
    assert y.mean == pytest.approx(float(d.value), rel=1e-15)
    assert y.derivative(x) == pytest.approx(float(d.partials[0]), rel=1e-14)


def test_normal_bad_input():
    with pytest.raises(ValueError, match="std"):
        Normal(1.0, -0.1)
    with pytest.raises(TypeError, match="mean"):
        Normal(float("nan"), 0.1)
    with pytest.raises(TypeError, match="mean"):
        Normal("1", 0.1)
    with pytest.raises(ValueError, match="x"):
        Normal(1.0, 0.1).derivative(Normal(1.0, 0.1) + Normal(2.0, 0.1))
    with pytest.raises(TypeError, match="other"):
        Normal(1.0, 0.1).covariance(1.0)


PEND_P = (9.79, 1.00)
PEND_U0 = (0.0, np.pi / 3)
PEND_S = np.array([0.02, 0.01, 0.02])


def _theta_end(g, L, w0, dt=0.01):
    t, u = solve_fixed(pendulum_components, (0.0, 6.3), [0.0, w0], [g, L], dt=dt)
    return u[-1, 0]


def test_normal_through_630_rk4_steps_equals_finite_differences():
    g, L, w = (
        Normal(PEND_P[0], PEND_S[0]),
        Normal(PEND_P[1], PEND_S[1]),
        Normal(PEND_U0[1], PEND_S[2]),
    )
    th = _theta_end(g, L, w)
    x0 = np.array([PEND_P[0], PEND_P[1], PEND_U0[1]])
    J = []
    for i in range(3):
        h = 1e-5 * x0[i]
        xp, xm = x0.copy(), x0.copy()
        xp[i] += h
        xm[i] -= h
        J.append((_theta_end(*xp) - _theta_end(*xm)) / (2 * h))
    sd_fd = float(np.sqrt(np.sum((np.array(J) * PEND_S) ** 2)))
    assert th.mean == pytest.approx(float(_theta_end(*x0)), rel=1e-13)
    assert th.std == pytest.approx(sd_fd, rel=1e-6)


def test_normal_std_matches_monte_carlo_on_pendulum():
    rng = np.random.default_rng(3)
    n = 20_000
    X = rng.normal(size=(n, 3)) * PEND_S + np.array([PEND_P[0], PEND_P[1], PEND_U0[1]])
    th_mc = _theta_end(X[:, 0], X[:, 1], X[:, 2])  # the same loop on NumPy arrays
    th = _theta_end(
        Normal(PEND_P[0], PEND_S[0]), Normal(PEND_P[1], PEND_S[1]), Normal(PEND_U0[1], PEND_S[2])
    )
    assert th.std == pytest.approx(np.std(th_mc), rel=0.03)


def test_solve_fixed_rk4_order_and_bad_input():
    errs = []
    for dt in (0.1, 0.05):
        t, u = solve_fixed(lambda t, u, p: (-u[0] + np.sin(t),), (0.0, 1.0), [1.0], dt=dt)
        exact = 1.5 * np.exp(-1.0) + 0.5 * (np.sin(1.0) - np.cos(1.0))
        errs.append(abs(u[-1, 0] - exact))
    assert np.log2(errs[0] / errs[1]) == pytest.approx(4.0, abs=0.2)
    with pytest.raises(ValueError, match="dt"):
        solve_fixed(lambda t, u, p: (u[0],), (0.0, 1.0), [1.0], dt=0.3)
    with pytest.raises(ValueError, match="dt"):
        solve_fixed(lambda t, u, p: (u[0],), (0.0, 1.0), [1.0], dt=-0.1)
    with pytest.raises(ValueError, match="tspan"):
        solve_fixed(lambda t, u, p: (u[0],), (1.0, 0.0), [1.0], dt=0.1)
    with pytest.raises(TypeError, match="f"):
        solve_fixed(None, (0.0, 1.0), [1.0], dt=0.1)


def test_solve_fixed_save_every_and_generic_types():
    f = pendulum_components
    t1, u1 = solve_fixed(f, (0.0, 1.0), [0.0, 1.0], [9.8, 1.0], dt=0.01)
    t5, u5 = solve_fixed(f, (0.0, 1.0), [0.0, 1.0], [9.8, 1.0], dt=0.01, save_every=30)
    np.testing.assert_allclose(t5, [0.0, 0.3, 0.6, 0.9, 1.0], atol=1e-12)
    np.testing.assert_array_equal(u5.astype(float), u1[[0, 30, 60, 90, 100]].astype(float))
    # the same loop on dual numbers gives the derivative that the Normal type carries
    _, ud = solve_fixed(f, (0.0, 1.0), [0.0, Dual(1.0, 1.0)], [9.8, 1.0], dt=0.01)
    w = Normal(1.0, 0.5)
    _, un = solve_fixed(f, (0.0, 1.0), [0.0, w], [9.8, 1.0], dt=0.01)
    assert un[-1, 0].derivative(w) == pytest.approx(float(ud[-1, 0].partials[0]), rel=1e-12)
    with pytest.raises(ValueError, match="save_every"):
        solve_fixed(f, (0.0, 1.0), [0.0, 1.0], [9.8, 1.0], dt=0.01, save_every=0)


# ----------------------------------------------------------------------------- intervals
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def intervals(draw, lo_min=-1e6, hi_max=1e6):
    a = draw(st.floats(min_value=lo_min, max_value=hi_max, allow_nan=False))
    b = draw(st.floats(min_value=lo_min, max_value=hi_max, allow_nan=False))
    return Interval(min(a, b), max(a, b))


def _contains_exact(X, lo, hi):
    lo_ok = X.lo == -math.inf or Fraction(X.lo) <= lo
    hi_ok = X.hi == math.inf or hi <= Fraction(X.hi)
    return lo_ok and hi_ok


@settings(max_examples=150, deadline=None)
@given(intervals(), intervals())
def test_interval_arithmetic_encloses_exact_rationals(X, Y):
    xs, ys = (Fraction(X.lo), Fraction(X.hi)), (Fraction(Y.lo), Fraction(Y.hi))
    assert _contains_exact(X + Y, xs[0] + ys[0], xs[1] + ys[1])
    assert _contains_exact(X - Y, xs[0] - ys[1], xs[1] - ys[0])
    prods = [a * b for a in xs for b in ys]
    assert _contains_exact(X * Y, min(prods), max(prods))
    if not (Y.lo <= 0 <= Y.hi):
        quots = [a / b for a in xs for b in ys]
        assert _contains_exact(X / Y, min(quots), max(quots))
    else:
        assert (X / Y).lo == -math.inf and (X / Y).hi == math.inf


@settings(max_examples=150, deadline=None)
@given(intervals(-1e3, 1e3), st.integers(min_value=-4, max_value=7))
def test_interval_integer_powers_enclose_exact_range(X, n):
    if n < 0 and X.lo <= 0 <= X.hi:
        return
    xs = [Fraction(X.lo), Fraction(X.hi)] + ([Fraction(0)] if X.lo < 0 < X.hi else [])
    vals = [x**n for x in xs]  # the extremes of x^n are at the ends or at 0
    P = X**n
    assert _contains_exact(P, min(vals), max(vals))
    if n == 2 and X.lo < 0 < X.hi:
        assert P.lo == 0.0  # the case analysis, not X * X
        assert (X * X).lo < 0.0


def _mp_iv(X):
    return iv.mpf([X.lo, X.hi])


def _inside(mine, ref):
    return mpmath.mpf(mine.lo) <= ref.a and ref.b <= mpmath.mpf(mine.hi)


@settings(max_examples=120, deadline=None)
@given(intervals(-50.0, 50.0))
def test_interval_elementary_functions_enclose_mpmath_iv(X):
    with mpmath.workprec(120):
        R = _mp_iv(X)
        assert _inside(X.sin(), iv.sin(R))
        assert _inside(X.cos(), iv.cos(R))
        assert _inside(X.exp(), iv.exp(R))
        if X.lo > 0:
            assert _inside(X.log(), iv.log(R))
            assert _inside(X.sqrt(), iv.sqrt(R))
            for e in (0.5, 1.5, -0.7):
                assert _inside(X**e, R ** iv.mpf(e))
        assert _inside(X**2, R**2)
        assert _inside(X**3, R**3)


@settings(max_examples=100, deadline=None)
@given(intervals(-20.0, 20.0), st.floats(0.0, 1.0))
def test_interval_functions_contain_high_precision_point_values(X, s):
    x = X.lo + s * (X.hi - X.lo)
    x = min(max(x, X.lo), X.hi)
    with mpmath.workprec(120):
        mx = mpmath.mpf(x)
        for name, fn in (("sin", mpmath.sin), ("cos", mpmath.cos), ("exp", mpmath.exp)):
            Y = getattr(X, name)()
            assert Y.lo <= fn(mx) <= Y.hi


def test_interval_decimal_strings_are_rounded_outward():
    X = Interval("0.1", "0.2")
    assert Fraction(X.lo) < Fraction(1, 10) and Fraction(X.hi) > Fraction(2, 10)
    assert Fraction(1, 10) in X and Fraction(2, 10) in X
    assert 0.15 in X and Interval(0.12, 0.13) in X


def test_root_exclusion_x2_minus_2():
    H = Interval(3, 4) ** 2 - 2
    assert 0.0 not in H and H.lo <= 7 and H.hi >= 14
    assert 0.0 in (Interval(1, 2) ** 2 - 2)  # sqrt(2) in [1, 2]: no exclusion


def test_interval_bad_input():
    with pytest.raises(ValueError, match="lo"):
        Interval(2.0, 1.0)
    with pytest.raises(ValueError, match="lo"):
        Interval(float("nan"), 1.0)
    with pytest.raises(TypeError, match="hi"):
        Interval(0.0, 1j)
    with pytest.raises(ValueError, match="hi"):
        Interval(0.0, "abc")
    with pytest.raises(ValueError, match="lo"):
        Interval(-1.0, 1.0).sqrt()
    with pytest.raises(ValueError, match="lo"):
        Interval(-1.0, 1.0).log()
    with pytest.raises(ValueError, match="lo"):
        Interval(-1.0, 1.0) ** 0.5
    with pytest.raises(TypeError, match="u0"):
        interval_euler(pendulum_components, (0.0, 1.0), [object(), 1.0], [9.8, 1.0], dt=0.1)


def test_interval_euler_pendulum_encloses_point_euler_and_matches_mpmath():
    u0 = [0.0, (np.pi / 3 - 0.02, np.pi / 3 + 0.02)]
    p = [(9.77, 9.81), (0.99, 1.01)]
    t, lo, hi = interval_euler(pendulum_components, (0.0, 6.3), u0, p, dt=0.1)
    assert len(t) == 64
    # mpmath interval Euler with the same expression order, 53 bits
    with mpmath.workprec(53):
        x, v = iv.mpf([0, 0]), iv.mpf([np.pi / 3 - 0.02, np.pi / 3 + 0.02])
        G, L = iv.mpf([9.77, 9.81]), iv.mpf([0.99, 1.01])
        for _ in range(63):
            x, v = x + 0.1 * v, v + 0.1 * (-(G / L) * iv.sin(x))
        ref = [(float(x.a), float(x.b)), (float(v.a), float(v.b))]
    for k in range(2):
        assert lo[-1, k] == pytest.approx(ref[k][0], rel=1e-6)
        assert hi[-1, k] == pytest.approx(ref[k][1], rel=1e-6)
    # every Euler trajectory from a corner of the boxes, in 100-digit arithmetic, lies inside
    with mpmath.workdps(40):
        for g_ in (9.77, 9.81):
            for L_ in (0.99, 1.01):
                for w in (np.pi / 3 - 0.02, np.pi / 3 + 0.02):
                    x, v = mpmath.mpf(0), mpmath.mpf(w)
                    for n in range(63):
                        x, v = x + mpmath.mpf(0.1) * v, v - mpmath.mpf(0.1) * (
                            mpmath.mpf(g_) / L_
                        ) * mpmath.sin(x)
                        assert (
                            lo[n + 1, 0] <= x <= hi[n + 1, 0] and lo[n + 1, 1] <= v <= hi[n + 1, 1]
                        )
    # degenerate inputs stay tight and contain the float Euler solution
    t, lo, hi = interval_euler(
        pendulum_components, (0.0, 1.0), [0.0, np.pi / 3], [9.8, 1.0], dt=0.001
    )
    _, uf = solve_fixed(
        pendulum_components, (0.0, 1.0), [0.0, np.pi / 3], [9.8, 1.0], dt=0.001, method="Euler"
    )
    uf = uf.astype(float)
    assert np.all(lo <= uf) and np.all(uf <= hi)
    assert np.max(hi - lo) < 1e-9


# ----------------------------------------------------------------------------- ProbInts
FHN_P = np.array(FITZHUGH_NAGUMO.p)


@pytest.mark.parametrize("order", [None, 5])
def test_probints_spread_shrinks_with_tolerance(order):
    spreads = []
    for rtol, atol in ((1e-2, 1e-4), (1e-4, 1e-6), (1e-7, 1e-9)):
        r = probints(
            fitzhugh_nagumo_components,
            FITZHUGH_NAGUMO.tspan,
            FITZHUGH_NAGUMO.u0,
            FHN_P,
            n_traj=40,
            order=order,
            rtol=rtol,
            atol=atol,
            rng=5,
        )
        assert r.success and r.u.shape == (40, 201, 2) and np.all(np.isfinite(r.u))
        spreads.append(float(np.max(r.spread)))
    assert spreads[0] > 3 * spreads[1] > 9 * spreads[2]


def test_probints_mean_tracks_the_reference_solution_at_tight_tolerance():
    r = probints(
        fitzhugh_nagumo_components,
        FITZHUGH_NAGUMO.tspan,
        FITZHUGH_NAGUMO.u0,
        FHN_P,
        n_traj=20,
        rtol=1e-8,
        atol=1e-10,
        rng=0,
        method="DP5",
    )
    ref = solve(
        FITZHUGH_NAGUMO.f,
        FITZHUGH_NAGUMO.tspan,
        FITZHUGH_NAGUMO.u0,
        FHN_P,
        rtol=1e-11,
        atol=1e-13,
        saveat=r.t,
    )
    assert np.max(np.abs(r.u.mean(axis=0) - ref.u)) < 1e-4
    assert r.n_rejected.sum() >= 0 and r.n_steps.min() > 50
    lin = probints(
        fitzhugh_nagumo_components,
        FITZHUGH_NAGUMO.tspan,
        FITZHUGH_NAGUMO.u0,
        FHN_P,
        n_traj=20,
        rtol=1e-8,
        atol=1e-10,
        rng=0,
        method="DP5",
        interpolation="linear",
    )
    np.testing.assert_array_equal(lin.u[:, -1], r.u[:, -1])  # same trajectories, same end points
    assert np.max(np.abs(lin.u.mean(axis=0) - ref.u)) < 0.05


def test_probints_bad_input():
    args = (fitzhugh_nagumo_components, (0.0, 1.0), [-1.0, 1.0], FHN_P)
    with pytest.raises(ValueError, match="method"):
        probints(*args, method="RK4")
    with pytest.raises(ValueError, match="n_traj"):
        probints(*args, n_traj=0)
    with pytest.raises(ValueError, match="order"):
        probints(*args, order=0)
    with pytest.raises(ValueError, match="interpolation"):
        probints(*args, interpolation="spline")
    with pytest.raises(ValueError, match="tspan"):
        probints(fitzhugh_nagumo_components, (1.0, 0.0), [-1.0, 1.0], FHN_P)
    with pytest.raises(ValueError, match="f"):
        probints(lambda t, u, p: u[:1], (0.0, 1.0), [-1.0, 1.0], FHN_P)


# ----------------------------------------------------------------------------- Koopman expectation
T_END = 10.0


def _harmonic_end(w, x0=1.0):
    sol = solve(
        harmonic_rhs,
        (0.0, T_END),
        np.array([x0, 0.0]),
        np.array([w]),
        method="Vern7",
        rtol=1e-11,
        atol=1e-13,
    )
    return sol.u[-1]


def test_koopman_expectation_matches_closed_forms():
    mu, sig = 1.0, 0.1
    exact = math.cos(mu * T_END) * math.exp(
        -0.5 * (sig * T_END) ** 2
    )  # E[cos(w T)], w ~ N(mu, sig^2)
    g = lambda u: u[0]  # noqa: E731
    r = koopman_expectation(g, _harmonic_end, stats.norm(mu, sig), n_nodes=16)
    assert r.value == pytest.approx(exact, rel=1e-6) and r.n_solves == 24
    r = koopman_expectation(g, _harmonic_end, stats.norm(mu, sig), rule="quad")
    assert r.value == pytest.approx(exact, rel=1e-6)
    a, b = 0.8, 1.2  # w ~ U(a, b): E[cos(w T)] = (sin(bT) - sin(aT)) / (T (b - a))
    exact_u = (math.sin(b * T_END) - math.sin(a * T_END)) / (T_END * (b - a))
    r = koopman_expectation(g, _harmonic_end, stats.uniform(a, b - a), n_nodes=20)
    assert r.value == pytest.approx(exact_u, rel=1e-6)
    # two inputs: x0 ~ N(1, 0.1^2) independent of w: E[x0 cos(w T)] = 1 * exact
    r = koopman_expectation(
        g,
        lambda x: _harmonic_end(x[1], x0=x[0]),
        [stats.norm(1.0, 0.1), stats.norm(mu, sig)],
        n_nodes=12,
    )
    assert r.value == pytest.approx(exact, rel=1e-6) and r.n_solves == 144 + 36


def test_mc_expectation_is_within_its_standard_error():
    mu, sig = 1.0, 0.1
    exact = math.cos(mu * T_END) * math.exp(-0.5 * (sig * T_END) ** 2)
    r = mc_expectation(lambda u: u[0], _harmonic_end, stats.norm(mu, sig), 400, rng=0)
    assert r.n_solves == 400 and abs(r.value - exact) < 4 * r.error
    assert 0.1 / math.sqrt(400) < r.error < 1.0 / math.sqrt(400)


def test_expectation_bad_input():
    d = stats.norm(1.0, 0.1)
    with pytest.raises(TypeError, match="g"):
        koopman_expectation(1.0, _harmonic_end, d)
    with pytest.raises(TypeError, match="solve_fn"):
        mc_expectation(lambda u: u, None, d, 10)
    with pytest.raises(TypeError, match="dist"):
        koopman_expectation(lambda u: u[0], _harmonic_end, 3.0)
    with pytest.raises(ValueError, match="rule"):
        koopman_expectation(lambda u: u[0], _harmonic_end, d, rule="simpson")
    with pytest.raises(ValueError, match="n_nodes"):
        koopman_expectation(lambda u: u[0], _harmonic_end, d, n_nodes=1)
    with pytest.raises(ValueError, match="n"):
        mc_expectation(lambda u: u[0], _harmonic_end, d, 1)
