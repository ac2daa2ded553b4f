"""Process and thread pools that are safe to use from a notebook.

A process pool started with the ``"fork"`` method copies the parent's threads
and locks (unsafe once Numba's or BLAS's thread pools are running), so the pools
here use ``"forkserver"`` (the default) or ``"spawn"``. Both start workers from a
fresh interpreter, which therefore can only run functions that are *importable*
(defined in a module such as :mod:`sciml_lib`, not in a notebook cell).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

__all__ = ["process_pool", "thread_pool", "default_workers", "warm_up_pool", "worker_pid"]


def default_workers() -> int:
    """Number of CPU cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    return workers


def process_pool(workers: int | None = None, context: str = "forkserver") -> ProcessPoolExecutor:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` with a notebook-safe start method.

    Parameters
    ----------
    workers : int, optional
        Number of worker processes (default: the number of usable cores).
    context : {"forkserver", "spawn"}
        Start method. ``"fork"`` is refused (unsafe with running thread pools).
    """
    if context not in ("forkserver", "spawn"):
        raise ValueError(f"context must be 'forkserver' or 'spawn', got {context!r}")
    return ProcessPoolExecutor(max_workers=_check_workers(workers), mp_context=mp.get_context(context))


def thread_pool(workers: int | None = None) -> ThreadPoolExecutor:
    """A :class:`~concurrent.futures.ThreadPoolExecutor` with ``workers`` threads."""
    return ThreadPoolExecutor(max_workers=_check_workers(workers))


def worker_pid(delay: float = 0.0) -> int:
    """Sleep ``delay`` seconds, then return the id of the process that runs it.

    Used to start and identify pool workers: a pool with the ``"forkserver"`` or
    ``"spawn"`` method starts a new worker only when no idle one is free, so the
    warm-up tasks must last long enough to keep the first workers busy.
    """
    if delay > 0:
        time.sleep(delay)
    return os.getpid()


def warm_up_pool(executor: Executor, n_tasks: int | None = None) -> set[int]:
    """Start every worker of ``executor`` (so that start-up is not timed later).

    Submits ``n_tasks`` trivial tasks (default: 4 per worker) and returns the set
    of process ids that ran them.
    """
    k = n_tasks if n_tasks is not None else 4 * getattr(executor, "_max_workers", 1)
    return set(executor.map(worker_pid, [0.05] * k))
