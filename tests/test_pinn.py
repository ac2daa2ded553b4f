"""PINNs for ODEs (Lagaris trial functions, AD/FD derivatives) and the physics-regularised fit."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sciml_lib.nn import MLP
from sciml_lib.ode import solve
from sciml_lib.pinn import fit_force, pinn_loss, solve_ode_pinn, spring_force, spring_rhs

T = np.linspace(0.0, 1.0, 101)
TF = np.linspace(0.0, 1.0, 1001)


def f_cos(t, u):
    return jnp.cos(2 * jnp.pi * t)


def exact_cos(t):
    return 1.0 + np.sin(2 * np.pi * t) / (2 * np.pi)


def test_pinn_error_bound_hard_trial():
    r = solve_ode_pinn(f_cos, 1.0, T, trial="hard", derivative="ad", steps=5000)
    assert r(0.0) == 1.0  # the hard trial function satisfies the IC exactly
    assert np.max(np.abs(r(TF) - exact_cos(TF))) <= 1e-3
    assert r(TF).shape == TF.shape


def test_pinn_soft_trial_and_fd_derivative():
    soft = solve_ode_pinn(f_cos, 1.0, T, trial="soft", derivative="fd", steps=3000)
    err = np.max(np.abs(soft(TF) - exact_cos(TF)))
    assert err < 1e-2
    assert abs(soft(0.0) - 1.0) > 0  # the IC is only penalised, not imposed


def test_pinn_loss_ad_vs_fd_and_oracle():
    net = MLP((1, 8, 1))
    p = net.init(0)
    la, g = pinn_loss(f_cos, 1.0, T, net, derivative="ad")
    lf, _ = pinn_loss(f_cos, 1.0, T, net, derivative="fd", eps=1e-7)
    # independent oracle: central differences of the trial function in NumPy
    h = 1e-6
    gt = lambda s: np.asarray(g(p, jnp.asarray(s)))[:, 0]  # noqa: E731
    dg = (gt(T + h) - gt(T - h)) / (2 * h)
    ref = np.mean((dg - np.cos(2 * np.pi * T)) ** 2)
    np.testing.assert_allclose(la(p), ref, rtol=1e-6)
    np.testing.assert_allclose(lf(p), ref, rtol=1e-5)
    np.testing.assert_allclose(gt(T), 1.0 + T * np.asarray(net(p, T[:, None]))[:, 0], rtol=1e-14)


def test_pinn_vector_system_exponential():
    # u' = A u with A a rotation + decay: a 2-d system against the matrix exponential
    A = np.array([[-0.5, 1.0], [-1.0, -0.5]])
    r = solve_ode_pinn(lambda t, u: jnp.asarray(A) @ u, np.array([1.0, 0.0]), T,
                       hidden=16, steps=3000)
    from scipy.linalg import expm

    ref = np.array([expm(A * s) @ np.array([1.0, 0.0]) for s in TF])
    assert r(TF).shape == (TF.size, 2)
    assert np.max(np.abs(r(TF) - ref)) < 5e-3


def test_pinn_seed_reproducible():
    a = solve_ode_pinn(f_cos, 1.0, T, steps=50, seed=3)
    b = solve_ode_pinn(f_cos, 1.0, T, steps=50, seed=3)
    c = solve_ode_pinn(f_cos, 1.0, T, steps=50, seed=4)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not np.array_equal(a.losses, c.losses)


def test_spring_rhs_and_zero_crossing_samples():
    sol = solve(spring_rhs, (0.0, 10.0), np.array([1.0, 0.0]), rtol=1e-10, atol=1e-12)
    # x'' = -x + 0.1 sin x ~ -0.9 x: half period pi / sqrt(0.9) ~ 3.3
    x = sol(np.arange(0.0, 10.0001, 3.3))[:, 1]
    assert np.all(np.abs(spring_force(x)) < 0.04)
    # energy v^2/2 + x^2/2 + 0.1 cos x is conserved
    tt = np.linspace(0, 10, 50)
    v, xx = sol(tt)[:, 0], sol(tt)[:, 1]
    E = v ** 2 / 2 + xx ** 2 / 2 + 0.1 * np.cos(xx)
    assert np.ptp(E) < 1e-8


def test_fit_force_physics_regularised():
    x = np.linspace(-1.0, 1.0, 5)
    Fd = spring_force(x)
    xs = np.linspace(-1, 1, 101)
    data = fit_force(x, Fd, steps=1500)
    assert np.max(np.abs(data(x) - Fd)) < 3e-2  # fits its data
    # data near x = 0 only: the prior decides the shape away from it
    x0 = np.array([0.0, 0.01, -0.02])
    reg = fit_force(x0, spring_force(x0), prior=lambda z: -z, lam=0.1, steps=1500)
    # the fit follows Hooke's law, which is within 0.1 max|sin x| of the truth
    assert np.max(np.abs(reg(xs) + xs)) < 0.03
    assert np.max(np.abs(reg(xs) - spring_force(xs))) < 0.1 + 0.03
    assert reg.lam == 0.1 and data.lam == 0.0
    # the NumPy evaluation agrees with the JAX network
    np.testing.assert_allclose(reg(xs), np.asarray(reg.net(reg.params, xs[:, None]))[:, 0],
                               rtol=1e-12, atol=1e-14)
    assert isinstance(reg(0.3), float)


def test_bad_input():
    with pytest.raises(ValueError, match="trial"):
        solve_ode_pinn(f_cos, 1.0, T, trial="medium", steps=1)
    with pytest.raises(ValueError, match="derivative"):
        solve_ode_pinn(f_cos, 1.0, T, derivative="cd", steps=1)
    with pytest.raises(ValueError, match="t_grid"):
        solve_ode_pinn(f_cos, 1.0, T[::-1], steps=1)
    with pytest.raises(ValueError, match="t_grid"):
        solve_ode_pinn(f_cos, 1.0, np.ones((3, 2)), steps=1)
    with pytest.raises(ValueError, match="shape of u0"):
        solve_ode_pinn(lambda t, u: jnp.ones(3), np.ones(2), T, steps=1)
    with pytest.raises(ValueError, match="u0"):
        solve_ode_pinn(f_cos, np.ones((2, 2)), T, steps=1)
    with pytest.raises(ValueError, match="steps"):
        solve_ode_pinn(f_cos, 1.0, T, steps=-1)
    with pytest.raises(ValueError, match="hidden"):
        solve_ode_pinn(f_cos, 1.0, T, hidden=0, steps=1)
    with pytest.raises(ValueError, match="eps"):
        solve_ode_pinn(f_cos, 1.0, T, derivative="fd", eps=0.0, steps=1)
    with pytest.raises(TypeError, match="f must"):
        solve_ode_pinn(3.0, 1.0, T, steps=1)
    with pytest.raises(ValueError, match="same length"):
        fit_force(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="lam"):
        fit_force(np.ones(3), np.ones(3), prior=lambda z: -z, lam=-1.0)
    with pytest.raises(ValueError, match="x_range"):
        fit_force(np.ones(3), np.ones(3), x_range=(1.0, -1.0))
    with pytest.raises(TypeError, match="prior"):
        fit_force(np.ones(3), np.ones(3), prior=2.0)
    with pytest.raises(ValueError, match="n_colloc"):
        fit_force(np.ones(3), np.ones(3), n_colloc=0)
    assert jax.config.jax_enable_x64
