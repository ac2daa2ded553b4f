"""Tests of sciml_lib.ude: UDE right-hand sides, augmentation, adjoint-based fitting."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sciml_lib.nn import init_mlp
from sciml_lib.sensitivity import l2_data_loss
from sciml_lib.ude import (
    LV_UDE_PARAMS,
    augment,
    batched_rhs,
    collocation_fit,
    fit_ode,
    lotka_volterra_ude_data,
    ude_rhs,
)


def _known(t, u, th):
    return jnp.stack([th[0] * u[0], -th[1] * u[1]])


def test_ude_rhs_is_known_plus_network_by_hand():
    nn = init_mlp(1, (2, 5, 2))
    f = ude_rhs(_known, "tanh", scale=0.5)
    u = jnp.array([0.3, -1.2])
    th = jnp.array([1.3, 1.8])
    h = np.tanh(np.asarray(nn[0]["W"]) @ np.asarray(u) + np.asarray(nn[0]["b"]))
    net = np.asarray(nn[1]["W"]) @ h + np.asarray(nn[1]["b"])
    expected = np.array([1.3 * 0.3, -1.8 * -1.2]) + 0.5 * net
    np.testing.assert_allclose(f(0.0, u, {"nn": nn, "theta": th}), expected, rtol=1e-12)
    g = ude_rhs(None)
    np.testing.assert_allclose(g(0.0, u, {"nn": nn}), net, rtol=1e-12)


def test_batched_rhs_and_augment():
    nn = init_mlp(2, (3, 4, 3))
    f = ude_rhs(None)
    U = augment(np.array([[1.0, 2.0], [-0.5, 0.1]]), 1)
    assert U.shape == (2, 3) and np.all(U[:, 2] == 0)
    fb = batched_rhs(f, 3)
    out = np.asarray(fb(0.0, jnp.asarray(U.reshape(-1)), {"nn": nn})).reshape(2, 3)
    for i in range(2):
        np.testing.assert_allclose(out[i], f(0.0, jnp.asarray(U[i]), {"nn": nn}), rtol=1e-12)
    assert augment(np.ones(2), 3).shape == (5,)


def test_lv_data_matches_scipy():
    t, data, clean, u0 = lotka_volterra_ude_data(0.0)
    p = LV_UDE_PARAMS

    def rhs(t, u):
        x, y = u
        return [p["alpha"] * x - p["beta"] * x * y, p["gamma"] * x * y - p["delta"] * y]

    ref = solve_ivp(rhs, (0, 5), u0, t_eval=t, rtol=1e-11, atol=1e-11).y.T
    np.testing.assert_allclose(clean, ref, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(data, clean)
    t2, d1, c1, _ = lotka_volterra_ude_data(0.05, seed=3)
    _, d2, _, _ = lotka_volterra_ude_data(0.05, seed=3)
    np.testing.assert_array_equal(d1, d2)
    assert 0.02 < np.std((d1 - c1) / c1.mean(axis=0)) < 0.08


@pytest.mark.slow
def test_fit_ode_recovers_parameters_through_the_adjoint():
    # known structure, unknown theta: the UDE machinery with the network switched off
    t, data, _, u0 = lotka_volterra_ude_data(0.0, n_points=11)
    p = LV_UDE_PARAMS

    def lv(t, u, th):
        x, y = u[0], u[1]
        return jnp.stack([th[0] * x - th[1] * x * y, th[2] * x * y - th[3] * y])

    f = ude_rhs(lv, scale=0.0)
    p0 = {"nn": init_mlp(0, (2, 2)), "theta": jnp.array([1.2, 1.0, 0.7, 1.9])}
    res = fit_ode(f, u0, p0, t, l2_data_loss(data), iterations=100, lr=1e-2,
                  lbfgs_iterations=200, rtol=1e-9, atol=1e-10, max_steps=512, progress=False)
    truth = np.array([p["alpha"], p["beta"], p["gamma"], p["delta"]])
    assert res.success
    np.testing.assert_allclose(np.asarray(res.params["theta"]), truth, rtol=1e-3)
    assert np.nanmin(res.losses) < 1e-3 * res.losses[0]


def test_collocation_fit_of_exponential_decay():
    t = np.linspace(0, 4, 41)
    data = np.exp(-0.5 * t)[:, None]
    f = lambda t, u, p: -p * u  # noqa: E731
    p, losses = collocation_fit(f, jnp.asarray(1.0), t, data, iterations=400, lr=5e-2,
                                progress=False)
    assert abs(float(p) - 0.5) < 0.01
    assert losses[-1] < losses[0]


def test_bad_input():
    with pytest.raises(TypeError, match="known"):
        ude_rhs(3.0)
    with pytest.raises(ValueError, match="n_aug"):
        augment(np.ones(2), -1)
    with pytest.raises(ValueError, match="n must"):
        batched_rhs(lambda t, u, p: u, 0)
    with pytest.raises(ValueError, match="noise"):
        lotka_volterra_ude_data(-0.1)
    with pytest.raises(ValueError, match="iterations"):
        fit_ode(lambda t, u, p: u, np.ones(1), 1.0, np.arange(3.0), l2_data_loss(np.ones((3, 1))),
                iterations=-1)
    with pytest.raises(ValueError, match="data"):
        collocation_fit(lambda t, u, p: u, 1.0, np.arange(3.0), np.ones((4, 1)))


def test_missing_physics_pipeline_runs_and_known_terms():
    from sciml_lib.ude import fit_lotka_volterra_ude, lv_known_terms, recover_terms

    u = jnp.array([2.0, 3.0])
    np.testing.assert_allclose(lv_known_terms(0.0, u, None), [1.3 * 2.0, -1.8 * 3.0])
    fit = fit_lotka_volterra_ude(0.05, 0, hidden=(4,), collocation_iterations=50,
                                 adam=((5, 1e-2),), lbfgs_iterations=0, progress=False)
    assert np.isfinite(fit["final_loss"])
    res = recover_terms(fit, threshold=0.2, n_eval=21)
    assert len(res.equations()) == 2 and res.coefficients.shape == (6, 2)


def test_interaction_errors_on_the_exact_interaction():
    # oracle: the true interaction (-beta xy, gamma xy) on a grid of the plane; SINDy on it
    # is an exact least-squares problem, so the errors vanish and no other term survives
    from sciml_lib.sindy import sindy
    from sciml_lib.ude import interaction_errors

    p = LV_UDE_PARAMS
    g = np.linspace(0.2, 4.0, 12)
    X = np.array([(x, y) for x in g for y in g])
    xy = X[:, 0] * X[:, 1]
    D = np.column_stack([-p["beta"] * xy, p["gamma"] * xy])
    rep = interaction_errors(sindy(X, np.arange(len(X)), 2, 0.2, dXdt=D))
    np.testing.assert_allclose(rep["coef_xy"], [-0.9, 0.8], rtol=1e-10)
    assert max(rep["rel_error"]) < 1e-10 and rep["spurious_terms"] == 0
    assert rep["truth"] == [-0.9, 0.8]
    # an extra linear term is counted as spurious
    rep2 = interaction_errors(sindy(X, np.arange(len(X)), 2, 0.2, dXdt=D + [0.5, 0.0] * X))
    assert rep2["spurious_terms"] == 1
    np.testing.assert_allclose(rep2["coef_xy"], [-0.9, 0.8], rtol=1e-10)


def test_several_trajectories_are_batched():
    from sciml_lib.ude import fit_lotka_volterra_ude, recover_terms

    ics = [(0.5, 4.0), (1.0, 1.0)]
    fit = fit_lotka_volterra_ude(0.05, 2, initial_conditions=ics, tspan=(0.0, 2.0), n_points=6,
                                 hidden=(4,), collocation_iterations=20, adam=(),
                                 lbfgs_iterations=2, progress=False)
    assert fit["n_trajectories"] == 2 and fit["data"].shape == (6, 4)
    # trajectory k is the data of lotka_volterra_ude_data with seed + k
    for k, ic in enumerate(ics):
        _, d, c, _ = lotka_volterra_ude_data(0.05, 2 + k, u0=ic, tspan=(0.0, 2.0), n_points=6)
        np.testing.assert_array_equal(fit["data"][:, 2 * k:2 * k + 2], d)
        np.testing.assert_array_equal(fit["clean"][:, 2 * k:2 * k + 2], c)
    res = recover_terms(fit, n_eval=11)
    assert res.coefficients.shape == (6, 2) and res.dXdt.shape == (22, 2)
    with pytest.raises(ValueError, match="initial_conditions"):
        fit_lotka_volterra_ude(initial_conditions=[(1.0, 2.0, 3.0)], progress=False)


@pytest.mark.slow
def test_recover_missing_interaction_lecture_setting():
    # the lecture's run: three short trajectories, 5% noise; oracle: the true -0.9 xy, +0.8 xy
    from sciml_lib.ude import recover_missing_interaction

    r = recover_missing_interaction(0.05, 1, initial_conditions=[(0.44, 4.63), (1.0, 1.0),
                                                                 (4.0, 2.0)],
                                    tspan=(0.0, 2.5), n_points=11, adam=(),
                                    lbfgs_iterations=200, progress=False)
    assert max(r["rel_error"]) <= 0.10, r["equations"]
    assert r["spurious_terms"] == 0, r["equations"]
