r"""A parameter-sweep runner with interchangeable back ends.

A *sweep* evaluates one kernel at many parameter sets, :math:`y_i = g(p_i)`;
the evaluations are independent, so the sweep is embarrassingly parallel. The
runner :func:`sweep` takes a Numba kernel

``kernel(p_row, scratch, out_row)``

that reads one row of parameters, may use the float64 work array ``scratch``
freely and writes its results into ``out_row``. Four back ends run it:

``"serial"``
    one compiled loop;
``"prange"``
    Numba threads (``parallel=True``): the rows are split into one contiguous
    chunk per worker and every chunk owns its scratch buffer;
``"threads"``
    a :class:`~concurrent.futures.ThreadPoolExecutor` whose tasks call a
    compiled loop that releases the GIL (``nogil=True``); one scratch buffer per
    task;
``"processes"``
    a process pool: each task receives a chunk of rows (pickled), allocates its
    own scratch and sends its chunk of results back.

Every back end runs the same compiled kernel on the same rows, so the results
are identical. Scratch buffers belong to a *task* (a chunk), never to a thread
id: a task may migrate between threads, a buffer indexed by thread id is then
shared by two tasks at once (the erratum of the original notes).
"""

from __future__ import annotations

import numbers
from concurrent.futures import Executor
from typing import Any

import numpy as np
from numba import njit, prange
from numba.extending import is_jitted

from sciml_lib.problems.lorenz import lorenz_components

from .pools import default_workers, process_pool, thread_pool

__all__ = [
    "BACKENDS",
    "sweep",
    "chunk_bounds",
    "run_chunk",
    "lorenz_mean_kernel",
    "lorenz_mean_python",
    "lorenz_mean_python_rows",
    "lorenz_sweep_params",
    "LORENZ_SWEEP_STEPS",
]

BACKENDS = ("serial", "prange", "threads", "processes")

#: Euler steps per trajectory in the Lecture 5 sweep.
LORENZ_SWEEP_STEPS = 1000


def chunk_bounds(n: int, chunks: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into ``chunks`` contiguous, nearly equal ``(lo, hi)`` ranges (static schedule)."""
    if n < 0 or chunks < 1:
        raise ValueError(f"need n >= 0 and chunks >= 1, got n={n}, chunks={chunks}")
    chunks = min(chunks, max(n, 1))
    q, r = divmod(n, chunks)
    out, lo = [], 0
    for c in range(chunks):
        hi = lo + q + (1 if c < r else 0)
        out.append((lo, hi))
        lo = hi
    return out


@njit(nogil=True)
def _sweep_rows(kernel, params, out, scratch, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        kernel(params[i], scratch, out[i])


@njit(parallel=True)
def _sweep_prange(kernel, params, out, scratch_all, bounds):  # pragma: no cover - compiled
    for c in prange(bounds.shape[0]):
        scratch = scratch_all[c]
        for i in range(bounds[c, 0], bounds[c, 1]):
            kernel(params[i], scratch, out[i])


def run_chunk(kernel: Any, params: np.ndarray, n_out: int, scratch_size: int) -> np.ndarray:
    """Run ``kernel`` on every row of ``params`` with a private scratch buffer.

    The task of the ``"processes"`` back end (importable, so that a spawned
    worker can unpickle and run it). Returns the ``(len(params), n_out)`` results.
    """
    params = np.ascontiguousarray(params, dtype=np.float64)
    out = np.zeros((params.shape[0], n_out))
    _sweep_rows(kernel, params, out, np.zeros(max(scratch_size, 1)), 0, params.shape[0])
    return out


def _check_pos_int(v: Any, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)


def sweep(
    kernel: Any,
    params: Any,
    n_out: int,
    backend: str = "serial",
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    scratch_size: int = 0,
    chunks: int | None = None,
) -> np.ndarray:
    """Evaluate ``kernel`` at every row of ``params`` with the chosen back end.

    Parameters
    ----------
    kernel : numba dispatcher
        ``@njit(nogil=True)`` function ``kernel(p_row, scratch, out_row)``.
    params : array_like
        ``(N, k)`` parameter sets (float64).
    n_out : int
        Number of results per row.
    backend : {"serial", "prange", "threads", "processes"}
        See the module documentation.
    workers : int, optional
        Threads or processes (default: usable cores). Ignored by ``"serial"``;
        ``"prange"`` uses Numba's thread count.
    executor : concurrent.futures.Executor, optional
        Reuse a pool for ``"threads"``/``"processes"`` (otherwise a pool is
        created and shut down, and its start-up is part of the cost).
    scratch_size : int
        Length of each task's private float64 scratch buffer.
    chunks : int, optional
        Number of tasks; default: one per worker (``"processes"``: four per worker).

    Returns
    -------
    numpy.ndarray
        ``(N, n_out)`` results, identical for every back end.
    """
    if not is_jitted(kernel):
        raise TypeError("kernel must be a Numba @njit function kernel(p_row, scratch, out_row)")
    p = np.ascontiguousarray(params, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(f"params must be a non-empty 2-D array (N, k), got shape {p.shape}")
    n_out = _check_pos_int(n_out, "n_out")
    if isinstance(scratch_size, bool) or not isinstance(scratch_size, numbers.Integral) or scratch_size < 0:
        raise ValueError(f"scratch_size must be a non-negative int, got {scratch_size!r}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    nw = default_workers() if workers is None else _check_pos_int(workers, "workers")
    size = max(int(scratch_size), 1)
    N = p.shape[0]
    if backend == "serial":
        out = np.zeros((N, n_out))
        _sweep_rows(kernel, p, out, np.zeros(size), 0, N)
        return out
    if backend == "prange":
        import numba

        k = numba.get_num_threads() if chunks is None else _check_pos_int(chunks, "chunks")
        bounds = np.array(chunk_bounds(N, k), dtype=np.int64)
        out = np.zeros((N, n_out))
        _sweep_prange(kernel, p, out, np.zeros((bounds.shape[0], size)), bounds)
        return out
    k = (nw if backend == "threads" else 4 * nw) if chunks is None else _check_pos_int(chunks, "chunks")
    bounds = chunk_bounds(N, k)
    own = executor is None
    ex = (thread_pool(nw) if backend == "threads" else process_pool(nw)) if own else executor
    try:
        if backend == "threads":
            out = np.zeros((N, n_out))
            futs = [ex.submit(_sweep_rows, kernel, p, out, np.zeros(size), lo, hi) for lo, hi in bounds]
            for f in futs:
                f.result()
            return out
        futs = [ex.submit(run_chunk, kernel, p[lo:hi], n_out, size) for lo, hi in bounds]
        return np.concatenate([f.result() for f in futs], axis=0)
    finally:
        if own:
            ex.shutdown()


# ----------------------------------------------------------------------------
# The Lecture 5 workload: the mean of Euler-Lorenz trajectories.


@njit(cache=True, nogil=True)
def lorenz_mean_kernel(p, scratch, out):  # pragma: no cover - compiled
    r"""Mean state of a ``LORENZ_SWEEP_STEPS``-step Euler-Lorenz trajectory from :math:`(1,0,0)`.

    ``p = (alpha, sigma, rho, beta)``. The state lives in ``scratch[0:3]`` and the
    running sum in ``scratch[3:6]`` (so ``scratch_size >= 6``); the mean of the
    ``n + 1`` states goes into ``out[0:3]``.
    """
    a = p[0]
    scratch[0] = 1.0
    scratch[1] = 0.0
    scratch[2] = 0.0
    scratch[3] = 1.0
    scratch[4] = 0.0
    scratch[5] = 0.0
    for _ in range(LORENZ_SWEEP_STEPS):
        dx, dy, dz = lorenz_components(scratch[0], scratch[1], scratch[2], p[1], p[2], p[3])
        scratch[0] = scratch[0] + a * dx
        scratch[1] = scratch[1] + a * dy
        scratch[2] = scratch[2] + a * dz
        scratch[3] += scratch[0]
        scratch[4] += scratch[1]
        scratch[5] += scratch[2]
    for j in range(3):
        out[j] = scratch[3 + j] / (LORENZ_SWEEP_STEPS + 1)


def lorenz_mean_python(p: Any) -> tuple[float, float, float]:
    """Pure-Python version of :func:`lorenz_mean_kernel` (holds the GIL; for the GIL demonstrations)."""
    a, sigma, rho, beta = (float(v) for v in p)
    x, y, z = 1.0, 0.0, 0.0
    sx, sy, sz = 1.0, 0.0, 0.0
    rhs = lorenz_components.py_func  # the same vector field, interpreted
    for _ in range(LORENZ_SWEEP_STEPS):
        dx, dy, dz = rhs(x, y, z, sigma, rho, beta)
        x, y, z = x + a * dx, y + a * dy, z + a * dz
        sx += x
        sy += y
        sz += z
    m = LORENZ_SWEEP_STEPS + 1
    return (sx / m, sy / m, sz / m)


def lorenz_mean_python_rows(params: Any) -> np.ndarray:
    """:func:`lorenz_mean_python` for every row of ``params``; shape ``(N, 3)`` (an importable task)."""
    return np.array([lorenz_mean_python(row) for row in np.atleast_2d(params)], dtype=float).reshape(-1, 3)


def lorenz_sweep_params(n: int, seed: int = 0) -> np.ndarray:
    r"""The Lecture 5 parameter sets :math:`(0.02,10,28,8/3)\odot(1,U_1,U_2,U_3)`, :math:`U_i\sim U(0,1)`."""
    n = _check_pos_int(n, "n")
    rng = np.random.default_rng(seed)
    u = np.ones((n, 4))
    u[:, 1:] = rng.random((n, 3))
    return u * np.array([0.02, 10.0, 28.0, 8.0 / 3.0])
