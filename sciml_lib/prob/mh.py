r"""Random-walk Metropolis-Hastings :cite:p:`metropolis1953equation,hastings1970monte`.

From :math:`x` propose :math:`x' \sim g(\cdot\mid x)` and accept with probability

.. math::

   A = \min\Big(1, \frac{\pi(x')\,g(x\mid x')}{\pi(x)\,g(x'\mid x)}\Big),

the posterior ratio for a symmetric proposal (here :math:`N(x, s^2\Sigma)`). During
warm-up the scale follows the Robbins-Monro recursion
:math:`\log s \leftarrow \log s + t^{-0.6}(\alpha_t - \alpha^*)` towards the acceptance
rate :math:`\alpha^* = 0.234` that is optimal for random-walk proposals in many
dimensions :cite:p:`roberts1997weak`; with ``adapt_cov`` the proposal covariance
:math:`\Sigma` is replaced half-way by the covariance of the warm-up draws
:cite:p:`haario2001adaptive`.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from sciml_lib.prob._runner import MCMCResult, check_int, check_x0, rng_key  # noqa: E402

__all__ = ["metropolis_hastings"]


def _check_cov(cov: Any, d: int) -> np.ndarray:
    if cov is None:
        return np.eye(d)
    c = np.asarray(cov, dtype=float)
    if c.ndim == 1:
        c = np.diag(c)
    if c.shape != (d, d) or not np.all(np.isfinite(c)):
        raise ValueError(f"proposal_cov must be a finite ({d}, {d}) matrix or ({d},) diagonal")
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ValueError("proposal_cov must be symmetric positive definite") from None
    return c


def _mh_chain(logp: Callable, n_warmup: int, n: int, target: float, adapt_cov: bool):
    half = n_warmup // 2

    def step(x, lp, key, chol, log_s):
        k1, k2 = jax.random.split(key)
        xp = x + jnp.exp(log_s) * chol @ jax.random.normal(k1, x.shape)
        lpp = logp(xp)
        lpp = jnp.where(jnp.isnan(lpp), -jnp.inf, lpp)
        a = jnp.minimum(1.0, jnp.exp(lpp - lp))
        take = jax.random.uniform(k2) < a
        return jnp.where(take, xp, x), jnp.where(take, lpp, lp), a

    def chain(x0, key, chol0, log_s0):
        lp0 = logp(x0)
        k_w, k_s = jax.random.split(key)
        d = x0.shape[0]

        def warm(carry, xs):
            x, lp, chol, log_s, wn, wmean, wm2 = carry
            i, k = xs
            x, lp, a = step(x, lp, k, chol, log_s)
            t = jnp.where(i >= half, i - half, i) + 1.0
            log_s = log_s + t ** (-0.6) * (a - target)
            collect = (i >= half // 2) & (i < half)
            wn1 = wn + 1.0
            dx = x - wmean
            wmean1 = wmean + dx / wn1
            wm21 = wm2 + jnp.outer(dx, x - wmean1)
            wn = jnp.where(collect, wn1, wn)
            wmean = jnp.where(collect, wmean1, wmean)
            wm2 = jnp.where(collect, wm21, wm2)
            if adapt_cov:
                def switch(args):
                    chol, log_s = args
                    cov = wm2 / jnp.maximum(wn - 1.0, 1.0) + 1e-8 * jnp.eye(d)
                    new = jnp.linalg.cholesky(cov)
                    ok = jnp.all(jnp.isfinite(new)) & (wn > d + 1)
                    s0 = jnp.log(2.38 / jnp.sqrt(d))
                    return jnp.where(ok, new, chol), jnp.where(ok, s0, log_s)

                chol, log_s = lax.cond(i == half - 1, switch, lambda a: a, (chol, log_s))
            return (x, lp, chol, log_s, wn, wmean, wm2), a

        carry = (x0, lp0, chol0, log_s0, 0.0, jnp.zeros(d), jnp.zeros((d, d)))
        if n_warmup > 0:
            xs = (jnp.arange(n_warmup), jax.random.split(k_w, n_warmup))
            carry, _ = lax.scan(warm, carry, xs)
        x, lp, chol, log_s = carry[:4]

        def samp(c, k):
            x, lp = c
            x, lp, a = step(x, lp, k, chol, log_s)
            return (x, lp), (x, a)

        _, (xs, acc) = lax.scan(samp, (x, lp), jax.random.split(k_s, n))
        return xs, acc, jnp.exp(log_s), chol

    return chain


def _mh_numpy(logp, x, n, warmup, cov, target, proposal, rng):
    chains, d = x.shape
    draws = np.empty((chains, n, d) if proposal is None else (chains, n) + x.shape[1:])
    acc = np.empty((chains, n))
    scales = np.empty(chains)
    chol = np.linalg.cholesky(cov)
    for c in range(chains):
        xc = x[c].copy()
        lp = float(logp(xc))
        log_s = np.log(2.38 / np.sqrt(d))
        for i in range(warmup + n):
            if proposal is None:
                xp = xc + np.exp(log_s) * chol @ rng.normal(size=d)
                log_q = 0.0
            else:
                xp, log_q = proposal(xc, rng)
            lpp = float(logp(xp))
            lpp = -np.inf if np.isnan(lpp) else lpp
            a = min(1.0, float(np.exp(min(0.0, lpp - lp + log_q))))
            if rng.uniform() < a:
                xc, lp = np.asarray(xp, dtype=float), lpp
            if i < warmup:
                if proposal is None:
                    log_s += (i + 1.0) ** (-0.6) * (a - target)
            else:
                draws[c, i - warmup] = xc
                acc[c, i - warmup] = a
        scales[c] = np.exp(log_s)
    return draws, acc, scales


def metropolis_hastings(logp: Callable, x0: Any, n: int, proposal_cov: Any = None, rng: Any = None,
                        *, warmup: int | None = None, target_accept: float = 0.234,
                        adapt_cov: bool = True, proposal: Callable | None = None,
                        backend: str = "jax") -> MCMCResult:
    r"""Random-walk Metropolis-Hastings, scale adapted in warm-up :cite:p:`hastings1970monte`.

    Parameters
    ----------
    logp : callable
        Log-density (up to a constant). JAX-traceable for ``backend="jax"`` (the
        chain is then one compiled program); any Python function for ``"numpy"``.
    x0 : array_like, shape (dim,) or (chains, dim)
    n : int
        Draws per chain after warm-up.
    proposal_cov : array_like, optional
        Proposal covariance :math:`\Sigma` (matrix or diagonal); identity by default.
        The proposal is :math:`N(x, s^2\Sigma)` with :math:`s` starting at :math:`2.38/\sqrt d`.
    rng : numpy.random.Generator or int, optional
    warmup : int, optional
        Warm-up iterations (default ``n``); the scale (and, with ``adapt_cov``, the
        covariance) is adapted only there.
    target_accept : float
        Target acceptance rate of the scale adaptation.
    proposal : callable, optional
        ``proposal(x, rng) -> (x_new, log_q_ratio)`` with
        ``log_q_ratio`` :math:`= \log g(x\mid x') - \log g(x'\mid x)`: a general
        (e.g. discrete) proposal; implies ``backend="numpy"`` and no adaptation.
    backend : {"jax", "numpy"}

    Returns
    -------
    MCMCResult
        ``step_size`` holds the adapted scale :math:`s`; ``n_grad`` counts density evaluations.
    """
    if not callable(logp):
        raise TypeError("logp must be callable")
    if proposal is not None and not callable(proposal):
        raise TypeError("proposal must be callable or None")
    n = check_int(n, "n")
    warmup = n if warmup is None else check_int(warmup, "warmup", 0)
    if not 0 < target_accept < 1:
        raise ValueError(f"target_accept must be in (0, 1), got {target_accept!r}")
    if backend not in ("jax", "numpy"):
        raise ValueError(f"backend must be 'jax' or 'numpy', got {backend!r}")
    if proposal is not None:
        x = np.atleast_1d(np.asarray(x0))
        x = x[None] if x.ndim == 1 else x
        backend = "numpy"
    else:
        x = check_x0(x0)
    d = x.shape[1]
    cov = _check_cov(proposal_cov, d) if proposal is None else np.eye(d)
    for row in x:
        if not np.isfinite(float(logp(row if proposal is not None else jnp.asarray(row)))):
            raise ValueError("logp is not finite at x0")
    if rng is None or isinstance(rng, (int, np.integer)):
        rng = np.random.default_rng(rng)
    if backend == "numpy":
        t0 = time.perf_counter()
        draws, acc, scales = _mh_numpy(logp, x, n, warmup, cov, target_accept, proposal, rng)
        wall = time.perf_counter() - t0
        chains = x.shape[0]
        return MCMCResult(draws=draws, accept_prob=acc, n_grad=np.ones((chains, n), int),
                          divergent=np.zeros((chains, n), bool), step_size=scales,
                          inv_mass=np.ones((chains, d)), wall_time=wall, compile_time=0.0,
                          n_grad_total=chains * (n + warmup))
    chain = _mh_chain(logp, warmup, n, target_accept, adapt_cov)
    key = rng_key(rng)
    keys = jax.random.split(key, x.shape[0])
    chol0 = jnp.asarray(np.linalg.cholesky(cov))
    ls0 = jnp.asarray(np.log(2.38 / np.sqrt(d)))
    t0 = time.perf_counter()
    compiled = jax.jit(chain).lower(jnp.asarray(x[0]), keys[0], chol0, ls0).compile()
    t1 = time.perf_counter()
    outs = [jax.block_until_ready(compiled(jnp.asarray(x[c]), keys[c], chol0, ls0))
            for c in range(x.shape[0])]
    t2 = time.perf_counter()
    xs, acc, scale, _ = (np.stack([np.asarray(o[i]) for o in outs]) for i in range(4))
    chains = x.shape[0]
    ok = bool(np.all(np.isfinite(xs)))
    msg = "success" if ok else "non-finite draws"
    if ok and np.mean(acc) < 1e-3:
        ok, msg = False, "no proposal accepted"
    return MCMCResult(draws=xs, accept_prob=acc, n_grad=np.ones((chains, n), int),
                      divergent=np.zeros((chains, n), bool), step_size=scale,
                      inv_mass=np.ones((chains, d)), wall_time=t2 - t1, compile_time=t1 - t0,
                      n_grad_total=chains * (n + warmup), success=ok, message=msg)
