r"""The missing-physics workflow of :cite:t:`rackauckas2020universal` on Lotka-Volterra.

Known: :math:`x' = \alpha x + U_1(x, y)`, :math:`y' = -\delta y + U_2(x, y)` with
:math:`\alpha = 1.3`, :math:`\delta = 1.8`; unknown: the interaction :math:`U`
(truth :math:`U = (-0.9xy, 0.8xy)`). Steps:

1. :func:`~sciml_lib.ude.training.collocation_fit`: a cheap start from smoothed data;
2. :func:`~sciml_lib.ude.training.fit_ode`: Adam, then L-BFGS, on the trajectory loss with
   gradients through the solver;
3. SINDy (:func:`sciml_lib.sindy.sindy`) on the network's output along the fitted
   trajectory turns :math:`U` back into equations.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from sciml_lib.nn import init_mlp, mlp_apply  # noqa: E402

from .models import LV_UDE_PARAMS, lotka_volterra_ude_data, ude_rhs  # noqa: E402
from .training import collocation_fit, fit_ode  # noqa: E402

__all__ = ["lv_known_terms", "fit_lotka_volterra_ude", "recover_terms"]


def lv_known_terms(t: Any, u: Any, theta: Any) -> Any:
    r"""The known linear part :math:`(\alpha x, -\delta y)` of :data:`LV_UDE_PARAMS`."""
    return jnp.stack([LV_UDE_PARAMS["alpha"] * u[0], -LV_UDE_PARAMS["delta"] * u[1]])


def fit_lotka_volterra_ude(
    noise: float = 0.05,
    seed: int = 0,
    *,
    hidden: Sequence[int] = (16, 16),
    collocation_iterations: int = 1000,
    adam: Sequence[tuple[int, float]] = ((1000, 1e-2), (1000, 3e-3)),
    lbfgs_iterations: int = 1500,
    max_steps: int = 128,
    progress: bool = True,
) -> dict[str, Any]:
    """Train the Lotka-Volterra UDE on noisy data (steps 1-2 of the module docstring).

    Returns
    -------
    dict
        ``f`` (the UDE right-hand side), ``params``, ``t``, ``data``, ``clean``,
        ``u0`` (the first, noisy, sample: the initial state is not known exactly),
        ``losses`` (collocation, Adam and L-BFGS), ``final_loss``.
    """
    import time

    from sciml_lib.sensitivity import l2_data_loss

    t, data, clean, _ = lotka_volterra_ude_data(noise, seed)
    f = ude_rhs(lv_known_terms, "tanh")
    params = {"nn": init_mlp(seed, (2, *hidden, 2)), "theta": jnp.zeros(0)}
    start = time.perf_counter()
    params, l_col = collocation_fit(f, params, t, data, iterations=collocation_iterations,
                                    lr=1e-2, progress=progress)
    u0 = jnp.asarray(data[0])
    losses = [np.asarray(l_col)]
    for its, lr in adam:
        r = fit_ode(f, u0, params, t, l2_data_loss(data), iterations=int(its), lr=lr,
                    max_steps=max_steps, progress=progress, desc="UDE (Adam)")
        params = r.params
        losses.append(r.losses)
    if lbfgs_iterations:
        r = fit_ode(f, u0, params, t, l2_data_loss(data), iterations=0,
                    lbfgs_iterations=lbfgs_iterations, max_steps=max_steps, progress=False)
        params = r.params
        losses.append(r.losses)
    return {"f": f, "params": params, "t": t, "data": data, "clean": clean, "u0": np.asarray(u0),
            "losses": losses, "final_loss": float(np.nanmin(losses[-1])),
            "time": time.perf_counter() - start}


def recover_terms(fit: dict[str, Any], threshold: float = 0.2, n_eval: int = 101) -> Any:
    """SINDy (degree 2) on the network output along the fitted UDE trajectory (step 3).

    Returns
    -------
    sciml_lib.sindy.SINDyResult
    """
    from sciml_lib.ode.jax_solver import solve_at
    from sciml_lib.sindy import sindy

    t = fit["t"]
    tt = np.linspace(t[0], t[-1], n_eval)
    X = np.asarray(solve_at(fit["f"], jnp.asarray(fit["u0"]), fit["params"], tt, rtol=1e-8,
                            atol=1e-8, max_steps=512))
    D = np.asarray(mlp_apply(fit["params"]["nn"], X))
    return sindy(X, tt, 2, threshold, dXdt=D)
