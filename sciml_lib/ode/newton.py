r"""Newton's method for :math:`F(x) = 0`, :math:`F:\mathbb R^n\to\mathbb R^n` (lecture 09).

Each iteration solves :math:`J(x_k)\,\delta = F(x_k)` and sets
:math:`x_{k+1} = x_k - \lambda\delta`. Near a simple root the error squares
at every step (quadratic convergence). Options:

* ``jac``: ``None`` (forward-mode AD with :class:`sciml_lib.ad.forward.Dual`),
  ``"fd"`` (finite differences) or a callable :math:`J(x)`.
* ``reuse_jacobian=True``: the *simplified* (chord) Newton method
  :math:`x_{k+1} = x_k - J(x_0)^{-1}F(x_k)` reuses one LU factorisation; the
  convergence becomes linear.
* ``damping=True``: a backtracking line search halves :math:`\lambda` until
  :math:`\|F\|` decreases (Armijo), which globalises the method.

The iteration is monitored: the result records :math:`\|F(x_k)\|` and
:math:`\|\delta_k\|` for every iterate, and divergence (non-finite values,
growth of :math:`\|\delta\|`) stops it with ``success=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.linalg as sla
from numpy.typing import ArrayLike

__all__ = ["NewtonResult", "newton"]


@dataclass
class NewtonResult:
    """Outcome of :func:`newton`.

    Attributes
    ----------
    x : ndarray
        Last iterate.
    success : bool
    message : str
    iterations : int
    residuals : list of float
        :math:`\\|F(x_k)\\|_2` for ``k = 0 .. iterations``.
    steps : list of float
        :math:`\\|\\lambda_k\\delta_k\\|_2` of each iteration.
    iterates : list of ndarray
        All iterates ``x_0 .. x_k``.
    njac : int
        Jacobian evaluations.
    """

    x: np.ndarray
    success: bool
    message: str
    iterations: int
    residuals: list[float] = field(default_factory=list)
    steps: list[float] = field(default_factory=list)
    iterates: list[np.ndarray] = field(default_factory=list)
    njac: int = 0


def _jacobian(F: Callable, x: np.ndarray, jac: Any) -> np.ndarray:
    from sciml_lib.ad import forward

    if jac is None:
        return forward.jacobian(F, x)
    if isinstance(jac, str):
        if jac == "fd":
            return forward.fd_jacobian(F, x)
        raise ValueError(f"jac must be None, 'fd' or a callable, got {jac!r}")
    return np.atleast_2d(np.asarray(jac(x), dtype=float))


def newton(
    F: Callable[[np.ndarray], ArrayLike],
    x0: ArrayLike,
    *,
    jac: Callable[[np.ndarray], ArrayLike] | str | None = None,
    tol: float = 1e-12,
    maxiter: int = 50,
    damping: bool = False,
    reuse_jacobian: bool = False,
) -> NewtonResult:
    r"""Solve :math:`F(x) = 0` by Newton's method.

    Parameters
    ----------
    F : callable
        ``F(x) -> array`` of the shape of ``x`` (generic NumPy code when
        ``jac=None``, so that dual numbers flow through it).
    x0 : array_like
        Starting point (1-D).
    jac : None, "fd" or callable
        How the Jacobian is obtained (see the module docstring).
    tol : float
        Stop when :math:`\|\delta\|_2 \le \mathrm{tol}\,(1 + \|x\|_2)` or
        :math:`\|F(x)\|_2 \le \mathrm{tol}`.
    maxiter : int
        Iteration limit.
    damping : bool
        Backtracking line search on :math:`\|F\|_2`.
    reuse_jacobian : bool
        Simplified Newton: factor :math:`J(x_0)` once.

    Returns
    -------
    NewtonResult
    """
    if not callable(F):
        raise TypeError(f"F must be callable, got {type(F).__name__}")
    x = np.array(x0, dtype=float).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    if not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive int, got {maxiter!r}")
    Fx = np.asarray(F(x), dtype=float).reshape(-1)
    if Fx.shape != x.shape:
        raise ValueError(f"F: returned shape {Fx.shape}, expected {x.shape}")
    res = NewtonResult(x.copy(), False, "", 0, [float(np.linalg.norm(Fx))], [], [x.copy()])
    lu = None
    for k in range(1, maxiter + 1):
        if lu is None or not reuse_jacobian:
            J = _jacobian(F, x, jac)
            res.njac += 1
            if J.shape != (x.size, x.size) or not np.all(np.isfinite(J)):
                res.message = "the Jacobian is not finite or has the wrong shape"
                break
            try:
                lu = sla.lu_factor(J, check_finite=False)
            except (sla.LinAlgError, ValueError):
                res.message = "singular Jacobian"
                break
            if np.any(np.diag(lu[0]) == 0):
                res.message = "singular Jacobian"
                break
        delta = sla.lu_solve(lu, Fx, check_finite=False)
        lam = 1.0
        xn = x - delta
        Fn = np.asarray(F(xn), dtype=float).reshape(-1)
        if damping:
            r0 = np.linalg.norm(Fx)
            while lam > 1e-8 and (not np.all(np.isfinite(Fn))
                                  or np.linalg.norm(Fn) > (1 - 1e-4 * lam) * r0):
                lam *= 0.5
                xn = x - lam * delta
                Fn = np.asarray(F(xn), dtype=float).reshape(-1)
        step = float(np.linalg.norm(lam * delta))
        x, Fx = xn, Fn
        res.iterations = k
        res.steps.append(step)
        res.residuals.append(float(np.linalg.norm(Fx)))
        res.iterates.append(x.copy())
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(Fx))):
            res.message = "diverged: non-finite iterate"
            break
        if step <= tol * (1.0 + np.linalg.norm(x)) or res.residuals[-1] <= tol:
            res.success = True
            res.message = f"converged in {k} iterations"
            break
        growing = res.steps[-1] > 1e3 * max(res.steps[0], 1e-300)
        if k >= 4 and growing and res.residuals[-1] > res.residuals[0]:
            res.message = "diverged: steps growing"
            break
    else:
        res.message = f"no convergence in maxiter={maxiter} iterations"
    res.x = x
    return res
