r"""Space-filling designs on the unit cube :math:`[0, 1)^d`.

* :func:`sobol_sequence`: a from-scratch Sobol generator (Gray-code order, the
  Joe-Kuo direction numbers of the first 10 dimensions) :cite:p:`joe2008constructing`,
  written to be read; it returns the same points as the unscrambled
  ``scipy.stats.qmc.Sobol``.
* :func:`sobol_points`: scrambled Sobol points from SciPy, what the estimators use.
* :func:`latin_hypercube`, :func:`maximin_lhs`: Latin hypercubes
  :cite:p:`mckay1979comparison` and a swap search that maximises their
  separation (the :math:`\phi_p` criterion of :cite:p:`morris1995exploratory`).
* :func:`random_points`: plain Monte Carlo.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ._validate import check_n, make_rng

__all__ = [
    "JOE_KUO",
    "sobol_direction_numbers",
    "sobol_sequence",
    "sobol_points",
    "random_points",
    "latin_hypercube",
    "maximin_lhs",
    "min_distance",
    "phi_p",
]

#: Primitive polynomial (as an integer, bit ``j`` = coefficient of :math:`x^j`) and
#: initial direction numbers :math:`m_1, \dots, m_s` of the first 10 Sobol dimensions
#: (Joe and Kuo's ``new-joe-kuo-6.21201`` table; dimension 1 is van der Corput).
JOE_KUO: tuple[tuple[int, tuple[int, ...]], ...] = (
    (1, ()),
    (3, (1,)),
    (7, (1, 3)),
    (11, (1, 3, 1)),
    (13, (1, 1, 1)),
    (19, (1, 1, 3, 3)),
    (25, (1, 3, 5, 13)),
    (37, (1, 1, 5, 5, 17)),
    (41, (1, 1, 5, 5, 5)),
    (47, (1, 1, 7, 11, 19)),
)

BITS = 30


def sobol_direction_numbers(d: int, bits: int = BITS) -> np.ndarray:
    r"""Direction numbers :math:`V_{j,k} = m_{j,k} 2^{\text{bits}-k}` as integers, shape (d, bits).

    For a primitive polynomial :math:`x^s + a_1 x^{s-1} + \dots + a_{s-1} x + 1` the
    odd integers :math:`m_k < 2^k` beyond the initial ones follow the recurrence
    :math:`m_k = 2a_1 m_{k-1} \oplus 2^2 a_2 m_{k-2} \oplus \dots \oplus
    2^{s-1}a_{s-1}m_{k-s+1} \oplus 2^s m_{k-s} \oplus m_{k-s}`.
    """
    d = check_n(d, "d", 1)
    if d > len(JOE_KUO):
        raise ValueError(f"d = {d}: the teaching generator stores {len(JOE_KUO)} dimensions")
    V = np.zeros((d, bits), dtype=np.int64)
    for j in range(d):
        poly, m0 = JOE_KUO[j]
        if j == 0:
            m = [1] * bits
        else:
            s = poly.bit_length() - 1
            a = [(poly >> (s - i)) & 1 for i in range(1, s)]  # a_1 .. a_{s-1}
            m = list(m0)
            for k in range(s, bits):
                new = m[k - s] ^ (m[k - s] << s)
                for i in range(1, s):
                    new ^= a[i - 1] * (m[k - i] << i)
                m.append(new)
        for k in range(bits):
            V[j, k] = m[k] << (bits - 1 - k)
    return V


@njit(cache=True)
def _gray_code_points(V, n):  # pragma: no cover - compiled
    d, bits = V.shape
    out = np.zeros((n, d))
    x = np.zeros(d, dtype=np.int64)
    scale = 1.0 / (1 << bits)
    for i in range(1, n):
        c = 0  # position of the lowest zero bit of i - 1
        k = i - 1
        while k & 1:
            k >>= 1
            c += 1
        for j in range(d):
            x[j] ^= V[j, c]
            out[i, j] = x[j] * scale
    return out


def sobol_sequence(n: int, d: int) -> np.ndarray:
    r"""The first ``n`` unscrambled Sobol points in :math:`[0,1)^d` (Gray-code order).

    Point :math:`i` is obtained from point :math:`i-1` by one XOR per coordinate,
    :math:`x_i = x_{i-1} \oplus V_{c}`, where :math:`c` is the position of the
    lowest zero bit of :math:`i-1` (Antonov-Saleev). The first point is 0.
    """
    n = check_n(n, "n", 1)
    return _gray_code_points(sobol_direction_numbers(d), n)


def sobol_points(n: int, d: int, rng: Any = None, scramble: bool = True) -> np.ndarray:
    """``n`` Sobol points from ``scipy.stats.qmc.Sobol`` (scrambled by default)."""
    from scipy.stats import qmc

    n = check_n(n, "n", 1)
    d = check_n(d, "d", 1)
    return qmc.Sobol(d, scramble=scramble, rng=make_rng(rng)).random(n)


def random_points(n: int, d: int, rng: Any = None) -> np.ndarray:
    """``n`` independent uniform points in :math:`[0,1)^d`."""
    return make_rng(rng).random((check_n(n, "n", 1), check_n(d, "d", 1)))


def latin_hypercube(n: int, d: int, rng: Any = None, centered: bool = False) -> np.ndarray:
    r"""A random Latin hypercube: each column has exactly one point in each of the ``n`` strata.

    Column :math:`j` is :math:`(\pi_j(i) + u_{ij})/n` with a random permutation
    :math:`\pi_j` and :math:`u_{ij} \sim U(0,1)` (or :math:`\tfrac12` if ``centered``).
    """
    g = make_rng(rng)
    n, d = check_n(n, "n", 1), check_n(d, "d", 1)
    perms = np.argsort(g.random((d, n)), axis=1).T
    u = 0.5 if centered else g.random((n, d))
    return (perms + u) / n


@njit(cache=True)
def _phi_p(X, p):  # pragma: no cover - compiled
    n, d = X.shape
    s = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r2 = 0.0
            for k in range(d):
                r2 += (X[i, k] - X[j, k]) ** 2
            s += r2 ** (-0.5 * p)
    return s ** (1.0 / p)


def phi_p(X: np.ndarray, p: float = 50.0) -> float:
    r"""Morris-Mitchell criterion :math:`\phi_p = (\sum_{i<j} r_{ij}^{-p})^{1/p}` (smaller: better).

    As :math:`p \to \infty` it ranks designs by their smallest distance first.
    """
    return float(_phi_p(np.ascontiguousarray(X, dtype=float), float(p)))


def min_distance(X: np.ndarray) -> float:
    """The smallest Euclidean distance between two rows of ``X``."""
    from scipy.spatial.distance import pdist

    return float(pdist(np.asarray(X, dtype=float)).min())


@njit(cache=True)
def _row_sum(X, i, j, p):  # pragma: no cover - compiled
    """Sum of r^-p between rows i, j and every other row (not the pair i-j itself)."""
    n, d = X.shape
    s = 0.0
    for l in range(n):
        if l == i or l == j:
            continue
        ri = 0.0
        rj = 0.0
        for k in range(d):
            ri += (X[i, k] - X[l, k]) ** 2
            rj += (X[j, k] - X[l, k]) ** 2
        s += ri ** (-0.5 * p) + rj ** (-0.5 * p)
    return s


@njit(cache=True)
def _swap_search(X, generations, children, p, seed):  # pragma: no cover - compiled
    np.random.seed(seed)
    n, d = X.shape
    S = _phi_p(X, p) ** p  # sum of r^-p; a swap changes only the terms of its two rows
    history = np.empty(generations + 1)
    history[0] = S ** (1.0 / p)
    for g in range(generations):
        # `children` mutants of the parent, each one swap of two entries of a column
        best_dS = 0.0
        bi, bj, bk = -1, -1, -1
        for c in range(children):
            k = np.random.randint(d)
            i = np.random.randint(n)
            j = np.random.randint(n)
            if i == j:
                continue
            before = _row_sum(X, i, j, p)
            X[i, k], X[j, k] = X[j, k], X[i, k]
            dS = _row_sum(X, i, j, p) - before  # the i-j distance itself is unchanged
            X[i, k], X[j, k] = X[j, k], X[i, k]
            if dS < best_dS:
                best_dS, bi, bj, bk = dS, i, j, k
        if bi >= 0:
            X[bi, bk], X[bj, bk] = X[bj, bk], X[bi, bk]
            # recompute: the terms span hundreds of orders of magnitude, a running sum would cancel
            S = _phi_p(X, p) ** p
        history[g + 1] = S ** (1.0 / p)
    return history


def maximin_lhs(
    n: int,
    d: int,
    generations: int = 1000,
    children: int = 10,
    p: float = 50.0,
    rng: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""An optimised (maximin) Latin hypercube by an evolutionary swap search.

    Starts from a centred random Latin hypercube; each generation makes
    ``children`` mutants (swap two entries of one column, which keeps the Latin
    property) and keeps the best one if it lowers :math:`\phi_p`
    (:func:`phi_p`) :cite:p:`morris1995exploratory`.

    Returns
    -------
    X : numpy.ndarray, shape (n, d)
        The design (centred strata, :math:`(i + 1/2)/n`).
    history : numpy.ndarray, shape (generations + 1,)
        :math:`\phi_p` of the best design after each generation (non-increasing).
    """
    g = make_rng(rng)
    n, d = check_n(n, "n", 2), check_n(d, "d", 1)
    generations = check_n(generations, "generations", 0)
    children = check_n(children, "children", 1)
    X = latin_hypercube(n, d, g, centered=True)
    hist = _swap_search(X, generations, children, float(p), int(g.integers(2**31)))
    return X, hist
