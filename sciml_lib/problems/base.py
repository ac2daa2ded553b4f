"""The :class:`~sciml_lib.problems.base.ODEProblem` container shared by all test problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["ODEProblem"]


@dataclass(frozen=True, eq=False)
class ODEProblem:
    """A test problem :math:`u' = f(t, u, p)`, :math:`u(t_0) = u_0`.

    Parameters
    ----------
    name : str
        Short name.
    f : callable
        Numba-compiled right-hand side ``f(t, u, p) -> du`` (accepted by
        :func:`sciml_lib.ode.solve`; also callable from Python).
    u0 : numpy.ndarray
        Initial state.
    tspan : tuple of float
        Integration interval ``(t0, t1)``.
    p : numpy.ndarray
        Parameters (a float array, usable by Numba and JAX alike).
    jac : callable or None
        Numba-compiled Jacobian ``jac(t, u, p) -> (n, n)`` when cheap.
    stiff : bool
        Whether explicit methods are stability limited on this problem.
    reference : str
        Bibliography key (or a short citation) of the problem's source.
    f_jax : callable or None
        JAX-traceable right-hand side ``f_jax(t, u, p) -> du`` built from the
        same scalar arithmetic as ``f``.
    description : str
        One line on the model.
    labels : tuple of str
        Names of the state components (for plots).
    tstops : tuple of float
        Times where ``f`` is discontinuous in ``t`` (e.g. a forcing switched
        on); :meth:`solve` passes them to ``sciml_lib.ode.solve(..., tstops=...)`` so that
        steps end there instead of straddling the jump.
    """

    name: str
    f: Callable[..., np.ndarray]
    u0: np.ndarray
    tspan: tuple[float, float]
    p: np.ndarray
    jac: Callable[..., np.ndarray] | None = None
    stiff: bool = False
    reference: str = ""
    f_jax: Callable[..., Any] | None = None
    description: str = ""
    labels: tuple[str, ...] = field(default=())
    tstops: tuple[float, ...] = field(default=())

    def __post_init__(self) -> None:
        u0 = np.array(self.u0, dtype=float)
        p = np.array(self.p, dtype=float)
        u0.setflags(write=False)
        p.setflags(write=False)
        object.__setattr__(self, "u0", u0)
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "tspan", (float(self.tspan[0]), float(self.tspan[1])))

    @property
    def n(self) -> int:
        """Dimension of the state."""
        return self.u0.size

    def solve(self, **kwargs: Any):
        """Solve with :func:`sciml_lib.ode.solve` (keyword arguments forwarded).

        ``u0``, ``tspan`` and ``p`` default to the problem's; pass them to
        override. For implicit methods the problem's Jacobian is forwarded as
        ``jac=`` unless given, and for methods that can stop at given times
        the problem's :attr:`tstops` as ``tstops=`` unless given.
        """
        from sciml_lib.ode import solve
        from sciml_lib.ode._solve import lookup_method

        u0 = kwargs.pop("u0", self.u0)
        tspan = kwargs.pop("tspan", self.tspan)
        p = kwargs.pop("p", self.p)
        info = lookup_method(kwargs.get("method", "Tsit5"))
        if self.jac is not None and "jac" in info.keywords and "jac" not in kwargs:
            kwargs["jac"] = self.jac
        if self.tstops and info.tstops and "tstops" not in kwargs:
            t0, t1 = float(tspan[0]), float(tspan[1])
            lo, hi = min(t0, t1), max(t0, t1)
            inside = tuple(s for s in self.tstops if lo < s < hi)
            if inside:
                kwargs["tstops"] = inside
        return solve(self.f, tspan, np.array(u0, dtype=float), np.array(p, dtype=float), **kwargs)

    def __repr__(self) -> str:
        return f"ODEProblem({self.name!r}, n={self.n}, tspan={self.tspan}, stiff={self.stiff})"
