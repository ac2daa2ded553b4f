r"""The Lorenz system :cite:p:`lorenz1963deterministic`.

.. math::

    x' = \sigma (y - x), \qquad y' = x(\rho - z) - y, \qquad z' = x y - \beta z,

with the classical chaotic parameters :math:`(\sigma, \rho, \beta) = (10, 28, 8/3)`,
:math:`u_0 = (1, 0, 0)` on :math:`[0, 100]` (course Lecture 7).

The vector field is written once, as scalar arithmetic in
:func:`lorenz_components` (Numba-compiled; its pure-Python original
``lorenz_components.py_func`` is traced by JAX in :func:`lorenz_rhs_jax`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .base import ODEProblem

__all__ = ["lorenz_components", "lorenz_rhs", "lorenz_rhs_tuple", "lorenz_rhs_jax", "lorenz_jac", "LORENZ"]


@njit(cache=True)
def lorenz_components(x, y, z, sigma, rho, beta):
    """Lorenz vector field on scalars: returns ``(dx, dy, dz)``."""
    return sigma * (y - x), x * (rho - z) - y, x * y - beta * z


@njit(cache=True)
def lorenz_rhs(t, u, p):
    """Right-hand side ``f(t, u, p)`` with ``p = (sigma, rho, beta)``, as a user writes it: a new
    array (the specialised explicit loops call it as the same function returning a tuple, see
    :func:`sciml_lib._specialize.tuple_form`)."""
    dx, dy, dz = lorenz_components(u[0], u[1], u[2], p[0], p[1], p[2])
    return np.array([dx, dy, dz])


@njit(cache=True)
def lorenz_rhs_tuple(t, u, p):
    """The same right-hand side returning a tuple ``(dx, dy, dz)`` instead of a new array.

    :func:`sciml_lib.ode.solve` accepts it for the explicit methods: a tuple of
    floats lives in registers, so no array is allocated per stage (the Python
    analogue of a static array). The specialised loops make it of :func:`lorenz_rhs`
    themselves (:func:`sciml_lib._specialize.tuple_form`); written by hand it also
    serves the loop compiled once for function pointers.
    """
    return lorenz_components(u[0], u[1], u[2], p[0], p[1], p[2])


@njit(cache=True)
def lorenz_jac(t, u, p):
    """Jacobian :math:`\\partial f / \\partial u` (3 x 3)."""
    sigma, rho, beta = p[0], p[1], p[2]
    J = np.empty((3, 3))
    J[0, 0], J[0, 1], J[0, 2] = -sigma, sigma, 0.0
    J[1, 0], J[1, 1], J[1, 2] = rho - u[2], -1.0, -u[0]
    J[2, 0], J[2, 1], J[2, 2] = u[1], u[0], -beta
    return J


def lorenz_rhs_jax(t, u, p):
    """JAX-traceable right-hand side (same arithmetic as :func:`lorenz_rhs`)."""
    import jax.numpy as jnp

    return jnp.stack(lorenz_components.py_func(u[0], u[1], u[2], p[0], p[1], p[2]))


LORENZ = ODEProblem(
    name="Lorenz",
    f=lorenz_rhs,
    u0=np.array([1.0, 0.0, 0.0]),
    tspan=(0.0, 100.0),
    p=np.array([10.0, 28.0, 8.0 / 3.0]),
    jac=lorenz_jac,
    stiff=False,
    reference="lorenz1963deterministic",
    f_jax=lorenz_rhs_jax,
    description="Lorenz convection model, chaotic for (10, 28, 8/3)",
    labels=("x", "y", "z"),
)
