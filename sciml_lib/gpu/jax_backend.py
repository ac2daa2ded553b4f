r"""The array model of an ensemble: ``jax.vmap`` over one trajectory's solver.

``vmap`` turns the solver of one trajectory into a solver of a batch: every
operation acts on all trajectories at once, and a ``while_loop`` whose
condition differs between trajectories runs until the *last* one is done (the
finished ones are masked with ``select``). This is the lock-step execution that
:func:`sciml_lib.gpu.ensemble.ensemble_solve` compares with one thread per trajectory
:cite:p:`utkarsh2024automated`. Fixed steps use a ``lax.fori_loop`` over
:func:`sciml_lib.ode.jax_solver.rk_step`; adaptive steps vmap
:func:`sciml_lib.ode.jax_solver.integrate`.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

__all__ = ["jax_ensemble", "jax_vector_field", "fixed_step_fn"]

_COMPILED: dict[tuple, Any] = {}


def jax_vector_field(f: Callable, n: int, npar: int) -> Callable:
    """Wrap a tuple-in, tuple-out ``f(t, u, p)`` as an array function for JAX."""
    import jax.numpy as jnp

    py = getattr(f, "py_func", f)

    def rhs(t, u, p):
        du = py(t, tuple(u[m] for m in range(n)), tuple(p[j] for j in range(npar)))
        return jnp.stack([jnp.asarray(x, dtype=u.dtype) for x in du])

    return rhs


def fixed_step_fn(rhs: Callable, tab, t0: float, h: float, nsteps: int, dtype: Any) -> Callable:
    """``u1 = run(u0, p)``: ``nsteps`` steps of size ``h`` in a ``lax.fori_loop`` (one
    trajectory)."""
    import jax.numpy as jnp
    from jax import lax

    from sciml_lib.ode.jax_solver import rk_step

    def run(u0, p):
        def body(k, u):
            t = jnp.asarray(t0, dtype) + k.astype(dtype) * jnp.asarray(h, dtype)
            u_new, _, _ = rk_step(rhs, tab, t, u, p, jnp.asarray(h, dtype), rhs(t, u, p))
            return u_new.astype(dtype)

        return lax.fori_loop(0, nsteps, body, u0)

    return run


def jax_ensemble(
    f,
    u0s: np.ndarray,
    ps: np.ndarray,
    t0: float,
    t1: float,
    tab,
    adaptive: bool,
    dt: float | None,
    rtol: float,
    atol: float,
    max_steps: int,
    dtype: Any,
):
    """Backend ``"jax"`` of :func:`sciml_lib.gpu.ensemble.ensemble_solve` (see there)."""
    import jax
    import jax.numpy as jnp

    from sciml_lib.ode import jax_solver  # enables float64 in JAX

    from .ensemble import EnsembleResult

    N, n = u0s.shape
    npar = ps.shape[1]
    key = (
        getattr(f, "py_func", f),
        tab.name,
        n,
        npar,
        adaptive,
        np.dtype(dtype).name,
        t0,
        t1,
        dt,
        rtol,
        atol,
    )
    tic = time.perf_counter()
    if key not in _COMPILED:
        rhs = jax_vector_field(f, n, npar)
        if adaptive:
            if np.dtype(dtype) != np.float64:
                raise ValueError("dtype: backend='jax' with adaptive steps supports float64 only")

            def one(u0, p):
                u1, nacc, nf, status = jax_solver.integrate(
                    rhs, tab, t0, t1, u0, p, rtol, atol, dt0=dt
                )
                return u1, nacc, nf, status
        else:
            span = abs(t1 - t0)
            nsteps = int(np.ceil(span / min(abs(dt), span) - 1e-10))
            h = (t1 - t0) / nsteps
            run = fixed_step_fn(rhs, tab, t0, h, nsteps, dtype)

            def one(u0, p):
                return run(u0, p), nsteps, nsteps * tab.stages, 0

        _COMPILED[key] = jax.jit(jax.vmap(one))
    fn = _COMPILED[key]
    args = (jnp.asarray(u0s), jnp.asarray(ps))
    out = jax.block_until_ready(fn(*args))
    t_first = time.perf_counter() - tic
    tic = time.perf_counter()
    out = jax.block_until_ready(fn(*args))
    t_run = time.perf_counter() - tic
    u1, nacc, nf, status = (np.asarray(x) for x in out)
    N = u0s.shape[0]
    return EnsembleResult(
        u=u1.astype(dtype),
        saved=None,
        naccept=np.broadcast_to(nacc, (N,)).astype(np.int64),
        nreject=np.zeros(N, dtype=np.int64),
        nf=np.broadcast_to(nf, (N,)).astype(np.int64),
        status=np.broadcast_to(status, (N,)).astype(np.int64),
        backend="jax",
        timings={"compile": max(t_first - t_run, 0.0), "kernel": t_run, "transfer": 0.0},
    )
