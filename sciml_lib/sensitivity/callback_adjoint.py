r"""The continuous ODE adjoint with its data jumps as a preset-time callback (lecture 11).

For :math:`u' = f(t, u, p)`, :math:`u(t_0) = u_0` and the loss
:math:`L = \sum_{i=1}^m \|u(t_i) - d_i\|^2` on data times
:math:`t_0 \le t_1 < \dots < t_m`, the continuous adjoint :cite:p:`chen2018neural` runs
backwards from :math:`t_m` with :math:`\lambda(t_m^+) = 0`, :math:`\mu(t_m) = 0`:

.. math::

    \lambda' = -f_u^T\lambda, \qquad \mu' = -f_p^T\lambda, \qquad
    \lambda(t_i^-) = \lambda(t_i^+) + \frac{\partial L}{\partial u(t_i)}
    = \lambda(t_i^+) + 2\,(u(t_i) - d_i),

and :math:`dL/dp = \mu(t_0)`, :math:`dL/du_0 = \lambda(t_0)`. Between data times the
augmented state :math:`(\lambda, \mu)` solves an ordinary ODE; at a data time it jumps. A
solver with callbacks does the bookkeeping: the jumps are the affects of one
:class:`~sciml_lib.ode.events.PresetTimeCallback` at the data times (the steps end exactly
there and the affect adds :math:`2(u(t_i) - d_i)` to :math:`\lambda` in place), so the whole
backward pass is ONE call of :func:`sciml_lib.ode._solve.solve` instead of :math:`m` solves
split by hand
(:func:`~sciml_lib.sensitivity.adjoint.ode_adjoint` does the latter inside JAX).

:math:`u(t)` on the way back comes from the dense output of the forward solve (the
"interpolating" strategy); :math:`f_u^T\lambda` and :math:`f_p^T\lambda` are one
vector-Jacobian product of ``f`` (``jax.vjp``, compiled once).
"""

from __future__ import annotations

from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.flatten_util import ravel_pytree  # noqa: E402

from sciml_lib.ode import PresetTimeCallback, solve  # noqa: E402

__all__ = ["callback_adjoint"]


def callback_adjoint(
    f_jax: Callable[[Any, Any, Any], Any],
    u0: Any,
    p: Any,
    t_data: Any,
    data: Any,
    t0: float = 0.0,
    method: str = "Tsit5",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    f: Callable | None = None,
    full_output: bool = False,
) -> tuple:
    r"""Loss :math:`L = \sum_i \|u(t_i) - d_i\|^2` and its gradients by the continuous adjoint,
    the jumps of :math:`\lambda` at the data times applied by a ``PresetTimeCallback``.

    Parameters
    ----------
    f_jax : callable
        JAX-traceable right-hand side ``f_jax(t, u, p)`` (``p`` may be a pytree).
    u0 : array_like, shape (n,)
        Initial state at ``t0``.
    p : pytree
        Parameters.
    t_data : array_like, shape (m,)
        Strictly increasing data times in ``[t0, t_m]``; the last one is the final time.
    data : array_like, shape (m, n)
        The data :math:`d_i`.
    t0 : float
        Initial time.
    method : str
        Method of :func:`sciml_lib.ode._solve.solve` for the forward and the backward solve.
    rtol, atol : float
        Tolerances of both solves.
    f : callable, optional
        A NumPy (or ``@njit``) version ``f(t, u, p)`` of ``f_jax`` for the forward solve, with
        ``p`` a float array (default: ``f_jax`` compiled by ``jax.jit``).
    full_output : bool
        Also return the backward :class:`~sciml_lib.ode.solution.ODESolution` of
        :math:`(\lambda, \mu)` (steps from :math:`t_m` down to :math:`t_0`, both sides of
        every jump stored).

    Returns
    -------
    loss : float
        :math:`L`.
    grad_p : pytree
        :math:`dL/dp = \mu(t_0)`, with the structure of ``p``.
    grad_u0 : numpy.ndarray
        :math:`dL/du_0 = \lambda(t_0)`.
    backward : ODESolution
        Only with ``full_output``: the backward solve; ``backward.u[:, :n]`` is :math:`\lambda`.
    """
    if not callable(f_jax):
        raise TypeError(f"f_jax must be callable, got {type(f_jax).__name__}")
    if f is not None and not callable(f):
        raise TypeError(f"f must be callable or None, got {type(f).__name__}")
    u0 = np.asarray(u0, dtype=float)
    if u0.ndim != 1:
        raise ValueError(f"u0 must be a 1-D array, got shape {u0.shape}")
    n = u0.size
    td = np.asarray(t_data, dtype=float)
    if td.ndim != 1 or td.size < 1 or not np.all(np.isfinite(td)):
        raise ValueError(f"t_data must be a non-empty 1-D array of finite times, got {t_data!r}")
    if np.any(np.diff(td) <= 0):
        raise ValueError("t_data must be strictly increasing")
    t0 = float(t0)
    if td[0] < t0 or td[-1] == t0:
        raise ValueError(f"t_data must lie in [t0, t_m] with t_m > t0 = {t0}, got {td}")
    d = np.asarray(data, dtype=float)
    if d.shape != (td.size, n):
        raise ValueError(f"data must have shape {(td.size, n)}, got {d.shape}")
    if not (rtol > 0 and atol > 0):
        raise ValueError(f"rtol and atol must be positive, got rtol={rtol!r}, atol={atol!r}")

    pf, unravel = ravel_pytree(p)
    pf = np.asarray(pf, dtype=float)
    npar = pf.size

    f_flat = jax.jit(lambda t, u, q: f_jax(t, u, unravel(q)))

    def vjp_fn(t, u, q, lam):
        _, back = jax.vjp(lambda uu, qq: f_flat(t, uu, qq), u, q)
        return jnp.concatenate(back(lam))

    vjp_jit = jax.jit(vjp_fn)

    # forward: steps land on the data times, dense output in between
    if f is None:
        def f_fwd(t, u, q):
            return np.asarray(f_flat(t, u, q))
    else:
        f_fwd = f
    fwd = solve(f_fwd, (t0, float(td[-1])), u0, pf, method=method, rtol=rtol, atol=atol,
                tstops=td[:-1][td[:-1] > t0])
    if not fwd.success:
        raise RuntimeError(f"callback_adjoint: the forward solve failed: {fwd.message}")
    U = np.asarray(fwd(td)).reshape(td.size, n)
    resid = U - d
    loss = float(np.sum(resid**2))
    jumps = {float(ti): 2.0 * r for ti, r in zip(td, resid)}

    # backward: y = (lambda, mu) from t_m to t0, lambda jumps at every data time
    def rhs_back(t, y, q):
        return -np.asarray(vjp_jit(t, fwd(t), q, y[:n]))

    def jump(t, y, q):
        y[:n] += jumps[float(t)]

    y0 = np.zeros(n + npar)
    back = solve(rhs_back, (float(td[-1]), t0), y0, pf, method=method, rtol=rtol, atol=atol,
                 callbacks=PresetTimeCallback(td, jump), dense=False)
    if not back.success:
        raise RuntimeError(f"callback_adjoint: the backward solve failed: {back.message}")
    y_end = np.asarray(back.u[-1])
    out = (loss, unravel(jnp.asarray(y_end[n:])), y_end[:n].copy())
    return out + (back,) if full_output else out
