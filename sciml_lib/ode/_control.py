r"""Step control shared by every ODE method of :mod:`sciml_lib.ode` (private).

One place for what the stepping loops have in common, compiled or not:

* the status codes of a solve and their messages (:data:`MESSAGES`,
  :func:`status_message`);
* the named constants of the step-size controllers;
* the weighted RMS error norm
  :math:`\|e\| = \sqrt{\tfrac1n\sum_i (e_i/(a_i + r\max(|u_i|, |\tilde u_i|)))^2}`;
* Hairer's starting step :cite:p:`hairer1993solving`;
* the PI controller of the implicit methods
  :math:`h_{new} = h \cdot 0.9\, \mathrm{err}_n^{-0.7/k}\,\mathrm{err}_{n-1}^{0.4/k}`
  :cite:p:`gustafsson1991control,hairer1996solving`;
* cubic Hermite interpolation of one step, the growing storage of the
  compiled loops, and the bookkeeping (``tstops`` included) of the Python loops.

The compiled kernels are ``@njit`` functions; where a Python loop needs the
same arithmetic on whole arrays, a NumPy twin sits next to it (NumPy sums
pairwise, so the twins keep each loop's results bit for bit as before).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

__all__ = [
    "OK", "MAX_STEPS", "DT_SMALL", "NONFINITE", "FAILED", "BAD_RHS", "MESSAGES",
    "status_message", "SAFETY", "FAC_MIN", "FAC_MAX_EXPLICIT", "FAC_MAX_IMPLICIT", "FAC_MAX_BDF",
    "FAC_MAX_JAX",
    "FAC_FAILED", "ERR_OLD_FLOOR", "PI_BETA1_EXPLICIT", "PI_BETA2_EXPLICIT", "PI_ALPHA_IMPLICIT",
    "PI_BETA_IMPLICIT", "MAX_FAILURES_ROSENBROCK", "MAX_FAILURES_NEWTON", "DT_MIN_ULPS_EXPLICIT",
    "DT_MIN_ULPS_IMPLICIT", "TOL_PROPORTIONAL_FROM", "proportional_tolerance", "STATE_SIZE",
    "STATE_SIZE_MAX", "static_size", "EPS", "SQRT_EPS",
    "err_norm", "wnorm", "initial_step",
    "initial_step_np", "implicit_factor", "implicit_factor_nb", "hermite_step", "StepLoop",
    "reject_factor", "reject_factor_nb", "accept_control", "failed_step", "loop_start",
    "settle_step", "STEP_ACCEPTED", "STEP_REJECTED", "STEP_FAILED",
    "EVENT", "TERMINATED", "DISCRETE", "crossed", "events_stop",
]

# -- status codes ----------------------------------------------------------------------------
#: Status codes of every stepping loop (NONFINITE = 3 is also the code of :mod:`sciml_lib.gpu`).
OK, MAX_STEPS, DT_SMALL, NONFINITE, FAILED, BAD_RHS = 0, 1, 2, 3, 4, 5
#: A loop stopped because an event or callback fired (internal: the event driver of
#: :mod:`sciml_lib.ode.events` takes over); a solve ended by a terminal event (success).
EVENT, TERMINATED = 6, 7

#: The one table of messages; a failed solve appends `` at t = ...``.
MESSAGES: dict[int, str] = {
    OK: "reached the end of the integration span",
    MAX_STEPS: "stopped: reached max_steps",
    DT_SMALL: "stopped: step size fell below machine precision "
              "(the problem may be stiff or singular)",
    NONFINITE: "stopped: the solution became non-finite (NaN or inf)",
    FAILED: "stopped: repeated step failures (Newton divergence, singular or non-finite W)",
    BAD_RHS: "stopped: f returned an output whose length differs from len(u0)",
    EVENT: "stopped: an event or callback fired",
    TERMINATED: "terminated by a terminal event",
}


def status_message(status: int, t_end: float, extra: str = "") -> str:
    """The message of a solve that ended with ``status`` at ``t_end``."""
    msg = MESSAGES[int(status)] + extra
    return msg if status == OK else msg + f" at t = {t_end:.6g}"


# -- step-size controller constants ------------------------------------------------------------
EPS = float(np.finfo(float).eps)
SQRT_EPS = math.sqrt(EPS)
#: Safety factor on the optimal step (all methods).
SAFETY = 0.9
#: Smallest step-size factor after a step (all methods).
FAC_MIN = 0.2
#: Largest growth factor of the explicit methods: cheap steps, so grow fast.
FAC_MAX_EXPLICIT = 10.0
#: Largest growth factor of Rosenbrock/SDIRK methods: a step costs a Jacobian and an LU, so a
#: rejection after a large growth is expensive (Hairer-Wanner's RODAS uses 6).
FAC_MAX_IMPLICIT = 6.0
#: Largest growth factor of the variable-order BDF: as the explicit methods, since a BDF step
#: reuses its factorisation and only grows when it can grow by at least 1.5 (see ``bdf``).
FAC_MAX_BDF = 10.0
#: Largest growth factor of the JAX solver (:mod:`sciml_lib.ode.jax_solver`), an elementary
#: controller without the PI damping; kept at its value so that its results stay as they were.
FAC_MAX_JAX = 5.0
#: Step factor after a step that could not be computed (singular W, non-finite values).
FAC_FAILED = 0.25
#: Floor of the previous error in the PI controllers.
ERR_OLD_FLOOR = 1e-4
#: PI gains of the explicit methods, times 1/(q+1) (q: embedded order): the equilibrium of the
#: elementary controller with damping of step oscillations.
PI_BETA1_EXPLICIT, PI_BETA2_EXPLICIT = 1.2, 0.2
#: PI gains of the implicit methods, times 1/k (k: error order): Gustafsson's controller.
PI_ALPHA_IMPLICIT, PI_BETA_IMPLICIT = 0.7, 0.4
#: Consecutive failed steps before giving up: Rosenbrock (no Newton to retry) and Newton-based.
MAX_FAILURES_ROSENBROCK, MAX_FAILURES_NEWTON = 20, 30
#: Smallest step of the explicit loops, in units of ``eps * abs(t)`` (``abs(t)`` floored at 1e-300).
DT_MIN_ULPS_EXPLICIT = 16.0
#: Smallest step of the implicit loops, in units of ``eps * max(abs(t), 1)``.
DT_MIN_ULPS_IMPLICIT = 10.0

#: Below this ``rtol`` a method that advances with its order-p solution and controls that
#: solution's local error (TR-BDF2) gets a tighter internal tolerance (see
#: :func:`proportional_tolerance`).
TOL_PROPORTIONAL_FROM = 1e-6


def proportional_tolerance(rtol: float, atol: Any, order: int) -> tuple:
    r"""Internal ``(rtol, atol)`` that make the global error of an order-``order`` method
    proportional to ``rtol`` below :data:`TOL_PROPORTIONAL_FROM`.

    A method whose error estimate is the local error :math:`C h^{p+1}` of the solution it
    advances takes :math:`N \propto \mathrm{tol}^{-1/(p+1)}` steps to keep every step at
    :math:`\mathrm{tol}`, and its global error grows like :math:`N\,\mathrm{tol} \propto
    \mathrm{tol}^{p/(p+1)}` (:math:`\mathrm{rtol}^{2/3}` for TR-BDF2): ten times tighter gives
    only 4.6 times more accurate. Scaling both tolerances by
    :math:`(\mathrm{rtol}/\mathrm{rtol}_0)^{1/p}` below :math:`\mathrm{rtol}_0` restores
    proportionality there (and leaves the method as it was above) :cite:p:`hairer1993solving`.
    """
    if rtol >= TOL_PROPORTIONAL_FROM:
        return rtol, atol
    fac = (rtol / TOL_PROPORTIONAL_FROM) ** (1.0 / order)
    return rtol * fac, atol * fac


# -- state size of a specialised loop ----------------------------------------------------------
#: The number of unknowns a compiled loop reads as ``n``: -1 (the loops as written) means
#: ``u0.size``; a loop specialised on a small system gets the size as a constant (see
#: :func:`static_size`), so LLVM unrolls its loops over the components, as Julia does for a
#: static array (a quarter of a Rosenbrock step on a 3-variable problem).
STATE_SIZE = -1
#: Systems up to this many unknowns get a specialised loop compiled for their size.
STATE_SIZE_MAX = 16


def static_size(n: int) -> dict:
    """The constants that compile a specialised loop for ``n`` unknowns (none for large ``n``)."""
    return {"STATE_SIZE": int(n)} if n <= STATE_SIZE_MAX else {}


# -- error norm --------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def err_norm(e, u, unew, rtol, atol):
    """Weighted RMS norm of ``e`` with the scale ``atol[i] + rtol * max(|u_i|, |unew_i|)``."""
    n = u.size
    s = 0.0
    for i in range(n):
        sc = atol[i] + rtol * max(abs(u[i]), abs(unew[i]))
        r = e[i] / sc
        s += r * r
    return math.sqrt(s / n)


def wnorm(e: np.ndarray, u: np.ndarray, unew: np.ndarray, rtol: float, atol: Any) -> float:
    """NumPy twin of :func:`err_norm` for the Python loops (``atol`` scalar or array)."""
    sc = atol + rtol * np.maximum(np.abs(u), np.abs(unew))
    return float(np.sqrt(np.mean((e / sc) ** 2)))


# -- starting step -----------------------------------------------------------------------------
@njit(cache=True, inline="always")
def initial_step(f, t0, u0, f0, p, rtol, atol, order, tdir, span):
    r"""Hairer's starting step :cite:p:`hairer1993solving` (unsigned; one call of ``f``).

    :math:`h_0 = 0.01\, d_0/d_1` with :math:`d_0 = \|u_0\|`, :math:`d_1 = \|f_0\|`, then
    :math:`h_1 = (0.01/\max(d_1, d_2))^{1/(k+1)}` with :math:`d_2` the difference quotient of
    :math:`f` along an Euler step; returns :math:`\min(100 h_0, h_1, |t_1 - t_0|)`, or -1
    when ``f`` returned an output of another length than ``u0``.
    """
    n = u0.size
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sc = atol[i] + rtol * abs(u0[i])
        d0 += (u0[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    if d0 < 1e-5 or d1 < 1e-5:
        h0 = 1e-6
    else:
        h0 = 0.01 * d0 / d1
    h0 = min(h0, span)
    u1 = np.empty(n)
    for i in range(n):  # f0 may be an array or a tuple
        u1[i] = u0[i] + tdir * h0 * f0[i]
    f1 = f(t0 + tdir * h0, u1, p)
    if len(f1) != n:
        return -1.0  # f changed the length of its output: the caller stops
    d2 = 0.0
    for i in range(n):
        sc = atol[i] + rtol * abs(u0[i])
        d2 += ((f1[i] - f0[i]) / sc) ** 2
    d2 = math.sqrt(d2 / n) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1, span)


def initial_step_np(F: Any, t0: float, u0: np.ndarray, f0: np.ndarray, rtol: float, atol: Any,
                    order: int, tdir: float, span: float) -> float:
    """NumPy twin of :func:`initial_step` for the Python loops (``F(t, u)`` counts its calls)."""
    sc = atol + rtol * np.abs(u0)
    d0 = np.sqrt(np.mean((u0 / sc) ** 2))
    d1 = np.sqrt(np.mean((f0 / sc) ** 2))
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, span)
    f1 = F(t0 + tdir * h0, u0 + tdir * h0 * f0)
    d2 = np.sqrt(np.mean(((f1 - f0) / sc) ** 2)) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return float(min(100 * h0, h1, span))


# -- PI controller of the implicit methods -----------------------------------------------------
def implicit_factor(err, errold, k, first, last_rejected):
    """Step-size factor after an accepted step of error ``err`` (error order ``k``).

    The elementary controller on the first step, Gustafsson's PI controller after it; clipped
    to ``[FAC_MIN, FAC_MAX_IMPLICIT]`` and to at most 1 right after a rejection. Plain Python;
    :func:`implicit_factor_nb` is the same code compiled for the compiled loops.
    """
    if err == 0.0:
        fac = FAC_MAX_IMPLICIT
    elif first:
        fac = SAFETY * err ** (-1.0 / k)
    else:
        fac = SAFETY * err ** (-PI_ALPHA_IMPLICIT / k) * errold ** (PI_BETA_IMPLICIT / k)
    fac = min(FAC_MAX_IMPLICIT, max(FAC_MIN, fac))
    if last_rejected:
        fac = min(fac, 1.0)
    return fac


implicit_factor_nb = njit(cache=True, inline="always")(implicit_factor)


def reject_factor(err, k):
    """Step-size factor after a step of error ``err > 1`` (error order ``k``) is rejected."""
    return max(FAC_MIN, SAFETY * err ** (-1.0 / k))


reject_factor_nb = njit(cache=True, inline="always")(reject_factor)


@njit(cache=True, inline="always")
def accept_control(h, err, errold, k, first, last_rejected, adaptive):
    """After an accepted step of a compiled implicit loop: ``(h, errold, first)`` updated."""
    if adaptive:
        h *= implicit_factor_nb(err, errold, k, first, last_rejected)
        errold = max(err, ERR_OLD_FLOOR)
        first = False
    return h, errold, first


@njit(cache=True, inline="always")
def failed_step(h, nreject, nfail, adaptive):
    """A step that could not be computed (singular W, non-finite values) in a compiled loop:
    ``(stop, h, nreject, nfail)``, the step shrunk by :data:`FAC_FAILED`."""
    nfail += 1
    stop = nfail > MAX_FAILURES_ROSENBROCK or not adaptive
    return stop, h * FAC_FAILED, nreject + 1, nfail


#: What a compiled implicit loop does after a step attempt (see :func:`settle_step`).
STEP_ACCEPTED, STEP_REJECTED, STEP_FAILED = 0, 1, 2


@njit(cache=True, inline="always")
def settle_step(ok, err, k, h, nreject, nfail, errold, first, last_rejected, adaptive):
    """The decision after one step attempt of a compiled implicit loop, shared by its methods:
    ``(action, h, nreject, nfail, errold, first, last_rejected)`` with ``action`` one of
    :data:`STEP_ACCEPTED` (the loop then advances), :data:`STEP_REJECTED` (retry with the new
    ``h``: error test failed, or the step could not be computed) and :data:`STEP_FAILED` (too
    many failures in a row). ``err`` is read only when ``ok``; ``k`` is the error order."""
    if not ok:
        stop, h, nreject, nfail = failed_step(h, nreject, nfail, adaptive)
        action = STEP_FAILED if stop else STEP_REJECTED
        return action, h, nreject, nfail, errold, first, True
    if (not adaptive) or err <= 1.0:
        h, errold, first = accept_control(h, err, errold, k, first, last_rejected, adaptive)
        return STEP_ACCEPTED, h, nreject, 0, errold, first, False
    return STEP_REJECTED, h * reject_factor_nb(err, k), nreject + 1, nfail, errold, first, True


@njit(cache=True, inline="always")
def loop_start(f, t0, t1, u0, p, rtol, atol, dt0, order):
    """Start of a compiled implicit loop: ``(tdir, span, u, f0, nf, ts, us, dus, npts, h)``."""
    tdir = 1.0 if t1 > t0 else -1.0
    span = abs(t1 - t0)
    u = u0.copy()
    f0 = f(t0, u, p)
    nf = 1
    ts, us, dus, npts = start_storage(t0, u, f0)  # f0 may be an array or a tuple of floats
    if dt0 > 0:
        h = min(dt0, span)
    else:
        h = initial_step(f, t0, u, f0, p, rtol, atol, order, tdir, span)
        nf += 1
    return tdir, span, u, f0, nf, ts, us, dus, npts, h


# -- events ------------------------------------------------------------------------------------
#: ``direction`` code of a discrete condition in :func:`events_stop` (fires when its value > 0).
DISCRETE = 2.0


@njit(cache=True, inline="always")
def crossed(g_old, g_new, direction):
    """Whether an event function crossed zero over one step, in ``direction`` (+1 up, -1 down,
    0 either): up is ``g_old < 0 <= g_new``, down ``g_old > 0 >= g_new``. A zero at the start
    of a step (the initial time, or a step that ended exactly on a zero) is not a crossing, so
    each zero is reported once."""
    up = g_old < 0.0 <= g_new
    down = g_old > 0.0 >= g_new
    return (up and direction >= 0.0) or (down and direction <= 0.0)


@njit(cache=True, inline="always")
def events_stop(g_old, g_new, direction, left):
    """After an accepted step: whether a stepping loop must stop for the event driver.

    Entry ``i`` with ``direction[i] == DISCRETE`` is a discrete condition (stop when
    ``g_new[i] > 0``); the others are event functions whose crossings (:func:`crossed`)
    count ``left[i]`` down (``left[i] == 0``: never stop, only observed). ``g_old`` becomes
    ``g_new``.
    """
    stop = False
    for i in range(g_new.size):
        if direction[i] == DISCRETE:
            if g_new[i] > 0.0:
                stop = True
        elif g_new[i] != g_new[i]:  # NaN: the driver reports it
            stop = True
        elif left[i] > 0 and crossed(g_old[i], g_new[i], direction[i]):
            left[i] -= 1
            if left[i] == 0:
                stop = True
        g_old[i] = g_new[i]
    return stop


# -- dense output of one step ------------------------------------------------------------------
@njit(cache=True)
def hermite_step(u0, u1, f0, f1, h, theta, out):
    """``out`` := the cubic Hermite interpolant of one step at ``theta`` (see
    :class:`sciml_lib.ode.solution.HermiteInterpolant`, its vectorised form)."""
    for m in range(u0.size):
        d = u1[m] - u0[m]
        out[m] = (1 - theta) * u0[m] + theta * u1[m] + theta * (theta - 1) * (
            (1 - 2 * theta) * d + (theta - 1) * h * f0[m] + theta * h * f1[m]
        )


# -- storage of the compiled implicit loops ------------------------------------------------------
@njit(cache=True)
def _grow(ts, us, dus, k):
    if k < ts.size:
        return ts, us, dus
    m = 2 * ts.size
    ts2 = np.empty(m)
    us2 = np.empty((m, us.shape[1]))
    dus2 = np.empty((m, us.shape[1]))
    ts2[: ts.size] = ts
    us2[: ts.size] = us
    dus2[: ts.size] = dus
    return ts2, us2, dus2


@njit(cache=True, inline="always")
def store_step(ts, us, dus, npts, t, u, du):
    """Row ``npts`` := ``(t, u, du)`` (``du`` an array or a tuple), doubling the storage if full."""
    ts, us, dus = _grow(ts, us, dus, npts)
    ts[npts] = t
    for i in range(u.size):
        us[npts, i] = u[i]
        dus[npts, i] = du[i]
    return ts, us, dus, npts + 1


@njit(cache=True)
def start_storage(t, u, du):
    """Storage for the accepted steps, holding the initial point."""
    cap = 256
    n = u.size
    return store_step(np.empty(cap), np.empty((cap, n)), np.empty((cap, n)), 0, t, u, du)


@njit(cache=True, inline="always")
def step_head(t, h, t1, tdir, span, ntried, max_steps):
    """Before an implicit step: ``(status, h)`` with ``h`` shortened to end at ``t1``."""
    if ntried >= max_steps:
        return MAX_STEPS, h
    if tdir * (t + tdir * h - t1) > -1e-12 * span:
        h = abs(t1 - t)
    if h <= DT_MIN_ULPS_IMPLICIT * EPS * max(abs(t), 1.0):
        return DT_SMALL, h
    return OK, h


# -- bookkeeping of the Python loops -------------------------------------------------------------
class StepLoop:
    """Step bookkeeping of the Python stepping loops: storage, counters, ``tstops``, control."""

    def __init__(self, t0: float, t1: float, u0: np.ndarray, f0: np.ndarray,
                 tstops: Any = (), watch: Any = None, saveat: Any = None) -> None:
        self.tdir = 1.0 if t1 > t0 else -1.0
        self.span = abs(t1 - t0)
        self.t1 = t1
        # the stops strictly inside the span, in the order they are reached
        tdir = self.tdir
        inside = (float(s) for s in tstops if tdir * (s - t0) > 0 and tdir * (t1 - s) > 0)
        self.stops = sorted(inside, key=lambda s: self.tdir * s)
        self.ts, self.us, self.dus = [t0], [u0.copy()], [f0.copy()]
        self.naccept = self.nreject = self.nfail = 0
        self.errold, self.first, self.last_rejected = 1.0, True, False
        # events: ``watch(t, u) -> bool`` after every accepted step; True stops the loop
        self.watch, self.stopped = watch, False
        # ``saveat`` given: only the requested times are kept, interpolated as the steps pass
        # them (the last step alone is stored, so memory does not grow with the steps)
        self.stream = saveat is not None
        if self.stream:
            order = np.argsort(tdir * np.asarray(saveat, dtype=float), kind="stable")
            self.save_t = np.asarray(saveat, dtype=float)[order]  # in the direction of time
            self.save_k, self.save_out = 0, []
            self._emit(t0, u0, f0, t0, u0, f0)

    def check(self, t: float, h: float, max_steps: int) -> tuple[int, float]:
        """Before a step from ``t``: ``(OK, h clipped to the next stop)``, or MAX_STEPS/DT_SMALL."""
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
        if self.stream:
            self._emit(self.ts[-1], self.us[-1], self.dus[-1], t, u, du)
            self.ts[-1], self.us[-1], self.dus[-1] = t, u.copy(), du.copy()
        else:
            self.ts.append(t)
            self.us.append(u.copy())
            self.dus.append(du.copy())
        if self.watch is not None and self.watch(t, u):
            self.stopped = True

    def _emit(self, ta: float, ua: np.ndarray, fa: np.ndarray, tb: float, ub: np.ndarray,
              fb: np.ndarray) -> None:
        """The requested times in ``(ta, tb]`` (``[ta, tb]`` at the start), by the cubic
        Hermite interpolant of the step (:func:`hermite_step`)."""
        h = tb - ta
        tol = 1e-12 * max(1.0, abs(tb))
        while self.save_k < self.save_t.size:
            ts = self.save_t[self.save_k]
            if self.tdir * (ts - tb) > tol:
                break
            out = np.empty_like(ub)
            theta = 1.0 if h == 0.0 else min(max((ts - ta) / h, 0.0), 1.0)
            hermite_step(ua, ub, fa, fb, h, theta, out)
            self.save_out.append((ts, out))
            self.save_k += 1

    def advance(self, F: Any, t: float, hs: float, unew: np.ndarray) -> tuple:
        """Accept the step ``t -> t + hs`` to ``unew``: ``(t_new, unew, f(t_new, unew))``."""
        t = self.land(t + hs)
        f0 = F(t, unew)
        self.record(t, unew, f0)
        return t, unew, f0

    def failed(self, adaptive: bool, limit: int = MAX_FAILURES_ROSENBROCK) -> bool:
        """A step that could not be computed; True when the run must stop."""
        self.nreject += 1
        self.nfail += 1
        self.last_rejected = True
        return self.nfail > limit or not adaptive

    def accepted(self, err: float, k: float, adaptive: bool) -> float:
        """Step-size factor after an accepted step (the PI controller; 1 without adaptivity)."""
        fac = 1.0
        if adaptive:
            fac = implicit_factor(err, self.errold, k, self.first, self.last_rejected)
            self.errold, self.first = max(err, ERR_OLD_FLOOR), False
        self.last_rejected = False
        return fac

    def settle(self, ok: bool, err: float, k: float, adaptive: bool) -> tuple[int, float]:
        """After a step attempt of a Python Rosenbrock loop: ``(action, step factor)``, the
        action as in :func:`settle_step` (``err`` is read only when ``ok``)."""
        if not ok:
            return (STEP_FAILED if self.failed(adaptive) else STEP_REJECTED), FAC_FAILED
        if not adaptive or err <= 1.0:
            return STEP_ACCEPTED, self.accepted(err, k, adaptive)
        return STEP_REJECTED, self.rejected(err, k)

    def rejected(self, err: float, k: float) -> float:
        """Step-size factor after a step rejected by the error test."""
        self.nreject += 1
        self.last_rejected = True
        return reject_factor(err, k)

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
        return h <= DT_MIN_ULPS_IMPLICIT * EPS * max(abs(t), 1.0)
