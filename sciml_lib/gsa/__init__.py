"""Global sensitivity analysis (Lecture 17).

Model functions are **vectorised**: ``f(X)`` with ``X`` of shape ``(n, d)``
(one row per input sample) returns ``(n,)`` or ``(n, k)`` for ``k`` outputs
(e.g. a time series); every estimator calls ``f`` once on its whole design.
Inputs are independent and uniform on ``bounds`` (shape ``(d, 2)``).
Index arrays have shape ``(d,)`` for one output and ``(k, d)`` for ``k``.

**Modules**

sampling
    A from-scratch Sobol generator (checked against SciPy), scrambled Sobol
    points, random points, Latin hypercubes and maximin-optimised ones.
linear
    ``correlation``, ``src`` (standardised regression coefficients), ``pcc``, ``r_squared``.
dgsm
    Derivative-based measures by JAX AD, with the bound on the total index.
morris
    Elementary effects with trajectory spreading.
sobol
    First, total and second-order Sobol indices (Jansen and Saltelli
    estimators) with compiled bootstrap confidence intervals.
efast
    The extended Fourier amplitude sensitivity test.
test_functions
    Ishigami and Sobol G with closed-form indices.
ode_models
    ODE solves as an ensemble model of the parameters.
"""

from __future__ import annotations

from ._result import GSAResult
from .dgsm import dgsm, model_gradient
from .efast import efast, efast_frequencies, search_curve
from .linear import correlation, pcc, r_squared, src
from .morris import morris, morris_trajectories, select_spread, trajectory_distances
from .ode_models import ode_ensemble, solve_rows
from .sampling import (
    JOE_KUO,
    latin_hypercube,
    maximin_lhs,
    min_distance,
    phi_p,
    random_points,
    sobol_direction_numbers,
    sobol_points,
    sobol_sequence,
)
from .sobol import ESTIMATORS, saltelli_design, sobol_estimates, sobol_indices
from .test_functions import ISHIGAMI_BOUNDS, ishigami, ishigami_indices, sobol_g, sobol_g_indices

__all__ = [
    "GSAResult",
    "dgsm",
    "model_gradient",
    "efast",
    "efast_frequencies",
    "search_curve",
    "correlation",
    "pcc",
    "r_squared",
    "src",
    "morris",
    "morris_trajectories",
    "select_spread",
    "trajectory_distances",
    "ode_ensemble",
    "solve_rows",
    "JOE_KUO",
    "latin_hypercube",
    "maximin_lhs",
    "min_distance",
    "phi_p",
    "random_points",
    "sobol_direction_numbers",
    "sobol_points",
    "sobol_sequence",
    "ESTIMATORS",
    "saltelli_design",
    "sobol_estimates",
    "sobol_indices",
    "ISHIGAMI_BOUNDS",
    "ishigami",
    "ishigami_indices",
    "sobol_g",
    "sobol_g_indices",
]
