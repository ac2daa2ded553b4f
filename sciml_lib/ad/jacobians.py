r"""Solver-facing Jacobians of right-hand sides :math:`f(t, u, p)` (lectures 08-09).

The stiff solvers need :math:`J = \partial f/\partial u` of the user's
``@njit`` right-hand side at compiled speed. The **same** ``@njit`` function is
specialised by Numba on ``complex128`` arrays and differentiated by the complex
step :cite:p:`squire1998using,martins2003complex`. With a step
:math:`h = 10^{-100}` the products of two perturbations (:math:`h^2`)
underflow against the value, so :math:`\mathbb C` behaves exactly like the dual
numbers of :mod:`sciml_lib.ad.forward` with one partial: the derivative is
exact to rounding and there is no cancellation. ``complex128`` is the one
two-component algebra that NumPy arrays and Numba support natively; a compiled
dual number with several partials, whose arrays are stored as struct of arrays
so that ``np.empty_like(u)`` works too, is :mod:`sciml_lib.ad.numba_dual`.

With a sparsity pattern, columns are grouped by a colouring
(:mod:`sciml_lib.ad.sparsity`) and one evaluation per colour is spent
:cite:p:`curtis1974estimation`; this applies to both the complex step and
forward differences.

The layering is one way: this module uses :mod:`sciml_lib.ad.sparsity` (for
the colouring) and the compiled kernels; neither imports it, and the teaching
dual numbers in :mod:`sciml_lib.ad.forward` do not depend on either.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

from . import _numba_jac as nj
from ._checks import as_float_vector, check_callable
from .sparsity import SparseJacobianPlan

__all__ = ["supports_complex", "rhs_jacobian", "rhs_jvp"]

EPS = np.finfo(float).eps
_METHODS = ("complex", "fd")


def _check_method(method: Any) -> None:
    if method not in _METHODS:
        raise ValueError(f"method must be 'complex' or 'fd', got {method!r}")


def supports_complex(f: Callable, t: float, u: ArrayLike, p: Any) -> bool:
    r"""Whether ``f(t, u, p)`` runs on ``complex128`` arrays and returns complex values.

    A right-hand side written generically (``np.empty_like(u)``, analytic
    functions) does; one that allocates ``np.empty(n)`` (float) or uses ``abs``
    or comparisons on ``u`` does not, and then finite differences are used.
    The complex-step directional derivative is also compared with central
    differences at two points (of either sign): powers ``x**k`` of a negative
    ``x`` are computed by Numba as :math:`e^{k\log x}` and lose the step
    (write ``x*x*x``), which this check catches.

    Parameters
    ----------
    f : callable
        ``f(t, u, p) -> du``.
    t : float
        The time.
    u : array_like
        A typical state.
    p : object
        The parameters.

    Returns
    -------
    bool
    """
    ua = np.asarray(u, dtype=float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            uc = ua.astype(complex)
            uc[0] += 1j * 1e-100
            y = np.asarray(f(t, uc, p))
        if not (np.iscomplexobj(y) and y.shape == ua.shape and np.all(np.isfinite(y.view(float)))):
            return False
        # guard against silent loss of the step (e.g. ``x**k`` with x < 0 goes through
        # exp(k log x) and rounds the tiny imaginary part away): compare a JVP with
        # central differences at two points of either sign
        rng = np.random.default_rng(1)
        scale = np.maximum(np.abs(ua), 1e-3)
        points = (
            ua + 0.1 * scale * rng.standard_normal(ua.size),
            -ua - 0.1 * scale * rng.uniform(0.5, 1, ua.size),
        )
        for up in points:
            v = rng.standard_normal(ua.size) * scale
            with np.errstate(all="ignore"):
                cs = np.imag(np.asarray(f(t, up + 1e-100j * v, p))) / 1e-100
                d = 1e-6
                fp = np.asarray(f(t, up + d * v, p), dtype=float)
                fm = np.asarray(f(t, up - d * v, p), dtype=float)
                fd = (fp - fm) / (2 * d)
                f0 = np.linalg.norm(np.asarray(f(t, up, p)))
            if not np.all(np.isfinite(fd)):
                continue
            if np.linalg.norm(cs - fd) > 1e-4 * (np.linalg.norm(fd) + 1e-8 * f0 + 1e-300):
                return False
    except Exception:
        return False
    return True


def rhs_jacobian(
    f: Callable,
    t: float,
    u: ArrayLike,
    p: Any = (),
    *,
    method: str = "complex",
    sparsity: Any = None,
    colors: np.ndarray | None = None,
) -> Any:
    r"""Jacobian :math:`\partial f/\partial u` of a right-hand side :math:`f(t, u, p)`.

    Parameters
    ----------
    f : callable
        ``f(t, u, p) -> du``; a Numba ``@njit`` function runs entirely in
        compiled code.
    t : float
        The time.
    u : array_like
        The state (1-D).
    p : object
        The parameters.
    method : {"complex", "fd"}
        Complex step (exact to rounding; ``f`` must accept complex arrays) or
        forward differences (step :math:`\sqrt{E}\max(1,|u_j|)`).
    sparsity : scipy.sparse matrix or bool array, optional
        The Jacobian's nonzero pattern. With it, columns are grouped by a
        colouring (``colors``, computed by
        :func:`sciml_lib.ad.sparsity.color_columns` when omitted) and one
        evaluation per colour is spent; the result is a
        ``scipy.sparse.csc_matrix``.
    colors : ndarray of int, optional
        A valid column colouring of ``sparsity`` (checked).

    Returns
    -------
    ndarray or scipy.sparse.csc_matrix
    """
    check_callable(f)
    ua = as_float_vector(u, "u")
    _check_method(method)
    if sparsity is None:
        if colors is not None:
            raise ValueError("colors needs a sparsity pattern (sparsity=...)")
        if method == "complex":
            return nj.jac_cs_dense(f, float(t), ua, p)
        f0 = np.asarray(f(float(t), ua, p), dtype=float)
        if f0.shape != ua.shape:
            raise ValueError(f"f must return an array of the shape of u {ua.shape}, got {f0.shape}")
        return nj.jac_fd_dense(f, float(t), ua, p, f0)
    plan = SparseJacobianPlan(sparsity, colors=colors)
    return plan.evaluate(f, float(t), ua, p, method=method)


def rhs_jvp(
    f: Callable, t: float, u: ArrayLike, p: Any, v: ArrayLike, *, method: str = "complex"
) -> np.ndarray:
    r"""Jacobian-vector product :math:`(\partial f/\partial u)\, v` of :math:`f(t, u, p)`.

    One evaluation of ``f``: ``method="complex"`` uses
    :math:`\operatorname{Im} f(t, u + ih v)/h`; ``"fd"`` uses
    :math:`(f(u + \delta v) - f(u))/\delta` with
    :math:`\delta = \sqrt{E}(1 + \|u\|)/\|v\|`.

    Parameters
    ----------
    f : callable
        ``f(t, u, p) -> du``.
    t : float
        The time.
    u : array_like
        The state (1-D).
    p : object
        The parameters.
    v : array_like
        The direction, of the shape of ``u``.
    method : {"complex", "fd"}
        Complex step or forward differences.

    Returns
    -------
    ndarray
    """
    check_callable(f)
    ua = as_float_vector(u, "u")
    va = as_float_vector(v, "v")
    if va.shape != ua.shape:
        raise ValueError(f"v must have the shape of u {ua.shape}, got {va.shape}")
    _check_method(method)
    if method == "complex":
        h = 1e-100
        return np.imag(np.asarray(f(float(t), ua + 1j * h * va, p))) / h
    nv = np.linalg.norm(va)
    if nv == 0:
        return np.zeros_like(ua)
    d = math.sqrt(EPS) * (1.0 + np.linalg.norm(ua)) / nv
    return (np.asarray(f(float(t), ua + d * va, p)) - np.asarray(f(float(t), ua, p))) / d
