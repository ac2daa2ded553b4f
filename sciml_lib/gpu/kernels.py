r"""Small kernels and cost models for the GPU lecture.

* :func:`vector_add`: ``y += x`` as a *grid-stride* kernel (each thread handles
  indices ``i, i + G, i + 2G, ...`` with :math:`G` the number of threads), on
  the GPU or the CPU (the same loop with ``numba.prange``).
* :func:`masked_select`: a branch as *compute both, select by mask*, the way a
  SIMD unit or a warp of 32 threads executes ``if``/``else``.
* :func:`sum_unrolled`, :func:`sum_naive`: one accumulator versus four
  independent ones (instruction-level parallelism).
* :func:`transfer_time`: measured host-to-device copy time.
* :func:`roofline`: the roofline estimate :math:`T = \max(F/P, B/W)`
  :cite:p:`williams2009roofline`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

__all__ = [
    "VECTOR_ADD_SOURCE",
    "vector_add",
    "vector_add_cpu",
    "masked_select",
    "branchy_select",
    "sum_naive",
    "sum_unrolled",
    "transfer_time",
    "Roofline",
    "roofline",
]


@njit(parallel=True, cache=True)
def vector_add_cpu(y: np.ndarray, x: np.ndarray, nthreads: int) -> None:
    """CPU version of the grid-stride loop: thread ``g`` of ``nthreads`` handles
    ``i = g, g + nthreads, ...``."""
    n = y.shape[0]
    for g in prange(nthreads):
        for i in range(g, n, nthreads):
            y[i] += x[i]


_CUDA_ADD = {}


VECTOR_ADD_SOURCE = """
@cuda.jit
def add(y, x):
    start = cuda.grid(1)
    stride = cuda.gridsize(1)
    for i in range(start, y.shape[0], stride):
        y[i] += x[i]
"""
"""Source of the grid-stride ``numba.cuda`` kernel of :func:`vector_add` (``backend="cuda"``)."""


def _cuda_vector_add():
    """The grid-stride kernel, with ``cuda`` as a global (as the CUDA simulator requires)."""
    if "k" not in _CUDA_ADD:
        from numba import cuda

        ns = {"cuda": cuda}
        exec(compile(VECTOR_ADD_SOURCE, "<sciml_lib.gpu vector_add>", "exec"), ns)  # noqa: S102
        _CUDA_ADD["k"] = ns["add"]
    return _CUDA_ADD["k"]


def vector_add(
    y: np.ndarray, x: np.ndarray, *, backend: str = "cpu", blocks: int = 4, threads: int = 32
) -> np.ndarray:
    """``y += x`` by a grid-stride kernel of ``blocks * threads`` threads (in place; returns ``y``).

    Parameters
    ----------
    y, x : numpy.ndarray
        1-D float arrays of equal length.
    backend : str
        ``"cpu"`` (``numba.prange``) or ``"cuda"`` (``numba.cuda``, also the simulator).
    blocks, threads : int
        Launch configuration (number of blocks, threads per block).
    """
    if (
        not isinstance(y, np.ndarray)
        or not isinstance(x, np.ndarray)
        or y.ndim != 1
        or x.shape != y.shape
    ):
        raise ValueError("x: x and y must be 1-D arrays of the same length")
    if blocks < 1 or threads < 1:
        raise ValueError(f"blocks: blocks and threads must be positive, got {blocks}, {threads}")
    if backend == "cpu":
        vector_add_cpu(y, x, blocks * threads)
    elif backend == "cuda":
        from numba import cuda

        dy, dx = cuda.to_device(y), cuda.to_device(x)
        _cuda_vector_add()[blocks, threads](dy, dx)
        dy.copy_to_host(y)
    else:
        raise ValueError(f"backend: expected 'cpu' or 'cuda', got {backend!r}")
    return y


@njit(cache=True)
def masked_select(x: np.ndarray) -> np.ndarray:
    """``where(x > 0, sqrt(x), x * x)`` computed branch-free: both sides for every element,
    then a select by the mask (vectorisable; what a warp does with a divergent ``if``)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        a = np.sqrt(abs(x[i]))
        b = x[i] * x[i]
        m = x[i] > 0.0
        out[i] = m * a + (1.0 - m) * b
    return out


@njit(cache=True)
def branchy_select(x: np.ndarray) -> np.ndarray:
    """The same function with an ``if``: one side per element (a branch per element)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            out[i] = np.sqrt(x[i])
        else:
            out[i] = x[i] * x[i]
    return out


@njit(cache=True)
def sum_naive(x: np.ndarray, reps: int) -> float:
    """``reps`` passes of ``s += x[i]`` with one accumulator: every add waits for the previous one
    (a chain of dependent additions, one per floating-point add latency)."""
    s = 0.0
    for _ in range(reps):
        for i in range(x.shape[0]):
            s += x[i]
    return s


@njit(cache=True)
def sum_unrolled(x: np.ndarray, reps: int) -> float:
    """The same sum unrolled by 4 into four independent accumulators.

    Four dependency chains are in flight at once (instruction-level
    parallelism); the result differs from :func:`sum_naive` only by rounding
    (another order of the additions). Without ``fastmath`` the compiler may not
    reorder a floating-point sum itself, so it has to be written this way.
    """
    s0 = s1 = s2 = s3 = 0.0
    n = x.shape[0]
    n4 = n - n % 4
    for _ in range(reps):
        for i in range(0, n4, 4):
            s0 += x[i]
            s1 += x[i + 1]
            s2 += x[i + 2]
            s3 += x[i + 3]
        for i in range(n4, n):
            s0 += x[i]
    return (s0 + s1) + (s2 + s3)


def transfer_time(nbytes: int, *, repeats: int = 5) -> float:
    """Median seconds to copy ``nbytes`` from host to device (``numba.cuda.to_device``).

    Raises ``ValueError`` naming ``nbytes`` when it is not positive, and when no
    GPU is present (``backend``).
    """
    if int(nbytes) < 1:
        raise ValueError(f"nbytes: must be positive, got {nbytes!r}")
    from .ensemble import cuda_available

    if not cuda_available():
        raise ValueError(
            "backend: transfer_time needs numba.cuda (a GPU or NUMBA_ENABLE_CUDASIM=1)"
        )
    from numba import cuda

    host = np.ones(int(nbytes) // 8 + 1)
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        cuda.to_device(host)
        cuda.synchronize()
        times.append(time.perf_counter() - tic)
    return float(np.median(times))


@dataclass(frozen=True)
class Roofline:
    """The roofline estimate of one kernel (seconds and arithmetic intensity)."""

    flops: float
    bytes: float
    t_compute: float
    t_memory: float

    @property
    def time(self) -> float:
        """Lower bound on the run time, :math:`\\max(F/P, B/W)`."""
        return max(self.t_compute, self.t_memory)

    @property
    def intensity(self) -> float:
        """Flops per byte moved."""
        return self.flops / self.bytes

    @property
    def bound(self) -> str:
        """``"compute"`` or ``"memory"``: the larger of the two times."""
        return "compute" if self.t_compute >= self.t_memory else "memory"


def roofline(flops: float, nbytes: float, peak_flops: float, bandwidth: float) -> Roofline:
    r"""Roofline estimate :math:`T = \max(F / P, B / W)` :cite:p:`williams2009roofline`.

    Parameters
    ----------
    flops : float
        Floating-point operations :math:`F`.
    nbytes : float
        Bytes moved to and from memory :math:`B` (each input read once, each output written once).
    peak_flops : float
        Peak rate :math:`P` in flop/s.
    bandwidth : float
        Memory bandwidth :math:`W` in byte/s.
    """
    for name, v in (
        ("flops", flops),
        ("nbytes", nbytes),
        ("peak_flops", peak_flops),
        ("bandwidth", bandwidth),
    ):
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name}: must be positive and finite, got {v!r}")
    return Roofline(float(flops), float(nbytes), flops / peak_flops, nbytes / bandwidth)
