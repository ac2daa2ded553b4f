"""Argument checks shared by the estimators of :mod:`sciml_lib.gsa`."""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

__all__ = ["check_bounds", "check_n", "check_power_of_two", "evaluate", "scale", "make_rng"]


def check_bounds(bounds: Any) -> np.ndarray:
    """Return ``bounds`` as a float ``(d, 2)`` array with finite ``lo < hi`` in every row."""
    b = np.asarray(bounds, dtype=float)
    if b.ndim != 2 or b.shape[1] != 2 or b.shape[0] < 1:
        raise ValueError(f"bounds must have shape (d, 2) with d >= 1, got shape {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError("bounds must be finite")
    bad = np.flatnonzero(b[:, 0] >= b[:, 1])
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"bounds[{i}] = {b[i].tolist()}: need lo < hi in every row of bounds")
    return b


def check_n(n: Any, name: str = "n", minimum: int = 2) -> int:
    """Check that ``n`` is an int ``>= minimum``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {n!r}")
    return int(n)


def check_power_of_two(n: Any, name: str = "n") -> int:
    """Check that ``n`` is a power of two (the balance property of Sobol points needs it)."""
    n = check_n(n, name)
    if n & (n - 1):
        up = 1 << (n - 1).bit_length()
        raise ValueError(
            f"{name} = {n} is not a power of two; Sobol points are balanced only for "
            f"powers of two: use {name}={up} (or {up // 2})"
        )
    return n


def make_rng(rng: Any) -> np.random.Generator:
    """``None``, an int seed or a Generator -> a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, numbers.Integral):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be None, an int or a numpy.random.Generator, got {type(rng).__name__}"
    )


def scale(U: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Map points of the unit cube to the box ``bounds``: :math:`x = lo + u (hi - lo)`."""
    return bounds[:, 0] + U * (bounds[:, 1] - bounds[:, 0])


def evaluate(f: Callable[[np.ndarray], Any], X: np.ndarray) -> np.ndarray:
    """Call the vectorised model ``f`` on the rows of ``X`` and return a float ``(m, k)`` array.

    ``f(X)`` must return shape ``(m,)`` (one output) or ``(m, k)`` (``k`` outputs).
    """
    if not callable(f):
        raise TypeError(f"f must be callable f(X) -> (n,) or (n, k), got {type(f).__name__}")
    Y = np.asarray(f(X), dtype=float)
    m = X.shape[0]
    if Y.ndim == 1 and Y.shape[0] == m:
        Y = Y[:, None]
    elif not (Y.ndim == 2 and Y.shape[0] == m and Y.shape[1] >= 1):
        raise ValueError(
            f"f must return shape ({m},) or ({m}, k) for X of shape {X.shape}, got {Y.shape}"
            " (f is called once on all rows: vectorise it)"
        )
    if not np.all(np.isfinite(Y)):
        raise ValueError("f returned non-finite values")
    return Y
