r"""Small multilayer perceptrons in JAX, their hand-written backpropagation, and a training loop.

A layer is :math:`v_{i+1} = \sigma_i(W_i v_i + b_i)`; the last layer is linear.
Parameters are a pytree: a list of ``{"W": (out, in), "b": (out,)}`` dicts, so
``jax.grad`` and optax work on them directly. Backpropagation through a layer
(the corrected indices of lecture 10): with :math:`r_i = W_i v_i + b_i`,

.. math::

    \bar r_i = \bar v_{i+1} \odot \sigma_i'(r_i), \quad
    \bar W_i = \bar r_i v_i^T, \quad \bar b_i = \bar r_i, \quad
    \bar v_i = W_i^T \bar r_i .

Importing this module enables float64 in JAX.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["ACTIVATIONS", "init_mlp", "mlp_apply", "n_params", "two_layer_pullback", "train"]

ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "softplus": jax.nn.softplus,
    "identity": lambda x: x,
}
"""Activation functions by name."""


def init_mlp(key: Any, sizes: Sequence[int], *, scale: float = 1.0) -> list[dict[str, jax.Array]]:
    r"""Random MLP parameters for layer widths ``sizes`` (Glorot-uniform weights, zero biases).

    Parameters
    ----------
    key : jax.random key or int
        Random key (an int is turned into ``jax.random.PRNGKey(key)``).
    sizes : sequence of int
        ``(n_in, hidden..., n_out)``, at least two entries.
    scale : float
        Multiplies the weight range :math:`\sqrt{6/(n_{in}+n_{out})}`.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any((not isinstance(s, (int, np.integer))) or s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive ints, got {sizes!r}")
    if isinstance(key, (int, np.integer)):
        key = jax.random.PRNGKey(int(key))
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        lim = scale * np.sqrt(6.0 / (n_in + n_out))
        W = jax.random.uniform(sub, (n_out, n_in), minval=-lim, maxval=lim, dtype=jnp.float64)
        params.append({"W": W, "b": jnp.zeros(n_out)})
    return params


def mlp_apply(params: Sequence[dict[str, Any]], x: Any, activation: str = "tanh") -> jax.Array:
    """Evaluate the MLP at ``x`` (shape (n_in,) or (batch, n_in)); the last layer is linear."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    sigma = ACTIVATIONS[activation]
    h = jnp.asarray(x)
    if h.shape[-1] != params[0]["W"].shape[1]:
        raise ValueError(f"x has {h.shape[-1]} features, the first layer expects {params[0]['W'].shape[1]}")
    for i, layer in enumerate(params):
        h = h @ layer["W"].T + layer["b"]
        if i < len(params) - 1:
            h = sigma(h)
    return h


def n_params(params: Any) -> int:
    """Number of scalar parameters in a pytree."""
    return int(sum(np.size(leaf) for leaf in jax.tree_util.tree_leaves(params)))


def two_layer_pullback(params: Sequence[dict[str, Any]], u: Any, ybar: Any) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    r"""Hand-written pullback of :math:`y = W_2\tanh(W_1 u + b_1) + b_2` (homework 3).

    With :math:`h = \tanh z`: :math:`\bar b_2 = \bar y`, :math:`\bar W_2 = \bar y h^T`,
    :math:`\bar h = W_2^T\bar y`, :math:`\bar z = \bar h \odot (1 - h^2)`,
    :math:`\bar W_1 = \bar z u^T`, :math:`\bar b_1 = \bar z`, :math:`\bar u = W_1^T \bar z`.

    Returns
    -------
    ubar, params_bar
        The adjoint of ``u`` and of the parameters (same structure as ``params``).
    """
    if len(params) != 2:
        raise ValueError(f"params must have two layers, got {len(params)}")
    W1, b1 = np.asarray(params[0]["W"]), np.asarray(params[0]["b"])
    W2 = np.asarray(params[1]["W"])
    u = np.asarray(u, dtype=float)
    ybar = np.asarray(ybar, dtype=float)
    if ybar.shape != (W2.shape[0],):
        raise ValueError(f"ybar must have shape ({W2.shape[0]},), got {ybar.shape}")
    h = np.tanh(W1 @ u + b1)
    hbar = W2.T @ ybar
    zbar = hbar * (1.0 - h * h)
    return W1.T @ zbar, [{"W": np.outer(zbar, u), "b": zbar}, {"W": np.outer(ybar, h), "b": ybar.copy()}]


def train(
    loss_and_grad: Callable[[Any], tuple[Any, Any]],
    params: Any,
    n_iter: int,
    *,
    learning_rate: float = 1e-2,
    optimizer: Any = None,
    progress: bool = True,
    desc: str = "training",
) -> tuple[Any, np.ndarray]:
    """Minimise with Adam (optax) given ``loss_and_grad(params) -> (loss, grad)``.

    The update step is jit-compiled once; the loop shows a ``tqdm`` progress bar.

    Returns
    -------
    params, losses
        The final parameters and the loss before each update.
    """
    import optax
    from tqdm.auto import tqdm

    if not isinstance(n_iter, int) or n_iter < 0:
        raise ValueError(f"n_iter must be a non-negative int, got {n_iter!r}")
    opt = optimizer if optimizer is not None else optax.adam(learning_rate)
    state = opt.init(params)

    @jax.jit
    def update(params, state, grads):
        upd, state = opt.update(grads, state, params)
        return optax.apply_updates(params, upd), state

    losses = np.empty(n_iter)
    for it in tqdm(range(n_iter), desc=desc, disable=not progress):
        L, g = loss_and_grad(params)
        losses[it] = float(L)
        params, state = update(params, state, g)
    return params, losses
