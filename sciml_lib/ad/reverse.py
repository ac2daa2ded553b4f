r"""Tape-based reverse-mode automatic differentiation on scalars and NumPy arrays.

The forward pass of a function is *recorded*: every primitive operation on a
:class:`Var` appends one entry to a :class:`Tape` (a Wengert list): the output,
the inputs, and the primitive's **pullback** :math:`\mathcal B(\bar y)`, the
vector-Jacobian product :math:`\bar x_i = \sum_j \bar y_j\,\partial y_j/\partial x_i`
evaluated at the forward values :cite:p:`griewank2008evaluating`. The reverse pass
walks the tape backwards from a seed :math:`\bar y` and *accumulates* adjoints,
summing over the out-edges of every node (the multivariate chain rule).

Broadcasting is handled by *un-broadcasting*: if an input of shape ``(3, 1)``
was broadcast to ``(3, 4)``, its adjoint is the sum of the output adjoint over
the broadcast axis, so that it has the input's shape again.

The public API:

:class:`Var`, :class:`Tape`
    The tracked array type and the Wengert list.
:func:`grad`, :func:`value_and_grad`, :func:`vjp`, :func:`jacobian`
    Gradients, pullbacks and Jacobians (row by row, one reverse pass per output).
:func:`hvp`, :func:`hessian`
    Forward-over-reverse Hessian-vector products: the reverse pass is run on
    dual-number arrays that carry one tangent, so :math:`Hv` is the tangent of
    :math:`\nabla f(x + \epsilon v)`.
Primitive functions
    :func:`exp`, :func:`log`, :func:`tanh`, :func:`sin`, :func:`cos`,
    :func:`sqrt`, :func:`sigmoid`, :func:`abs`, :func:`stack`, :func:`concatenate`
    (NumPy ufuncs such as ``np.exp`` applied to a :class:`Var` dispatch to them).

Unsupported or non-differentiable operations (``np.floor``, ``np.sign``,
``float(v)``, ...) raise :class:`TypeError` naming the operation; shape
mismatches raise :class:`ValueError` naming both shapes.

Example
-------
>>> import numpy as np
>>> from sciml_lib.ad.reverse import grad
>>> f = lambda x: (np.sin(x) * x).sum()
>>> g = grad(f)(np.array([0.0, 1.0]))
>>> bool(np.allclose(g, np.sin([0.0, 1.0]) + np.array([0.0, 1.0]) * np.cos([0.0, 1.0])))
True
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._dual_array import DualArray

__all__ = [
    "Tape",
    "Var",
    "grad",
    "value_and_grad",
    "vjp",
    "jacobian",
    "hvp",
    "hessian",
    "exp",
    "log",
    "tanh",
    "sin",
    "cos",
    "sqrt",
    "sigmoid",
    "abs",
    "stack",
    "concatenate",
    "unbroadcast",
]


# ---------------------------------------------------------------------------
# The tape
# ---------------------------------------------------------------------------
class Tape:
    """A Wengert list: the primitives of one forward pass, in execution order.

    Each entry is ``(inputs, pullback)`` where ``inputs`` are the tape indices
    of the differentiable inputs (``None`` for a constant) and ``pullback``
    maps the output adjoint to a tuple of input adjoints.
    """

    def __init__(self) -> None:
        self.entries: list[
            tuple[tuple[int | None, ...], Callable[[Any], tuple[Any, ...]] | None]
        ] = []
        self.ops: list[str] = []

    def __len__(self) -> int:
        return len(self.entries)

    def record(
        self, value: Any, inputs: Sequence["Var | None"], pullback: Callable | None, op: str
    ) -> "Var":
        idx = tuple(None if v is None else v.index for v in inputs)
        self.entries.append((idx, pullback))
        self.ops.append(op)
        return Var(value, self, len(self.entries) - 1)

    def leaf(self, value: Any) -> "Var":
        """Record an input variable."""
        return self.record(_as_value(value), (), None, "input")

    def backward(self, out: "Var", seed: Any) -> list[Any]:
        """Reverse pass from ``out`` with adjoint ``seed``; returns all adjoints."""
        if out.tape is not self:
            raise ValueError("out was not recorded on this tape")
        bars: list[Any] = [None] * len(self.entries)
        bars[out.index] = seed
        for i in range(out.index, -1, -1):
            ybar = bars[i]
            if ybar is None:
                continue
            inputs, pullback = self.entries[i]
            if pullback is None:
                continue
            xbars = pullback(ybar)
            for j, xb in zip(inputs, xbars):
                if j is None or xb is None:
                    continue
                bars[j] = xb if bars[j] is None else bars[j] + xb
        return bars


def _as_value(x: Any) -> Any:
    if isinstance(x, DualArray):
        return x
    if isinstance(x, Var):
        return x.value
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(f"cannot differentiate with respect to an object array ({arr.dtype})")
    if not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
        raise TypeError(f"expected a numeric array, got dtype {arr.dtype}")
    return arr.astype(float)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x.val if isinstance(x, DualArray) else x))


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum the adjoint ``g`` over the axes along which an input of ``shape`` was broadcast.

    Parameters
    ----------
    g : array_like
        Adjoint of the broadcast result.
    shape : tuple of int
        Shape of the input before broadcasting.

    Returns
    -------
    array
        An array of shape ``shape``.
    """
    shape = tuple(shape)
    gshape = _shape(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra < 0:
        raise ValueError(
            f"cannot un-broadcast an adjoint of shape {gshape} to the larger shape {shape}"
        )
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, (s, gs) in enumerate(zip(shape, _shape(g))) if s == 1 and gs != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if _shape(g) != shape:
        raise ValueError(f"cannot un-broadcast an adjoint of shape {gshape} to shape {shape}")
    return g


# ---------------------------------------------------------------------------
# Tracked values
# ---------------------------------------------------------------------------
_SUPPORTED_UFUNCS: dict[Any, Callable[..., Any]] = {}


class Var:
    """A value recorded on a :class:`Tape` (scalar or array).

    Arithmetic with ``+ - * / ** @``, unary minus, indexing, ``.T``,
    ``.reshape``, ``.sum`` and ``.mean`` and the NumPy ufuncs ``np.exp``,
    ``np.log``, ``np.tanh``, ``np.sin``, ``np.cos``, ``np.sqrt``, ``np.abs``,
    ``np.square`` are recorded. Comparisons act on the values (the tape records
    the branch actually taken, as every tracing AD does).
    """

    __slots__ = ("value", "tape", "index")
    __array_priority__ = 1000

    def __init__(self, value: Any, tape: Tape, index: int) -> None:
        self.value = value
        self.tape = tape
        self.index = index

    # --- attributes ---------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return _shape(self.value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d Var")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"Var({self.value!r}, index={self.index})"

    def __float__(self) -> float:
        raise TypeError(
            "float() of a Var would cut it off the tape and is not differentiable; "
            "use v.value to read the value"
        )

    def __int__(self) -> int:
        raise TypeError("int() of a Var is not differentiable; use v.value to read the value")

    def __index__(self) -> int:
        raise TypeError("a Var cannot be used as an index")

    # --- comparisons act on values ------------------------------------------
    def _cmp_val(self, other: Any) -> Any:
        v = other.value if isinstance(other, Var) else other
        a = self.value
        a = a.val if isinstance(a, DualArray) else a
        v = v.val if isinstance(v, DualArray) else v
        return a, v

    def __lt__(self, o: Any) -> Any:
        a, b = self._cmp_val(o)
        return a < b

    def __le__(self, o: Any) -> Any:
        a, b = self._cmp_val(o)
        return a <= b

    def __gt__(self, o: Any) -> Any:
        a, b = self._cmp_val(o)
        return a > b

    def __ge__(self, o: Any) -> Any:
        a, b = self._cmp_val(o)
        return a >= b

    __hash__ = object.__hash__

    # --- arithmetic ----------------------------------------------------------
    def __add__(self, o: Any) -> "Var":
        return add(self, o)

    def __radd__(self, o: Any) -> "Var":
        return add(o, self)

    def __sub__(self, o: Any) -> "Var":
        return sub(self, o)

    def __rsub__(self, o: Any) -> "Var":
        return sub(o, self)

    def __mul__(self, o: Any) -> "Var":
        return mul(self, o)

    def __rmul__(self, o: Any) -> "Var":
        return mul(o, self)

    def __truediv__(self, o: Any) -> "Var":
        return div(self, o)

    def __rtruediv__(self, o: Any) -> "Var":
        return div(o, self)

    def __pow__(self, o: Any) -> "Var":
        return power(self, o)

    def __rpow__(self, o: Any) -> "Var":
        return power(o, self)

    def __matmul__(self, o: Any) -> "Var":
        return matmul(self, o)

    def __rmatmul__(self, o: Any) -> "Var":
        return matmul(o, self)

    def __neg__(self) -> "Var":
        return neg(self)

    def __pos__(self) -> "Var":
        return self

    def __getitem__(self, idx: Any) -> "Var":
        return getitem(self, idx)

    @property
    def T(self) -> "Var":
        return transpose(self)

    def transpose(self) -> "Var":
        return transpose(self)

    def reshape(self, *shape: Any) -> "Var":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return reshape(self, shape)

    def sum(self, axis: Any = None, keepdims: bool = False) -> "Var":
        return vsum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> "Var":
        return mean(self, axis=axis, keepdims=keepdims)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            "a Var cannot be converted to a NumPy array (this would drop it from the tape); "
            "use v.value, or an operation that sciml_lib.ad.reverse supports"
        )

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method == "__call__" and not kwargs and ufunc in _SUPPORTED_UFUNCS:
            return _SUPPORTED_UFUNCS[ufunc](*inputs)
        if method == "reduce" and ufunc is np.add and len(inputs) == 1:
            return vsum(
                inputs[0], axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False)
            )
        raise TypeError(
            f"np.{ufunc.__name__} ({method}) is not a differentiable primitive of "
            "sciml_lib.ad.reverse"
        )

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        table = {
            np.sum: vsum,
            np.mean: mean,
            np.reshape: reshape,
            np.transpose: transpose,
            np.stack: stack,
            np.concatenate: concatenate,
            np.dot: matmul,
        }
        if func in table:
            return table[func](*args, **kwargs)
        raise TypeError(
            f"np.{func.__name__} is not a differentiable primitive of sciml_lib.ad.reverse"
        )


def _tape_of(*xs: Any) -> Tape | None:
    tape = None
    for x in xs:
        if isinstance(x, Var):
            if tape is None:
                tape = x.tape
            elif x.tape is not tape:
                raise ValueError(
                    "operands were recorded on different tapes (nested grad is not supported)"
                )
    return tape


def _val(x: Any) -> Any:
    if isinstance(x, Var):
        return x.value
    if isinstance(x, DualArray):
        return x
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(f"unsupported operand of type {type(x).__name__}")
    return arr.astype(float) if arr.dtype != float else arr


def _primal(v: Any) -> np.ndarray:
    return v.val if isinstance(v, DualArray) else np.asarray(v)


def _binary(name: str, fn: Callable, a: Any, b: Any, pb: Callable) -> Any:
    tape = _tape_of(a, b)
    av, bv = _val(a), _val(b)
    sa, sb = _shape(av), _shape(bv)
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(
            f"{name}: operand shapes {sa} and {sb} cannot be broadcast together"
        ) from None
    out = fn(av, bv)
    if tape is None:
        return out
    ins = (a if isinstance(a, Var) else None, b if isinstance(b, Var) else None)

    def pullback(g: Any) -> tuple[Any, Any]:
        ga, gb = pb(g, av, bv, out)
        return (
            None if ins[0] is None else unbroadcast(ga, sa),
            None if ins[1] is None else unbroadcast(gb, sb),
        )

    return tape.record(out, ins, pullback, name)


def add(a: Any, b: Any) -> Any:
    """:math:`a + b` (broadcasting)."""
    return _binary("add", lambda x, y: x + y, a, b, lambda g, x, y, o: (g, g))


def sub(a: Any, b: Any) -> Any:
    """:math:`a - b` (broadcasting)."""
    return _binary("sub", lambda x, y: x - y, a, b, lambda g, x, y, o: (g, -g))


def mul(a: Any, b: Any) -> Any:
    """Elementwise :math:`a b`."""
    return _binary("mul", lambda x, y: x * y, a, b, lambda g, x, y, o: (g * y, g * x))


def div(a: Any, b: Any) -> Any:
    """Elementwise :math:`a / b`: pullback :math:`(\\bar o / b, -\\bar o a / b^2)`."""
    return _binary("div", lambda x, y: x / y, a, b, lambda g, x, y, o: (g / y, -g * o / y))


def power(a: Any, b: Any) -> Any:
    r"""Elementwise :math:`a^b`.

    The exponent's adjoint :math:`\bar o\, a^b \log a` needs :math:`a > 0`.
    """

    def pb(g: Any, x: Any, y: Any, o: Any) -> tuple[Any, Any]:
        ga = g * y * x ** (y - 1.0)
        if isinstance(b, Var):
            if np.any(_primal(x) <= 0):
                raise ValueError(
                    "power: the derivative with respect to the exponent needs a positive base"
                )
            gb = g * o * np.log(x)
        else:
            gb = None
        return ga, gb

    return _binary("pow", lambda x, y: x**y, a, b, pb)


def _unary(name: str, a: Any, fn: Callable, dfn: Callable) -> Any:
    if not isinstance(a, Var):
        return fn(_val(a))
    av = a.value
    out = fn(av)
    return a.tape.record(out, (a,), lambda g: (dfn(g, av, out),), name)


def neg(a: Any) -> Any:
    """:math:`-a`."""
    return _unary("neg", a, lambda x: -x, lambda g, x, o: -g)


def exp(a: Any) -> Any:
    """:math:`e^a`; pullback :math:`\\bar o\\, e^a`."""
    return _unary("exp", a, np.exp, lambda g, x, o: g * o)


def log(a: Any) -> Any:
    """:math:`\\log a`; pullback :math:`\\bar o / a`."""
    return _unary("log", a, np.log, lambda g, x, o: g / x)


def tanh(a: Any) -> Any:
    """:math:`\\tanh a`; pullback :math:`\\bar o (1 - \\tanh^2 a)`."""
    return _unary("tanh", a, np.tanh, lambda g, x, o: g * (1.0 - o * o))


def sin(a: Any) -> Any:
    """:math:`\\sin a`; pullback :math:`\\bar o \\cos a`."""
    return _unary("sin", a, np.sin, lambda g, x, o: g * np.cos(x))


def cos(a: Any) -> Any:
    """:math:`\\cos a`; pullback :math:`-\\bar o \\sin a`."""
    return _unary("cos", a, np.cos, lambda g, x, o: -g * np.sin(x))


def sqrt(a: Any) -> Any:
    """:math:`\\sqrt a`; pullback :math:`\\bar o / (2\\sqrt a)`."""
    return _unary("sqrt", a, np.sqrt, lambda g, x, o: g / (2.0 * o))


def square(a: Any) -> Any:
    """:math:`a^2`."""
    return _unary("square", a, lambda x: x * x, lambda g, x, o: 2.0 * g * x)


def sigmoid(a: Any) -> Any:
    r""":math:`\sigma(a) = 1/(1+e^{-a})`; pullback :math:`\bar o\,\sigma(1-\sigma)`."""
    return _unary(
        "sigmoid", a, lambda x: 1.0 / (1.0 + np.exp(-x)), lambda g, x, o: g * o * (1.0 - o)
    )


def abs(a: Any) -> Any:  # noqa: A001 - mirrors np.abs
    """:math:`|a|`; pullback :math:`\\bar o\\,\\mathrm{sign}(a)` (0 at :math:`a = 0`)."""

    def fn(x: Any) -> Any:
        if isinstance(x, DualArray):
            s = np.sign(x.val)
            return DualArray(np.abs(x.val), s * x.tan)
        return np.abs(x)

    return _unary("abs", a, fn, lambda g, x, o: g * np.sign(_primal(x)))


def matmul(a: Any, b: Any) -> Any:
    """Matrix product ``a @ b`` (1-D and 2-D operands, or stacks of matrices).

    The pullback is :math:`(\\bar o\\, b^T, a^T \\bar o)`: a matmul forward is a
    matmul with the transpose backwards.
    """
    tape = _tape_of(a, b)
    av, bv = _val(a), _val(b)
    sa, sb = _shape(av), _shape(bv)
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {sa} and {sb}")
    ka = sa[-1]
    kb = sb[-2] if len(sb) >= 2 else sb[0]
    if ka != kb:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned ({ka} != {kb})")
    out = av @ bv
    if tape is None:
        return out
    ins = (a if isinstance(a, Var) else None, b if isinstance(b, Var) else None)

    def pullback(g: Any) -> tuple[Any, Any]:
        a2 = av if len(sa) > 1 else av.reshape((1, sa[0]))
        b2 = bv if len(sb) > 1 else bv.reshape((sb[0], 1))
        oshape = np.broadcast_shapes(_shape(a2)[:-2], _shape(b2)[:-2]) + (
            _shape(a2)[-2],
            _shape(b2)[-1],
        )
        g2 = g.reshape(oshape)
        ga = gb = None
        if ins[0] is not None:
            ga = unbroadcast(g2 @ b2.swapaxes(-1, -2), _shape(a2)).reshape(sa)
        if ins[1] is not None:
            gb = unbroadcast(a2.swapaxes(-1, -2) @ g2, _shape(b2)).reshape(sb)
        return ga, gb

    return tape.record(out, ins, pullback, "matmul")


def vsum(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Sum over ``axis``; the pullback broadcasts the adjoint back."""
    if not isinstance(a, Var):
        return _val(a).sum(axis=axis, keepdims=keepdims)
    av = a.value
    shape = _shape(av)
    out = av.sum(axis=axis, keepdims=keepdims)
    if axis is None:
        kshape = (1,) * len(shape)
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(ax % len(shape) for ax in axes)
        kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))

    def pullback(g: Any) -> tuple[Any]:
        return (g.reshape(kshape) + np.zeros(shape),)

    return a.tape.record(out, (a,), pullback, "sum")


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over ``axis`` (a sum divided by the count)."""
    shape = _shape(_val(a))
    if axis is None:
        n = int(np.prod(shape))
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        n = int(np.prod([shape[ax] for ax in axes]))
    return vsum(a, axis=axis, keepdims=keepdims) / float(n)


def reshape(a: Any, shape: Any) -> Any:
    """Reshape; the pullback reshapes the adjoint back."""
    if not isinstance(a, Var):
        return _val(a).reshape(shape)
    old = a.shape
    try:
        out = a.value.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape an array of shape {old} into {shape}") from None
    return a.tape.record(out, (a,), lambda g: (g.reshape(old),), "reshape")


def transpose(a: Any, axes: Any = None) -> Any:
    """Reverse the axes (matrix transpose); the pullback transposes back."""
    if not isinstance(a, Var):
        return np.transpose(_val(a), axes)
    if axes is not None:
        inv = tuple(np.argsort(axes))
        return a.tape.record(
            a.value.transpose(*axes), (a,), lambda g: (g.transpose(*inv),), "transpose"
        )
    return a.tape.record(a.value.T, (a,), lambda g: (g.T,), "transpose")


def _zeros_like(v: Any) -> Any:
    if isinstance(v, DualArray):
        return DualArray(np.zeros(v.shape), np.zeros(v.shape))
    return np.zeros(np.shape(v))


def _scatter_add(z: Any, idx: Any, g: Any) -> Any:
    if isinstance(z, DualArray):
        gv, gt = (g.val, g.tan) if isinstance(g, DualArray) else (g, 0.0)
        np.add.at(z.val, idx, gv)
        np.add.at(z.tan, idx, gt)
        return z
    if isinstance(g, DualArray):
        return _scatter_add(DualArray(z, np.zeros(np.shape(z))), idx, g)
    np.add.at(z, idx, g)
    return z


def getitem(a: Var, idx: Any) -> Var:
    """Indexing/slicing; the pullback scatters (adds) the adjoint into zeros."""
    if isinstance(idx, Var):
        raise TypeError("a Var cannot be used as an index")
    av = a.value
    try:
        out = av[idx]
    except IndexError as e:
        raise IndexError(f"index {idx!r} is invalid for a Var of shape {a.shape}: {e}") from None

    def pullback(g: Any) -> tuple[Any]:
        return (_scatter_add(_zeros_like(av), idx, g),)

    return a.tape.record(out, (a,), pullback, "getitem")


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    """Stack along a new axis; the pullback takes the slices apart."""
    arrays = list(arrays)
    tape = _tape_of(*arrays)
    vals = [_val(x) for x in arrays]
    shapes = {_shape(v) for v in vals}
    if len(shapes) != 1:
        raise ValueError(f"stack: all inputs must have the same shape, got {sorted(shapes)}")
    if any(isinstance(v, DualArray) for v in vals):
        vals = [v if isinstance(v, DualArray) else DualArray(v, 0.0) for v in vals]
        out = DualArray(
            np.stack([v.val for v in vals], axis), np.stack([v.tan for v in vals], axis)
        )
    else:
        out = np.stack(vals, axis=axis)
    if tape is None:
        return out
    ins = tuple(x if isinstance(x, Var) else None for x in arrays)
    nd = len(_shape(out))
    ax = axis % nd

    def pullback(g: Any) -> tuple[Any, ...]:
        res = []
        for i in range(len(ins)):
            sl = tuple([slice(None)] * ax + [i])
            res.append(g[sl])
        return tuple(res)

    return tape.record(out, ins, pullback, "stack")


def concatenate(arrays: Sequence[Any], axis: int = 0) -> Any:
    """Concatenate along an existing axis; the pullback splits the adjoint."""
    arrays = list(arrays)
    tape = _tape_of(*arrays)
    vals = [_val(x) for x in arrays]
    try:
        if any(isinstance(v, DualArray) for v in vals):
            vals = [v if isinstance(v, DualArray) else DualArray(v, 0.0) for v in vals]
            out = DualArray(
                np.concatenate([v.val for v in vals], axis),
                np.concatenate([v.tan for v in vals], axis),
            )
        else:
            out = np.concatenate(vals, axis=axis)
    except ValueError as e:
        raise ValueError(
            f"concatenate: incompatible shapes {[_shape(v) for v in vals]}: {e}"
        ) from None
    if tape is None:
        return out
    ins = tuple(x if isinstance(x, Var) else None for x in arrays)
    ax = axis % len(_shape(out))
    sizes = [_shape(v)[ax] for v in vals]
    bounds = np.cumsum([0] + sizes)

    def pullback(g: Any) -> tuple[Any, ...]:
        return tuple(
            g[tuple([slice(None)] * ax + [slice(bounds[i], bounds[i + 1])])]
            for i in range(len(ins))
        )

    return tape.record(out, ins, pullback, "concatenate")


_SUPPORTED_UFUNCS.update(
    {
        np.add: add,
        np.subtract: sub,
        np.multiply: mul,
        np.true_divide: div,
        np.power: power,
        np.negative: neg,
        np.matmul: matmul,
        np.exp: exp,
        np.log: log,
        np.tanh: tanh,
        np.sin: sin,
        np.cos: cos,
        np.sqrt: sqrt,
        np.square: square,
        np.absolute: abs,
    }
)


# ---------------------------------------------------------------------------
# Transformations
# ---------------------------------------------------------------------------
def _norm_argnums(argnums: int | Sequence[int], nargs: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -nargs <= a < nargs:
            raise ValueError(
                f"argnums {argnums!r} is out of range for {nargs} positional arguments"
            )
    return tuple(a % nargs for a in nums)


def _record(f: Callable, args: tuple, argnums: tuple[int, ...]) -> tuple[Tape, list[Var], Any]:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    tape = Tape()
    leaves = []
    new_args = list(args)
    for i in argnums:
        v = tape.leaf(args[i])
        leaves.append(v)
        new_args[i] = v
    out = f(*new_args)
    return tape, leaves, out


def _finish(bars: list[Any], leaves: list[Var], args: tuple, argnums: tuple[int, ...]) -> list[Any]:
    res = []
    for v, i in zip(leaves, argnums):
        b = bars[v.index]
        if b is None:
            b = _zeros_like(v.value)
        if isinstance(b, np.ndarray) and isinstance(args[i], (int, float)) and b.shape == ():
            b = float(b)
        res.append(b)
    return res


def vjp(
    f: Callable[..., Any], *args: Any, argnums: int | Sequence[int] | None = None
) -> tuple[Any, Callable[[Any], Any]]:
    r"""Value of ``f(*args)`` and its pullback :math:`\bar y \mapsto \bar y^T J`.

    Parameters
    ----------
    f : callable
        Function of arrays built from the supported primitives.
    *args : array_like
        Point of linearisation.
    argnums : int or sequence of int, optional
        Arguments to differentiate (default: all).

    Returns
    -------
    value : ndarray
        ``f(*args)``.
    pullback : callable
        ``pullback(ybar)`` returns the adjoint of each differentiated argument
        (a single array when there is one). The tape is kept, so the pullback
        can be called many times (one reverse pass each).
    """
    nums = tuple(range(len(args))) if argnums is None else _norm_argnums(argnums, len(args))
    tape, leaves, out = _record(f, args, nums)
    single = len(nums) == 1
    if not isinstance(out, Var):
        value = _val(out)

        def const_pullback(ybar: Any) -> Any:
            r = [_zeros_like(v.value) for v in leaves]
            return r[0] if single else tuple(r)

        return value, const_pullback
    yshape = out.shape

    def pullback(ybar: Any) -> Any:
        yb = ybar if isinstance(ybar, DualArray) else np.asarray(ybar, dtype=float)
        if _shape(yb) != yshape:
            raise ValueError(
                f"pullback: the adjoint has shape {_shape(yb)}, expected the output shape {yshape}"
            )
        bars = tape.backward(out, yb)
        r = _finish(bars, leaves, args, nums)
        return r[0] if single else tuple(r)

    return out.value, pullback


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Like :func:`grad`, but also return ``f(*args)``."""

    def wrapped(*args: Any) -> tuple[Any, Any]:
        nums = _norm_argnums(argnums, len(args))
        tape, leaves, out = _record(f, args, nums)
        if isinstance(out, Var):
            if out.size != 1:
                raise ValueError(
                    f"grad needs f to return a scalar, got an output of shape {out.shape}; "
                    "use vjp or jacobian"
                )
            seed = np.ones(out.shape)
            bars = tape.backward(out, seed)
            val = out.value
        else:
            val = _val(out)
            if np.size(_primal(val)) != 1:
                raise ValueError(
                    f"grad needs f to return a scalar, got an output of shape {np.shape(val)}"
                )
            bars = [None] * len(tape)
        r = _finish(bars, leaves, args, nums)
        if not isinstance(val, DualArray):
            val = float(np.asarray(val).reshape(()))
        return val, (r[0] if isinstance(argnums, int) else tuple(r))

    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    r"""Gradient of a scalar function by one reverse pass with seed :math:`\bar y = 1`.

    Parameters
    ----------
    f : callable
        Scalar-valued function of arrays.
    argnums : int or sequence of int
        Which positional argument(s) to differentiate.

    Returns
    -------
    callable
        ``grad(f)(*args)``: the gradient, with the shape of the argument
        (a tuple of gradients when ``argnums`` is a sequence).
    """

    def g(*args: Any) -> Any:
        return value_and_grad(f, argnums)(*args)[1]

    return g


def jacobian(f: Callable[[Any], Any]) -> Callable[[Any], np.ndarray]:
    r"""Jacobian by reverse mode, one row per reverse pass (seeds :math:`e_i`).

    Returns a function ``x -> J`` with ``J.shape == f(x).shape + x.shape``.
    """

    def jac(x: Any) -> np.ndarray:
        y, pb = vjp(f, x)
        y = np.asarray(y)
        xs = _shape(_val(x))
        J = np.zeros(y.shape + xs)
        for i in range(y.size):
            e = np.zeros(y.size)
            e[i] = 1.0
            J.reshape((y.size,) + xs)[i] = pb(e.reshape(y.shape))
        return J

    return jac


def hvp(f: Callable[[Any], Any], x: Any, v: Any) -> np.ndarray:
    r"""Hessian-vector product :math:`\nabla^2 f(x)\, v` by forward-over-reverse.

    The input is made a dual array :math:`x + \epsilon v`; the recorded forward
    pass and the reverse pass then carry tangents, and the tangent of the
    gradient is :math:`Hv`. Costs a small constant times one gradient, and never
    forms :math:`H` (the basis of Hessian-free Newton-Krylov methods).
    """
    xv = np.asarray(x, dtype=float)
    vv = np.asarray(v, dtype=float)
    if xv.shape != vv.shape:
        raise ValueError(f"hvp: x has shape {xv.shape} but v has shape {vv.shape}")
    g = grad(f)(DualArray(xv, vv))
    if isinstance(g, DualArray):
        return g.tan.reshape(xv.shape)
    return np.zeros(xv.shape)


def hessian(f: Callable[[Any], Any]) -> Callable[[Any], np.ndarray]:
    """Dense Hessian from :math:`n` Hessian-vector products (columns :math:`H e_i`)."""

    def h(x: Any) -> np.ndarray:
        xv = np.asarray(x, dtype=float)
        n = xv.size
        H = np.zeros((n, n))
        for i in range(n):
            e = np.zeros(n)
            e[i] = 1.0
            H[:, i] = hvp(f, xv, e.reshape(xv.shape)).ravel()
        return H.reshape(xv.shape + xv.shape)

    return h
