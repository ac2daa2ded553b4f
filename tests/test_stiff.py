"""Stiff solvers (sciml_lib.stiff): Newton, orders, ROBER/POLLU against SciPy Radau, failures."""

import warnings

import numpy as np
import pytest
from numba import njit
from scipy.integrate import solve_ivp

from sciml_lib.plotting import fit_loglog_slope
from sciml_lib.problems import POLLU, ROBER, brusselator_2d, brusselator_2d_sparsity
from sciml_lib.stiff import METHODS, newton, solve


# ---------------------------------------------------------------- Newton
def circle_line(v):
    return np.array([v[0] ** 2 + v[1] ** 2 - 1.0, v[0] - v[1]])


def test_newton_quadratic_convergence():
    r = newton(circle_line, [3.0, 5.0])
    assert r.success
    root = 1 / np.sqrt(2)
    np.testing.assert_allclose(r.x, [root, root], rtol=1e-15)
    e = np.array([abs(x[0] - root) for x in r.iterates])
    e = e[(e > 1e-13) & (e < 1e-1)]
    ratios = e[1:] / e[:-1] ** 2  # bounded for quadratic convergence
    assert len(ratios) >= 2 and np.all(ratios < 5)
    orders = np.log(e[2:] / e[1:-1]) / np.log(e[1:-1] / e[:-2])
    assert np.all(orders > 1.8)
    assert r.iterates[1][0] == pytest.approx(2.1875)  # the lecture's first iterate


def test_newton_variants_and_failure():
    chord = newton(circle_line, [0.8, 0.6], reuse_jacobian=True, maxiter=200)
    assert chord.success and chord.njac == 1
    e = np.array([abs(x[0] - 1 / np.sqrt(2)) for x in chord.iterates])[1:8]
    rates = e[1:] / e[:-1]
    assert np.all(rates < 0.9) and np.all(rates > 1e-3)  # linear, not quadratic
    fd = newton(circle_line, [3.0, 5.0], jac="fd")
    assert fd.success and np.allclose(fd.x, 1 / np.sqrt(2))
    # arctan: plain Newton diverges from x0 = 1.5, the damped one converges
    plain = newton(lambda x: np.arctan(x), [1.5], maxiter=20)
    assert not plain.success
    damped = newton(lambda x: np.arctan(x), [1.5], damping=True)
    assert damped.success and abs(damped.x[0]) < 1e-12
    nor = newton(lambda x: x**2 + 1.0, [0.5], maxiter=30)
    assert not nor.success
    assert "maxiter" in nor.message or "diverged" in nor.message, nor.message
    with pytest.raises(ValueError, match="x0"):
        newton(circle_line, [np.nan, 1.0])
    with pytest.raises(ValueError, match="F"):
        newton(lambda v: np.ones(3), [1.0, 1.0])


# ---------------------------------------------------------------- order of accuracy
@njit(cache=True)
def prothero(t, u, p):
    du = np.empty_like(u)
    du[0] = p[0] * (u[0] - np.cos(t)) - np.sin(t)
    du[1] = -u[1] + u[0] * u[0]
    return du


def prothero_exact(t):
    # u0 = cos t exactly; u1' = -u1 + cos^2 t with u1(0) = 0
    return np.array([np.cos(t), 0.5 + 0.1 * np.cos(2 * t) + 0.2 * np.sin(2 * t) - 0.6 * np.exp(-t)])


@pytest.mark.parametrize("method", sorted(set(METHODS) - {"BDF"}))  # BDF's orders: tests/test_bdf.py
@pytest.mark.parametrize("python_rhs", [False, True])
def test_order_by_step_sweep(method, python_rhs):
    p = np.array([-2.0])
    f = prothero.py_func if python_rhs else prothero
    order = METHODS[method][0]
    dts = np.array([0.1, 0.05, 0.025, 0.0125])
    if method == "ImplicitEuler":
        dts = dts / 2
    if order == 5:
        dts = dts * 2  # stay above the rounding floor (~1e-12)
    errs = []
    for dt in dts:
        s = solve(f, (0.0, 1.0), np.array([1.0, 0.0]), p, method=method, dt=dt, adaptive=False, rtol=1e-12, atol=1e-12)
        assert s.success and s.t[-1] == pytest.approx(1.0)
        errs.append(np.abs(s.u[-1] - prothero_exact(1.0)).max())
    slope = fit_loglog_slope(dts, errs)
    assert abs(slope - order) < 0.3, (method, slope)


# ---------------------------------------------------------------- ROBER and POLLU
@pytest.fixture(scope="module")
def rober_ref():
    f = lambda t, u: ROBER.f(t, u, ROBER.p)  # noqa: E731
    j = lambda t, u: ROBER.jac(t, u, ROBER.p)  # noqa: E731
    r = solve_ivp(f, ROBER.tspan, ROBER.u0, method="Radau", rtol=1e-12, atol=1e-16, jac=j)
    return r.y[:, -1]


@njit(cache=True)
def rober_generic(t, u, p):
    du = np.empty_like(u)
    du[0] = -p[0] * u[0] + p[2] * u[1] * u[2]
    du[1] = p[0] * u[0] - p[1] * u[1] * u[1] - p[2] * u[1] * u[2]
    du[2] = p[1] * u[1] * u[1]
    return du


@pytest.mark.parametrize("method", ["Rodas4", "Rodas5P", "Rosenbrock23"])
def test_rober_against_radau(method, rober_ref):
    tol = 1e-7 if method == "Rosenbrock23" else 1e-8
    s = solve(rober_generic, ROBER.tspan, ROBER.u0, ROBER.p, method=method, rtol=tol, atol=1e-10)
    assert s.success, s.message
    np.testing.assert_allclose(s.u[-1], rober_ref, rtol=1e-3 if method == "Rosenbrock23" else 1e-4, atol=1e-11)
    np.testing.assert_allclose(s.u.sum(axis=1), 1.0, atol=1e-12)  # y1 + y2 + y3 = 1
    # one Jacobian per accepted step: a rejected step reuses it, and the last accepted step needs none
    assert s.stats.njac == s.stats.naccept
    assert s.stats.nlu == s.stats.naccept + s.stats.nreject  # one factorisation per attempted step
    # analytic Jacobian and AD Jacobian give the same steps (complex step is exact)
    s2 = solve(rober_generic, ROBER.tspan, ROBER.u0, ROBER.p, method=method, rtol=tol, atol=1e-10, jac=ROBER.jac)
    assert s2.stats.naccept == s.stats.naccept
    np.testing.assert_allclose(s2.u[-1], s.u[-1], rtol=1e-9)


def test_rober_via_ode_solve_and_problem_rhs(rober_ref):
    from sciml_lib import ode

    s = ode.solve(ROBER.f, ROBER.tspan, ROBER.u0, ROBER.p, method="Rodas4", rtol=1e-8, atol=1e-10, jac=ROBER.jac)
    assert s.success and s.method == "Rodas4"
    np.testing.assert_allclose(s.u[-1], rober_ref, rtol=1e-4, atol=1e-11)
    # The library's ROBER takes complex input, so the default Jacobian is the complex step (no fallback).
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        s = solve(ROBER.f, ROBER.tspan, ROBER.u0, ROBER.p, method="Rosenbrock23", rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(s.u[-1], rober_ref, rtol=1e-3, atol=1e-11)


@njit
def _rober_float_only(t, u, p):
    du = np.empty(3)  # float64 storage: complex input cannot pass through
    du[0] = -p[0] * u[0] + p[2] * u[1] * u[2]
    du[1] = p[0] * u[0] - p[1] * u[1] ** 2 - p[2] * u[1] * u[2]
    du[2] = p[1] * u[1] ** 2
    return du


def test_float_only_rhs_falls_back_to_finite_differences(rober_ref):
    with pytest.warns(RuntimeWarning, match="finite differences"):
        s = solve(_rober_float_only, ROBER.tspan, ROBER.u0, ROBER.p, method="Rosenbrock23", rtol=1e-7, atol=1e-10)
    assert s.success
    np.testing.assert_allclose(s.u[-1], rober_ref, rtol=1e-3, atol=1e-11)


@njit(cache=True)
def _forced_stiff(t, u, p):
    du = np.empty_like(u)
    du[0] = -1000.0 * u[0] + u[1] + np.sin(t)
    du[1] = -u[1]
    return du


def test_proportional_tolerance_scales_both_tolerances_below_the_threshold():
    from sciml_lib.ode._control import TOL_PROPORTIONAL_FROM, proportional_tolerance

    assert proportional_tolerance(1e-4, 1e-7, 2) == (1e-4, 1e-7)  # unchanged above
    r0 = TOL_PROPORTIONAL_FROM
    for rtol in (1e-8, 1e-10):
        r, a = proportional_tolerance(rtol, np.array([1e-9, 1e-11]), 2)
        # order 2: rtol**1.5 / r0**0.5, so that the global error ~ r**(2/3) ~ rtol / r0**(1/3)
        assert r == pytest.approx(rtol**1.5 / r0**0.5)
        np.testing.assert_allclose(a, np.array([1e-9, 1e-11]) * r / rtol)
        assert (r / r0) ** (2 / 3) == pytest.approx(rtol / r0)


def test_trbdf2_global_error_is_proportional_to_rtol_below_1e_6():
    """TR-BDF2 estimates the local error of the order-2 solution it advances: above rtol 1e-6 the
    global error falls like rtol**(2/3) (slope 0.67), below it the internal tolerance of
    proportional_tolerance makes it fall like rtol (slope 1). Oracle: SciPy Radau at 1e-13."""
    ref = solve_ivp(lambda t, u: _forced_stiff(t, u, ()), (0.0, 10.0), [1.0, 1.0], method="Radau",
                    rtol=1e-13, atol=1e-16).y[:, -1]
    rtols = np.array([1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8])
    errs = []
    for r in rtols:
        s = solve(_forced_stiff, (0.0, 10.0), np.array([1.0, 1.0]), (), method="TRBDF2", rtol=r,
                  atol=1e-3 * r)
        assert s.success
        errs.append(np.abs(s.u[-1] - ref).max() / np.abs(ref).max())
    errs = np.array(errs)
    assert 0.55 < fit_loglog_slope(rtols[:4], errs[:4]) < 0.8
    assert 0.9 < fit_loglog_slope(rtols[3:], errs[3:]) < 1.1
    assert np.all(errs[3:] < 30 * rtols[3:])


@pytest.mark.parametrize("method", ["TRBDF2", "ImplicitEuler"])
def test_rober_newton_methods(method, rober_ref):
    rtol = 1e-6 if method == "TRBDF2" else 1e-4
    s = solve(rober_generic, (0.0, 100.0), ROBER.u0, ROBER.p, method=method, rtol=rtol, atol=1e-10)
    ref = solve_ivp(lambda t, u: ROBER.f(t, u, ROBER.p), (0, 100.0), ROBER.u0, method="Radau", rtol=1e-12, atol=1e-16,
                    jac=lambda t, u: ROBER.jac(t, u, ROBER.p)).y[:, -1]
    assert s.success
    # global error of a first-order method accumulates well above its local tolerance
    np.testing.assert_allclose(s.u[-1], ref, rtol=(20 if method == "TRBDF2" else 100) * rtol, atol=1e-9)
    np.testing.assert_allclose(s.u.sum(axis=1), 1.0, atol=1e-10)
    assert s.stats.nnewton > 0 and s.stats.njac < s.stats.naccept  # Jacobian reuse across steps


def test_pollu_against_radau():
    f = lambda t, u: POLLU.f(t, u, POLLU.p)  # noqa: E731
    j = lambda t, u: POLLU.jac(t, u, POLLU.p)  # noqa: E731
    ref = solve_ivp(f, POLLU.tspan, POLLU.u0, method="Radau", rtol=1e-10, atol=1e-14, jac=j).y[:, -1]
    for method, tol in (("Rodas4", 1e-8), ("Rosenbrock23", 1e-7)):
        s = solve(POLLU.f, POLLU.tspan, POLLU.u0, POLLU.p, method=method, rtol=tol, atol=1e-12, jac=POLLU.jac)
        assert s.success
        big = ref > 1e-8
        np.testing.assert_allclose(s.u[-1][big], ref[big], rtol=1e-4 if method == "Rodas4" else 2e-3)


# ---------------------------------------------------------------- sparse and Krylov
def test_brusselator_linear_solvers_agree():
    pr = brusselator_2d(8)
    S = brusselator_2d_sparsity(8)
    tspan = (0.0, 1.0)
    ref = solve_ivp(lambda t, u: pr.f(t, u, pr.p), tspan, pr.u0, method="Radau", rtol=1e-10, atol=1e-10,
                    jac=lambda t, u: pr.jac(t, u, pr.p)).y[:, -1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        runs = {
            "dense": dict(linsolve="dense"),
            "splu-colored": dict(jac_sparsity=S),
            "splu-user": dict(jac=pr.jac, linsolve="splu"),
            "gmres": dict(linsolve="gmres"),
            "gmres-ilu": dict(linsolve="gmres", precond="ilu", jac_sparsity=S),
        }
        for name, kw in runs.items():
            s = solve(pr.f, tspan, pr.u0, pr.p, method="Rodas4", rtol=1e-6, atol=1e-6, **kw)
            assert s.success, name
            np.testing.assert_allclose(s.u[-1], ref, rtol=1e-4, atol=1e-5, err_msg=name)
        s = solve(pr.f, tspan, pr.u0, pr.p, method="TRBDF2", rtol=1e-6, atol=1e-6, jac_sparsity=S)
        np.testing.assert_allclose(s.u[-1], ref, rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------- dense output, saveat
def test_saveat_and_dense_output():
    p = np.array([-50.0])
    s = solve(prothero, (0.0, 2.0), np.array([1.0, 0.0]), p, rtol=1e-9, atol=1e-11, saveat=[0.5, 1.0, 1.5])
    np.testing.assert_allclose(s.t, [0.5, 1.0, 1.5])
    for t, u in zip(s.t, s.u):
        np.testing.assert_allclose(u, prothero_exact(t), atol=1e-6)
    np.testing.assert_allclose(s(0.77), prothero_exact(0.77), atol=1e-6)
    back = solve(prothero, (2.0, 0.0), prothero_exact(2.0), np.array([-0.5]), rtol=1e-9, atol=1e-11)  # stable backwards
    assert back.success
    np.testing.assert_allclose(back.u[-1], prothero_exact(0.0), atol=1e-6)


# ---------------------------------------------------------------- bad input and failure
def test_bad_input():
    u0 = np.array([1.0, 0.0])
    p = np.array([-2.0])
    cases = [
        (dict(tspan=(0.0,)), ValueError, "tspan"),
        (dict(tspan=(1.0, 1.0)), ValueError, "tspan"),
        (dict(u0=np.array([np.nan, 0.0])), ValueError, "u0"),
        (dict(rtol=0.0), ValueError, "rtol"),
        (dict(atol=-1.0), ValueError, "atol"),
        (dict(method="RK45"), ValueError, "method"),
        (dict(linsolve="cholesky"), ValueError, "linsolve"),
        (dict(jac="magic"), ValueError, "jac"),
        (dict(adaptive=False), ValueError, "dt"),
        (dict(saveat=[5.0]), ValueError, "saveat"),
        (dict(max_steps=0), ValueError, "max_steps"),
        (dict(jac_sparsity=np.eye(3)), ValueError, "jac_sparsity"),
    ]
    for kw, exc, name in cases:
        args = dict(tspan=(0.0, 1.0), u0=u0)
        args.update(kw)
        with pytest.raises(exc, match=name):
            solve(prothero, args.pop("tspan"), args.pop("u0"), p, **args)
    with pytest.raises(ValueError, match="f"):
        solve(lambda t, u, p: np.ones(3), (0.0, 1.0), u0, p)
    with pytest.raises(TypeError, match="f"):
        solve(3.0, (0.0, 1.0), u0, p)


@njit(cache=True)
def blowup(t, u, p):
    du = np.empty_like(u)
    du[0] = u[0] * u[0]
    return du


@pytest.mark.parametrize("method", sorted(METHODS))
def test_failure_paths(method):
    s = solve(rober_generic, ROBER.tspan, ROBER.u0, ROBER.p, method=method, max_steps=5)
    assert not s.success and "max_steps" in s.message
    # u' = u^2, u(0) = 1 blows up at t = 1: the solver must stop with a reason, not hang
    s = solve(blowup, (0.0, 2.0), np.array([1.0]), np.zeros(1), method=method, max_steps=20_000)
    assert not s.success and s.t[-1] < 1.0 + 1e-3
    assert s.t[-1] > 0.99  # it followed the solution up to the blow-up
    reasons = ("step size fell below machine precision", "reached max_steps", "repeated step failures")
    assert any(r in s.message for r in reasons), s.message
    assert s.message.endswith(f"at t = {s.t[-1]:.6g}")


def test_hires_against_radau_and_complex_jacobian():
    from sciml_lib.ad.forward import rhs_jacobian, supports_complex
    from sciml_lib.problems.hires import HIRES

    # the generic HIRES right-hand side is complex-capable: AD Jacobian == analytic Jacobian
    u = np.linspace(0.1, 0.8, 8)
    assert supports_complex(HIRES.f, 0.0, u, HIRES.p)
    np.testing.assert_allclose(rhs_jacobian(HIRES.f, 0.0, u, HIRES.p), HIRES.jac(0.0, u, HIRES.p), rtol=1e-14, atol=1e-14)
    ref = solve_ivp(lambda t, y: HIRES.f(t, y, HIRES.p), HIRES.tspan, HIRES.u0, method="Radau", rtol=1e-11, atol=1e-14,
                    jac=lambda t, y: HIRES.jac(t, y, HIRES.p)).y[:, -1]
    s = solve(HIRES.f, HIRES.tspan, HIRES.u0, HIRES.p, method="Rodas4", rtol=1e-8, atol=1e-12)
    assert s.success
    np.testing.assert_allclose(s.u[-1], ref, rtol=1e-5)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A fresh compile-cache folder, so that a generated module must be written by this test."""
    from sciml_lib import _specialize

    monkeypatch.setenv("SCIML_LIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_specialize, "_CACHE", {})
    return tmp_path / "cache"


def test_specialized_rosenbrock_loop_matches_the_function_pointer_loop(private_cache):
    """specialize=True compiles the loop with f and jac as globals (disk-cached): same arithmetic, same steps."""
    from numba import njit

    from sciml_lib._specialize import generated_dir
    from sciml_lib.problems import ROBER

    for method in ("Rodas5", "Rosenbrock23"):
        kw = dict(method=method, rtol=1e-7, atol=1e-9, jac=ROBER.jac)
        a = solve(ROBER.f, (0.0, 1e3), ROBER.u0, ROBER.p, **kw)
        b = solve(ROBER.f, (0.0, 1e3), ROBER.u0, ROBER.p, specialize=True, **kw)
        assert a.stats == b.stats
        np.testing.assert_allclose(a.u, b.u, rtol=1e-13, atol=1e-15)
    assert generated_dir() == private_cache
    assert len(list(private_cache.glob("sciml_rodas_rober_rhs_*.py"))) == 1
    assert len(list(private_cache.glob("sciml_ros23_rober_rhs_*.py"))) == 1

    @njit
    def local_decay(t, u, p):  # not importable: in-memory specialisation
        out = np.empty_like(u)
        out[0] = -p[0] * u[0]
        return out

    c = solve(local_decay, (0.0, 1.0), [1.0], np.array([50.0]), method="Rodas4", rtol=1e-8, atol=1e-10, specialize=True)
    assert c.success and abs(c.u[-1, 0] - np.exp(-50.0)) < 1e-8


@njit(cache=True)
def switched_decay(t, u, p):
    """u' = -u + (5 if t >= 1 else 0): a forcing that jumps at t = 1."""
    out = np.empty_like(u)
    out[0] = -u[0] + (5.0 if t >= 1.0 else 0.0)
    return out


def _switched_exact(t):
    return np.exp(-t) if t < 1.0 else np.exp(-t) + 5.0 * (1.0 - np.exp(-(t - 1.0)))


@pytest.mark.parametrize("method", ["Rodas4", "Rosenbrock23", "TRBDF2", "BDF"])
def test_tstops_end_a_step_at_a_jump(method):
    """With tstops a step ends exactly at the jump; the solution then meets the (piecewise) exact one."""
    kw = dict(method=method, rtol=1e-8, atol=1e-10)
    s = solve(switched_decay, (0.0, 3.0), [1.0], (), tstops=[1.0], **kw)
    assert s.success and 1.0 in s.t
    assert abs(s.u[-1, 0] - _switched_exact(3.0)) < 1e-5  # global error of order-2 methods: ~100 x rtol
    back = solve(switched_decay, (3.0, 0.5), s.u[-1], (), tstops=[1.0], **kw)  # backwards too
    assert back.success and 1.0 in back.t


def test_tstops_bad_input():
    with pytest.raises(ValueError, match="tstops"):
        solve(switched_decay, (0.0, 3.0), [1.0], (), tstops=[4.0])
    with pytest.raises(ValueError, match="tstops"):
        solve(switched_decay, (0.0, 3.0), [1.0], (), tstops=[np.nan])
    assert brusselator_2d(4).tstops == (1.1,)


@pytest.mark.parametrize("method", ["Rodas4", "Rodas5", "Rodas5P", "Rosenbrock23", "TRBDF2"])
def test_tuple_rhs_is_bit_identical_to_the_array_rhs(method):
    """A right-hand side returning a tuple (no allocation per stage) runs the same arithmetic in every
    path: compiled loop (function pointers or specialised), each Jacobian mode, and the Python steppers."""
    from sciml_lib.problems import rober_rhs_tuple

    # specialize applies to the compiled Rosenbrock loops only; other methods reject it
    specs = (False, True) if method.startswith("Ro") else (False,)
    for jac in (ROBER.jac, None, "fd"):
        for spec in specs:
            kw = dict(method=method, rtol=1e-6, atol=1e-8, jac=jac, specialize=spec)
            a = solve(ROBER.f, (0.0, 100.0), ROBER.u0, ROBER.p, **kw)
            b = solve(rober_rhs_tuple, (0.0, 100.0), ROBER.u0, ROBER.p, **kw)
            assert a.success and b.success
            assert a.stats == b.stats
            np.testing.assert_array_equal(a.u, b.u)
            np.testing.assert_array_equal(a.interpolant.du, b.interpolant.du)


def test_tuple_rhs_of_the_wrong_length_is_rejected():
    @njit
    def short(t, u, p):
        return (-u[0], -u[1])

    with pytest.raises(ValueError, match="f"):
        solve(short, (0.0, 1.0), [1.0, 1.0, 1.0], (), method="Rodas4")


def test_rodas5p_error_estimate_tracks_the_global_error_on_the_brusselator():
    """Rodas5's embedded estimate is optimistic on the Brusselator (global error 6-30x the tolerance);
    Rodas5P's (Steinebach 2023) keeps the global error within a few tolerances."""
    pr, S = brusselator_2d(8), brusselator_2d_sparsity(8)
    ref = solve_ivp(lambda t, u: pr.f(t, u, pr.p), pr.tspan, pr.u0, method="Radau", rtol=1e-10, atol=1e-10,
                    jac_sparsity=S).y[:, -1]
    for tol in (1e-4, 1e-6):
        errs = {}
        for m in ("Rodas5", "Rodas5P"):
            s = solve(pr.f, pr.tspan, pr.u0, pr.p, method=m, rtol=tol, atol=tol, jac_sparsity=S, tstops=pr.tstops)
            assert s.success
            errs[m] = np.abs(s.u[-1] - ref).max()
        assert errs["Rodas5P"] < 5 * tol
        assert errs["Rodas5P"] < errs["Rodas5"] / 3


@pytest.mark.parametrize("method", ["Rodas4", "Rodas5", "Rodas5P", "Rosenbrock23"])
def test_compiled_and_python_rosenbrock_loops_take_the_same_steps(method):
    """The compiled loop (an @njit f) and the Python loop (a plain Python f) are one method."""
    from sciml_lib.problems import HIRES

    for prob in (ROBER, HIRES):
        kw = dict(method=method, rtol=1e-6, atol=1e-10)
        a = solve(prob.f, prob.tspan, prob.u0, prob.p, **kw)
        b = solve(lambda t, u, p: prob.f(t, u, p), prob.tspan, prob.u0, prob.p, **kw)
        assert a.success and b.success
        assert (a.stats.naccept, a.stats.nreject) == (b.stats.naccept, b.stats.nreject)
        # rounding (compiled LU vs LAPACK) moves the step sizes by ~1e-6 relative, no more
        np.testing.assert_allclose(a.t, b.t, rtol=1e-4)
        np.testing.assert_allclose(a.u[-1], b.u[-1], rtol=1e-8, atol=1e-14)
