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

**How the right-hand side is called.** A Numba ``@njit`` right-hand side
``f(t, u, p)`` with a float-array ``p`` (a tuple of numbers is converted) is
passed to the loop as a first-class function (a typed function pointer). The
loop is then compiled once for all right-hand sides and cached on disk
(``cache=True``): a new process pays no compilation. With
``specialize=True``, or for a ``p`` that is not numeric, the loop is compiled
for the one right-hand side; for a module-level ``f`` this goes through a
small generated module so that Numba can cache it on disk too (see ``_specialized_driver``). The small kernels of the loop are inlined
(``inline="always"``): a Numba call between compiled functions is not free.
A plain Python right-hand side runs the very same loop as ordinary Python
code (its kernels stay compiled): expect SciPy-like tens of microseconds per
step instead of a fraction of a microsecond.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, Sequence

import numpy as np
from numba import njit, types
from numba.core.dispatcher import Dispatcher

from sciml_lib._specialize import compiles_to, generated_driver, specialized_in_memory

from .solution import ODESolution, ODEStats, hermite_interpolant
from .tableaus import TABLEAUS, ButcherTableau
from .validation import check_max_steps, check_rtol, check_saveat, check_tspan, check_u0

__all__ = ["solve", "RKDenseOutput"]

# status codes of the loop
_OK, _MAXSTEPS, _DTMIN, _NONFINITE = 0, 1, 2, 3
_MESSAGES = {
    _OK: "The solver successfully reached the end of the integration interval.",
    _MAXSTEPS: "Reached max_steps before the end of the interval.",
    _DTMIN: "Step size fell below machine precision relative to t (the problem may be stiff or singular).",
    _NONFINITE: "The solution became non-finite (NaN or inf).",
}

_SAFETY = 0.9
_FACMIN = 0.2
_FACMAX = 10.0


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
def _error_norm(u, unew, h, e, K, rtol, atol):
    """RMS of h * sum_i e_i K_i scaled by atol + rtol * max(|u|, |unew|)."""
    n = u.size
    s = e.size
    acc = 0.0
    for m in range(n):
        em = 0.0
        for i in range(s):
            em += e[i] * K[i, m]
        sc = atol[m] + rtol * max(abs(u[m]), abs(unew[m]))
        r = h * em / sc
        acc += r * r
    return math.sqrt(acc / n)


@njit(cache=True)
def _rms_scaled(x, u, rtol, atol):
    acc = 0.0
    for m in range(x.size):
        r = x[m] / (atol[m] + rtol * abs(u[m]))
        acc += r * r
    return math.sqrt(acc / x.size)


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


@njit(cache=True)
def _interp_hermite(u0, u1, f0, f1, h, theta, out):
    for m in range(u0.size):
        d = u1[m] - u0[m]
        out[m] = (1 - theta) * u0[m] + theta * u1[m] + theta * (theta - 1) * (
            (1 - 2 * theta) * d + (theta - 1) * h * f0[m] + theta * h * f1[m]
        )


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
               beta1, beta2, q, max_steps, saveat, store_steps, store_dense):
    """The stepping loop (compiled by Numba; also runs as plain Python).

    Returns ``(status, t_end, nf, naccept, nreject, ts, us, ks, save_u, nsave)``
    where ``ts``/``us`` hold the accepted step points (when ``store_steps``),
    ``ks`` the dense-output data per step (stages, or the slopes at the step
    points for Hermite interpolation) and ``save_u`` the states at ``saveat``.
    """
    n = u0.size
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
        d0 = _rms_scaled(u, u, rtol, atol)
        d1 = _rms_scaled(fu, u, rtol, atol)
        if d0 < 1e-5 or d1 < 1e-5:
            h0 = 1e-6
        else:
            h0 = 0.01 * d0 / d1
        h0 = min(h0, span)
        for m in range(n):
            tmp[m] = u[m] + direction * h0 * fu[m]
        f1 = f(t + direction * h0, tmp, p)
        nf += 1
        for m in range(n):
            unew[m] = f1[m] - fu[m]
        d2 = _rms_scaled(unew, u, rtol, atol) / h0
        if d1 <= 1e-15 and d2 <= 1e-15:
            h1 = max(1e-6, h0 * 1e-3)
        else:
            h1 = (0.01 / max(d1, d2)) ** (1.0 / (q + 1.0))
        h = direction * min(100.0 * h0, h1, span)
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
        cap = nfixed + 2
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
    err_old = 1e-4
    last_rejected = False
    factor = 1.0
    done = span == 0.0
    while not done:
        if naccept + nreject >= max_steps:
            status = _MAXSTEPS
            break
        # -- choose the step
        if adaptive:
            if (t + 1.01 * h - t1) * direction >= 0.0:
                h = t1 - t
            if abs(h) <= 16.0 * 2.220446049250313e-16 * max(abs(t), 1e-300) or h == 0.0:
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
        for i in range(1, s):
            _stage_input(u, h, A, i, K, tmp)
            _set_row(K, i, f(t + c[i] * h, tmp, p))
        nf += s - 1
        if fsal:
            _copy_into(unew, tmp)
        else:
            _stage_input_b(u, h, b, K, unew)
        # -- error control
        if adaptive:
            err = _error_norm(u, unew, h, e, K, rtol, atol)
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
            err_old = max(err, 1e-4)
            last_rejected = False
        elif not _all_finite(unew):
            status = _NONFINITE
            break
        # -- accept
        if fsal:
            for m in range(n):
                fnew[m] = K[s - 1, m]
        else:
            _copy_into(fnew, f(tnew, unew, p))
            nf += 1
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
_DRIVER_ARGS = (
    types.FunctionType(_RHS_SIG),  # f
    types.float64, types.float64, _ARR, _ARR,  # t0, t1, u0, p
    _ARR2, _ARR, _ARR, _ARR, _ARR2,  # A, b, c, e, D
    types.boolean, types.boolean, types.boolean,  # fsal, has_dense, adaptive
    types.float64, types.float64, _ARR,  # h_in, rtol, atol
    types.float64, types.float64, types.float64,  # beta1, beta2, q
    types.int64, _ARR, types.boolean, types.boolean,  # max_steps, saveat, store_steps, store_dense
)

_DRIVERS: dict[str, Any] = {}


def _typed_driver():
    """The compiled loop taking ``f`` as a typed function pointer (compiled once, cached on disk)."""
    if "typed" not in _DRIVERS:
        _DRIVERS["typed"] = njit(_DRIVER_ARGS, cache=True)(_integrate)
    return _DRIVERS["typed"]


_SPECIALIZED: dict[int, Callable] = {}


def _specialized_driver(f: Dispatcher) -> Callable:
    """A loop compiled with ``f`` inlined, cached on disk when ``f`` is importable.

    Numba cannot cache a function whose argument is another jitted function
    (the type names the function object). For a module-level ``f``,
    :func:`sciml_lib._specialize.generated_driver` writes a small module that
    reads ``f`` as a global, which Numba caches like any other function. Other
    ``f`` (defined in ``__main__``, a notebook or a closure) get an in-memory
    specialisation.
    """
    key = id(f)
    if key not in _SPECIALIZED:
        driver = generated_driver(_integrate, {"f": f}, "rk")
        _SPECIALIZED[key] = driver if driver is not None else specialized_in_memory(_integrate, {"f": f})
    return _SPECIALIZED[key]


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
    if isinstance(p, tuple) and all(isinstance(x, (float, int, np.floating, np.integer)) and not isinstance(x, bool) for x in p):
        return np.array(p, dtype=np.float64)
    return None


def _rhs_has_array_signature(f: Dispatcher) -> bool:
    """Whether f compiles for ``(float64, float64[::1], float64[::1]) -> float64[::1]``."""
    return compiles_to(f, (types.float64, _ARR, _ARR), _ARR)


def _check_rhs(f: Callable, t0: float, u0: np.ndarray, p: Any, allow_tuple: bool = False) -> None:
    if not callable(f):
        raise TypeError(f"f: expected a callable f(t, u, p), got {type(f).__name__}")
    try:
        du = f(t0, u0.copy(), p)
    except Exception as exc:  # noqa: BLE001 - re-raised with the argument named
        raise TypeError(f"f: calling f(t0, u0, p) failed: {type(exc).__name__}: {exc}") from exc
    if isinstance(du, tuple) and allow_tuple:
        if len(du) != u0.size or u0.ndim != 1:
            raise ValueError(f"f: returned a tuple of length {len(du)}, expected {u0.size} (the length of u0)")
        if not all(isinstance(x, (float, np.floating)) for x in du):
            raise TypeError("f: a returned tuple must hold floats only")
        return
    if not isinstance(du, np.ndarray):
        also = " (or a tuple of floats)" if allow_tuple else ""
        raise TypeError(f"f: must return a NumPy array{also}, got {type(du).__name__}")
    if du.shape != u0.shape:
        raise ValueError(f"f: returned an array of shape {du.shape}, expected {u0.shape} (the shape of u0)")
    if not np.issubdtype(du.dtype, np.floating):
        raise TypeError(f"f: must return a float array, got dtype {du.dtype}")


def solve(
    f: Callable[..., np.ndarray],
    tspan: Sequence[float],
    u0: Any,
    p: Any = (),
    *,
    method: str = "Tsit5",
    rtol: float = 1e-6,
    atol: Any = 1e-8,
    dt: float | None = None,
    adaptive: bool = True,
    saveat: Any = None,
    dense: bool = True,
    max_steps: int = 10**6,
    specialize: bool = False,
    **kwargs: Any,
) -> ODESolution:
    r"""Solve :math:`u' = f(t, u, p)`, :math:`u(t_0) = u_0` on ``tspan``.

    Parameters
    ----------
    f : callable
        Right-hand side ``f(t, u, p) -> du`` returning a new float array of
        the shape of ``u``. Decorate it with ``numba.njit`` for compiled speed
        (a plain Python function works too, about 100x slower per step).
        For a small system an explicit method also accepts ``f`` returning a
        tuple of ``len(u)`` floats: nothing is allocated per stage, which
        roughly halves the cost of a step on Lorenz (see
        :func:`sciml_lib.problems.lorenz_rhs_tuple`); such an ``f`` always
        runs the loop specialised on it.
    tspan : sequence of two floats
        ``(t0, t1)``; ``t1 < t0`` integrates backwards.
    u0 : array_like
        Initial state (1-D; a scalar is treated as a 1-vector).
    p : object, optional
        Parameters passed unchanged to ``f``. A float array gives the cached
        compiled path; lists are converted to float arrays.
    method : str
        An explicit method (``"Euler"``, ``"Midpoint"``, ``"Heun"``,
        ``"RK4"``, ``"BS3"``, ``"DP5"``, ``"Tsit5"``, ``"Vern7"``) or a stiff
        method of ``sciml_lib.stiff`` (then all keyword arguments are
        forwarded to ``sciml_lib.stiff.solve``).
    rtol, atol : float
        Relative and absolute tolerances (positive; ``atol`` may be an array
        of the shape of ``u0``).
    dt : float, optional
        The fixed step (``adaptive=False`` or a method without error
        estimator) or the initial step of an adaptive solve (default: Hairer's
        selection).
    adaptive : bool
        Adaptive step-size control (needs an embedded pair).
    saveat : array_like, optional
        Times at which to return the solution (interpolated); by default
        every step point is returned.
    dense : bool
        Keep the data for ``sol(t)`` dense output.
    max_steps : int
        Maximum number of attempted steps; reaching it returns
        ``success=False``.
    specialize : bool
        For an ``@njit`` right-hand side: compile a loop specialised on ``f``
        (called directly rather than through a function pointer; about 1.2 to
        1.5 times faster per step on small systems). It costs a one-off
        compilation per right-hand side (several seconds), cached on disk when
        ``f`` is a module-level function.
    **kwargs
        Only for stiff methods (e.g. ``jac=``, ``jac_sparsity=``,
        ``linsolve=``); an explicit method rejects them with ``TypeError``.

    Returns
    -------
    sciml_lib.ode.solution.ODESolution
        ``t``, ``u`` (one row per time), ``stats``, ``success``, ``message``
        and dense output ``sol(t)``.

    Raises
    ------
    ValueError, TypeError
        For invalid input; the message names the argument.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml_lib.ode import solve
    >>> sol = solve(lambda t, u, p: -u, (0.0, 1.0), np.array([1.0]), method="DP5", rtol=1e-10, atol=1e-12)
    >>> bool(abs(sol.u[-1, 0] - np.exp(-1.0)) < 1e-9)
    True
    """
    if not isinstance(method, str):
        raise TypeError(f"method: expected a method name (str), got {type(method).__name__}")
    tab = next((t for name, t in TABLEAUS.items() if name.lower() == method.lower()), None)
    if tab is None:
        stiff_methods: tuple[str, ...] = ()
        try:
            import sciml_lib.stiff as stiff  # lazy: another subpackage

            stiff_methods = tuple(getattr(stiff, "METHODS", ()))
        except ImportError:
            stiff = None
        if stiff is not None and method in stiff_methods:
            return stiff.solve(
                f, tspan, u0, p, method=method, rtol=rtol, atol=atol, dt=dt, adaptive=adaptive,
                saveat=saveat, dense=dense, max_steps=max_steps, **kwargs,
            )
        valid = ", ".join(list(TABLEAUS) + list(stiff_methods))
        raise ValueError(f"method: unknown method {method!r}; valid methods: {valid}")
    if kwargs:
        raise TypeError(f"solve() got unexpected keyword argument(s) {sorted(kwargs)} for explicit method {tab.name!r}")
    return _solve_explicit(f, tspan, u0, p, tab, rtol, atol, dt, adaptive, saveat, dense, max_steps, specialize)


def _solve_explicit(f, tspan, u0, p, tab: ButcherTableau, rtol, atol, dt, adaptive, saveat, dense, max_steps,
                    specialize=False):
    # ---------------------------------------------------------------- validate
    t0, t1 = check_tspan(tspan)
    u0a = check_u0(u0)
    n = u0a.size
    check_rtol(rtol)
    atol_a = np.array(atol, dtype=float)
    if atol_a.ndim == 0:
        atol_a = np.full(n, float(atol_a))
    if atol_a.shape != (n,):
        raise ValueError(f"atol: must be a scalar or have the shape of u0 {u0a.shape}")
    if not np.all(np.isfinite(atol_a)) or np.any(atol_a <= 0):
        raise ValueError(f"atol: must be positive and finite, got {atol!r}")
    check_max_steps(max_steps)
    if dt is not None:
        if not np.isscalar(dt) or not np.isfinite(dt) or dt == 0:
            raise ValueError(f"dt: must be a nonzero finite number, got {dt!r}")
    use_adaptive = bool(adaptive) and tab.adaptive
    if not use_adaptive and dt is None:
        why = f"method {tab.name!r} has no error estimator" if not tab.adaptive else "adaptive=False"
        raise ValueError(f"dt: a fixed step is required ({why})")
    if saveat is not None:
        lo, hi = min(t0, t1), max(t0, t1)
        sa = check_saveat(saveat, t0, t1)
        sa = np.clip(np.sort(sa), lo, hi)
        if t1 < t0:
            sa = sa[::-1].copy()
    else:
        sa = np.empty(0)
    if isinstance(p, list):
        p = np.array(p, dtype=float)
    _check_rhs(f, t0, u0a, p, allow_tuple=True)

    # ---------------------------------------------------------------- run
    has_dense = tab.dense is not None
    D = np.ascontiguousarray(tab.dense if has_dense else np.zeros((tab.stages, 1)))
    q = float(min(tab.order, tab.embedded_order or tab.order))
    beta1, beta2 = 1.2 / (q + 1.0), 0.2 / (q + 1.0)
    store_steps = saveat is None or dense
    store_dense = bool(dense)
    args = (
        t0, t1, u0a, None, np.array(tab.A, order="C"), np.array(tab.b),
        np.array(tab.c), np.array(tab.error_weights), np.array(D, order="C"),
        bool(tab.fsal), has_dense, use_adaptive, float(abs(dt)) if dt is not None else 0.0,
        float(rtol), atol_a, beta1, beta2, q, int(max_steps), sa, store_steps, store_dense,
    )
    if _is_njit(f):
        p_arr = _as_float_params(p)
        if specialize:
            out = _specialized_driver(f)(*args[:3], p if p_arr is None else p_arr, *args[4:])
        elif p_arr is not None and _rhs_has_array_signature(f):
            out = _typed_driver()(f, *args[:3], p_arr, *args[4:])
        else:
            out = _specialized_driver(f)(*args[:3], p, *args[4:])
    else:
        out = _integrate(f, *args[:3], p, *args[4:])
    status, t_end, nf, naccept, nreject, ts, us, ks, save_u, nsave = out

    # ---------------------------------------------------------------- package
    stats = ODEStats(nf=int(nf), naccept=int(naccept), nreject=int(nreject))
    npts = naccept + 1
    interp = None
    if dense and naccept >= 1:
        tsteps, usteps = ts[:npts], us[:npts]
        if has_dense:
            interp = RKDenseOutput(tsteps, usteps, ks[:naccept], np.asarray(tab.dense))
        else:
            interp = hermite_interpolant(tsteps, usteps, ks[:npts, 0])
    if saveat is None:
        t_out, u_out = ts[:npts].copy(), us[:npts].copy()
    else:
        t_out, u_out = sa[:nsave].copy(), save_u[:nsave].copy()
    message = _MESSAGES[int(status)]
    if status != _OK:
        message += f" Stopped at t = {t_end!r}."
    return ODESolution(t_out, u_out, stats, status == _OK, message, tab.name, interp)
