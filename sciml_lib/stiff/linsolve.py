"""Linear solvers of implicit steps: moved to :mod:`sciml_lib.ode.linsolve` (re-exported here)."""

from sciml_lib.ode.linsolve import LINSOLVERS, DenseLU, GMRESSolver, SparseLU, make_linsolve

__all__ = ["DenseLU", "SparseLU", "GMRESSolver", "make_linsolve", "LINSOLVERS"]
