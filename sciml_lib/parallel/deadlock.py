"""A deadlock that is detected instead of hanging (Lecture 6).

Two threads need the same two locks. If thread A takes lock 1 and then lock 2
while thread B takes lock 2 and then lock 1, each can end up holding one lock
and waiting forever for the other: the circular wait of a *deadlock*
:cite:p:`herlihy2012art`. The cure is a global lock order (both threads take
lock 1 first), which makes a cycle of waits impossible.

:func:`two_lock_demo` runs both versions safely. Every ``acquire`` has a
timeout, so a deadlock shows up as failed acquisitions (and is reported) rather
than a hung program. In the opposite-order run a barrier makes sure that both
threads hold their first lock before they ask for the second one, so the
deadlock happens on every run, on an idle machine as on a busy one, and a
second barrier keeps both locks held until both threads have given up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

__all__ = ["LockInterval", "DeadlockReport", "two_lock_demo"]


@dataclass(frozen=True)
class LockInterval:
    """One interval of a thread's life in the demo.

    Parameters
    ----------
    thread : str
        ``"A"`` or ``"B"``.
    kind : str
        ``"hold"`` (the thread owns ``lock``) or ``"wait"`` (it asked for ``lock``).
    lock : str
        ``"lock 1"`` or ``"lock 2"``.
    start, end : float
        Seconds since the start of the demo.
    ok : bool
        For a wait: whether the lock was obtained (``False``: timed out).
    """

    thread: str
    kind: str
    lock: str
    start: float
    end: float
    ok: bool = True


@dataclass(frozen=True)
class DeadlockReport:
    """Outcome of :func:`two_lock_demo`.

    Parameters
    ----------
    opposite_order : bool
        Whether thread B took the locks in the opposite order.
    deadlocked : bool
        ``True`` when at least one thread gave up waiting for a lock.
    completed : dict
        Thread name -> whether it obtained both locks and did its work.
    intervals : list of LockInterval
        The holds and waits, for a timeline.
    elapsed : float
        Wall time of the demo in seconds.
    """

    opposite_order: bool
    deadlocked: bool
    completed: dict[str, bool]
    intervals: list[LockInterval] = field(default_factory=list)
    elapsed: float = 0.0

    def describe(self) -> str:
        """One line saying what happened."""
        order = "opposite orders" if self.opposite_order else "the same order"
        if self.deadlocked:
            gave_up = sorted(k for k, v in self.completed.items() if not v)
            return (f"locks taken in {order}: DEADLOCK detected, thread(s) {', '.join(gave_up)} "
                    f"timed out waiting ({self.elapsed:.3f} s)")
        return f"locks taken in {order}: both threads finished ({self.elapsed:.3f} s)"


def two_lock_demo(opposite_order: bool = True, timeout: float = 0.2,
                  hold: float = 0.02) -> DeadlockReport:
    """Run two threads that each need two locks; report whether they deadlock.

    Thread A takes lock 1, then lock 2. Thread B takes lock 2, then lock 1 when
    ``opposite_order`` (a circular wait: a deadlock, detected by the timeouts),
    or lock 1, then lock 2 otherwise (a global order: no deadlock). Each thread
    holds its first lock for ``hold`` seconds before asking for the second.

    Parameters
    ----------
    opposite_order : bool
        Whether B takes the locks in the opposite order to A.
    timeout : float
        Seconds each ``acquire`` waits before giving up (positive). Make it
        several times ``hold`` so that the ordered run never times out.
    hold : float
        Seconds a thread holds its first lock before asking for the second
        (non-negative).

    Returns
    -------
    DeadlockReport
        Never hangs: every wait is bounded by ``timeout``.
    """
    if isinstance(opposite_order, bool) is False:
        raise TypeError(f"opposite_order must be a bool, got {type(opposite_order).__name__}")
    for name, val, lo in (("timeout", timeout, 0.0), ("hold", hold, 0.0)):
        if isinstance(val, bool) or not isinstance(val, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(val).__name__}")
        if not (val > lo if name == "timeout" else val >= lo) or val != val:
            raise ValueError(f"{name} must be {'positive' if name == 'timeout' else '>= 0'}, "
                             f"got {val!r}")
    locks = {"lock 1": threading.Lock(), "lock 2": threading.Lock()}
    plan = {"A": ("lock 1", "lock 2"),
            "B": ("lock 2", "lock 1") if opposite_order else ("lock 1", "lock 2")}
    # opposite order: both hold their first lock before asking for the second (barrier 1),
    # and nobody releases before both have tried (barrier 2): the deadlock happens every run
    barriers = [threading.Barrier(2), threading.Barrier(2)] if opposite_order else None
    intervals: list[LockInterval] = []
    completed = {"A": False, "B": False}
    record = threading.Lock()
    t0 = time.perf_counter()

    def now() -> float:
        return time.perf_counter() - t0

    def add(iv: LockInterval) -> None:
        with record:
            intervals.append(iv)

    def worker(name: str) -> None:
        first, second = plan[name]
        held: dict[str, float] = {}
        try:
            w0 = now()
            ok1 = locks[first].acquire(timeout=timeout)
            add(LockInterval(name, "wait", first, w0, now(), ok1))
            if not ok1:
                return
            held[first] = now()
            if barriers:
                barriers[0].wait(timeout=10 * timeout + 1)
            time.sleep(hold)
            w1 = now()
            ok2 = locks[second].acquire(timeout=timeout)
            add(LockInterval(name, "wait", second, w1, now(), ok2))
            if ok2:
                held[second] = now()
                time.sleep(hold)  # the work that needs both locks
                completed[name] = True
            if barriers:
                barriers[1].wait(timeout=10 * timeout + 1)
        except threading.BrokenBarrierError:  # pragma: no cover - only if a thread died
            pass
        finally:
            for lk in (second, first):
                if lk in held:
                    add(LockInterval(name, "hold", lk, held[lk], now()))
                    locks[lk].release()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in ("A", "B")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=20 * timeout + 10 * hold + 5)
    elapsed = now()
    intervals.sort(key=lambda iv: (iv.thread, iv.start))
    return DeadlockReport(opposite_order, not all(completed.values()), dict(completed),
                          intervals, elapsed)
