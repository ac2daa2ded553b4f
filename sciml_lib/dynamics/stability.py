r"""Fixed points of maps and their local stability.

A fixed point :math:`u^*=f(u^*)` of a map is *attracting* when every eigenvalue
of the Jacobian :math:`f'(u^*)` lies strictly inside the unit disc (for a scalar
map: :math:`|f'(u^*)|<1`), *repelling* when at least one lies strictly outside,
and *non-hyperbolic* (linearisation inconclusive) when the largest modulus is 1
:cite:p:`strogatz2015nonlinear`. Banach's theorem makes the first statement
global on a set where :math:`f` is a contraction, :math:`|f'|\le q<1`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "FixedPointResult",
    "classify_fixed_point",
    "spectral_radius",
    "numerical_jacobian",
    "fixed_point_iteration",
    "fixed_point_stability",
    "companion_matrix",
    "linear_map_is_stable",
]

ATTRACTING = "attracting"
REPELLING = "repelling"
NON_HYPERBOLIC = "non-hyperbolic"


def spectral_radius(jac: Any) -> float:
    r"""Largest modulus of the eigenvalues of ``jac`` (:math:`|f'|` for a scalar)."""
    a = np.asarray(jac, dtype=complex)
    if a.ndim == 0:
        return float(abs(a))
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.size == 0:
        raise ValueError(f"jac must be a scalar or a non-empty square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("jac must be finite")
    return float(np.max(np.abs(np.linalg.eigvals(a))))


def classify_fixed_point(jac: Any, tol: float = 1e-9) -> str:
    r"""Classify a fixed point of a map from its derivative or Jacobian.

    Parameters
    ----------
    jac : float or array_like
        :math:`f'(u^*)` (scalar map) or the Jacobian matrix at the fixed point.
    tol : float
        Moduli within ``tol`` of 1 are treated as exactly 1.

    Returns
    -------
    str
        ``"attracting"`` (spectral radius :math:`<1`), ``"repelling"`` (:math:`>1`)
        or ``"non-hyperbolic"`` (:math:`=1`, linear stability is inconclusive).
    """
    if tol < 0:
        raise ValueError(f"tol must be non-negative, got {tol}")
    rho = spectral_radius(jac)
    if rho < 1 - tol:
        return ATTRACTING
    if rho > 1 + tol:
        return REPELLING
    return NON_HYPERBOLIC


def numerical_jacobian(f: Callable[[Any, Any], Any], u: Any, p: Any = None, h: float = 1e-6) -> np.ndarray | float:
    r"""Central-difference derivative/Jacobian of ``f(u, p)`` with respect to ``u``.

    Error :math:`O(h^2)`. Returns a float for a scalar ``u`` and a
    :math:`d\times d` array for a state of dimension ``d``.
    """
    if h <= 0:
        raise ValueError(f"h must be positive, got {h}")
    if np.ndim(u) == 0:
        x = float(u)
        return (float(f(x + h, p)) - float(f(x - h, p))) / (2 * h)
    x = np.asarray(u, dtype=float)
    d = x.size
    jac = np.empty((d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        jac[:, j] = (np.asarray(f(x + e, p), dtype=float) - np.asarray(f(x - e, p), dtype=float)) / (2 * h)
    return jac


@dataclass(frozen=True)
class FixedPointResult:
    """Outcome of :func:`fixed_point_iteration`.

    Attributes
    ----------
    x : float or numpy.ndarray
        Last iterate (the fixed point when ``success``).
    success : bool
        Whether the step size fell below the tolerance.
    iterations : int
        Iterations performed.
    message : str
        Why the iteration stopped.
    """

    x: Any
    success: bool
    iterations: int
    message: str


def fixed_point_iteration(
    f: Callable[[Any, Any], Any], u0: Any, p: Any = None, tol: float = 1e-12, maxiter: int = 10_000
) -> FixedPointResult:
    r"""Iterate :math:`u_{k+1}=f(u_k,p)` until :math:`\|u_{k+1}-u_k\|_\infty\le` ``tol``.

    Converges to the unique fixed point when :math:`f` is a contraction
    (Banach). Divergence to infinity/NaN or hitting ``maxiter`` is reported with
    ``success=False`` and a message; it never raises or hangs.
    """
    if tol <= 0:
        raise ValueError(f"tol must be positive, got {tol}")
    if maxiter < 1:
        raise ValueError(f"maxiter must be positive, got {maxiter}")
    scalar = np.ndim(u0) == 0
    u = float(u0) if scalar else np.asarray(u0, dtype=float).copy()
    for k in range(1, maxiter + 1):
        un = float(f(u, p)) if scalar else np.asarray(f(u, p), dtype=float)
        if not np.all(np.isfinite(un)):
            return FixedPointResult(un, False, k, "iterate is not finite (the orbit diverged)")
        step = abs(un - u) if scalar else float(np.max(np.abs(un - u)))
        u = un
        if step <= tol:
            return FixedPointResult(u, True, k, "converged")
    return FixedPointResult(u, False, maxiter, f"no convergence in maxiter={maxiter} iterations")


def fixed_point_stability(f: Callable[[Any, Any], Any], u_star: Any, p: Any = None, h: float = 1e-6) -> str:
    """Classify the fixed point ``u_star`` of ``f(u, p)`` with a numerical Jacobian.

    Raises ``ValueError`` when ``u_star`` is not (to ``1e-8`` relative) a fixed point.
    """
    fu = np.asarray(f(u_star if np.ndim(u_star) == 0 else np.asarray(u_star, float), p), dtype=float)
    us = np.asarray(u_star, dtype=float)
    if not np.allclose(fu, us, rtol=1e-8, atol=1e-10):
        raise ValueError("u_star is not a fixed point of f (f(u_star) != u_star)")
    return classify_fixed_point(numerical_jacobian(f, u_star, p, h))


def companion_matrix(alphas: Sequence[float]) -> np.ndarray:
    r"""Companion matrix of the delay recurrence :math:`u_{n+1}=\sum_{j=0}^{k-1}\alpha_j u_{n-j}`.

    With the state :math:`(u_n, u_{n-1}, \dots, u_{n-k+1})` the recurrence is the
    linear map :math:`U_{n+1}=AU_n`; its eigenvalues :math:`\lambda` are the roots
    of :math:`\lambda^k-\sum_j\alpha_j\lambda^{k-1-j}`, i.e. the reciprocals of the
    roots of :math:`1-\sum_j\alpha_jx^{j+1}`.
    """
    a = np.asarray(alphas, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError("alphas must be a non-empty 1-D sequence")
    k = a.size
    A = np.zeros((k, k))
    A[0, :] = a
    A[1:, :-1] = np.eye(k - 1)
    return A


def linear_map_is_stable(A: Any) -> bool:
    r"""Whether :math:`x_{n+1}=Ax_n` decays to 0 for every start (all :math:`|\lambda|<1`)."""
    rho = spectral_radius(A)
    return bool(rho < 1 and math.isfinite(rho))
