r"""Variance-based (Sobol) indices with the Saltelli design and bootstrap CIs.

The ANOVA (Hoeffding-Sobol) decomposition
:math:`f = f_0 + \sum_i f_i(x_i) + \sum_{i<j} f_{ij}(x_i, x_j) + \dots` of a
model of independent inputs splits :math:`V[y] = \sum_i V_i + \sum_{i<j} V_{ij} + \dots`
with :math:`V_i = V[E(y|x_i)]` :cite:p:`sobol2001global`. The first-order and
total indices are

.. math:: S_i = \frac{V[E(y|x_i)]}{V[y]}, \qquad
          S_{T_i} = \frac{E[V(y|x_{\sim i})]}{V[y]} = 1 - \frac{V[E(y|x_{\sim i})]}{V[y]}.

Design :cite:p:`saltelli2010variance`: two independent point sets :math:`A, B`
(the two halves of one scrambled Sobol sequence in :math:`2d` dimensions) and
the :math:`d` matrices :math:`A_B^{(i)}` (:math:`A` with column :math:`i` from
:math:`B`), :math:`n(d+2)` runs; ``second_order`` adds :math:`B_A^{(i)}`
(:math:`n(2d+2)` runs) :cite:p:`saltelli2002making`. With :math:`V` the
variance of :math:`f(A), f(B)` together:

``estimator="jansen"`` :cite:p:`jansen1999analysis`:
    :math:`S_i = 1 - \frac{1}{2nV}\sum (f(B) - f(A_B^{(i)}))^2`,
    :math:`S_{T_i} = \frac{1}{2nV}\sum (f(A) - f(A_B^{(i)}))^2`;
``estimator="saltelli"`` :cite:p:`saltelli2010variance`:
    :math:`S_i = \frac{1}{nV}\sum f(B)(f(A_B^{(i)}) - f(A))`,
    :math:`S_{T_i} = \frac{1}{nV}\sum f(A)(f(A) - f(A_B^{(i)}))`.

Second order: :math:`S_{ij} = \frac{1}{nV}\sum (f(B_A^{(i)}) f(A_B^{(j)}) - f(A)f(B)) - S_i - S_j`.

Confidence intervals: ``n_boot`` bootstrap resamples of the ``n`` rows
(the same rows for every block) :cite:p:`efron1979bootstrap`; the half-width is
:math:`z_{(1+c)/2}` times the bootstrap standard deviation, as in SALib
:cite:p:`herman2017salib`. The bootstrap loop is compiled with Numba: a resample is a
pass over the rows in storage order weighted by how often each row was drawn, so the
model outputs are streamed through memory once per resample, with no temporary arrays.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numba import njit, prange
from scipy.stats import norm

from ._result import GSAResult, per_output
from ._validate import check_bounds, check_n, check_power_of_two, evaluate, make_rng, scale
from .sampling import sobol_points

__all__ = ["sobol_indices", "saltelli_design", "sobol_estimates", "ESTIMATORS"]

ESTIMATORS = ("jansen", "saltelli")


def saltelli_design(
    n: int, d: int, second_order: bool = False, rng: Any = None
) -> tuple[np.ndarray, int]:
    """The unit-cube design ``[A; B; A_B^(1..d); (B_A^(1..d))]`` and its number of blocks.

    The design has shape (n * blocks, d).
    """
    U = sobol_points(n, 2 * d, rng)
    A, B = U[:, :d], U[:, d:]
    blocks = d + 2 + (d if second_order else 0)
    X = np.empty((blocks, n, d))
    X[0], X[1] = A, B
    for i in range(d):
        X[2 + i] = A
        X[2 + i, :, i] = B[:, i]
        if second_order:
            X[2 + d + i] = B
            X[2 + d + i, :, i] = A[:, i]
    return X.reshape(-1, d), blocks


@njit(cache=True)
def _counts(idx, n):  # pragma: no cover - compiled
    """How often each row appears in each resample: (nb, n) counts from (nb, n) indices."""
    W = np.zeros((idx.shape[0], n), dtype=np.int32)
    for b in range(idx.shape[0]):
        for j in range(idx.shape[1]):
            W[b, idx[b, j]] += 1
    return W


@njit(cache=True, parallel=True)
def _first_total(Yt, W, d):  # pragma: no cover - compiled
    """S1, ST (nb, d, k) and V (nb, k) for the resamples given by row counts ``W`` (nb, n).

    ``Yt`` is (n, blocks, k). A resample is a weighted sum over the rows in storage order
    (weight = how often the row was drawn), so memory is streamed, never accessed at random.
    Jansen's and Saltelli's sums are accumulated in the same pass. The resamples are
    independent, so they run in parallel (``prange``), each with its own accumulators.
    """
    nb, n = W.shape
    k = Yt.shape[2]
    S = np.empty((4, nb, d, k))  # S1 jansen, ST jansen, S1 saltelli, ST saltelli
    V = np.empty((nb, k))
    for b in prange(nb):
        acc = np.empty((4, d))
        for c in range(k):
            m = 0
            s = 0.0
            s2 = 0.0
            acc[:] = 0.0
            for r in range(n):
                w = W[b, r]
                if w == 0:
                    continue
                m += w
                ya = Yt[r, 0, c]
                yb = Yt[r, 1, c]
                s += w * (ya + yb)
                s2 += w * (ya * ya + yb * yb)
                for i in range(d):
                    yab = Yt[r, 2 + i, c]
                    acc[0, i] += w * (yb - yab) ** 2
                    acc[1, i] += w * (ya - yab) ** 2
                    acc[2, i] += w * yb * (yab - ya)
                    acc[3, i] += w * ya * (ya - yab)
            v = (s2 - s * s / (2 * m)) / (2 * m - 1)
            V[b, c] = v
            for i in range(d):
                S[0, b, i, c] = 1.0 - acc[0, i] / (2 * m * v)
                S[1, b, i, c] = acc[1, i] / (2 * m * v)
                S[2, b, i, c] = acc[2, i] / (m * v)
                S[3, b, i, c] = acc[3, i] / (m * v)
    return S, V


def _second(Y: np.ndarray, idx: np.ndarray, S1: np.ndarray, V: np.ndarray) -> np.ndarray:
    """S2 (nb, d, d, k) for resamples ``idx`` (nb, n); NaN on and below the diagonal."""
    d = (Y.shape[0] - 2) // 2
    nb, k = idx.shape[0], Y.shape[2]
    S2 = np.full((nb, d, d, k), np.nan)
    YAB = Y[0][idx] * Y[1][idx]  # (nb, n, k)
    for i in range(d):
        YBAi = Y[2 + d + i][idx]
        for j in range(i + 1, d):
            Vij = (YBAi * Y[2 + j][idx] - YAB).mean(axis=1) / V
            S2[:, i, j] = Vij - S1[:, i] - S1[:, j]
    return S2


def sobol_estimates(
    Y: np.ndarray, idx: np.ndarray, estimator: str = "jansen", second_order: bool = False
) -> tuple[np.ndarray, ...]:
    """S1, ST (nb, d, k), V (nb, k) and S2 (nb, d, d, k) or None from runs ``Y`` (blocks, n, k).

    ``Y`` should be centred (the Saltelli sums are not shift-invariant).

    Row ``b`` of ``idx`` lists the sample rows of resample ``b``
    (``np.arange(n)[None]`` for the estimate itself).
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    j = 2 * ESTIMATORS.index(estimator)
    Y = np.asarray(Y, dtype=float)
    d = (Y.shape[0] - 2) // 2 if second_order else Y.shape[0] - 2
    Yt = np.ascontiguousarray(Y.transpose(1, 0, 2))
    S, V = _first_total(Yt, _counts(np.ascontiguousarray(idx), Y.shape[1]), d)
    S1, ST = S[j], S[j + 1]
    S2 = _second(Y, idx, S1, V) if second_order else None
    return S1, ST, V, S2


def sobol_indices(
    f: Callable[[np.ndarray], Any],
    bounds: Any,
    n: int,
    estimator: str = "jansen",
    second_order: bool = False,
    n_boot: int = 100,
    rng: Any = None,
    conf_level: float = 0.95,
) -> GSAResult:
    """First-order, total (and second-order) Sobol indices of ``f`` with bootstrap CIs.

    Parameters
    ----------
    f : callable
        Vectorised model: ``f(X)`` with ``X`` (m, d) returns (m,) or (m, k); it
        is called once, on all ``n (d + 2)`` (or ``n (2d + 2)``) rows.
    bounds : array_like, shape (d, 2)
        ``[lo, hi]`` of each uniform input.
    n : int
        Base sample size, a power of two (the balance of Sobol points).
    estimator : {"jansen", "saltelli"}
    second_order : bool
    n_boot : int
        Bootstrap resamples (0 for none).
    rng : int or numpy.random.Generator, optional
        Seeds the scrambling and the bootstrap.
    conf_level : float
        Confidence level of the intervals.

    Returns
    -------
    GSAResult
        ``S1``, ``ST``, ``S1_conf``, ``ST_conf`` (half-widths), with
        ``S2``, ``S2_conf`` if ``second_order``; shape (d,) for one output,
        (k, d) for ``k`` outputs; ``V``, ``n_evals``, ``estimator``.
    """
    b = check_bounds(bounds)
    n = check_power_of_two(n)
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    n_boot = check_n(n_boot, "n_boot", 0)
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be in (0, 1), got {conf_level}")
    g = make_rng(rng)
    d = b.shape[0]
    U, blocks = saltelli_design(n, d, second_order, g)
    Y = evaluate(f, scale(U, b))
    k = Y.shape[1]
    Y = Y.reshape(blocks, n, k)
    Y = Y - Y[:2].mean(
        axis=(0, 1)
    )  # centre each output (the estimates are less noisy, as in SALib)
    S1, ST, V, S2 = sobol_estimates(Y, np.arange(n)[None], estimator, second_order)
    out = GSAResult(
        S1=per_output(S1[0], k),
        ST=per_output(ST[0], k),
        V=float(V[0, 0]) if k == 1 else V[0],
        n_evals=Y.shape[0] * n,
        estimator=estimator,
    )
    if second_order:
        out["S2"] = per_output(S2[0], k)
    z = norm.ppf(0.5 + conf_level / 2)
    if n_boot:
        idx = g.integers(0, n, size=(n_boot, n), dtype=np.int32)
        bS1, bST, _, bS2 = sobol_estimates(Y, idx, estimator, second_order)
        out["S1_conf"] = per_output(z * bS1.std(0, ddof=1), k)
        out["ST_conf"] = per_output(z * bST.std(0, ddof=1), k)
        if second_order:
            out["S2_conf"] = per_output(z * bS2.std(0, ddof=1), k)
    return out
