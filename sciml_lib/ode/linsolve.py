r"""Linear solvers for the shifted Jacobian :math:`W = \alpha I - J` of implicit steps.

Every implicit step solves systems with :math:`W = \alpha I - J`
(:math:`\alpha = 1/(\gamma h)`). Three ways, one interface
(``update(alpha, J, jvp)`` then ``solve(b)``):

* :class:`DenseLU`: LAPACK LU, :math:`O(n^3)` to factor, :math:`O(n^2)` per solve.
* :class:`SparseLU`: SuperLU (``scipy.sparse.linalg.splu``) on a sparse
  :math:`J`; its cost follows the fill-in, not :math:`n^3`.
* :class:`GMRESSolver`: Jacobian-free Newton-Krylov. :math:`W v` is one
  Jacobian-vector product (complex step or finite difference of :math:`f`),
  never a matrix; GMRES minimises the residual over the Krylov space
  :math:`\mathcal K_k = \mathrm{span}\{b, Wb, \dots, W^{k-1}b\}`
  :cite:p:`saad1986gmres,knoll2004jacobian`, optionally right-preconditioned
  by an incomplete LU of a sparse :math:`W`.

The compiled Rosenbrock loops factor a dense :math:`W` in place with
:func:`lu_factor` and :func:`lu_solve` (partial pivoting, no Python call).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit

__all__ = [
    "DenseLU", "SparseLU", "GMRESSolver", "make_linsolve", "LINSOLVERS", "lu_factor", "lu_solve",
]

LINSOLVERS = ("dense", "splu", "gmres")


class DenseLU:
    """Dense LU factorisation of :math:`\\alpha I - J` (``scipy.linalg.lu_factor``)."""

    needs_matrix = True

    def __init__(self) -> None:
        self.nfact = 0
        self.nsolve = 0

    def update(self, alpha: float, J: Any, jvp: Callable | None = None) -> bool:
        Jd = J.toarray() if sp.issparse(J) else np.asarray(J)
        W = -Jd.copy()
        W[np.diag_indices_from(W)] += alpha
        self.nfact += 1
        if not np.all(np.isfinite(W)):
            return False
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("error", sla.LinAlgWarning)
                self.lu = sla.lu_factor(W, check_finite=False)
        except (sla.LinAlgError, sla.LinAlgWarning, ValueError):
            return False
        return bool(np.all(np.diag(self.lu[0]) != 0))

    def solve(self, b: np.ndarray) -> np.ndarray:
        self.nsolve += 1
        return sla.lu_solve(self.lu, b, check_finite=False)


class SparseLU:
    """Sparse LU (SuperLU) of :math:`\\alpha I - J` for a ``scipy.sparse`` :math:`J`.

    The column ordering ``permc_spec`` defaults to minimum degree on
    :math:`W^T + W` (``"MMD_AT_PLUS_A"``), which suits the structurally symmetric
    patterns of discretised PDEs (about half the fill-in of COLAMD on the
    Brusselator).
    """

    needs_matrix = True

    def __init__(self, permc_spec: str = "MMD_AT_PLUS_A") -> None:
        self.permc_spec = permc_spec
        self.nfact = 0
        self.nsolve = 0

    def update(self, alpha: float, J: Any, jvp: Callable | None = None) -> bool:
        Js = sp.csc_matrix(J)
        n = Js.shape[0]
        W = (sp.identity(n, format="csc") * alpha - Js).tocsc()
        self.nfact += 1
        if not np.all(np.isfinite(W.data)):
            return False
        try:
            self.lu = spla.splu(W, permc_spec=self.permc_spec)
        except RuntimeError:  # exactly singular
            return False
        return True

    def solve(self, b: np.ndarray) -> np.ndarray:
        self.nsolve += 1
        return self.lu.solve(b)


class GMRESSolver:
    """Matrix-free GMRES on :math:`W v = \\alpha v - J v`.

    Parameters
    ----------
    precond : {"ilu", None}
        ``"ilu"``: incomplete LU (``scipy.sparse.linalg.spilu``) of
        :math:`\\alpha I - J` built from a sparse Jacobian (needs one).
    rtol : float
        Relative residual tolerance of GMRES.
    restart, maxiter : int
        GMRES restart length and maximum number of restarts.
    """

    def __init__(self, precond: str | None = None, rtol: float = 1e-8, restart: int = 30,
                 maxiter: int = 4) -> None:
        if precond not in (None, "ilu"):
            raise ValueError(f"precond must be None or 'ilu', got {precond!r}")
        self.precond = precond
        self.rtol = rtol
        self.restart = restart
        self.maxiter = maxiter
        self.needs_matrix = precond is not None
        self.nfact = 0
        self.nsolve = 0
        self.niter = 0
        self.nfail = 0

    def update(self, alpha: float, J: Any, jvp: Callable | None = None) -> bool:
        if jvp is None:
            raise ValueError("jvp: GMRES needs a Jacobian-vector product")
        self.alpha = alpha
        self.jvp = jvp
        self.M = None
        if self.precond == "ilu":
            Js = sp.csc_matrix(J)
            W = (sp.identity(Js.shape[0], format="csc") * alpha - Js).tocsc()
            self.nfact += 1
            try:
                ilu = spla.spilu(W, drop_tol=1e-5, fill_factor=10)
            except RuntimeError:
                return False
            self.M = spla.LinearOperator(W.shape, matvec=ilu.solve)
        return True

    def solve(self, b: np.ndarray) -> np.ndarray:
        n = b.size
        alpha, jvp = self.alpha, self.jvp

        def mv(v: np.ndarray) -> np.ndarray:
            self.niter += 1
            return alpha * v - jvp(np.asarray(v).reshape(-1))

        A = spla.LinearOperator((n, n), matvec=mv, dtype=float)
        x, info = spla.gmres(A, b, rtol=self.rtol, atol=0.0, restart=self.restart,
                             maxiter=self.maxiter, M=self.M)
        self.nsolve += 1
        if info != 0:
            self.nfail += 1
        return x


def make_linsolve(linsolve: str, precond: str | None = None, gmres_rtol: float = 1e-8) -> Any:
    """Build the linear solver named ``linsolve`` (one of :data:`LINSOLVERS`)."""
    if linsolve == "dense":
        return DenseLU()
    if linsolve == "splu":
        return SparseLU()
    if linsolve == "gmres":
        return GMRESSolver(precond=precond, rtol=gmres_rtol)
    raise ValueError(f"linsolve must be one of {LINSOLVERS}, got {linsolve!r}")


# -- the compiled dense LU of the Rosenbrock loops -------------------------------------------
@njit(cache=True, inline="always")
def lu_factor(A, piv):
    """In-place LU with partial pivoting; returns False when singular."""
    n = A.shape[0]
    for k in range(n):
        p = k
        amax = abs(A[k, k])
        for i in range(k + 1, n):
            if abs(A[i, k]) > amax:
                amax = abs(A[i, k])
                p = i
        piv[k] = p
        if amax == 0.0 or not np.isfinite(amax):
            return False
        if p != k:
            for j in range(n):
                tmp = A[k, j]
                A[k, j] = A[p, j]
                A[p, j] = tmp
        inv = 1.0 / A[k, k]
        for i in range(k + 1, n):
            A[i, k] *= inv
            lik = A[i, k]
            if lik != 0.0:
                for j in range(k + 1, n):
                    A[i, j] -= lik * A[k, j]
    return True


@njit(cache=True, inline="always")
def lu_solve(LU, piv, b):
    """Solve in place ``LU x = b`` (b overwritten by x)."""
    n = LU.shape[0]
    for k in range(n):
        p = piv[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= LU[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= LU[i, j] * b[j]
        b[i] = s / LU[i, i]
