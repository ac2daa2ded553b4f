r"""A compiled dual number: forward-mode AD inside Numba ``@njit`` code (lecture 08).

A dual number :math:`a + \sum_{k=1}^{K} b_k \epsilon_k` with
:math:`\epsilon_j\epsilon_k = 0` is stored as a Numba value type: a struct of
one ``float64`` (the value) and a tuple of :math:`K` ``float64`` (the
partials). It lives in registers or on the stack, so a compiled dual costs a
small multiple of plain ``float`` arithmetic (one multiply of duals is
:math:`1 + 2K` multiplies) and never allocates, unlike the teaching class
:class:`sciml_lib.ad.forward.Dual` :cite:p:`revels2016forward,griewank2008evaluating`.

Arithmetic (``+ - * / **``, unary minus, comparisons by value) and the
elementary functions ``sin cos tan exp log sqrt tanh abs`` (from ``math`` or
``numpy``) follow the rules of calculus, e.g.
:math:`(f, f') (g, g') = (fg, f'g + fg')` and :math:`\exp(f, f') = (e^f, e^f f')`.
A float mixes with a dual as a constant, and a variable that is a float on one
branch and a dual on another is promoted to a dual, so ordinary generic code
runs unchanged.

Arrays of duals are **struct-of-arrays**: a ``DualVector`` holds a value
array :math:`D_0 \in \mathbb R^n` and a partials matrix
:math:`\Sigma \in \mathbb R^{n\times K}`, i.e. :math:`D = D_0 + \Sigma\epsilon`.
Indexing it with an integer gives a scalar dual, ``np.empty_like`` and
``np.zeros_like`` give another ``DualVector``, assigning a dual or a float to
an integer index stores it, and ``A @ D`` with a float matrix ``A`` is
:math:`A D_0 + (A\Sigma)\epsilon`, a matrix-matrix product. Slicing is not
supported. A generic right-hand side ``f(t, u, p)`` (``np.empty_like(u)``, a
loop over ``u[i]``), e.g.
:func:`sciml_lib.pde.mol.mol_reaction_diffusion`, therefore runs on a
``DualVector`` without change, and seeding :math:`\Sigma = I` gives the whole
Jacobian in **one pass** (:func:`rhs_jacobian`). With ``chunk=K < n`` the
columns are done :math:`K` at a time (``ceil(n/K)`` passes), as in ForwardDiff's
chunk mode.

Entry points callable from Python: :func:`derivative`, :func:`jacobian`,
:func:`rhs_jacobian`, :func:`rhs_jvp`, :func:`rhs_jacobian_product`. Inside
``@njit`` code: :func:`dual` makes a dual with one partial, :func:`dual_multi`
one with a tuple of partials; ``d.value`` and ``d.partials`` read them. A dual
returned to Python is boxed as a :class:`sciml_lib.ad.forward.Dual`.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import (
    box,
    intrinsic,
    is_jitted,
    lower_cast,
    make_attribute_wrapper,
    models,
    overload,
    overload_attribute,
    register_model,
)
from numpy.typing import ArrayLike

__all__ = [
    "DualType",
    "DualVectorType",
    "dual",
    "dual_multi",
    "derivative",
    "jacobian",
    "rhs_jacobian",
    "rhs_jvp",
    "rhs_jacobian_product",
    "babylonian_sqrt",
]


# ---------------------------------------------------------------------------
# Types and data models
# ---------------------------------------------------------------------------
class DualType(types.Type):
    """Numba type of a dual number with ``npartials`` partials (a value type)."""

    def __init__(self, npartials: int) -> None:
        self.npartials = int(npartials)
        self.partials_type = types.UniTuple(types.float64, self.npartials)
        super().__init__(name=f"Dual[{self.npartials}]")

    def unify(self, typingctx: Any, other: Any) -> Any:
        """A variable that is a number on one branch and a dual on another is a dual."""
        if isinstance(other, (types.Float, types.Integer)):
            return self
        return None

    def can_convert_from(self, typingctx: Any, other: Any) -> Any:
        """Numbers convert safely to duals (as constants, with zero partials)."""
        from numba.core.typeconv import Conversion

        if isinstance(other, (types.Float, types.Integer)):
            return Conversion.safe
        return None


class DualVectorType(types.Type):
    """Numba type of a struct-of-arrays vector of duals: values ``(n,)``, partials ``(n, K)``."""

    def __init__(self, npartials: int) -> None:
        self.npartials = int(npartials)
        self.dual = DualType(self.npartials)
        super().__init__(name=f"DualVector[{self.npartials}]")


_VAL = types.float64[::1]
_PAR = types.float64[:, ::1]


@register_model(DualType)
class _DualModel(models.StructModel):
    def __init__(self, dmm: Any, fe_type: DualType) -> None:
        members = [("value", types.float64), ("partials", fe_type.partials_type)]
        super().__init__(dmm, fe_type, members)


@register_model(DualVectorType)
class _DualVectorModel(models.StructModel):
    def __init__(self, dmm: Any, fe_type: DualVectorType) -> None:
        members = [("values", _VAL), ("partials", _PAR)]
        super().__init__(dmm, fe_type, members)


make_attribute_wrapper(DualType, "value", "value")
make_attribute_wrapper(DualType, "partials", "partials")
make_attribute_wrapper(DualVectorType, "values", "values")
make_attribute_wrapper(DualVectorType, "partials", "partials")


# ---------------------------------------------------------------------------
# Intrinsics: construction and tuple arithmetic (unrolled at compile time)
# ---------------------------------------------------------------------------
@intrinsic
def _make_dual(typingctx: Any, value: Any, partials: Any) -> Any:
    if not (isinstance(partials, types.UniTuple) and partials.dtype == types.float64):
        return None
    dtype = DualType(partials.count)
    sig = dtype(types.float64, partials)

    def codegen(context, builder, sig, args):
        d = cgutils.create_struct_proxy(sig.return_type)(context, builder)
        d.value = args[0]
        d.partials = args[1]
        return d._getvalue()

    return sig, codegen


def _tuple_map(builder: Any, tupty: Any, fn: Callable[[int], Any], context: Any) -> Any:
    out = cgutils.get_null_value(context.get_value_type(tupty))
    for k in range(tupty.count):
        out = builder.insert_value(out, fn(k), k)
    return out


@intrinsic
def _axpby(typingctx: Any, a: Any, x: Any, b: Any, y: Any) -> Any:
    """Elementwise ``a * x + b * y`` of two float tuples."""
    if not (isinstance(x, types.UniTuple) and x == y):
        return None
    sig = x(types.float64, x, types.float64, x)

    def codegen(context, builder, sig, args):
        a, x, b, y = args
        return _tuple_map(
            builder,
            sig.return_type,
            lambda k: builder.fadd(
                builder.fmul(a, builder.extract_value(x, k)),
                builder.fmul(b, builder.extract_value(y, k)),
            ),
            context,
        )

    return sig, codegen


@intrinsic
def _scale(typingctx: Any, a: Any, x: Any) -> Any:
    """Elementwise ``a * x`` of a float tuple."""
    if not isinstance(x, types.UniTuple):
        return None
    sig = x(types.float64, x)

    def codegen(context, builder, sig, args):
        a, x = args
        return _tuple_map(
            builder,
            sig.return_type,
            lambda k: builder.fmul(a, builder.extract_value(x, k)),
            context,
        )

    return sig, codegen


@intrinsic
def _load_row(typingctx: Any, par: Any, i: Any, like: Any) -> Any:
    """The ``K`` partials of row ``i`` of a C-contiguous ``(n, K)`` array as a tuple."""
    if not isinstance(like, DualVectorType):
        return None
    tupty = like.dual.partials_type
    sig = tupty(_PAR, types.intp, like)

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        row = builder.mul(args[1], context.get_constant(types.intp, tupty.count))
        base = builder.gep(ary.data, [row])
        return _tuple_map(
            builder,
            tupty,
            lambda k: builder.load(builder.gep(base, [context.get_constant(types.intp, k)])),
            context,
        )

    return sig, codegen


@intrinsic
def _store_row(typingctx: Any, par: Any, i: Any, tup: Any) -> Any:
    """Store a tuple of ``K`` floats into row ``i`` of a C-contiguous ``(n, K)`` array."""
    if not isinstance(tup, types.UniTuple):
        return None
    sig = types.none(_PAR, types.intp, tup)

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        row = builder.mul(args[1], context.get_constant(types.intp, tup.count))
        base = builder.gep(ary.data, [row])
        for k in range(tup.count):
            ptr = builder.gep(base, [context.get_constant(types.intp, k)])
            builder.store(builder.extract_value(args[2], k), ptr)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _make_dual_vector(typingctx: Any, values: Any, partials: Any, like: Any) -> Any:
    """A ``DualVector`` from a value array and a partials array (typed like ``like``)."""
    if isinstance(like, DualVectorType):
        dvt = like
    elif isinstance(like, types.UniTuple):
        dvt = DualVectorType(like.count)
    else:
        return None
    sig = dvt(_VAL, _PAR, like)

    def codegen(context, builder, sig, args):
        dv = cgutils.create_struct_proxy(sig.return_type)(context, builder)
        dv.values = args[0]
        dv.partials = args[1]
        context.nrt.incref(builder, _VAL, args[0])
        context.nrt.incref(builder, _PAR, args[1])
        return dv._getvalue()

    return sig, codegen


# float/int -> dual: a constant (zero partials)
@lower_cast(types.Float, DualType)
@lower_cast(types.Integer, DualType)
def _number_to_dual(context: Any, builder: Any, fromty: Any, toty: Any, val: Any) -> Any:
    d = cgutils.create_struct_proxy(toty)(context, builder)
    d.value = context.cast(builder, val, fromty, types.float64)
    d.partials = cgutils.get_null_value(context.get_value_type(toty.partials_type))
    return d._getvalue()


# boxing: a dual returned to Python becomes a sciml_lib.ad.forward.Dual
@box(DualType)
def _box_dual(typ: DualType, val: Any, c: Any) -> Any:
    from .forward import Dual

    d = cgutils.create_struct_proxy(typ)(c.context, c.builder, value=val)
    vobj = c.box(types.float64, d.value)
    pobj = c.box(typ.partials_type, d.partials)
    cls = c.pyapi.unserialize(c.pyapi.serialize_object(Dual))
    res = c.pyapi.call_function_objargs(cls, (vobj, pobj))
    c.pyapi.decref(vobj)
    c.pyapi.decref(pobj)
    c.pyapi.decref(cls)
    return res



# ---------------------------------------------------------------------------
# Constructors usable inside @njit code
# ---------------------------------------------------------------------------
@njit(cache=True)
def dual(value: float, partial: float = 1.0) -> Any:
    r"""The dual number :math:`a + b\,\epsilon` with one partial (``@njit``).

    Parameters
    ----------
    value : float
        :math:`a`.
    partial : float, optional
        :math:`b` (default 1: the seed of :math:`d/da`).
    """
    return _make_dual(float(value), (float(partial),))


@njit(cache=True)
def dual_multi(value: float, partials: tuple) -> Any:
    r"""The dual number :math:`a + \sum_k b_k\epsilon_k` from a tuple of partials (``@njit``)."""
    return _make_dual(float(value), partials)


# ---------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------
def _is_dual(t: Any) -> bool:
    return isinstance(t, DualType)


def _is_num(t: Any) -> bool:
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _binary(op: Any, dd: Callable, dn: Callable, nd: Callable) -> None:
    def typer(a, b):
        if _is_dual(a) and _is_dual(b):
            if a.npartials != b.npartials:
                raise TypeError(f"cannot combine {a} and {b}: different numbers of partials")
            return dd
        if _is_dual(a) and _is_num(b):
            return dn
        if _is_num(a) and _is_dual(b):
            return nd
        return None

    overload(op)(typer)


def _add_dd(a, b):
    return _make_dual(a.value + b.value, _axpby(1.0, a.partials, 1.0, b.partials))


def _add_dn(a, b):
    return _make_dual(a.value + b, a.partials)


def _add_nd(a, b):
    return _make_dual(a + b.value, b.partials)


def _sub_dd(a, b):
    return _make_dual(a.value - b.value, _axpby(1.0, a.partials, -1.0, b.partials))


def _sub_dn(a, b):
    return _make_dual(a.value - b, a.partials)


def _sub_nd(a, b):
    return _make_dual(a - b.value, _scale(-1.0, b.partials))


def _mul_dd(a, b):
    return _make_dual(a.value * b.value, _axpby(b.value, a.partials, a.value, b.partials))


def _mul_dn(a, b):
    return _make_dual(a.value * b, _scale(float(b), a.partials))


def _mul_nd(a, b):
    return _make_dual(a * b.value, _scale(float(a), b.partials))


def _div_dd(a, b):
    q = a.value / b.value
    r = 1.0 / b.value
    return _make_dual(q, _axpby(r, a.partials, -q * r, b.partials))


def _div_dn(a, b):
    return _make_dual(a.value / b, _scale(1.0 / b, a.partials))


def _div_nd(a, b):
    q = a / b.value
    return _make_dual(q, _scale(-q / b.value, b.partials))


def _pow_dn(a, b):
    # a**b with a constant exponent: d = b a^(b-1) a'
    if b == 0:
        return _make_dual(1.0, _scale(0.0, a.partials))
    if b == 1:
        return _make_dual(a.value, a.partials)
    v = a.value**b
    if b == 2:
        return _make_dual(v, _scale(2.0 * a.value, a.partials))
    if a.value == 0.0:
        return _make_dual(v, _scale(b * a.value ** (b - 1), a.partials))
    return _make_dual(v, _scale(b * v / a.value, a.partials))


def _pow_nd(a, b):
    # a**b with a constant base: d = a^b log(a) b'
    v = float(a) ** b.value
    return _make_dual(v, _scale(v * math.log(a), b.partials))


def _pow_dd(a, b):
    v = a.value**b.value
    da = b.value * v / a.value
    return _make_dual(v, _axpby(da, a.partials, v * math.log(a.value), b.partials))


for _op in (operator.add, operator.iadd):
    _binary(_op, _add_dd, _add_dn, _add_nd)
for _op in (operator.sub, operator.isub):
    _binary(_op, _sub_dd, _sub_dn, _sub_nd)
for _op in (operator.mul, operator.imul):
    _binary(_op, _mul_dd, _mul_dn, _mul_nd)
for _op in (operator.truediv, operator.itruediv):
    _binary(_op, _div_dd, _div_dn, _div_nd)
for _op in (operator.pow, operator.ipow):
    _binary(_op, _pow_dd, _pow_dn, _pow_nd)


@overload(operator.neg)
def _neg(a):
    if _is_dual(a):
        return lambda a: _make_dual(-a.value, _scale(-1.0, a.partials))
    return None


@overload(operator.pos)
def _pos(a):
    if _is_dual(a):
        return lambda a: a
    return None


def _comparison(op: Any) -> None:
    def typer(a, b):
        if _is_dual(a) and _is_dual(b):
            return lambda a, b: op(a.value, b.value)
        if _is_dual(a) and _is_num(b):
            return lambda a, b: op(a.value, b)
        if _is_num(a) and _is_dual(b):
            return lambda a, b: op(a, b.value)
        return None

    overload(op)(typer)


for _op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne):
    _comparison(_op)


# ---------------------------------------------------------------------------
# Elementary functions: value and derivative
# ---------------------------------------------------------------------------
def _unary(funcs: tuple, rule: Callable) -> None:
    def typer(a):
        if _is_dual(a):
            return rule
        return None

    for fn in funcs:
        overload(fn)(typer)


def _sin(a):
    return _make_dual(math.sin(a.value), _scale(math.cos(a.value), a.partials))


def _cos(a):
    return _make_dual(math.cos(a.value), _scale(-math.sin(a.value), a.partials))


def _tan(a):
    t = math.tan(a.value)
    return _make_dual(t, _scale(1.0 + t * t, a.partials))


def _exp(a):
    e = math.exp(a.value)
    return _make_dual(e, _scale(e, a.partials))


def _log(a):
    return _make_dual(math.log(a.value), _scale(1.0 / a.value, a.partials))


def _sqrt(a):
    s = math.sqrt(a.value)
    return _make_dual(s, _scale(0.5 / s, a.partials))


def _tanh(a):
    t = math.tanh(a.value)
    return _make_dual(t, _scale(1.0 - t * t, a.partials))


def _abs(a):
    # derivative sign(a); at 0 the right derivative (+1), as in sciml_lib.ad.forward.Dual
    if a.value >= 0.0:
        return a
    return _make_dual(-a.value, _scale(-1.0, a.partials))


_unary((math.sin, np.sin), _sin)
_unary((math.cos, np.cos), _cos)
_unary((math.tan, np.tan), _tan)
_unary((math.exp, np.exp), _exp)
_unary((math.log, np.log), _log)
_unary((math.sqrt, np.sqrt), _sqrt)
_unary((math.tanh, np.tanh), _tanh)
_unary((abs, np.abs, np.absolute), _abs)


# ---------------------------------------------------------------------------
# DualVector: indexing, np.empty_like, size
# ---------------------------------------------------------------------------
@njit(cache=True)
def _index(n, i):
    j = i + n if i < 0 else i
    if j < 0 or j >= n:
        raise IndexError("DualVector index out of range")
    return j


@overload(operator.getitem)
def _dv_getitem(dv, i):
    if isinstance(dv, DualVectorType) and isinstance(i, types.Integer):
        def impl(dv, i):
            j = _index(dv.values.size, i)
            return _make_dual(dv.values[j], _load_row(dv.partials, j, dv))

        return impl
    return None


@overload(operator.setitem)
def _dv_setitem(dv, i, x):
    if not (isinstance(dv, DualVectorType) and isinstance(i, types.Integer)):
        return None
    if _is_dual(x):
        if x.npartials != dv.npartials:
            raise TypeError(f"cannot store {x} in {dv}")

        def impl(dv, i, x):
            j = _index(dv.values.size, i)
            dv.values[j] = x.value
            _store_row(dv.partials, j, x.partials)

        return impl
    if _is_num(x):
        def impl_num(dv, i, x):
            j = _index(dv.values.size, i)
            dv.values[j] = x
            dv.partials[j, :] = 0.0

        return impl_num
    return None


def _like(np_fn: Callable) -> None:
    """``np.empty_like``/``np.zeros_like`` of a DualVector: the same on both arrays."""

    def typer(dv):
        if isinstance(dv, DualVectorType):
            return lambda dv: _make_dual_vector(np_fn(dv.values), np_fn(dv.partials), dv)
        return None

    overload(np_fn)(typer)


_like(np.empty_like)
_like(np.zeros_like)


def _prefer_dual_overloads(fns: tuple[Callable, ...] = (np.empty_like, np.zeros_like)) -> None:
    """Put this module's typing templates of ``fns`` before Numba's own.

    Numba tries the templates of a function in the order they were registered and takes
    the first that accepts the arguments. Its own ``np.empty_like`` accepts any type (it
    would build a 0-d array *of* DualVector), so when Numba's templates came first (a
    function was compiled before this module was imported) a generic right-hand side would
    fail to type. Templates registered later are appended, so this order then holds.
    """
    from numba.core.registry import cpu_target

    ctx = cpu_target.typing_context
    ctx.refresh()
    for fn in fns:
        fnty = ctx._lookup_global(fn)
        if fnty is None:
            continue
        ours = [t for t in fnty.templates
                if getattr(getattr(t, "_overload_func", None), "__module__", None) == __name__]
        if not ours or fnty.templates[: len(ours)] == tuple(ours):
            continue
        rest = [t for t in fnty.templates if t not in ours]
        ctx._remove_global(fn)
        ctx._insert_global(fn, type(fnty)(ours + rest))


_prefer_dual_overloads()


@overload(len)
def _dv_len(dv):
    if isinstance(dv, DualVectorType):
        return lambda dv: dv.values.size
    return None


@overload_attribute(DualVectorType, "size")
def _dv_size(dv):
    return lambda dv: dv.values.size


@overload_attribute(DualVectorType, "shape")
def _dv_shape(dv):
    return lambda dv: dv.values.shape


@overload(operator.matmul)
def _dv_matmul(A, dv):
    # struct of arrays: A (D0 + Sigma eps) = A D0 + (A Sigma) eps, a matrix-matrix product
    if isinstance(A, types.Array) and A.ndim == 2 and isinstance(dv, DualVectorType):
        def impl(A, dv):
            Ac = np.ascontiguousarray(A)
            return _make_dual_vector(Ac @ dv.values, np.ascontiguousarray(Ac @ dv.partials), dv)

        return impl
    return None


# ---------------------------------------------------------------------------
# Drivers
# ---------------------------------------------------------------------------
@njit(cache=True)
def babylonian_sqrt(x: Any, iters: int = 300) -> Any:
    r"""The Babylonian square root: ``iters`` steps of :math:`a \leftarrow \tfrac12(a + x/a)`.

    The iteration starts at :math:`a_0 = x` and converges to :math:`\sqrt x`.

    Written once with plain arithmetic, it runs on floats, on compiled duals
    (its derivative, :math:`1/(2\sqrt x)` after convergence) and, through its
    ``py_func``, on :class:`sciml_lib.ad.forward.Dual` :cite:p:`griewank2008evaluating`.
    """
    a = x
    for _ in range(iters):
        a = 0.5 * (a + x / a)
    return a


def _check_f(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not is_jitted(f):
        raise TypeError(
            "f must be a Numba @njit function (the compiled dual runs inside compiled code)"
        )


def _as_vector(x: ArrayLike, name: str, check_finite: bool = True) -> np.ndarray:
    a = np.ascontiguousarray(x, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    if check_finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a


def _chunk(chunk: Any, n: int) -> int:
    if chunk is None:
        return n
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive int, got {chunk!r}")
    return int(min(chunk, n))


@njit  # not cached: Numba cannot cache functions of a dispatcher argument
def _derivative_kernel(f, x):
    y = f(dual(x, 1.0))
    return _der0(y)


def _der0(y):
    pass


@overload(_der0)
def _ov_der0(y):
    if _is_dual(y):
        return lambda y: y.partials[0]
    if _is_num(y):
        return lambda y: 0.0
    return None



def derivative(f: Callable, x: float) -> float:
    r"""Derivative :math:`f'(x)` of an ``@njit`` scalar function from :math:`f(x + \epsilon)`.

    The whole evaluation runs in compiled code on a dual with one partial.

    Parameters
    ----------
    f : numba dispatcher
        A scalar function of one variable written with plain arithmetic and
        ``math``/``numpy`` elementary functions.
    x : float
        The point.

    Returns
    -------
    float
    """
    _check_f(f)
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"x must be a real number, got {type(x).__name__}")
    if not math.isfinite(float(x)):
        raise ValueError(f"x must be finite, got {x!r}")
    return float(_derivative_kernel(f, float(x)))


def _out_values_partials(y):
    pass


@overload(_out_values_partials)
def _ov_out(y):
    if isinstance(y, DualVectorType):
        return lambda y: (y.values, y.partials)
    return None


_KERNELS: dict = {}


def _jacobian_kernel(f: Callable, K: int, with_t: bool) -> Callable:
    """A compiled Jacobian driver for ``f`` with ``K`` partials per pass (built once, memoised).

    ``f`` and the partials count are constants of the kernel, so a call pays no
    typing of a dispatcher argument. Not cached on disk: the kernel belongs to ``f``.
    """
    key = (f, K, with_t)
    kern = _KERNELS.get(key)
    if kern is not None:
        return kern
    like = (0.0,) * K
    if with_t:
        call = njit(lambda t, x, p: f(t, x, p))
    else:
        call = njit(lambda t, x, p: f(x))

    @njit
    def kern(t, u, p):
        n = u.size
        for i in range(n):
            if not math.isfinite(u[i]):
                raise ValueError("the point (u or x) must be finite")
        vals = np.empty(n)
        par = np.zeros((n, K))
        J = np.empty((0, n))
        for start in range(0, n, K):
            for i in range(n):
                vals[i] = u[i]
                for k in range(K):
                    par[i, k] = 0.0
            stop = min(start + K, n)
            for j in range(start, stop):
                par[j, j - start] = 1.0
            yv, yp = _out_values_partials(call(t, _make_dual_vector(vals, par, like), p))
            if start == 0:
                J = np.empty((yv.size, n))
            for i in range(J.shape[0]):
                for j in range(start, stop):
                    J[i, j] = yp[i, j - start]
        return J

    _KERNELS[key] = kern
    return kern


@njit  # not cached: Numba cannot cache functions of a dispatcher argument
def _jmp_kernel(f, t, u, p, V, seed_like):
    y = f(t, _make_dual_vector(u.copy(), V.copy(), seed_like), p)
    yv, yp = _out_values_partials(y)
    return yv.copy(), yp.copy()


def rhs_jacobian(
    f: Callable, t: float, u: ArrayLike, p: Any, *, chunk: int | None = None
) -> np.ndarray:
    r"""Jacobian :math:`\partial f/\partial u` of ``f(t, u, p)`` with compiled duals.

    ``u`` is seeded as the struct-of-arrays dual vector :math:`u + \Sigma\epsilon`
    with :math:`\Sigma` the identity (``chunk=None``: all :math:`n` partials in
    one pass) or ``chunk`` columns of it per pass; ``f`` runs unchanged on it.

    Parameters
    ----------
    f : numba dispatcher
        ``f(t, u, p) -> du``, generic in the type of ``u``: allocates with
        ``np.empty_like(u)`` and indexes ``u[i]``.
    t : float
    u : array_like
        The state (1-D, finite).
    p : any
        Parameters passed through unchanged.
    chunk : int, optional
        Partials carried per pass (default: all, one pass).

    Returns
    -------
    numpy.ndarray
        The ``(m, n)`` Jacobian.
    """
    _check_f(f)
    ua = _as_vector(u, "u", check_finite=False)  # checked in the kernel
    return _jacobian_kernel(f, _chunk(chunk, ua.size), True)(float(t), ua, p)


def jacobian(f: Callable, x: ArrayLike, *, chunk: int | None = None) -> np.ndarray:
    r"""Jacobian of an ``@njit`` vector function ``f(x)`` with compiled struct-of-arrays duals.

    See :func:`rhs_jacobian`; here ``f`` takes only the vector.
    """
    _check_f(f)
    xa = _as_vector(x, "x", check_finite=False)  # checked in the kernel
    return _jacobian_kernel(f, _chunk(chunk, xa.size), False)(0.0, xa, None)


def rhs_jvp(
    f: Callable, t: float, u: ArrayLike, p: Any, v: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    r"""Value and Jacobian-vector product of ``f(t, u, p)`` in one pass.

    The seed is :math:`u + v\epsilon` (one partial).

    Returns
    -------
    (f(t, u, p), J v) : tuple of numpy.ndarray
    """
    _check_f(f)
    ua = _as_vector(u, "u")
    va = _as_vector(v, "v")
    if va.shape != ua.shape:
        raise ValueError(f"v must have the shape of u {ua.shape}, got {va.shape}")
    y, Jv = _jmp_kernel(f, float(t), ua, p, va.reshape(-1, 1), (0.0,))
    return y, Jv[:, 0]


def rhs_jacobian_product(
    f: Callable, t: float, u: ArrayLike, p: Any, V: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    r"""Value and Jacobian-matrix product :math:`J V` of ``f(t, u, p)`` in one pass.

    The seed is the struct-of-arrays dual vector :math:`u + V\epsilon` with
    :math:`K` = ``V.shape[1]`` partials. With ``V`` the seed matrix of a column
    colouring (:func:`sciml_lib.ad.sparsity.seed_matrix`) this is the
    compressed Jacobian that :func:`sciml_lib.ad.sparsity.decompress` expands
    :cite:p:`curtis1974estimation,gebremedhin2005color`.

    Returns
    -------
    (f(t, u, p), J V) : tuple of numpy.ndarray
    """
    _check_f(f)
    ua = _as_vector(u, "u")
    Va = np.ascontiguousarray(V, dtype=float)
    if Va.ndim != 2 or Va.shape[0] != ua.size or Va.shape[1] == 0:
        raise ValueError(f"V must have shape ({ua.size}, K) with K >= 1, got {Va.shape}")
    if not np.all(np.isfinite(Va)):
        raise ValueError("V must be finite")
    return _jmp_kernel(f, float(t), ua, p, Va, (0.0,) * Va.shape[1])
