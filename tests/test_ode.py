"""The explicit Runge-Kutta solver against analytic solutions, SciPy and measured orders."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from scipy.integrate import solve_ivp

from sciml_lib.ode import TABLEAUS, ODESolution, solve
from sciml_lib.plotting import fit_loglog_slope
from sciml_lib.problems import HARMONIC_OSCILLATOR, LORENZ, LOTKA_VOLTERRA, harmonic_exact


@njit(cache=True)
def riccati(t, u, p):
    """u' = -2 t u^2 (nonlinear, non-autonomous); u(0) = 1 gives u = 1 / (1 + t^2)."""
    du = np.empty(1)
    du[0] = -2.0 * t * u[0] * u[0]
    return du


@njit(cache=True)
def linear(t, u, p):
    """u' = M u with M = [[-1, 2], [-2, -1]]: u = exp(-t) R(2t) u0."""
    du = np.empty(2)
    du[0] = -u[0] + 2.0 * u[1]
    du[1] = -2.0 * u[0] - u[1]
    return du


def linear_exact(t, u0):
    t = np.atleast_1d(t)
    c, s = np.cos(2 * t), np.sin(2 * t)
    return np.exp(-t)[:, None] * np.stack([c * u0[0] + s * u0[1], -s * u0[0] + c * u0[1]], axis=1)


ORDERS = {name: tab.order for name, tab in TABLEAUS.items()}


@njit(cache=True)
def nonlinear2(t, u, p):
    """A smooth nonlinear non-autonomous 2-D system (no closed form; reference by DOP853)."""
    du = np.empty(2)
    du[0] = np.cos(t) * u[0] - u[1] * u[0]
    du[1] = u[0] - np.sin(3.0 * t) * u[1]
    return du


@njit(cache=True)
def exp_sin(t, u, p):
    """u' = cos(t) u, u(0) = 1: u = exp(sin t)."""
    return np.cos(t) * u


@pytest.mark.parametrize("name", list(ORDERS))
def test_measured_convergence_order(name):
    """Fixed-step global error vs dt: fitted slope within 0.2 of the claimed order.

    The fit uses the smallest steps whose error is still above round-off (the
    asymptotic regime). Vern7's error falls so fast that its asymptotic regime
    is only reached near 1e-12 on the 2-D test system; it is measured on
    u' = cos(t) u, whose exact solution allows errors down to 1e-13.
    """
    p = ORDERS[name]
    if name == "Vern7":
        T, u0, f, lo, keep = 1.0, [1.0], exp_sin, 3e-14, 3
        ref = np.array([np.exp(np.sin(T))])
        nsteps = 2 ** np.arange(1, 9)
    else:
        T, u0, f, lo, keep = 2.0, [1.0, 0.5], nonlinear2, 1e-12, 4
        ref = solve_ivp(lambda t, u: f(t, u, ()), (0, T), u0, method="DOP853", rtol=3e-14, atol=1e-16).y[:, -1]
        nsteps = np.unique(np.geomspace(4, 2**15, 27).astype(int))
    dts, errs = [], []
    for n in nsteps:
        sol = solve(f, (0.0, T), u0, method=name, adaptive=False, dt=T / n, dense=False)
        assert sol.success and sol.stats.naccept == n
        dts.append(T / n)
        errs.append(np.abs(sol.u[-1] - ref).max())
    dts, errs = np.array(dts), np.array(errs)
    sel = np.nonzero((errs > lo) & (errs < 1e-3))[0][-keep:]
    assert sel.size == keep, (name, errs)
    slope = fit_loglog_slope(dts[sel], errs[sel])
    assert abs(slope - p) < 0.2, (name, slope, errs[sel])


@pytest.mark.parametrize("name", ["Heun", "BS3", "DP5", "Tsit5", "Vern7"])
def test_adaptive_against_analytic_linear_system(name):
    u0 = np.array([1.0, 0.5])
    sol = solve(linear, (0.0, 5.0), u0, method=name, rtol=1e-9, atol=1e-12)
    assert sol.success, sol.message
    np.testing.assert_allclose(sol.u, linear_exact(sol.t, u0), atol=1e-6 if name == "Heun" else 1e-7)
    assert sol.t[0] == 0.0 and sol.t[-1] == 5.0


@pytest.mark.parametrize("name", ["DP5", "Tsit5", "Vern7"])
def test_tolerance_proportionality(name):
    """Global error falls as the tolerance tightens (by >= 100x over 4 decades)."""
    errs = []
    for tol in (1e-5, 1e-9):
        sol = solve(riccati, (0.0, 2.0), [1.0], method=name, rtol=tol, atol=tol)
        errs.append(abs(sol.u[-1, 0] - 0.2))
    assert errs[1] < errs[0] / 100


@pytest.mark.parametrize("name", ["DP5", "Tsit5", "Vern7"])
def test_against_scipy_dop853_tight(name):
    p = LOTKA_VOLTERRA.p
    ref = solve_ivp(lambda t, u: LOTKA_VOLTERRA.f(t, u, p), (0, 10), LOTKA_VOLTERRA.u0, method="DOP853",
                    rtol=1e-12, atol=1e-12, dense_output=True)
    sol = solve(LOTKA_VOLTERRA.f, (0.0, 10.0), LOTKA_VOLTERRA.u0, p, method=name, rtol=1e-12, atol=1e-12)
    assert sol.success
    np.testing.assert_allclose(sol.u, ref.sol(sol.t).T, rtol=0, atol=1e-9)


def test_harmonic_oscillator_energy_and_phase():
    sol = solve(HARMONIC_OSCILLATOR.f, (0.0, 20.0), HARMONIC_OSCILLATOR.u0, HARMONIC_OSCILLATOR.p,
                method="Tsit5", rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sol.u, harmonic_exact(sol.t, HARMONIC_OSCILLATOR.u0), atol=1e-8)


@pytest.mark.parametrize("name", ["DP5", "Tsit5", "BS3", "Vern7", "RK4"])
def test_dense_output_between_steps(name):
    kw = dict(rtol=1e-10, atol=1e-12) if name != "RK4" else dict(dt=0.01)
    u0 = np.array([1.0, 0.5])
    sol = solve(linear, (0.0, 3.0), u0, method=name, **kw)
    mid = 0.5 * (sol.t[:-1] + sol.t[1:])  # midpoints: the hardest place for an interpolant
    err = np.abs(sol(mid) - linear_exact(mid, u0)).max()
    tol = {"DP5": 1e-8, "Tsit5": 1e-8, "BS3": 1e-6, "Vern7": 1e-5, "RK4": 1e-8}[name]  # Vern7: Hermite
    assert err < tol, err
    # interpolation reproduces the step points
    np.testing.assert_allclose(sol(sol.t), sol.u, atol=1e-13)
    # scalar call gives a 1-D state
    assert sol(1.0).shape == (2,)


def test_dense_output_order_dp5():
    """DP5's interpolant is 4th order: midpoint error / h^5 stays bounded as h falls (fixed steps)."""
    u0 = np.array([1.0, 0.5])
    errs = []
    hs = [0.2, 0.1, 0.05]
    for h in hs:
        sol = solve(linear, (0.0, 2.0), u0, method="DP5", adaptive=False, dt=h)
        mid = sol.t[:-1] + 0.37 * h
        errs.append(np.abs(sol(mid) - linear_exact(mid, u0)).max())
    assert fit_loglog_slope(hs, errs) > 4.5  # local interpolation error O(h^5)


def test_saveat_matches_exact_and_dense():
    u0 = np.array([1.0, 0.5])
    ts = np.linspace(0, 4, 41)
    sol = solve(linear, (0.0, 4.0), u0, method="DP5", rtol=1e-10, atol=1e-12, saveat=ts)
    np.testing.assert_array_equal(sol.t, ts)
    np.testing.assert_allclose(sol.u, linear_exact(ts, u0), atol=1e-8)
    np.testing.assert_allclose(sol(ts), sol.u, atol=1e-12)
    sol2 = solve(linear, (0.0, 4.0), u0, method="DP5", saveat=ts[::-1], dense=False)
    np.testing.assert_array_equal(sol2.t, ts)  # sorted
    with pytest.raises(ValueError, match="dense"):
        sol2(1.0)


def test_backward_integration():
    u0 = np.array([1.0, 0.5])
    fwd = solve(linear, (0.0, 2.0), u0, method="Tsit5", rtol=1e-11, atol=1e-13)
    back = solve(linear, (2.0, 0.0), fwd.u[-1], method="Tsit5", rtol=1e-11, atol=1e-13)
    assert back.success and back.t[-1] == 0.0 and np.all(np.diff(back.t) < 0)
    np.testing.assert_allclose(back.u[-1], u0, atol=1e-8)
    np.testing.assert_allclose(back(1.0), linear_exact(1.0, u0)[0], atol=1e-8)


def test_python_rhs_gives_same_answer_as_njit():
    py = riccati.py_func
    a = solve(py, (0.0, 2.0), [1.0], method="DP5", rtol=1e-8)
    b = solve(riccati, (0.0, 2.0), [1.0], method="DP5", rtol=1e-8)
    np.testing.assert_allclose(a.u, b.u, rtol=1e-14)
    assert a.stats == b.stats
    c = solve(lambda t, u, p: -p[0] * u, (0, 1), [1.0], [2.0], method="Tsit5", rtol=1e-10, atol=1e-12)
    assert abs(c.u[-1, 0] - np.exp(-2.0)) < 1e-9


def test_tuple_parameters_and_fixed_step_counts():
    @njit
    def decay(t, u, p):
        return -p[0] * u

    sol = solve(decay, (0.0, 1.0), np.ones(3), (0.5,), method="RK4", dt=0.1)
    assert sol.stats.naccept == 10 and len(sol.t) == 11
    np.testing.assert_allclose(sol.t, np.linspace(0, 1, 11), atol=1e-15)
    assert sol.stats.nf == 4 * 10 + 1  # 4 stages per step + the slope at the end
    np.testing.assert_allclose(sol.u[-1], np.exp(-0.5), rtol=1e-6)


def test_lorenz_accepted_steps_close_to_scipy_rk45():
    """Same method and controller family as SciPy's RK45: accepted steps within 5%."""
    p = LORENZ.p
    ref = solve_ivp(lambda t, u: LORENZ.f(t, u, p), (0.0, 20.0), LORENZ.u0, method="RK45", rtol=1e-8, atol=1e-8)
    sol = solve(LORENZ.f, (0.0, 20.0), LORENZ.u0, p, method="DP5", rtol=1e-8, atol=1e-8)
    assert abs(sol.stats.naccept / (len(ref.t) - 1) - 1) < 0.05
    assert sol.stats.nf == 6 * (sol.stats.naccept + sol.stats.nreject) + 2


def test_lorenz_short_time_against_dop853():
    p = LORENZ.p
    ref = solve_ivp(lambda t, u: LORENZ.f(t, u, p), (0.0, 0.5), LORENZ.u0, method="DOP853", rtol=1e-13, atol=1e-13)
    sol = solve(LORENZ.f, (0.0, 0.5), LORENZ.u0, p, method="Vern7", rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sol.u[-1], ref.y[:, -1], rtol=1e-9)


# ----------------------------------------------------------------------------- failure paths
def test_max_steps_returns_failure():
    sol = solve(LORENZ.f, LORENZ.tspan, LORENZ.u0, LORENZ.p, method="DP5", max_steps=50)
    assert isinstance(sol, ODESolution)
    assert not sol.success and "max_steps" in sol.message
    assert sol.stats.naccept + sol.stats.nreject == 50
    assert sol.t[-1] < 100.0
    with pytest.raises(ValueError, match="span"):
        sol(99.0)


@njit(cache=True)
def blowup(t, u, p):
    """u' = u^2, u(0) = 1: u = 1/(1 - t) blows up at t = 1."""
    return u * u


def test_finite_time_blowup_fails_cleanly():
    sol = solve(blowup, (0.0, 2.0), [1.0], method="DP5")
    assert not sol.success
    assert sol.t[-1] < 1.0 + 1e-6
    assert "step size" in sol.message.lower() or "non-finite" in sol.message.lower() or "max_steps" in sol.message
    fixed = solve(blowup, (0.0, 2.0), [1.0], method="Euler", dt=0.01)
    assert not fixed.success and "non-finite" in fixed.message


def test_stiff_problem_with_explicit_method_reports_step_limit():
    from sciml_lib.problems import ROBER

    sol = solve(ROBER.f, ROBER.tspan, ROBER.u0, ROBER.p, method="DP5", max_steps=20000)
    assert not sol.success and sol.stats.naccept + sol.stats.nreject == 20000


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(u0=[np.nan, 1.0]), ValueError, "u0"),
        (dict(u0=[[1.0, 0.5]]), ValueError, "u0"),
        (dict(rtol=0.0), ValueError, "rtol"),
        (dict(rtol=-1e-3), ValueError, "rtol"),
        (dict(atol=0.0), ValueError, "atol"),
        (dict(atol=[1e-6, 1e-6, 1e-6]), ValueError, "atol"),
        (dict(tspan=(0.0, 1.0, 2.0)), ValueError, "tspan"),
        (dict(tspan=(1.0, 1.0)), ValueError, "tspan"),
        (dict(tspan=(0.0, np.inf)), ValueError, "tspan"),
        (dict(saveat=[0.5, 3.0]), ValueError, "saveat"),
        (dict(method="RK45"), ValueError, "method"),
        (dict(method="RK4"), ValueError, "dt"),
        (dict(dt=0.0, adaptive=False), ValueError, "dt"),
        (dict(max_steps=0), ValueError, "max_steps"),
        (dict(foo=1), TypeError, "foo"),
        (dict(f=lambda t, u, p: u[:1]), ValueError, "f"),
        (dict(f=lambda t, u, p: [1.0, 2.0]), TypeError, "f"),
        (dict(f=lambda t, u: u), TypeError, "f"),
        (dict(f=3), TypeError, "f"),
    ],
)
def test_bad_input(kwargs, exc, word):
    args = dict(f=linear, tspan=(0.0, 1.0), u0=[1.0, 0.5])
    args.update(kwargs)
    f, tspan, u0 = args.pop("f"), args.pop("tspan"), args.pop("u0")
    with pytest.raises(exc, match=word):
        solve(f, tspan, u0, **args)


def test_unknown_method_lists_valid_ones():
    with pytest.raises(ValueError) as info:
        solve(linear, (0, 1), [1.0, 0.5], method="nope")
    for name in TABLEAUS:
        assert name in str(info.value)


def test_specialized_loop_matches_function_pointer_loop(tmp_path, monkeypatch):
    """The specialised loop (the default for a module-level f: generated, disk-cached module with
    the tableau frozen and the array literal returned as a tuple) is the same arithmetic as the
    loop compiled once for function pointers (specialize=False)."""
    from sciml_lib._specialize import generated_dir

    monkeypatch.setenv("SCIML_LIB_CACHE_DIR", str(tmp_path / "cache"))  # a folder of its own
    kw = dict(method="DP5", rtol=1e-9, atol=1e-9)
    a = solve(LORENZ.f, (0.0, 5.0), LORENZ.u0, LORENZ.p, specialize=False, **kw)
    b = solve(LORENZ.f, (0.0, 5.0), LORENZ.u0, LORENZ.p, **kw)
    np.testing.assert_allclose(a.u, b.u, rtol=1e-13, atol=1e-13)
    assert a.stats == b.stats
    assert list(generated_dir().glob("sciml_rk_lorenz_rhs_*.py"))  # the generated loop
    assert list(generated_dir().glob("sciml_tuple_lorenz_rhs_*.py"))  # its tuple-returning f


@pytest.mark.slow
def test_specialized_loop_for_a_local_function():
    """A function that cannot be imported gets an in-memory specialisation (compiled every process)."""

    @njit
    def local(t, u, p):
        return -p[0] * u

    c = solve(local, (0.0, 1.0), [1.0, 2.0], (3.0,), method="Tsit5", rtol=1e-10, atol=1e-12, specialize=True)
    np.testing.assert_allclose(c.u[-1], np.exp(-3.0) * np.array([1.0, 2.0]), rtol=1e-8)


def test_non_array_parameters_use_the_specialised_loop():
    @njit
    def scaled(t, u, p):
        k, name_len = p
        return -k * name_len * u

    sol = solve(scaled, (0.0, 1.0), [1.0], (0.5, 2), method="DP5", rtol=1e-10, atol=1e-12)
    assert abs(sol.u[-1, 0] - np.exp(-1.0)) < 1e-9


def test_stiff_method_names_are_forwarded():
    stiff = pytest.importorskip("sciml_lib.stiff")
    if not getattr(stiff, "METHODS", ()):
        pytest.skip("sciml_lib.stiff has no methods yet")
    from sciml_lib.problems import ROBER

    method = list(stiff.METHODS)[0]
    sol = solve(ROBER.f, (0.0, 1.0), ROBER.u0, ROBER.p, method=method, rtol=1e-6, atol=1e-10, jac=ROBER.jac)
    assert isinstance(sol, ODESolution) and sol.success
    assert abs(sol.u[-1].sum() - 1.0) < 1e-6  # ROBER conserves y1 + y2 + y3


# ----------------------------------------------------------------------------- tuple-returning right-hand sides
def test_tuple_rhs_gives_the_same_solution_as_the_array_rhs():
    """lorenz_rhs_tuple is the same arithmetic as lorenz_rhs: identical steps, states and dense output."""
    from sciml_lib.problems import lorenz_rhs_tuple

    for method in ("DP5", "Tsit5", "Vern7"):
        kw = dict(method=method, rtol=1e-9, atol=1e-9)
        a = solve(LORENZ.f, (0.0, 5.0), LORENZ.u0, LORENZ.p, **kw)
        b = solve(lorenz_rhs_tuple, (0.0, 5.0), LORENZ.u0, LORENZ.p, **kw)
        assert a.stats == b.stats
        np.testing.assert_array_equal(a.u, b.u)
        tq = np.linspace(0.1, 4.9, 17)
        np.testing.assert_array_equal(a(tq), b(tq))
    c = solve(lorenz_rhs_tuple, (0.0, 5.0), LORENZ.u0, LORENZ.p, method="DP5", saveat=[1.0, 2.5], dense=False)
    d = solve(LORENZ.f, (0.0, 5.0), LORENZ.u0, LORENZ.p, method="DP5", saveat=[1.0, 2.5], dense=False)
    np.testing.assert_array_equal(c.u, d.u)


def test_tuple_rhs_fixed_step_and_plain_python():
    @njit
    def osc(t, u, p):
        return u[1], -u[0]

    exact = np.array([np.cos(1.0), -np.sin(1.0)])
    a = solve(osc, (0.0, 1.0), [1.0, 0.0], method="RK4", dt=0.01)
    assert np.abs(a.u[-1] - exact).max() < 1e-9
    b = solve(osc.py_func, (0.0, 1.0), [1.0, 0.0], method="RK4", dt=0.01)
    np.testing.assert_allclose(a.u, b.u, rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError, match="f: returned a tuple of length 2"):
        solve(osc, (0.0, 1.0), [1.0, 0.0, 0.0], method="DP5")
    with pytest.raises(TypeError, match="f: a returned tuple must hold floats"):
        solve(lambda t, u, p: (u[0], "x"), (0.0, 1.0), [1.0, 0.0], method="DP5")
