"""Distributed computing with MPI (Lecture 12): running MPI programs, and what they compute.

**Modules**

runner
    :func:`run_mpi` runs ``mpiexec -n k python -m mpi4py <program>`` with a
    timeout, collects each rank's JSON output, raises with the failing rank's
    traceback, kills the whole process tree at the timeout; :func:`orphans`.
programs
    The MPI programs ``hello``, ``ring``, ``pingpong``, ``word_count``,
    ``ensemble`` and ``deadlock``, each runnable as
    ``mpiexec -n k python -m sciml_lib.distributed.programs.NAME``.
wordcount
    The normalized word count: serial, point-to-point and collective versions,
    on a generated corpus.
pingpong
    Ping-pong latency and bandwidth (MPI buffer and pickle APIs, a
    ``multiprocessing.Pipe``, a shared-memory array) and the fit of
    :math:`T(n) = \\alpha + n/\\beta`.
ensemble
    A distributed ensemble of ODE solves (scatter, solve, reduce).
scaling
    Parallel efficiency and the fits of Amdahl's and Gustafson's laws.
"""

from __future__ import annotations

from .ensemble import distributed_ensemble, ensemble_params, ensemble_statistics, solve_members
from .pingpong import (
    fit_latency_bandwidth,
    message_sizes,
    mpi_pingpong,
    pipe_pingpong,
    repetitions,
    shm_pingpong,
    summarize,
)
from .runner import (
    MPIOutputError,
    MPIResult,
    MPIRunError,
    MPITimeoutError,
    mpiexec_path,
    orphans,
    process_tree,
    run_mpi,
)
from .scaling import efficiency, fit_amdahl, fit_gustafson
from .wordcount import (
    STOPWORDS,
    clean_words,
    compare_results,
    count_words,
    frequent_words,
    generate_corpus,
    generate_document,
    merge_counts,
    normalized_scores,
    strip_gutenberg,
    top_words,
    word_count_collective,
    word_count_p2p,
    word_count_serial,
)

__all__ = [
    "run_mpi",
    "MPIResult",
    "MPIRunError",
    "MPITimeoutError",
    "MPIOutputError",
    "mpiexec_path",
    "orphans",
    "process_tree",
    "STOPWORDS",
    "generate_document",
    "generate_corpus",
    "strip_gutenberg",
    "clean_words",
    "count_words",
    "merge_counts",
    "frequent_words",
    "normalized_scores",
    "top_words",
    "word_count_serial",
    "word_count_p2p",
    "word_count_collective",
    "compare_results",
    "message_sizes",
    "repetitions",
    "summarize",
    "mpi_pingpong",
    "pipe_pingpong",
    "shm_pingpong",
    "fit_latency_bandwidth",
    "ensemble_params",
    "solve_members",
    "ensemble_statistics",
    "distributed_ensemble",
    "efficiency",
    "fit_amdahl",
    "fit_gustafson",
]
