"""Non-stiff ODE benchmark: sciml_lib's Numba Runge-Kutta vs SciPy and diffrax on Lorenz.

Lorenz on [0, 100], u0 = (1, 0, 0), rtol = atol = 1e-8, in one run:

* ``sciml_lib`` DP5 and Tsit5 with the plain ``@njit`` right-hand side as a user writes it
  (``LORENZ.f = lorenz_rhs``, ending in ``return np.array([dx, dy, dz])``) and **default options**:
  for a module-level ``f`` the loop is specialised on it, cached on disk, with the tableau
  frozen in and ``f`` called as the same function returning a tuple (no array per stage;
  :func:`sciml_lib._specialize.tuple_form`). Saving every step with dense output (the
  default), every step only (what SciPy's RK45 stores) and the final state only (what
  diffrax stores here); the targets compare each peer with DP5 storing what that peer stores;
* the same array right-hand side defined in ``__main__`` (as in a notebook: not importable,
  so the default is the loop compiled once for function pointers, which allocates the array
  per stage), and ``specialize=True`` for it;
* the tuple-returning right-hand side ``lorenz_rhs_tuple`` written by hand;
* SciPy ``solve_ivp`` RK45, DOP853 and LSODA (plain-Python right-hand side, as SciPy users write it);
* diffrax Tsit5 (``jax.jit``, float64, CPU, warm; only the final state saved).

Reports the median time per solve (compile excluded, reported separately: first call in a
fresh process with an empty Numba cache, and with the cache filled), accepted steps, RHS
evaluations and the ratios; then a work-precision sweep (rtol = atol = 1e-4 .. 1e-10, error
at t = 10 against a DOP853 reference at rtol 1e-13).

Writes ``benchmarks/results/ode_nonstiff.json`` and ``benchmarks/results/ode_nonstiff.png``.
Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/ode_nonstiff.py``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax
import numpy as np
from numba import njit

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platform_name", "cpu")

import diffrax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from sciml_lib.ode import solve  # noqa: E402
from sciml_lib.perf import benchmark, format_time, machine_info  # noqa: E402
from sciml_lib.problems import LORENZ, lorenz_components, lorenz_rhs_tuple  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TOL = 1e-8
T_END = 100.0
P = np.array(LORENZ.p)
U0 = np.array(LORENZ.u0)
_lorenz_py = lorenz_components.py_func


def lorenz_scipy(t, u):
    """Plain-Python right-hand side for SciPy (the same scalar arithmetic)."""
    return np.array(_lorenz_py(u[0], u[1], u[2], P[0], P[1], P[2]))


@njit
def lorenz_main(t, u, p):
    """The same array right-hand side defined in ``__main__`` (as in a notebook)."""
    return np.array([p[0] * (u[1] - u[0]), u[0] * (p[1] - u[2]) - u[1], u[0] * u[1] - p[2] * u[2]])


def ours(method, tol=TOL, t_end=T_END, specialize=None, final_only=False, rhs=LORENZ.f, dense=True):
    kw = dict(saveat=[t_end], dense=False) if final_only else dict(dense=dense)
    if specialize is not None:
        kw["specialize"] = specialize
    return solve(rhs, (0.0, t_end), U0, P, method=method, rtol=tol, atol=tol, **kw)


def scipy_run(method, tol=TOL, t_end=T_END):
    return solve_ivp(lorenz_scipy, (0.0, t_end), U0, method=method, rtol=tol, atol=tol)


_term = diffrax.ODETerm(lambda t, y, args: LORENZ.f_jax(t, y, args))


def make_diffrax(tol=TOL, t_end=T_END):
    ctrl = diffrax.PIDController(rtol=tol, atol=tol)

    @jax.jit
    def run(y0, args):
        return diffrax.diffeqsolve(_term, diffrax.Tsit5(), 0.0, t_end, None, y0, args=args,
                                   stepsize_controller=ctrl, max_steps=10**6, saveat=diffrax.SaveAt(t1=True))

    return run


def compile_times() -> dict:
    """First solve in a fresh process: with an empty Numba cache, then with the cache filled."""
    code = (
        "import time, numpy as np\n"
        "t0 = time.perf_counter()\n"
        "from sciml_lib.ode import solve\nfrom sciml_lib.problems import LORENZ\n"
        "t1 = time.perf_counter()\n"
        "solve(LORENZ.f, (0.0, 1.0), LORENZ.u0, np.array(LORENZ.p), method='DP5', specialize=False)\n"
        "t2 = time.perf_counter()\n"
        "solve(LORENZ.f, (0.0, 1.0), LORENZ.u0, np.array(LORENZ.p), method='DP5')\n"
        "t3 = time.perf_counter()\n"
        "solve(LORENZ.f, (0.0, 1.0), LORENZ.u0, np.array(LORENZ.p), method='DP5')\n"
        "t4 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)\n"
    )
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, SCIML_LIB_CACHE_DIR=os.path.join(cache, "rk"))
        for label in ("cold_cache", "warm_cache"):
            res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            imp, first, first_spec, second_spec = map(float, res.stdout.split()[-4:])
            out[label] = {"import_s": imp, "first_solve_typed_s": first, "first_solve_specialized_s": first_spec,
                          "second_solve_specialized_s": second_spec}
    return out


def main() -> dict:
    results: dict = {"problem": "Lorenz, t in [0, 100], u0 = (1, 0, 0), (10, 28, 8/3)", "rtol": TOL, "atol": TOL,
                     "machine": platform.platform(), "cpus": os.cpu_count(), "solvers": {}}
    # ------------------------------------------------------------------ compile
    print("compile times (fresh processes) ...", flush=True)
    results["compile"] = compile_times()
    dsolve = make_diffrax()
    y0, args = jnp.asarray(U0), jnp.asarray(P)
    t0 = time.perf_counter()
    jax.block_until_ready(dsolve(y0, args).ys)
    results["compile"]["diffrax_jit_s"] = time.perf_counter() - t0

    # ------------------------------------------------------------------ main comparison
    cases = {
        "sciml_lib DP5": (lambda: ours("DP5"), "ours"),
        "sciml_lib DP5 (steps only)": (lambda: ours("DP5", dense=False), "ours"),
        "sciml_lib DP5 (final state only)": (lambda: ours("DP5", final_only=True), "ours"),
        "sciml_lib Tsit5": (lambda: ours("Tsit5"), "ours"),
        "sciml_lib Tsit5 (final state only)": (lambda: ours("Tsit5", final_only=True), "ours"),
        "sciml_lib DP5, f in __main__ (fn-pointer loop)": (lambda: ours("DP5", rhs=lorenz_main), "ours"),
        "sciml_lib DP5, f in __main__, specialize=True": (
            lambda: ours("DP5", rhs=lorenz_main, specialize=True), "ours"),
        "sciml_lib DP5, tuple RHS": (lambda: ours("DP5", rhs=lorenz_rhs_tuple), "ours"),
        "sciml_lib DP5, tuple RHS (final state only)": (lambda: ours("DP5", rhs=lorenz_rhs_tuple, final_only=True),
                                                        "ours"),
        "diffrax Tsit5": (lambda: dsolve(y0, args).ys, "diffrax"),
        "SciPy RK45": (lambda: scipy_run("RK45"), "scipy"),
        "SciPy DOP853": (lambda: scipy_run("DOP853"), "scipy"),
        "SciPy LSODA": (lambda: scipy_run("LSODA"), "scipy"),
    }
    for label, (fn, kind) in cases.items():
        print(f"timing {label} ...", flush=True)
        slow = kind == "scipy"
        tm = benchmark(fn, label=label, repeat=3 if slow else 15, number=1 if slow else None,
                       min_time=0.05, max_time=30.0)
        if kind == "ours":
            sol = fn()
            steps, rej, nf = sol.stats.naccept, sol.stats.nreject, sol.stats.nf
            uend = sol.u[-1]
        elif kind == "diffrax":
            s = dsolve(y0, args)
            steps, rej = int(s.stats["num_accepted_steps"]), int(s.stats["num_rejected_steps"])
            nf = int(6 * (steps + rej) + 1)  # Tsit5: 6 new stages per attempted step (FSAL) + 1
            uend = np.asarray(s.ys[-1])
        else:
            r = fn()
            steps, rej, nf = len(r.t) - 1, None, int(r.nfev)
            uend = r.y[:, -1]
        results["solvers"][label] = {"median_s": tm.median, "min_s": tm.min, "naccept": steps, "nreject": rej,
                                     "nf": nf, "u_end": [float(x) for x in uend]}
    S = results["solvers"]
    dp5, ts5 = S["sciml_lib DP5"]["median_s"], S["sciml_lib Tsit5"]["median_s"]
    fin = S["sciml_lib DP5 (final state only)"]["median_s"]
    steps_only = S["sciml_lib DP5 (steps only)"]["median_s"]
    results["ratios"] = {
        "RK45 / DP5 (every step, as RK45 stores)": S["SciPy RK45"]["median_s"] / steps_only,
        "diffrax Tsit5 / DP5 (final state, as diffrax stores)": S["diffrax Tsit5"]["median_s"] / fin,
        "diffrax Tsit5 / Tsit5 (final state, as diffrax stores)":
            S["diffrax Tsit5"]["median_s"] / S["sciml_lib Tsit5 (final state only)"]["median_s"],
        "RK45 / DP5 (every step + dense, the default)": S["SciPy RK45"]["median_s"] / dp5,
        "DOP853 / DP5": S["SciPy DOP853"]["median_s"] / dp5,
        "LSODA / DP5": S["SciPy LSODA"]["median_s"] / dp5,
        "diffrax Tsit5 / DP5 (every step + dense)": S["diffrax Tsit5"]["median_s"] / dp5,
        "diffrax Tsit5 / Tsit5 (every step + dense)": S["diffrax Tsit5"]["median_s"] / ts5,
        "RK45 / DP5 f in __main__ (fn-pointer loop, every step + dense)":
            S["SciPy RK45"]["median_s"] / S["sciml_lib DP5, f in __main__ (fn-pointer loop)"]["median_s"],
        "tuple RHS / array RHS (final state)":
            S["sciml_lib DP5, tuple RHS (final state only)"]["median_s"] / fin,
        "steps DP5 / RK45": S["sciml_lib DP5"]["naccept"] / S["SciPy RK45"]["naccept"],
        "steps Tsit5 / diffrax Tsit5": S["sciml_lib Tsit5"]["naccept"] / S["diffrax Tsit5"]["naccept"],
    }
    results["targets"] = {
        # plain @njit array right-hand side, default options; each peer against DP5 storing what it stores
        "DP5 >= 200x faster than SciPy RK45": results["ratios"]["RK45 / DP5 (every step, as RK45 stores)"] >= 200,
        "DP5 >= 3x faster than diffrax Tsit5":
            results["ratios"]["diffrax Tsit5 / DP5 (final state, as diffrax stores)"] >= 3,
        "DP5 steps within 5% of RK45": abs(results["ratios"]["steps DP5 / RK45"] - 1) <= 0.05,
        "Tsit5 steps within 5% of diffrax": abs(results["ratios"]["steps Tsit5 / diffrax Tsit5"] - 1) <= 0.05,
    }

    # ------------------------------------------------------------------ work-precision at t = 10
    print("work-precision sweep ...", flush=True)
    ref = solve_ivp(lorenz_scipy, (0.0, 10.0), U0, method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
    tols = [10.0**-k for k in range(4, 11)]
    wp: dict = {}
    for name in ("DP5", "Tsit5", "Vern7", "BS3"):
        rows = []
        for tol in tols:
            tm = benchmark(lambda: ours(name, tol, 10.0), repeat=5, min_time=0.02, max_time=5.0)
            err = float(np.abs(ours(name, tol, 10.0).u[-1] - ref).max())
            rows.append({"rtol": tol, "time_s": tm.median, "error": err})
        wp[f"sciml_lib {name}"] = rows
    for name in ("RK45", "DOP853", "LSODA"):
        rows = []
        for tol in tols:
            tm = benchmark(lambda: scipy_run(name, tol, 10.0), repeat=3, number=1, max_time=10.0)
            err = float(np.abs(scipy_run(name, tol, 10.0).y[:, -1] - ref).max())
            rows.append({"rtol": tol, "time_s": tm.median, "error": err})
        wp[f"SciPy {name}"] = rows
    rows = []
    for tol in tols:
        d = make_diffrax(tol, 10.0)
        jax.block_until_ready(d(y0, args).ys)
        tm = benchmark(lambda: d(y0, args).ys, repeat=5, min_time=0.02, max_time=5.0)
        err = float(np.abs(np.asarray(d(y0, args).ys[-1]) - ref).max())
        rows.append({"rtol": tol, "time_s": tm.median, "error": err})
    wp["diffrax Tsit5"] = rows
    results["work_precision"] = wp

    RESULTS.mkdir(exist_ok=True)
    results["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["machine_info"] = machine_info()
    (RESULTS / "ode_nonstiff.json").write_text(json.dumps(results, indent=2))
    plot(results, RESULTS / "ode_nonstiff.png")
    print_table(results)
    return results


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from sciml_lib.plotting import subplots

    fig, (ax1, ax2) = subplots(1, 2, width=11, height=4.2)
    S = results["solvers"]
    labels = list(S)
    times = [S[k]["median_s"] for k in labels]
    ax1.barh(range(len(labels)), times, color=[f"C{i}" for i in range(len(labels))])
    ax1.set_yticks(range(len(labels)), labels)
    ax1.set_xscale("log")
    ax1.invert_yaxis()
    ax1.set_xlabel("seconds per solve (median)")
    ax1.set_title(f"Lorenz on [0, 100], tol {results['rtol']:g}")
    for i, (k, v) in enumerate(zip(labels, times)):
        ax1.text(v, i, f" {format_time(v)}", va="center", fontsize=8)
    for i, (name, rows) in enumerate(results["work_precision"].items()):
        ax2.loglog([r["error"] for r in rows], [r["time_s"] for r in rows], "o-" if "sciml" in name else "s--",
                   label=name, color=f"C{i}")
    ax2.set_xlabel("max error at t = 10")
    ax2.set_ylabel("seconds per solve")
    ax2.set_title("work-precision (rtol = atol = 1e-4 ... 1e-10)")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def print_table(results: dict) -> None:
    S = results["solvers"]
    dp5 = S["sciml_lib DP5"]["median_s"]
    print(f"\nLorenz [0, 100], rtol = atol = {results['rtol']:g}")
    print(f"{'solver':46s} {'median':>10s} {'vs DP5':>8s} {'accepted':>9s} {'rejected':>9s} {'nf':>8s}")
    for k, v in S.items():
        print(f"{k:46s} {format_time(v['median_s']):>10s} {v['median_s'] / dp5:8.1f} {v['naccept']:9d} "
              f"{str(v['nreject']):>9s} {v['nf']:8d}")
    print("\nratios:")
    for k, v in results["ratios"].items():
        print(f"  {k:40s} {v:8.3f}")
    print("targets:", json.dumps(results["targets"], indent=1))
    c = results["compile"]
    for k in ("cold_cache", "warm_cache"):
        v = c[k]
        print(f"compile ({k}): first solve, function-pointer loop {v['first_solve_typed_s']:.2f} s; "
              f"default (specialised) loop {v['first_solve_specialized_s']:.2f} s (import {v['import_s']:.2f} s)")
    print(f"diffrax jit {c['diffrax_jit_s']:.2f} s")


if __name__ == "__main__":
    main()
