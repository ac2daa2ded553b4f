"""The JAX Runge-Kutta solvers against SciPy's DOP853 and analytic solutions."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sciml_lib.ode.jax_solver import dense_eval, solve, solve_at
from sciml_lib.problems import LOTKA_VOLTERRA as LV

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def ref():
    return solve_ivp(lambda t, u: LV.f(t, u, LV.p), (0, 10), LV.u0, method="DOP853", rtol=1e-13, atol=1e-13, dense_output=True)


@pytest.mark.parametrize("method", ["Tsit5", "DP5", "Vern7"])
def test_adaptive_solution_and_dense_output(ref, method):
    sol = solve(LV.f_jax, (0.0, 10.0), LV.u0, jnp.asarray(LV.p), method=method, rtol=1e-10, atol=1e-12)
    assert sol.success
    tt = np.linspace(0, 10, 37)
    err = np.abs(np.asarray(dense_eval(sol, tt, method)) - ref.sol(tt).T).max()
    assert err < (1e-4 if method == "Vern7" else 1e-8)  # Vern7 has only Hermite interpolation here
    np.testing.assert_allclose(sol.u[-1], ref.y[:, -1], rtol=1e-8)


def test_backward_solve_returns_to_initial_state(ref):
    sol = solve(LV.f_jax, (10.0, 0.0), ref.sol(10.0), jnp.asarray(LV.p), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(sol.u[-1], LV.u0, atol=1e-8)


def test_rk4_fixed_step_order():
    f = lambda t, u, p: -p * u  # noqa: E731
    errs = []
    for dt in (0.1, 0.05):
        sol = solve(f, (0.0, 1.0), jnp.ones(1), 1.0, method="RK4", dt0=dt, max_steps=64)
        errs.append(abs(sol.u[-1, 0] - np.exp(-1.0)))
    assert 3.8 < np.log2(errs[0] / errs[1]) < 4.2


def test_max_steps_reports_failure():
    sol = solve(LV.f_jax, (0.0, 10.0), LV.u0, jnp.asarray(LV.p), rtol=1e-10, max_steps=10)
    assert not sol.success and "max_steps" in sol.message
    assert np.all(np.isnan(solve_at(LV.f_jax, LV.u0, jnp.asarray(LV.p), jnp.linspace(0, 10, 5), max_steps=5)))


def test_solve_at_gradient_matches_analytic():
    # u' = -p u, u(0) = 1 => u(t) = exp(-p t), d/dp sum u(t_i) = sum -t_i exp(-p t_i)
    f = lambda t, u, p: -p * u  # noqa: E731
    te = jnp.linspace(0.0, 2.0, 9)
    g = jax.grad(lambda p: solve_at(f, jnp.ones(1), p, te, rtol=1e-11, atol=1e-13, max_steps=400).sum())(0.7)
    assert float(g) == pytest.approx(float(np.sum(-te * np.exp(-0.7 * te))), rel=1e-8)


def test_bad_input():
    with pytest.raises(ValueError, match="tspan"):
        solve(LV.f_jax, (0.0,), LV.u0, LV.p)
    with pytest.raises(ValueError, match="u0"):
        solve(LV.f_jax, (0.0, 1.0), np.ones((2, 2)), LV.p)
    with pytest.raises(ValueError, match="dt0"):
        solve(LV.f_jax, (0.0, 1.0), LV.u0, LV.p, method="RK4")
    with pytest.raises(ValueError, match="unknown"):
        solve(LV.f_jax, (0.0, 1.0), LV.u0, LV.p, method="nope")
    with pytest.raises(ValueError, match="increasing"):
        solve_at(LV.f_jax, LV.u0, LV.p, np.array([1.0, 0.5]))


def test_integrate_lean_solver_and_zero_interval():
    from sciml_lib.ode.jax_solver import integrate

    f = lambda t, u, p: -p * u  # noqa: E731
    run = jax.jit(lambda t0, t1: integrate(f, "Tsit5", t0, t1, jnp.ones(1), 1.0, 1e-10, 1e-12))
    u1, nst, nf, status = run(0.0, 1.0)
    assert float(u1[0]) == pytest.approx(np.exp(-1.0), rel=1e-9) and int(status) == 0 and int(nst) > 0
    u_back, *_ = jax.jit(lambda: integrate(f, "DP5", 1.0, 0.0, u1, 1.0, 1e-10, 1e-12))()
    assert float(u_back[0]) == pytest.approx(1.0, rel=1e-9)
    u_same, nst0, _, _ = run(0.5, 0.5)
    assert float(u_same[0]) == 1.0 and int(nst0) == 0


def test_integrate_stops_instead_of_running_for_ever():
    """A stiff problem for an explicit method (u' = -1e8 (u - cos t): a stable step is about
    3e-8, so [0, 1] would take some 3e7 steps) stops after ``max_steps`` attempts with status 1,
    still on the slow manifold u = cos t; a solution with a pole (u' = u^2 from u = 1) stops
    with a failed status before it; a right-hand side that turns NaN stops with a failed
    status (its steps are rejected until the step underflows) in integrate and in solve; a
    bad max_steps is refused."""
    from sciml_lib.ode.jax_solver import integrate

    stiff = lambda t, u, p: -1e8 * (u - jnp.cos(t))  # noqa: E731
    u1, nst, nf, status = jax.jit(lambda: integrate(stiff, "Tsit5", 0.0, 1.0, jnp.ones(1), 0.0,
                                                    1e-8, 1e-8, max_steps=500))()
    assert int(status) == 1 and 0 < int(nst) <= 500 and abs(float(u1[0]) - 1.0) < 1e-6
    u_ok, _, _, st_ok = jax.jit(lambda: integrate(stiff, "Tsit5", 0.0, 1e-6, jnp.ones(1), 0.0,
                                                  1e-8, 1e-8, max_steps=500))()
    assert int(st_ok) == 0 and float(u_ok[0]) == pytest.approx(np.cos(1e-6), abs=1e-8)
    blow = lambda t, u, p: u * u  # noqa: E731
    *_, st_blow = jax.jit(lambda: integrate(blow, "Tsit5", 0.0, 2.0, jnp.ones(1), 0.0, 1e-8,
                                            1e-8))()
    assert int(st_blow) != 0
    nan_after = lambda t, u, p: jnp.where(t > 0.5, jnp.nan, -u)  # noqa: E731
    *_, st_nan = jax.jit(lambda: integrate(nan_after, "Tsit5", 0.0, 1.0, jnp.ones(1), 0.0,
                                           1e-8, 1e-8))()
    assert int(st_nan) != 0
    sol = solve(nan_after, (0.0, 1.0), jnp.ones(1), 0.0, rtol=1e-8, atol=1e-8)
    assert not sol.success
    with pytest.raises(ValueError, match="max_steps"):
        integrate(stiff, "Tsit5", 0.0, 1.0, jnp.ones(1), 0.0, 1e-8, 1e-8, max_steps=0)


def test_rk_step_rk4_taylor():
    from sciml_lib.ode.jax_solver import rk_step
    from sciml_lib.ode.tableaus import get_tableau

    h = 0.1
    u_new, err, ks = rk_step(lambda t, u, p: u, get_tableau("RK4"), 0.0, jnp.ones(1), None, h, jnp.ones(1))
    assert float(u_new[0]) == pytest.approx(1 + h + h**2 / 2 + h**3 / 6 + h**4 / 24, rel=1e-15)
    assert ks.shape == (4, 1) and float(err[0]) == 0.0
