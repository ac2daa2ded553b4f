r"""Ping-pong: latency and bandwidth of a message, and the model :math:`T(n) = \alpha + n/\beta`.

Rank 0 sends :math:`n` bytes to rank 1, which sends them back; half the round
trip is the one-way time :math:`T(n)`. The latency-bandwidth (Hockney) model
:cite:p:`hockney1994communication` writes :math:`T(n) = \alpha + n/\beta` with
the latency :math:`\alpha` (the intercept) and the asymptotic bandwidth
:math:`\beta`; the effective bandwidth of one message is :math:`B(n) = n/T(n)`.

:func:`mpi_pingpong` runs inside an MPI program (buffer API ``Send``/``Recv``
on NumPy arrays, or the pickle API ``send``/``recv`` on ``bytes``);
:func:`pipe_pingpong` and :func:`shm_pingpong` measure the same exchange
between two local processes through a :class:`multiprocessing.Pipe` and through
a shared-memory array, for contrast. Each repetition is timed separately and
the median (robust to the scheduler's outliers on a busy machine) and the
minimum are reported.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any

import numpy as np

__all__ = [
    "message_sizes",
    "repetitions",
    "mpi_pingpong",
    "pipe_pingpong",
    "shm_pingpong",
    "fit_latency_bandwidth",
    "summarize",
]


def message_sizes(min_exp: int = 1, max_exp: int = 25) -> list[int]:
    """Message sizes :math:`2^k` bytes for ``k = min_exp .. max_exp``."""
    if not isinstance(min_exp, int) or not isinstance(max_exp, int) or not 0 <= min_exp <= max_exp:
        raise ValueError(
            f"min_exp, max_exp: need 0 <= min_exp <= max_exp, got {min_exp}, {max_exp}"
        )
    if max_exp > 30:
        raise ValueError(f"max_exp: at most 30 (1 GiB), got {max_exp}")
    return [2**k for k in range(min_exp, max_exp + 1)]


def repetitions(nbytes: int, budget_bytes: float = 5e7, lo: int = 10, hi: int = 300) -> int:
    """Repetitions for ``nbytes``: ``budget_bytes / nbytes`` clipped to ``[lo, hi]``."""
    return int(min(hi, max(lo, budget_bytes // max(nbytes, 1))))


def summarize(nbytes: list[int], samples: list[np.ndarray]) -> dict[str, list[float]]:
    """Per size: median, mean, minimum one-way times (s), bandwidth ``n / median`` (B/s)."""
    med = [float(np.median(s)) for s in samples]
    return {
        "nbytes": [int(n) for n in nbytes],
        "reps": [int(len(s)) for s in samples],
        "median_s": med,
        "mean_s": [float(np.mean(s)) for s in samples],
        "min_s": [float(np.min(s)) for s in samples],
        "bandwidth_Bps": [n / t for n, t in zip(nbytes, med)],
    }


def mpi_pingpong(comm: Any, sizes: list[int], api: str = "buffer", scale: float = 1.0,
                 warmup: int = 3) -> dict[str, list[float]] | None:
    """Ping-pong between ranks 0 and 1 of ``comm`` (other ranks idle).

    Parameters
    ----------
    comm : mpi4py.MPI.Comm
        A communicator with at least 2 ranks.
    sizes : list of int
        Message sizes in bytes.
    api : {"buffer", "pickle"}
        ``Send``/``Recv`` of a NumPy byte array, or ``send``/``recv`` of a
        ``bytes`` object (pickled).
    scale : float
        Multiplies the number of repetitions from :func:`repetitions`.
    warmup : int
        Untimed round trips per size.

    Returns
    -------
    dict or None
        On rank 0 the :func:`summarize` table of one-way times; ``None`` elsewhere.
    """
    if api not in ("buffer", "pickle"):
        raise ValueError(f"api: expected 'buffer' or 'pickle', got {api!r}")
    if comm.Get_size() < 2:
        raise ValueError("comm: ping-pong needs at least 2 ranks")
    from mpi4py import MPI

    rank = comm.Get_rank()
    samples = []
    for n in sizes:
        reps = max(1, int(repetitions(n) * scale))
        if api == "buffer":
            buf = np.zeros(n, dtype=np.uint8)
        else:
            buf = np.zeros(n, dtype=np.uint8)  # a NumPy array, pickled by send/recv
        t = np.empty(reps)
        comm.Barrier()
        for k in range(-warmup, reps):
            if rank == 0:
                t0 = MPI.Wtime()
                if api == "buffer":
                    comm.Send(buf, dest=1, tag=k & 0x7FFF)
                    comm.Recv(buf, source=1, tag=k & 0x7FFF)
                else:
                    comm.send(buf, dest=1, tag=k & 0x7FFF)
                    buf = comm.recv(source=1, tag=k & 0x7FFF)
                if k >= 0:
                    t[k] = (MPI.Wtime() - t0) / 2
            elif rank == 1:
                if api == "buffer":
                    comm.Recv(buf, source=0, tag=k & 0x7FFF)
                    comm.Send(buf, dest=0, tag=k & 0x7FFF)
                else:
                    buf = comm.recv(source=0, tag=k & 0x7FFF)
                    comm.send(buf, dest=0, tag=k & 0x7FFF)
        samples.append(t)
    return summarize(sizes, samples) if rank == 0 else None


# --------------------------------------------------------------------------- local processes
def _ctx() -> Any:
    return mp.get_context("spawn")  # notebook-safe, no fork of a threaded kernel


def _pipe_echo(conn: Any, max_bytes: int) -> None:
    buf = bytearray(max_bytes)
    while True:
        n = conn.recv_bytes_into(buf)
        if n == 0:
            break
        conn.send_bytes(buf, 0, n)


def pipe_pingpong(sizes: list[int], scale: float = 1.0, warmup: int = 3) -> dict[str, list[float]]:
    """Ping-pong through a :class:`multiprocessing.Pipe` with a spawned echo process.

    ``send_bytes``/``recv_bytes_into`` on pre-allocated buffers (no pickling),
    so this is the cheapest use of a pipe. Returns the :func:`summarize` table.
    """
    ctx = _ctx()
    a, b = ctx.Pipe()
    proc = ctx.Process(target=_pipe_echo, args=(b, max(sizes)), daemon=True)
    proc.start()
    try:
        samples = []
        buf = bytearray(max(sizes))
        for n in sizes:
            reps = max(1, int(repetitions(n) * scale))
            t = np.empty(reps)
            msg = bytes(n)
            for k in range(-warmup, reps):
                t0 = time.perf_counter()
                a.send_bytes(msg)
                a.recv_bytes_into(buf)
                if k >= 0:
                    t[k] = (time.perf_counter() - t0) / 2
            samples.append(t)
        a.send_bytes(b"")
        proc.join(10)
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()
        a.close()
        b.close()
    return summarize(sizes, samples)


def _shm_echo(name: str, max_bytes: int) -> None:
    from multiprocessing import shared_memory

    shm = shared_memory.SharedMemory(name=name)
    try:
        flag = np.ndarray(2, dtype=np.int64, buffer=shm.buf)  # [sequence number, size]
        data = np.ndarray(max_bytes, dtype=np.uint8, buffer=shm.buf, offset=16)
        local = np.empty(max_bytes, dtype=np.uint8)
        seq = 0
        while True:
            while flag[0] == seq:  # spin until the ping arrives
                pass
            seq = int(flag[0])
            if seq < 0:
                break
            n = int(flag[1])
            local[:n] = data[:n]  # receive: copy out of shared memory
            data[:n] = local[:n]  # reply: copy back in
            seq += 1
            flag[0] = seq
        del flag, data
    finally:
        shm.close()


def shm_pingpong(sizes: list[int], scale: float = 1.0, warmup: int = 3) -> dict[str, list[float]]:
    """Ping-pong through a shared-memory array: copy in, flip a flag, copy out, and back.

    Both processes spin on a sequence number in the shared block (no system
    call); a "message" is a ``memcpy`` into and out of the shared array.
    Returns the :func:`summarize` table.
    """
    from multiprocessing import shared_memory

    nmax = max(sizes)
    shm = shared_memory.SharedMemory(create=True, size=nmax + 16)
    flag = np.ndarray(2, dtype=np.int64, buffer=shm.buf)
    data = np.ndarray(nmax, dtype=np.uint8, buffer=shm.buf, offset=16)
    flag[:] = 0
    proc = _ctx().Process(target=_shm_echo, args=(shm.name, nmax), daemon=True)
    proc.start()
    try:
        samples = []
        msg = np.ones(nmax, dtype=np.uint8)
        back = np.empty(nmax, dtype=np.uint8)
        seq = 0
        for n in sizes:
            reps = max(1, int(repetitions(n) * scale))
            t = np.empty(reps)
            for k in range(-warmup, reps):
                t0 = time.perf_counter()
                data[:n] = msg[:n]
                flag[1] = n
                seq += 1
                flag[0] = seq
                seq += 1
                while flag[0] != seq:
                    if not proc.is_alive():
                        raise RuntimeError("shm_pingpong: the echo process died")
                back[:n] = data[:n]
                if k >= 0:
                    t[k] = (time.perf_counter() - t0) / 2
            samples.append(t)
        flag[0] = -1
        proc.join(10)
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()
        del flag, data
        shm.close()
        shm.unlink()
    return summarize(sizes, samples)


def fit_latency_bandwidth(nbytes: Any, seconds: Any) -> tuple[float, float]:
    r"""Fit :math:`T(n) = \alpha + n/\beta` to measured one-way times; returns ``(alpha, beta)``.

    Least squares on the *relative* residuals :math:`(\alpha + n/\beta - T)/T`,
    so that the microsecond times of small messages weigh as much as the
    milliseconds of large ones, with :math:`\alpha, 1/\beta \ge 0` (SciPy's
    ``nnls``). ``alpha`` is in seconds and ``beta`` in bytes per second.
    """
    from scipy.optimize import nnls

    n = np.asarray(nbytes, dtype=float)
    t = np.asarray(seconds, dtype=float)
    if n.ndim != 1 or n.shape != t.shape or n.size < 2:
        raise ValueError("nbytes, seconds: need two 1-D arrays of the same length >= 2")
    if np.any(t <= 0) or not np.all(np.isfinite(t)) or np.any(n < 0):
        raise ValueError("seconds: must be positive and finite; nbytes: must be >= 0")
    A = np.column_stack([np.ones_like(n), n]) / t[:, None]
    (alpha, inv_beta), _ = nnls(A, np.ones_like(t))
    return float(alpha), float(1.0 / inv_beta) if inv_beta > 0 else float("inf")
