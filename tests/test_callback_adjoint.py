"""Tests of sciml_lib.sensitivity.callback_adjoint: the continuous adjoint with its data jumps
as a PresetTimeCallback, against the JAX adjoints of ode_adjoint and central differences."""

import jax.numpy as jnp
import numpy as np
import pytest

from sciml_lib.ode.jax_solver import solve_at
from sciml_lib.problems import LOTKA_VOLTERRA as LV
from sciml_lib.sensitivity import callback_adjoint, l2_data_loss, ode_adjoint

P1 = np.asarray(LV.p) * 1.05


def _data(t):
    d = solve_at(LV.f_jax, LV.u0, jnp.asarray(LV.p), jnp.asarray(t), t0=0.0, rtol=1e-11,
                 atol=1e-12, max_steps=4000)
    return np.asarray(d) * (1 + 0.02 * np.random.default_rng(1).standard_normal(d.shape))


def _loss(u0, p, t, d):
    U = solve_at(LV.f_jax, jnp.asarray(u0), jnp.asarray(p), jnp.asarray(t), t0=0.0,
                 rtol=1e-12, atol=1e-13, max_steps=8000)
    return float(np.sum((np.asarray(U) - d) ** 2))


def _rel(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(b))


@pytest.mark.parametrize("t_data", [np.array([4.0]), np.linspace(0.0, 8.0, 21)[1:]],
                         ids=["one point", "20 points"])
def test_equals_ode_adjoint(t_data):
    d = _data(t_data)
    L, gp, gu0 = callback_adjoint(LV.f_jax, LV.u0, P1, t_data, d, rtol=1e-10, atol=1e-12)
    for strategy in ("interpolating", "discrete"):
        r = ode_adjoint(LV.f_jax, LV.u0, jnp.asarray(P1), t_data, l2_data_loss(d),
                        strategy=strategy, t0=0.0, rtol=1e-11, atol=1e-12, max_steps=4000)
        assert abs(L - r.loss) <= 1e-8 * abs(r.loss)
        assert _rel(gp, r.grad_p) < 1e-7, strategy
        assert _rel(gu0, r.grad_u0) < 1e-7, strategy


@pytest.mark.parametrize("t_data", [np.array([3.0]), np.linspace(0.0, 6.0, 13)[1:]],
                         ids=["one point", "12 points"])
def test_equals_central_differences(t_data):
    d = _data(t_data)
    L, gp, gu0 = callback_adjoint(LV.f_jax, LV.u0, P1, t_data, d, rtol=1e-10, atol=1e-12,
                                  f=LV.f)
    assert abs(L - _loss(LV.u0, P1, t_data, d)) <= 1e-8 * L
    h = 1e-5
    fd_p = np.array([(_loss(LV.u0, P1 + h * e, t_data, d) - _loss(LV.u0, P1 - h * e, t_data, d))
                     / (2 * h) for e in np.eye(4)])
    u0 = np.asarray(LV.u0, dtype=float)
    fd_u = np.array([(_loss(u0 + h * e, P1, t_data, d) - _loss(u0 - h * e, P1, t_data, d))
                     / (2 * h) for e in np.eye(2)])
    assert _rel(gp, fd_p) < 1e-6
    assert _rel(gu0, fd_u) < 1e-6


def test_data_at_the_initial_time_jumps_lambda_at_t0():
    t_data = np.array([0.0, 2.0])
    d = np.array([[0.5, 0.5], [1.0, 1.0]])
    _, gp, gu0 = callback_adjoint(LV.f_jax, LV.u0, P1, t_data, d)
    _, gp1, gu1 = callback_adjoint(LV.f_jax, LV.u0, P1, t_data[1:], d[1:])
    # the term ||u0 - d_0||^2 adds 2 (u0 - d_0) to lambda(t0) and nothing to dL/dp
    np.testing.assert_allclose(gu0 - gu1, 2 * (np.asarray(LV.u0) - d[0]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gp, gp1, rtol=1e-12)


def test_bad_input():
    d = np.ones((2, 2))
    with pytest.raises(TypeError, match="f_jax"):
        callback_adjoint(None, LV.u0, P1, [1.0, 2.0], d)
    with pytest.raises(ValueError, match="t_data"):
        callback_adjoint(LV.f_jax, LV.u0, P1, [2.0, 1.0], d)
    with pytest.raises(ValueError, match="data"):
        callback_adjoint(LV.f_jax, LV.u0, P1, [1.0, 2.0], np.ones((3, 2)))
    with pytest.raises(ValueError, match="u0"):
        callback_adjoint(LV.f_jax, np.ones((2, 2)), P1, [1.0, 2.0], d)


def test_backward_solution_jumps_by_the_residuals():
    t_data = np.linspace(0.0, 4.0, 9)[1:]
    d = _data(t_data)
    *_, back = callback_adjoint(LV.f_jax, LV.u0, P1, t_data, d, f=LV.f, full_output=True)
    U = solve_at(LV.f_jax, LV.u0, jnp.asarray(P1), jnp.asarray(t_data), t0=0.0, rtol=1e-12,
                 atol=1e-13, max_steps=8000)
    jumps = 2 * (np.asarray(U) - d)
    np.testing.assert_allclose(back.u[0, :2], jumps[-1], rtol=1e-6)  # lambda(t_m^-)
    both = np.nonzero(np.diff(back.t) == 0)[0]
    assert both.size == t_data.size - 1
    for k in both:  # lambda after (in backward time) minus before = 2 (u(t_i) - d_i)
        i = int(np.argmin(np.abs(t_data - back.t[k])))
        np.testing.assert_allclose(back.u[k + 1, :2] - back.u[k, :2], jumps[i], rtol=1e-6,
                                   atol=1e-9)
