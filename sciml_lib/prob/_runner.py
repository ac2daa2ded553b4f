"""The adaptive chain loop shared by the HMC and NUTS samplers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from sciml_lib.prob.adaptation import da_init, da_update, warmup_schedule  # noqa: E402

__all__ = ["MCMCResult"]


@dataclass
class MCMCResult:
    """Output of a sampler.

    Attributes
    ----------
    draws : numpy.ndarray, shape (chains, draws, dim)
        Post-warm-up draws (on the space the log-density was written on).
    accept_prob : numpy.ndarray, shape (chains, draws)
        Acceptance probability (HMC/MH) or mean Metropolis acceptance statistic of the
        trajectory (NUTS).
    n_grad : numpy.ndarray, shape (chains, draws)
        Gradient (HMC/NUTS) or density (MH) evaluations per draw.
    divergent : numpy.ndarray of bool, shape (chains, draws)
        Trajectories whose energy error exceeded the divergence threshold.
    step_size : numpy.ndarray, shape (chains,)
        Adapted step size (HMC/NUTS) or proposal scale (MH).
    inv_mass : numpy.ndarray, shape (chains, dim) or (chains, dim, dim)
        Adapted inverse mass matrix: its diagonal, or the whole matrix with a dense metric
        (ones for MH).
    wall_time : float
        Seconds of sampling (warm-up included, compilation excluded).
    compile_time : float
        Seconds spent compiling.
    n_grad_total : int
        Evaluations including warm-up.
    success : bool
    message : str
    extra : dict
        Sampler-specific statistics (``tree_depth`` for NUTS).
    """

    draws: np.ndarray
    accept_prob: np.ndarray
    n_grad: np.ndarray
    divergent: np.ndarray
    step_size: np.ndarray
    inv_mass: np.ndarray
    wall_time: float
    compile_time: float
    n_grad_total: int
    success: bool = True
    message: str = "success"
    extra: dict = field(default_factory=dict)

    @property
    def n_divergent(self) -> int:
        """Number of divergent post-warm-up transitions (all chains)."""
        return int(np.sum(self.divergent))

    @property
    def mean_accept(self) -> float:
        """Mean acceptance statistic over chains and draws."""
        return float(np.mean(self.accept_prob))


def check_x0(x0: Any) -> np.ndarray:
    """(chains, dim) float array from ``x0`` of shape (dim,) or (chains, dim)."""
    try:
        x = np.array(x0, dtype=float)
    except (TypeError, ValueError) as e:
        raise TypeError(f"x0 must be an array of floats: {e}") from None
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"x0 must have shape (dim,) or (chains, dim), got {np.shape(x0)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite")
    return x


def check_int(v: Any, name: str, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {v!r}")
    return int(v)


def check_logp_at(vg: Callable, x: np.ndarray, name: str = "logp") -> None:
    for row in x:
        lp, g = vg(jnp.asarray(row))
        if not np.isfinite(float(lp)):
            raise ValueError(f"{name} is not finite at x0 (got {float(lp)})")
        if not np.all(np.isfinite(np.asarray(g))):
            raise ValueError(f"the gradient of {name} is not finite at x0")


def make_vg(logp: Callable, grad_logp: Callable | None) -> Callable:
    if not callable(logp):
        raise TypeError("logp must be callable")
    if grad_logp is None:
        return jax.value_and_grad(logp)
    if not callable(grad_logp):
        raise TypeError("grad_logp must be callable or None")
    return lambda x: (logp(x), grad_logp(x))


def rng_key(rng: Any) -> jax.Array:
    if rng is None:
        rng = np.random.default_rng()
    if isinstance(rng, (int, np.integer)):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy Generator, an int seed or None")
    return jax.random.PRNGKey(int(rng.integers(2**31 - 1)))


def minv(inv_mass, p):
    """:math:`M^{-1}p` for a diagonal (vector) or dense (matrix) inverse mass; ``p`` may be a
    stack of momenta, one per row."""
    return p @ inv_mass if inv_mass.ndim == 2 else inv_mass * p


def energy(lp, p, inv_mass):
    r""":math:`H = -\log p(x) + p^\top M^{-1} p / 2`."""
    if inv_mass.ndim == 2:
        return -lp + 0.5 * jnp.dot(p, p @ inv_mass)
    return -lp + 0.5 * jnp.sum(inv_mass * p * p)


def draw_momentum(key, inv_mass, shape):
    r""":math:`p \sim N(0, M)`: ``z / sqrt(inv_mass)`` for a diagonal metric; for a dense one
    :math:`p = C^{-\top} z` with :math:`M^{-1} = C C^\top` (Cholesky), whose covariance is
    :math:`C^{-\top}C^{-1} = M`."""
    z = jax.random.normal(key, shape)
    if inv_mass.ndim == 2:
        chol = jnp.linalg.cholesky(inv_mass)
        return jax.scipy.linalg.solve_triangular(chol, z, lower=True, trans="T")
    return z / jnp.sqrt(inv_mass)


def leapfrog_step(vg, x, p, g, eps, inv_mass):
    """One leapfrog step carrying the gradient: returns (x, p, lp, g)."""
    p = p + 0.5 * eps * g
    x = x + (eps * (p @ inv_mass) if inv_mass.ndim == 2 else eps * inv_mass * p)
    lp, g = vg(x)
    p = p + 0.5 * eps * g
    return x, p, lp, g


def find_step_size(vg, x, lp, g, inv_mass, eps, key):
    """Stan's heuristic: double or halve eps until one leapfrog step crosses acceptance 0.8.

    Written as one loop so that the log-density is traced (and compiled) only once.
    """
    p = draw_momentum(key, inv_mass, x.shape)
    h0 = energy(lp, p, inv_mass)
    target = jnp.log(0.8)

    def cond(c):
        return (~c[3]) & (c[1] < 60)

    def body(c):
        e, i, direction, _ = c
        _, p1, lp1, _ = leapfrog_step(vg, x, p, g, e, inv_mass)
        d = h0 - energy(lp1, p1, inv_mass)
        d = jnp.where(jnp.isnan(d), -jnp.inf, d)
        direction = jnp.where(i == 0, jnp.where(d > target, 2.0, 0.5), direction)
        crossed = (i > 0) & jnp.where(direction > 1, ~(d > target), ~(d < target))
        return jnp.where(crossed, e, e * direction), i + 1, direction, crossed

    e, _, direction, _ = lax.while_loop(cond, body, (eps, 0, 1.0, False))
    # after crossing upwards step back once so that the acceptance stays above the threshold
    e = jnp.where(direction > 1, e / 2.0, e)
    return jnp.clip(e, 1e-10, 1e5)


def make_chain(kernel: Callable, vg: Callable, n_warmup: int, n: int, target: float,
               adapt_step: bool, adapt_mass: bool):
    """Build ``chain(x0, key, eps0, inv_mass0, find_eps)``.

    It returns ``(draws, infos, eps, inv_mass, n_grad_warm)``.

    Warm-up and sampling are one ``lax.scan`` (the kernel, and so the model, is compiled
    once): adaptation is switched off after warm-up, when the step size becomes the
    dual-averaging average :math:`\\bar\\epsilon`.
    """
    slow, wend = warmup_schedule(n_warmup)
    if not adapt_mass:
        slow[:] = False
        wend[:] = False
    total = n_warmup + n
    pad = np.zeros(n, bool)
    slow_j = jnp.asarray(np.concatenate([slow, pad]))
    wend_j = jnp.asarray(np.concatenate([wend, pad]))
    warm_j = jnp.asarray(np.arange(total) < n_warmup)
    last_j = jnp.asarray(np.arange(total) == n_warmup - 1)

    def chain(x0, key, eps0, inv_mass0, find_eps):
        lp, g = vg(x0)
        k_init, k_run = jax.random.split(key)
        eps0 = jnp.where(find_eps, find_step_size(vg, x0, lp, g, inv_mass0, eps0, k_init), eps0)
        d = x0.shape[0]
        dense = inv_mass0.ndim == 2  # a dense metric: covariance estimate, shrunk to 1e-3 I
        shrink = jnp.eye(d) if dense else 1.0

        def body(carry, xs):
            state, da, inv_mass, wn, wmean, wm2, ng = carry
            is_slow, is_end, is_warm, is_last, k = xs
            eps = jnp.exp(da.log_eps)
            state, info = kernel(state, k, eps, inv_mass)
            if adapt_step:
                da = jax.tree_util.tree_map(lambda a, b: jnp.where(is_warm, a, b),
                                            da_update(da, info[0], target), da)
            x = state[0]
            wn1 = wn + 1.0
            delta = x - wmean
            wmean1 = wmean + delta / wn1
            # Welford: the variances (diagonal metric) or the covariance matrix (dense)
            wm21 = wm2 + (jnp.outer(delta, x - wmean1) if dense else delta * (x - wmean1))
            wn = jnp.where(is_slow, wn1, wn)
            wmean = jnp.where(is_slow, wmean1, wmean)
            wm2 = jnp.where(is_slow, wm21, wm2)
            # end of a slow window: new inverse mass, dual averaging restarted around eps
            var = wm2 / jnp.maximum(wn - 1.0, 1.0)
            new_inv = (wn / (wn + 5.0)) * var + 1e-3 * (5.0 / (wn + 5.0)) * shrink
            inv_mass = jnp.where(is_end, new_inv, inv_mass)
            if adapt_step:
                k_eps = jax.random.fold_in(k, 1)
                e_new = lax.cond(is_end, lambda e: find_step_size(vg, *state, inv_mass, e, k_eps),
                                 lambda e: e, jnp.exp(da.log_eps))
                da = jax.tree_util.tree_map(lambda a, b: jnp.where(is_end, a, b),
                                            da_init(e_new), da)
            wn = jnp.where(is_end, 0.0, wn)
            wmean = jnp.where(is_end, jnp.zeros(d), wmean)
            wm2 = jnp.where(is_end, jnp.zeros_like(wm2), wm2)
            if adapt_step:  # end of warm-up: freeze the averaged step size
                da = da._replace(log_eps=jnp.where(is_last, da.log_eps_bar, da.log_eps))
            ng = ng + jnp.where(is_warm, info[1], 0)
            return (state, da, inv_mass, wn, wmean, wm2, ng), (x, info, eps)

        zeros = jnp.zeros(d)
        carry = ((x0, lp, g), da_init(eps0), inv_mass0, jnp.zeros(()), zeros,
                 jnp.zeros_like(inv_mass0), jnp.zeros((), int))
        xs_in = (slow_j, wend_j, warm_j, last_j, jax.random.split(k_run, total))
        carry, (xs, infos, epss) = lax.scan(body, carry, xs_in)
        infos = jax.tree_util.tree_map(lambda a: a[n_warmup:], infos)
        return xs[n_warmup:], infos, epss[-1], carry[2], carry[6]

    return chain


def run_chains(chain: Callable, x0: np.ndarray, key, eps0: float, inv_mass0: np.ndarray,
               find_eps: bool, chain_method: str):
    """Compile ``chain`` once and run it for every row of ``x0``; returns outputs and timings."""
    chains = x0.shape[0]
    keys = jax.random.split(key, chains)
    args0 = (jnp.asarray(x0[0]), keys[0], jnp.asarray(float(eps0)), jnp.asarray(inv_mass0),
             jnp.asarray(bool(find_eps)))
    t0 = time.perf_counter()
    if chain_method == "vectorized":
        fn = jax.jit(jax.vmap(chain, in_axes=(0, 0, None, None, None)))
        compiled = fn.lower(jnp.asarray(x0), keys, *args0[2:]).compile()
        t1 = time.perf_counter()
        out = compiled(jnp.asarray(x0), keys, *args0[2:])
        out = jax.block_until_ready(out)
    elif chain_method == "sequential":
        compiled = jax.jit(chain).lower(*args0).compile()
        t1 = time.perf_counter()
        outs = []
        for c in range(chains):
            o = compiled(jnp.asarray(x0[c]), keys[c], *args0[2:])
            outs.append(jax.block_until_ready(o))
        out = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *outs)
    else:
        raise ValueError(f"chain_method must be 'sequential' or 'vectorized', got {chain_method!r}")
    t2 = time.perf_counter()
    return out, t2 - t1, t1 - t0


def finish(out, wall: float, comp: float, extra_names: tuple = ()) -> MCMCResult:
    xs, infos, eps, inv_mass, ng = out
    draws = np.asarray(xs)
    acc, ngrad, div = (np.asarray(i) for i in infos[:3])
    extra = {name: np.asarray(v) for name, v in zip(extra_names, infos[3:])}
    ok = bool(np.all(np.isfinite(draws)))
    msg = "success" if ok else "non-finite draws"
    if ok and np.mean(acc) < 1e-3:
        ok, msg = False, "no proposal accepted: the step size or proposal scale collapsed"
    return MCMCResult(draws=draws, accept_prob=acc, n_grad=ngrad, divergent=div.astype(bool),
                      step_size=np.asarray(eps), inv_mass=np.asarray(inv_mass), wall_time=wall,
                      compile_time=comp, n_grad_total=int(np.sum(ng) + np.sum(ngrad)),
                      success=ok, message=msg, extra=extra)
