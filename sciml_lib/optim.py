r"""Local optimisers for parameter estimation (lecture 10): gradient descent, Newton, BFGS.

These *minimise*; Newton's method for *root finding* :math:`F(x) = 0` (used by
the implicit ODE solvers) is ``sciml_lib.stiff.newton``. To keep the two
apart, the minimiser is called :func:`newton_minimize`; ``newton`` remains as
an alias of it so that existing code keeps working.

All minimise a smooth :math:`C(p)` from a start :math:`p_0` and share an
Armijo backtracking line search: accept step :math:`\alpha` along a descent
direction :math:`d` when :math:`C(p + \alpha d) \le C(p) + c_1 \alpha \nabla C^T d`
:cite:p:`nocedal2006numerical`. Constant-step gradient descent
(``line_search=False``) is kept to show how it stalls or diverges on
ill-conditioned, non-convex losses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["OptimizeResult", "armijo", "gradient_descent", "newton_minimize", "bfgs"]


@dataclass
class OptimizeResult:
    """Outcome of an optimiser.

    Attributes
    ----------
    x : numpy.ndarray
        Final point.
    fun : float
        :math:`C(x)`.
    nit : int
        Iterations.
    success : bool
        Whether the gradient-norm tolerance was reached.
    message : str
    history : list of float
        :math:`C` at every iterate (starting point included).
    path : list of numpy.ndarray
        The iterates.
    """

    x: np.ndarray
    fun: float
    nit: int
    success: bool
    message: str
    history: list[float] = field(default_factory=list)
    path: list[np.ndarray] = field(default_factory=list)


def _check(fun: Any, grad: Any, x0: Any) -> np.ndarray:
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    if not callable(grad):
        raise TypeError(f"grad must be callable, got {type(grad).__name__}")
    x = np.array(x0, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x0 must be a 1-D array, got shape {x.shape}")
    return x


def armijo(
    fun: Callable,
    x: np.ndarray,
    fx: float,
    g: np.ndarray,
    d: np.ndarray,
    *,
    alpha0: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_halvings: int = 60,
) -> tuple[float, float]:
    r"""Backtracking line search; returns ``(alpha, C(x + alpha d))``, ``alpha = 0`` on failure."""
    slope = float(g @ d)
    if slope >= 0:
        return 0.0, fx
    alpha = alpha0
    for _ in range(max_halvings):
        fn = float(fun(x + alpha * d))
        if np.isfinite(fn) and fn <= fx + c1 * alpha * slope:
            return alpha, fn
        alpha *= shrink
    return 0.0, fx


def gradient_descent(
    fun: Callable,
    grad: Callable,
    x0: Any,
    *,
    lr: float = 1.0,
    line_search: bool = True,
    maxiter: int = 1000,
    gtol: float = 1e-8,
    grow: float = 2.0,
) -> OptimizeResult:
    r"""Gradient descent :math:`p_{k+1} = p_k - \alpha_k \nabla C(p_k)`.

    With ``line_search=True`` the step starts from ``grow`` times the last accepted
    step and is halved until the Armijo condition holds; otherwise
    :math:`\alpha_k =` ``lr`` for every step.
    """
    x = _check(fun, grad, x0)
    fx = float(fun(x))
    hist, path = [fx], [x.copy()]
    alpha = lr
    for k in range(1, maxiter + 1):
        g = np.asarray(grad(x), dtype=float)
        if np.linalg.norm(g) <= gtol:
            return OptimizeResult(x, fx, k - 1, True, "gradient norm below gtol", hist, path)
        if line_search:
            alpha, fn = armijo(fun, x, fx, g, -g, alpha0=alpha * grow)
            if alpha == 0.0:
                return OptimizeResult(x, fx, k - 1, False, "line search failed", hist, path)
            x = x - alpha * g
            fx = fn
        else:
            x = x - lr * g
            fx = float(fun(x))
            if not np.isfinite(fx):
                hist.append(fx)
                return OptimizeResult(x, fx, k, False, "diverged (non-finite loss)", hist, path)
        hist.append(fx)
        path.append(x.copy())
    return OptimizeResult(x, fx, maxiter, False, "maxiter reached", hist, path)


def newton_minimize(
    fun: Callable,
    grad: Callable,
    hess: Callable,
    x0: Any,
    *,
    maxiter: int = 100,
    gtol: float = 1e-8,
) -> OptimizeResult:
    r"""Minimise :math:`C` by damped Newton :math:`p_{k+1} = p_k - \alpha_k H^{-1}\nabla C`.

    The step length :math:`\alpha_k` comes from an Armijo line search. When
    :math:`H` is not positive definite (far from a minimum), the direction
    falls back to steepest descent for that step. Also available as
    ``sciml_lib.optim.newton`` (the older name).
    """
    x = _check(fun, grad, x0)
    if not callable(hess):
        raise TypeError(f"hess must be callable, got {type(hess).__name__}")
    fx = float(fun(x))
    hist, path = [fx], [x.copy()]
    for k in range(1, maxiter + 1):
        g = np.asarray(grad(x), dtype=float)
        if np.linalg.norm(g) <= gtol:
            return OptimizeResult(x, fx, k - 1, True, "gradient norm below gtol", hist, path)
        H = np.asarray(hess(x), dtype=float)
        try:
            np.linalg.cholesky(H)
            d = -np.linalg.solve(H, g)
            a0 = 1.0
        except np.linalg.LinAlgError:
            d = -g
            a0 = 1.0 / max(np.linalg.norm(g), 1.0)
        alpha, fn = armijo(fun, x, fx, g, d, alpha0=a0)
        if alpha == 0.0:
            return OptimizeResult(x, fx, k - 1, False, "line search failed", hist, path)
        x = x + alpha * d
        fx = fn
        hist.append(fx)
        path.append(x.copy())
    return OptimizeResult(x, fx, maxiter, False, "maxiter reached", hist, path)


#: The older name of :func:`newton_minimize` (kept so that existing code keeps working).
newton = newton_minimize


def bfgs(
    fun: Callable, grad: Callable, x0: Any, *, maxiter: int = 500, gtol: float = 1e-8
) -> OptimizeResult:
    r"""BFGS with an Armijo line search: the inverse-Hessian estimate :math:`B` is updated by

    .. math::

        B \leftarrow (I - \rho s y^T) B (I - \rho y s^T) + \rho s s^T, \quad
        s = p_{k+1} - p_k,\ y = \nabla C_{k+1} - \nabla C_k,\ \rho = 1/(y^T s),

    skipped when :math:`y^T s \le 0` (curvature condition violated).
    """
    x = _check(fun, grad, x0)
    n = x.size
    fx = float(fun(x))
    g = np.asarray(grad(x), dtype=float)
    B = np.eye(n)
    first = True
    hist, path = [fx], [x.copy()]
    for k in range(1, maxiter + 1):
        if np.linalg.norm(g) <= gtol:
            return OptimizeResult(x, fx, k - 1, True, "gradient norm below gtol", hist, path)
        d = -B @ g
        a0 = 1.0 / max(np.linalg.norm(g), 1.0) if first else 1.0
        alpha, fn = armijo(fun, x, fx, g, d, alpha0=a0)
        if alpha == 0.0:
            B = np.eye(n)
            d = -g
            alpha, fn = armijo(fun, x, fx, g, d, alpha0=1.0 / max(np.linalg.norm(g), 1.0))
            if alpha == 0.0:
                return OptimizeResult(x, fx, k - 1, False, "line search failed", hist, path)
        x_new = x + alpha * d
        g_new = np.asarray(grad(x_new), dtype=float)
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
            if first:
                B = np.eye(n) * sy / float(y @ y)
                first = False
            rho = 1.0 / sy
            V = np.eye(n) - rho * np.outer(s, y)
            B = V @ B @ V.T + rho * np.outer(s, s)
        x, fx, g = x_new, fn, g_new
        hist.append(fx)
        path.append(x.copy())
    return OptimizeResult(x, fx, maxiter, False, "maxiter reached", hist, path)
