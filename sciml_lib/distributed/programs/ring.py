"""A token passed around a ring: ``mpiexec -n 4 python -m sciml_lib.distributed.programs.ring``.

Rank 0 starts a token at 0; every rank receives it from its left neighbour, adds
its rank and sends it to its right neighbour, ``laps`` times round. Rank 0 ends
with :math:`\\text{laps} \\cdot n(n-1)/2` and prints one JSON line with the
token, the expected value and the mean time per hop. Rank 0 sends with
``isend`` before it receives, so even a ring of one rank (sending to itself)
cannot block.

Usage: ``... programs.ring [laps]`` (default 10).
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str] | None = None) -> None:
    """Run the ring and print rank 0's report."""
    from mpi4py import MPI

    argv = sys.argv[1:] if argv is None else argv
    laps = int(argv[0]) if argv else 10
    if laps < 1:
        raise ValueError(f"laps must be >= 1, got {laps}")
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    left, right = (rank - 1) % size, (rank + 1) % size
    comm.Barrier()
    t0 = MPI.Wtime()
    token = 0
    for _ in range(laps):
        if rank == 0:
            req = comm.isend(token, dest=right, tag=0)
            token = comm.recv(source=left, tag=0)
            req.wait()
        else:
            token = comm.recv(source=left, tag=0) + rank
            comm.send(token, dest=right, tag=0)
    elapsed = MPI.Wtime() - t0
    if rank == 0:
        print(json.dumps({
            "size": size, "laps": laps, "token": token,
            "expected": laps * size * (size - 1) // 2,
            "hop_time_s": elapsed / (laps * size),
        }), flush=True)


if __name__ == "__main__":
    main()
