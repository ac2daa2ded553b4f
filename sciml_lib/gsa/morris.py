r"""Morris elementary effects with trajectory spreading.

Morris' design :cite:p:`morris1991factorial` with the selection of
:cite:p:`campolongo2007effective`.

Each input is scaled to the unit interval and restricted to the grid of
``levels`` values :math:`\{0, 1/(p-1), \dots, 1\}`; a trajectory starts at a
random grid point and moves one input at a time (random order) by
:math:`\pm\Delta`, :math:`\Delta = p/(2(p-1))`. The elementary effect of input
:math:`i` is :math:`EE_i = (f(x + \Delta e_i) - f(x))/\Delta` (unit-cube
units). Over ``r`` trajectories,
:math:`\mu_i = \overline{EE_i}`, :math:`\mu^*_i = \overline{|EE_i|}` and
:math:`\sigma_i` the standard deviation of :math:`EE_i`.

*Spreading*: draw ``n_candidates`` trajectories and keep ``r`` of them that are
far apart, where the distance of two trajectories is the sum of the Euclidean
distances between all their points; the set maximising
:math:`\sum_{\text{pairs}} d_{ml}^2` is approached greedily (start with the
farthest pair, add the trajectory that adds most).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._result import GSAResult, per_output
from ._validate import check_bounds, check_n, evaluate, make_rng, scale

__all__ = ["morris", "morris_trajectories", "trajectory_distances", "select_spread"]


def morris_trajectories(
    m: int, d: int, levels: int = 4, rng: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """``m`` random Morris trajectories in the unit cube.

    Returns
    -------
    B : numpy.ndarray, shape (m, d + 1, d)
        The points of each trajectory; point ``s + 1`` differs from point ``s``
        in input ``order[:, s]`` only.
    order : numpy.ndarray, shape (m, d)
        The input moved at each step.
    """
    m, d = check_n(m, "m", 1), check_n(d, "d", 1)
    levels = check_n(levels, "levels", 2)
    if levels % 2:
        raise ValueError(f"levels must be even (the jump is levels/2 grid steps), got {levels}")
    g = make_rng(rng)
    delta = levels / (2 * (levels - 1))
    low = g.integers(0, levels // 2, size=(m, d)) / (levels - 1)
    up = g.random((m, d)) < 0.5
    start = low + delta * ~up
    end = low + delta * up
    order = np.argsort(g.random((m, d)), axis=1)
    B = np.empty((m, d + 1, d))
    B[:, 0] = start
    rows = np.arange(m)
    for s in range(d):
        B[:, s + 1] = B[:, s]
        B[rows, s + 1, order[:, s]] = end[rows, order[:, s]]
    return B, order


def trajectory_distances(B: np.ndarray) -> np.ndarray:
    r"""Pairwise trajectory distances :math:`d_{ml} = \sum_{i,j} \|B_m[i] - B_l[j]\|`, (m, m)."""
    m = B.shape[0]
    D = np.zeros((m, m))
    for a in range(m):
        diff = B[a][None, :, None, :] - B[:, None, :, :]  # (m, d+1, d+1, d)
        D[a] = np.sqrt((diff**2).sum(-1)).sum(axis=(1, 2))
    return D


def select_spread(D: np.ndarray, r: int) -> np.ndarray:
    r"""Greedily pick ``r`` of the trajectories whose distance matrix is ``D``, spread apart."""
    m = D.shape[0]
    if r >= m:
        return np.arange(m)
    D2 = D**2
    i, j = np.unravel_index(np.argmax(D2), D2.shape)
    chosen = [int(i), int(j)]
    score = D2[i] + D2[j]
    mask = np.zeros(m, bool)
    mask[chosen] = True
    while len(chosen) < r:
        cand = np.where(mask, -np.inf, score)
        c = int(np.argmax(cand))
        chosen.append(c)
        mask[c] = True
        score = score + D2[c]
    return np.array(sorted(chosen))


def morris(
    f: Callable[[np.ndarray], Any],
    bounds: Any,
    r: int,
    levels: int = 4,
    n_candidates: int | None = None,
    rng: Any = None,
) -> GSAResult:
    """Morris screening of ``f`` on the box ``bounds`` with ``r`` trajectories.

    Parameters
    ----------
    f : callable
        Vectorised model ``f(X)`` -> (n,) or (n, k).
    bounds : array_like, shape (d, 2)
    r : int
        Number of trajectories used (``r (d + 1)`` model runs), ``r >= 2``.
    levels : int
        Even number of grid levels ``p``; the jump is :math:`p/(2(p-1))`.
    n_candidates : int, optional
        Draw this many trajectories and keep the ``r`` most spread out
        (default: no selection).
    rng : int or numpy.random.Generator, optional

    Returns
    -------
    GSAResult
        ``mu``, ``mu_star``, ``sigma``, ``EE`` (r, d) or (k, r, d),
        ``trajectories`` (r, d + 1, d) in the unit cube, ``delta``, ``n_evals``.
    """
    b = check_bounds(bounds)
    r = check_n(r, "r", 2)
    d = b.shape[0]
    g = make_rng(rng)
    m = r if n_candidates is None else check_n(n_candidates, "n_candidates", 2)
    if m < r:
        raise ValueError(f"n_candidates must be >= r = {r}, got {n_candidates}")
    B, order = morris_trajectories(m, d, levels, g)
    if m > r:
        keep = select_spread(trajectory_distances(B), r)
        B, order = B[keep], order[keep]
    Y = evaluate(f, scale(B.reshape(-1, d), b))
    k = Y.shape[1]
    Y = Y.reshape(r, d + 1, k)
    rows = np.arange(r)[:, None]
    steps = np.arange(d)[None, :]
    du = B[rows, steps + 1, order] - B[rows, steps, order]  # (r, d) signed jumps
    dy = np.diff(Y, axis=1)  # (r, d, k)
    EE = np.empty((r, d, k))
    EE[rows, order] = dy / du[:, :, None]
    return GSAResult(
        mu=per_output(EE.mean(0), k),
        mu_star=per_output(np.abs(EE).mean(0), k),
        sigma=per_output(EE.std(0, ddof=1), k),
        EE=per_output(EE, k),
        trajectories=B,
        delta=levels / (2 * (levels - 1)),
        n_evals=r * (d + 1),
    )
