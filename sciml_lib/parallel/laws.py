r"""Amdahl's and Gustafson's laws, and the Karp-Flatt serial fraction.

If a fraction :math:`P` of a program's run time can be spread over :math:`N`
workers and the rest is serial, the speed-up is bounded by Amdahl's law
:cite:p:`amdahl1967validity`

.. math:: S_A(N) = \frac{1}{(1-P) + P/N} \le \frac{1}{1-P}.

If instead the problem grows with :math:`N` so that the parallel part keeps
every worker busy for a fixed time (weak scaling), the *scaled* speed-up is
Gustafson's :cite:p:`gustafson1988reevaluating`

.. math:: S_G(N) = (1-P) + P N.

From a measured speed-up :math:`S` on :math:`N` workers the Karp-Flatt metric
:cite:p:`karp1990measuring` estimates the serial fraction,
:math:`e = (1/S - 1/N)/(1 - 1/N)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["amdahl_speedup", "gustafson_speedup", "karp_flatt"]


def _check(p: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise ValueError("p (the parallel fraction) must lie in [0, 1]")
    if np.any(n < 1) or not np.all(np.isfinite(n)):
        raise ValueError("n (the number of workers) must be >= 1")
    return p, n


def _out(x: np.ndarray) -> Any:
    return float(x) if x.ndim == 0 else x


def amdahl_speedup(p: Any, n: Any) -> Any:
    """Amdahl speed-up :math:`1/((1-p)+p/n)` (broadcasts over arrays)."""
    p, n = _check(p, n)
    return _out(1.0 / ((1.0 - p) + p / n))


def gustafson_speedup(p: Any, n: Any) -> Any:
    """Gustafson scaled speed-up :math:`(1-p)+pn` (broadcasts over arrays)."""
    p, n = _check(p, n)
    return _out((1.0 - p) + p * n)


def karp_flatt(speedup: Any, n: Any) -> Any:
    """Experimentally determined serial fraction from a speed-up on ``n > 1`` workers."""
    s = np.asarray(speedup, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(s <= 0):
        raise ValueError("speedup must be positive")
    if np.any(n <= 1):
        raise ValueError("n must be > 1 for the Karp-Flatt metric")
    return _out((1.0 / s - 1.0 / n) / (1.0 - 1.0 / n))
