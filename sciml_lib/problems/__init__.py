"""The course's test problems, each defined once.

Every problem is an :class:`~sciml_lib.problems.base.ODEProblem` (name, ``f``, ``u0``, ``tspan``, ``p``,
``jac``, ``stiff``, ``reference``, ``f_jax``) exported as a module-level
constant, except the two PDEs, which are factories of the grid size:

========================  ==========================================  =======
name                      object                                      stiff
========================  ==========================================  =======
Lorenz                    :data:`LORENZ`                              no
Lotka-Volterra            :data:`LOTKA_VOLTERRA`                      no
harmonic oscillator       :data:`HARMONIC_OSCILLATOR`                 no
pendulum                  :data:`PENDULUM`                            no
FitzHugh-Nagumo           :data:`FITZHUGH_NAGUMO`                     no
Pleiades                  :data:`PLEIADES`                            no
ROBER                     :data:`ROBER`                               yes
POLLU                     :data:`POLLU`                               yes
HIRES                     :data:`HIRES`                               yes
OREGO (Oregonator)        :data:`OREGO`                               yes
E5 (pyrolysis)            :data:`E5`                                  yes
van der Pol (eps = 1e-6)  :data:`VDPOL`                               yes
2-D Brusselator           :func:`brusselator_2d` ``(N)``              yes
2-D diurnal kinetics      :func:`diurnal_2d` ``(M)``                  yes
bouncing ball (events)    :data:`BOUNCING_BALL`                       no
========================  ==========================================  =======

:mod:`~sciml_lib.problems.events` holds the event functions and closed forms of the
bouncing ball, the pendulum period and the Lorenz Poincaré section.

Right-hand sides are Numba-compiled ``f(t, u, p) -> du`` functions taking a
float array ``p``; they are accepted by :func:`sciml_lib.ode.solve` and are
callable from Python. The small problems (Lorenz, Lotka-Volterra, harmonic
oscillator, pendulum, FitzHugh-Nagumo, ROBER) also carry ``f_jax``, a
JAX-traceable right-hand side that traces the same scalar arithmetic.
:data:`BARI_REFERENCE` holds the published end values of the problems from the
Bari stiff test set :cite:p:`mazzia2008test` (HIRES, POLLU, ROBER on
:math:`[0, 10^{11}]`, OREGO, E5, VDPOL).
"""

from .bari import (
    BARI_CASES,
    BARI_REFERENCE,
    E5,
    OREGO,
    VDPOL,
    bari_error,
    e5_jac,
    e5_rhs,
    orego_jac,
    orego_rhs,
    vdpol_jac,
    vdpol_rhs,
)
from .base import ODEProblem
from .brusselator import (
    brusselator_2d,
    brusselator_2d_diffusion,
    brusselator_2d_jac,
    brusselator_2d_rhs,
    brusselator_2d_sparsity,
)
from .chemistry import (
    POLLU,
    POLLU_REACTANTS,
    POLLU_STOICHIOMETRY,
    ROBER,
    pollu_jac,
    pollu_rhs,
    rober_jac,
    rober_rhs,
    rober_rhs_tuple,
)
from .diurnal import DIURNAL_PARAMS, diurnal_2d, diurnal_2d_rhs, diurnal_2d_sparsity
from .events import (
    BOUNCING_BALL,
    ball_bounce,
    ball_height,
    ball_rhs,
    bounce_times,
    lorenz_section,
    pendulum_angle,
    pendulum_period,
    pendulum_period_series,
)
from .hires import HIRES, hires_jac, hires_rhs
from .lorenz import (
    LORENZ,
    lorenz_components,
    lorenz_jac,
    lorenz_rhs,
    lorenz_rhs_jax,
    lorenz_rhs_tuple,
)
from .pleiades import PLEIADES, pleiades_energy, pleiades_rhs
from .small import (
    FITZHUGH_NAGUMO,
    HARMONIC_OSCILLATOR,
    LOTKA_VOLTERRA,
    PENDULUM,
    fitzhugh_nagumo_rhs,
    harmonic_exact,
    harmonic_rhs,
    lotka_volterra_jac,
    lotka_volterra_rhs,
    pendulum_rhs,
)

PROBLEMS: dict[str, ODEProblem] = {
    prob.name: prob
    for prob in (LORENZ, LOTKA_VOLTERRA, HARMONIC_OSCILLATOR, PENDULUM, FITZHUGH_NAGUMO, PLEIADES, ROBER, POLLU, HIRES,
                 OREGO, E5, VDPOL)
}
"""The fixed-size problems by name."""

__all__ = [
    "ODEProblem",
    "PROBLEMS",
    "BOUNCING_BALL",
    "ball_rhs",
    "ball_height",
    "ball_bounce",
    "bounce_times",
    "pendulum_angle",
    "pendulum_period",
    "pendulum_period_series",
    "lorenz_section",
    "LORENZ",
    "LOTKA_VOLTERRA",
    "HARMONIC_OSCILLATOR",
    "PENDULUM",
    "FITZHUGH_NAGUMO",
    "PLEIADES",
    "ROBER",
    "POLLU",
    "HIRES",
    "OREGO",
    "E5",
    "VDPOL",
    "BARI_REFERENCE",
    "BARI_CASES",
    "bari_error",
    "orego_rhs",
    "orego_jac",
    "e5_rhs",
    "e5_jac",
    "vdpol_rhs",
    "vdpol_jac",
    "hires_rhs",
    "hires_jac",
    "POLLU_REACTANTS",
    "POLLU_STOICHIOMETRY",
    "brusselator_2d",
    "brusselator_2d_rhs",
    "brusselator_2d_jac",
    "brusselator_2d_sparsity",
    "brusselator_2d_diffusion",
    "diurnal_2d",
    "diurnal_2d_rhs",
    "diurnal_2d_sparsity",
    "DIURNAL_PARAMS",
    "lorenz_components",
    "lorenz_rhs",
    "lorenz_rhs_tuple",
    "lorenz_rhs_jax",
    "lorenz_jac",
    "lotka_volterra_rhs",
    "lotka_volterra_jac",
    "harmonic_rhs",
    "harmonic_exact",
    "pendulum_rhs",
    "fitzhugh_nagumo_rhs",
    "pleiades_rhs",
    "pleiades_energy",
    "rober_rhs",
    "rober_jac",
    "rober_rhs_tuple",
    "pollu_rhs",
    "pollu_jac",
]
