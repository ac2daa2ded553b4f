"""Stiff ODE solvers: Newton, implicit Euler, TR-BDF2, Rosenbrock methods, variable-order BDF (lecture 09).

The entry point :func:`solve` has the signature of :func:`sciml_lib.ode.solve`
(which forwards the names in :data:`METHODS` here) and returns the same
:class:`sciml_lib.ode.ODESolution`. Jacobians come from automatic
differentiation (:mod:`sciml_lib.ad.forward`), optionally compressed by graph
colouring (:mod:`sciml_lib.ad.sparsity`); linear systems are solved by dense
LU, sparse LU or Jacobian-free GMRES (:mod:`sciml_lib.stiff.linsolve`).
"""

from __future__ import annotations

from .bdf import NDF_KAPPA, rescale_differences
from .linsolve import LINSOLVERS, DenseLU, GMRESSolver, SparseLU, make_linsolve
from .newton import NewtonResult, newton
from .solver import METHODS, solve
from .tableaus import RODAS4, RODAS5, RODAS5P, TRBDF2_COEFFS, RosenbrockTableau

__all__ = [
    "METHODS",
    "solve",
    "newton",
    "NewtonResult",
    "LINSOLVERS",
    "DenseLU",
    "SparseLU",
    "GMRESSolver",
    "make_linsolve",
    "RosenbrockTableau",
    "RODAS4",
    "RODAS5",
    "RODAS5P",
    "TRBDF2_COEFFS",
    "NDF_KAPPA",
    "rescale_differences",
]
