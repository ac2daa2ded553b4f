r"""Posteriors for the samplers: Bayesian Lotka-Volterra (Hudson Bay data), eight schools, toys.

Every model is a :class:`Model` whose ``logp`` is the log posterior density (up to a
constant) on the unconstrained space, log-Jacobians included
(see ``Transform``), JAX-traceable and differentiable.

The Lotka-Volterra model is posteriordb's ``hudson_lynx_hare-lotka_volterra``
:cite:p:`carpenter2018predator,magnusson2024posteriordb`: populations
:math:`z = (u, v)` with :math:`u' = (\alpha - \beta v)u`, :math:`v' = (-\gamma + \delta u)v`,
priors :math:`\alpha,\gamma \sim N(1, 0.5)`, :math:`\beta,\delta \sim N(0.05, 0.05)`
(all positive), :math:`z_0 \sim \mathrm{LogNormal}(\log 10, 1)`,
:math:`\sigma \sim \mathrm{LogNormal}(-1, 1)`, and the lognormal likelihood
:math:`y_{n,k} \sim \mathrm{LogNormal}(\log z_k(t_n), \sigma_k)`. The ODE is solved by
:func:`sciml_lib.ode.jax_solver.integrate` (Tsit5, stopping at every year) and its gradient
is computed by
forward sensitivities (the 2 x 6 sensitivity ODE integrated with the state)
wrapped in a ``jax.custom_vjp``, so that ``jax.grad`` of the whole log-density works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from sciml_lib.ode.jax_solver import integrate  # noqa: E402
from sciml_lib.prob.reference import POSTERIORDB_REFERENCE  # noqa: E402
from sciml_lib.prob.transforms import Transform  # noqa: E402
from sciml_lib.problems.small import lotka_volterra_rhs_jax  # noqa: E402

__all__ = ["Model", "hudson_lynx_hare", "lotka_volterra_model", "eight_schools_noncentered",
           "gaussian_2d", "banana"]

_DATA = Path(__file__).parent / "data" / "hudson_lynx_hare.csv"


@dataclass(frozen=True)
class Model:
    """A posterior to sample.

    Attributes
    ----------
    name : str
    logp : callable
        Unconstrained log posterior density ``logp(y)``, JAX-traceable.
    dim : int
    names : tuple of str
        Names of the constrained quantities returned by ``constrain``.
    constrain : callable
        Maps unconstrained draws (..., dim) to the reported quantities (..., len(names)).
    init : callable
        ``init(rng, chains)``: starting points, shape (chains, dim).
    reference : dict or None
        posteriordb reference summary (``POSTERIORDB_REFERENCE``).
    data : dict
    extra : dict
        Model-specific helpers (``"trajectory"`` for Lotka-Volterra).
    """

    name: str
    logp: Callable
    dim: int
    names: tuple
    constrain: Callable
    init: Callable
    reference: dict | None = None
    data: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def hudson_lynx_hare() -> dict[str, np.ndarray]:
    """The Hudson's Bay Company hare and lynx pelts 1900-1920 (thousands), as in posteriordb.

    Returns
    -------
    dict
        ``year`` (21,), ``hare`` (21,), ``lynx`` (21,).
    """
    a = np.loadtxt(_DATA, delimiter=",", comments="#", skiprows=5)
    return {"year": a[:, 0].astype(int), "hare": a[:, 1], "lynx": a[:, 2]}


def _normal_lpdf(x, m, s):
    return -0.5 * ((x - m) / s) ** 2 - jnp.log(s) - 0.5 * jnp.log(2 * jnp.pi)


def _lognormal_lpdf(x, m, s):
    lx = jnp.log(x)
    return _normal_lpdf(lx, m, s) - lx


#: Step attempts allowed per observation interval (a posterior draw needs about 5): beyond,
#: the solution has left the region the data allow (e.g. a population driven negative by the
#: explicit steps, after which it grows without bound and the system turns stiff)
LV_MAX_STEPS = 1000


def _lv_scan(q, ts, method, rtol, atol):
    """Lotka-Volterra states at the increasing times ``ts > 0`` for ``q = (theta, z0)`` and
    the solver status of each interval (each continues with the step size of the last)."""
    def step(carry, t1):
        t0, u, dt = carry
        u1, _, _, status, dtn = integrate(lotka_volterra_rhs_jax, method, t0, t1, u, q[:4], rtol,
                                          atol, dt0=dt, return_dt=True, max_steps=LV_MAX_STEPS)
        return (t1, u1, jnp.maximum(dtn, 1e-6)), (u1, status)

    return lax.scan(step, (jnp.asarray(0.0), q[4:], jnp.asarray(0.05)), ts)[1]


@partial(jax.jit, static_argnums=(2, 3, 4))
def _lv_traj_at(q, ts, method, rtol, atol):
    """Lotka-Volterra solution at the times ``ts``; NaN after a failed interval."""
    us, status = _lv_scan(q, ts, method, rtol, atol)
    return jnp.where(status[:, None] == 0, us, jnp.nan)


def _lv_solver(ts: np.ndarray, rtol: float, atol: float, method: str, bounds: tuple):
    """Trajectory map ``q = (theta, z0) -> z(ts)`` whose VJP comes from forward sensitivities.

    The sensitivities :math:`S = \\partial z/\\partial q` (2 x 6 at each output time) are
    carried by forward-mode AD through the solver's steps (``jax.jacfwd``; the step sizes are
    not differentiated): the discrete analogue of :math:`S' = (\\partial f/\\partial z) S +
    \\partial f/\\partial q`, :math:`S(0) = [0 \\; I]`, taking the same steps as the solution
    and giving the exact derivative of the computed trajectory.
    """
    ts = jnp.asarray(ts, dtype=float)
    upper = jnp.array([bounds[0], bounds[1], bounds[0], bounds[1], bounds[2], bounds[2]])

    def integrate_all(q):
        us, status = _lv_scan(q, ts, method, rtol, atol)
        return jnp.where(jnp.any(status != 0), jnp.nan, us)

    def guarded(fun):
        """Solve only inside the box ``bounds`` (rates and populations that the priors allow):
        outside it the solution is NaN and the log-density -inf, so that an extreme proposal
        can never start an arbitrarily long stiff solve."""
        def g(q):
            ok = jnp.all(q <= upper) & jnp.all(q >= 1e-8)
            nan = jax.tree_util.tree_map(lambda s: jnp.full(s.shape, jnp.nan),
                                         jax.eval_shape(fun, q))
            return lax.cond(ok, fun, lambda _: nan, q)
        return g

    def traj_and_sens(q):
        sens, z = jax.jacfwd(lambda q: (lambda z: (z, z))(integrate_all(q)), has_aux=True)(q)
        return z, sens

    traj = guarded(integrate_all)
    traj_and_sens = guarded(traj_and_sens)

    @jax.custom_vjp
    def solve(q):
        return traj(q)

    def bwd(sens, g):
        return (jnp.einsum("nk,nkj->j", g, sens),)

    solve.defvjp(traj_and_sens, bwd)
    return solve, traj


def lotka_volterra_model(data: dict | None = None, *, rtol: float = 1e-6, atol: float = 1e-6,
                         method: str = "Tsit5", bounds: tuple = (10.0, 1.0, 1000.0)) -> Model:
    r"""posteriordb's Bayesian Lotka-Volterra model of the pelts :cite:p:`carpenter2018predator`.

    Unconstrained parameters :math:`y = \log(\alpha, \beta, \gamma, \delta, z_{0,1}, z_{0,2},
    \sigma_1, \sigma_2)`; the gradient of the ODE solution comes from forward
    sensitivities through the JAX Tsit5 solver.

    Parameters
    ----------
    data : dict, optional
        ``year``, ``hare``, ``lynx`` (default :func:`hudson_lynx_hare`); the first year is
        the initial observation at :math:`t = 0`.
    rtol, atol : float
        ODE tolerances.
    method : str
        An adaptive explicit method of :mod:`sciml_lib.ode.tableaus`.
    bounds : tuple of 3 floats
        Upper limits of :math:`(\\alpha, \\gamma)`, :math:`(\\beta, \\delta)` and :math:`z_0`
        (16, 19 and 7 prior standard deviations away): outside them the ODE is not
        solved and the log-density is :math:`-\\infty`, so that an extreme warm-up
        proposal cannot start an arbitrarily long solve.

    Returns
    -------
    Model
        ``extra["trajectory"](theta, z0, ts)`` solves the ODE at the times ``ts``.
    """
    data = hudson_lynx_hare() if data is None else data
    try:
        year = np.asarray(data["year"], dtype=float)
        obs = np.stack([np.asarray(data["hare"], float), np.asarray(data["lynx"], float)], axis=1)
    except (KeyError, TypeError) as e:
        raise ValueError(f"data must have 'year', 'hare' and 'lynx' arrays: {e}") from None
    if (obs.shape[0] < 2 or year.shape[0] != obs.shape[0] or np.any(obs <= 0)
            or np.any(np.diff(year) <= 0)):
        raise ValueError("data: need >= 2 increasing years and positive populations")
    if not (rtol > 0 and atol > 0):
        raise ValueError(f"rtol and atol must be positive, got {rtol!r}, {atol!r}")
    ts = year[1:] - year[0]
    solve, traj = _lv_solver(ts, rtol, atol, method, bounds)
    tr = Transform(["positive"] * 8)
    prior_mean = jnp.array([1.0, 0.05, 1.0, 0.05])
    prior_sd = jnp.array([0.5, 0.05, 0.5, 0.05])
    log_prior_mean = jnp.array([np.log(10.0), np.log(10.0), -1.0, -1.0])
    y_all = jnp.asarray(obs)

    def logp(q):
        # written with few, whole-array operations: each small XLA operation has a fixed cost
        # on a CPU, and written term by term the gradient cost 1.6x as much (131 vs 83 us)
        x = tr.forward(q)
        theta, z0, sigma = x[:4], x[4:6], x[6:]
        lp = jnp.sum(_normal_lpdf(theta, prior_mean, prior_sd))
        lp += jnp.sum(_lognormal_lpdf(x[4:], log_prior_mean, 1.0))
        z = jnp.concatenate([z0[None], solve(x[:6])])
        lp += jnp.sum(_lognormal_lpdf(y_all, jnp.log(z), sigma))
        lp += tr.log_det_jacobian(q)
        return jnp.where(jnp.isnan(lp), -jnp.inf, lp)

    def init(rng, chains):
        rng = np.random.default_rng(rng)
        start = np.log([0.5, 0.03, 0.8, 0.03, obs[0, 0], obs[0, 1], 0.3, 0.3])
        return start + rng.uniform(-0.2, 0.2, size=(chains, 8))

    def trajectory(theta, z0, t):
        q = jnp.concatenate([jnp.asarray(theta, float), jnp.asarray(z0, float)])
        return np.asarray(_lv_traj_at(q, jnp.asarray(t, float), method, rtol, atol))

    ref = POSTERIORDB_REFERENCE["hudson_lynx_hare-lotka_volterra"]
    return Model(name="hudson_lynx_hare-lotka_volterra", logp=logp, dim=8, names=ref["names"],
                 constrain=lambda q: np.exp(np.asarray(q)), init=init, reference=ref,
                 data={"year": year, "obs": obs, "ts": ts},
                 extra={"trajectory": trajectory})


def eight_schools_noncentered() -> Model:
    r"""Eight schools, non-centred :cite:p:`rubin1981estimation`.

    :math:`\theta_j = \mu + \tau\tilde\theta_j` with

    :math:`y_j \sim N(\theta_j, \sigma_j)`, :math:`\tilde\theta_j \sim N(0, 1)`,
    :math:`\mu \sim N(0, 5)`, :math:`\tau \sim \mathrm{HalfCauchy}(5)`; unconstrained
    parameters :math:`(\tilde\theta, \mu, \log\tau)`. ``constrain`` returns
    :math:`(\theta_1..\theta_8, \mu, \tau)` as posteriordb.
    """
    yv = jnp.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    sv = jnp.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])

    def logp(q):
        tt, mu, ltau = q[:8], q[8], q[9]
        tau = jnp.exp(ltau)
        theta = mu + tau * tt
        lp = -0.5 * jnp.sum(tt**2) - 0.5 * jnp.sum(((yv - theta) / sv) ** 2)
        lp += -0.5 * (mu / 5.0) ** 2 - jnp.log1p((tau / 5.0) ** 2) + ltau
        return lp

    def constrain(q):
        q = np.asarray(q)
        tau = np.exp(q[..., 9:10])
        return np.concatenate([q[..., 8:9] + tau * q[..., :8], q[..., 8:9], tau], axis=-1)

    def init(rng, chains):
        return np.random.default_rng(rng).uniform(-2, 2, size=(chains, 10))

    ref = POSTERIORDB_REFERENCE["eight_schools-eight_schools_noncentered"]
    return Model(name="eight_schools-eight_schools_noncentered", logp=logp, dim=10,
                 names=ref["names"], constrain=constrain, init=init, reference=ref,
                 data={"y": np.asarray(yv), "sigma": np.asarray(sv)})


def gaussian_2d(rho: float = 0.9, scales: tuple = (1.0, 1.0), mean: tuple = (0.0, 0.0)) -> Model:
    r"""Correlated 2-D Gaussian with correlation ``rho`` (``data``: its mean and covariance)."""
    if not -1 < rho < 1:
        raise ValueError(f"rho must be in (-1, 1), got {rho!r}")
    s = np.asarray(scales, float)
    if s.shape != (2,) or np.any(s <= 0):
        raise ValueError("scales must be two positive numbers")
    cov = np.array([[s[0] ** 2, rho * s[0] * s[1]], [rho * s[0] * s[1], s[1] ** 2]])
    prec = jnp.asarray(np.linalg.inv(cov))
    m = jnp.asarray(mean, float)

    def logp(x):
        r = x - m
        return -0.5 * r @ prec @ r

    return Model(name=f"gaussian_2d(rho={rho})", logp=logp, dim=2, names=("x1", "x2"),
                 constrain=lambda q: np.asarray(q),
                 init=lambda rng, c: np.random.default_rng(rng).normal(size=(c, 2)),
                 data={"mean": np.asarray(mean, float), "cov": cov})


def banana(b: float = 0.5, sigma1: float = 2.0) -> Model:
    r"""Banana density.

    :math:`x_1 \sim N(0, \sigma_1^2)`, :math:`x_2 \mid x_1 \sim N(b(x_1^2 - \sigma_1^2), 1)`.

    Its exact moments are :math:`E x = 0`, :math:`\mathrm{var}\,x_2 = 1 + 2b^2\sigma_1^4`.
    """
    if not (np.isfinite(b) and sigma1 > 0):
        raise ValueError("b must be finite and sigma1 positive")

    def logp(x):
        return -0.5 * (x[0] / sigma1) ** 2 - 0.5 * (x[1] - b * (x[0] ** 2 - sigma1**2)) ** 2

    return Model(name=f"banana(b={b})", logp=logp, dim=2, names=("x1", "x2"),
                 constrain=lambda q: np.asarray(q),
                 init=lambda rng, c: np.random.default_rng(rng).normal(size=(c, 2)),
                 data={"mean": np.zeros(2), "var": np.array([sigma1**2, 1 + 2 * b**2 * sigma1**4])})
