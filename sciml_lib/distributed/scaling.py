r"""Parallel efficiency and fits of Amdahl's and Gustafson's laws to measurements.

With :math:`T_1` the time on one rank and :math:`T_N` on :math:`N`, the strong
scaling speed-up is :math:`S = T_1/T_N` and the efficiency :math:`E = S/N`. For
weak scaling (work per rank fixed) the scaled speed-up is :math:`N T_1/T_N`.
:func:`fit_amdahl` finds the parallel fraction :math:`P` of Amdahl's law
:cite:p:`amdahl1967validity` and :func:`fit_gustafson` that of Gustafson's law
:cite:p:`gustafson1988reevaluating` by least squares (the laws themselves are
:func:`sciml_lib.parallel.amdahl_speedup` and
:func:`sciml_lib.parallel.gustafson_speedup`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["efficiency", "fit_amdahl", "fit_gustafson"]


def _check(n: Any, s: Any) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(n, dtype=float)
    s = np.asarray(s, dtype=float)
    if n.ndim != 1 or n.shape != s.shape or n.size < 1:
        raise ValueError("n, speedup: need 1-D arrays of the same non-zero length")
    if np.any(n < 1) or not np.all(np.isfinite(n)):
        raise ValueError("n: the numbers of ranks must be >= 1")
    if np.any(s <= 0) or not np.all(np.isfinite(s)):
        raise ValueError("speedup: must be positive and finite")
    return n, s


def efficiency(n: Any, t: Any) -> np.ndarray:
    """Strong-scaling efficiency :math:`T_1/(N T_N)` from times ``t`` at ranks ``n[0] == 1, ...``."""
    n, t = _check(n, t)
    if n[0] != 1:
        raise ValueError("n: the first entry must be 1 (the reference run)")
    return t[0] / (n * t)


def fit_amdahl(n: Any, speedup: Any) -> float:
    """Parallel fraction :math:`P \\in [0, 1]` minimising :math:`\\sum (S_A(N;P) - S)^2`."""
    from scipy.optimize import minimize_scalar

    from sciml_lib.parallel import amdahl_speedup

    n, s = _check(n, speedup)
    res = minimize_scalar(lambda p: float(np.sum((amdahl_speedup(p, n) - s) ** 2)),
                          bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-10})
    return float(res.x)


def fit_gustafson(n: Any, scaled_speedup: Any) -> float:
    """Parallel fraction :math:`P \\in [0, 1]` of :math:`S_G = 1 + P(N-1)` (linear least squares)."""
    n, s = _check(n, scaled_speedup)
    x = n - 1.0
    if not np.any(x > 0):
        raise ValueError("n: need at least one run with more than one rank")
    p = float(np.dot(x, s - 1.0) / np.dot(x, x))
    return float(np.clip(p, 0.0, 1.0))
