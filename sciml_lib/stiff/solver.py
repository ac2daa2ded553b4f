r"""The ``solve`` entry point of the stiff solvers.

Same call as :func:`sciml_lib.ode.solve` (which forwards here for the names
in :data:`METHODS`), plus the options of implicit methods: how the Jacobian is
obtained, its sparsity, and the linear solver.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from sciml_lib._specialize import compiles_to
from sciml_lib.ad import _numba_jac as nj
from sciml_lib.ode.solution import ODESolution, ODEStats, hermite_interpolant
from sciml_lib.ode.validation import check_max_steps, check_rtol, check_saveat, check_tspan, check_u0

from . import _kernels as K
from . import _pystep as P
from .bdf import bdf
from .linsolve import LINSOLVERS, make_linsolve
from .tableaus import RODAS4, RODAS5, RODAS5P

_RODAS = {"Rodas4": RODAS4, "Rodas5": RODAS5, "Rodas5P": RODAS5P}

__all__ = ["METHODS", "solve"]

#: Stiff methods: name -> (order, description).
METHODS: dict[str, tuple[int, str]] = {
    "ImplicitEuler": (1, "implicit (backward) Euler with Newton, L-stable"),
    "TRBDF2": (2, "TR-BDF2 ESDIRK with embedded order-3 estimate, L-stable"),
    "Rosenbrock23": (2, "Shampine-Reichelt Rosenbrock 2(3) (ode23s), L-stable"),
    "Rodas4": (4, "Hairer-Wanner RODAS, order 4(3), stiffly accurate, L-stable"),
    "Rodas5": (5, "Di Marzo's Rodas5, order 5(4), stiffly accurate, L-stable"),
    "Rodas5P": (5, "Steinebach's Rodas5P, order 5(4), stiffly accurate, L-stable"),
    "BDF": (5, "variable-order NDF/BDF (ode15s formulas), orders 1-5, factorisation reuse"),
}

_STATUS = {
    K.OK: "reached the end of the integration span",
    K.MAX_STEPS: "stopped: reached max_steps",
    K.DT_SMALL: "stopped: step size fell below machine precision",
    K.FAILED: "stopped: repeated step failures (Newton divergence, singular or non-finite W)",
}


_TYPED_CACHE: dict = {}


def _typed_ok(f: Any, fc: Any, jac: Any) -> bool:
    """Whether the cached, typed driver applies (f, its complex version and jac match the signatures)."""
    key = (f, fc, jac)
    if key not in _TYPED_CACHE:
        _TYPED_CACHE[key] = _typed_check(f, fc, jac)
    return _TYPED_CACHE[key]


def _typed_check(f: Any, fc: Any, jac: Any) -> bool:
    from numba import types

    return (
        compiles_to(f, (types.float64, K.ARR, K.ARR), K.ARR)
        and compiles_to(fc, (types.float64, K.CARR, K.ARR), K.CARR)
        and compiles_to(jac, (types.float64, K.ARR, K.ARR), K.ARR2)
    )


def _validate(f: Any, tspan: Any, u0: Any, rtol: Any, atol: Any, dt: Any, saveat: Any, max_steps: Any) -> tuple:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    t0, t1 = check_tspan(tspan)
    u = check_u0(u0, allow_scalar=False)
    check_rtol(rtol)
    if not isinstance(atol, (numbers.Real, np.floating)) or not atol > 0 or not math.isfinite(atol):
        raise ValueError(f"atol must be a positive finite number, got {atol!r}")
    if dt is not None and (not isinstance(dt, (numbers.Real, np.floating)) or not dt > 0 or not math.isfinite(dt)):
        raise ValueError(f"dt must be a positive number, got {dt!r}")
    check_max_steps(max_steps)
    sv = None if saveat is None else check_saveat(saveat, t0, t1)
    return t0, t1, u, sv


def solve(
    f: Callable,
    tspan: ArrayLike,
    u0: ArrayLike,
    p: Any = (),
    *,
    method: str = "Rodas4",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    dt: float | None = None,
    adaptive: bool = True,
    saveat: ArrayLike | None = None,
    dense: bool = True,
    max_steps: int = 10**6,
    jac: Callable | str | None = None,
    jac_sparsity: Any = None,
    colors: ArrayLike | None = None,
    linsolve: str | None = None,
    precond: str | None = None,
    gmres_rtol: float | None = None,
    specialize: bool = False,
    tstops: ArrayLike | None = None,
) -> ODESolution:
    r"""Solve a stiff ODE :math:`u' = f(t, u, p)` on ``tspan`` with an implicit method.

    Parameters
    ----------
    f : callable
        ``f(t, u, p) -> du``, preferably ``@njit``. Written generically
        (``np.empty_like(u)``), it also runs on complex arrays and its
        Jacobian is then exact (complex step, see :mod:`sciml_lib.ad.forward`).
        It may also return a tuple of ``len(u)`` floats (e.g.
        :func:`sciml_lib.problems.rober_rhs_tuple`): nothing is then allocated
        per stage in the compiled loop, and the results are bit-identical.
    tspan : (float, float)
        Integration interval; ``t1 < t0`` integrates backwards.
    u0 : array_like
        Initial state.
    p : any
        Parameters passed to ``f``.
    method : str
        One of :data:`METHODS`: ``"Rodas4"`` (default), ``"Rodas5"``, ``"Rodas5P"``, ``"Rosenbrock23"``,
        ``"TRBDF2"``, ``"ImplicitEuler"``, ``"BDF"`` (variable order, see
        :mod:`sciml_lib.stiff.bdf`).
    rtol, atol : float
        Tolerances of the weighted RMS error norm
        :math:`\|e_i/(\mathrm{atol} + \mathrm{rtol}\max(|u_i|, |\tilde u_i|))\|`.
    dt : float, optional
        Initial step (adaptive) or the fixed step (``adaptive=False``).
        Hairer's starting-step heuristic when omitted.
    adaptive : bool
        Step-size control with the embedded error estimate and a PI controller
        :math:`h_{new} = h \cdot 0.9\, \mathrm{err}_n^{-0.7/k}\,\mathrm{err}_{n-1}^{0.4/k}`
        (the erratum of the notes fixed: the factor *decreases* with the error).
    saveat : array_like, optional
        Times at which to return the solution (cubic Hermite dense output);
        otherwise every step is returned.
    dense : bool
        Attach the Hermite interpolant (``sol(t)``).
    max_steps : int
        Attempted-step limit; reaching it returns ``success=False``.
    jac : None, "fd" or callable
        ``None``: automatic differentiation (complex step, falling back to
        finite differences with a warning when ``f`` does not accept complex
        input); ``"fd"``: forward differences; a callable ``jac(t, u, p)``
        returning a dense array or a ``scipy.sparse`` matrix.
    jac_sparsity : sparse matrix, array, or "detect", optional
        Nonzero pattern of the Jacobian; with it the Jacobian is computed by
        graph colouring (one evaluation per colour) and stored sparse.
        ``"detect"`` runs :func:`sciml_lib.ad.sparsity.detect_sparsity`.
    colors : array_like, optional
        Column colouring for ``jac_sparsity`` (greedy largest-first when omitted).
    linsolve : {"dense", "splu", "gmres"}, optional
        Dense LU (default without sparsity), sparse LU (default with sparsity)
        or Jacobian-free Newton-Krylov GMRES.
    precond : {None, "ilu"}
        Preconditioner of GMRES (``"ilu"`` needs a sparse Jacobian).
    gmres_rtol : float, optional
        Relative residual tolerance of GMRES; default :math:`\max(10^{-7}, 10^{-2}\,\mathrm{rtol})`
        (a finite-difference JVP is only accurate to about :math:`10^{-8}`, so
        tighter tolerances stagnate).

    specialize : bool
        For the compiled Rosenbrock path: compile the stepping loop for this
        ``f`` (and ``jac``) rather than passing them as function pointers.
        Calls are then direct, and a solve costs about 0.15 ms less (the
        conversion of the functions to pointers); the one-off compilation
        (several seconds) is cached on disk for module-level functions.

    tstops : array_like, optional
        Times inside ``tspan`` at which a step must end, such as the times
        where ``f`` jumps in ``t`` (``ODEProblem.tstops``). A step that
        straddles a jump has an :math:`O(h)` local error that the error
        estimate may not see (on the Brusselator, whose forcing switches on
        at :math:`t = 1.1`, Rodas4's error at rtol 1e-4 drops from about
        1.3e-4 to 3.5e-5). Runs the Python stepping loop.

    Returns
    -------
    ODESolution
        With ``stats`` counting ``nf`` (Jacobian evaluations included),
        ``naccept``, ``nreject``, ``njac``, ``nlu`` (factorisations) and
        ``nnewton``.

    Notes
    -----
    A Numba right-hand side with dense linear algebra and a Rosenbrock method
    runs entirely in compiled code; other combinations run a Python loop over
    steps whose work is compiled (right-hand side, coloured Jacobian) or
    LAPACK/SuperLU.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    t0, t1, u, sv = _validate(f, tspan, u0, rtol, atol, dt, saveat, max_steps)
    if isinstance(p, np.ndarray) and p.dtype == np.float64 and p.ndim == 1:
        p = np.array(p, order="C")  # a writable C-contiguous copy (matches the cached kernels)
    if not isinstance(adaptive, (bool, np.bool_)):
        raise TypeError(f"adaptive must be a bool, got {type(adaptive).__name__}")
    if not adaptive and dt is None:
        raise ValueError("dt must be given when adaptive=False")
    if linsolve is not None and linsolve not in LINSOLVERS:
        raise ValueError(f"linsolve must be one of {LINSOLVERS}, got {linsolve!r}")
    if jac is not None and not callable(jac) and jac != "fd":
        raise ValueError(f"jac must be None, 'fd' or a callable, got {jac!r}")
    # check the right-hand side once
    try:
        du0 = np.asarray(f(t0, u.copy(), p))
    except Exception as exc:  # pragma: no cover - depends on user code
        raise TypeError(f"f: calling f(t0, u0, p) failed: {exc}") from exc
    if du0.shape != u.shape:
        raise ValueError(f"f: returned shape {du0.shape}, expected {u.shape}")
    if not np.all(np.isfinite(du0)):
        raise ValueError("f: returned non-finite values at (t0, u0)")
    stops: tuple = ()
    if tstops is not None:
        ts_arr = np.atleast_1d(np.asarray(tstops, dtype=float))
        if ts_arr.ndim != 1 or not np.all(np.isfinite(ts_arr)):
            raise ValueError("tstops must be a 1-D array of finite times")
        lo, hi = min(t0, t1), max(t0, t1)
        if np.any((ts_arr < lo) | (ts_arr > hi)):
            raise ValueError(f"tstops must lie inside tspan [{lo}, {hi}], got {ts_arr.tolist()}")
        stops = tuple(float(x) for x in ts_arr if lo < x < hi)
    n = u.size
    plan = None
    if jac_sparsity is not None:
        from sciml_lib.ad.sparsity import SparseJacobianPlan, detect_sparsity

        if isinstance(jac_sparsity, str):
            if jac_sparsity != "detect":
                raise ValueError(f"jac_sparsity must be a matrix or 'detect', got {jac_sparsity!r}")
            jac_sparsity = detect_sparsity(f, u, p, t0)
        plan = SparseJacobianPlan(jac_sparsity, colors=colors)
        if plan.n != n:
            raise ValueError(f"jac_sparsity must be {n} x {n}, got {plan.pattern.shape}")
    if linsolve is None:
        linsolve = "splu" if plan is not None else "dense"
    # how to differentiate
    if callable(jac):
        mode = "user"
    elif jac == "fd":
        mode = "fd"
    else:
        from sciml_lib.ad.forward import supports_complex

        if supports_complex(f, t0, u, p):
            mode = "complex"
        else:
            warnings.warn(
                "f does not accept complex input (allocate with np.empty_like(u) to enable exact "
                "complex-step Jacobians); using finite differences",
                RuntimeWarning,
                stacklevel=2,
            )
            mode = "fd"
    dt0 = float(dt) if dt is not None else 0.0
    compiled = (
        not stops
        and linsolve == "dense"
        and plan is None
        and method in ("Rodas4", "Rodas5", "Rodas5P", "Rosenbrock23")
        and nj.is_numba(f)
        and (mode != "user" or nj.is_numba(jac))
    )
    if compiled:
        jmode = {"complex": 0, "fd": 1, "user": 2}[mode]
        fc = f if mode == "complex" else K.no_fc
        jacf = jac if mode == "user" else K.no_jac
        typed = False
        pp = p
        if isinstance(p, np.ndarray) and p.dtype == np.float64 and p.ndim == 1:
            pp = np.array(p, order="C")
            typed = _typed_ok(f, fc, jacf)
        name = "rodas" if method in _RODAS else "ros23"
        rest: tuple = (jmode, t0, t1, u, pp, float(rtol), float(atol), dt0, bool(adaptive), int(max_steps))
        if name == "rodas":
            tb = _RODAS[method]
            rest += (tb.A, tb.C, tb.gamma, tb.c, tb.d, tb.m, tb.e, float(tb.error_order))
        drv = K.specialized_driver(name, f, fc, jacf) if (specialize or not typed) else None
        if drv is not None:
            out = drv(*rest)
        else:
            out = K.driver(name, typed)(f, fc, jacf, *rest)
        status, ts, us, dus, nf, nacc, nrej, njac, nlu = out
        stats = ODEStats(int(nf), int(nacc), int(nrej), int(njac), int(nlu), 0)
    else:
        F = P.Counter(f, p)
        jp = P.JacobianProvider(f, p, F, mode, jac if mode == "user" else None, plan)
        ls = make_linsolve(linsolve, precond, gmres_rtol if gmres_rtol is not None else max(1e-7, 1e-2 * float(rtol)))
        if linsolve == "gmres" and precond == "ilu" and plan is None and mode != "user":
            raise ValueError("precond: 'ilu' needs jac_sparsity or a sparse jac")
        args = (t0, t1, u, float(rtol), float(atol), dt0 or None, bool(adaptive), int(max_steps), stops)
        if method in _RODAS:
            tab = _RODAS[method]
            status, L, njac, nlu, nnewton = P.rosenbrock(F, jp, ls, tab, *args)
        elif method == "Rosenbrock23":
            status, L, njac, nlu, nnewton = P.rosenbrock23(F, jp, ls, *args)
        elif method == "BDF":
            status, L, njac, nlu, nnewton = bdf(F, jp, ls, *args)
        else:
            status, L, njac, nlu, nnewton = P.sdirk(method, F, jp, ls, *args)
        ts, us, dus = np.array(L.ts), np.array(L.us), np.array(L.dus)
        stats = ODEStats(int(F.n), L.naccept, L.nreject, int(njac), int(nlu), int(nnewton))
        if linsolve == "gmres" and ls.nfail:
            stats_msg = f" (GMRES did not converge in {ls.nfail} solves)"
        else:
            stats_msg = ""
    success = status == K.OK
    message = _STATUS[int(status)]
    if not compiled and stats_msg:
        message += stats_msg
    if not success:
        message += f" at t = {ts[-1]:.6g}"
    interp = hermite_interpolant(ts, us, dus, check=False) if ts.size >= 2 and (dense or sv is not None) else None
    if sv is not None and interp is not None:
        lo, hi = min(ts[0], ts[-1]), max(ts[0], ts[-1])
        # only the requested times that the (possibly failed) solve reached
        keep = sv[(sv >= lo - 1e-12 * max(1, abs(lo))) & (sv <= hi + 1e-12 * max(1, abs(hi)))]
        t_out, u_out = keep, interp(np.clip(keep, lo, hi)) if keep.size else np.empty((0, n))
    else:
        t_out, u_out = ts, us
    return ODESolution(t_out, u_out, stats, success, message, method, interp if dense else None)
