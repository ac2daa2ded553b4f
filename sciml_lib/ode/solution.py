r"""Solution objects shared by every ODE solver of ``sciml_lib``.

An :class:`~sciml_lib.ode.solution.ODESolution` holds the saved times and states of one solve, the
work statistics (:class:`~sciml_lib.ode.solution.ODEStats`), a success flag with a human-readable
message, and optionally a *dense output*: a callable that evaluates the
continuous approximation :math:`u(t)` anywhere in the integration span.

Explicit Runge-Kutta methods provide their own interpolants (built in
:mod:`sciml_lib.ode.explicit_rk`); solvers without one (the implicit
methods: Rosenbrock, SDIRK, BDF) use :func:`~sciml_lib.ode.solution.hermite_interpolant`, the
piecewise cubic Hermite interpolant through the step points and the slopes
:math:`f(t_n, u_n)` there :cite:p:`hairer1993solving`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ODEStats", "ODESolution", "HermiteInterpolant", "hermite_interpolant"]


@dataclass
class ODEStats:
    """Work counters of one solve.

    Attributes
    ----------
    nf : int
        Right-hand-side evaluations (the initial-step heuristic included).
    naccept : int
        Accepted steps.
    nreject : int
        Rejected steps.
    njac : int
        Jacobian evaluations (implicit solvers; 0 for explicit ones).
    nlu : int
        LU factorisations (implicit solvers).
    nnewton : int
        Newton iterations (implicit solvers).
    nprec : int
        Preconditioner setups (``linsolve="gmres"`` with a preconditioner).
    nlinear : int
        Krylov iterations, i.e. matrix-vector products with :math:`W`
        (``linsolve="gmres"``).
    """

    nf: int
    naccept: int
    nreject: int
    njac: int = 0
    nlu: int = 0
    nnewton: int = 0
    nprec: int = 0
    nlinear: int = 0

    @property
    def nsteps(self) -> int:
        """Attempted steps, ``naccept + nreject``."""
        return self.naccept + self.nreject


class HermiteInterpolant:
    r"""Piecewise cubic Hermite interpolant through step points.

    On the step :math:`[t_n, t_{n+1}]` with :math:`h = t_{n+1} - t_n` and
    :math:`\theta = (t - t_n)/h`,

    .. math::

        u(t) = (1-\theta) u_n + \theta u_{n+1}
        + \theta(\theta - 1)\big[(1 - 2\theta)(u_{n+1} - u_n)
        + (\theta - 1) h f_n + \theta h f_{n+1}\big],

    which matches :math:`u` and :math:`u'` at both ends; its error is
    :math:`O(h^4)` when the data are exact.

    Parameters
    ----------
    t : array_like, shape (m,)
        Strictly monotone step times.
    u : array_like, shape (m, n)
        States at ``t``.
    du : array_like, shape (m, n)
        Derivatives :math:`f(t, u)` at ``t``.
    check : bool
        Validate the arrays (``False`` only for a solver's own float arrays).
    """

    def __init__(self, t: ArrayLike, u: ArrayLike, du: ArrayLike, *, check: bool = True) -> None:
        if not check:  # arrays straight from a solver: float, shape (m, n), monotone times
            self.t, self.u, self.du = t, u, du
            return
        t = np.asarray(t, dtype=float)
        u = np.asarray(u, dtype=float)
        du = np.asarray(du, dtype=float)
        if t.ndim != 1 or t.size < 2:
            raise ValueError("t: need a 1-D array of at least two times")
        if u.ndim != 2 or u.shape[0] != t.size or du.shape != u.shape:
            raise ValueError("u, du: need arrays of shape (len(t), n)")
        dt = np.diff(t)
        if not (np.all(dt > 0) or np.all(dt < 0)):
            raise ValueError("t: must be strictly monotone")
        self.t, self.u, self.du = t, u, du

    def __call__(self, tq: ArrayLike) -> np.ndarray:
        """Evaluate at the 1-D array of times ``tq``; returns shape (len(tq), n)."""
        tq = np.atleast_1d(np.asarray(tq, dtype=float))
        t = self.t
        forward = t[-1] > t[0]
        key = t if forward else -t
        q = tq if forward else -tq
        i = np.clip(np.searchsorted(key, q, side="right") - 1, 0, t.size - 2)
        h = (t[i + 1] - t[i])[:, None]
        th = ((tq - t[i])[:, None]) / h
        u0, u1 = self.u[i], self.u[i + 1]
        f0, f1 = self.du[i], self.du[i + 1]
        return (1 - th) * u0 + th * u1 + th * (th - 1) * ((1 - 2 * th) * (u1 - u0) + (th - 1) * h * f0 + th * h * f1)


def hermite_interpolant(t: ArrayLike, u: ArrayLike, du: ArrayLike, *, check: bool = True) -> HermiteInterpolant:
    """Cubic Hermite dense output through step points (see :class:`~sciml_lib.ode.solution.HermiteInterpolant`).

    Parameters
    ----------
    t : array_like, shape (m,)
        Step times (strictly monotone).
    u : array_like, shape (m, n)
        States at the step times.
    du : array_like, shape (m, n)
        Right-hand side :math:`f(t, u)` at the step times.
    check : bool
        Validate shapes and monotonicity (``False`` for a solver's own float
        arrays, saving a few microseconds per solve).

    Returns
    -------
    sciml_lib.ode.solution.HermiteInterpolant
        Callable mapping a 1-D array of times to an array of shape (len, n).
    """
    return HermiteInterpolant(t, u, du, check=check)


class ODESolution:
    """Result of an ODE solve.

    Parameters
    ----------
    t : array_like, shape (m,)
        Saved times.
    u : array_like, shape (m, n)
        Saved states, one row per time.
    stats : ODEStats
        Work counters.
    success : bool
        Whether the solver reached the end of the span.
    message : str
        Why the solver stopped.
    method : str
        Name of the method.
    interpolant : callable, optional
        Dense output: maps a 1-D array of times to an array of shape
        ``(len, n)``. Without it, calling the solution raises ``ValueError``.
    status : int, optional
        The status code of :mod:`sciml_lib.ode` (0: reached the end; 7: ended by a terminal
        event; 1-5: failures). By default 0 for a success, -1 otherwise.
    events : (list, list), optional
        ``(t_events, u_events)`` of a solve with ``events``: for each event, an array of
        the times of its crossings and an array with the state at each (one row per crossing),
        as the attributes ``t_events`` and ``u_events`` (None without events).

    Notes
    -----
    ``sol(t)`` with a scalar ``t`` returns a 1-D state; with an array of times
    it returns a 2-D array with one row per time. Times outside the span that
    was integrated (``[t[0], t[-1]]``, or up to where a failed solve stopped)
    raise ``ValueError``.
    """

    def __init__(
        self,
        t: ArrayLike,
        u: ArrayLike,
        stats: ODEStats,
        success: bool,
        message: str,
        method: str,
        interpolant: Callable[[np.ndarray], np.ndarray] | None = None,
        *,
        status: int | None = None,
        events: tuple | None = None,
    ) -> None:
        self.t = np.asarray(t, dtype=float).reshape(-1)
        u = np.asarray(u, dtype=float)
        if u.ndim == 1:
            u = u.reshape(self.t.size, -1)
        self.u = u
        if self.u.shape[0] != self.t.size:
            raise ValueError("u: need one row per time in t")
        self.stats = stats
        self.success = bool(success)
        self.message = str(message)
        self.method = str(method)
        self.interpolant = interpolant
        self.status = (0 if self.success else -1) if status is None else int(status)
        #: per event of ``solve(..., events=...)``: the times and states of its crossings
        self.t_events: list[np.ndarray] | None = None
        self.u_events: list[np.ndarray] | None = None
        if events is not None:
            self.t_events, self.u_events = list(events[0]), list(events[1])
        span = getattr(interpolant, "t", None)
        if span is not None and np.size(span) > 0:
            a, b = float(span[0]), float(span[-1])  # step times are monotone
            self._span = (min(a, b), max(a, b))
        elif self.t.size:
            self._span = (float(self.t.min()), float(self.t.max()))
        else:
            self._span = (np.nan, np.nan)

    def __call__(self, t: ArrayLike) -> np.ndarray:
        """Dense output at ``t`` (scalar: 1-D state; array: one row per time)."""
        if self.interpolant is None:
            raise ValueError("t: this solution has no dense output (solve with dense=True)")
        ta = np.asarray(t, dtype=float)
        lo, hi = self._span
        tol = 1e-12 * max(1.0, abs(lo), abs(hi))
        if ta.size and (not np.all(np.isfinite(ta)) or ta.min() < lo - tol or ta.max() > hi + tol):
            raise ValueError(f"t: outside the solution span [{lo}, {hi}]")
        out = self.interpolant(np.clip(ta.reshape(-1), lo, hi))
        if ta.ndim == 0:
            return out[0]
        return out.reshape(ta.shape + (out.shape[-1],))

    def __len__(self) -> int:
        return self.t.size

    def __repr__(self) -> str:
        return (
            f"ODESolution(method={self.method!r}, success={self.success}, npoints={self.t.size}, "
            f"nf={self.stats.nf}, naccept={self.stats.naccept}, nreject={self.stats.nreject}, "
            f"message={self.message!r})"
        )
