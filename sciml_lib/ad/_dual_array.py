r"""A minimal forward-mode array type used for forward-over-reverse products.

:class:`DualArray` carries a value array :math:`a` and one tangent array
:math:`\dot a` and implements exactly the operations that the pullbacks of
:mod:`sciml_lib.ad.reverse` use (arithmetic, ``matmul``, reductions, reshapes,
indexing and the elementary ufuncs). Running the reverse pass on
:class:`DualArray` values propagates a tangent through the gradient
computation, which gives the Hessian-vector product
:math:`H v = \frac{d}{d\epsilon}\nabla f(x + \epsilon v)\big|_{\epsilon=0}`.

This is private: the public entry points are :func:`sciml_lib.ad.reverse.hvp`
and :func:`sciml_lib.ad.reverse.hessian`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DualArray"]


def _parts(x: Any) -> tuple[Any, Any]:
    if isinstance(x, DualArray):
        return x.val, x.tan
    return x, None


def _tan(t: Any, like: Any) -> Any:
    return np.zeros(np.shape(like)) if t is None else t


class DualArray:
    """An array value with one forward-mode tangent (``val + tan * eps``)."""

    __array_priority__ = 2000
    __slots__ = ("val", "tan")

    def __init__(self, val: Any, tan: Any) -> None:
        self.val = np.asarray(val, dtype=float)
        self.tan = np.broadcast_to(np.asarray(tan, dtype=float), self.val.shape).copy()

    # --- array-like attributes -------------------------------------------
    shape = property(lambda self: self.val.shape)
    ndim = property(lambda self: self.val.ndim)
    size = property(lambda self: self.val.size)
    dtype = property(lambda self: self.val.dtype)

    @property
    def T(self) -> "DualArray":
        return DualArray(self.val.T, self.tan.T)

    def transpose(self, *axes: Any) -> "DualArray":
        return DualArray(self.val.transpose(*axes), self.tan.transpose(*axes))

    def swapaxes(self, a: int, b: int) -> "DualArray":
        return DualArray(self.val.swapaxes(a, b), self.tan.swapaxes(a, b))

    def reshape(self, *shape: Any) -> "DualArray":
        return DualArray(self.val.reshape(*shape), self.tan.reshape(*shape))

    def sum(self, axis: Any = None, keepdims: bool = False) -> "DualArray":
        return DualArray(
            self.val.sum(axis=axis, keepdims=keepdims), self.tan.sum(axis=axis, keepdims=keepdims)
        )

    def __getitem__(self, idx: Any) -> "DualArray":
        return DualArray(self.val[idx], self.tan[idx])

    def __len__(self) -> int:
        return len(self.val)

    def __repr__(self) -> str:
        return f"DualArray(val={self.val!r}, tan={self.tan!r})"

    # --- ufuncs --------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs.get("out") is not None:
            return NotImplemented
        if ufunc.nin == 1:
            a, da = _parts(inputs[0])
            da = _tan(da, a)
            rule = _UNARY.get(ufunc)
            if rule is None:
                raise TypeError(f"DualArray does not support np.{ufunc.__name__}")
            v, d = rule(a, da)
            return DualArray(v, d)
        a, da = _parts(inputs[0])
        b, db = _parts(inputs[1])
        rule = _BINARY.get(ufunc)
        if rule is None:
            raise TypeError(f"DualArray does not support np.{ufunc.__name__}")
        v, d = rule(np.asarray(a, float), da, np.asarray(b, float), db)
        return DualArray(v, d)

    def __add__(self, o: Any) -> Any:
        return np.add(self, o)

    def __radd__(self, o: Any) -> Any:
        return np.add(o, self)

    def __sub__(self, o: Any) -> Any:
        return np.subtract(self, o)

    def __rsub__(self, o: Any) -> Any:
        return np.subtract(o, self)

    def __mul__(self, o: Any) -> Any:
        return np.multiply(self, o)

    def __rmul__(self, o: Any) -> Any:
        return np.multiply(o, self)

    def __truediv__(self, o: Any) -> Any:
        return np.true_divide(self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return np.true_divide(o, self)

    def __pow__(self, o: Any) -> Any:
        return np.power(self, o)

    def __rpow__(self, o: Any) -> Any:
        return np.power(o, self)

    def __matmul__(self, o: Any) -> Any:
        return np.matmul(self, o)

    def __rmatmul__(self, o: Any) -> Any:
        return np.matmul(o, self)

    def __neg__(self) -> "DualArray":
        return DualArray(-self.val, -self.tan)


def _add(a, da, b, db):
    d = (0.0 if da is None else da) + (0.0 if db is None else db)
    return a + b, d + np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b)))


def _sub(a, da, b, db):
    d = (0.0 if da is None else da) - (0.0 if db is None else db)
    return a - b, d + np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b)))


def _mul(a, da, b, db):
    d = (0.0 if da is None else da * b) + (0.0 if db is None else a * db)
    return a * b, d + np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b)))


def _div(a, da, b, db):
    v = a / b
    d = (0.0 if da is None else da / b) - (0.0 if db is None else v * db / b)
    return v, d + np.zeros(np.shape(v))


def _pow(a, da, b, db):
    v = a**b
    d = 0.0
    if da is not None:
        d = d + b * a ** (b - 1.0) * da
    if db is not None:
        d = d + v * np.log(np.where(a > 0, a, 1.0)) * db
    return v, d + np.zeros(np.shape(v))


def _matmul(a, da, b, db):
    v = a @ b
    d = np.zeros(np.shape(v))
    if da is not None:
        d = d + da @ b
    if db is not None:
        d = d + a @ db
    return v, d


_BINARY = {
    np.add: _add,
    np.subtract: _sub,
    np.multiply: _mul,
    np.true_divide: _div,
    np.power: _pow,
    np.matmul: _matmul,
}

_UNARY = {
    np.negative: lambda a, da: (-a, -da),
    np.exp: lambda a, da: (np.exp(a), np.exp(a) * da),
    np.log: lambda a, da: (np.log(a), da / a),
    np.tanh: lambda a, da: (np.tanh(a), (1.0 - np.tanh(a) ** 2) * da),
    np.sin: lambda a, da: (np.sin(a), np.cos(a) * da),
    np.cos: lambda a, da: (np.cos(a), -np.sin(a) * da),
    np.sqrt: lambda a, da: (np.sqrt(a), da / (2.0 * np.sqrt(a))),
    np.square: lambda a, da: (a * a, 2.0 * a * da),
}
