"""Reverse-mode AD (sciml_lib.ad.reverse) against jax.grad / jax.vjp."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sciml_lib.ad import reverse as R

jax.config.update("jax_enable_x64", True)

floats = st.floats(-2.0, 2.0, allow_nan=False, width=64)
pos = st.floats(0.2, 3.0, allow_nan=False, width=64)

UNARY = [
    (np.exp, jnp.exp, floats),
    (np.log, jnp.log, pos),
    (np.tanh, jnp.tanh, floats),
    (np.sin, jnp.sin, floats),
    (np.cos, jnp.cos, floats),
    (np.sqrt, jnp.sqrt, pos),
    (np.square, jnp.square, floats),
    (lambda x: -x, lambda x: -x, floats),
    (R.sigmoid, jax.nn.sigmoid, floats),
    (lambda x: x**3.0, lambda x: x**3.0, floats),
    (lambda x: 2.0**x, lambda x: 2.0**x, floats),
    (lambda x: 1.0 / x, lambda x: 1.0 / x, pos),
]


@pytest.mark.parametrize("k", range(len(UNARY)))
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_unary_pullbacks_match_jax(k, data):
    f, fj, elem = UNARY[k]
    x = data.draw(arrays(np.float64, (3, 2), elements=elem))
    ybar = data.draw(arrays(np.float64, (3, 2), elements=floats))
    y, pb = R.vjp(f, x)
    yj, pbj = jax.vjp(fj, jnp.asarray(x))
    np.testing.assert_allclose(y, yj, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pb(ybar), pbj(jnp.asarray(ybar))[0], rtol=1e-10, atol=1e-12)


BINARY = [
    (lambda a, b: a + b, lambda a, b: a + b),
    (lambda a, b: a - b, lambda a, b: a - b),
    (lambda a, b: a * b, lambda a, b: a * b),
    (lambda a, b: a / b, lambda a, b: a / b),
    (lambda a, b: a**b, lambda a, b: a**b),
]
SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((4,), (3, 4)), ((), (2, 3)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("k", range(len(BINARY)))
@pytest.mark.parametrize("shapes", SHAPES)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_binary_pullbacks_with_broadcasting(k, shapes, data):
    f, fj = BINARY[k]
    a = data.draw(arrays(np.float64, shapes[0], elements=pos))
    b = data.draw(arrays(np.float64, shapes[1], elements=pos))
    out_shape = np.broadcast_shapes(*shapes)
    ybar = data.draw(arrays(np.float64, out_shape, elements=floats))
    y, pb = R.vjp(f, a, b)
    _, pbj = jax.vjp(fj, jnp.asarray(a), jnp.asarray(b))
    ga, gb = pb(ybar)
    ja, jb = pbj(jnp.asarray(ybar))
    assert (
        np.shape(ga) == a.shape and np.shape(gb) == b.shape
    )  # un-broadcast back to the input shapes
    np.testing.assert_allclose(ga, ja, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, jb, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "sa,sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5))]
)
def test_matmul_pullback(sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    y, pb = R.vjp(lambda a, b: a @ b, a, b)
    _, pbj = jax.vjp(lambda a, b: a @ b, a, b)
    ybar = rng.normal(size=np.shape(y))
    for mine, ref in zip(pb(ybar), pbj(ybar)):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-13)


def test_reductions_indexing_reshape_stack():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4))

    def f(x, xp=np):
        return (
            (x.sum(axis=0) ** 2).sum()
            + x.mean(axis=1, keepdims=True).sum() * x[1, 2]
            + (x[:, 1:3].reshape((6,)) ** 3).sum()
            + (x.T @ x)[0, 1]
            + (xp.stack([x[0], x[2]]) * 2.0).sum()
            + (xp.concatenate([x[0], x[1, :2]]) ** 2).sum()
            + xp.abs(x[0, 0] - 5.0)
        )

    g = R.grad(lambda x: f(x, R))(x)
    gj = jax.grad(lambda x: f(x, jnp))(jnp.asarray(x))
    np.testing.assert_allclose(g, gj, rtol=1e-12, atol=1e-12)


def test_fancy_index_accumulates_repeats():
    x = np.array([1.0, 2.0, 3.0])
    g = R.grad(lambda x: (x[np.array([0, 0, 2])] ** 2).sum())(x)
    np.testing.assert_allclose(g, [4.0, 0.0, 6.0])


def test_fan_out_sums_adjoints():
    # x used three times: d/dx (x*x + sin(x)) = 2x + cos x
    g = R.grad(lambda x: x * x + R.sin(x))(0.7)
    assert isinstance(g, float)
    assert g == pytest.approx(2 * 0.7 + np.cos(0.7), rel=1e-14)


def test_grad_argnums_and_value_and_grad():
    f = lambda a, b: (a * b).sum() + (a**2).sum()  # noqa: E731
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    ga, gb = R.grad(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, b + 2 * a)
    np.testing.assert_allclose(gb, a)
    v, gb2 = R.value_and_grad(f, argnums=1)(a, b)
    assert v == pytest.approx(f(a, b))
    np.testing.assert_allclose(gb2, a)


def test_jacobian_row_by_row_matches_jacrev():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(5, 3))
    x = rng.normal(size=3)
    J = R.jacobian(lambda x: np.tanh(W @ x) * x[0])(x)
    Jj = jax.jacrev(lambda x: jnp.tanh(W @ x) * x[0])(x)
    np.testing.assert_allclose(J, Jj, rtol=1e-12, atol=1e-13)


@settings(max_examples=4, deadline=None)
@given(arrays(np.float64, (4,), elements=floats), arrays(np.float64, (4,), elements=floats))
def test_hvp_forward_over_reverse(x, v):
    W = np.arange(12.0).reshape(3, 4) / 10

    def f(x, xp):
        return (
            (xp.tanh(W @ x) ** 2).sum()
            + (xp.exp(x[0] * x[1]) * xp.sin(x[2]))
            + ((x * x + 1.0) ** 0.5).sum() / (x[3] ** 2 + 1.0)
        )

    H = jax.hessian(lambda x: f(x, jnp))(jnp.asarray(x))
    np.testing.assert_allclose(R.hvp(lambda x: f(x, np), x, v), H @ v, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(R.hessian(lambda x: f(x, np))(x), H, rtol=1e-9, atol=1e-10)


def test_logistic_regression_reverse_pass_by_hand():
    # the Wengert list of lecture 10: wbar = zbar x + Rbar w, bbar = zbar
    w, b, x, t, lam = 0.3, -0.2, 1.5, 1.0, 0.1

    def Lreg(w, b):
        z = w * x + b
        y = R.sigmoid(z)
        return 0.5 * (y - t) ** 2 + lam * 0.5 * w**2

    gw, gb = R.grad(Lreg, argnums=(0, 1))(w, b)
    z = w * x + b
    y = 1 / (1 + np.exp(-z))
    zbar = (y - t) * y * (1 - y)
    assert gw == pytest.approx(zbar * x + lam * w, rel=1e-13)
    assert gb == pytest.approx(zbar, rel=1e-13)


def test_unbroadcast_direct():
    g = np.ones((2, 3, 4))
    np.testing.assert_allclose(R.unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    with pytest.raises(ValueError, match="un-broadcast"):
        R.unbroadcast(g, (5,))


def test_errors_are_clear():
    with pytest.raises(TypeError, match="floor"):
        R.grad(lambda x: np.floor(x).sum())(np.ones(3))
    with pytest.raises(TypeError, match="sign"):
        R.grad(lambda x: np.sign(x).sum())(np.ones(3))
    with pytest.raises(TypeError, match="float"):
        R.grad(lambda x: float(x))(1.0)
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        R.grad(lambda x: (x + np.ones(4)).sum())(np.ones(3))
    with pytest.raises(ValueError, match="not aligned"):
        R.grad(lambda x: (x @ np.ones((4, 2))).sum())(np.ones(3))
    with pytest.raises(ValueError, match="scalar"):
        R.grad(lambda x: x * 2.0)(np.ones(3))
    with pytest.raises(ValueError, match="adjoint has shape"):
        R.vjp(lambda x: x * 2.0, np.ones(3))[1](np.ones(2))
    with pytest.raises(ValueError, match="argnums"):
        R.grad(lambda x: x, argnums=3)(1.0)
    with pytest.raises(TypeError, match="callable"):
        R.grad(3)(1.0)
    with pytest.raises(ValueError, match="hvp"):
        R.hvp(lambda x: (x**2).sum(), np.ones(3), np.ones(2))


def test_comparisons_follow_values_and_record_branch():
    def f(x):
        return x * x if x > 0 else -x

    assert R.grad(f)(2.0) == pytest.approx(4.0)
    assert R.grad(f)(-2.0) == pytest.approx(-1.0)


def test_tape_is_a_wengert_list():
    tape = R.Tape()
    x = tape.leaf(2.0)
    y = x * x + R.exp(x)
    assert tape.ops == ["input", "mul", "exp", "add"]
    bars = tape.backward(y, 1.0)
    assert bars[x.index] == pytest.approx(4.0 + np.exp(2.0))


def test_hvp_agrees_with_forward_over_forward_duals():
    # cross-check with sciml_lib.ad.forward (nested dual numbers, forward over forward)
    from sciml_lib.ad.forward import hessian_vector_product

    def f(x):
        return np.sum(np.sin(x) * x**2) + x[0] * x[1] ** 3

    x, v = np.array([0.3, -1.2, 0.8]), np.array([1.0, 0.5, -2.0])
    np.testing.assert_allclose(R.hvp(f, x, v), hessian_vector_product(f, x, v), rtol=1e-12)
