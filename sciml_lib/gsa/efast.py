r"""Extended Fourier amplitude sensitivity test (eFAST).

FAST :cite:p:`cukier1973study` and its extension :cite:p:`saltelli1999quantitative`.

A search curve :math:`x_j(s) = \tfrac12 + \tfrac1\pi \arcsin(\sin(\omega_j s + \varphi_j))`
runs through the unit cube; along it :math:`y(s) = f(x(s))` is periodic and its
Fourier coefficients :math:`A_m, B_m` give the variance,
:math:`V = 2\sum_{m\ge1}(A_m^2 + B_m^2)`. The power at the harmonics
:math:`p\,\omega_i` (:math:`p \le M`) of input :math:`i` is its first-order
share :math:`S_i`. For the total index, input :math:`i` gets the high frequency
:math:`\omega_i = \lfloor (n-1)/(2M) \rfloor` and the others low frequencies
:math:`\le \omega_i/(2M)`; the power below :math:`\omega_i/2` is the variance
due to the complementary set, so :math:`S_{T_i} = 1 - S_{c_i}`.
One curve per input: :math:`n d` runs.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._result import GSAResult, per_output
from ._validate import check_bounds, check_n, evaluate, make_rng, scale

__all__ = ["efast", "search_curve", "efast_frequencies"]


def search_curve(omega: Any, s: Any, phase: Any = 0.0) -> np.ndarray:
    r"""Search-curve points :math:`\tfrac12 + \arcsin(\sin(\omega_j s + \varphi_j))/\pi`.

    Returns an array of shape (len(s), d) in the unit cube.
    """
    om = np.atleast_1d(np.asarray(omega, dtype=float))
    s = np.asarray(s, dtype=float)[:, None]
    return 0.5 + np.arcsin(np.sin(om * s + phase)) / np.pi


def efast_frequencies(n: int, d: int, M: int = 4) -> tuple[int, np.ndarray]:
    """The high frequency of the studied input and the ``d - 1`` low frequencies of the others."""
    w_max = (n - 1) // (2 * M)
    m = w_max // (2 * M)
    if m < 1:
        raise ValueError(
            f"n = {n} is too small for M = {M}: need n > 4 M^2 = {4 * M * M} (try {8 * M * M + 1})"
        )
    if d == 1:
        return w_max, np.zeros(0, dtype=int)
    if m >= d - 1:
        low = np.floor(np.linspace(1, m, d - 1)).astype(int)
    else:
        low = np.arange(d - 1) % m + 1
    return w_max, low


def efast(
    f: Callable[[np.ndarray], Any],
    bounds: Any,
    n: int,
    M: int = 4,
    rng: Any = None,
) -> GSAResult:
    """eFAST first-order and total indices of ``f`` on the box ``bounds``.

    Parameters
    ----------
    f : callable
        Vectorised model ``f(X)`` -> (m,) or (m, k), called once on ``n d`` rows.
    bounds : array_like, shape (d, 2)
    n : int
        Points per search curve; ``n > 4 M^2``.
    M : int
        Number of harmonics (interference factor).
    rng : int or numpy.random.Generator, optional
        Seeds the random phase shifts.

    Returns
    -------
    GSAResult
        ``S1``, ``ST`` ((d,) or (k, d)), ``omega`` (the high frequency), ``n_evals``.
    """
    b = check_bounds(bounds)
    n = check_n(n, "n", 2)
    M = check_n(M, "M", 1)
    d = b.shape[0]
    w_max, low = efast_frequencies(n, d, M)
    g = make_rng(rng)
    s = 2 * np.pi / n * np.arange(n)
    U = np.empty((d, n, d))
    for i in range(d):
        om = np.empty(d)
        om[i] = w_max
        om[np.arange(d) != i] = low
        U[i] = search_curve(om, s, 2 * np.pi * g.random(d))
    Y = evaluate(f, scale(U.reshape(-1, d), b))
    k = Y.shape[1]
    Y = Y.reshape(d, n, k)
    F = np.fft.rfft(Y, axis=1)  # frequencies 0 .. n // 2
    P = (np.abs(F) / n) ** 2
    half = (n - 1) // 2
    V = 2 * P[:, 1 : half + 1].sum(axis=1)  # (d, k)
    harm = np.arange(1, M + 1) * w_max
    D1 = 2 * P[:, harm].sum(axis=1)
    Dc = 2 * P[:, 1 : w_max // 2 + 1].sum(axis=1)
    return GSAResult(
        S1=per_output((D1 / V), k),
        ST=per_output(1 - Dc / V, k),
        omega=w_max,
        n_evals=n * d,
    )
