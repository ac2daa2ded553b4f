r"""Hamiltonian Monte Carlo with the leapfrog integrator :cite:p:`neal2011mcmc`.

With potential :math:`V(x) = -\log\pi(x)` and kinetic energy
:math:`K(p) = \tfrac12 p^T M^{-1} p`, Hamilton's equations
:math:`\dot x = \partial H/\partial p = M^{-1}p`,
:math:`\dot p = -\partial H/\partial x = \nabla\log\pi(x)` are integrated with the
leapfrog (Stormer-Verlet) scheme

.. math::

   p_{1/2} = p + \tfrac\epsilon2\nabla\log\pi(x),\quad
   x' = x + \epsilon M^{-1}p_{1/2},\quad
   p' = p_{1/2} + \tfrac\epsilon2\nabla\log\pi(x'),

which is time-reversible and volume-preserving, so the end point is accepted with
probability :math:`\min(1, e^{H(x,p) - H(x',p')})`.
"""

from __future__ import annotations

from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from sciml_lib.prob._runner import (  # noqa: E402
    MCMCResult,
    check_int,
    check_logp_at,
    check_x0,
    draw_momentum,
    energy,
    finish,
    leapfrog_step,
    make_chain,
    make_vg,
    rng_key,
    run_chains,
)

__all__ = ["leapfrog", "hmc"]

#: Energy error above which a trajectory is called divergent (as in Stan).
DIVERGENCE_THRESHOLD = 1000.0


def leapfrog(grad_logp: Callable, x: Any, p: Any, step_size: float, n_steps: int = 1,
             inv_mass: Any = None) -> tuple[jax.Array, jax.Array]:
    r"""``n_steps`` leapfrog steps for :math:`H = -\log\pi(x) + \tfrac12 p^TM^{-1}p`.

    Parameters
    ----------
    grad_logp : callable
        :math:`\nabla\log\pi(x)`, JAX-traceable.
    x, p : array_like, shape (dim,)
        Position and momentum.
    step_size : float
        :math:`\epsilon` (a negative value integrates backwards).
    n_steps : int
    inv_mass : array_like, shape (dim,) or (dim, dim), optional
        :math:`M^{-1}`: its diagonal (ones by default) or, for a dense metric, the
        symmetric positive definite matrix.

    Returns
    -------
    x, p : jax.Array
    """
    if not callable(grad_logp):
        raise TypeError("grad_logp must be callable")
    n_steps = check_int(n_steps, "n_steps", 0)
    x = jnp.asarray(x, dtype=float)
    p = jnp.asarray(p, dtype=float)
    if x.shape != p.shape:
        raise ValueError(f"x and p must have the same shape, got {x.shape} and {p.shape}")
    im = jnp.ones_like(x) if inv_mass is None else jnp.asarray(inv_mass, dtype=float)
    if im.shape not in (x.shape, x.shape * 2):
        raise ValueError(f"inv_mass must have shape {x.shape} or {x.shape * 2}, got {im.shape}")

    def vg(x):
        return 0.0, grad_logp(x)

    def body(_, c):  # the samplers' step, carrying the gradient: one evaluation per step
        return leapfrog_step(vg, c[0], c[1], c[3], step_size, im)

    x, p, _, _ = lax.fori_loop(0, n_steps, body, (x, p, 0.0, grad_logp(x)))
    return x, p


def _hmc_kernel(vg: Callable, n_leapfrog: int, jitter: float):
    def kernel(state, key, eps, inv_mass):
        x, lp, g = state
        k_p, k_u, k_j = jax.random.split(key, 3)
        eps = eps * (1.0 + jitter * jax.random.uniform(k_j, minval=-1.0, maxval=1.0))
        p = draw_momentum(k_p, inv_mass, x.shape)
        h0 = energy(lp, p, inv_mass)

        def body(_, c):
            return leapfrog_step(vg, c[0], c[1], c[3], eps, inv_mass)

        x1, p1, lp1, g1 = lax.fori_loop(0, n_leapfrog, body, (x, p, lp, g))
        dh = energy(lp1, p1, inv_mass) - h0
        dh = jnp.where(jnp.isnan(dh), jnp.inf, dh)
        acc = jnp.minimum(1.0, jnp.exp(-dh))
        take = jnp.log(jax.random.uniform(k_u)) < -dh
        new = (jnp.where(take, x1, x), jnp.where(take, lp1, lp), jnp.where(take, g1, g))
        return new, (acc, jnp.asarray(n_leapfrog), dh > DIVERGENCE_THRESHOLD)

    return kernel


def hmc(logp: Callable, grad_logp: Callable | None, x0: Any, n: int, step_size: float | None = None,
        n_leapfrog: int = 20, mass: Any = None, rng: Any = None, *, warmup: int | None = None,
        target_accept: float = 0.8, adapt_step_size: bool = True, adapt_mass: bool = True,
        jitter: float = 0.2, chain_method: str = "sequential",
        dense_mass: bool = False) -> MCMCResult:
    r"""Hamiltonian Monte Carlo with a fixed number of leapfrog steps :cite:p:`neal2011mcmc`.

    During ``warmup`` the step size is tuned by dual averaging to ``target_accept``
    :cite:p:`hoffman2014nuts` and the diagonal mass matrix is estimated in Stan's
    windows :cite:p:`carpenter2017stan`. The whole chain is one compiled JAX program.

    Parameters
    ----------
    logp : callable
        Log-density (up to a constant) on :math:`\mathbb R^d`, JAX-traceable.
    grad_logp : callable or None
        Its gradient; ``None`` uses ``jax.grad``.
    x0 : array_like, shape (dim,) or (chains, dim)
        Starting points, one row per chain.
    n : int
        Draws per chain after warm-up.
    step_size : float, optional
        Initial (or, without adaptation, fixed) :math:`\epsilon`; found by Stan's heuristic if None.
    n_leapfrog : int
        Leapfrog steps per proposal.
    mass : array_like, shape (dim,) or (dim, dim), optional
        Initial mass matrix :math:`M` (identity by default): its diagonal, or a symmetric
        positive definite matrix (which implies ``dense_mass=True``).
    rng : numpy.random.Generator or int, optional
    warmup : int, optional
        Warm-up iterations (default ``n``).
    target_accept : float
        Dual-averaging target :math:`\delta`.
    jitter : float
        Each trajectory uses :math:`\epsilon(1 + \mathrm{jitter}\,u)`, :math:`u \sim U(-1, 1)`,
        which breaks the periodicity of a fixed path length :cite:p:`neal2011mcmc`.
    chain_method : {"sequential", "vectorized"}
        Run chains one after the other or as one ``vmap``-ed program.
    dense_mass : bool
        Adapt the whole mass matrix (covariance of the warm-up draws) instead of its diagonal.

    Returns
    -------
    MCMCResult
    """
    vg, x, n, warmup, inv_mass = _check_sampler_args(logp, grad_logp, x0, n, warmup, step_size,
                                                     target_accept, mass, dense_mass)
    n_leapfrog = check_int(n_leapfrog, "n_leapfrog")
    if not 0 <= jitter < 1:
        raise ValueError(f"jitter must be in [0, 1), got {jitter!r}")
    chain = make_chain(_hmc_kernel(vg, n_leapfrog, jitter), vg, warmup, n, target_accept,
                       adapt_step_size, adapt_mass)
    eps0 = 1.0 if step_size is None else step_size
    out, wall, comp = run_chains(chain, x, rng_key(rng), eps0, inv_mass, step_size is None,
                                 chain_method)
    return finish(out, wall, comp)


def _check_sampler_args(logp: Callable, grad_logp: Callable | None, x0: Any, n: Any,
                        warmup: Any, step_size: Any, target_accept: float, mass: Any,
                        dense_mass: bool = False
                        ) -> tuple[Callable, np.ndarray, int, int, np.ndarray]:
    """The argument checks shared by :func:`hmc` and :func:`~sciml_lib.prob.nuts.nuts`.

    Returns the fused value-and-gradient function, the starting points, ``n``, ``warmup`` and
    the inverse mass; raises ``ValueError`` naming the argument, and checks ``logp`` is finite
    at the starting points.
    """
    vg = make_vg(logp, grad_logp)
    x = check_x0(x0)
    n = check_int(n, "n")
    warmup = n if warmup is None else check_int(warmup, "warmup", 0)
    if step_size is not None and not (np.isfinite(step_size) and step_size > 0):
        raise ValueError(f"step_size must be positive and finite, got {step_size!r}")
    if not 0 < target_accept < 1:
        raise ValueError(f"target_accept must be in (0, 1), got {target_accept!r}")
    if not isinstance(dense_mass, (bool, np.bool_)):
        raise TypeError(f"dense_mass must be True or False, got {dense_mass!r}")
    inv_mass = _inverse_mass(mass, x.shape[1], bool(dense_mass))
    check_logp_at(vg, x)
    return vg, x, n, warmup, inv_mass


def _inverse_mass(mass: Any, dim: int, dense: bool) -> np.ndarray:
    """The initial inverse mass: a vector (diagonal metric) or a matrix (dense metric)."""
    if mass is None:
        return np.eye(dim) if dense else np.ones(dim)
    m = np.asarray(mass, dtype=float)
    if m.shape == (dim, dim):
        ok = np.all(np.isfinite(m)) and np.allclose(m, m.T)
        if ok:
            try:
                np.linalg.cholesky(m)
            except np.linalg.LinAlgError:
                ok = False
        if not ok:
            raise ValueError(f"mass must be a positive finite array of shape ({dim},) or a "
                             f"symmetric positive definite matrix of shape ({dim}, {dim})")
        inv = np.linalg.inv(m)
        return 0.5 * (inv + inv.T)
    if m.shape != (dim,) or not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise ValueError(f"mass must be a positive finite array of shape ({dim},) or a "
                         f"symmetric positive definite matrix of shape ({dim}, {dim})")
    return np.diag(1.0 / m) if dense else 1.0 / m
