r"""Training ODE models with adjoint gradients: Adam, then an optional L-BFGS polish.

The gradient of a loss of the solution at the data times comes from
:func:`sciml_lib.sensitivity.make_adjoint_gradient` (continuous adjoints of
lecture 11, or ``"discrete"``: backpropagation through the JAX solver). As in
:cite:t:`rackauckas2020universal`, Adam finds the basin and BFGS (here
SciPy's L-BFGS-B on the flattened parameters) converges in it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.flatten_util import ravel_pytree  # noqa: E402

__all__ = ["FitResult", "fit_ode", "collocation_fit"]


@dataclass(frozen=True)
class FitResult:
    """Result of :func:`fit_ode`.

    Attributes
    ----------
    params : pytree
        Trained parameters.
    losses : numpy.ndarray
        Loss at each Adam iteration followed by each L-BFGS evaluation (a trial step
        whose solve blew up shows as NaN; the returned parameters are the best point).
    n_adam : int
        Number of Adam iterations (the first entries of ``losses``).
    time : float
        Wall time of the training, seconds (including compilation).
    success : bool
        False if the loss became non-finite.
    message : str
    """

    params: Any
    losses: np.ndarray
    n_adam: int
    time: float
    success: bool
    message: str


def fit_ode(
    f: Callable[[Any, Any, Any], Any],
    u0: Any,
    params: Any,
    t_data: Any,
    loss: Callable[[Any], Any],
    *,
    iterations: int = 300,
    lr: float = 1e-2,
    lbfgs_iterations: int = 0,
    strategy: str = "discrete",
    t0: float | None = None,
    method: str = "Tsit5",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    max_steps: int = 256,
    progress: bool = True,
    desc: str = "training",
) -> FitResult:
    r"""Minimise ``loss(u(t_data))`` of :math:`u' = f(t, u, p)`, :math:`u(t_0) = u_0`.

    Parameters
    ----------
    f : callable
        JAX-traceable ``f(t, u, p)``.
    u0 : array_like, shape (n,)
    params : pytree
        Initial parameters.
    t_data : array_like, shape (m,)
        Strictly increasing output times.
    loss : callable
        JAX-differentiable ``loss(U)`` with ``U`` of shape (m, n)
        (e.g. :func:`sciml_lib.sensitivity.l2_data_loss`).
    iterations : int
        Adam steps (:func:`sciml_lib.nn.train`).
    lr : float
        Adam learning rate.
    lbfgs_iterations : int
        Maximum L-BFGS-B iterations after Adam (0: none).
    strategy : str
        Gradient strategy of :func:`sciml_lib.sensitivity.make_adjoint_gradient`.

    Returns
    -------
    FitResult
    """
    from jax.tree_util import Partial
    from scipy.optimize import minimize

    from sciml_lib.nn import train
    from sciml_lib.sensitivity import make_adjoint_gradient

    if not isinstance(iterations, (int, np.integer)) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative int, got {iterations!r}")
    if not isinstance(lbfgs_iterations, (int, np.integer)) or lbfgs_iterations < 0:
        raise ValueError(f"lbfgs_iterations must be a non-negative int, got {lbfgs_iterations!r}")
    u0 = jnp.asarray(u0, dtype=float)
    td = jnp.asarray(t_data, dtype=float)
    t0v = jnp.asarray(float(td[0]) if t0 is None else float(t0))
    lossp = loss if isinstance(loss, Partial) else Partial(loss)
    grad = make_adjoint_gradient(f, lossp, strategy=strategy, method=method, rtol=rtol, atol=atol,
                                 max_steps=max_steps)
    start = time.perf_counter()

    def lg(p):
        return grad(u0, p, td, t0v)

    params, losses = train(lg, params, int(iterations), learning_rate=lr, progress=progress,
                           desc=desc)
    hist = list(losses)
    if lbfgs_iterations > 0:
        x0, unravel = ravel_pytree(params)

        best = [float(hist[-1]) if hist and np.isfinite(hist[-1]) else np.inf, np.asarray(x0)]

        def fun(x):
            L, g = lg(unravel(jnp.asarray(x)))
            L = float(L)
            hist.append(L)
            if not np.isfinite(L):  # a blown-up trial step: let the line search back off
                return 1e30, np.zeros_like(x)
            if L < best[0]:
                best[0], best[1] = L, np.array(x)
            return L, np.asarray(ravel_pytree(g)[0], dtype=float)

        minimize(fun, np.asarray(x0, dtype=float), jac=True, method="L-BFGS-B",
                 options={"maxiter": int(lbfgs_iterations), "gtol": 1e-12, "ftol": 1e-15})
        params = unravel(jnp.asarray(best[1]))  # the best point evaluated
    hist_a = np.asarray(hist)
    adam_ok = bool(np.all(np.isfinite(hist_a[: int(iterations)])))
    ok = adam_ok and (hist_a.size == 0 or bool(np.isfinite(np.nanmin(hist_a))))
    return FitResult(params, hist_a, int(iterations), time.perf_counter() - start, ok,
                     "success" if ok else "loss became non-finite")


def collocation_fit(
    f: Callable[[Any, Any, Any], Any],
    params: Any,
    t: Any,
    data: Any,
    *,
    iterations: int = 500,
    lr: float = 1e-2,
    n_eval: int = 101,
    progress: bool = True,
) -> tuple[Any, np.ndarray]:
    r"""Fit ``f`` to derivatives of smoothed data, without solving the ODE (a cheap initialisation).

    Each component of ``data`` is smoothed by a penalised cubic spline whose
    penalty is chosen by generalised cross-validation
    (``scipy.interpolate.make_smoothing_spline``); then
    :math:`\sum_k\|f(\tau_k, \hat u(\tau_k), p) - \hat u'(\tau_k)\|^2` is minimised by Adam
    at ``n_eval`` points :math:`\tau_k`. The result starts the adjoint fit in
    the right basin (the solution of a random UDE may blow up).

    Returns
    -------
    params, losses
    """
    from scipy.interpolate import make_smoothing_spline

    from sciml_lib.nn import train

    t = np.asarray(t, dtype=float)
    D = np.asarray(data, dtype=float)
    if D.ndim != 2 or D.shape[0] != t.size:
        raise ValueError(f"data must have shape (len(t), n) = ({t.size}, n), got {D.shape}")
    tau = np.linspace(t[0], t[-1], n_eval)
    splines = [make_smoothing_spline(t, D[:, k]) for k in range(D.shape[1])]
    U = jnp.asarray(np.column_stack([s(tau) for s in splines]))
    dU = jnp.asarray(np.column_stack([s.derivative()(tau) for s in splines]))
    T = jnp.asarray(tau)

    @jax.jit
    def lg(p):
        def L(p):
            F = jax.vmap(lambda ti, ui: f(ti, ui, p))(T, U)
            return jnp.mean(jnp.sum((F - dU) ** 2, axis=1))

        return jax.value_and_grad(L)(p)

    return train(lg, params, int(iterations), learning_rate=lr, progress=progress,
                 desc="collocation")
