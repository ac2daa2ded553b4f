r"""Forward sensitivities of ODE solutions (lecture 10, homework 2).

For :math:`u' = f(t, u, p)` the sensitivity :math:`S = \partial u/\partial p`
(:math:`n \times P`) obeys the augmented linear ODE

.. math::

    S' = f_u S + f_p, \qquad S(t_0) = \partial u_0 / \partial p \;(= 0 \text{ here}),

solved together with :math:`u` (:math:`n + nP` states) by the JAX solver of
:mod:`sciml_lib.ode.jax_solver`; :math:`f_u` and :math:`f_p` come from
``jax.jacfwd`` unless given. The cost grows linearly with the number of
parameters :math:`P`, which is why reverse mode (adjoints) wins for many
parameters. Importing this module enables float64 in JAX.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from sciml_lib.ode.jax_solver import dense_eval, solve  # noqa: E402

__all__ = ["ForwardSensitivityResult", "forward_sensitivities"]


@dataclass(frozen=True)
class ForwardSensitivityResult:
    """Solution and sensitivities at the output times.

    Attributes
    ----------
    t : numpy.ndarray, shape (m,)
    u : numpy.ndarray, shape (m, n)
    S : numpy.ndarray, shape (m, n, P)
        :math:`\\partial u(t_i)/\\partial p`.
    n_steps : int
    success : bool
    """

    t: np.ndarray
    u: np.ndarray
    S: np.ndarray
    n_steps: int
    success: bool


_CACHE: dict[Any, Callable] = {}


def _augmented(f: Callable, n: int, P: int, f_u: Callable | None, f_p: Callable | None) -> Callable:
    key = (f, n, P, f_u, f_p)
    if key in _CACHE:
        return _CACHE[key]
    fu = f_u if f_u is not None else jax.jacfwd(f, argnums=1)
    fp = f_p if f_p is not None else jax.jacfwd(f, argnums=2)

    def rhs(t, y, p):
        u = y[:n]
        S = y[n:].reshape(n, P)
        du = f(t, u, p)
        dS = jnp.asarray(fu(t, u, p)) @ S + jnp.asarray(fp(t, u, p))
        return jnp.concatenate([du, dS.ravel()])

    _CACHE[key] = rhs
    return rhs


def forward_sensitivities(
    f: Callable[[Any, Any, Any], Any],
    u0: Any,
    p: Any,
    t_eval: Any,
    *,
    t0: float | None = None,
    f_u: Callable | None = None,
    f_p: Callable | None = None,
    method: str = "Tsit5",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    max_steps: int = 4096,
) -> ForwardSensitivityResult:
    r"""Solve :math:`u' = f(t,u,p)` together with :math:`S' = f_u S + f_p`, :math:`S(t_0) = 0`.

    Parameters
    ----------
    f : callable
        JAX-traceable ``f(t, u, p)`` with ``p`` a 1-D array of length :math:`P`.
    u0 : array_like, shape (n,)
    p : array_like, shape (P,)
    t_eval : array_like, shape (m,)
        Output times (dense output of the augmented solve).
    t0 : float, optional
        Initial time (default ``t_eval[0]``).
    f_u, f_p : callable, optional
        Jacobians ``f_u(t, u, p)`` (n, n) and ``f_p(t, u, p)`` (n, P); ``jax.jacfwd`` by default.
    method, rtol, atol, max_steps
        Passed to :func:`sciml_lib.ode.jax_solver.solve` (the error control
        includes the sensitivities).

    Returns
    -------
    ForwardSensitivityResult
    """
    u0 = np.asarray(u0, dtype=float)
    p = np.asarray(p, dtype=float)
    if u0.ndim != 1:
        raise ValueError(f"u0 must be a 1-D array, got shape {u0.shape}")
    if p.ndim != 1:
        raise ValueError(f"p must be a 1-D array, got shape {p.shape}")
    te = np.asarray(t_eval, dtype=float)
    if te.ndim != 1 or te.size < 1:
        raise ValueError(f"t_eval must be a non-empty 1-D array, got shape {te.shape}")
    t0v = float(te[0]) if t0 is None else float(t0)
    n, P = u0.size, p.size
    rhs = _augmented(f, n, P, f_u, f_p)
    y0 = np.concatenate([u0, np.zeros(n * P)])
    sol = solve(rhs, (t0v, float(te[-1])), y0, jnp.asarray(p), method=method, rtol=rtol, atol=atol, max_steps=max_steps)
    Y = np.asarray(dense_eval(sol, te, method))
    return ForwardSensitivityResult(te, Y[:, :n], Y[:, n:].reshape(-1, n, P), int(sol.n_steps), sol.success)
