"""Hello from every rank: ``mpiexec -n 4 python -m sciml_lib.distributed.programs.hello``.

Each rank prints one JSON line ``{"rank": r, "size": n, "host": ..., "pid": ...}``.
"""

from __future__ import annotations

import json
import os


def main() -> None:
    """Print this rank's identity as one JSON line."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    print(json.dumps({
        "rank": comm.Get_rank(), "size": comm.Get_size(), "host": MPI.Get_processor_name(),
        "pid": os.getpid(), "library": MPI.Get_library_version().splitlines()[0].strip(),
    }), flush=True)


if __name__ == "__main__":
    main()
