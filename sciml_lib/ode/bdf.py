r"""Variable-order BDF: the numerical differentiation formulas (NDF) of ``ode15s``.

A :math:`k`-step backward differentiation formula fits a polynomial through
:math:`u_{n+1}, u_n, \dots, u_{n+1-k}` and asks its derivative at
:math:`t_{n+1}` to equal :math:`f(t_{n+1}, u_{n+1})`. In backward differences
:math:`\nabla^j` on a grid of constant step :math:`h`, BDF-:math:`k` reads
:math:`\sum_{j=1}^k \tfrac1j \nabla^j u_{n+1} = h f(t_{n+1}, u_{n+1})`.
The NDFs of :cite:t:`shampine1997matlab` add one term,
:math:`\kappa_k \gamma_k (u_{n+1} - u^{(0)}_{n+1})` with
:math:`\gamma_k = \sum_{j=1}^k 1/j`, which trades a little stability for a
smaller error constant (:math:`\kappa = -0.1850, -1/9, -0.0823, -0.0415, 0`
for :math:`k = 1..5`; :math:`\kappa = 0` is plain BDF).

With the predictor :math:`u^{(0)}_{n+1} = \sum_{j=0}^{k} \nabla^j u_n` and
:math:`d = u_{n+1} - u^{(0)}_{n+1}`, each step solves

.. math::

    d - \frac{h}{\alpha_k} f\bigl(t_{n+1}, u^{(0)}_{n+1} + d\bigr) + \psi = 0,
    \qquad \alpha_k = (1 - \kappa_k)\gamma_k,\quad
    \psi = \frac{1}{\alpha_k} \sum_{j=1}^{k} \gamma_j \nabla^j u_n,

by simplified Newton iterations with :math:`M = I - c J`, :math:`c = h/\alpha_k`.
The local error is :math:`(\kappa_k\gamma_k + \tfrac{1}{k+1})\, d`. The step
and the order (1 to 5) change together after :math:`k+1` steps of equal size,
to whichever of orders :math:`k-1, k, k+1` allows the longest step; a change
of step rescales the stored differences (*quasi-constant step size*).

**Factorisation reuse.** A step-size change alters :math:`c` and hence
:math:`M`. Rather than refactor at every change, the LU of
:math:`M_{\rm old} = I - c_{\rm old} J` is kept while
:math:`|c/c_{\rm old} - 1| \le 0.5` (and for at most 30 steps), and each
Newton correction is multiplied by :math:`2/(1 + c/c_{\rm old})`: for stiff
components :math:`M^{-1} \approx (c_{\rm old}/c) M_{\rm old}^{-1}`, for
non-stiff ones :math:`M^{-1} \approx M_{\rm old}^{-1}`, and the factor is
the mean of the two ratios (the CVODE device,
:cite:p:`hindmarsh2005sundials`; CVODE's own band is 0.3). The step is
only lengthened when it can grow by at least 1.5, so that small growths do
not cost a factorisation. The Jacobian itself is re-evaluated only when
Newton fails to converge. On problems where one factorisation dominates the
cost of a step (the sparse Brusselator: 6 ms for one SuperLU factorisation,
0.16 ms for a solve with it), this is what pays; on small dense problems it
costs a few more steps.

**Newton-Krylov.** With ``linsolve="gmres"`` the Newton corrections come from
GMRES on :math:`I/c - J(u^{(k)})` at the *current* :math:`c` and the current
Newton iterate: :math:`J v` is one Jacobian-vector product (complex step or
finite difference of :math:`f`), so the iteration is a true (inexact) Newton
method, not a chord method with a stale Jacobian. GMRES stops as soon as the
linear residual's RMS error norm is below CVODE's linear tolerance, 0.05 times its
nonlinear tolerance :math:`0.1/C_k` (:math:`C_k` the error constant of the order; an
inexact Newton method :cite:p:`eisenstat1996choosing,hindmarsh2005sundials`), and an
iterate whose residual already meets it ends the iteration without a Krylov solve. This
is looser than the Newton tolerance of the direct solvers (ode15s's
:math:`\min(0.03, \sqrt{\mathrm{rtol}})`), which would make GMRES chase a residual far
below what the error test can see (``benchmarks/ode_stiff.py`` compares the solvers at
equal error, so accuracy lost that way would show there as time).
What is reused is the preconditioner, not a factorisation
(:class:`~sciml_lib.ode.linsolve.GMRESSolver`); a Jacobian matrix is
evaluated only when a preconditioner is due to be rebuilt (drift of c, slow, old). A
GMRES solve that does not converge counts as a Newton failure: the step is
retried with a fresh Jacobian, then halved.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._control import (
    EPS,
    FAC_MAX_BDF,
    FAC_MIN,
    FAILED,
    MAX_FAILURES_NEWTON,
    OK,
    SAFETY,
    StepLoop,
    initial_step_np,
)
from ._jacobian import Counter, JacobianProvider

__all__ = ["MAX_ORDER", "NDF_KAPPA", "bdf", "rescale_differences"]

MAX_ORDER = 5
#: The Krylov path's linear tolerance, CVODE's: ``LIN_FACTOR * NEWTON_COEF / err_const`` in the
#: RMS error norm (``epslin = 0.05`` of the nonlinear tolerance coefficient ``0.1`` over the error
#: constant of the order, :cite:p:`hindmarsh2005sundials`).
LIN_FACTOR, NEWTON_COEF = 0.05, 0.1
#: :math:`\kappa_k`, k = 0..5 (index 0 unused), of the NDFs :cite:p:`shampine1997matlab`.
NDF_KAPPA = np.array([0.0, -0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0])
_GAMMA = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, MAX_ORDER + 1))])


def _coefficients(kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - kappa) * _GAMMA
    err_const = kappa * _GAMMA + 1.0 / np.arange(1, MAX_ORDER + 2)
    return alpha, err_const


def _rms(v: np.ndarray) -> float:
    r""":math:`\sqrt{\mathrm{mean}(v^2)}` (inf on overflow, nan on nan, silently)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return math.sqrt(float(np.dot(v, v)) / v.size)


def _change_matrix(order: int, r: float) -> np.ndarray:
    r""":math:`R_{ij} = \prod_{m=1}^{i} (m - 1 - r j)/m`, :math:`i, j = 1..k`."""
    i = np.arange(1, order + 1, dtype=float)[:, None]
    j = np.arange(1, order + 1, dtype=float)[None, :]
    return np.cumprod((i - 1.0 - r * j) / i, axis=0)


def rescale_differences(D: np.ndarray, order: int, r: float) -> None:
    r"""Turn the backward differences ``D[1:order+1]`` for step :math:`h` into those for
    :math:`r h` (in place).

    The interpolating polynomial through the last :math:`k+1` points is the
    same; only the grid on which it is differenced changes. With
    :math:`R(r)_{ij} = \prod_{m=1}^{i} (m - 1 - r j)/m` (:math:`i, j = 1..k`)
    and :math:`U = R(1)` (whose entries are
    :math:`(-1)^i\binom{j}{i}`), the new differences are
    :math:`(R U)^T` applied to the old ones :cite:p:`shampine1997matlab`.
    """
    if r == 1.0:
        return
    RU = _change_matrix(order, r) @ _change_matrix(order, 1.0)
    D[1 : order + 1] = RU.T @ D[1 : order + 1]


def bdf(F: Counter, jp: JacobianProvider, ls: Any, t0: float, t1: float, u0: np.ndarray,
        rtol: float, atol: Any, dt0: float | None, adaptive: bool, max_steps: int,
        tstops: Any = (), watch: Any = None, saveat: Any = None, max_order: int = MAX_ORDER, kappa: np.ndarray = NDF_KAPPA,
        newton_maxiter: int = 4, reuse_band: float = 0.5, lu_max_age: int = 30,
        grow_min: float = 1.5) -> tuple:
    """Variable-order NDF/BDF stepping loop (see the module docstring).

    ``kappa = 0`` gives plain BDF. With ``adaptive=False`` the step stays
    ``dt0`` and the order climbs from 1 to ``max_order`` as history accrues;
    the first (order-1) step then caps the global error at :math:`O(h^2)`.
    Returns ``(status, loop, njac, nlu, nnewton)`` like the other steppers.
    """
    alpha, err_const = _coefficients(np.asarray(kappa, dtype=float))
    if not adaptive:  # the step cannot shrink, so Newton gets more iterations
        newton_maxiter = max(newton_maxiter, 10)
    u = u0.copy()
    t = t0
    f0 = F(t, u)
    L = StepLoop(t0, t1, u, f0, tstops, watch, saveat)
    n = u.size
    h = dt0 if dt0 else initial_step_np(F, t, u, f0, rtol, atol, 1, L.tdir, L.span)
    D = np.zeros((max_order + 3, n))
    order, n_equal = 1, 0
    D[0] = u
    D[1] = L.tdir * h * f0
    newton_tol = max(10 * EPS / rtol, min(0.03, rtol**0.5))
    krylov = getattr(ls, "krylov", False)
    J = jv = None
    jac_fresh = False
    c_lu = None
    lu_age = 0
    status, nnewton = OK, 0
    while L.tdir * (t1 - t) > 0 and not L.stopped:
        status, hc = L.check(t, h, max_steps)
        if hc != h:  # shortened to end at a stop
            rescale_differences(D, order, hc / h)
            h, n_equal = hc, 0
        if status != OK:
            break
        hs = L.tdir * h
        c = hs / alpha[order]
        if (J is None and ls.needs_matrix) or jv is None:
            J = jp.evaluate(t, u, f0) if ls.needs_matrix else None
            jv = jp.jvp_at(t, u, f0)
            jac_fresh, c_lu = True, None
        ok = True
        if krylov:  # W at the current c costs nothing; the solver decides on its preconditioner
            if ls.needs_matrix and not jac_fresh and ls.due(1.0 / c):
                J = jp.evaluate(t, u, f0)  # a preconditioner is due: build it from a fresh J
                jac_fresh = True
            ok = ls.update(1.0 / c, J, jv)
            c_lu = c
        elif c_lu is None or abs(c / c_lu - 1.0) > reuse_band or lu_age >= lu_max_age:
            ok = ls.update(1.0 / c, J, jv)
            c_lu, lu_age = c, 0
        # Newton on d - c f(t + h, u_pred + d) + psi = 0 with the factorisation of I - c_lu J
        converged = False
        if ok:
            t_new = t + hs
            u_pred = D[: order + 1].sum(axis=0)
            psi = (_GAMMA[1 : order + 1] @ D[1 : order + 1]) / alpha[order]
            sc = atol + rtol * np.abs(u_pred)
            ratio = 2.0 / (1.0 + c / c_lu)
            d = np.zeros(n)
            y = u_pred.copy()
            # inexact Newton (CVODE's rule): the linear residual's RMS error norm at most
            # LIN_FACTOR times the Newton tolerance of CVODE's error test, 0.1 / err_const
            lin_tol = LIN_FACTOR * NEWTON_COEF / max(abs(err_const[order]), EPS) * math.sqrt(n)
            dn_old = 0.0
            f_new = None  # f(t_new, y) when the last iteration left y as it found it
            with np.errstate(all="ignore"):
                for k in range(newton_maxiter):
                    fy = F(t_new, y)
                    if krylov:  # inexact Newton: W v by a JVP at the current iterate, and the
                        # linear residual, in error units, below lin_tol
                        rhs = (c * fy - psi - d) / c
                        w = c / sc
                        if float(np.linalg.norm(w * rhs)) <= lin_tol:
                            dy = np.zeros(n)  # GMRES would return x = 0: y already solves it
                        else:
                            ls.set_jvp(jp.jvp_at(t_new, y, fy))
                            dy = ls.solve(rhs, atol=lin_tol, weights=w)
                            if not ls.ok:
                                break
                    else:
                        dy = ls.solve((c * fy - psi - d) / c_lu)
                    if ratio != 1.0:
                        dy *= ratio
                    nnewton += 1
                    dn = _rms(dy / sc)
                    if not math.isfinite(dn):
                        break
                    rate = dn / dn_old if k > 0 and dn_old > 0 else None
                    if rate is not None and (
                        rate >= 1.0 or rate ** (newton_maxiter - k) / (1.0 - rate) * dn > newton_tol
                    ):
                        break
                    y += dy
                    d += dy
                    f_new = fy if dn == 0.0 else None
                    if dn == 0.0 or (rate is not None and rate / (1.0 - rate) * dn < newton_tol):
                        converged = True
                        break
                    dn_old = dn
            n_iter = k + 1
        if not converged:
            L.nfail += 1
            if L.nfail > MAX_FAILURES_NEWTON or (not adaptive and jac_fresh):
                status = FAILED
                break
            if not jac_fresh:  # a stale Jacobian: refresh it and retry the same step
                J = jv = None
                continue
            L.nreject += 1
            rescale_differences(D, order, 0.5)
            h *= 0.5
            n_equal, c_lu = 0, None
            L.last_rejected = True
            continue
        scale = atol + rtol * np.abs(y)
        err = abs(err_const[order]) * _rms(d / scale)
        safety = SAFETY * (2 * newton_maxiter + 1) / (2 * newton_maxiter + n_iter)
        if adaptive and not err <= 1.0:
            L.nreject += 1
            fac = FAC_MIN
            if math.isfinite(err):
                fac = max(FAC_MIN, safety * err ** (-1.0 / (order + 1)))
            rescale_differences(D, order, fac)
            h *= fac
            n_equal = 0
            L.last_rejected = True
            continue
        # accept: update the differences (the new point enters, the oldest drops out)
        t = L.land(t_new)
        u = y
        n_equal += 1
        lu_age += 1
        jac_fresh = False
        L.last_rejected = False
        D[order + 2] = d - D[order + 1]
        D[order + 1] = d
        for i in range(order, -1, -1):
            D[i] += D[i + 1]
        f0 = f_new if f_new is not None and t == t_new else F(t, u)
        L.record(t, u, f0)
        if L.stops and t == L.stops[0]:
            # f may jump at a stop: restart at order 1 from the new point
            order, n_equal = 1, 0
            D[:] = 0.0
            D[0] = u
            D[1] = hs * f0
            continue
        if n_equal < order + 1:
            continue
        if not adaptive:
            if order < max_order:
                order += 1
            n_equal = 0
            continue
        with np.errstate(all="ignore"):  # NumPy floats: a zero error estimate gives inf, not a raise
            err = np.float64(err)
            e_lo = e_hi = np.inf
            if order > 1:
                e_lo = np.float64(abs(err_const[order - 1]) * _rms(D[order] / scale))
            if order < max_order:
                e_hi = np.float64(abs(err_const[order + 1]) * _rms(D[order + 2] / scale))
            facs = np.array([e_lo ** (-1.0 / order), err ** (-1.0 / (order + 1)),
                             e_hi ** (-1.0 / (order + 2))])
        facs[~np.isfinite(facs) & (facs != np.inf)] = 0.0
        best = int(np.argmax(facs))
        order += best - 1
        fac = min(FAC_MAX_BDF, safety * float(facs[best]))
        if 1.0 < fac < grow_min:
            fac = 1.0
        rescale_differences(D, order, fac)
        h *= fac
        n_equal = 0
    return status, L, jp.njac, ls.nfact, nnewton
