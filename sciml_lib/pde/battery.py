r"""The single-particle battery model of lecture 18 (61 states), naive to optimised.

The model is the right-hand side that PyBaMM exports for its single-particle
model :cite:p:`sulzer2021python` and that the course's profiling lecture
optimises: one state growing at a constant rate (a discharge capacity) and,
in each of the two electrode particles, the lithium concentration :math:`c`
on 30 cells of a radial grid of the unit sphere, obeying spherical diffusion

.. math::

    \partial_t c = -\frac{1}{C_k}\, \frac{1}{r^2} \partial_r \left(r^2 N\right), \qquad
    N = -\partial_r c, \qquad N(0) = 0, \quad N(1) = j_k ,

with the boundary flux :math:`j_k` of particle :math:`k`. In finite volumes
(cell centres :math:`r_i = (i + 1/2)/30`, faces :math:`r_{i+1/2} = i/30`) the
exported code applies, per particle, seven operators in a chain: a gradient
(29 x 30, entries :math:`\pm 30`), padding to 31 faces, the boundary flux at
the outer face, :math:`-r_{face}^2`, a divergence (30 x 31, :math:`\pm 30`),
:math:`1/r_{centre}^2` and the scale :math:`s_k = -1/C_k`.

The model is linear, :math:`y' = A y + b`, so the exact solution is a matrix
exponential (:func:`spm_battery_exact`), the oracle of the tests and of the
lecture's error column.

Forms of the right-hand side, in the order of the lecture's optimisation
ladder:

* :func:`spm_battery_rhs_naive`: module-level constants read as globals and a
  chain of allocating sparse products (the exported code as it comes);
* :func:`make_spm_battery_closure`: the constants captured by a closure,
  intermediate results in preallocated buffers, in-place NumPy operations on
  views; ``ad_safe=True`` keeps one set of buffers per dtype so the same
  closure can be differentiated (a float buffer cannot hold a dual number);
* :func:`spm_battery_rhs`: one fused Numba loop (no temporaries), generic in
  the dtype (complex-step Jacobians work);
* :func:`spm_battery_jac` (sparse) and :func:`spm_battery_jac_dense` (Numba,
  dense): the analytic Jacobian, two tridiagonal blocks.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from numba import njit
from numpy.typing import ArrayLike

from sciml_lib.problems.base import ODEProblem

__all__ = [
    "SPM_NCELLS",
    "SPM_PARAMS",
    "SPM_U0",
    "SPM_TSPAN",
    "SPM_SAVEAT",
    "SPM_BATTERY",
    "SPMOperators",
    "spm_operators",
    "spm_battery_rhs_naive",
    "make_spm_battery_closure",
    "spm_battery_rhs",
    "spm_battery_jac",
    "spm_battery_jac_dense",
    "spm_battery_sparsity",
    "spm_particle_rhs",
    "spm_particle_jac",
    "spm_battery_solve_blocks",
    "spm_battery_linear",
    "spm_battery_exact",
]

#: Cells per particle.
SPM_NCELLS = 30

#: Parameters ``(rate, j_neg, j_pos, s_neg, s_pos)``: the growth rate of state 0,
#: the boundary fluxes and the scales :math:`-1/C_k` of the two particles (the
#: constants of the exported model, course spec lecture 18).
SPM_PARAMS = np.array(
    [4.272493084154669, -0.14182856, 0.03237701, -8.813457647415214, -22.598609352346706]
)
SPM_PARAMS.setflags(write=False)

#: Initial state: 0, then 30 x 0.8 (negative particle) and 30 x 0.6 (positive particle).
SPM_U0 = np.concatenate([[0.0], np.full(SPM_NCELLS, 0.8), np.full(SPM_NCELLS, 0.6)])
SPM_U0.setflags(write=False)

#: Time span of the lecture's benchmark.
SPM_TSPAN = (0.0, 0.15)

#: The 101 output times (every 0.0015).
SPM_SAVEAT = np.linspace(0.0, 0.15, 101)
SPM_SAVEAT.setflags(write=False)


class SPMOperators(NamedTuple):
    """The sparse operators of one particle (shared by both)."""

    grad: sp.csr_matrix  #: 29 x 30 gradient, :math:`\pm 30`
    pad: sp.csr_matrix  #: 31 x 29 zero padding to the faces
    r_face2: sp.csr_matrix  #: 31 x 31 diagonal :math:`r_{face}^2`
    div: sp.csr_matrix  #: 30 x 31 divergence, :math:`\pm 30`
    inv_r2: sp.csr_matrix  #: 30 x 30 diagonal :math:`1/r_{centre}^2`
    outer: np.ndarray  #: unit vector of the outer face (length 31)


def spm_operators(n: int = SPM_NCELLS) -> SPMOperators:
    """The finite-volume operators of one particle with ``n`` cells on :math:`[0, 1]`."""
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    n = int(n)
    dr = 1.0 / n
    grad = sp.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n)) / dr
    pad = sp.eye(n + 1, n - 1, k=-1)
    faces = np.arange(n + 1) * dr
    centres = (np.arange(n) + 0.5) * dr
    div = sp.diags([-np.ones(n), np.ones(n)], [0, 1], shape=(n, n + 1)) / dr
    outer = np.zeros(n + 1)
    outer[-1] = 1.0
    return SPMOperators(
        grad.tocsr(), pad.tocsr(), sp.diags(faces**2).tocsr(), div.tocsr(),
        sp.diags(1.0 / centres**2).tocsr(), outer,
    )


# -- rung 0: the exported code, constants as module globals ----------------------------------
_OPS = spm_operators()
RATE = float(SPM_PARAMS[0])
FLUX_NEG = float(SPM_PARAMS[1]) * _OPS.outer
FLUX_POS = float(SPM_PARAMS[2]) * _OPS.outer
SCALE_NEG = float(SPM_PARAMS[3])
SCALE_POS = float(SPM_PARAMS[4])
GRAD, PAD, R_FACE2, DIV, INV_R2 = _OPS.grad, _OPS.pad, _OPS.r_face2, _OPS.div, _OPS.inv_r2


def spm_battery_rhs_naive(t: float, y: np.ndarray, p: Any = None) -> np.ndarray:
    """The exported right-hand side as it comes: globals and a chain of sparse products.

    Every product allocates a new array (about a dozen per call); the
    constants are module globals, looked up by name at every call, and the
    indices are literals, as in the exported code (30 cells per particle).
    ``p`` is ignored (the globals hold the parameters).
    """
    dy = np.empty(61)
    dy[0] = RATE
    c_neg = y[1:31]
    c_pos = y[31:61]
    dy[1:31] = SCALE_NEG * (INV_R2 @ (DIV @ (-(R_FACE2 @ (PAD @ (GRAD @ c_neg) + FLUX_NEG)))))
    dy[31:61] = SCALE_POS * (INV_R2 @ (DIV @ (-(R_FACE2 @ (PAD @ (GRAD @ c_pos) + FLUX_POS)))))
    return dy


# -- rung 1: a closure with preallocated buffers -------------------------------------------
def _check_params(p: Any) -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    if arr.shape != (5,) or not np.all(np.isfinite(arr)):
        raise ValueError(
            f"p must be 5 finite numbers (rate, j_neg, j_pos, s_neg, s_pos), got {p!r}")
    return arr


def make_spm_battery_closure(p: ArrayLike = SPM_PARAMS, *, ad_safe: bool = False) -> Callable:
    """The right-hand side ``f(t, y) -> dy`` as a closure over constants and buffers.

    Parameters
    ----------
    p : array_like
        ``(rate, j_neg, j_pos, s_neg, s_pos)``, captured once.
    ad_safe : bool
        ``False``: one set of float64 buffers, reused by every call; a call
        with complex or dual-number input then fails, because a float buffer
        cannot hold them. ``True``: one set of buffers *per input dtype*,
        made on the first call with that dtype (the idea of Julia's
        PreallocationTools ``DiffCache``), so the same closure serves the
        solver and automatic differentiation.

    Returns
    -------
    callable
        ``f(t, y)``; returns a new array (the buffers hold only intermediates).
    """
    prm = _check_params(p)
    if not isinstance(ad_safe, (bool, np.bool_)):
        raise TypeError(f"ad_safe must be a bool, got {type(ad_safe).__name__}")
    n = SPM_NCELLS
    rate = float(prm[0])
    flux = (float(prm[1]), float(prm[2]))
    scale = (float(prm[3]), float(prm[4]))
    inv_dr = float(n)
    r_face2 = (np.arange(n + 1) / n) ** 2
    inv_r2 = 1.0 / ((np.arange(n) + 0.5) / n) ** 2
    coef = (scale[0] * inv_dr * inv_r2, scale[1] * inv_dr * inv_r2)  # s_k / (dr r_i^2)
    caches: dict[Any, tuple[np.ndarray, np.ndarray]] = {}

    def buffers(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        key = np.dtype(dtype) if ad_safe else np.dtype(float)
        if key not in caches:
            caches[key] = (np.zeros(n + 1, dtype=key), np.empty(n, dtype=key))
        return caches[key]

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        dy = np.empty_like(y)
        faces, cells = buffers(y.dtype)
        dy[0] = rate
        for k in range(2):
            c = y[1 + k * n: 1 + (k + 1) * n]
            # faces = -r^2 (grad c padded with 0 at the centre, j_k at the surface)
            np.subtract(c[1:], c[:-1], out=faces[1:n])
            faces[1:n] *= inv_dr
            faces[n] = flux[k]
            np.multiply(faces, r_face2, out=faces)
            # d c / dt = s_k / r^2 * div(-faces) = coef * (faces[:-1] - faces[1:])
            np.subtract(faces[:-1], faces[1:], out=cells)
            np.multiply(cells, coef[k], out=dy[1 + k * n: 1 + (k + 1) * n])
        return dy

    return rhs


# -- rung 2: one fused Numba loop ------------------------------------------------------------
@njit(cache=True)
def spm_battery_rhs(t, y, p):
    r"""The fused right-hand side ``f(t, y, p)`` (Numba, no temporaries but the result).

    Each cell :math:`i` of particle :math:`k` reads its two faces:
    :math:`\dot c_i = \frac{s_k}{\Delta r\, r_i^2}\left(F_i - F_{i+1}\right)` with
    :math:`F_m = r_{m-1/2}^2 N_m` (:math:`N_0 = 0`, :math:`N_{30} = j_k`).
    Generic in the dtype of ``y`` (``np.empty_like``), so complex-step
    Jacobians of :mod:`sciml_lib.ad.forward` are exact.
    """
    n = (y.size - 1) // 2
    dr = 1.0 / n
    dy = np.empty_like(y)
    dy[0] = p[0]
    for k in range(2):
        off = 1 + k * n
        s = p[3 + k] / dr
        f_lo = 0.0 * y[off]  # flux through the centre face (zero), in the dtype of y
        for i in range(n):
            if i < n - 1:
                rf = (i + 1) * dr
                f_hi = rf * rf * (y[off + i + 1] - y[off + i]) / dr
            else:
                f_hi = p[1 + k] + 0.0 * y[off]
            rc = (i + 0.5) * dr
            dy[off + i] = s / (rc * rc) * (f_lo - f_hi)
            f_lo = f_hi
    return dy


@njit(cache=True)
def spm_battery_jac_dense(t, y, p):
    """The analytic Jacobian as a dense ``(61, 61)`` array (Numba), for the compiled solvers."""
    m = y.size
    n = (m - 1) // 2
    dr = 1.0 / n
    J = np.zeros((m, m))
    for k in range(2):
        off = 1 + k * n
        s = p[3 + k] / (dr * dr)
        for i in range(n):
            rc = (i + 0.5) * dr
            a = s / (rc * rc)
            if i > 0:
                rl = i * dr
                J[off + i, off + i - 1] = -a * rl * rl
                J[off + i, off + i] += a * rl * rl
            if i < n - 1:
                rh = (i + 1) * dr
                J[off + i, off + i + 1] = -a * rh * rh
                J[off + i, off + i] += a * rh * rh
    return J


@njit(cache=True)
def spm_particle_rhs(t, y, q):
    r"""One particle with the linear state: ``y = (x, c_0, ..., c_{n-1})``, ``q = (rate, j, s)``.

    :math:`x' = \text{rate}` and the cells as in :func:`spm_battery_rhs`. The
    Jacobian of the full model is block diagonal, so the model splits into two
    such systems (``q = (rate, j_neg, s_neg)`` and ``(0, j_pos, s_pos)``),
    solved independently by :func:`spm_battery_solve_blocks`.
    """
    n = y.size - 1
    dr = 1.0 / n
    dy = np.empty_like(y)
    dy[0] = q[0] + 0.0 * y[0]
    s = q[2] / dr
    f_lo = 0.0 * y[1]
    for i in range(n):
        if i < n - 1:
            rf = (i + 1) * dr
            f_hi = rf * rf * (y[i + 2] - y[i + 1]) / dr
        else:
            f_hi = q[1] + 0.0 * y[1]
        rc = (i + 0.5) * dr
        dy[1 + i] = s / (rc * rc) * (f_lo - f_hi)
        f_lo = f_hi
    return dy


@njit(cache=True)
def spm_particle_jac(t, y, q):
    """The analytic Jacobian of :func:`spm_particle_rhs` (dense, tridiagonal below row 0)."""
    m = y.size
    n = m - 1
    dr = 1.0 / n
    J = np.zeros((m, m))
    s = q[2] / (dr * dr)
    for i in range(n):
        rc = (i + 0.5) * dr
        a = s / (rc * rc)
        if i > 0:
            rl = i * dr
            J[1 + i, i] = -a * rl * rl
            J[1 + i, 1 + i] += a * rl * rl
        if i < n - 1:
            rh = (i + 1) * dr
            J[1 + i, 2 + i] = -a * rh * rh
            J[1 + i, 1 + i] += a * rh * rh
    return J


def spm_battery_solve_blocks(
    tspan: tuple[float, float] = SPM_TSPAN,
    y0: ArrayLike = SPM_U0,
    p: ArrayLike = SPM_PARAMS,
    *,
    method: str = "Rodas5P",
    rtol: float = 1e-8,
    atol: float = 1e-8,
    saveat: ArrayLike = SPM_SAVEAT,
    specialize: bool = False,
) -> tuple[np.ndarray, np.ndarray, bool]:
    r"""Solve the model as its two independent blocks with :func:`sciml_lib.ode.solve`.

    The Jacobian is block diagonal (state 0 with particle 1, and particle 2),
    so the model is two systems of :math:`n + 1` states. The compiled
    Rosenbrock solvers factor :math:`W` with a dense LU whose triangular solves
    cost :math:`O(m^2)` per stage for :math:`m` states; two blocks of 31
    states cost about half of one block of 61. Each block gets the analytic
    Jacobian (:func:`spm_particle_jac`) and its own step sizes.

    Returns
    -------
    (t, y, success)
        The output times ``saveat``, the states (one row per time, the
        layout of :func:`spm_battery_rhs`) and whether both solves succeeded.
    """
    from sciml_lib.ode import solve

    prm = _check_params(p)
    y0 = np.asarray(y0, dtype=float)
    n = (y0.size - 1) // 2
    if y0.ndim != 1 or y0.size != 2 * n + 1 or n < 2:
        raise ValueError(f"y0 must be a vector of 2 n + 1 entries, got shape {y0.shape}")
    qa = np.array([prm[0], prm[1], prm[3]])
    qb = np.array([0.0, prm[2], prm[4]])
    ya = y0[: n + 1].copy()
    yb = np.concatenate([[0.0], y0[n + 1:]])
    kw = dict(method=method, rtol=rtol, atol=atol, saveat=saveat, jac=spm_particle_jac,
              specialize=specialize)
    sa = solve(spm_particle_rhs, tspan, ya, qa, **kw)
    sb = solve(spm_particle_rhs, tspan, yb, qb, **kw)
    ok = bool(sa.success and sb.success and sa.t.size == sb.t.size)
    if not ok:
        m = min(sa.t.size, sb.t.size)
        return sa.t[:m], np.hstack([sa.u[:m], sb.u[:m, 1:]]), False
    return sa.t, np.hstack([sa.u, sb.u[:, 1:]]), True


def spm_battery_sparsity(n: int = SPM_NCELLS) -> sp.csr_matrix:
    """Nonzero pattern of the Jacobian: two tridiagonal ``n x n`` blocks (row, column 0 empty)."""
    tri = sp.diags([np.ones(n - 1), np.ones(n), np.ones(n - 1)], [-1, 0, 1])
    return sp.block_diag([sp.csr_matrix((1, 1)), tri, tri]).tocsr()


def spm_battery_jac(t: float, y: np.ndarray, p: ArrayLike = SPM_PARAMS) -> sp.csr_matrix:
    r"""The analytic Jacobian :math:`A` as a ``scipy.sparse`` CSR matrix (constant: linear model).

    Accepted by ``scipy.integrate.solve_ivp(..., jac=...)`` and by
    :func:`sciml_lib.ode.solve` (``jac=``).
    """
    prm = _check_params(p)
    m = np.asarray(y).size
    if m % 2 != 1 or m < 5:
        raise ValueError(f"y must have 2 n + 1 entries, got {m}")
    return sp.csr_matrix(spm_battery_jac_dense(0.0, np.zeros(m), prm))


def spm_battery_linear(
    p: ArrayLike = SPM_PARAMS, n: int = SPM_NCELLS
) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""The model as :math:`y' = A y + b`: returns ``(A, b)``, from :func:`spm_operators`.

    Independent of :func:`spm_battery_rhs`: assembled by multiplying the
    sparse operator chain, so the tests can compare the two.
    """
    prm = _check_params(p)
    ops = spm_operators(n)
    blocks = []
    b = np.zeros(2 * n + 1)
    b[0] = prm[0]
    for k in range(2):
        # dc = s_k * inv_r2 @ div @ (-r_face2 @ (pad @ grad @ c + j_k e_outer))
        chain = -prm[3 + k] * (ops.inv_r2 @ ops.div @ ops.r_face2)
        blocks.append(chain @ ops.pad @ ops.grad)
        b[1 + k * n: 1 + (k + 1) * n] = chain @ (prm[1 + k] * ops.outer)
    A = sp.block_diag([sp.csr_matrix((1, 1)), *blocks]).tocsr()
    return A, b


def spm_battery_exact(
    t: ArrayLike, y0: ArrayLike = SPM_U0, p: ArrayLike = SPM_PARAMS
) -> np.ndarray:
    r"""Exact solution :math:`y(t)` by the matrix exponential of the augmented system.

    With :math:`z = (y, 1)`, :math:`z' = \begin{pmatrix} A & b \\ 0 & 0 \end{pmatrix} z`,
    so :math:`y(t) = [e^{tM} z_0]_{1..m}` (``scipy.linalg.expm``,
    :cite:p:`almohy2009new`). ``t`` a scalar gives one state, an array of
    times gives one row per time.
    """
    y0 = np.asarray(y0, dtype=float)
    n = (y0.size - 1) // 2
    if y0.ndim != 1 or y0.size != 2 * n + 1 or n < 2:
        raise ValueError(f"y0 must be a vector of 2 n + 1 entries, got shape {y0.shape}")
    A, b = spm_battery_linear(p, n)
    m = y0.size
    M = np.zeros((m + 1, m + 1))
    M[:m, :m] = A.toarray()
    M[:m, m] = b
    z0 = np.append(y0, 1.0)
    ts = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(ts)):
        raise ValueError("t must be finite")
    out = np.array([(sla.expm(tk * M) @ z0)[:m] for tk in ts.ravel()])
    return out[0] if ts.ndim == 0 else out.reshape(*ts.shape, m)


#: The battery model as an :class:`~sciml_lib.problems.base.ODEProblem` (fused RHS, dense Jacobian).
SPM_BATTERY = ODEProblem(
    name="SPM battery",
    f=spm_battery_rhs,
    u0=SPM_U0,
    tspan=SPM_TSPAN,
    p=SPM_PARAMS,
    jac=spm_battery_jac_dense,
    stiff=True,
    reference="sulzer2021python",
    description="PyBaMM single-particle model: spherical diffusion in two particles, 61 states",
    labels=(
        "capacity",
        *[f"c_n[{i}]" for i in range(SPM_NCELLS)],
        *[f"c_p[{i}]" for i in range(SPM_NCELLS)],
    ),
)
