r"""Expectations of ODE outputs: the Koopman way (quadrature) vs Monte Carlo (lecture 19).

Let :math:`S` map an uncertain input :math:`x` (an initial state or a
parameter with density :math:`f`) to the solution of an ODE and let
:math:`g` be an observable. The Frobenius-Perron (transfer) operator
:math:`P` pushes the density forward, :math:`Pf` is the density of
:math:`S(x)`; its adjoint, the Koopman operator :math:`Ug = g\circ S`, pulls
the observable back :cite:p:`lasota1994chaos`:

.. math::

    \mathbb E[g(S(x))] = \int Pf(y)\, g(y)\, dy = \langle f, U g\rangle
    = \int (g\circ S)(x)\, f(x)\, dx .

The last integral is over the *input* space, a low-dimensional integral of a
smooth function, so a quadrature rule computes it to high accuracy with few
solves; Monte Carlo converges like :math:`n^{-1/2}` whatever the smoothness
:cite:p:`gerlach2020koopman`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy import integrate

__all__ = ["ExpectationResult", "koopman_expectation", "mc_expectation"]


@dataclass
class ExpectationResult:
    """An expectation estimate.

    Attributes
    ----------
    value : float or numpy.ndarray
        The estimate of :math:`\\mathbb E[g(S(x))]`.
    error : float or numpy.ndarray
        An error estimate (quadrature: the integrator's estimate or the change
        from the rule with half the nodes; Monte Carlo: the standard error).
    n_solves : int
        Number of calls of ``solve_fn``.
    """

    value: float
    error: float
    n_solves: int


def _out(v: Any) -> Any:
    v = np.asarray(v, dtype=float)
    return float(v) if v.ndim == 0 else v


def _dists(dist: Any) -> list:
    ds = list(dist) if isinstance(dist, (list, tuple)) else [dist]
    if not ds:
        raise ValueError(
            "dist must be a frozen scipy.stats distribution or a non-empty list of them"
        )
    for d in ds:
        if not (hasattr(d, "pdf") and hasattr(d, "ppf") and hasattr(d, "rvs")):
            raise TypeError(
                "dist must hold frozen scipy.stats continuous distributions, "
                f"got {type(d).__name__}"
            )
    return ds


def _gauss_rule(d: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights integrating against the distribution ``d`` (sum of weights 1)."""
    name = getattr(getattr(d, "dist", None), "name", "")
    loc, scale = float(d.mean()), float(d.std())
    if name == "norm":  # Gauss-Hermite for the weight exp(-z^2/2)
        z, w = np.polynomial.hermite_e.hermegauss(n)
        return loc + scale * z, w / w.sum()
    lo, hi = d.support()
    if np.isfinite(lo) and np.isfinite(hi):  # Gauss-Legendre against the density on the support
        z, w = np.polynomial.legendre.leggauss(n)
        x = 0.5 * (hi - lo) * z + 0.5 * (hi + lo)
        wx = 0.5 * (hi - lo) * w * d.pdf(x)
        return x, wx
    # otherwise Gauss-Legendre in the probability variable, x = F^{-1}(v), v in (0, 1)
    z, w = np.polynomial.legendre.leggauss(n)
    return d.ppf(0.5 * (z + 1.0)), 0.5 * w


def koopman_expectation(
    g: Callable[[Any], Any],
    solve_fn: Callable[[Any], Any],
    dist: Any,
    *,
    rule: str = "gauss",
    n_nodes: int = 16,
    epsabs: float = 1e-10,
    epsrel: float = 1e-8,
) -> ExpectationResult:
    r"""Expectation :math:`\mathbb E[g(\mathrm{solve\_fn}(x))]` by quadrature over the inputs.

    Parameters
    ----------
    g : callable
        The observable, applied to the output of ``solve_fn``: a float, or an
        array (e.g. the state at many times) for ``rule="gauss"``.
    solve_fn : callable
        ``solve_fn(x)``: for one input ``x`` (a float for one distribution, a
        1-D array for several) returns the solution (e.g. the state at the
        final time).
    dist : frozen scipy.stats distribution or list of them
        Independent input distributions (a list of at most three for
        ``rule="quad"``).
    rule : {"gauss", "quad"}
        ``"gauss"``: a tensor Gauss rule with ``n_nodes`` per dimension
        (Gauss-Hermite for normals, Gauss-Legendre on a bounded support,
        Gauss-Legendre in :math:`F^{-1}` otherwise); the error estimate is the
        difference from the rule with ``n_nodes // 2`` nodes. ``"quad"``:
        adaptive Gauss-Kronrod (``scipy.integrate.quad``/``nquad``) on the
        support with the density as weight.
    n_nodes : int
        Nodes per dimension for ``rule="gauss"``.
    epsabs, epsrel : float
        Tolerances of ``rule="quad"``.

    Returns
    -------
    ExpectationResult
    """
    if not callable(g):
        raise TypeError(f"g must be callable, got {type(g).__name__}")
    if not callable(solve_fn):
        raise TypeError(f"solve_fn must be callable, got {type(solve_fn).__name__}")
    ds = _dists(dist)
    scalar = not isinstance(dist, (list, tuple))
    count = [0]

    def h(*x: float) -> Any:
        count[0] += 1
        arg = float(x[0]) if scalar else np.array(x, dtype=float)
        return np.asarray(g(solve_fn(arg)), dtype=float)

    if rule == "gauss":
        if int(n_nodes) != n_nodes or n_nodes < 2:
            raise ValueError(f"n_nodes must be an integer >= 2, got {n_nodes!r}")

        def tensor(k: int) -> float:
            rules = [_gauss_rule(d, k) for d in ds]
            grids = np.meshgrid(*[r[0] for r in rules], indexing="ij")
            wts = np.ones_like(grids[0])
            for ax, r in enumerate(rules):
                shape = [1] * len(rules)
                shape[ax] = -1
                wts = wts * r[1].reshape(shape)
            pts = np.stack([gr.ravel() for gr in grids], axis=1)
            return sum(w * h(*pt) for w, pt in zip(wts.ravel(), pts))

        value = tensor(int(n_nodes))
        coarse = tensor(max(1, int(n_nodes) // 2)) if n_nodes >= 4 else np.nan
        err = np.abs(value - coarse)
        return ExpectationResult(_out(value), _out(err), count[0])
    if rule == "quad":
        if len(ds) > 3:
            raise ValueError(f"rule='quad' supports at most 3 input distributions, got {len(ds)}")

        def integrand(*x: float) -> float:
            w = 1.0
            for d, xi in zip(ds, x):
                w *= float(d.pdf(xi))
            if w == 0.0:
                return 0.0
            hv = h(*x)
            if hv.ndim:
                raise ValueError("g must return a scalar for rule='quad'")
            return float(hv) * w

        ranges = [tuple(float(v) for v in d.support()) for d in ds]
        if len(ds) == 1:
            value, err = integrate.quad(
                integrand, *ranges[0], epsabs=epsabs, epsrel=epsrel, limit=200
            )
        else:
            value, err = integrate.nquad(
                integrand, ranges, opts={"epsabs": epsabs, "epsrel": epsrel}
            )
        return ExpectationResult(float(value), float(err), count[0])
    raise ValueError(f"rule must be 'gauss' or 'quad', got {rule!r}")


def mc_expectation(
    g: Callable[[Any], Any],
    solve_fn: Callable[[Any], Any],
    dist: Any,
    n: int,
    *,
    rng: Any = None,
) -> ExpectationResult:
    r"""Monte Carlo estimate :math:`\frac1n\sum_i g(\mathrm{solve\_fn}(x_i))` from samples of dist.

    Parameters
    ----------
    g, solve_fn, dist
        As in :func:`koopman_expectation`.
    n : int
        Number of samples (= solves), at least 2.
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    ExpectationResult
        ``error`` is the standard error :math:`s/\sqrt n`.
    """
    if not callable(g):
        raise TypeError(f"g must be callable, got {type(g).__name__}")
    if not callable(solve_fn):
        raise TypeError(f"solve_fn must be callable, got {type(solve_fn).__name__}")
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    ds = _dists(dist)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    X = np.column_stack([np.atleast_1d(d.rvs(size=int(n), random_state=gen)) for d in ds])
    scalar = not isinstance(dist, (list, tuple))
    vals = np.array([np.asarray(g(solve_fn(float(x[0]) if scalar else x)), dtype=float) for x in X])
    return ExpectationResult(
        _out(vals.mean(axis=0)), _out(vals.std(axis=0, ddof=1) / np.sqrt(n)), int(n)
    )
