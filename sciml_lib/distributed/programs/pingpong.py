"""Ping-pong latency and bandwidth.

``mpiexec -n 2 python -m sciml_lib.distributed.programs.pingpong``

Options: ``--min-exp K`` and ``--max-exp K`` (message sizes :math:`2^K` bytes,
default 1 and 25; ``--pickle-max-exp`` caps the slower pickle sweep),
``--api buffer|pickle|both`` (default both), ``--scale S``
(multiplies the repetitions). Rank 0 prints one JSON line::

    {"program": "pingpong", "size": 2, "host": ..., "buffer": {...}, "pickle": {...},
     "fit": {"buffer": {"alpha_s": ..., "beta_Bps": ...}, ...}}

where each API's table holds ``nbytes``, ``reps``, ``median_s``, ``min_s`` and
``bandwidth_Bps`` (one-way times; bandwidth = ``nbytes / median_s``).
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> None:
    """Run the ping-pong between ranks 0 and 1 and print rank 0's JSON line."""
    from mpi4py import MPI

    from sciml_lib.distributed.pingpong import fit_latency_bandwidth, message_sizes, mpi_pingpong

    ap = argparse.ArgumentParser(prog="pingpong")
    ap.add_argument("--min-exp", type=int, default=1)
    ap.add_argument("--max-exp", type=int, default=25)
    ap.add_argument("--api", choices=("buffer", "pickle", "both"), default="both")
    ap.add_argument("--pickle-max-exp", type=int, default=None)
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args(sys.argv[1:] if argv is None else argv)
    comm = MPI.COMM_WORLD
    if comm.Get_size() < 2:
        raise SystemExit("pingpong needs at least 2 ranks: mpiexec -n 2 ...")
    message_sizes(a.min_exp, a.max_exp)  # validates the range
    apis = ("buffer", "pickle") if a.api == "both" else (a.api,)
    report: dict = {"program": "pingpong", "size": comm.Get_size(),
                    "host": MPI.Get_processor_name(), "fit": {}}
    for api in apis:
        top = a.max_exp if api == "buffer" or a.pickle_max_exp is None else a.pickle_max_exp
        table = mpi_pingpong(comm, message_sizes(a.min_exp, top), api, scale=a.scale)
        if comm.Get_rank() == 0:
            report[api] = table
            alpha, beta = fit_latency_bandwidth(table["nbytes"], table["median_s"])
            report["fit"][api] = {"alpha_s": alpha, "beta_Bps": beta}
    if comm.Get_rank() == 0:
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
