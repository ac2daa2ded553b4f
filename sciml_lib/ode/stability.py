r"""Linear stability of Runge-Kutta methods :cite:p:`hairer1996solving`.

Applied to the test equation :math:`u' = \lambda u`, one step of a Runge-Kutta
method with tableau :math:`(A, b, c)` multiplies :math:`u_n` by the *stability
function*

.. math::

    R(z) = 1 + z\, b^T (I - zA)^{-1} \mathbf{1}, \qquad z = \lambda \Delta t .

For an explicit method (strictly lower-triangular :math:`A`) the Neumann series
terminates and :math:`R(z) = \sum_{k=0}^{s} \gamma_k z^k` with
:math:`\gamma_0 = 1`, :math:`\gamma_k = b^T A^{k-1}\mathbf{1}`: a polynomial
that agrees with :math:`e^z` through the order of the method. The stability
region is :math:`\{z : |R(z)| \le 1\}`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["stability_polynomial", "stability_function", "real_stability_limit",
           "imaginary_stability_limit"]


def _arrays(tab: Any) -> tuple[np.ndarray, np.ndarray]:
    try:
        A = np.asarray(tab.A, dtype=float)
        b = np.asarray(tab.b, dtype=float)
    except AttributeError as exc:
        raise TypeError("tab: expected a tableau with attributes A and b") from exc
    if A.ndim != 2 or A.shape[0] != A.shape[1] or b.shape != (A.shape[0],):
        raise ValueError(
            f"tab: A must be square (s, s) and b of length s, got {A.shape}, {b.shape}")
    return A, b


def stability_polynomial(tab: Any) -> np.ndarray:
    r"""Coefficients :math:`\gamma_0, \dots, \gamma_s` of :math:`R(z)` of an explicit method.

    Parameters
    ----------
    tab : ButcherTableau
        An explicit method (strictly lower-triangular ``A``).

    Returns
    -------
    numpy.ndarray, shape (s + 1,)
        :math:`\gamma_k = b^T A^{k-1}\mathbf{1}` (increasing powers of :math:`z`).

    Raises
    ------
    ValueError
        If ``tab`` is implicit (its :math:`R` is rational, not a polynomial).
    """
    A, b = _arrays(tab)
    if np.any(np.triu(A) != 0):
        raise ValueError("tab: stability_polynomial needs an explicit method (strictly lower A)")
    s = A.shape[0]
    coef = np.empty(s + 1)
    coef[0] = 1.0
    v = np.ones(s)
    for k in range(1, s + 1):
        coef[k] = b @ v
        v = A @ v
    return coef


def stability_function(tab: Any, z: ArrayLike) -> np.ndarray:
    r"""Evaluate :math:`R(z) = 1 + z\, b^T (I - zA)^{-1}\mathbf{1}` elementwise.

    Parameters
    ----------
    tab : ButcherTableau
        Any Runge-Kutta tableau (an object with ``A`` and ``b``); explicit and
        implicit methods are both accepted.
    z : array_like of complex
        Points :math:`z = \lambda\Delta t`, any shape.

    Returns
    -------
    numpy.ndarray of complex
        :math:`R(z)`, the shape of ``z``.

    Examples
    --------
    >>> from sciml_lib.ode import get_tableau
    >>> complex(stability_function(get_tableau("Euler"), -2.0))
    (-1+0j)
    """
    A, b = _arrays(tab)
    z = np.asarray(z, dtype=complex)
    if np.any(np.triu(A) != 0):  # implicit: one small linear solve per point
        s = A.shape[0]
        zf = z.reshape(-1)
        M = np.eye(s)[None, :, :] - zf[:, None, None] * A[None, :, :]
        x = np.linalg.solve(M, np.ones((zf.size, s, 1), dtype=complex))[..., 0]
        return (1.0 + zf * (x @ b)).reshape(z.shape)
    coef = stability_polynomial(tab)
    out = np.zeros_like(z)
    for c in coef[::-1]:  # Horner
        out = out * z + c
    return out


def real_stability_limit(tab: Any, zmin: float = -50.0, n: int = 20_000) -> float:
    r"""The stability interval on the negative real axis, :math:`[x^*, 0]`.

    Returns the most negative :math:`x^*` such that :math:`|R(x)| \le 1` for all
    :math:`x \in [x^*, 0]`: scanned on ``n`` points of ``[zmin, 0]`` and refined
    by bisection. ``zmin`` is returned when the whole scanned interval is stable.

    Parameters
    ----------
    tab : ButcherTableau
        The method.
    zmin : float
        Left end of the scan (negative).
    n : int
        Scan points.

    Returns
    -------
    float
        :math:`x^*` (for example :math:`-2` for Euler).
    """
    if not zmin < 0:
        raise ValueError(f"zmin: must be negative, got {zmin!r}")
    if int(n) < 2:
        raise ValueError(f"n: must be at least 2, got {n!r}")
    return _axis_limit(tab, np.linspace(0.0, zmin, int(n)), 1.0 + 0j)


def imaginary_stability_limit(tab: Any, ymax: float = 10.0, n: int = 20_000) -> float:
    r"""The largest :math:`y^*` with :math:`|R(iy)| \le 1` for all :math:`0 \le y \le y^*`.

    Zero when no piece of the imaginary axis is stable (Euler, the midpoint
    rule); :math:`2\sqrt 2` for RK4 :cite:p:`hairer1996solving`. ``ymax`` is
    returned when the whole scanned segment is stable.

    Parameters
    ----------
    tab : ButcherTableau
        The method.
    ymax : float
        Upper end of the scan (positive).
    n : int
        Scan points.

    Returns
    -------
    float
        :math:`y^*`.
    """
    if not ymax > 0:
        raise ValueError(f"ymax: must be positive, got {ymax!r}")
    if int(n) < 2:
        raise ValueError(f"n: must be at least 2, got {n!r}")
    return _axis_limit(tab, np.linspace(0.0, ymax, int(n)), 1j)


def _axis_limit(tab: Any, s: np.ndarray, direction: complex, tol: float = 1e-13) -> float:
    """First s > 0 along ``direction * s`` where |R| exceeds 1 (scan, then bisection)."""
    mag = np.abs(stability_function(tab, direction * s))
    bad = np.nonzero(mag[1:] > 1.0 + tol)[0]
    if bad.size == 0:
        return float(s[-1])
    k = bad[0] + 1
    if k == 1:  # unstable right away (|R| > 1 just off the origin)
        return 0.0
    lo, hi = s[k - 1], s[k]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if abs(stability_function(tab, direction * mid)) > 1.0 + tol:
            hi = mid
        else:
            lo = mid
    return float(lo)
