r"""The driver of the implicit families (private): Jacobian, linear solver, compiled or Python loop.

Called by :func:`sciml_lib.ode.solve` with validated input. It decides how the
Jacobian is obtained (complex step, finite differences, the user's ``jac``,
optionally compressed by colouring with :mod:`sciml_lib.ad.sparsity`), builds
the linear solver (:mod:`sciml_lib.ode.linsolve`) and runs the loop of the
method's family: the compiled Rosenbrock loop (an ``@njit`` right-hand side,
dense LU, no ``tstops``) or the Python loops of :mod:`sciml_lib.ode.rosenbrock`,
:mod:`sciml_lib.ode.sdirk` and :mod:`sciml_lib.ode.bdf`.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from numba import types

from sciml_lib._specialize import (
    cache_dir,
    compiles_to,
    function_pointer,
    ignores_argument,
    importable_name,
    tuple_form,
)
from sciml_lib.ad import _numba_jac as nj

from . import rosenbrock as R
from ._control import EVENT, OK, status_message
from ._jacobian import AUTONOMOUS, Counter, JacobianProvider, no_fc, no_jac
from .bdf import bdf
from .linsolve import make_linsolve
from .sdirk import sdirk
from .solution import ODESolution, ODEStats, hermite_interpolant
from .tableaus import RODAS4, RODAS5, RODAS5P

__all__ = ["run_implicit", "ROSENBROCK_TABLEAUS"]

#: The Hairer-Wanner-form Rosenbrock methods by name.
ROSENBROCK_TABLEAUS = {"Rodas4": RODAS4, "Rodas5": RODAS5, "Rodas5P": RODAS5P}

_TYPED_CACHE: dict = {}


def _typed_ok(f: Any, fc: Any, jac: Any) -> bool:
    """Whether the cached, typed driver applies (f, its complex version and jac match the
    signatures)."""
    key = (f, fc, jac)
    if key not in _TYPED_CACHE:
        from numba import types

        _TYPED_CACHE[key] = (
            compiles_to(f, (types.float64, R.ARR, R.ARR), R.ARR)
            and compiles_to(fc, (types.float64, R.CARR, R.ARR), R.CARR)
            and compiles_to(jac, (types.float64, R.ARR, R.ARR), R.ARR2)
        )
    return _TYPED_CACHE[key]


def _jacobian_mode(f: Callable, jac: Any, t0: float, u: np.ndarray, p: Any) -> str:
    if callable(jac):
        return "user"
    if jac == "fd":
        return "fd"
    from sciml_lib.ad.forward import supports_complex

    if supports_complex(f, t0, u, p):
        return "complex"
    warnings.warn(
        "f does not accept complex input (allocate with np.empty_like(u) to enable exact "
        "complex-step Jacobians); using finite differences",
        RuntimeWarning,
        stacklevel=4,
    )
    return "fd"


def _sparsity_plan(f: Callable, u: np.ndarray, p: Any, t0: float, jac_sparsity: Any,
                   colors: Any) -> Any:
    if jac_sparsity is None:
        return None
    from sciml_lib.ad.sparsity import SparseJacobianPlan, detect_sparsity

    if isinstance(jac_sparsity, str):
        if jac_sparsity != "detect":
            raise ValueError(f"jac_sparsity: must be a matrix or 'detect', got {jac_sparsity!r}")
        jac_sparsity = detect_sparsity(f, u, p, t0)
    plan = SparseJacobianPlan(jac_sparsity, colors=colors)
    if plan.n != u.size:
        raise ValueError(f"jac_sparsity: must be {u.size} x {u.size}, got {plan.pattern.shape}")
    return plan


_FAST: dict[tuple, tuple] = {}


def _rosenbrock_driver(name: str, f: Callable, fc: Callable, jacf: Callable, tb: Any,
                       typed: bool, n: int) -> Callable | None:
    """The compiled Rosenbrock loop specialised on ``f``, ``fc``, ``jac`` (disk-cached when
    they are importable; else None), the tableau frozen in and an ``f`` ending in
    ``return np.array([...])`` called as the same function returning a tuple (``fc``, the
    complex-step copy, stays ``f``); a small system's size ``n`` is frozen in too. Looked up
    by identity, the objects held in the table."""
    key = (name, id(f), id(fc), id(jacf), id(tb), typed, n, str(cache_dir()))
    hit = _FAST.get(key)
    if hit is not None and hit[1] is f and hit[2] is fc and hit[3] is jacf and hit[4] is tb:
        return hit[0]
    fs = tuple_form(f, (types.float64, R.ARR, R.ARR)) if typed else None
    drv = R.specialized_driver(name, fs or f, fc, jacf, tb, n)
    if len(_FAST) > 4096:
        _FAST.clear()
    _FAST[key] = (drv, f, fc, jacf, tb)
    return drv


def _run_compiled(method: str, f: Callable, mode: str, jac: Any, t0: float, t1: float,
                  u: np.ndarray, p: Any, rtol: float, atol: np.ndarray, dt0: float,
                  adaptive: bool, max_steps: int, specialize: bool | None) -> tuple:
    jmode = {"complex": 0, "fd": 1, "user": 2}[mode] + (AUTONOMOUS if ignores_argument(f, 0) else 0)
    fc = f if mode == "complex" else no_fc
    jacf = jac if mode == "user" else no_jac
    typed = False
    if isinstance(p, np.ndarray) and p.dtype == np.float64 and p.ndim == 1:
        p = np.array(p, order="C")
        typed = _typed_ok(f, fc, jacf)
    name = "rodas" if method in ROSENBROCK_TABLEAUS else "ros23"
    rest: tuple = (jmode, t0, t1, u, p, rtol, atol, dt0, adaptive, max_steps)
    tb = ROSENBROCK_TABLEAUS.get(method)
    drv = None
    if specialize or not typed or (specialize is None and importable_name(f) is not None):
        drv = _rosenbrock_driver(name, f, fc, jacf, tb, typed, u.size)
    if drv is not None:
        out = drv(*rest)
    else:
        if name == "rodas":
            rest += (tb.A, tb.C, tb.gamma, tb.c, tb.d, tb.m, tb.e, float(tb.error_order))
        if typed:  # addresses looked up once per process, not per call
            f, fc, jacf = (function_pointer(f, R.F_SIG), function_pointer(fc, R.FC_SIG),
                           function_pointer(jacf, R.J_SIG))
        out = R.driver(name, typed)(f, fc, jacf, *rest)
    status, ts, us, dus, nf, nacc, nrej, njac, nlu = out
    stats = ODEStats(int(nf), int(nacc), int(nrej), int(njac), int(nlu), 0)
    return status, ts, us, dus, stats, "", None


def _run_python(method: str, f: Callable, mode: str, jac: Any, plan: Any, t0: float, t1: float,
                u: np.ndarray, p: Any, rtol: float, atol: np.ndarray, dt0: float,
                adaptive: bool, max_steps: int, stops: tuple, linsolve: str,
                precond: str | None, gmres_rtol: float | None, watch: Any = None,
                saveat: Any = None) -> tuple:
    F = Counter(f, p, u.size)
    jp = JacobianProvider(f, p, F, mode, jac if mode == "user" else None, plan)
    gtol = gmres_rtol if gmres_rtol is not None else max(1e-7, 1e-2 * rtol)
    ls = make_linsolve(linsolve, precond, gtol)
    if linsolve == "gmres" and isinstance(precond, str) and plan is None and mode != "user":
        raise ValueError(f"precond: {precond!r} needs jac_sparsity or a sparse jac")
    if linsolve == "gmres" and callable(precond):  # it gets J when one is formed cheaply
        wants_J = getattr(precond, "uses_jacobian", True)  # part_lu's ignores it
        ls.needs_matrix = (plan is not None or mode == "user") and wants_J
    args = (t0, t1, u, rtol, atol, dt0 or None, adaptive, max_steps, stops)
    if method in ROSENBROCK_TABLEAUS:
        status, L, njac, nlu, nnewton = R.rosenbrock(F, jp, ls, ROSENBROCK_TABLEAUS[method], *args,
                                                     watch=watch, saveat=saveat)
    elif method == "Rosenbrock23":
        status, L, njac, nlu, nnewton = R.rosenbrock23(F, jp, ls, *args, watch=watch,
                                                       saveat=saveat)
    elif method == "BDF":
        status, L, njac, nlu, nnewton = bdf(F, jp, ls, *args, watch=watch, saveat=saveat)
    else:
        status, L, njac, nlu, nnewton = sdirk(method, F, jp, ls, *args, watch=watch,
                                                 saveat=saveat)
    if L.stopped and status == OK:
        status = EVENT
    ts, us, dus = np.array(L.ts), np.array(L.us), np.array(L.dus)
    saved = None
    if L.stream:  # only the requested times were kept (in time order), and the last step
        saved = (np.array([t for t, _ in L.save_out]),
                 np.array([v for _, v in L.save_out]) if L.save_out else np.empty((0, u.size)))
    stats = ODEStats(int(F.n), L.naccept, L.nreject, int(njac), int(nlu), int(nnewton),
                     int(getattr(ls, "nprec", 0)), int(getattr(ls, "niter", 0)))
    extra = ""
    if linsolve == "gmres" and ls.nfail:
        extra = f" (GMRES did not converge in {ls.nfail} solves)"
    return status, ts, us, dus, stats, extra, saved


def run_implicit(method: str, f: Callable, t0: float, t1: float, u: np.ndarray, p: Any,
                 rtol: float, atol: np.ndarray, dt: float | None, adaptive: bool,
                 saveat: np.ndarray | None, dense: bool, max_steps: int, stops: tuple,
                 jac: Any, jac_sparsity: Any, colors: Any, linsolve: str | None,
                 precond: str | None, gmres_rtol: float | None, specialize: bool,
                 watch: Any = None) -> ODESolution:
    """Solve with the implicit method ``method`` (arguments validated by ``solve``).

    ``watch`` (from :mod:`sciml_lib.ode.events`): ``watch(t, u) -> bool`` after every accepted
    step, True stopping the loop with status ``EVENT``; it runs the Python loops (the compiled
    Rosenbrock loops have no event hook)."""
    n = u.size
    plan = _sparsity_plan(f, u, p, t0, jac_sparsity, colors)
    mode = _jacobian_mode(f, jac, t0, u, p)
    if linsolve is None:  # sparse LU for a sparse Jacobian (coloured, or the user's sparse jac)
        sparse_jac = mode == "user" and plan is None and sp.issparse(jac(t0, u, p))
        linsolve = "splu" if plan is not None or sparse_jac else "dense"
    dt0 = abs(float(dt)) if dt is not None else 0.0
    # saveat without dense output: the Python loops keep only the requested times
    stream = saveat is not None and not dense and watch is None
    compiled = (
        not stops
        and watch is None
        and linsolve == "dense"
        and plan is None
        and (method in ROSENBROCK_TABLEAUS or method == "Rosenbrock23")
        and nj.is_numba(f)
        and (mode != "user" or nj.is_numba(jac))
    )
    if compiled:
        out = _run_compiled(method, f, mode, jac, t0, t1, u, p, rtol, atol, dt0, adaptive,
                            max_steps, specialize)
    else:
        out = _run_python(method, f, mode, jac, plan, t0, t1, u, p, rtol, atol, dt0, adaptive,
                          max_steps, stops, linsolve, precond, gmres_rtol, watch,
                          saveat if stream else None)
    status, ts, us, dus, stats, extra, saved = out
    if saved is not None:  # streamed: the requested times that the solve reached
        message = status_message(status, ts[-1], extra)
        return ODESolution(saved[0], saved[1], stats, status == OK, message, method, None,
                           status=status)
    message = status_message(status, ts[-1], extra)
    interp = None
    if ts.size >= 2 and (dense or saveat is not None):
        interp = hermite_interpolant(ts, us, dus, check=False)
    if saveat is not None and interp is not None:
        lo, hi = min(ts[0], ts[-1]), max(ts[0], ts[-1])
        # only the requested times that the (possibly failed) solve reached
        tol_lo, tol_hi = 1e-12 * max(1, abs(lo)), 1e-12 * max(1, abs(hi))
        reached = (saveat >= lo - tol_lo) & (saveat <= hi + tol_hi)
        keep = saveat[reached]
        t_out = keep
        u_out = interp(np.clip(keep, lo, hi)) if keep.size else np.empty((0, n))
    else:
        t_out, u_out = ts, us
    return ODESolution(t_out, u_out, stats, status == OK, message, method,
                       interp if dense else None, status=status)
