r"""The missing-physics workflow of :cite:t:`rackauckas2020universal` on Lotka-Volterra.

Known: :math:`x' = \alpha x + U_1(x, y)`, :math:`y' = -\delta y + U_2(x, y)` with
:math:`\alpha = 1.3`, :math:`\delta = 1.8`; unknown: the interaction :math:`U`
(truth :math:`U = (-0.9xy, 0.8xy)`). Steps:

1. :func:`~sciml_lib.ude.training.collocation_fit`: a cheap start from smoothed data;
2. :func:`~sciml_lib.ude.training.fit_ode`: Adam, then L-BFGS, on the trajectory loss with
   gradients through the solver;
3. SINDy (:func:`sciml_lib.sindy.sindy`) on the network's output along the fitted
   trajectories turns :math:`U` back into equations.

:func:`recover_missing_interaction` runs all three and compares with the truth.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from sciml_lib.nn import init_mlp, mlp_apply  # noqa: E402

from .models import LV_UDE_PARAMS, batched_rhs, lotka_volterra_ude_data, ude_rhs  # noqa: E402
from .training import collocation_fit, fit_ode  # noqa: E402

__all__ = [
    "lv_known_terms",
    "fit_lotka_volterra_ude",
    "recover_terms",
    "interaction_errors",
    "recover_missing_interaction",
]


def lv_known_terms(t: Any, u: Any, theta: Any) -> Any:
    r"""The known linear part :math:`(\alpha x, -\delta y)` of :data:`LV_UDE_PARAMS`."""
    return jnp.stack([LV_UDE_PARAMS["alpha"] * u[0], -LV_UDE_PARAMS["delta"] * u[1]])


def fit_lotka_volterra_ude(
    noise: float = 0.05,
    seed: int = 0,
    *,
    initial_conditions: Sequence[Sequence[float]] | None = None,
    tspan: tuple[float, float] = (0.0, 5.0),
    n_points: int = 21,
    hidden: Sequence[int] = (16, 16),
    collocation_iterations: int = 1000,
    adam: Sequence[tuple[int, float]] = ((1000, 1e-2), (1000, 3e-3)),
    lbfgs_iterations: int = 1500,
    max_steps: int = 128,
    progress: bool = True,
) -> dict[str, Any]:
    r"""Train the Lotka-Volterra UDE on noisy data (steps 1-2 of the module docstring).

    Parameters
    ----------
    noise, seed
        Relative noise level and seed of :func:`~sciml_lib.ude.models.lotka_volterra_ude_data`
        (trajectory :math:`k` uses seed ``seed + k``); ``seed`` also initialises the network.
    initial_conditions : sequence of pairs, optional
        One trajectory per initial state (default: the single trajectory of
        :func:`~sciml_lib.ude.models.lotka_volterra_ude_data`). Several trajectories are
        integrated as one batched system (:func:`~sciml_lib.ude.models.batched_rhs`) sharing
        one network; together they cover more of the plane than one orbit.
    tspan, n_points
        Time span and number of samples of each trajectory.
    hidden
        Hidden widths of the MLP.
    collocation_iterations, adam, lbfgs_iterations
        Iterations of the collocation start, the Adam stages ``(iterations, learning rate)``
        and the L-BFGS polish.

    Returns
    -------
    dict
        ``f`` (the UDE right-hand side, batched over trajectories), ``params``, ``t``,
        ``data``, ``clean`` (shape (n_points, 2 k)), ``u0`` (the first, noisy, samples: the
        initial states are not known exactly), ``n_trajectories``, ``losses`` (collocation,
        Adam and L-BFGS), ``final_loss``, ``time`` (wall seconds).
    """
    import time

    from sciml_lib.sensitivity import l2_data_loss

    if initial_conditions is None:
        ics = [None]
    else:
        ics = [np.asarray(ic, dtype=float) for ic in initial_conditions]
        if not ics or any(ic.shape != (2,) for ic in ics):
            raise ValueError("initial_conditions must be a non-empty sequence of (x, y) pairs, "
                             f"got {initial_conditions!r}")
    datas, cleans = [], []
    for k, ic in enumerate(ics):
        kw = {} if ic is None else {"u0": ic}
        t, d, c, _ = lotka_volterra_ude_data(noise, seed + k, tspan=tspan, n_points=n_points,
                                             **kw)
        datas.append(d)
        cleans.append(c)
    data, clean = np.concatenate(datas, axis=1), np.concatenate(cleans, axis=1)
    f = ude_rhs(lv_known_terms, "tanh")
    if len(ics) > 1:
        f = batched_rhs(f, 2)
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
            "n_trajectories": len(ics), "losses": losses,
            "final_loss": float(np.nanmin(losses[-1])), "time": time.perf_counter() - start}


def recover_terms(fit: dict[str, Any], threshold: float = 0.2, n_eval: int = 101) -> Any:
    """SINDy (degree 2) on the network output along the fitted UDE trajectories (step 3).

    The network :math:`U(x, y)` is evaluated at ``n_eval`` times along each fitted trajectory
    and :func:`sciml_lib.sindy.sindy` regresses it on :math:`1, x, y, x^2, xy, y^2`.

    Returns
    -------
    sciml_lib.sindy.SINDyResult
    """
    from sciml_lib.ode.jax_solver import solve_at
    from sciml_lib.sindy import sindy

    t = fit["t"]
    tt = np.linspace(t[0], t[-1], n_eval)
    X = np.asarray(solve_at(fit["f"], jnp.asarray(fit["u0"]), fit["params"], tt, rtol=1e-8,
                            atol=1e-8, max_steps=512)).reshape(-1, 2)
    D = np.asarray(mlp_apply(fit["params"]["nn"], X))
    k = X.shape[0] // n_eval
    return sindy(X, np.repeat(tt, k), 2, threshold, dXdt=D)


def interaction_errors(result: Any) -> dict[str, Any]:
    r"""Compare a recovered model with the true interaction :math:`(-\beta xy, +\gamma xy)`.

    Parameters
    ----------
    result : sciml_lib.sindy.SINDyResult
        Output of :func:`recover_terms`.

    Returns
    -------
    dict
        ``equations``, ``coef_xy`` (the two :math:`xy` coefficients), ``truth``
        (:math:`-\beta`, :math:`\gamma` of :data:`~sciml_lib.ude.models.LV_UDE_PARAMS`),
        ``rel_error`` (relative errors of the two), ``spurious_terms`` (number of other
        non-zero coefficients).
    """
    names = list(result.feature_names)
    if "x y" not in names:
        raise ValueError(f"result must have an 'x y' feature, got {names}")
    C = np.asarray(result.coefficients)
    xy = names.index("x y")
    truth = (-LV_UDE_PARAMS["beta"], LV_UDE_PARAMS["gamma"])
    coef = [float(C[xy, 0]), float(C[xy, 1])]
    return {"equations": result.equations(), "coef_xy": coef, "truth": list(truth),
            "rel_error": [abs(c - tr) / abs(tr) for c, tr in zip(coef, truth)],
            "spurious_terms": int(np.count_nonzero(C) - np.count_nonzero(C[xy]))}


def recover_missing_interaction(
    noise: float = 0.05,
    seed: int = 0,
    *,
    threshold: float = 0.2,
    n_eval: int = 101,
    **fit_options: Any,
) -> dict[str, Any]:
    """The whole workflow: :func:`fit_lotka_volterra_ude`, :func:`recover_terms`, errors.

    ``fit_options`` go to :func:`fit_lotka_volterra_ude` (e.g. ``initial_conditions``,
    ``lbfgs_iterations``); ``threshold`` and ``n_eval`` to :func:`recover_terms`.

    Returns
    -------
    dict
        The entries of :func:`interaction_errors` plus ``fit`` (the dict of
        :func:`fit_lotka_volterra_ude`), ``sindy`` (the SINDy result), ``final_loss``
        and ``time_s`` (wall seconds of the training).
    """
    fit = fit_lotka_volterra_ude(noise, seed, **fit_options)
    res = recover_terms(fit, threshold=threshold, n_eval=n_eval)
    return {**interaction_errors(res), "fit": fit, "sindy": res,
            "final_loss": fit["final_loss"], "time_s": fit["time"]}
