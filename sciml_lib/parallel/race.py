r"""A real data race in compiled threaded code, and its fixes.

Every function below builds the same histogram: it counts, with Numba
``prange`` threads, how often each bin index occurs in an integer array ``b``
(``counts[b[i]] += 1``). With one bin this is the shared counter ``acc += 1``
of the lecture. Integer addition is associative, so every correct parallel
version returns *exactly* the serial counts, whatever the order of the updates.

* :func:`count_racy` lets all threads update the shared array directly. The
  update is a read-modify-write (load, add, store); when two threads interleave
  those steps, one store overwrites the other and an update is lost. This is a
  *data race*: the result is wrong and varies from run to run.
* :func:`count_reduction` gives every chunk a private histogram that Numba
  combines with a ``+=`` reduction at the end of the parallel loop.
* :func:`count_per_worker` does the same by hand: one row of counts per
  *chunk* (never per thread id), summed serially afterwards.
* :func:`count_atomic` makes each update one indivisible hardware
  ``atomicrmw add`` :cite:p:`herlihy2012art`.
* :func:`count_locked` protects the shared counts with a spin lock built from
  an atomic compare-and-swap.

The atomics are exposed as Numba intrinsics (:func:`atomic_add`,
:func:`atomic_cas`, :func:`atomic_store`) that emit LLVM atomic instructions;
Numba has no CPU atomics of its own.

The second race, :func:`run_scratch_tasks`, is the one of the lecture's
parameter sweep: tasks on a thread pool that share one scratch buffer read
another task's data.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "atomic_add",
    "atomic_cas",
    "atomic_store",
    "count_serial",
    "count_racy",
    "count_reduction",
    "count_per_worker",
    "count_atomic",
    "count_locked",
    "race_trials",
    "lost_updates",
    "scratch_task",
    "run_scratch_tasks",
]


def _item_ptr(context, builder, aryty, ary, idx):
    arr = context.make_array(aryty)(context, builder, ary)
    return cgutils.get_item_pointer(context, builder, aryty, arr, [idx], wraparound=False)


def _rmw_codegen(op: str):
    """Code generator of an LLVM ``atomicrmw <op>`` on ``ary[idx]`` (returns the old value)."""

    def codegen(context, builder, signature, args):
        a, i, v = args
        v = context.cast(builder, v, signature.args[2], types.int64)
        ptr = _item_ptr(context, builder, signature.args[0], a, i)
        return builder.atomic_rmw(op, ptr, v, "seq_cst")

    return codegen


def _is_int64_array_and_index(ary, idx) -> bool:
    return isinstance(ary, types.Array) and ary.dtype == types.int64 and isinstance(idx, types.Integer)


@intrinsic
def atomic_add(typingctx, ary, idx, val):
    """``ary[idx] += val`` as one atomic operation (int64 arrays); returns the old value."""
    if not _is_int64_array_and_index(ary, idx):
        return None
    return types.int64(ary, idx, types.int64), _rmw_codegen("add")


@intrinsic
def atomic_store(typingctx, ary, idx, val):
    """Atomically set ``ary[idx] = val`` (int64 arrays); returns the old value."""
    if not _is_int64_array_and_index(ary, idx):
        return None
    return types.int64(ary, idx, types.int64), _rmw_codegen("xchg")


@intrinsic
def atomic_cas(typingctx, ary, idx, expected, new):
    """If ``ary[idx] == expected`` set it to ``new``, atomically; returns the old value (int64 arrays)."""
    if not _is_int64_array_and_index(ary, idx):
        return None
    sig = types.int64(ary, idx, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        a, i, e, n = args
        ptr = _item_ptr(context, builder, signature.args[0], a, i)
        res = builder.cmpxchg(ptr, e, n, "seq_cst", "seq_cst")
        return builder.extract_value(res, 0)

    return sig, codegen


_ = ir  # llvmlite is the code generator behind the intrinsics

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
_sched_yield = _libc.sched_yield
_sched_yield.restype = ctypes.c_int
_sched_yield.argtypes = []


@njit(cache=True)
def count_serial(b, nbins):  # pragma: no cover - compiled
    """Reference: the counts of each bin index ``0 <= b[i] < nbins`` in one thread."""
    acc = np.zeros(nbins, dtype=np.int64)
    for i in range(b.shape[0]):
        acc[b[i]] += 1
    return acc


@njit(cache=True, parallel=True)
def count_racy(b, nbins):  # pragma: no cover - compiled
    """UNSAFE: all threads do ``acc[b[i]] += 1`` on one shared array (a data race)."""
    acc = np.zeros(nbins, dtype=np.int64)
    for i in prange(b.shape[0]):
        acc[b[i]] += 1
    return acc


@njit(cache=True, parallel=True)
def count_reduction(b, nbins, chunks=2):  # pragma: no cover - compiled
    """Fix 1: a private histogram per chunk, combined by a ``prange`` ``+=`` reduction."""
    n = b.shape[0]
    acc = np.zeros(nbins, dtype=np.int64)
    for c in prange(chunks):
        local = np.zeros(nbins, dtype=np.int64)
        for i in range(c * n // chunks, (c + 1) * n // chunks):
            local[b[i]] += 1
        acc += local
    return acc


@njit(cache=True, parallel=True)
def count_per_worker(b, nbins, chunks=2):  # pragma: no cover - compiled
    """Fix 2: one row of counts per chunk (a per-task buffer), summed serially afterwards.

    The rows are padded by 16 slots (128 bytes) so that two chunks never write
    into the same cache line (which would make the cores fight over it: *false
    sharing*).
    """
    n = b.shape[0]
    part = np.zeros((chunks, nbins + 16), dtype=np.int64)
    for c in prange(chunks):
        for i in range(c * n // chunks, (c + 1) * n // chunks):
            part[c, b[i]] += 1
    acc = np.zeros(nbins, dtype=np.int64)
    for c in range(chunks):
        for k in range(nbins):
            acc[k] += part[c, k]
    return acc


@njit(cache=True, parallel=True)
def count_atomic(b, nbins):  # pragma: no cover - compiled
    """Fix 3: every update of the shared counts is one atomic read-modify-write."""
    acc = np.zeros(nbins, dtype=np.int64)
    for i in prange(b.shape[0]):
        atomic_add(acc, b[i], 1)
    return acc


@njit(parallel=True)
def count_locked(b, nbins):  # pragma: no cover - compiled
    """Fix 4: a spin lock (compare-and-swap on a lock word) around each update.

    After 100 failed attempts a waiting thread yields its core (``sched_yield``),
    so that a lock holder descheduled by the operating system can run again
    instead of being starved by the spinning thread.
    """
    acc = np.zeros(nbins, dtype=np.int64)
    lock = np.zeros(1, dtype=np.int64)
    for i in prange(b.shape[0]):
        tries = 0
        while atomic_cas(lock, 0, 0, 1) != 0:
            tries += 1
            if tries >= 100:
                _sched_yield()
                tries = 0
        acc[b[i]] += 1
        atomic_store(lock, 0, 0)
    return acc


def _check_bins(b: np.ndarray, nbins: int) -> np.ndarray:
    b = np.ascontiguousarray(b)
    if b.ndim != 1 or b.dtype.kind not in "iu":
        raise ValueError("b must be a 1-D integer array")
    if nbins < 1:
        raise ValueError(f"nbins must be positive, got {nbins}")
    if b.size and (b.min() < 0 or b.max() >= nbins):
        raise ValueError("b must hold bin indices in [0, nbins)")
    return b.astype(np.int64, copy=False)


def lost_updates(b: np.ndarray, nbins: int = 1) -> int:
    """Number of updates one run of :func:`count_racy` loses (0 when no race struck)."""
    b = _check_bins(b, nbins)
    return int(b.size - count_racy(b, nbins).sum())


def race_trials(b: np.ndarray, nbins: int = 1, trials: int = 10) -> np.ndarray:
    """Lost updates in each of ``trials`` runs of :func:`count_racy`."""
    if trials < 1:
        raise ValueError(f"trials must be positive, got {trials}")
    b = _check_bins(b, nbins)
    return np.array([b.size - count_racy(b, nbins).sum() for _ in range(trials)], dtype=np.int64)


@njit(cache=True, nogil=True)
def _sum_squares(v):  # pragma: no cover - compiled
    s = 0.0
    for i in range(v.shape[0]):
        s += v[i] * v[i]
    return s


def scratch_task(p: np.ndarray, scratch: np.ndarray, pause: float = 1e-3) -> float:
    """Copy ``p`` into ``scratch``, pause, then return the sum of squares of ``scratch``.

    The pause stands for anything that lets another thread run between the
    write and the read (I/O, a GIL switch, preemption). Correct only if nobody
    else writes into ``scratch`` in between.
    """
    scratch[:] = p
    if pause > 0:
        time.sleep(pause)
    return float(_sum_squares(scratch))


def run_scratch_tasks(params: np.ndarray, executor: Any, shared: bool, pause: float = 1e-3) -> np.ndarray:
    """Run :func:`scratch_task` on every row of ``params`` in ``executor``.

    ``shared=True`` gives every task the *same* scratch buffer (a race when the
    executor runs tasks concurrently); ``shared=False`` gives each task its own.
    Serially (``executor=None``) both are correct.
    """
    params = np.atleast_2d(np.asarray(params, dtype=np.float64))
    common = np.empty(params.shape[1])
    bufs = [common if shared else np.empty(params.shape[1]) for _ in range(params.shape[0])]
    if executor is None:
        return np.array([scratch_task(p, s, pause) for p, s in zip(params, bufs)])
    futs = [executor.submit(scratch_task, p, s, pause) for p, s in zip(params, bufs)]
    return np.array([f.result() for f in futs])
