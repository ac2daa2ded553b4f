r"""A fixed-step explicit Runge-Kutta loop on any number type (lecture 19).

The compiled solver :func:`sciml_lib.ode.solve` works on float arrays. To
carry *other* numbers through a solve (:class:`~sciml_lib.uq.linear.Normal`,
:class:`~sciml_lib.uq.interval.Interval`, :class:`sciml_lib.ad.forward.Dual`,
``uncertainties.ufloat``) this module runs the same tableaus
(:data:`sciml_lib.ode.tableaus.TABLEAUS`) in plain Python on lists of scalars:

.. math::

    k_i = f\Big(t_n + c_i h,\; u_n + h \sum_{j<i} a_{ij} k_j\Big), \qquad
    u_{n+1} = u_n + h \sum_i b_i k_i
    \quad :cite:p:`hairer1993solving`.

Zero coefficients are skipped and unit coefficients are not multiplied, so
Euler is exactly ``u + dt * f(t, u)`` (what an interval enclosure of Euler
must evaluate).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from sciml_lib.ode.tableaus import get_tableau

__all__ = ["solve_fixed"]


def _lincomb(u: list, h: Any, coeffs: Sequence[float], K: list) -> list:
    """``u + h * sum_j coeffs[j] * K[j]`` componentwise, skipping zero coefficients."""
    out = []
    scaled = [(h * c, k) for c, k in zip(coeffs, K) if c != 0.0]
    for i in range(len(u)):
        fused = getattr(type(u[i]), "linear_combination", None)
        if fused is None:
            fused = next(
                (
                    getattr(type(k[i]), "linear_combination")
                    for _, k in scaled
                    if hasattr(type(k[i]), "linear_combination")
                ),
                None,
            )
        if fused is not None:  # one pass for value types that provide it (Normal)
            out.append(fused([(1.0, u[i])] + [(hc, k[i]) for hc, k in scaled]))
            continue
        acc = None
        for c, k in zip(coeffs, K):
            if c == 0.0:
                continue
            term = k[i] if c == 1.0 else c * k[i]
            acc = term if acc is None else acc + term
        out.append(u[i] if acc is None else u[i] + h * acc)
    return out


def solve_fixed(
    f: Callable[[Any, Any, Any], Any],
    tspan: Sequence[float],
    u0: Sequence[Any],
    p: Any = (),
    *,
    dt: float,
    method: str = "RK4",
    save_every: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Integrate :math:`u' = f(t, u, p)` with a fixed step on generic scalars.

    Parameters
    ----------
    f : callable
        ``f(t, u, p)`` returning a sequence of ``len(u)`` scalars, written
        with ordinary arithmetic and NumPy ufuncs (a Numba dispatcher is run
        through its ``py_func``, e.g. :func:`sciml_lib.problems.small.pendulum_components`).
    tspan : sequence of two floats
        ``(t0, t1)`` with ``t1 > t0``; ``(t1 - t0) / dt`` must be an integer.
    u0 : sequence
        Initial state: floats or any number type closed under ``+``, ``*``.
    p : object
        Parameters, passed unchanged (may hold uncertain numbers).
    dt : float
        The step, positive.
    method : str
        An explicit tableau of :data:`sciml_lib.ode.tableaus.TABLEAUS`
        (``"Euler"``, ``"RK4"``, ``"BS3"``, ``"Tsit5"``, ...).
    save_every : int
        Keep every ``save_every``-th step (and the last).

    Returns
    -------
    (t, u) : tuple of ndarray
        Times (floats) and an object array of shape ``(len(t), len(u0))``.

    Examples
    --------
    >>> t, u = solve_fixed(lambda t, u, p: (-u[0],), (0.0, 1.0), [1.0], dt=0.1)
    >>> bool(abs(u[-1, 0] - np.exp(-1.0)) < 1e-6)
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    fn = getattr(f, "py_func", f)
    if len(tspan) != 2:
        raise ValueError(f"tspan must be (t0, t1), got {tspan!r}")
    t0, t1 = float(tspan[0]), float(tspan[1])
    if not np.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be positive and finite, got {dt!r}")
    if not t1 > t0:
        raise ValueError(f"tspan must have t1 > t0, got {tspan!r}")
    n_steps = int(round((t1 - t0) / dt))
    if n_steps < 1 or abs(n_steps * dt - (t1 - t0)) > 1e-9 * max(1.0, abs(t1 - t0)):
        raise ValueError(
            f"dt must divide t1 - t0 = {t1 - t0!r} into an integer number of steps, got {dt!r}"
        )
    if int(save_every) < 1:
        raise ValueError(f"save_every must be a positive integer, got {save_every!r}")
    tab = get_tableau(method)
    A, b, c = (
        [list(map(float, r)) for r in np.asarray(tab.A)],
        list(map(float, tab.b)),
        list(map(float, tab.c)),
    )
    u = list(u0)
    ts, us = [t0], [list(u)]
    for n in range(n_steps):
        t = t0 + n * dt
        K: list = []
        for i in range(len(b)):
            ui = _lincomb(u, dt, A[i][:i], K) if i else u
            K.append(list(fn(t + c[i] * dt, ui, p)))
        u = _lincomb(u, dt, b, K)
        if (n + 1) % save_every == 0 or n + 1 == n_steps:
            ts.append(t0 + (n + 1) * dt)
            us.append(list(u))
    out = np.empty((len(us), len(u)), dtype=object)
    for i, row in enumerate(us):
        out[i, :] = row
    return np.array(ts), out
