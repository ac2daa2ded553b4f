r"""Compiled pieces of GMRES and of its SuperLU preconditioners (private; lecture 09).

* :func:`arnoldi_givens` and :func:`gmres_combine`: one Arnoldi step (classical Gram-Schmidt,
  twice) with its Givens rotation, and the combination :math:`x \mathrel{+}= Z_k y` of a cycle
  :cite:p:`saad1986gmres`. :func:`sciml_lib.ode.linsolve.gmres` (any ``matvec`` and ``M``)
  and the compiled solve below share them.
* :class:`TriangularFactors` and :func:`lu_apply`: the factors of a SuperLU object
  (:math:`P_r A P_c = L U`) as plain arrays, solved by compiled sparse triangular sweeps, several
  right-hand sides at once.
* :func:`gmres_cs_loop`: the whole preconditioned GMRES solve of
  :math:`(\alpha I - J) x = b` with :math:`J z` by complex step of a compiled ``f`` and the
  preconditioner :math:`(L U)^{-1}/\alpha_p`, one call with no Python per Krylov iteration.
  It is specialised on ``f`` (:func:`sciml_lib._specialize.generated_driver`, cached on disk).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["TriangularFactors", "arnoldi_givens", "gmres_combine", "gmres_cs_loop", "lu_apply"]


@njit(cache=True, fastmath={"reassoc", "contract"})
def _dot(a, b):
    r""":math:`a \cdot b`, summed in whatever order vectorises (no BLAS call: NumPy's and SciPy's
    BLAS thread pools, one behind ``np.dot`` in Numba, would contend for the cores)."""
    s = 0.0
    for q in range(a.size):
        s += a[q] * b[q]
    return s


@njit(cache=True)
def arnoldi_givens(V, H, cs, sn, g, j, v):
    r"""Orthogonalise ``v`` (the new Krylov vector :math:`A z_j`) against ``V[:j+1]`` by
    classical Gram-Schmidt applied twice, store column ``j`` of the Hessenberg matrix ``H``,
    apply the earlier Givens rotations to it and a new one that zeroes ``H[j+1, j]``, and
    update the rotated right-hand side ``g``. ``v`` is left orthogonal (not normalised).
    Returns ``(hn, ok)``: :math:`\|v\|_2` after orthogonalisation, and False on a zero or
    non-finite rotation (breakdown). The least-squares residual is then ``abs(g[j + 1])``."""
    n = v.size
    h = np.empty(j + 1)
    for _ in range(2):
        for i in range(j + 1):
            h[i] = _dot(V[i], v)
        for i in range(j + 1):
            hi = h[i]
            for q in range(n):
                v[q] -= hi * V[i, q]
            H[i, j] += hi
    hn = math.sqrt(_dot(v, v))
    H[j + 1, j] = hn
    for i in range(j):
        a, c2 = H[i, j], H[i + 1, j]
        H[i, j] = cs[i] * a + sn[i] * c2
        H[i + 1, j] = -sn[i] * a + cs[i] * c2
    rho = math.hypot(H[j, j], hn)
    if rho == 0.0 or not math.isfinite(rho):
        return hn, False
    cs[j], sn[j] = H[j, j] / rho, hn / rho
    H[j, j], H[j + 1, j] = rho, 0.0
    g[j + 1] = -sn[j] * g[j]
    g[j] = cs[j] * g[j]
    return hn, True


@njit(cache=True)
def gmres_combine(H, g, Z, k, x):
    r""":math:`x \mathrel{+}= Z_k y` with :math:`H_k y = g_k` (upper triangular after the
    rotations; back substitution)."""
    y = np.empty(k)
    for i in range(k - 1, -1, -1):
        s = g[i]
        for q in range(i + 1, k):
            s -= H[i, q] * y[q]
        y[i] = s / H[i, i]
    for i in range(k):
        yi = y[i]
        for q in range(x.size):
            x[q] += yi * Z[i, q]


class TriangularFactors:
    r"""The SuperLU factorisation ``lu`` (:math:`P_r A P_c = L U`) of a block :math:`A` shared by
    ``copies`` stacked fields, applying :math:`\mathrm{diag}(A, \dots, A)^{-1}/\texttt{scale}`.

    Called from Python it uses SuperLU's own (supernodal) solve; :meth:`arrays` gives the factors
    as plain arrays for the compiled sweeps of :func:`lu_apply` (the strictly lower part of
    :math:`L` and strictly upper part of :math:`U` by compressed columns, their diagonals and the
    permutations), extracted on first use and shared by :meth:`scaled` copies."""

    def __init__(self, lu: Any, copies: int = 1, scale: float = 1.0) -> None:
        self.lu, self.copies, self.scale = lu, int(copies), float(scale)
        self.m = int(lu.shape[0])
        self._arrays: list = []  # filled once, shared with the scaled copies

    @property
    def nnz(self) -> int:
        """SuperLU's count of the stored entries of :math:`L` and :math:`U` (``lu.nnz``)."""
        return int(self.lu.nnz)

    def scaled(self, factor: float) -> TriangularFactors:
        """The same factors with ``scale`` multiplied by ``factor``."""
        other = TriangularFactors(self.lu, self.copies, self.scale * factor)
        other._arrays = self._arrays
        return other

    def arrays(self) -> tuple:
        """``(Lp, Li, Lx, Ld, Up, Ui, Ux, Ud, perm_r, perm_c, copies, scale)`` for
        :func:`lu_apply`."""
        if not self._arrays:
            def split(T: Any, k: int) -> tuple:
                T = sp.csc_matrix(T)
                S = (sp.tril(T, -1) if k < 0 else sp.triu(T, 1)).tocsc()
                S.sort_indices()
                return (S.indptr.astype(np.int64), S.indices.astype(np.int64),
                        S.data.astype(np.float64), np.asarray(T.diagonal(), dtype=np.float64))

            self._arrays.extend((*split(self.lu.L, -1), *split(self.lu.U, 1),
                                 np.asarray(self.lu.perm_r, dtype=np.int64),
                                 np.asarray(self.lu.perm_c, dtype=np.int64)))
        return (*self._arrays, self.copies, self.scale)

    def _check(self, v: np.ndarray) -> None:
        if np.size(v) != self.copies * self.m:
            raise ValueError(f"v: expected {self.copies} x {self.m} = {self.copies * self.m} "
                             f"values, got {np.size(v)}")

    def __call__(self, v: np.ndarray) -> np.ndarray:
        self._check(v)
        V = np.ascontiguousarray(np.reshape(v, (self.copies, self.m)).T)
        return self.lu.solve(V).T.ravel() / self.scale

    def apply(self, v: np.ndarray) -> np.ndarray:
        """The same as a call, by the compiled sweeps of :func:`lu_apply`."""
        self._check(v)
        out = np.empty(self.copies * self.m)
        lu_apply(*self.arrays(), np.ascontiguousarray(v, dtype=np.float64), out)
        return out


@njit(cache=True)
def _sweep(Tp, Ti, Tx, Td, x, y, two, backward):
    r"""Solve with the triangular :math:`T` (strict part ``Tp, Ti, Tx`` by columns, diagonal
    ``Td``) in place, column after column (last to first when ``backward``), on ``x`` and, when
    ``two``, on ``y`` too with each entry of :math:`T` read once. The pivot stays in a register,
    which a loop over any number of right-hand sides would not allow."""
    m = x.size
    for jj in range(m):
        j = m - 1 - jj if backward else jj
        a = x[j] / Td[j]
        x[j] = a
        if two:
            b = y[j] / Td[j]
            y[j] = b
            for q in range(Tp[j], Tp[j + 1]):
                i, t = Ti[q], Tx[q]
                x[i] -= t * a
                y[i] -= t * b
        else:
            for q in range(Tp[j], Tp[j + 1]):
                x[Ti[q]] -= Tx[q] * a


@njit(cache=True)
def lu_apply(Lp, Li, Lx, Ld, Up, Ui, Ux, Ud, perm_r, perm_c, copies, scale, v, out):
    r"""``out`` :math:`= \mathrm{diag}(A^{-1}, \dots, A^{-1})\, v / \texttt{scale}` for
    :math:`A = P_r^T L U P_c^T` (SciPy's convention for ``perm_r``, ``perm_c``): the ``copies``
    blocks of ``v`` go through the triangular sweeps two at a time."""
    m = perm_r.size
    X = np.empty((copies, m))
    for s in range(copies):
        for i in range(m):
            X[s, perm_r[i]] = v[s * m + i]
    for s in range(0, copies, 2):
        two = s + 1 < copies
        y = X[s + 1] if two else X[s]
        _sweep(Lp, Li, Lx, Ld, X[s], y, two, False)  # L z = P_r b
        _sweep(Up, Ui, Ux, Ud, X[s], y, two, True)  # U w = z
    for s in range(copies):
        for i in range(m):
            out[s * m + i] = X[s, perm_c[i]] / scale


@njit(cache=True, inline="always")
def _weighted_wv(f, t, u, p, h, alpha, z, w, uc, out):
    r"""``out`` :math:`= w \odot (\alpha z - J z)`, :math:`J z = \mathrm{Im} f(t, u + i h z)/h`."""
    for q in range(u.size):
        uc[q] = complex(u[q], h * z[q])
    fz = f(t, uc, p)
    for q in range(u.size):
        out[q] = w[q] * (alpha * z[q] - fz[q].imag / h)


def gmres_cs_loop(f, t, u, p, b, alpha, w, rtol, atol, restart, maxiter, h,
                  Lp, Li, Lx, Ld, Up, Ui, Ux, Ud, perm_r, perm_c, copies, scale):
    r"""GMRES on :math:`(\alpha I - J(t, u)) x = b` in the weighted norm of ``w``, right
    preconditioned by :func:`lu_apply` (the same iteration as
    :func:`sciml_lib.ode.linsolve.gmres`). Compiled specialised on ``f``. Returns
    ``(x, converged, iterations, evaluations of f)``."""
    n = b.size
    x = np.zeros(n)
    r = w * b
    beta = math.sqrt(np.sum(r * r))
    target = max(rtol * beta, atol)
    its = 0
    nf = 0
    if not math.isfinite(beta):
        return x, False, its, nf
    m = max(1, min(restart, n))
    V = np.empty((m + 1, n))
    Z = np.empty((m, n))
    H = np.zeros((m + 1, m))
    cs, sn, g = np.zeros(m), np.zeros(m), np.zeros(m + 1)
    uc = np.empty(n, dtype=np.complex128)
    tmp, v = np.empty(n), np.empty(n)
    while beta > target and its < maxiter:
        H[:] = 0.0
        g[:] = 0.0
        g[0] = beta
        for q in range(n):
            V[0, q] = r[q] / beta
        k = 0
        for j in range(m):
            for q in range(n):
                tmp[q] = V[j, q] / w[q]
            lu_apply(Lp, Li, Lx, Ld, Up, Ui, Ux, Ud, perm_r, perm_c, copies, scale, tmp, Z[j])
            _weighted_wv(f, t, u, p, h, alpha, Z[j], w, uc, v)
            its += 1
            nf += 1
            hn, ok = arnoldi_givens(V, H, cs, sn, g, j, v)
            if not ok:
                return x, False, its, nf
            k = j + 1
            if abs(g[j + 1]) <= target or its >= maxiter or hn == 0.0:
                break
            for q in range(n):
                V[j + 1, q] = v[q] / hn
        gmres_combine(H, g, Z, k, x)
        if abs(g[k]) <= target:
            return x, True, its, nf
        _weighted_wv(f, t, u, p, h, alpha, x, w, uc, v)
        nf += 1
        s = 0.0
        for q in range(n):
            r[q] = w[q] * b[q] - v[q]
            s += r[q] * r[q]
        beta = math.sqrt(s)
        if not math.isfinite(beta):
            return x, False, its, nf
    return x, beta <= target, its, nf
