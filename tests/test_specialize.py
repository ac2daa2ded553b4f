"""The on-disk cache of specialised loops (sciml_lib._specialize), in a temporary folder."""

import os
import time
import warnings

import numpy as np
import pytest
from numba import njit

from sciml_lib import _specialize as S


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, private cache folder for the test (and an empty in-process cache)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SCIML_LIB_CACHE_DIR", str(folder))
    monkeypatch.setattr(S, "_CACHE", {})
    monkeypatch.setattr(S, "_WARNED", set())
    return folder


@njit(cache=True)
def decay(t, u, p):
    return -p[0] * u


def euler_loop(f, u, p, h, n):
    """A tiny loop to specialise: n explicit Euler steps of u' = f(t, u, p)."""
    t = 0.0
    for _ in range(n):
        u = u + h * f(t, u, p)
        t += h
    return u


def _solve(drv):
    return drv(np.array([1.0]), np.array([2.0]), 0.01, 100)


def test_default_folder_is_per_user(monkeypatch, tmp_path):
    monkeypatch.delenv("SCIML_LIB_CACHE_DIR", raising=False)
    monkeypatch.delenv("SCIML_RK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert S.cache_dir() == tmp_path / "xdg" / "sciml_lib"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert S.cache_dir() == S.Path.home() / ".cache" / "sciml_lib"


def test_generated_module_is_written_private_and_correct(cache):
    drv = S.generated_driver(euler_loop, {"f": decay}, "test")
    assert drv is not None
    files = list(cache.glob("sciml_test_decay_*.py"))
    assert len(files) == 1
    assert cache.stat().st_mode & 0o777 == 0o700
    assert files[0].stat().st_mode & 0o077 == 0
    np.testing.assert_allclose(_solve(drv), (1 - 0.02) ** 100, rtol=1e-14)  # oracle: closed form
    assert S.generated_driver(euler_loop, {"f": decay}, "test") is drv  # in-process cache


def test_planted_file_is_rewritten_not_executed(cache, monkeypatch):
    S.generated_driver(euler_loop, {"f": decay}, "test")
    (path,) = cache.glob("sciml_test_decay_*.py")
    good = path.read_text()
    monkeypatch.delenv("SCIML_PLANTED", raising=False)
    path.write_text('import os\nos.environ["SCIML_PLANTED"] = "1"\n')
    monkeypatch.setattr(S, "_CACHE", {})
    drv = S.generated_driver(euler_loop, {"f": decay}, "test")
    assert "SCIML_PLANTED" not in os.environ
    assert path.read_text() == good
    np.testing.assert_allclose(_solve(drv), (1 - 0.02) ** 100, rtol=1e-14)


def test_key_hashes_every_inlined_module(cache, monkeypatch):
    import sciml_lib.ode.rosenbrock  # noqa: F401 - loads the Rosenbrock loops
    from sciml_lib.problems import ROBER

    mods = S.inlined_modules("sciml_lib.ode.rosenbrock", ROBER.f.py_func.__module__)
    for m in ("sciml_lib.ode.rosenbrock", "sciml_lib.ode._control", "sciml_lib.ode._jacobian",
              "sciml_lib.ode.linsolve", "sciml_lib.ad._numba_jac", "sciml_lib.problems.chemistry"):
        assert m in mods
    assert not any(m.split(".")[0] in ("numpy", "numba", "warnings", "math") for m in mods)
    # an edit of a module the loop inlines (here: this test module) gives a new file name
    S.generated_driver(euler_loop, {"f": decay}, "test")
    before = {p.name for p in cache.glob("sciml_test_*.py")}
    real = S.module_bytes
    edited = lambda m: real(m) + (b"# edited" if m == __name__ else b"")  # noqa: E731
    monkeypatch.setattr(S, "module_bytes", edited)
    monkeypatch.setattr(S, "_CACHE", {})
    S.generated_driver(euler_loop, {"f": decay}, "test")
    after = {p.name for p in cache.glob("sciml_test_*.py")}
    assert len(after - before) == 1


def test_failed_import_is_removed(cache):
    with pytest.raises(ZeroDivisionError):
        S.load_generated("sciml_test_broken_0", "x = 1 / 0\n")
    assert "sciml_test_broken_0" not in S.sys.modules
    assert not (cache / "sciml_test_broken_0.py").exists()


def test_unusable_folder_falls_back_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "_CACHE", {})
    monkeypatch.setattr(S, "_WARNED", set())
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("SCIML_LIB_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert S.generated_driver(euler_loop, {"f": decay}, "test") is None
        monkeypatch.setattr(S, "_CACHE", {})
        assert S.generated_driver(euler_loop, {"f": decay}, "test") is None
    assert len([w for w in rec if "compile cache" in str(w.message)]) == 1
    # a folder writable by others is refused as well
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    monkeypatch.setenv("SCIML_LIB_CACHE_DIR", str(open_dir))
    with pytest.raises(PermissionError, match="writable by group or others"):
        S.generated_dir()


def test_stiff_solve_falls_back_when_the_cache_is_unusable(tmp_path, monkeypatch):
    from sciml_lib.problems import ROBER
    from sciml_lib.stiff import solve

    monkeypatch.setattr(S, "_CACHE", {})
    monkeypatch.setattr(S, "_WARNED", set())
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("SCIML_LIB_CACHE_DIR", str(blocker / "cache"))
    kw = dict(method="Rodas4", rtol=1e-6, atol=1e-9, jac=ROBER.jac)
    a = solve(ROBER.f, (0.0, 10.0), ROBER.u0, ROBER.p, specialize=False, **kw)
    with pytest.warns(RuntimeWarning, match="compile cache"):  # the default would specialise
        b = solve(ROBER.f, (0.0, 10.0), ROBER.u0, ROBER.p, **kw)
    assert a.stats == b.stats
    np.testing.assert_allclose(a.u, b.u, rtol=1e-13, atol=1e-15)


def test_eviction_by_age_and_count(tmp_path):
    old = time.time() - (S.MAX_AGE_DAYS + 1) * 86400
    (tmp_path / "__pycache__").mkdir()
    for i in range(5):
        p = tmp_path / f"sciml_x_{i}.py"
        p.write_text("")
        (tmp_path / "__pycache__" / f"sciml_x_{i}._loop-1.py312.nbi").write_text("")
        os.utime(p, (old if i < 2 else time.time() - i,) * 2)
    gone = S.evict(tmp_path, keep="sciml_x_0")
    assert sorted(gone) == ["sciml_x_1"]  # too old; sciml_x_0 is kept although old
    assert not list((tmp_path / "__pycache__").glob("sciml_x_1.*"))
    assert S.evict(tmp_path, max_entries=3) == ["sciml_x_0"]  # without ``keep``, old means gone
    gone = S.evict(tmp_path, max_entries=2)
    assert sorted(gone) == ["sciml_x_4"]  # the least recently used of the three left
    assert sorted(p.stem for p in tmp_path.glob("sciml_x_*.py")) == ["sciml_x_2", "sciml_x_3"]


# --------------------------------------------------------------------------- tuple_form
@njit(cache=True)
def lotka_literal(t, u, p):
    x, y = u[0], u[1]
    if x < 0.0:  # every return builds an array literal of the same length
        return np.array([0, 0.0])
    return np.array([p[0] * x - p[1] * x * y, p[1] * x * y - p[2] * y])


@njit(cache=True)
def filled_array(t, u, p):
    du = np.empty(2)
    du[0] = u[1]
    du[1] = -u[0]
    return du


@njit(cache=True)
def two_lengths(t, u, p):
    if t > 1.0:
        return np.array([u[0]])
    return np.array([u[0], u[1]])


_ARGS = (S.numba.float64, S.numba.float64[::1], S.numba.float64[::1])


def test_tuple_form_returns_the_same_values_as_a_tuple(cache):
    """Oracle: the original function, at random points of both branches."""
    g = S.tuple_form(lotka_literal, _ARGS)
    assert g is not None and g is not lotka_literal
    rng = np.random.default_rng(0)
    p = np.array([1.5, 1.0, 3.0])
    for _ in range(20):
        u = rng.normal(size=2)
        got = g(0.0, u, p)
        assert isinstance(got, tuple) and all(isinstance(x, float) for x in got)
        np.testing.assert_array_equal(np.array(got), lotka_literal(0.0, u, p))  # bit for bit
    # module-level: the copy is a generated module of the private cache folder
    assert len(list(cache.glob("sciml_tuple_lotka_literal_*.py"))) == 1
    assert S.tuple_form(lotka_literal, _ARGS) is g  # once per process


def test_tuple_form_declines_what_it_cannot_rewrite(cache):
    assert S.tuple_form(filled_array, _ARGS) is None  # returns a filled buffer
    assert S.tuple_form(two_lengths, _ARGS) is None  # two lengths
    assert S.tuple_form(lambda t, u, p: u, _ARGS) is None  # not a Numba function
    scale = 2.0

    @njit
    def closure(t, u, p):
        return np.array([scale * u[0]])

    assert S.tuple_form(closure, _ARGS) is None  # reads a closure variable

    @njit
    def vector_element(t, u, p):  # an element that is itself an array: float() cannot compile
        return np.array([u, u])

    assert S.tuple_form(vector_element, _ARGS) is None


def test_tuple_form_of_a_local_function_compiles_in_memory(cache):
    @njit
    def local(t, u, p):
        return np.array([-p[0] * u[0], u[0] - p[0] * u[1]])

    g = S.tuple_form(local, _ARGS)
    assert g is not None
    u, p = np.array([0.3, -1.2]), np.array([0.7])
    np.testing.assert_array_equal(np.array(g(0.0, u, p)), local(0.0, u, p))
    assert not list(cache.glob("sciml_tuple_local_*.py"))  # nothing written for it


def test_solve_with_the_tuple_form_takes_the_same_steps(cache):
    """The default (specialised, tuple form, frozen tableau) against the function-pointer loop."""
    from sciml_lib.ode import solve

    for method in ("DP5", "Tsit5", "Vern7", "BS3", "RK4"):
        kw = dict(method=method, rtol=1e-8, atol=1e-10) if method != "RK4" else dict(method=method, dt=0.01)
        a = solve(lotka_literal, (0.0, 4.0), [1.0, 1.0], [1.5, 1.0, 3.0], specialize=False, **kw)
        b = solve(lotka_literal, (0.0, 4.0), [1.0, 1.0], [1.5, 1.0, 3.0], **kw)
        assert a.stats == b.stats
        np.testing.assert_allclose(b.u, a.u, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(b(np.linspace(0, 4, 7)), a(np.linspace(0, 4, 7)), rtol=1e-12, atol=1e-14)
    assert list(cache.glob("sciml_rk_lotka_literal_*.py"))  # default: a module-level f is specialised


# --------------------------------------------------------------------------- ignores_argument
@njit(cache=True)
def _uses_t(t, u):
    return t * u[0]


@njit(cache=True)
def _ignores_t(t, u):
    return u[0]


@njit(cache=True)
def _rhs_sin_t(t, u, p):
    return np.array([np.sin(t) * u[0]])


@njit(cache=True)
def _rhs_helper_uses_t(t, u, p):
    return np.array([_uses_t(t, u)])


@njit(cache=True)
def _rhs_helper_ignores_t(t, u, p):
    return np.array([_ignores_t(t, u) * p[0]])


@njit(cache=True)
def _rhs_copies_t(t, u, p):
    s = t
    return np.array([u[0] + 0.0 * s])


@njit(cache=True)
def _rhs_t_in_another_slot(t, u, p):
    return np.array([_ignores_t(u, t)])


def test_ignores_argument_reads_the_source_conservatively():
    assert not S.ignores_argument(_rhs_sin_t)
    assert not S.ignores_argument(_rhs_helper_uses_t)  # through a helper that reads it
    assert S.ignores_argument(_rhs_helper_ignores_t)  # through a helper that does not
    assert not S.ignores_argument(_rhs_copies_t)  # any other use counts
    assert not S.ignores_argument(_rhs_t_in_another_slot)  # the helper reads that slot
    assert not S.ignores_argument(lambda t, u, p: u)  # not a Numba function
    assert S.ignores_argument(_rhs_sin_t, 1) is False and S.ignores_argument(_rhs_sin_t, 2)
    # behavioural check of every "ignores t" answer on the problem library
    from sciml_lib import problems

    rng = np.random.default_rng(1)
    for name in dir(problems):
        prob = getattr(problems, name)
        if hasattr(prob, "f") and hasattr(prob, "u0") and S.ignores_argument(prob.f):
            u = np.asarray(prob.u0, dtype=float) * (1 + 0.1 * rng.random(len(prob.u0)))
            np.testing.assert_array_equal(prob.f(0.0, u, np.asarray(prob.p, dtype=float)),
                                          prob.f(123.4, u, np.asarray(prob.p, dtype=float)))


@njit(cache=True)
def _rober_reads_t(t, u, p):  # ROBER plus 0*t: the same values, but f now reads t
    y1, y2, y3 = u[0], u[1], u[2]
    k1, k2, k3 = p[0], p[1], p[2]
    z = 0.0 * t
    return np.array([-k1 * y1 + k3 * y2 * y3 + z, k1 * y1 - k2 * y2 * y2 - k3 * y2 * y3, k2 * y2 * y2])


@pytest.mark.parametrize("method", ["Rodas4", "Rosenbrock23"])
def test_autonomous_f_skips_the_time_derivative_and_takes_the_same_steps(method):
    """For an f that ignores t the difference quotient for df/dt (exactly zero) is skipped:
    the same steps bit for bit, one evaluation of f fewer per Jacobian (oracle: the same field
    written to read t)."""
    from sciml_lib.ode import solve
    from sciml_lib.problems import ROBER

    assert S.ignores_argument(ROBER.f) and not S.ignores_argument(_rober_reads_t)
    kw = dict(method=method, rtol=1e-6, atol=1e-10, jac=ROBER.jac)
    a = solve(ROBER.f, (0.0, 1e3), ROBER.u0, ROBER.p, **kw)
    b = solve(_rober_reads_t, (0.0, 1e3), ROBER.u0, ROBER.p, **kw)
    assert a.success and b.success
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.u, b.u)
    assert a.stats.njac == b.stats.njac > 0
    assert b.stats.nf - a.stats.nf == a.stats.njac


@njit(cache=True)
def _coupled_decay(t, u, p):  # any length: u_i' = -p0 u_i + p1 u_{i-1}
    du = np.empty_like(u)
    du[0] = -p[0] * u[0]
    for i in range(1, u.size):
        du[i] = -p[0] * u[i] + p[1] * u[i - 1]
    return du


@pytest.mark.parametrize("method", ["DP5", "Rodas4", "Rosenbrock23"])
def test_loops_compiled_for_a_state_size_serve_each_size(method):
    """A specialised loop has a small system's size frozen in (STATE_SIZE): the same f on
    states of 1, 3 and 17 unknowns (above STATE_SIZE_MAX: not frozen) gives bit for bit what
    the loop compiled once for function pointers gives, and matches SciPy."""
    from scipy.integrate import solve_ivp

    from sciml_lib.ode import solve
    from sciml_lib.ode._control import STATE_SIZE_MAX

    p = np.array([1.5, 0.7])
    for n in (1, 3, STATE_SIZE_MAX + 1):
        u0 = np.linspace(1.0, 2.0, n)
        kw = dict(method=method, rtol=1e-9, atol=1e-11)
        a = solve(_coupled_decay, (0.0, 2.0), u0, p, specialize=False, **kw)
        b = solve(_coupled_decay, (0.0, 2.0), u0, p, **kw)
        assert a.stats == b.stats
        np.testing.assert_array_equal(a.u, b.u)
        ref = solve_ivp(lambda t, u: _coupled_decay(t, u, p), (0.0, 2.0), u0, method="DOP853",
                        rtol=1e-12, atol=1e-14).y[:, -1]
        low_order = method == "Rosenbrock23"  # order 2: its global error is larger
        np.testing.assert_allclose(b.u[-1], ref, rtol=1e-5 if low_order else 1e-6, atol=1e-9)
