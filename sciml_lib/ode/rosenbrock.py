r"""Rosenbrock methods: Rodas4, Rodas5, Rodas5P (Hairer-Wanner form) and Rosenbrock23.

A Rosenbrock method replaces the Newton iterations of an implicit Runge-Kutta
method by one linear solve per stage with :math:`W = I/(\gamma h) - J`
:cite:p:`hairer1996solving`; the coefficients are data in
:mod:`sciml_lib.ode.tableaus`. Two stepping loops per method family:

* :func:`rodas_solve` and :func:`ros23_solve`: compiled by Numba with the
  dense LU of :mod:`sciml_lib.ode.linsolve`, no Python call per step. With a
  float-array ``p`` the driver is compiled once for all right-hand sides (``f``,
  its complex version ``fc`` and ``jac`` are typed function pointers) and cached
  on disk; otherwise it is specialised on the functions (see :func:`driver`,
  :func:`specialized_driver`).
* :func:`rosenbrock` and :func:`rosenbrock23`: the same steps as a Python loop
  with any linear solver (sparse LU, GMRES) and ``tstops``.

Both use the step control of :mod:`sciml_lib.ode._control`.

**Linear invariants.** If :math:`c^\top f = 0` (a conservation law) then
:math:`c^\top J = 0`, :math:`c^\top W = c^\top/(\gamma h)` and every stage keeps
:math:`c^\top u` in exact arithmetic. In floating point a Rodas step keeps it only as well
as (1) the stage solves, whose error is about :math:`\varepsilon\,\mathrm{cond}(W)` with
:math:`\mathrm{cond}(W) \approx \gamma h \|J\|`, and (2) the computed :math:`J`, whose
:math:`c^\top J` is a rounding error that the stage equation multiplies by :math:`\gamma h`.
Where the user asks for absolute accuracy below the rounding of the largest component
(``min(atol) < eps * max|u|``, E5 of the Bari test set) the stage solves are refined with a
doubled-precision residual (:func:`~sciml_lib.ode.linsolve.lu_solve_refined`,
``DenseLU.solve_refined``); (2) is the Jacobian's business (``problems.bari.e5_jac`` keeps
:math:`c^\top J = 0` exactly). The state is summed with compensation (Kahan
:cite:p:`kahan1965pracniques`), so increments far below the last bit of :math:`u` are not
lost over many steps. Rosenbrock23 (``W = I - h d J``) is left as it is.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, types

from sciml_lib._specialize import generated_driver

from ._control import (
    BAD_RHS,
    EPS,
    FAILED,
    OK,
    STATE_SIZE,
    STEP_ACCEPTED,
    STEP_FAILED,
    StepLoop,
    err_norm,
    initial_step_np,
    loop_start,
    settle_step,
    static_size,
    step_head,
    store_step,
    wnorm,
)
from ._jacobian import Counter, JacobianProvider, jac_and_dt, jacobian_and_dt
from .linsolve import lu_factor, lu_solve, lu_solve_refined
from .tableaus import RosenbrockTableau

__all__ = ["rodas_solve", "ros23_solve", "rosenbrock", "rosenbrock23", "driver",
           "specialized_driver"]


# -- compiled loops -------------------------------------------------------------------------
@njit(cache=True, inline="always")
def refresh_jacobian(need_jac, f, fc, jac, jmode, t, u, p, f0, J, dT, nf, njac):
    """After an accepted step (``need_jac``): ``J`` and ``dT`` := the Jacobian and
    :math:`\\partial_t f` at ``(t, u)``. Returns ``(ok, need_jac, nf, njac)``; ``ok`` is False
    when ``f`` changed the length of its output."""
    if need_jac:
        nfj = jac_and_dt(f, fc, jac, jmode, t, u, p, f0, J, dT)
        if nfj < 0:
            return False, need_jac, nf, njac
        nf += nfj
        njac += 1
        need_jac = False
    return True, need_jac, nf, njac


@njit(cache=True, inline="always")
def work_arrays(n):
    """The arrays every compiled Rosenbrock loop needs: ``(J, W, piv, dT, unew, errv)``."""
    return (np.empty((n, n)), np.empty((n, n)), np.empty(n, dtype=np.int64), np.empty(n),
            np.empty(n), np.empty(n))


@njit(cache=True, inline="always")
def step_start(t, h, t1, tdir, span, nsteps, max_steps, need_jac, f, fc, jac, jmode, u, p, f0,
               J, dT, nf, njac):
    """The head of a step of a compiled Rosenbrock loop: the step clipped to the span
    (:func:`~sciml_lib.ode._control.step_head`) and ``J``, ``dT`` refreshed after an accepted
    step. Returns ``(status, h, hs, need_jac, nf, njac)``; ``status != OK`` ends the loop."""
    status, h = step_head(t, h, t1, tdir, span, nsteps, max_steps)
    if status != OK:
        return status, h, tdir * h, need_jac, nf, njac
    ok, need_jac, nf, njac = refresh_jacobian(need_jac, f, fc, jac, jmode, t, u, p, f0, J, dT,
                                              nf, njac)
    return (OK if ok else BAD_RHS), h, tdir * h, need_jac, nf, njac


def rodas_solve(f, fc, jac, jmode, t0, t1, u0, p, rtol, atol, dt0, adaptive, max_steps,
                A, C, gam, c, d, m, e, errorder):
    r"""The compiled loop of a Rosenbrock method in the form of Hairer-Wanner (RODAS):

    .. math::

        W = I/(\gamma h) - J, \quad u_i = u + \sum_{j<i} a_{ij} k_j, \quad
        W k_i = f(t + c_i h, u_i) + d_i h\, \partial_t f + \sum_{j<i} c_{ij} k_j / h,

        u_{new} = u + \sum_i m_i k_i, \quad \mathrm{error} = \sum_i e_i k_i.

    The stage solves are refined in doubled precision when ``min(atol) < eps * max|u|`` and
    :math:`u_{new}` is summed with compensation (see the module docstring).
    """
    n = u0.size if STATE_SIZE < 0 else STATE_SIZE  # a constant in a specialised loop
    s = c.size
    start = loop_start(f, t0, t1, u0, p, rtol, atol, dt0, errorder - 1)
    tdir, span, u, f0, nf, ts, us, dus, npts, h = start
    t, njac, nlu, naccept, nreject, nfail = t0, 0, 0, 0, 0, 0
    J, W, piv, dT, unew, errv = work_arrays(n)
    K = np.empty((s, n))
    ui = np.empty(n)
    rhs = np.empty(n)
    res = np.empty(n)
    incr = np.empty(n)
    comp = np.zeros(n)  # compensated summation: what rounding took from u (Kahan)
    amin = atol.min()
    need_jac, errold, first, last_rejected = True, 1.0, True, False
    status = OK if h > 0.0 else BAD_RHS  # h < 0: f changed its length in the starting step
    while status == OK and tdir * (t1 - t) > 0:
        status, h, hs, need_jac, nf, njac = step_start(t, h, t1, tdir, span, naccept + nreject,
            max_steps, need_jac, f, fc, jac, jmode, u, p, f0, J, dT, nf, njac)
        if status != OK:
            break
        inv = 1.0 / (gam * hs)
        ihs = 1.0 / hs
        umax = 0.0
        for i in range(n):
            umax = max(umax, abs(u[i]))
            for j in range(n):
                W[i, j] = -J[i, j]
            W[i, i] += inv
        refine = amin < EPS * umax  # atol below the rounding of the largest component
        nlu += 1
        ok = lu_factor(W, piv)
        bad_rhs = False
        if ok:
            for st in range(s):
                for i in range(n):
                    acc = u[i]
                    for j in range(st):
                        acc += A[st, j] * K[j, i]
                    ui[i] = acc
                if st == 0:
                    fi = f0
                else:
                    fi = f(t + c[st] * hs, ui, p)
                    nf += 1
                    if len(fi) != n:  # f must keep the length of u0
                        bad_rhs = True
                        break
                dh = d[st] * hs
                for i in range(n):
                    acc = 0.0
                    for j in range(st):
                        acc += C[st, j] * K[j, i]
                    rhs[i] = fi[i] + dh * dT[i] + acc * ihs
                if refine:
                    lu_solve_refined(W, piv, J, inv, rhs, res)
                else:
                    lu_solve(W, piv, rhs)
                for i in range(n):
                    K[st, i] = rhs[i]
        if bad_rhs:
            status = BAD_RHS
            break
        err = np.inf
        if ok:
            for i in range(n):
                a = comp[i]
                b = 0.0
                for st in range(s):
                    a += m[st] * K[st, i]
                    b += e[st] * K[st, i]
                incr[i] = a
                unew[i] = u[i] + a
                errv[i] = b
            err = err_norm(errv, u, unew, rtol, atol)
            if not np.isfinite(err):
                ok = False
        action, h, nreject, nfail, errold, first, last_rejected = settle_step(
            ok, err, errorder, h, nreject, nfail, errold, first, last_rejected, adaptive)
        if action == STEP_FAILED:
            status = FAILED
            break
        if action == STEP_ACCEPTED:
            t = t + hs
            for i in range(n):
                comp[i] = incr[i] - (unew[i] - u[i])
                u[i] = unew[i]
            f0 = f(t, u, p)
            nf += 1
            if len(f0) != n:
                status = BAD_RHS
                break
            naccept += 1
            ts, us, dus, npts = store_step(ts, us, dus, npts, t, u, f0)
            need_jac = True
    return (status, ts[:npts].copy(), us[:npts].copy(), dus[:npts].copy(), nf, naccept, nreject,
            njac, nlu)


def ros23_solve(f, fc, jac, jmode, t0, t1, u0, p, rtol, atol, dt0, adaptive, max_steps):
    r"""The L-stable Rosenbrock 2(3) pair of Shampine and Reichelt (W = I - h d J)."""
    n = u0.size if STATE_SIZE < 0 else STATE_SIZE  # a constant in a specialised loop
    dd = 1.0 / (2.0 + math.sqrt(2.0))
    e32 = 6.0 + math.sqrt(2.0)
    tdir, span, u, f0, nf, ts, us, dus, npts, h = loop_start(f, t0, t1, u0, p, rtol, atol, dt0, 2)
    t, njac, nlu, naccept, nreject, nfail = t0, 0, 0, 0, 0, 0
    J, W, piv, dT, unew, errv = work_arrays(n)
    k1, k2, k3, tmp = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    need_jac, errold, first, last_rejected = True, 1.0, True, False
    status = OK if h > 0.0 else BAD_RHS  # h < 0: f changed its length in the starting step
    f2 = f0
    while status == OK and tdir * (t1 - t) > 0:
        status, h, hs, need_jac, nf, njac = step_start(t, h, t1, tdir, span, naccept + nreject,
            max_steps, need_jac, f, fc, jac, jmode, u, p, f0, J, dT, nf, njac)
        if status != OK:
            break
        g = hs * dd
        for i in range(n):
            for j in range(n):
                W[i, j] = -g * J[i, j]
            W[i, i] += 1.0
        nlu += 1
        ok = lu_factor(W, piv)
        err = np.inf
        if ok:
            for i in range(n):
                k1[i] = f0[i] + g * dT[i]
            lu_solve(W, piv, k1)
            for i in range(n):
                tmp[i] = u[i] + 0.5 * hs * k1[i]
            f1 = f(t + 0.5 * hs, tmp, p)
            nf += 1
            if len(f1) != n:  # f must keep the length of u0
                status = BAD_RHS
                break
            for i in range(n):
                k2[i] = f1[i] - k1[i]
            lu_solve(W, piv, k2)
            for i in range(n):
                k2[i] += k1[i]
                unew[i] = u[i] + hs * k2[i]
            f2 = f(t + hs, unew, p)
            nf += 1
            if len(f2) != n:
                status = BAD_RHS
                break
            for i in range(n):
                k3[i] = f2[i] - e32 * (k2[i] - f1[i]) - 2.0 * (k1[i] - f0[i]) + g * dT[i]
            lu_solve(W, piv, k3)
            for i in range(n):
                errv[i] = hs / 6.0 * (k1[i] - 2.0 * k2[i] + k3[i])
            err = err_norm(errv, u, unew, rtol, atol)
            if not np.isfinite(err):
                ok = False
        action, h, nreject, nfail, errold, first, last_rejected = settle_step(
            ok, err, 3.0, h, nreject, nfail, errold, first, last_rejected, adaptive)
        if action == STEP_FAILED:
            status = FAILED
            break
        if action == STEP_ACCEPTED:
            t = t + hs
            u[:] = unew  # FSAL: f at the new point is f2
            f0 = f2
            naccept += 1
            ts, us, dus, npts = store_step(ts, us, dus, npts, t, u, f0)
            need_jac = True
    return (status, ts[:npts].copy(), us[:npts].copy(), dus[:npts].copy(), nf, naccept, nreject,
            njac, nlu)


# -- Python loops (any linear solver, tstops) ------------------------------------------------
def python_step_start(L: StepLoop, t: float, h: float, max_steps: int, need_jac: bool, F: Counter,
                      jp: JacobianProvider, ls: Any, u: np.ndarray, f0: np.ndarray, J: Any,
                      jv: Any, dT: Any) -> tuple:
    """The head of a step of a Python Rosenbrock loop: ``(status, h, hs, J, jv, dT, need_jac)``,
    the step clipped to the next stop and the Jacobian refreshed after an accepted step."""
    status, h = L.check(t, h, max_steps)
    if status == OK and need_jac:
        J, jv, dT = jacobian_and_dt(F, jp, ls, t, u, f0)
        need_jac = False
    return status, h, L.tdir * h, J, jv, dT, need_jac


def rosenbrock(F: Counter, jp: JacobianProvider, ls: Any, tab: RosenbrockTableau, t0: float,
               t1: float, u0: np.ndarray, rtol: float, atol: Any, dt0: float | None, adaptive: bool,
               max_steps: int, tstops: Any = (), watch: Any = None, saveat: Any = None) -> tuple:
    """Hairer-Wanner-form Rosenbrock method with any linear solver."""
    u = u0.copy()
    t = t0
    f0 = F(t, u)
    L = StepLoop(t0, t1, u, f0, tstops, watch, saveat)
    h = dt0 if dt0 else initial_step_np(F, t, u, f0, rtol, atol, tab.error_order - 1, L.tdir,
                                        L.span)
    need_jac, status, J, jv, dT = True, OK, None, None, None
    s = tab.stages
    amin = float(np.min(atol))
    can_refine = hasattr(ls, "solve_refined")
    comp = np.zeros_like(u)  # compensated summation (Kahan), as the compiled loop
    while L.tdir * (t1 - t) > 0 and not L.stopped:
        status, h, hs, J, jv, dT, need_jac = python_step_start(L, t, h, max_steps, need_jac, F,
                                                               jp, ls, u, f0, J, jv, dT)
        if status != OK:
            break
        ok = ls.update(1.0 / (tab.gamma * hs), J, jv)
        K = np.empty((s, u.size))
        refine = can_refine and amin < EPS * float(np.max(np.abs(u)))
        stage_solve = ls.solve_refined if refine else ls.solve
        err = math.inf
        if ok:
            with np.errstate(all="ignore"):
                for i in range(s):
                    ui = u + tab.A[i, :i] @ K[:i]
                    fi = f0 if i == 0 else F(t + tab.c[i] * hs, ui)
                    rhs = fi + tab.d[i] * hs * dT + (tab.C[i, :i] @ K[:i]) / hs
                    K[i] = stage_solve(rhs)
                incr = tab.m @ K + comp
                unew = u + incr
                err = wnorm(tab.e @ K, u, unew, rtol, atol)
            ok = math.isfinite(err)
        action, fac = L.settle(ok, err, tab.error_order, adaptive)
        if action == STEP_FAILED:
            status = FAILED
            break
        if action == STEP_ACCEPTED:
            comp = incr - (unew - u)
            t, u, f0 = L.advance(F, t, hs, unew)
            need_jac = True
        h *= fac
    return status, L, jp.njac, ls.nfact, 0


def rosenbrock23(F: Counter, jp: JacobianProvider, ls: Any, t0: float, t1: float, u0: np.ndarray,
                 rtol: float, atol: Any, dt0: float | None, adaptive: bool, max_steps: int,
                 tstops: Any = (), watch: Any = None, saveat: Any = None) -> tuple:
    """Shampine-Reichelt Rosenbrock 2(3) with any linear solver."""
    dd = 1.0 / (2.0 + math.sqrt(2.0))
    e32 = 6.0 + math.sqrt(2.0)
    u = u0.copy()
    t = t0
    f0 = F(t, u)
    L = StepLoop(t0, t1, u, f0, tstops, watch, saveat)
    h = dt0 if dt0 else initial_step_np(F, t, u, f0, rtol, atol, 2, L.tdir, L.span)
    need_jac, status, J, jv, dT = True, OK, None, None, None
    while L.tdir * (t1 - t) > 0 and not L.stopped:
        status, h, hs, J, jv, dT, need_jac = python_step_start(L, t, h, max_steps, need_jac, F,
                                                               jp, ls, u, f0, J, jv, dT)
        if status != OK:
            break
        g = hs * dd
        ok = ls.update(1.0 / g, J, jv)  # (I/g - J) x = b/g  <=>  (I - gJ) x = b
        err = math.inf
        if ok:
            with np.errstate(all="ignore"):
                k1 = ls.solve((f0 + g * dT) / g)
                f1 = F(t + 0.5 * hs, u + 0.5 * hs * k1)
                k2 = ls.solve((f1 - k1) / g) + k1
                unew = u + hs * k2
                f2 = F(t + hs, unew)
                k3 = ls.solve((f2 - e32 * (k2 - f1) - 2.0 * (k1 - f0) + g * dT) / g)
                err = wnorm(hs / 6.0 * (k1 - 2.0 * k2 + k3), u, unew, rtol, atol)
            ok = math.isfinite(err)
        action, fac = L.settle(ok, err, 3.0, adaptive)
        if action == STEP_FAILED:
            status = FAILED
            break
        if action == STEP_ACCEPTED:
            t, u, f0 = L.land(t + hs), unew, f2  # FSAL
            L.record(t, u, f0)
            need_jac = True
        h *= fac
    return status, L, jp.njac, ls.nfact, 0


# -- drivers: typed (compiled once for every right-hand side, cached) or specialised ----------
ARR = types.float64[::1]
CARR = types.complex128[::1]
ARR2 = types.float64[:, ::1]
F_SIG = ARR(types.float64, ARR, ARR)
FC_SIG = CARR(types.float64, CARR, ARR)
J_SIG = ARR2(types.float64, ARR, ARR)
_COMMON = (types.FunctionType(F_SIG), types.FunctionType(FC_SIG), types.FunctionType(J_SIG),
           types.int64,  # jmode
           types.float64, types.float64, ARR, ARR,  # t0, t1, u0, p
           types.float64, ARR, types.float64,  # rtol, atol, dt0
           types.boolean, types.int64)  # adaptive, max_steps
_RODAS_ARGS = _COMMON + (ARR2, ARR2, types.float64, ARR, ARR, ARR, ARR, types.float64)

_DRIVERS: dict = {}


_TABLEAU_ARGS = ("A", "C", "gam", "c", "d", "m", "e", "errorder")


def tableau_constants(tb: RosenbrockTableau) -> dict:
    """The tableau ``tb`` as the constants of a specialised :func:`rodas_solve` (the parameters
    named in ``_TABLEAU_ARGS``)."""
    return {"A": np.ascontiguousarray(tb.A, dtype=np.float64),
            "C": np.ascontiguousarray(tb.C, dtype=np.float64), "gam": float(tb.gamma),
            "c": np.asarray(tb.c, dtype=np.float64), "d": np.asarray(tb.d, dtype=np.float64),
            "m": np.asarray(tb.m, dtype=np.float64), "e": np.asarray(tb.e, dtype=np.float64),
            "errorder": float(tb.error_order)}


def specialized_driver(name: str, f, fc, jac, tableau: RosenbrockTableau | None = None,
                       n: int | None = None):
    """The loop ``name`` specialised on ``(f, fc, jac)`` and cached on disk, or None when they are
    not importable module-level functions (see :mod:`sciml_lib._specialize`).

    With ``tableau`` (the "rodas" loop) its coefficients are frozen into the machine code
    and the driver takes the arguments of :func:`rodas_solve` without them; with ``n`` (a
    small system) the number of unknowns is frozen too (:func:`~sciml_lib.ode._control.static_size`):
    the driver then serves only ``u0`` of that size."""
    py = rodas_solve if name == "rodas" else ros23_solve
    consts = tableau_constants(tableau) if tableau is not None else {}
    if n is not None:
        consts.update(static_size(n))
    return generated_driver(py, {"f": f, "fc": fc, "jac": jac}, name, consts or None)


def driver(name: str, typed: bool):
    """The compiled loop ``name`` ("rodas" or "ros23"), typed (cached) or specialised."""
    key = (name, typed)
    if key not in _DRIVERS:
        py = rodas_solve if name == "rodas" else ros23_solve
        if typed:
            sig = _RODAS_ARGS if name == "rodas" else _COMMON
            _DRIVERS[key] = njit(sig, cache=True)(py)
        else:
            _DRIVERS[key] = njit(cache=True)(py)
    return _DRIVERS[key]
