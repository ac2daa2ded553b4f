r"""The Pleiades problem: seven bodies in the plane :cite:p:`hairer1993solving`.

.. math::

    x_i'' = \sum_{j \ne i} m_j \frac{x_j - x_i}{r_{ij}^3}, \qquad
    y_i'' = \sum_{j \ne i} m_j \frac{y_j - y_i}{r_{ij}^3}, \qquad
    r_{ij} = \big((x_i - x_j)^2 + (y_i - y_j)^2\big)^{1/2},

with masses :math:`m_j = j`. The state is
:math:`u = (x_1..x_7, y_1..y_7, \dot x_1..\dot x_7, \dot y_1..\dot y_7)` (28 entries);
initial data from course Lecture 7, span :math:`[0, 3]`. The total energy

.. math::

    H = \sum_i \frac{m_i}{2}(\dot x_i^2 + \dot y_i^2) - \sum_{i<j} \frac{m_i m_j}{r_{ij}}

is conserved (:func:`~sciml_lib.problems.pleiades.pleiades_energy`).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .base import ODEProblem

__all__ = ["pleiades_rhs", "pleiades_energy", "PLEIADES"]


@njit(cache=True)
def pleiades_rhs(t, u, p):
    """Right-hand side of the Pleiades problem; ``p`` holds the seven masses."""
    n = 7
    du = np.zeros(4 * n)
    for i in range(n):
        du[i] = u[2 * n + i]
        du[n + i] = u[3 * n + i]
    for i in range(n):
        xi, yi = u[i], u[n + i]
        ax = 0.0
        ay = 0.0
        for j in range(n):
            if j != i:
                dx = u[j] - xi
                dy = u[n + j] - yi
                r2 = dx * dx + dy * dy
                w = p[j] / (r2 * np.sqrt(r2))
                ax += w * dx
                ay += w * dy
        du[2 * n + i] = ax
        du[3 * n + i] = ay
    return du


def pleiades_energy(u: ArrayLike, m: ArrayLike) -> np.ndarray:
    r"""Total energy :math:`H` of Pleiades states (kinetic minus gravitational).

    Parameters
    ----------
    u : array_like, shape (..., 28)
        States :math:`(x, y, \dot x, \dot y)`, one per row (any leading shape).
    m : array_like, shape (7,)
        The masses (``PLEIADES.p``).

    Returns
    -------
    numpy.ndarray
        :math:`H` for each state, shape ``u.shape[:-1]`` (a 0-d array for one state).
    """
    u = np.asarray(u, dtype=float)
    m = np.asarray(m, dtype=float)
    if u.shape[-1:] != (28,):
        raise ValueError(f"u: last axis must have length 28, got shape {u.shape}")
    if m.shape != (7,):
        raise ValueError(f"m: expected 7 masses, got shape {m.shape}")
    x, y, vx, vy = u[..., :7], u[..., 7:14], u[..., 14:21], u[..., 21:]
    kin = 0.5 * np.sum(m * (vx**2 + vy**2), axis=-1)
    i, j = np.triu_indices(7, k=1)
    r = np.hypot(x[..., i] - x[..., j], y[..., i] - y[..., j])
    return np.asarray(kin - np.sum(m[i] * m[j] / r, axis=-1))


PLEIADES = ODEProblem(
    name="Pleiades",
    f=pleiades_rhs,
    u0=np.concatenate(
        [
            [3.0, 3.0, -1.0, -3.0, 2.0, -2.0, 2.0],
            [3.0, -3.0, 2.0, 0.0, 0.0, -4.0, 4.0],
            [0.0, 0.0, 0.0, 0.0, 0.0, 1.75, -1.5],
            [0.0, 0.0, 0.0, -1.25, 1.0, 0.0, 0.0],
        ]
    ),
    tspan=(0.0, 3.0),
    p=np.arange(1.0, 8.0),
    reference="hairer1993solving",
    description="seven-body gravitational problem in the plane, masses 1..7",
    labels=tuple(f"x{i}" for i in range(1, 8)) + tuple(f"y{i}" for i in range(1, 8))
    + tuple(f"vx{i}" for i in range(1, 8)) + tuple(f"vy{i}" for i in range(1, 8)),
)
