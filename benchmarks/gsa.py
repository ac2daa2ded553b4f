"""Global sensitivity analysis benchmark: sciml_lib.gsa vs SALib on the Ishigami function.

Ishigami (a = 7, b = 0.1, x ~ U(-pi, pi)^3), whose indices are known in closed form. In one run:

* Sobol indices (first order and total, 100 bootstrap resamples) at N = 8192 and N = 65536: our
  Jansen and Saltelli estimators vs SALib's ``sample.sobol`` + ``analyze.sobol``. The time is the
  whole pipeline (sampling, the model runs, estimation and bootstrap); SALib's sampling and
  analysis times are also reported apart;
* the error against the closed form at N = 8192 over 10 seeds (median and max), for us and SALib;
* eFAST (n = 4097 per curve, M = 4), Morris (r = 20 trajectories spread from 100 candidates,
  4 levels; the error is |mu*_2 - 7.875|) and DGSM (n = 8192; ours by JAX AD, SALib by finite
  differences; the error is the largest relative error of nu against (7.719588, 24.5, 10.987305)).

Writes ``benchmarks/results/gsa.json`` and ``benchmarks/results/gsa.png``.
Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/gsa.py``.
"""

from __future__ import annotations

import json
import os
import platform
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
from SALib.analyze import dgsm as sa_dgsm
from SALib.analyze import fast as sa_fast
from SALib.analyze import morris as sa_morris
from SALib.analyze import sobol as sa_sobol
from SALib.sample import fast_sampler as sa_fast_sampler
from SALib.sample import finite_diff as sa_fd
from SALib.sample import morris as sa_morris_sampler
from SALib.sample import sobol as sa_sobol_sampler

from sciml_lib.gsa import (
    ISHIGAMI_BOUNDS,
    dgsm,
    efast,
    ishigami,
    ishigami_indices,
    morris,
    sobol_indices,
)
from sciml_lib.perf import benchmark, cpu_model, format_time

RESULTS = Path(__file__).resolve().parent / "results"
REF = ishigami_indices()
PROB = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": ISHIGAMI_BOUNDS.tolist()}
B = ISHIGAMI_BOUNDS


def sobol_error(S1, ST) -> float:
    return float(
        max(np.abs(np.asarray(S1) - REF["S1"]).max(), np.abs(np.asarray(ST) - REF["ST"]).max())
    )


def salib_sobol(n: int, seed: int = 0):
    X = sa_sobol_sampler.sample(PROB, n, calc_second_order=False, seed=seed)
    return sa_sobol.analyze(
        PROB, ishigami(X), calc_second_order=False, num_resamples=100, seed=seed
    )


def salib_efast(seed: int = 0):
    X = sa_fast_sampler.sample(PROB, 4097, M=4, seed=seed)
    return sa_fast.analyze(PROB, ishigami(X), M=4, seed=seed)


def salib_morris(seed: int = 0):
    X = sa_morris_sampler.sample(PROB, 100, num_levels=4, optimal_trajectories=20, seed=seed)
    return sa_morris.analyze(PROB, X, ishigami(X), num_levels=4, num_resamples=100, seed=seed)


def salib_dgsm(seed: int = 0):
    X = sa_fd.sample(PROB, 8192, delta=1e-3, seed=seed)
    return sa_dgsm.analyze(PROB, X, ishigami(X), num_resamples=100, seed=seed)


def time_it(fn, repeat: int) -> float:
    return benchmark(fn, repeat=repeat, number=1, warmup=1, max_time=60).min


def main() -> dict:
    warnings.simplefilter("ignore")  # SALib's deprecation notices
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "problem": "Ishigami a=7, b=0.1, x ~ U(-pi, pi)^3",
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "load_avg": os.getloadavg(),
        },
        "versions": {k: version(k) for k in ("numpy", "scipy", "numba", "jax", "SALib")},
        "rows": [],
    }
    rows = results["rows"]
    # ---------------------------------------------------------------- Sobol
    for n, rep in ((8192, 7), (65536, 3)):
        print(f"Sobol N={n} ...", flush=True)
        t_sal = time_it(lambda: salib_sobol(n), rep)
        X = sa_sobol_sampler.sample(PROB, n, calc_second_order=False, seed=0)
        Y = ishigami(X)
        t_sal_sample = time_it(
            lambda: sa_sobol_sampler.sample(PROB, n, calc_second_order=False, seed=0), rep
        )
        t_sal_analyze = time_it(
            lambda: sa_sobol.analyze(PROB, Y, calc_second_order=False, num_resamples=100, seed=0),
            rep,
        )
        r_sal = salib_sobol(n)
        for est in ("jansen", "saltelli"):
            t_ours = time_it(lambda: sobol_indices(ishigami, B, n, estimator=est, rng=0), rep)
            r = sobol_indices(ishigami, B, n, estimator=est, rng=0)
            rows.append(
                {
                    "case": f"Sobol N={n} ({est})",
                    "ours_s": t_ours,
                    "salib_s": t_sal,
                    "salib_sample_s": t_sal_sample,
                    "salib_analyze_s": t_sal_analyze,
                    "speedup": t_sal / t_ours,
                    "err_ours": sobol_error(r.S1, r.ST),
                    "err_salib": sobol_error(r_sal["S1"], r_sal["ST"]),
                    "model_runs": r.n_evals,
                }
            )
    # ---------------------------------------------------------------- error over seeds
    print("Sobol N=8192 over 10 seeds ...", flush=True)
    e_ours = [
        sobol_error(*(lambda r: (r.S1, r.ST))(sobol_indices(ishigami, B, 8192, rng=s, n_boot=0)))
        for s in range(10)
    ]
    e_sal = []
    for s in range(10):
        X = sa_sobol_sampler.sample(PROB, 8192, calc_second_order=False, seed=s)
        r = sa_sobol.analyze(PROB, ishigami(X), calc_second_order=False, num_resamples=2, seed=s)
        e_sal.append(sobol_error(r["S1"], r["ST"]))
    results["sobol_8192_seeds"] = {
        "ours_median": float(np.median(e_ours)),
        "ours_max": float(np.max(e_ours)),
        "salib_median": float(np.median(e_sal)),
        "salib_max": float(np.max(e_sal)),
        "ours_within_0.005": int(np.sum(np.array(e_ours) < 0.005)),
        "salib_within_0.005": int(np.sum(np.array(e_sal) < 0.005)),
    }
    # ---------------------------------------------------------------- eFAST, Morris, DGSM
    print("eFAST, Morris, DGSM ...", flush=True)
    r, rs = efast(ishigami, B, 4097, rng=0), salib_efast()
    rows.append(
        {
            "case": "eFAST n=4097",
            "ours_s": time_it(lambda: efast(ishigami, B, 4097, rng=0), 7),
            "salib_s": time_it(salib_efast, 5),
            "err_ours": sobol_error(r.S1, r.ST),
            "err_salib": sobol_error(rs["S1"], rs["ST"]),
            "model_runs": r.n_evals,
        }
    )
    r, rs = morris(ishigami, B, 20, n_candidates=100, rng=0), salib_morris()
    rows.append(
        {
            "case": "Morris r=20 of 100",
            "ours_s": time_it(lambda: morris(ishigami, B, 20, n_candidates=100, rng=0), 5),
            "salib_s": time_it(salib_morris, 3),
            "err_ours": float(abs(r.mu_star[1] - 7.875)),
            "err_salib": float(abs(rs["mu_star"][1] - 7.875)),
            "model_runs": r.n_evals,
        }
    )
    r, rs = dgsm(ishigami, B, 8192, rng=0), salib_dgsm()
    rows.append(
        {
            "case": "DGSM n=8192",
            "ours_s": time_it(lambda: dgsm(ishigami, B, 8192, rng=0), 5),
            "salib_s": time_it(salib_dgsm, 5),
            "err_ours": float(np.abs(r.nu / REF["nu"] - 1).max()),
            "err_salib": float(np.abs(np.asarray(rs["vi"]) / REF["nu"] - 1).max()),
            "model_runs": r.n_evals,
            "nu_ours": r.nu.tolist(),
        }
    )
    for row in rows:
        row["speedup"] = row["salib_s"] / row["ours_s"]
    results["targets"] = {
        "sobol_8192_err_le_0.005": rows[0]["err_ours"] <= 0.005 and rows[1]["err_ours"] <= 0.005,
        "sobol_8192_speedup_ge_10": rows[0]["speedup"] >= 10,
        "dgsm_nu_within_1pct": rows[-1]["err_ours"] <= 0.01,
        "morris_mu_star_2_7.875": rows[-2]["err_ours"] < 1e-12,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gsa.json").write_text(json.dumps(results, indent=2))
    plot(results, RESULTS / "gsa.png")
    print_table(results)
    return results


def plot(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    from sciml_lib.plotting import bar_speedups, subplots

    rows = results["rows"]
    fig, axs = subplots(1, 2, width=12, height=4)
    bar_speedups(axs[0], [r["case"] for r in rows], [r["speedup"] for r in rows], baseline="SALib")
    y = np.arange(len(rows))
    axs[1].barh(
        y - 0.2, [max(r["err_ours"], 1e-16) for r in rows], height=0.4, label="sciml_lib.gsa"
    )
    axs[1].barh(y + 0.2, [max(r["err_salib"], 1e-16) for r in rows], height=0.4, label="SALib")
    axs[1].set_yticks(y, [r["case"] for r in rows])
    axs[1].set_xscale("log")
    axs[1].invert_yaxis()
    axs[1].set_xlabel("error against the closed form")
    axs[1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Ishigami: sciml_lib.gsa vs SALib (whole pipeline, 100 bootstrap resamples)")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def print_table(results: dict) -> None:
    print(
        f"\n{'case':28s}{'ours':>10s}{'SALib':>10s}{'speed-up':>10s}"
        f"{'err ours':>11s}{'err SALib':>11s}"
    )
    for r in results["rows"]:
        print(
            f"{r['case']:28s}{format_time(r['ours_s']):>10s}{format_time(r['salib_s']):>10s}"
            f"{r['speedup']:9.1f}x{r['err_ours']:11.2e}{r['err_salib']:11.2e}"
        )
    for r in results["rows"]:
        if "salib_sample_s" in r and "(jansen)" in r["case"]:
            print(
                f"  SALib {r['case'].split(' (')[0]}: sampling {format_time(r['salib_sample_s'])}, "
                f"analysis {format_time(r['salib_analyze_s'])}"
            )
    print("Sobol N=8192, 10 seeds:", json.dumps(results["sobol_8192_seeds"]))
    print("targets:", json.dumps(results["targets"], indent=1))
    print(f"machine: {results['machine']}")


if __name__ == "__main__":
    main()
