"""Python stepping loops: moved to :mod:`sciml_lib.ode` (re-exported here, private)."""

from sciml_lib.ode._control import DT_SMALL, EPS, FAILED, MAX_STEPS, OK, SQRT_EPS
from sciml_lib.ode._control import StepLoop as _Loop
from sciml_lib.ode._jacobian import Counter, JacobianProvider
from sciml_lib.ode.rosenbrock import rosenbrock, rosenbrock23
from sciml_lib.ode.sdirk import sdirk

__all__ = ["EPS", "SQRT_EPS", "OK", "MAX_STEPS", "DT_SMALL", "FAILED", "Counter",
           "JacobianProvider", "rosenbrock", "rosenbrock23", "sdirk", "_Loop"]
