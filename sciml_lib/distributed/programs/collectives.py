"""The basic collectives, run.

``mpiexec -n 4 python -m sciml_lib.distributed.programs.collectives``

Every rank :math:`r` of :math:`n` takes part in, with NumPy buffers (uppercase API):

* ``Bcast`` of ``[10, 11, 12, 13]`` from rank 0;
* ``Scatter`` of ``arange(2 n)`` from rank 0 (rank :math:`r` gets ``[2r, 2r+1]``);
* ``Gather`` of :math:`r^2` to rank 0;
* ``Reduce`` (sum) of :math:`r + 1` to rank 0;
* ``Allreduce`` (max) of :math:`r`;
* ``Allgather`` of :math:`r`;
* ``Allgatherv`` of :math:`r + 1` copies of :math:`r` (counts differ by rank).

Each rank prints one JSON line with what it holds afterwards (``null`` where
a rank receives nothing).
"""

from __future__ import annotations

import json


def main() -> None:
    """Run the collectives and print what this rank holds."""
    import numpy as np
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    out: dict = {"rank": rank, "size": size}

    data = np.array([10, 11, 12, 13]) if rank == 0 else np.empty(4, dtype=np.int64)
    comm.Bcast(data, root=0)
    out["bcast"] = data.tolist()

    piece = np.empty(2, dtype=np.int64)
    comm.Scatter(np.arange(2 * size, dtype=np.int64) if rank == 0 else None, piece, root=0)
    out["scatter"] = piece.tolist()

    gathered = np.empty(size, dtype=np.int64) if rank == 0 else None
    comm.Gather(np.array([rank**2], dtype=np.int64), gathered, root=0)
    out["gather"] = gathered.tolist() if rank == 0 else None

    total = np.zeros(1, dtype=np.int64) if rank == 0 else None
    comm.Reduce(np.array([rank + 1], dtype=np.int64), total, op=MPI.SUM, root=0)
    out["reduce_sum"] = int(total[0]) if rank == 0 else None

    biggest = np.zeros(1, dtype=np.int64)
    comm.Allreduce(np.array([rank], dtype=np.int64), biggest, op=MPI.MAX)
    out["allreduce_max"] = int(biggest[0])

    everyone = np.empty(size, dtype=np.int64)
    comm.Allgather(np.array([rank], dtype=np.int64), everyone)
    out["allgather"] = everyone.tolist()

    counts = np.arange(1, size + 1)
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]])
    allv = np.empty(int(counts.sum()), dtype=np.int64)
    comm.Allgatherv(np.full(rank + 1, rank, dtype=np.int64), [allv, counts, displs, MPI.INT64_T])
    out["allgatherv"] = allv.tolist()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
