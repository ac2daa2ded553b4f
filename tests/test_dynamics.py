"""Tests of sciml_lib.dynamics against analytic results and independent oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from sciml_lib.dynamics import (
    LORENZ_MAP_PARAMS,
    R_INFINITY,
    attractor,
    bifurcation_diagram,
    classify_fixed_point,
    companion_matrix,
    fixed_point_iteration,
    fixed_point_stability,
    iterate,
    linear_map_is_stable,
    logistic,
    logistic_fixed_point,
    logistic_period2,
    lorenz_euler_into,
    lorenz_euler_list,
    lorenz_euler_matrix,
    lorenz_euler_swap,
    lorenz_euler_tuple,
    lorenz_euler_tuple_end,
    lorenz_euler_views,
    lorenz_step,
    lorenz_step_inplace,
    lorenz_step_tuple,
    lyapunov_exponent,
    lyapunov_exponents,
    numerical_jacobian,
    spectral_radius,
)

RS = 2.9 + 0.001 * np.arange(1101)  # r = 2.9:0.001:4


def _period2_roots(r: float) -> np.ndarray:
    """Oracle: roots of f(f(x)) - x that are not fixed points, from numpy.roots."""
    f = np.polynomial.Polynomial([0.0, r, -r])  # r x - r x^2
    g = f(f) - np.polynomial.Polynomial([0.0, 1.0])
    roots = np.sort(np.real(g.roots()[np.abs(np.imag(g.roots())) < 1e-9]))
    fixed = [0.0, 1 - 1 / r]
    return np.array([x for x in roots if min(abs(x - y) for y in fixed) > 1e-6])


# --- logistic map -------------------------------------------------------------


def test_attractor_fixed_point_r29():
    a = attractor(2.9)
    assert a.shape == (150,)
    np.testing.assert_allclose(a, 0.6551724137931034, atol=1e-12)
    assert abs(logistic_fixed_point(2.9) - 19 / 29) < 1e-15


def test_attractor_period2_r32():
    a = attractor(3.2)
    oracle = _period2_roots(3.2)
    assert oracle.size == 2
    np.testing.assert_allclose(np.sort(np.unique(np.round(a, 10))), oracle, atol=1e-9)
    np.testing.assert_allclose(logistic_period2(3.2), oracle, atol=1e-12)
    # alternates between the two points
    assert abs(a[0] - a[2]) < 1e-12 and abs(a[0] - a[1]) > 0.2


def test_attractor_period4_r35_and_chaos():
    assert len(np.unique(np.round(attractor(3.5, warmup=2000), 8))) == 4
    assert len(np.unique(np.round(attractor(3.9), 8))) > 100


def test_attractor_writes_into_strided_column():
    M = np.zeros((150, 3))
    col = M[:, 1]
    out = attractor(2.9, out=col)
    assert out is col
    np.testing.assert_allclose(M[:, 1], 1 - 1 / 2.9, atol=1e-12)
    assert np.all(M[:, 0] == 0) and np.all(M[:, 2] == 0)


def test_attractor_matches_python_loop():
    x = 0.25
    for _ in range(400):
        x = 3.7 * x * (1 - x)
    ref = []
    for _ in range(150):
        x = 3.7 * x * (1 - x)
        ref.append(x)
    np.testing.assert_array_equal(attractor(3.7), ref)
    assert logistic(0.25, 3.7) == 3.7 * 0.25 * 0.75


def test_bifurcation_backends_bit_identical():
    serial = bifurcation_diagram(RS)
    par = bifurcation_diagram(RS, backend="prange")
    proc = bifurcation_diagram(RS, backend="processes", chunks=5)
    thr = bifurcation_diagram(RS, backend="threads", chunks=3)
    np.testing.assert_array_equal(serial, thr)
    assert serial.shape == (150, 1101)
    np.testing.assert_array_equal(serial, par)
    np.testing.assert_array_equal(serial, proc)
    np.testing.assert_allclose(serial[:, 0], 0.655172, atol=1e-6)
    j = 300  # r = 3.2
    np.testing.assert_array_equal(serial[:, j], attractor(RS[j]))


def test_bifurcation_branches_follow_analytic_curves():
    rs = np.linspace(2.9, 2.98, 9)
    d = bifurcation_diagram(rs, warmup=5000)
    np.testing.assert_allclose(d[-1], 1 - 1 / rs, atol=1e-6)
    rs2 = np.linspace(3.1, 3.4, 7)
    d2 = bifurcation_diagram(rs2, warmup=2000)
    for j, r in enumerate(rs2):
        lo, hi = _period2_roots(r)
        np.testing.assert_allclose([d2[:, j].min(), d2[:, j].max()], [lo, hi], atol=1e-8)


@pytest.mark.parametrize("bad", [4.1, -0.1, np.nan])
def test_logistic_bad_r(bad):
    with pytest.raises(ValueError, match="r"):
        attractor(bad)
    with pytest.raises(ValueError, match="rs"):
        bifurcation_diagram([3.0, bad])


@pytest.mark.parametrize("kw", [{"n": 0}, {"n": -5}, {"warmup": -1}, {"x0": 1.5}])
def test_logistic_bad_counts(kw):
    with pytest.raises(ValueError):
        attractor(3.0, **kw)
    with pytest.raises(ValueError):
        bifurcation_diagram([3.0], **kw)


def test_logistic_bad_types_and_backend():
    with pytest.raises(TypeError, match="n"):
        attractor(3.0, n=1.5)
    with pytest.raises(ValueError, match="backend"):
        bifurcation_diagram([3.0], backend="gpu")
    with pytest.raises(ValueError, match="out"):
        attractor(3.0, out=np.empty(10))
    with pytest.raises(ValueError):
        logistic_period2(2.9)


def test_lyapunov_known_values():
    assert abs(lyapunov_exponent(4.0, x0=0.3) - math.log(2)) < 0.01
    assert abs(lyapunov_exponent(2.9) - math.log(0.9)) < 1e-6  # ln|f'(x*)| = ln|2 - r|
    lo, hi = _period2_roots(3.2)
    lam2 = 0.5 * math.log(abs(3.2 * (1 - 2 * lo) * 3.2 * (1 - 2 * hi)))
    assert abs(lyapunov_exponent(3.2) - lam2) < 1e-6
    lam = lyapunov_exponents([3.83, 3.9])
    assert lam[0] < 0 < lam[1]  # period-3 window vs chaos
    assert 3.56 < R_INFINITY < 3.57


# --- generic iteration --------------------------------------------------------


@njit
def _quick(u, p):
    return u * u - p * u


@njit
def _linear(u, A):
    out = np.zeros(u.shape[0])
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[i] += A[i, j] * u[j]
    return out


@njit
def _henon_tuple(u, p):
    return (1.0 - p[0] * u[0] * u[0] + u[1], p[1] * u[0])


def test_iterate_quick_check():
    for u0 in (1.0, 1.1, 1.22):
        assert abs(iterate(_quick, u0, 0.25, 1000)[-1]) < 1e-300
    assert np.all(iterate(_quick, 1.25, 0.25, 1000) == 1.25)
    # The notes' "20 steps" keep 20 states (u0 and 19 steps): Inf, then Inf - Inf = NaN.
    orbit = iterate(_quick, 1.251, 0.25, 1000)
    assert np.isinf(orbit[19]) and np.all(np.isfinite(orbit[:19]))
    assert np.isnan(orbit[20]) and np.isnan(orbit[-1])


def test_iterate_array_state_is_matrix_power():
    rng = np.random.default_rng(1)
    A = 0.3 * rng.standard_normal((3, 3))
    u0 = rng.standard_normal(3)
    orbit = iterate(_linear, u0, A, 10)
    assert orbit.shape == (11, 3)
    for k in (0, 1, 5, 10):
        np.testing.assert_allclose(orbit[k], np.linalg.matrix_power(A, k) @ u0, rtol=1e-12, atol=1e-14)


def test_iterate_tuple_state():
    orbit = iterate(_henon_tuple, (0.1, 0.0), (1.4, 0.3), 5)
    x, y = 0.1, 0.0
    for k in range(5):
        x, y = 1 - 1.4 * x * x + y, 0.3 * x
        assert orbit[k + 1, 0] == x and orbit[k + 1, 1] == y


def test_iterate_errors():
    with pytest.raises(TypeError, match="f"):
        iterate(lambda u, p: u, 1.0, None, 3)
    with pytest.raises(ValueError, match="n"):
        iterate(_quick, 1.0, 0.25, 0)
    with pytest.raises(ValueError, match="u0"):
        iterate(_linear, np.ones((2, 2)), np.eye(2), 3)


# --- stability ----------------------------------------------------------------


def test_classify_scalar_and_matrix():
    assert classify_fixed_point(2 - 2.5) == "attracting"  # logistic r=2.5
    assert classify_fixed_point(2 - 3.2) == "repelling"
    assert classify_fixed_point(2 - 3.0) == "non-hyperbolic"
    th = 0.7
    rot = 0.9 * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    assert classify_fixed_point(rot) == "attracting"
    assert classify_fixed_point(rot / 0.9) == "non-hyperbolic"
    assert classify_fixed_point(np.diag([0.5, 1.5])) == "repelling"
    assert abs(spectral_radius(rot) - 0.9) < 1e-14
    with pytest.raises(ValueError):
        spectral_radius(np.ones((2, 3)))


def test_fixed_point_stability_logistic_and_quick_check():
    f = lambda x, r: r * x * (1 - x)  # noqa: E731
    assert fixed_point_stability(f, 0.6, 2.5) == "attracting"
    assert fixed_point_stability(f, 1 - 1 / 3.2, 3.2) == "repelling"
    assert fixed_point_stability(f, 0.0, 0.5) == "attracting"
    assert fixed_point_stability(f, 0.0, 2.0) == "repelling"
    q = lambda u, p: u * u - p * u  # noqa: E731  f' = 2u - p
    assert fixed_point_stability(q, 0.0, 0.25) == "attracting"
    assert fixed_point_stability(q, 1.25, 0.25) == "repelling"
    with pytest.raises(ValueError, match="fixed point"):
        fixed_point_stability(f, 0.5, 2.5)


def test_henon_fixed_points_jacobian_vs_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    a, b = 1.4, 0.3
    henon = lambda u, p: np.array([1 - a * u[0] ** 2 + u[1], b * u[0]])  # noqa: E731
    henon_j = lambda u: jnp.array([1 - a * u[0] ** 2 + u[1], b * u[0]])  # noqa: E731
    for s in (1, -1):
        x = (-(1 - b) + s * math.sqrt((1 - b) ** 2 + 4 * a)) / (2 * a)
        u = np.array([x, b * x])
        J = numerical_jacobian(henon, u)
        np.testing.assert_allclose(J, np.asarray(jax.jacfwd(henon_j)(jnp.asarray(u))), atol=1e-8)
        assert fixed_point_stability(henon, u) == "repelling"  # both are saddles


def test_fixed_point_iteration_banach():
    res = fixed_point_iteration(lambda x, p: math.cos(x), 1.0)
    assert res.success and abs(res.x - 0.7390851332151607) < 1e-11  # the Dottie number
    res = fixed_point_iteration(lambda u, p: p @ u + 1.0, np.zeros(2), p=np.array([[0.5, 0.1], [0.0, 0.4]]))
    np.testing.assert_allclose(res.x, np.linalg.solve(np.eye(2) - [[0.5, 0.1], [0.0, 0.4]], [1.0, 1.0]), atol=1e-10)
    bad = fixed_point_iteration(lambda x, p: x * x, 2.0)
    assert not bad.success and "diverged" in bad.message
    slow = fixed_point_iteration(lambda x, p: -x, 1.0, maxiter=50)
    assert not slow.success and "maxiter" in slow.message


def test_companion_matrix_roots_and_recurrence():
    alphas = [0.5, 0.3, -0.2]
    A = companion_matrix(alphas)
    lam = np.sort_complex(np.linalg.eigvals(A))
    oracle = np.sort_complex(np.roots([1.0, -0.5, -0.3, 0.2]))
    np.testing.assert_allclose(lam, oracle, atol=1e-12)
    # the recurrence u_{n+1} = sum_j alpha_j u_{n-j} equals the first state component
    hist = [3.0, 2.0, 1.0]  # u_0, u_1, u_2 (u_2 newest); the state is (u_2, u_1, u_0)
    state = np.array([hist[2], hist[1], hist[0]])
    for _ in range(20):
        hist.append(sum(a * hist[-1 - j] for j, a in enumerate(alphas)))
        state = A @ state
        assert abs(state[0] - hist[-1]) < 1e-12
    assert linear_map_is_stable(A) == bool(np.max(np.abs(oracle)) < 1)
    assert not linear_map_is_stable(companion_matrix([1.1]))


# --- Euler-Lorenz variants ----------------------------------------------------


def _lorenz_oracle(n: int) -> np.ndarray:
    a, s, r, b = LORENZ_MAP_PARAMS
    x, y, z = 1.0, 0.0, 0.0
    out = [(x, y, z)]
    for _ in range(n):
        x, y, z = x + a * (s * (y - x)), y + a * (x * (r - z) - y), z + a * (x * y - b * z)
        out.append((x, y, z))
    return np.array(out)


def test_lorenz_variants_agree_and_match_oracle():
    u0 = np.array([1.0, 0.0, 0.0])
    p = LORENZ_MAP_PARAMS
    n = 1000
    ref = lorenz_euler_tuple(u0, p, n)
    assert ref.shape == (n + 1, 3)
    np.testing.assert_allclose(ref[:101], _lorenz_oracle(100), rtol=1e-12, atol=1e-12)
    for other in (
        np.array(lorenz_euler_list(u0, p, n)),
        lorenz_euler_matrix(u0, p, n),
        lorenz_euler_views(u0, p, n),
        lorenz_euler_into(np.empty((n + 1, 3)), u0, p),
    ):
        np.testing.assert_array_equal(other, ref)
    np.testing.assert_array_equal(lorenz_euler_swap(u0, p, n), ref[-1])
    np.testing.assert_array_equal(np.array(lorenz_euler_tuple_end(u0, p, n)), ref[-1])
    # bounded chaotic attractor: the orbit stays in the familiar box
    assert np.all(np.abs(ref[:, :2]) < 40) and np.all((ref[:, 2] >= 0) & (ref[:, 2] < 70))


def test_lorenz_steps_consistent():
    u = np.array([1.5, -2.0, 20.0])
    p = LORENZ_MAP_PARAMS
    du = np.empty(3)
    lorenz_step_inplace(du, u, p)
    np.testing.assert_array_equal(du, lorenz_step(u, p))
    np.testing.assert_array_equal(du, np.array(lorenz_step_tuple((1.5, -2.0, 20.0), p)))
