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


# --- helpers shared by Lectures 2 and 6 -----------------------------------------------------

def test_parse_cache_size():
    from sciml_lib.serial import parse_cache_size

    assert parse_cache_size("32K") == 32 * 1024
    assert parse_cache_size("1M\n") == 2**20
    assert parse_cache_size("4096") == 4096
    with pytest.raises(ValueError, match="text"):
        parse_cache_size("big")
    with pytest.raises(TypeError, match="text"):
        parse_cache_size(32)


def test_data_cache_sizes_reads_sysfs_layout(tmp_path):
    from sciml_lib.serial import data_cache_sizes

    entries = [("index0", "1", "Data", "48K"), ("index1", "1", "Instruction", "32K"),
               ("index2", "2", "Unified", "2048K"), ("index3", "3", "Unified", "32M")]
    for name, level, kind, size in entries:
        d = tmp_path / name
        d.mkdir()
        (d / "level").write_text(level + "\n")
        (d / "type").write_text(kind + "\n")
        (d / "size").write_text(size + "\n")
    (tmp_path / "uevent").write_text("")
    assert data_cache_sizes(str(tmp_path)) == {"L1": 48 * 1024, "L2": 2 * 2**20, "L3": 32 * 2**20}
    assert data_cache_sizes(str(tmp_path / "missing")) == {}
    real = data_cache_sizes()
    assert all(isinstance(v, int) and v > 0 for v in real.values())


def test_sum_kernels_match_math_fsum():
    import math

    from sciml_lib.serial import sum_fastmath, sum_strict

    x = np.random.default_rng(5).random(10_001)
    exact = math.fsum(x)
    strict = 0.0
    for v in x[:100]:  # the strict kernel adds in the order of the loop, bit for bit
        strict += v
    assert sum_strict(x[:100]) == strict
    assert sum_strict(x) == pytest.approx(exact, rel=1e-12)
    assert sum_fastmath(x) == pytest.approx(exact, rel=1e-12)
    assert sum_strict(np.empty(0)) == 0.0 == sum_fastmath(np.empty(0))
