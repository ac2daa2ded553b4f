"""UQ benchmark: linear propagation vs ``uncertainties``; Koopman expectation vs Monte Carlo.

1. **Linear propagation through the pendulum** (theta(0) = 0, theta'(0) = pi/3 ± 0.02,
   g = 9.79 ± 0.02, L = 1.00 ± 0.01), classical RK4 with dt = 0.01 on [0, 6.3] (630 steps), all
   run by ``sciml_lib.uq.solve_fixed``: ``sciml_lib.uq.Normal`` (eager dual numbers with sparse
   sensitivities) vs ``uncertainties`` 3.2 ``ufloat`` (lazy expression graph; ``std_dev``
   evaluated at the end) at 1..10 steps, the peer in a subprocess with a time cap (``--cap``
   seconds for all its step counts together), and ours at 630 steps. Checks: sigma of theta(6.3)
   vs a central finite-difference linearisation and vs a Monte Carlo sigma from 1e5 samples (the
   same RK4 loop on NumPy arrays).
2. **Koopman expectation vs Monte Carlo**: x'' = -w^2 x, x(0) = 1, x'(0) = 0, w ~ N(1, 0.1^2);
   E[x(10)] = cos(10) exp(-1/2) in closed form. ODE solves (Vern7, rtol 1e-11) needed for a
   relative error of 1e-6: Gauss-Hermite quadrature (measured) vs Monte Carlo (standard deviation
   measured on ``--n-mc-koopman`` solves, solves for 1e-6 from s / sqrt(n)); also the solves
   Koopman needs to match the measured Monte Carlo error.

Writes ``benchmarks/results/uq.json`` and ``benchmarks/results/uq.png``.
Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/uq.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
from scipy import stats

from sciml_lib.ode import solve
from sciml_lib.perf import benchmark, cpu_model, format_time
from sciml_lib.problems import harmonic_rhs
from sciml_lib.problems.small import pendulum_components
from sciml_lib.uq import Normal, koopman_expectation, solve_fixed

RESULTS = Path(__file__).resolve().parent / "results"
MEAN = np.array([9.79, 1.00, np.pi / 3])
STD = np.array([0.02, 0.01, 0.02])

PEER = textwrap.dedent("""
    import math, sys, time
    from uncertainties import ufloat, umath
    from sciml_lib.uq import solve_fixed
    def rhs(t, u, p):
        return u[1], -(p[0] / p[1]) * umath.sin(u[0])
    for n in map(int, sys.argv[1:]):
        g, L, w = ufloat(9.79, 0.02), ufloat(1.0, 0.01), ufloat(math.pi / 3, 0.02)
        t0 = time.perf_counter()
        _, u = solve_fixed(rhs, (0.0, n * 0.01), [0.0, w], [g, L], dt=0.01)
        s = u[-1, 0].std_dev
        print(n, time.perf_counter() - t0, s, flush=True)
""")


def theta_normal(n_steps: int) -> Normal:
    g, L, w = (Normal(m, s) for m, s in zip(MEAN, STD))
    return solve_fixed(pendulum_components, (0.0, n_steps * 0.01), [0.0, w], [g, L], dt=0.01)[1][
        -1, 0
    ]


def theta_float(v, n_steps: int = 630):
    return solve_fixed(
        pendulum_components,
        (0.0, n_steps * 0.01),
        [0.0, v[2]],
        [v[0], v[1]],
        dt=0.01,
        save_every=n_steps,
    )[1][-1, 0]


def peer_times(steps: list[int], cap: float) -> dict:
    try:
        out = subprocess.run(
            [sys.executable, "-c", PEER, *map(str, steps)],
            capture_output=True,
            text=True,
            timeout=cap,
        ).stdout
        timed_out = False
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        timed_out = True
    rows = {
        int(line.split()[0]): (float(line.split()[1]), float(line.split()[2]))
        for line in out.strip().splitlines()
        if line.strip()
    }
    return {"rows": rows, "timed_out": timed_out}


def propagation(cap: float, n_mc: int) -> dict:
    steps = list(range(1, 11))
    ours = {}
    for n in steps + [630]:
        tm = benchmark(theta_normal, n, repeat=5, number=1, warmup=1)
        cpu = []
        for _ in range(3):
            c0 = time.process_time()
            th = theta_normal(n)
            cpu.append(time.process_time() - c0)
        ours[n] = {"time_s": tm.min, "cpu_time_s": min(cpu), "sigma": th.std, "mean": th.mean}
    print(f"uncertainties through 1..10 RK4 steps (cap {cap:.0f} s in all) ...", flush=True)
    peer = peer_times(steps, cap)
    # checks at 630 steps
    J = np.empty(3)
    for i in range(3):
        h = 1e-5 * MEAN[i]
        e = np.zeros(3)
        e[i] = h
        J[i] = (theta_float(MEAN + e) - theta_float(MEAN - e)) / (2 * h)
    sig_fd = float(np.sqrt(np.sum((J * STD) ** 2)))
    rng = np.random.default_rng(0)
    S = MEAN + STD * rng.standard_normal((n_mc, 3))
    t0 = time.perf_counter()
    th_mc = np.asarray(theta_float(S.T), dtype=float)
    t_mc = time.perf_counter() - t0
    sig_mc = float(np.std(th_mc, ddof=1))
    sig = ours[630]["sigma"]
    return {
        "ours": {str(k): v for k, v in ours.items()},
        "uncertainties": {str(k): {"time_s": v[0], "sigma": v[1]} for k, v in peer["rows"].items()},
        "uncertainties_timed_out_at_steps": [n for n in steps if n not in peer["rows"]],
        "cap_s": cap,
        "sigma_630": sig,
        "sigma_fd": sig_fd,
        "sigma_mc": sig_mc,
        "n_mc": n_mc,
        "mc_time_s": t_mc,
        "rel_diff_fd": abs(sig_fd / sig - 1),
        "rel_diff_mc": abs(sig_mc / sig - 1),
    }


T_END = 10.0
SIG_W = 0.1


def x_end(w: float) -> float:
    return solve(
        harmonic_rhs,
        (0.0, T_END),
        np.array([1.0, 0.0]),
        np.array([w]),
        method="Vern7",
        rtol=1e-11,
        atol=1e-13,
    ).u[-1, 0]


def koopman_vs_mc(n_mc: int) -> dict:
    exact = np.cos(T_END) * np.exp(-0.5 * (SIG_W * T_END) ** 2)
    dist = stats.norm(1.0, SIG_W)
    kq = []
    for n in range(2, 17):
        t0 = time.perf_counter()
        r = koopman_expectation(lambda v: v, x_end, dist, n_nodes=n)
        kq.append(
            {
                "n_nodes": n,
                "n_solves": r.n_solves,
                "rel_err": abs(r.value / exact - 1),
                "time_s": time.perf_counter() - t0,
            }
        )
    n_k = next(k["n_solves"] for k in kq if k["rel_err"] < 1e-6)
    rng = np.random.default_rng(1)
    W = dist.rvs(size=n_mc, random_state=rng)
    t0 = time.perf_counter()
    X = np.array([x_end(w) for w in W])
    t_mc = time.perf_counter() - t0
    s = float(X.std(ddof=1))
    mc_err = abs(X.mean() / exact - 1)
    mc_se = s / np.sqrt(n_mc) / abs(exact)
    n_mc_needed = (s / (1e-6 * abs(exact))) ** 2
    # solves Koopman needs to reach the Monte Carlo standard error at n_mc
    n_k_equal = next(k["n_solves"] for k in kq if k["rel_err"] < mc_se)
    return {
        "exact": float(exact),
        "koopman": kq,
        "koopman_solves_1e-6": n_k,
        "mc_n": n_mc,
        "mc_time_s": t_mc,
        "mc_std": s,
        "mc_rel_err": float(mc_err),
        "mc_rel_se": float(mc_se),
        "mc_solves_1e-6_extrapolated": float(n_mc_needed),
        "ratio_1e-6": float(n_mc_needed / n_k),
        "koopman_solves_at_mc_error": n_k_equal,
        "ratio_at_mc_error": n_mc / n_k_equal,
    }


def plot(res: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    from sciml_lib.plotting import subplots, use_style

    use_style()
    fig, (a1, a2) = subplots(1, 2, width=11, height=4)
    prop = res["propagation"]
    ks = sorted(int(k) for k in prop["ours"])
    a1.loglog(ks, [prop["ours"][str(k)]["time_s"] for k in ks], "s-", label="sciml_lib.uq.Normal")
    kp = sorted(int(k) for k in prop["uncertainties"])
    a1.loglog(
        kp, [prop["uncertainties"][str(k)]["time_s"] for k in kp], "o-", label="uncertainties 3.2"
    )
    a1.axhline(prop["cap_s"], color="gray", ls=":", label="time cap")
    a1.set(xlabel="RK4 steps", ylabel="time [s]", title="first-order sigma of theta through RK4")
    a1.legend()
    kq = res["koopman"]["koopman"]
    a2.loglog(
        [k["n_solves"] for k in kq],
        [max(k["rel_err"], 1e-16) for k in kq],
        "o-",
        label="Koopman (Gauss-Hermite)",
    )
    km = res["koopman"]
    nn = np.logspace(1, 13, 40)
    a2.loglog(nn, km["mc_std"] / abs(km["exact"]) / np.sqrt(nn), ":", label="Monte Carlo s/sqrt(n)")
    a2.plot([km["mc_n"]], [km["mc_rel_err"]], "s", label=f"Monte Carlo, n = {km['mc_n']}")
    a2.axhline(1e-6, color="k", lw=0.8)
    a2.set(xlabel="ODE solves", ylabel="relative error of E[x(10)]", title="Koopman vs Monte Carlo")
    a2.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--cap", type=float, default=120.0, help="seconds for the uncertainties runs in all"
    )
    ap.add_argument("--n-mc", type=int, default=100_000, help="Monte Carlo samples of the pendulum")
    ap.add_argument(
        "--n-mc-koopman", type=int, default=10_000, help="Monte Carlo solves of the oscillator"
    )
    args = ap.parse_args()
    res: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"platform": platform.platform(), "cpu": cpu_model(), "cores": os.cpu_count()},
        "versions": {p: version(p) for p in ("numpy", "scipy", "uncertainties")},
        "python": platform.python_version(),
    }
    print("linear propagation through the pendulum ...", flush=True)
    res["propagation"] = propagation(args.cap, args.n_mc)
    print("Koopman vs Monte Carlo ...", flush=True)
    res["koopman"] = koopman_vs_mc(args.n_mc_koopman)
    prop, km = res["propagation"], res["koopman"]
    res["targets"] = {
        "sigma_630_under_0.1s": prop["ours"]["630"]["time_s"] < 0.1,
        "sigma_equals_fd_1e-6": prop["rel_diff_fd"] < 1e-6,
        "sigma_within_2pct_of_mc": prop["rel_diff_mc"] < 0.02,
        "koopman_1e-6_100x_fewer_solves": km["ratio_1e-6"] >= 100
        and km["koopman_solves_1e-6"] < 1e9,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "uq.json").write_text(json.dumps(res, indent=2))
    plot(res, RESULTS / "uq.png")
    print_table(res)
    return res


def print_table(res: dict) -> None:
    prop, km = res["propagation"], res["koopman"]
    print(f"\n{'steps':>6s} {'Normal':>10s} {'uncertainties':>14s} {'ratio':>10s}")
    for k in sorted(int(k) for k in prop["ours"]):
        o = prop["ours"][str(k)]["time_s"]
        p = prop["uncertainties"].get(str(k))
        ps = format_time(p["time_s"]) if p else f"> cap ({prop['cap_s']:.0f} s)"
        ratio = f"{p['time_s'] / o:.0f}x" if p else "-"
        print(f"{k:6d} {format_time(o):>10s} {ps:>14s} {ratio:>10s}")
    print(f"Normal, 630 steps: CPU time {format_time(prop['ours']['630']['cpu_time_s'])}")
    print(
        f"sigma theta(6.3) = {prop['sigma_630']:.8f}; finite differences {prop['sigma_fd']:.8f} "
        f"(rel {prop['rel_diff_fd']:.1e}); Monte Carlo ({prop['n_mc']}) {prop['sigma_mc']:.6f} "
        f"(rel {prop['rel_diff_mc']:.2e})"
    )
    print(
        f"Koopman: {km['koopman_solves_1e-6']} solves for 1e-6; Monte Carlo: "
        f"{km['mc_solves_1e-6_extrapolated']:.2e} (extrapolated from s = {km['mc_std']:.3f}), "
        f"ratio {km['ratio_1e-6']:.1e}; at the Monte Carlo error of n = {km['mc_n']} "
        f"({km['mc_rel_se']:.1e}) Koopman needs {km['koopman_solves_at_mc_error']} solves "
        f"({km['ratio_at_mc_error']:.0f}x fewer)"
    )
    print("targets:", json.dumps(res["targets"], indent=1))


if __name__ == "__main__":
    main()
