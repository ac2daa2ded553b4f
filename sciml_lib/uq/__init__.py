r"""Uncertainty programming (lecture 19).

linear
    First-order propagation: :func:`~sciml_lib.uq.linear.propagate` (:math:`J\Sigma J^T`) and the
    :class:`~sciml_lib.uq.linear.Normal` value type (dual numbers with sparse sensitivities).
interval
    :class:`~sciml_lib.uq.interval.Interval` arithmetic with outward rounding and
    :func:`~sciml_lib.uq.interval.interval_euler`.
generic
    :func:`~sciml_lib.uq.generic.solve_fixed`: fixed-step Runge-Kutta on any number type.
probints
    :func:`~sciml_lib.uq.probints.probints`: adaptive ProbInts ensembles of numerical error.
koopman
    :func:`~sciml_lib.uq.koopman.koopman_expectation` by quadrature vs
    :func:`~sciml_lib.uq.koopman.mc_expectation`.
"""

from .generic import solve_fixed
from .interval import LIBM_ULPS, Interval, interval_euler
from .koopman import ExpectationResult, koopman_expectation, mc_expectation
from .linear import Normal, covariance_matrix, nominal_values, propagate, std_devs
from .probints import ProbIntsResult, probints

__all__ = [
    "Normal",
    "propagate",
    "covariance_matrix",
    "nominal_values",
    "std_devs",
    "solve_fixed",
    "Interval",
    "interval_euler",
    "LIBM_ULPS",
    "probints",
    "ProbIntsResult",
    "koopman_expectation",
    "mc_expectation",
    "ExpectationResult",
]
