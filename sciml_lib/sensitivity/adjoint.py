r"""Continuous and discrete adjoints of ODE solutions with a loss on data (lecture 11, homework 3).

Problem: :math:`u' = f(t, u, p)`, :math:`u(t_0) = u_0`, and a loss
:math:`L(U)` of the solution at the data times :math:`t_0 \le \tau_1 < \dots < \tau_m`,
:math:`U_i = u(\tau_i)` (for example :math:`L = \sum_i \|U_i - d_i\|^2`).
The continuous adjoint :cite:p:`chen2018neural` runs backwards from
:math:`\tau_m` with :math:`\lambda(\tau_m^+) = 0`, :math:`\mu(\tau_m) = 0`:

.. math::

    \lambda' = -f_u^T\lambda, \qquad \mu' = -f_p^T\lambda,
    \qquad \lambda(\tau_i^-) = \lambda(\tau_i^+) + \frac{\partial L}{\partial U_i},

and then :math:`dL/dp = \mu(t_0)`, :math:`dL/du_0 = \lambda(t_0)`. (These are
the corrected signs of the notes; for :math:`L = \sum\|U_i - d_i\|^2` the jump
is :math:`2(U_i - d_i)`.) :math:`f_u^T\lambda` and :math:`f_p^T\lambda` are
vector-Jacobian products, computed with ``jax.vjp`` (for a neural network,
backpropagation inside the reverse ODE).

The backward pass needs :math:`u(t)`; the three strategies differ in how they get it:

``"backsolve"``
    Solve :math:`u' = f` backwards together with :math:`\lambda, \mu`
    (:math:`O(n)` memory; inaccurate or unstable when the backward problem is
    unstable, e.g. for dissipative or chaotic dynamics).
``"interpolating"``
    Keep the dense output of the forward solve and interpolate (memory
    proportional to the number of steps).
``"checkpointing"``
    Store :math:`u` only at the data times; on each interval re-solve forward
    from the checkpoint with dense output, then go backwards through it (memory
    of one interval, one extra forward solve).

``"discrete"`` instead differentiates the solver itself with ``jax.grad``
(:func:`sciml_lib.ode.jax_solver.solve_at`): the exact gradient of the
computed solution rather than an approximation of the exact gradient.

Importing this module enables float64 in JAX.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402
from jax.flatten_util import ravel_pytree  # noqa: E402
from jax.tree_util import Partial  # noqa: E402

from sciml_lib.ode.jax_solver import _initial_dt, _solve_impl, _tab, dense_eval, integrate, solve_at  # noqa: E402

__all__ = ["STRATEGIES", "AdjointResult", "ode_adjoint", "make_adjoint_gradient", "l2_data_loss"]

STRATEGIES: tuple[str, ...] = ("backsolve", "interpolating", "checkpointing", "discrete")
"""The gradient strategies accepted by :func:`ode_adjoint`."""


@dataclass(frozen=True)
class AdjointResult:
    """Loss, gradients and costs of one adjoint computation.

    Attributes
    ----------
    loss : float
        :math:`L(U)`.
    grad_p : pytree
        :math:`dL/dp`, with the structure of ``p``.
    grad_u0 : numpy.ndarray
        :math:`dL/du_0 = \\lambda(t_0)`.
    strategy : str
        One of :data:`STRATEGIES`.
    n_f : int
        Right-hand-side evaluations of the forward solve(s) (including the
        recomputation of the checkpointing strategy).
    n_vjp : int
        Evaluations of the backward right-hand side (each one VJP of ``f``;
        for ``"discrete"``: 0, the reverse pass is done by JAX).
    n_steps_forward, n_steps_backward : int
        Accepted steps of the forward and backward solves.
    stored_floats : int
        Floats held for the backward pass: the dense output (interpolating),
        checkpoints plus one interval's dense output (checkpointing), the data-time
        states (backsolve), or the scan residuals estimate (discrete).
    success : bool
        Whether every solve finished.
    """

    loss: float
    grad_p: Any
    grad_u0: np.ndarray
    strategy: str
    n_f: int
    n_vjp: int
    n_steps_forward: int
    n_steps_backward: int
    stored_floats: int
    success: bool


def l2_data_loss(data: Any) -> Callable[[Any], Any]:
    r"""The loss :math:`L(U) = \sum_i \|U_i - d_i\|_2^2` for data ``d`` of shape (m, n).

    Its jump at :math:`\tau_i` is :math:`\partial L/\partial U_i = 2(U_i - d_i)`.
    """
    return Partial(_l2, jnp.asarray(data, dtype=float))


def _l2(d: Any, U: Any) -> Any:
    return jnp.sum((U - d) ** 2)


def _as_partial(loss: Callable) -> Partial:
    """Wrap ``loss`` as a pytree so that its data are traced, not baked into the compilation."""
    return loss if isinstance(loss, Partial) else Partial(loss)


def _aug_rhs_lam_mu(f, pf_unravel, n):
    """Backward RHS for y = (lambda, mu) given u(t) from a callable."""

    def make(u_of_t):
        def rhs(t, y, pf):
            lam = y[:n]
            u = u_of_t(t)
            _, vjp = jax.vjp(lambda uu, pp: f(t, uu, pf_unravel(pp)), u, pf)
            au, ap = vjp(lam)
            return jnp.concatenate([-au, -ap])

        return rhs

    return make


def _core(f, strategy, method, max_steps, loss, t0, u0, p, t_data, rtol, atol):
    tab = _tab(method)
    s = tab.stages
    pf, unravel = ravel_pytree(p)
    n = u0.shape[0]
    npar = pf.shape[0]
    m = t_data.shape[0]
    taus = jnp.concatenate([jnp.reshape(t0, (1,)), t_data])

    def ff(t, u, pp):
        return f(t, u, unravel(pp))

    status = jnp.asarray(0)
    if strategy == "interpolating":
        sol = _solve_impl(ff, tab.name, max_steps, t0, t_data[-1], u0, pf, rtol, atol, None)
        U = dense_eval(sol, t_data, tab.name)
        nf = sol.n_f
        nsteps_f = sol.n_steps
        status = jnp.maximum(status, sol.status)
        stored = (sol.n_steps + 1) * 2 * n + sol.n_steps * s * n + sol.n_steps + 1
        dt_last = jnp.abs(sol.ts[sol.n_steps] - sol.ts[jnp.maximum(sol.n_steps - 1, 0)])
    else:
        # march interval by interval, storing u at the data times (checkpoints)
        def fwd(carry, k):
            u, nf, nst, stt, dt = carry
            u1, st, nfk, status_k, dt1 = integrate(ff, tab.name, taus[k], taus[k + 1], u, pf, rtol, atol,
                                                   dt0=dt, return_dt=True)
            return (u1, nf + nfk, nst + st, jnp.maximum(stt, status_k), jnp.where(dt1 > 0, dt1, dt)), u1

        f0 = ff(t0, u0, pf)
        dt_init = _initial_dt(ff, tab, t0, u0, pf, f0, t_data[-1] - t0, rtol, atol)
        init = (u0, jnp.asarray(2), jnp.asarray(0), jnp.asarray(0), dt_init)
        (uT, nf, nsteps_f, st_f, dt_last), U = lax.scan(fwd, init, jnp.arange(m))
        status = jnp.maximum(status, st_f)
        stored = (m + 1) * n
    L, G = jax.value_and_grad(loss)(U)
    lam0 = jnp.zeros(n)
    mu0 = jnp.zeros(npar)

    if strategy == "backsolve":

        def rhs(t, y, pp):
            u, lam = y[:n], y[n : 2 * n]
            du, vjp = jax.vjp(lambda uu, q: ff(t, uu, q), u, pp)
            au, ap = vjp(lam)
            return jnp.concatenate([du, -au, -ap])

        def bwd(carry, k):
            u, lam, mu, nv, nst, stt, dt = carry
            lam = lam + G[k - 1]
            y = jnp.concatenate([u, lam, mu])
            y1, st, nfk, status_k, dt1 = integrate(rhs, tab.name, taus[k], taus[k - 1], y, pf, rtol, atol,
                                                   dt0=dt, return_dt=True)
            dt = jnp.where(dt1 > 0, dt1, dt)
            return (y1[:n], y1[n : 2 * n], y1[2 * n :], nv + nfk, nst + st, jnp.maximum(stt, status_k), dt), None

        carry = (U[-1], lam0, mu0, jnp.asarray(0), jnp.asarray(0), jnp.asarray(0), dt_last)
        carry, _ = lax.scan(bwd, carry, jnp.arange(m, 0, -1))
        _, lam, mu, nvjp, nsteps_b, st_b, _ = carry
        extra_stored = 0
    elif strategy == "interpolating":
        make = _aug_rhs_lam_mu(f, unravel, n)
        rhs = make(lambda t: dense_eval(sol, t, tab.name))

        def bwd(carry, k):
            lam, mu, nv, nst, stt, dt = carry
            lam = lam + G[k - 1]
            y = jnp.concatenate([lam, mu])
            y1, st, nfk, status_k, dt1 = integrate(rhs, tab.name, taus[k], taus[k - 1], y, pf, rtol, atol,
                                                   dt0=dt, return_dt=True)
            dt = jnp.where(dt1 > 0, dt1, dt)
            return (y1[:n], y1[n:], nv + nfk, nst + st, jnp.maximum(stt, status_k), dt), None

        init = (lam0, mu0, jnp.asarray(0), jnp.asarray(0), jnp.asarray(0), dt_last)
        carry, _ = lax.scan(bwd, init, jnp.arange(m, 0, -1))
        lam, mu, nvjp, nsteps_b, st_b, _ = carry
        extra_stored = 0
    elif strategy == "checkpointing":
        make = _aug_rhs_lam_mu(f, unravel, n)
        Ucp = jnp.concatenate([u0[None, :], U])  # checkpoints at t0 and the data times

        def bwd(carry, k):
            lam, mu, nv, nst, nfr, stt, maxseg, dt = carry
            lam = lam + G[k - 1]
            seg = _solve_impl(ff, tab.name, max_steps, taus[k - 1], taus[k], Ucp[k - 1], pf, rtol, atol, dt)
            rhs = make(lambda t: dense_eval(seg, t, tab.name))
            y = jnp.concatenate([lam, mu])
            y1, st, nfk, status_k, dt1 = integrate(rhs, tab.name, taus[k], taus[k - 1], y, pf, rtol, atol,
                                                   dt0=dt, return_dt=True)
            stt = jnp.maximum(jnp.maximum(stt, status_k), seg.status)
            dt = jnp.where(dt1 > 0, dt1, dt)
            return (y1[:n], y1[n:], nv + nfk, nst + st, nfr + seg.n_f, stt, jnp.maximum(maxseg, seg.n_steps), dt), None

        init = (lam0, mu0, jnp.asarray(0), jnp.asarray(0), jnp.asarray(0), jnp.asarray(0), jnp.asarray(0), dt_last)
        carry, _ = lax.scan(bwd, init, jnp.arange(m, 0, -1))
        lam, mu, nvjp, nsteps_b, nf_re, st_b, maxseg, _ = carry
        nf = nf + nf_re
        extra_stored = (maxseg + 1) * 2 * n + maxseg * s * n + maxseg + 1
    else:  # pragma: no cover - checked by the caller
        raise ValueError(strategy)
    status = jnp.maximum(status, st_b)
    return L, unravel(mu), lam, nf, nvjp, nsteps_f, nsteps_b, stored + extra_stored, status


_core_jit = jax.jit(_core, static_argnums=(0, 1, 2, 3))


def _discrete(f, method, max_steps, loss, t0, u0, p, t_data, rtol, atol):
    def total(p, u0):
        U = solve_at(f, u0, p, t_data, t0=t0, method=method, rtol=rtol, atol=atol, max_steps=max_steps)
        return loss(U)

    L, (gp, gu0) = jax.value_and_grad(total, argnums=(0, 1))(p, u0)
    return L, gp, gu0


_discrete_jit = jax.jit(_discrete, static_argnums=(0, 1, 2))


def _validate(f: Any, loss: Any, strategy: str, u0: Any, t_data: Any, t0: Any) -> tuple[Any, Any, Any]:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    u0 = jnp.asarray(u0, dtype=float)
    if u0.ndim != 1:
        raise ValueError(f"u0 must be a 1-D array, got shape {u0.shape}")
    td = np.asarray(t_data, dtype=float)
    if td.ndim != 1 or td.size < 1:
        raise ValueError(f"t_data must be a non-empty 1-D array, got shape {td.shape}")
    if np.any(np.diff(td) <= 0):
        raise ValueError("t_data must be strictly increasing")
    t0v = float(td[0]) if t0 is None else float(t0)
    if td[0] < t0v:
        raise ValueError(f"t_data must start at or after t0 = {t0v}, got t_data[0] = {td[0]}")
    return u0, jnp.asarray(td), jnp.asarray(t0v)


def ode_adjoint(
    f: Callable[[Any, Any, Any], Any],
    u0: Any,
    p: Any,
    t_data: Any,
    loss: Callable[[Any], Any],
    *,
    strategy: str = "interpolating",
    t0: float | None = None,
    method: str = "Tsit5",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_steps: int = 4096,
) -> AdjointResult:
    r"""Loss and gradient of :math:`L(u(\tau_1), \dots, u(\tau_m))` with respect to ``p`` and ``u0``.

    Parameters
    ----------
    f : callable
        JAX-traceable right-hand side ``f(t, u, p)``; ``p`` may be a pytree.
    u0 : array_like, shape (n,)
        Initial state at ``t0``.
    p : pytree
        Parameters.
    t_data : array_like, shape (m,)
        Strictly increasing data times :math:`\tau_i \ge t_0`; the last one is the final time.
    loss : callable
        JAX-differentiable ``loss(U)`` of the states ``U`` (shape (m, n)) at the data times,
        e.g. :func:`l2_data_loss`.
    strategy : str
        ``"backsolve"``, ``"interpolating"``, ``"checkpointing"`` or ``"discrete"``.
    t0 : float, optional
        Initial time (default ``t_data[0]``).
    method : str
        Runge-Kutta tableau for the forward and the backward solves.
    rtol, atol : float
        Tolerances of both solves.
    max_steps : int
        Size of the step buffers (the whole solve, or one interval for checkpointing).

    Returns
    -------
    AdjointResult
    """
    u0, td, t0v = _validate(f, loss, strategy, u0, t_data, t0)
    if not (rtol > 0 and atol > 0):
        raise ValueError(f"rtol and atol must be positive, got rtol={rtol!r}, atol={atol!r}")
    if not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    name = _tab(method).name
    if strategy == "discrete":
        L, gp, gu0 = _discrete_jit(f, name, max_steps, _as_partial(loss), t0v, u0, p, td, rtol, atol)
        ok = bool(np.isfinite(float(L)))
        s = _tab(name).stages
        return AdjointResult(float(L), gp, np.asarray(gu0), strategy, 0, 0, 0, 0, max_steps * (s + 3) * u0.shape[0], ok)
    L, gp, gu0, nf, nv, nsf, nsb, stored, status = _core_jit(f, strategy, name, max_steps, _as_partial(loss), t0v, u0, p, td, rtol, atol)
    return AdjointResult(
        float(L), gp, np.asarray(gu0), strategy, int(nf), int(nv), int(nsf), int(nsb), int(stored), int(status) == 0
    )


def make_adjoint_gradient(
    f: Callable[[Any, Any, Any], Any],
    loss: Callable[[Any], Any],
    *,
    strategy: str = "interpolating",
    method: str = "Tsit5",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_steps: int = 4096,
) -> Callable[[Any, Any, Any, Any], tuple[Any, Any]]:
    """A jit-compiled ``(u0, p, t_data, t0) -> (loss, grad_p)`` for training loops and benchmarks.

    Same mathematics as :func:`ode_adjoint` without the Python-side checks and
    statistics, so that it can be called thousands of times (or inside
    another ``jax.jit``).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    name = _tab(method).name
    if strategy == "discrete":

        @jax.jit
        def g(u0, p, t_data, t0):
            L, gp, _ = _discrete(f, name, max_steps, loss, t0, u0, p, t_data, rtol, atol)
            return L, gp

        return g

    @jax.jit
    def g2(u0, p, t_data, t0):
        out = _core(f, strategy, name, max_steps, loss, t0, u0, p, t_data, rtol, atol)
        return out[0], out[1]

    return g2

