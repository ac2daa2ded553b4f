"""MLP in JAX, the hand-written two-layer pullback, and the Adam training loop."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sciml_lib.nn import init_mlp, mlp_apply, n_params, train, two_layer_pullback


def test_shapes_and_parameter_count():
    p = init_mlp(0, [2, 50, 2])
    assert n_params(p) == 252  # homework 3 network
    assert mlp_apply(p, jnp.ones(2)).shape == (2,)
    assert mlp_apply(p, jnp.ones((7, 2))).shape == (7, 2)


def test_forward_formula():
    p = init_mlp(1, [3, 4, 2])
    x = np.array([0.1, -0.2, 0.3])
    W1, b1, W2, b2 = (np.asarray(p[0]["W"]), np.asarray(p[0]["b"]), np.asarray(p[1]["W"]), np.asarray(p[1]["b"]))
    np.testing.assert_allclose(mlp_apply(p, x), W2 @ np.tanh(W1 @ x + b1) + b2, rtol=1e-14)


def test_hand_pullback_matches_jax_vjp():
    p = init_mlp(2, [2, 50, 2])
    p[0]["b"] = jnp.linspace(-1, 1, 50)
    u = jnp.array([0.7, -1.3])
    ybar = np.array([0.4, -2.0])
    ubar, pbar = two_layer_pullback(p, u, ybar)
    _, vjp = jax.vjp(lambda pp, uu: mlp_apply(pp, uu), p, u)
    pj, uj = vjp(jnp.asarray(ybar))
    np.testing.assert_allclose(ubar, uj, rtol=1e-12)
    for mine, ref in zip(jax.tree_util.tree_leaves(pbar), jax.tree_util.tree_leaves(pj)):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)


def test_train_fits_a_line():
    x = jnp.linspace(-1, 1, 20)[:, None]
    y = 3 * x - 1
    p = init_mlp(3, [1, 8, 1])
    lg = jax.jit(jax.value_and_grad(lambda p: jnp.mean((mlp_apply(p, x) - y) ** 2)))
    p, losses = train(lg, p, 300, learning_rate=0.03, progress=False)
    assert losses[-1] < 1e-2 * losses[0]


def test_bad_input():
    with pytest.raises(ValueError, match="sizes"):
        init_mlp(0, [2])
    with pytest.raises(ValueError, match="activation"):
        mlp_apply(init_mlp(0, [2, 2]), jnp.ones(2), activation="nope")
    with pytest.raises(ValueError, match="features"):
        mlp_apply(init_mlp(0, [2, 2]), jnp.ones(3))
