r"""Warm-up adaptation shared by HMC and NUTS: dual averaging and a diagonal mass matrix.

Dual averaging :cite:p:`hoffman2014nuts` drives the mean acceptance statistic
:math:`\alpha_t` to a target :math:`\delta`:

.. math::

   \bar H_t = (1 - \tfrac{1}{t + t_0})\bar H_{t-1} + \tfrac{1}{t+t_0}(\delta - \alpha_t),\quad
   \log\epsilon_t = \mu - \tfrac{\sqrt t}{\gamma}\bar H_t,\quad
   \log\bar\epsilon_t = t^{-\kappa}\log\epsilon_t + (1 - t^{-\kappa})\log\bar\epsilon_{t-1},

with :math:`\mu = \log 10\epsilon_0`, :math:`\gamma = 0.05`, :math:`t_0 = 10`,
:math:`\kappa = 0.75`. The inverse mass matrix is the regularised variance of the
draws of Stan's doubling "slow" windows :cite:p:`carpenter2017stan`.
"""

from __future__ import annotations

from typing import NamedTuple

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["DualAveraging", "da_init", "da_update", "warmup_schedule"]


class DualAveraging(NamedTuple):
    """State of the dual-averaging step-size adaptation."""

    log_eps: jax.Array
    log_eps_bar: jax.Array
    h_bar: jax.Array
    t: jax.Array
    mu: jax.Array


def da_init(step_size) -> DualAveraging:
    """Restart dual averaging around ``step_size`` (:math:`\\mu = \\log 10\\epsilon`)."""
    le = jnp.log(step_size)
    z = jnp.zeros_like(le)
    return DualAveraging(le, z, z, z, jnp.log(10.0) + le)


def da_update(s: DualAveraging, accept, target: float, gamma: float = 0.05, t0: float = 10.0,
              kappa: float = 0.75) -> DualAveraging:
    """One dual-averaging update with acceptance statistic ``accept``."""
    t = s.t + 1.0
    eta = 1.0 / (t + t0)
    h_bar = (1.0 - eta) * s.h_bar + eta * (target - accept)
    log_eps = s.mu - jnp.sqrt(t) / gamma * h_bar
    xe = t ** (-kappa)
    log_eps_bar = xe * log_eps + (1.0 - xe) * s.log_eps_bar
    return DualAveraging(log_eps, log_eps_bar, h_bar, t, s.mu)


def warmup_schedule(n_warmup: int, init_buffer: int = 75, term_buffer: int = 50,
                    base_window: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Stan's windowed adaptation: which warm-up iterations collect draws, and which end a window.

    Returns
    -------
    slow, window_end : numpy.ndarray of bool, shape (n_warmup,)
        ``slow[i]``: draw ``i`` enters the variance estimate; ``window_end[i]``: after
        draw ``i`` the inverse mass matrix is updated and dual averaging restarts.
    """
    slow = np.zeros(n_warmup, bool)
    end = np.zeros(n_warmup, bool)
    if n_warmup < 20:
        return slow, end
    if init_buffer + base_window + term_buffer > n_warmup:
        init_buffer = int(0.15 * n_warmup)
        term_buffer = int(0.1 * n_warmup)
        base_window = n_warmup - init_buffer - term_buffer
    start, size = init_buffer, base_window
    last = n_warmup - term_buffer
    while start < last:
        stop = start + size
        if stop + 2 * size > last:
            stop = last
        slow[start:stop] = True
        end[stop - 1] = True
        start, size = stop, 2 * size
    return slow, end
