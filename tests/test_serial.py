"""Tests of sciml_lib.serial (the Gierer-Meinhardt reference problem)."""

import numpy as np
import pytest

from sciml_lib.serial import (
    GiererMeinhardtParams,
    gierer_meinhardt_equilibrium,
    gierer_meinhardt_initial,
    gierer_meinhardt_rhs,
    neumann_laplacian_1d,
)


def stencil_laplacian(u):
    """Independent oracle: 5-point stencil with mirrored ghost cells."""
    g = np.pad(u, 1, mode="reflect")  # ghost u[-1] = u[1]
    return g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * u


@pytest.mark.parametrize("n", [2, 3, 7, 20])
def test_laplacian_eigenvalues(n):
    # Reflecting-boundary second difference: eigenvalues -4 sin^2(k pi / (2 (n-1))).
    k = np.arange(n)
    expected = np.sort(-4 * np.sin(k * np.pi / (2 * (n - 1))) ** 2)
    got = np.sort(np.linalg.eigvals(neumann_laplacian_1d(n)).real)
    np.testing.assert_allclose(got, expected, atol=1e-10)


def test_laplacian_rows_and_constants():
    L = neumann_laplacian_1d(5)
    np.testing.assert_array_equal(L[0, :2], [-2, 2])
    np.testing.assert_array_equal(L[-1, -2:], [2, -2])
    np.testing.assert_array_equal(L[2, 1:4], [1, -2, 1])
    np.testing.assert_allclose(L @ np.ones(5), 0)  # constants are in the kernel


@pytest.mark.parametrize("bad", [1, 0, -3])
def test_laplacian_rejects_small(bad):
    with pytest.raises(ValueError, match="n"):
        neumann_laplacian_1d(bad)
    with pytest.raises(TypeError, match="n"):
        neumann_laplacian_1d(2.0)


def test_equilibrium_is_steady():
    p = GiererMeinhardtParams()
    us, vs = gierer_meinhardt_equilibrium(p)
    assert (us, vs) == pytest.approx((11.0, 12.1))
    u = np.full((6, 6), us)
    v = np.full((6, 6), vs)
    du, dv = gierer_meinhardt_rhs(u, v, p)
    np.testing.assert_allclose(du, 0, atol=1e-12)
    np.testing.assert_allclose(dv, 0, atol=1e-12)


def test_equilibrium_other_params():
    p = GiererMeinhardtParams(a=2.0, alpha=0.5, ubar=0.3, beta=4.0)
    us, vs = gierer_meinhardt_equilibrium(p)
    # reaction terms vanish
    assert p.a * us**2 / vs + p.ubar - p.alpha * us == pytest.approx(0, abs=1e-12)
    assert p.a * us**2 - p.beta * vs == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("n", [4, 17])
def test_rhs_matches_stencil(n):
    rng = np.random.default_rng(n)
    p = GiererMeinhardtParams(D1=0.3, D2=2.0)
    u = 1 + rng.random((n, n))
    v = 1 + rng.random((n, n))
    du, dv = gierer_meinhardt_rhs(u, v, p)
    du_ref = p.D1 * stencil_laplacian(u) + p.a * u**2 / v + p.ubar - p.alpha * u
    dv_ref = p.D2 * stencil_laplacian(v) + p.a * u**2 - p.beta * v
    np.testing.assert_allclose(du, du_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dv, dv_ref, rtol=1e-12, atol=1e-12)
    # passing a prebuilt L gives the same result
    du2, dv2 = gierer_meinhardt_rhs(u, v, p, L=neumann_laplacian_1d(n))
    np.testing.assert_array_equal(du, du2)
    np.testing.assert_array_equal(dv, dv2)


def test_laplacian_conserves_mass():
    # With reflecting ends the trapezoid-weighted sum of L u is zero.
    n = 9
    w = np.ones(n)
    w[[0, -1]] = 0.5
    u = np.random.default_rng(1).random((n, n))
    lap = stencil_laplacian(u)
    assert w @ lap @ w == pytest.approx(0, abs=1e-12)
    p = GiererMeinhardtParams(a=0, alpha=1e-300, ubar=0, beta=1e-300, D1=1.0, D2=1.0)
    du, _ = gierer_meinhardt_rhs(u, u + 1, p)
    assert w @ du @ w == pytest.approx(0, abs=1e-12)


def test_initial_condition():
    u, v = gierer_meinhardt_initial(50, np.random.default_rng(3))
    assert u.shape == v.shape == (50, 50)
    assert u.flags.c_contiguous
    assert 11 <= u.min() and u.max() <= 11.1
    assert u.std() > 0.01
    np.testing.assert_array_equal(v, 12.1)


def test_input_validation():
    u = np.ones((3, 3))
    with pytest.raises(ValueError, match="v"):
        gierer_meinhardt_rhs(u, np.ones((3, 4)))
    with pytest.raises(ValueError, match="u"):
        gierer_meinhardt_rhs(np.ones((3, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError, match="L"):
        gierer_meinhardt_rhs(u, u, L=np.eye(4))
    with pytest.raises(ValueError, match="D1"):
        GiererMeinhardtParams(D1=float("nan"))
    with pytest.raises(ValueError, match="beta"):
        GiererMeinhardtParams(beta=-1.0)
    with pytest.raises(ValueError, match="n"):
        gierer_meinhardt_initial(1)
