r"""HIRES: the "High Irradiance RESponse" of plant photomorphogenesis, 8 stiff ODEs.

The model of Schäfer (1975) in the form of :cite:t:`hairer1996solving`
(Section IV.10):

.. math::

    \begin{aligned}
    y_1' &= -1.71 y_1 + 0.43 y_2 + 8.32 y_3 + 0.0007, &
    y_2' &= 1.71 y_1 - 8.75 y_2, \\
    y_3' &= -10.03 y_3 + 0.43 y_4 + 0.035 y_5, &
    y_4' &= 8.32 y_2 + 1.71 y_3 - 1.12 y_4, \\
    y_5' &= -1.745 y_5 + 0.43 y_6 + 0.43 y_7, &
    y_6' &= -280 y_6 y_8 + 0.69 y_4 + 1.71 y_5 - 0.43 y_6 + 0.69 y_7, \\
    y_7' &= 280 y_6 y_8 - 1.81 y_7, &
    y_8' &= -280 y_6 y_8 + 1.81 y_7,
    \end{aligned}

:math:`y_0 = (1, 0, 0, 0, 0, 0, 0, 0.0057)` on :math:`[0, 321.8122]`. The
right-hand side allocates with ``np.empty_like(u)`` and uses only products, so
it also runs on complex arrays (exact complex-step Jacobians). Not part of the
course notes; added for the stiff benchmarks (module written by the stiff-solver
work; re-export from :mod:`sciml_lib.problems`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .base import ODEProblem

__all__ = ["hires_rhs", "hires_jac", "HIRES"]


@njit(cache=True)
def hires_rhs(t, u, p):
    """HIRES right-hand side; ``p = (k_+,)`` the rate 280 of the bimolecular reaction."""
    k = p[0]
    y1, y2, y3, y4, y5, y6, y7, y8 = u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7]
    r = k * y6 * y8
    du = np.empty_like(u)
    du[0] = -1.71 * y1 + 0.43 * y2 + 8.32 * y3 + 0.0007
    du[1] = 1.71 * y1 - 8.75 * y2
    du[2] = -10.03 * y3 + 0.43 * y4 + 0.035 * y5
    du[3] = 8.32 * y2 + 1.71 * y3 - 1.12 * y4
    du[4] = -1.745 * y5 + 0.43 * y6 + 0.43 * y7
    du[5] = -r + 0.69 * y4 + 1.71 * y5 - 0.43 * y6 + 0.69 * y7
    du[6] = r - 1.81 * y7
    du[7] = -r + 1.81 * y7
    return du


@njit(cache=True)
def hires_jac(t, u, p):
    """Analytic Jacobian of HIRES (8 x 8)."""
    k = p[0]
    y6, y8 = u[5], u[7]
    J = np.zeros((8, 8))
    J[0, 0], J[0, 1], J[0, 2] = -1.71, 0.43, 8.32
    J[1, 0], J[1, 1] = 1.71, -8.75
    J[2, 2], J[2, 3], J[2, 4] = -10.03, 0.43, 0.035
    J[3, 1], J[3, 2], J[3, 3] = 8.32, 1.71, -1.12
    J[4, 4], J[4, 5], J[4, 6] = -1.745, 0.43, 0.43
    J[5, 3], J[5, 4], J[5, 5], J[5, 6], J[5, 7] = 0.69, 1.71, -0.43 - k * y8, 0.69, -k * y6
    J[6, 5], J[6, 6], J[6, 7] = k * y8, -1.81, k * y6
    J[7, 5], J[7, 6], J[7, 7] = -k * y8, 1.81, -k * y6
    return J


HIRES = ODEProblem(
    name="HIRES",
    f=hires_rhs,
    u0=[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057],
    tspan=(0.0, 321.8122),
    p=[280.0],
    jac=hires_jac,
    stiff=True,
    reference="hairer1996solving",
    description="plant photomorphogenesis kinetics, 8 species",
    labels=tuple(f"y{i}" for i in range(1, 9)),
)
