r"""Multiple shooting for fitting ODE parameters to data (lecture 11).

Single shooting integrates :math:`u' = f(t, u, p)` from :math:`u_0` over the whole
data span and minimises :math:`\sum_i \|u(\tau_i; p) - d_i\|^2`. Over a long span
the loss becomes very non-convex in :math:`p`: a small change of a parameter
moves the late part of the trajectory a lot. *Multiple shooting*
:cite:p:`bock1984multiple` cuts the span into :math:`K` segments at data times
:math:`s_1 < \dots < s_{K-1}`, makes the states :math:`v_k \approx u(s_k)` at the
segment starts unknowns, solves each segment from its own start, and penalises
the mismatch (the *defect*) where segments meet:

.. math::

    L(p, v) = \sum_{k=0}^{K-1} \sum_{\tau_i \in \text{segment } k}
    \|u_k(\tau_i; p, v_k) - d_i\|^2
    + w \sum_{k=1}^{K-1} \|u_{k-1}(s_k; p, v_{k-1}) - v_k\|^2,

with :math:`v_0 = u_0`. Each solve is short, so the loss is much better
conditioned; the segments are independent (here solved together with
``jax.vmap``); and the nodes :math:`v_k` can be started from the data themselves.
The segment solves are :func:`sciml_lib.ode.jax_solver.solve_at`, so ``jax.grad``
of the loss is the discrete adjoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from sciml_lib.ode.jax_solver import solve_at  # noqa: E402

__all__ = ["MultipleShooting"]


@dataclass(frozen=True, eq=False)
class MultipleShooting:
    r"""The multiple-shooting loss of data ``data`` at times ``t_data``.

    Parameters
    ----------
    f : callable
        JAX-traceable right-hand side ``f(t, u, p)``.
    t_data : array_like, shape (m,)
        Strictly increasing data times, all :math:`> t_0`.
    data : array_like, shape (m, n)
        Observations :math:`d_i` of the state at ``t_data``.
    n_segments : int
        Number of segments :math:`K`; ``m`` must be a multiple of it (each
        segment holds ``m // K`` data points and ends on the last of them).
    t0 : float
        Initial time of :math:`u_0`.
    weight : float
        Weight :math:`w` of the continuity defects.
    method, rtol, atol, max_steps
        Passed to :func:`~sciml_lib.ode.jax_solver.solve_at` for each segment.

    Notes
    -----
    ``n_segments = 1`` is single shooting. The unknown nodes ``v`` have shape
    ``(n_segments - 1, n)``;
    :meth:`~sciml_lib.sensitivity.shooting.MultipleShooting.initial_nodes` takes them from the data.
    """

    f: Callable[[Any, Any, Any], Any]
    t_data: Any
    data: Any
    n_segments: int
    t0: float = 0.0
    weight: float = 100.0
    method: str = "Tsit5"
    rtol: float = 1e-8
    atol: float = 1e-10
    max_steps: int = 256
    _starts: np.ndarray = field(init=False, repr=False)
    _times: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not callable(self.f):
            raise TypeError("f: expected a callable f(t, u, p)")
        t = np.asarray(self.t_data, dtype=float)
        d = np.asarray(self.data, dtype=float)
        if t.ndim != 1 or t.size < 1 or np.any(np.diff(t) <= 0):
            raise ValueError("t_data: must be a strictly increasing 1-D array")
        if d.ndim != 2 or d.shape[0] != t.size:
            raise ValueError(f"data: expected shape ({t.size}, n), got {d.shape}")
        if not isinstance(self.n_segments, (int, np.integer)) or self.n_segments < 1:
            raise ValueError(f"n_segments: must be a positive int, got {self.n_segments!r}")
        if t.size % self.n_segments:
            raise ValueError(
                f"n_segments: {self.n_segments} does not divide the {t.size} data points")
        if not t[0] > self.t0:
            raise ValueError(f"t0: must be before the first data time {t[0]}, got {self.t0!r}")
        if not self.weight > 0:
            raise ValueError(f"weight: must be positive, got {self.weight!r}")
        per = t.size // self.n_segments
        times = t.reshape(self.n_segments, per)
        starts = np.concatenate([[float(self.t0)], times[:-1, -1]])
        object.__setattr__(self, "t_data", t)
        object.__setattr__(self, "data", d)
        object.__setattr__(self, "_times", times)
        object.__setattr__(self, "_starts", starts)

    @property
    def segment_starts(self) -> np.ndarray:
        """Start times :math:`t_0, s_1, \\dots, s_{K-1}` of the segments."""
        return self._starts.copy()

    def initial_nodes(self) -> np.ndarray:
        """Nodes :math:`v_k = d(s_k)` taken from the data, shape ``(n_segments - 1, n)``."""
        per = self._times.shape[1]
        return self.data[per - 1: -1: per].copy()

    def trajectories(self, p: Any, u0: Any, nodes: Any) -> jax.Array:
        """Each segment's solution at its data times, shape ``(n_segments, m // n_segments, n)``."""
        starts = jnp.concatenate([jnp.asarray(u0, float)[None, :],
                                  jnp.reshape(jnp.asarray(nodes, float), (-1, self.data.shape[1]))])

        def one(v, s, te):
            return solve_at(self.f, v, p, te, t0=s, method=self.method, rtol=self.rtol,
                            atol=self.atol, max_steps=self.max_steps)

        return jax.vmap(one)(starts, jnp.asarray(self._starts), jnp.asarray(self._times))

    def defects(self, p: Any, u0: Any, nodes: Any) -> jax.Array:
        """Continuity defects :math:`u_{k-1}(s_k) - v_k`, shape ``(n_segments - 1, n)``."""
        U = self.trajectories(p, u0, nodes)
        return U[:-1, -1, :] - jnp.reshape(jnp.asarray(nodes, float), (-1, self.data.shape[1]))

    def loss(self, p: Any, u0: Any, nodes: Any) -> jax.Array:
        """The multiple-shooting loss :math:`L(p, v)` (differentiable with ``jax.grad``)."""
        U = self.trajectories(p, u0, nodes)
        misfit = jnp.sum((U.reshape(self.data.shape) - self.data) ** 2)
        v = jnp.reshape(jnp.asarray(nodes, float), (-1, self.data.shape[1]))
        return misfit + self.weight * jnp.sum((U[:-1, -1, :] - v) ** 2)
