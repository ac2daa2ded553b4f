r"""The Euler-discretised Lorenz system as a map, in the storage variants of Lecture 4.

One explicit Euler step of size :math:`\alpha` for the Lorenz equations
:cite:p:`lorenz1963deterministic` is the map

.. math::
    u_{n+1} = u_n + \alpha\,\bigl(\sigma(y-x),\; x(\rho-z)-y,\; xy-\beta z\bigr),

with the course's values :math:`(\alpha,\sigma,\rho,\beta)=(0.02,10,28,8/3)` and
:math:`u_0=(1,0,0)`. The vector field itself lives in
:func:`sciml_lib.problems.lorenz.lorenz_components`.

Every variant below computes exactly the same floating-point numbers (they are
bit-identical); they differ only in how the states are stored, which is what
the performance table of the lecture measures. All take the parameters as a
tuple ``p = (alpha, sigma, rho, beta)`` and are Numba-compiled functions that can
be called from Python or from other compiled code.

================================  =====================================================
variant                           storage
================================  =====================================================
:func:`lorenz_euler_list`         a list of ``n + 1`` freshly allocated arrays
:func:`lorenz_euler_matrix`       preallocated ``(n + 1, 3)`` matrix, allocating step
:func:`lorenz_euler_views`        preallocated matrix, in-place step into row views
:func:`lorenz_euler_swap`         endpoint only, in-place step with two swapped buffers
:func:`lorenz_euler_tuple`        tuple state (registers), all states saved
:func:`lorenz_euler_tuple_end`    tuple state, endpoint only (no allocation)
:func:`lorenz_euler_into`         tuple state written into a caller buffer
================================  =====================================================
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sciml_lib.problems.lorenz import lorenz_components

__all__ = [
    "LORENZ_MAP_PARAMS",
    "LORENZ_MAP_U0",
    "lorenz_step",
    "lorenz_step_inplace",
    "lorenz_step_tuple",
    "lorenz_euler_list",
    "lorenz_euler_matrix",
    "lorenz_euler_views",
    "lorenz_euler_swap",
    "lorenz_euler_tuple",
    "lorenz_euler_tuple_end",
    "lorenz_euler_into",
]

#: ``(alpha, sigma, rho, beta)`` of Lecture 4.
LORENZ_MAP_PARAMS: tuple[float, float, float, float] = (0.02, 10.0, 28.0, 8.0 / 3.0)
#: Initial state of Lecture 4.
LORENZ_MAP_U0: tuple[float, float, float] = (1.0, 0.0, 0.0)


@njit(cache=True, nogil=True)
def lorenz_step_tuple(u, p):  # pragma: no cover - compiled
    """One Euler-Lorenz step on a tuple state ``(x, y, z)``; returns a new tuple."""
    x, y, z = u
    dx, dy, dz = lorenz_components(x, y, z, p[1], p[2], p[3])
    a = p[0]
    return (x + a * dx, y + a * dy, z + a * dz)


@njit(cache=True, nogil=True)
def lorenz_step(u, p):  # pragma: no cover - compiled
    """One Euler-Lorenz step that allocates and returns a new array."""
    dx, dy, dz = lorenz_components(u[0], u[1], u[2], p[1], p[2], p[3])
    a = p[0]
    out = np.empty(3)
    out[0] = u[0] + a * dx
    out[1] = u[1] + a * dy
    out[2] = u[2] + a * dz
    return out


@njit(cache=True, nogil=True)
def lorenz_step_inplace(du, u, p):  # pragma: no cover - compiled
    """One Euler-Lorenz step written into ``du`` (``du`` must not alias ``u``)."""
    dx, dy, dz = lorenz_components(u[0], u[1], u[2], p[1], p[2], p[3])
    a = p[0]
    du[0] = u[0] + a * dx
    du[1] = u[1] + a * dy
    du[2] = u[2] + a * dz


@njit(cache=True)
def lorenz_euler_list(u0, p, n):  # pragma: no cover - compiled
    """All ``n + 1`` states as a list of separately allocated arrays."""
    u = np.empty(3)
    u[:] = u0
    out = [u]
    for _ in range(n):
        u = lorenz_step(u, p)
        out.append(u)
    return out


@njit(cache=True)
def lorenz_euler_matrix(u0, p, n):  # pragma: no cover - compiled
    """States in a preallocated ``(n + 1, 3)`` matrix; each step allocates, then is copied in."""
    out = np.empty((n + 1, 3))
    out[0, :] = u0
    for k in range(n):
        out[k + 1, :] = lorenz_step(out[k], p)
    return out


@njit(cache=True)
def lorenz_euler_views(u0, p, n):  # pragma: no cover - compiled
    """States in a preallocated matrix; each step writes in place into the next row (a view)."""
    out = np.empty((n + 1, 3))
    out[0, :] = u0
    for k in range(n):
        lorenz_step_inplace(out[k + 1], out[k], p)
    return out


@njit(cache=True)
def lorenz_euler_swap(u0, p, n):  # pragma: no cover - compiled
    """Endpoint only, in-place steps between two buffers that swap roles (no copy)."""
    u = np.empty(3)
    u[:] = u0
    du = np.empty(3)
    for _ in range(n):
        lorenz_step_inplace(du, u, p)
        u, du = du, u
    return u


@njit(cache=True, nogil=True)
def lorenz_euler_tuple_end(u0, p, n):  # pragma: no cover - compiled
    """Tuple state, endpoint only: no heap allocation at all. Returns a tuple."""
    u = (u0[0], u0[1], u0[2])
    for _ in range(n):
        u = lorenz_step_tuple(u, p)
    return u


@njit(cache=True, nogil=True)
def lorenz_euler_into(out, u0, p):  # pragma: no cover - compiled
    """Tuple state written into the caller's ``(n + 1, 3)`` buffer ``out`` (``n = len(out) - 1``)."""
    u = (u0[0], u0[1], u0[2])
    out[0, 0], out[0, 1], out[0, 2] = u
    for k in range(out.shape[0] - 1):
        u = lorenz_step_tuple(u, p)
        out[k + 1, 0], out[k + 1, 1], out[k + 1, 2] = u
    return out


@njit(cache=True)
def lorenz_euler_tuple(u0, p, n):  # pragma: no cover - compiled
    """Tuple state (kept in registers); all states saved in one new ``(n + 1, 3)`` matrix."""
    return lorenz_euler_into(np.empty((n + 1, 3)), u0, p)
