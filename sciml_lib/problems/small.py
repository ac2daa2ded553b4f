r"""Small non-stiff test problems of the course, one vector field each.

Each vector field is written once, as scalar arithmetic in a
``*_components(t, u, p)`` function that only indexes ``u`` and ``p``. It is
Numba-compiled (``@njit``); the Numba right-hand side packs its tuple into an
array, and the JAX right-hand side traces the pure-Python original
(``components.py_func``) and stacks the result.

* Lotka-Volterra :math:`x' = \alpha x - \beta x y`, :math:`y' = -\gamma y + \delta x y`,
  :math:`p = (1.5, 1, 3, 1)`, :math:`u_0 = (1, 1)` on :math:`[0, 10]` (Lecture 7, Homework 2).
* Harmonic oscillator :math:`x' = v`, :math:`v' = -\omega^2 x`, :math:`\omega = 1`,
  :math:`(x, v)_0 = (0, 1)` on :math:`[0, 10^4]` (Lecture 16); exact solution
  :func:`harmonic_exact`.
* Pendulum :math:`\theta'' + (g/L)\sin\theta = 0` as :math:`u = (\theta, \dot\theta)`,
  :math:`(g, L) = (9.79, 1.00)` on :math:`[0, 6.3]` (Lecture 19). The course code
  labels its initial state (speed, angle) but its right-hand side reads (angle,
  speed) (spec Appendix B, item 11). We choose the evident intent: released from
  rest at 60 degrees, :math:`u_0 = (\pi/3, 0)`.
* FitzHugh-Nagumo :math:`V' = c(V - V^3/3 + R)`, :math:`R' = -(V - a - bR)/c`,
  :math:`(a, b, c) = (0.2, 0.2, 3)`, :math:`u_0 = (-1, 1)` on :math:`[0, 20]` (Lecture 19)
  :cite:p:`fitzhugh1961impulses`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .base import ODEProblem

__all__ = [
    "lotka_volterra_components",
    "lotka_volterra_rhs",
    "lotka_volterra_rhs_jax",
    "lotka_volterra_jac",
    "LOTKA_VOLTERRA",
    "harmonic_components",
    "harmonic_rhs",
    "harmonic_rhs_jax",
    "harmonic_exact",
    "HARMONIC_OSCILLATOR",
    "pendulum_components",
    "pendulum_rhs",
    "pendulum_rhs_jax",
    "PENDULUM",
    "fitzhugh_nagumo_components",
    "fitzhugh_nagumo_rhs",
    "fitzhugh_nagumo_rhs_jax",
    "FITZHUGH_NAGUMO",
]


def _jax_stack(components):
    def rhs(t, u, p):
        import jax.numpy as jnp

        return jnp.stack(components.py_func(t, u, p))

    rhs.__name__ = components.__name__.replace("_components", "_rhs_jax")
    rhs.__doc__ = f"JAX-traceable right-hand side built from :func:`{components.__name__}`."
    return rhs


# --------------------------------------------------------------------------- Lotka-Volterra
@njit(cache=True)
def lotka_volterra_components(t, u, p):
    """Lotka-Volterra field, ``p = (alpha, beta, gamma, delta)``: returns ``(dx, dy)``."""
    x, y = u[0], u[1]
    return p[0] * x - p[1] * x * y, -p[2] * y + p[3] * x * y


@njit(cache=True)
def lotka_volterra_rhs(t, u, p):
    """Numba right-hand side of Lotka-Volterra."""
    a, b = lotka_volterra_components(t, u, p)
    return np.array([a, b])


@njit(cache=True)
def lotka_volterra_jac(t, u, p):
    """Jacobian of Lotka-Volterra (2 x 2)."""
    x, y = u[0], u[1]
    J = np.empty((2, 2))
    J[0, 0], J[0, 1] = p[0] - p[1] * y, -p[1] * x
    J[1, 0], J[1, 1] = p[3] * y, -p[2] + p[3] * x
    return J


lotka_volterra_rhs_jax = _jax_stack(lotka_volterra_components)

LOTKA_VOLTERRA = ODEProblem(
    name="Lotka-Volterra",
    f=lotka_volterra_rhs,
    u0=[1.0, 1.0],
    tspan=(0.0, 10.0),
    p=[1.5, 1.0, 3.0, 1.0],
    jac=lotka_volterra_jac,
    reference="lotka1925elements",
    f_jax=lotka_volterra_rhs_jax,
    description="predator-prey model",
    labels=("prey x", "predator y"),
)


# --------------------------------------------------------------------------- harmonic oscillator
@njit(cache=True)
def harmonic_components(t, u, p):
    """Harmonic oscillator ``x' = v, v' = -omega**2 x`` with ``p = (omega,)``."""
    return u[1], -p[0] * p[0] * u[0]


@njit(cache=True)
def harmonic_rhs(t, u, p):
    """Numba right-hand side of the harmonic oscillator."""
    a, b = harmonic_components(t, u, p)
    return np.array([a, b])


harmonic_rhs_jax = _jax_stack(harmonic_components)


def harmonic_exact(t, u0=(0.0, 1.0), omega: float = 1.0) -> np.ndarray:
    """Exact solution ``(x(t), v(t))`` of the harmonic oscillator; one row per time."""
    t = np.asarray(t, dtype=float)
    x0, v0 = u0
    x = x0 * np.cos(omega * t) + v0 / omega * np.sin(omega * t)
    v = -x0 * omega * np.sin(omega * t) + v0 * np.cos(omega * t)
    return np.stack([x, v], axis=-1)


HARMONIC_OSCILLATOR = ODEProblem(
    name="Harmonic oscillator",
    f=harmonic_rhs,
    u0=[0.0, 1.0],
    tspan=(0.0, 1e4),
    p=[1.0],
    reference="hairer1993solving",
    f_jax=harmonic_rhs_jax,
    description="x'' = -omega^2 x with (v, x)(0) = (1, 0)",
    labels=("x", "v"),
)


# --------------------------------------------------------------------------- pendulum
@njit(cache=True)
def pendulum_components(t, u, p):
    """Pendulum ``theta' = omega, omega' = -(g/L) sin(theta)`` with ``p = (g, L)``."""
    return u[1], -(p[0] / p[1]) * np.sin(u[0])


@njit(cache=True)
def pendulum_rhs(t, u, p):
    """Numba right-hand side of the pendulum."""
    a, b = pendulum_components(t, u, p)
    return np.array([a, b])


def pendulum_rhs_jax(t, u, p):
    """JAX-traceable pendulum (the same arithmetic with ``jnp.sin``)."""
    import jax.numpy as jnp

    return jnp.stack((u[1], -(p[0] / p[1]) * jnp.sin(u[0])))


PENDULUM = ODEProblem(
    name="Pendulum",
    f=pendulum_rhs,
    u0=[np.pi / 3, 0.0],
    tspan=(0.0, 6.3),
    p=[9.79, 1.00],
    reference="hairer1993solving",
    f_jax=pendulum_rhs_jax,
    description="simple pendulum released from rest at 60 degrees",
    labels=("theta", "theta'"),
)


# --------------------------------------------------------------------------- FitzHugh-Nagumo
@njit(cache=True)
def fitzhugh_nagumo_components(t, u, p):
    """FitzHugh-Nagumo field with ``p = (a, b, c)``: returns ``(dV, dR)``."""
    V, R = u[0], u[1]
    a, b, c = p[0], p[1], p[2]
    return c * (V - V * V * V / 3.0 + R), -(V - a - b * R) / c


@njit(cache=True)
def fitzhugh_nagumo_rhs(t, u, p):
    """Numba right-hand side of FitzHugh-Nagumo."""
    a, b = fitzhugh_nagumo_components(t, u, p)
    return np.array([a, b])


fitzhugh_nagumo_rhs_jax = _jax_stack(fitzhugh_nagumo_components)

FITZHUGH_NAGUMO = ODEProblem(
    name="FitzHugh-Nagumo",
    f=fitzhugh_nagumo_rhs,
    u0=[-1.0, 1.0],
    tspan=(0.0, 20.0),
    p=[0.2, 0.2, 3.0],
    reference="fitzhugh1961impulses",
    f_jax=fitzhugh_nagumo_rhs_jax,
    description="excitable neuron model",
    labels=("V", "R"),
)
