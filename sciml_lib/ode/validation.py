"""Input checks shared by every ODE solver of the library (explicit and stiff).

Each check raises ``ValueError``/``TypeError`` whose message starts with the
name of the offending argument, so that :func:`sciml_lib.ode.solve` rejects bad
input in the same words for every method.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = ["check_tspan", "check_u0", "check_rtol", "check_max_steps", "check_saveat"]


def check_tspan(tspan: Any) -> tuple[float, float]:
    """``(t0, t1)`` as floats; finite, two numbers, ``t0 != t1``."""
    if type(tspan) is tuple and len(tspan) == 2 and all(type(x) is float for x in tspan):
        t0, t1 = tspan  # the common case, without NumPy (a few microseconds per solve)
        if not (math.isfinite(t0) and math.isfinite(t1)):
            raise ValueError("tspan: must be finite")
        if t0 == t1:
            raise ValueError("tspan: t0 == t1 (empty interval)")
        return t0, t1
    try:
        ts = np.asarray(tspan, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"tspan: expected two numbers (t0, t1): {exc}") from exc
    if ts.shape != (2,):
        raise ValueError(f"tspan: expected (t0, t1), got shape {np.shape(tspan)}")
    if not np.all(np.isfinite(ts)):
        raise ValueError("tspan: must be finite")
    t0, t1 = float(ts[0]), float(ts[1])
    if t0 == t1:
        raise ValueError("tspan: t0 == t1 (empty interval)")
    return t0, t1


def check_u0(u0: Any, *, allow_scalar: bool = True) -> np.ndarray:
    """A contiguous, finite, non-empty 1-D float copy of ``u0``."""
    try:
        u = np.array(u0, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"u0: expected a numeric array: {exc}") from exc
    if u.ndim == 0 and allow_scalar:
        u = u.reshape(1)
    if u.ndim != 1 or u.size == 0:
        raise ValueError(f"u0: expected a non-empty 1-D array, got shape {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError("u0: contains non-finite values")
    return np.ascontiguousarray(u)


def check_rtol(rtol: Any) -> float:
    """A positive finite relative tolerance (``TypeError`` for a non-number such as ``"1e-6"``)."""
    if type(rtol) is float and math.isfinite(rtol) and rtol > 0:
        return rtol
    if not isinstance(rtol, (numbers.Real, np.floating)):
        raise TypeError(f"rtol: must be a positive finite number, got {rtol!r}")
    if isinstance(rtol, (bool, np.bool_)) or not math.isfinite(rtol) or rtol <= 0:
        raise ValueError(f"rtol: must be a positive finite number, got {rtol!r}")
    return float(rtol)


def check_max_steps(max_steps: Any) -> int:
    """A positive integer step limit."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps: must be a positive integer, got {max_steps!r}")
    return int(max_steps)


def check_saveat(saveat: Any, t0: float, t1: float) -> np.ndarray:
    """The ``saveat`` times as a 1-D float array (in the given order), all within ``tspan``."""
    try:
        sa = np.atleast_1d(np.asarray(saveat, dtype=float)).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"saveat: expected an array of times: {exc}") from exc
    lo, hi = min(t0, t1), max(t0, t1)
    tol = 1e-12 * max(1.0, abs(lo), abs(hi))
    if sa.size == 0 or not np.all(np.isfinite(sa)) or sa.min() < lo - tol or sa.max() > hi + tol:
        raise ValueError(f"saveat: times must be finite and lie in the span [{lo}, {hi}]")
    return sa
