"""Ping-pong benchmark: MPI buffer API vs pickle API vs ``multiprocessing.Pipe`` vs shared memory.

In one run, for messages of 2^1 .. 2^25 bytes between two processes of this machine:

* ``sciml_lib.distributed.programs.pingpong`` under ``mpiexec -n 2``: mpi4py's buffer API
  (``Send``/``Recv`` of a NumPy byte array) and pickle API (``send``/``recv`` of the same array);
* mpi4py's own ``python -m mpi4py.bench pingpong -a numpy`` (the reference; it reports the mean);
* ``sciml_lib.distributed.pipe_pingpong`` (``multiprocessing.Pipe``,
  ``send_bytes``/``recv_bytes_into``)
  and ``shm_pingpong`` (a shared-memory array and a spinning flag).

Reports one-way median times (and means), the fitted latency ``alpha`` and bandwidth ``beta`` of
``T(n) = alpha + n/beta``, and the ratios against the MPI buffer API. Target: the buffer API's
one-way latency within 2x of ``mpi4py.bench``'s at the same size. Writes
``benchmarks/results/mpi_pingpong.json`` and ``benchmarks/results/mpi_pingpong.png``.
Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/mpi_pingpong.py``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

import numpy as np

from sciml_lib.distributed import (
    fit_latency_bandwidth,
    message_sizes,
    pipe_pingpong,
    run_mpi,
    shm_pingpong,
)
from sciml_lib.perf import cpu_model, format_time

RESULTS = Path(__file__).resolve().parent / "results"
MAX_EXP = 25
LAT_SIZE = 8  # bytes: the size at which the latencies are compared


def mpi4py_bench() -> dict:
    """``python -m mpi4py.bench pingpong -a numpy`` for 1 .. 2^MAX_EXP bytes, parsed."""
    res = run_mpi("mpi4py.bench", 2, "pingpong", "-a", "numpy", "-n", 2**MAX_EXP,
                  timeout=600, json_output=False)
    nbytes, mean = [], []
    for line in res.rank_stdout[0].splitlines():
        if line.startswith("#") or "|" not in line:
            continue
        left, right = line.split("|")
        nbytes.append(int(left.split()[0]))
        mean.append(float(right.split()[0]))
    return {"nbytes": nbytes, "mean_s": mean}


def at(table: dict, n: int, key: str = "median_s") -> float:
    return dict(zip(table["nbytes"], table[key])).get(n, float("nan"))


def main() -> dict:
    load0 = os.getloadavg()[0]
    pp = run_mpi("sciml_lib.distributed.programs.pingpong", 2, "--max-exp", MAX_EXP,
                 timeout=600).results[0]
    bench = mpi4py_bench()
    sizes = message_sizes(1, MAX_EXP)
    tables = {"mpi buffer": pp["buffer"], "mpi pickle": pp["pickle"],
              "multiprocessing.Pipe": pipe_pingpong(sizes), "shared memory": shm_pingpong(sizes)}
    import mpi4py
    from mpi4py import MPI

    results: dict = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_1min_start": load0, "loadavg_1min_end": os.getloadavg()[0]},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "mpi4py": mpi4py.__version__,
                     "mpi": MPI.Get_library_version().splitlines()[0].strip()},
        "tables": tables, "mpi4py_bench": bench, "fits": {}, "table": [],
    }
    ref = tables["mpi buffer"]
    for name, tab in tables.items():
        alpha, beta = fit_latency_bandwidth(tab["nbytes"], tab["median_s"])
        results["fits"][name] = {"alpha_s": alpha, "beta_Bps": beta}
        results["table"].append({
            "transport": name,
            f"latency {LAT_SIZE} B (median)": format_time(at(tab, LAT_SIZE)),
            "1 MiB": format_time(at(tab, 2**20)),
            "32 MiB bandwidth": f"{at(tab, 2**25, 'bandwidth_Bps') / 1e9:.2f} GB/s",
            "alpha": format_time(alpha), "beta": f"{beta / 1e9:.2f} GB/s",
            "latency / buffer": f"{at(tab, LAT_SIZE) / at(ref, LAT_SIZE):.1f}x",
        })
    b_lat = at(bench, LAT_SIZE, "mean_s")
    b_bw = 2**MAX_EXP / at(bench, 2**MAX_EXP, "mean_s")
    results["table"].append({
        "transport": "mpi4py.bench (mean)", f"latency {LAT_SIZE} B (median)": "-",
        "1 MiB": format_time(at(bench, 2**20, "mean_s")),
        "32 MiB bandwidth": f"{b_bw / 1e9:.2f} GB/s",
        "mean latency": format_time(b_lat),
    })
    ours_mean, ours_med = at(ref, LAT_SIZE, "mean_s"), at(ref, LAT_SIZE)
    results["targets"] = {
        "buffer latency (median) / mpi4py.bench latency (mean)": ours_med / b_lat,
        "buffer latency (mean) / mpi4py.bench latency (mean)": ours_mean / b_lat,
        "within 2x of mpi4py.bench": bool(ours_med <= 2 * b_lat),
        "buffer 32 MiB bandwidth GB/s": at(ref, 2**25, "bandwidth_Bps") / 1e9,
        "mpi4py.bench 32 MiB bandwidth GB/s": b_bw / 1e9,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mpi_pingpong.json").write_text(json.dumps(results, indent=2))
    plot(results, RESULTS / "mpi_pingpong.png")
    return results


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axs = plt.subplots(1, 2, figsize=(11, 4))
    for (name, tab), mk in zip(results["tables"].items(), "os^v"):
        n = np.array(tab["nbytes"])
        axs[0].loglog(n, tab["median_s"], mk + "-", ms=4, label=name)
        axs[1].loglog(n, np.array(tab["bandwidth_Bps"]) / 1e9, mk + "-", ms=4, label=name)
    b = results["mpi4py_bench"]
    nb = np.array(b["nbytes"])
    axs[0].loglog(nb, b["mean_s"], "k:", label="mpi4py.bench (mean)")
    axs[1].loglog(nb, nb / np.array(b["mean_s"]) / 1e9, "k:")
    axs[0].set(xlabel="message size (bytes)", ylabel="one-way time (s)")
    axs[1].set(xlabel="message size (bytes)", ylabel="bandwidth (GB/s)")
    axs[0].legend(fontsize=8)
    fig.suptitle(f"ping-pong on {results['machine']['cpu']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def print_table(results: dict) -> None:
    for row in results["table"]:
        print("  ".join(f"{k}: {v}" for k, v in row.items()))
    print("targets:", json.dumps(results["targets"], indent=1))


if __name__ == "__main__":
    print_table(main())
