"""GPU ensemble benchmark: one thread per trajectory vs the array model (``vmap``) on Lorenz.

Lorenz with ``sigma = 10``, ``beta = 8/3``, ``rho`` drawn uniformly in [0, 21], ``u0 = (1, 0, 0)``
on [0, 1]; fixed steps (1000 steps, dt = 0.001) and adaptive Tsit5 (rtol = atol = 1e-8 in float64,
1e-5 in float32). Rows, side by side in one run:

* ``ours_*``: :func:`sciml_lib.gpu.ensemble_solve`, the per-thread kernel generated from the
  tableaus (``backend="cuda"`` on a GPU, ``backend="cpu"`` = ``numba.prange`` on the CPU);
* ``hand_rk4``: a hand-written numba-cuda RK4 kernel for Lorenz (the floor);
* ``jax_fori_rk4``: ``jax.vmap`` over a ``lax.fori_loop`` of RK4 steps;
* ``diffrax_*``: ``jax.vmap`` over ``diffrax.diffeqsolve`` (Tsit5, constant steps or PIDController);
* on the CPU: ``ours_cpu_*`` with all threads and with one thread.

Times are the solve alone (compiled, warm; GPU kernels synchronised, host-device copies reported
separately). A row whose predicted time (from the previous N) exceeds the per-row cap is skipped.

``--device-run`` runs the GPU rows only (N = 1e4, 1e5, 1e6, 8.4e6, float64 and float32) and writes
``$OUT/gpu_ensemble_gpu.json`` (store it as ``benchmarks/results/gpu_ensemble_gpu.json``); the JSON
is rewritten after every row, so a run cut short keeps what it measured. Without the flag the CPU
rows run (N up to 1e5) and ``benchmarks/results/gpu_ensemble.json`` and ``.png`` are written,
the figure including the stored GPU results.

Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/gpu_ensemble.py`` (CPU), on a GPU machine
``python3 benchmarks/gpu_ensemble.py --device-run --out $OUT``. On the lent H200 image
(numba 0.68.0, numba-cuda 0.30.4, NumPy 2.5) numba-cuda fails to compile kernels
(``np.row_stack``); a NumPy 2.3 wheel installed with ``pip install --target`` and put first on
``PYTHONPATH`` fixes it (the stored run used numpy 2.3.5).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

import numpy as np

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # leave GPU memory to numba too
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sciml_lib.gpu import ensemble_solve, lorenz_scalar  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
T_SPAN = (0.0, 1.0)
DT = 0.001
NSTEPS = 1000
TOL = {"float64": 1e-8, "float32": 1e-5}
GPU_SIZES = (10_000, 100_000, 1_000_000, 8_400_000)
CPU_SIZES = (1_000, 10_000, 100_000)


@functools.lru_cache(maxsize=4)
def ensemble(N: int, dtype, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Initial states and parameters of the Lorenz ensemble (rho uniform in [0, 21])."""
    rng = np.random.default_rng(seed)
    u0s = np.tile(np.array([1.0, 0.0, 0.0]), (N, 1)).astype(dtype)
    ps = np.column_stack(
        [np.full(N, 10.0), rng.uniform(0.0, 21.0, N), np.full(N, 8.0 / 3.0)]
    ).astype(dtype)
    return u0s, ps


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("numba", "numba_cuda", "jax", "jaxlib", "diffrax"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "?")
        except Exception:  # noqa: BLE001 - absent peers are reported as such
            out[name] = None
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# --------------------------------------------------------------------------- peers
_HAND = {}
cuda = None


def hand_rk4_kernel():
    """A hand-written numba-cuda RK4 kernel for Lorenz (registers only, one thread each)."""
    if "k" not in _HAND:
        global cuda  # a module global, as numba's CUDA simulator requires
        from numba import cuda

        @cuda.jit
        def rk4(u0s, ps, dt, nsteps, half, sixth, two, out):
            i = cuda.grid(1)
            if i < out.shape[0]:
                x, y, z = u0s[i, 0], u0s[i, 1], u0s[i, 2]
                s, r, b = ps[i, 0], ps[i, 1], ps[i, 2]
                hh = dt * half
                for _ in range(nsteps):
                    k1x, k1y, k1z = s * (y - x), x * (r - z) - y, x * y - b * z
                    xa, ya, za = x + hh * k1x, y + hh * k1y, z + hh * k1z
                    k2x, k2y, k2z = s * (ya - xa), xa * (r - za) - ya, xa * ya - b * za
                    xa, ya, za = x + hh * k2x, y + hh * k2y, z + hh * k2z
                    k3x, k3y, k3z = s * (ya - xa), xa * (r - za) - ya, xa * ya - b * za
                    xa, ya, za = x + dt * k3x, y + dt * k3y, z + dt * k3z
                    k4x, k4y, k4z = s * (ya - xa), xa * (r - za) - ya, xa * ya - b * za
                    x = x + dt * sixth * (k1x + two * k2x + two * k3x + k4x)
                    y = y + dt * sixth * (k1y + two * k2y + two * k3y + k4y)
                    z = z + dt * sixth * (k1z + two * k2z + two * k3z + k4z)
                out[i, 0], out[i, 1], out[i, 2] = x, y, z

        _HAND["k"] = rk4
    return _HAND["k"]


def run_hand(u0s, ps):
    from numba import cuda

    k = hand_rk4_kernel()
    typ = u0s.dtype.type
    d_u, d_p = cuda.to_device(u0s), cuda.to_device(ps)
    d_out = cuda.device_array_like(u0s)
    block = 128
    grid = (u0s.shape[0] + block - 1) // block
    args = (d_u, d_p, typ(DT), NSTEPS, typ(0.5), typ(1.0 / 6.0), typ(2.0), d_out)

    def call():
        k[grid, block](*args)
        cuda.synchronize()

    return call, lambda: d_out.copy_to_host()


def make_jax_fori(dtype):
    import jax

    from sciml_lib.gpu.jax_backend import fixed_step_fn, jax_vector_field
    from sciml_lib.ode.tableaus import get_tableau

    rhs = jax_vector_field(lorenz_scalar, 3, 3)
    run = fixed_step_fn(rhs, get_tableau("RK4"), T_SPAN[0], DT, NSTEPS, dtype)
    return jax.jit(jax.vmap(run))


def make_diffrax(adaptive: bool, dtype):
    import diffrax
    import jax
    import jax.numpy as jnp

    def vf(t, y, args):
        return jnp.stack(lorenz_scalar(t, (y[0], y[1], y[2]), (args[0], args[1], args[2])))

    term = diffrax.ODETerm(vf)
    solver = diffrax.Tsit5()
    tol = TOL[np.dtype(dtype).name]
    t0, t1 = jnp.asarray(T_SPAN[0], dtype), jnp.asarray(T_SPAN[1], dtype)
    if adaptive:
        ctrl, dt0 = diffrax.PIDController(rtol=tol, atol=tol), None
    else:
        ctrl, dt0 = diffrax.ConstantStepSize(), jnp.asarray(DT, dtype)

    def one(y0, p):
        sol = diffrax.diffeqsolve(
            term,
            solver,
            t0,
            t1,
            dt0,
            y0,
            args=p,
            stepsize_controller=ctrl,
            saveat=diffrax.SaveAt(t1=True),
            max_steps=4096,
        )
        return sol.ys[-1], sol.stats["num_steps"]

    return jax.jit(jax.vmap(one))


# --------------------------------------------------------------------------- timing
def timed(call, repeats: int = 3, budget: float = 5.0) -> float:
    """Median wall time of ``call()`` (already warm); fewer repeats when one call is long."""
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        call()
        times.append(time.perf_counter() - tic)
        if sum(times) > budget:
            break
    return float(np.median(times))


class Runner:
    """Runs rows, skips those predicted to exceed the cap, saves the JSON after each row."""

    def __init__(self, results: dict, path: Path | None, cap: float, deadline: float) -> None:
        self.results, self.path, self.cap, self.deadline = results, path, cap, deadline
        self.last: dict[str, tuple[int, float]] = {}
        self.only: list[str] = []

    def save(self) -> None:
        if self.path is not None:
            tmp = self.path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(self.results, indent=1))
            tmp.replace(self.path)

    def row(self, name: str, N: int, fn) -> dict | None:
        rows = self.results["rows"]
        key = f"{name}|N={N}"
        if self.only and not any(name.startswith(o) for o in self.only):
            return None
        if time.perf_counter() > self.deadline:
            rows[key] = {"skipped": "script time budget spent"}
            self.save()
            return None
        if name in self.last:
            n0, t0 = self.last[name]
            pred = t0 * N / n0
            if pred > self.cap:
                rows[key] = {"skipped": f"predicted {pred:.1f} s > cap {self.cap} s"}
                self.save()
                return None
        tic = time.perf_counter()
        try:
            rec = fn()
        except Exception as exc:  # noqa: BLE001 - a failing peer must not stop the others
            rec = {"error": f"{type(exc).__name__}: {exc}"[:400]}
            traceback.print_exc()
        rec["wall_incl_compile_s"] = time.perf_counter() - tic
        rec.update(name=name, N=N)
        rows[key] = rec
        if "time_s" in rec:
            self.last[name] = (N, rec["time_s"])
            print(f"{key:38s} {rec['time_s'] * 1e3:10.2f} ms", flush=True)
        else:
            print(f"{key:38s} {rec.get('error')}", flush=True)
        self.save()
        return rec


def _stats(counts: np.ndarray) -> dict:
    counts = np.asarray(counts)
    return {
        "min": int(counts.min()),
        "mean": float(counts.mean()),
        "max": int(counts.max()),
        "hist": np.bincount(counts.astype(np.int64)).tolist() if counts.max() < 5000 else None,
    }


def _compare(a: np.ndarray, b: np.ndarray, tol: float) -> dict:
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = tol + tol * np.maximum(np.abs(a), np.abs(b))
    return {
        "max_abs_diff": float(np.max(np.abs(a - b))),
        "max_scaled_diff": float(np.max(np.abs(a - b) / scale)),
    }


# --------------------------------------------------------------------------- GPU rows
def device_rows(runner: Runner, sizes, dtypes) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    finals: dict = {}

    def ours(method, adaptive, dtype, N):
        u0s, ps = ensemble(N, dtype)
        tol = TOL[np.dtype(dtype).name]
        kw = dict(
            method=method,
            adaptive=adaptive,
            dt=None if adaptive else DT,
            rtol=tol,
            atol=tol,
            backend="cuda",
            dtype=dtype,
        )
        r = ensemble_solve(lorenz_scalar, u0s, ps, T_SPAN, **kw)  # compile + warm
        ts, tr = [], []
        for _ in range(3):
            r = ensemble_solve(lorenz_scalar, u0s, ps, T_SPAN, **kw)
            ts.append(r.timings["kernel"])
            tr.append(r.timings["transfer"])
            if sum(ts) > 5.0:
                break
        finals[(method, adaptive, np.dtype(dtype).name, N)] = r.u
        return {
            "time_s": float(np.median(ts)),
            "transfer_s": float(np.median(tr)),
            "success": bool(r.success),
            "steps": _stats(r.naccept),
            "rejects": _stats(r.nreject),
        }

    def hand(dtype, N):
        u0s, ps = ensemble(N, dtype)
        call, get = run_hand(u0s, ps)
        call()
        t = timed(call)
        out = get()
        rec = {"time_s": t}
        ref = finals.get(("RK4", False, np.dtype(dtype).name, N))
        if ref is not None:
            rec["vs_ours_rk4"] = _compare(out, ref, TOL[np.dtype(dtype).name])
        return rec

    def jax_fori(dtype, N):
        u0s, ps = ensemble(N, dtype)
        fn = make_jax_fori(dtype)
        a, b = jax.device_put(u0s), jax.device_put(ps)
        out = jax.block_until_ready(fn(a, b))
        t = timed(lambda: jax.block_until_ready(fn(a, b)))
        rec = {"time_s": t, "dtype_out": str(out.dtype)}
        ref = finals.get(("RK4", False, np.dtype(dtype).name, N))
        if ref is not None:
            rec["vs_ours_rk4"] = _compare(np.asarray(out), ref, TOL[np.dtype(dtype).name])
        return rec

    def dfx(adaptive, dtype, N):
        u0s, ps = ensemble(N, dtype)
        fn = make_diffrax(adaptive, dtype)
        a, b = jax.device_put(u0s), jax.device_put(ps)
        ys, nsteps = jax.block_until_ready(fn(a, b))
        t = timed(lambda: jax.block_until_ready(fn(a, b)), repeats=3, budget=3.0)
        rec = {"time_s": t, "steps": _stats(np.asarray(nsteps)), "dtype_out": str(ys.dtype)}
        ref = finals.get(("Tsit5", adaptive, np.dtype(dtype).name, N))
        if ref is not None:
            rec["vs_ours_tsit5"] = _compare(np.asarray(ys), ref, TOL[np.dtype(dtype).name])
        return rec

    for dtype in dtypes:
        dn = np.dtype(dtype).name
        for N in sizes:
            runner.row(f"ours_rk4_fixed_{dn}", N, lambda: ours("RK4", False, dtype, N))
            runner.row(f"hand_rk4_fixed_{dn}", N, lambda: hand(dtype, N))
            runner.row(f"ours_tsit5_fixed_{dn}", N, lambda: ours("Tsit5", False, dtype, N))
            runner.row(f"ours_tsit5_adaptive_{dn}", N, lambda: ours("Tsit5", True, dtype, N))
            runner.row(f"jax_fori_rk4_fixed_{dn}", N, lambda: jax_fori(dtype, N))
            runner.row(f"diffrax_tsit5_fixed_{dn}", N, lambda: dfx(False, dtype, N))
            runner.row(f"diffrax_tsit5_adaptive_{dn}", N, lambda: dfx(True, dtype, N))


def device_info() -> dict:
    info: dict = {}
    try:
        from numba import cuda

        dev = cuda.get_current_device()
        name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
        info.update(device=name, compute_capability=list(dev.compute_capability))
    except Exception as exc:  # noqa: BLE001
        info["numba_cuda_error"] = f"{type(exc).__name__}: {exc}"[:400]
    try:
        import jax

        info["jax_devices"] = [str(d) for d in jax.devices()]
    except Exception as exc:  # noqa: BLE001
        info["jax_error"] = f"{type(exc).__name__}: {exc}"[:400]
    return info


def targets(rows: dict, suffix: str) -> dict:
    def t(name, N):
        r = rows.get(f"{name}|N={N}", {})
        return r.get("time_s")

    out = {}
    N = 1_000_000
    ours_rk4, hand, ours_ts = (
        t(f"ours_rk4_fixed_{suffix}", N),
        t(f"hand_rk4_fixed_{suffix}", N),
        t(f"ours_tsit5_fixed_{suffix}", N),
    )
    dfx_fixed, dfx_ad, ours_ad = (
        t(f"diffrax_tsit5_fixed_{suffix}", N),
        t(f"diffrax_tsit5_adaptive_{suffix}", N),
        t(f"ours_tsit5_adaptive_{suffix}", N),
    )
    if ours_rk4 and hand:
        out["ours_rk4_over_hand_rk4_1e6"] = ours_rk4 / hand
        out["target_within_1.3x_of_hand_met"] = ours_rk4 / hand <= 1.3
    if ours_ts and dfx_fixed:
        out["diffrax_fixed_over_ours_tsit5_fixed_1e6"] = dfx_fixed / ours_ts
        out["target_100x_over_diffrax_met"] = dfx_fixed / ours_ts >= 100
    if ours_ad and dfx_ad:
        out["diffrax_pid_over_ours_adaptive_1e6"] = dfx_ad / ours_ad
        out["target_30x_adaptive_met"] = dfx_ad / ours_ad >= 30
        cmp = rows.get(f"diffrax_tsit5_adaptive_{suffix}|N={N}", {}).get("vs_ours_tsit5")
        if cmp:
            out["adaptive_final_states_max_scaled_diff"] = cmp["max_scaled_diff"]
    return out


def device_run(out_dir: Path, budget: float, cap: float, sizes, dtypes, only=()) -> dict:
    start = time.perf_counter()
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "versions": versions(),
        "problem": {
            "name": "Lorenz",
            "rho": [0.0, 21.0],
            "tspan": list(T_SPAN),
            "dt": DT,
            "nsteps": NSTEPS,
            "tol": TOL,
            "u0": [1.0, 0.0, 0.0],
        },
        "row_cap_s": cap,
        "rows": {},
    }
    results.update(device_info())
    path = out_dir / "gpu_ensemble_gpu.json"
    runner = Runner(results, path, cap, start + budget)
    runner.only = list(only)
    runner.save()
    device_rows(runner, sizes, dtypes)
    for dn in {np.dtype(d).name for d in dtypes}:
        results[f"targets_{dn}"] = targets(results["rows"], dn)
    results["script_wall_s"] = time.perf_counter() - start
    runner.save()
    print(json.dumps({k: v for k, v in results.items() if k.startswith("targets")}, indent=1))
    return results


# --------------------------------------------------------------------------- CPU rows
def cpu_rows(runner: Runner, sizes) -> None:
    import numba

    nthreads = numba.get_num_threads()

    def ours_cpu(method, adaptive, N, threads):
        u0s, ps = ensemble(N, np.float64)
        kw = dict(
            method=method,
            adaptive=adaptive,
            dt=None if adaptive else DT,
            rtol=1e-8,
            atol=1e-8,
            backend="cpu",
        )
        numba.set_num_threads(threads)
        try:
            ensemble_solve(lorenz_scalar, u0s[:2], ps[:2], T_SPAN, **kw)
            ts = []
            for _ in range(3):
                r = ensemble_solve(lorenz_scalar, u0s, ps, T_SPAN, **kw)
                ts.append(r.timings["kernel"])
        finally:
            numba.set_num_threads(nthreads)
        return {"time_s": float(np.median(ts)), "threads": threads, "steps": _stats(r.naccept)}

    def jax_backend(method, adaptive, N):
        u0s, ps = ensemble(N, np.float64)
        r = ensemble_solve(
            lorenz_scalar,
            u0s,
            ps,
            T_SPAN,
            method=method,
            adaptive=adaptive,
            dt=None if adaptive else DT,
            rtol=1e-8,
            atol=1e-8,
            backend="jax",
        )
        return {"time_s": r.timings["kernel"]}

    for N in sizes:
        for method, adaptive, tag in (
            ("RK4", False, "rk4_fixed"),
            ("Tsit5", True, "tsit5_adaptive"),
        ):
            runner.row(
                f"ours_cpu_{tag}_threads{nthreads}",
                N,
                lambda: ours_cpu(method, adaptive, N, nthreads),
            )
            runner.row(f"ours_cpu_{tag}_threads1", N, lambda: ours_cpu(method, adaptive, N, 1))
            runner.row(f"jax_vmap_cpu_{tag}", N, lambda: jax_backend(method, adaptive, N))


def plot(cpu: dict, gpu: dict | None, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from sciml_lib.plotting import subplots, use_style

    use_style()
    fig, axes = subplots(1, 2, width=11, height=4)
    for res, ls, tag in ((gpu, "-", "GPU"), (cpu, "--", "CPU")):
        if not res:
            continue
        names = sorted(
            {
                r["name"]
                for r in res["rows"].values()
                if "time_s" in r and "float32" not in r["name"]
            }
        )
        for name in names:
            pts = sorted(
                (r["N"], r["time_s"])
                for r in res["rows"].values()
                if r.get("name") == name and "time_s" in r
            )
            if pts:
                axes[0].loglog(*zip(*pts), ls, marker="o", label=f"{tag}: {name}")
    axes[0].set_xlabel("trajectories N")
    axes[0].set_ylabel("time [s]")
    axes[0].set_title("Lorenz ensemble, float64")
    axes[0].legend(fontsize=6)
    if gpu:
        tg = gpu.get("targets_float64", {})
        labels = [k for k in tg if not k.startswith(("target", "adaptive_final"))]
        axes[1].bar(range(len(labels)), [tg[k] for k in labels])
        axes[1].set_xticks(
            range(len(labels)), [k.replace("_", " ") for k in labels], rotation=20, fontsize=6
        )
        axes[1].set_yscale("log")
        axes[1].set_title(f"ratios at N = 1e6 on {gpu.get('device', 'GPU')}")
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device-run", action="store_true", help="GPU rows only, JSON to --out")
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", RESULTS)))
    ap.add_argument("--budget", type=float, default=270.0, help="seconds after which no row starts")
    ap.add_argument("--cap", type=float, default=12.0, help="skip a row predicted longer (s)")
    ap.add_argument("--sizes", type=str, default=None, help="comma-separated N (overrides)")
    ap.add_argument("--dtypes", type=str, default="float64,float32")
    ap.add_argument("--only", type=str, default="", help="comma-separated row-name prefixes")
    args = ap.parse_args()
    dtypes = [np.dtype(d).type for d in args.dtypes.split(",")]
    if args.device_run:
        sizes = (
            GPU_SIZES if args.sizes is None else tuple(int(float(s)) for s in args.sizes.split(","))
        )
        args.out.mkdir(parents=True, exist_ok=True)
        device_run(
            args.out, args.budget, args.cap, sizes, dtypes, [o for o in args.only.split(",") if o]
        )
        return
    sizes = CPU_SIZES if args.sizes is None else tuple(int(float(s)) for s in args.sizes.split(","))
    import numba

    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "numba_threads": numba.get_num_threads(),
        "versions": versions(),
        "rows": {},
    }
    RESULTS.mkdir(exist_ok=True)
    runner = Runner(
        results, RESULTS / "gpu_ensemble.json", args.cap, time.perf_counter() + args.budget
    )
    cpu_rows(runner, sizes)
    nt = numba.get_num_threads()
    for tag in ("rk4_fixed", "tsit5_adaptive"):
        a = results["rows"].get(f"ours_cpu_{tag}_threads1|N={sizes[-1]}", {}).get("time_s")
        b = results["rows"].get(f"ours_cpu_{tag}_threads{nt}|N={sizes[-1]}", {}).get("time_s")
        if a and b:
            results[f"prange_speedup_{tag}"] = a / b
    runner.save()
    gpu_path = RESULTS / "gpu_ensemble_gpu.json"
    gpu = json.loads(gpu_path.read_text()) if gpu_path.exists() else None
    plot(results, gpu, RESULTS / "gpu_ensemble.png")
    print({k: v for k, v in results.items() if k.startswith("prange")})


if __name__ == "__main__":
    main()
