"""MLP in JAX, the hand-written two-layer pullback, and the Adam training loop."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from sciml_lib.nn import (
    MLP,
    Dense,
    glorot_normal,
    glorot_uniform,
    init_mlp,
    make_step,
    mlp_apply,
    n_params,
    train,
    two_layer_pullback,
)


def test_shapes_and_parameter_count():
    p = init_mlp(0, [2, 50, 2])
    assert n_params(p) == 252  # homework 3 network
    assert mlp_apply(p, jnp.ones(2)).shape == (2,)
    assert mlp_apply(p, jnp.ones((7, 2))).shape == (7, 2)


def test_forward_formula():
    p = init_mlp(1, [3, 4, 2])
    x = np.array([0.1, -0.2, 0.3])
    W1, b1 = np.asarray(p[0]["W"]), np.asarray(p[0]["b"])
    W2, b2 = np.asarray(p[1]["W"]), np.asarray(p[1]["b"])
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


# ---------------------------------------------------------------- layers, initialisers, train
@pytest.mark.parametrize("init", [glorot_uniform, glorot_normal])
def test_glorot_variance(init):
    n_out, n_in = 300, 500
    W = np.asarray(init(0, (n_out, n_in)))
    assert W.shape == (n_out, n_in)
    var = 2.0 / (n_in + n_out)  # Glorot & Bengio (2010)
    # 150 000 samples: the sample variance has a relative standard error ~ 0.4-0.5 %
    assert abs(W.var() / var - 1) < 0.03
    assert abs(W.mean()) < 5 * np.sqrt(var / W.size)
    if init is glorot_uniform:
        assert np.abs(W).max() <= np.sqrt(6.0 / (n_in + n_out))


def test_dense_matches_hand_math():
    layer = Dense(3, 4, "sigmoid")
    p = layer.init(5)
    x = np.array([[0.3, -1.0, 2.0], [0.0, 0.5, -0.5]])
    W, b = np.asarray(p["W"]), np.asarray(p["b"]) + 0.1
    p = {"W": p["W"], "b": jnp.asarray(b)}
    ref = 1.0 / (1.0 + np.exp(-(x @ W.T + b)))
    np.testing.assert_allclose(layer(p, x), ref, rtol=1e-13)
    np.testing.assert_allclose(layer(p, x[0]), ref[0], rtol=1e-13)


def test_mlp_matches_hand_math_and_init_mlp():
    net = MLP((10, 32, 32, 5))
    p = net.init(7)
    q = init_mlp(7, [10, 32, 32, 5])
    for a, b in zip(jax.tree_util.tree_leaves(p), jax.tree_util.tree_leaves(q)):
        np.testing.assert_array_equal(a, b)
    assert net.n_params == n_params(p) == 11 * 32 + 33 * 32 + 33 * 5
    x = np.linspace(-1, 1, 10)
    (W1, b1), (W2, b2), (W3, b3) = [(np.asarray(d["W"]), np.asarray(d["b"])) for d in p]
    ref = W3 @ np.tanh(W2 @ np.tanh(W1 @ x + b1) + b2) + b3
    np.testing.assert_allclose(net(p, x), ref, rtol=1e-13)
    np.testing.assert_allclose(net(p, x), mlp_apply(p, x), rtol=1e-15)


def test_seeds_reproducible():
    net = MLP((1, 8, 1))
    p1, p2, p3 = net.init(1), net.init(1), net.init(2)
    assert all(np.array_equal(a, b) for a, b in
               zip(jax.tree_util.tree_leaves(p1), jax.tree_util.tree_leaves(p2)))
    assert not np.array_equal(p1[0]["W"], p3[0]["W"])
    x = jnp.linspace(-1, 1, 16)

    def loss(p, k):  # a loss that resamples noise each step with the key
        y = jnp.sin(3 * x) + 0.01 * jax.random.normal(k, x.shape)
        return jnp.mean((net(p, x[:, None])[:, 0] - y) ** 2)

    ra = train(loss, p1, optax.adam(1e-2), 50, key=3, progress=False)
    rb = train(loss, p1, optax.adam(1e-2), 50, key=3, progress=False)
    rc = train(loss, p1, optax.adam(1e-2), 50, key=4, progress=False)
    np.testing.assert_array_equal(ra[1], rb[1])
    assert not np.array_equal(ra[1], rc[1])


def test_train_new_signature_fused_and_eager_agree():
    x = jnp.linspace(-1, 1, 20)[:, None]
    y = 3 * x - 1
    net = MLP((1, 8, 1))
    p0 = net.init(3)

    def loss(p):
        return jnp.mean((net(p, x) - y) ** 2)

    pj, lj = train(loss, p0, optax.adam(0.03), 200, progress=False)
    pe, le = train(loss, p0, optimizer=optax.adam(0.03), steps=30, jit=False, progress=False)
    # legacy form, with the gradient supplied by the caller
    pl, ll = train(jax.value_and_grad(loss), p0, 200, learning_rate=0.03, progress=False)
    assert lj[-1] < 1e-2 * lj[0]
    np.testing.assert_allclose(lj[:30], le, rtol=1e-9)
    np.testing.assert_allclose(lj, ll, rtol=1e-9)
    # the losses are those of the returned iterates: loss before each update
    np.testing.assert_allclose(lj[0], loss(p0), rtol=1e-14)
    # make_step does one Adam update by hand: first Adam step moves every weight by ~lr
    step = make_step(loss, optax.adam(0.03))
    p1, _, L0 = step(p0, optax.adam(0.03).init(p0))
    np.testing.assert_allclose(L0, loss(p0), rtol=1e-14)
    g = jax.grad(loss)(p0)
    dW = np.asarray(p1[0]["W"] - p0[0]["W"])
    np.testing.assert_allclose(dW, -0.03 * np.sign(np.asarray(g[0]["W"])), rtol=1e-5)


def test_new_bad_input():
    with pytest.raises(ValueError, match="n_in"):
        Dense(0, 3)
    with pytest.raises(ValueError, match="activation"):
        Dense(2, 3, "nope")
    with pytest.raises(ValueError, match="init_name"):
        Dense(2, 3, init_name="he")
    with pytest.raises(ValueError, match="features"):
        Dense(2, 3)(Dense(2, 3).init(0), jnp.ones(4))
    with pytest.raises(ValueError, match="params"):
        Dense(2, 3)(Dense(3, 3).init(0), jnp.ones(2))
    with pytest.raises(ValueError, match="sizes"):
        MLP((3,))
    with pytest.raises(ValueError, match="layers"):
        MLP((2, 4, 1))(init_mlp(0, [2, 1]), jnp.ones(2))
    with pytest.raises(ValueError, match="shape"):
        glorot_uniform(0, (3,))
    with pytest.raises(TypeError, match="key"):
        glorot_uniform("seed", (3, 2))
    p = init_mlp(0, [1, 2, 1])
    with pytest.raises(ValueError, match="steps"):
        train(lambda q: jnp.sum(q[0]["W"]), p, optax.adam(0.1))
    with pytest.raises(ValueError, match="steps"):
        train(lambda q: jnp.sum(q[0]["W"]), p, optax.adam(0.1), -1)
    with pytest.raises(TypeError, match="optimizer"):
        train(lambda q: jnp.sum(q[0]["W"]), p, "adam", 3)
    with pytest.raises(ValueError, match="scalar"):
        train(lambda q: q[0]["W"], p, optax.adam(0.1), 3, progress=False)


def test_train_legacy_untraceable_loss_and_grad():
    # a NumPy loss_and_grad (not JAX-traceable) goes through the legacy path; keys are split
    target = np.array([1.0, -2.0])
    seen = []

    def lg(p, key):
        seen.append(np.asarray(key).copy())
        r = np.asarray(p) - target
        return float(r @ r), jnp.asarray(2 * r)

    p, losses = train(lg, jnp.zeros(2), 400, learning_rate=0.05, key=0, progress=False)
    np.testing.assert_allclose(p, target, atol=1e-2)
    assert losses[-1] < 1e-3 * losses[0]
    assert not np.array_equal(seen[0], seen[1])
