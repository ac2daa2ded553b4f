"""Compiled Rosenbrock loops: moved to :mod:`sciml_lib.ode.rosenbrock` (re-exported, private)."""

from sciml_lib.ode._control import DT_SMALL, FAILED, MAX_STEPS, OK
from sciml_lib.ode._jacobian import jac_eval, no_fc, no_jac
from sciml_lib.ode.linsolve import lu_factor, lu_solve
from sciml_lib.ode.rosenbrock import (
    ARR,
    ARR2,
    CARR,
    driver,
    rodas_solve,
    ros23_solve,
    specialized_driver,
)

__all__ = ["OK", "MAX_STEPS", "DT_SMALL", "FAILED", "jac_eval", "no_fc", "no_jac", "lu_factor",
           "lu_solve", "ARR", "ARR2", "CARR", "driver", "rodas_solve", "ros23_solve",
           "specialized_driver"]
