"""Single-node parallelism (Lectures 5, 6 and 12): back ends, overheads, races, models.

**Modules**

pools
    Notebook-safe process pools (``forkserver``/``spawn``) and thread pools.
sweep
    The parameter-sweep runner (serial, ``prange``, threads, processes) with
    per-task scratch buffers, and the Lorenz sweep of Lecture 5.
overhead
    Per-task overheads, speed-up against task size, static vs dynamic scheduling.
race
    A real data race in ``prange`` code and its fixes (reduction, per-worker
    buffers, atomics, a spin lock).
laws
    Amdahl, Gustafson, Karp-Flatt.
capacity
    The parallelism the machine offers now; speed-up checks that respect it.
deadlock
    A detected deadlock: two locks taken in opposite orders, with timeouts.
tasks
    Task graphs on futures, map-reduce.
gpu_sim
    A CPU simulator of the GPU kernel model.
mpi_ring
    The SPMD ring (``mpiexec -n 3 python -m sciml_lib.parallel.mpi_ring``).
"""

from __future__ import annotations

from .capacity import check_speedup, check_timing, offers_parallelism, parallel_capacity
from .deadlock import DeadlockReport, LockInterval, two_lock_demo
from .gpu_sim import ThreadContext, grid_stride_indices, launch, vector_add_kernel
from .laws import amdahl_speedup, gustafson_speedup, karp_flatt
from .mpi_ring import mpiexec_path, run_ring
from .overhead import (
    noop,
    run_dynamic,
    run_static,
    run_tasks,
    sleep_task,
    speedup_vs_task_size,
    spin,
    static_makespan,
    task_overhead,
)
from .pools import default_workers, process_pool, thread_pool, warm_up_pool, worker_pid
from .race import (
    atomic_add,
    atomic_cas,
    atomic_store,
    count_atomic,
    count_locked,
    count_per_worker,
    count_racy,
    count_reduction,
    count_serial,
    lost_updates,
    race_trials,
    run_scratch_tasks,
    scratch_task,
)
from .sweep import (
    BACKENDS,
    LORENZ_SWEEP_STEPS,
    chunk_bounds,
    lorenz_mean_kernel,
    lorenz_mean_python,
    lorenz_mean_python_rows,
    lorenz_sweep_params,
    run_chunk,
    sweep,
)
from .tasks import add, map_reduce, mul, run_graph, square, sum_of_squares, topological_order

__all__ = [
    "DeadlockReport",
    "LockInterval",
    "two_lock_demo",
    "check_speedup",
    "check_timing",
    "offers_parallelism",
    "parallel_capacity",
    "ThreadContext",
    "grid_stride_indices",
    "launch",
    "vector_add_kernel",
    "amdahl_speedup",
    "gustafson_speedup",
    "karp_flatt",
    "mpiexec_path",
    "run_ring",
    "noop",
    "run_dynamic",
    "run_static",
    "run_tasks",
    "sleep_task",
    "speedup_vs_task_size",
    "spin",
    "static_makespan",
    "task_overhead",
    "default_workers",
    "process_pool",
    "thread_pool",
    "warm_up_pool",
    "worker_pid",
    "atomic_add",
    "atomic_cas",
    "atomic_store",
    "count_atomic",
    "count_locked",
    "count_per_worker",
    "count_racy",
    "count_reduction",
    "count_serial",
    "lost_updates",
    "race_trials",
    "run_scratch_tasks",
    "scratch_task",
    "BACKENDS",
    "LORENZ_SWEEP_STEPS",
    "chunk_bounds",
    "lorenz_mean_kernel",
    "lorenz_mean_python",
    "lorenz_mean_python_rows",
    "lorenz_sweep_params",
    "run_chunk",
    "sweep",
    "add",
    "map_reduce",
    "mul",
    "run_graph",
    "square",
    "sum_of_squares",
    "topological_order",
]
