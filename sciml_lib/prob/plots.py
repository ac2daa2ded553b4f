"""Trace and pair plots of MCMC draws in the book style."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from sciml_lib.plotting import subplots

__all__ = ["trace_plot", "pair_plot"]


def _draws(draws: Any) -> np.ndarray:
    a = np.asarray(draws, dtype=float)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"draws must have shape (chains, draws, dim), got {np.shape(draws)}")
    return a


def trace_plot(draws: Any, names: Sequence[str] | None = None, *, axes: Any = None,
               max_dims: int = 8):
    """Trace (left) and per-chain histogram (right) of every coordinate.

    Parameters
    ----------
    draws : array_like, shape (chains, draws, dim)
    names : sequence of str, optional
    axes : array of matplotlib Axes, shape (dim, 2), optional
    max_dims : int
        Plot at most this many coordinates.

    Returns
    -------
    fig, axes
    """
    a = _draws(draws)
    d = min(a.shape[2], max_dims)
    names = [f"x[{j}]" for j in range(d)] if names is None else list(names)[:d]
    if axes is None:
        fig, axes = subplots(d, 2, width=9.0, height=1.6 * d + 0.4, squeeze=False)
    else:
        axes = np.asarray(axes).reshape(d, 2)
        fig = axes[0, 0].figure
    for j in range(d):
        for c in range(a.shape[0]):
            axes[j, 0].plot(a[c, :, j], lw=0.5, alpha=0.8)
            axes[j, 1].hist(a[c, :, j], bins=30, histtype="step", density=True)
        axes[j, 0].set_ylabel(names[j])
    axes[-1, 0].set_xlabel("draw")
    axes[-1, 1].set_xlabel("value")
    return fig, axes


def pair_plot(draws: Any, names: Sequence[str] | None = None, *, max_dims: int = 4,
              max_points: int = 2000, divergent: Any = None):
    """Pairwise scatter plots (lower triangle) and marginal histograms (diagonal).

    Parameters
    ----------
    draws : array_like, shape (chains, draws, dim)
    names : sequence of str, optional
    max_dims : int
    max_points : int
        Thinning for the scatter plots.
    divergent : array_like of bool, shape (chains, draws), optional
        Divergent transitions, drawn in red.

    Returns
    -------
    fig, axes
    """
    a = _draws(draws)
    d = min(a.shape[2], max_dims)
    flat = a.reshape(-1, a.shape[2])[:, :d]
    div = None if divergent is None else np.asarray(divergent, bool).reshape(-1)
    step = max(1, flat.shape[0] // max_points)
    names = [f"x[{j}]" for j in range(d)] if names is None else list(names)[:d]
    fig, axes = subplots(d, d, width=2.4 * d, height=2.2 * d, squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
            elif i == j:
                ax.hist(flat[:, i], bins=40, density=True, color="0.4")
            else:
                ax.plot(flat[::step, j], flat[::step, i], ".", ms=1.5, alpha=0.4)
                if div is not None and div.any():
                    ax.plot(flat[div, j], flat[div, i], ".", color="red", ms=4)
            if i == d - 1:
                ax.set_xlabel(names[j])
            if j == 0 and i > 0:
                ax.set_ylabel(names[i])
    return fig, axes
