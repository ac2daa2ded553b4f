"""Stiff ODE solvers, side by side: sciml_lib Rosenbrock (Rodas5, Rodas5P, Rodas4, Rosenbrock23)/TR-BDF2/BDF vs SciPy BDF, Radau, LSODA vs diffrax Kvaerno5.

Problems (all from :mod:`sciml_lib.problems`): ROBER on [0, 1e5], HIRES, POLLU on
[0, 60], and the 2-D Brusselator (N = 32, 2048 unknowns, sparse). Every method
gets the problem's analytic Jacobian (SciPy: ``jac=``; for the Brusselator SciPy
gets ``jac_sparsity`` and sciml_lib a coloured Jacobian of the same pattern; sciml_lib also gets the
problem's ``tstops``, the time t = 1.1 where the forcing switches on, which SciPy's solvers cannot take).
The error is the max-norm error at the final time against a tight SciPy Radau
solution. Times are the minimum over repeats of warm (compiled) solves. For the
Brusselator it also times one SuperLU factorisation and solve of :math:`W` with each
ordering and prints what the factorisations alone cost each run, against the time a
5x speed-up over SciPy's BDF at equal error would allow (``linear_algebra_floor``).

**Large systems** (:func:`large_systems`): the Brusselator at N = 32, 64, 128 (2 048 to
32 768 unknowns), rtol 1e-4..1e-7, our BDF with each linear solver (sparse LU, and GMRES
preconditioned by ILU, algebraic multigrid, a reused exact LU, or the exact LU of the diffusion
part alone, :func:`sciml_lib.ode.part_lu`) against SciPy BDF and Radau
given ``jac_sparsity``: times, errors, factorisations, preconditioner setups, Krylov
iterations, equal-error speed-ups over SciPy BDF, peak memory of each solve (fresh
process), and the growth of the time with N (figure ``ode_stiff_large.png``).

Run: ``python benchmarks/ode_stiff.py`` (writes ``benchmarks/results/ode_stiff.json``
and ``.png`` and prints the ratios). ``--quick`` runs fewer tolerances; ``--large-only``
runs only the large-systems table and merges it into the stored JSON; ``--peer-loose``
adds SciPy BDF's rows at ``LARGE_PEER_LOOSE`` (dated) to the stored table.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import sys
import time
import warnings

import numpy as np
from scipy.integrate import solve_ivp

from sciml_lib.ode import part_lu
from sciml_lib.perf import benchmark, machine_info
from sciml_lib.problems import (
    POLLU,
    ROBER,
    brusselator_2d,
    brusselator_2d_diffusion,
    brusselator_2d_sparsity,
    rober_rhs_tuple,
)
from sciml_lib.problems.hires import HIRES
from sciml_lib.stiff import solve

OUT = pathlib.Path(__file__).resolve().parent / "results"


def reference(prob, tspan, rtol=1e-12, atol=1e-15, sparse=False):
    f = lambda t, y: prob.f(t, y, prob.p)  # noqa: E731
    jac = lambda t, y: prob.jac(t, y, prob.p)  # noqa: E731
    r = solve_ivp(f, tspan, np.array(prob.u0), method="Radau", rtol=rtol, atol=atol, jac=jac)
    assert r.success, r.message
    return r.y[:, -1]


def time_it(fn, budget):
    """(min seconds, result): repeats within ``budget`` seconds (at least one untimed warm-up)."""
    res = fn()
    t = benchmark(fn, repeat=5, min_time=min(0.05, budget / 5), max_time=budget, warmup=0)
    return t.min, res


def run_problem(name, prob, tspan, tols, atol_factor, ref, budget, sparse_pattern=None, with_diffrax=False, f_tuple=None):
    rows = {}
    fs = lambda t, y: prob.f(t, y, prob.p)  # noqa: E731
    js = lambda t, y: prob.jac(t, y, prob.p)  # noqa: E731
    u0 = np.array(prob.u0)

    def record(method, tol, seconds, err, **stats):
        rows.setdefault(method, []).append(dict(rtol=tol, atol=tol * atol_factor, time=seconds, error=float(err), **stats))
        print(f"  {name:11s} {method:26s} rtol={tol:.0e}: {seconds * 1e3:10.3f} ms  error {err:.2e}  {stats}", flush=True)

    sciml = {"sciml Rodas5": dict(method="Rodas5"), "sciml Rodas5P": dict(method="Rodas5P"),
             "sciml Rodas4": dict(method="Rodas4"),
             "sciml Rosenbrock23": dict(method="Rosenbrock23"),
             "sciml BDF": dict(method="BDF")}  # a Python loop over steps: the contrast with the compiled ones
    if f_tuple is not None:  # the same field returning a tuple: no array allocated per stage
        sciml["sciml Rodas5, tuple RHS"] = dict(method="Rodas5", f=f_tuple)
        sciml["sciml Rodas4, tuple RHS"] = dict(method="Rodas4", f=f_tuple)
    if sparse_pattern is not None:
        sciml = {
            "sciml Rodas4 (colored+splu)": dict(method="Rodas4", jac_sparsity=sparse_pattern),
            "sciml Rodas5P (colored+splu)": dict(method="Rodas5P", jac_sparsity=sparse_pattern),
            "sciml TRBDF2 (colored+splu)": dict(method="TRBDF2", jac_sparsity=sparse_pattern),
            "sciml BDF (colored+splu)": dict(method="BDF", jac_sparsity=sparse_pattern),
        }
    for tol in tols:
        atol = tol * atol_factor
        for label, kw0 in sciml.items():
            kw = dict(kw0)
            f = kw.pop("f", prob.f)
            # dense problems: default options (for these module-level f and jac the compiled loop is
            # specialised on them and cached on disk, the tableau frozen in; see solve(specialize=))
            extra = {"tstops": prob.tstops} if sparse_pattern is not None else {"jac": prob.jac}
            run = lambda: solve(f, tspan, u0, prob.p, rtol=tol, atol=atol, **kw, **extra)  # noqa: E731
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                sec, s = time_it(run, budget)
            st = s.stats
            record(label, tol, sec, np.abs(s.u[-1] - ref).max(), steps=st.naccept, nf=st.nf, njac=st.njac, nlu=st.nlu,
                   success=s.success, **({"nsolve": st.nnewton} if st.nnewton else {}))  # Newton iterations = solves
        for m in ("BDF", "Radau", "LSODA"):
            if sparse_pattern is not None and m == "LSODA":
                continue  # LSODA has no sparse Jacobian option: dense 2048 x 2048 LU
            kw = dict(jac_sparsity=sparse_pattern) if sparse_pattern is not None else dict(jac=js)
            t0 = time.perf_counter()
            r = solve_ivp(fs, tspan, u0, method=m, rtol=tol, atol=atol, **kw)
            sec = time.perf_counter() - t0
            if sec < budget / 3:  # cheap enough to repeat: take the minimum
                sec = min(sec, time_it(lambda: solve_ivp(fs, tspan, u0, method=m, rtol=tol, atol=atol, **kw), budget)[0])
            record("SciPy " + m, tol, sec, np.abs(r.y[:, -1] - ref).max(), steps=int(r.t.size - 1), nf=int(r.nfev),
                   njac=int(r.njev), nlu=int(r.nlu), success=bool(r.success))
        if with_diffrax:
            try:
                sec, err, steps = diffrax_solve(prob, tspan, tol, atol, ref, budget)
                record("diffrax Kvaerno5", tol, sec, err, steps=steps)
            except Exception as exc:  # pragma: no cover - optional peer
                print("  diffrax failed:", exc)
                with_diffrax = False
    return rows


def peer_time_at(prow, error):
    """A peer's time interpolated (log-log) at ``error``; None outside the errors it reached."""
    if not prow:
        return None
    pe = np.log([r["error"] for r in prow])
    pt = np.log([r["time"] for r in prow])
    order = np.argsort(pe)
    le = np.log(error)
    if not pe.min() <= le <= pe.max():
        return None
    return float(np.exp(np.interp(le, pe[order], pt[order])))


def linear_algebra_floor(prob, rows):
    """What SuperLU alone costs on the Brusselator's :math:`W = \\alpha I - J`, and what that implies.

    Times one factorisation and one solve of ``W`` (at ``u0``, :math:`\\alpha = 1/(0.05 \\cdot 0.43)`,
    a typical BDF step) with the orderings of sciml_lib (minimum degree on :math:`W^T + W`) and of
    SciPy's BDF (COLAMD, ``splu``'s default). With each run's factorisation and solve counts this
    gives the time a run spends in SuperLU, and for the BDF runs the factorisations-only floor
    against a 5x budget: SciPy BDF's time interpolated at our error, divided by 5.
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    J = sp.csc_matrix(prob.jac(2.0, np.asarray(prob.u0), np.asarray(prob.p)))
    W = (sp.identity(J.shape[0], format="csc") / (0.05 * 0.43) - J).tocsc()
    b = np.ones(J.shape[0])
    cost = {}
    for spec in ("MMD_AT_PLUS_A", "COLAMD"):
        lu = spla.splu(W, permc_spec=spec)
        tf = benchmark(lambda: spla.splu(W, permc_spec=spec), repeat=7, min_time=0.02, warmup=1).min  # noqa: B023
        ts = benchmark(lambda: lu.solve(b), repeat=7, min_time=0.02, warmup=1).min  # noqa: B023
        cost[spec] = {"factor": tf, "solve": ts, "fill": int(lu.L.nnz + lu.U.nnz)}
    out = {"W_cost": cost, "runs": {}}
    print("\nBrusselator N=32, SuperLU on W (one factorisation / one solve / fill of L+U):")
    for spec, c in cost.items():
        print(f"  {spec:14s} {c['factor'] * 1e3:6.2f} ms / {c['solve'] * 1e3:6.3f} ms / {c['fill']}")
    peer = rows.get("SciPy BDF", [])
    for m, rr in rows.items():
        if not (m.startswith("sciml") or m == "SciPy BDF"):
            continue
        c = cost["COLAMD" if m.startswith("SciPy") else "MMD_AT_PLUS_A"]
        for r in rr:
            lu_time = r["nlu"] * c["factor"]
            row = {"rtol": r["rtol"], "error": r["error"], "time": r["time"], "factor_time": lu_time,
                   "factor_share": lu_time / r["time"]}
            if r.get("nsolve"):  # Newton-based runs count their solves (Rosenbrock runs: 0, not counted)
                row["solve_time"] = r["nsolve"] * c["solve"]
            peer_time = peer_time_at(peer, r["error"]) if m.startswith("sciml BDF") else None
            if peer_time is not None:
                budget = peer_time / 5.0
                row.update(budget_5x=budget, factorisations_within_budget=budget / c["factor"])
            out["runs"].setdefault(m, []).append(row)
            extra = ""
            if "budget_5x" in row:
                extra = (f"; 5x budget {row['budget_5x']:.3f} s = {row['factorisations_within_budget']:.0f} factorisations"
                         f" and nothing else (this run: {r['nlu']})")
            print(f"  {m:28s} rtol={r['rtol']:.0e}: {r['nlu']:4d} LU x {c['factor'] * 1e3:.2f} ms = "
                  f"{lu_time:.3f} s of {r['time']:.3f} s ({100 * row['factor_share']:.0f}%){extra}")
    return out


# -- large systems: Newton-Krylov vs sparse LU vs SciPy, N = 32, 64, 128 -------------------------
LARGE_NS = (32, 64, 128)
LARGE_TOLS = (1e-4, 1e-5, 1e-6, 1e-7)
#: our BDF with each linear solver, and the peers (Radau only where it finishes in minutes)
LARGE_OURS = {
    "sciml BDF + splu": {},
    "sciml BDF + GMRES/ILU": dict(linsolve="gmres", precond="ilu"),
    "sciml BDF + GMRES/AMG": dict(linsolve="gmres", precond="amg"),
    "sciml BDF + GMRES/LU": dict(linsolve="gmres", precond="lu"),
    # the LU of the diffusion part I - gamma alpha Lap_h alone (one species' size, shared by u
    # and v), built without any Jacobian matrix: the options depend on N
    "sciml BDF + GMRES/diffusion LU": lambda N: dict(
        linsolve="gmres", precond=part_lu(brusselator_2d_diffusion(N), copies=2)),
}
LARGE_PEERS = {"SciPy BDF": max(LARGE_NS), "SciPy Radau": 64}  # name: largest N it is run at
#: SciPy BDF also runs at this looser rtol (its rows only), so that its errors reach ours at rtol
#: 1e-4 where ours is the larger: the equal-error interpolation then has a point there
LARGE_PEER_LOOSE = 3e-4


def _large_run(N, solver, rtol, final_only=False):
    """One solve of the N x N Brusselator: (seconds, final state, stats dict). ``final_only``: both
    sides are asked for the final state only (SciPy ``t_eval=[t1]``, ours ``saveat=[t1]`` without
    dense output), so that neither stores the trajectory (the memory probe)."""
    br = brusselator_2d(N)
    S = brusselator_2d_sparsity(N)
    u0 = np.array(br.u0)
    t1 = br.tspan[1]
    if solver.startswith("SciPy"):
        fs = lambda t, y: br.f(t, y, br.p)  # noqa: E731
        extra = {"t_eval": [t1]} if final_only else {}
        t0 = time.perf_counter()
        r = solve_ivp(fs, br.tspan, u0, method=solver.split()[1], rtol=rtol, atol=rtol, jac_sparsity=S, **extra)
        sec = time.perf_counter() - t0
        return sec, r.y[:, -1], dict(steps=int(r.t.size - 1), nf=int(r.nfev), njac=int(r.njev), nlu=int(r.nlu),
                                      success=bool(r.success))
    opts = LARGE_OURS[solver]
    kw = dict(opts(N) if callable(opts) else opts,
              **({"saveat": [t1], "dense": False} if final_only else {}))
    t0 = time.perf_counter()
    s = solve(br.f, br.tspan, u0, br.p, method="BDF", rtol=rtol, atol=rtol, jac_sparsity=S, tstops=br.tstops, **kw)
    sec = time.perf_counter() - t0
    st = s.stats
    return sec, s.u[-1], dict(steps=st.naccept, nf=st.nf, njac=st.njac, nlu=st.nlu, nnewton=st.nnewton,
                              nprec=st.nprec, nlinear=st.nlinear, success=bool(s.success))


def _peak_rss_mib(N, solver, rtol):
    """Peak resident memory of one solve above the resident memory before it, in a fresh process
    (after a small warm-up solve that compiles and imports everything). The kernel's high-water
    mark is reset just before the solve (``/proc/self/clear_refs``), so the compiler's own peak
    during the warm-up is not counted. Both sides return the final state only (``final_only``):
    the working memory of the method, not the stored trajectory, is compared."""
    import subprocess

    code = (f"import sys; sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r}); "
            f"import ode_stiff as b; b._large_run(8, {solver!r}, 1e-3); "
            "open('/proc/self/clear_refs', 'w').write('5'); "
            "kib = lambda key: int(next(l for l in open('/proc/self/status') if l.startswith(key)).split()[1]); "
            "r0 = kib('VmRSS:'); "
            f"b._large_run({N}, {solver!r}, {rtol!r}, final_only=True); "
            "print(kib('VmHWM:') - r0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return max(float(out.stdout.strip().splitlines()[-1]) / 1024.0, 0.0)


def large_systems(ns=LARGE_NS, tols=LARGE_TOLS, memory=True):
    """The large-systems table: every solver at every N and rtol, errors against a tight reference,
    equal-error speed-ups over SciPy BDF (its time interpolated at our error), and peak memory.

    The reference at each N is our BDF with GMRES/LU at rtol = atol = 1e-10 (a SciPy Radau
    reference at N = 128 would take hours); at N = 32 its distance to SciPy Radau at 1e-10 is
    recorded as a check (``reference_check``).
    """
    out = {"ns": list(ns), "tols": list(tols), "rows": [], "reference": {}, "speedup_vs_scipy_bdf": {}}
    _large_run(8, "sciml BDF + GMRES/AMG", 1e-3)  # compile and import once
    for N in ns:
        print(f"\nlarge systems: Brusselator N={N} ({2 * N * N} unknowns), reference ...", flush=True)
        tref, ref, _ = _large_run(N, "sciml BDF + GMRES/LU", 1e-10)
        out["reference"][str(N)] = {"solver": "sciml BDF + GMRES/LU", "rtol": 1e-10, "time": tref}
        if N == min(ns):
            br = brusselator_2d(N)
            rad = reference(br, br.tspan, rtol=1e-10, atol=1e-10)
            out["reference_check"] = {"N": N, "max_abs_difference_to_scipy_radau": float(np.abs(rad - ref).max())}
            print(f"  reference vs SciPy Radau (1e-10): {np.abs(rad - ref).max():.1e}", flush=True)
        for tol in tols:
            for solver in [*LARGE_OURS, *LARGE_PEERS]:
                if solver in LARGE_PEERS and N > LARGE_PEERS[solver]:
                    continue
                out["rows"].append(_timed_row(N, solver, tol, ref))
        out["rows"].append(_timed_row(N, "SciPy BDF", LARGE_PEER_LOOSE, ref))
    if memory:
        out["peak_mib"] = peak_memory(ns)
    _summarise(out, ns, tols, memory)
    return out


def _timed_row(N, solver, tol, ref):
    """One row of the large-systems table: the solve timed (best of five when under 2 s: a pause
    of the 2-core machine can last through three runs of a few tenths of a second) and its
    max-norm error against ``ref``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sec, u, st = _large_run(N, solver, tol)
        if sec < 2.0:
            sec = min(sec, *(_large_run(N, solver, tol)[0] for _ in range(4)))
    row = dict(N=N, unknowns=2 * N * N, solver=solver, rtol=tol, time=sec,
               error=float(np.abs(u - ref).max()), **st)
    print(f"  N={N:3d} rtol={tol:.0e} {solver:22s} {sec:8.3f} s  error {row['error']:.1e}  "
          + " ".join(f"{k}={v}" for k, v in st.items()), flush=True)
    return row


def peer_loose(large):
    """Add (or replace) SciPy BDF's rows at :data:`LARGE_PEER_LOOSE` in the stored table ``large``,
    each dated, and recompute its summary: the references are computed again as in
    :func:`large_systems`."""
    ns, tols = tuple(large["ns"]), tuple(large["tols"])
    large["rows"] = [r for r in large["rows"]
                     if not (r["solver"] == "SciPy BDF" and r["rtol"] == LARGE_PEER_LOOSE)]
    _large_run(8, "sciml BDF + GMRES/AMG", 1e-3)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for N in ns:
        print(f"\nlarge systems: Brusselator N={N}, reference ...", flush=True)
        _, ref, _ = _large_run(N, "sciml BDF + GMRES/LU", 1e-10)
        large["rows"].append(dict(_timed_row(N, "SciPy BDF", LARGE_PEER_LOOSE, ref), date=stamp))
    _summarise(large, ns, tols, "peak_mib" in large)
    return large


def peak_memory(ns=LARGE_NS):
    """:func:`_peak_rss_mib` of every solver at every N (rtol 1e-4), in MiB."""
    peak = {}
    for N in ns:
        for solver in [*LARGE_OURS, *LARGE_PEERS]:
            if solver in LARGE_PEERS and N > LARGE_PEERS[solver]:
                continue
            mib = _peak_rss_mib(N, solver, 1e-4)
            peak.setdefault(str(N), {})[solver] = mib
            print(f"  peak memory N={N:3d} {solver:22s} {mib:8.1f} MiB (rtol 1e-4)", flush=True)
    return peak


def _summarise(out, ns, tols, memory):
    for N in ns:
        rows = [r for r in out["rows"] if r["N"] == N]
        peer = [r for r in rows if r["solver"] == "SciPy BDF"]
        per = []
        for r in rows:
            if r["solver"].startswith("sciml") and r["success"]:
                tp = peer_time_at(peer, r["error"])
                if tp is not None:
                    per.append(dict(solver=r["solver"], rtol=r["rtol"], error=r["error"], speedup=tp / r["time"]))
        out["speedup_vs_scipy_bdf"][str(N)] = per
    print("\nLarge systems: equal-error speed-up over SciPy BDF (its time interpolated at our error):")
    for N, per in out["speedup_vs_scipy_bdf"].items():
        best = {}
        for r in per:
            best[r["solver"]] = max(best.get(r["solver"], 0.0), r["speedup"])
        print(f"  N={N:>3s}: " + "  ".join(f"{k.replace('sciml BDF + ', '')}: {v:5.1f}x" for k, v in best.items()))
    if memory:
        print("Peak memory (MiB, rtol 1e-4):")
        for N, d in out["peak_mib"].items():
            print(f"  N={N:>3s}: " + "  ".join(f"{k}: {v:.0f}" for k, v in d.items()))
    growth = {}
    for solver in [*LARGE_OURS, "SciPy BDF"]:
        pts = [(r["N"], r["time"]) for r in out["rows"] if r["solver"] == solver and r["rtol"] == tols[0]]
        if len(pts) >= 2:
            n_, t_ = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            growth[solver] = float(np.polyfit(n_, t_, 1)[0])
    out["time_growth_exponent_in_N"] = growth  # N^2 log N over 32..128 is about N^2.24
    print("Time ~ N^k at rtol", tols[0], ":", {k: round(v, 2) for k, v in growth.items()})
    return out


def diurnal_table(ms=(32, 64), tols=(1e-5, 1e-6)):
    """The second large stiff PDE (:func:`sciml_lib.problems.diurnal_2d`, the CVODE Krylov example):
    our BDF with each linear solver vs SciPy BDF given ``jac_sparsity``, ``atol = 1e-3`` (the
    example's absolute floor), error = max-norm error relative to max |reference| at t = 1 day
    (reference: our BDF + GMRES/LU at rtol 1e-10, atol 1e-6)."""
    from sciml_lib.problems import diurnal_2d, diurnal_2d_sparsity

    out = {"ms": list(ms), "tols": list(tols), "atol": 1e-3, "rows": []}
    for M in ms:
        pr = diurnal_2d(M)
        S = diurnal_2d_sparsity(M)
        u0 = np.array(pr.u0)

        def ours(kw, rtol, atol):
            t0 = time.perf_counter()
            s = solve(pr.f, pr.tspan, u0, pr.p, method="BDF", rtol=rtol, atol=atol, jac_sparsity=S, **kw)
            st = s.stats
            return time.perf_counter() - t0, s.u[-1], dict(steps=st.naccept, nlu=st.nlu, nprec=st.nprec,
                                                           nlinear=st.nlinear, nnewton=st.nnewton,
                                                           success=bool(s.success))

        print(f"\ndiurnal M={M} ({2 * M * M} unknowns): reference ...", flush=True)
        _, ref, _ = ours(LARGE_OURS["sciml BDF + GMRES/LU"], 1e-10, 1e-6)
        scale = np.abs(ref).max()
        for tol in tols:
            for solver in [*LARGE_OURS, "SciPy BDF"]:
                if callable(LARGE_OURS.get(solver)):
                    continue  # built for the Brusselator's diffusion (diurnal's varies in space)
                if solver == "SciPy BDF":
                    fs = lambda t, y: pr.f(t, y, pr.p)  # noqa: E731
                    t0 = time.perf_counter()
                    r = solve_ivp(fs, pr.tspan, u0, method="BDF", rtol=tol, atol=1e-3, jac_sparsity=S)
                    sec, u, st = time.perf_counter() - t0, r.y[:, -1], dict(steps=int(r.t.size - 1), nlu=int(r.nlu),
                                                                              success=bool(r.success))
                else:
                    sec, u, st = ours(LARGE_OURS[solver], tol, 1e-3)
                row = dict(M=M, unknowns=2 * M * M, solver=solver, rtol=tol, time=sec,
                           error=float(np.abs(u - ref).max() / scale), **st)
                out["rows"].append(row)
                print(f"  M={M:3d} rtol={tol:.0e} {solver:22s} {sec:8.3f} s  error {row['error']:.1e}  "
                      + " ".join(f"{k}={v}" for k, v in st.items()), flush=True)
    return out


def plot_large(large):
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    from sciml_lib.plotting import subplots

    tol = large["tols"][0]
    fig, (ax1, ax2) = subplots(1, 2, width=10, height=3.8)
    for solver in [*LARGE_OURS, *LARGE_PEERS]:
        pts = sorted((r["unknowns"], r["time"]) for r in large["rows"] if r["solver"] == solver and r["rtol"] == tol)
        if pts:
            x, y = zip(*pts)
            ax1.loglog(x, y, "o-" if solver.startswith("sciml") else "s--", label=solver.replace("sciml ", ""), ms=4)
    ax1.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # labels would overlap
    ax1.set_xlabel("unknowns 2 N^2")
    ax1.set_ylabel(f"time per solve [s] (rtol = atol = {tol:.0e})")
    ax1.set_title("Brusselator: cost growth with N")
    ax1.legend(fontsize=7)
    N = str(max(large["ns"]))
    for solver in [*LARGE_OURS, *LARGE_PEERS]:
        pts = sorted((r["error"], r["time"]) for r in large["rows"] if r["solver"] == solver and str(r["N"]) == N)
        if pts:
            x, y = zip(*pts)
            ax2.loglog(x, y, "o-" if solver.startswith("sciml") else "s--", label=solver.replace("sciml ", ""), ms=4)
    ax2.set_xlabel("max error at t = 11.5")
    ax2.set_ylabel("time per solve [s]")
    ax2.set_title(f"work-precision at N = {N}")
    fig.savefig(OUT / "ode_stiff_large.png")


def diffrax_solve(prob, tspan, rtol, atol, ref, budget):
    import diffrax
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    p = jnp.asarray(prob.p)
    term = diffrax.ODETerm(lambda t, y, args: prob.f_jax(t, y, args))
    ctrl = diffrax.PIDController(rtol=rtol, atol=atol)

    @jax.jit
    def run(y0):
        return diffrax.diffeqsolve(term, diffrax.Kvaerno5(), tspan[0], tspan[1], None, y0, args=p,
                                   stepsize_controller=ctrl, max_steps=200_000,
                                   saveat=diffrax.SaveAt(t1=True))

    y0 = jnp.asarray(prob.u0)
    sol = run(y0)
    sol.ys.block_until_ready()
    t = benchmark(lambda: run(y0).ys.block_until_ready(), repeat=3, min_time=0.02, max_time=budget, warmup=0)
    return t.min, float(np.abs(np.asarray(sol.ys[-1]) - ref).max()), int(sol.stats["num_accepted_steps"])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer tolerances")
    ap.add_argument("--large-only", action="store_true",
                    help="run only the large-systems table and merge it into the stored JSON")
    ap.add_argument("--no-large", action="store_true",
                    help="skip the large-systems table (the stored one is kept in the JSON)")
    ap.add_argument("--memory-only", action="store_true",
                    help="re-measure only the large systems' peak memory and merge it into the stored JSON")
    ap.add_argument("--peer-loose", action="store_true",
                    help="add SciPy BDF's rows at LARGE_PEER_LOOSE to the stored large table")
    args = ap.parse_args(argv)
    if args.peer_loose:
        path = OUT / "ode_stiff.json"
        results = json.loads(path.read_text())
        peer_loose(results["large_systems"])
        path.write_text(json.dumps(results, indent=1))
        plot_large(results["large_systems"])
        return results
    if args.memory_only:
        path = OUT / "ode_stiff.json"
        results = json.loads(path.read_text())
        large = results["large_systems"]
        large["peak_mib"] = peak_memory(tuple(large["ns"]))
        large["peak_mib_date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _summarise(large, tuple(large["ns"]), tuple(large["tols"]), True)
        path.write_text(json.dumps(results, indent=1))
        return results
    if args.large_only:
        path = OUT / "ode_stiff.json"
        results = json.loads(path.read_text()) if path.exists() else {}
        results["large_systems"] = large_systems()
        results["large_systems"]["diurnal"] = diurnal_table()
        results["large_systems"]["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        results["large_systems"]["machine_info"] = machine_info()
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1))
        plot_large(results["large_systems"])
        return results
    tols = [1e-5, 1e-7, 1e-9] if args.quick else [1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
    results = {"machine": platform.platform(), "python": sys.version.split()[0], "problems": {}}
    print("compiling (first solves) ...", flush=True)
    t0 = time.perf_counter()
    for m in ("Rodas4", "Rosenbrock23", "Rodas5", "Rodas5P"):
        for f in (ROBER.f, rober_rhs_tuple):
            solve(f, ROBER.tspan, ROBER.u0, ROBER.p, method=m, jac=ROBER.jac)
    results["first_call_seconds"] = time.perf_counter() - t0

    specs = [
        ("ROBER", ROBER, ROBER.tspan, 1.0, True, rober_rhs_tuple),
        ("HIRES", HIRES, HIRES.tspan, 1e-2, False, None),
        ("POLLU", POLLU, POLLU.tspan, 1e-2, False, None),
    ]
    for name, prob, tspan, af, dfx, ft in specs:
        print(f"{name}: reference ...", flush=True)
        ref = reference(prob, tspan)
        results["problems"][name] = run_problem(name, prob, tspan, tols, af, ref, budget=2.0, with_diffrax=dfx, f_tuple=ft)

    # headline: ROBER at rtol = atol = 1e-8
    head = {}
    rb = results["problems"]["ROBER"]
    for m, rows in rb.items():
        for r in rows:
            if r["rtol"] == 1e-8 or (args.quick and r["rtol"] == 1e-9):
                head[m] = r
    results["rober_headline"] = head

    N = 32
    br = brusselator_2d(N)
    S = brusselator_2d_sparsity(N)
    btols = [1e-4, 1e-5] if args.quick else [1e-4, 1e-5, 1e-6, 1e-7]
    print(f"Brusselator N={N}: reference ...", flush=True)
    ref = reference(br, br.tspan, rtol=1e-9, atol=1e-9)
    results["problems"]["Brusselator N=32"] = run_problem("Brusselator", br, br.tspan, btols, 1.0, ref, budget=10.0, sparse_pattern=S)

    results["brusselator_linear_algebra"] = linear_algebra_floor(br, results["problems"]["Brusselator N=32"])

    # ratios: SciPy time / sciml time at each tolerance (best sciml method)
    ratios = {}
    for pname, meths in results["problems"].items():
        ours = {k: v for k, v in meths.items() if k.startswith("sciml")}
        ratios[pname] = {}
        for peer, prow in meths.items():
            if peer.startswith("sciml"):
                continue
            per_tol = []
            for r in prow:
                best = min(rr["time"] for v in ours.values() for rr in v if rr["rtol"] == r["rtol"])
                per_tol.append({"rtol": r["rtol"], "speedup": r["time"] / best})
            ratios[pname][peer] = per_tol
    results["ratios"] = ratios

    # equal-error speed-ups: each peer's time interpolated (log-log) at the error of our best run
    equal = {}
    for pname, meths in results["problems"].items():
        equal[pname] = {}
        ours = [r for k, v in meths.items() if k.startswith("sciml") for r in v if r.get("success", True)]
        for peer, prow in meths.items():
            if peer.startswith("sciml"):
                continue
            rows = []
            for r in ours:
                tp = peer_time_at(prow, r["error"])
                if tp is not None:
                    rows.append({"error": r["error"], "speedup": tp / r["time"]})
            if rows:
                equal[pname][peer] = max(rows, key=lambda x: x["speedup"])
    results["equal_error_speedup"] = equal

    print("\nBest equal-error speed-up of a sciml_lib run over each peer (peer time interpolated at our error):")
    for pname, peers in equal.items():
        for peer, r in peers.items():
            print(f"  {pname:17s} vs {peer:17s} {r['speedup']:7.1f}x at error {r['error']:.1e}")
    print("\nSpeed-up of the fastest sciml_lib method over each peer (time ratio, >1 = sciml faster):")
    for pname, peers in ratios.items():
        for peer, per in peers.items():
            cells = "  ".join(f"{r['rtol']:.0e}: {r['speedup']:7.1f}x" for r in per)
            print(f"  {pname:17s} vs {peer:17s} {cells}")
    if head:
        ro = min((head[k] for k in head if k.startswith("sciml")), key=lambda r: r["time"])
        ls = head.get("SciPy LSODA")
        ra = head.get("SciPy Radau")
        if ro and ls:
            print(f"\nROBER rtol=atol=1e-8: fastest sciml {ro['time'] * 1e3:.3f} ms (error {ro['error']:.1e}), "
                  f"LSODA {ls['time'] * 1e3:.2f} ms -> {ls['time'] / ro['time']:.1f}x; Radau error {ra['error']:.1e}")
        if ls and ra:  # the target: plain array f, default options, >= 15x LSODA, error <= Radau's
            ok = [(k, head[k]) for k in head if k.startswith("sciml") and "tuple" not in k
                  and head[k]["error"] <= ra["error"]]
            if ok:
                k, r = min(ok, key=lambda kr: kr[1]["time"])
                results["rober_target"] = {"method": k, **r, "lsoda_ratio": ls["time"] / r["time"], "radau_error": ra["error"]}
                print(f"ROBER rtol=atol=1e-8, error <= Radau's: {k} {r['time'] * 1e3:.3f} ms (error {r['error']:.1e}) "
                      f"-> {ls['time'] / r['time']:.1f}x LSODA")
    if args.no_large and (OUT / "ode_stiff.json").exists():
        stored = json.loads((OUT / "ode_stiff.json").read_text())
        if "large_systems" in stored:
            results["large_systems"] = stored["large_systems"]
    if not args.no_large:
        results["large_systems"] = large_systems(tols=LARGE_TOLS[:2] if args.quick else LARGE_TOLS)
        results["large_systems"]["diurnal"] = diurnal_table()
        plot_large(results["large_systems"])
    OUT.mkdir(parents=True, exist_ok=True)
    results["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["machine_info"] = machine_info()
    (OUT / "ode_stiff.json").write_text(json.dumps(results, indent=1))
    plot(results)
    return results


def plot(results):
    import matplotlib

    matplotlib.use("Agg")
    from sciml_lib.plotting import subplots

    names = list(results["problems"])
    fig, axs = subplots(1, len(names), width=4.2 * len(names), height=3.8)
    for ax, name in zip(np.atleast_1d(axs), names):
        for m, rows in results["problems"][name].items():
            e = np.array([r["error"] for r in rows])
            t = np.array([r["time"] for r in rows])
            ax.loglog(e, t, "o-" if m.startswith("sciml") else "s--", label=m, ms=4)
        ax.set_title(name)
        ax.set_xlabel("error at final time")
        ax.set_ylabel("time per solve [s]")
    np.atleast_1d(axs)[0].legend(fontsize=7)
    fig.savefig(OUT / "ode_stiff.png")


if __name__ == "__main__":
    main()
