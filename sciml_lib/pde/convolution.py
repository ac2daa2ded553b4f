r"""Convolutions in JAX: the stencil as ``lax.conv``, pooling, and a small CNN.

A convolutional layer applies one stencil per (input, output) channel pair at
every interior point and sums over input channels,

.. math::

    y_{n,i,j,o} = b_o + \sum_{a,b,c} w_{a,b,c,o}\, x_{n,\,i+a,\,j+b,\,c},

so a ``VALID`` convolution of one channel with weights ``w`` is the stencil
``w`` of :mod:`sciml_lib.pde.stencils` restricted to the points where it fits
:cite:p:`lecun1998gradient`. Max pooling (the largest value of each
``size x size`` block) is nonlinear; mean pooling is the stencil of weights
:math:`1/\text{size}^2` evaluated with stride ``size``. :class:`CNN` is the
classic small image classifier
``dense(flatten(pool(relu(conv(pool(relu(conv(x))))))))``.

Importing this module enables float64 in JAX.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from .operators import _check_bc  # noqa: E402

__all__ = ["CNN", "as_jax_array", "conv2d", "max_pool", "mean_pool", "stencil_jax"]

_PAD_MODE = {"neumann": "reflect", "periodic": "wrap"}


@partial(jax.jit, static_argnames="bc")
def _stencil_jax(u: Any, w: Any, bc: str) -> jax.Array:
    ry, rx = w.shape[0] // 2, w.shape[1] // 2
    if bc == "dirichlet":
        x, pad = u, ((ry, ry), (rx, rx))  # zero padding done by the convolution
    else:
        x, pad = jnp.pad(u, ((ry, ry), (rx, rx)), mode=_PAD_MODE[bc]), ((0, 0), (0, 0))
    y = lax.conv_general_dilated(x[None, None], w[None, None].astype(x.dtype), (1, 1), pad)
    return y[0, 0]


def as_jax_array(u: Any) -> jax.Array:
    """A JAX copy of ``u`` (float64 unless already floating) with slack after the data.

    On the CPU, ``jnp.asarray`` may share the memory of a NumPy array, and XLA's CPU
    convolution can read a few bytes past the end of its input; on a buffer that ends at
    a page boundary that read faults. Copying into a slightly longer buffer avoids it.
    """
    a = np.asarray(u)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(float)
    buf = np.empty(a.size + 512, dtype=a.dtype)
    view = buf[: a.size].reshape(a.shape)
    view[...] = a
    return jnp.asarray(view)


def stencil_jax(u: Any, stencil: Any, bc: str = "dirichlet") -> jax.Array:
    """Apply a 2-D stencil with :func:`jax.lax.conv_general_dilated` (jit-compiled per shape).

    Same conventions as :func:`sciml_lib.pde.stencils.apply_stencil`: the
    stencil is cross-correlated and the ghost values are zero, mirrored or
    wrapped.
    """
    bc = _check_bc(bc)
    u = u if isinstance(u, jax.Array) else as_jax_array(u)
    w = jnp.asarray(stencil)
    if u.ndim != 2:
        raise ValueError(f"u must be a 2-D array, got shape {u.shape}")
    if w.ndim != 2 or w.shape[0] % 2 == 0 or w.shape[1] % 2 == 0:
        raise ValueError(f"stencil must be a 2-D array of odd shape, got shape {w.shape}")
    if not jnp.issubdtype(u.dtype, jnp.floating):
        u = u.astype(float)
    return _stencil_jax(u, w, bc)


def conv2d(x: Any, w: Any, b: Any = None, stride: int = 1, padding: str = "VALID") -> jax.Array:
    """A convolutional layer (cross-correlation) on images ``x`` of shape ``(N, H, W, C_in)``.

    Parameters
    ----------
    x : array_like
        Batch of images, channels last.
    w : array_like
        Weights of shape ``(kh, kw, C_in, C_out)``.
    b : array_like, optional
        Bias of shape ``(C_out,)``.
    stride : int
        Step between output points.
    padding : {"VALID", "SAME"}
        ``"VALID"``: only the points where the kernel fits (output
        ``H - kh + 1``); ``"SAME"``: zero padding, output ``H`` (stride 1).

    Returns
    -------
    jax.Array
        Shape ``(N, H', W', C_out)``.
    """
    x = x if isinstance(x, jax.Array) else as_jax_array(x)
    w = jnp.asarray(w)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, H, W, C_in), got {x.shape}")
    if w.ndim != 4 or w.shape[2] != x.shape[3]:
        raise ValueError(f"w must have shape (kh, kw, {x.shape[3]}, C_out), got {w.shape}")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'VALID' or 'SAME', got {padding!r}")
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise ValueError(f"stride must be a positive int, got {stride!r}")
    y = lax.conv_general_dilated(x, w.astype(x.dtype), (stride, stride), padding,
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y if b is None else y + jnp.asarray(b)


def _check_pool(x: Any, size: Any) -> jax.Array:
    x = jnp.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, H, W, C), got {x.shape}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if size > x.shape[1] or size > x.shape[2]:
        raise ValueError(f"size = {size} is larger than the image {x.shape[1:3]}")
    return x


def max_pool(x: Any, size: int = 2) -> jax.Array:
    """Largest value of each non-overlapping ``size x size`` block (partial blocks are dropped)."""
    x = _check_pool(x, size)
    win = (1, size, size, 1)
    return lax.reduce_window(x, -jnp.inf, lax.max, win, win, "VALID")


def mean_pool(x: Any, size: int = 2) -> jax.Array:
    """Mean of each ``size x size`` block: the all-``1/size^2`` stencil with stride ``size``."""
    x = _check_pool(x, size)
    win = (1, size, size, 1)
    return lax.reduce_window(x, 0.0, lax.add, win, win, "VALID") / size**2


@dataclass(frozen=True)
class CNN:
    """A small convolutional classifier as a pure function of its parameters.

    ``conv(k x k) -> ReLU -> maxpool(pool)`` for each entry of ``channels``, then
    flatten and one dense layer to ``n_classes`` logits (apply a softmax for
    probabilities). The defaults are the MNIST network of the lecture notes:
    28 x 28 x 1 -> 27 x 27 x 16 -> 13 x 13 x 16 -> 12 x 12 x 8 -> 6 x 6 x 8 -> 288 -> 10.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` of the single-channel input images.
    channels : tuple of int
        Output channels of the convolutional layers.
    kernel : int
        Kernel size ``k`` of every convolution (``VALID``).
    pool : int
        Max-pooling size.
    n_classes : int
        Outputs of the dense layer.
    """

    image_shape: tuple[int, int] = (28, 28)
    channels: tuple[int, ...] = (16, 8)
    kernel: int = 2
    pool: int = 2
    n_classes: int = 10

    def __post_init__(self) -> None:
        for name in ("kernel", "pool", "n_classes"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if len(self.image_shape) != 2 or min(self.image_shape) < 1:
            raise ValueError("image_shape must be (H, W) with positive sizes, "
                             f"got {self.image_shape!r}")
        if len(self.channels) < 1 or min(self.channels) < 1:
            raise ValueError(f"channels must be positive ints, got {self.channels!r}")
        if min(min(s[:2]) for _, s in self.shapes()[1:-2]) < 1:
            raise ValueError(f"image_shape {self.image_shape} is too small for "
                             f"{len(self.channels)} "
                             f"conv + pool layers")

    def shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """The ``(layer, output shape)`` list for one image (without the batch axis)."""
        h, w = self.image_shape
        c = 1
        out: list[tuple[str, tuple[int, ...]]] = [("input", (h, w, c))]
        for i, co in enumerate(self.channels, 1):
            h, w, c = h - self.kernel + 1, w - self.kernel + 1, co
            out.append((f"conv{i} {self.kernel}x{self.kernel} + ReLU", (h, w, c)))
            h, w = h // self.pool, w // self.pool
            out.append((f"maxpool{i} {self.pool}", (h, w, c)))
        out.append(("flatten", (h * w * c,)))
        out.append(("dense", (self.n_classes,)))
        return out

    def init(self, key: Any) -> dict[str, Any]:
        """He-normal convolution weights and Glorot dense weights, zero biases."""
        keys = jax.random.split(key, len(self.channels) + 1)
        convs = []
        cin = 1
        for k, co in zip(keys[:-1], self.channels):
            fan_in = self.kernel * self.kernel * cin
            w = jax.random.normal(k, (self.kernel, self.kernel, cin, co)) * jnp.sqrt(2.0 / fan_in)
            convs.append({"w": w, "b": jnp.zeros(co)})
            cin = co
        n_flat = self.shapes()[-2][1][0]
        lim = jnp.sqrt(6.0 / (n_flat + self.n_classes))
        W = jax.random.uniform(keys[-1], (self.n_classes, n_flat), minval=-lim, maxval=lim)
        return {"convs": convs, "dense": {"W": W, "b": jnp.zeros(self.n_classes)}}

    def __call__(self, params: dict[str, Any], x: Any) -> jax.Array:
        """Logits for images ``x`` of shape ``(N, H, W)`` or ``(N, H, W, 1)``."""
        h = x if isinstance(x, jax.Array) else as_jax_array(x)
        if h.ndim == 3:
            h = h[..., None]
        if h.ndim != 4 or h.shape[1:] != (*self.image_shape, 1):
            raise ValueError(f"x must have shape (N, {self.image_shape[0]}, {self.image_shape[1]}) "
                             f"or (N, H, W, 1), got {tuple(h.shape)}")
        for layer in params["convs"]:
            h = max_pool(jax.nn.relu(conv2d(h, layer["w"], layer["b"])), self.pool)
        h = h.reshape(h.shape[0], -1)
        return h @ params["dense"]["W"].T + params["dense"]["b"]
