"""Forward-mode AD (sciml_lib.ad.forward) against JAX, analytic values and SciPy."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sciml_lib.ad.forward import (
    Dual,
    complex_step,
    complex_step_jacobian,
    derivative,
    fd_jacobian,
    finite_difference,
    gradient,
    hessian_vector_product,
    jacobian,
    jvp,
    rhs_jacobian,
    rhs_jvp,
    supports_complex,
)

jax.config.update("jax_enable_x64", True)

finite = st.floats(min_value=0.2, max_value=2.0)


def g_np(x, y):
    return (
        np.sin(x * y)
        + np.exp(x) / (1.0 + y**2)
        + np.sqrt(x + y) * np.tanh(y)
        - np.log(x) * np.cos(y)
        + x**3 / y
    )


def g_jnp(x, y):
    return (
        jnp.sin(x * y)
        + jnp.exp(x) / (1.0 + y**2)
        + jnp.sqrt(x + y) * jnp.tanh(y)
        - jnp.log(x) * jnp.cos(y)
        + x**3 / y
    )


@settings(max_examples=40, deadline=None)
@given(finite, finite, st.floats(-1, 1), st.floats(-1, 1))
def test_dual_matches_jax_jvp(x, y, vx, vy):
    out = g_np(Dual(x, [vx]), Dual(y, [vy]))
    val, tan = jax.jvp(g_jnp, (x, y), (vx, vy))
    assert out.value == pytest.approx(float(val), rel=1e-13)
    assert out.partials[0] == pytest.approx(float(tan), rel=1e-11, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.1, 3.0))
def test_elementary_functions(x):
    fns = {
        "exp": (np.exp, jnp.exp),
        "log": (np.log, jnp.log),
        "sin": (np.sin, jnp.sin),
        "cos": (np.cos, jnp.cos),
        "tan": (np.tan, jnp.tan),
        "sqrt": (np.sqrt, jnp.sqrt),
        "tanh": (np.tanh, jnp.tanh),
        "abs": (np.abs, jnp.abs),
        "arctan": (np.arctan, jnp.arctan),
        "sinh": (np.sinh, jnp.sinh),
        "pow": (lambda z: z**2.5, lambda z: z**2.5),
        "ipow": (lambda z: z**7, lambda z: z**7),
        "rpow": (lambda z: 2.0**z, lambda z: 2.0**z),
        "div": (lambda z: 1.0 / z, lambda z: 1.0 / z),
    }
    for name, (fn, fj) in fns.items():
        d = fn(Dual(x, 1.0))
        assert d.value == pytest.approx(float(fj(x)), rel=1e-13), name
        assert d.partials[0] == pytest.approx(float(jax.grad(fj)(x)), rel=1e-12), name


def test_lecture_values():
    assert derivative(lambda x: 3 * x**5 + 2, 2.0) == 240.0

    def babylonian(x):
        a = x
        for _ in range(300):
            a = 0.5 * (a + x / a)
        return a

    assert derivative(babylonian, 2.0) == pytest.approx(1 / (2 * math.sqrt(2)), rel=1e-15)
    np.testing.assert_allclose(
        gradient(lambda v: v[0] ** 2 * v[1] + v[0] + v[1], [1.0, 2.0]), [5.0, 2.0]
    )
    np.testing.assert_allclose(
        jacobian(lambda v: np.array([v[0] ** 2 + v[1] ** 2, v[0] + v[1]]), [1.0, 2.0]),
        [[2, 4], [1, 1]],
    )


def _F(v):
    return np.array(
        [np.sin(v[0]) * v[1] ** 2, v[0] * v[1] * v[2], np.exp(v[2] / 3) - v[0], np.sqrt(v[1] + 4)]
    )


def _Fj(v):
    return jnp.array(
        [
            jnp.sin(v[0]) * v[1] ** 2,
            v[0] * v[1] * v[2],
            jnp.exp(v[2] / 3) - v[0],
            jnp.sqrt(v[1] + 4),
        ]
    )


def test_jacobian_jvp_hvp_against_jax():
    x = np.array([0.3, -1.2, 2.0])
    v = np.array([1.0, 0.5, -2.0])
    np.testing.assert_allclose(jacobian(_F, x), jax.jacfwd(_Fj)(x), rtol=1e-13)
    val, jv = jvp(_F, x, v)
    np.testing.assert_allclose(val, _Fj(x), rtol=1e-14)
    np.testing.assert_allclose(jv, jax.jvp(_Fj, (x,), (v,))[1], rtol=1e-13)

    def s(w):
        return w[0] ** 2 * w[1] + np.sin(w[1] * w[2]) + np.exp(w[0]) * w[2] ** 3

    def sj(w):
        return w[0] ** 2 * w[1] + jnp.sin(w[1] * w[2]) + jnp.exp(w[0]) * w[2] ** 3

    np.testing.assert_allclose(gradient(s, x), jax.grad(sj)(x), rtol=1e-13)
    np.testing.assert_allclose(hessian_vector_product(s, x, v), jax.hessian(sj)(x) @ v, rtol=1e-12)


def test_finite_difference_and_complex_step():
    f = np.exp
    exact = math.exp(1.0)
    err_fd = abs(finite_difference(f, 1.0) - exact)
    assert 1e-11 < err_fd < 1e-7  # about 8 digits, not more
    assert abs(finite_difference(f, 1.0, kind="central") - exact) < 1e-9
    assert abs(finite_difference(f, 1.0, h=1e-14) - exact) > err_fd  # roundoff dominates tiny steps
    assert complex_step(np.exp, 1.0) == pytest.approx(exact, rel=1e-15)
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(complex_step_jacobian(_F, x), jax.jacfwd(_Fj)(x), rtol=1e-14)
    np.testing.assert_allclose(fd_jacobian(_F, x), jax.jacfwd(_Fj)(x), rtol=1e-6, atol=1e-7)


@njit(cache=True)
def chain_rhs(t, u, p):
    n = u.size
    du = np.empty_like(u)
    for i in range(n):
        left = u[i - 1] if i > 0 else 0.0
        right = u[i + 1] if i < n - 1 else 0.0
        du[i] = p[0] * (left - 2 * u[i] + right) + np.sin(u[i]) * u[i] ** 2 - np.exp(-u[i]) * t
    return du


def chain_rhs_jax(t, u, p):
    left = jnp.concatenate([jnp.zeros(1), u[:-1]])
    right = jnp.concatenate([u[1:], jnp.zeros(1)])
    return p[0] * (left - 2 * u + right) + jnp.sin(u) * u**2 - jnp.exp(-u) * t


@njit(cache=True)
def float_only_rhs(t, u, p):
    du = np.zeros(u.size)
    for i in range(u.size):
        du[i] = -abs(u[i]) * u[i]
    return du


@njit(cache=True)
def cube_pow_rhs(t, u, p):
    du = np.empty_like(u)
    for i in range(u.size):
        du[i] = u[i] ** 3
    return du


def test_complex_step_pitfall_detected():
    # Numba computes complex z**3 as exp(3 log z): for Re z < 0 the 1e-100 step is rounded away
    u = -np.linspace(0.5, 1.5, 4)
    J = rhs_jacobian(cube_pow_rhs, 0.0, u, ())
    assert not np.allclose(np.diag(J), 3 * u**2)
    assert not supports_complex(cube_pow_rhs, 0.0, u, ())
    np.testing.assert_allclose(
        np.diag(rhs_jacobian(cube_pow_rhs, 0.0, u, (), method="fd")), 3 * u**2, rtol=1e-6
    )


def test_compiled_jacobian_against_jax():
    rng = np.random.default_rng(0)
    u = rng.standard_normal(12)
    p = np.array([2.5])
    Jref = np.asarray(jax.jacfwd(lambda x: chain_rhs_jax(0.7, x, p))(u))
    assert supports_complex(chain_rhs, 0.7, u, p)
    np.testing.assert_allclose(rhs_jacobian(chain_rhs, 0.7, u, p), Jref, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(
        rhs_jacobian(chain_rhs, 0.7, u, p, method="fd"), Jref, rtol=1e-5, atol=1e-6
    )
    pattern = np.abs(Jref) > 0
    Js = rhs_jacobian(chain_rhs, 0.7, u, p, sparsity=pattern)
    np.testing.assert_allclose(Js.toarray(), Jref, rtol=1e-13, atol=1e-14)
    # the same @njit function through the Python dual (py_func)
    np.testing.assert_allclose(
        jacobian(lambda x: chain_rhs.py_func(0.7, x, p), u), Jref, rtol=1e-13, atol=1e-14
    )
    v = rng.standard_normal(12)
    np.testing.assert_allclose(rhs_jvp(chain_rhs, 0.7, u, p, v), Jref @ v, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(
        rhs_jvp(chain_rhs, 0.7, u, p, v, method="fd"), Jref @ v, rtol=1e-5, atol=1e-5
    )
    # a right-hand side that is not complex-capable is detected
    assert not supports_complex(float_only_rhs, 0.0, u, p)


def test_bad_input():
    with pytest.raises(TypeError, match="f"):
        derivative(3.0, 1.0)
    with pytest.raises(TypeError, match="x"):
        derivative(np.sin, "a")
    with pytest.raises(ValueError, match="x"):
        jacobian(_F, np.ones((2, 2)))
    with pytest.raises(ValueError, match="v"):
        jvp(_F, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="kind"):
        finite_difference(np.sin, 1.0, kind="backward")
    with pytest.raises(TypeError, match="value"):
        Dual("a", 1.0)
    with pytest.raises(ValueError, match="method"):
        rhs_jacobian(chain_rhs, 0.0, np.ones(3), np.ones(1), method="magic")
