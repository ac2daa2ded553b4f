r"""The logistic map :math:`x_{n+1} = r x_n (1 - x_n)`: attractors, bifurcation diagram, Lyapunov exponent.

For :math:`0\le r\le 4` the map sends :math:`[0,1]` into itself. Its non-zero
fixed point :math:`x^*=1-1/r` has multiplier :math:`f'(x^*)=2-r`, so it
attracts for :math:`1<r<3`; at :math:`r=3` a period-2 orbit

.. math:: x_\pm = \frac{r+1\pm\sqrt{(r-3)(r+1)}}{2r}

takes over, and the period doublings accumulate at :math:`r_\infty\approx 3.5699`
where chaos begins :cite:p:`may1976simple,strogatz2015nonlinear`.

The bifurcation diagram is computed with interchangeable back ends that run
the *same* compiled column kernel, so their results are bit-identical:
``"serial"`` (one Numba loop), ``"prange"`` (Numba threads), ``"threads"``
(a thread pool; the kernel releases the GIL) and ``"processes"`` (chunks of
:math:`r` values sent to a process pool).
"""

from __future__ import annotations

import math
import numbers
from concurrent.futures import Executor
from typing import Any

import numpy as np
from numba import njit, prange

__all__ = [
    "logistic",
    "logistic_fixed_point",
    "logistic_period2",
    "attractor",
    "bifurcation_diagram",
    "bifurcation_chunk",
    "lyapunov_exponent",
    "lyapunov_exponents",
    "R_INFINITY",
]

#: Accumulation point of the period-doubling cascade of the logistic map.
R_INFINITY = 3.5699456718709449


@njit(cache=True, nogil=True)
def logistic(x, r):  # pragma: no cover - compiled
    """One step of the logistic map, ``r * x * (1 - x)``."""
    return r * x * (1.0 - x)


@njit(cache=True, nogil=True)
def _attractor_into(out, r, x0, warmup):  # pragma: no cover - compiled
    x = x0
    for _ in range(warmup):
        x = r * x * (1.0 - x)
    for k in range(out.shape[0]):
        x = r * x * (1.0 - x)
        out[k] = x


@njit(cache=True, nogil=True)
def _bif_serial(buf, rs, x0, warmup):  # pragma: no cover - compiled
    for j in range(rs.shape[0]):
        _attractor_into(buf[j], rs[j], x0, warmup)


@njit(cache=True, nogil=True, parallel=True)
def _bif_prange(buf, rs, x0, warmup):  # pragma: no cover - compiled
    for j in prange(rs.shape[0]):
        _attractor_into(buf[j], rs[j], x0, warmup)


@njit(cache=True, nogil=True)
def _lyapunov(r, x0, warmup, n):  # pragma: no cover - compiled
    x = x0
    for _ in range(warmup):
        x = r * x * (1.0 - x)
    s = 0.0
    for _ in range(n):
        s += math.log(abs(r * (1.0 - 2.0 * x)))
        x = r * x * (1.0 - x)
    return s / n


def _check_r(r: Any, name: str = "r") -> np.ndarray:
    a = np.asarray(r, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    if np.any(a < 0) or np.any(a > 4):
        raise ValueError(f"{name} must lie in [0, 4] (otherwise the logistic map leaves [0, 1] and diverges)")
    return a


def _check_int(v: Any, name: str, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(v).__name__}")
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}" if minimum else f"{name} must be non-negative, got {v}")
    return int(v)


def _check_x0(x0: Any) -> float:
    x = float(x0)
    if not (0.0 <= x <= 1.0):
        raise ValueError(f"x0 must lie in [0, 1], got {x0}")
    return x


def logistic_fixed_point(r: float) -> float:
    r"""The non-zero fixed point :math:`x^*=1-1/r` (attracting for :math:`1<r<3`)."""
    r = float(_check_r(r))
    if r == 0:
        raise ValueError("r must be non-zero for the non-trivial fixed point")
    return 1.0 - 1.0 / r


def logistic_period2(r: float) -> tuple[float, float]:
    r"""The period-2 orbit :math:`(x_-, x_+)`, which exists for :math:`r>3`."""
    r = float(_check_r(r))
    if r <= 3:
        raise ValueError(f"the period-2 orbit exists only for r > 3, got r={r}")
    d = math.sqrt((r - 3.0) * (r + 1.0))
    return ((r + 1.0 - d) / (2.0 * r), (r + 1.0 + d) / (2.0 * r))


def attractor(r: float, x0: float = 0.25, warmup: int = 400, n: int = 150, out: np.ndarray | None = None) -> np.ndarray:
    """Iterates ``warmup + 1`` to ``warmup + n`` of the logistic map from ``x0``.

    Parameters
    ----------
    r : float
        Parameter in :math:`[0, 4]`.
    x0 : float
        Initial value in :math:`[0, 1]`.
    warmup : int
        Iterations discarded so that the orbit settles on the attractor.
    n : int
        Number of iterates stored (positive).
    out : numpy.ndarray, optional
        Caller buffer of ``n`` float64 values, filled in place and returned
        (may be a strided view, e.g. a column of a matrix).

    Returns
    -------
    numpy.ndarray
        The ``n`` iterates.
    """
    r = float(_check_r(r))
    x0 = _check_x0(x0)
    warmup = _check_int(warmup, "warmup", 0)
    n = _check_int(n, "n", 1)
    if out is None:
        out = np.empty(n)
    elif not isinstance(out, np.ndarray) or out.dtype != np.float64 or out.shape != (n,):
        raise ValueError(f"out must be a float64 array of shape ({n},)")
    _attractor_into(out, r, x0, warmup)
    return out


def bifurcation_chunk(rs: np.ndarray, x0: float = 0.25, warmup: int = 400, n: int = 150) -> np.ndarray:
    """Attractors for a chunk of ``r`` values, shape ``(len(rs), n)`` (one row per ``r``).

    The task function of the process-pool back end (importable, so a spawned
    worker can run it).
    """
    rs = np.ascontiguousarray(rs, dtype=np.float64)
    buf = np.empty((rs.shape[0], n))
    _bif_serial(buf, rs, x0, warmup)
    return buf


def bifurcation_diagram(
    rs: Any,
    x0: float = 0.25,
    warmup: int = 400,
    n: int = 150,
    backend: str = "serial",
    executor: Executor | None = None,
    chunks: int | None = None,
) -> np.ndarray:
    r"""The logistic-map bifurcation diagram: attractors for every ``r`` in ``rs``.

    Parameters
    ----------
    rs : array_like
        1-D array of parameters in :math:`[0, 4]`.
    x0, warmup, n
        As in :func:`attractor`.
    backend : {"serial", "prange", "threads", "processes"}
        Serial Numba loop, Numba ``prange`` threads, a thread pool running the
        compiled loop on chunks (it releases the GIL), or a process pool.
    executor : concurrent.futures.Executor, optional
        Pool for ``"threads"``/``"processes"``; a temporary pool is created
        (and its start-up paid) when omitted.
    chunks : int, optional
        Number of tasks for ``"threads"`` (default: one per worker) and
        ``"processes"`` (default: 4 per worker).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, len(rs))``: column ``j`` holds the attractor of ``rs[j]``.
        Bit-identical for every back end.
    """
    rs = _check_r(rs, "rs")
    if rs.ndim != 1 or rs.size == 0:
        raise ValueError("rs must be a non-empty 1-D array")
    x0 = _check_x0(x0)
    warmup = _check_int(warmup, "warmup", 0)
    n = _check_int(n, "n", 1)
    rs = np.ascontiguousarray(rs)
    if backend == "serial":
        buf = np.empty((rs.size, n))
        _bif_serial(buf, rs, x0, warmup)
    elif backend == "prange":
        buf = np.empty((rs.size, n))
        _bif_prange(buf, rs, x0, warmup)
    elif backend == "threads":
        from sciml_lib.parallel.pools import thread_pool
        from sciml_lib.parallel.sweep import chunk_bounds

        buf = np.empty((rs.size, n))
        own = executor is None
        ex = thread_pool() if own else executor
        try:
            k = chunks if chunks is not None else getattr(ex, "_max_workers", 2)
            k = _check_int(k, "chunks", 1)
            futs = [ex.submit(_bif_serial, buf[lo:hi], rs[lo:hi], x0, warmup) for lo, hi in chunk_bounds(rs.size, k)]
            for f in futs:
                f.result()
        finally:
            if own:
                ex.shutdown()
    elif backend == "processes":
        from sciml_lib.parallel.pools import process_pool

        own = executor is None
        ex = process_pool() if own else executor
        try:
            k = chunks if chunks is not None else 4 * getattr(ex, "_max_workers", 2)
            k = _check_int(k, "chunks", 1)
            parts = np.array_split(rs, min(k, rs.size))
            futs = [ex.submit(bifurcation_chunk, part, x0, warmup, n) for part in parts]
            buf = np.concatenate([f.result() for f in futs], axis=0)
        finally:
            if own:
                ex.shutdown()
    else:
        raise ValueError(f"backend must be 'serial', 'prange', 'threads' or 'processes', got {backend!r}")
    return buf.T


def lyapunov_exponent(r: float, x0: float = 0.25, warmup: int = 1000, n: int = 100_000) -> float:
    r"""Lyapunov exponent :math:`\lambda=\lim\frac1N\sum_k\ln|r(1-2x_k)|` of the logistic map.

    Negative on periodic windows, positive in chaos; :math:`\ln 2` at :math:`r=4`
    and :math:`\ln|2-r|` where the fixed point attracts.
    """
    r = float(_check_r(r))
    return float(_lyapunov(r, _check_x0(x0), _check_int(warmup, "warmup", 0), _check_int(n, "n", 1)))


@njit(cache=True, parallel=True)
def _lyapunov_many(rs, x0, warmup, n):  # pragma: no cover - compiled
    out = np.empty(rs.shape[0])
    for j in prange(rs.shape[0]):
        out[j] = _lyapunov(rs[j], x0, warmup, n)
    return out


def lyapunov_exponents(rs: Any, x0: float = 0.25, warmup: int = 1000, n: int = 10_000) -> np.ndarray:
    """:func:`lyapunov_exponent` for every ``r`` in ``rs`` (Numba ``prange``)."""
    rs = np.ascontiguousarray(_check_r(rs, "rs"), dtype=np.float64)
    if rs.ndim != 1:
        raise ValueError("rs must be 1-D")
    return _lyapunov_many(rs, _check_x0(x0), _check_int(warmup, "warmup", 0), _check_int(n, "n", 1))
