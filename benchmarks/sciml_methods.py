"""SciML methods of lecture 15 against their peer packages and reference values, in one run.

* SINDy on Lorenz (dt = 0.002 on [0, 10], x0 = (-8, 8, 27), degree 2, threshold 0.1, finite
  differences): support, max coefficient error and fit time, ``sciml_lib.sindy`` vs pysindy.
* Deep BSDE, d = 100: HJB (LQG) with lambda = 10 against the Cole-Hopf Monte Carlo value, and
  Allen-Cahn against the published 0.052802 (Han, Jentzen, E 2018): relative error and run time.
* Echo state network on Lorenz (dt = 0.02, 5000 training steps): valid prediction time (threshold
  0.4, Lyapunov times) over 5 seeds and fit time, ``sciml_lib.reservoir`` (400 units) vs
  reservoirpy (300 units).
* UDE on Lotka-Volterra with 5% noise (known linear terms + network), then SINDy on the network:
  the recovered interaction coefficients against -0.9 xy and +0.8 xy.
* Surrogate of a Lotka-Volterra quantity of interest: error and break-even count.

Writes ``benchmarks/results/sciml_methods.json`` and ``benchmarks/results/sciml_methods.png``.
Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/sciml_methods.py``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platform_name", "cpu")

from sciml_lib.bsde import allen_cahn, hjb_lqg, hjb_lqg_exact, solve_bsde  # noqa: E402
from sciml_lib.ode import solve  # noqa: E402
from sciml_lib.perf import benchmark, cpu_model  # noqa: E402
from sciml_lib.problems import LORENZ  # noqa: E402
from sciml_lib.reservoir import ESN, LORENZ_LYAPUNOV, valid_prediction_time  # noqa: E402
from sciml_lib.sindy import polynomial_library, sindy  # noqa: E402
from sciml_lib.ude import (  # noqa: E402
    break_even,
    fit_surrogate,
    lotka_volterra_qoi,
    recover_missing_interaction,
)

RESULTS = Path(__file__).resolve().parent / "results"


def _jsonable(o):
    """NumPy scalars (``np.bool_``, ``np.float64``) as Python scalars for ``json``."""
    return o.item() if hasattr(o, "item") else str(o)


def bench_sindy() -> dict:
    import pysindy as ps

    dt = 0.002
    t = np.arange(0, 10 + dt / 2, dt)
    X = solve(LORENZ.f, (0, 10), np.array([-8.0, 8.0, 27.0]), LORENZ.p, rtol=1e-12, atol=1e-12,
              saveat=t).u
    _, feats = polynomial_library(X[:2], 2)
    true = np.zeros((len(feats), 3))
    s, r, b = LORENZ.p
    for (term, eq), c in {("x", 0): -s, ("y", 0): s, ("x", 1): r, ("y", 1): -1, ("x z", 1): -1,
                          ("z", 2): -b, ("x y", 2): 1}.items():
        true[feats.index(term), eq] = c

    def ours():
        return sindy(X, t, 2, 0.1, "finite")

    def peer():
        m = ps.SINDy(optimizer=ps.STLSQ(threshold=0.1),
                     feature_library=ps.PolynomialLibrary(degree=2))
        return m.fit(X, t=dt)

    res = ours()
    m = peer()
    t_ours = benchmark(ours, repeat=15).min
    t_peer = benchmark(peer, repeat=15).min
    return {
        "ours": {"time_s": t_ours, "exact_support": bool(np.array_equal(res.support(), true != 0)),
                 "max_coef_error": float(np.abs(res.coefficients - true).max())},
        "pysindy": {"time_s": t_peer, "version": ps.__version__,
                    "exact_support": bool(np.array_equal(m.coefficients().T != 0, true != 0)),
                    "max_coef_error": float(np.abs(m.coefficients().T - true).max())},
        "speedup": t_peer / t_ours,
    }


def bench_bsde() -> dict:
    exact = hjb_lqg_exact(100, 10.0, 1.0)
    out = {"hjb_exact_cole_hopf": exact}
    # one network per time step as in Han, Jentzen and E; with lambda = 10 the error of Y_0
    # follows the error of the Z networks (the driver is lambda |Z|^2), so they train longer:
    # a shared network at 4000 iterations (or 40 time steps) stayed at 1.2%
    r = solve_bsde(hjb_lqg(100, 10.0), n_steps=20, batch=128, iterations=8000, lr=1e-2, seed=0,
                   shared=False, progress=False)
    out["hjb"] = {"u0": r.u0, "rel_error": r.relative_error(exact), "time_s": r.time,
                  "config": "per-step nets, batch 128, 8000 its, lr 1e-2 decayed"}
    r = solve_bsde(allen_cahn(100), n_steps=20, batch=64, iterations=2000, lr=5e-4, seed=0,
                   progress=False)
    out["allen_cahn"] = {"u0": r.u0, "reference": 0.052802, "rel_error": r.relative_error(),
                         "time_s": r.time,
                         "config": "per-step nets, batch 64, 2000 its, lr 5e-4 decayed"}
    return out


def bench_esn() -> dict:
    from reservoirpy.nodes import Reservoir, Ridge

    dt, n_train, n_test, n_skip = 0.02, 5000, 1000, 500
    t = np.arange(n_skip + n_train + n_test) * dt
    U = solve(LORENZ.f, (0, t[-1]), np.array([1.0, 1.0, 1.0]), LORENZ.p, rtol=1e-10, atol=1e-10,
              saveat=t).u
    tr, te = U[n_skip:n_skip + n_train], U[n_skip + n_train:]
    ours_v, ours_t, peer_v, peer_t = [], [], [], []
    for seed in range(5):
        esn = ESN(400, spectral_radius=0.5, input_scaling=0.3, density=0.05, ridge=1e-7, seed=seed)
        esn.fit(tr)  # compile / warm
        t0 = time.perf_counter()
        esn.fit(tr)
        ours_t.append(time.perf_counter() - t0)
        ours_v.append(valid_prediction_time(esn.predict(n_test), te, dt, LORENZ_LYAPUNOV))
        mu, sd = tr.mean(0), tr.std(0)
        Z = (tr - mu) / sd
        model = Reservoir(300, sr=0.5, lr=1.0, input_scaling=0.3, rc_connectivity=0.05,
                          seed=seed) >> Ridge(ridge=1e-7)
        t0 = time.perf_counter()
        model.fit(Z[:-1], Z[1:], warmup=100)
        peer_t.append(time.perf_counter() - t0)
        y = Z[-1]
        out = np.empty((n_test, 3))
        for k in range(n_test):
            y = model(y)
            out[k] = np.ravel(y)
        peer_v.append(valid_prediction_time(out * sd + mu, te, dt, LORENZ_LYAPUNOV))
    import reservoirpy

    return {"ours": {"vpt": ours_v, "median_vpt": float(np.median(ours_v)), "fit_s": min(ours_t),
                     "units": 400},
            "reservoirpy": {"vpt": peer_v, "median_vpt": float(np.median(peer_v)),
                            "fit_s": min(peer_t),
                            "units": 300, "version": reservoirpy.__version__}}


def bench_surrogate() -> dict:
    def qoi(p):
        return lotka_volterra_qoi([p[0], p[1], 3.0, 1.0])

    sur = fit_surrogate(qoi, [1.0, 0.5], [2.0, 1.5], n_samples=300, iterations=1500, seed=0,
                        progress=False)
    P = np.random.default_rng(1).uniform([1.0, 0.5], [2.0, 1.5], (200, 2))
    q = np.array([qoi(p) for p in P])
    err = float(np.linalg.norm(sur(P) - q) / np.linalg.norm(q))
    t_solve = benchmark(qoi, P[0]).min
    t_batch = benchmark(sur, P).min / len(P)
    return {"rel_l2_error": err, "t_build_s": sur.t_build, "t_solve_s": t_solve,
            "t_surrogate_batched_s": t_batch,
            "break_even": break_even(sur.t_build, t_solve, t_batch)}


def bench_ude() -> dict:
    # the full-size run: one trajectory of 21 samples on [0, 5], (16, 16) network,
    # collocation 1000, Adam 1000 + 1000, L-BFGS 1500 (the defaults of fit_lotka_volterra_ude)
    r = recover_missing_interaction(0.05, 0, threshold=0.2, progress=False)
    return {k: r[k] for k in ("equations", "coef_xy", "rel_error", "spurious_terms",
                              "final_loss", "time_s")}


def plot(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    from sciml_lib import plotting

    plotting.use_style()
    fig, axes = plotting.subplots(1, 2, width=11, height=3.8)
    s = results["sindy"]
    plotting.bar_speedups(axes[0], ["pysindy", "sciml_lib.sindy"], [1.0, s["speedup"]],
                          baseline="pysindy")
    axes[0].set_title("SINDy fit on Lorenz")
    e = results["esn"]
    axes[1].boxplot([e["ours"]["vpt"], e["reservoirpy"]["vpt"]])
    axes[1].set_xticks([1, 2], ["sciml_lib ESN (400)", "reservoirpy (300)"])
    axes[1].set_ylabel("valid prediction time (Lyapunov times)")
    axes[1].set_title("ESN on Lorenz, 5 seeds")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> dict:
    import sys

    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
               "cpu": cpu_model(), "cores": os.cpu_count(),
               "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                            "jax": jax.__version__}}
    results["sindy"] = bench_sindy()
    results["esn"] = bench_esn()
    results["surrogate"] = bench_surrogate()
    results["ude"] = bench_ude()
    results["bsde"] = bench_bsde()
    b, s, e = results["bsde"], results["sindy"], results["esn"]
    results["targets"] = {
        "sindy_exact_support": s["ours"]["exact_support"],
        "sindy_max_coef_error<=1e-2": s["ours"]["max_coef_error"] <= 1e-2,
        "sindy_speedup>=5": s["speedup"] >= 5,
        "bsde_hjb_within_1%": b["hjb"]["rel_error"] <= 0.01,
        "bsde_allen_cahn_within_1%": b["allen_cahn"]["rel_error"] <= 0.01,
        "esn_median_vpt>=3.6": e["ours"]["median_vpt"] >= 3.6,
        "esn_fit<0.5s": e["ours"]["fit_s"] < 0.5,
        "ude_terms_within_10%": max(results["ude"]["rel_error"]) <= 0.10,
        "ude_no_spurious_terms": results["ude"]["spurious_terms"] == 0,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sciml_methods.json").write_text(json.dumps(results, indent=2, default=_jsonable))
    plot(results, RESULTS / "sciml_methods.png")
    return results


def print_table(r: dict) -> None:
    s, e, b, g = r["sindy"], r["esn"], r["bsde"], r["surrogate"]
    print(f"{'method':<28}{'sciml_lib':>16}{'peer':>16}{'ratio':>10}")
    print(f"{'SINDy fit time':<28}{s['ours']['time_s'] * 1e3:>14.2f}ms"
          f"{s['pysindy']['time_s'] * 1e3:>14.2f}ms{s['speedup']:>9.1f}x")
    print(f"{'SINDy max coef error':<28}{s['ours']['max_coef_error']:>16.2e}"
          f"{s['pysindy']['max_coef_error']:>16.2e}")
    print(f"{'ESN median VPT (Lyap.)':<28}{e['ours']['median_vpt']:>16.2f}"
          f"{e['reservoirpy']['median_vpt']:>16.2f}")
    print(f"{'ESN fit time':<28}{e['ours']['fit_s']:>15.3f}s{e['reservoirpy']['fit_s']:>15.3f}s"
          f"{e['reservoirpy']['fit_s'] / e['ours']['fit_s']:>9.1f}x")
    print(f"{'BSDE HJB d=100 rel. error':<28}{b['hjb']['rel_error']:>16.2%}"
          f"{'exact':>10} {b['hjb_exact_cole_hopf']:.5f}  ({b['hjb']['time_s']:.0f} s)")
    print(f"{'BSDE Allen-Cahn rel. error':<28}{b['allen_cahn']['rel_error']:>16.2%}"
          f"{'ref':>10} 0.052802  ({b['allen_cahn']['time_s']:.0f} s)")
    print(f"{'surrogate rel. L2 error':<28}{g['rel_l2_error']:>16.2%}   break-even N* = "
          f"{g['break_even']:,.0f}")
    u = r["ude"]
    print(f"{'UDE + SINDy (5% noise)':<28}  xy coefficients {u['coef_xy'][0]:+.4f}, "
          f"{u['coef_xy'][1]:+.4f} (truth -0.9, +0.8), spurious terms {u['spurious_terms']}")
    print("targets:", json.dumps(r["targets"], indent=1, default=_jsonable))


if __name__ == "__main__":
    print_table(main())
