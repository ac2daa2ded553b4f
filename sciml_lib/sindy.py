r"""Sparse identification of nonlinear dynamics (SINDy) :cite:p:`brunton2016discovering`.

Given samples :math:`X \in \mathbb{R}^{m \times n}` of a trajectory and their
time derivatives :math:`\dot X`, SINDy looks for a sparse coefficient matrix
:math:`\Xi` with

.. math::

    \dot X \approx \Theta(X)\,\Xi, \qquad
    \Theta(X) = [1, X, X^{P_2}, X^{P_3}, \dots, \sin X, \cos X],

by sequentially thresholded least squares (STLSQ): solve the (ridge) least-squares
problem, set every coefficient with :math:`|\xi| <` ``threshold`` to zero, and
solve again on the remaining terms until the support stops changing. Each
column of :math:`\Xi` is a right-hand side written in the library's terms, so
the result prints as equations.

The least-squares problems are solved on the Gram matrix
:math:`\Theta^T\Theta` computed once (after scaling the columns of
:math:`\Theta` to unit norm), so that each iteration costs :math:`O(p^3)` and
not :math:`O(mp^2)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import Sequence

import numpy as np
import scipy.linalg as sla

__all__ = [
    "DERIVATIVES",
    "SINDyResult",
    "polynomial_library",
    "stlsq",
    "time_derivative",
    "sindy",
]

DERIVATIVES: tuple[str, ...] = ("finite", "smoothed", "spline")
"""The time-derivative estimators accepted by :func:`time_derivative` and :func:`sindy`."""


def _as_2d(X: object, name: str) -> np.ndarray:
    A = np.asarray(X, dtype=float)
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2 or A.shape[0] < 1 or A.shape[1] < 1:
        raise ValueError(f"{name} must be a non-empty 2-D array (samples, variables), "
                         f"got shape {np.shape(X)}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains NaN or inf")
    return A


def polynomial_library(
    X: object,
    degree: int,
    include_trig: bool = False,
    names: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str]]:
    r"""The candidate-function matrix :math:`\Theta(X)` and the name of each column.

    Columns: the constant 1, then all monomials of degree 1, 2, ..., ``degree``
    in graded lexicographic order (for :math:`(x, y)`: ``1, x, y, x^2, x y, y^2``),
    then :math:`\sin x_i, \cos x_i` when ``include_trig``.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Samples (rows) of the n state variables.
    degree : int
        Highest total degree of the monomials (>= 0).
    include_trig : bool
        Append :math:`\sin x_i` and :math:`\cos x_i`.
    names : sequence of str, optional
        Variable names (default ``x, y, z`` for n <= 3, else ``x0, x1, ...``).

    Returns
    -------
    Theta : numpy.ndarray, shape (m, p)
    feature_names : list of str
    """
    X = _as_2d(X, "X")
    if not isinstance(degree, (int, np.integer)) or isinstance(degree, bool) or degree < 0:
        raise ValueError(f"degree must be a non-negative int, got {degree!r}")
    n = X.shape[1]
    if names is None:
        names = list("xyz"[:n]) if n <= 3 else [f"x{i}" for i in range(n)]
    names = list(names)
    if len(names) != n:
        raise ValueError(f"names must have {n} entries (one per column of X), got {len(names)}")
    m = X.shape[0]
    terms: list[tuple[int, ...]] = [()]
    for d in range(1, int(degree) + 1):
        terms += list(combinations_with_replacement(range(n), d))
    n_trig = 2 * n if include_trig else 0
    Theta = np.empty((m, len(terms) + n_trig))
    Theta[:, 0] = 1.0
    pos = {(): 0}
    feats = ["1"]
    for k, combo in enumerate(terms[1:], start=1):
        # each monomial is a lower one times its last variable: one product per column
        np.multiply(Theta[:, pos[combo[:-1]]], X[:, combo[-1]], out=Theta[:, k])
        pos[combo] = k
        parts = []
        for i in sorted(set(combo)):
            c = combo.count(i)
            parts.append(names[i] if c == 1 else f"{names[i]}^{c}")
        feats.append(" ".join(parts))
    if include_trig:
        k0 = len(terms)
        Theta[:, k0:k0 + n] = np.sin(X)
        Theta[:, k0 + n:] = np.cos(X)
        feats += [f"sin({v})" for v in names] + [f"cos({v})" for v in names]
    return Theta, feats


def _ridge_subset(G: np.ndarray, b: np.ndarray, idx: np.ndarray, alpha: float) -> np.ndarray:
    Gs = G[np.ix_(idx, idx)]
    if alpha > 0:
        Gs = Gs + alpha * np.eye(idx.size)
    try:
        return sla.solve(Gs, b[idx], assume_a="pos")
    except (np.linalg.LinAlgError, sla.LinAlgError):
        return np.linalg.lstsq(Gs, b[idx], rcond=None)[0]


def stlsq(
    Theta: object,
    dXdt: object,
    threshold: float,
    alpha: float = 0.0,
    max_iter: int = 20,
) -> np.ndarray:
    r"""Sequentially thresholded (ridge) least squares :cite:p:`brunton2016discovering`.

    For each column :math:`\dot x` of ``dXdt``: start from
    :math:`\xi = \arg\min \|\Theta\xi - \dot x\|_2^2 + \alpha\|\xi\|_2^2`,
    then repeat "zero the entries with :math:`|\xi_j| <` threshold, refit on the
    others" until the support is unchanged (at most ``max_iter`` times). The
    threshold applies to the coefficients in the original (unscaled) units.

    Parameters
    ----------
    Theta : array_like, shape (m, p)
        Library matrix (from :func:`polynomial_library`).
    dXdt : array_like, shape (m, n) or (m,)
        Time derivatives.
    threshold : float
        Sparsity threshold (>= 0).
    alpha : float
        Ridge penalty (>= 0) on the column-normalised problem.
    max_iter : int
        Maximum number of threshold-and-refit rounds.

    Returns
    -------
    numpy.ndarray, shape (p, n)
        The sparse coefficient matrix :math:`\Xi`.
    """
    Th = _as_2d(Theta, "Theta")
    Y = _as_2d(dXdt, "dXdt")
    if Th.shape[0] != Y.shape[0]:
        raise ValueError("Theta and dXdt must have the same number of rows, "
                         f"got {Th.shape[0]} and {Y.shape[0]}")
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative number, got {threshold!r}")
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a non-negative number, got {alpha!r}")
    if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive int, got {max_iter!r}")
    G = Th.T @ Th
    scale = np.sqrt(np.diag(G)).copy()
    scale[scale == 0] = 1.0
    G = G / np.outer(scale, scale)
    B = (Th.T @ Y) / scale[:, None]
    p, n = Th.shape[1], Y.shape[1]
    Xi = np.zeros((p, n))
    for j in range(n):
        active = np.arange(p)
        xi = np.zeros(p)
        for _ in range(int(max_iter)):
            xi = np.zeros(p)
            if active.size == 0:
                break
            xi[active] = _ridge_subset(G, B[:, j], active, alpha) / scale[active]
            keep = active[np.abs(xi[active]) >= threshold]
            if keep.size == active.size:
                break
            active = keep
        xi[np.setdiff1d(np.arange(p), active)] = 0.0
        Xi[:, j] = xi
    return Xi


def time_derivative(
    X: object, t: object, method: str = "finite", *, window: int | None = None
) -> np.ndarray:
    r"""Estimate :math:`\dot X` from samples ``X`` at the times ``t``.

    ``"finite"``
        Second-order central differences (``numpy.gradient``, one-sided at the ends).
    ``"smoothed"``
        Savitzky-Golay: the derivative of a local cubic least-squares fit over
        ``window`` samples (default about 0.5% of the samples, odd, at least 7);
        uniform ``t`` only.
    ``"spline"``
        Derivative of the interpolating cubic spline (``scipy.interpolate.CubicSpline``):
        fourth-order accurate on dense clean data, no smoothing.

    Returns
    -------
    numpy.ndarray, shape of ``X`` (2-D)
    """
    X = _as_2d(X, "X")
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size != X.shape[0]:
        raise ValueError(f"t must be 1-D with one time per row of X ({X.shape[0]}), "
                         f"got shape {t.shape}")
    if t.size < 3 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be strictly increasing with at least 3 samples")
    if method == "finite":
        return np.gradient(X, t, axis=0, edge_order=2)
    if method == "smoothed":
        from scipy.signal import savgol_filter

        dt = np.diff(t)
        if not np.allclose(dt, dt[0], rtol=1e-6, atol=0):
            raise ValueError("method 'smoothed' needs uniformly spaced t")
        w = window if window is not None else max(7, (t.size // 200) | 1)
        w = int(w) | 1
        if w > t.size:
            raise ValueError(f"window must be at most the number of samples {t.size}, got {w}")
        return savgol_filter(X, w, 3, deriv=1, delta=float(dt[0]), axis=0, mode="interp")
    if method == "spline":
        from scipy.interpolate import CubicSpline

        return CubicSpline(t, X, axis=0)(t, 1)
    raise ValueError(f"derivative must be one of {DERIVATIVES}, got {method!r}")


@dataclass(frozen=True)
class SINDyResult:
    """The identified model :math:`\\dot X = \\Theta(X)\\Xi`.

    Attributes
    ----------
    coefficients : numpy.ndarray, shape (p, n)
        :math:`\\Xi` (rows: library terms, columns: equations).
    feature_names : list of str
        The library terms.
    names : list of str
        The state variable names.
    dXdt : numpy.ndarray, shape (m, n)
        The derivative estimate that was fitted.
    degree : int
        Polynomial degree of the library.
    include_trig : bool
        Whether the library has sines and cosines.
    """

    coefficients: np.ndarray
    feature_names: list[str]
    names: list[str]
    dXdt: np.ndarray
    degree: int
    include_trig: bool

    def equations(self, precision: int = 4) -> list[str]:
        """One string per state variable, e.g. ``"x' = -10.0000 x + 10.0000 y"``."""
        out = []
        for j, v in enumerate(self.names):
            terms = []
            for c, f in zip(self.coefficients[:, j], self.feature_names):
                if c != 0:
                    s = f"{c:+.{precision}f}" + ("" if f == "1" else f" {f}")
                    terms.append(s)
            rhs = " ".join(terms) if terms else "0"
            out.append(f"{v}' = {rhs.lstrip('+')}")
        return out

    def support(self) -> np.ndarray:
        """Boolean matrix of the nonzero coefficients."""
        return self.coefficients != 0

    def rhs(self, X: object) -> np.ndarray:
        """Evaluate the identified right-hand side at the rows of ``X``."""
        Th, _ = polynomial_library(X, self.degree, self.include_trig, self.names)
        return Th @ self.coefficients

    def __str__(self) -> str:
        return "\n".join(self.equations())


def sindy(
    X: object,
    t: object,
    degree: int,
    threshold: float,
    derivative: str = "finite",
    *,
    alpha: float = 0.0,
    max_iter: int = 20,
    include_trig: bool = False,
    names: Sequence[str] | None = None,
    dXdt: object | None = None,
) -> SINDyResult:
    """Identify :math:`\\dot X = \\Theta(X)\\Xi` from the samples ``X`` at times ``t``.

    Estimates :math:`\\dot X` with :func:`time_derivative` (unless ``dXdt`` is given,
    e.g. from a trained UDE network), builds :func:`polynomial_library` and runs
    :func:`stlsq`.

    Parameters
    ----------
    X : array_like, shape (m, n)
    t : array_like, shape (m,)
    degree : int
        Polynomial degree of the library.
    threshold : float
        STLSQ threshold.
    derivative : str
        ``"finite"``, ``"smoothed"`` or ``"spline"``.

    Returns
    -------
    SINDyResult
    """
    X = _as_2d(X, "X")
    if dXdt is None:
        D = time_derivative(X, t, derivative)
    else:
        D = _as_2d(dXdt, "dXdt")
        if D.shape != X.shape:
            raise ValueError(f"dXdt must have the shape of X {X.shape}, got {D.shape}")
    Theta, feats = polynomial_library(X, degree, include_trig, names)
    Xi = stlsq(Theta, D, threshold, alpha=alpha, max_iter=max_iter)
    n = X.shape[1]
    if names is not None:
        nm = list(names)
    else:
        nm = list("xyz"[:n]) if n <= 3 else [f"x{i}" for i in range(n)]
    return SINDyResult(Xi, feats, nm, D, int(degree), bool(include_trig))
