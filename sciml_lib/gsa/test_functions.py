r"""Test functions of global sensitivity analysis with closed-form indices.

* Ishigami :cite:p:`ishigami1990importance`,
  :math:`f = \sin x_1 + a \sin^2 x_2 + b x_3^4 \sin x_1` with :math:`x_i \sim U(-\pi, \pi)`.
* Sobol's G function :cite:p:`sobol2001global`,
  :math:`f = \prod_i (|4x_i - 2| + a_i)/(1 + a_i)` with :math:`x_i \sim U(0, 1)`.

Both accept NumPy or JAX arrays (so :func:`sciml_lib.gsa.dgsm` can differentiate them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ishigami", "ishigami_indices", "ISHIGAMI_BOUNDS", "sobol_g", "sobol_g_indices"]

#: The Ishigami box :math:`[-\pi, \pi]^3`.
ISHIGAMI_BOUNDS = np.array([[-np.pi, np.pi]] * 3)


def _xp(X: Any) -> Any:
    """NumPy, or ``jax.numpy`` when ``X`` is a JAX array or tracer."""
    if type(X).__module__.split(".")[0] in ("jax", "jaxlib"):
        import jax.numpy as jnp

        return jnp
    return np


def ishigami(X: Any, a: float = 7.0, b: float = 0.1) -> Any:
    r"""Ishigami function :math:`\sin x_1 + a\sin^2 x_2 + b x_3^4 \sin x_1` of the rows of ``X``."""
    xp = _xp(X)
    X = xp.asarray(X)
    if X.ndim != 2 or X.shape[1] != 3:
        raise ValueError(f"X must have shape (n, 3), got {X.shape}")
    s1 = xp.sin(X[:, 0])
    return s1 + a * xp.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * s1


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, Any]:
    r"""Closed-form variance, first-order and total Sobol indices of :func:`ishigami`.

    :math:`V_1 = \tfrac12(1 + b\pi^4/5)^2`, :math:`V_2 = a^2/8`, :math:`V_3 = 0`,
    :math:`V_{13} = 8 b^2 \pi^8/225`, :math:`V = \tfrac12 + a^2/8 + b\pi^4/5 + b^2\pi^8/18`.

    Returns
    -------
    dict
        ``V``, ``S1`` (3,), ``ST`` (3,), ``S13`` and ``nu`` (3,), the DGSM
        :math:`\nu_i = E[(\partial_i f)^2]`.
    """
    pi = np.pi
    V1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    V2 = a**2 / 8
    V13 = 8 * b**2 * pi**8 / 225
    V = 0.5 + a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18
    S1 = np.array([V1, V2, 0.0]) / V
    ST = np.array([V1 + V13, V2, V13]) / V
    nu = np.array(
        [0.5 * (1 + 2 * b * pi**4 / 5 + b**2 * pi**8 / 9), a**2 / 2, 8 * b**2 * pi**6 / 7]
    )
    return {"V": V, "S1": S1, "ST": ST, "S13": V13 / V, "nu": nu}


def sobol_g(X: Any, a: Any) -> Any:
    r"""Sobol's G function :math:`\prod_i (|4x_i - 2| + a_i)/(1 + a_i)` of the rows of ``X``."""
    xp = _xp(X)
    X = xp.asarray(X)
    a = np.asarray(a, dtype=float)
    if X.ndim != 2 or a.ndim != 1 or X.shape[1] != a.shape[0]:
        raise ValueError(f"X must have shape (n, len(a)) = (n, {a.shape[0]}), got {X.shape}")
    if np.any(a < 0):
        raise ValueError("a must be non-negative")
    return xp.prod((xp.abs(4 * X - 2) + a) / (1 + a), axis=1)


def sobol_g_indices(a: Any) -> dict[str, Any]:
    r"""Closed-form indices of :func:`sobol_g`.

    :math:`V_i = 1/(3(1+a_i)^2)`, :math:`V = \prod_i(1+V_i) - 1`,
    :math:`S_i = V_i/V`, :math:`S_{T_i} = V_i\prod_{j\ne i}(1+V_j)/V`.
    """
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or np.any(a < 0):
        raise ValueError("a must be a 1-D array of non-negative numbers")
    Vi = 1.0 / (3.0 * (1.0 + a) ** 2)
    V = np.prod(1 + Vi) - 1
    ST = Vi * np.prod(1 + Vi) / (1 + Vi) / V
    return {"V": V, "S1": Vi / V, "ST": ST}
