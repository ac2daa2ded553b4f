r"""Explicit Runge-Kutta integration with a Numba-compiled stepping loop.

One loop, ``_integrate``, implements every explicit method of
:mod:`sciml_lib.ode.tableaus`: the tableau arrives as arrays, so the same
compiled code runs Euler, RK4, DP5, Tsit5 or Vern7. It provides

* fixed steps, or adaptive steps from the embedded error estimate
  :math:`\mathrm{err} = \| \Delta t \sum_i (b_i - \hat b_i) k_i / (a + r \max(|u_n|, |u_{n+1}|)) \|_{\mathrm{RMS}}`,
  accepting iff :math:`\mathrm{err} \le 1` (spec Appendix B, item 11);
* a PI step-size controller
  :math:`\Delta t_{n+1} = \Delta t_n \cdot 0.9\, \mathrm{err}_n^{-\beta_1} \mathrm{err}_{n-1}^{\beta_2}`
  :cite:p:`gustafsson1991control,hairer1996solving`, clipped to
  :math:`[0.2, 10]` (and :math:`\le 1` right after a rejection), with
  :math:`\beta_1 = 1.2/(q+1)`, :math:`\beta_2 = 0.2/(q+1)` for an embedded
  order :math:`q`: the equilibrium error level of the elementary controller
  :math:`\beta_1 = 1/(q+1)` that SciPy and diffrax use, with damping of step
  oscillations;
* Hairer's initial step-size selection :cite:p:`hairer1993solving`;
* FSAL (the last stage is reused as the next first stage);
* dense output with each method's own interpolant (DP5, Tsit5) or cubic
  Hermite interpolation, ``saveat`` output, a step limit and a minimum step.

**Tuple-returning right-hand sides.** ``f`` may also return a tuple of
``len(u)`` floats. A tuple is a value, not a heap object, so no array is
allocated per stage; the kernels below index ``len(x)`` elements, so the same
loop serves both kinds (the analogue of static arrays in Julia).

**How the right-hand side is called.** For a module-level ``@njit`` ``f`` the
default is a loop *specialised* on it: ``f`` is inlined, the tableau is frozen into
the machine code as constants (LLVM unrolls the stage sums), and an ``f`` that ends
in ``return np.array([...])``, the form a user naturally writes, is called as the
same function returning a tuple (:func:`sciml_lib._specialize.tuple_form`), so no
array is allocated per stage. The loop goes through a small generated module that
Numba caches on disk (see ``_specialized_driver``): the compilation, a few seconds,
is paid once per function, method and machine. An ``f`` that cannot be imported (defined
in a notebook or ``__main__``, a closure) with a float-array ``p`` (a tuple of numbers is
converted) is passed instead to a loop compiled once for all right-hand sides, as a
first-class function (a typed function pointer): no compilation per function, an
indirect call and an array per stage. ``specialize=True`` asks for the specialised loop
for such an ``f`` too (compiled in memory, once per process), ``specialize=False`` for
the function-pointer loop. The small kernels of the loop are inlined
(``inline="always"``): a Numba call between compiled functions is not free.
A plain Python right-hand side runs the very same loop as ordinary Python
code (its kernels stay compiled): expect SciPy-like tens of microseconds per
step instead of a fraction of a microsecond.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numba
import numpy as np
from numba import njit, types
from numba.core.dispatcher import Dispatcher

from sciml_lib._specialize import (
    cache_dir,
    compiles_to,
    function_pointer,
    generated_driver,
    importable_name,
    specialized_in_memory,
    tuple_form,
)

from . import _control as C
from ._control import STATE_SIZE, err_norm, hermite_step, initial_step, static_size
from .solution import ODESolution, ODEStats, hermite_interpolant
from .tableaus import ButcherTableau

__all__ = ["RKDenseOutput", "run_explicit", "solve"]

# status codes and controller constants of the loop (the names :mod:`sciml_lib.gpu` reads)
_OK, _MAXSTEPS, _DTMIN, _NONFINITE, _BADRHS = C.OK, C.MAX_STEPS, C.DT_SMALL, C.NONFINITE, C.BAD_RHS
_MESSAGES = C.MESSAGES
_SAFETY = C.SAFETY
_FACMIN = C.FAC_MIN
_FACMAX = C.FAC_MAX_EXPLICIT
_ERR_OLD_FLOOR = C.ERR_OLD_FLOOR
_DT_MIN = C.DT_MIN_ULPS_EXPLICIT * C.EPS


# --------------------------------------------------------------------------- compiled kernels
@njit(cache=True, inline="always")
def _stage_input(u, h, A, i, K, out):
    """out = u + h * sum_{j<i} A[i, j] K[j]."""
    n = u.size
    for m in range(n):
        acc = 0.0
        for j in range(i):
            acc += A[i, j] * K[j, m]
        out[m] = u[m] + h * acc


@njit(cache=True, inline="always")
def _error_vector(h, e, K, out):
    """out = h * sum_i e_i K_i (the embedded error estimate)."""
    s, n = K.shape
    for m in range(n):
        em = 0.0
        for i in range(s):
            em += e[i] * K[i, m]
        out[m] = h * em


@njit(cache=True, inline="always")
def _all_finite(x):
    for m in range(x.size):
        if not math.isfinite(x[m]):
            return False
    return True


@njit(cache=True)
def _interp_dense(u, h, K, D, theta, out):
    """out = u + h * sum_i b_i(theta) K_i with b_i(theta) = sum_j D[i, j] theta**(j+1)."""
    s, deg = D.shape
    n = u.size
    for m in range(n):
        out[m] = u[m]
    for i in range(s):
        w = 0.0
        pw = theta
        for j in range(deg):
            w += D[i, j] * pw
            pw *= theta
        if w != 0.0:
            hw = h * w
            for m in range(n):
                out[m] += hw * K[i, m]


_interp_hermite = hermite_step  # the name the GPU code generator and lecture 18 know


@njit(cache=True)
def _grow1(a, cap):
    b = np.empty(cap)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _grow2(a, cap):
    b = np.empty((cap, a.shape[1]))
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _grow3(a, cap):
    b = np.empty((cap, a.shape[1], a.shape[2]))
    b[: a.shape[0]] = a
    return b


@njit(cache=True, inline="always")
def _set_row(M, i, x):
    for m in range(len(x)):
        M[i, m] = x[m]


@njit(cache=True, inline="always")
def _set_row3(M, i, x):
    for m in range(x.size):
        M[i, 0, m] = x[m]


@njit(cache=True, inline="always")
def _set_block(M, i, K):
    s, n = K.shape
    for j in range(s):
        for m in range(n):
            M[i, j, m] = K[j, m]


@njit(cache=True, inline="always")
def _copy_into(dst, src):
    for m in range(len(src)):
        dst[m] = src[m]


def _integrate(f, t0, t1, u0, p, A, b, c, e, D, fsal, has_dense, adaptive, h_in, rtol, atol,
               beta1, beta2, q, max_steps, saveat, store_steps, store_dense, watch, ev_g, ev_dir,
               ev_left):
    """The stepping loop (compiled by Numba; also runs as plain Python).

    Events (:mod:`sciml_lib.ode.events`): with ``ev_g.size > 0``, ``watch(t, u, p, out)``
    writes the event values after every accepted step and the loop stops with status
    ``EVENT`` when :func:`sciml_lib.ode._control.events_stop` says so (``ev_g`` holds the
    values at the last step, ``ev_dir`` the directions, ``ev_left`` the crossings left).

    Returns ``(status, t_end, nf, naccept, nreject, ts, us, ks, save_u, nsave)``
    where ``ts``/``us`` hold the accepted step points (when ``store_steps``),
    ``ks`` the dense-output data per step (stages, or the slopes at the step
    points for Hermite interpolation) and ``save_u`` the states at ``saveat``.
    """
    n = u0.size if STATE_SIZE < 0 else STATE_SIZE  # a constant in a specialised loop
    s = b.size
    direction = 1.0 if t1 > t0 else -1.0
    span = abs(t1 - t0)
    u = u0.copy()
    unew = np.empty(n)
    tmp = np.empty(n)
    K = np.empty((s, n))
    t = t0
    fu = np.empty(n)
    _copy_into(fu, f(t, u, p))
    fnew = np.empty(n)
    nf = 1
    # ---------------------------------------------------------------- initial step
    if adaptive and h_in <= 0.0:
        h = direction * initial_step(f, t, u, fu, p, rtol, atol, q, direction, span)
        nf += 1
    else:
        h = direction * min(abs(h_in), span)
    h_fixed = h
    nfixed = 0
    if not adaptive:
        nfixed = int(math.ceil(span / abs(h_fixed) - 1e-10))
    # ---------------------------------------------------------------- storage
    m_dense = s if has_dense else 1
    cap = 256
    if not adaptive:
        cap = min(nfixed, max_steps) + 2  # never more than the steps allowed
    ts = np.empty(cap if store_steps else 1)
    us = np.empty((cap if store_steps else 1, n))
    ks = np.empty((cap if store_dense else 1, m_dense, n))
    if store_steps:
        ts[0] = t
        _set_row(us, 0, u)
    if store_dense and not has_dense:
        _set_row3(ks, 0, fu)
    nsave_total = saveat.size
    save_u = np.empty((nsave_total, n))
    isave = 0
    while isave < nsave_total and (saveat[isave] - t) * direction <= 0.0:
        save_u[isave] = u
        isave += 1
    naccept = 0
    nreject = 0
    status = _OK
    err_old = _ERR_OLD_FLOOR
    last_rejected = False
    factor = 1.0
    done = span == 0.0
    nev = ev_g.size
    ev_new = np.empty(nev)
    if h * direction < 0.0:  # the starting step saw f change the length of its output
        status = _BADRHS
        done = True
    while not done:
        if naccept + nreject >= max_steps:
            status = _MAXSTEPS
            break
        # -- choose the step
        if adaptive:
            if (t + 1.01 * h - t1) * direction >= 0.0:
                h = t1 - t
            if abs(h) <= _DT_MIN * max(abs(t), 1e-300) or h == 0.0:
                status = _DTMIN
                break
            tnew = t + h
            if (tnew - t1) * direction >= 0.0:
                tnew = t1
        else:
            if naccept + 1 >= nfixed:
                tnew = t1
            else:
                tnew = t0 + (naccept + 1) * h_fixed
            h = tnew - t
        # -- stages
        for m in range(n):
            K[0, m] = fu[m]
        bad_rhs = False
        for i in range(1, s):
            _stage_input(u, h, A, i, K, tmp)
            fi = f(t + c[i] * h, tmp, p)
            if len(fi) != n:  # would write past K (f must keep the length of u0)
                bad_rhs = True
                break
            _set_row(K, i, fi)
        nf += s - 1
        if bad_rhs:
            status = _BADRHS
            break
        if fsal:
            _copy_into(unew, tmp)
        else:
            _stage_input_b(u, h, b, K, unew)
        # -- error control
        if adaptive:
            _error_vector(h, e, K, tmp)
            err = err_norm(tmp, u, unew, rtol, atol)
            if not math.isfinite(err):
                nreject += 1
                h *= _FACMIN
                last_rejected = True
                continue
            if err > 1.0:
                nreject += 1
                h *= max(_FACMIN, _SAFETY * err ** (-beta1))
                last_rejected = True
                continue
            if err == 0.0:
                factor = _FACMAX
            else:
                factor = _SAFETY * err ** (-beta1) * err_old ** beta2
                factor = min(_FACMAX, max(_FACMIN, factor))
            if last_rejected:
                factor = min(1.0, factor)
            err_old = max(err, _ERR_OLD_FLOOR)
            last_rejected = False
        elif not _all_finite(unew):
            status = _NONFINITE
            break
        # -- accept
        if fsal:
            for m in range(n):
                fnew[m] = K[s - 1, m]
        else:
            fi = f(tnew, unew, p)
            nf += 1
            if len(fi) != n:
                status = _BADRHS
                break
            _copy_into(fnew, fi)
        while isave < nsave_total and (saveat[isave] - tnew) * direction <= 0.0:
            theta = (saveat[isave] - t) / h
            if has_dense:
                _interp_dense(u, h, K, D, theta, save_u[isave])
            else:
                _interp_hermite(u, unew, fu, fnew, h, theta, save_u[isave])
            isave += 1
        naccept += 1
        if store_steps:
            if naccept >= ts.shape[0]:
                ts = _grow1(ts, 2 * ts.shape[0])
                us = _grow2(us, 2 * us.shape[0])
            ts[naccept] = tnew
            _set_row(us, naccept, unew)
        if store_dense:
            if naccept + 1 >= ks.shape[0]:
                ks = _grow3(ks, 2 * ks.shape[0])
            if has_dense:
                _set_block(ks, naccept - 1, K)
            else:
                _set_row3(ks, naccept, fnew)
        t = tnew
        _copy_into(u, unew)
        _copy_into(fu, fnew)
        if nev > 0:
            watch(t, u, p, ev_new)
            if C.events_stop(ev_g, ev_new, ev_dir, ev_left):
                status = C.EVENT
                break
        if (t - t1) * direction >= 0.0:
            done = True
        elif adaptive:
            h = h * factor
    return status, t, nf, naccept, nreject, ts, us, ks, save_u, isave


@njit(cache=True, inline="always")
def _stage_input_b(u, h, b, K, out):
    """out = u + h * sum_i b_i K_i."""
    n = u.size
    for m in range(n):
        acc = 0.0
        for i in range(b.size):
            acc += b[i] * K[i, m]
        out[m] = u[m] + h * acc


_ARR = types.float64[::1]
_ARR2 = types.float64[:, ::1]
_RHS_SIG = _ARR(types.float64, _ARR, _ARR)
#: ``watch(t, u, p, out)`` of the events (:mod:`sciml_lib.ode.events`)
WATCH_SIG = types.none(types.float64, _ARR, _ARR, _ARR)
_DRIVER_ARGS = (
    types.FunctionType(_RHS_SIG),  # f
    types.float64, types.float64, _ARR, _ARR,  # t0, t1, u0, p
    _ARR2, _ARR, _ARR, _ARR, _ARR2,  # A, b, c, e, D
    types.boolean, types.boolean, types.boolean,  # fsal, has_dense, adaptive
    types.float64, types.float64, _ARR,  # h_in, rtol, atol
    types.float64, types.float64, types.float64,  # beta1, beta2, q
    types.int64, _ARR, types.boolean, types.boolean,  # max_steps, saveat, store_steps, store_dense
    types.FunctionType(WATCH_SIG), _ARR, _ARR, types.int64[::1],  # watch, ev_g, ev_dir, ev_left
)


@njit(cache=True)
def no_watch(t, u, p, out):
    """The ``watch`` of a solve without events (never called: ``ev_g`` is empty)."""
    return None


_NO_EVENTS = (np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))

_DRIVERS: dict[str, Any] = {}


def _typed_driver():
    """The compiled loop taking ``f`` as a typed function pointer (compiled once, cached)."""
    if "typed" not in _DRIVERS:
        no_watch.compile(WATCH_SIG.args)
        _DRIVERS["typed"] = njit(_DRIVER_ARGS, cache=True)(_integrate)
    return _DRIVERS["typed"]


_SPECIALIZED: dict[tuple, Callable] = {}
_TABLEAU_ARGS = ("A", "b", "c", "e", "D", "fsal", "has_dense")


def _tableau_constants(tab: ButcherTableau) -> dict:
    """The tableau as the loop's constants (the arguments named in ``_TABLEAU_ARGS``)."""
    has_dense = tab.dense is not None
    return {"A": np.array(tab.A, dtype=np.float64, order="C"),
            "b": np.array(tab.b, dtype=np.float64), "c": np.array(tab.c, dtype=np.float64),
            "e": np.array(tab.error_weights, dtype=np.float64),
            "D": np.ascontiguousarray(tab.dense if has_dense else np.zeros((tab.stages, 1)),
                                      dtype=np.float64),
            "fsal": bool(tab.fsal), "has_dense": has_dense}


def _specialized_driver(f: Dispatcher, watch: Any, tab: ButcherTableau,
                        n: int | None = None) -> Callable:
    """A loop compiled with ``f`` inlined and the tableau ``tab`` as constants, cached on disk
    when ``f`` is importable.

    Numba cannot cache a function whose argument is another jitted function
    (the type names the function object). For a module-level ``f``,
    :func:`sciml_lib._specialize.generated_driver` writes a small module that
    reads ``f`` as a global, which Numba caches like any other function. Other
    ``f`` (defined in ``__main__``, a notebook or a closure) get an in-memory
    specialisation. The tableau is frozen into the machine code as well: LLVM then
    unrolls the stage sums with the coefficients as constants (about 15% of a Lorenz
    step). The driver takes the arguments of ``_integrate`` without ``f``, ``watch`` and
    those of ``_TABLEAU_ARGS``. With ``n`` (a small system) the number of unknowns is frozen
    too (:func:`~sciml_lib.ode._control.static_size`): the driver serves only that size.
    """
    consts = _tableau_constants(tab)
    if n is not None:
        consts.update(static_size(n))
    key = (id(f), id(watch), tuple(np.asarray(v).tobytes() for v in consts.values()),
           str(cache_dir()))
    if key not in _SPECIALIZED:
        bound = {"f": f, "watch": watch}
        driver = generated_driver(_integrate, bound, "rk", consts)
        if driver is None:
            driver = specialized_in_memory(_integrate, bound, consts)
        _SPECIALIZED[key] = driver
    return _SPECIALIZED[key]


_FAST: dict[tuple, tuple] = {}


def _driver_for(f: Dispatcher, watch: Any, tab: ButcherTableau, p: Any, p_arr: Any,
                n: int) -> Callable:
    """The specialised loop for the user's ``f`` (its tuple form when it has one), looked up
    by the identity of ``f``, ``watch`` and ``tab`` (held in the table, so that their ids stay
    theirs): what a repeated solve pays is one dictionary lookup."""
    ptype = None if p_arr is not None else numba.typeof(p)
    key = (id(f), id(watch), id(tab), ptype, n, str(cache_dir()))
    hit = _FAST.get(key)
    if hit is not None and hit[1] is f and hit[2] is watch and hit[3] is tab:
        return hit[0]
    fs = tuple_form(f, (types.float64, _ARR, _ARR if ptype is None else ptype)) or f
    driver = _specialized_driver(fs, watch, tab, n)
    if len(_FAST) > 4096:
        _FAST.clear()
    _FAST[key] = (driver, f, watch, tab)
    return driver


# --------------------------------------------------------------------------- dense output
class RKDenseOutput:
    r"""Dense output of an explicit Runge-Kutta solve with a continuous extension.

    On step :math:`n`, :math:`u(t_n + \theta h_n) = u_n + h_n \sum_i b_i(\theta) k_{n,i}`.

    Parameters
    ----------
    t : numpy.ndarray, shape (m,)
        Step points.
    u : numpy.ndarray, shape (m, n)
        States at the step points.
    k : numpy.ndarray, shape (m - 1, s, n)
        Stage derivatives of each step.
    dense : numpy.ndarray, shape (s, degree)
        Interpolation coefficients of the tableau.
    """

    def __init__(self, t: np.ndarray, u: np.ndarray, k: np.ndarray, dense: np.ndarray) -> None:
        self.t, self.u, self.k, self.dense = t, u, k, dense

    def __call__(self, tq: np.ndarray) -> np.ndarray:
        """Evaluate at the 1-D array ``tq``; returns shape (len(tq), n)."""
        tq = np.atleast_1d(np.asarray(tq, dtype=float))
        t = self.t
        sign = 1.0 if t[-1] > t[0] else -1.0
        i = np.clip(np.searchsorted(sign * t, sign * tq, side="right") - 1, 0, t.size - 2)
        h = t[i + 1] - t[i]
        theta = (tq - t[i]) / h
        powers = theta[:, None] ** np.arange(1, self.dense.shape[1] + 1)
        w = powers @ self.dense.T  # (q, s)
        return self.u[i] + h[:, None] * np.einsum("qs,qsn->qn", w, self.k[i])


# --------------------------------------------------------------------------- public API
def _is_njit(f: Any) -> bool:
    return isinstance(f, Dispatcher)


def _as_float_params(p: Any) -> np.ndarray | None:
    """``p`` as a writable C-contiguous float64 array, or None if it is not numeric."""
    if isinstance(p, np.ndarray):
        if p.ndim == 1 and p.dtype == np.float64:
            return np.array(p, order="C")
        return None
    numbers = (float, int, np.floating, np.integer)
    if isinstance(p, tuple) and all(isinstance(x, numbers) and not isinstance(x, bool) for x in p):
        return np.array(p, dtype=np.float64)
    return None


_ARRAY_SIG_OK: dict = {}


def _rhs_has_array_signature(f: Dispatcher) -> bool:
    """Whether f compiles for ``(float64, float64[::1], float64[::1]) -> float64[::1]``
    (remembered per function: a solve then pays no lookup)."""
    ok = _ARRAY_SIG_OK.get(f)
    if ok is None:
        ok = compiles_to(f, (types.float64, _ARR, _ARR), _ARR)
        if len(_ARRAY_SIG_OK) < 4096:
            _ARRAY_SIG_OK[f] = ok
    return ok


def _run_segment(f: Callable, t0: float, t1: float, u0a: np.ndarray, p: Any, tab: ButcherTableau,
                 rtol: float, atol_a: np.ndarray, dt: float | None, use_adaptive: bool,
                 sa: np.ndarray, store_steps: bool, store_dense: bool, max_steps: int,
                 specialize: bool | None, watch: Any = None) -> tuple:
    """One run of the stepping loop from ``t0`` to ``t1`` (the raw output of ``_integrate``).

    ``specialize``: True compiles the loop for ``f`` (rewritten by
    :func:`sciml_lib._specialize.tuple_form` when it returns an array literal), False takes
    the loop compiled once for typed function pointers where ``f`` and ``p`` allow it, None
    (the default) specialises when ``f`` is importable (the loop is then cached on disk) and
    there are no events (their functions are generated per solve).

    ``watch``: the events of :mod:`sciml_lib.ode.events` (a ``Watch``; its arrays are updated
    in place), or None."""
    has_dense = tab.dense is not None
    D = np.ascontiguousarray(tab.dense if has_dense else np.zeros((tab.stages, 1)))
    q = float(min(tab.order, tab.embedded_order or tab.order))
    beta1, beta2 = C.PI_BETA1_EXPLICIT / (q + 1.0), C.PI_BETA2_EXPLICIT / (q + 1.0)
    args = (
        t0, t1, u0a, None, np.array(tab.A, order="C"), np.array(tab.b),
        np.array(tab.c), np.array(tab.error_weights), np.array(D, order="C"),
        bool(tab.fsal), has_dense, use_adaptive, float(abs(dt)) if dt is not None else 0.0,
        float(rtol), atol_a, beta1, beta2, q, int(max_steps), sa, store_steps, store_dense,
    )
    ev = _NO_EVENTS if watch is None else (watch.g, watch.dirs, watch.left)
    wfn = no_watch if watch is None else watch.fn
    if _is_njit(f) and (watch is None or watch.compiled):
        p_arr = _as_float_params(p)
        typed = p_arr is not None and _rhs_has_array_signature(f) and (
            watch is None or watch.typed)
        if specialize is None:  # the default: specialise where the loop is cached on disk
            specialize = watch is None and importable_name(f) is not None
        if typed and not specialize:
            return _typed_driver()(function_pointer(f, _RHS_SIG), *args[:3], p_arr, *args[4:],
                                   function_pointer(wfn, WATCH_SIG), *ev)
        pp = p if p_arr is None else p_arr
        return _driver_for(f, wfn, tab, pp, p_arr, u0a.size)(*args[:3], pp, *args[11:], *ev)
    # plain Python: the same loop, uncompiled; the starting step by its Python source
    if use_adaptive and dt is None:
        direction = 1.0 if t1 > t0 else -1.0
        fu0 = np.asarray(f(t0, u0a.copy(), p), dtype=float)
        h0 = initial_step.py_func(f, t0, u0a, fu0, p, float(rtol), atol_a, q, direction,
                                  abs(t1 - t0))
        if h0 < 0.0:  # f changed its length: the first stage reports it
            h0 = 1e-6 * abs(t1 - t0)
        args = args[:12] + (h0,) + args[13:]
    out = _integrate(f, *args[:3], p, *args[4:], wfn, *ev)
    if use_adaptive and dt is None:  # count the starting step's call of f as the loop would
        out = out[:2] + (out[2] + 1,) + out[3:]
    return out


def run_explicit(f: Callable, t0: float, t1: float, u0a: np.ndarray, p: Any, tab: ButcherTableau,
                 rtol: float, atol_a: np.ndarray, dt: float | None, use_adaptive: bool,
                 saveat: np.ndarray | None, dense: bool, max_steps: int,
                 specialize: bool | None = None, tstops: tuple = (), watch: Any = None) -> ODESolution:
    """Solve with the explicit tableau ``tab`` (arguments validated by :func:`sciml_lib.ode.solve`;
    ``saveat`` sorted in the direction of integration; ``tstops`` strictly inside the span).

    With ``tstops`` the loop runs once per piece between them (a fresh start at each stop, so
    that no step straddles a jump of ``f``); the pieces are joined into one solution.
    ``watch``: the events of :mod:`sciml_lib.ode.events` (the loop may stop with ``EVENT``).
    """
    direction = 1.0 if t1 > t0 else -1.0
    stops = sorted(tstops, key=lambda x: direction * x)
    bounds = [t0, *stops, t1]
    pieces = len(bounds) - 1
    store_steps = saveat is None or dense or pieces > 1  # later pieces start from the last step
    has_dense = tab.dense is not None
    status, t_end, nf, naccept, nreject = _OK, t0, 0, 0, 0
    T: list = []
    U: list = []
    KD: list = []
    ST: list = []
    SU: list = []
    u = u0a
    for k in range(pieces):
        a, b = bounds[k], bounds[k + 1]
        if saveat is None:
            sa = np.empty(0)
        else:
            after = direction * (saveat - a) >= 0 if k == 0 else direction * (saveat - a) > 0
            sa = np.ascontiguousarray(saveat[after & (direction * (saveat - b) <= 0)])
        left = max_steps - naccept - nreject
        out = _run_segment(f, a, b, u, p, tab, rtol, atol_a, dt, use_adaptive, sa, store_steps,
                           bool(dense), max(left, 0), specialize, watch)
        status, t_end, nf_k, na_k, nr_k, ts, us, ks, save_u, nsave = out
        nf, naccept, nreject = nf + nf_k, naccept + na_k, nreject + nr_k
        npts = na_k + 1
        T.append(ts[:npts])
        U.append(us[:npts])
        KD.append(ks[:na_k] if has_dense else ks[:npts, 0])
        ST.append(sa[:nsave])
        SU.append(save_u[:nsave])
        if status != _OK or k + 1 == pieces:
            break
        u = np.ascontiguousarray(us[na_k])

    # ---------------------------------------------------------------- package
    stats = ODEStats(nf=int(nf), naccept=int(naccept), nreject=int(nreject))
    if len(T) == 1:
        tsteps, usteps = T[0], U[0]
    else:  # each later piece starts where the one before ended
        tsteps = np.concatenate([T[0]] + [t[1:] for t in T[1:]])
        usteps = np.concatenate([U[0]] + [x[1:] for x in U[1:]])
    interp = None
    if dense and naccept >= 1:
        if has_dense:
            interp = RKDenseOutput(tsteps, usteps, np.concatenate(KD), np.asarray(tab.dense))
        elif len(T) == 1:
            interp = hermite_interpolant(tsteps, usteps, KD[0])
        else:  # the stop twice: the slopes on either side of a jump of f
            interp = hermite_interpolant(np.concatenate(T), np.concatenate(U),
                                         np.concatenate(KD), check=False)
    if saveat is None:
        t_out, u_out = tsteps.copy(), usteps.copy()
    else:
        t_out, u_out = np.concatenate(ST), np.concatenate(SU)
    message = C.status_message(status, t_end)
    return ODESolution(t_out, u_out, stats, status == _OK, message, tab.name, interp,
                       status=status)


def solve(f: Callable, tspan: Any, u0: Any, p: Any = (), **kwargs: Any) -> ODESolution:
    """:func:`sciml_lib.ode.solve` under its former path (every method, every keyword)."""
    from ._solve import solve as _solve  # the entry point imports this module

    return _solve(f, tspan, u0, p, **kwargs)
