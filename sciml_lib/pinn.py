r"""Physics-informed neural networks for ODEs, and a physics-regularised force fit.

**PINN for an initial value problem** :cite:p:`lagaris1998artificial`. For
:math:`u' = f(t, u)`, :math:`u(t_0) = u_0`, a network :math:`\mathrm{NN}(t)` is trained so
that a trial function :math:`g` satisfies the ODE at collocation points :math:`t_i`:

.. math::

    L(\theta) = \frac1n \sum_i \lVert g'(t_i) - f(t_i, g(t_i)) \rVert^2 .

With the *hard* trial function :math:`g(t) = u_0 + (t - t_0)\,\mathrm{NN}(t)` the initial
condition holds exactly for every :math:`\theta`; with the *soft* one
:math:`g = \mathrm{NN}` a penalty :math:`w\lVert \mathrm{NN}(t_0) - u_0\rVert^2` is added
(the form popularised by :cite:p:`raissi2019physics`). The time derivative
:math:`g'` is taken exactly by forward-mode AD (``derivative="ad"``) or by the forward
difference :math:`(g(t+\epsilon) - g(t))/\epsilon` of the lecture notes
(``derivative="fd"``).

**Physics-regularised regression.** Fitting a force law :math:`F(x)` from a few samples
:math:`(x_j, F_j)` with a prior model :math:`F_0(x)` (Hooke's law) minimises

.. math::

    L(\theta) = \frac1m\sum_j (\mathrm{NN}(x_j) - F_j)^2
    + \lambda \frac1{n}\sum_i (\mathrm{NN}(\xi_i) - F_0(\xi_i))^2 ,

with :math:`n` fresh random points :math:`\xi_i` in a box at every step.

Importing this module enables float64 in JAX.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from sciml_lib.nn import MLP, train

__all__ = [
    "ForceFit",
    "PINNResult",
    "fit_force",
    "pinn_loss",
    "solve_ode_pinn",
    "spring_force",
    "spring_rhs",
]

_TRIALS = ("hard", "soft")
_DERIVATIVES = ("ad", "fd")


def _default_optimizer(learning_rate: float, steps: int) -> Any:
    """Adam with a learning rate decaying exponentially by 10x over the run."""
    import optax

    sched = optax.exponential_decay(learning_rate, transition_steps=max(steps, 1),
                                    decay_rate=0.1)
    return optax.adam(sched)


def _hidden_sizes(hidden: int | Sequence[int]) -> tuple[int, ...]:
    h = (hidden,) if isinstance(hidden, (int, np.integer)) else tuple(hidden)
    if len(h) == 0 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1
                          for v in h):
        raise ValueError(f"hidden must be a positive int or a sequence of them, got {hidden!r}")
    return tuple(int(v) for v in h)


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    return int(steps)


@dataclass
class PINNResult:
    """A trained PINN: call it on times to evaluate the trial solution :math:`g(t)`.

    Attributes
    ----------
    params : pytree
        Trained network parameters.
    net : MLP
        The network :math:`\\mathbb R\\to\\mathbb R^m`.
    u0 : ndarray, shape (m,)
        Initial value; ``t0`` is the initial time.
    trial, derivative : str
        The options the network was trained with.
    losses : ndarray
        Loss before each update.
    t_grid : ndarray
        Collocation points.
    scalar : bool
        Whether ``u0`` was a scalar (then ``result(t)`` has the shape of ``t``).
    """

    params: Any
    net: MLP
    u0: np.ndarray
    t0: float
    trial: str
    derivative: str
    losses: np.ndarray
    t_grid: np.ndarray
    scalar: bool
    _g: Callable[..., Any] = field(repr=False, default=None)

    def __call__(self, t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        out = np.asarray(self._g(self.params, jnp.atleast_1d(jnp.asarray(t))))
        out = out.reshape(t.shape + (-1,))
        return out[..., 0] if self.scalar else out


def _make_trial(net: MLP, u0: jax.Array, t0: float, trial: str) -> Callable[..., jax.Array]:
    """``g(params, t)`` for scalar ``t`` -> shape (m,)."""
    if trial == "hard":
        def g(params, t):
            return u0 + (t - t0) * net(params, jnp.reshape(t, (1,)))
    else:
        def g(params, t):
            return net(params, jnp.reshape(t, (1,)))
    return g


def pinn_loss(
    f: Callable[[Any, Any], Any],
    u0: Any,
    t_grid: Any,
    net: MLP,
    *,
    trial: str = "hard",
    derivative: str = "ad",
    eps: float | None = None,
    ic_weight: float = 1.0,
) -> tuple[Callable[[Any], jax.Array], Callable[..., jax.Array]]:
    r"""The PINN loss ``loss(params)`` and the batched trial solution ``g(params, t)``.

    See :func:`solve_ode_pinn` for the arguments. ``g(params, t)`` maps times of shape
    ``(n,)`` to values of shape ``(n, m)``.
    """
    if trial not in _TRIALS:
        raise ValueError(f"trial must be one of {_TRIALS}, got {trial!r}")
    if derivative not in _DERIVATIVES:
        raise ValueError(f"derivative must be one of {_DERIVATIVES}, got {derivative!r}")
    if not callable(f):
        raise TypeError(f"f must be callable f(t, u), got {type(f).__name__}")
    u0_raw = jnp.asarray(u0, dtype=jnp.float64)
    scalar = u0_raw.ndim == 0
    if u0_raw.ndim > 1:
        raise ValueError(f"u0 must be a scalar or a 1-d array, got shape {u0_raw.shape}")
    u0 = jnp.atleast_1d(u0_raw)
    t = jnp.asarray(t_grid, dtype=jnp.float64)
    if t.ndim != 1 or t.shape[0] < 2:
        raise ValueError(f"t_grid must be a 1-d array of at least 2 times, got shape {t.shape}")
    if not bool(jnp.all(jnp.isfinite(t))) or not bool(jnp.all(jnp.diff(t) > 0)):
        raise ValueError("t_grid must be finite and strictly increasing")
    if net.sizes[0] != 1 or net.sizes[-1] != u0.shape[0]:
        raise ValueError(f"net must map 1 -> {u0.shape[0]} (the size of u0), got {net.sizes}")
    if eps is None:
        eps = float(np.sqrt(np.finfo(np.float64).eps))
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    t0 = float(t[0])
    g1 = _make_trial(net, u0, t0, trial)
    if derivative == "ad":
        def dg1(params, s):
            return jax.jvp(lambda tt: g1(params, tt), (s,), (jnp.ones_like(s),))
    else:
        def dg1(params, s):
            gs = g1(params, s)
            return gs, (g1(params, s + eps) - gs) / eps
    g_batch = jax.vmap(g1, in_axes=(None, 0))
    dg_batch = jax.vmap(dg1, in_axes=(None, 0))
    # f's output must have the shape of u0: checked once, here, with abstract shapes
    out = jax.eval_shape(lambda s, u: jnp.asarray(f(s, u)), t[0], u0_raw)
    if out.shape != u0_raw.shape:
        raise ValueError(f"f(t, u) must return the shape of u0 {u0_raw.shape}, got {out.shape}")

    def f1(s, u):
        return jnp.reshape(jnp.asarray(f(s, u[0] if scalar else u), dtype=jnp.float64), u.shape)

    f_batch = jax.vmap(f1)

    def loss(params):
        gv, dgv = dg_batch(params, t)
        res = dgv - f_batch(t, gv)
        L = jnp.mean(jnp.sum(res ** 2, axis=-1))
        if trial == "soft":
            L = L + ic_weight * jnp.sum((g1(params, t[0]) - u0) ** 2)
        return L

    return loss, g_batch


def solve_ode_pinn(
    f: Callable[[Any, Any], Any],
    u0: Any,
    t_grid: Any,
    *,
    hidden: int | Sequence[int] = 32,
    activation: str = "tanh",
    trial: str = "hard",
    derivative: str = "ad",
    eps: float | None = None,
    ic_weight: float = 1.0,
    steps: int = 5000,
    learning_rate: float = 1e-2,
    optimizer: Any = None,
    seed: int = 0,
    progress: bool = False,
) -> PINNResult:
    r"""Solve :math:`u' = f(t, u)`, :math:`u(t_0) = u_0` with a PINN.

    The Lagaris trial-function method :cite:p:`lagaris1998artificial` (see the module docstring).

    Parameters
    ----------
    f : callable
        JAX-traceable right-hand side ``f(t, u)`` (``u`` a scalar if ``u0`` is one).
    u0 : float or array_like, shape (m,)
        Initial value at ``t0 = t_grid[0]``.
    t_grid : array_like, shape (n,)
        Strictly increasing collocation times.
    hidden : int or sequence of int
        Hidden widths of the tanh network :math:`\mathbb R \to \mathbb R^m`.
    trial : {"hard", "soft"}
        ``"hard"``: :math:`g = u_0 + (t-t_0)\mathrm{NN}(t)`; ``"soft"``: :math:`g = \mathrm{NN}`
        plus ``ic_weight`` times the squared initial-condition misfit.
    derivative : {"ad", "fd"}
        :math:`g'` by forward-mode AD or by a forward difference with step ``eps``
        (default :math:`\sqrt{\epsilon_{64}}`; the notes use :math:`\sqrt{\epsilon_{32}}`).
    steps, learning_rate, optimizer
        Training: ``steps`` updates of ``optimizer`` (default Adam whose learning rate
        decays exponentially from ``learning_rate`` by a factor 10 over the run).
    seed : int
        Seed of the Glorot initialisation (the result is a deterministic function of it).

    Returns
    -------
    PINNResult
        Callable on times; ``result.losses`` is the training history.
    """
    steps = _check_steps(steps)
    scalar = np.ndim(u0) == 0
    u0a = np.atleast_1d(np.asarray(u0, dtype=float))
    net = MLP((1, *_hidden_sizes(hidden), u0a.shape[0]), activation)
    loss, g = pinn_loss(f, np.asarray(u0, dtype=float), t_grid, net, trial=trial,
                        derivative=derivative, eps=eps, ic_weight=ic_weight)
    opt = optimizer if optimizer is not None else _default_optimizer(learning_rate, steps)
    params, losses = train(loss, net.init(seed), opt, steps, progress=progress, desc="PINN")
    return PINNResult(params=params, net=net, u0=u0a, t0=float(np.asarray(t_grid)[0]),
                      trial=trial, derivative=derivative, losses=losses,
                      t_grid=np.asarray(t_grid, dtype=float), scalar=scalar, _g=jax.jit(g))


# ------------------------------------------------------------------ the nonlinear spring
def spring_force(x: Any, k: float = 1.0) -> Any:
    r"""The force of the lecture's nonlinear spring, :math:`F(x) = -kx + 0.1\sin x`."""
    return -k * x + 0.1 * np.sin(x) if not isinstance(x, jax.Array) else -k * x + 0.1 * jnp.sin(x)


def spring_rhs(t: float, u: np.ndarray, p: Any = ()) -> np.ndarray:
    r"""First-order form of :math:`x'' = F(x)` with state ``u = [v, x]``: :math:`(F(x), v)`.

    ``p`` may be a force function ``F(x)``; by default :func:`spring_force` with
    :math:`k = 1`. The signature ``f(t, u, p)`` is that of :func:`sciml_lib.ode.solve`.
    """
    F = p if callable(p) else spring_force
    return np.array([F(u[1]), u[0]])


@dataclass
class ForceFit:
    """A fitted force law :math:`x \\mapsto \\mathrm{NN}(x)`; call it on positions.

    Attributes
    ----------
    params : pytree
        Network parameters (1 -> hidden -> 1, tanh).
    net : MLP
        The network.
    losses : ndarray
        Total loss before each update.
    lam : float
        Weight of the physics term (0 for a data-only fit).
    """

    params: Any
    net: MLP
    losses: np.ndarray
    lam: float

    def __post_init__(self) -> None:
        self._np = [(np.asarray(p["W"]), np.asarray(p["b"])) for p in self.params]

    def __call__(self, x: Any) -> Any:
        """Evaluate in NumPy (cheap inside an ODE right-hand side); shape of ``x``."""
        x = np.asarray(x, dtype=float)
        h = x.reshape(-1, 1)
        for i, (W, b) in enumerate(self._np):
            h = h @ W.T + b
            if i < len(self._np) - 1:
                h = np.tanh(h)
        out = h[:, 0].reshape(x.shape)
        return float(out) if out.ndim == 0 else out


def fit_force(
    x: Any,
    force: Any,
    *,
    prior: Callable[[Any], Any] | None = None,
    lam: float = 0.1,
    x_range: tuple[float, float] = (-1.0, 1.0),
    n_colloc: int = 100,
    hidden: int | Sequence[int] = 32,
    steps: int = 5000,
    learning_rate: float = 1e-2,
    optimizer: Any = None,
    seed: int = 0,
    progress: bool = False,
) -> ForceFit:
    r"""Fit :math:`F(x)` to samples, optionally regularised by a physical prior :math:`F_0`.

    Minimises :math:`L_{data} + \lambda L_{ode}` (see the module docstring): the mean
    squared misfit to the data plus ``lam`` times the mean squared distance to
    ``prior`` at ``n_colloc`` uniform random points of ``x_range``, drawn afresh at
    every step from a key fixed by ``seed``. With ``prior=None`` or ``lam=0`` it is a
    plain data fit.

    Parameters
    ----------
    x, force : array_like, shape (m,)
        Positions and measured forces.
    prior : callable, optional
        JAX-traceable prior force law, e.g. Hooke's ``lambda x: -x``.
    lam : float
        Non-negative weight of the prior term.
    steps, learning_rate, optimizer, seed
        As in :func:`solve_ode_pinn` (default optimizer Adam with a fixed learning rate).
    """
    import optax

    steps = _check_steps(steps)
    xd = jnp.asarray(x, dtype=jnp.float64)
    Fd = jnp.asarray(force, dtype=jnp.float64)
    if xd.ndim != 1 or Fd.shape != xd.shape or xd.shape[0] < 1:
        raise ValueError(f"x and force must be 1-d arrays of the same length, got shapes "
                         f"{xd.shape} and {Fd.shape}")
    if not (np.isfinite(lam) and lam >= 0):
        raise ValueError(f"lam must be a non-negative number, got {lam!r}")
    if prior is not None and not callable(prior):
        raise TypeError(f"prior must be callable or None, got {type(prior).__name__}")
    lo, hi = (float(v) for v in x_range)
    if not hi > lo:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    if isinstance(n_colloc, bool) or not isinstance(n_colloc, (int, np.integer)) or n_colloc < 1:
        raise ValueError(f"n_colloc must be a positive int, got {n_colloc!r}")
    net = MLP((1, *_hidden_sizes(hidden), 1))
    use_prior = prior is not None and lam > 0

    def loss(params, key):
        L = jnp.mean((net(params, xd[:, None])[:, 0] - Fd) ** 2)
        if use_prior:
            xc = jax.random.uniform(key, (n_colloc,), minval=lo, maxval=hi, dtype=jnp.float64)
            L = L + lam * jnp.mean((net(params, xc[:, None])[:, 0] - prior(xc)) ** 2)
        return L

    opt = optimizer if optimizer is not None else optax.adam(learning_rate)
    params, losses = train(loss, net.init(seed), opt, steps, key=seed + 1, progress=progress,
                           desc="force fit")
    return ForceFit(params=params, net=net, losses=losses, lam=float(lam) if use_prior else 0.0)
