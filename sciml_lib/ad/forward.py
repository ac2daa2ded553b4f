r"""Forward-mode automatic differentiation with dual numbers (lecture 08).

A *dual number* :math:`a + \sum_i b_i \epsilon_i` with
:math:`\epsilon_i \epsilon_j = 0` carries a value and a vector of partial
derivatives. Evaluating a program on duals applies the chain rule to every
elementary operation, so that

.. math::

    f(x + \textstyle\sum_i v_i \epsilon_i) = f(x) + \sum_i (J_f(x) v_i)\, \epsilon_i ,

exactly (up to rounding): the Jacobian-vector product is the primitive of
forward mode :cite:p:`baydin2018automatic,griewank2008evaluating`.

:class:`Dual` is a Python class for teaching. It supports arithmetic, powers,
comparisons (by value), ``np.maximum``/``np.minimum`` and the elementary
functions, both as methods and through NumPy (``np.sin(dual)`` and ``np.sin``
of an object array of duals work), so generic NumPy code runs on it unchanged.
A Numba ``@njit`` function is differentiated through its ``py_func``.
Operations that would silently drop the derivative (``float(x)``,
``math.sin(x)``, storing a dual into a float buffer such as ``np.empty(n)``)
raise a ``TypeError`` that names the cause and the fix, and the drivers
(:func:`derivative`, :func:`gradient`, :func:`jacobian`, :func:`jvp`,
:func:`hessian_vector_product`) check the shape of the output of ``f``.

The compiled, solver-facing Jacobians of right-hand sides :math:`f(t, u, p)`
(``rhs_jacobian``, ``rhs_jvp``, ``supports_complex``, coloured Jacobians) live
in ``sciml_lib.ad.jacobians``; they stay importable from here.

Finite differences with the optimal step (:func:`finite_difference`) and the
complex step (:func:`complex_step`) are provided for comparison.
"""

from __future__ import annotations

import linecache
import math
import numbers
import os
import sys
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_vector, check_callable

__all__ = [
    "Dual",
    "derivative",
    "gradient",
    "jacobian",
    "jvp",
    "hessian_vector_product",
    "finite_difference",
    "fd_jacobian",
    "complex_step",
    "complex_step_jacobian",
]

# moved to sciml_lib.ad.jacobians; still importable from here (resolved lazily, so that
# importing the teaching dual numbers does not import Numba and SciPy)
_MOVED = ("rhs_jacobian", "rhs_jvp", "supports_complex")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from . import jacobians

        return getattr(jacobians, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_MOVED))


EPS = np.finfo(float).eps


def _py(f: Callable) -> Callable:
    """The pure-Python body of a Numba dispatcher (so that duals can flow in)."""
    return getattr(f, "py_func", f)


def _elem(name: str, x: Any) -> Any:
    """Apply the elementary function ``name`` to a float or a (nested) dual."""
    if isinstance(x, Dual):
        return getattr(x, name)()
    return getattr(np, name)(x)


_FLOAT_HINT = (
    "{what} of a Dual would drop its derivative{where}. Causes and fixes: "
    "a float buffer (out = np.empty(n) or np.zeros(n); out[i] = x): allocate it with "
    "np.empty_like(x) or np.empty(n, dtype=object); "
    "math.sin(x), math.exp(x), ...: use np.sin(x), np.exp(x) (or x.sin()); "
    "float(x) or int(x): read the value with x.value (the result is then a constant)"
)


def _caller_line() -> str:
    """`` (at file:line: source)`` of the user code that converted a Dual, if known."""
    try:
        fr = sys._getframe(2)
        line = linecache.getline(fr.f_code.co_filename, fr.f_lineno).strip()
    except (ValueError, AttributeError):  # pragma: no cover - no such frame
        return ""
    if not line:
        return ""
    return f" (at {os.path.basename(fr.f_code.co_filename)}:{fr.f_lineno}: {line})"


_MINMAX = ("maximum", "minimum", "fmax", "fmin")


class Dual:
    r"""A dual number :math:`a + \sum_i b_i \epsilon_i` with :math:`\epsilon_i\epsilon_j = 0`.

    Parameters
    ----------
    value : float or Dual
        The real part :math:`a` (a :class:`Dual` itself for nested,
        higher-order duals).
    partials : float or array_like, optional
        The partials :math:`b_i`; a scalar gives a single partial. Default 0.

    Examples
    --------
    >>> x = Dual(3.0, 1.0)
    >>> y = x * x + 2 * x
    >>> y.value, float(y.partials[0])
    (15.0, 8.0)
    """

    __slots__ = ("value", "partials")
    __array_priority__ = 100

    def __init__(self, value: Any, partials: Any = 0.0) -> None:
        if isinstance(value, Dual):
            self.value = value
        else:
            if isinstance(value, (complex, np.complexfloating)) or not isinstance(
                value, (numbers.Real, np.number)
            ):
                raise TypeError(
                    f"value must be a real number or a Dual, got {type(value).__name__}"
                )
            self.value = float(value)
        p = np.asarray(partials)
        if p.ndim == 0:
            p = p.reshape(1)
        if p.ndim != 1:
            raise ValueError("partials must be a scalar or a 1-D array")
        if p.dtype != object:
            p = p.astype(float)
        self.partials = p

    # -- helpers -----------------------------------------------------------
    @property
    def npartials(self) -> int:
        """Number of partials."""
        return self.partials.size

    def _lift(self, other: Any) -> "Dual":
        if isinstance(other, Dual):
            return other
        if isinstance(other, (numbers.Real, np.number)) and not isinstance(
            other, (complex, np.complexfloating)
        ):
            return Dual(other, np.zeros(self.partials.size))
        return NotImplemented  # type: ignore[return-value]

    def _chain(self, fval: Any, dval: Any) -> "Dual":
        """Result of an elementary function: value ``fval``, derivative ``dval``."""
        return Dual(fval, dval * self.partials)

    def __repr__(self) -> str:
        p = self.partials
        v = self.value if isinstance(self.value, Dual) else float(self.value)
        if p.size == 1:
            ps = p[0] if p.dtype == object else float(p[0])
            return f"Dual({v!r}, {ps!r})"
        return f"Dual({v!r}, {p.tolist()!r})"

    # -- arithmetic ----------------------------------------------------------
    def __add__(self, other: Any) -> "Dual":
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.partials + other.partials)
        if isinstance(other, np.ndarray):
            return NotImplemented
        return Dual(self.value + other, self.partials)

    __radd__ = __add__

    def __sub__(self, other: Any) -> "Dual":
        if isinstance(other, Dual):
            return Dual(self.value - other.value, self.partials - other.partials)
        if isinstance(other, np.ndarray):
            return NotImplemented
        return Dual(self.value - other, self.partials)

    def __rsub__(self, other: Any) -> "Dual":
        if isinstance(other, np.ndarray):
            return NotImplemented
        return Dual(other - self.value, -self.partials)

    def __neg__(self) -> "Dual":
        return Dual(-self.value, -self.partials)

    def __pos__(self) -> "Dual":
        return self

    def __mul__(self, other: Any) -> "Dual":
        if isinstance(other, Dual):
            return Dual(
                self.value * other.value, self.partials * other.value + self.value * other.partials
            )
        if isinstance(other, np.ndarray):
            return NotImplemented
        return Dual(self.value * other, self.partials * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> "Dual":
        if isinstance(other, Dual):
            q = self.value / other.value
            return Dual(q, (self.partials - q * other.partials) / other.value)
        if isinstance(other, np.ndarray):
            return NotImplemented
        return Dual(self.value / other, self.partials / other)

    def __rtruediv__(self, other: Any) -> "Dual":
        if isinstance(other, np.ndarray):
            return NotImplemented
        q = other / self.value
        return Dual(q, (-q / self.value) * self.partials)

    def __pow__(self, n: Any) -> "Dual":
        if isinstance(n, Dual):
            return (n * self.log()).exp()
        if isinstance(n, (int, np.integer)) and n >= 0:
            # integer power by repeated squaring: only products are needed
            result: Any = 1.0
            base: Any = self
            k = int(n)
            if k == 0:
                return (
                    Dual(1.0, np.zeros(self.partials.size))
                    if not isinstance(self.value, Dual)
                    else self * 0 + 1
                )
            while k:
                if k & 1:
                    result = base * result
                k >>= 1
                if k:
                    base = base * base
            return result
        return self._chain(self.value**n, n * self.value ** (n - 1))

    def __rpow__(self, a: Any) -> "Dual":
        return (self * math.log(a)).exp()

    def __abs__(self) -> "Dual":
        return self.abs()

    # -- comparisons act on the value (branches follow the primal program) ---
    def _v(self, other: Any) -> Any:
        return other.value if isinstance(other, Dual) else other

    def __lt__(self, other: Any) -> bool:
        return self.value < self._v(other)

    def __le__(self, other: Any) -> bool:
        return self.value <= self._v(other)

    def __gt__(self, other: Any) -> bool:
        return self.value > self._v(other)

    def __ge__(self, other: Any) -> bool:
        return self.value >= self._v(other)

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        return self.value == self._v(other)

    def __ne__(self, other: Any) -> bool:  # type: ignore[override]
        return self.value != self._v(other)

    __hash__ = None  # type: ignore[assignment]

    # -- conversions that would drop the derivative ----------------------------
    def __float__(self) -> float:
        raise TypeError(_FLOAT_HINT.format(what="float()", where=_caller_line()))

    def __int__(self) -> int:
        raise TypeError(_FLOAT_HINT.format(what="int()", where=_caller_line()))

    def __complex__(self) -> complex:
        raise TypeError(_FLOAT_HINT.format(what="complex()", where=_caller_line()))

    # -- elementary functions (also what NumPy calls on object arrays) -------
    def exp(self) -> "Dual":
        e = _elem("exp", self.value)
        return self._chain(e, e)

    def log(self) -> "Dual":
        return self._chain(_elem("log", self.value), 1.0 / self.value)

    def log1p(self) -> "Dual":
        return self._chain(_elem("log1p", self.value), 1.0 / (1.0 + self.value))

    def expm1(self) -> "Dual":
        return self._chain(_elem("expm1", self.value), _elem("exp", self.value))

    def sqrt(self) -> "Dual":
        s = _elem("sqrt", self.value)
        return self._chain(s, 0.5 / s)

    def sin(self) -> "Dual":
        return self._chain(_elem("sin", self.value), _elem("cos", self.value))

    def cos(self) -> "Dual":
        return self._chain(_elem("cos", self.value), -_elem("sin", self.value))

    def tan(self) -> "Dual":
        t = _elem("tan", self.value)
        return self._chain(t, 1.0 + t * t)

    def arctan(self) -> "Dual":
        return self._chain(_elem("arctan", self.value), 1.0 / (1.0 + self.value * self.value))

    def arcsin(self) -> "Dual":
        return self._chain(
            _elem("arcsin", self.value), 1.0 / _elem("sqrt", 1.0 - self.value * self.value)
        )

    def arccos(self) -> "Dual":
        return self._chain(
            _elem("arccos", self.value), -1.0 / _elem("sqrt", 1.0 - self.value * self.value)
        )

    def sinh(self) -> "Dual":
        return self._chain(_elem("sinh", self.value), _elem("cosh", self.value))

    def cosh(self) -> "Dual":
        return self._chain(_elem("cosh", self.value), _elem("sinh", self.value))

    def tanh(self) -> "Dual":
        t = _elem("tanh", self.value)
        return self._chain(t, 1.0 - t * t)

    def abs(self) -> "Dual":
        # derivative sign(x); at x = 0 we take the right derivative 1 (a convention)
        return self if self.value >= 0 else -self

    absolute = abs

    def square(self) -> "Dual":
        return self * self

    def reciprocal(self) -> "Dual":
        return 1.0 / self

    # -- NumPy interoperability -----------------------------------------------
    _UNARY = {
        "exp",
        "log",
        "log1p",
        "expm1",
        "sqrt",
        "sin",
        "cos",
        "tan",
        "arctan",
        "arcsin",
        "arccos",
        "sinh",
        "cosh",
        "tanh",
        "absolute",
        "square",
        "reciprocal",
    }
    _BINARY = {
        "add": "__add__",
        "subtract": "__sub__",
        "multiply": "__mul__",
        "true_divide": "__truediv__",
        "divide": "__truediv__",
        "power": "__pow__",
        "less": "__lt__",
        "less_equal": "__le__",
        "greater": "__gt__",
        "greater_equal": "__ge__",
        "equal": "__eq__",
        "not_equal": "__ne__",
    }

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs.get("out") is not None:
            return NotImplemented
        name = ufunc.__name__
        if any(isinstance(x, np.ndarray) for x in inputs):
            # mixed with an array: compute elementwise on an object array
            arrs = [np.asarray(x, dtype=object) if isinstance(x, np.ndarray) else x for x in inputs]
            b = np.broadcast(
                *[np.empty(np.shape(a)) if isinstance(a, np.ndarray) else 0.0 for a in arrs]
            )
            out = np.empty(b.shape, dtype=object)
            for idx in np.ndindex(b.shape):
                args = [
                    a[idx]
                    if isinstance(a, np.ndarray) and a.ndim
                    else (a[()] if isinstance(a, np.ndarray) else a)
                    for a in arrs
                ]
                out[idx] = ufunc(*args)
            return out
        if len(inputs) == 1 and name in self._UNARY:
            return getattr(inputs[0], name)()
        if name == "negative":
            return -inputs[0]
        if len(inputs) == 2 and name in self._BINARY:
            a, b = inputs
            if isinstance(a, Dual):
                return getattr(a, self._BINARY[name])(b)
            # b is the Dual: use the reflected operation
            refl = {
                "add": "__radd__",
                "subtract": "__rsub__",
                "multiply": "__rmul__",
                "true_divide": "__rtruediv__",
                "divide": "__rtruediv__",
                "power": "__rpow__",
                "less": "__gt__",
                "less_equal": "__ge__",
                "greater": "__lt__",
                "greater_equal": "__le__",
                "equal": "__eq__",
                "not_equal": "__ne__",
            }
            return getattr(b, refl[name])(a)
        if len(inputs) == 2 and name in _MINMAX:
            # the derivative of the selected argument (the same rule as NumPy's object loop)
            a, b = inputs
            av, bv = _value(a), _value(b)
            if av != av or bv != bv:  # NaN: maximum/minimum propagate it, fmax/fmin ignore it
                nan_a = av != av
                keep_a = nan_a if name in ("maximum", "minimum") else not nan_a
                return _lift_like(a if keep_a else b, a, b)
            take_a = av >= bv if name in ("maximum", "fmax") else av <= bv
            return _lift_like(a if take_a else b, a, b)
        if any(not (isinstance(x, Dual) or _is_real(x)) for x in inputs):
            return NotImplemented  # another type may implement it
        supported = sorted(self._UNARY | set(self._BINARY) | set(_MINMAX) | {"negative"})
        raise TypeError(
            f"np.{name} is not supported for Dual numbers (its derivative rule is not "
            f"implemented). Supported ufuncs: {', '.join(supported)}. "
            "Fix: write the operation with these "
            "(e.g. np.hypot(a, b) as np.sqrt(a*a + b*b)), or apply it to x.value if it does not "
            "depend on the variable"
        )


def _lift_like(y: Any, a: Any, b: Any) -> Any:
    """``y`` as a :class:`Dual` with the partials layout of the dual among ``a``, ``b``."""
    if isinstance(y, Dual):
        return y
    d = a if isinstance(a, Dual) else b
    return d._lift(y)


# --------------------------------------------------------------------------
# Derivatives with the Python dual
# --------------------------------------------------------------------------


def _value(y: Any) -> Any:
    return y.value if isinstance(y, Dual) else y


def _partials(y: Any, n: int) -> np.ndarray:
    if isinstance(y, Dual):
        return y.partials
    return np.zeros(n)


def _is_real(y: Any) -> bool:
    return isinstance(y, (numbers.Real, np.number)) and not isinstance(
        y, (bool, np.bool_, complex, np.complexfloating)
    )


def _check_entry(y: Any, caller: str, where: str = "") -> Any:
    """``y`` if it is a :class:`Dual` or a real number (a constant), else a ``TypeError``."""
    if isinstance(y, Dual) or _is_real(y):
        return y
    if y is None:
        raise TypeError(
            f"f returned None{where}: {caller} needs f to return its result "
            "(did you forget a return statement?)"
        )
    raise TypeError(
        f"f returned {type(y).__name__}{where}: {caller} needs Dual numbers or real numbers "
        "(write f with arithmetic and NumPy functions only)"
    )


def _scalar_output(y: Any, caller: str) -> Any:
    """The scalar output of ``f`` (a :class:`Dual` or a real constant), checked."""
    if isinstance(y, (np.ndarray, list, tuple)):
        shape = np.shape(np.asarray(y, dtype=object))
        if int(np.prod(shape)) != 1:
            raise ValueError(
                f"f must return a scalar for {caller}, got an output of shape {shape} "
                "(use jacobian or jvp for vector outputs, or reduce the output, e.g. with np.sum)"
            )
        y = np.asarray(y, dtype=object).reshape(-1)[0]
    return _check_entry(y, caller)


def _vector_output(y: Any, caller: str) -> tuple[list[Any], bool]:
    """The entries of the scalar or 1-D output of ``f``, checked; and whether it was scalar."""
    if y is None or isinstance(y, Dual) or _is_real(y):
        return [_check_entry(y, caller)], True
    try:
        arr = np.asarray(y, dtype=object)
    except (TypeError, ValueError):
        raise TypeError(
            f"f returned {type(y).__name__}: {caller} needs a scalar or 1-D array"
        ) from None
    if arr.ndim == 0:
        return [_check_entry(arr[()], caller)], True
    if arr.ndim != 1:
        raise ValueError(
            f"f must return a scalar or a 1-D array for {caller}, got an output of shape "
            f"{arr.shape} (flatten it, e.g. with .ravel())"
        )
    return [_check_entry(yi, caller, f" at output index {i}") for i, yi in enumerate(arr)], False


def derivative(f: Callable[[Any], Any], x: float) -> float:
    r"""Derivative of a scalar function, :math:`f'(x)`, from :math:`f(x + \epsilon)`.

    Parameters
    ----------
    f : callable
        A scalar function of one variable written with ordinary arithmetic
        (a Numba dispatcher is differentiated through its ``py_func``). It must
        return a scalar; a real number (a constant) has derivative 0.
    x : float
        The point.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``f`` returns ``None`` or something that is not a number.
    ValueError
        If ``f`` returns an array with more than one entry.

    Examples
    --------
    >>> derivative(lambda x: 3 * x**5 + 2, 2.0)
    240.0
    """
    check_callable(f)
    if not _is_real(x):
        raise TypeError(f"x must be a real number, got {type(x).__name__}")
    if not math.isfinite(float(x)):
        raise ValueError(f"x must be finite, got {x!r}")
    y = _scalar_output(_py(f)(Dual(float(x), 1.0)), "derivative")
    if isinstance(y, Dual):
        return float(_value(y.partials[0]))
    return 0.0


def _seeded(x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Object array of duals ``x_i + sum_k seeds[i, k] eps_k``."""
    out = np.empty(x.size, dtype=object)
    for i in range(x.size):
        out[i] = Dual(x[i], seeds[i])
    return out


def gradient(f: Callable[[np.ndarray], Any], x: ArrayLike) -> np.ndarray:
    r"""Gradient of a scalar function :math:`f:\mathbb R^n\to\mathbb R` in one pass.

    Each input carries ``n`` partials seeded with the unit vectors. ``f`` must
    return a scalar (a size-1 array is accepted); anything else raises, so an
    optimiser never sees a silent zero gradient.

    Examples
    --------
    >>> gradient(lambda v: v[0]**2 * v[1] + v[0] + v[1], [1.0, 2.0])
    array([5., 2.])
    """
    check_callable(f)
    xa = as_float_vector(x)
    y = _scalar_output(_py(f)(_seeded(xa, np.eye(xa.size))), "gradient")
    return np.asarray(_partials(y, xa.size), dtype=float).copy()


def jacobian(f: Callable[[np.ndarray], Any], x: ArrayLike) -> np.ndarray:
    r"""Jacobian :math:`J_{ij} = \partial f_i/\partial x_j` in one pass of multi-partial duals.

    ``f`` maps a 1-D array to a 1-D array (or a list/tuple of scalars, or a
    scalar: then :math:`J` has one row); it must be generic NumPy code
    (``np.empty_like(x)``, not ``np.empty(n)``). A 2-D output raises a
    ``ValueError``.

    Examples
    --------
    >>> jacobian(lambda v: np.array([v[0]**2 + v[1]**2, v[0] + v[1]]), [1.0, 2.0])
    array([[2., 4.],
           [1., 1.]])
    """
    check_callable(f)
    xa = as_float_vector(x)
    n = xa.size
    ys, _ = _vector_output(_py(f)(_seeded(xa, np.eye(n))), "jacobian")
    return np.array([np.asarray(_partials(yi, n), dtype=float) for yi in ys]).reshape(len(ys), n)


def jvp(
    f: Callable[[np.ndarray], Any], x: ArrayLike, v: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    r"""Jacobian-vector product: :math:`f(x + \epsilon v) = f(x) + \epsilon J v`.

    Returns
    -------
    (f(x), J v) : tuple of ndarray
        Scalars when ``f`` returns a scalar.
    """
    check_callable(f)
    xa = as_float_vector(x)
    va = as_float_vector(v, "v")
    if va.shape != xa.shape:
        raise ValueError(f"v must have the shape of x {xa.shape}, got {va.shape}")
    ys, scalar = _vector_output(_py(f)(_seeded(xa, va.reshape(-1, 1))), "jvp")
    val = np.array([float(_value(yi)) for yi in ys])
    der = np.array([float(_partials(yi, 1)[0]) for yi in ys])
    if scalar:
        return val[0], der[0]
    return val, der


def hessian_vector_product(
    f: Callable[[np.ndarray], Any], x: ArrayLike, v: ArrayLike
) -> np.ndarray:
    r"""Hessian-vector product :math:`\nabla^2 f(x)\, v` by forward-over-forward duals.

    The inputs are nested duals :math:`(x_i + v_i \delta) + e_i \epsilon`: the
    outer partials give :math:`\nabla f(x + v\delta)`, whose
    :math:`\delta`-parts are :math:`\nabla^2 f(x) v`. ``f`` must return a
    scalar.
    """
    check_callable(f)
    xa = as_float_vector(x)
    va = as_float_vector(v, "v")
    if va.shape != xa.shape:
        raise ValueError(f"v must have the shape of x {xa.shape}, got {va.shape}")
    n = xa.size
    inputs = np.empty(n, dtype=object)
    for i in range(n):
        seeds = np.empty(n, dtype=object)
        for k in range(n):
            seeds[k] = Dual(1.0 if k == i else 0.0, 0.0)
        inputs[i] = Dual(Dual(xa[i], va[i]), seeds)
    y = _scalar_output(_py(f)(inputs), "hessian_vector_product")
    if not isinstance(y, Dual):
        return np.zeros(n)  # a constant
    out = np.zeros(n)
    for k in range(n):
        pk = y.partials[k]
        out[k] = float(pk.partials[0]) if isinstance(pk, Dual) else 0.0
    return out


# --------------------------------------------------------------------------
# Finite differences and the complex step (for comparison)
# --------------------------------------------------------------------------
def finite_difference(
    f: Callable[[float], float], x: float, h: float | None = None, *, kind: str = "forward"
) -> float:
    r"""Finite-difference derivative of a scalar function.

    ``kind="forward"``: :math:`(f(x+h) - f(x))/h`, error
    :math:`O(h) + O(E/h)`, optimal :math:`h \approx \sqrt{E}\max(1,|x|)`.
    ``kind="central"``: :math:`(f(x+h) - f(x-h))/(2h)`, error
    :math:`O(h^2) + O(E/h)`, optimal :math:`h \approx E^{1/3}\max(1,|x|)`.
    Here :math:`E` is machine epsilon.
    """
    check_callable(f)
    if kind not in ("forward", "central"):
        raise ValueError(f"kind must be 'forward' or 'central', got {kind!r}")
    x = float(x)
    if h is None:
        h = (EPS ** (0.5 if kind == "forward" else 1 / 3)) * max(1.0, abs(x))
    if not h > 0:
        raise ValueError(f"h must be > 0, got {h!r}")
    xh = x + h
    hh = xh - x  # the step actually represented in floating point
    if hh == 0:
        raise ValueError(f"h={h!r} is below the resolution of x={x!r} (x + h == x)")
    if kind == "forward":
        return (f(xh) - f(x)) / hh
    return (f(xh) - f(x - hh)) / (2 * hh)


def complex_step(f: Callable[[complex], complex], x: float, h: float = 1e-100) -> float:
    r"""Complex-step derivative :math:`f'(x) = \operatorname{Im} f(x + ih)/h + O(h^2)`.

    No subtraction, hence no cancellation: ``h`` can be tiny and the result is
    exact to rounding for real-analytic ``f`` :cite:p:`squire1998using`.
    """
    check_callable(f)
    if not h > 0:
        raise ValueError(f"h must be > 0, got {h!r}")
    return float(np.imag(f(complex(float(x), h))) / h)


def fd_jacobian(
    f: Callable[[np.ndarray], np.ndarray], x: ArrayLike, h: float | None = None
) -> np.ndarray:
    """Dense forward-difference Jacobian: ``n + 1`` evaluations of ``f``."""
    check_callable(f)
    xa = as_float_vector(x)
    f0 = np.asarray(f(xa), dtype=float)
    J = np.empty((f0.size, xa.size))
    for j in range(xa.size):
        hj = h if h is not None else math.sqrt(EPS) * max(1.0, abs(xa[j]))
        xp = xa.copy()
        xp[j] += hj
        hj = xp[j] - xa[j]
        J[:, j] = (np.asarray(f(xp), dtype=float) - f0) / hj
    return J


def complex_step_jacobian(
    f: Callable[[np.ndarray], np.ndarray], x: ArrayLike, h: float = 1e-100
) -> np.ndarray:
    """Dense complex-step Jacobian: ``n`` evaluations of ``f`` on complex input."""
    check_callable(f)
    xa = as_float_vector(x)
    cols = []
    for j in range(xa.size):
        xc = xa.astype(complex)
        xc[j] += 1j * h
        cols.append(np.imag(np.asarray(f(xc))) / h)
    return np.array(cols).T.reshape(-1, xa.size)
