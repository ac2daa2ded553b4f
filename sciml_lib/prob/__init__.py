r"""Probabilistic programming from scratch (lecture 16).

Samplers that take a log-density and return draws of shape (chains, draws, dim)
with acceptance statistics and wall time: random-walk Metropolis-Hastings
(:func:`metropolis_hastings`), Hamiltonian Monte Carlo (:func:`hmc`, with the
:func:`leapfrog` integrator), the No-U-Turn sampler (:func:`nuts`) and ADVI
(:func:`advi`); convergence diagnostics (:func:`ess_bulk`, :func:`ess_tail`,
:func:`rhat`, :func:`mcse_mean`); constraint transforms; trace and pair plots; and
models (Bayesian Lotka-Volterra on the Hudson Bay data, eight schools, 2-D toys).
The gradient-based samplers are JAX programs compiled end to end.
"""

from sciml_lib.prob._runner import MCMCResult
from sciml_lib.prob.adaptation import warmup_schedule
from sciml_lib.prob.advi import ADVIResult, advi
from sciml_lib.prob.diagnostics import ess, ess_bulk, ess_tail, mcse_mean, rhat, summary
from sciml_lib.prob.hmc import hmc, leapfrog
from sciml_lib.prob.mh import metropolis_hastings
from sciml_lib.prob.models import (
    Model,
    banana,
    eight_schools_noncentered,
    gaussian_2d,
    hudson_lynx_hare,
    lotka_volterra_model,
)
from sciml_lib.prob.nuts import nuts
from sciml_lib.prob.plots import pair_plot, trace_plot
from sciml_lib.prob.reference import POSTERIORDB_REFERENCE
from sciml_lib.prob.transforms import Transform, transformed_logp

__all__ = [
    "MCMCResult", "ADVIResult", "metropolis_hastings", "hmc", "leapfrog", "nuts", "advi",
    "warmup_schedule", "ess", "ess_bulk", "ess_tail", "rhat", "mcse_mean", "summary",
    "Transform", "transformed_logp", "Model", "lotka_volterra_model", "hudson_lynx_hare",
    "eight_schools_noncentered", "gaussian_2d", "banana", "trace_plot", "pair_plot",
    "POSTERIORDB_REFERENCE",
]
