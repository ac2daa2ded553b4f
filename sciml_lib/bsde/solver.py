r"""The deep BSDE method of Han, Jentzen and E :cite:p:`han2018solving,e2017deep`.

On the grid :math:`t_n = n\,\Delta t`, :math:`\Delta t = T/N`, the forward SDE and
the BSDE of :mod:`sciml_lib.bsde.problems` are discretised by Euler-Maruyama:

.. math::

    X_{n+1} = X_n + \mu(t_n, X_n)\Delta t + \sigma(t_n, X_n)\Delta W_n, \qquad
    Y_{n+1} = Y_n - f(t_n, X_n, Y_n, Z_n)\Delta t + Z_n\cdot\Delta W_n .

The unknowns are :math:`Y_0 \approx u(0, \xi)` and :math:`Z_0 \approx \sigma^T\nabla u(0, \xi)`
(two trainable parameters, since :math:`X_0 = \xi` is fixed) and
:math:`Z_n = \mathrm{NN}_n(X_n)/d`, one small network per time step (the
division by :math:`d`, as in the authors' code, keeps the initial
:math:`Z_n\cdot\Delta W_n` of order :math:`\Delta t^{1/2}` and Adam's first steps small). Unrolled
in
:math:`n` this is a recurrent network whose input sequence is the Brownian path;
it is trained so that its output matches the terminal condition,

.. math::

    \min_{Y_0, Z_0, \mathrm{NN}_1, \dots, \mathrm{NN}_{N-1}}
    \mathbb{E}\,\big|Y_N - g(X_N)\big|^2 ,

and :math:`Y_0` is then the approximation of :math:`u(0, \xi)`. A whole training
step (sampling the Brownian increments, the forward recursion, the gradient and
the Adam update) is one jit-compiled function; blocks of steps run inside one
``lax.scan``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from sciml_lib.bsde.problems import BSDEProblem  # noqa: E402
from sciml_lib.nn import init_mlp, mlp_apply  # noqa: E402

__all__ = ["BSDEResult", "solve_bsde", "simulate_forward"]


@dataclass(frozen=True)
class BSDEResult:
    """Result of :func:`solve_bsde`.

    Attributes
    ----------
    u0 : float
        The learned :math:`Y_0 \\approx u(0, \\xi)`.
    loss_history : numpy.ndarray
        :math:`\\mathbb{E}|Y_N - g(X_N)|^2` on each training batch.
    y0_history : numpy.ndarray
        :math:`Y_0` after each iteration.
    time : float
        Wall time of the training (including compilation), seconds.
    compile_time : float
        Wall time of the first block (compilation plus one block of iterations).
    params : pytree
        The trained parameters (``y0``, ``z0``, ``nets``).
    problem : BSDEProblem
    success : bool
        False when the loss became NaN or infinite.
    message : str
    """

    u0: float
    loss_history: np.ndarray
    y0_history: np.ndarray
    time: float
    compile_time: float
    params: Any
    problem: BSDEProblem
    success: bool
    message: str

    def relative_error(self, reference: float | None = None) -> float:
        """:math:`|Y_0 - u_{ref}|/|u_{ref}|` (default: the problem's reference value)."""
        ref = self.problem.reference if reference is None else reference
        if ref is None:
            raise ValueError("reference: the problem has no reference value, pass one")
        return abs(self.u0 - ref) / abs(ref)


def simulate_forward(problem: BSDEProblem, n_steps: int, batch: int, key: Any,
                     dtype: Any = jnp.float64) -> tuple[jax.Array, jax.Array]:
    """Brownian increments ``dW`` (batch, N, d) and forward paths ``X`` (batch, N + 1, d)."""
    d, dt = problem.d, problem.T / n_steps
    dW = jnp.sqrt(dt) * jax.random.normal(key, (batch, n_steps, d), dtype=dtype)
    x0 = jnp.broadcast_to(jnp.asarray(problem.x0, dtype), (batch, d))

    def step(x, inp):
        n, dw = inp
        t = n * dt
        xn = (x + problem.drift(t, x) * dt + problem.diffusion(t, x, dw)).astype(x.dtype)
        return xn, xn

    _, xs = jax.lax.scan(step, x0, (jnp.arange(n_steps), jnp.swapaxes(dW, 0, 1)))
    X = jnp.concatenate([x0[None], xs], axis=0)
    return dW, jnp.swapaxes(X, 0, 1)


def _check_int(v: Any, name: str, low: int = 1) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
        raise ValueError(f"{name} must be an int >= {low}, got {v!r}")
    return int(v)


def solve_bsde(
    problem: BSDEProblem,
    n_steps: int = 20,
    batch: int = 64,
    iterations: int = 2000,
    lr: float = 1e-2,
    hidden: Sequence[int] | None = None,
    seed: int = 0,
    *,
    lr_decay: Sequence[tuple[float, float]] = ((0.5, 0.1), (0.8, 0.01)),
    activation: str = "tanh",
    dtype: Any = jnp.float32,
    y0_init: str = "pilot",
    shared: bool = False,
    block: int = 50,
    progress: bool = True,
) -> BSDEResult:
    r"""Approximate :math:`u(0, \xi)` of a semilinear parabolic PDE by the deep BSDE method.

    Parameters
    ----------
    problem : BSDEProblem
        E.g. :func:`~sciml_lib.bsde.problems.hjb_lqg`, :func:`~sciml_lib.bsde.problems.allen_cahn`.
    n_steps : int
        Number :math:`N` of Euler-Maruyama steps.
    batch : int
        Brownian paths per training step (fresh ones at every step).
    iterations : int
        Adam steps.
    lr : float
        Initial learning rate.
    hidden : sequence of int, optional
        Hidden widths of each :math:`\mathrm{NN}_n` (default ``(d + 10, d + 10)``).
    seed : int
        Seeds the initialisation and the Brownian paths.
    lr_decay : sequence of (fraction, factor)
        Piecewise-constant schedule: after ``fraction * iterations`` steps the
        learning rate is ``factor * lr``.
    y0_init : str
        ``"pilot"``: start :math:`Y_0` at the sample mean of :math:`g(X_N)` over a
        pilot batch (the answer without the nonlinearity :math:`f`);
        ``"range"``: uniform in ``problem.y0_range`` as in :cite:t:`han2018solving`.
        :math:`Z_0` starts at zero.
    shared : bool
        One network :math:`\mathrm{NN}(x, t_n/T)` for all steps instead of one per step.
    activation : str
        Hidden activation (see :data:`sciml_lib.nn.ACTIVATIONS`).
    dtype : dtype
        Floating type of the training (float32 is about twice as fast on CPUs).
    block : int
        Iterations per compiled ``lax.scan`` block (one progress-bar update each).
    progress : bool
        Show a ``tqdm`` bar.

    Returns
    -------
    BSDEResult
    """
    import optax
    from tqdm.auto import tqdm

    if not isinstance(problem, BSDEProblem):
        raise TypeError(f"problem must be a BSDEProblem, got {type(problem).__name__}")
    n_steps = _check_int(n_steps, "n_steps")
    batch = _check_int(batch, "batch")
    iterations = _check_int(iterations, "iterations", 0)
    block = _check_int(block, "block")
    if y0_init not in ("pilot", "range"):
        raise ValueError(f"y0_init must be 'pilot' or 'range', got {y0_init!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    d, T = problem.d, problem.T
    dt = T / n_steps
    hidden = (d + 10, d + 10) if hidden is None else tuple(int(h) for h in hidden)
    sizes = (d, *hidden, d)

    key = jax.random.PRNGKey(seed)
    key, k_y0, k_z0, k_pilot, *k_nets = jax.random.split(key, 4 + max(n_steps - 1, 1))
    lo, hi = problem.y0_range
    if shared:
        nets = [init_mlp(k_nets[0], (d + 1, *hidden, d))]
    else:
        nets = [init_mlp(k, sizes) for k in k_nets[: n_steps - 1]] if n_steps > 1 else []
    _, Xp = simulate_forward(problem, n_steps, 4096, k_pilot, dtype)
    if y0_init == "pilot":
        y0 = jnp.mean(problem.g(Xp[:, -1])) + 0.0 * jax.random.uniform(k_y0, ())
    else:
        y0 = jax.random.uniform(k_y0, (), minval=lo, maxval=hi, dtype=jnp.float64)
    params = {
        "y0": y0,
        "z0": jnp.zeros(d),
        "nets": jax.tree_util.tree_map(lambda *a: jnp.stack(a), *nets) if nets else None,
    }
    params = jax.tree_util.tree_map(lambda a: a.astype(dtype), params)
    # input normalisation of NN_n from a pilot sample of the forward SDE (X does not depend
    # on the networks): plays the role of the batch normalisation of the original method
    mean = jnp.mean(Xp, axis=0)[1:n_steps]
    std = jnp.std(Xp, axis=0)[1:n_steps] + 1e-6

    def loss_fn(prm, k):
        dW, X = simulate_forward(problem, n_steps, batch, k, dtype)
        y = jnp.full((batch,), prm["y0"])
        z = jnp.broadcast_to(prm["z0"], (batch, d))
        y = (y - problem.f(0.0, X[:, 0], y, z) * dt + jnp.sum(z * dW[:, 0], axis=-1)).astype(dtype)
        if n_steps > 1:
            def step(y, inp):
                net, x, dw, n, m, s = inp
                xi = (x - m) / s
                if shared:
                    xi = jnp.concatenate([xi, jnp.full((batch, 1), n / n_steps, dtype)], axis=-1)
                z = mlp_apply(net, xi, activation) / d
                y = y - problem.f(n * dt, x, y, z) * dt + jnp.sum(z * dw, axis=-1)
                return y.astype(dtype), None

            def rep(a):
                return jnp.broadcast_to(a, (n_steps - 1, *a.shape[1:]))

            nets_n = jax.tree_util.tree_map(rep, prm["nets"]) if shared else prm["nets"]
            xs = (nets_n, jnp.swapaxes(X[:, 1:n_steps], 0, 1),
                  jnp.swapaxes(dW[:, 1:], 0, 1), jnp.arange(1, n_steps, dtype=dtype), mean, std)
            y, _ = jax.lax.scan(step, y, xs)
        return jnp.mean((y - problem.g(X[:, -1])) ** 2)

    boundaries = {int(fr * iterations): fac for fr, fac in lr_decay}
    schedule = optax.piecewise_constant_schedule(lr, boundaries)
    opt = optax.adam(schedule)
    state = opt.init(params)

    def one(carry, k):
        prm, st = carry
        L, g = jax.value_and_grad(loss_fn)(prm, k)
        upd, st = opt.update(g, st, prm)
        prm = optax.apply_updates(prm, upd)
        return (prm, st), (L, prm["y0"])

    @jax.jit
    def run_block(prm, st, keys):
        (prm, st), (Ls, y0s) = jax.lax.scan(one, (prm, st), keys)
        return prm, st, Ls, y0s

    losses = np.empty(iterations)
    y0s = np.empty(iterations)
    t_start = time.perf_counter()
    compile_time = 0.0
    done = 0
    ok, msg = True, "success"
    with tqdm(total=iterations, desc=problem.name, disable=not progress) as bar:
        while done < iterations:
            nb = min(block, iterations - done)
            key, sub = jax.random.split(key)
            params, state, Ls, ys = run_block(params, state, jax.random.split(sub, nb))
            losses[done:done + nb] = np.asarray(Ls)
            y0s[done:done + nb] = np.asarray(ys)
            if done == 0:
                compile_time = time.perf_counter() - t_start
            done += nb
            bar.update(nb)
            if not np.all(np.isfinite(losses[:done])):
                ok, msg = False, f"loss became non-finite before iteration {done}"
                losses, y0s = losses[:done], y0s[:done]
                break
    elapsed = time.perf_counter() - t_start
    return BSDEResult(float(params["y0"]), losses, y0s, elapsed, compile_time, params, problem,
                      ok, msg)
