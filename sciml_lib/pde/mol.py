r"""Method of lines: a PDE discretised in space becomes a system of ODEs.

On the interior nodes :math:`x_i = i\Delta x`, :math:`i = 1..n`, of an interval
with zero Dirichlet ends, the second difference turns

.. math::

    u_t = D u_{xx} + r(u) \quad\text{into}\quad
    u_i' = c\,(u_{i-1} - 2u_i + u_{i+1}) + r(u_i), \qquad c = D/\Delta x^2,
    \quad u_0 = u_{n+1} = 0,

a stiff ODE system (the largest eigenvalue of the second difference grows like
:math:`4c`) :cite:p:`leveque2007finite`. The right-hand sides below have the
``f(t, u, p)`` signature of :func:`sciml_lib.ode.solve` and are the one
definition of this stencil that the lectures and tests use. They are generic
loops: compiled by Numba for float and complex arrays (complex-step
Jacobians), and their ``py_func`` runs on object arrays (dual numbers,
sparsity tracers).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

__all__ = ["mol_heat", "mol_reaction_diffusion", "mol_reaction_diffusion_jax"]


@njit(cache=True)
def mol_heat(t, u, p):
    r"""Heat equation :math:`u_i' = p_0 (u_{i-1} - 2u_i + u_{i+1})`, zero Dirichlet ends.

    ``p[0]`` is :math:`D/\Delta x^2`. Equal to ``p[0] * laplacian_1d(n, 1.0) @ u``.
    """
    n = u.size
    c = p[0]
    du = np.empty_like(u)
    for i in range(n):
        left = u[i - 1] if i > 0 else 0.0
        right = u[i + 1] if i < n - 1 else 0.0
        du[i] = c * (left - 2.0 * u[i] + right)
    return du


@njit(cache=True)
def mol_reaction_diffusion(t, u, p):
    r"""Reaction-diffusion :math:`u_i' = p_0 (u_{i-1} - 2u_i + u_{i+1}) + u_i(1-u_i)e^{-p_1 u_i^2}`.

    Zero Dirichlet ends. The reaction is the logistic (Fisher-KPP) term
    :math:`u(1-u)`, damped by :math:`e^{-p_1 u^2}` when ``p`` has a second
    entry (``p = [c]`` means :math:`p_1 = 0`: no damping). The Jacobian is
    tridiagonal.

    Parameters
    ----------
    t : float
        Time (unused: the system is autonomous).
    u : numpy.ndarray
        State at the ``n`` interior nodes.
    p : numpy.ndarray
        ``[c]`` or ``[c, a]`` with :math:`c = D/\Delta x^2` and damping ``a``.
    """
    n = u.size
    c = p[0]
    a = p[1] if p.size > 1 else 0.0
    du = np.empty_like(u)
    for i in range(n):
        left = u[i - 1] if i > 0 else 0.0
        right = u[i + 1] if i < n - 1 else 0.0
        reaction = u[i] * (1.0 - u[i])
        if a != 0.0:
            reaction = reaction * np.exp(-a * u[i] * u[i])
        du[i] = c * (left - 2.0 * u[i] + right) + reaction
    return du


def mol_reaction_diffusion_jax(t: Any, u: Any, p: Any) -> Any:
    """JAX version of :func:`mol_reaction_diffusion` (the same arithmetic on whole arrays)."""
    import jax.numpy as jnp

    u = jnp.asarray(u)
    p = jnp.atleast_1d(jnp.asarray(p))
    a = p[1] if p.shape[0] > 1 else 0.0
    z = jnp.zeros(1, dtype=u.dtype)
    left = jnp.concatenate([z, u[:-1]])
    right = jnp.concatenate([u[1:], z])
    return p[0] * (left - 2.0 * u + right) + u * (1.0 - u) * jnp.exp(-a * u * u)
