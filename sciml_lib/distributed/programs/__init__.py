"""MPI programs, each runnable as ``mpiexec -n k python -m sciml_lib.distributed.programs.NAME``.

======================  ===================================================================
``hello``               every rank prints its rank, the size and the host (one JSON line)
``ring``                a token passed around the ring; rank 0 checks the sum of ranks
``pingpong``            blocking ``Send``/``Recv`` ping-pong, buffer and pickle APIs
``word_count``          the normalized word count: serial, point-to-point, collective
``ensemble``            a distributed ensemble of ODE solves (scatter, solve, reduce)
``deadlock``            two ranks that both send first, and the fixes
``collectives``         Bcast, Scatter, Gather, Reduce, Allreduce, Allgather(v), run
======================  ===================================================================

From Python use :func:`sciml_lib.distributed.run_mpi`, which adds a timeout and
collects each rank's JSON output.
"""

PROGRAMS = ("hello", "ring", "pingpong", "word_count", "ensemble", "deadlock", "collectives")

__all__ = ["PROGRAMS"]
