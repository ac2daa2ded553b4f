r"""Constraint transforms to an unconstrained space, with their log-Jacobians.

A sampler or ADVI works on :math:`y \in \mathbb R^d`; a positive parameter is
:math:`x = e^{y}`. The density of :math:`y` is
:math:`p_Y(y) = p_X(x(y))\,|\det \partial x/\partial y|`, so the log-density gains
:math:`\log|\det J| = \sum_{\text{positive } i} y_i` :cite:p:`kucukelbir2017automatic`.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["Transform", "transformed_logp"]

_KINDS = ("real", "positive")


class Transform:
    """Element-wise map from unconstrained :math:`y` to constrained :math:`x`.

    Parameters
    ----------
    kinds : sequence of str
        ``"real"`` (identity) or ``"positive"`` (:math:`x = e^y`) per coordinate.
    """

    def __init__(self, kinds: Sequence[str]):
        kinds = list(kinds)
        bad = [k for k in kinds if k not in _KINDS]
        if bad or not kinds:
            raise ValueError(f"kinds must be a non-empty list of {_KINDS}, got {kinds!r}")
        self.kinds = kinds
        self.positive = np.array([k == "positive" for k in kinds])

    @property
    def dim(self) -> int:
        """Number of coordinates."""
        return len(self.kinds)

    def forward(self, y: Any) -> Any:
        """Constrained :math:`x(y)` (JAX-traceable; works on a trailing axis of size dim)."""
        y = jnp.asarray(y)
        return jnp.where(self.positive, jnp.exp(y), y)

    def inverse(self, x: Any) -> Any:
        """Unconstrained :math:`y(x)`; raises ``ValueError`` if a positive coordinate is not."""
        x = np.asarray(x, dtype=float)
        if np.any(x[..., self.positive] <= 0):
            raise ValueError("x: positive coordinates must be > 0")
        return np.where(self.positive, np.log(np.where(self.positive, x, 1.0)), x)

    def log_det_jacobian(self, y: Any) -> Any:
        r""":math:`\log|\det \partial x/\partial y| = \sum_{i\,\mathrm{positive}} y_i`."""
        y = jnp.asarray(y)
        return jnp.sum(jnp.where(self.positive, y, 0.0), axis=-1)


def transformed_logp(logp_x: Callable[[Any], Any], transform: Transform) -> Callable[[Any], Any]:
    r"""Log-density on the unconstrained space: :math:`\log p_X(x(y)) + \log|\det J(y)|`."""
    if not callable(logp_x):
        raise TypeError("logp_x must be callable")
    if not isinstance(transform, Transform):
        raise TypeError("transform must be a Transform")

    def logp_y(y):
        return logp_x(transform.forward(y)) + transform.log_det_jacobian(y)

    return logp_y
