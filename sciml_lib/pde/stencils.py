r"""One stencil, five implementations: sparse matrix, ``ndimage``, JAX, NumPy slices, Numba.

A stencil ``w`` of odd shape ``(ky, kx)`` applied to a 2-D array ``u`` gives

.. math::

    (Su)_{i,j} = \sum_{a,b} w_{a,b}\, u_{i + a - r_y,\; j + b - r_x},
    \qquad r_y = \lfloor k_y/2 \rfloor,\ r_x = \lfloor k_x/2 \rfloor,

a *cross-correlation* (what deep-learning libraries call a convolution); the
values outside the array are ghost values set by the boundary condition
(``"dirichlet"``: zero, ``"neumann"``: mirrored about the edge node,
``"periodic"``: wrapped), the closures of :mod:`sciml_lib.pde.operators`. For
the five-point Laplacian, :func:`stencil_matrix` equals
:func:`~sciml_lib.pde.operators.laplacian_2d`.

The five ways agree to round-off and differ in speed
:cite:p:`virtanen2020scipy,harris2020array,lam2015numba,bradbury2018jax`:

* ``"sparse"``: a CSR matrix times ``u.ravel()`` (reads an index per nonzero);
* ``"ndimage"``: :func:`scipy.ndimage.convolve` with the flipped stencil and
  boundary mode ``"constant"``, ``"mirror"`` or ``"wrap"``;
* ``"jax"``: :func:`jax.lax.conv_general_dilated` (compiled by XLA);
* ``"slices"``: a sum of shifted NumPy views of a padded copy (one temporary
  array per nonzero weight);
* ``"numba"`` / ``"numba_parallel"``: one compiled loop, row by row, serial or
  over threads (``prange``), no temporaries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.ndimage as ndi
import scipy.sparse as sp
from numba import njit, prange

from .operators import _banded, _check_bc, _check_spacing

__all__ = [
    "STENCIL_METHODS",
    "LAPLACIAN_5PT",
    "apply_stencil",
    "laplacian_stencil",
    "stencil_matrix",
    "stencil_ndimage",
    "stencil_numba",
    "stencil_slices",
]

STENCIL_METHODS = ("sparse", "ndimage", "jax", "slices", "numba", "numba_parallel")
"""The implementations of :func:`apply_stencil`."""

LAPLACIAN_5PT = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
"""The five-point Laplacian stencil for :math:`\\Delta x = \\Delta y = 1`."""

_BC_CODE = {"dirichlet": 0, "neumann": 1, "periodic": 2}
_NDIMAGE_MODE = {"dirichlet": "constant", "neumann": "mirror", "periodic": "wrap"}
_PAD_MODE = {"dirichlet": "constant", "neumann": "reflect", "periodic": "wrap"}


def laplacian_stencil(dx: float, dy: float | None = None) -> np.ndarray:
    r"""The 3 x 3 five-point Laplacian stencil for spacings ``dx`` (columns) and ``dy`` (rows)."""
    dx = _check_spacing(dx, "dx")
    dy = dx if dy is None else _check_spacing(dy, "dy")
    cx, cy = 1.0 / dx**2, 1.0 / dy**2
    return np.array([[0.0, cy, 0.0], [cx, -2.0 * (cx + cy), cx], [0.0, cy, 0.0]])


def _check_inputs(u: Any, stencil: Any, bc: Any) -> tuple[np.ndarray, np.ndarray, str]:
    if not isinstance(u, np.ndarray) and not hasattr(u, "__array__"):
        raise TypeError(f"u must be an array, got {type(u).__name__}")
    ua = np.asarray(u)
    if ua.ndim != 2:
        raise ValueError(f"u must be a 2-D array, got shape {ua.shape}")
    if not (np.issubdtype(ua.dtype, np.floating) or np.issubdtype(ua.dtype, np.integer)):
        raise TypeError(f"u must hold real numbers, got dtype {ua.dtype}")
    w = _check_stencil(stencil)
    bc = _check_bc(bc)
    for k, n, ax in zip(w.shape, ua.shape, ("rows", "columns")):
        if k // 2 >= n:
            raise ValueError(f"stencil reaches {k // 2} cells but u has only {n} {ax}")
    return np.ascontiguousarray(ua, dtype=float), w, bc


def _check_stencil(stencil: Any) -> np.ndarray:
    try:
        w = np.asarray(stencil, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("stencil must be a 2-D array of numbers, "
                        f"got {type(stencil).__name__}") from None
    if w.ndim != 2 or w.shape[0] % 2 == 0 or w.shape[1] % 2 == 0:
        raise ValueError(f"stencil must be a 2-D array of odd shape, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("stencil must be finite")
    return np.ascontiguousarray(w)


# --------------------------------------------------------------------------- sparse
def stencil_matrix(stencil: Any, shape: tuple[int, int], bc: str = "dirichlet") -> sp.csr_matrix:
    r"""The CSR matrix of a stencil acting on ``u.ravel()`` for ``u`` of ``shape`` ``(ny, nx)``.

    A sum of Kronecker products of shift matrices,
    :math:`\sum_{a,b} w_{a,b}\, S_y^{a-r_y} \otimes S_x^{b-r_x}`, each shift
    closed by the boundary condition.
    """
    w = _check_stencil(stencil)
    bc = _check_bc(bc)
    if not (isinstance(shape, tuple) and len(shape) == 2):
        raise TypeError(f"shape must be a tuple (ny, nx), got {shape!r}")
    ny, nx = (int(s) for s in shape)
    if ny < 1 or nx < 1:
        raise ValueError(f"shape must be positive, got {shape}")
    ry, rx = w.shape[0] // 2, w.shape[1] // 2
    if ry >= ny or rx >= nx:
        raise ValueError(f"stencil of shape {w.shape} does not fit in shape {shape}")
    A = sp.csr_matrix((nx * ny, nx * ny))
    for a in range(w.shape[0]):
        for b in range(w.shape[1]):
            if w[a, b] != 0.0:
                Sy = _banded(ny, (a - ry,), (1.0,), bc)
                Sx = _banded(nx, (b - rx,), (1.0,), bc)
                A = A + w[a, b] * sp.kron(Sy, Sx, format="csr")
    return A.tocsr()


# --------------------------------------------------------------------------- ndimage
def stencil_ndimage(u: Any, stencil: Any, bc: str = "dirichlet") -> np.ndarray:
    """Apply the stencil with :func:`scipy.ndimage.convolve` (flipped kernel, matching mode)."""
    ua, w, bc = _check_inputs(u, stencil, bc)
    return ndi.convolve(ua, w[::-1, ::-1], mode=_NDIMAGE_MODE[bc], cval=0.0)


# --------------------------------------------------------------------------- slices
def stencil_slices(u: Any, stencil: Any, bc: str = "dirichlet") -> np.ndarray:
    """Apply the stencil as a weighted sum of shifted views of a padded copy (NumPy only)."""
    ua, w, bc = _check_inputs(u, stencil, bc)
    ry, rx = w.shape[0] // 2, w.shape[1] // 2
    P = np.pad(ua, ((ry, ry), (rx, rx)), mode=_PAD_MODE[bc])
    ny, nx = ua.shape
    out = np.zeros_like(ua)
    for a in range(w.shape[0]):
        for b in range(w.shape[1]):
            if w[a, b] != 0.0:
                out += w[a, b] * P[a:a + ny, b:b + nx]
    return out


# --------------------------------------------------------------------------- numba
@njit(cache=True, inline="always")
def _ghost(k: int, n: int, bc: int) -> int:
    if 0 <= k < n:
        return k
    if bc == 0:
        return -1
    if bc == 2:
        return k % n
    if k < 0:
        k = -k
    if k > n - 1:
        k = 2 * (n - 1) - k
    return k


@njit(cache=True)
def _stencil_row(u, w, bc, out, i):
    ny, nx = u.shape
    ry, rx = w.shape[0] // 2, w.shape[1] // 2
    for j in range(nx):
        out[i, j] = 0.0
    for a in range(w.shape[0]):
        r = _ghost(i + a - ry, ny, bc)
        if r < 0:
            continue
        for b in range(w.shape[1]):
            c = w[a, b]
            if c == 0.0:
                continue
            d = b - rx
            jlo = max(0, -d)
            jhi = min(nx, nx - d)
            for j in range(jlo, jhi):  # the interior: a contiguous, vectorisable axpy
                out[i, j] += c * u[r, j + d]
            for j in range(0, jlo):
                s = _ghost(j + d, nx, bc)
                if s >= 0:
                    out[i, j] += c * u[r, s]
            for j in range(jhi, nx):
                s = _ghost(j + d, nx, bc)
                if s >= 0:
                    out[i, j] += c * u[r, s]


@njit(cache=True)
def _edge_point(u, w, bc, out, i, j):
    ny, nx = u.shape
    acc = 0.0
    for a in range(3):
        r = _ghost(i + a - 1, ny, bc)
        if r < 0:
            continue
        for b in range(3):
            s = _ghost(j + b - 1, nx, bc)
            if s >= 0:
                acc += w[a, b] * u[r, s]
    out[i, j] = acc


@njit(cache=True)
def _stencil3_row(u, w, bc, out, i):
    """A 3 x 3 stencil on row i: all nine weights in registers, one pass over the row."""
    ny, nx = u.shape
    r0, r2 = _ghost(i - 1, ny, bc), _ghost(i + 1, ny, bc)
    f0 = 1.0 if r0 >= 0 else 0.0  # a missing (zero) ghost row contributes nothing
    f2 = 1.0 if r2 >= 0 else 0.0
    u0, u1, u2 = u[max(r0, 0)], u[i], u[max(r2, 0)]
    o = out[i]
    a0, a1, a2 = f0 * w[0, 0], f0 * w[0, 1], f0 * w[0, 2]
    b0, b1, b2 = w[1, 0], w[1, 1], w[1, 2]
    c0, c1, c2 = f2 * w[2, 0], f2 * w[2, 1], f2 * w[2, 2]
    for j in range(1, nx - 1):
        o[j] = (a0 * u0[j - 1] + a1 * u0[j] + a2 * u0[j + 1]
                + b0 * u1[j - 1] + b1 * u1[j] + b2 * u1[j + 1]
                + c0 * u2[j - 1] + c1 * u2[j] + c2 * u2[j + 1])
    _edge_point(u, w, bc, out, i, 0)
    _edge_point(u, w, bc, out, i, nx - 1)


@njit(cache=True)
def _stencil_serial(u, w, bc, out):
    if w.shape[0] == 3 and w.shape[1] == 3 and u.shape[1] >= 2:
        for i in range(u.shape[0]):
            _stencil3_row(u, w, bc, out, i)
    else:
        for i in range(u.shape[0]):
            _stencil_row(u, w, bc, out, i)
    return out


@njit(cache=True, parallel=True)
def _stencil_parallel(u, w, bc, out):
    if w.shape[0] == 3 and w.shape[1] == 3 and u.shape[1] >= 2:
        for i in prange(u.shape[0]):
            _stencil3_row(u, w, bc, out, i)
    else:
        for i in prange(u.shape[0]):
            _stencil_row(u, w, bc, out, i)
    return out


def stencil_numba(u: Any, stencil: Any, bc: str = "dirichlet", *, out: np.ndarray | None = None,
                  parallel: bool = False) -> np.ndarray:
    """Apply the stencil with a compiled Numba loop (``parallel=True``: rows over threads).

    ``out`` (a C-contiguous float array of the shape of ``u``, not ``u`` itself)
    is filled in place when given, so repeated applications allocate nothing.
    """
    ua, w, bc = _check_inputs(u, stencil, bc)
    if out is None:
        out = np.empty_like(ua)
    elif not (isinstance(out, np.ndarray) and out.shape == ua.shape and out.dtype == np.float64
              and out.flags.c_contiguous):
        raise ValueError("out must be a C-contiguous float64 array of the shape of u")
    elif np.shares_memory(out, ua):
        raise ValueError("out must not share memory with u")
    kernel = _stencil_parallel if parallel else _stencil_serial
    return kernel(ua, w, _BC_CODE[bc], out)


# --------------------------------------------------------------------------- dispatch
def apply_stencil(u: Any, stencil: Any, bc: str = "dirichlet", method: str = "numba") -> np.ndarray:
    """Apply a stencil to a 2-D array by one of :data:`STENCIL_METHODS`; all agree to round-off.

    Parameters
    ----------
    u : array_like
        Values of shape ``(ny, nx)``.
    stencil : array_like
        Weights of odd shape ``(ky, kx)`` (cross-correlation orientation).
    bc : {"dirichlet", "neumann", "periodic"}
        Ghost values: zero, mirrored, or wrapped.
    method : str
        One of ``"sparse"`` (builds the matrix on every call: prebuild it with
        :func:`stencil_matrix` to time only the product), ``"ndimage"``,
        ``"jax"``, ``"slices"``, ``"numba"``, ``"numba_parallel"``.

    Returns
    -------
    numpy.ndarray
        The result, of the shape of ``u``.
    """
    if method not in STENCIL_METHODS:
        raise ValueError(f"method must be one of {STENCIL_METHODS}, got {method!r}")
    if method == "sparse":
        ua, w, bc = _check_inputs(u, stencil, bc)
        return (stencil_matrix(w, ua.shape, bc) @ ua.ravel()).reshape(ua.shape)
    if method == "ndimage":
        return stencil_ndimage(u, stencil, bc)
    if method == "slices":
        return stencil_slices(u, stencil, bc)
    if method == "jax":
        from .convolution import stencil_jax

        ua, w, bc = _check_inputs(u, stencil, bc)
        return np.asarray(stencil_jax(ua, w, bc))
    return stencil_numba(u, stencil, bc, parallel=(method == "numba_parallel"))

