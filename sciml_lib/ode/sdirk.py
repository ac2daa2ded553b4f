r"""Singly diagonally implicit Runge-Kutta methods: implicit Euler and TR-BDF2.

Implicit Euler :math:`u_{n+1} = u_n + h f(t_{n+1}, u_{n+1})` (order 1, L-stable)
and TR-BDF2 :cite:p:`hosea1996analysis`, an ESDIRK of order 2 with an embedded
order-3 estimate whose coefficients are :data:`sciml_lib.ode.tableaus.TRBDF2_COEFFS`.
Each stage is solved by simplified Newton iterations with a reused
factorisation (see :func:`sdirk`); the loop is Python, its work compiled or LAPACK.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._control import (
    FAILED,
    MAX_FAILURES_NEWTON,
    OK,
    StepLoop,
    initial_step_np,
    proportional_tolerance,
    wnorm,
)
from ._jacobian import Counter, JacobianProvider
from .tableaus import TRBDF2_COEFFS

__all__ = ["sdirk"]


def sdirk(method: str, F: Counter, jp: JacobianProvider, ls: Any, t0: float, t1: float,
          u0: np.ndarray, rtol: float, atol: Any, dt0: float | None, adaptive: bool, max_steps: int,
          tstops: Any = (), watch: Any = None, saveat: Any = None, newton_maxiter: int = 8, newton_kappa: float = 0.01) -> tuple:
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
    L = StepLoop(t0, t1, u, f0, tstops, watch, saveat)
    if method == "ImplicitEuler":
        d, kerr, order = 1.0, 2.0, 1
    else:
        c = TRBDF2_COEFFS
        d, kerr, order = c["d"], 3.0, 2
        gam, w = c["gamma"], c["w"]
        berr = c["b"] - c["bhat"]
        # the estimate is the local error of the order-2 solution it advances: global error
        # ~ rtol^(2/3) unless the internal tolerance is made proportional (tight tolerances)
        rtol, atol = proportional_tolerance(rtol, atol, order)
    h = dt0 if dt0 else initial_step_np(F, t, u, f0, rtol, atol, order, L.tdir, L.span)
    status, nnewton = OK, 0
    J = None
    jac_fresh = False
    jv = None
    alpha_fact = None
    tol_newton = newton_kappa if adaptive else min(newton_kappa, 1e-3)

    def solve_stage(ts: float, psi: np.ndarray, z: np.ndarray, dh: float,
                    sc: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
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

    while L.tdir * (t1 - t) > 0 and not L.stopped:
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
                # filtered estimate (I - dhJ)^{-1} est = (I/dh - J)^{-1} (est/dh)
                e = ls.solve(est / dh)
                err = wnorm(e, u, unew, rtol, atol)
                ok = math.isfinite(err)
        if not ok:
            L.nreject += 1
            L.nfail += 1
            if L.nfail > MAX_FAILURES_NEWTON or (not adaptive and jac_fresh):
                status = FAILED
                break
            if not jac_fresh:  # refresh the Jacobian, retry the same step
                J, jv = None, None
            else:
                h *= 0.5
                L.last_rejected = True
            continue
        if not adaptive or err <= 1.0:
            t, u, f0 = L.advance(F, t, hs, unew)
            jac_fresh = False
            fac = L.accepted(err, kerr, adaptive)
            h *= 1.0 if 0.9 <= fac <= 1.2 else fac  # near 1: keep the factorisation
        else:
            h *= L.rejected(err, kerr)
    return status, L, jp.njac, ls.nfact, nnewton
