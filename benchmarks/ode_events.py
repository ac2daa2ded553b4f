"""Events benchmark: what events cost in sciml_lib's compiled loop, side by side with SciPy.

In one run, on Lorenz over [0, 100] (u0 = (1, 0, 0), rtol = atol = 1e-8, Tsit5, every step saved
with dense output, the default function-pointer loop):

* no events (the target: no slowdown beyond 5% against the same solve before events existed:
  with ``--baseline PATH``, a checkout of the commit before events, the old and this library run
  alternately in 6 fresh processes each; the ratios of their medians and of their best are kept);
* a terminal event that never fires (the per-step hook in the compiled loop: ``watch``);
* the Poincare section ``z = rho - 1`` as an observed event (every crossing located);
* SciPy ``solve_ivp`` (DOP853, plain-Python right-hand side) without and with the same event.

And the bouncing ball (restitution 0.9, [0, 8], rtol 1e-10): ``ContinuousCallback`` against
SciPy's usual pattern (a terminal event, then a new ``solve_ivp`` from the bounce), with the
largest error of the bounce times against the closed form.

Writes ``benchmarks/results/ode_events.json``.
Run: ``.venv/bin/python benchmarks/ode_events.py [--baseline /path/to/old/checkout]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
TOL = 1e-8
T_END = 100.0


def time_no_events(repeat: int = 15) -> dict:
    """Median time of the Lorenz solve without events (importable by an older library)."""
    from sciml_lib.ode import solve
    from sciml_lib.perf import benchmark
    from sciml_lib.problems import LORENZ

    u0, p = np.array(LORENZ.u0), np.array(LORENZ.p)

    def run():
        return solve(LORENZ.f, (0.0, T_END), u0, p, method="Tsit5", rtol=TOL, atol=TOL)

    sol = run()
    t = benchmark(run, repeat=repeat, min_time=0.2, max_time=60.0)
    return {"median_s": t.median, "naccept": int(sol.stats.naccept)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", help="a checkout of the library before events")
    ap.add_argument("--only-none", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only_none:
        print(json.dumps(time_no_events()))
        return

    from numba import njit
    from scipy.integrate import solve_ivp

    from sciml_lib.ode import ContinuousCallback, Event, solve
    from sciml_lib.perf import benchmark, machine_info
    from sciml_lib.problems import (
        LORENZ,
        ball_bounce,
        ball_height,
        ball_rhs,
        bounce_times,
        lorenz_components,
        lorenz_section,
    )

    u0, p = np.array(LORENZ.u0), np.array(LORENZ.p)

    @njit(cache=True)
    def never(t, u, p):
        return u[2] + 1000.0  # z > 0 on the attractor: never zero

    def ours(**kw):
        return solve(LORENZ.f, (0.0, T_END), u0, p, method="Tsit5", rtol=TOL, atol=TOL, **kw)

    lor_py = lorenz_components.py_func

    def rhs_scipy(t, u):
        return np.array(lor_py(u[0], u[1], u[2], p[0], p[1], p[2]))

    def section_scipy(t, u):
        return u[2] - (p[1] - 1.0)

    section_scipy.direction = -1

    def scipy(events=None):
        return solve_ivp(rhs_scipy, (0.0, T_END), u0, method="DOP853", rtol=TOL, atol=TOL,
                         events=events, dense_output=True)

    rows = {}
    base = None
    if args.baseline:
        # the compiled loop's speed differs from process to process by up to about 30% (code
        # placement), so old and new run alternately in 6 fresh processes each
        def child(path: str) -> float:
            env = dict(os.environ, PYTHONPATH=str(Path(path).resolve()))
            out = subprocess.run([sys.executable, __file__, "--only-none"], env=env,
                                 capture_output=True, text=True, check=True)
            return json.loads(out.stdout.strip().splitlines()[-1])["median_s"]

        here = str(Path(__file__).resolve().parents[1])
        old, new = [], []
        for _ in range(6):
            old.append(child(args.baseline))
            new.append(child(here))
        base = {"median_s": float(np.median(old)), "per_process_s": old,
                "this_version_per_process_s": new,
                "ratio_of_medians": float(np.median(new) / np.median(old)),
                "ratio_of_best": float(min(new) / min(old)), "naccept": None}
    rows["no_events"] = time_no_events()
    terminal = Event(never, terminal=True, direction=-1)
    section = Event(lorenz_section, direction=-1)
    for name, kw in (("terminal_never_fires", {"events": terminal}),
                     ("poincare_section", {"events": section})):
        sol = ours(**kw)
        t = benchmark(lambda kw=kw: ours(**kw), repeat=15, min_time=0.2, max_time=60.0)
        rows[name] = {"median_s": t.median, "naccept": int(sol.stats.naccept),
                      "nevents": int(sol.t_events[0].size)}
    for name, ev in (("scipy_no_events", None), ("scipy_poincare_section", section_scipy)):
        sol = scipy(ev)
        t = benchmark(lambda ev=ev: scipy(ev), repeat=5, min_time=0.2, max_time=60.0)
        rows[name] = {"median_s": t.median, "naccept": int(sol.t.size - 1),
                      "nevents": int(sol.t_events[0].size) if ev else 0}
    ref_sec = ours(events=section).t_events[0]
    sp_sec = scipy(section_scipy).t_events[0]
    n = min(10, ref_sec.size, sp_sec.size)
    agree = float(np.abs(ref_sec[:n] - sp_sec[:n]).max())

    # bouncing ball
    g, e, t_end, btol = 9.81, 0.9, 8.0, 1e-10  # before the Zeno point (about 8.58)
    pb = np.array([g, e])
    ball_cb = ContinuousCallback(ball_height, ball_bounce, direction=-1)

    def ball_ours():
        return solve(ball_rhs, (0.0, t_end), np.array([1.0, 0.0]), pb, rtol=btol,
                     atol=btol * 1e-2, events=ball_height, callbacks=ball_cb)

    def hit(t, u):
        return u[0]

    hit.terminal, hit.direction = True, -1

    def ball_scipy():
        t, u, times = 0.0, np.array([1.0, 0.0]), []
        while t < t_end and len(times) < 200:
            s = solve_ivp(lambda t, u: [u[1], -g], (t, t_end), u, method="DOP853", rtol=btol,
                          atol=btol * 1e-2, events=hit)
            if s.status != 1:
                break
            t, u = s.t_events[0][0], s.y_events[0][0].copy()
            times.append(t)
            u[1] = -e * u[1]
            u[0] = 0.0
        return np.array(times)

    bo = ball_ours().t_events[0]
    bs = ball_scipy()
    bo = bo[bo < t_end]
    exact = bounce_times(1.0, g, e, 400)
    exact = exact[exact < t_end]
    k = min(bo.size, bs.size, 25)
    tb_ours = benchmark(ball_ours, repeat=7, min_time=0.2, max_time=60.0)
    tb_scipy = benchmark(ball_scipy, repeat=3, min_time=0.2, max_time=60.0)
    ball = {
        "ours_s": tb_ours.median, "scipy_s": tb_scipy.median,
        "ratio_scipy_over_ours": tb_scipy.median / tb_ours.median,
        "bounces_ours": int(bo.size), "bounces_scipy": int(bs.size),
        "max_err_first25_ours": float(np.abs(bo[:k] - exact[:k]).max()),
        "max_err_first25_scipy": float(np.abs(bs[:k] - exact[:k]).max()),
    }

    none = rows["no_events"]["median_s"]
    ratios = {
        "terminal_hook_over_none": rows["terminal_never_fires"]["median_s"] / none,
        "section_over_none": rows["poincare_section"]["median_s"] / none,
        "scipy_section_over_scipy_none": rows["scipy_poincare_section"]["median_s"]
        / rows["scipy_no_events"]["median_s"],
        "scipy_section_over_ours_section": rows["scipy_poincare_section"]["median_s"]
        / rows["poincare_section"]["median_s"],
    }
    if base is not None:
        ratios["none_over_before_events_median"] = base["ratio_of_medians"]
        ratios["none_over_before_events_best"] = base["ratio_of_best"]
    out = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine_info(),
        "problem": f"Lorenz on [0, {T_END}], Tsit5, rtol = atol = {TOL}",
        "rows": rows, "before_events": base, "ratios": ratios,
        "section_times_agree_with_scipy_first10": agree, "bouncing_ball": ball,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ode_events.json").write_text(json.dumps(out, indent=2))
    for name, row in rows.items():
        print(f"{name:28s} {row['median_s'] * 1e3:9.3f} ms  steps {row['naccept']}")
    if base is not None:
        print(f"{'before events (6 processes)':28s} {base['median_s'] * 1e3:9.3f} ms  "
              f"(per process {', '.join(f'{x * 1e3:.2f}' for x in base['per_process_s'])}; "
              f"this version {', '.join(f'{x * 1e3:.2f}' for x in base['this_version_per_process_s'])})")
    for name, r in ratios.items():
        print(f"{name:36s} {r:7.3f}")
    print("section times vs SciPy (first 10):", agree)
    print("bouncing ball:", json.dumps(ball))


if __name__ == "__main__":
    main()
