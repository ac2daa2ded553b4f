r"""Small multilayer perceptrons in JAX, their hand-written backpropagation, and a training loop.

A layer is :math:`v_{i+1} = \sigma_i(W_i v_i + b_i)`; the last layer is linear.
Parameters are a pytree: a list of ``{"W": (out, in), "b": (out,)}`` dicts, so
``jax.grad`` and optax work on them directly. Backpropagation through a layer
(the corrected indices of lecture 10): with :math:`r_i = W_i v_i + b_i`,

.. math::

    \bar r_i = \bar v_{i+1} \odot \sigma_i'(r_i), \quad
    \bar W_i = \bar r_i v_i^T, \quad \bar b_i = \bar r_i, \quad
    \bar v_i = W_i^T \bar r_i .

Layers are also available as small frozen objects that hold only the *shape*
of a layer (:class:`Dense`, :class:`MLP`): ``layer.init(key)`` returns the
parameter pytree and ``layer(params, x)`` is a pure function of it, so the
parameters, not the layer, are what ``jax.grad``, ``jax.jit`` and optax see.
Weights are drawn with the Glorot (Xavier) initialiser :cite:p:`glorot2010understanding`;
:func:`train` minimises a loss with an optax optimiser (Adam
:cite:p:`kingma2015adam` by default) with one jit-compiled step.

Importing this module enables float64 in JAX.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "Dense",
    "MLP",
    "glorot_normal",
    "glorot_uniform",
    "init_mlp",
    "make_step",
    "mlp_apply",
    "n_params",
    "train",
    "two_layer_pullback",
]

ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "softplus": jax.nn.softplus,
    "identity": lambda x: x,
}
"""Activation functions by name."""


def _key(key: Any, name: str = "key") -> Any:
    """An int becomes ``jax.random.PRNGKey(key)``; a key array is returned as is."""
    if isinstance(key, bool):
        raise TypeError(f"{name} must be an int or a jax.random key, got {key!r}")
    if isinstance(key, (int, np.integer)):
        return jax.random.PRNGKey(int(key))
    if isinstance(key, (jax.Array, np.ndarray)):
        return key
    raise TypeError(f"{name} must be an int or a jax.random key, got {type(key).__name__}")


def _fans(shape: Sequence[int]) -> tuple[int, int]:
    shape = tuple(shape)
    if len(shape) != 2 or any((not isinstance(s, (int, np.integer))) or s < 1 for s in shape):
        raise ValueError(f"shape must be two positive ints (fan_out, fan_in), got {shape!r}")
    return int(shape[1]), int(shape[0])


def glorot_uniform(key: Any, shape: Sequence[int], gain: float = 1.0) -> jax.Array:
    r"""Glorot-uniform weights of shape ``(fan_out, fan_in)`` :cite:p:`glorot2010understanding`.

    :math:`W_{ij} \sim U(-a, a)` with :math:`a = g\sqrt{6/(n_{in}+n_{out})}`, so
    :math:`\operatorname{Var} W_{ij} = g^2\,2/(n_{in}+n_{out})`: the variance that keeps
    activations and back-propagated gradients of a linear layer at the same scale.
    """
    n_in, n_out = _fans(shape)
    lim = gain * np.sqrt(6.0 / (n_in + n_out))
    return jax.random.uniform(_key(key), (n_out, n_in), minval=-lim, maxval=lim,
                              dtype=jnp.float64)


def glorot_normal(key: Any, shape: Sequence[int], gain: float = 1.0) -> jax.Array:
    r"""Glorot-normal weights: :math:`W_{ij} \sim N(0, g^2\,2/(n_{in}+n_{out}))`.

    See :func:`glorot_uniform` and :cite:p:`glorot2010understanding`.
    """
    n_in, n_out = _fans(shape)
    std = gain * np.sqrt(2.0 / (n_in + n_out))
    return std * jax.random.normal(_key(key), (n_out, n_in), dtype=jnp.float64)


INITIALIZERS: dict[str, Callable[..., jax.Array]] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
}
"""Weight initialisers by name."""


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
    key = _key(key)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        params.append({"W": glorot_uniform(sub, (n_out, n_in), scale), "b": jnp.zeros(n_out)})
    return params


def _check_activation(activation: str) -> Callable[[Any], Any]:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    return ACTIVATIONS[activation]


def mlp_apply(params: Sequence[dict[str, Any]], x: Any, activation: str = "tanh") -> jax.Array:
    """Evaluate the MLP at ``x`` (shape (n_in,) or (batch, n_in)); the last layer is linear."""
    sigma = _check_activation(activation)
    h = jnp.asarray(x)
    if h.ndim == 0 or h.shape[-1] != params[0]["W"].shape[1]:
        n = h.shape[-1] if h.ndim else "no"
        raise ValueError(f"x has {n} features, the first layer expects {params[0]['W'].shape[1]}")
    for i, layer in enumerate(params):
        h = h @ layer["W"].T + layer["b"]
        if i < len(params) - 1:
            h = sigma(h)
    return h


@dataclass(frozen=True)
class Dense:
    r"""A dense layer :math:`y = \sigma(W x + b)` as a pure function of its parameters.

    The object holds only the shape and the activation; ``init(key)`` returns the
    parameters ``{"W": (n_out, n_in), "b": (n_out,)}`` (Glorot weights, zero bias) and
    ``layer(params, x)`` applies the layer to ``x`` of shape ``(n_in,)`` or ``(batch, n_in)``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    activation : str
        A key of :data:`ACTIVATIONS` (``"identity"`` for a linear layer).
    init_name : str
        ``"glorot_uniform"`` or ``"glorot_normal"`` (a key of :data:`INITIALIZERS`).
    """

    n_in: int
    n_out: int
    activation: str = "identity"
    init_name: str = "glorot_uniform"

    def __post_init__(self) -> None:
        for name in ("n_in", "n_out"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        _check_activation(self.activation)
        if self.init_name not in INITIALIZERS:
            raise ValueError(f"init_name must be one of {sorted(INITIALIZERS)}, "
                             f"got {self.init_name!r}")

    def init(self, key: Any) -> dict[str, jax.Array]:
        """Parameters of the layer: Glorot ``W`` and zero ``b``."""
        W = INITIALIZERS[self.init_name](key, (self.n_out, self.n_in))
        return {"W": W, "b": jnp.zeros(self.n_out)}

    def __call__(self, params: dict[str, Any], x: Any) -> jax.Array:
        x = jnp.asarray(x)
        if x.ndim == 0 or x.shape[-1] != self.n_in:
            n = x.shape[-1] if x.ndim else "no"
            raise ValueError(f"x has {n} features, the layer expects {self.n_in}")
        W = params["W"]
        if W.shape != (self.n_out, self.n_in):
            raise ValueError(f"params['W'] has shape {W.shape}, "
                             f"the layer expects {(self.n_out, self.n_in)}")
        return ACTIVATIONS[self.activation](x @ W.T + params["b"])


@dataclass(frozen=True)
class MLP:
    r"""A multilayer perceptron: a chain of :class:`Dense` layers, the last one linear.

    :math:`\mathrm{NN}(x) = W_L\sigma(\cdots\sigma(W_1 x + b_1)\cdots) + b_L`. The
    parameters are a list of per-layer dicts, the same pytree as :func:`init_mlp`
    returns (and for the same key the same numbers), so ``mlp(params, x)`` equals
    ``mlp_apply(params, x, activation)``.

    Parameters
    ----------
    sizes : tuple of int
        ``(n_in, hidden..., n_out)``, at least two entries.
    activation : str
        Activation of the hidden layers (a key of :data:`ACTIVATIONS`).
    """

    sizes: tuple[int, ...]
    activation: str = "tanh"

    def __post_init__(self) -> None:
        sizes = tuple(self.sizes)
        if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer))
                                 or s < 1 for s in sizes):
            raise ValueError(f"sizes must be at least two positive ints, got {self.sizes!r}")
        object.__setattr__(self, "sizes", tuple(int(s) for s in sizes))
        _check_activation(self.activation)

    @property
    def layers(self) -> tuple[Dense, ...]:
        """The :class:`Dense` layers (hidden ones with ``activation``, the last linear)."""
        n = len(self.sizes) - 1
        return tuple(Dense(a, b, self.activation if i < n - 1 else "identity")
                     for i, (a, b) in enumerate(zip(self.sizes[:-1], self.sizes[1:])))

    def init(self, key: Any) -> list[dict[str, jax.Array]]:
        """Parameters: one ``{"W", "b"}`` dict per layer (Glorot weights, zero biases)."""
        return init_mlp(key, self.sizes)

    def __call__(self, params: Sequence[dict[str, Any]], x: Any) -> jax.Array:
        if len(params) != len(self.sizes) - 1:
            raise ValueError(f"params has {len(params)} layers, the MLP has "
                             f"{len(self.sizes) - 1}")
        h = x
        for layer, p in zip(self.layers, params):
            h = layer(p, h)
        return h

    @property
    def n_params(self) -> int:
        """Number of scalar parameters, :math:`\\sum_i (n_i + 1) n_{i+1}`."""
        return int(sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:])))


def n_params(params: Any) -> int:
    """Number of scalar parameters in a pytree."""
    return int(sum(np.size(leaf) for leaf in jax.tree_util.tree_leaves(params)))


def two_layer_pullback(
    params: Sequence[dict[str, Any]], u: Any, ybar: Any
) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
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
    pbar = [{"W": np.outer(zbar, u), "b": zbar}, {"W": np.outer(ybar, h), "b": ybar.copy()}]
    return W1.T @ zbar, pbar


def _check_optimizer(optimizer: Any) -> None:
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError("optimizer must be an optax GradientTransformation, "
                        f"got {type(optimizer).__name__}")


def make_step(
    loss: Callable[..., Any],
    optimizer: Any,
    *,
    jit: bool = True,
) -> Callable[..., tuple[Any, Any, Any]]:
    r"""One optimiser step ``step(params, opt_state, *args) -> (params, opt_state, loss)``.

    The step evaluates ``loss(params, *args)`` and its gradient with
    ``jax.value_and_grad`` and applies ``optimizer`` (an optax transformation).
    With ``jit=True`` (the default) the whole step is compiled into one XLA program
    on first call; with ``jit=False`` every primitive is dispatched eagerly from
    Python, which is what the jit-vs-eager timing of lecture 3 measures.
    """
    import optax

    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}")
    _check_optimizer(optimizer)
    vg = jax.value_and_grad(loss)

    def step(params: Any, state: Any, *args: Any) -> tuple[Any, Any, Any]:
        L, g = vg(params, *args)
        upd, state = optimizer.update(g, state, params)
        return optax.apply_updates(params, upd), state, L

    return jax.jit(step) if jit else step


def train(
    loss: Callable[..., Any],
    params: Any,
    *args: Any,
    optimizer: Any = None,
    steps: int | None = None,
    learning_rate: float = 1e-2,
    key: Any = None,
    jit: bool = True,
    progress: bool = True,
    desc: str = "training",
) -> tuple[Any, np.ndarray]:
    """Minimise ``loss`` from ``params`` with an optax optimiser (Adam by default).

    Called as ``train(loss, params, optimizer, steps)`` (or with ``optimizer=``,
    ``steps=`` keywords), where ``loss(params) -> scalar``: the value, the gradient
    (``jax.value_and_grad``) and the update are fused into one jit-compiled step
    (:func:`make_step`). If ``key`` is given, the loss is called as
    ``loss(params, subkey)`` with a fresh subkey each step (for resampled
    collocation points or mini-batches); the sequence of subkeys, hence the result,
    is fixed by ``key``.

    The older form ``train(loss_and_grad, params, n_iter, learning_rate=...)`` still
    works: if ``loss`` returns a ``(loss, grad)`` pair it is called eagerly and only
    the optimiser update is jit-compiled (so ``loss_and_grad`` may be any function,
    e.g. an adjoint gradient that is not JAX-traceable).

    Parameters
    ----------
    loss : callable
        ``loss(params) -> scalar`` (or ``loss(params, key)``), or ``loss_and_grad``.
    params : pytree
        Initial parameters.
    optimizer : optax.GradientTransformation, optional
        Default ``optax.adam(learning_rate)`` :cite:p:`kingma2015adam`.
    steps : int
        Number of updates.
    key : int or jax.random key, optional
        Seed of the per-step subkeys passed to ``loss``.
    jit : bool
        Compile the step (the default) or run it eagerly.
    progress : bool
        Show a ``tqdm`` bar with the current loss.

    Returns
    -------
    params, losses
        The final parameters and the loss before each update (a NumPy array).
    """
    import optax
    from tqdm.auto import tqdm

    if len(args) > 2:
        raise TypeError(f"train takes at most 4 positional arguments, got {2 + len(args)}")
    for a in args:
        if isinstance(a, (int, np.integer)) and not isinstance(a, bool):
            if steps is not None:
                raise TypeError("steps given twice")
            steps = int(a)
        else:
            if optimizer is not None:
                raise TypeError("optimizer given twice")
            optimizer = a
    if steps is None or isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) \
            or steps < 0:
        raise ValueError(f"steps (n_iter) must be a non-negative int, got {steps!r}")
    steps = int(steps)
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}")
    opt = optimizer if optimizer is not None else optax.adam(learning_rate)
    _check_optimizer(opt)
    state = opt.init(params)
    extra = () if key is None else (_key(key),)

    # a traceable loss returning a scalar gets the fused, compiled step; a loss returning a
    # (loss, grad) pair, or one JAX cannot trace, is called as loss_and_grad
    try:
        out = jax.eval_shape(loss, params, *extra)
    except Exception:  # not traceable: must be a loss_and_grad callable
        out = None
    fused = out is not None and not isinstance(out, tuple)
    if fused and getattr(out, "shape", None) != ():
        raise ValueError(f"loss must return a scalar, got shape {getattr(out, 'shape', out)}")

    losses = np.empty(steps)
    bar = tqdm(range(steps), desc=desc, disable=not progress)
    every = max(1, steps // 50)
    if fused:
        step = make_step(loss, opt, jit=jit)
        k = extra[0] if extra else None
        for it in bar:
            if k is not None:
                k, sub = jax.random.split(k)
                params, state, L = step(params, state, sub)
            else:
                params, state, L = step(params, state)
            losses[it] = float(L)
            if progress and it % every == 0:
                bar.set_postfix(loss=f"{losses[it]:.3e}")
        return params, losses

    def update(params, state, grads):
        upd, state = opt.update(grads, state, params)
        return optax.apply_updates(params, upd), state

    update = jax.jit(update) if jit else update
    k = extra[0] if extra else None
    for it in bar:
        if k is not None:
            k, sub = jax.random.split(k)
            out = loss(params, sub)
        else:
            out = loss(params)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError("loss must return a scalar (JAX-traceable) or a (loss, grad) pair")
        L, g = out
        losses[it] = float(L)
        params, state = update(params, state, g)
        if progress and it % every == 0:
            bar.set_postfix(loss=f"{losses[it]:.3e}")
    return params, losses
