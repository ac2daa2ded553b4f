"""NumPy ufunc dispatch shared by the scalar value types of :mod:`sciml_lib.uq` (private)."""

from __future__ import annotations

from typing import Any

import numpy as np

_ARITHMETIC = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "true_divide": ("__truediv__", "__rtruediv__"),
    "divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"),
}


class UfuncScalar:
    """Mixin: ``np.sin(x)`` calls ``x.sin()``, ``np.add(a, x)`` calls ``x.__radd__(a)``, ...

    A subclass lists its elementary functions (methods of the same name) in ``_UNARY``.
    Object arrays of such scalars work without this (NumPy calls the methods itself).
    """

    __slots__ = ()
    __array_priority__ = 100
    _UNARY: frozenset = frozenset()

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs or any(isinstance(x, np.ndarray) for x in inputs):
            return NotImplemented
        name = ufunc.__name__
        if len(inputs) == 1 and name in self._UNARY:
            return getattr(self, name)()
        if name == "negative":
            return -self
        if len(inputs) == 2 and name in _ARITHMETIC:
            a, b = inputs
            fwd, refl = _ARITHMETIC[name]
            meth = getattr(a, fwd) if isinstance(a, type(self)) else getattr(b, refl, None)
            if meth is None:
                return NotImplemented
            return meth(b if isinstance(a, type(self)) else a)
        return NotImplemented
