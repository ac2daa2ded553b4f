r"""Problems with events (lecture 07, "Events"): a bouncing ball, the period of a pendulum, and
a Poincaré section of the Lorenz attractor, each with the closed form or reference it is
checked against.

* Bouncing ball: :math:`h'' = -g` between bounces; at :math:`h = 0` going down the velocity
  becomes :math:`v \mapsto -e\,v` (restitution :math:`e`). Dropped from rest at height
  :math:`h_0`, it lands at :math:`t_1 = \sqrt{2h_0/g}` with speed :math:`v_0 = \sqrt{2 g h_0}`
  and then flies for :math:`2 e^k v_0/g` between the :math:`k`-th and :math:`(k+1)`-th bounce,
  so the bounce times are
  :math:`t_{k+1} = t_1 + \tfrac{2 v_0}{g}\sum_{j=1}^{k} e^j` (:func:`bounce_times`).
* Pendulum: :math:`\theta'' = -(g/L)\sin\theta` released from rest at :math:`\theta_0` has the
  period :math:`T = 4\sqrt{L/g}\,K(\sin^2(\theta_0/2))` with :math:`K(m)` the complete elliptic
  integral of the first kind (parameter :math:`m`), whose series is
  :math:`T = 2\pi\sqrt{L/g}\,\big(1 + \tfrac{1}{16}\theta_0^2 + \tfrac{11}{3072}\theta_0^4
  + \tfrac{173}{737280}\theta_0^6 + \dots\big)` :cite:p:`fulcher1976elliptic`
  (:func:`pendulum_period`, :func:`pendulum_period_series`). The event
  :func:`pendulum_angle` (:math:`\theta = 0`) crosses twice per period.
* Lorenz: the plane :math:`z = \rho - 1` holds the two non-trivial fixed points; the
  downward crossings of the attractor through it (:func:`lorenz_section`) form its Poincaré
  section :cite:p:`strogatz2015nonlinear`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .base import ODEProblem

__all__ = [
    "BOUNCING_BALL",
    "ball_rhs",
    "ball_height",
    "ball_bounce",
    "bounce_times",
    "pendulum_angle",
    "pendulum_period",
    "pendulum_period_series",
    "lorenz_section",
]


@njit(cache=True)
def ball_rhs(t, u, p):
    """Free fall ``h' = v, v' = -g`` with ``u = (h, v)`` and ``p = (g, e)``."""
    du = np.empty_like(u)
    du[0] = u[1]
    du[1] = -p[0]
    return du


@njit(cache=True)
def ball_height(t, u, p):
    """Event function of the floor: the height ``h`` (zero at a bounce)."""
    return u[0]


@njit(cache=True)
def ball_bounce(t, u, p):
    """Affect of a bounce: ``v <- -e v`` (in place)."""
    u[1] = -p[1] * u[1]


def bounce_times(h0: float, g: float, e: float, n: int) -> np.ndarray:
    """The first ``n`` bounce times of a ball dropped from rest at ``h0`` (closed form)."""
    if h0 <= 0 or g <= 0 or not 0 <= e <= 1 or n < 1:
        raise ValueError("h0, g: must be positive; e: in [0, 1]; n: at least 1")
    t1 = math.sqrt(2.0 * h0 / g)
    v0 = math.sqrt(2.0 * g * h0)
    flights = 2.0 * v0 / g * e ** np.arange(1, n)
    return np.concatenate([[t1], t1 + np.cumsum(flights)])


BOUNCING_BALL = ODEProblem(
    name="Bouncing ball",
    f=ball_rhs,
    u0=[1.0, 0.0],
    tspan=(0.0, 3.0),
    p=[9.81, 0.9],
    reference="hairer1993solving",
    description="a ball dropped from 1 m bouncing with restitution 0.9 (event: h = 0)",
    labels=("h", "v"),
)


@njit(cache=True)
def pendulum_angle(t, u, p):
    """Event function of the pendulum: the angle (zero when it passes the vertical)."""
    return u[0]


def pendulum_period(theta0: float, g: float, L: float) -> float:
    r"""The exact period :math:`4\sqrt{L/g}\,K(\sin^2(\theta_0/2))` (SciPy's ``ellipk``)."""
    from scipy.special import ellipk

    return float(4.0 * math.sqrt(L / g) * ellipk(math.sin(0.5 * theta0) ** 2))


def pendulum_period_series(theta0: float, g: float, L: float) -> float:
    r"""The period to order :math:`\theta_0^6`: :math:`2\pi\sqrt{L/g}(1 + \theta_0^2/16 +
    11\theta_0^4/3072 + 173\theta_0^6/737280)`."""
    a2 = theta0 * theta0
    return 2.0 * math.pi * math.sqrt(L / g) * (
        1.0 + a2 / 16.0 + 11.0 * a2 * a2 / 3072.0 + 173.0 * a2 ** 3 / 737280.0)


@njit(cache=True)
def lorenz_section(t, u, p):
    r"""Event function of the Lorenz Poincaré section: :math:`z - (\rho - 1)` with
    ``p = (sigma, rho, beta)``."""
    return u[2] - (p[1] - 1.0)
