"""Task overheads and scheduling: when does parallelism start to pay?

A parallel task costs a fixed overhead (hand the task to a worker, wake it up,
and for a process pool: pickle the arguments, send them through a pipe, unpickle,
and the same for the result) on top of its work. With :math:`t_o` overhead and
:math:`t_w` work per task on :math:`N` workers, the speed-up over serial is at
most :math:`N\\,t_w/(t_w+N t_o)` for a stream of tasks dispatched one by one,
so tasks must be long compared with :math:`t_o`.

The functions here measure :math:`t_o` for a given executor
(:func:`task_overhead`), the speed-up against task size
(:func:`speedup_vs_task_size`) and compare static and dynamic scheduling on
uneven work (:func:`run_static`, :func:`run_dynamic`).
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from typing import Any, Callable, Sequence

import numpy as np
from numba import njit

from .sweep import chunk_bounds

__all__ = [
    "noop",
    "spin",
    "sleep_task",
    "run_tasks",
    "task_overhead",
    "speedup_vs_task_size",
    "run_static",
    "run_dynamic",
    "static_makespan",
]


def noop(x: Any = None) -> Any:
    """A task that does nothing (returns its argument): its run time is pure overhead."""
    return x


@njit(cache=True, nogil=True)
def spin(n):  # pragma: no cover - compiled
    """About ``n`` dependent floating-point steps of work (releases the GIL); returns a float."""
    x = 0.25
    for _ in range(n):
        x = 3.9 * x * (1.0 - x)
    return x


def sleep_task(seconds: float) -> float:
    """Sleep ``seconds`` (releases the GIL, uses no CPU) and return it."""
    time.sleep(seconds)
    return seconds


def run_tasks(executor: Executor | None, fn: Callable[[Any], Any], items: Sequence[Any]) -> float:
    """Seconds to run ``fn`` on every item, one task per item (serially when ``executor`` is None)."""
    t0 = time.perf_counter()
    if executor is None:
        for it in items:
            fn(it)
    else:
        futs = [executor.submit(fn, it) for it in items]
        for f in futs:
            f.result()
    return time.perf_counter() - t0


def task_overhead(executor: Executor, n_tasks: int = 200, repeat: int = 3) -> float:
    """Seconds of overhead per task: wall time of ``n_tasks`` :func:`noop` tasks / ``n_tasks``.

    The best of ``repeat`` runs is returned (noise only adds time).
    """
    if n_tasks < 1 or repeat < 1:
        raise ValueError("n_tasks and repeat must be positive")
    return min(run_tasks(executor, noop, range(n_tasks)) for _ in range(repeat)) / n_tasks


def speedup_vs_task_size(
    executors: dict[str, Executor], sizes: Sequence[int], n_tasks: int = 32, repeat: int = 3
) -> dict[str, np.ndarray]:
    """Speed-up over serial of ``n_tasks`` :func:`spin` tasks of each size, per executor.

    Returns ``{"task_seconds": serial seconds per task, name: speed-ups, ...}``.
    """
    if n_tasks < 1 or repeat < 1:
        raise ValueError("n_tasks and repeat must be positive")
    spin(10)
    out: dict[str, list[float]] = {"task_seconds": []}
    for name in executors:
        out[name] = []
    for n in sizes:
        items = [int(n)] * n_tasks
        ts = min(run_tasks(None, spin, items) for _ in range(repeat))
        out["task_seconds"].append(ts / n_tasks)
        for name, ex in executors.items():
            tp = min(run_tasks(ex, spin, items) for _ in range(repeat))
            out[name].append(ts / tp)
    return {k: np.asarray(v) for k, v in out.items()}


def _run_chunk(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [fn(it) for it in items]


def run_static(executor: Executor, fn: Callable[[Any], Any], items: Sequence[Any], workers: int) -> tuple[float, list[Any]]:
    """Static schedule: one contiguous chunk of ``items`` per worker, decided up front.

    Returns ``(seconds, results)``; the results are in the order of ``items``.
    """
    items = list(items)
    t0 = time.perf_counter()
    futs = [executor.submit(_run_chunk, fn, items[lo:hi]) for lo, hi in chunk_bounds(len(items), workers)]
    res = [r for f in futs for r in f.result()]
    return time.perf_counter() - t0, res


def run_dynamic(executor: Executor, fn: Callable[[Any], Any], items: Sequence[Any]) -> tuple[float, list[Any]]:
    """Dynamic schedule: one task per item; an idle worker takes the next one.

    Returns ``(seconds, results)`` in the order of ``items``.
    """
    t0 = time.perf_counter()
    futs = [executor.submit(fn, it) for it in items]
    res = [f.result() for f in futs]
    return time.perf_counter() - t0, res


def static_makespan(durations: Sequence[float], workers: int) -> float:
    """Predicted run time of :func:`run_static`: the largest chunk sum of ``durations``."""
    d = list(durations)
    return max(sum(d[lo:hi]) for lo, hi in chunk_bounds(len(d), workers))
