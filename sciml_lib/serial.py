r"""Reference problem for Lecture 2 (optimizing serial code).

The Gierer--Meinhardt activator--inhibitor system on an :math:`n\times n` grid
is the worked example of the lecture's optimisation ladder
:cite:p:`gierer1972theory`. With :math:`u` the activator and :math:`v` the
inhibitor,

.. math::

   u_t = D_1 (L u + u L^\top) + \frac{a u^2}{v} + \bar u - \alpha u, \qquad
   v_t = D_2 (L v + v L^\top) + a u^2 - \beta v,

where :math:`L` is the one-dimensional second-difference matrix
:math:`[1, -2, 1]` (grid spacing 1) with reflecting (Neumann) boundaries: the
ghost value beyond each edge equals the value one step inside, so the first and
last rows read :math:`[-2, 2, 0, \dots]` and :math:`[\dots, 0, 2, -2]`.
:math:`L u` differentiates along the first axis, :math:`u L^\top` along the
second.

This module holds the plain, obviously correct version only; it is the oracle
against which the faster rungs of the ladder (in-place buffers, fused loops,
matrix-free stencils) are checked.

It also holds two small helpers shared by Lectures 2 and 6: the sizes of the
data caches reported by the operating system (:func:`data_cache_sizes`) and the
two compiled sum kernels of the SIMD lesson (:func:`sum_strict`, in the order of
the loop, and :func:`sum_fastmath`, which may be reassociated and vectorised)
:cite:p:`hennessy2017computer`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = [
    "GiererMeinhardtParams",
    "neumann_laplacian_1d",
    "gierer_meinhardt_equilibrium",
    "gierer_meinhardt_initial",
    "gierer_meinhardt_rhs",
    "data_cache_sizes",
    "parse_cache_size",
    "sum_strict",
    "sum_fastmath",
]


@dataclass(frozen=True)
class GiererMeinhardtParams:
    r"""Parameters of the Gierer--Meinhardt system (defaults of the lecture).

    Parameters
    ----------
    a : float
        Activation rate :math:`a`.
    alpha : float
        Decay rate :math:`\alpha` of the activator (positive).
    ubar : float
        Basal production :math:`\bar u` of the activator.
    beta : float
        Decay rate :math:`\beta` of the inhibitor (positive).
    D1 : float
        Diffusion coefficient of the activator.
    D2 : float
        Diffusion coefficient of the inhibitor.
    """

    a: float = 1.0
    alpha: float = 1.0
    ubar: float = 1.0
    beta: float = 10.0
    D1: float = 0.001
    D2: float = 100.0

    def __post_init__(self) -> None:
        for name in ("a", "alpha", "ubar", "beta", "D1", "D2"):
            val = getattr(self, name)
            if not isinstance(val, (int, float, np.floating, np.integer)) or not np.isfinite(val):
                raise ValueError(f"{name} must be a finite number, got {val!r}")
        if self.alpha <= 0 or self.beta <= 0:
            raise ValueError("alpha and beta must be positive")


def neumann_laplacian_1d(n: int) -> np.ndarray:
    """Dense :math:`n\\times n` second-difference matrix with reflecting ends.

    Interior rows are :math:`[1, -2, 1]`; the ghost value :math:`u_{-1} = u_1`
    (and :math:`u_n = u_{n-2}`) turns the edge rows into :math:`[-2, 2]` and
    :math:`[2, -2]`.

    Parameters
    ----------
    n : int
        Number of grid points, at least 2.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    L = np.zeros((n, n))
    idx = np.arange(n)
    L[idx, idx] = -2.0
    L[idx[:-1], idx[:-1] + 1] = 1.0
    L[idx[1:], idx[1:] - 1] = 1.0
    L[0, 1] = 2.0
    L[n - 1, n - 2] = 2.0
    return L


def gierer_meinhardt_equilibrium(
    params: GiererMeinhardtParams = GiererMeinhardtParams(),
) -> tuple[float, float]:
    r"""The spatially uniform steady state :math:`(u^*, v^*)`.

    Setting the reaction terms to zero gives :math:`v^* = a u^{*2}/\beta` and
    then :math:`\beta + \bar u - \alpha u^* = 0`, so
    :math:`u^* = (\beta + \bar u)/\alpha`. With the default parameters
    :math:`(u^*, v^*) = (11, 12.1)`.
    """
    u = (params.beta + params.ubar) / params.alpha
    return u, params.a * u * u / params.beta


def gierer_meinhardt_initial(
    n: int = 100,
    rng: np.random.Generator | None = None,
    params: GiererMeinhardtParams = GiererMeinhardtParams(),
    noise: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """Initial condition: the uniform steady state plus uniform noise on ``u``.

    Returns ``(u, v)`` with :math:`u = u^* + \\text{noise}\\cdot\\mathcal U(0,1)`
    and :math:`v = v^*` (with the defaults :math:`u = 11 + 0.1\\,\\mathcal U(0, 1)`,
    :math:`v = 12.1`), both C-ordered ``(n, n)`` float64 arrays.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    if rng is None:
        rng = np.random.default_rng(0)
    us, vs = gierer_meinhardt_equilibrium(params)
    u = us + noise * rng.random((n, n))
    v = np.full((n, n), vs)
    return u, v


def gierer_meinhardt_rhs(
    u: np.ndarray,
    v: np.ndarray,
    params: GiererMeinhardtParams = GiererMeinhardtParams(),
    L: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Right-hand side ``(du, dv)`` of the Gierer--Meinhardt system.

    The straightforward version: dense matrix products for the Laplacian and
    a fresh array for every intermediate result.

    Parameters
    ----------
    u, v : ndarray, shape (n, n)
        Activator and inhibitor (``v`` must not vanish).
    params : GiererMeinhardtParams
        Model constants.
    L : ndarray, optional
        :func:`neumann_laplacian_1d` of size ``n``, to avoid rebuilding it.
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    if u.ndim != 2 or u.shape[0] != u.shape[1]:
        raise ValueError(f"u must be a square 2-D array, got shape {u.shape}")
    if v.shape != u.shape:
        raise ValueError(f"v must have the shape of u {u.shape}, got {v.shape}")
    n = u.shape[0]
    if L is None:
        L = neumann_laplacian_1d(n)
    elif L.shape != (n, n):
        raise ValueError(f"L must have shape {(n, n)}, got {L.shape}")
    p = params
    du = p.D1 * (L @ u + u @ L.T) + p.a * u * u / v + p.ubar - p.alpha * u
    dv = p.D2 * (L @ v + v @ L.T) + p.a * u * u - p.beta * v
    return du, dv


def parse_cache_size(text: str) -> int:
    """Bytes in a Linux sysfs cache size such as ``"32K"``, ``"1M"`` or ``"1024"``.

    Parameters
    ----------
    text : str
        The content of ``/sys/devices/system/cpu/cpu0/cache/index*/size``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    t = text.strip().upper()
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}
    try:
        if t and t[-1] in scale:
            return int(t[:-1]) * scale[t[-1]]
        return int(t)
    except ValueError:
        raise ValueError(f"text must look like '32K', '1M' or '1024', got {text!r}") from None


def data_cache_sizes(base: str = "/sys/devices/system/cpu/cpu0/cache") -> dict[str, int]:
    """Sizes in bytes of the data (and unified) caches of CPU 0, by level.

    Reads Linux sysfs; returns ``{"L1": ..., "L2": ..., "L3": ...}``, or ``{}``
    where the information is not available (another operating system, a
    container without sysfs).

    Parameters
    ----------
    base : str
        The sysfs directory holding ``index0``, ``index1``, ... (for tests).
    """
    sizes: dict[str, int] = {}
    try:
        for entry in sorted(os.listdir(base)):
            if not entry.startswith("index"):
                continue
            d = os.path.join(base, entry)

            def read(name: str) -> str:
                with open(os.path.join(d, name)) as fh:
                    return fh.read().strip()

            if read("type") in ("Data", "Unified"):
                sizes[f"L{read('level')}"] = parse_cache_size(read("size"))
    except (OSError, ValueError):
        return {}
    return sizes


@njit(cache=True)
def sum_strict(x):  # pragma: no cover - compiled
    """Sum of a 1-D array, one addition after the other, in the order of the loop.

    Floating-point addition is not associative, so the compiler may not reorder
    the additions: the loop is a chain of dependent scalar adds.
    """
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s


@njit(cache=True, fastmath=True)
def sum_fastmath(x):  # pragma: no cover - compiled
    """The same loop as :func:`sum_strict`, compiled with ``fastmath=True``.

    Permission to reassociate lets LLVM keep several partial sums in vector
    registers (SIMD); the result equals :func:`sum_strict` up to rounding.
    """
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s
