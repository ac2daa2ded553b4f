"""Compiled Jacobian kernels for right-hand sides ``f(t, u, p)`` (private).

Each public helper dispatches on the kind of ``f``: a Numba dispatcher is
passed to an ``@njit`` kernel (Numba specialises the kernel on ``f`` and
compiles ``f`` for ``complex128`` arrays when the complex step is used); a
plain Python function runs the same algorithm in a Python loop.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from numba import njit
from numba import types as _t
from numba.extending import is_jitted

CS_H = 1e-100
SQRT_EPS = math.sqrt(np.finfo(float).eps)


def is_numba(f: Callable) -> bool:
    """Whether ``f`` is a Numba ``@njit`` dispatcher."""
    try:
        return bool(is_jitted(f))
    except Exception:  # pragma: no cover
        return False


# -- dense ------------------------------------------------------------------
# The kernels that take the right-hand side ``f`` (a Numba dispatcher) as an argument are not
# cached on disk: their cache index would hold one entry per function ever passed (test
# functions, notebook cells), and entries for functions that no longer exist broke the index
# for every later process. They are inlined into the compiled loops, which are cached.
@njit(inline="always")
def _jac_cs_dense_nb(f, t, u, p, out):
    n = u.size
    uc = np.empty(n, dtype=np.complex128)
    for i in range(n):
        uc[i] = u[i]
    for j in range(n):
        uc[j] = complex(u[j], CS_H)
        y = f(t, uc, p)
        for i in range(n):
            out[i, j] = y[i].imag / CS_H
        uc[j] = u[j]
    return out


@njit(inline="always")
def _jac_fd_dense_nb(f, t, u, p, f0, out):
    n = u.size
    up = u.copy()
    for j in range(n):
        h = SQRT_EPS * max(1.0, abs(u[j]))
        up[j] = u[j] + h
        h = up[j] - u[j]
        y = f(t, up, p)
        for i in range(n):
            out[i, j] = (y[i] - f0[i]) / h
        up[j] = u[j]
    return out


def jac_cs_dense(f: Callable, t: float, u: np.ndarray, p: Any) -> np.ndarray:
    """Dense complex-step Jacobian (``n`` evaluations)."""
    n = u.size
    out = np.empty((n, n))
    if is_numba(f):
        return _jac_cs_dense_nb(f, t, u, p, out)
    uc = u.astype(complex)
    for j in range(n):
        uc[j] = complex(u[j], CS_H)
        out[:, j] = np.imag(np.asarray(f(t, uc, p))) / CS_H
        uc[j] = u[j]
    return out


def jac_fd_dense(f: Callable, t: float, u: np.ndarray, p: Any, f0: np.ndarray) -> np.ndarray:
    """Dense forward-difference Jacobian (``n`` evaluations besides ``f0``)."""
    n = u.size
    out = np.empty((n, n))
    f0 = np.asarray(f0, dtype=float)
    if is_numba(f):
        return _jac_fd_dense_nb(f, t, u, p, f0, out)
    up = u.copy()
    for j in range(n):
        h = SQRT_EPS * max(1.0, abs(u[j]))
        up[j] = u[j] + h
        h = up[j] - u[j]
        out[:, j] = (np.asarray(f(t, up, p), dtype=float) - f0) / h
        up[j] = u[j]
    return out


# -- compressed (coloured) ----------------------------------------------------
@njit
def _jac_cs_colored_nb(f, t, u, p, colors, ncolors, rows, cols, data):
    n = u.size
    uc = np.empty(n, dtype=np.complex128)
    comp = np.empty((n, ncolors))
    for c in range(ncolors):
        for i in range(n):
            if colors[i] == c:
                uc[i] = complex(u[i], CS_H)
            else:
                uc[i] = u[i]
        y = f(t, uc, p)
        for i in range(n):
            comp[i, c] = y[i].imag / CS_H
    for k in range(rows.size):
        data[k] = comp[rows[k], colors[cols[k]]]
    return data


@njit
def _jac_fd_colored_nb(f, t, u, p, f0, colors, ncolors, rows, cols, data):
    n = u.size
    up = u.copy()
    hs = np.empty(n)
    comp = np.empty((n, ncolors))
    for c in range(ncolors):
        for i in range(n):
            if colors[i] == c:
                h = SQRT_EPS * max(1.0, abs(u[i]))
                up[i] = u[i] + h
                hs[i] = up[i] - u[i]
            else:
                up[i] = u[i]
        y = f(t, up, p)
        for i in range(n):
            comp[i, c] = y[i] - f0[i]
    for k in range(rows.size):
        data[k] = comp[rows[k], colors[cols[k]]] / hs[cols[k]]
    return data


def _jac_colored_generic(
    f: Callable,
    t: float,
    u: np.ndarray,
    p: Any,
    colors: np.ndarray,
    ncolors: int,
    rows: np.ndarray,
    cols: np.ndarray,
    method: str = "complex",
    f0: np.ndarray | None = None,
) -> np.ndarray:
    """Values of the Jacobian at the pattern entries ``(rows[k], cols[k])`` (any ``f``, ``p``)."""
    data = np.empty(rows.size)
    if method == "complex":
        if is_numba(f):
            return _jac_cs_colored_nb(f, t, u, p, colors, ncolors, rows, cols, data)
        comp = np.empty((u.size, ncolors))
        for c in range(ncolors):
            uc = u.astype(complex)
            uc[colors == c] += 1j * CS_H
            comp[:, c] = np.imag(np.asarray(f(t, uc, p))) / CS_H
        data[:] = comp[rows, colors[cols]]
        return data
    if f0 is None:
        f0 = np.asarray(f(t, u, p), dtype=float)
    f0 = np.asarray(f0, dtype=float)
    if is_numba(f):
        return _jac_fd_colored_nb(f, t, u, p, f0, colors, ncolors, rows, cols, data)
    hs = SQRT_EPS * np.maximum(1.0, np.abs(u))
    comp = np.empty((u.size, ncolors))
    for c in range(ncolors):
        up = u.copy()
        m = colors == c
        up[m] += hs[m]
        comp[:, c] = np.asarray(f(t, up, p), dtype=float) - f0
    hs = (u + hs) - u
    data[:] = comp[rows, colors[cols]] / hs[cols]
    return data


# -- typed (cached) variants for float-array parameters -------------------------------

_ARR = _t.float64[::1]
_CARR = _t.complex128[::1]
_IARR = _t.int64[::1]
_F = _t.FunctionType(_ARR(_t.float64, _ARR, _ARR))
_FC = _t.FunctionType(_CARR(_t.float64, _CARR, _ARR))
_typed_cs = njit((_FC, _t.float64, _ARR, _ARR, _IARR, _t.int64, _IARR, _IARR, _ARR), cache=True)(
    _jac_cs_colored_nb.py_func
)
_typed_fd = njit(
    (_F, _t.float64, _ARR, _ARR, _ARR, _IARR, _t.int64, _IARR, _IARR, _ARR), cache=True
)(_jac_fd_colored_nb.py_func)
_TYPED_OK: dict = {}


def _typed_ok(f: Callable, complex_: bool) -> bool:
    key = (id(f), complex_)
    if key not in _TYPED_OK:
        arr, ret = (_CARR, _CARR) if complex_ else (_ARR, _ARR)
        try:
            f.compile((_t.float64, arr, _ARR))
            ok = any(
                s.args == (_t.float64, arr, _ARR) and s.return_type == ret
                for s in f.nopython_signatures
            )
        except Exception:
            ok = False
        _TYPED_OK[key] = ok
    return _TYPED_OK[key]


def _float_params(p: Any) -> bool:
    return (
        isinstance(p, np.ndarray) and p.dtype == np.float64 and p.ndim == 1 and p.flags.c_contiguous
    )


def jac_colored(f, t, u, p, colors, ncolors, rows, cols, method="complex", f0=None):
    """Values of the Jacobian at the pattern entries ``(rows[k], cols[k])``, one ``f`` per colour.

    A Numba ``f`` with a float-array ``p`` uses a kernel compiled once for all
    right-hand sides (a typed function pointer) and cached on disk.
    """
    if is_numba(f) and _float_params(p) and u.flags.c_contiguous:
        if not p.flags.writeable:
            p = p.copy()
        colors = np.ascontiguousarray(colors, dtype=np.int64)
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        cols = np.ascontiguousarray(cols, dtype=np.int64)
        data = np.empty(rows.size)
        if method == "complex" and _typed_ok(f, True):
            return _typed_cs(f, float(t), u, p, colors, int(ncolors), rows, cols, data)
        if method == "fd" and _typed_ok(f, False):
            f0a = np.ascontiguousarray(f(t, u, p) if f0 is None else f0, dtype=float)
            return _typed_fd(f, float(t), u, p, f0a, colors, int(ncolors), rows, cols, data)
    return _jac_colored_generic(f, t, u, p, colors, ncolors, rows, cols, method, f0)
