"""Forward sensitivities, solve adjoints and ODE adjoints against independent oracles."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.linalg import expm

from sciml_lib.nn import init_mlp, mlp_apply
from sciml_lib.ode.jax_solver import solve_at
from sciml_lib.problems import LOTKA_VOLTERRA as LV
from sciml_lib.sensitivity import (
    STRATEGIES,
    forward_sensitivities,
    l2_data_loss,
    linear_solve_adjoint,
    nonlinear_solve_adjoint,
    ode_adjoint,
)

jax.config.update("jax_enable_x64", True)


def rel(a, b):
    a, b = np.ravel(np.asarray(a)), np.ravel(np.asarray(b))
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# ---------------------------------------------------------------- solves
def test_linear_solve_adjoint_matches_jax():
    rng = np.random.default_rng(0)
    A0, A1, A2 = rng.normal(size=(3, 4, 4))
    b0, b1 = rng.normal(size=(2, 4))
    c = rng.normal(size=4)

    def A(p):
        return A0 + 5 * jnp.eye(4) + p[0] * A1 + p[1] ** 2 * A2

    def b(p):
        return b0 + jnp.sin(p[2]) * b1

    def g(x, p):
        return jnp.sum(c * x**2) + p[0] * p[2]

    p = jnp.array([0.3, -0.7, 1.1])
    ref = jax.grad(lambda p: g(jnp.linalg.solve(A(p), b(p)), p))(p)
    dA = jnp.moveaxis(jax.jacfwd(A)(p), -1, 0)
    db = jax.jacfwd(b)(p)
    x = np.linalg.solve(A(p), b(p))
    grad, x2, lam = linear_solve_adjoint(A(p), b(p), dA, db, jax.grad(g)(x, p), jax.grad(g, argnums=1)(x, p))
    np.testing.assert_allclose(x2, x, rtol=1e-12)
    assert rel(grad, ref) < 1e-10


def test_nonlinear_solve_worked_example():
    # f = 2x + p = 0, g = x^2 + p  =>  dg/dp = 1 + p/2
    for p in (-2.0, 0.5, 3.0):
        x = -p / 2
        grad, lam = nonlinear_solve_adjoint([[2.0]], [[1.0]], [2 * x], [1.0])
        assert grad[0] == pytest.approx(1 + p / 2, rel=1e-14)
        assert lam[0] == pytest.approx(x)


def test_nonlinear_solve_adjoint_vs_implicit_function_fd():
    # f(x, p) = x^3 + p0 x - p1 (scalar root), g = x^2 * p0
    def solve_x(p):
        x = 1.0
        for _ in range(60):
            x -= (x**3 + p[0] * x - p[1]) / (3 * x**2 + p[0])
        return x

    p = np.array([1.5, 2.0])
    x = solve_x(p)
    grad, _ = nonlinear_solve_adjoint([[3 * x**2 + p[0]]], [[x, -1.0]], [2 * x * p[0]], [x**2, 0.0])
    h = 1e-6
    fd = [(solve_x(p + h * e) ** 2 * (p + h * e)[0] - solve_x(p - h * e) ** 2 * (p - h * e)[0]) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(grad, fd, rtol=1e-7)


def test_solve_adjoint_shape_errors():
    with pytest.raises(ValueError, match="A must have shape"):
        linear_solve_adjoint(np.eye(3), np.ones(2), np.zeros((1, 2, 2)), np.zeros((2, 1)), np.ones(2))
    with pytest.raises(ValueError, match="g_x"):
        nonlinear_solve_adjoint(np.eye(2), np.ones((2, 3)), np.ones(3))


# ---------------------------------------------------------------- forward sensitivities
@pytest.mark.slow
def test_forward_sensitivities_match_central_differences():
    te = np.linspace(0, 10, 41)
    r = forward_sensitivities(LV.f_jax, LV.u0, LV.p, te, rtol=1e-10, atol=1e-12)
    assert r.success
    h = 1e-6
    for k in range(4):
        e = np.eye(4)[k] * h
        up = solve_at(LV.f_jax, LV.u0, jnp.asarray(LV.p + e), te, rtol=1e-12, atol=1e-13, max_steps=4000)
        um = solve_at(LV.f_jax, LV.u0, jnp.asarray(LV.p - e), te, rtol=1e-12, atol=1e-13, max_steps=4000)
        fd = (np.asarray(up) - np.asarray(um)) / (2 * h)
        assert rel(r.S[:, :, k], fd) < 1e-6


def test_forward_sensitivities_with_given_jacobians_linear_ode():
    # u' = -p0 u0', exact S = -t exp(-p t)
    f = lambda t, u, p: -p[0] * u  # noqa: E731
    te = np.linspace(0, 2, 5)
    r = forward_sensitivities(f, [1.0], [0.8], te, f_u=lambda t, u, p: -p[0] * jnp.eye(1), f_p=lambda t, u, p: -u[:, None])
    np.testing.assert_allclose(r.S[:, 0, 0], -te * np.exp(-0.8 * te), rtol=1e-7, atol=1e-12)


# ---------------------------------------------------------------- ODE adjoints
def lin_f(t, u, p):
    return p.reshape(2, 2) @ u


P_LIN = jnp.array([-0.1, 2.0, -2.0, -0.1])
U0 = jnp.array([2.0, 0.0])


def exact_grads(td, data):
    def L(p, u0):
        U = jnp.stack([expm(p.reshape(2, 2) * t) @ u0 for t in td])
        return jnp.sum((U - data) ** 2)

    return jax.grad(L, argnums=(0, 1))(P_LIN, U0)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("case", ["final", "interior", "with_t0"])
def test_adjoints_on_linear_ode_vs_matrix_exponential(strategy, case):
    td = {"final": jnp.array([1.0]), "interior": jnp.array([0.3, 0.55, 1.0]), "with_t0": jnp.linspace(0, 1, 6)}[case]
    data = jnp.cos(3 * td)[:, None] * jnp.array([1.0, -0.5])
    gp, gu = exact_grads(td, data)
    r = ode_adjoint(lin_f, U0, P_LIN, td, l2_data_loss(data), t0=0.0, strategy=strategy, rtol=1e-10, atol=1e-12, max_steps=600)
    assert r.success
    assert rel(r.grad_p, gp) < 1e-7
    assert rel(r.grad_u0, gu) < 1e-7


@pytest.fixture(scope="module")
def lv_case():
    td = jnp.linspace(0, 10, 41)[1:]
    data = solve_at(LV.f_jax, LV.u0, jnp.asarray(LV.p), td, t0=0.0, rtol=1e-11, atol=1e-12, max_steps=3000) + 0.05
    ref = ode_adjoint(LV.f_jax, LV.u0, jnp.asarray(LV.p) * 1.05, td, l2_data_loss(data), t0=0.0,
                      strategy="discrete", rtol=1e-8, atol=1e-10, max_steps=1500)
    return td, data, ref


@pytest.mark.parametrize("strategy", ["backsolve", "interpolating", "checkpointing"])
def test_continuous_adjoints_match_discrete_on_lotka_volterra(lv_case, strategy):
    td, data, ref = lv_case
    r = ode_adjoint(LV.f_jax, LV.u0, jnp.asarray(LV.p) * 1.05, td, l2_data_loss(data), t0=0.0,
                    strategy=strategy, rtol=1e-8, atol=1e-10, max_steps=1500)
    assert r.loss == pytest.approx(ref.loss, rel=1e-7)
    assert rel(r.grad_p, ref.grad_p) < 1e-5
    assert r.n_vjp > 0 and r.n_steps_backward > 0


def test_discrete_adjoint_matches_central_differences_on_lotka_volterra(lv_case):
    td, data, ref = lv_case
    loss = l2_data_loss(data)
    p = np.asarray(LV.p) * 1.05
    h = 1e-5
    fd = []
    for e in np.eye(4) * h:
        Lp = loss(solve_at(LV.f_jax, LV.u0, jnp.asarray(p + e), td, t0=0.0, rtol=1e-12, atol=1e-13, max_steps=4000))
        Lm = loss(solve_at(LV.f_jax, LV.u0, jnp.asarray(p - e), td, t0=0.0, rtol=1e-12, atol=1e-13, max_steps=4000))
        fd.append((Lp - Lm) / (2 * h))
    assert rel(ref.grad_p, fd) < 1e-5


@pytest.mark.slow
def test_adjoints_on_small_neural_ode():
    params = init_mlp(0, [2, 8, 2], scale=0.5)
    f = lambda t, u, p: mlp_apply(p, u)  # noqa: E731
    td = jnp.linspace(0, 1, 6)
    data = 2 * jnp.exp(-0.1 * td)[:, None] * jnp.stack([jnp.cos(2 * td), -jnp.sin(2 * td)], 1)
    res = {s: ode_adjoint(f, U0, params, td, l2_data_loss(data), strategy=s, rtol=1e-8, atol=1e-10, max_steps=400)
           for s in STRATEGIES}
    ref = jax.tree_util.tree_leaves(res["discrete"].grad_p)
    for s in ("backsolve", "interpolating", "checkpointing"):
        mine = jax.tree_util.tree_leaves(res[s].grad_p)
        assert rel(np.concatenate([np.ravel(a) for a in mine]), np.concatenate([np.ravel(a) for a in ref])) < 1e-5


@pytest.mark.slow
def test_adjoint_memory_ordering(lv_case):
    td, data, _ = lv_case
    kw = dict(t0=0.0, rtol=1e-8, atol=1e-10, max_steps=1500)
    st = {s: ode_adjoint(LV.f_jax, LV.u0, jnp.asarray(LV.p), td, l2_data_loss(data), strategy=s, **kw).stored_floats
          for s in ("backsolve", "interpolating", "checkpointing")}
    assert st["backsolve"] < st["checkpointing"] < st["interpolating"]


def test_adjoint_bad_input():
    loss = l2_data_loss(jnp.zeros((2, 2)))
    with pytest.raises(ValueError, match="strategy"):
        ode_adjoint(lin_f, U0, P_LIN, [0.5, 1.0], loss, strategy="magic")
    with pytest.raises(ValueError, match="increasing"):
        ode_adjoint(lin_f, U0, P_LIN, [1.0, 0.5], loss)
    with pytest.raises(ValueError, match="t0"):
        ode_adjoint(lin_f, U0, P_LIN, [0.5, 1.0], loss, t0=0.7)
    with pytest.raises(ValueError, match="u0"):
        ode_adjoint(lin_f, np.ones((2, 2)), P_LIN, [0.5, 1.0], loss)
    with pytest.raises(TypeError, match="loss"):
        ode_adjoint(lin_f, U0, P_LIN, [0.5, 1.0], None)


def test_make_adjoint_gradient_matches_exact():
    from sciml_lib.sensitivity import make_adjoint_gradient

    td = jnp.array([0.4, 1.0])
    data = jnp.ones((2, 2))
    gp, _ = exact_grads(td, data)
    for s in ("backsolve", "discrete"):
        g = make_adjoint_gradient(lin_f, l2_data_loss(data), strategy=s, rtol=1e-10, atol=1e-12, max_steps=600)
        L, grad = g(U0, P_LIN, td, 0.0)
        assert rel(grad, gp) < 1e-7


# ---------------------------------------------------------------- multiple shooting
def _expm_path(p, u0, times, t0=0.0):
    return jnp.stack([expm(p.reshape(2, 2) * (t - t0)) @ u0 for t in times])


def test_multiple_shooting_on_linear_ode_vs_matrix_exponential():
    from sciml_lib.sensitivity.shooting import MultipleShooting

    td = np.linspace(0.25, 3.0, 12)
    data = np.asarray(_expm_path(P_LIN, U0, td)) + 0.1 * np.cos(7 * td)[:, None]
    ms = MultipleShooting(lin_f, td, data, 3, weight=10.0, rtol=1e-11, atol=1e-12, max_steps=400)
    assert np.allclose(ms.segment_starts, [0.0, 1.0, 2.0])
    assert np.allclose(ms.initial_nodes(), data[[3, 7]])
    # nodes off the true path: each segment is the exact solution from its own node
    nodes = np.asarray(_expm_path(P_LIN, U0, [1.0, 2.0])) + np.array([[0.1, -0.2], [0.05, 0.3]])
    U = np.asarray(ms.trajectories(P_LIN, U0, nodes))
    starts = [np.asarray(U0), nodes[0], nodes[1]]
    for k in range(3):
        exact = _expm_path(P_LIN, starts[k], td[4 * k: 4 * k + 4], t0=ms.segment_starts[k])
        assert np.allclose(U[k], exact, rtol=1e-8, atol=1e-9)
    dfx = np.asarray(ms.defects(P_LIN, U0, nodes))
    assert np.allclose(dfx, U[:2, -1] - nodes, atol=1e-12) and np.abs(dfx).min() > 1e-3
    expected = np.sum((U.reshape(12, 2) - data) ** 2) + 10.0 * np.sum(dfx**2)
    assert np.isclose(float(ms.loss(P_LIN, U0, nodes)), expected, rtol=1e-10)


@pytest.mark.slow
def test_multiple_shooting_one_segment_is_single_shooting_and_grad():
    from sciml_lib.sensitivity.shooting import MultipleShooting

    td = np.linspace(0.2, 1.6, 8)
    data = np.cos(2 * td)[:, None] * np.array([1.0, -0.5])
    single = MultipleShooting(lin_f, td, data, 1, rtol=1e-11, atol=1e-12, max_steps=200)
    assert single.initial_nodes().shape == (0, 2)

    def exact_loss(p):
        return jnp.sum((_expm_path(p, U0, td) - data) ** 2)

    assert np.isclose(float(single.loss(P_LIN, U0, np.zeros((0, 2)))), float(exact_loss(P_LIN)), rtol=1e-8)
    g = jax.grad(lambda p: single.loss(p, U0, np.zeros((0, 2))))(P_LIN)
    assert rel(g, jax.grad(exact_loss)(P_LIN)) < 1e-6
    # with 4 segments, the gradient in the nodes matches central differences
    ms = MultipleShooting(lin_f, td, data, 4, rtol=1e-11, atol=1e-12, max_steps=100)
    v = ms.initial_nodes()
    loss_v = jax.jit(lambda v: ms.loss(P_LIN, U0, v))
    gv = np.asarray(jax.jit(jax.grad(lambda v: ms.loss(P_LIN, U0, v)))(v))
    h = 1e-6
    for idx in [(0, 0), (1, 1), (2, 0)]:
        e = np.zeros_like(v)
        e[idx] = h
        fd = (float(loss_v(v + e)) - float(loss_v(v - e))) / (2 * h)
        assert np.isclose(gv[idx], fd, rtol=1e-5, atol=1e-8)


def test_multiple_shooting_bad_input():
    from sciml_lib.sensitivity.shooting import MultipleShooting

    td, data = np.linspace(0.5, 3.0, 6), np.zeros((6, 2))
    with pytest.raises(ValueError, match="n_segments"):
        MultipleShooting(lin_f, td, data, 4)
    with pytest.raises(ValueError, match="n_segments"):
        MultipleShooting(lin_f, td, data, 0)
    with pytest.raises(ValueError, match="data"):
        MultipleShooting(lin_f, td, np.zeros((5, 2)), 2)
    with pytest.raises(ValueError, match="t_data"):
        MultipleShooting(lin_f, td[::-1], data, 2)
    with pytest.raises(ValueError, match="t0"):
        MultipleShooting(lin_f, td, data, 2, t0=1.0)
    with pytest.raises(ValueError, match="weight"):
        MultipleShooting(lin_f, td, data, 2, weight=0.0)
    with pytest.raises(TypeError, match="f"):
        MultipleShooting(None, td, data, 2)
