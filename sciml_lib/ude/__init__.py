"""Universal differential equations, augmented neural ODEs and surrogates (lecture 15).

Submodules
----------
models
    :func:`ude_rhs` (known terms + network), :func:`augment`, :func:`batched_rhs`, the
    Lotka-Volterra missing-interaction data.
training
    :func:`fit_ode`: Adam + L-BFGS on adjoint gradients through :mod:`sciml_lib.ode.jax_solver`.
missing_physics
    The Lotka-Volterra missing-interaction workflow: UDE fit, then SINDy on the network.
surrogate
    An MLP surrogate of a quantity of interest over parameters, and the break-even count.

Importing this package enables float64 in JAX.
"""

from __future__ import annotations

from .missing_physics import (
    fit_lotka_volterra_ude,
    interaction_errors,
    lv_known_terms,
    recover_missing_interaction,
    recover_terms,
)
from .models import LV_UDE_PARAMS, augment, batched_rhs, lotka_volterra_ude_data, ude_rhs
from .surrogate import Surrogate, break_even, fit_surrogate, lotka_volterra_qoi
from .training import FitResult, collocation_fit, fit_ode

__all__ = [
    "ude_rhs",
    "batched_rhs",
    "augment",
    "lotka_volterra_ude_data",
    "LV_UDE_PARAMS",
    "FitResult",
    "fit_ode",
    "collocation_fit",
    "fit_lotka_volterra_ude",
    "recover_terms",
    "interaction_errors",
    "recover_missing_interaction",
    "lv_known_terms",
    "Surrogate",
    "fit_surrogate",
    "break_even",
    "lotka_volterra_qoi",
]
