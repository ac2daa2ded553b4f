r"""Finite-difference operators as sparse matrices, and Fornberg's weights.

A finite-difference derivative is a linear map of the grid values, so it is a
(sparse, banded) matrix. With :math:`\Delta x` the spacing,

.. math::

    \delta_+ u_i = \frac{u_{i+1} - u_i}{\Delta x},\quad
    \delta_- u_i = \frac{u_i - u_{i-1}}{\Delta x},\quad
    \delta_0 u_i = \frac{u_{i+1} - u_{i-1}}{2\Delta x},\quad
    \delta_0^2 u_i = \frac{u_{i+1} - 2u_i + u_{i-1}}{\Delta x^2},

accurate to :math:`O(\Delta x)`, :math:`O(\Delta x)`, :math:`O(\Delta x^2)` and
:math:`O(\Delta x^2)` :cite:p:`leveque2007finite`. The rows near the ends need
values outside the grid (ghost values); the boundary condition supplies them:

* ``"dirichlet"``: the ``n`` unknowns are the interior nodes
  :math:`x_i = i\Delta x`, :math:`i = 1..n`, of an interval whose end values are
  zero (:math:`u_0 = u_{n+1} = 0`), so ghost values are 0;
* ``"neumann"``: the ``n`` nodes include both ends and the ghost value mirrors
  the neighbour (:math:`u_{-1} = u_1`), a zero slope imposed to second order;
* ``"periodic"``: :math:`u_{i+n} = u_i`; the matrix is circulant;
* ``None``: no closure; only the rows whose stencil fits are kept, so the
  matrix is rectangular (e.g. :math:`\delta_+` is the :math:`(n-1)\times n`
  bidiagonal matrix).

Multi-dimensional Laplacians are Kronecker sums of the 1-D ones: for values
``U`` of shape ``(ny, nx)`` flattened row by row (``x`` fastest),
:math:`A = I_y \otimes A_x + A_y \otimes I_x`, i.e. :math:`A_y U + U A_x^T` in
matrix form, and in 3-D
:math:`I_z \otimes I_y \otimes A_x + I_z \otimes A_y \otimes I_x + A_z \otimes I_y \otimes I_x`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "BOUNDARY_CONDITIONS",
    "SCHEMES",
    "diff_matrix",
    "fd_weights",
    "laplacian_1d",
    "laplacian_2d",
    "laplacian_3d",
]

BOUNDARY_CONDITIONS = ("dirichlet", "neumann", "periodic")
"""Boundary conditions understood by the operators and the stencil routines."""

SCHEMES = ("forward", "backward", "central")
"""Finite-difference schemes of :func:`diff_matrix`."""

# (offsets, weights) of each scheme, before division by dx**order
_STENCILS: dict[tuple[int, str], tuple[tuple[int, ...], tuple[float, ...]]] = {
    (1, "forward"): ((0, 1), (-1.0, 1.0)),
    (1, "backward"): ((-1, 0), (-1.0, 1.0)),
    (1, "central"): ((-1, 1), (-0.5, 0.5)),
    (2, "forward"): ((0, 1, 2), (1.0, -2.0, 1.0)),
    (2, "backward"): ((-2, -1, 0), (1.0, -2.0, 1.0)),
    (2, "central"): ((-1, 0, 1), (1.0, -2.0, 1.0)),
}


def _check_n(n: Any, name: str = "n", minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return int(n)


def _check_spacing(dx: Any, name: str = "dx") -> float:
    if isinstance(dx, bool) or not isinstance(dx, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(dx).__name__}")
    dx = float(dx)
    if not (math.isfinite(dx) and dx > 0):
        raise ValueError(f"{name} must be positive and finite, got {dx}")
    return dx


def _check_bc(bc: Any, allow_none: bool = False) -> str | None:
    if bc is None and allow_none:
        return None
    if bc not in BOUNDARY_CONDITIONS:
        valid = ", ".join(repr(b) for b in BOUNDARY_CONDITIONS) + (", None" if allow_none else "")
        raise ValueError(f"bc must be one of {valid}; got {bc!r}")
    return str(bc)


def _ghost_index(j: np.ndarray, n: int, bc: str) -> np.ndarray:
    """Map (possibly out-of-range) indices to grid indices; -1 marks a zero ghost value."""
    if bc == "periodic":
        return np.mod(j, n)
    if bc == "neumann":
        j = np.where(j < 0, -j, j)
        return np.where(j > n - 1, 2 * (n - 1) - j, j)
    return np.where((j < 0) | (j > n - 1), -1, j)


def _banded(n: int, offsets: tuple[int, ...], weights: tuple[float, ...],
            bc: str | None) -> sp.csr_matrix:
    if bc is None:
        lo, hi = max(0, -min(offsets)), n - 1 - max(0, max(offsets))
        rows = np.arange(lo, hi + 1)
        if rows.size == 0:
            raise ValueError(f"n = {n} is too small for this stencil without boundary closure")
        r, c, v = [], [], []
        for k, w in zip(offsets, weights):
            r.append(rows - lo)
            c.append(rows + k)
            v.append(np.full(rows.size, w))
        return sp.csr_matrix((np.concatenate(v), (np.concatenate(r), np.concatenate(c))),
                             shape=(rows.size, n))
    reach = max(abs(k) for k in offsets)
    if bc == "neumann" and n <= reach:
        raise ValueError(f"n must be > {reach} for a mirrored (Neumann) closure, got {n}")
    rows = np.arange(n)
    r, c, v = [], [], []
    for k, w in zip(offsets, weights):
        j = _ghost_index(rows + k, n, bc)
        keep = j >= 0
        r.append(rows[keep])
        c.append(j[keep])
        v.append(np.full(int(keep.sum()), w))
    A = sp.coo_matrix((np.concatenate(v), (np.concatenate(r), np.concatenate(c))), shape=(n, n))
    return A.tocsr()  # duplicates (periodic wrap, mirror) are summed


def diff_matrix(n: int, dx: float, order: int = 1, scheme: str = "central",
                bc: str | None = "dirichlet") -> sp.csr_matrix:
    r"""Sparse matrix of a first or second finite-difference derivative on a uniform grid.

    Parameters
    ----------
    n : int
        Number of unknowns (see the module docstring for what they are under
        each boundary condition).
    dx : float
        Grid spacing :math:`\Delta x > 0`.
    order : {1, 2}
        Order of the derivative.
    scheme : {"forward", "backward", "central"}
        One-sided or centred differences. Order 1: :math:`\delta_+`,
        :math:`\delta_-`, :math:`\delta_0`; order 2: the second difference
        shifted forward (:math:`u_i, u_{i+1}, u_{i+2}`), backward, or centred
        (:math:`\delta_0^2`, the tridiagonal "Strang matrix" divided by
        :math:`\Delta x^2` :cite:p:`strang2007computational`).
    bc : {"dirichlet", "neumann", "periodic", None}
        How the ghost values are closed (``None``: rectangular matrix of the
        rows whose stencil fits).

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape ``(n, n)``, or ``(m, n)`` with ``m < n`` when ``bc`` is ``None``.

    Examples
    --------
    >>> diff_matrix(4, 1.0, order=2, bc="dirichlet").toarray()[0]
    array([-2.,  1.,  0.,  0.])
    """
    n = _check_n(n)
    dx = _check_spacing(dx)
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    bc = _check_bc(bc, allow_none=True)
    offsets, weights = _STENCILS[(int(order), scheme)]
    return (_banded(n, offsets, weights, bc) / dx**order).tocsr()


def laplacian_1d(n: int, dx: float, bc: str = "dirichlet") -> sp.csr_matrix:
    r"""The second-difference matrix :math:`\delta_0^2` (``diff_matrix(n, dx, 2, "central", bc)``).

    With ``bc="dirichlet"`` its eigenvalues are
    :math:`-\frac{4}{\Delta x^2}\sin^2\frac{k\pi}{2(n+1)}`, :math:`k = 1..n`
    :cite:p:`leveque2007finite`.
    """
    return diff_matrix(n, dx, order=2, scheme="central", bc=_check_bc(bc))


def laplacian_2d(nx: int, ny: int, dx: float, dy: float | None = None,
                 bc: str = "dirichlet") -> sp.csr_matrix:
    r"""Five-point Laplacian :math:`I_y \otimes A_x + A_y \otimes I_x` (Kronecker sum).

    Acts on values of shape ``(ny, nx)`` flattened row by row (``U.ravel()``,
    ``x`` fastest). Equivalent to the stencil
    ``[[0, 1/dy^2, 0], [1/dx^2, -2/dx^2 - 2/dy^2, 1/dx^2], [0, 1/dy^2, 0]]``.

    Parameters
    ----------
    nx, ny : int
        Unknowns along ``x`` (columns) and ``y`` (rows).
    dx, dy : float
        Spacings (``dy`` defaults to ``dx``).
    bc : {"dirichlet", "neumann", "periodic"}
        The same closure on all sides.

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape ``(nx * ny, nx * ny)``.
    """
    nx, ny = _check_n(nx, "nx"), _check_n(ny, "ny")
    dx = _check_spacing(dx, "dx")
    dy = dx if dy is None else _check_spacing(dy, "dy")
    bc = _check_bc(bc)
    Ax, Ay = laplacian_1d(nx, dx, bc), laplacian_1d(ny, dy, bc)
    return (sp.kron(sp.identity(ny), Ax) + sp.kron(Ay, sp.identity(nx))).tocsr()


def laplacian_3d(nx: int, ny: int, nz: int, dx: float, dy: float | None = None,
                 dz: float | None = None, bc: str = "dirichlet") -> sp.csr_matrix:
    r"""Seven-point Laplacian as a Kronecker sum, for values of shape ``(nz, ny, nx)``.

    :math:`A = I_z \otimes I_y \otimes A_x + I_z \otimes A_y \otimes I_x
    + A_z \otimes I_y \otimes I_x`.
    ``dy`` and ``dz`` default to ``dx``.
    """
    nx, ny, nz = _check_n(nx, "nx"), _check_n(ny, "ny"), _check_n(nz, "nz")
    dx = _check_spacing(dx, "dx")
    dy = dx if dy is None else _check_spacing(dy, "dy")
    dz = dx if dz is None else _check_spacing(dz, "dz")
    bc = _check_bc(bc)
    Ix, Iy, Iz = sp.identity(nx), sp.identity(ny), sp.identity(nz)
    Ax, Ay, Az = laplacian_1d(nx, dx, bc), laplacian_1d(ny, dy, bc), laplacian_1d(nz, dz, bc)
    A = sp.kron(Iz, sp.kron(Iy, Ax)) + sp.kron(Iz, sp.kron(Ay, Ix)) + sp.kron(Az, sp.kron(Iy, Ix))
    return A.tocsr()


def fd_weights(x0: float, xs: Any, m: int) -> np.ndarray:
    r"""Weights :math:`c_j` with :math:`u^{(m)}(x_0) \approx \sum_j c_j u(x_j)` on any grid.

    Fornberg's recursion :cite:p:`fornberg1988generation`: the weights are the
    :math:`m`-th derivatives at :math:`x_0` of the Lagrange basis polynomials
    through the nodes ``xs``, built up one node at a time, so the formula is
    exact for polynomials of degree ``len(xs) - 1``.

    Parameters
    ----------
    x0 : float
        Where the derivative is approximated (need not be a node).
    xs : array_like
        Distinct nodes (any order, any spacing), at least ``m + 1`` of them.
    m : int
        Derivative order (0 gives interpolation weights).

    Returns
    -------
    numpy.ndarray
        The weights, one per node.

    Examples
    --------
    >>> fd_weights(0.0, [-1.0, 0.0, 1.0], 2)
    array([ 1., -2.,  1.])
    """
    if isinstance(x0, bool) or not isinstance(x0, (int, float, np.integer, np.floating)):
        raise TypeError(f"x0 must be a real number, got {type(x0).__name__}")
    x0 = float(x0)
    if not math.isfinite(x0):
        raise ValueError(f"x0 must be finite, got {x0}")
    x = np.asarray(xs, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"xs must be a non-empty 1-D array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("xs must be finite")
    if np.unique(x).size != x.size:
        raise ValueError("xs must be distinct nodes")
    m = _check_n(m, "m", minimum=0)
    n = x.size
    if m > n - 1:
        raise ValueError(f"m = {m} needs at least {m + 1} nodes in xs, got {n}")
    c = np.zeros((n, m + 1))
    c[0, 0] = 1.0
    c1 = 1.0
    c4 = x[0] - x0
    for i in range(1, n):
        mn = min(i, m)
        c2 = 1.0
        c5 = c4
        c4 = x[i] - x0
        for j in range(i):
            c3 = x[i] - x[j]
            c2 *= c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[i, k] = c1 * (k * c[i - 1, k - 1] - c5 * c[i - 1, k]) / c2
                c[i, 0] = -c1 * c5 * c[i - 1, 0] / c2
            for k in range(mn, 0, -1):
                c[j, k] = (c4 * c[j, k] - k * c[j, k - 1]) / c3
            c[j, 0] = c4 * c[j, 0] / c3
        c1 = c2
    return c[:, m].copy()
