r"""Forward-mode automatic differentiation with dual numbers (lecture 08).

A *dual number* :math:`a + \sum_i b_i \epsilon_i` with
:math:`\epsilon_i \epsilon_j = 0` carries a value and a vector of partial
derivatives. Evaluating a program on duals applies the chain rule to every
elementary operation, so that

.. math::

    f(x + \textstyle\sum_i v_i \epsilon_i) = f(x) + \sum_i (J_f(x) v_i)\, \epsilon_i ,

exactly (up to rounding): the Jacobian-vector product is the primitive of
forward mode :cite:p:`baydin2018automatic,griewank2008evaluating`.

Two implementations live here:

* :class:`Dual`, a Python class for teaching. It supports arithmetic, powers,
  comparisons (by value) and the elementary functions, both as methods and
  through NumPy (``np.sin(dual)`` and ``np.sin`` of an object array of duals
  work), so generic NumPy code runs on it unchanged. A Numba ``@njit``
  function is differentiated through its ``py_func``.
* A compiled path for Numba right-hand sides :math:`f(t, u, p)`
  (:func:`rhs_jacobian`, :func:`rhs_jvp`): the **same** ``@njit`` function is
  specialised by Numba on ``complex128`` arrays and differentiated by the
  complex step :cite:p:`squire1998using,martins2003complex`. With a step
  :math:`h = 10^{-100}` the products of two perturbations (:math:`h^2`)
  underflow against the value, so :math:`\mathbb C` behaves exactly like the
  dual numbers with one partial: the derivative is exact to rounding and there
  is no cancellation. Numba arrays can only hold NumPy dtypes, so a dual
  *scalar* type (possible with ``numba.extending``) could not flow through
  ``np.empty_like(u)`` in a generic right-hand side; ``complex128`` is the one
  two-component algebra that NumPy arrays and Numba support natively.
  Column compression by a colouring (:mod:`sciml_lib.ad.sparsity`) applies to
  both the complex step and finite differences.

Finite differences with the optimal step (:func:`finite_difference`) and the
complex step (:func:`complex_step`) are provided for comparison.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

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
    "rhs_jacobian",
    "rhs_jvp",
    "supports_complex",
]

EPS = np.finfo(float).eps


def _py(f: Callable) -> Callable:
    """The pure-Python body of a Numba dispatcher (so that duals can flow in)."""
    return getattr(f, "py_func", f)


def _elem(name: str, x: Any) -> Any:
    """Apply the elementary function ``name`` to a float or a (nested) dual."""
    if isinstance(x, Dual):
        return getattr(x, name)()
    return getattr(np, name)(x)


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
            if isinstance(value, (complex, np.complexfloating)) or not isinstance(value, (numbers.Real, np.number)):
                raise TypeError(f"value must be a real number or a Dual, got {type(value).__name__}")
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
        if isinstance(other, (numbers.Real, np.number)) and not isinstance(other, (complex, np.complexfloating)):
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
            return Dual(self.value * other.value, self.partials * other.value + self.value * other.partials)
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
                return Dual(1.0, np.zeros(self.partials.size)) if not isinstance(self.value, Dual) else self * 0 + 1
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
        return self._chain(_elem("arcsin", self.value), 1.0 / _elem("sqrt", 1.0 - self.value * self.value))

    def arccos(self) -> "Dual":
        return self._chain(_elem("arccos", self.value), -1.0 / _elem("sqrt", 1.0 - self.value * self.value))

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
        "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "arctan", "arcsin", "arccos",
        "sinh", "cosh", "tanh", "absolute", "square", "reciprocal",
    }
    _BINARY = {
        "add": "__add__", "subtract": "__sub__", "multiply": "__mul__", "true_divide": "__truediv__",
        "divide": "__truediv__", "power": "__pow__", "less": "__lt__", "less_equal": "__le__",
        "greater": "__gt__", "greater_equal": "__ge__", "equal": "__eq__", "not_equal": "__ne__",
    }

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs.get("out") is not None:
            return NotImplemented
        name = ufunc.__name__
        if any(isinstance(x, np.ndarray) for x in inputs):
            # mixed with an array: compute elementwise on an object array
            arrs = [np.asarray(x, dtype=object) if isinstance(x, np.ndarray) else x for x in inputs]
            b = np.broadcast(*[np.empty(np.shape(a)) if isinstance(a, np.ndarray) else 0.0 for a in arrs])
            out = np.empty(b.shape, dtype=object)
            for idx in np.ndindex(b.shape):
                args = [a[idx] if isinstance(a, np.ndarray) and a.ndim else (a[()] if isinstance(a, np.ndarray) else a) for a in arrs]
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
            refl = {"add": "__radd__", "subtract": "__rsub__", "multiply": "__rmul__", "true_divide": "__rtruediv__",
                    "divide": "__rtruediv__", "power": "__rpow__", "less": "__gt__", "less_equal": "__ge__",
                    "greater": "__lt__", "greater_equal": "__le__", "equal": "__eq__", "not_equal": "__ne__"}
            return getattr(b, refl[name])(a)
        return NotImplemented


# --------------------------------------------------------------------------
# Derivatives with the Python dual
# --------------------------------------------------------------------------
def _as_float_vector(x: ArrayLike, name: str = "x") -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a


def _check_callable(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")


def _value(y: Any) -> Any:
    return y.value if isinstance(y, Dual) else y


def _partials(y: Any, n: int) -> np.ndarray:
    if isinstance(y, Dual):
        return y.partials
    return np.zeros(n)


def derivative(f: Callable[[Any], Any], x: float) -> float:
    r"""Derivative of a scalar function, :math:`f'(x)`, from :math:`f(x + \epsilon)`.

    Parameters
    ----------
    f : callable
        A scalar function of one variable written with ordinary arithmetic
        (a Numba dispatcher is differentiated through its ``py_func``).
    x : float
        The point.

    Returns
    -------
    float

    Examples
    --------
    >>> derivative(lambda x: 3 * x**5 + 2, 2.0)
    240.0
    """
    _check_callable(f)
    if not isinstance(x, (numbers.Real, np.number)) or isinstance(x, (complex, np.complexfloating)):
        raise TypeError(f"x must be a real number, got {type(x).__name__}")
    y = _py(f)(Dual(float(x), 1.0))
    if isinstance(y, Dual):
        return float(y.partials[0])
    return 0.0


def _seeded(x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Object array of duals ``x_i + sum_k seeds[i, k] eps_k``."""
    out = np.empty(x.size, dtype=object)
    for i in range(x.size):
        out[i] = Dual(x[i], seeds[i])
    return out


def gradient(f: Callable[[np.ndarray], Any], x: ArrayLike) -> np.ndarray:
    r"""Gradient of a scalar function :math:`f:\mathbb R^n\to\mathbb R` in one pass.

    Each input carries ``n`` partials seeded with the unit vectors.

    Examples
    --------
    >>> gradient(lambda v: v[0]**2 * v[1] + v[0] + v[1], [1.0, 2.0])
    array([5., 2.])
    """
    _check_callable(f)
    xa = _as_float_vector(x)
    y = _py(f)(_seeded(xa, np.eye(xa.size)))
    if isinstance(y, np.ndarray) and y.size == 1:
        y = y.reshape(-1)[0]
    return np.asarray(_partials(y, xa.size), dtype=float).copy()


def jacobian(f: Callable[[np.ndarray], Any], x: ArrayLike) -> np.ndarray:
    r"""Jacobian :math:`J_{ij} = \partial f_i/\partial x_j` in one pass of multi-partial duals.

    ``f`` maps a 1-D array to a 1-D array (or a list/tuple of scalars); it must
    be generic NumPy code (``np.empty_like(x)``, not ``np.empty(n)``).

    Examples
    --------
    >>> jacobian(lambda v: np.array([v[0]**2 + v[1]**2, v[0] + v[1]]), [1.0, 2.0])
    array([[2., 4.],
           [1., 1.]])
    """
    _check_callable(f)
    xa = _as_float_vector(x)
    n = xa.size
    y = _py(f)(_seeded(xa, np.eye(n)))
    ys = list(y) if not isinstance(y, Dual) else [y]
    return np.array([np.asarray(_partials(yi, n), dtype=float) for yi in ys]).reshape(len(ys), n)


def jvp(f: Callable[[np.ndarray], Any], x: ArrayLike, v: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Jacobian-vector product: :math:`f(x + \epsilon v) = f(x) + \epsilon J v`.

    Returns
    -------
    (f(x), J v) : tuple of ndarray
    """
    _check_callable(f)
    xa = _as_float_vector(x)
    va = _as_float_vector(v, "v")
    if va.shape != xa.shape:
        raise ValueError(f"v must have the shape of x {xa.shape}, got {va.shape}")
    y = _py(f)(_seeded(xa, va.reshape(-1, 1)))
    scalar = isinstance(y, Dual) or np.ndim(y) == 0
    ys = [y] if scalar else list(y)
    val = np.array([float(_value(yi)) for yi in ys])
    der = np.array([float(_partials(yi, 1)[0]) for yi in ys])
    if scalar:
        return val[0], der[0]
    return val, der


def hessian_vector_product(f: Callable[[np.ndarray], Any], x: ArrayLike, v: ArrayLike) -> np.ndarray:
    r"""Hessian-vector product :math:`\nabla^2 f(x)\, v` by forward-over-forward duals.

    The inputs are nested duals :math:`(x_i + v_i \delta) + e_i \epsilon`: the
    outer partials give :math:`\nabla f(x + v\delta)`, whose
    :math:`\delta`-parts are :math:`\nabla^2 f(x) v`.
    """
    _check_callable(f)
    xa = _as_float_vector(x)
    va = _as_float_vector(v, "v")
    if va.shape != xa.shape:
        raise ValueError(f"v must have the shape of x {xa.shape}, got {va.shape}")
    n = xa.size
    inner_zero = Dual(0.0, 0.0)
    inputs = np.empty(n, dtype=object)
    for i in range(n):
        seeds = np.empty(n, dtype=object)
        for k in range(n):
            seeds[k] = Dual(1.0 if k == i else 0.0, 0.0)
        inputs[i] = Dual(Dual(xa[i], va[i]), seeds)
    y = _py(f)(inputs)
    if isinstance(y, np.ndarray) and y.size == 1:
        y = y.reshape(-1)[0]
    if not isinstance(y, Dual):
        return np.zeros(n)
    out = np.zeros(n)
    for k in range(n):
        pk = y.partials[k]
        out[k] = float(pk.partials[0]) if isinstance(pk, Dual) else 0.0
    del inner_zero
    return out


# --------------------------------------------------------------------------
# Finite differences and the complex step (for comparison)
# --------------------------------------------------------------------------
def finite_difference(f: Callable[[float], float], x: float, h: float | None = None, *, kind: str = "forward") -> float:
    r"""Finite-difference derivative of a scalar function.

    ``kind="forward"``: :math:`(f(x+h) - f(x))/h`, error
    :math:`O(h) + O(E/h)`, optimal :math:`h \approx \sqrt{E}\max(1,|x|)`.
    ``kind="central"``: :math:`(f(x+h) - f(x-h))/(2h)`, error
    :math:`O(h^2) + O(E/h)`, optimal :math:`h \approx E^{1/3}\max(1,|x|)`.
    Here :math:`E` is machine epsilon.
    """
    _check_callable(f)
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
    _check_callable(f)
    if not h > 0:
        raise ValueError(f"h must be > 0, got {h!r}")
    return float(np.imag(f(complex(float(x), h))) / h)


def fd_jacobian(f: Callable[[np.ndarray], np.ndarray], x: ArrayLike, h: float | None = None) -> np.ndarray:
    """Dense forward-difference Jacobian: ``n + 1`` evaluations of ``f``."""
    _check_callable(f)
    xa = _as_float_vector(x)
    f0 = np.asarray(f(xa), dtype=float)
    J = np.empty((f0.size, xa.size))
    for j in range(xa.size):
        hj = h if h is not None else math.sqrt(EPS) * max(1.0, abs(xa[j]))
        xp = xa.copy()
        xp[j] += hj
        hj = xp[j] - xa[j]
        J[:, j] = (np.asarray(f(xp), dtype=float) - f0) / hj
    return J


def complex_step_jacobian(f: Callable[[np.ndarray], np.ndarray], x: ArrayLike, h: float = 1e-100) -> np.ndarray:
    """Dense complex-step Jacobian: ``n`` evaluations of ``f`` on complex input."""
    _check_callable(f)
    xa = _as_float_vector(x)
    cols = []
    for j in range(xa.size):
        xc = xa.astype(complex)
        xc[j] += 1j * h
        cols.append(np.imag(np.asarray(f(xc))) / h)
    return np.array(cols).T.reshape(-1, xa.size)


# --------------------------------------------------------------------------
# Compiled path for right-hand sides f(t, u, p)
# --------------------------------------------------------------------------
def supports_complex(f: Callable, t: float, u: np.ndarray, p: Any) -> bool:
    r"""Whether ``f(t, u, p)`` runs on ``complex128`` arrays and returns complex values.

    A right-hand side written generically (``np.empty_like(u)``, analytic
    functions) does; one that allocates ``np.empty(n)`` (float) or uses ``abs``
    or comparisons on ``u`` does not, and then finite differences are used.
    The complex-step directional derivative is also compared with central
    differences at two points (of either sign): powers ``x**k`` of a negative
    ``x`` are computed by Numba as :math:`e^{k\log x}` and lose the step
    (write ``x*x*x``), which this check catches.
    """
    import warnings

    ua = np.asarray(u, dtype=float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            uc = ua.astype(complex)
            uc[0] += 1j * 1e-100
            y = np.asarray(f(t, uc, p))
        if not (np.iscomplexobj(y) and y.shape == ua.shape and np.all(np.isfinite(y.view(float)))):
            return False
        # guard against silent loss of the step (e.g. ``x**k`` with x < 0 goes through
        # exp(k log x) and rounds the tiny imaginary part away): compare a JVP with
        # central differences at two points of either sign
        rng = np.random.default_rng(1)
        scale = np.maximum(np.abs(ua), 1e-3)
        for up in (ua + 0.1 * scale * rng.standard_normal(ua.size), -ua - 0.1 * scale * rng.uniform(0.5, 1, ua.size)):
            v = rng.standard_normal(ua.size) * scale
            with np.errstate(all="ignore"):
                cs = np.imag(np.asarray(f(t, up + 1e-100j * v, p))) / 1e-100
                d = 1e-6
                fd = (np.asarray(f(t, up + d * v, p), dtype=float) - np.asarray(f(t, up - d * v, p), dtype=float)) / (2 * d)
            if not np.all(np.isfinite(fd)):
                continue
            if np.linalg.norm(cs - fd) > 1e-4 * (np.linalg.norm(fd) + 1e-8 * np.linalg.norm(np.asarray(f(t, up, p))) + 1e-300):
                return False
    except Exception:
        return False
    return True


def rhs_jacobian(
    f: Callable,
    t: float,
    u: ArrayLike,
    p: Any = (),
    *,
    method: str = "complex",
    sparsity: Any = None,
    colors: np.ndarray | None = None,
) -> Any:
    r"""Jacobian :math:`\partial f/\partial u` of a right-hand side :math:`f(t, u, p)` at compiled speed.

    Parameters
    ----------
    f : callable
        ``f(t, u, p) -> du``; a Numba ``@njit`` function runs entirely in
        compiled code.
    t, u, p
        The point.
    method : {"complex", "fd"}
        Complex step (exact to rounding; ``f`` must accept complex arrays) or
        forward differences (step :math:`\sqrt{E}\max(1,|u_j|)`).
    sparsity : scipy.sparse matrix or bool array, optional
        The Jacobian's nonzero pattern. With it, columns are grouped by a
        colouring (``colors``, computed by
        :func:`sciml_lib.ad.sparsity.color_columns` when omitted) and one
        evaluation per colour is spent; the result is a ``scipy.sparse.csc_matrix``.
    colors : ndarray of int, optional
        A valid column colouring of ``sparsity``.

    Returns
    -------
    ndarray or scipy.sparse.csc_matrix
    """
    from . import _numba_jac as nj

    _check_callable(f)
    ua = _as_float_vector(u, "u")
    if method not in ("complex", "fd"):
        raise ValueError(f"method must be 'complex' or 'fd', got {method!r}")
    if sparsity is None:
        if method == "complex":
            return nj.jac_cs_dense(f, float(t), ua, p)
        return nj.jac_fd_dense(f, float(t), ua, p, f(float(t), ua, p))
    from .sparsity import SparseJacobianPlan

    plan = SparseJacobianPlan(sparsity, colors=colors)
    return plan.evaluate(f, float(t), ua, p, method=method)


def rhs_jvp(f: Callable, t: float, u: ArrayLike, p: Any, v: ArrayLike, *, method: str = "complex") -> np.ndarray:
    r"""Jacobian-vector product :math:`(\partial f/\partial u)\, v` of :math:`f(t, u, p)`: one evaluation.

    ``method="complex"`` uses :math:`\operatorname{Im} f(t, u + ih v)/h`;
    ``"fd"`` uses :math:`(f(u + \delta v) - f(u))/\delta` with
    :math:`\delta = \sqrt{E}(1 + \|u\|)/\|v\|`.
    """
    ua = _as_float_vector(u, "u")
    va = _as_float_vector(v, "v")
    if va.shape != ua.shape:
        raise ValueError(f"v must have the shape of u {ua.shape}, got {va.shape}")
    if method == "complex":
        h = 1e-100
        return np.imag(np.asarray(f(float(t), ua + 1j * h * va, p))) / h
    if method == "fd":
        nv = np.linalg.norm(va)
        if nv == 0:
            return np.zeros_like(ua)
        d = math.sqrt(EPS) * (1.0 + np.linalg.norm(ua)) / nv
        return (np.asarray(f(float(t), ua + d * va, p)) - np.asarray(f(float(t), ua, p))) / d
    raise ValueError(f"method must be 'complex' or 'fd', got {method!r}")
