"""The battery model (sciml_lib.pde.battery): the forms agree, Jacobian, exact solution."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.integrate import solve_ivp

from sciml_lib.ad.forward import fd_jacobian, jacobian, rhs_jacobian
from sciml_lib.ode import solve
from sciml_lib.pde import (
    SPM_BATTERY,
    SPM_NCELLS,
    SPM_PARAMS,
    SPM_SAVEAT,
    SPM_TSPAN,
    SPM_U0,
    make_spm_battery_closure,
    spm_battery_exact,
    spm_battery_jac,
    spm_battery_jac_dense,
    spm_battery_linear,
    spm_battery_rhs,
    spm_battery_rhs_naive,
    spm_battery_sparsity,
    spm_operators,
)

P = np.array(SPM_PARAMS)
N = SPM_NCELLS
DR = 1.0 / N
RC2 = ((np.arange(N) + 0.5) * DR) ** 2  # r_centre^2


def _random_state(seed=0):
    return SPM_U0 + 0.1 * np.random.default_rng(seed).standard_normal(SPM_U0.size)


def _moments(y):
    """sum_i r_i^2 dr c_i per particle: the discrete mass, whose rate is -s_k j_k exactly."""
    y = np.atleast_2d(y)
    return np.stack([y[:, 1 + k * N: 1 + (k + 1) * N] @ (RC2 * DR) for k in range(2)], axis=-1)


def test_operators_closed_forms():
    ops = spm_operators()
    r = (np.arange(N) + 0.5) * DR
    np.testing.assert_allclose(ops.grad @ (3 * r), 3.0, rtol=1e-12)  # gradient of a linear function
    faces = np.arange(N + 1) * DR
    np.testing.assert_allclose(ops.div @ faces**2, 2 * r, rtol=1e-12)  # d/dr r^2 at the midpoints
    assert ops.pad.shape == (N + 1, N - 1) and ops.r_face2.diagonal()[-1] == 1.0
    np.testing.assert_allclose(ops.inv_r2.diagonal()[:2], [3600.0, 400.0])
    with pytest.raises(ValueError, match="n"):
        spm_operators(1)


def test_all_forms_of_the_rhs_agree():
    y = _random_state()
    A, b = spm_battery_linear()
    ref = A @ y + b
    scale = np.abs(ref).max()
    for f in (
        lambda: spm_battery_rhs_naive(0.0, y),
        lambda: make_spm_battery_closure()(0.0, y),
        lambda: make_spm_battery_closure(ad_safe=True)(0.0, y),
        lambda: spm_battery_rhs(0.0, y, P),
        lambda: SPM_BATTERY.f(0.0, y, SPM_BATTERY.p),
    ):
        np.testing.assert_allclose(f(), ref, rtol=0, atol=1e-13 * scale)
    assert spm_battery_rhs(0.0, y, P)[0] == P[0]


def test_rhs_conserves_the_discrete_mass():
    y = _random_state(1)
    d = _moments(spm_battery_rhs(0.0, y, P))[0]
    np.testing.assert_allclose(d, -P[3:5] * P[1:3], rtol=1e-10)


def test_closure_uses_its_parameters():
    q = P * np.array([1.0, 2.0, 0.5, 1.5, 0.7])
    y = _random_state(2)
    np.testing.assert_allclose(make_spm_battery_closure(q)(0.0, y), spm_battery_rhs(0.0, y, q),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="p"):
        make_spm_battery_closure([1.0, 2.0])
    with pytest.raises(TypeError, match="ad_safe"):
        make_spm_battery_closure(ad_safe="yes")


def test_jacobian_against_complex_step_and_finite_differences():
    y = _random_state(3)
    Jd = spm_battery_jac_dense(0.0, y, P)
    Js = spm_battery_jac(0.0, y)
    assert sp.issparse(Js) and Js.nnz == 2 * (3 * N - 2)
    np.testing.assert_allclose(Js.toarray(), Jd, rtol=1e-14, atol=0)
    Jcs = rhs_jacobian(spm_battery_rhs, 0.0, y, P)
    np.testing.assert_allclose(Jd, Jcs, rtol=1e-12, atol=1e-9)
    Jfd = fd_jacobian(lambda v: spm_battery_rhs(0.0, v, P), y)
    np.testing.assert_allclose(Jd, Jfd, rtol=1e-4, atol=1e-3 * np.abs(Jd).max())
    pattern = spm_battery_sparsity()
    assert set(zip(*Js.nonzero())) <= set(zip(*pattern.nonzero()))
    with pytest.raises(ValueError, match="y"):
        spm_battery_jac(0.0, np.zeros(4))


def test_float_buffers_cannot_hold_dual_numbers():
    y = _random_state(4)
    A, _ = spm_battery_linear()
    f_safe = make_spm_battery_closure(ad_safe=True)
    J = jacobian(lambda v: f_safe(0.0, v), y)  # forward-mode dual numbers through the buffers
    np.testing.assert_allclose(J, A.toarray(), rtol=1e-12, atol=1e-9)
    f_float = make_spm_battery_closure()
    with pytest.raises(TypeError):
        jacobian(lambda v: f_float(0.0, v), y)
    with pytest.raises(TypeError):
        f_float(0.0, y.astype(complex))
    # the float buffers still work afterwards, and the ad-safe closure keeps one set per dtype
    np.testing.assert_allclose(f_float(0.0, y), f_safe(0.0, y), rtol=1e-14)


def test_exact_solution_against_radau_and_invariants():
    ts = np.array([0.0, 0.05, 0.15])
    ex = spm_battery_exact(ts)
    assert ex.shape == (3, SPM_U0.size)
    np.testing.assert_allclose(ex[0], SPM_U0, atol=1e-14)
    np.testing.assert_allclose(ex[:, 0], P[0] * ts, rtol=1e-13)
    m0 = _moments(SPM_U0)[0]
    np.testing.assert_allclose(_moments(ex), m0 - np.outer(ts, P[3:5] * P[1:3]), atol=1e-12)
    A, b = spm_battery_linear()
    ref = solve_ivp(lambda t, y: A @ y + b, SPM_TSPAN, SPM_U0, method="Radau", rtol=1e-12,
                    atol=1e-12, jac=A, t_eval=ts)
    np.testing.assert_allclose(ref.y.T, ex, atol=1e-10)
    np.testing.assert_allclose(spm_battery_exact(0.15), ex[-1], rtol=1e-14)
    with pytest.raises(ValueError, match="y0"):
        spm_battery_exact(0.1, y0=np.zeros(4))


@pytest.mark.parametrize("method", ["Rodas5P", "Rodas4"])
def test_compiled_stiff_solve_matches_expm(method):
    ex = spm_battery_exact(SPM_SAVEAT)
    sol = solve(spm_battery_rhs, SPM_TSPAN, SPM_U0, P, method=method, rtol=1e-8, atol=1e-8,
                saveat=SPM_SAVEAT, jac=spm_battery_jac_dense)
    assert sol.success and sol.u.shape == ex.shape
    assert np.abs(sol.u - ex).max() < 1e-7


def test_scipy_bdf_with_sparse_jacobian_matches_expm():
    ex = spm_battery_exact(SPM_SAVEAT)
    r = solve_ivp(spm_battery_rhs, SPM_TSPAN, SPM_U0, method="BDF", args=(P,), rtol=1e-8, atol=1e-8,
                  t_eval=SPM_SAVEAT, jac=lambda t, y, p: spm_battery_jac(t, y, p))
    assert r.success
    assert np.abs(r.y.T - ex).max() < 1e-6


def test_particle_blocks_reproduce_the_full_model():
    from sciml_lib.pde import spm_battery_solve_blocks, spm_particle_jac, spm_particle_rhs

    y = _random_state(5)
    full = spm_battery_rhs(0.0, y, P)
    qa, qb = np.array([P[0], P[1], P[3]]), np.array([0.0, P[2], P[4]])
    np.testing.assert_allclose(spm_particle_rhs(0.0, y[: N + 1], qa), full[: N + 1], rtol=1e-14)
    yb = np.concatenate([[0.0], y[N + 1:]])
    np.testing.assert_allclose(spm_particle_rhs(0.0, yb, qb)[1:], full[N + 1:], rtol=1e-14)
    np.testing.assert_allclose(spm_particle_jac(0.0, yb, qb),
                               rhs_jacobian(spm_particle_rhs, 0.0, yb, qb), rtol=1e-12, atol=1e-9)
    t, ys, ok = spm_battery_solve_blocks()
    assert ok and ys.shape == (SPM_SAVEAT.size, SPM_U0.size)
    assert np.abs(ys - spm_battery_exact(SPM_SAVEAT)).max() < 1e-7
    with pytest.raises(ValueError, match="y0"):
        spm_battery_solve_blocks(y0=np.zeros(4))
