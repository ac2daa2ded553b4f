"""The book's single figure style.

Every notebook calls :func:`use_style` once at the top, so that all figures of
the book share fonts, sizes, colours and grid. Helpers for the plots the course
draws again and again (log-log convergence plots with fitted slopes, speed-up
bars) live here too, so that the notebooks stay about the science.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = [
    "PALETTE",
    "use_style",
    "subplots",
    "fit_loglog_slope",
    "annotate_slope",
    "bar_speedups",
]

#: Colour-blind-safe palette (Okabe & Ito), used as the default colour cycle.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

_RC: dict[str, Any] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "grid.alpha": 0.3,
    "grid.linestyle": "-",
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the book style to matplotlib (idempotent)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(_RC)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))


def subplots(nrows: int = 1, ncols: int = 1, *, width: float | None = None, height: float | None = None, **kwargs: Any):
    """``plt.subplots`` in the book style, sized per panel.

    ``width``/``height`` are the size of the whole figure in inches; by default
    each panel is 4.2 x 3.4 inches.
    """
    import matplotlib.pyplot as plt

    use_style()
    w = width if width is not None else 4.2 * ncols
    h = height if height is not None else 3.4 * nrows
    return plt.subplots(nrows, ncols, figsize=(w, h), **kwargs)


def fit_loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    r"""Least-squares slope of :math:`\log y` against :math:`\log x`.

    This is how a convergence order is *measured*: for an error
    :math:`e(h) \approx C h^p`, :math:`\log e = \log C + p \log h`.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be 1-D arrays of the same length")
    if x.size < 2:
        raise ValueError("need at least two points to fit a slope")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log fit")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def annotate_slope(ax: Any, x: Sequence[float], y: Sequence[float], *, label: str = "", **kwargs: Any) -> float:
    """Plot ``y`` vs ``x`` on log-log axes with the fitted slope in the legend.

    Returns the fitted slope.
    """
    p = fit_loglog_slope(x, y)
    name = f"{label} " if label else ""
    ax.loglog(x, y, "o-", label=f"{name}(slope {p:.2f})", **kwargs)
    return p


def bar_speedups(ax: Any, labels: Sequence[str], speedups: Sequence[float], *, baseline: str = "baseline") -> None:
    """Horizontal bar chart of speed-ups (log scale), 1x marked."""
    y = np.arange(len(labels))
    ax.barh(y, speedups, color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])
    ax.set_yticks(y, labels)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xlabel(f"speed-up over {baseline} (higher is faster)")
    ax.invert_yaxis()
