"""The deep BSDE method for high-dimensional semilinear parabolic PDEs (lecture 15).

Submodules
----------
problems
    The PDEs in BSDE form (HJB of an LQG problem, Allen-Cahn, Black-Scholes with
    default risk) and their reference values (Cole-Hopf Monte Carlo, published).
solver
    :func:`solve_bsde`: the Han-Jentzen-E network, trained with one jit-compiled step.

Importing this package enables float64 in JAX.
"""

from __future__ import annotations

from .problems import (
    ALLEN_CAHN_REFERENCE,
    BLACK_SCHOLES_DEFAULT_RISK_REFERENCE,
    BSDEProblem,
    allen_cahn,
    black_scholes_default_risk,
    hjb_lqg,
    hjb_lqg_exact,
)
from .solver import BSDEResult, simulate_forward, solve_bsde

__all__ = [
    "BSDEProblem",
    "BSDEResult",
    "solve_bsde",
    "simulate_forward",
    "hjb_lqg",
    "hjb_lqg_exact",
    "allen_cahn",
    "black_scholes_default_risk",
    "ALLEN_CAHN_REFERENCE",
    "BLACK_SCHOLES_DEFAULT_RISK_REFERENCE",
]
