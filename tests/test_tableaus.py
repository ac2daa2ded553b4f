"""Butcher tableaus against the order conditions (rooted trees), independently of the solver."""

from __future__ import annotations

from functools import lru_cache
from math import prod

import numpy as np
import pytest

from sciml_lib.ode import TABLEAUS, ButcherTableau, get_tableau

EXPECTED = {
    "Euler": (1, None), "Midpoint": (2, None), "Heun": (2, 1), "RK4": (4, None),
    "BS3": (3, 2), "DP5": (5, 4), "Tsit5": (5, 4), "Vern7": (7, 6),
}


@lru_cache(maxsize=None)
def trees(order: int) -> tuple:
    """All rooted trees with `order` nodes, each a sorted tuple of child subtrees."""
    if order == 1:
        return ((),)
    out = set()

    def forests(n, max_child):
        # multisets of trees with total size n, children in non-increasing canonical order
        if n == 0:
            yield ()
            return
        for size in range(min(n, max_child[0]), 0, -1):
            for t in trees(size):
                key = (size, t)
                if key > max_child:
                    continue
                for rest in forests(n - size, key):
                    yield (t,) + rest

    for f in forests(order - 1, (order, ((),) * order)):
        out.add(tuple(sorted(f)))
    return tuple(sorted(out))


def size(t) -> int:
    return 1 + sum(size(c) for c in t)


def gamma(t) -> int:
    return size(t) * prod(gamma(c) for c in t)


def phi(t, A):
    """Stage vector of tree t: prod over children of A @ phi(child)."""
    v = np.ones(A.shape[0])
    for ch in t:
        v = v * (A @ phi(ch, A))
    return v


def residuals(b, A, order):
    return [abs(b @ phi(t, A) - 1.0 / gamma(t)) for t in trees(order)]


def test_tree_counts():
    # number of rooted trees with n nodes: OEIS A000081
    assert [len(trees(n)) for n in range(1, 8)] == [1, 1, 2, 4, 9, 20, 48]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_order_conditions(name):
    tab = get_tableau(name)
    order, emb = EXPECTED[name]
    assert tab.order == order and tab.embedded_order == emb
    np.testing.assert_allclose(tab.A.sum(axis=1), tab.c, atol=1e-13)
    for q in range(1, order + 1):
        assert max(residuals(tab.b, tab.A, q)) < 1e-12, (name, q)
    # the order is exact: some condition of order p+1 fails
    assert max(residuals(tab.b, tab.A, order + 1)) > 1e-6
    if emb is not None:
        for q in range(1, emb + 1):
            assert max(residuals(tab.b_hat, tab.A, q)) < 1e-12, (name, "embedded", q)
        assert max(residuals(tab.b_hat, tab.A, emb + 1)) > 1e-8


@pytest.mark.parametrize("name", [n for n, t in TABLEAUS.items() if t.dense is not None])
def test_dense_output_conditions(name):
    """Continuous extension: b(theta) . Phi(t) = theta^|t| / gamma(t) for |t| <= dense_order."""
    tab = get_tableau(name)
    np.testing.assert_allclose(tab.dense.sum(axis=1), tab.b, atol=2e-14)
    for theta in (0.0, 0.3, 0.77):
        w = tab.dense_weights(theta)
        for q in range(1, tab.dense_order + 1):
            for t in trees(q):
                assert abs(w @ phi(t, tab.A) - theta**q / gamma(t)) < 1e-12, (name, theta, t)


@pytest.mark.parametrize("name", ["BS3", "DP5", "Tsit5"])
def test_fsal_structure(name):
    tab = get_tableau(name)
    assert tab.fsal
    np.testing.assert_allclose(tab.A[-1], tab.b, atol=1e-15)
    assert tab.c[-1] == 1.0


def test_dp5_matches_homework_rationals():
    # Homework 2 Problem 1 lists DP5 as rationals
    from fractions import Fraction as F

    tab = get_tableau("dp5")
    assert tab.A[4, 2] == pytest.approx(float(F(64448, 6561)), rel=1e-15)
    assert tab.b_hat[6] == pytest.approx(1 / 40)
    assert tab.c[4] == pytest.approx(8 / 9)


def test_bad_names_and_shapes():
    with pytest.raises(ValueError, match="name"):
        get_tableau("RK45")
    with pytest.raises(TypeError, match="name"):
        get_tableau(4)
    with pytest.raises(ValueError, match="lower triangular"):
        ButcherTableau("bad", A=[[0, 1], [0, 0]], b=[0.5, 0.5], c=[0, 1], order=1)
    with pytest.raises(ValueError, match="A must be"):
        ButcherTableau("bad", A=[[0, 0], [1, 0]], b=[0.5, 0.5, 0], c=[0, 1], order=1)
    with pytest.raises(ValueError, match="theta"):
        get_tableau("RK4").dense_weights(0.5)
    assert not get_tableau("RK4").adaptive and get_tableau("DP5").adaptive
    assert np.all(get_tableau("RK4").error_weights == 0)
