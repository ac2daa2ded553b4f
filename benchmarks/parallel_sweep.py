"""Single-node parallel back ends on the two workloads of lectures 4-5 and homework 1.

* The logistic-map bifurcation diagram: r = 2.9:0.001:4 (1101 values), 400 warm-up steps,
  150 stored points (a 150 x 1101 matrix), fine-grained and perfectly balanced work.
* The Lorenz parameter sweep: the mean of 1000-step Euler-Lorenz trajectories for 1000
  parameter sets (0.02, 10, 28, 8/3) * (1, U, U, U).

Each with ``serial`` (one Numba loop), ``prange`` (Numba threads), ``threads`` (thread pool of
``nogil`` compiled chunks) and ``processes`` (forkserver process pool, warm), 2 workers. Also the
overhead per task of each pool (a task that does nothing) and the load average while measuring
(timings on a shared machine are only meaningful when it is idle).

Writes ``benchmarks/results/parallel_sweep.json`` and ``benchmarks/results/parallel_sweep.png``.
Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/parallel_sweep.py``.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import numpy as np

from sciml_lib import perf, plotting
from sciml_lib.dynamics import bifurcation_diagram
from sciml_lib.parallel import (
    BACKENDS,
    lorenz_mean_kernel,
    lorenz_sweep_params,
    process_pool,
    sweep,
    task_overhead,
    thread_pool,
    warm_up_pool,
)

WORKERS = 2
OUT = Path(__file__).resolve().parent / "results"


def main() -> None:
    import numba

    numba.set_num_threads(WORKERS)
    procs, threads = process_pool(WORKERS), thread_pool(WORKERS)
    warm_up_pool(procs)
    warm_up_pool(threads)
    pools = {"threads": threads, "processes": procs}
    rs = 2.9 + 0.001 * np.arange(1101)
    P = lorenz_sweep_params(1000)
    cases = {
        "bifurcation": {b: (lambda b=b: bifurcation_diagram(rs, backend=b, executor=pools.get(b))) for b in BACKENDS},
        "lorenz_sweep": {
            b: (lambda b=b: sweep(lorenz_mean_kernel, P, 3, b, scratch_size=6, workers=WORKERS, executor=pools.get(b)))
            for b in BACKENDS
        },
    }
    load_before = os.getloadavg()[0]
    results: dict = {"machine": platform.platform(), "cores": os.cpu_count(), "workers": WORKERS}
    for name, runs in cases.items():
        ref = next(iter(runs.values()))()
        for b, f in runs.items():
            assert np.array_equal(f(), ref, equal_nan=True), (name, b)
        table = perf.compare(runs, baseline="serial", repeat=9, min_time=0.05, max_time=5)
        print(f"\n{name} (identical results for every back end)\n{table}")
        results[name] = table.to_dict()
    ov = {k: task_overhead(ex, n_tasks=300) for k, ex in pools.items()}
    print("\noverhead per task:", {k: perf.format_time(v) for k, v in ov.items()})
    results["overhead_per_task_s"] = ov
    results["load_average"] = [load_before, os.getloadavg()[0]]
    print("load average before/after:", results["load_average"])
    procs.shutdown()
    threads.shutdown()

    OUT.mkdir(exist_ok=True)
    (OUT / "parallel_sweep.json").write_text(json.dumps(results, indent=2))
    fig, axes = plotting.subplots(1, 2, width=10, height=3.2)
    for ax, name in zip(axes, ("bifurcation", "lorenz_sweep")):
        rows = results[name]["rows"]
        plotting.bar_speedups(ax, [r["variant"] for r in rows], [r["speed-up"] for r in rows], baseline="serial")
        ax.set_title(name)
    fig.savefig(OUT / "parallel_sweep.png")


if __name__ == "__main__":
    main()
