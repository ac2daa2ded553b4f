"""Python-level stepping loops (private): any linear solver, Newton-based methods.

Used for sparse LU, GMRES, plain-Python right-hand sides and the Newton-based
methods (implicit Euler, TR-BDF2). The per-step work (Jacobian by colouring,
factorisations, right-hand sides) is compiled or LAPACK; the loop itself is
Python.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from sciml_lib.ad import _numba_jac as nj

from .tableaus import TRBDF2_COEFFS, RosenbrockTableau

EPS = np.finfo(float).eps
SQRT_EPS = math.sqrt(EPS)
OK, MAX_STEPS, DT_SMALL, FAILED = 0, 1, 2, 3


class Counter:
    """Wraps ``f(t, u, p)`` and counts its evaluations."""

    def __init__(self, f: Callable, p: Any) -> None:
        self.f, self.p, self.n = f, p, 0

    def __call__(self, t: float, u: np.ndarray) -> np.ndarray:
        self.n += 1
        return np.asarray(self.f(t, u, self.p), dtype=float)


class JacobianProvider:
    """Evaluates :math:`\\partial f/\\partial u` (dense or sparse) and JVPs."""

    def __init__(self, f: Callable, p: Any, counter: Counter, mode: str, jac: Callable | None = None, plan: Any = None) -> None:
        self.f, self.p, self.counter, self.mode, self.jac, self.plan = f, p, counter, mode, jac, plan
        self.njac = 0

    def evaluate(self, t: float, u: np.ndarray, f0: np.ndarray) -> Any:
        self.njac += 1
        if self.mode == "user":
            J = self.jac(t, u, self.p)
            return sp.csc_matrix(J) if sp.issparse(J) else np.asarray(J, dtype=float)
        if self.plan is not None:
            self.counter.n += self.plan.ncolors
            return self.plan.evaluate(self.f, t, u, self.p, method=self.mode, f0=f0)
        self.counter.n += u.size
        if self.mode == "complex":
            return nj.jac_cs_dense(self.f, t, u, self.p)
        return nj.jac_fd_dense(self.f, t, u, self.p, f0)

    def jvp_at(self, t: float, u: np.ndarray, f0: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        f, p, counter = self.f, self.p, self.counter
        if self.mode == "complex":
            h = nj.CS_H

            def jv(v: np.ndarray) -> np.ndarray:
                counter.n += 1
                return np.imag(np.asarray(f(t, u + 1j * h * v, p))) / h

            return jv
        un = np.linalg.norm(u)

        def jvfd(v: np.ndarray) -> np.ndarray:
            nv = np.linalg.norm(v)
            if nv == 0:
                return np.zeros_like(u)
            d = SQRT_EPS * (1.0 + un) / nv
            counter.n += 1
            return (np.asarray(f(t, u + d * v, p), dtype=float) - f0) / d

        return jvfd


def _wnorm(e: np.ndarray, u: np.ndarray, unew: np.ndarray, rtol: float, atol: float) -> float:
    sc = atol + rtol * np.maximum(np.abs(u), np.abs(unew))
    return float(np.sqrt(np.mean((e / sc) ** 2)))


def _initial_dt(F: Counter, t0: float, u0: np.ndarray, f0: np.ndarray, rtol: float, atol: float, order: int, tdir: float, span: float) -> float:
    sc = atol + rtol * np.abs(u0)
    d0 = np.sqrt(np.mean((u0 / sc) ** 2))
    d1 = np.sqrt(np.mean((f0 / sc) ** 2))
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, span)
    f1 = F(t0 + tdir * h0, u0 + tdir * h0 * f0)
    d2 = np.sqrt(np.mean(((f1 - f0) / sc) ** 2)) / h0
    h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return float(min(100 * h0, h1, span))


def _controller(err: float, errold: float, k: float, first: bool, last_rejected: bool) -> float:
    if err == 0.0:
        fac = 6.0
    elif first:
        fac = 0.9 * err ** (-1.0 / k)
    else:
        fac = 0.9 * err ** (-0.7 / k) * errold ** (0.4 / k)
    fac = min(6.0, max(0.2, fac))
    return min(fac, 1.0) if last_rejected else fac


class _Loop:
    """Bookkeeping shared by the Python steppers."""

    def __init__(self, t0: float, t1: float, u0: np.ndarray, f0: np.ndarray, tstops: Any = ()) -> None:
        self.tdir = 1.0 if t1 > t0 else -1.0
        self.span = abs(t1 - t0)
        self.t1 = t1
        # the stops strictly inside the span, in the order they are reached
        self.stops = sorted((float(s) for s in tstops if self.tdir * (s - t0) > 0 and self.tdir * (t1 - s) > 0),
                            key=lambda s: self.tdir * s)
        self.ts, self.us, self.dus = [t0], [u0.copy()], [f0.copy()]
        self.naccept = self.nreject = self.nfail = 0
        self.errold, self.first, self.last_rejected = 1.0, True, False

    def check(self, t: float, h: float, max_steps: int) -> tuple[int, float]:
        """Before a step from ``t``: ``(OK, h clipped to the next stop)``, or ``MAX_STEPS``/``DT_SMALL``."""
        if self.naccept + self.nreject >= max_steps:
            return MAX_STEPS, h
        h = self.clip(t, h)
        if self.too_small(t, h):
            return DT_SMALL, h
        return OK, h

    def record(self, t: float, u: np.ndarray, du: np.ndarray) -> None:
        """An accepted step: store ``(t, u, f(t, u))`` and reset the failure count."""
        self.naccept += 1
        self.nfail = 0
        self.ts.append(t)
        self.us.append(u.copy())
        self.dus.append(du.copy())

    def failed(self, adaptive: bool, limit: int = 20) -> bool:
        """A step that could not be computed (singular W, non-finite values); True when the run must stop."""
        self.nreject += 1
        self.nfail += 1
        self.last_rejected = True
        return self.nfail > limit or not adaptive

    def accepted(self, err: float, k: float, adaptive: bool) -> float:
        """Step-size factor after an accepted step (the PI controller; 1 without adaptivity)."""
        fac = 1.0
        if adaptive:
            fac = _controller(err, self.errold, k, self.first, self.last_rejected)
            self.errold, self.first = max(err, 1e-4), False
        self.last_rejected = False
        return fac

    def rejected(self, err: float, k: float) -> float:
        """Step-size factor after a step rejected by the error test."""
        self.nreject += 1
        self.last_rejected = True
        return max(0.2, 0.9 * err ** (-1.0 / k))

    def clip(self, t: float, h: float) -> float:
        """The step from ``t``: ``h``, shortened to end exactly at the next stop or at ``t1``."""
        while self.stops and self.tdir * (self.stops[0] - t) <= 1e-12 * self.span:
            self.stops.pop(0)
        target = self.stops[0] if self.stops else self.t1
        if self.tdir * (t + self.tdir * h - target) > -1e-12 * self.span:
            return abs(target - t)
        return h

    def land(self, t: float) -> float:
        """``t`` snapped onto the next stop when a step was clipped to end there."""
        if self.stops and abs(t - self.stops[0]) <= 1e-12 * self.span:
            return self.stops[0]
        return t

    def too_small(self, t: float, h: float) -> bool:
        return h <= 10 * EPS * max(abs(t), 1.0)


def _jacobian_and_dt(F: Counter, jp: JacobianProvider, ls: Any, t: float, u: np.ndarray, f0: np.ndarray) -> tuple:
    r"""The Jacobian (when the linear solver needs a matrix), its JVP, and :math:`\partial_t f` by a forward difference."""
    J = jp.evaluate(t, u, f0) if ls.needs_matrix else None
    jv = jp.jvp_at(t, u, f0)
    dtt = SQRT_EPS * max(1.0, abs(t))
    return J, jv, (F(t + dtt, u) - f0) / dtt


def rosenbrock(F: Counter, jp: JacobianProvider, ls: Any, tab: RosenbrockTableau, t0: float, t1: float, u0: np.ndarray,
               rtol: float, atol: float, dt0: float | None, adaptive: bool, max_steps: int, tstops: Any = ()) -> tuple:
    """Hairer-Wanner-form Rosenbrock method with any linear solver."""
    u = u0.copy()
    t = t0
    f0 = F(t, u)
    L = _Loop(t0, t1, u, f0, tstops)
    h = dt0 if dt0 else _initial_dt(F, t, u, f0, rtol, atol, tab.error_order - 1, L.tdir, L.span)
    need_jac, status = True, OK
    s = tab.stages
    J = None
    while L.tdir * (t1 - t) > 0:
        status, h = L.check(t, h, max_steps)
        if status != OK:
            break
        hs = L.tdir * h
        if need_jac:
            J, jv, dT = _jacobian_and_dt(F, jp, ls, t, u, f0)
            need_jac = False
        ok = ls.update(1.0 / (tab.gamma * hs), J, jv)
        K = np.empty((s, u.size))
        if ok:
            with np.errstate(all="ignore"):
                for i in range(s):
                    ui = u + tab.A[i, :i] @ K[:i]
                    fi = f0 if i == 0 else F(t + tab.c[i] * hs, ui)
                    rhs = fi + tab.d[i] * hs * dT + (tab.C[i, :i] @ K[:i]) / hs
                    K[i] = ls.solve(rhs)
                unew = u + tab.m @ K
                err = _wnorm(tab.e @ K, u, unew, rtol, atol)
            ok = math.isfinite(err)
        if not ok:
            if L.failed(adaptive):
                status = FAILED
                break
            h *= 0.25
            continue
        if not adaptive or err <= 1.0:
            t = L.land(t + hs)
            u = unew
            f0 = F(t, u)
            L.record(t, u, f0)
            need_jac = True
            h *= L.accepted(err, tab.error_order, adaptive)
        else:
            h *= L.rejected(err, tab.error_order)
    return status, L, jp.njac, ls.nfact, 0


def rosenbrock23(F: Counter, jp: JacobianProvider, ls: Any, t0: float, t1: float, u0: np.ndarray,
                 rtol: float, atol: float, dt0: float | None, adaptive: bool, max_steps: int, tstops: Any = ()) -> tuple:
    """Shampine-Reichelt Rosenbrock 2(3) with any linear solver."""
    dd = 1.0 / (2.0 + math.sqrt(2.0))
    e32 = 6.0 + math.sqrt(2.0)
    u = u0.copy()
    t = t0
    f0 = F(t, u)
    L = _Loop(t0, t1, u, f0, tstops)
    h = dt0 if dt0 else _initial_dt(F, t, u, f0, rtol, atol, 2, L.tdir, L.span)
    need_jac, status = True, OK
    J = None
    while L.tdir * (t1 - t) > 0:
        status, h = L.check(t, h, max_steps)
        if status != OK:
            break
        hs = L.tdir * h
        if need_jac:
            J, jv, dT = _jacobian_and_dt(F, jp, ls, t, u, f0)
            need_jac = False
        g = hs * dd
        ok = ls.update(1.0 / g, J, jv)  # (I/g - J) x = b/g  <=>  (I - gJ) x = b
        if ok:
            with np.errstate(all="ignore"):
                k1 = ls.solve((f0 + g * dT) / g)
                f1 = F(t + 0.5 * hs, u + 0.5 * hs * k1)
                k2 = ls.solve((f1 - k1) / g) + k1
                unew = u + hs * k2
                f2 = F(t + hs, unew)
                k3 = ls.solve((f2 - e32 * (k2 - f1) - 2.0 * (k1 - f0) + g * dT) / g)
                err = _wnorm(hs / 6.0 * (k1 - 2.0 * k2 + k3), u, unew, rtol, atol)
            ok = math.isfinite(err)
        if not ok:
            if L.failed(adaptive):
                status = FAILED
                break
            h *= 0.25
            continue
        if not adaptive or err <= 1.0:
            t = L.land(t + hs)
            u = unew
            f0 = f2
            L.record(t, u, f0)
            need_jac = True
            h *= L.accepted(err, 3.0, adaptive)
        else:
            h *= L.rejected(err, 3.0)
    return status, L, jp.njac, ls.nfact, 0


def sdirk(method: str, F: Counter, jp: JacobianProvider, ls: Any, t0: float, t1: float, u0: np.ndarray,
          rtol: float, atol: float, dt0: float | None, adaptive: bool, max_steps: int, tstops: Any = (),
          newton_maxiter: int = 8, newton_kappa: float = 0.01) -> tuple:
    r"""Implicit Euler or TR-BDF2 with simplified Newton, Jacobian reuse and error filtering.

    Every stage solves :math:`z - d h f(t_s, z) = \psi` by Newton iterations
    :math:`(I - d h J)\delta = -(z - \psi - d h f(z))` with a frozen
    :math:`J`; the contraction rate :math:`\theta = \|\delta_k\|/\|\delta_{k-1}\|`
    is monitored and the iteration stops when
    :math:`\theta/(1-\theta)\|\delta_k\| \le \kappa` (weighted norm)
    :cite:p:`hairer1996solving`. On divergence the Jacobian is refreshed, and
    if it already was fresh the step is halved.
    """
    u = u0.copy()
    t = t0
    f0 = F(t, u)
    L = _Loop(t0, t1, u, f0, tstops)
    if method == "ImplicitEuler":
        d, kerr, order = 1.0, 2.0, 1
    else:
        c = TRBDF2_COEFFS
        d, kerr, order = c["d"], 3.0, 2
        gam, w = c["gamma"], c["w"]
        berr = c["b"] - c["bhat"]
    h = dt0 if dt0 else _initial_dt(F, t, u, f0, rtol, atol, order, L.tdir, L.span)
    status, nnewton = OK, 0
    J = None
    jac_fresh = False
    jv = None
    alpha_fact = None
    tol_newton = newton_kappa if adaptive else min(newton_kappa, 1e-3)

    def solve_stage(ts: float, psi: np.ndarray, z: np.ndarray, dh: float, sc: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
        nonlocal nnewton
        alpha = 1.0 / dh
        dnorm_old = None
        for it in range(newton_maxiter):
            fz = F(ts, z)
            G = z - psi - dh * fz
            delta = ls.solve(-alpha * G)
            nnewton += 1
            z = z + delta
            dn = float(np.sqrt(np.mean((delta / sc) ** 2)))
            if not math.isfinite(dn):
                return False, z, fz
            if dnorm_old is not None:
                theta = dn / max(dnorm_old, 1e-300)
                if theta >= 1.0:
                    return False, z, fz
                if theta / (1 - theta) * dn <= tol_newton:
                    return True, z, (z - psi) / dh
            elif dn <= 1e-3 * tol_newton:
                return True, z, (z - psi) / dh
            dnorm_old = dn
        return False, z, fz

    while L.tdir * (t1 - t) > 0:
        status, h = L.check(t, h, max_steps)
        if status != OK:
            break
        hs = L.tdir * h
        if J is None and ls.needs_matrix or jv is None:
            J = jp.evaluate(t, u, f0) if ls.needs_matrix else None
            jv = jp.jvp_at(t, u, f0)
            jac_fresh, alpha_fact = True, None
        dh = d * hs
        if alpha_fact != dh:
            if not ls.update(1.0 / dh, J, jv):
                status = FAILED
                break
            alpha_fact = dh
        sc = atol + rtol * np.abs(u)
        with np.errstate(all="ignore"):
            if method == "ImplicitEuler":
                ok, z, fz = solve_stage(t + hs, u, u + hs * f0, dh, sc)
                unew, fnew = z, fz
                est = 0.5 * hs * (fnew - f0)
            else:
                psi1 = u + dh * f0
                ok, z1, f1 = solve_stage(t + gam * hs, psi1, u + gam * hs * f0, dh, sc)
                if ok:
                    psi2 = u + w * hs * (f0 + f1)
                    ok, z2, f2 = solve_stage(t + hs, psi2, z1 + (1 - gam) * hs * f1, dh, sc)
                    unew, fnew = z2, f2
                    est = hs * (berr[0] * f0 + berr[1] * f1 + berr[2] * f2)
            if ok:
                e = ls.solve(est / dh)  # filtered estimate (I - dhJ)^{-1} est = (I/dh - J)^{-1} (est/dh)
                err = _wnorm(e, u, unew, rtol, atol)
                ok = math.isfinite(err)
        if not ok:
            L.nreject += 1
            L.nfail += 1
            if L.nfail > 30 or (not adaptive and jac_fresh):
                status = FAILED
                break
            if not jac_fresh:  # refresh the Jacobian, retry the same step
                J, jv = None, None
            else:
                h *= 0.5
                L.last_rejected = True
            continue
        if not adaptive or err <= 1.0:
            t = L.land(t + hs)
            u = unew
            f0 = F(t, u)
            L.record(t, u, f0)
            jac_fresh = False
            fac = L.accepted(err, kerr, adaptive)
            h *= 1.0 if 0.9 <= fac <= 1.2 else fac  # near 1: keep the factorisation
        else:
            h *= L.rejected(err, kerr)
    return status, L, jp.njac, ls.nfact, nnewton
