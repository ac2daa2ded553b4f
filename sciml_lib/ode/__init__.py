"""Explicit Runge-Kutta ODE solvers compiled with Numba.

* :func:`~sciml_lib.ode.explicit_rk.solve`: fixed- and adaptive-step explicit Runge-Kutta methods with
  dense output; stiff method names are forwarded to ``sciml_lib.stiff``.
* :class:`~sciml_lib.ode.solution.ODESolution`, :class:`~sciml_lib.ode.solution.ODEStats`, :func:`~sciml_lib.ode.solution.hermite_interpolant`: the
  result objects shared by all solvers.
* :class:`~sciml_lib.ode.tableaus.ButcherTableau`, :data:`~sciml_lib.ode.tableaus.TABLEAUS`, :func:`~sciml_lib.ode.tableaus.get_tableau`: the methods
  as data.
"""

from .explicit_rk import RKDenseOutput, solve
from .solution import HermiteInterpolant, ODESolution, ODEStats, hermite_interpolant
from .tableaus import EXPLICIT_METHODS, TABLEAUS, ButcherTableau, get_tableau

__all__ = [
    "solve",
    "RKDenseOutput",
    "ODEStats",
    "ODESolution",
    "HermiteInterpolant",
    "hermite_interpolant",
    "ButcherTableau",
    "TABLEAUS",
    "EXPLICIT_METHODS",
    "get_tableau",
]
