r"""Diurnal kinetics with advection and diffusion: a 2-D, two-species stiff PDE (CVODE's Krylov test).

Two chemical species :math:`c_1, c_2` (ozone chemistry, concentrations in molecules per
cm³) on :math:`0 \le x \le 20`, :math:`30 \le y \le 50` (km), :math:`0 \le t \le 86400` s:

.. math::

    \partial_t c_i = K_h \partial_{xx} c_i + V \partial_x c_i
    + \partial_y\bigl(K_v(y)\, \partial_y c_i\bigr) + R_i(c_1, c_2, t),

.. math::

    R_1 = -q_1 c_1 c_3 - q_2 c_1 c_2 + 2 q_3(t) c_3 + q_4(t) c_2, \qquad
    R_2 = q_1 c_1 c_3 - q_2 c_1 c_2 - q_4(t) c_2,

with :math:`K_v(y) = K_{v0} e^{y/5}`, the photolysis rates
:math:`q_{3,4}(t) = \exp(-a_{3,4} / \sin \omega t)` while :math:`\sin\omega t > 0` (daylight,
:math:`\omega = \pi / 43200`) and 0 at night, homogeneous Neumann boundaries, and the
constants of the example (:data:`DIURNAL_PARAMS`). This is the test problem that the
SUNDIALS examples use for CVODE's preconditioned GMRES
:cite:p:`hindmarsh2005sundials`. Its structure differs from the Brusselator's: the
stiffness sits in the local kinetics (rates up to :math:`q_1 c_3 \approx 6\ \mathrm{s^{-1}}`
over a day), the transport is anisotropic (vertical diffusion grows like :math:`e^{y/5}`),
non-symmetric (advection) and the boundaries are not periodic.

Discretisation: central differences on an :math:`M \times M` grid including the boundary
points (:math:`\Delta x = 20/(M-1)`, :math:`\Delta y = 20/(M-1)`), the vertical diffusivity
at the half points :math:`y_{j \pm 1/2}`, and reflection across the boundaries (Neumann).
State layout: species interleaved, ``u[2 * (j * M + i) + s]`` for species ``s`` at
:math:`(x_i, y_j)`, so the Jacobian has 2 x 2 blocks on its diagonal (the kinetics) and
four off-diagonal block bands (the transport).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from .base import ODEProblem

__all__ = ["DIURNAL_PARAMS", "diurnal_2d", "diurnal_2d_rhs", "diurnal_2d_sparsity"]

#: ``(Kh, V, Kv0, q1, q2, c3, a3, a4)`` of the example: horizontal diffusivity, advection
#: velocity, vertical diffusivity coefficient, two rate constants, the fixed concentration
#: :math:`c_3`, and the exponents of the photolysis rates.
DIURNAL_PARAMS = np.array([4.0e-6, 1.0e-3, 1.0e-8, 1.63e-16, 4.66e-16, 3.7e16, 22.62, 7.601])
DIURNAL_PARAMS.setflags(write=False)

_X0, _X1, _Y0, _Y1 = 0.0, 20.0, 30.0, 50.0
_OMEGA = np.pi / 43200.0


@njit(cache=True)
def diurnal_2d_rhs(t, u, p):
    """Right-hand side; ``p`` = :data:`DIURNAL_PARAMS`, the grid from ``len(u) = 2 M^2``."""
    kh, vel, kv0, q1, q2, c3, a3, a4 = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    M = int(np.sqrt(u.size // 2) + 0.5)
    dx = (_X1 - _X0) / (M - 1)
    dy = (_Y1 - _Y0) / (M - 1)
    hdiff = kh / (dx * dx)
    hadv = vel / (2.0 * dx)
    vdiff = kv0 / (dy * dy)
    s = np.sin(_OMEGA * t)
    q3 = np.exp(-a3 / s) if s > 0.0 else 0.0
    q4 = np.exp(-a4 / s) if s > 0.0 else 0.0
    du = np.empty_like(u)
    for j in range(M):
        y_dn = _Y0 + (j - 0.5) * dy
        k_dn = vdiff * np.exp(0.2 * y_dn)
        k_up = vdiff * np.exp(0.2 * (y_dn + dy))
        jd = j - 1 if j > 0 else 1  # reflection: Neumann boundaries
        ju = j + 1 if j < M - 1 else M - 2
        for i in range(M):
            il = i - 1 if i > 0 else 1
            ir = i + 1 if i < M - 1 else M - 2
            k = 2 * (j * M + i)
            c1 = u[k]
            c2 = u[k + 1]
            r1 = q1 * c1 * c3
            r2 = q2 * c1 * c2
            r4 = q4 * c2
            kin1 = -r1 - r2 + 2.0 * q3 * c3 + r4
            kin2 = r1 - r2 - r4
            for sp_ in range(2):
                c = u[k + sp_]
                cd = u[2 * (jd * M + i) + sp_]
                cu = u[2 * (ju * M + i) + sp_]
                cl = u[2 * (j * M + il) + sp_]
                cr = u[2 * (j * M + ir) + sp_]
                vert = k_up * (cu - c) - k_dn * (c - cd)
                horiz = hdiff * (cr - 2.0 * c + cl) + hadv * (cr - cl)
                du[k + sp_] = vert + horiz + (kin1 if sp_ == 0 else kin2)
    return du


def diurnal_2d_sparsity(M: int) -> sp.csr_matrix:
    """Sparsity pattern (boolean CSR, :math:`2M^2 \\times 2M^2`) of the Jacobian."""
    rows, cols = [], []
    for j in range(M):
        for i in range(M):
            k = j * M + i
            nbrs = {k, j * M + (i - 1 if i > 0 else 1), j * M + (i + 1 if i < M - 1 else M - 2),
                    (j - 1 if j > 0 else 1) * M + i, (j + 1 if j < M - 1 else M - 2) * M + i}
            for s in range(2):
                for m in nbrs:
                    rows.append(2 * k + s)
                    cols.append(2 * m + s)
                rows.append(2 * k + s)
                cols.append(2 * k + 1 - s)  # the kinetics couple the two species
    data = np.ones(len(rows), dtype=bool)
    return sp.csr_matrix((data, (rows, cols)), shape=(2 * M * M, 2 * M * M))


def diurnal_2d(M: int = 10) -> ODEProblem:
    """The diurnal kinetics advection-diffusion problem on an ``M x M`` grid (state :math:`2M^2`).

    Initial profiles :math:`c_1 = 10^6 \\alpha(x)\\beta(y)`, :math:`c_2 = 10^{12}
    \\alpha(x)\\beta(y)` with :math:`\\alpha(x) = 1 - \\xi^2 + \\xi^4/2`,
    :math:`\\xi = 0.1 (x - 10)`, and :math:`\\beta` the same in :math:`0.1 (y - 40)`. The
    example's tolerances are ``rtol = 1e-5`` and ``atol = 1e-3`` (concentrations below about
    100 are measured absolutely).

    Parameters
    ----------
    M : int
        Grid points per direction, boundaries included (at least 3; the example uses 10).
    """
    if not isinstance(M, (int, np.integer)) or M < 3:
        raise ValueError(f"M: need an integer >= 3, got {M!r}")
    x = np.linspace(_X0, _X1, M)
    y = np.linspace(_Y0, _Y1, M)

    def profile(z, mid):
        xi = (0.1 * (z - mid)) ** 2
        return 1.0 - xi + 0.5 * xi * xi

    ab = profile(y, 40.0)[:, None] * profile(x, 10.0)[None, :]  # ab[j, i]
    u0 = np.empty(2 * M * M)
    u0[0::2] = 1e6 * ab.ravel()
    u0[1::2] = 1e12 * ab.ravel()
    return ODEProblem(
        name=f"diurnal kinetics 2D (M={M})",
        f=diurnal_2d_rhs,
        u0=u0,
        tspan=(0.0, 86400.0),
        p=DIURNAL_PARAMS.copy(),
        jac=None,
        stiff=True,
        reference="hindmarsh2005sundials",
        description="two-species diurnal kinetics with advection and diffusion (CVODE example)",
    )
