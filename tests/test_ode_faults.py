"""Bad input and faults of sciml_lib.ode.solve: an error naming the argument, or a failed status.

Each case was a silent wrong answer, an endless loop or a crash before (issue 14, "Bad input and
faults"). Cases that could crash the interpreter run in a subprocess.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import njit

from sciml_lib.ode import METHODS, solve
from sciml_lib.problems import LORENZ, ROBER

STIFF = [m for m, info in METHODS.items() if info.family != "explicit"]


@njit(cache=True)
def decay2(t, u, p):
    """u' = -p[0] u_0, -p[1] u_1: reads two parameters."""
    du = np.empty_like(u)
    du[0] = -p[0] * u[0]
    du[1] = -p[1] * u[1]
    return du


@pytest.mark.parametrize("method", ["Tsit5", "DP5", "Rodas4", "BDF", "TRBDF2"])
@pytest.mark.parametrize("p", [np.array([1.0]), np.empty(0), ()])
def test_too_short_p_for_a_numba_rhs_is_an_error(method, p):
    with pytest.raises(ValueError, match=r"^p: f reads past the end of p"):
        solve(decay2, (0.0, 1.0), [1.0, 1.0], p, method=method)
    # the right p still works and matches the closed form
    sol = solve(decay2, (0.0, 1.0), [1.0, 1.0], np.array([1.0, 2.0]), method=method, rtol=1e-8,
                atol=1e-10)
    np.testing.assert_allclose(sol.u[-1], np.exp([-1.0, -2.0]), rtol=1e-3)


@pytest.mark.parametrize("method", ["Tsit5", "Vern7", "RK4", "Rodas4"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_p_is_an_error(method, bad):
    with pytest.raises(ValueError, match=r"^p: contains non-finite"):
        solve(decay2, (0.0, 1.0), [1.0, 1.0], np.array([1.0, bad]), method=method, dt=0.1)


_CHANGING_LENGTH = """
import numpy as np
from numba import njit
from sciml_lib.ode import solve

@njit
def grows(t, u, p):
    # the length of u0 at t0, one more (or one less) afterwards
    m = u.size if t == 0.0 else u.size + int(p[0])
    du = np.zeros(m)
    for i in range(min(m, u.size)):
        du[i] = -u[i]
    return du

@njit
def jac(t, u, p):
    return -np.eye(u.size)

# (the implicit methods get jac: the library's disk-cached AD kernels are then not compiled
# for a function of __main__, which another process could not load back)
for method in {methods!r}:
    kw = dict(jac=jac) if method in ("Rodas4", "Rosenbrock23", "BDF", "TRBDF2") else dict()
    for d in (1.0, -1.0):
        try:
            s = solve(grows, (0.0, 1.0), np.ones(3), np.array([d]), method=method, **kw)
            print(method, d, s.success, s.message)
        except ValueError as exc:
            print(method, d, "ValueError", exc)
"""


@pytest.mark.parametrize("methods", [["Tsit5", "DP5", "Vern7", "BS3"],
                                     ["Rodas4", "Rosenbrock23", "BDF", "TRBDF2"]])
def test_output_length_changing_after_the_first_call_fails_cleanly(methods):
    code = textwrap.dedent(_CHANGING_LENGTH.format(methods=methods))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 2 * len(methods)
    for line in lines:
        assert " True " not in line, line
        assert "length" in line or "shape" in line, line


@njit(cache=True)
def wrong_jac(t, u, p):
    return np.zeros((u.size, u.size + 1))


@pytest.mark.parametrize("method", STIFF)
def test_wrong_shaped_jac_is_an_error(method):
    with pytest.raises(ValueError, match=r"^jac: returned shape \(3, 4\)"):
        solve(ROBER.f, (0.0, 1.0), ROBER.u0, ROBER.p, method=method, jac=wrong_jac)
    with pytest.raises(ValueError, match=r"^jac: returned shape \(2, 2\)"):
        solve(ROBER.f, (0.0, 1.0), ROBER.u0, ROBER.p, method=method,
              jac=lambda t, u, p: np.eye(2))


@pytest.mark.parametrize(
    "kwargs, exc, start",
    [
        (dict(rtol="1e-6"), TypeError, "rtol"),
        (dict(atol="1e-6"), TypeError, "atol"),
        (dict(adaptive="no"), TypeError, "adaptive"),
        (dict(adaptive=1), TypeError, "adaptive"),
        (dict(dense="yes"), TypeError, "dense"),
        (dict(dt="0.1"), TypeError, "dt"),
        (dict(max_steps=1.5), ValueError, "max_steps"),
        (dict(method=5), TypeError, "method"),
        (dict(method="RK45"), ValueError, "method"),
        (dict(tstops=[np.nan]), ValueError, "tstops"),
        (dict(tstops=[5.0]), ValueError, "tstops"),
        (dict(mass_matrix=np.eye(3)), ValueError, "mass_matrix"),
    ],
)
@pytest.mark.parametrize("method", ["Tsit5", "Rodas5P", "BDF"])
def test_bad_keywords_name_the_argument(kwargs, exc, start, method):
    kw = dict(method=method)
    kw.update(kwargs)
    with pytest.raises(exc, match=f"^{start}"):
        solve(ROBER.f, (0.0, 1.0), ROBER.u0, ROBER.p, **kw)


@pytest.mark.parametrize(
    "method, kwargs, name",
    [
        ("Tsit5", dict(jac=ROBER.jac), "jac"),
        ("DP5", dict(linsolve="dense"), "linsolve"),
        ("Vern7", dict(jac_sparsity=np.eye(3)), "jac_sparsity"),
        ("BDF", dict(specialize=True), "specialize"),
        ("TRBDF2", dict(specialize=True), "specialize"),
        ("RK4", dict(precond="ilu", dt=0.1), "precond"),
    ],
)
def test_a_keyword_the_method_cannot_use_is_an_error(method, kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: method {method!r} cannot use"):
        solve(ROBER.f, (0.0, 1.0), ROBER.u0, ROBER.p, method=method, **kwargs)


def test_specialize_reaches_the_rosenbrock_methods():
    """ode.solve(..., method="Rodas4", specialize=True) is used, not dropped: same steps."""
    kw = dict(method="rodas4", rtol=1e-6, atol=1e-9, jac=ROBER.jac)
    a = solve(ROBER.f, (0.0, 10.0), ROBER.u0, ROBER.p, **kw)
    b = solve(ROBER.f, (0.0, 10.0), ROBER.u0, ROBER.p, specialize=True, **kw)
    assert a.method == b.method == "Rodas4"
    assert a.stats == b.stats
    np.testing.assert_allclose(a.u, b.u, rtol=1e-13, atol=1e-15)


def test_method_names_are_case_insensitive():
    sol = LORENZ.solve(method="dp5", tspan=(0.0, 1.0))
    ref = LORENZ.solve(method="DP5", tspan=(0.0, 1.0))
    assert sol.success and sol.method == "DP5"
    np.testing.assert_array_equal(sol.u, ref.u)
    s = ROBER.solve(method="RODAS5P", tspan=(0.0, 1.0))
    assert s.success and s.method == "Rodas5P" and abs(s.u[-1].sum() - 1.0) < 1e-8


def test_odeproblem_solve_passes_its_tstops():
    from sciml_lib.problems import brusselator_2d

    prob = brusselator_2d(4)
    assert prob.tstops == (1.1,)
    sol = prob.solve(method="Rodas4", tspan=(0.0, 2.0), rtol=1e-4, atol=1e-6)
    assert sol.success
    assert np.any(sol.t == 1.1)  # a step ends exactly at the jump of the forcing
    explicit = prob.solve(method="tsit5", tspan=(0.0, 2.0))  # explicit methods restart there
    assert explicit.success and np.sum(explicit.t == 1.1) == 1
    np.testing.assert_allclose(explicit.u[-1], sol.u[-1], rtol=1e-3)
    np.testing.assert_allclose(explicit(1.5), sol(1.5), rtol=1e-3)


@pytest.mark.parametrize("method", ["RK4", "Euler", "Rodas4", "BDF", "ImplicitEuler"])
def test_tiny_fixed_step_stops_at_max_steps_without_allocating(method):
    sol = solve(ROBER.f, (0.0, 1e3), ROBER.u0, ROBER.p, method=method, dt=1e-10, adaptive=False,
                max_steps=10, jac=None if METHODS[method].family == "explicit" else ROBER.jac)
    assert not sol.success and "max_steps" in sol.message
    assert sol.t.size <= 11 and sol.stats.naccept + sol.stats.nreject == 10


# -------------------------------------------------------------------------- a fuzz of bad input
_BAD = {
    "tspan": st.sampled_from([(0.0,), (1.0, 1.0), (0.0, np.inf), (np.nan, 1.0), "ab", None]),
    "u0": st.sampled_from([[np.nan, 1.0, 0.0], [[1.0, 0.0, 0.0]], [], "x", [np.inf, 0.0, 0.0]]),
    "rtol": st.sampled_from([0.0, -1e-6, np.inf, np.nan, "1e-6", None, True, [1e-6]]),
    "atol": st.sampled_from([0.0, -1.0, np.inf, "a", [1e-8, 1e-8], np.nan]),
    "dt": st.sampled_from([0.0, np.inf, np.nan, "0.1", [0.1]]),
    "max_steps": st.sampled_from([0, -5, 1.5, "10", True]),
    "saveat": st.sampled_from([[-1.0], [2.0], [np.nan], "t"]),
    "adaptive": st.sampled_from(["no", 1, None, "False"]),
    "method": st.sampled_from(["", "Rodas6", 3, None, "tsit"]),
}


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(arg=st.sampled_from(sorted(_BAD)), data=st.data(),
       method=st.sampled_from(["Tsit5", "RK4", "Rodas4", "BDF", "TRBDF2"]))
def test_fuzz_bad_input_is_rejected_naming_the_argument(arg, data, method):
    value = data.draw(_BAD[arg])
    kw = dict(tspan=(0.0, 1.0), u0=ROBER.u0, method=method, dt=0.01)
    kw[arg] = value
    tspan, u0 = kw.pop("tspan"), kw.pop("u0")
    with pytest.raises((ValueError, TypeError)) as info:
        solve(ROBER.f, tspan, u0, ROBER.p, **kw)
    assert str(info.value).startswith(arg), (arg, value, str(info.value))


# -------------------------------------------------------------------------- every keyword reaches
P2 = np.array([1.0, 2.0])


@pytest.mark.parametrize("method", list(METHODS))
def test_every_common_keyword_reaches_every_method(method):
    info = METHODS[method]
    run = dict(method=method.upper(), rtol=1e-4, atol=np.array([1e-7, 1e-7]))
    exact = lambda t: np.exp(-np.outer(t, P2))  # noqa: E731
    # dt: the first step (fixed or initial) is the given one
    sol = solve(decay2, (0.0, 0.1), [1.0, 1.0], P2, dt=1e-3, **run)
    assert sol.success and sol.method == method
    assert sol.t[1] - sol.t[0] == pytest.approx(1e-3, rel=1e-12)
    # adaptive=False: exactly span/dt steps
    fixed = solve(decay2, (0.0, 0.1), [1.0, 1.0], P2, dt=0.01, adaptive=False, **run)
    assert fixed.stats.naccept == 10 and fixed.stats.nreject == 0
    np.testing.assert_allclose(fixed.t, np.linspace(0.0, 0.1, 11), atol=1e-15)
    # saveat (sorted), dense=False
    s = solve(decay2, (0.0, 0.1), [1.0, 1.0], P2, dt=1e-3, saveat=[0.05, 0.02], dense=False, **run)
    np.testing.assert_array_equal(s.t, [0.02, 0.05])
    np.testing.assert_allclose(s.u, exact(s.t), rtol=1e-3)
    with pytest.raises(ValueError, match="dense"):
        s(0.03)
    # max_steps
    short = solve(decay2, (0.0, 0.1), [1.0, 1.0], P2, dt=1e-3, max_steps=2, **run)
    assert not short.success and short.stats.naccept + short.stats.nreject == 2
    # tstops: a step ends exactly there; the solution stays right (also with saveat, fixed dt)
    assert info.tstops
    kw = dict(dt=1e-3, **run) if not info.adaptive else run
    st_ = solve(decay2, (0.0, 0.1), [1.0, 1.0], P2, tstops=[0.0333, 0.07], **kw)
    assert st_.success and np.sum(st_.t == 0.0333) == 1 and np.sum(st_.t == 0.07) == 1
    np.testing.assert_allclose(st_.u, exact(st_.t), rtol=1e-3)
    np.testing.assert_allclose(st_(np.array([0.02, 0.05, 0.09])), exact([0.02, 0.05, 0.09]),
                               rtol=1e-3)
    sv = solve(decay2, (0.0, 0.1), [1.0, 1.0], P2, tstops=[0.0333], saveat=[0.0, 0.0333, 0.1],
               **kw)
    np.testing.assert_array_equal(sv.t, [0.0, 0.0333, 0.1])
    np.testing.assert_allclose(sv.u, exact(sv.t), rtol=1e-3)
    # a scalar u0 is a 1-vector
    one = solve(lambda t, u, p: -u, (0.0, 0.1), 1.0, dt=1e-3, method=method, rtol=1e-6,
                atol=1e-9)
    assert one.u.shape[1] == 1 and one.u[-1, 0] == pytest.approx(np.exp(-0.1), rel=1e-3)


# -------------------------------------------------------------------------- the package layout
def test_ode_does_not_import_stiff_and_stiff_re_exports_ode():
    import pathlib
    import subprocess as sp_

    import sciml_lib.ode as ode
    import sciml_lib.stiff as stiff

    for path in pathlib.Path(ode.__file__).parent.rglob("*.py"):
        text = path.read_text()
        assert "sciml_lib.stiff" not in text and "from ..stiff" not in text, path
    code = "import sys, sciml_lib.ode; print('sciml_lib.stiff' in sys.modules)"
    out = sp_.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
    assert stiff.newton is ode.newton and stiff.RODAS5P is ode.RODAS5P
    assert set(stiff.METHODS) == {m for m, i in ode.METHODS.items() if i.family != "explicit"}
    # stiff.solve keeps its default method and its restriction to implicit methods
    assert stiff.solve(ROBER.f, (0.0, 1.0), ROBER.u0, ROBER.p).method == "Rodas4"
    with pytest.raises(ValueError, match="^method"):
        stiff.solve(ROBER.f, (0.0, 1.0), ROBER.u0, ROBER.p, method="Tsit5")
