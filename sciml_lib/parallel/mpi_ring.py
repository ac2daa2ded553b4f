"""The SPMD ring of Lecture 6, with mpi4py.

Run with ``mpiexec -n 3 python -m sciml_lib.parallel.mpi_ring``. Every rank
fills a buffer of length 4 with its rank, posts a non-blocking receive from its
left neighbour (``rank - 1``) and a non-blocking send to its right neighbour
(``rank + 1``), both modulo the number of ranks, with tag ``source + 32``;
then it waits for both and joins a barrier. Rank 0 gathers what every rank
received and prints one JSON line::

    {"size": 3, "received": [[2, 2, 2, 2], [0, 0, 0, 0], [1, 1, 1, 1]]}

Posting the receive before the send, and both non-blocking, is what rules out
the deadlock of every rank blocking in a send that nobody receives yet.
"""

from __future__ import annotations

import json
from typing import Any

from sciml_lib.distributed.runner import mpiexec_path

__all__ = ["ring", "main", "mpiexec_path", "run_ring"]


def ring(comm, length: int = 4):  # type: ignore[no-untyped-def]
    """Pass a buffer filled with the rank one step around the ring; returns the received buffer."""
    import numpy as np
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    send = np.full(length, rank, dtype=np.int64)
    recv = np.full(length, -1, dtype=np.int64)
    left, right = (rank - 1) % size, (rank + 1) % size
    reqs = [
        comm.Irecv(recv, source=left, tag=left + 32),
        comm.Isend(send, dest=right, tag=rank + 32),
    ]
    MPI.Request.Waitall(reqs)
    comm.Barrier()
    return recv


def main() -> None:
    """Entry point of ``python -m sciml_lib.parallel.mpi_ring``."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    recv = ring(comm)
    allrecv = comm.gather(recv.tolist(), root=0)
    if comm.Get_rank() == 0:
        print(json.dumps({"size": comm.Get_size(), "received": allrecv}), flush=True)


def run_ring(n_ranks: int = 3, timeout: float = 60.0) -> dict[str, Any]:
    """Run this module under ``mpiexec -n n_ranks`` and return rank 0's JSON report.

    A thin wrapper of :func:`sciml_lib.distributed.run_mpi`. Raises
    ``RuntimeError`` (:class:`sciml_lib.distributed.MPIRunError`, with the
    ranks' tracebacks) when the run fails, and :class:`subprocess.TimeoutExpired`
    (:class:`sciml_lib.distributed.MPITimeoutError`, after killing every rank)
    when it takes longer than ``timeout``.
    """
    from sciml_lib.distributed.runner import run_mpi

    if isinstance(n_ranks, bool) or not isinstance(n_ranks, int) or n_ranks < 1:
        raise ValueError(f"n_ranks must be a positive int, got {n_ranks!r}")
    res = run_mpi("sciml_lib.parallel.mpi_ring", n_ranks, timeout=timeout)
    if res.results[0] is None:
        raise RuntimeError(f"mpi_ring: rank 0 printed no report:\n{res.stdout}\n{res.stderr}")
    return res.results[0]


if __name__ == "__main__":
    main()
