r"""Generic iteration of discrete dynamical systems :math:`u_{n+1} = f(u_n, p)`.

The iterator is written once and specialised by Numba for every map it is
given: a Numba-compiled function is a first-class value of its own type, so
``iterate(f, u0, p, n)`` compiles a loop in which the call to ``f`` is inlined,
which is the Python counterpart of the specialisation on function types of the
Julia notes :cite:p:`rackauckas2020parallel`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numba import njit
from numba.extending import is_jitted

__all__ = ["iterate", "iterate_scalar", "iterate_tuple", "iterate_array"]


@njit(cache=True)
def iterate_scalar(f, u0, p, n):  # pragma: no cover - compiled
    """Compiled kernel of :func:`iterate` for a scalar state: ``out[k] = f^k(u0)``."""
    out = np.empty(n + 1)
    u = u0
    out[0] = u
    for k in range(n):
        u = f(u, p)
        out[k + 1] = u
    return out


@njit(cache=True)
def iterate_tuple(f, u0, p, n):  # pragma: no cover - compiled
    """Compiled kernel of :func:`iterate` for a tuple state (no allocation per step)."""
    d = len(u0)
    out = np.empty((n + 1, d))
    u = u0
    for j in range(d):
        out[0, j] = u[j]
    for k in range(n):
        u = f(u, p)
        for j in range(d):
            out[k + 1, j] = u[j]
    return out


@njit(cache=True)
def iterate_array(f, u0, p, n):  # pragma: no cover - compiled
    """Compiled kernel of :func:`iterate` for a 1-D array state; ``f`` returns a new array."""
    d = u0.shape[0]
    out = np.empty((n + 1, d))
    out[0, :] = u0
    u = u0.copy()
    for k in range(n):
        u = f(u, p)
        out[k + 1, :] = u
    return out


def iterate(f: Any, u0: Any, p: Any, n: int) -> np.ndarray:
    r"""Iterate the map :math:`u_{k+1} = f(u_k, p)` for ``n`` steps.

    Parameters
    ----------
    f : numba.core.registry.CPUDispatcher
        A Numba ``@njit`` function ``f(u, p)``. For a scalar state it returns a
        float; for a tuple state a tuple of the same length; for an array state
        a new 1-D array.
    u0 : float, tuple of float or 1-D array
        Initial state.
    p : any Numba-compatible value
        Parameters passed unchanged to ``f``.
    n : int
        Number of steps (at least 1).

    Returns
    -------
    numpy.ndarray
        The orbit :math:`u_0, \dots, u_n`: shape ``(n + 1,)`` for a scalar state,
        ``(n + 1, d)`` for a state of dimension ``d``.
    """
    if not is_jitted(f):
        raise TypeError("f must be a Numba @njit function f(u, p)")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    n = int(n)
    if isinstance(u0, numbers.Real) and not isinstance(u0, bool):
        return iterate_scalar(f, float(u0), p, n)
    if isinstance(u0, tuple):
        if len(u0) == 0:
            raise ValueError("u0 must not be empty")
        return iterate_tuple(f, tuple(float(v) for v in u0), p, n)
    u = np.asarray(u0, dtype=np.float64)
    if u.ndim != 1 or u.size == 0:
        raise ValueError(f"u0 must be a scalar, a tuple or a non-empty 1-D array, got shape {u.shape}")
    return iterate_array(f, np.ascontiguousarray(u), p, n)
