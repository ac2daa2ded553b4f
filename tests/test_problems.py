"""Test problems: Numba vs JAX right-hand sides, Jacobians, invariants and the course's data."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import sciml_lib.problems as P

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

JAX_PROBLEMS = [P.LORENZ, P.LOTKA_VOLTERRA, P.HARMONIC_OSCILLATOR, P.PENDULUM, P.FITZHUGH_NAGUMO, P.ROBER]


@pytest.mark.parametrize("prob", JAX_PROBLEMS, ids=lambda p: p.name)
def test_numba_and_jax_rhs_agree(prob):
    rng = np.random.default_rng(1)
    f_jax = jax.jit(prob.f_jax)
    for _ in range(5):
        u = prob.u0 + rng.normal(size=prob.n)
        t = float(rng.uniform(*prob.tspan))
        np.testing.assert_allclose(np.asarray(f_jax(t, u, prob.p)), prob.f(t, u, prob.p), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("prob", [P.LORENZ, P.LOTKA_VOLTERRA, P.ROBER], ids=lambda p: p.name)
def test_analytic_jacobians_against_jax(prob):
    rng = np.random.default_rng(2)
    u = np.abs(prob.u0 + rng.normal(size=prob.n))
    J = jax.jacfwd(prob.f_jax, argnums=1)(0.0, u, prob.p)
    np.testing.assert_allclose(prob.jac(0.0, u, prob.p), np.asarray(J), rtol=1e-12, atol=1e-12)


def fd_jacobian(f, u, p, eps=1e-7):
    J = np.empty((u.size, u.size))
    for j in range(u.size):
        e = np.zeros(u.size)
        h = eps * max(1.0, abs(u[j]))
        e[j] = h
        J[:, j] = (f(0.0, u + e, p) - f(0.0, u - e, p)) / (2 * h)
    return J


def pollu_reference(u):
    """POLLU written out from the spec's rates and balances (works for complex u)."""
    y = np.concatenate([[0.0], u])  # 1-based
    k = np.concatenate([[0.0], P.POLLU.p])
    r = [0.0] * 26
    r[1] = k[1] * y[1]; r[2] = k[2] * y[2] * y[4]; r[3] = k[3] * y[5] * y[2]; r[4] = k[4] * y[7]  # noqa: E702
    r[5] = k[5] * y[7]; r[6] = k[6] * y[7] * y[6]; r[7] = k[7] * y[9]; r[8] = k[8] * y[9] * y[6]  # noqa: E702
    r[9] = k[9] * y[11] * y[2]; r[10] = k[10] * y[11] * y[1]; r[11] = k[11] * y[13]; r[12] = k[12] * y[10] * y[2]  # noqa: E702
    r[13] = k[13] * y[14]; r[14] = k[14] * y[1] * y[6]; r[15] = k[15] * y[3]; r[16] = k[16] * y[4]  # noqa: E702
    r[17] = k[17] * y[4]; r[18] = k[18] * y[16]; r[19] = k[19] * y[16]; r[20] = k[20] * y[17] * y[6]  # noqa: E702
    r[21] = k[21] * y[19]; r[22] = k[22] * y[19]; r[23] = k[23] * y[1] * y[4]; r[24] = k[24] * y[19] * y[1]  # noqa: E702
    r[25] = k[25] * y[20]
    R = lambda *ix: sum(r[i] for i in ix)  # noqa: E731
    return np.array([
        -R(1, 10, 14, 23, 24) + R(2, 3, 9, 11, 12, 22, 25),
        -R(2, 3, 9, 12) + R(1, 21),
        -R(15) + R(1, 17, 19, 22),
        -R(2, 16, 17, 23) + R(15),
        -R(3) + 2 * R(4) + R(6, 7, 13, 20),
        -R(6, 8, 14, 20) + R(3) + 2 * R(18),
        -R(4, 5, 6) + R(13),
        R(4, 5, 6, 7),
        -R(7, 8),
        -R(12) + R(7, 9),
        -R(9, 10) + R(8, 11),
        R(9),
        -R(11) + R(10),
        -R(13) + R(12),
        R(14),
        -R(18, 19) + R(16),
        -R(20),
        R(20),
        -R(21, 22, 24) + R(23, 25),
        -R(25) + R(24),
    ])


def test_pollu_matches_course_balances_and_jacobian():
    """The table-driven POLLU against the balance equations written out from the spec."""
    rng = np.random.default_rng(3)
    u = rng.uniform(0.01, 0.5, 20)
    np.testing.assert_allclose(P.POLLU.f(0.0, u, P.POLLU.p), pollu_reference(u), rtol=1e-13, atol=1e-13)
    # complex-step derivative of the reference: exact to round-off
    h = 1e-30
    Jref = np.stack([pollu_reference(u + 1j * h * np.eye(20)[j]).imag / h for j in range(20)], axis=1)
    np.testing.assert_allclose(P.POLLU.jac(0.0, u, P.POLLU.p), Jref, rtol=1e-12, atol=1e-12)
    nz = np.nonzero(P.POLLU.u0)[0] + 1
    assert list(nz) == [2, 4, 7, 8, 9, 17]


def test_rober_conserves_mass():
    rng = np.random.default_rng(4)
    for _ in range(5):
        u = rng.uniform(0, 1, 3)
        assert abs(P.ROBER.f(0.0, u, P.ROBER.p).sum()) < 1e-9 * np.abs(P.ROBER.f(0.0, u, P.ROBER.p)).max()


def test_brusselator_jacobian_and_sparsity():
    prob = P.brusselator_2d(5)
    assert prob.n == 50 and prob.stiff
    rng = np.random.default_rng(5)
    u = prob.u0 + 0.1 * rng.normal(size=prob.n)
    J = prob.jac(2.0, u, prob.p).toarray()
    np.testing.assert_allclose(J, fd_jacobian(lambda t, x, p: prob.f(2.0, x, p), u, prob.p), rtol=1e-6, atol=1e-4)
    pattern = P.brusselator_2d_sparsity(5).toarray()
    assert np.all(pattern[np.abs(J) > 0])
    assert pattern.sum() == 50 * 6  # 5-point stencil + coupling to the other species
    # the forcing switches on at t = 1.1 inside the disc around (0.3, 0.6)
    du = prob.f(2.0, u, prob.p) - prob.f(1.0, u, prob.p)
    assert np.count_nonzero(du) >= 1 and np.all(du[du != 0] == 5.0)
    with pytest.raises(ValueError, match="N"):
        P.brusselator_2d(2)


def test_brusselator_diffusion_part():
    """The diffusion matrix is alpha times the periodic five-point Laplacian of sciml_lib.pde
    (an independent construction), and the rest of the Jacobian (complex-step columns of f)
    couples u_k and v_k at the same grid point only."""
    from sciml_lib.pde import laplacian_2d

    N, alpha = 6, 7.5
    D = P.brusselator_2d_diffusion(N, alpha=alpha)
    lap = laplacian_2d(N, N, 1.0 / N, bc="periodic")
    np.testing.assert_allclose(D.toarray(), alpha * lap.toarray(), rtol=1e-13, atol=1e-9)
    pr = P.brusselator_2d(N, alpha=alpha)
    u = np.random.default_rng(0).uniform(0.5, 2.0, 2 * N * N)
    p = np.asarray(pr.p, dtype=float)
    J = np.array([(pr.f(0.0, u + 1e-30j * e, p)).imag / 1e-30 for e in np.eye(u.size)]).T
    rest = J - sp.block_diag([D, D]).toarray()
    i, j = np.nonzero(np.abs(rest) > 1e-9 * np.abs(J).max())
    assert i.size > 0 and np.all((i - j) % (N * N) == 0)
    with pytest.raises(ValueError, match="N"):
        P.brusselator_2d_diffusion(2)


def test_pleiades_momentum_and_data():
    prob = P.PLEIADES
    du = prob.f(0.0, prob.u0, prob.p)
    m = prob.p
    assert abs(m @ du[14:21]) < 1e-12 and abs(m @ du[21:28]) < 1e-12  # Newton's third law
    assert prob.n == 28 and list(m) == [1, 2, 3, 4, 5, 6, 7]
    np.testing.assert_array_equal(du[:14], prob.u0[14:])


def test_lotka_volterra_invariant_along_solution():
    prob = P.LOTKA_VOLTERRA
    a, b, c, d = prob.p
    sol = prob.solve(method="Tsit5", rtol=1e-10, atol=1e-12)
    x, y = sol.u[:, 0], sol.u[:, 1]
    V = d * x - c * np.log(x) + b * y - a * np.log(y)
    assert np.ptp(V) < 1e-8


def test_pendulum_energy_and_lorenz_reference_value():
    prob = P.PENDULUM
    g, L = prob.p
    sol = prob.solve(method="DP5", rtol=1e-10, atol=1e-12)
    E = 0.5 * sol.u[:, 1] ** 2 - g / L * np.cos(sol.u[:, 0])
    assert np.ptp(E) < 1e-7
    assert sol.u[0, 0] == pytest.approx(np.pi / 3)
    lor = P.LORENZ.solve(method="Vern7", rtol=1e-12, atol=1e-12, saveat=[0.5])
    # the course quotes u(0.5) ~ (6.504, -8.508, 38.092), computed at loose default tolerances
    np.testing.assert_allclose(lor.u[0], [6.504, -8.508, 38.092], atol=0.05)


def test_fitzhugh_nagumo_and_oscillator_data():
    assert list(P.FITZHUGH_NAGUMO.p) == [0.2, 0.2, 3.0] and list(P.FITZHUGH_NAGUMO.u0) == [-1.0, 1.0]
    t = np.linspace(0, 3, 7)
    ex = P.harmonic_exact(t, (0.0, 1.0), 1.0)
    np.testing.assert_allclose(ex[:, 0], np.sin(t), atol=1e-15)
    assert set(P.PROBLEMS) >= {"Lorenz", "Lotka-Volterra", "Pleiades", "ROBER", "POLLU"}
    assert "Lorenz" in repr(P.LORENZ)


def test_hires_jacobian_complex_step():
    prob = P.HIRES
    rng = np.random.default_rng(6)
    u = rng.uniform(0.0, 1.0, prob.n)
    h = 1e-30
    Jref = np.stack([prob.f.py_func(0.0, u + 1j * h * np.eye(prob.n)[j], prob.p).imag / h for j in range(prob.n)], axis=1)
    np.testing.assert_allclose(prob.jac(0.0, u, prob.p), Jref, rtol=1e-12, atol=1e-12)
    assert prob.stiff and prob.n == 8
