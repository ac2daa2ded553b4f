"""What parallelism the machine offers *now*, and speed-up checks that respect it.

A speed-up measured on a shared machine says as much about the other programs as about
the algorithm. Before a notebook asserts "two threads are faster than one" it should know
that two cores were free. :func:`parallel_capacity` measures that directly: ``workers``
threads each run the same amount of independent compiled work (:func:`~.overhead.spin`,
which releases the GIL), and the ratio of the serial to the parallel wall time is the
speed-up the machine delivers to perfectly parallel work at this moment (ideal:
``workers``). This is the empirical counterpart of Amdahl's law with serial fraction 0
(Amdahl 1967; Gustafson 1988).

:func:`check_speedup` is the assertion the lectures use: it passes when the measured
speed-up reaches its bound; when it does not, it asks the machine. On a machine that
cannot deliver the parallelism (busy, or fewer cores than ``workers``) it prints that the
claim was not checked and returns ``False``; on a machine that can, it measures again
(when given a way to) and only then fails.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from .overhead import spin

__all__ = ["parallel_capacity", "offers_parallelism", "check_timing", "check_speedup"]


def _check_workers(workers: int) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"workers must be an int, got {type(workers).__name__}")
    if workers < 1:
        raise ValueError(f"workers must be positive, got {workers}")


def _calibrate(seconds: float) -> int:
    """Number of :func:`spin` steps that take about ``seconds`` on one core."""
    n = 10_000
    spin(n)  # compile (or load from the cache)
    while True:
        t0 = time.perf_counter()
        spin(n)
        dt = time.perf_counter() - t0
        if dt > seconds / 4 or n > 10**10:
            return max(int(n * seconds / max(dt, 1e-9)), 1)
        n *= 4


def parallel_capacity(workers: int = 2, *, seconds: float = 0.03, rounds: int = 7) -> float:
    r"""Speed-up that ``workers`` threads get right now on independent compiled work.

    Each round times ``workers`` work units of about ``seconds`` each, once one after the
    other on one thread and once concurrently on ``workers`` threads; the result is the
    median over ``rounds`` rounds of :math:`S = t_\text{serial} / t_\text{parallel}`. (The
    median, not the best round: a competing program that the scheduler happens to pause
    for one short round must not make a busy machine look idle.) On an idle machine with
    at least ``workers`` cores :math:`S \approx` ``workers``; a busy machine gives less.

    Parameters
    ----------
    workers
        Number of threads (positive int).
    seconds
        Length of one work unit (positive).
    rounds
        Number of rounds (positive int).

    Returns
    -------
    float
        The measured speed-up, between about 1 (no parallelism offered) and ``workers``.
    """
    _check_workers(workers)
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be a positive int, got {rounds!r}")
    n = _calibrate(seconds)
    ratios = []
    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(spin, [1000] * workers))  # start the threads
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(workers):
                spin(n)
            t_serial = time.perf_counter() - t0
            t0 = time.perf_counter()
            list(ex.map(spin, [n] * workers))
            ratios.append(t_serial / (time.perf_counter() - t0))
    return float(statistics.median(ratios))


def _offer(workers: int, quiet_fraction: float) -> tuple[bool, float, int]:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    capacity = parallel_capacity(workers) if cpus >= workers else 1.0
    return capacity >= quiet_fraction * workers, capacity, cpus


def offers_parallelism(workers: int = 2, *, quiet_fraction: float = 0.8) -> bool:
    """Whether the machine now gives ``workers`` workers at least ``quiet_fraction * workers``.

    ``False`` when it has fewer CPUs than ``workers`` (affinity mask) or when
    :func:`parallel_capacity` falls short (other programs are running). Claims that need
    the workers to run at the same time (a data race showing up, contention on a cache
    line) are asserted only when this is ``True``.
    """
    _check_workers(workers)
    offered, capacity, cpus = _offer(workers, quiet_fraction)
    if not offered:
        print(f"note: this machine now gives {capacity:.2f}x to perfectly parallel work on "
              f"{workers} workers ({cpus} CPUs): it is busy or too small.")
    return offered


def check_timing(
    holds: bool,
    what: str,
    *,
    workers: int = 2,
    recheck: Callable[[], bool] | None = None,
    quiet_fraction: float = 0.8,
) -> bool:
    """Assert a timing claim that needs ``workers`` free cores; on a busy machine, say so.

    ``holds`` is the claim evaluated on the measurement (e.g. "processes are slower than
    ``prange`` here"). When it is false the machine is asked (:func:`offers_parallelism`):
    busy or too small, a note is printed and ``False`` returned; idle, ``recheck`` (a fresh
    measurement of the claim) is tried once when given, and otherwise an
    ``AssertionError`` naming ``what`` is raised.
    """
    _check_workers(workers)
    if holds:
        return True
    offered, capacity, cpus = _offer(workers, quiet_fraction)
    if not offered:
        print(f"note: not checked here: {what}. This machine now gives only {capacity:.2f}x to "
              f"perfectly parallel work on {workers} workers ({cpus} CPUs): it is busy or too "
              "small, and its timings measure the contention.")
        return False
    if recheck is not None and recheck():
        print(f"note: {what}: false at first, true when measured again (the first run was "
              "disturbed).")
        return True
    raise AssertionError(f"{what}: does not hold, although the machine offers {capacity:.2f}x "
                         f"on {workers} workers")


def check_speedup(
    speedup: float,
    at_least: float,
    *,
    workers: int = 2,
    what: str = "speed-up",
    remeasure: Callable[[], float] | None = None,
    quiet_fraction: float = 0.8,
) -> bool:
    """Assert ``speedup >= at_least`` where the machine offers the parallelism; else say so.

    Parameters
    ----------
    speedup
        The measured speed-up.
    at_least
        The bound the text claims.
    workers
        Threads (or processes) the measurement used.
    what
        Words for the messages, e.g. ``"prange sweep speed-up"``.
    remeasure
        Optional callable returning a fresh measurement of the speed-up; used once when
        the first falls short on a machine that offers the parallelism.
    quiet_fraction
        The machine counts as offering the parallelism when :func:`parallel_capacity`
        reaches ``quiet_fraction * workers`` (and has that many CPUs).

    Returns
    -------
    bool
        ``True`` when the bound was checked and holds; ``False`` when the machine could not
        offer the parallelism, so the claim was not checked (a note is printed).

    Raises
    ------
    AssertionError
        The machine offers the parallelism and the speed-up (measured again when
        ``remeasure`` is given) is still below ``at_least``.
    """
    measured = [float(speedup)]

    def recheck() -> bool:
        measured.append(float(remeasure()))  # type: ignore[misc]
        return measured[-1] >= at_least

    claim = f"{what} of at least {at_least}x (measured {speedup:.2f}x)"
    try:
        return check_timing(measured[0] >= at_least, claim, workers=workers,
                            recheck=recheck if remeasure is not None else None,
                            quiet_fraction=quiet_fraction)
    except AssertionError as exc:
        again = f", then {measured[-1]:.2f}x" if len(measured) > 1 else ""
        raise AssertionError(f"{exc}{again}") from None
