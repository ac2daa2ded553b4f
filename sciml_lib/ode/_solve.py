r"""The one entry point :func:`solve` and the method registry :data:`METHODS`.

Every method registers its name, family, order and capabilities here;
:func:`solve` validates its input once (messages from :data:`ERRORS`, each
naming the argument), rejects keywords the method cannot use, and hands over
to the family: :func:`sciml_lib.ode.explicit_rk.run_explicit` or the implicit
driver (:mod:`sciml_lib.ode.rosenbrock`, :mod:`sciml_lib.ode.sdirk`,
:mod:`sciml_lib.ode.bdf`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numba.core.dispatcher import Dispatcher
from numpy.typing import ArrayLike

from ._implicit import run_implicit
from .explicit_rk import run_explicit
from .solution import ODESolution
from .tableaus import TABLEAUS
from .validation import check_max_steps, check_rtol, check_saveat, check_tspan, check_u0

__all__ = ["METHODS", "MethodInfo", "ERRORS", "PROBE_MAX", "solve", "lookup_method"]

#: Largest ``u0`` and ``p`` for which :func:`solve` runs an ``@njit`` ``f``'s Python source once
#: to catch a ``p`` shorter than ``f`` reads.
PROBE_MAX = 1000

#: ``(f, len(u0), len(p))`` already probed, and ``(jac, len(u0))`` already checked (per process).
_PROBED: set = set()
_JAC_OK: set = set()

_IMPLICIT_KEYWORDS = frozenset({"jac", "jac_sparsity", "colors", "linsolve", "precond",
                                "gmres_rtol"})


@dataclass(frozen=True)
class MethodInfo:
    """What :func:`solve` knows about a method.

    Attributes
    ----------
    name : str
        Canonical name (``solve`` accepts any case).
    family : str
        ``"explicit"``, ``"rosenbrock"``, ``"sdirk"`` or ``"bdf"``.
    order : int
        Order of the propagated solution.
    description : str
    adaptive : bool
        Has an error estimator (otherwise a fixed ``dt`` is required).
    dense : str
        The dense output: ``"own"`` (the tableau's interpolant) or ``"hermite"``.
    tstops : bool
        Steps can be made to end at ``tstops`` (every method so far).
    keywords : frozenset of str
        The method-specific keywords it accepts (``jac``, ``linsolve``, ``specialize``, ...).
    """

    name: str
    family: str
    order: int
    description: str
    adaptive: bool = True
    dense: str = "hermite"
    tstops: bool = True
    keywords: frozenset = frozenset()


def _registry() -> dict[str, MethodInfo]:
    reg: dict[str, MethodInfo] = {}
    for name, tab in TABLEAUS.items():
        reg[name] = MethodInfo(
            name, "explicit", tab.order, f"explicit Runge-Kutta, {tab.stages} stages",
            adaptive=tab.adaptive, dense="own" if tab.dense is not None else "hermite",
            keywords=frozenset({"specialize"}),
        )
    ros = _IMPLICIT_KEYWORDS | {"specialize"}
    for name, order, family, kws, text in (
        ("ImplicitEuler", 1, "sdirk", _IMPLICIT_KEYWORDS,
         "implicit (backward) Euler with Newton, L-stable"),
        ("TRBDF2", 2, "sdirk", _IMPLICIT_KEYWORDS,
         "TR-BDF2 ESDIRK with embedded order-3 estimate, L-stable"),
        ("Rosenbrock23", 2, "rosenbrock", ros,
         "Shampine-Reichelt Rosenbrock 2(3) (ode23s), L-stable"),
        ("Rodas4", 4, "rosenbrock", ros,
         "Hairer-Wanner RODAS, order 4(3), stiffly accurate, L-stable"),
        ("Rodas5", 5, "rosenbrock", ros,
         "Di Marzo's Rodas5, order 5(4), stiffly accurate, L-stable"),
        ("Rodas5P", 5, "rosenbrock", ros,
         "Steinebach's Rodas5P, order 5(4), stiffly accurate, L-stable"),
        ("BDF", 5, "bdf", _IMPLICIT_KEYWORDS,
         "variable-order NDF/BDF (ode15s formulas), orders 1-5, factorisation reuse"),
    ):
        reg[name] = MethodInfo(name, family, order, text, keywords=frozenset(kws))
    return reg


#: Every method of :func:`solve` by name.
METHODS: dict[str, MethodInfo] = _registry()
_LOWER = {name.lower(): info for name, info in METHODS.items()}

#: The one table of error messages of :func:`solve` (each starts with the argument's name).
ERRORS: dict[str, str] = {
    "method_type": "method: expected a method name (str), got {got}",
    "method": "method: unknown method {got!r}; valid methods: {valid}",
    "f_callable": "f: expected a callable f(t, u, p), got {got}",
    "f_call": "f: calling f(t0, u0, p) failed: {got}",
    "f_type": "f: must return a NumPy array (or a tuple of floats), got {got}",
    "f_dtype": "f: must return a float array, got dtype {got}",
    "f_shape": "f: returned an array of shape {got}, expected {want} (the shape of u0)",
    "f_tuple": "f: returned a tuple of length {got}, expected {want} (the length of u0)",
    "f_tuple_type": "f: a returned tuple must hold floats only",
    "f_finite": "f: returned non-finite values at (t0, u0); check p and u0",
    "p_finite": "p: contains non-finite values (NaN or inf)",
    "p_short": "p: f reads past the end of p (length {got}): {want}",
    "atol": "atol: must be a positive finite number or an array of them with the shape of u0 "
            "{want}, got {got!r}",
    "dt": "dt: must be a nonzero finite number, got {got!r}",
    "dt_needed": "dt: a fixed step is required ({got})",
    "bool": "{name}: expected True or False, got {got!r}",
    "tstops": "tstops: must be finite times inside tspan [{lo}, {hi}], got {got}",
    "unsupported": "{name}: method {method!r} cannot use this keyword (it accepts {valid})",
    "jac": "jac: must be None, 'fd' or a callable, got {got!r}",
    "jac_shape": "jac: returned shape {got}, expected {want}",
    "linsolve": "linsolve: must be one of {valid}, got {got!r}",
}


def _err(key: str, **kw: Any) -> str:
    return ERRORS[key].format(**kw)


def lookup_method(method: Any) -> MethodInfo:
    """The :class:`MethodInfo` of ``method`` (case-insensitive)."""
    if not isinstance(method, str):
        raise TypeError(_err("method_type", got=type(method).__name__))
    info = _LOWER.get(method.lower())
    if info is None:
        raise ValueError(_err("method", got=method, valid=", ".join(METHODS)))
    return info


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(_err("bool", name=name, got=value))
    return bool(value)


def _check_atol(atol: Any, n: int) -> np.ndarray:
    if type(atol) is float and math.isfinite(atol) and atol > 0:  # the common case, fast
        return np.full(n, atol)
    if isinstance(atol, (str, bytes, bool)):
        raise TypeError(_err("atol", want=(n,), got=atol))
    try:
        a = np.array(atol, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(_err("atol", want=(n,), got=atol)) from exc
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape != (n,) or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(_err("atol", want=(n,), got=atol))
    return a


def _check_dt(dt: Any) -> float | None:
    if dt is None:
        return None
    if isinstance(dt, bool) or not isinstance(dt, (numbers.Real, np.floating, np.integer)):
        raise TypeError(_err("dt", got=dt))
    if not math.isfinite(dt) or dt == 0:
        raise ValueError(_err("dt", got=dt))
    return float(dt)


def _check_tstops(tstops: Any, t0: float, t1: float) -> tuple:
    lo, hi = min(t0, t1), max(t0, t1)
    try:
        ts = np.atleast_1d(np.asarray(tstops, dtype=float))
    except (TypeError, ValueError) as exc:
        raise TypeError(_err("tstops", lo=lo, hi=hi, got=tstops)) from exc
    if ts.ndim != 1 or not np.all(np.isfinite(ts)) or np.any((ts < lo) | (ts > hi)):
        raise ValueError(_err("tstops", lo=lo, hi=hi, got=ts.tolist()))
    return tuple(float(x) for x in ts if lo < x < hi)


def _as_params(p: Any) -> Any:
    """Lists of numbers become float arrays; float arrays a writable C-contiguous copy. Numeric
    parameters must be finite (a NaN would only show as endless step rejections)."""
    if isinstance(p, list):
        try:
            p = np.array(p, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"p: a list of parameters must hold numbers: {exc}") from exc
    elif isinstance(p, np.ndarray) and p.dtype == np.float64 and p.ndim == 1:
        p = np.array(p, order="C")
    numeric = p if isinstance(p, np.ndarray) else None
    if isinstance(p, tuple) and all(isinstance(x, numbers.Real) for x in p):
        numeric = np.array(p, dtype=float)
    if numeric is not None and np.issubdtype(numeric.dtype, np.floating):
        if not np.all(np.isfinite(numeric)):
            raise ValueError(_err("p_finite"))
    return p


def _probe_params(f: Any, t0: float, u: np.ndarray, p: Any) -> None:
    """For an ``@njit`` ``f`` and numeric ``p``: run ``f``'s Python source once, where an index
    past the end of ``p`` raises instead of reading garbage memory (compiled code does not check
    bounds). Only an ``IndexError`` that goes away with a longer ``p`` is reported. Skipped for
    large ``u0`` or ``p`` (more than :data:`PROBE_MAX` entries), where the Python run costs."""
    if not isinstance(f, Dispatcher) or u.size > PROBE_MAX:
        return
    if isinstance(p, tuple) and all(isinstance(x, numbers.Real) for x in p):
        p = np.array(p, dtype=float)
    if not (isinstance(p, np.ndarray) and p.ndim == 1 and p.dtype.kind == "f"):
        return
    key = (f, u.size, p.size)
    if p.size > PROBE_MAX or key in _PROBED:
        return
    with np.errstate(all="ignore"):
        try:
            f.py_func(t0, u.copy(), p.copy())
            if len(_PROBED) < 10_000:
                _PROBED.add(key)  # this f reads no more than len(p) parameters
            return
        except IndexError as exc:
            first = exc
        except Exception:  # noqa: BLE001 - only the index check matters here; Numba may differ
            return
        try:
            f.py_func(t0, u.copy(), np.concatenate([p, np.ones(64)]))
        except Exception:  # noqa: BLE001 - the index error is not (only) about p
            return
    raise ValueError(_err("p_short", got=p.size, want=f"IndexError: {first}")) from first


def _check_rhs(f: Callable, t0: float, u: np.ndarray, p: Any) -> None:
    if not callable(f):
        raise TypeError(_err("f_callable", got=type(f).__name__))
    _probe_params(f, t0, u, p)
    try:
        du = f(t0, u.copy(), p)
    except Exception as exc:  # noqa: BLE001 - re-raised with the argument named
        raise TypeError(_err("f_call", got=f"{type(exc).__name__}: {exc}")) from exc
    if isinstance(du, tuple):
        if len(du) != u.size:
            raise ValueError(_err("f_tuple", got=len(du), want=u.size))
        if not all(isinstance(x, (float, np.floating)) for x in du):
            raise TypeError(_err("f_tuple_type"))
        du = np.array(du)
    elif not isinstance(du, np.ndarray):
        raise TypeError(_err("f_type", got=type(du).__name__))
    if du.shape != u.shape:
        raise ValueError(_err("f_shape", got=du.shape, want=u.shape))
    if not np.issubdtype(du.dtype, np.floating):
        raise TypeError(_err("f_dtype", got=du.dtype))
    if not np.all(np.isfinite(du)):
        raise ValueError(_err("f_finite"))


def _check_jac(jac: Any, t0: float, u: np.ndarray, p: Any) -> None:
    if jac is None or (isinstance(jac, str) and jac == "fd"):
        return
    if not callable(jac):
        raise ValueError(_err("jac", got=jac))
    key = (jac, u.size)
    if key in _JAC_OK:
        return
    J = jac(t0, u.copy(), p)
    shape = getattr(J, "shape", None)
    if shape is None:
        J = np.asarray(J, dtype=float)
        shape = J.shape
    if tuple(shape) != (u.size, u.size):
        raise ValueError(_err("jac_shape", got=tuple(shape), want=(u.size, u.size)))
    if len(_JAC_OK) < 10_000:
        _JAC_OK.add(key)


def _reject_unused(info: MethodInfo, given: dict[str, Any]) -> None:
    for name, value in given.items():
        if name in info.keywords:
            continue
        if value is None or (name == "specialize" and value is False):
            continue
        valid = ", ".join(sorted(info.keywords)) or "no method-specific keywords"
        raise ValueError(_err("unsupported", name=name, method=info.name, valid=valid))


def solve(
    f: Callable,
    tspan: ArrayLike,
    u0: ArrayLike,
    p: Any = (),
    *,
    method: str = "Tsit5",
    rtol: float = 1e-6,
    atol: ArrayLike = 1e-8,
    dt: float | None = None,
    adaptive: bool = True,
    saveat: ArrayLike | None = None,
    dense: bool = True,
    tstops: ArrayLike | None = None,
    max_steps: int = 10**6,
    jac: Callable | str | None = None,
    jac_sparsity: Any = None,
    linsolve: str | None = None,
    mass_matrix: Any = None,
    colors: ArrayLike | None = None,
    precond: str | None = None,
    gmres_rtol: float | None = None,
    specialize: bool | None = None,
    events: Any = None,
    callbacks: Any = None,
) -> ODESolution:
    r"""Solve :math:`u' = f(t, u, p)`, :math:`u(t_0) = u_0` on ``tspan`` with any method.

    Parameters
    ----------
    f : callable
        Right-hand side ``f(t, u, p) -> du``, a new float array of the shape
        of ``u`` (or a tuple of ``len(u)`` floats: nothing is then allocated
        per stage). Decorate it with ``numba.njit`` for compiled speed (a
        plain Python function works too, about 100x slower per step). For the
        implicit methods write it generically (``np.empty_like(u)``) so that it
        runs on complex arrays: its Jacobian is then exact (complex step).
    tspan : (float, float)
        ``(t0, t1)``; ``t1 < t0`` integrates backwards.
    u0 : array_like
        Initial state (1-D; a scalar is treated as a 1-vector).
    p : object, optional
        Parameters passed unchanged to ``f``. A float array gives the cached
        compiled loops; lists are converted to float arrays.
    method : str
        A name of :data:`METHODS`, in any case: explicit ``"Euler"``,
        ``"Midpoint"``, ``"Heun"``, ``"RK4"``, ``"BS3"``, ``"DP5"``,
        ``"Tsit5"`` (default), ``"Vern7"``; Rosenbrock ``"Rosenbrock23"``,
        ``"Rodas4"``, ``"Rodas5"``, ``"Rodas5P"``; SDIRK ``"ImplicitEuler"``,
        ``"TRBDF2"``; variable-order ``"BDF"``.
    rtol, atol : float
        Tolerances of the weighted RMS error norm
        :math:`\|e_i/(\mathrm{atol}_i + \mathrm{rtol}\max(|u_i|, |\tilde u_i|))\|`
        (``atol`` a scalar or an array of the shape of ``u0``).
    dt : float, optional
        The fixed step (``adaptive=False`` or a method without error
        estimator) or the initial step of an adaptive solve (default: Hairer's
        selection).
    adaptive : bool
        Adaptive step-size control (needs an embedded error estimate).
    saveat : array_like, optional
        Times at which to return the solution (interpolated; sorted in the
        direction of integration); by default every step point is returned.
    dense : bool
        Keep the data for ``sol(t)`` dense output (the method's own
        interpolant, else cubic Hermite).
    tstops : array_like, optional
        Times inside ``tspan`` at which a step must end, such as the times
        where ``f`` jumps in ``t`` (``ODEProblem.tstops``). Implicit methods clip a step to end
        there; explicit methods restart there (the pieces are joined into one solution).
    max_steps : int
        Maximum number of attempted steps; reaching it returns ``success=False``.
    jac : None, "fd" or callable
        Implicit methods: ``None`` for automatic differentiation (complex
        step, else finite differences with a warning), ``"fd"`` for forward
        differences, or ``jac(t, u, p)`` returning a dense array or a
        ``scipy.sparse`` matrix.
    jac_sparsity : sparse matrix, array, or "detect", optional
        Implicit methods: the nonzero pattern of the Jacobian, which is then
        computed by graph colouring and stored sparse.
    linsolve : {"dense", "splu", "gmres"}, optional
        Implicit methods: dense LU (default without sparsity), sparse LU
        (default with ``jac_sparsity`` or a ``jac`` that returns a sparse matrix) or
        Newton-Krylov GMRES (:class:`~sciml_lib.ode.linsolve.GMRESSolver`; Jacobian-free
        when ``precond`` needs no matrix).
    mass_matrix : None
        Reserved: no method supports a mass matrix yet (anything but ``None``
        raises ``ValueError``).
    colors : array_like, optional
        Column colouring for ``jac_sparsity`` (greedy largest-first when omitted).
    precond : {None, "ilu", "amg", "lu"} or callable
        Preconditioner of GMRES, built rarely and reused over many steps: incomplete LU,
        algebraic multigrid (PyAMG) or the exact sparse LU of :math:`W` (these need
        ``jac_sparsity`` or a sparse ``jac``), or ``precond(J, gamma)`` returning
        :math:`v \mapsto M^{-1} v \approx (I - \gamma J)^{-1} v`. Counted in
        ``stats.nprec`` (setups) and ``stats.nlinear`` (Krylov iterations).
    gmres_rtol : float, optional
        Relative residual tolerance of GMRES; default
        :math:`\max(10^{-7}, 10^{-2}\,\mathrm{rtol})`.
    specialize : bool or None
        Explicit and compiled Rosenbrock methods with an ``@njit`` ``f``:
        compile a loop specialised on ``f`` (direct calls instead of a function
        pointer), cached on disk for a module-level ``f`` (see
        :mod:`sciml_lib._specialize`). The default ``None`` specialises the explicit
        loop for a module-level ``f`` (compiled once, then loaded from the disk cache)
        and takes the loop compiled once for function pointers otherwise (an ``f``
        defined in a notebook: no compilation per function); ``True`` always
        specialises, ``False`` never (where ``f`` and ``p`` allow a function pointer).
        A specialised explicit loop has the tableau frozen into it and calls an ``f``
        that ends in ``return np.array([...])`` as the same function returning a tuple
        (:func:`sciml_lib._specialize.tuple_form`): no array is allocated per stage.
    events : callable, Event or list of them, optional
        Event functions ``g(t, u, p) -> float`` whose zeros are located on the dense output
        (:class:`~sciml_lib.ode.events.Event`, or a function with SciPy's ``terminal`` and
        ``direction`` attributes); the crossings are returned in ``sol.t_events`` and
        ``sol.u_events``; a terminal event ends the solve with ``success=True`` and
        ``status == 7``. See :mod:`sciml_lib.ode.events`.
    callbacks : callback or list, optional
        :class:`~sciml_lib.ode.events.ContinuousCallback`,
        :class:`~sciml_lib.ode.events.DiscreteCallback` or
        :class:`~sciml_lib.ode.events.PresetTimeCallback` objects, whose ``affect(t, u, p)``
        changes ``u`` (and ``p``) in place; the solve restarts after each (``sol.p`` holds
        the final parameters).

    Returns
    -------
    sciml_lib.ode.solution.ODESolution
        ``t``, ``u`` (one row per time), ``stats``, ``success``, ``message``,
        ``method`` and dense output ``sol(t)``.

    Raises
    ------
    ValueError, TypeError
        For invalid input and for a keyword the method cannot use; the
        message names the argument.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml_lib.ode import solve
    >>> sol = solve(lambda t, u, p: -u, (0.0, 1.0), np.array([1.0]), method="dp5", rtol=1e-10,
    ...             atol=1e-12)
    >>> bool(abs(sol.u[-1, 0] - np.exp(-1.0)) < 1e-9)
    True
    """
    info = lookup_method(method)
    _reject_unused(info, dict(jac=jac, jac_sparsity=jac_sparsity, linsolve=linsolve,
                              mass_matrix=mass_matrix, colors=colors, precond=precond,
                              gmres_rtol=gmres_rtol, specialize=specialize))
    if not callable(f):
        raise TypeError(_err("f_callable", got=type(f).__name__))
    t0, t1 = check_tspan(tspan)
    u = check_u0(u0)
    rtol = check_rtol(rtol)
    atol_a = _check_atol(atol, u.size)
    dt_ = _check_dt(dt)
    adaptive = _check_bool("adaptive", adaptive)
    dense = _check_bool("dense", dense)
    specialize = None if specialize is None else _check_bool("specialize", specialize)
    max_steps = check_max_steps(max_steps)
    use_adaptive = adaptive and info.adaptive
    if not use_adaptive and dt_ is None:
        why = "adaptive=False"
        if not info.adaptive:
            why = f"method {info.name!r} has no error estimator"
        raise ValueError(_err("dt_needed", got=why))
    sa = None
    if saveat is not None:
        lo, hi = min(t0, t1), max(t0, t1)
        sa = np.clip(np.sort(check_saveat(saveat, t0, t1)), lo, hi)
        if t1 < t0:
            sa = sa[::-1].copy()
    stops: tuple = ()
    if tstops is not None:
        stops = _check_tstops(tstops, t0, t1)
        if stops and not info.tstops:
            raise ValueError(_err("unsupported", name="tstops", method=info.name,
                                  valid=", ".join(sorted(info.keywords))))
    if info.family != "explicit":
        from .linsolve import LINSOLVERS

        if linsolve is not None and linsolve not in LINSOLVERS:
            raise ValueError(_err("linsolve", valid=LINSOLVERS, got=linsolve))
    p = _as_params(p)
    _check_rhs(f, t0, u, p)
    if events is not None or callbacks is not None:
        return _solve_events(info, f, t0, t1, u, p, rtol, atol_a, dt_, use_adaptive, sa, dense,
                             max_steps, stops, jac, jac_sparsity, colors, linsolve, precond,
                             gmres_rtol, specialize, events, callbacks)
    if info.family == "explicit":
        return run_explicit(f, t0, t1, u, p, TABLEAUS[info.name], rtol, atol_a, dt_,
                            use_adaptive, sa, dense, max_steps, specialize, stops)
    _check_jac(jac, t0, u, p)
    return run_implicit(info.name, f, t0, t1, u, p, rtol, atol_a, dt_, use_adaptive, sa, dense,
                        max_steps, stops, jac, jac_sparsity, colors, linsolve, precond,
                        gmres_rtol, specialize)


def _solve_events(info: MethodInfo, f: Callable, t0: float, t1: float, u: np.ndarray, p: Any,
                  rtol: float, atol_a: np.ndarray, dt_: float | None, use_adaptive: bool,
                  sa: np.ndarray | None, dense: bool, max_steps: int, stops: tuple, jac: Any,
                  jac_sparsity: Any, colors: Any, linsolve: str | None, precond: str | None,
                  gmres_rtol: float | None, specialize: bool, events: Any,
                  callbacks: Any) -> ODESolution:
    """:func:`solve` with events or callbacks: the method's loop run piece by piece by
    :func:`sciml_lib.ode.events.solve_with_events`."""
    from .events import solve_with_events

    if callbacks is not None and isinstance(p, tuple) and \
            all(isinstance(x, numbers.Real) for x in p):
        p = np.array(p, dtype=float)  # an affect may change p in place: one array throughout
    if info.family == "explicit":
        tab = TABLEAUS[info.name]

        def run(ta: float, tb: float, ua: np.ndarray, watch: Any, nmax: int, st: tuple,
                h: float | None) -> ODESolution:
            dt = dt_ if (h is None or not use_adaptive) else h
            return run_explicit(f, ta, tb, ua, p, tab, rtol, atol_a, dt, use_adaptive, None,
                                True, nmax, specialize, st, watch)
    else:
        _check_jac(jac, t0, u, p)

        def run(ta: float, tb: float, ua: np.ndarray, watch: Any, nmax: int, st: tuple,
                h: float | None) -> ODESolution:
            dt = dt_ if (h is None or not use_adaptive) else h
            return run_implicit(info.name, f, ta, tb, ua, p, rtol, atol_a, dt, use_adaptive,
                                None, True, nmax, st, jac, jac_sparsity, colors, linsolve,
                                precond, gmres_rtol, specialize, watch)

    return solve_with_events(run, info.name, f, t0, t1, u, p, events, callbacks, sa, dense,
                             max_steps, stops)
