r"""Interval arithmetic with outward rounding (lecture 19).

An interval :math:`X = [\underline x, \overline x]` stands for every real
number between its endpoints. An operation returns an interval that
*encloses* :math:`\{x \circ y : x \in X, y \in Y\}`; rounding the computed
endpoints *outward* (down for the lower, up for the upper end) makes this a
proof about the real numbers, not about floating-point numbers
:cite:p:`moore2009introduction,tucker2011validated`:

* :math:`X + Y = [\underline x + \underline y, \overline x + \overline y]`,
  :math:`X - Y = [\underline x - \overline y, \overline x - \underline y]`;
* :math:`X Y = [\min P, \max P]` over the four endpoint products :math:`P`;
  :math:`X / Y = X \cdot [1/\overline y, 1/\underline y]` when
  :math:`0 \notin Y` (otherwise the whole line);
* :math:`X^2` by cases, **not** :math:`X \cdot X`: :math:`[\underline x^2,
  \overline x^2]` if :math:`\underline x \ge 0`, :math:`[\overline x^2,
  \underline x^2]` if :math:`\overline x \le 0`, and
  :math:`[0, \max(\underline x^2, \overline x^2)]` if
  :math:`\underline x < 0 < \overline x` (the same for every even power);
* monotone functions (exp, log, sqrt, odd powers) act on the endpoints;
  sin and cos also include :math:`\pm 1` when the interval contains an
  extremum.

``+ - * /`` and ``sqrt`` are correctly rounded in IEEE 754 arithmetic, so
moving each endpoint one float outward (``math.nextafter``) is rigorous. The
library functions ``exp``, ``log``, ``sin``, ``cos`` and ``pow`` are accurate
to about one ulp (not correctly rounded), so their endpoints are moved
:data:`LIBM_ULPS` floats outward.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

from ._ufunc import UfuncScalar
from .generic import solve_fixed

__all__ = ["Interval", "interval_euler", "LIBM_ULPS"]

LIBM_ULPS = 4
"""How many floats the endpoints of a libm function (exp, log, sin, cos, pow) are moved outward."""

_INF = math.inf
_TWO_PI = 2.0 * math.pi


def _down(x: float, k: int = 1) -> float:
    for _ in range(k):
        x = math.nextafter(x, -_INF)
    return x


def _up(x: float, k: int = 1) -> float:
    for _ in range(k):
        x = math.nextafter(x, _INF)
    return x


def _float_below(q: Fraction) -> float:
    f = float(q)
    return _down(f) if Fraction(f) > q else f


def _float_above(q: Fraction) -> float:
    f = float(q)
    return _up(f) if Fraction(f) < q else f


def _endpoint(v: Any, name: str, lower: bool) -> float:
    """A float endpoint; strings and fractions are rounded outward to a float."""
    if isinstance(v, str):
        try:
            v = Fraction(v)
        except ValueError as err:
            raise ValueError(f"{name} must be a number or a decimal string, got {v!r}") from err
    if isinstance(v, Fraction):
        return _float_below(v) if lower else _float_above(v)
    if (
        isinstance(v, (bool, np.bool_))
        or not isinstance(v, (numbers.Real, np.number))
        or isinstance(v, (complex, np.complexfloating))
    ):
        raise TypeError(f"{name} must be a real number, got {type(v).__name__}")
    v = float(v)
    if math.isnan(v):
        raise ValueError(f"{name} must not be NaN")
    return v


class Interval(UfuncScalar):
    r"""A closed interval :math:`[lo, hi]` of real numbers with outward-rounded arithmetic.

    Parameters
    ----------
    lo : float, str or fractions.Fraction
        Lower end. A decimal string or a fraction is rounded *down* to a float,
        so ``Interval("0.1", "0.2")`` really contains 0.1 and 0.2 (neither is a
        binary float).
    hi : float, str or fractions.Fraction, optional
        Upper end (rounded up); defaults to ``lo`` (a degenerate interval).

    Raises
    ------
    ValueError
        If ``lo > hi`` or an endpoint is NaN.

    Examples
    --------
    >>> x = Interval(3, 4)
    >>> h = x**2 - 2            # encloses the range of x^2 - 2 on [3, 4]
    >>> 0 in h                  # so x^2 - 2 has no root in [3, 4]
    False
    >>> (Interval(-1, 2) ** 2).lo   # the case analysis: not [-2, 4]
    0.0
    """

    __slots__ = ("lo", "hi")

    def __init__(self, lo: Any, hi: Any = None) -> None:
        a = _endpoint(lo, "lo", True)
        b = (
            a
            if hi is None and not isinstance(lo, (str, Fraction))
            else _endpoint(lo if hi is None else hi, "hi", False)
        )
        if a > b:
            raise ValueError(f"lo must be <= hi, got lo={lo!r} > hi={hi!r}")
        self.lo = a
        self.hi = b

    @classmethod
    def _make(cls, lo: float, hi: float) -> "Interval":
        out = cls.__new__(cls)
        out.lo = lo
        out.hi = hi
        return out

    # ------------------------------------------------------------ queries
    @property
    def mid(self) -> float:
        """Midpoint (rounded to nearest)."""
        if math.isinf(self.lo) or math.isinf(self.hi):
            return 0.0 if self.lo == -self.hi else (self.lo if math.isinf(self.hi) else self.hi)
        return 0.5 * self.lo + 0.5 * self.hi

    @property
    def width(self) -> float:
        """Width :math:`hi - lo`, rounded up."""
        return _up(self.hi - self.lo)

    def __contains__(self, x: Any) -> bool:
        if isinstance(x, Interval):
            return self.lo <= x.lo and x.hi <= self.hi
        if isinstance(x, Fraction):
            return (
                Fraction(self.lo) <= x <= Fraction(self.hi)
                if math.isfinite(self.lo) and math.isfinite(self.hi)
                else (self.lo == -_INF or Fraction(self.lo) <= x)
                and (self.hi == _INF or x <= Fraction(self.hi))
            )
        return self.lo <= x <= self.hi

    def __repr__(self) -> str:
        return f"Interval({self.lo!r}, {self.hi!r})"

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        return isinstance(other, Interval) and self.lo == other.lo and self.hi == other.hi

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------ arithmetic
    @staticmethod
    def _lift(o: Any) -> "Interval | None":
        if isinstance(o, Interval):
            return o
        if isinstance(o, (numbers.Real, np.number)) and not isinstance(
            o, (bool, complex, np.complexfloating)
        ):
            v = float(o)
            return Interval._make(v, v)
        return None

    def __add__(self, o: Any) -> "Interval":
        y = self._lift(o)
        if y is None:
            return NotImplemented
        return Interval._make(_down(self.lo + y.lo), _up(self.hi + y.hi))

    __radd__ = __add__

    def __sub__(self, o: Any) -> "Interval":
        y = self._lift(o)
        if y is None:
            return NotImplemented
        return Interval._make(_down(self.lo - y.hi), _up(self.hi - y.lo))

    def __rsub__(self, o: Any) -> "Interval":
        y = self._lift(o)
        if y is None:
            return NotImplemented
        return y - self

    def __neg__(self) -> "Interval":
        return Interval._make(-self.hi, -self.lo)

    def __pos__(self) -> "Interval":
        return self

    def __mul__(self, o: Any) -> "Interval":
        y = self._lift(o)
        if y is None:
            return NotImplemented
        ps = []
        for a in (self.lo, self.hi):
            for b in (y.lo, y.hi):
                # 0 * inf is taken as 0 (the product of a zero and an unbounded set)
                ps.append(0.0 if (a == 0.0 or b == 0.0) else a * b)
        return Interval._make(_down(min(ps)), _up(max(ps)))

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> "Interval":
        y = self._lift(o)
        if y is None:
            return NotImplemented
        if y.lo <= 0.0 <= y.hi:
            return Interval._make(-_INF, _INF)
        qs = [a / b for a in (self.lo, self.hi) for b in (y.lo, y.hi)]
        return Interval._make(_down(min(qs)), _up(max(qs)))

    def __rtruediv__(self, o: Any) -> "Interval":
        y = self._lift(o)
        if y is None:
            return NotImplemented
        return y / self

    def _pow_int(self, n: int) -> "Interval":
        if n == 0:
            return Interval._make(1.0, 1.0)
        if n < 0:
            return 1.0 / self._pow_int(-n)

        def mono(x: float, up: bool) -> float:  # x**n for x >= 0, each product rounded outward
            r = 1.0
            for _ in range(n):
                r = _up(r * x) if up else max(0.0, _down(r * x))
            return r

        lo, hi = self.lo, self.hi
        if n % 2 == 1:  # odd: monotone increasing
            a = -mono(-lo, True) if lo < 0 else mono(lo, False)
            b = -mono(-hi, False) if hi < 0 else mono(hi, True)
            return Interval._make(a, b)
        if lo >= 0:  # even power, the case analysis of x^2
            return Interval._make(mono(lo, False), mono(hi, True))
        if hi <= 0:
            return Interval._make(mono(-hi, False), mono(-lo, True))
        return Interval._make(0.0, max(mono(-lo, True), mono(hi, True)))

    def __pow__(self, n: Any) -> "Interval":
        if isinstance(n, (int, np.integer)) and not isinstance(n, bool):
            return self._pow_int(int(n))
        if isinstance(n, (numbers.Real, np.number)) and not isinstance(n, (bool, complex)):
            e = float(n)
            if e.is_integer() and abs(e) < 2**31:
                return self._pow_int(int(e))
            if self.lo < 0:
                raise ValueError(f"a real power needs lo >= 0, got lo={self.lo!r}")
            a = 0.0 if self.lo == 0.0 else max(0.0, _down(math.pow(self.lo, e), LIBM_ULPS))
            b = _up(math.pow(self.hi, e), LIBM_ULPS) if self.hi < _INF else _INF
            if e < 0:
                if self.lo == 0.0:
                    return Interval._make(max(0.0, _down(math.pow(self.hi, e), LIBM_ULPS)), _INF)
                a = max(0.0, _down(math.pow(self.hi, e), LIBM_ULPS))
                b = _up(math.pow(self.lo, e), LIBM_ULPS)
            return Interval._make(a, b)
        return NotImplemented

    # ------------------------------------------------------------ elementary functions
    def sqrt(self) -> "Interval":
        if self.lo < 0:
            raise ValueError(f"sqrt needs lo >= 0, got lo={self.lo!r}")
        return Interval._make(max(0.0, _down(math.sqrt(self.lo))), _up(math.sqrt(self.hi)))

    def exp(self) -> "Interval":
        lo = (
            max(0.0, _down(math.exp(self.lo), LIBM_ULPS))
            if self.lo < 709.0
            else _down(math.exp(709.0))
        )
        try:
            hi = _up(math.exp(self.hi), LIBM_ULPS)
        except OverflowError:
            hi = _INF
        return Interval._make(lo, hi)

    def log(self) -> "Interval":
        if self.lo < 0:
            raise ValueError(f"log needs lo >= 0, got lo={self.lo!r}")
        lo = -_INF if self.lo == 0.0 else _down(math.log(self.lo), LIBM_ULPS)
        hi = -_INF if self.hi == 0.0 else _up(math.log(self.hi), LIBM_ULPS)
        return Interval._make(lo, hi)

    @staticmethod
    def _hits(lo: float, hi: float, phase: float) -> bool:
        """Whether [lo, hi] may contain a point ``phase + 2 pi k`` (conservative: may say yes)."""
        slack = 1e-12 * (1.0 + max(abs(lo), abs(hi)))
        kmin = math.ceil((lo - phase) / _TWO_PI - slack)
        kmax = math.floor((hi - phase) / _TWO_PI + slack)
        return kmin <= kmax

    def _trig(self, fn: Callable[[float], float], phase_max: float, phase_min: float) -> "Interval":
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)) or self.hi - self.lo >= _TWO_PI:
            return Interval._make(-1.0, 1.0)
        a, b = fn(self.lo), fn(self.hi)
        lo = max(-1.0, _down(min(a, b), LIBM_ULPS))
        hi = min(1.0, _up(max(a, b), LIBM_ULPS))
        if self._hits(self.lo, self.hi, phase_max):
            hi = 1.0
        if self._hits(self.lo, self.hi, phase_min):
            lo = -1.0
        return Interval._make(lo, hi)

    def sin(self) -> "Interval":
        return self._trig(math.sin, 0.5 * math.pi, -0.5 * math.pi)

    def cos(self) -> "Interval":
        return self._trig(math.cos, 0.0, math.pi)

    def square(self) -> "Interval":
        return self._pow_int(2)

    _UNARY = frozenset({"sin", "cos", "exp", "log", "sqrt", "square"})


def _as_interval(v: Any, name: str) -> Interval:
    if isinstance(v, Interval):
        return v
    if isinstance(v, (tuple, list)) and len(v) == 2:
        return Interval(v[0], v[1])
    if isinstance(v, (numbers.Real, np.number, str, Fraction)):
        return Interval(v)
    raise TypeError(
        f"{name} entries must be Interval, (lo, hi) pairs or numbers, got {type(v).__name__}"
    )


def interval_euler(
    f: Callable[[Any, Any, Any], Any],
    tspan: Sequence[float],
    u0: Sequence[Any],
    p: Sequence[Any] = (),
    *,
    dt: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Explicit Euler :math:`U_{n+1} = U_n + \Delta t\, F(t_n, U_n, P)` in interval arithmetic.

    Every step encloses the Euler iterate of *every* point of the input boxes
    (not the exact ODE solution: the truncation error is not bounded here).
    Because each step replaces a set by a box and the arithmetic forgets
    correlations (the *wrapping* and *dependency* effects), the widths grow
    geometrically on a long horizon :cite:p:`moore2009introduction`; degenerate
    (zero-width) inputs only accumulate rounding and stay tight.

    Parameters
    ----------
    f : callable
        ``f(t, u, p)`` returning a sequence of scalars, generic code (e.g.
        :func:`sciml_lib.problems.small.pendulum_components`).
    tspan : sequence of two floats
    u0 : sequence
        Initial boxes: :class:`Interval`, ``(lo, hi)`` pairs or numbers.
    p : sequence
        Parameters as :class:`Interval`, ``(lo, hi)`` pairs or numbers.
    dt : float
        The step; must divide the time span.

    Returns
    -------
    (t, lo, hi) : tuple of ndarray
        Times and the lower and upper bounds, shape ``(len(t), len(u0))``.
    """
    U0 = [_as_interval(v, "u0") for v in u0]
    P = [_as_interval(v, "p") for v in p]
    t, U = solve_fixed(f, tspan, U0, P, dt=dt, method="Euler")
    lo = np.array([[x.lo for x in row] for row in U])
    hi = np.array([[x.hi for x in row] for row in U])
    return t, lo, hi
