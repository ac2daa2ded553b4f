r"""The No-U-Turn sampler, multinomial :cite:p:`hoffman2014nuts,betancourt2017conceptual`.

Each iteration draws a momentum and doubles a leapfrog trajectory, forwards or
backwards at random, until its two ends start to come back towards each other:
with :math:`\rho` the sum of the momenta of a (sub)trajectory and
:math:`p^\sharp = M^{-1}p` at its ends, the generalised no-U-turn condition is
:math:`\rho\cdot p^\sharp_- > 0` and :math:`\rho\cdot p^\sharp_+ > 0`. The
condition is checked on the whole trajectory and on every sub-tree of every new
half (a new half with an inner U-turn is discarded, which keeps the scheme
reversible). The draw is taken from the trajectory with probabilities
:math:`\propto e^{-H}`: uniformly-progressive inside a new half, biased
towards the new half when it is merged (as in Stan and NumPyro). Divergences
(energy error above 1000) stop the trajectory and are counted.
"""

from __future__ import annotations

from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

from sciml_lib.prob._runner import (  # noqa: E402
    MCMCResult,
    check_int,
    draw_momentum,
    energy,
    finish,
    leapfrog_step,
    make_chain,
    minv,
    rng_key,
    run_chains,
)
from sciml_lib.prob.hmc import DIVERGENCE_THRESHOLD, _check_sampler_args  # noqa: E402

__all__ = ["nuts"]


def _no_uturn(rho, p_left, p_right, inv_mass):
    return ((jnp.dot(rho, minv(inv_mass, p_left)) > 0)
            & (jnp.dot(rho, minv(inv_mass, p_right)) > 0))


def _nuts_kernel(vg: Callable, max_depth: int):
    levels = jnp.arange(1, max(max_depth, 2))  # sub-tree levels 1 .. max_depth - 1
    widths = 2 ** levels

    def kernel(state, key, eps, inv_mass):
        x, lp, g = state
        d = x.shape[0]
        k_p, k_tree = jax.random.split(key)
        p0 = draw_momentum(k_p, inv_mass, x.shape)
        h0 = energy(lp, p0, inv_mass)
        edge0 = (x, p0, g, lp)

        def build(depth, start, direction, key):
            """Grow a new half of 2**depth leapfrog steps from ``start``.

            For every sub-tree level it keeps the momentum at the start of the current sub-tree
            and the sum of the momenta before it (checkpoints, as NumPyro's iterative NUTS), so
            that the sub-trees ending at a step are checked at once, without a trajectory buffer.
            """
            sp = jnp.zeros((levels.size, d))  # momentum at the start of the current sub-tree
            sc = jnp.zeros((levels.size, d))  # sum of the momenta before that start

            def cond(c):
                return (c[0] < 2 ** depth) & ~c[-2] & ~c[-1]

            def body(c):
                k, edge, cand, lsw, sp, sc, csum, acc, key, bad, div = c
                key, k_sel = jax.random.split(key)
                xn, pn, lpn, gn = leapfrog_step(vg, edge[0], edge[1], edge[2], direction * eps,
                                                inv_mass)
                dh = energy(lpn, pn, inv_mass) - h0
                dh = jnp.where(jnp.isnan(dh), jnp.inf, dh)
                div = dh > DIVERGENCE_THRESHOLD
                acc = acc + jnp.minimum(1.0, jnp.exp(-dh))
                w = -dh
                lsw_new = jnp.logaddexp(lsw, w)
                take = jnp.log(jax.random.uniform(k_sel)) < w - lsw_new
                cand = jax.tree_util.tree_map(lambda a, b: jnp.where(take, a, b),
                                              (xn, lpn, gn), cand)
                starts = (k % widths == 0)[:, None]
                sp = jnp.where(starts, pn, sp)
                sc = jnp.where(starts, csum, sc)
                csum = csum + pn
                # the sub-trees of 2, 4, ... steps that end at step k, checked all at once
                ends = (levels <= depth) & ((k + 1) % widths == 0)
                rho = csum[None, :] - sc
                turned = ~((rho @ minv(inv_mass, pn) > 0)
                           & (jnp.sum(rho * minv(inv_mass, sp), axis=1) > 0))
                bad = bad | jnp.any(ends & turned)
                return (k + 1, (xn, pn, gn, lpn), cand, lsw_new, sp, sc, csum, acc, key, bad, div)

            cand0 = (start[0], start[3], start[2])
            c = (0, start, cand0, -jnp.inf, sp, sc, jnp.zeros(d), 0.0, key, False, False)
            k, edge, cand, lsw, _, _, csum, acc, _, bad, div = lax.while_loop(cond, body, c)
            return edge, cand, lsw, csum, acc, k, bad, div

        def tcond(c):
            return (c[0] < max_depth) & ~c[-1]

        def tbody(c):
            depth, left, right, rho, cand, lw, acc, ng, key, div, stop = c
            key, k_dir, k_sub, k_acc = jax.random.split(key, 4)
            fwd = jax.random.bernoulli(k_dir)
            direction = jnp.where(fwd, 1.0, -1.0)
            start = jax.tree_util.tree_map(lambda a, b: jnp.where(fwd, a, b), right, left)
            edge, scand, slw, srho, sacc, k, bad, sdiv = build(depth, start, direction, k_sub)
            ok = ~bad & ~sdiv
            take = ok & (jnp.log(jax.random.uniform(k_acc)) < slw - lw)
            cand = jax.tree_util.tree_map(lambda a, b: jnp.where(take, a, b), scand, cand)
            lw = jnp.where(ok, jnp.logaddexp(lw, slw), lw)
            right = jax.tree_util.tree_map(lambda a, b: jnp.where(ok & fwd, a, b), edge, right)
            left = jax.tree_util.tree_map(lambda a, b: jnp.where(ok & ~fwd, a, b), edge, left)
            rho = jnp.where(ok, rho + srho, rho)
            turned = ~_no_uturn(rho, left[1], right[1], inv_mass)
            stop = ~ok | turned
            return (depth + 1, left, right, rho, cand, lw, acc + sacc, ng + k, key, div | sdiv,
                    stop)

        c = (0, edge0, edge0, p0, (x, lp, g), 0.0, 0.0, 0, k_tree, False, False)
        depth, _, _, _, cand, _, acc, ng, _, div, _ = lax.while_loop(tcond, tbody, c)
        xn, lpn, gn = cand
        return (xn, lpn, gn), (acc / jnp.maximum(ng, 1), ng, div, depth)

    return kernel


def nuts(logp: Callable, x0: Any, n: int, rng: Any = None, *, grad_logp: Callable | None = None,
         warmup: int | None = None, step_size: float | None = None, max_depth: int = 10,
         mass: Any = None, target_accept: float = 0.8, adapt_step_size: bool = True,
         adapt_mass: bool = True, chain_method: str = "sequential",
         dense_mass: bool = False) -> MCMCResult:
    r"""No-U-Turn sampler (multinomial, generalised U-turn criterion) :cite:p:`hoffman2014nuts`.

    Same warm-up as :func:`~sciml_lib.prob.hmc` (dual averaging and a diagonal, or with
    ``dense_mass=True`` a dense, mass matrix in Stan's windows :cite:p:`carpenter2017stan`);
    the whole chain is one compiled JAX program.

    Parameters
    ----------
    logp : callable
        Log-density on :math:`\mathbb R^d`, JAX-traceable.
    x0 : array_like, shape (dim,) or (chains, dim)
    n : int
        Draws per chain after warm-up.
    rng : numpy.random.Generator or int, optional
    grad_logp : callable, optional
        Gradient of ``logp`` (``jax.grad`` by default).
    warmup : int, optional
        Warm-up iterations (default ``n``).
    step_size : float, optional
        Initial step size (Stan's heuristic if None).
    max_depth : int
        Maximum number of doublings: at most :math:`2^{\mathrm{max\_depth}} - 1` leapfrog steps.
    mass : array_like, shape (dim,) or (dim, dim), optional
        Initial mass matrix: its diagonal, or a symmetric positive definite matrix (which
        implies ``dense_mass=True``).
    target_accept : float
    chain_method : {"sequential", "vectorized"}
    dense_mass : bool
        Adapt the whole mass matrix (the covariance of the warm-up draws, shrunk towards
        :math:`10^{-3} I` as in Stan) instead of its diagonal: the metric then matches a
        correlated posterior, at :math:`O(d^2)` per leapfrog step.

    Returns
    -------
    MCMCResult
        ``extra["tree_depth"]`` holds the number of doublings of every draw.
    """
    vg, x, n, warmup, inv_mass = _check_sampler_args(logp, grad_logp, x0, n, warmup, step_size,
                                                     target_accept, mass, dense_mass)
    max_depth = check_int(max_depth, "max_depth")
    chain = make_chain(_nuts_kernel(vg, max_depth), vg, warmup, n, target_accept,
                       adapt_step_size, adapt_mass)
    eps0 = 1.0 if step_size is None else step_size
    out, wall, comp = run_chains(chain, x, rng_key(rng), eps0, inv_mass, step_size is None,
                                 chain_method)
    return finish(out, wall, comp, ("tree_depth",))
