r"""Linear (first-order) uncertainty propagation (lecture 19).

For :math:`x \sim N(\mu, \Sigma)` and a smooth :math:`f`, the first-order
Taylor expansion :math:`f(x) \approx f(\mu) + J (x - \mu)` with
:math:`J = \partial f/\partial x\,(\mu)` gives

.. math::

    f(x) \;\dot\sim\; N\big(f(\mu),\; J \Sigma J^T\big),

which is exact for affine :math:`f` (:math:`\alpha + N(a, b) = N(\alpha + a, b)`,
:math:`A x \sim N(A\mu, A\Sigma A^T)`) and keeps the correlations between the
outputs :cite:p:`taylor1997introduction`.

Two interfaces:

* :func:`propagate` takes a function of a vector, its mean and covariance and
  returns the output mean and covariance (the Jacobian by forward-mode dual
  numbers, :func:`sciml_lib.ad.forward.jacobian`).
* :class:`Normal` is a *value type*: a dual number
  :math:`a + \sum_k s_k \epsilon_k` whose infinitesimals :math:`\epsilon_k` are
  independent standard normal inputs :math:`z_k` (an input
  ``Normal(m, s)`` is :math:`m + s z_k`). The sensitivities are a *sparse*
  dictionary ``{k: s_k}``, so a program mixes any number of uncertain inputs
  and only pays for the ones that reach each value. Arithmetic is eager (one
  pass, like forward-mode AD): the cost of a long computation is linear in its
  length, unlike a lazily built expression graph (the ``uncertainties``
  package :cite:p:`lebigot2024uncertainties`, whose ``std_dev`` of a Runge-Kutta
  solve grows exponentially with the number of steps). Then
  :math:`\operatorname{Var} y = \sum_k s_k^2` and
  :math:`\operatorname{Cov}(y, w) = \sum_k s_k t_k`.
"""

from __future__ import annotations

import itertools
import math
import numbers
from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from sciml_lib.ad.forward import Dual, jacobian

from ._ufunc import UfuncScalar

__all__ = ["Normal", "propagate", "covariance_matrix", "nominal_values", "std_devs"]

_KEYS = itertools.count()
_REAL = (numbers.Real, np.number)


def _is_real(x: Any) -> bool:
    if type(x) is float or type(x) is int:
        return True
    return isinstance(x, _REAL) and not isinstance(x, (complex, np.complexfloating, bool, np.bool_))


def _scaled(s: dict, c: float) -> dict:
    return {k: c * v for k, v in s.items()}


def _axpy(a: dict, ca: float, b: dict, cb: float) -> dict:
    """The sparse combination ``ca * a + cb * b`` of two sensitivity dictionaries."""
    out = {k: ca * v for k, v in a.items()}
    get = out.get
    for k, v in b.items():
        out[k] = get(k, 0.0) + cb * v
    return out


class Normal(UfuncScalar):
    r"""A first-order normal value :math:`m + \sum_k s_k z_k`, :math:`z_k \sim N(0, 1)` independent.

    ``Normal(m, s)`` creates a new independent input with mean ``m`` and
    standard deviation ``s`` (sensitivity ``s`` to a fresh :math:`z_k`).
    Arithmetic with floats and other :class:`Normal` values, powers and the
    elementary functions (methods and NumPy ufuncs: ``np.sin(x)``, and object
    arrays of normals) propagate the sensitivities by the chain rule; the
    derivatives of the elementary functions are those of
    :class:`sciml_lib.ad.forward.Dual`. Comparisons act on the mean.

    Parameters
    ----------
    mean : float
        The mean (the nominal value).
    std : float, optional
        The standard deviation, :math:`\ge 0` (default 0: a constant).

    Examples
    --------
    >>> x = Normal(1.0, 0.1)
    >>> y = x * x - x          # dy/dx = 1 at x = 1
    >>> round(y.mean, 12), round(y.std, 12)
    (0.0, 0.1)
    >>> round((x - x).std, 12)  # correlations are kept
    0.0
    """

    __slots__ = ("mean", "sens")

    def __init__(self, mean: float, std: float = 0.0) -> None:
        if not _is_real(mean) or not math.isfinite(mean):
            raise TypeError(f"mean must be a finite real number, got {mean!r}")
        if not _is_real(std) or not math.isfinite(std) or std < 0:
            raise ValueError(f"std must be a finite real number >= 0, got {std!r}")
        self.mean = float(mean)
        self.sens = {next(_KEYS): float(std)} if std > 0 else {}

    @classmethod
    def _make(cls, mean: float, sens: dict) -> "Normal":
        out = cls.__new__(cls)
        out.mean = mean
        out.sens = sens
        return out

    # ------------------------------------------------------------ statistics
    @property
    def std(self) -> float:
        """First-order standard deviation :math:`\\sqrt{\\sum_k s_k^2}`."""
        return math.sqrt(math.fsum(v * v for v in self.sens.values()))

    @property
    def var(self) -> float:
        """First-order variance :math:`\\sum_k s_k^2`."""
        return math.fsum(v * v for v in self.sens.values())

    def covariance(self, other: "Normal") -> float:
        """First-order covariance :math:`\\sum_k s_k t_k` with ``other``."""
        if not isinstance(other, Normal):
            raise TypeError(f"other must be a Normal, got {type(other).__name__}")
        small, big = (
            (self.sens, other.sens)
            if len(self.sens) <= len(other.sens)
            else (other.sens, self.sens)
        )
        return math.fsum(v * big[k] for k, v in small.items() if k in big)

    def derivative(self, x: "Normal") -> float:
        """:math:`\\partial y/\\partial x` for an independent input ``x = Normal(m, s)``."""
        if not isinstance(x, Normal) or len(x.sens) != 1:
            raise ValueError("x must be an independent input Normal(m, s) with s > 0")
        ((k, s),) = x.sens.items()
        return self.sens.get(k, 0.0) / s

    def __repr__(self) -> str:
        return f"Normal({self.mean!r} ± {self.std!r})"

    def __float__(self) -> float:
        return self.mean

    # ------------------------------------------------------------ arithmetic
    def __add__(self, o: Any) -> "Normal":
        if isinstance(o, Normal):
            return Normal._make(self.mean + o.mean, _axpy(self.sens, 1.0, o.sens, 1.0))
        if _is_real(o):
            return Normal._make(self.mean + o, self.sens)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, o: Any) -> "Normal":
        if isinstance(o, Normal):
            return Normal._make(self.mean - o.mean, _axpy(self.sens, 1.0, o.sens, -1.0))
        if _is_real(o):
            return Normal._make(self.mean - o, self.sens)
        return NotImplemented

    def __rsub__(self, o: Any) -> "Normal":
        if _is_real(o):
            return Normal._make(o - self.mean, _scaled(self.sens, -1.0))
        return NotImplemented

    def __neg__(self) -> "Normal":
        return Normal._make(-self.mean, _scaled(self.sens, -1.0))

    def __pos__(self) -> "Normal":
        return self

    def __mul__(self, o: Any) -> "Normal":
        if isinstance(o, Normal):
            return Normal._make(self.mean * o.mean, _axpy(self.sens, o.mean, o.sens, self.mean))
        if _is_real(o):
            return Normal._make(self.mean * o, _scaled(self.sens, o))
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> "Normal":
        if isinstance(o, Normal):
            q = self.mean / o.mean
            return Normal._make(q, _axpy(self.sens, 1.0 / o.mean, o.sens, -q / o.mean))
        if _is_real(o):
            return Normal._make(self.mean / o, _scaled(self.sens, 1.0 / o))
        return NotImplemented

    def __rtruediv__(self, o: Any) -> "Normal":
        if _is_real(o):
            q = o / self.mean
            return Normal._make(q, _scaled(self.sens, -q / self.mean))
        return NotImplemented

    def __pow__(self, n: Any) -> "Normal":
        if isinstance(n, Normal):
            return (n * self.log()).exp()
        if _is_real(n):
            if n == 0:
                return Normal._make(1.0, {})
            return Normal._make(self.mean**n, _scaled(self.sens, n * self.mean ** (n - 1)))
        return NotImplemented

    def __rpow__(self, a: Any) -> "Normal":
        if _is_real(a):
            return (self * math.log(a)).exp()
        return NotImplemented

    def __abs__(self) -> "Normal":
        return self if self.mean >= 0 else -self

    # comparisons act on the mean (branches follow the nominal program)
    def _m(self, o: Any) -> Any:
        return o.mean if isinstance(o, Normal) else o

    def __lt__(self, o: Any) -> bool:
        return self.mean < self._m(o)

    def __le__(self, o: Any) -> bool:
        return self.mean <= self._m(o)

    def __gt__(self, o: Any) -> bool:
        return self.mean > self._m(o)

    def __ge__(self, o: Any) -> bool:
        return self.mean >= self._m(o)

    __hash__ = object.__hash__

    # ------------------------------------------------------------ elementary functions
    def _elementary(self, name: str) -> "Normal":
        fast = _FAST.get(name)
        if fast is not None:  # the same rules as Dual, on Python floats (the hot path)
            v, d = fast(self.mean)
        else:
            dual = getattr(Dual(self.mean, 1.0), name)()  # value and derivative from sciml_lib.ad
            v, d = float(dual.value), float(dual.partials[0])
        return Normal._make(v, _scaled(self.sens, d))

    @staticmethod
    def linear_combination(terms: Sequence[tuple[float, Any]]) -> "Normal":
        r""":math:`\sum_j c_j y_j` for pairs ``(c_j, y_j)`` of floats and normals, in one pass.

        This is what a Runge-Kutta stage computes; fusing it avoids one
        temporary per term (see :func:`sciml_lib.uq.generic.solve_fixed`).
        """
        mean = 0.0
        sens: dict = {}
        get = sens.get
        for c, y in terms:
            if isinstance(y, Normal):
                mean += c * y.mean
                for k, v in y.sens.items():
                    sens[k] = get(k, 0.0) + c * v
            else:
                mean += c * y
        return Normal._make(float(mean), sens)

    def exp(self) -> "Normal":
        return self._elementary("exp")

    def log(self) -> "Normal":
        return self._elementary("log")

    def sqrt(self) -> "Normal":
        return self._elementary("sqrt")

    def sin(self) -> "Normal":
        return self._elementary("sin")

    def cos(self) -> "Normal":
        return self._elementary("cos")

    def tan(self) -> "Normal":
        return self._elementary("tan")

    def arctan(self) -> "Normal":
        return self._elementary("arctan")

    def sinh(self) -> "Normal":
        return self._elementary("sinh")

    def cosh(self) -> "Normal":
        return self._elementary("cosh")

    def tanh(self) -> "Normal":
        return self._elementary("tanh")

    def square(self) -> "Normal":
        return self * self

    absolute = __abs__

    _UNARY = frozenset(
        {
            "exp",
            "log",
            "sqrt",
            "sin",
            "cos",
            "tan",
            "arctan",
            "sinh",
            "cosh",
            "tanh",
            "square",
            "absolute",
        }
    )


def _sin(x: float) -> tuple[float, float]:
    return math.sin(x), math.cos(x)


def _cos(x: float) -> tuple[float, float]:
    return math.cos(x), -math.sin(x)


def _exp(x: float) -> tuple[float, float]:
    e = math.exp(x)
    return e, e


def _log(x: float) -> tuple[float, float]:
    return math.log(x), 1.0 / x


def _sqrt(x: float) -> tuple[float, float]:
    r = math.sqrt(x)
    return r, 0.5 / r


_FAST = {"sin": _sin, "cos": _cos, "exp": _exp, "log": _log, "sqrt": _sqrt}


def nominal_values(x: Any) -> np.ndarray:
    """Means of an array (or list) of :class:`Normal` values and floats."""
    return np.array(
        [
            v.mean if isinstance(v, Normal) else float(v)
            for v in np.ravel(np.asarray(x, dtype=object))
        ]
    ).reshape(np.shape(np.asarray(x, dtype=object)))


def std_devs(x: Any) -> np.ndarray:
    """First-order standard deviations of an array of :class:`Normal` values (0 for floats)."""
    a = np.asarray(x, dtype=object)
    return np.array([v.std if isinstance(v, Normal) else 0.0 for v in a.ravel()]).reshape(a.shape)


def covariance_matrix(values: Sequence[Any]) -> np.ndarray:
    """First-order covariance matrix of a sequence of :class:`Normal` values (floats: constants)."""
    vals = [v if isinstance(v, Normal) else Normal(float(v)) for v in values]
    n = len(vals)
    C = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            C[i, j] = C[j, i] = vals[i].covariance(vals[j])
    return C


def propagate(
    f: Callable[[np.ndarray], Any], mean: ArrayLike, cov: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    r"""Linear propagation :math:`y \approx N(f(\mu), J \Sigma J^T)` of a Gaussian input.

    Parameters
    ----------
    f : callable
        ``f(x) -> y`` from a 1-D array to a scalar or a 1-D array, written as
        generic NumPy code (it is evaluated on dual numbers,
        :func:`sciml_lib.ad.forward.jacobian`).
    mean : array_like, shape (n,)
        :math:`\mu`.
    cov : array_like, shape (n, n)
        :math:`\Sigma`, symmetric positive semi-definite.

    Returns
    -------
    (y_mean, y_cov) : tuple of ndarray
        :math:`f(\mu)` with shape (m,) and :math:`J\Sigma J^T` with shape (m, m)
        (a scalar ``f`` gives m = 1).

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> m, C = propagate(lambda x: A @ x, [1.0, 1.0], np.diag([1.0, 4.0]))
    >>> C.tolist()
    [[17.0, 24.0], [24.0, 36.0]]
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    mu = np.asarray(mean, dtype=float)
    if mu.ndim != 1 or mu.size == 0 or not np.all(np.isfinite(mu)):
        raise ValueError(f"mean must be a non-empty finite 1-D array, got shape {mu.shape}")
    S = np.asarray(cov, dtype=float)
    n = mu.size
    if S.shape != (n, n):
        raise ValueError(f"cov must have shape ({n}, {n}), got {S.shape}")
    if not np.all(np.isfinite(S)) or not np.allclose(S, S.T, rtol=1e-12, atol=0.0):
        raise ValueError("cov must be finite and symmetric")
    if np.linalg.eigvalsh(S).min() < -1e-12 * max(1.0, float(np.abs(S).max())):
        raise ValueError("cov must be positive semi-definite")
    y = np.atleast_1d(np.asarray(f(mu.copy()), dtype=float)).ravel()
    J = jacobian(f, mu)
    if J.shape[0] != y.size:
        raise ValueError(
            "f must return a scalar or a 1-D array, "
            f"got {J.shape[0]} partial rows for {y.size} values"
        )
    return y, J @ S @ J.T
