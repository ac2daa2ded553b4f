"""Stiff ODE solvers (lecture 09): a thin re-export of :mod:`sciml_lib.ode`.

The implementation moved to :mod:`sciml_lib.ode` (one file per method family:
:mod:`sciml_lib.ode.rosenbrock`, :mod:`sciml_lib.ode.sdirk`,
:mod:`sciml_lib.ode.bdf`, :mod:`sciml_lib.ode.newton`,
:mod:`sciml_lib.ode.linsolve`, :mod:`sciml_lib.ode.tableaus`); the documented
call is ``sciml_lib.ode.solve(..., method="Rodas5P")``. Everything that was
importable from here still is, with the same behaviour:
:func:`sciml_lib.stiff.solver.solve` keeps its default method ``"Rodas4"``.
"""

from __future__ import annotations

from sciml_lib.ode.bdf import NDF_KAPPA, rescale_differences
from sciml_lib.ode.linsolve import LINSOLVERS, DenseLU, GMRESSolver, SparseLU, make_linsolve
from sciml_lib.ode.newton import NewtonResult, newton
from sciml_lib.ode.tableaus import RODAS4, RODAS5, RODAS5P, TRBDF2_COEFFS, RosenbrockTableau

from .solver import METHODS, solve

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
