"""Two ranks that both send first, and the fixes.

``mpiexec -n 2 python -m sciml_lib.distributed.programs.deadlock MODE``

``MODE`` is one of

``deadlock``
    both ranks call the blocking ``Send`` of a large message, then ``Recv``.
    Above MPICH's eager limit a ``Send`` waits until the matching receive is
    posted, and neither rank ever reaches its ``Recv``: the program hangs.
``small``
    the same code with a small message: it completes, because a small message
    is copied into a buffer and ``Send`` returns at once. The program is still
    wrong; it only works by the grace of the eager protocol.
``sendrecv``
    the fix with ``Sendrecv``, which lets MPI pair the two transfers.
``nonblocking``
    the fix with ``Isend``/``Irecv`` followed by ``Waitall``.

Options: ``--nbytes N`` (default 4 MiB; ``small`` uses 64 bytes) and
``--watchdog S`` (default 30 s): a thread that, if the exchange has not
finished after ``S`` seconds, prints ``{"deadlocked": true}`` and calls
``MPI_Abort``, so even a hand-started run ends. Each rank prints one JSON line
``{"rank", "mode", "nbytes", "ok", "seconds"}`` when the exchange completes.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

MODES = ("deadlock", "small", "sendrecv", "nonblocking")


def main(argv: list[str] | None = None) -> None:
    """Exchange a message between ranks 0 and 1 in the chosen way."""
    import numpy as np
    from mpi4py import MPI

    ap = argparse.ArgumentParser(prog="deadlock")
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("--nbytes", type=int, default=4 * 2**20)
    ap.add_argument("--watchdog", type=float, default=30.0)
    a = ap.parse_args(sys.argv[1:] if argv is None else argv)
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    if size != 2:
        raise SystemExit("deadlock needs exactly 2 ranks: mpiexec -n 2 ...")
    nbytes = 64 if a.mode == "small" else a.nbytes
    other = 1 - rank
    send = np.full(nbytes, rank, dtype=np.uint8)
    recv = np.empty(nbytes, dtype=np.uint8)
    done = threading.Event()

    def watchdog() -> None:
        if not done.wait(a.watchdog):
            print(json.dumps({"rank": rank, "mode": a.mode, "nbytes": nbytes,
                              "deadlocked": True}), flush=True)
            # let the process manager forward the line before the abort tears the job down (on
            # a loaded machine the line was sometimes lost)
            time.sleep(0.5)
            comm.Abort(3)

    threading.Thread(target=watchdog, daemon=True).start()
    comm.Barrier()
    t0 = MPI.Wtime()
    if a.mode in ("deadlock", "small"):
        comm.Send(send, dest=other, tag=7)  # both ranks block here when the message is large
        comm.Recv(recv, source=other, tag=7)
    elif a.mode == "sendrecv":
        comm.Sendrecv(send, dest=other, sendtag=7, recvbuf=recv, source=other, recvtag=7)
    else:
        reqs = [comm.Irecv(recv, source=other, tag=7), comm.Isend(send, dest=other, tag=7)]
        MPI.Request.Waitall(reqs)
    seconds = MPI.Wtime() - t0
    done.set()
    print(json.dumps({"rank": rank, "mode": a.mode, "nbytes": nbytes,
                      "ok": bool(np.all(recv == other)), "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
