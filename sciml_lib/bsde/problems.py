r"""Semilinear parabolic PDEs in BSDE form, with reference values.

Each problem is the terminal-value PDE

.. math::

    u_t + \tfrac12\operatorname{tr}(\sigma\sigma^T \nabla^2 u) + \mu\cdot\nabla u
    + f(t, x, u, \sigma^T\nabla u) = 0, \qquad u(T, x) = g(x),

on :math:`[0, T] \times \mathbb{R}^d`, whose solution along the forward SDE
:math:`dX_t = \mu\,dt + \sigma\,dW_t`, :math:`X_0 = \xi`, satisfies the backward SDE
:math:`Y_t = u(t, X_t)`, :math:`Z_t = \sigma^T\nabla u(t, X_t)`,

.. math::

    Y_t = Y_0 - \int_0^t f(s, X_s, Y_s, Z_s)\,ds + \int_0^t Z_s\cdot dW_s,

by Ito's formula :cite:p:`han2018solving`. The problems and their reference
values are those of :cite:t:`han2018solving`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = [
    "BSDEProblem",
    "hjb_lqg",
    "hjb_lqg_exact",
    "allen_cahn",
    "black_scholes_default_risk",
    "ALLEN_CAHN_REFERENCE",
    "BLACK_SCHOLES_DEFAULT_RISK_REFERENCE",
]

ALLEN_CAHN_REFERENCE: float = 0.052802
"""Published :math:`u(0, 0)` of :func:`allen_cahn` for d = 100 :cite:p:`han2018solving`."""

BLACK_SCHOLES_DEFAULT_RISK_REFERENCE: float = 57.300
"""Published :math:`u(0, 100\\cdot\\mathbf{1})` of :func:`black_scholes_default_risk` for d = 100
(multilevel Picard, :cite:p:`han2018solving`)."""


@dataclass(frozen=True, eq=False)
class BSDEProblem:
    """A semilinear parabolic PDE in BSDE form (JAX-traceable callables).

    Attributes
    ----------
    name : str
    d : int
        Space dimension.
    T : float
        Terminal time.
    x0 : numpy.ndarray, shape (d,)
        The point :math:`\\xi` where :math:`u(0, \\xi)` is wanted.
    drift : callable
        ``drift(t, x) -> mu`` (batch of points, shape (b, d)).
    diffusion : callable
        ``diffusion(t, x, dW) -> sigma dW`` (shape (b, d)).
    f : callable
        ``f(t, x, y, z)`` with ``y`` shape (b,), ``z`` shape (b, d); returns shape (b,).
    g : callable
        Terminal value ``g(x)``, shape (b,).
    y0_range : tuple of float
        Interval for the random initial guess of :math:`u(0, \\xi)`.
    reference : float or None
        Known value of :math:`u(0, \\xi)` (closed form or published).
    params : dict
        The problem's constants.
    """

    name: str
    d: int
    T: float
    x0: np.ndarray
    drift: Callable[[Any, Any], Any]
    diffusion: Callable[[Any, Any, Any], Any]
    f: Callable[[Any, Any, Any, Any], Any]
    g: Callable[[Any], Any]
    y0_range: tuple[float, float] = (0.0, 1.0)
    reference: float | None = None
    params: dict = field(default_factory=dict)


def _check_d(d: Any) -> int:
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 1:
        raise ValueError(f"d must be a positive int, got {d!r}")
    return int(d)


def _check_T(T: Any) -> float:
    if not np.isfinite(T) or T <= 0:
        raise ValueError(f"T must be > 0, got {T!r}")
    return float(T)


def hjb_lqg(d: int = 100, lam: float = 1.0, T: float = 1.0, x0: Any = None) -> BSDEProblem:
    r"""Hamilton-Jacobi-Bellman equation of a linear-quadratic-Gaussian control problem.

    :math:`u_t + \Delta u - \lambda\|\nabla u\|^2 = 0`,
    :math:`u(T, x) = g(x) = \ln\frac{1 + \|x\|^2}{2}`:
    the value function of :math:`dX = 2\sqrt\lambda\,c\,dt + \sqrt2\,dW` with cost
    :math:`\mathbb{E}[\int_0^T\|c\|^2dt + g(X_T)]`. BSDE form: :math:`\mu = 0`,
    :math:`\sigma = \sqrt2 I`, :math:`f = -\lambda\|\nabla u\|^2 = -\tfrac{\lambda}{2}\|z\|^2`.
    The Cole-Hopf transform :math:`u = -\lambda^{-1}\ln w` makes it the heat equation,
    so :math:`u(0, x) = -\lambda^{-1}\ln\mathbb{E}[e^{-\lambda g(x + \sqrt{2T}\,\xi)}]`
    (:func:`hjb_lqg_exact`; for :math:`\lambda = 0`,
    :math:`u(0, x) = \mathbb{E}\,g(x + \sqrt{2T}\,\xi)`).
    Default :math:`x_0 = 0`.
    """
    import jax.numpy as jnp

    d = _check_d(d)
    T = _check_T(T)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    x0 = np.zeros(d) if x0 is None else np.asarray(x0, dtype=float)
    if x0.shape != (d,):
        raise ValueError(f"x0 must have shape ({d},), got {x0.shape}")
    lam = float(lam)
    s2 = float(np.sqrt(2.0))
    return BSDEProblem(
        name=f"HJB (LQG), d={d}, lambda={lam:g}",
        d=d, T=T, x0=x0,
        drift=lambda t, x: jnp.zeros_like(x),
        diffusion=lambda t, x, dW: s2 * dW,
        f=lambda t, x, y, z: -0.5 * lam * jnp.sum(z * z, axis=-1),
        g=lambda x: jnp.log(0.5 * (1.0 + jnp.sum(x * x, axis=-1))),
        y0_range=(0.0, 1.0),
        reference=None,
        params={"lam": lam},
    )


def hjb_lqg_exact(d: int = 100, lam: float = 1.0, T: float = 1.0, *, x0: Any = None,
                  n_samples: int = 10**7, seed: int = 0) -> float:
    r""":math:`u(0, x_0)` of :func:`hjb_lqg` by Monte Carlo of the Cole-Hopf formula.

    :math:`u(0, x_0) = -\lambda^{-1}\ln\mathbb{E}\exp(-\lambda g(x_0 + \sqrt{2T}\,\xi))`,
    :math:`\xi \sim N(0, I_d)`. Only :math:`\|x_0 + \sqrt{2T}\xi\|^2` enters, which is
    :math:`2T` times a noncentral :math:`\chi^2_d` variable with noncentrality
    :math:`\|x_0\|^2/(2T)`, so each sample is one scalar draw whatever ``d``. The
    mean of exponentials is computed as a log-sum-exp.
    """
    d = _check_d(d)
    T = _check_T(T)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    x0 = np.zeros(d) if x0 is None else np.asarray(x0, dtype=float)
    if x0.shape != (d,):
        raise ValueError(f"x0 must have shape ({d},), got {x0.shape}")
    rng = np.random.default_rng(seed)
    nc = float(x0 @ x0) / (2 * T)
    chi2 = rng.noncentral_chisquare(d, nc, n_samples) if nc > 0 else rng.chisquare(d, n_samples)
    r2 = 2 * T * chi2
    gv = np.log(0.5 * (1.0 + r2))
    if lam == 0:
        return float(gv.mean())
    a = -lam * gv
    amax = a.max()
    return float(-(amax + np.log(np.mean(np.exp(a - amax)))) / lam)


def allen_cahn(d: int = 100, T: float = 0.3) -> BSDEProblem:
    r"""Allen-Cahn equation :math:`u_t + \Delta u + u - u^3 = 0`, :math:`g(x) = 1/(2 + 0.4\|x\|^2)`.

    BSDE form: :math:`\mu = 0`, :math:`\sigma = \sqrt2 I`, :math:`f = y - y^3`,
    :math:`x_0 = 0`. For d = 100, T = 0.3 the published value is
    :math:`u(0, 0) \approx 0.052802` :cite:p:`han2018solving` (:data:`ALLEN_CAHN_REFERENCE`).
    """
    import jax.numpy as jnp

    d = _check_d(d)
    T = _check_T(T)
    s2 = float(np.sqrt(2.0))
    ref = ALLEN_CAHN_REFERENCE if (d == 100 and T == 0.3) else None
    return BSDEProblem(
        name=f"Allen-Cahn, d={d}",
        d=d, T=T, x0=np.zeros(d),
        drift=lambda t, x: jnp.zeros_like(x),
        diffusion=lambda t, x, dW: s2 * dW,
        f=lambda t, x, y, z: y - y**3,
        g=lambda x: 1.0 / (2.0 + 0.4 * jnp.sum(x * x, axis=-1)),
        y0_range=(0.3, 0.6),
        reference=ref,
    )


def black_scholes_default_risk(
    d: int = 100,
    T: float = 1.0,
    *,
    delta: float = 2.0 / 3.0,
    R: float = 0.02,
    mu_bar: float = 0.02,
    sigma_bar: float = 0.2,
    v_h: float = 50.0,
    v_l: float = 70.0,
    gamma_h: float = 0.2,
    gamma_l: float = 0.02,
    x0: float = 100.0,
) -> BSDEProblem:
    r"""Nonlinear Black-Scholes equation with default risk :cite:p:`han2018solving`.

    :math:`u_t + \bar\mu\,x\cdot\nabla u + \frac{\bar\sigma^2}{2}\sum_i x_i^2 u_{x_ix_i}
    - (1-\delta)Q(u)u - Ru = 0`, :math:`g(x) = \min_i x_i`, where the default intensity
    :math:`Q` is :math:`\gamma^h` below :math:`v^h`, :math:`\gamma^l` above :math:`v^l`
    and linear in between. BSDE form: :math:`\mu = \bar\mu X`,
    :math:`\sigma = \bar\sigma\operatorname{diag}(X)`, :math:`f = -(1-\delta)Q(y)y - Ry`.
    For d = 100 and the default constants the published value is
    :math:`u(0, 100\cdot\mathbf{1}) \approx 57.300` (:data:`BLACK_SCHOLES_DEFAULT_RISK_REFERENCE`).
    """
    import jax.numpy as jnp

    d = _check_d(d)
    T = _check_T(T)
    slope = (gamma_h - gamma_l) / (v_h - v_l)

    def Q(y):
        return jnp.clip(slope * (y - v_h) + gamma_h, gamma_l, gamma_h)

    ref = BLACK_SCHOLES_DEFAULT_RISK_REFERENCE if (d == 100 and T == 1.0) else None
    return BSDEProblem(
        name=f"Black-Scholes with default risk, d={d}",
        d=d, T=T, x0=np.full(d, float(x0)),
        drift=lambda t, x: mu_bar * x,
        diffusion=lambda t, x, dW: sigma_bar * x * dW,
        f=lambda t, x, y, z: -(1.0 - delta) * Q(y) * y - R * y,
        g=lambda x: jnp.min(x, axis=-1),
        y0_range=(40.0, 50.0),
        reference=ref,
        params=dict(delta=delta, R=R, mu_bar=mu_bar, sigma_bar=sigma_bar, v_h=v_h, v_l=v_l,
                    gamma_h=gamma_h, gamma_l=gamma_l),
    )
