r"""Derivative-based global sensitivity measures (DGSM) :cite:p:`sobol2009derivative`.

For :math:`x` uniform on the box :math:`\prod_i [a_i, b_i]`,

.. math:: \nu_i = E[(\partial_i f)^2], \qquad w_i = E[\partial_i f],

(the variance of the derivative is :math:`\nu_i - w_i^2`), and the total
Sobol index is bounded by :math:`S_{T_i} \le \nu_i (b_i - a_i)^2/(\pi^2 V)`
(the Poincare inequality of a uniform variable), with :math:`V = V[f]`.
The expectations are quasi-Monte Carlo means over scrambled Sobol points;
the gradients come from JAX reverse-mode AD unless ``grad`` is given.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._result import GSAResult, per_output
from ._validate import check_bounds, check_power_of_two, evaluate, make_rng, scale
from .sampling import sobol_points

__all__ = ["dgsm", "model_gradient"]


def model_gradient(f: Callable[[Any], Any], X: np.ndarray) -> np.ndarray:
    r"""Row-wise gradients of a vectorised JAX-traceable model, shape ``(n, k, d)``.

    The rows of a vectorised model are independent, so the gradient of
    :math:`\sum_{\text{rows}} f(X)_{r,c}` with respect to :math:`X` holds every
    row's gradient of output :math:`c`: one reverse pass per output column.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def total(Xj):
        Y = f(Xj)
        return jnp.reshape(Y, (Y.shape[0], -1)).sum(axis=0)

    J = jax.jacrev(total)(jnp.asarray(X))  # (k, n, d)
    return np.moveaxis(np.asarray(J), 0, 1)


def dgsm(
    f: Callable[[Any], Any],
    bounds: Any,
    n: int,
    grad: Callable[[np.ndarray], Any] | None = None,
    rng: Any = None,
) -> GSAResult:
    r"""Derivative-based sensitivity measures of ``f`` on the box ``bounds``.

    Parameters
    ----------
    f : callable
        Vectorised model ``f(X)``, ``X`` of shape (n, d) -> (n,) or (n, k);
        JAX-traceable when ``grad`` is not given.
    bounds : array_like, shape (d, 2)
        ``[lo, hi]`` of each uniform input.
    n : int
        Number of Sobol points (a power of two).
    grad : callable, optional
        ``grad(X)`` returning the gradients, shape (n, d) or (n, k, d).
    rng : int or numpy.random.Generator, optional
        Seeds the scrambling.

    Returns
    -------
    GSAResult
        ``nu`` :math:`E[(\partial_i f)^2]`, ``w`` :math:`E[\partial_i f]`,
        ``var_grad`` :math:`\nu_i - w_i^2`, ``st_bound``
        :math:`\nu_i (b_i-a_i)^2/(\pi^2 V)` (upper bound on :math:`S_{T_i}`),
        ``V`` and ``n_evals``.
    """
    b = check_bounds(bounds)
    n = check_power_of_two(n)
    d = b.shape[0]
    X = scale(sobol_points(n, d, make_rng(rng)), b)
    Y = evaluate(f, X)
    k = Y.shape[1]
    if grad is None:
        G = model_gradient(f, X)
    else:
        G = np.asarray(grad(X), dtype=float)
        if G.shape == (n, d):
            G = G[:, None, :]
    if G.shape != (n, k, d):
        raise ValueError(f"grad must return shape ({n}, {d}) or ({n}, {k}, {d}), got {G.shape}")
    if not np.all(np.isfinite(G)):
        raise ValueError("the gradients of f are not finite")
    nu = (G**2).mean(axis=0).T  # (d, k)
    w = G.mean(axis=0).T
    V = Y.var(axis=0, ddof=1)
    width2 = ((b[:, 1] - b[:, 0]) ** 2)[:, None]
    bound = nu * width2 / (np.pi**2 * V[None, :])
    return GSAResult(
        nu=per_output(nu, k),
        w=per_output(w, k),
        var_grad=per_output(nu - w**2, k),
        st_bound=per_output(bound, k),
        V=float(V[0]) if k == 1 else V,
        n_evals=n,
    )
