r"""ProbInts: an ensemble that shows the numerical error of an ODE solve (lecture 19).

ProbInts :cite:p:`conrad2017statistical` perturbs every step of a one-step
method of order :math:`p` by Gaussian noise of the size of the local error,
:math:`u_{n+1} \leftarrow u_{n+1} + \sigma h^{p + 1/2} \xi_n`,
:math:`\xi_n \sim N(0, I)`, and reads the spread of an ensemble of such
solves as the uncertainty the discretisation leaves. The *adaptive* variant
scales the noise by what the adaptive solver already measures: with the
embedded pair :math:`(b, \hat b)` the local error estimate of a step is
:math:`E = h \sum_i (b_i - \hat b_i) k_i` and the step is accepted iff

.. math::

    q = \Big\| \frac{E}{\mathrm{atol} + \mathrm{rtol}\max(|u_n|, |u_{n+1}|)}
    \Big\|_{\mathrm{RMS}} \le 1

(a step with :math:`q > 1` is rejected and retried smaller). Here every
accepted step adds :math:`|E| \odot \xi_n` (``order=None``: noise of the size
of the error estimate, component by component) or, with ``order=k``,
:math:`q\,h^{k}\,\xi_n` (the form of DifferentialEquations.jl's
``AdaptiveProbIntsUncertainty(k)`` :cite:p:`rackauckas2017differentialequations`).
Either way the spread shrinks with the tolerance.

The trajectories run in lock step on arrays (one column per trajectory, each
with its own time and step size), so ``f`` must accept a state of shape
``(n, m)``: a right-hand side written component-wise, such as
:func:`sciml_lib.problems.small.fitzhugh_nagumo_components`, does. The
tableaus are those of :data:`sciml_lib.ode.tableaus.TABLEAUS`; the compiled
solver :func:`sciml_lib.ode.solve` offers no per-step hook, so this module has
its own small adaptive loop (the same controller: accept iff :math:`q \le 1`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from sciml_lib.ode.tableaus import get_tableau

__all__ = ["ProbIntsResult", "probints"]


@dataclass
class ProbIntsResult:
    """Result of :func:`probints`.

    Attributes
    ----------
    t : numpy.ndarray, shape (m,)
        Output times.
    u : numpy.ndarray, shape (n_traj, m, n)
        The perturbed trajectories at the output times (see ``interpolation``).
    n_steps : numpy.ndarray, shape (n_traj,)
        Accepted steps per trajectory.
    n_rejected : numpy.ndarray, shape (n_traj,)
        Rejected steps per trajectory.
    success : bool
        Whether every trajectory reached the end.
    message : str
    """

    t: np.ndarray
    u: np.ndarray
    n_steps: np.ndarray
    n_rejected: np.ndarray
    success: bool
    message: str

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation over the ensemble, shape (m, n)."""
        return self.u.std(axis=0)


def _call(f: Callable, t: np.ndarray, U: np.ndarray, p: Any) -> np.ndarray:
    out = f(t, U, p)
    if isinstance(out, (tuple, list)):
        out = np.stack([np.broadcast_to(np.asarray(o, dtype=float), U.shape[1:]) for o in out])
    out = np.asarray(out, dtype=float)
    if out.shape != U.shape:
        raise ValueError(
            f"f must return an array of the shape of the state {U.shape}, got {out.shape}"
        )
    return out


def _hermite(tq: np.ndarray, t: np.ndarray, u: np.ndarray, du: np.ndarray) -> np.ndarray:
    """Cubic Hermite interpolation through ``(t_i, u_i, u'_i)`` at the times ``tq``."""
    if t.size == 1:
        return np.repeat(u[:1], tq.size, axis=0)
    i = np.clip(np.searchsorted(t, tq, side="right") - 1, 0, t.size - 2)
    h = (t[i + 1] - t[i])[:, None]
    th = ((tq - t[i])[:, None]) / h
    h00, h10 = (1 + 2 * th) * (1 - th) ** 2, th * (1 - th) ** 2
    h01, h11 = th**2 * (3 - 2 * th), th**2 * (th - 1)
    return h00 * u[i] + h10 * h * du[i] + h01 * u[i + 1] + h11 * h * du[i + 1]


def probints(
    f: Callable[[Any, Any, Any], Any],
    tspan: Sequence[float],
    u0: Any,
    p: Any = (),
    *,
    n_traj: int = 100,
    order: int | None = None,
    method: str = "Tsit5",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    saveat: Any = None,
    max_steps: int = 100_000,
    interpolation: str = "hermite",
    rng: Any = None,
) -> ProbIntsResult:
    r"""Adaptive ProbInts ensemble of :math:`u' = f(t, u, p)`.

    Parameters
    ----------
    f : callable
        ``f(t, u, p)`` for ``u`` of shape ``(n, m)`` (``m`` trajectories in the
        columns, ``t`` of shape ``(m,)``), returning an array of that shape or
        a sequence of ``n`` arrays of shape ``(m,)``. A Numba dispatcher runs
        through its ``py_func``.
    tspan : sequence of two floats
        ``(t0, t1)`` with ``t1 > t0``.
    u0 : array_like, shape (n,)
    p : object
        Parameters, passed unchanged.
    n_traj : int
        Number of trajectories.
    order : int, optional
        ``None``: noise :math:`|E| \odot \xi`; an integer ``k``: noise
        :math:`q h^k \xi`.
    method : str
        An adaptive tableau (with an embedded pair): ``"BS3"``, ``"DP5"``,
        ``"Tsit5"``, ``"Vern7"``, ...
    rtol, atol : float
        Tolerances of the step-size control.
    saveat : array_like, optional
        Output times (default 201 equispaced points).
    max_steps : int
        Attempted steps per trajectory before giving up (``success=False``).
    interpolation : {"hermite", "linear"}
        How the trajectories are evaluated at ``saveat`` between accepted steps:
        cubic Hermite through the step points and their slopes (accurate when the steps
        are small) or straight lines (no invented excursions between long, noisy steps).
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    ProbIntsResult
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    fn = getattr(f, "py_func", f)
    if len(tspan) != 2 or not float(tspan[1]) > float(tspan[0]):
        raise ValueError(f"tspan must be (t0, t1) with t1 > t0, got {tspan!r}")
    t0, t1 = float(tspan[0]), float(tspan[1])
    y0 = np.atleast_1d(np.asarray(u0, dtype=float))
    if y0.ndim != 1 or not np.all(np.isfinite(y0)):
        raise ValueError(f"u0 must be a finite 1-D array, got {u0!r}")
    if int(n_traj) != n_traj or n_traj < 1:
        raise ValueError(f"n_traj must be a positive integer, got {n_traj!r}")
    if order is not None and (int(order) != order or order < 1):
        raise ValueError(f"order must be a positive integer or None, got {order!r}")
    if not (np.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol must be positive, got {rtol!r}")
    if not (np.isfinite(atol) and atol > 0):
        raise ValueError(f"atol must be positive, got {atol!r}")
    tab = get_tableau(method)
    if not tab.adaptive:
        raise ValueError(f"method must have an embedded error estimator, got {method!r}")
    ts = np.linspace(t0, t1, 201) if saveat is None else np.asarray(saveat, dtype=float)
    if ts.ndim != 1 or ts.size < 1 or ts.min() < t0 or ts.max() > t1:
        raise ValueError(f"saveat must be a 1-D array of times inside tspan {tspan!r}")
    if interpolation not in ("hermite", "linear"):
        raise ValueError(f"interpolation must be 'hermite' or 'linear', got {interpolation!r}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

    m, n = int(n_traj), y0.size
    A, b, c, e = (
        np.asarray(tab.A),
        np.asarray(tab.b),
        np.asarray(tab.c),
        np.asarray(tab.error_weights),
    )
    s = b.size
    expo = -1.0 / (min(tab.order, tab.embedded_order or tab.order) + 1.0)
    U = np.repeat(y0[:, None], m, axis=1)
    T = np.full(m, t0)
    # initial step from the size of u and f (Hairer's rule of thumb)
    F0 = _call(fn, T, U, p)
    sc = atol + rtol * np.abs(U)
    d0, d1 = np.sqrt(np.mean((U / sc) ** 2, axis=0)), np.sqrt(np.mean((F0 / sc) ** 2, axis=0))
    H = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / np.maximum(d1, 1e-300))
    H = np.minimum(H, t1 - t0)
    hist_t, hist_u, hist_mask = [T.copy()], [U.copy()], [np.ones(m, bool)]
    n_acc, n_rej = np.zeros(m, int), np.zeros(m, int)
    active = np.ones(m, bool)
    attempts = 0
    K = np.empty((s, n, m))
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # trial steps may overflow; they are rejected
        while active.any() and attempts < max_steps:
            attempts += 1
            H = np.where(active, np.minimum(H, t1 - T), 0.0)
            for i in range(s):
                Ui = U + H * np.tensordot(A[i, :i], K[:i], axes=(0, 0)) if i else U
                K[i] = _call(fn, T + c[i] * H, Ui, p)
            Unew = U + H * np.tensordot(b, K, axes=(0, 0))
            E = H * np.tensordot(e, K, axes=(0, 0))
            scale = atol + rtol * np.maximum(np.abs(U), np.abs(Unew))
            q = np.sqrt(np.mean((E / scale) ** 2, axis=0))
            ok = active & (q <= 1.0) & np.all(np.isfinite(Unew), axis=0)
            if order is None:
                noise = np.abs(E) * gen.standard_normal((n, m))
            else:
                noise = q * H ** int(order) * gen.standard_normal((n, m))
            U = np.where(ok, Unew + noise, U)
            T = np.where(ok, np.where(t1 - (T + H) <= 1e-12 * max(1.0, abs(t1)), t1, T + H), T)
            n_acc += ok
            n_rej += active & ~ok
            qs = np.where(np.isfinite(q), q, 1e10)
            fac = np.clip(0.9 * np.maximum(qs, 1e-10) ** expo, 0.2, 5.0)
            H = np.where(active, H * np.where(ok, fac, np.minimum(fac, 1.0)), H)
            hist_t.append(T.copy())
            hist_u.append(U.copy())
            hist_mask.append(ok)
            active = T < t1
            if np.any(active & (H < 1e-14 * max(1.0, abs(t1)))):
                break
    done = ~active
    Th, Uh, Mh = np.array(hist_t), np.array(hist_u), np.array(hist_mask)
    r = Th.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        Fh = _call(fn, Th.reshape(-1), Uh.transpose(1, 0, 2).reshape(n, r * m), p).reshape(n, r, m)
    out = np.full((m, ts.size, n), np.nan)
    for j in range(m):
        idx = np.flatnonzero(Mh[:, j])
        tj = Th[idx, j]
        if tj[-1] < t1:
            continue
        if interpolation == "hermite":
            out[j] = _hermite(ts, tj, Uh[idx, :, j], Fh[:, idx, j].T)
        else:
            out[j] = np.stack([np.interp(ts, tj, Uh[idx, k, j]) for k in range(n)], axis=1)
    success = bool(done.all())
    msg = (
        "Success."
        if success
        else f"{int((~done).sum())} of {m} trajectories did not reach t1 = {t1!r}."
    )
    return ProbIntsResult(ts, out, n_acc, n_rej, success, msg)
