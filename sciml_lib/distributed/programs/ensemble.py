"""Distributed ODE ensemble: ``mpiexec -n 2 python -m sciml_lib.distributed.programs.ensemble``.

Options: ``--members M`` (strong scaling: ``M`` members in total, default 240)
and ``--weak-members W`` (weak scaling: ``W`` members per rank, default 120;
0 skips it), ``--seed``. Every rank first solves one member untimed (loading
the compiled solver), then both runs are timed. Rank 0 prints one JSON line
``{"size": n, "strong": {...}, "weak": {...}}`` with the fields of
:func:`sciml_lib.distributed.distributed_ensemble`.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> None:
    """Run the strong- and weak-scaling ensembles and print rank 0's report."""
    from mpi4py import MPI

    from sciml_lib.distributed.ensemble import distributed_ensemble, ensemble_params, solve_members

    ap = argparse.ArgumentParser(prog="ensemble")
    ap.add_argument("--members", type=int, default=240)
    ap.add_argument("--weak-members", type=int, default=120)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(sys.argv[1:] if argv is None else argv)
    if a.members < 1 or a.weak_members < 0:
        raise SystemExit("--members must be >= 1 and --weak-members >= 0")
    comm = MPI.COMM_WORLD
    solve_members(ensemble_params(1, seed=a.seed + 1))  # warm-up: load the compiled solver
    report = {"size": comm.Get_size(), "host": MPI.Get_processor_name(),
              "strong": distributed_ensemble(comm, a.members, a.seed)}
    if a.weak_members:
        report["weak"] = distributed_ensemble(comm, a.weak_members * comm.Get_size(), a.seed)
    if comm.Get_rank() == 0:
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
