r"""Von Neumann stability of time stepping for the heat equation :math:`u_t = u_{xx}`.

Insert a Fourier mode :math:`e_j^n = G^n e^{\mathrm{i} j\theta}`,
:math:`\theta = k\Delta x`, into a scheme with :math:`\mu = \Delta t/\Delta x^2`
:cite:p:`leveque2007finite,charney1950numerical`:

* forward Euler in time, centred in space (FTCS),
  :math:`u_j^{n+1} = (1-2\mu)u_j^n + \mu(u_{j+1}^n + u_{j-1}^n)`, gives
  :math:`G = 1 - 4\mu\sin^2(\theta/2)`: stable (:math:`|G| \le 1` for all
  :math:`\theta`) iff :math:`\mu \le 1/2`; the first mode to grow is the
  highest, :math:`\theta = \pi`, with :math:`G = 1 - 4\mu`;
* backward Euler gives :math:`G = 1/(1 + 4\mu\sin^2(\theta/2)) \in (0, 1]`:
  stable for every :math:`\mu`;
* Crank-Nicolson gives :math:`G = (1 - 2\mu s)/(1 + 2\mu s)`,
  :math:`s = \sin^2(\theta/2)`: :math:`|G| \le 1` for every :math:`\mu`.

With zero Dirichlet ends on ``n`` interior nodes the grid modes
:math:`\sin(k\pi j/(n+1))` are exact eigenvectors of FTCS with these factors
at :math:`\theta = k\pi/(n+1)`, which :func:`ftcs_heat` lets one measure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from .operators import _check_bc, _check_n

__all__ = ["AMPLIFICATION_SCHEMES", "amplification_factor", "ftcs_heat"]

AMPLIFICATION_SCHEMES = ("ftcs", "backward_euler", "crank_nicolson")
"""Schemes known to :func:`amplification_factor`."""


def _check_mu(mu: Any) -> float:
    if isinstance(mu, bool) or not isinstance(mu, (int, float, np.integer, np.floating)):
        raise TypeError(f"mu must be a real number, got {type(mu).__name__}")
    mu = float(mu)
    if not (math.isfinite(mu) and mu >= 0):
        raise ValueError(f"mu must be finite and >= 0, got {mu}")
    return mu


def amplification_factor(scheme: str, mu: float, theta: Any) -> Any:
    r"""Von Neumann amplification factor :math:`G(\theta)` of a scheme for :math:`u_t = u_{xx}`.

    Parameters
    ----------
    scheme : {"ftcs", "backward_euler", "crank_nicolson"}
        The time discretisation (all centred in space).
    mu : float
        :math:`\mu = \Delta t/\Delta x^2 \ge 0`.
    theta : float or array_like
        Wave number times spacing, :math:`\theta = k\Delta x`.

    Returns
    -------
    float or numpy.ndarray
        :math:`G`, of the shape of ``theta``.
    """
    if scheme not in AMPLIFICATION_SCHEMES:
        raise ValueError(f"scheme must be one of {AMPLIFICATION_SCHEMES}, got {scheme!r}")
    mu = _check_mu(mu)
    th = np.asarray(theta, dtype=float)
    s = np.sin(th / 2.0) ** 2
    if scheme == "ftcs":
        G = 1.0 - 4.0 * mu * s
    elif scheme == "backward_euler":
        G = 1.0 / (1.0 + 4.0 * mu * s)
    else:
        G = (1.0 - 2.0 * mu * s) / (1.0 + 2.0 * mu * s)
    return float(G) if G.ndim == 0 else G


@njit(cache=True)
def _ftcs(u0, mu, nsteps, save_every, bc):
    n = u0.size
    nsave = nsteps // save_every + 1
    out = np.empty((nsave, n))
    u = u0.copy()
    v = np.empty(n)
    out[0] = u
    k = 1
    for step in range(1, nsteps + 1):
        for i in range(n):
            if i > 0:
                left = u[i - 1]
            elif bc == 0:
                left = 0.0
            elif bc == 1:
                left = u[1]
            else:
                left = u[n - 1]
            if i < n - 1:
                right = u[i + 1]
            elif bc == 0:
                right = 0.0
            elif bc == 1:
                right = u[n - 2]
            else:
                right = u[0]
            v[i] = (1.0 - 2.0 * mu) * u[i] + mu * (left + right)
        u, v = v, u
        if step % save_every == 0:
            out[k] = u
            k += 1
    return out


def ftcs_heat(u0: Any, mu: float, nsteps: int, *, bc: str = "dirichlet",
              save_every: int = 1) -> np.ndarray:
    r"""March :math:`u_t = u_{xx}` with FTCS.

    One step is :math:`u^{n+1}_j = (1-2\mu)u^n_j + \mu(u^n_{j+1} + u^n_{j-1})`.

    Parameters
    ----------
    u0 : array_like
        Initial values on the grid (1-D, length at least 2).
    mu : float
        :math:`\Delta t/\Delta x^2`; FTCS is stable iff :math:`\mu \le 1/2`.
    nsteps : int
        Number of time steps.
    bc : {"dirichlet", "neumann", "periodic"}
        Ghost values: zero (``u0`` holds the interior nodes), mirrored, wrapped.
    save_every : int
        Keep every ``save_every``-th state.

    Returns
    -------
    numpy.ndarray
        Shape ``(nsteps // save_every + 1, len(u0))``: the states after
        ``0, save_every, 2 save_every, ...`` steps.
    """
    u = np.asarray(u0, dtype=float)
    if u.ndim != 1 or u.size < 2:
        raise ValueError(f"u0 must be a 1-D array with at least 2 values, got shape {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError("u0 must be finite")
    mu = _check_mu(mu)
    nsteps = _check_n(nsteps, "nsteps", minimum=0)
    save_every = _check_n(save_every, "save_every", minimum=1)
    code = {"dirichlet": 0, "neumann": 1, "periodic": 2}[_check_bc(bc)]
    return _ftcs(np.ascontiguousarray(u), mu, nsteps, save_every, code)
