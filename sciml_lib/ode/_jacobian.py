r"""How the implicit methods evaluate :math:`f`, its Jacobian and :math:`\partial_t f` (private).

* :class:`Counter` and :class:`JacobianProvider` serve the Python stepping loops:
  dense or coloured sparse Jacobians (complex step, finite differences or the
  user's ``jac``) and Jacobian-vector products for GMRES.
* :func:`jac_eval` and :func:`jac_and_dt` are their compiled counterparts in the
  Rosenbrock loops (``jmode`` 0: complex step, 1: forward differences, 2: ``jac``).

The differentiation kernels themselves live in :mod:`sciml_lib.ad._numba_jac`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from numba import njit

from sciml_lib._specialize import ignores_argument
from sciml_lib.ad import _numba_jac as nj
from sciml_lib.ad._numba_jac import _jac_cs_dense_nb, _jac_fd_dense_nb

from ._control import SQRT_EPS

__all__ = ["AUTONOMOUS", "ComplexStepJVP", "Counter", "JacobianProvider", "jacobian_and_dt",
           "jac_eval", "jac_and_dt", "no_jac", "no_fc"]


class Counter:
    """Wraps ``f(t, u, p)`` and counts its evaluations; checks the length of the output."""

    def __init__(self, f: Callable, p: Any, n: int | None = None) -> None:
        self.f, self.p, self.n, self.size = f, p, 0, n

    def __call__(self, t: float, u: np.ndarray) -> np.ndarray:
        self.n += 1
        out = np.asarray(self.f(t, u, self.p), dtype=float)
        if self.size is not None and out.shape != (self.size,):
            raise ValueError(f"f: returned shape {out.shape} at t = {t!r}, expected "
                             f"({self.size},) (the length of u0)")
        return out


class ComplexStepJVP:
    r""":math:`v \mapsto J(t, u) v = \mathrm{Im}\, f(t, u + i h v, p) / h` (complex step,
    :math:`h` = ``CS_H``), counting the evaluations; its fields let a compiled Krylov solve
    (:mod:`sciml_lib.ode._krylov_nb`) do the same products without calling back."""

    __slots__ = ("f", "t", "u", "p", "counter")

    def __init__(self, f: Callable, t: float, u: np.ndarray, p: Any, counter: Counter) -> None:
        self.f, self.t, self.u, self.p, self.counter = f, t, u, p, counter

    def __call__(self, v: np.ndarray) -> np.ndarray:
        self.counter.n += 1
        return np.imag(np.asarray(self.f(self.t, self.u + 1j * nj.CS_H * v, self.p))) / nj.CS_H


class JacobianProvider:
    """Evaluates :math:`\\partial f/\\partial u` (dense or sparse) and JVPs."""

    def __init__(self, f: Callable, p: Any, counter: Counter, mode: str,
                 jac: Callable | None = None, plan: Any = None) -> None:
        self.f, self.p, self.counter, self.mode = f, p, counter, mode
        self.jac, self.plan = jac, plan
        self.njac = 0
        self.autonomous = ignores_argument(f, 0)  # df/dt = 0 exactly: no difference quotient

    def evaluate(self, t: float, u: np.ndarray, f0: np.ndarray) -> Any:
        self.njac += 1
        if self.mode == "user":
            J = self.jac(t, u, self.p)
            J = sp.csc_matrix(J) if sp.issparse(J) else np.asarray(J, dtype=float)
            if J.shape != (u.size, u.size):
                raise ValueError(f"jac: returned shape {J.shape}, expected {(u.size, u.size)}")
            return J
        if self.plan is not None:
            self.counter.n += self.plan.ncolors
            return self.plan.evaluate(self.f, t, u, self.p, method=self.mode, f0=f0)
        self.counter.n += u.size
        if self.mode == "complex":
            return nj.jac_cs_dense(self.f, t, u, self.p)
        return nj.jac_fd_dense(self.f, t, u, self.p, f0)

    def jvp_at(self, t: float, u: np.ndarray, f0: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        f, p, counter = self.f, self.p, self.counter
        if self.mode == "complex":
            return ComplexStepJVP(f, t, u, p, counter)
        un = np.linalg.norm(u)

        def jvfd(v: np.ndarray) -> np.ndarray:
            nv = np.linalg.norm(v)
            if nv == 0:
                return np.zeros_like(u)
            d = SQRT_EPS * (1.0 + un) / nv
            counter.n += 1
            return (np.asarray(f(t, u + d * v, p), dtype=float) - f0) / d

        return jvfd


def jacobian_and_dt(F: Counter, jp: JacobianProvider, ls: Any, t: float, u: np.ndarray,
                    f0: np.ndarray) -> tuple:
    r"""The Jacobian (when the linear solver needs a matrix), its JVP, and :math:`\partial_t f`
    by a forward difference (zeros without evaluating ``f`` when ``jp.autonomous``: ``f``
    provably ignores ``t``, see :func:`sciml_lib._specialize.ignores_argument`)."""
    J = jp.evaluate(t, u, f0) if ls.needs_matrix else None
    jv = jp.jvp_at(t, u, f0)
    if jp.autonomous:
        return J, jv, np.zeros_like(f0)
    dtt = SQRT_EPS * max(1.0, abs(t))
    return J, jv, (F(t + dtt, u) - f0) / dtt


#: Added to ``jmode`` of the compiled loops when ``f`` provably ignores ``t``.
AUTONOMOUS = 4


@njit(cache=True, inline="always")
def jac_eval(f, fc, jac, jmode, t, u, p, f0, J):
    """Fill ``J`` with df/du: jmode 0 complex step (``fc`` is ``f`` on complex arrays),
    1 forward differences, 2 the user's ``jac`` (plus :data:`AUTONOMOUS` when ``f``
    ignores ``t``). Returns the number of f evaluations."""
    n = u.size
    source = jmode & 3
    if source == 0:
        _jac_cs_dense_nb(fc, t, u, p, J)
        return n
    elif source == 1:
        _jac_fd_dense_nb(f, t, u, p, f0, J)
        return n
    else:
        Ju = jac(t, u, p)
        for i in range(n):
            for j in range(n):
                J[i, j] = Ju[i, j]
        return 0


@njit(cache=True)
def no_jac(t, u, p):  # placeholder passed when the user gave no Jacobian
    return np.zeros((u.size, u.size))


@njit(cache=True)
def no_fc(t, u, p):  # placeholder passed when f does not accept complex input
    return u.copy()


@njit(cache=True, inline="always")
def jac_and_dt(f, fc, jac, jmode, t, u, p, f0, J, dT):
    r"""``J`` := the Jacobian, ``dT`` := :math:`\partial_t f` by a forward difference (zero, with
    no evaluation of ``f``, when ``jmode`` includes :data:`AUTONOMOUS`); returns the f
    evaluations used (-1 when ``f`` changed the length of its output)."""
    nf = jac_eval(f, fc, jac, jmode, t, u, p, f0, J)
    if jmode & AUTONOMOUS:
        for i in range(u.size):
            dT[i] = 0.0
        return nf
    dt_t = SQRT_EPS * max(1.0, abs(t))
    ft = f(t + dt_t, u, p)
    if len(ft) != u.size:
        return -1  # f changed the length of its output: the caller stops
    for i in range(u.size):
        dT[i] = (ft[i] - f0[i]) / dt_t
    return nf + 1
