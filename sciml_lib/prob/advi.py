r"""Automatic differentiation variational inference :cite:p:`kucukelbir2017automatic`.

ADVI fits a Gaussian :math:`q_\phi(y) = N(\mu, LL^T)` on the unconstrained space by
maximising the evidence lower bound

.. math::

   \mathrm{ELBO}(\phi) = \mathbb E_{q_\phi}[\log p(y, D)] + \mathbb H[q_\phi]
   = \log p(D) - \mathrm{KL}(q_\phi \,\|\, p(\cdot\mid D)),

whose expectation is estimated with the reparameterisation
:math:`y = \mu + L\varepsilon`, :math:`\varepsilon \sim N(0, I)`, so that its
gradient is an average of :math:`\nabla\log p` (reverse-mode AD) at the samples.
The entropy is exact: :math:`\mathbb H = \sum_i\log L_{ii} + \tfrac d2(1 + \log 2\pi)`.
Mean-field takes :math:`L = \mathrm{diag}(e^{\omega})`; full-rank a lower-triangular
:math:`L` with positive diagonal. Constrained parameters enter through ``logp``
written on the unconstrained space with its log-Jacobian
(:func:`~sciml_lib.prob.transformed_logp`). The optimiser is Adam
with antithetic samples :math:`\pm\varepsilon`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from sciml_lib.prob._runner import check_int, rng_key  # noqa: E402

__all__ = ["ADVIResult", "advi"]


@dataclass
class ADVIResult:
    """Output of :func:`advi`.

    Attributes
    ----------
    mean : numpy.ndarray, shape (dim,)
        :math:`\\mu`.
    cov : numpy.ndarray, shape (dim, dim)
        :math:`LL^T`.
    chol : numpy.ndarray, shape (dim, dim)
        :math:`L`.
    elbo : numpy.ndarray, shape (n_steps,)
        ELBO estimate at every step.
    family : str
    wall_time, compile_time : float
    n_grad : int
        Gradient evaluations of ``logp``.
    success : bool
    message : str
    """

    mean: np.ndarray
    cov: np.ndarray
    chol: np.ndarray
    elbo: np.ndarray
    family: str
    wall_time: float
    compile_time: float
    n_grad: int
    success: bool = True
    message: str = "success"

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """``n`` draws of :math:`q`, shape (1, n, dim) like a single MCMC chain."""
        rng = np.random.default_rng(rng)
        z = rng.standard_normal((n, self.mean.size))
        return (self.mean + z @ self.chol.T)[None]


def advi(logp: Callable, dim: int, *, family: str = "meanfield", n_steps: int = 2000,
         n_mc: int = 8, lr: float = 0.05, init: Any = None, rng: Any = None) -> ADVIResult:
    r"""Mean-field or full-rank Gaussian ADVI :cite:p:`kucukelbir2017automatic`.

    Parameters
    ----------
    logp : callable
        Unconstrained log-density (transforms and log-Jacobians included), JAX-traceable.
    dim : int
    family : {"meanfield", "fullrank"}
    n_steps : int
        Adam steps; the learning rate decays as :math:`\mathrm{lr}/\sqrt{1 + t/100}` and the
        result is the average of the iterates of the last quarter.
    n_mc : int
        Monte Carlo samples per step (used in antithetic pairs, so rounded up to even).
    lr : float
    init : array_like, shape (dim,), optional
        Initial :math:`\mu` (zeros by default); :math:`L` starts at :math:`0.1I`.
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    ADVIResult
    """
    if not callable(logp):
        raise TypeError("logp must be callable")
    dim = check_int(dim, "dim")
    n_steps = check_int(n_steps, "n_steps")
    n_mc = check_int(n_mc, "n_mc")
    if family not in ("meanfield", "fullrank"):
        raise ValueError(f"family must be 'meanfield' or 'fullrank', got {family!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be positive, got {lr!r}")
    mu0 = np.zeros(dim) if init is None else np.asarray(init, dtype=float)
    if mu0.shape != (dim,) or not np.all(np.isfinite(mu0)):
        raise ValueError(f"init must be a finite array of shape ({dim},)")
    if not np.isfinite(float(logp(jnp.asarray(mu0)))):
        raise ValueError("logp is not finite at init")
    half = (n_mc + 1) // 2
    start = n_steps - max(1, n_steps // 4)
    tril = np.tril_indices(dim, -1)

    def unpack(params):
        mu, omega, off = params
        L = jnp.diag(jnp.exp(omega))
        if family == "fullrank":
            L = L.at[tril].set(off)
        return mu, L

    def neg_elbo(params, key):
        mu, L = unpack(params)
        eps = jax.random.normal(key, (half, dim))
        eps = jnp.concatenate([eps, -eps])
        ys = mu + eps @ L.T
        lps = jax.vmap(logp)(ys)
        lps = jnp.where(jnp.isnan(lps), -jnp.inf, lps)
        ent = jnp.sum(params[1]) + 0.5 * dim * (1.0 + jnp.log(2 * jnp.pi))
        return -(jnp.mean(lps) + ent)

    vg = jax.value_and_grad(neg_elbo)
    b1, b2, eps_adam = 0.9, 0.999, 1e-8

    def run(params, key):
        def body(carry, xs):
            params, m, v, avg = carry
            t, k = xs
            val, g = vg(params, k)
            g = jax.tree_util.tree_map(lambda a: jnp.where(jnp.isfinite(a), a, 0.0), g)
            m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
            v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
            rate = lr / jnp.sqrt(1.0 + t / 100.0)
            params = jax.tree_util.tree_map(
                lambda p, a, b: p - rate * (a / (1 - b1 ** (t + 1)))
                / (jnp.sqrt(b / (1 - b2 ** (t + 1))) + eps_adam),
                params, m, v)
            w = (t >= start).astype(float)
            avg = jax.tree_util.tree_map(lambda a, p: a + w * p, avg, params)
            return (params, m, v, avg), -val

        z = jax.tree_util.tree_map(jnp.zeros_like, params)
        (params, _, _, avg), elbo = lax.scan(
            body, (params, z, z, z),
            (jnp.arange(n_steps, dtype=float), jax.random.split(key, n_steps)))
        # Polyak-Ruppert average of the last quarter of the iterates
        return jax.tree_util.tree_map(lambda a: a / (n_steps - start), avg), elbo

    params0 = (jnp.asarray(mu0), jnp.full(dim, np.log(0.1)), jnp.zeros(len(tril[0])))
    key = rng_key(rng)
    t0 = time.perf_counter()
    compiled = jax.jit(run).lower(params0, key).compile()
    t1 = time.perf_counter()
    params, elbo = jax.block_until_ready(compiled(params0, key))
    t2 = time.perf_counter()
    mu, L = (np.asarray(a) for a in unpack(params))
    elbo = np.asarray(elbo)
    ok = bool(np.all(np.isfinite(mu)) and np.all(np.isfinite(L)))
    return ADVIResult(mean=mu, cov=L @ L.T, chol=L, elbo=elbo, family=family, wall_time=t2 - t1,
                      compile_time=t1 - t0, n_grad=n_steps * 2 * half, success=ok,
                      message="success" if ok else "non-finite variational parameters")
