"""Sensitivity analysis: forward sensitivities, adjoints of solves and of ODEs (lectures 10-11).

Submodules
----------
forward
    Forward sensitivities :math:`S' = f_u S + f_p` of ODE solutions.
solves
    Adjoints of linear solves :math:`A(p)x = b(p)` and nonlinear solves :math:`f(x, p) = 0`.
adjoint
    Continuous ODE adjoints (backsolve, interpolating, checkpointing) and the
    discrete adjoint through the JAX solver.
callback_adjoint
    The continuous adjoint with the data jumps as a ``PresetTimeCallback`` (one backward
    solve of :func:`sciml_lib.ode.solve`).
shooting
    Multiple shooting: segment initial states as unknowns, continuity defects penalised.

Importing this package enables float64 in JAX (``jax_enable_x64``).
"""

from __future__ import annotations

from .adjoint import STRATEGIES, AdjointResult, l2_data_loss, make_adjoint_gradient, ode_adjoint
from .callback_adjoint import callback_adjoint
from .forward import ForwardSensitivityResult, forward_sensitivities
from .shooting import MultipleShooting
from .solves import linear_solve_adjoint, nonlinear_solve_adjoint

__all__ = [
    "STRATEGIES",
    "AdjointResult",
    "ode_adjoint",
    "make_adjoint_gradient",
    "l2_data_loss",
    "callback_adjoint",
    "ForwardSensitivityResult",
    "forward_sensitivities",
    "linear_solve_adjoint",
    "nonlinear_solve_adjoint",
    "MultipleShooting",
]
