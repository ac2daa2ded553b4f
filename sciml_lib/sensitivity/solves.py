r"""Adjoints of linear and nonlinear solves (lecture 11, after :cite:p:`johnson2012notes`).

For :math:`x(p)` defined implicitly by a solve and a scalar objective
:math:`g(x, p)`, the adjoint method computes :math:`dg/dp` with *one* extra
(transposed) solve, never forming the :math:`n \times P` matrix :math:`dx/dp`.

* Linear solve :math:`A(p)x = b(p)`: solve :math:`A^T\lambda = g_x^T`, then
  :math:`\frac{dg}{dp} = g_p - \lambda^T (A_p x - b_p)`.
* Nonlinear solve :math:`f(x, p) = 0`: solve :math:`f_x^T \lambda = g_x^T`, then
  :math:`\frac{dg}{dp} = g_p - \lambda^T f_p`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

__all__ = ["linear_solve_adjoint", "nonlinear_solve_adjoint"]


def _arr(x, name, ndim):
    a = np.asarray(x, dtype=float)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {a.shape}")
    return a


def linear_solve_adjoint(A, b, dA, db, g_x, g_p=None):
    r"""Gradient :math:`dg/dp` of :math:`g(x(p), p)` where :math:`A(p) x = b(p)`.

    Parameters
    ----------
    A : array_like, shape (n, n)
        The matrix at the current :math:`p`.
    b : array_like, shape (n,)
        The right-hand side.
    dA : array_like, shape (P, n, n)
        :math:`\partial A/\partial p_k` for each parameter.
    db : array_like, shape (n, P)
        :math:`\partial b/\partial p`.
    g_x : array_like, shape (n,) or callable
        :math:`\partial g/\partial x` (a callable is evaluated at the solution :math:`x`).
    g_p : array_like, shape (P,), optional
        Explicit :math:`\partial g/\partial p` (zero when omitted).

    Returns
    -------
    grad : numpy.ndarray, shape (P,)
    x : numpy.ndarray, shape (n,)
        The solution of the forward solve.
    lam : numpy.ndarray, shape (n,)
        The adjoint :math:`\lambda = A^{-T} g_x^T`.
    """
    A = _arr(A, "A", 2)
    b = _arr(b, "b", 1)
    n = b.shape[0]
    if A.shape != (n, n):
        raise ValueError(f"A must have shape ({n}, {n}) to match b, got {A.shape}")
    dA = _arr(dA, "dA", 3)
    P = dA.shape[0]
    if dA.shape[1:] != (n, n):
        raise ValueError(f"dA must have shape (P, {n}, {n}), got {dA.shape}")
    db = _arr(db, "db", 2)
    if db.shape != (n, P):
        raise ValueError(f"db must have shape ({n}, {P}), got {db.shape}")
    lu = sla.lu_factor(A)
    x = sla.lu_solve(lu, b)
    gx = np.asarray(g_x(x) if callable(g_x) else g_x, dtype=float)
    if gx.shape != (n,):
        raise ValueError(f"g_x must have shape ({n},), got {gx.shape}")
    lam = sla.lu_solve(lu, gx, trans=1)
    gp = np.zeros(P) if g_p is None else np.asarray(g_p, dtype=float)
    if gp.shape != (P,):
        raise ValueError(f"g_p must have shape ({P},), got {gp.shape}")
    resid_p = np.einsum("kij,j->ik", dA, x) - db  # A_p x - b_p, shape (n, P)
    return gp - lam @ resid_p, x, lam


def nonlinear_solve_adjoint(f_x, f_p, g_x, g_p=None):
    r"""Gradient :math:`dg/dp = g_p - \lambda^T f_p` with :math:`f_x^T\lambda = g_x^T` at a solution of :math:`f(x, p) = 0`.

    Parameters
    ----------
    f_x : array_like, shape (n, n)
        :math:`\partial f/\partial x` at the solution.
    f_p : array_like, shape (n, P)
        :math:`\partial f/\partial p` at the solution.
    g_x : array_like, shape (n,)
        :math:`\partial g/\partial x` at the solution.
    g_p : array_like, shape (P,), optional
        :math:`\partial g/\partial p` (zero when omitted).

    Returns
    -------
    grad : numpy.ndarray, shape (P,)
    lam : numpy.ndarray, shape (n,)

    Examples
    --------
    The worked example :math:`f = 2x + p`, :math:`g = x^2 + p`: :math:`x = -p/2`,
    :math:`\lambda = x`, :math:`dg/dp = 1 - x = 1 + p/2`.

    >>> p = 3.0; x = -p / 2
    >>> float(nonlinear_solve_adjoint([[2.0]], [[1.0]], [2 * x], [1.0])[0][0])
    2.5
    """
    fx = _arr(f_x, "f_x", 2)
    n = fx.shape[0]
    if fx.shape != (n, n):
        raise ValueError(f"f_x must be square, got shape {fx.shape}")
    fp = _arr(f_p, "f_p", 2)
    if fp.shape[0] != n:
        raise ValueError(f"f_p must have {n} rows, got shape {fp.shape}")
    P = fp.shape[1]
    gx = _arr(g_x, "g_x", 1)
    if gx.shape != (n,):
        raise ValueError(f"g_x must have shape ({n},), got {gx.shape}")
    gp = np.zeros(P) if g_p is None else _arr(g_p, "g_p", 1)
    if gp.shape != (P,):
        raise ValueError(f"g_p must have shape ({P},), got {gp.shape}")
    lam = np.linalg.solve(fx.T, gx)
    return gp - lam @ fp, lam
