r"""Universal differential equations and augmented neural ODEs (lecture 15).

A universal differential equation :cite:p:`rackauckas2020universal` keeps the
known part of a model and lets a neural network stand for the unknown part,

.. math::

    u' = f_{\mathrm{known}}(t, u, \theta) + \mathrm{NN}(u; w),

and a neural ODE :cite:p:`chen2018neural` is the case :math:`f_{\mathrm{known}} = 0`.
The solution map of an ODE is a homeomorphism, so trajectories of a neural
ODE in :math:`\mathbb{R}^n` cannot cross: it cannot represent
:math:`x \mapsto -x` in one dimension. An augmented neural ODE
:cite:p:`dupont2019augmented` solves in :math:`\mathbb{R}^{n + a}` from
:math:`(u_0, 0)` (zero-initialised extra states) and reads off the first
:math:`n` components, which lets flows pass each other in the extra dimensions.

Right-hand sides have the project signature ``f(t, u, p)`` with ``p`` a pytree
``{"nn": mlp_params, "theta": known_params}``, so they can be solved and
differentiated by :mod:`sciml_lib.ode.jax_solver` and :mod:`sciml_lib.sensitivity`.
"""

from __future__ import annotations

from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from sciml_lib.nn import mlp_apply  # noqa: E402

__all__ = ["ude_rhs", "batched_rhs", "augment", "lotka_volterra_ude_data", "LV_UDE_PARAMS"]

LV_UDE_PARAMS: dict[str, float] = {"alpha": 1.3, "beta": 0.9, "gamma": 0.8, "delta": 1.8}
r"""Lotka-Volterra parameters of the missing-physics example :cite:p:`rackauckas2020universal`:
:math:`x' = \alpha x - \beta xy`, :math:`y' = \gamma xy - \delta y`."""


def ude_rhs(
    known: Callable[[Any, Any, Any], Any] | None = None,
    activation: str = "tanh",
    *,
    scale: Any = 1.0,
) -> Callable[[Any, Any, Any], Any]:
    r"""The right-hand side :math:`f = f_{\mathrm{known}}(t, u, p_\theta) + s\odot\mathrm{NN}(u)`.

    Parameters
    ----------
    known : callable, optional
        JAX-traceable ``known(t, u, theta)`` (``None``: a pure neural ODE).
    activation : str
        Hidden activation of the MLP (:data:`sciml_lib.nn.ACTIVATIONS`).
    scale : float or array
        Output scale :math:`s` of the network.

    Returns
    -------
    callable
        ``f(t, u, p)`` with ``p = {"nn": mlp_params, "theta": theta}`` (``theta``
        may be omitted when ``known`` is None).
    """
    if known is not None and not callable(known):
        raise TypeError(f"known must be callable or None, got {type(known).__name__}")

    def f(t, u, p):
        out = jnp.asarray(scale) * mlp_apply(p["nn"], u, activation)
        if known is not None:
            out = out + known(t, u, p["theta"])
        return out

    return f


def batched_rhs(f: Callable[[Any, Any, Any], Any], n: int) -> Callable[[Any, Any, Any], Any]:
    """Run ``f`` on a batch of independent states stored as one flat vector of blocks of ``n``.

    Lets one adaptive solve (one step-size sequence) integrate many initial
    conditions of the same ODE, e.g. all training points of a neural ODE classifier.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")

    def fb(t, u, p):
        U = u.reshape(-1, n)
        return jax.vmap(lambda ui: f(t, ui, p))(U).reshape(-1)

    return fb


def augment(u0: Any, n_aug: int) -> np.ndarray:
    """Append ``n_aug`` zero states to each row of ``u0`` (shape (b, n) or (n,))."""
    if not isinstance(n_aug, (int, np.integer)) or n_aug < 0:
        raise ValueError(f"n_aug must be a non-negative int, got {n_aug!r}")
    U = np.asarray(u0, dtype=float)
    if U.ndim not in (1, 2):
        raise ValueError(f"u0 must be 1-D or 2-D, got shape {U.shape}")
    pad = np.zeros(U.shape[:-1] + (int(n_aug),))
    return np.concatenate([U, pad], axis=-1)


def lotka_volterra_ude_data(
    noise: float = 0.05,
    seed: int = 0,
    *,
    u0: Any = (0.44249296, 4.6280594),
    tspan: tuple[float, float] = (0.0, 5.0),
    n_points: int = 21,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Noisy samples of the Lotka-Volterra system of :data:`LV_UDE_PARAMS`.

    Solves with :func:`sciml_lib.ode.solve` (Tsit5, tolerances 1e-10) and adds
    Gaussian noise of standard deviation ``noise`` times the mean of each
    component :cite:p:`rackauckas2020universal`.

    Returns
    -------
    t, data, clean, u0
        Sample times (n_points,), noisy and clean states (n_points, 2), initial state.
    """
    from sciml_lib.ode import solve
    from sciml_lib.problems import LOTKA_VOLTERRA

    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    p = LV_UDE_PARAMS
    # the course's LV field is x' = a x - b x y, y' = -c y + d x y
    pv = np.array([p["alpha"], p["beta"], p["delta"], p["gamma"]])
    t = np.linspace(tspan[0], tspan[1], n_points)
    u0 = np.asarray(u0, dtype=float)
    clean = solve(LOTKA_VOLTERRA.f, tspan, u0, pv, rtol=1e-10, atol=1e-10, saveat=t).u
    rng = np.random.default_rng(seed)
    data = clean + noise * clean.mean(axis=0) * rng.standard_normal(clean.shape)
    return t, data, clean, u0
