"""Sampler benchmark: sciml_lib.prob MH, HMC, NUTS, ADVI vs NumPyro NUTS (and blackjax if present).

Two posteriors of posteriordb, each sampled by every method on the *same* unconstrained
log-density (NumPyro and blackjax get it as ``potential_fn = -logp``, so the samplers, not
the models, are compared):

* ``eight_schools-eight_schools_noncentered`` (10 parameters);
* ``hudson_lynx_hare-lotka_volterra`` (8 parameters; every density evaluation solves the
  Lotka-Volterra ODE with the JAX Tsit5, every gradient carries its six forward sensitivities
  along the same steps by forward-mode AD).

NUTS runs with the diagonal mass matrix and with ``dense_mass=True`` (NumPyro likewise).

4 chains of 500 warm-up + 500 draws for the gradient samplers (chains run one after the
other for everybody), 4 x (5000 + 5000) for MH, 3000 steps for full-rank ADVI. Reports the
minimum bulk ESS over parameters, the sampling time (compile excluded) and the time with
compilation, min-ESS per second for both, ESS per post-warm-up gradient (density, for MH)
evaluation (as NumPyro's ``num_steps`` counts them), max R-hat, and the largest
|mean - reference| / (MCSE + reference MCSE) of the posteriordb reference means. On the
Lotka-Volterra posterior MH and dense NUTS are repeated on four more seeds (``lv_seed_spread``):
the ratio of their ESS per second, and its factors ESS per evaluation and cost per evaluation
(warm-up included in both).

Writes ``benchmarks/results/samplers.json`` and ``benchmarks/results/samplers.png``.
Run: ``MPLBACKEND=Agg .venv/bin/python benchmarks/samplers.py``.
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

import jax.numpy as jnp  # noqa: E402

from sciml_lib import prob  # noqa: E402
from sciml_lib.perf import cpu_model  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CHAINS, WARMUP, DRAWS = 4, 500, 500
MH_DRAWS = 5_000
SPREAD_SEEDS = (12, 13, 14, 15)


def score(model, draws_unc, wall, comp, n_grad, n_grad_total=None):
    """Diagnostics of unconstrained draws (chains, draws, dim); ``n_grad_total`` counts the
    evaluations of warm-up and sampling together (those that ``wall`` pays for)."""
    ess = prob.ess_bulk(draws_unc)
    x = model.constrain(draws_unc)
    s = prob.summary(x)
    ref_mean, ref_mcse = np.array(model.reference["mean"]), np.array(model.reference["mcse_mean"])
    z = np.abs(s["mean"] - ref_mean) / (s["mcse_mean"] + ref_mcse)
    return {"min_ess_bulk": float(ess.min()), "time_s": wall, "compile_s": comp,
            "ess_per_s": float(ess.min() / wall),
            "ess_per_s_with_compile": float(ess.min() / (wall + comp)),
            "n_grad": int(n_grad), "ess_per_grad": float(ess.min() / n_grad),
            "max_rhat": float(np.max(prob.rhat(draws_unc))), "max_z_vs_reference": float(z.max()),
            **({} if n_grad_total is None else
               {"n_grad_total": int(n_grad_total), "us_per_eval": 1e6 * wall / n_grad_total,
                "ess_per_eval": float(ess.min() / n_grad_total)}),
            "means": s["mean"].tolist(), "mcse": s["mcse_mean"].tolist(),
            "within_3_mcse": bool(np.all(z < 3))}


def run_numpyro(model, x0, seed, dense_mass=False):
    """NumPyro NUTS on ``-logp`` through its functional API (``numpyro.infer.hmc.hmc``): warm-up
    and sampling are a ``lax.scan`` of its ``sample_kernel`` compiled once, as ours, and the chains
    run one after the other; ``init_kernel`` and compilation are timed as compile time."""
    from numpyro.infer.hmc import hmc as numpyro_hmc

    init_kernel, sample_kernel = numpyro_hmc(potential_fn=lambda q: -model.logp(q), algo="NUTS")

    def run(state):
        def body(st, _):
            st = sample_kernel(st)
            return st, (st.z, st.num_steps)

        return jax.lax.scan(body, state, None, length=WARMUP + DRAWS)[1]

    draws, n_grad, n_total, t_run, comp = [], 0, 0, 0.0, 0.0
    compiled = None
    for c in range(CHAINS):
        t0 = time.perf_counter()
        state = init_kernel(jnp.asarray(x0[c]), num_warmup=WARMUP,
                            rng_key=jax.random.PRNGKey(seed + c), dense_mass=dense_mass)
        if compiled is None:
            compiled = jax.jit(run).lower(state).compile()
        t1 = time.perf_counter()
        z, ns = jax.block_until_ready(compiled(state))
        t2 = time.perf_counter()
        comp += t1 - t0
        t_run += t2 - t1
        draws.append(np.asarray(z)[WARMUP:])
        n_grad += int(np.sum(np.asarray(ns)[WARMUP:]))
        n_total += int(np.sum(np.asarray(ns)))
    return np.stack(draws), t_run, comp, n_grad, n_total


def run_blackjax(model, x0, seed):
    import blackjax

    logdensity = model.logp
    draws, n_grad = [], 0
    t_comp = t_run = 0.0
    for c in range(CHAINS):
        key = jax.random.PRNGKey(seed + c)
        t0 = time.perf_counter()
        wa = blackjax.window_adaptation(blackjax.nuts, logdensity)
        (state, params), _ = wa.run(key, jnp.asarray(x0[c]), num_steps=WARMUP)
        kernel = jax.jit(blackjax.nuts(logdensity, **params).step)

        def step(st, k):
            st, info = kernel(k, st)
            return st, (st.position, info.num_integration_steps)

        _, (pos, ns) = jax.lax.scan(step, state, jax.random.split(key, DRAWS))
        pos.block_until_ready()
        dt = time.perf_counter() - t0
        t_run += dt
        draws.append(np.asarray(pos))
        n_grad += int(np.sum(ns))
    return np.stack(draws), t_run, t_comp, n_grad


def bench_model(model, seed):
    x0 = model.init(seed, CHAINS)
    out = {}
    r = prob.metropolis_hastings(model.logp, x0, MH_DRAWS, None, seed, warmup=MH_DRAWS)
    out["MH"] = score(model, r.draws, r.wall_time, r.compile_time, r.n_grad.sum(), r.n_grad_total)
    r = prob.hmc(model.logp, None, x0, DRAWS, None, 16, rng=seed, warmup=WARMUP)
    out["HMC"] = score(model, r.draws, r.wall_time, r.compile_time, r.n_grad.sum(), r.n_grad_total)
    for name, dense in (("NUTS", False), ("NUTS dense", True)):
        r = prob.nuts(model.logp, x0, DRAWS, seed, warmup=WARMUP, dense_mass=dense)
        out[name] = score(model, r.draws, r.wall_time, r.compile_time, r.n_grad.sum(),
                          r.n_grad_total)
        out[name]["divergences"] = r.n_divergent
    v = prob.advi(model.logp, model.dim, family="fullrank", n_steps=3000, n_mc=8, lr=0.02,
                  init=x0[0], rng=seed)
    out["ADVI"] = score(model, v.sample(4000, seed).reshape(CHAINS, -1, model.dim), v.wall_time,
                        v.compile_time, v.n_grad)
    out["ADVI"]["note"] = "independent draws of q: ESS and MCSE describe q, not the posterior"
    for name, dense in (("NumPyro NUTS", False), ("NumPyro NUTS dense", True)):
        d, t, c, ng, nt = run_numpyro(model, x0, seed, dense_mass=dense)
        out[name] = score(model, d, t, c, ng, nt)
    try:
        d, t, c, ng = run_blackjax(model, x0, seed)
        out["blackjax NUTS"] = score(model, d, t, c, ng)
        out["blackjax NUTS"]["note"] = "time includes compilation and window adaptation per chain"
    except ImportError:
        pass
    return out


def spread_row(seed, mh, nu):
    """One seed's MH and dense-NUTS scores, their ESS/s ratio and its two factors."""
    return {"seed": seed, "mh_ess_per_s": mh["ess_per_s"], "mh_min_ess": mh["min_ess_bulk"],
            "mh_max_rhat": mh["max_rhat"], "nuts_dense_ess_per_s": nu["ess_per_s"],
            "nuts_dense_min_ess": nu["min_ess_bulk"], "ratio": nu["ess_per_s"] / mh["ess_per_s"],
            "ess_per_eval_ratio": nu["ess_per_eval"] / mh["ess_per_eval"],
            "cost_per_eval_ratio": nu["us_per_eval"] / mh["us_per_eval"]}


def seed_spread(model, seeds):
    """MH and dense-mass NUTS on further seeds (the MH ESS of one run is noisy: a chain that
    mixes slowly during its warm-up can cut it several-fold)."""
    rows = []
    for seed in seeds:
        x0 = model.init(seed, CHAINS)
        r = prob.metropolis_hastings(model.logp, x0, MH_DRAWS, None, seed, warmup=MH_DRAWS)
        mh = score(model, r.draws, r.wall_time, r.compile_time, r.n_grad.sum(), r.n_grad_total)
        r = prob.nuts(model.logp, x0, DRAWS, seed, warmup=WARMUP, dense_mass=True)
        nu = score(model, r.draws, r.wall_time, r.compile_time, r.n_grad.sum(), r.n_grad_total)
        rows.append(spread_row(seed, mh, nu))
        print(f"seed {seed}: MH {mh['ess_per_s']:.1f} ESS/s (min ESS {mh['min_ess_bulk']:.0f}, "
              f"R-hat {mh['max_rhat']:.3f}), NUTS dense {nu['ess_per_s']:.1f}: "
              f"{rows[-1]['ratio']:.1f}x", flush=True)
    return rows


def main() -> None:
    import importlib.metadata as md

    versions = {}
    for pkg in ("jax", "numpy", "numpyro", "blackjax", "arviz"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
               "cpu": cpu_model(), "cores": os.cpu_count(), "versions": versions,
               "chains": CHAINS, "warmup": WARMUP, "draws": DRAWS, "models": {}}
    for i, model in enumerate([prob.eight_schools_noncentered(), prob.lotka_volterra_model()]):
        print(f"== {model.name}", flush=True)
        res = bench_model(model, 10 + i)
        results["models"][model.name] = res
        print(f"{'method':14s} {'minESS':>7s} {'time s':>8s} {'+comp s':>8s} {'ESS/s':>8s} "
              f"{'ESS/s+c':>8s} {'ESS/grad':>9s} {'Rhat':>6s} {'max z':>6s}")
        for k, v in res.items():
            print(f"{k:14s} {v['min_ess_bulk']:7.0f} {v['time_s']:8.2f} {v['compile_s']:8.2f} "
                  f"{v['ess_per_s']:8.1f} {v['ess_per_s_with_compile']:8.1f} "
                  f"{v['ess_per_grad']:9.2e} "
                  f"{v['max_rhat']:6.3f} {v['max_z_vs_reference']:6.2f}")
    lv = results["models"]["hudson_lynx_hare-lotka_volterra"]
    es = results["models"]["eight_schools-eight_schools_noncentered"]
    spread = [spread_row(11, lv["MH"], lv["NUTS dense"])]
    spread += seed_spread(prob.lotka_volterra_model(), SPREAD_SEEDS)
    results["lv_seed_spread"] = spread
    results["targets"] = {
        "lv_nuts_means_within_3_mcse": lv["NUTS"]["within_3_mcse"],
        "eight_schools_nuts_means_within_3_mcse": es["NUTS"]["within_3_mcse"],
        "lv_nuts_over_mh_ess_per_s": lv["NUTS"]["ess_per_s"] / lv["MH"]["ess_per_s"],
        "lv_nuts_over_numpyro_ess_per_s": lv["NUTS"]["ess_per_s"] / lv["NumPyro NUTS"]["ess_per_s"],
        "eight_schools_nuts_over_numpyro_ess_per_s":
            es["NUTS"]["ess_per_s"] / es["NumPyro NUTS"]["ess_per_s"],
        # with a dense mass matrix (dense_mass=True), against NumPyro's dense_mass=True
        "lv_nuts_dense_means_within_3_mcse": lv["NUTS dense"]["within_3_mcse"],
        "lv_nuts_dense_over_mh_ess_per_s": lv["NUTS dense"]["ess_per_s"] / lv["MH"]["ess_per_s"],
        # the same ratio over five seeds (the one above is seed 11): median, min, max, and its
        # two factors, effective draws per density evaluation and the cost of an evaluation
        "lv_nuts_dense_over_mh_ess_per_s_median": float(np.median([r["ratio"] for r in spread])),
        "lv_nuts_dense_over_mh_ess_per_s_range": [min(r["ratio"] for r in spread),
                                                  max(r["ratio"] for r in spread)],
        "lv_nuts_dense_over_mh_ess_per_eval_median":
            float(np.median([r["ess_per_eval_ratio"] for r in spread])),
        "lv_nuts_dense_over_mh_cost_per_eval_median":
            float(np.median([r["cost_per_eval_ratio"] for r in spread])),
        "lv_nuts_dense_over_numpyro_dense_ess_per_s":
            lv["NUTS dense"]["ess_per_s"] / lv["NumPyro NUTS dense"]["ess_per_s"],
        "eight_schools_nuts_dense_over_numpyro_dense_ess_per_s":
            es["NUTS dense"]["ess_per_s"] / es["NumPyro NUTS dense"]["ess_per_s"],
    }
    print("targets:", json.dumps(results["targets"], indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "samplers.json").write_text(json.dumps(results, indent=2))

    import matplotlib.pyplot as plt

    from sciml_lib.plotting import subplots

    fig, axes = subplots(1, 2, width=11)
    for ax, (name, res) in zip(axes, results["models"].items()):
        keys = [k for k in res if k != "ADVI"]
        ax.bar(keys, [res[k]["ess_per_s"] for k in keys])
        ax.set_yscale("log")
        ax.set_ylabel("min bulk ESS / s (compile excluded)")
        ax.set_title(name.split("-")[1])
        ax.tick_params(axis="x", rotation=30)
    fig.savefig(RESULTS / "samplers.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
