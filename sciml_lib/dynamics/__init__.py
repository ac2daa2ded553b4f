r"""Discrete dynamical systems :math:`u_{n+1}=f(u_n,p)` (Lecture 4, Homework 1).

**Modules**

maps
    The generic compiled map iterator :func:`iterate`.
stability
    Fixed points, their classification from :math:`|f'|` or Jacobian
    eigenvalues, Banach iteration, companion matrices of delay recurrences.
logistic
    The logistic map: attractors, the bifurcation diagram (serial, ``prange``,
    process pool; bit-identical) and the Lyapunov exponent.
lorenz_map
    The Euler-discretised Lorenz map in the storage variants of the Lecture 4
    performance table.
"""

from __future__ import annotations

from .logistic import (
    R_INFINITY,
    attractor,
    bifurcation_chunk,
    bifurcation_diagram,
    logistic,
    logistic_fixed_point,
    logistic_period2,
    lyapunov_exponent,
    lyapunov_exponents,
)
from .lorenz_map import (
    LORENZ_MAP_PARAMS,
    LORENZ_MAP_U0,
    lorenz_euler_into,
    lorenz_euler_list,
    lorenz_euler_matrix,
    lorenz_euler_swap,
    lorenz_euler_tuple,
    lorenz_euler_tuple_end,
    lorenz_euler_views,
    lorenz_step,
    lorenz_step_inplace,
    lorenz_step_tuple,
)
from .maps import iterate, iterate_array, iterate_scalar, iterate_tuple
from .stability import (
    FixedPointResult,
    classify_fixed_point,
    companion_matrix,
    fixed_point_iteration,
    fixed_point_stability,
    linear_map_is_stable,
    numerical_jacobian,
    spectral_radius,
)

__all__ = [
    "R_INFINITY",
    "attractor",
    "bifurcation_chunk",
    "bifurcation_diagram",
    "logistic",
    "logistic_fixed_point",
    "logistic_period2",
    "lyapunov_exponent",
    "lyapunov_exponents",
    "LORENZ_MAP_PARAMS",
    "LORENZ_MAP_U0",
    "lorenz_euler_into",
    "lorenz_euler_list",
    "lorenz_euler_matrix",
    "lorenz_euler_swap",
    "lorenz_euler_tuple",
    "lorenz_euler_tuple_end",
    "lorenz_euler_views",
    "lorenz_step",
    "lorenz_step_inplace",
    "lorenz_step_tuple",
    "iterate",
    "iterate_array",
    "iterate_scalar",
    "iterate_tuple",
    "FixedPointResult",
    "classify_fixed_point",
    "companion_matrix",
    "fixed_point_iteration",
    "fixed_point_stability",
    "linear_map_is_stable",
    "numerical_jacobian",
    "spectral_radius",
]
