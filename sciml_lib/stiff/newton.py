"""Newton's method for F(x) = 0: moved to :mod:`sciml_lib.ode.newton` (re-exported here)."""

from sciml_lib.ode.newton import NewtonResult, newton

__all__ = ["NewtonResult", "newton"]
