"""Tests of sciml_lib.prob: samplers, leapfrog, ADVI, transforms and diagnostics."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sciml_lib import prob

MEAN = np.array([1.0, -2.0])
COV = np.array([[1.0, 1.2], [1.2, 4.0]])
PREC = np.linalg.inv(COV)


def gauss_logp(x):
    r = x - MEAN
    return -0.5 * r @ jnp.asarray(PREC) @ r


def _check_gaussian(res, n_sigma=5.0):
    """Mean within n_sigma MCSE, covariance entries within 15%."""
    assert res.draws.ndim == 3 and res.draws.shape[2] == 2
    flat = res.draws.reshape(-1, 2)
    mcse = prob.mcse_mean(res.draws)
    assert np.all(np.abs(flat.mean(0) - MEAN) < n_sigma * mcse), (flat.mean(0), mcse)
    np.testing.assert_allclose(np.cov(flat.T), COV, rtol=0.15, atol=0.1)
    assert np.all(prob.rhat(res.draws) < 1.05)


# ----------------------------------------------------------------------------- samplers
def test_nuts_recovers_gaussian():
    res = prob.nuts(gauss_logp, np.zeros((2, 2)), 1000, rng=1, warmup=500)
    assert res.success and res.accept_prob.shape == (2, 1000)
    _check_gaussian(res)
    assert np.all(res.extra["tree_depth"] >= 1) and res.wall_time > 0
    # the adapted inverse mass approximates the marginal variances
    np.testing.assert_allclose(res.inv_mass.mean(0), np.diag(COV), rtol=0.35)


# a strongly correlated, badly scaled Gaussian: what a dense metric is for
MEAN_C = np.array([0.5, 3.0, -1.0])
_A = np.array([[1.0, 0.0, 0.0], [9.5, 3.1, 0.0], [0.3, -0.2, 0.1]])
COV_C = _A @ _A.T
PREC_C = np.linalg.inv(COV_C)


def correlated_logp(x):
    r = x - MEAN_C
    return -0.5 * r @ jnp.asarray(PREC_C) @ r


@pytest.mark.parametrize("sampler", ["nuts", "hmc"])
def test_dense_mass_recovers_a_correlated_gaussian(sampler):
    """dense_mass=True: mean within 5 MCSE, covariance within 15%, and the adapted inverse mass
    is the posterior covariance (the optimal metric of a Gaussian) within 25%."""
    x0 = np.zeros((2, 3))
    if sampler == "nuts":
        res = prob.nuts(correlated_logp, x0, 1000, rng=3, warmup=600, dense_mass=True)
    else:
        res = prob.hmc(correlated_logp, None, x0, 1000, None, 6, rng=3, warmup=600,
                       dense_mass=True)
    assert res.success and res.inv_mass.shape == (2, 3, 3)
    flat = res.draws.reshape(-1, 3)
    assert np.all(np.abs(flat.mean(0) - MEAN_C) < 5 * prob.mcse_mean(res.draws))
    np.testing.assert_allclose(np.cov(flat.T), COV_C, rtol=0.15, atol=0.05 * np.abs(COV_C).max())
    for im in res.inv_mass:
        np.testing.assert_allclose(im, COV_C, rtol=0.25, atol=0.05 * np.abs(COV_C).max())
    assert np.all(prob.rhat(res.draws) < 1.05)


def test_dense_mass_needs_fewer_gradients_per_effective_draw():
    """On the correlated Gaussian the dense metric makes the posterior isotropic: NUTS builds
    shorter trees and gets more effective draws per gradient than with the diagonal one."""
    x0 = np.zeros((2, 3))
    diag = prob.nuts(correlated_logp, x0, 1000, rng=4, warmup=600)
    dense = prob.nuts(correlated_logp, x0, 1000, rng=4, warmup=600, dense_mass=True)
    per_grad = [prob.ess_bulk(r.draws).min() / r.n_grad.sum() for r in (diag, dense)]
    assert per_grad[1] > 3 * per_grad[0], per_grad
    assert dense.extra["tree_depth"].mean() < diag.extra["tree_depth"].mean()


def test_momentum_of_a_dense_metric_has_covariance_m():
    """p = C^-T z with inv_mass = C C^T has covariance M = inv_mass^-1; the kinetic energy is
    p^T M^-1 p / 2 (the diagonal metric gives the same numbers as its dense matrix)."""
    from sciml_lib.prob._runner import draw_momentum, energy, minv

    inv_mass = jnp.asarray(np.linalg.inv(COV_C))
    p = jax.vmap(lambda k: draw_momentum(k, inv_mass, (3,)))(
        jax.random.split(jax.random.PRNGKey(0), 200_000))
    np.testing.assert_allclose(np.cov(np.asarray(p).T), COV_C, rtol=0.03, atol=0.02)
    q = np.array([0.3, -1.0, 2.0])
    kinetic = 0.5 * q @ np.asarray(inv_mass) @ q
    assert float(energy(1.5, q, inv_mass)) == pytest.approx(-1.5 + kinetic)
    d = jnp.asarray([0.5, 2.0, 4.0])
    np.testing.assert_allclose(minv(d, q), minv(jnp.diag(d), q))
    assert float(energy(0.0, q, d)) == pytest.approx(float(energy(0.0, q, jnp.diag(d))))


def test_hmc_recovers_gaussian_with_user_gradient():
    grad = jax.grad(gauss_logp)
    res = prob.hmc(gauss_logp, grad, np.zeros((2, 2)), 1000, None, 8, rng=2, warmup=500)
    assert res.success
    _check_gaussian(res)
    assert 0.6 < res.mean_accept <= 1.0


def test_mh_recovers_gaussian():
    res = prob.metropolis_hastings(gauss_logp, np.zeros((2, 2)), 8000, None, 3, warmup=2000)
    assert res.success
    _check_gaussian(res)
    assert 0.1 < res.mean_accept < 0.45  # adapted towards 0.234


@pytest.mark.slow
def test_vectorized_chains_match_distribution():
    res = prob.nuts(gauss_logp, np.zeros((3, 2)), 600, rng=4, warmup=300,
                    chain_method="vectorized")
    _check_gaussian(res)


@pytest.mark.slow
def test_banana_moments():
    m = prob.banana(0.3, 1.5)
    res = prob.nuts(m.logp, m.init(0, 2), 1500, rng=5)
    flat = res.draws.reshape(-1, 2)
    np.testing.assert_allclose(flat.var(0), m.data["var"], rtol=0.2)
    assert np.all(np.abs(flat.mean(0)) < 6 * prob.mcse_mean(res.draws) + 0.02)


# ----------------------------------------------------------------------------- leapfrog
def test_leapfrog_reversible_and_volume_preserving():
    grad = jax.grad(gauss_logp)
    inv_mass = jnp.array([0.5, 2.0])
    x0, p0 = jnp.array([0.3, -1.0]), jnp.array([0.7, 0.2])
    x1, p1 = prob.leapfrog(grad, x0, p0, 0.1, 25, inv_mass)
    xb, pb = prob.leapfrog(grad, x1, -p1, 0.1, 25, inv_mass)
    np.testing.assert_allclose(xb, x0, atol=1e-12)
    np.testing.assert_allclose(-pb, p0, atol=1e-12)
    flow = lambda z: jnp.concatenate(prob.leapfrog(grad, z[:2], z[2:], 0.1, 25, inv_mass))
    J = jax.jacfwd(flow)(jnp.concatenate([x0, p0]))
    assert abs(np.linalg.det(np.asarray(J)) - 1.0) < 1e-12


def test_leapfrog_with_dense_inverse_mass_is_identity_mass_leapfrog_in_whitened_coordinates():
    """With M^{-1} = L L^T, leapfrog in x with momentum p is leapfrog with identity mass in
    y = L^{-1} x with momentum L^T p (an independent oracle); a diagonal matrix gives the
    diagonal vector's result, and the dense flow is reversible."""
    m = prob.banana(0.4, 1.0)
    grad = jax.grad(m.logp)
    A = np.array([[1.5, 0.6], [0.6, 0.8]])
    L = np.linalg.cholesky(A)
    x0, p0 = jnp.array([0.5, 0.1]), jnp.array([0.3, -0.8])
    x1, p1 = prob.leapfrog(grad, x0, p0, 0.05, 40, jnp.asarray(A))
    grad_y = jax.grad(lambda y: m.logp(L @ y))
    y1, py1 = prob.leapfrog(grad_y, np.linalg.solve(L, x0), L.T @ p0, 0.05, 40)
    np.testing.assert_allclose(x1, L @ y1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p1, np.linalg.solve(L.T, py1), rtol=1e-12, atol=1e-12)
    xb, pb = prob.leapfrog(grad, x1, -p1, 0.05, 40, jnp.asarray(A))
    np.testing.assert_allclose(xb, x0, atol=1e-12)
    d = jnp.array([0.5, 2.0])
    np.testing.assert_allclose(prob.leapfrog(grad, x0, p0, 0.05, 40, jnp.diag(d))[0],
                               prob.leapfrog(grad, x0, p0, 0.05, 40, d)[0], rtol=1e-13)
    with pytest.raises(ValueError, match="inv_mass"):
        prob.leapfrog(grad, x0, p0, 0.05, 4, jnp.ones(3))


def test_leapfrog_energy_error_is_second_order():
    banana = prob.banana(0.4, 1.0)
    grad = jax.grad(banana.logp)

    def h(x, p):
        return -banana.logp(x) + 0.5 * p @ p

    x0, p0 = jnp.array([0.5, 0.1]), jnp.array([0.3, -0.8])
    errs = []
    eps = np.array([0.04, 0.02, 0.01, 0.005])
    for e in eps:
        x1, p1 = prob.leapfrog(grad, x0, p0, e, int(round(1.0 / e)))
        errs.append(abs(float(h(x1, p1) - h(x0, p0))))
    slope = np.polyfit(np.log(eps), np.log(errs), 1)[0]
    assert 1.8 < slope < 2.3, slope


# ----------------------------------------------------------------------------- MH detailed balance
def test_mh_detailed_balance_on_discrete_target():
    K = 5
    w = np.array([1.0, 3.0, 2.0, 5.0, 0.5])
    pi = w / w.sum()

    def logp(x):
        return float(np.log(w[int(x[0])]))

    def proposal(x, rng):  # symmetric random walk on a ring
        return np.array([(int(x[0]) + rng.choice([-1, 1])) % K]), 0.0

    res = prob.metropolis_hastings(logp, [0], 40000, rng=6, warmup=100, proposal=proposal)
    s = res.draws[0, :, 0].astype(int)
    freq = np.bincount(s, minlength=K) / s.size
    np.testing.assert_allclose(freq, pi, atol=0.02)
    # empirical flows i -> j and j -> i agree (detailed balance), and match pi_i P_ij
    flows = np.zeros((K, K))
    np.add.at(flows, (s[:-1], s[1:]), 1.0)
    flows /= s.size - 1
    for i in range(K):
        j = (i + 1) % K
        exact = pi[i] * 0.5 * min(1.0, pi[j] / pi[i])
        assert abs(flows[i, j] - flows[j, i]) < 0.01
        assert abs(flows[i, j] - exact) < 0.01


# ----------------------------------------------------------------------------- ADVI
@pytest.mark.parametrize("family", ["fullrank", "meanfield"])
def test_advi_gaussian(family):
    res = prob.advi(gauss_logp, 2, family=family, n_steps=3000, n_mc=32, lr=0.05, rng=7)
    assert res.success and res.elbo.shape == (3000,)
    np.testing.assert_allclose(res.mean, MEAN, atol=0.05)
    if family == "fullrank":
        np.testing.assert_allclose(res.cov, COV, rtol=0.06, atol=0.03)
    else:  # the KL(q||p)-optimal diagonal Gaussian has variances 1 / diag(precision)
        np.testing.assert_allclose(np.diag(res.cov), 1.0 / np.diag(PREC), rtol=0.06)
    # the ELBO of the exact fit is log Z = log(2 pi sqrt(det C)) for the full-rank family
    if family == "fullrank":
        logz = np.log(2 * np.pi * np.sqrt(np.linalg.det(COV)))
        assert abs(res.elbo[-200:].mean() - logz) < 0.05
    assert res.sample(10, 0).shape == (1, 10, 2)


# ----------------------------------------------------------------------------- transforms
def test_transform_log_jacobian_by_ad():
    tr = prob.Transform(["real", "positive", "positive"])
    y = jnp.array([0.3, -1.2, 0.8])
    J = jax.jacfwd(tr.forward)(y)
    np.testing.assert_allclose(tr.log_det_jacobian(y), np.log(abs(np.linalg.det(J))), atol=1e-12)
    np.testing.assert_allclose(tr.inverse(np.asarray(tr.forward(y))), y, atol=1e-12)
    with pytest.raises(ValueError, match="x"):
        tr.inverse([1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="kinds"):
        prob.Transform(["interval"])


def test_transformed_logp_normalised():
    # an Exponential(2) density on x > 0 becomes a density in y = log x that integrates to 1
    tr = prob.Transform(["positive"])
    lpy = prob.transformed_logp(lambda x: jnp.log(2.0) - 2.0 * x[0], tr)
    ys = np.linspace(-20, 5, 20001)
    vals = np.exp([float(lpy(jnp.array([y]))) for y in ys[::20]])
    assert abs(np.trapezoid(vals, ys[::20]) - 1.0) < 1e-3


# ----------------------------------------------------------------------------- diagnostics vs ArviZ
def _ar1_chains(rng, shift=0.0):
    x = np.zeros((4, 800))
    e = rng.normal(size=(4, 800))
    for t in range(1, 800):
        x[:, t] = 0.8 * x[:, t - 1] + e[:, t]
    return x + shift * np.arange(4)[:, None]


@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_diagnostics_match_arviz(shift):
    az = pytest.importorskip("arviz")
    x = _ar1_chains(np.random.default_rng(8), shift)
    for y in (x, np.exp(x / 3)):
        np.testing.assert_allclose(prob.ess_bulk(y), float(az.ess(y, method="bulk")), rtol=0.05)
        np.testing.assert_allclose(prob.ess_tail(y), float(az.ess(y, method="tail")), rtol=0.05)
        np.testing.assert_allclose(prob.rhat(y), float(az.rhat(y)), rtol=0.05)
        az_mcse = float(np.asarray(az.mcse(y)).squeeze())
        np.testing.assert_allclose(prob.mcse_mean(y), az_mcse, rtol=0.05)


def test_ess_of_independent_draws_and_rhat_of_shifted_chains():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(4, 1000))
    assert 3000 < prob.ess_bulk(x) < 5500
    assert abs(prob.rhat(x) - 1.0) < 0.01
    assert prob.rhat(x + 2.0 * np.arange(4)[:, None]) > 1.5
    s = prob.summary(x[:, :, None], names=["a"])
    assert s["names"][0] == "a" and abs(s["mean"][0]) < 0.1


# ------------------------------------------------------------------------ bad input, divergences
def test_bad_input():
    with pytest.raises(ValueError, match="x0"):
        prob.nuts(gauss_logp, [np.nan, 0.0], 10)
    with pytest.raises(ValueError, match="logp"):
        prob.nuts(lambda x: jnp.nan * x[0], [0.0, 0.0], 10)
    with pytest.raises(ValueError, match="logp"):
        prob.metropolis_hastings(lambda x: jnp.log(x[0]), [-1.0, 0.0], 10)
    with pytest.raises(ValueError, match="step_size"):
        prob.hmc(gauss_logp, None, [0.0, 0.0], 10, -0.1, 5)
    with pytest.raises(ValueError, match="mass"):
        prob.nuts(gauss_logp, [0.0, 0.0], 10, mass=np.array([[1.0, 2.0], [2.0, 1.0]]))  # indefinite
    with pytest.raises(ValueError, match="mass"):
        prob.hmc(gauss_logp, None, [0.0, 0.0], 10, 0.1, 5, mass=[1.0, -1.0])
    with pytest.raises(TypeError, match="dense_mass"):
        prob.nuts(gauss_logp, [0.0, 0.0], 10, dense_mass="yes")
    with pytest.raises(ValueError, match="n_leapfrog"):
        prob.hmc(gauss_logp, None, [0.0, 0.0], 10, 0.1, 0)
    with pytest.raises(ValueError, match="proposal_cov"):
        prob.metropolis_hastings(gauss_logp, [0.0, 0.0], 10, -np.eye(2))
    with pytest.raises(TypeError, match="logp"):
        prob.hmc("not a function", None, [0.0, 0.0], 10, 0.1, 5)
    with pytest.raises(ValueError, match="family"):
        prob.advi(gauss_logp, 2, family="bad")
    with pytest.raises(ValueError, match="draws"):
        prob.ess_bulk(np.zeros((2, 2, 2, 2)))


def test_divergences_are_counted_not_fatal():
    # a funnel with a fixed, far too large step: trajectories diverge
    def funnel(q):
        v, x = q[0], q[1:]
        return -0.5 * v**2 / 9.0 - 0.5 * jnp.sum(x**2) * jnp.exp(-v) - 0.5 * x.size * v

    res = prob.hmc(funnel, None, np.zeros((1, 5)), 200, 2.0, 10, rng=10, warmup=0,
                   adapt_step_size=False)
    assert res.n_divergent > 0
    assert np.all(np.isfinite(res.draws))
    res = prob.nuts(funnel, np.zeros((1, 5)), 200, rng=11, warmup=0, step_size=2.0,
                    adapt_step_size=False)
    assert res.n_divergent > 0 and np.all(np.isfinite(res.draws))


# ----------------------------------------------------------------------------- models
@pytest.mark.slow
def test_lotka_volterra_model_gradient_and_data():
    d = prob.hudson_lynx_hare()
    assert d["year"][0] == 1900 and d["year"][-1] == 1920 and d["hare"].shape == (21,)
    m = prob.lotka_volterra_model(rtol=1e-10, atol=1e-10)
    q = jnp.log(jnp.asarray(m.reference["mean"]))
    lp, g = jax.jit(jax.value_and_grad(m.logp))(q)
    assert np.isfinite(lp)
    e = 1e-6
    logp = jax.jit(m.logp)
    fd = np.array([(logp(q + e * v) - logp(q - e * v)) / (2 * e) for v in np.eye(8)])
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-5)
    # the solution matches the Numba/SciPy-independent reference solver of sciml_lib.ode
    from sciml_lib.ode import solve
    from sciml_lib.problems import lotka_volterra_rhs

    x = np.exp(np.asarray(q))
    z = m.extra["trajectory"](x[:4], x[4:6], np.arange(1.0, 21.0))
    ref = solve(lotka_volterra_rhs, (0.0, 20.0), x[4:6], x[:4], method="DP5", rtol=1e-10,
                atol=1e-10, saveat=np.arange(1.0, 21.0))
    np.testing.assert_allclose(z, np.asarray(ref.u), rtol=1e-7)
    with pytest.raises(ValueError, match="data"):
        prob.lotka_volterra_model({"year": [1, 2], "hare": [1.0, -1.0], "lynx": [1.0, 1.0]})


@pytest.mark.slow
def test_lotka_volterra_sensitivities_are_the_derivative_of_the_computed_trajectory():
    """The model's VJP uses forward-mode AD through the solver with the step sizes held fixed:
    at a tight tolerance it agrees with the continuous sensitivity ODE of sciml_lib.sensitivity
    (an independent solver of S' = f_u S + f_p); at the model's loose tolerance the Jacobian
    that the VJP applies is the JVP of the same computed trajectory, and it differs from the
    tight one by about the tolerance."""
    from sciml_lib.prob.models import _lv_solver
    from sciml_lib.problems.small import lotka_volterra_rhs_jax
    from sciml_lib.sensitivity import forward_sensitivities

    m = prob.lotka_volterra_model()
    ts = m.data["ts"]
    x = jnp.asarray(m.reference["mean"])[:6]
    solve, traj = _lv_solver(ts, 1e-10, 1e-10, "Tsit5", (10.0, 1.0, 1000.0))
    jac = jax.jit(jax.jacrev(solve))(x)  # through the custom VJP, one row per output
    r = forward_sensitivities(lotka_volterra_rhs_jax, np.asarray(x[4:]), np.asarray(x[:4]),
                              np.concatenate([[0.0], ts]), rtol=1e-11, atol=1e-11)
    assert r.success
    np.testing.assert_allclose(jac[:, :, :4], r.S[1:], rtol=1e-6, atol=1e-6 * np.abs(r.S).max())
    # the same map at the model's own loose tolerance: its VJP is the JVP of the same trajectory
    solve6, traj6 = _lv_solver(ts, 1e-6, 1e-6, "Tsit5", (10.0, 1.0, 1000.0))
    v = jnp.asarray(np.random.default_rng(0).standard_normal(6))
    _, jv = jax.jvp(traj6, (x,), (v,))
    np.testing.assert_allclose(jnp.einsum("nkj,j->nk", jax.jacrev(solve6)(x), v), jv,
                               rtol=1e-12, atol=1e-12 * float(jnp.abs(jv).max()))
    assert float(jnp.abs(jax.jacrev(solve6)(x) - jac).max()) < 1e-2 * float(jnp.abs(jac).max())


def test_lotka_volterra_density_is_minus_inf_where_the_solution_runs_away():
    """Inside the prior box, a warm-up proposal of HMC once met rates whose explicit solution
    drives the prey negative, after which it grows like exp(alpha t) and the system turns
    stiff: the solver would have needed some 1e8 steps. Each interval now stops after
    LV_MAX_STEPS attempts and the density is -inf (the sampler rejects it)."""
    from sciml_lib.prob.models import LV_MAX_STEPS

    m = prob.lotka_volterra_model()
    q = jnp.log(jnp.array([8.7645, 0.41324, 0.46029, 0.018184, 41.736, 151.94, 47.8, 10513.0]))
    t0 = time.perf_counter()
    assert float(jax.jit(m.logp)(q)) == -np.inf
    assert time.perf_counter() - t0 < 60  # compile included; it used to run for ever
    assert 100 <= LV_MAX_STEPS <= 10_000
    # the same rates integrated by the Numba solver indeed leave the physical region
    from sciml_lib.ode import solve
    from sciml_lib.problems import lotka_volterra_rhs

    x = np.exp(np.asarray(q))
    s = solve(lotka_volterra_rhs, (0.0, 20.0), x[4:6], x[:4], method="Tsit5", rtol=1e-6,
              atol=1e-6, max_steps=20 * LV_MAX_STEPS)
    assert not s.success and np.min(s.u[:, 0]) < 0


def test_eight_schools_prior_only_pieces():
    m = prob.eight_schools_noncentered()
    q = np.zeros(10)
    # logp at 0: theta = mu = 0, tau = 1
    y, s = m.data["y"], m.data["sigma"]
    expected = -0.5 * np.sum((y / s) ** 2) - np.log1p(1 / 25.0)
    np.testing.assert_allclose(m.logp(jnp.asarray(q)), expected, rtol=1e-12)
    c = m.constrain(np.ones((3, 10)))
    np.testing.assert_allclose(c[:, 9], np.e)
    np.testing.assert_allclose(c[:, 0], 1 + np.e)


def test_plots_shapes():
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    fig, axes = prob.trace_plot(rng.normal(size=(2, 50, 3)), ["a", "b", "c"])
    assert axes.shape == (3, 2)
    fig2, axes2 = prob.pair_plot(rng.normal(size=(2, 50, 3)))
    assert axes2.shape == (3, 3)
    import matplotlib.pyplot as plt

    plt.close(fig)
    plt.close(fig2)
