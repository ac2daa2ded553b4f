"""ODE solvers: one entry point, one file per method family (lectures 07 and 09).

* :func:`~sciml_lib.ode._solve.solve` and :data:`~sciml_lib.ode._solve.METHODS`: every method,
  explicit or implicit, through one signature (method names in any case).
* :mod:`~sciml_lib.ode.explicit_rk`: explicit Runge-Kutta methods (Numba loop, dense output).
* :mod:`~sciml_lib.ode.rosenbrock`, :mod:`~sciml_lib.ode.sdirk`, :mod:`~sciml_lib.ode.bdf`:
  Rosenbrock (Rodas4/5/5P, Rosenbrock23), implicit Euler and TR-BDF2, variable-order NDF/BDF;
  :mod:`~sciml_lib.ode.newton` and :mod:`~sciml_lib.ode.linsolve` for their nonlinear and
  linear systems.
* :mod:`~sciml_lib.ode.events`: events (located zeros, terminal events) and callbacks
  (:class:`~sciml_lib.ode.events.ContinuousCallback`,
  :class:`~sciml_lib.ode.events.DiscreteCallback`,
  :class:`~sciml_lib.ode.events.PresetTimeCallback`) of ``solve``.
* :mod:`~sciml_lib.ode.tableaus`: every method's coefficients as data.
* :class:`~sciml_lib.ode.solution.ODESolution`, :class:`~sciml_lib.ode.solution.ODEStats`,
  :func:`~sciml_lib.ode.solution.hermite_interpolant`: the result objects.
"""

from ._solve import METHODS, MethodInfo, solve
from .bdf import NDF_KAPPA, rescale_differences
from .events import ContinuousCallback, DiscreteCallback, Event, PresetTimeCallback, locate_zero
from .explicit_rk import RKDenseOutput
from .linsolve import (
    LINSOLVERS,
    PRECONDITIONERS,
    DenseLU,
    GMRESSolver,
    SparseLU,
    gmres,
    make_linsolve,
    part_lu,
)
from .newton import NewtonResult, newton
from .solution import HermiteInterpolant, ODESolution, ODEStats, hermite_interpolant
from .stability import (
    imaginary_stability_limit,
    real_stability_limit,
    stability_function,
    stability_polynomial,
)
from .tableaus import (
    EXPLICIT_METHODS,
    RODAS4,
    RODAS5,
    RODAS5P,
    TABLEAUS,
    TRBDF2_COEFFS,
    ButcherTableau,
    RosenbrockTableau,
    get_tableau,
)
from .work_precision import WorkPrecisionCurve, plot_work_precision, work_precision

__all__ = [
    "solve",
    "METHODS",
    "MethodInfo",
    "Event",
    "ContinuousCallback",
    "DiscreteCallback",
    "PresetTimeCallback",
    "locate_zero",
    "RKDenseOutput",
    "ODEStats",
    "ODESolution",
    "HermiteInterpolant",
    "hermite_interpolant",
    "ButcherTableau",
    "TABLEAUS",
    "EXPLICIT_METHODS",
    "get_tableau",
    "RosenbrockTableau",
    "RODAS4",
    "RODAS5",
    "RODAS5P",
    "TRBDF2_COEFFS",
    "newton",
    "NewtonResult",
    "LINSOLVERS",
    "DenseLU",
    "SparseLU",
    "GMRESSolver",
    "make_linsolve",
    "gmres",
    "part_lu",
    "PRECONDITIONERS",
    "NDF_KAPPA",
    "rescale_differences",
    "stability_function",
    "stability_polynomial",
    "real_stability_limit",
    "imaginary_stability_limit",
    "WorkPrecisionCurve",
    "work_precision",
    "plot_work_precision",
]
