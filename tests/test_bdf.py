"""The variable-order NDF/BDF stepper (sciml_lib.stiff.bdf): difference rescaling, orders, accuracy, reuse."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from test_stiff import prothero, prothero_exact, rober_generic

from sciml_lib.plotting import fit_loglog_slope
from sciml_lib.problems import POLLU, ROBER, brusselator_2d, brusselator_2d_sparsity
from sciml_lib.stiff import _pystep as P
from sciml_lib.stiff import solve
from sciml_lib.stiff.bdf import NDF_KAPPA, bdf, rescale_differences
from sciml_lib.stiff.linsolve import DenseLU, SparseLU


def backward_differences(values):
    """Rows nabla^0 .. nabla^k of the newest value, from values listed newest first."""
    rows, cur = [], np.array(values, dtype=float)
    while cur.size:
        rows.append(cur[0])
        cur = cur[:-1] - cur[1:]
    return np.array(rows)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("r", [0.3, 0.5, 2.0, 3.7])
def test_rescaled_differences_are_those_of_the_same_polynomial_on_the_new_grid(order, r):
    rng = np.random.default_rng(order)
    coef = rng.standard_normal(order + 1)  # a polynomial of degree `order` is fixed by order+1 points
    poly = np.polynomial.Polynomial(coef)
    t, h = 0.7, 0.1
    D = np.zeros((8, 1))
    D[: order + 1, 0] = backward_differences([poly(t - i * h) for i in range(order + 1)])
    rescale_differences(D, order, r)
    expected = backward_differences([poly(t - i * r * h) for i in range(order + 1)])
    np.testing.assert_allclose(D[: order + 1, 0], expected, rtol=1e-10, atol=1e-12)
    assert np.all(D[order + 1 :] == 0)


def _run_bdf(f, tspan, u0, p, dt, max_order, kappa, **kw):
    F = P.Counter(f, p)
    jp = P.JacobianProvider(f, p, F, "complex")
    return bdf(F, jp, DenseLU(), tspan[0], tspan[1], np.asarray(u0, float), 1e-10, 1e-10, dt, False, 10**6,
               max_order=max_order, kappa=kappa, **kw)


@pytest.mark.parametrize("kappa", [NDF_KAPPA, np.zeros(6)], ids=["NDF", "BDF"])
@pytest.mark.parametrize("max_order", [1, 2])
def test_fixed_step_order(max_order, kappa):
    dts = np.array([0.04, 0.02, 0.01, 0.005])
    errs = []
    for dt in dts:
        status, L, *_ = _run_bdf(prothero, (0.0, 1.0), [1.0, 0.0], np.array([-2.0]), dt, max_order, kappa)
        assert status == P.OK and L.ts[-1] == pytest.approx(1.0)
        errs.append(np.abs(L.us[-1] - prothero_exact(1.0)).max())
    assert abs(fit_loglog_slope(dts, errs) - max_order) < 0.25


def test_variable_order_takes_far_fewer_steps_than_order_one():
    """Adaptive: orders up to 5 reach the same accuracy in far fewer steps than implicit Euler's formula."""
    out = {}
    for k in (1, 5):
        F = P.Counter(prothero, np.array([-2.0]))
        jp = P.JacobianProvider(prothero, np.array([-2.0]), F, "complex")
        status, L, *_ = bdf(F, jp, DenseLU(), 0.0, 10.0, np.array([1.0, 0.0]), 1e-6, 1e-8, None, True, 10**6, max_order=k)
        assert status == P.OK
        out[k] = (L.naccept, np.abs(L.us[-1] - prothero_exact(10.0)).max())
    assert out[5][0] * 5 < out[1][0]
    assert out[5][1] < 1e-4 and out[1][1] < 1e-3


@pytest.fixture(scope="module")
def rober_ref():
    r = solve_ivp(lambda t, u: ROBER.f(t, u, ROBER.p), ROBER.tspan, ROBER.u0, method="Radau", rtol=1e-12, atol=1e-16,
                  jac=lambda t, u: ROBER.jac(t, u, ROBER.p))
    return r.y[:, -1]


def test_rober_against_radau_with_factorisation_reuse(rober_ref):
    s = solve(rober_generic, ROBER.tspan, ROBER.u0, ROBER.p, method="BDF", rtol=1e-8, atol=1e-12)
    assert s.success, s.message
    np.testing.assert_allclose(s.u[-1], rober_ref, rtol=2e-4, atol=1e-10)
    np.testing.assert_allclose(s.u.sum(axis=1), 1.0, atol=1e-10)  # y1 + y2 + y3 = 1 (linear invariant)
    st = s.stats
    assert st.nlu < st.naccept / 4 and st.njac < st.naccept / 10  # factorisations and Jacobians are reused
    # tighter tolerance, smaller error: the error control works
    s2 = solve(rober_generic, ROBER.tspan, ROBER.u0, ROBER.p, method="BDF", rtol=1e-5, atol=1e-9)
    assert np.abs(s2.u[-1] - rober_ref).max() > np.abs(s.u[-1] - rober_ref).max()


def test_factorisation_reuse_changes_the_cost_not_the_answer(rober_ref):
    f, p = rober_generic, ROBER.p
    runs = {}
    for band in (0.0, 0.3):
        F = P.Counter(f, p)
        jp = P.JacobianProvider(f, p, F, "complex")
        status, L, njac, nlu, _ = bdf(F, jp, DenseLU(), 0.0, 1e5, np.array(ROBER.u0, float), 1e-7, 1e-11, None, True,
                                      10**6, reuse_band=band, lu_max_age=1 if band == 0 else 20)
        assert status == P.OK
        runs[band] = (L.us[-1], nlu, L.naccept)
    assert runs[0.0][1] >= runs[0.0][2]  # a factorisation at every step
    assert runs[0.3][1] < runs[0.0][1] / 4
    for band in runs:
        np.testing.assert_allclose(runs[band][0], rober_ref, rtol=1e-3, atol=1e-10)


def test_pollu_against_radau():
    ref = solve_ivp(lambda t, u: POLLU.f(t, u, POLLU.p), POLLU.tspan, POLLU.u0, method="Radau", rtol=1e-10,
                    atol=1e-14, jac=lambda t, u: POLLU.jac(t, u, POLLU.p)).y[:, -1]
    s = solve(POLLU.f, POLLU.tspan, POLLU.u0, POLLU.p, method="BDF", rtol=1e-8, atol=1e-12, jac=POLLU.jac)
    assert s.success
    big = ref > 1e-8
    np.testing.assert_allclose(s.u[-1][big], ref[big], rtol=1e-4)


def test_sparse_brusselator_matches_radau_and_scipy_bdf_costs():
    N = 8
    pr = brusselator_2d(N)
    S = brusselator_2d_sparsity(N)
    fs = lambda t, u: pr.f(t, u, np.asarray(pr.p))  # noqa: E731
    ref = solve_ivp(fs, pr.tspan, pr.u0, method="Radau", rtol=1e-10, atol=1e-10, jac_sparsity=S).y[:, -1]
    s = solve(pr.f, pr.tspan, pr.u0, pr.p, method="BDF", rtol=1e-6, atol=1e-6, jac_sparsity=S, tstops=pr.tstops)
    assert s.success and 1.1 in s.t
    err = np.abs(s.u[-1] - ref).max()
    sc = solve_ivp(fs, pr.tspan, pr.u0, method="BDF", rtol=1e-6, atol=1e-6, jac_sparsity=S)
    err_scipy = np.abs(sc.y[:, -1] - ref).max()
    assert err < 3 * err_scipy and err < 1e-4  # the same formulas: comparable accuracy ...
    assert s.stats.nlu < sc.nlu  # ... with fewer factorisations
    # the sparse LU path and the dense LU path agree
    F = P.Counter(pr.f, pr.p)
    from sciml_lib.ad.sparsity import SparseJacobianPlan

    jp = P.JacobianProvider(pr.f, pr.p, F, "complex", plan=SparseJacobianPlan(S))
    status, L, *_ = bdf(F, jp, SparseLU(), 0.0, 11.5, pr.u0.copy(), 1e-6, 1e-6, None, True, 10**6, tstops=(1.1,))
    assert status == P.OK
    np.testing.assert_allclose(L.us[-1], s.u[-1], rtol=1e-12, atol=1e-12)
    # Newton-Krylov (GMRES, ILU-preconditioned, inexact Newton at the current iterate): the same
    # formulas, so about the same steps and the same accuracy, with far fewer factorisations
    g = solve(pr.f, pr.tspan, pr.u0, pr.p, method="BDF", rtol=1e-6, atol=1e-6, jac_sparsity=S, tstops=pr.tstops,
              linsolve="gmres", precond="ilu")
    assert g.success and abs(g.stats.naccept - s.stats.naccept) <= 0.05 * s.stats.naccept
    err_g = np.abs(g.u[-1] - ref).max()
    assert err_g < 3 * err_scipy and err_g < 1e-4
    assert g.stats.nlu < s.stats.nlu / 3


def test_fixed_step_newton_failure_is_reported():
    def stiff_blowup(t, u, p):
        du = np.empty_like(u)
        du[0] = u[0] ** 3
        return du

    s = solve(stiff_blowup, (0.0, 5.0), np.array([2.0]), (), method="BDF", dt=0.5, adaptive=False)
    assert not s.success and "failures" in s.message


def test_bdf_exact_predictor_zero_error_estimate():
    """u' = 0: the predictor is exact, the error estimate is exactly 0; the order and step choice
    must treat that as "any step is fine" (it raised ZeroDivisionError before)."""
    from sciml_lib.ode import solve

    for kw in ({}, {"linsolve": "gmres"}):
        sol = solve(lambda t, u, p: np.zeros_like(u), (0.0, 10.0), [1.0, 2.0], method="BDF", **kw)
        assert sol.success, sol.message
        np.testing.assert_array_equal(sol.u[-1], [1.0, 2.0])
