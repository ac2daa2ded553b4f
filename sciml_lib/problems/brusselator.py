r"""The two-dimensional Brusselator with diffusion, a scalable stiff problem.

On the periodic unit square, discretised by an :math:`N \times N` grid
(:math:`x_i = i/N`, :math:`\Delta x = 1/N`) with the five-point Laplacian
:math:`\Delta_h`,

.. math::

    u_t = B + u^2 v - (A + 1) u + \alpha \Delta_h u + g(x, y, t), \qquad
    v_t = A u - u^2 v + \alpha \Delta_h v,

with :math:`(A, B, \alpha) = (3.4, 1, 10)`, the localised forcing
:math:`g = 5` where :math:`(x - 0.3)^2 + (y - 0.6)^2 \le 0.1^2` and
:math:`t \ge 1.1` (0 elsewhere), :math:`u(0) = 22\, y (1 - y)^{3/2}`,
:math:`v(0) = 27\, x (1 - x)^{3/2}` on :math:`t \in [0, 11.5]`. This is the
Brusselator with diffusion of :cite:t:`hairer1996solving` (Section IV.10) in
the forced periodic variant used by the DifferentialEquations.jl benchmarks;
the course notes themselves have no Brusselator (spec, Global facts).

State layout: ``u[:N*N]`` holds :math:`u` and ``u[N*N:]`` holds :math:`v`,
each row-major with index ``k = i * N + j`` for :math:`(x_j, y_i)`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from .base import ODEProblem

__all__ = ["brusselator_2d", "brusselator_2d_rhs", "brusselator_2d_jac", "brusselator_2d_sparsity",
           "brusselator_2d_diffusion"]


@njit(cache=True)
def brusselator_2d_rhs(t, u, p):
    """Right-hand side; ``p = (A, B, alpha)``, the grid size from ``len(u) = 2 N^2``."""
    A, B, alpha = p[0], p[1], p[2]
    N = int(np.sqrt(u.size // 2) + 0.5)
    NN = N * N
    dx = 1.0 / N
    c = alpha / (dx * dx)
    forcing = 5.0 if t >= 1.1 else 0.0
    du = np.empty_like(u)
    for i in range(N):
        y = i * dx
        ip = (i + 1) % N
        im = (i - 1) % N
        for j in range(N):
            x = j * dx
            jp = (j + 1) % N
            jm = (j - 1) % N
            k = i * N + j
            uu = u[k]
            vv = u[NN + k]
            lap_u = u[i * N + jp] + u[i * N + jm] + u[ip * N + j] + u[im * N + j] - 4.0 * uu
            lap_v = u[NN + i * N + jp] + u[NN + i * N + jm] + u[NN + ip * N + j] + u[NN + im * N + j] - 4.0 * vv
            g = forcing if (x - 0.3) ** 2 + (y - 0.6) ** 2 <= 0.01 else 0.0
            u2v = uu * uu * vv
            du[k] = B + u2v - (A + 1.0) * uu + c * lap_u + g
            du[NN + k] = A * uu - u2v + c * lap_v
    return du


def brusselator_2d_sparsity(N: int) -> sp.csr_matrix:
    """Sparsity pattern (boolean CSR, :math:`2N^2 \\times 2N^2`) of the Jacobian."""
    rows, cols = _pattern(N)
    data = np.ones(rows.size, dtype=bool)
    return sp.csr_matrix((data, (rows, cols)), shape=(2 * N * N, 2 * N * N))


def _pattern(N: int) -> tuple[np.ndarray, np.ndarray]:
    NN = N * N
    i, j = np.divmod(np.arange(NN), N)
    k = np.arange(NN)
    nbrs = [k, i * N + (j + 1) % N, i * N + (j - 1) % N, ((i + 1) % N) * N + j, ((i - 1) % N) * N + j]
    rows = [np.concatenate([k] * 5), np.concatenate([k + NN] * 5), k, k + NN]
    cols = [np.concatenate(nbrs), np.concatenate(nbrs) + NN, k + NN, k]
    return np.concatenate(rows), np.concatenate(cols)


@njit(cache=True)
def _jac_values(u, p, N):
    A, alpha = p[0], p[2]
    NN = N * N
    c = alpha / (1.0 / N) ** 2
    vals = np.empty(12 * NN)
    # order matches _pattern: u-rows (diag, 4 nbrs), v-rows (diag, 4 nbrs), du/dv, dv/du
    for k in range(NN):
        uu, vv = u[k], u[NN + k]
        vals[k] = 2.0 * uu * vv - (A + 1.0) - 4.0 * c
        vals[5 * NN + k] = -uu * uu - 4.0 * c
        vals[10 * NN + k] = uu * uu
        vals[11 * NN + k] = A - 2.0 * uu * vv
    for m in range(1, 5):
        for k in range(NN):
            vals[m * NN + k] = c
            vals[5 * NN + m * NN + k] = c
    return vals


def brusselator_2d_jac(t: float, u: np.ndarray, p: np.ndarray) -> sp.csr_matrix:
    """Analytic Jacobian as a SciPy CSR matrix (12 N^2 entries, duplicates summed)."""
    N = int(round(np.sqrt(u.size // 2)))
    rows, cols = _pattern(N)
    vals = _jac_values(np.asarray(u, dtype=float), np.asarray(p, dtype=float), N)
    return sp.csr_matrix((vals, (rows, cols)), shape=(2 * N * N, 2 * N * N))


def brusselator_2d_diffusion(N: int, alpha: float = 10.0) -> sp.csr_matrix:
    r"""The diffusion part of the Jacobian for one species: :math:`\alpha \Delta_h`
    (:math:`N^2 \times N^2` CSR, the five-point stencil of the right-hand side).

    The Jacobian is :math:`\mathrm{diag}(\alpha\Delta_h, \alpha\Delta_h)` plus a reaction part
    that couples :math:`u_k` and :math:`v_k` at the same point only, so this is the matrix a
    diffusion-part preconditioner needs
    (``precond=sciml_lib.ode.part_lu(brusselator_2d_diffusion(N), copies=2)``).
    """
    if not isinstance(N, (int, np.integer)) or N < 3:
        raise ValueError(f"N: need an integer >= 3, got {N!r}")
    NN = N * N
    c = alpha * N * N
    rows, cols = _pattern(N)  # the u-rows come first: diagonal, then the four neighbours
    vals = np.full(5 * NN, c)
    vals[:NN] = -4.0 * c
    return sp.csr_matrix((vals, (rows[: 5 * NN], cols[: 5 * NN])), shape=(NN, NN))


def brusselator_2d(N: int = 32, *, A: float = 3.4, B: float = 1.0, alpha: float = 10.0) -> ODEProblem:
    """The 2-D Brusselator on an ``N x N`` periodic grid (state size :math:`2N^2`).

    Parameters
    ----------
    N : int
        Grid points per direction (at least 3).
    A, B, alpha : float
        Reaction constants and diffusion coefficient.

    Returns
    -------
    sciml_lib.problems.base.ODEProblem
        With ``jac`` = :func:`brusselator_2d_jac` (sparse CSR) and ``stiff=True``.
    """
    if not isinstance(N, (int, np.integer)) or N < 3:
        raise ValueError(f"N: need an integer >= 3, got {N!r}")
    x = np.arange(N) / N
    X, Y = np.meshgrid(x, x)  # X[i, j] = x_j, Y[i, j] = y_i
    u0 = np.concatenate([(22.0 * Y * (1.0 - Y) ** 1.5).ravel(), (27.0 * X * (1.0 - X) ** 1.5).ravel()])
    return ODEProblem(
        name=f"Brusselator 2D (N={N})",
        f=brusselator_2d_rhs,
        u0=u0,
        tspan=(0.0, 11.5),
        p=[A, B, alpha],
        jac=brusselator_2d_jac,
        stiff=True,
        reference="hairer1996solving",
        description="reaction-diffusion Brusselator on a periodic grid with localised forcing",
        tstops=(1.1,),  # the forcing switches on at t = 1.1
    )
