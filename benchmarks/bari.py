"""The Bari stiff test set: every stiff method of sciml_lib against SciPy's Radau and BDF.

For the six problems of :data:`sciml_lib.problems.BARI_CASES` (HIRES, ROBER to 1e11, POLLU,
OREGO, E5, VDPOL; published reference solutions :cite:p:`mazzia2008test`) and rtol 1e-6, 1e-8,
1e-10 (atol as in ``BARI_CASES``), each of Rodas4, Rodas5, Rodas5P, Rosenbrock23, BDF and
TR-BDF2, with the analytic Jacobian and at most 100 000 steps: the relative error at the end
(:func:`sciml_lib.problems.bari_error`), success and message, steps and wall time of one
warm solve (compilation excluded); SciPy ``solve_ivp`` Radau and BDF with the same tolerances
and Jacobian beside them.

The criterion of issue 14 (and ``tests/test_bari.py``): error at most
``max(1000 rtol, 10 x SciPy BDF's error)``, or ``success=False`` with a reason. The table marks
each row ``ok``, ``failed (reason)`` or ``OVER``.

Writes ``benchmarks/results/bari.json``. Run: ``.venv/bin/python benchmarks/bari.py``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from scipy.integrate import solve_ivp

from sciml_lib.ode import solve
from sciml_lib.perf import machine_info
from sciml_lib.problems import BARI_CASES, bari_error

RESULTS = Path(__file__).resolve().parent / "results"
RTOLS = (1e-6, 1e-8, 1e-10)
METHODS = ("Rodas4", "Rodas5", "Rodas5P", "Rosenbrock23", "BDF", "TRBDF2")
MAX_STEPS = 100_000


def run_scipy(prob, span, rtol, atol, method):
    t0 = time.perf_counter()
    r = solve_ivp(lambda t, y: prob.f(t, y, prob.p), span, prob.u0, method=method, rtol=rtol,
                  atol=atol, jac=lambda t, y: prob.jac(t, y, prob.p))
    sec = time.perf_counter() - t0
    return {"error": bari_error(prob.name, r.y[:, -1]) if r.success else None,
            "success": bool(r.success), "steps": int(r.t.size - 1), "time": sec}


def run_ours(prob, span, rtol, atol, method):
    # compile what this problem and method need (a loop specialised on f), outside the timing
    solve(prob.f, span, prob.u0, prob.p, method=method, rtol=rtol, atol=atol, jac=prob.jac,
          max_steps=5, dense=False)
    t0 = time.perf_counter()
    s = solve(prob.f, span, prob.u0, prob.p, method=method, rtol=rtol, atol=atol, jac=prob.jac,
              max_steps=MAX_STEPS, dense=False)
    sec = time.perf_counter() - t0
    return {"error": bari_error(prob.name, s.u[-1]) if s.success else None,
            "success": bool(s.success), "message": s.message, "steps": int(s.stats.naccept),
            "time": sec}


def verdict(row: dict, rtol: float, bdf_error: float) -> str:
    if not row["success"]:
        return "failed (" + row["message"].replace("stopped: ", "").split(" at t")[0] + ")"
    return "ok" if row["error"] <= max(1000 * rtol, 10 * bdf_error) else "OVER"


def main() -> None:
    table = []
    for name, (prob, span, atolf) in BARI_CASES.items():
        for rtol in RTOLS:
            atol = atolf(rtol)
            radau = run_scipy(prob, span, rtol, atol, "Radau")
            bdf = run_scipy(prob, span, rtol, atol, "BDF")
            for m in METHODS:
                row = run_ours(prob, span, rtol, atol, m)
                row.update(problem=name, rtol=rtol, atol=atol, method=m,
                           radau_error=radau["error"], scipy_bdf_error=bdf["error"],
                           radau_time=radau["time"], scipy_bdf_time=bdf["time"])
                row["verdict"] = verdict(row, rtol, bdf["error"])
                table.append(row)
                err = f"{row['error']:.1e}" if row["error"] is not None else "-"
                print(f"{name:6s} {rtol:7.0e} {m:13s} error {err:>8s}  Radau {radau['error']:.1e}"
                      f"  SciPy BDF {bdf['error']:.1e}  steps {row['steps']:6d}"
                      f"  {row['time']:7.3f} s  {row['verdict']}", flush=True)
    over = [r for r in table if r["verdict"] == "OVER"]
    out = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine_info(),
           "criterion": "error <= max(1000 rtol, 10 x SciPy BDF error), or success=False",
           "max_steps": MAX_STEPS, "rows": table, "over": len(over)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bari.json").write_text(json.dumps(out, indent=2))
    print(f"{len(table)} rows, {len(over)} over the bound, "
          f"{sum(not r['success'] for r in table)} failed with a reason")


if __name__ == "__main__":
    main()
