r"""Neural-network surrogates of a quantity of interest over parameters, and their break-even.

A surrogate replaces :math:`p \mapsto q(p)` (each evaluation an ODE solve) by
an MLP :math:`\hat q(p)` trained on :math:`N_{train}` solves. Building it costs
:math:`t_{build}` (the training solves plus the fit); each later query saves
:math:`t_{solve} - t_{surrogate}`, so it pays off after

.. math::

    N^* = \frac{t_{build}}{t_{solve} - t_{surrogate}}

queries (never, when the surrogate is not faster).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from sciml_lib.nn import init_mlp, mlp_apply  # noqa: E402

__all__ = ["Surrogate", "fit_surrogate", "break_even", "lotka_volterra_qoi"]


def break_even(t_build: float, t_solve: float, t_surrogate: float) -> float:
    """:math:`N^* = t_{build}/(t_{solve} - t_{surrogate})`; ``inf`` if the surrogate is slower."""
    for name, v in (("t_build", t_build), ("t_solve", t_solve), ("t_surrogate", t_surrogate)):
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a non-negative number, got {v!r}")
    gain = t_solve - t_surrogate
    return float(t_build / gain) if gain > 0 else float("inf")


def lotka_volterra_qoi(p: Any, T: float = 5.0) -> float:
    r"""Prey population :math:`x(T)` of Lotka-Volterra with ``p = (alpha, beta, gamma, delta)``.

    From :math:`u_0 = (1, 1)`, solved by :func:`sciml_lib.ode.solve` (Tsit5, rtol 1e-8).
    """
    from sciml_lib.ode import solve
    from sciml_lib.problems import LOTKA_VOLTERRA

    sol = solve(LOTKA_VOLTERRA.f, (0.0, T), np.array([1.0, 1.0]), np.asarray(p, dtype=float),
                rtol=1e-8, atol=1e-10, saveat=np.array([T]))
    return float(sol.u[-1, 0])


@dataclass
class Surrogate:
    """An MLP surrogate on a box of parameters (inputs mapped to :math:`[-1, 1]`).

    Attributes
    ----------
    params : pytree
        MLP parameters.
    lower, upper : numpy.ndarray
        The box.
    y_mean, y_std : float
        Output standardisation.
    t_data, t_fit : float
        Seconds spent generating the training data and fitting.
    losses : numpy.ndarray
    """

    params: Any
    lower: np.ndarray
    upper: np.ndarray
    y_mean: float
    y_std: float
    t_data: float
    t_fit: float
    losses: np.ndarray

    def __post_init__(self) -> None:
        lo, hi = jnp.asarray(self.lower), jnp.asarray(self.upper)
        ym, ys = self.y_mean, self.y_std

        @jax.jit
        def ev(prm, P):
            return mlp_apply(prm, 2 * (P - lo) / (hi - lo) - 1)[..., 0] * ys + ym

        self._eval = ev

    @property
    def t_build(self) -> float:
        """Data generation plus fitting, seconds."""
        return self.t_data + self.t_fit

    def __call__(self, P: Any) -> np.ndarray:
        """Surrogate values at the rows of ``P`` (shape (k, n_params) or (n_params,))."""
        return np.asarray(self._eval(self.params, jnp.asarray(P, dtype=float)))


def fit_surrogate(
    qoi: Callable[[np.ndarray], float],
    lower: Sequence[float],
    upper: Sequence[float],
    n_samples: int = 500,
    *,
    hidden: Sequence[int] = (32, 32),
    iterations: int = 2000,
    lr: float = 1e-2,
    seed: int = 0,
    progress: bool = True,
) -> Surrogate:
    """Sample ``n_samples`` parameters uniformly in the box, evaluate ``qoi``, fit an MLP by Adam.

    Returns
    -------
    Surrogate
    """
    from sciml_lib.nn import train

    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    if lo.shape != hi.shape or lo.ndim != 1 or np.any(hi <= lo):
        raise ValueError("lower and upper must be 1-D of equal shape with upper > lower")
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an int >= 2, got {n_samples!r}")
    rng = np.random.default_rng(seed)
    P = lo + (hi - lo) * rng.random((n_samples, lo.size))
    t0 = time.perf_counter()
    y = np.array([qoi(p) for p in P])
    t_data = time.perf_counter() - t0
    ym, ys = float(y.mean()), float(y.std() or 1.0)
    Xn = jnp.asarray(2 * (P - lo) / (hi - lo) - 1)
    Yn = jnp.asarray((y - ym) / ys)

    @jax.jit
    def lg(prm):
        return jax.value_and_grad(lambda q: jnp.mean((mlp_apply(q, Xn)[:, 0] - Yn) ** 2))(prm)

    t0 = time.perf_counter()
    params, losses = train(lg, init_mlp(seed, (lo.size, *hidden, 1)), int(iterations),
                           learning_rate=lr, progress=progress, desc="surrogate")
    t_fit = time.perf_counter() - t0
    return Surrogate(params, lo, hi, ym, ys, t_data, t_fit, losses)
