r"""Stiff chemical kinetics: ROBER and POLLU :cite:p:`hairer1996solving`.

**ROBER** (Robertson's autocatalytic reaction):

.. math::

    y_1' = -k_1 y_1 + k_3 y_2 y_3, \quad
    y_2' = k_1 y_1 - k_2 y_2^2 - k_3 y_2 y_3, \quad
    y_3' = k_2 y_2^2,

:math:`k = (0.04, 3\times 10^7, 10^4)`, :math:`y_0 = (1, 0, 0)` on :math:`[0, 10^5]`.

**POLLU** (air pollution model of the Dutch National Institute of Public
Health, 20 species, 25 reactions): mass-action rates
:math:`r_j = k_j \cdot (\text{reactants})` and balances from course Lecture 7,
stored as data (reactant indices and a stoichiometry matrix) so that the
right-hand side :math:`f = S r(y)` and its Jacobian :math:`S\, \partial r/\partial y`
come from one table. Span :math:`[0, 60]`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .base import ODEProblem

__all__ = [
    "rober_components",
    "rober_rhs",
    "rober_rhs_tuple",
    "rober_rhs_jax",
    "rober_jac",
    "ROBER",
    "pollu_rhs",
    "pollu_jac",
    "POLLU",
    "POLLU_REACTANTS",
    "POLLU_STOICHIOMETRY",
]


# --------------------------------------------------------------------------- ROBER
@njit(cache=True)
def rober_components(t, u, p):
    """ROBER field with ``p = (k1, k2, k3)``: returns ``(dy1, dy2, dy3)``."""
    y1, y2, y3 = u[0], u[1], u[2]
    k1, k2, k3 = p[0], p[1], p[2]
    return -k1 * y1 + k3 * y2 * y3, k1 * y1 - k2 * y2 * y2 - k3 * y2 * y3, k2 * y2 * y2


@njit(cache=True)
def rober_rhs(t, u, p):
    """Numba right-hand side of ROBER, as a user writes it: a new array (real or complex, as
    ``u``; the specialised compiled loops call it as the same function returning a tuple,
    see :func:`sciml_lib._specialize.tuple_form`)."""
    dy1, dy2, dy3 = rober_components(t, u, p)
    return np.array([dy1, dy2, dy3])


@njit(cache=True)
def rober_rhs_tuple(t, u, p):
    """ROBER returning the tuple ``(dy1, dy2, dy3)``: nothing is allocated per call.

    :func:`sciml_lib.ode.solve` (and :func:`sciml_lib.stiff.solve`) accept it
    like :func:`rober_rhs`. Written by hand, it is what the specialised loops make of
    :func:`rober_rhs` themselves (:func:`sciml_lib._specialize.tuple_form`); in the loop
    compiled once for function pointers it still saves an array allocation per stage.
    """
    return rober_components(t, u, p)


def rober_rhs_jax(t, u, p):
    """JAX-traceable ROBER (traces :func:`rober_components`)."""
    import jax.numpy as jnp

    return jnp.stack(rober_components.py_func(t, u, p))


@njit(cache=True)
def rober_jac(t, u, p):
    """Analytic Jacobian of ROBER (3 x 3)."""
    y2, y3 = u[1], u[2]
    k1, k2, k3 = p[0], p[1], p[2]
    J = np.zeros((3, 3))
    J[0, 0], J[0, 1], J[0, 2] = -k1, k3 * y3, k3 * y2
    J[1, 0], J[1, 1], J[1, 2] = k1, -2.0 * k2 * y2 - k3 * y3, -k3 * y2
    J[2, 1] = 2.0 * k2 * y2
    return J


ROBER = ODEProblem(
    name="ROBER",
    f=rober_rhs,
    u0=[1.0, 0.0, 0.0],
    tspan=(0.0, 1e5),
    p=[0.04, 3e7, 1e4],
    jac=rober_jac,
    stiff=True,
    reference="robertson1966solution",
    f_jax=rober_rhs_jax,
    description="Robertson's stiff chemical kinetics",
    labels=("y1", "y2", "y3"),
)

# --------------------------------------------------------------------------- POLLU
_K_POLLU = np.array(
    [0.35, 26.6, 1.23e4, 8.6e-4, 8.2e-4, 1.5e4, 1.3e-4, 2.4e4, 1.65e4, 9e3, 0.022, 1.2e4, 1.88,
     1.63e4, 4.8e6, 3.5e-4, 0.0175, 1e8, 4.44e11, 1240.0, 2.1, 5.78, 0.0474, 1780.0, 3.12]
)

# reactants of each reaction, 1-based species numbers as in the course notes (0 = none)
_REACT_1BASED = [
    (1, 0), (2, 4), (5, 2), (7, 0), (7, 0), (7, 6), (9, 0), (9, 6), (11, 2), (11, 1),
    (13, 0), (10, 2), (14, 0), (1, 6), (3, 0), (4, 0), (4, 0), (16, 0), (16, 0), (17, 6),
    (19, 0), (19, 0), (1, 4), (19, 1), (20, 0),
]
POLLU_REACTANTS = np.array([(a - 1, b - 1) for a, b in _REACT_1BASED], dtype=np.int64)
"""(25, 2) zero-based reactant indices of each reaction (-1: none)."""

# balances: species -> (consumed by reactions, produced by reactions); 2x entries repeated
_BALANCES = {
    1: ([1, 10, 14, 23, 24], [2, 3, 9, 11, 12, 22, 25]),
    2: ([2, 3, 9, 12], [1, 21]),
    3: ([15], [1, 17, 19, 22]),
    4: ([2, 16, 17, 23], [15]),
    5: ([3], [4, 4, 6, 7, 13, 20]),
    6: ([6, 8, 14, 20], [3, 18, 18]),
    7: ([4, 5, 6], [13]),
    8: ([], [4, 5, 6, 7]),
    9: ([7, 8], []),
    10: ([12], [7, 9]),
    11: ([9, 10], [8, 11]),
    12: ([], [9]),
    13: ([11], [10]),
    14: ([13], [12]),
    15: ([], [14]),
    16: ([18, 19], [16]),
    17: ([20], []),
    18: ([], [20]),
    19: ([21, 22, 24], [23, 25]),
    20: ([25], [24]),
}
POLLU_STOICHIOMETRY = np.zeros((20, 25))
"""(20, 25) net stoichiometry: ``f(y) = S @ r(y)``."""
for _sp, (_out, _in) in _BALANCES.items():
    for _r in _out:
        POLLU_STOICHIOMETRY[_sp - 1, _r - 1] -= 1.0
    for _r in _in:
        POLLU_STOICHIOMETRY[_sp - 1, _r - 1] += 1.0


@njit(cache=True)
def _mass_action_rates(u, k, react):
    r = np.empty(k.size, dtype=u.dtype)
    for j in range(k.size):
        v = k[j] * u[react[j, 0]]
        if react[j, 1] >= 0:
            v *= u[react[j, 1]]
        r[j] = v
    return r


@njit(cache=True)
def _pollu_rhs_impl(u, k, react, S):
    r = _mass_action_rates(u, k, react)
    n, m = S.shape
    du = np.zeros(n, dtype=u.dtype)
    for i in range(n):
        acc = 0.0 * u[0]
        for j in range(m):
            if S[i, j] != 0.0:
                acc += S[i, j] * r[j]
        du[i] = acc
    return du


@njit(cache=True)
def _pollu_jac_impl(u, k, react, S):
    n, m = S.shape
    dr = np.zeros((m, n))
    for j in range(m):
        a, b = react[j, 0], react[j, 1]
        if b >= 0:
            dr[j, a] += k[j] * u[b]
            dr[j, b] += k[j] * u[a]
        else:
            dr[j, a] += k[j]
    return S @ dr


_S = np.ascontiguousarray(POLLU_STOICHIOMETRY)
_R = POLLU_REACTANTS


@njit(cache=True)
def pollu_rhs(t, u, p):
    """POLLU right-hand side; ``p`` holds the 25 rate constants."""
    return _pollu_rhs_impl(u, p, _R, _S)


@njit(cache=True)
def pollu_jac(t, u, p):
    """Analytic POLLU Jacobian (20 x 20) from the same reaction table."""
    return _pollu_jac_impl(u, p, _R, _S)


_Y0_POLLU = np.zeros(20)
for _i, _v in ((2, 0.2), (4, 0.04), (7, 0.1), (8, 0.3), (9, 0.01), (17, 0.007)):
    _Y0_POLLU[_i - 1] = _v

POLLU = ODEProblem(
    name="POLLU",
    f=pollu_rhs,
    u0=_Y0_POLLU,
    tspan=(0.0, 60.0),
    p=_K_POLLU,
    jac=pollu_jac,
    stiff=True,
    reference="verwer1994gauss",
    description="air pollution chemistry, 20 species and 25 reactions",
    labels=tuple(f"y{i}" for i in range(1, 21)),
)
