"""Finite-difference operators, stencils, method of lines, von Neumann stability and the CNN."""

import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.sparse as sp

from sciml_lib.pde import (
    CNN,
    LAPLACIAN_5PT,
    STENCIL_METHODS,
    amplification_factor,
    apply_stencil,
    as_jax_array,
    conv2d,
    diff_matrix,
    fd_weights,
    ftcs_heat,
    laplacian_1d,
    laplacian_2d,
    laplacian_3d,
    laplacian_stencil,
    max_pool,
    mean_pool,
    mol_heat,
    mol_reaction_diffusion,
    mol_reaction_diffusion_jax,
    stencil_jax,
    stencil_matrix,
    stencil_numba,
)


# ----------------------------------------------------------------------------- operators
def test_dirichlet_laplacian_2d_eigenvalues_closed_form():
    nx, ny, dx, dy = 7, 5, 0.3, 0.2
    A = laplacian_2d(nx, ny, dx, dy, bc="dirichlet").toarray()
    lx = -4 / dx**2 * np.sin(np.arange(1, nx + 1) * np.pi / (2 * (nx + 1))) ** 2
    ly = -4 / dy**2 * np.sin(np.arange(1, ny + 1) * np.pi / (2 * (ny + 1))) ** 2
    exact = np.sort((lx[None, :] + ly[:, None]).ravel())
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(A)), exact, rtol=1e-12)


def test_laplacians_1d_periodic_neumann_and_3d_spectra():
    n, dx = 8, 0.5
    k = np.arange(n)
    per = np.sort(np.linalg.eigvalsh(laplacian_1d(n, dx, "periodic").toarray()))
    np.testing.assert_allclose(per, np.sort(-4 / dx**2 * np.sin(np.pi * k / n) ** 2), atol=1e-12)
    # the mirrored Neumann matrix is similar to a symmetric one,
    # eigenvalues -4 sin^2(k pi/(2(n-1)))/dx^2
    neu = np.sort(np.linalg.eigvals(laplacian_1d(n, dx, "neumann").toarray()).real)
    exact = -4 / dx**2 * np.sin(np.pi * k / (2 * (n - 1))) ** 2
    np.testing.assert_allclose(neu, np.sort(exact), atol=1e-11)
    A3 = laplacian_3d(3, 4, 2, 1.0, 0.5, 2.0).toarray()
    ev = [-4 / h**2 * np.sin(np.arange(1, m + 1) * np.pi / (2 * (m + 1))) ** 2
          for m, h in ((3, 1.0), (4, 0.5), (2, 2.0))]
    exact = np.sort((ev[0][None, None, :] + ev[1][None, :, None] + ev[2][:, None, None]).ravel())
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(A3)), exact, rtol=1e-12)


def test_kronecker_sum_is_matrix_form():
    rng = np.random.default_rng(1)
    nx, ny, dx, dy = 6, 4, 0.1, 0.3
    U = rng.standard_normal((ny, nx))
    Ax, Ay = laplacian_1d(nx, dx).toarray(), laplacian_1d(ny, dy).toarray()
    got = (laplacian_2d(nx, ny, dx, dy) @ U.ravel()).reshape(ny, nx)
    np.testing.assert_allclose(got, Ay @ U + U @ Ax.T, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("order,scheme,accuracy", [
    (1, "forward", 1), (1, "backward", 1), (1, "central", 2),
    (2, "forward", 1), (2, "backward", 1), (2, "central", 2),
])
def test_polynomials_differentiated_exactly_to_order(order, scheme, accuracy):
    """Accuracy p: exact on polynomials of degree order + p - 1, not on the next degree."""
    n, dx = 12, 0.25
    x = dx * np.arange(n)
    D = diff_matrix(n, dx, order=order, scheme=scheme, bc=None)
    lo = {"forward": 0, "backward": -order, "central": -1}[scheme]
    xs = x[-lo: -lo + D.shape[0]] if lo < 0 else x[: D.shape[0]]
    deg = order + accuracy - 1
    for d in range(deg + 1):
        exact = math.perm(d, order) * xs ** (d - order) if d >= order else 0 * xs
        np.testing.assert_allclose(D @ x**d, exact, atol=1e-9 * max(1, d) * n**d)
    d = deg + 1
    assert np.abs(D @ x**d - math.perm(d, order) * xs ** (d - order)).max() > 1e-6


def test_diff_matrix_shapes_and_closures():
    D = diff_matrix(5, 1.0, 1, "forward", None)
    assert D.shape == (4, 5) and (D.toarray()[0, :2] == [-1, 1]).all()
    np.testing.assert_array_equal(diff_matrix(4, 1.0, 2, "central", "dirichlet").toarray(),
                                  sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(4, 4)).toarray())
    P = diff_matrix(6, 0.5, 1, "central", "periodic").toarray()
    np.testing.assert_allclose(P.sum(axis=1), 0)  # constants are in the kernel
    assert P[0, -1] == -1.0 and P[-1, 0] == 1.0
    Nm = diff_matrix(5, 1.0, 2, "central", "neumann").toarray()
    np.testing.assert_allclose(Nm @ np.ones(5), 0)
    assert Nm[0, 1] == 2.0 and Nm[-1, -2] == 2.0  # mirrored ghost


def test_central_difference_converges_second_order():
    errs = []
    ns = [20, 40, 80, 160]
    for n in ns:
        dx = 1.0 / (n + 1)
        x = dx * np.arange(1, n + 1)
        u = np.sin(np.pi * x)  # vanishes at both ends, as the Dirichlet closure assumes
        errs.append(np.abs(laplacian_1d(n, dx) @ u + np.pi**2 * u).max())
    slope = np.polyfit(np.log(ns), np.log(errs), 1)[0]
    assert -2.1 < slope < -1.9


def test_fornberg_weights_against_tables():
    # centred weights (Fornberg 1988, Table 1)
    np.testing.assert_allclose(fd_weights(0, [-1, 0, 1], 1), [-0.5, 0, 0.5], atol=1e-15)
    np.testing.assert_allclose(fd_weights(0, [-2, -1, 0, 1, 2], 1),
                               np.array([1, -8, 0, 8, -1]) / 12,
                               atol=1e-15)
    np.testing.assert_allclose(fd_weights(0, [-2, -1, 0, 1, 2], 2),
                               np.array([-1, 16, -30, 16, -1]) / 12, atol=1e-14)
    np.testing.assert_allclose(fd_weights(0, np.arange(-3, 4), 2),
                               np.array([2, -27, 270, -490, 270, -27, 2]) / 180, atol=1e-13)
    np.testing.assert_allclose(fd_weights(0, [-2, -1, 0, 1, 2], 4), [1, -4, 6, -4, 1], atol=1e-12)
    # one-sided (Table 3) and staggered (half-point) weights
    np.testing.assert_allclose(fd_weights(0, [0, 1, 2], 1), [-1.5, 2, -0.5], atol=1e-15)
    np.testing.assert_allclose(fd_weights(0, [0, 1, 2, 3], 2), [2, -5, 4, -1], atol=1e-13)
    np.testing.assert_allclose(fd_weights(0, [-0.5, 0.5], 1), [-1, 1], atol=1e-15)
    np.testing.assert_allclose(fd_weights(0, [-1.5, -0.5, 0.5, 1.5], 1),
                               np.array([1, -27, 27, -1]) / 24, atol=1e-14)


def test_fornberg_exact_on_polynomials_on_a_random_grid():
    rng = np.random.default_rng(3)
    xs = np.sort(rng.uniform(-1, 1, 6))
    x0 = 0.1
    for m in range(4):
        w = fd_weights(x0, xs, m)
        for d in range(6):  # exact for degree <= len(xs) - 1
            exact = math.perm(d, m) * x0 ** (d - m) if d >= m else 0.0
            assert abs(w @ xs**d - exact) < 1e-9


# ----------------------------------------------------------------------------- stencils
@pytest.mark.parametrize("bc", ["dirichlet", "neumann", "periodic"])
@pytest.mark.parametrize("wshape,ushape", [((3, 3), (9, 7)), ((3, 5), (6, 8)), ((5, 1), (7, 3)),
                                           ((3, 3), (2, 2))])
def test_all_stencil_implementations_agree(bc, wshape, ushape):
    rng = np.random.default_rng(sum(wshape) + sum(ushape))
    u = rng.standard_normal(ushape)
    w = rng.standard_normal(wshape)
    # independent oracle: explicit loop over points with ghost values from np.pad
    ry, rx = wshape[0] // 2, wshape[1] // 2
    mode = {"dirichlet": "constant", "neumann": "reflect", "periodic": "wrap"}[bc]
    P = np.pad(u, ((ry, ry), (rx, rx)), mode=mode)
    ref = np.array([[np.sum(w * P[i:i + wshape[0], j:j + wshape[1]]) for j in range(ushape[1])]
                    for i in range(ushape[0])])
    for method in STENCIL_METHODS:
        np.testing.assert_allclose(apply_stencil(u, w, bc, method), ref, rtol=0, atol=1e-13,
                                   err_msg=method)


@pytest.mark.parametrize("bc", ["dirichlet", "neumann", "periodic"])
def test_laplacian_stencil_equals_kronecker_matrix(bc):
    A = laplacian_2d(6, 5, 0.5, 0.25, bc)
    B = stencil_matrix(laplacian_stencil(0.5, 0.25), (5, 6), bc)
    assert abs(A - B).max() < 1e-12
    np.testing.assert_array_equal(laplacian_stencil(1.0), LAPLACIAN_5PT)


def test_numba_out_buffer_and_parallel():
    rng = np.random.default_rng(0)
    u = rng.standard_normal((40, 33))
    out = np.empty_like(u)
    r = stencil_numba(u, LAPLACIAN_5PT, out=out, parallel=True)
    assert r is out
    np.testing.assert_allclose(out, ndi.correlate(u, LAPLACIAN_5PT, mode="constant"), atol=1e-13)
    with pytest.raises(ValueError, match="out"):
        stencil_numba(u, LAPLACIAN_5PT, out=u)
    with pytest.raises(ValueError, match="out"):
        stencil_numba(u, LAPLACIAN_5PT, out=np.empty((3, 3)))


# ----------------------------------------------------------------------------- method of lines
def test_mol_heat_matches_matrix_and_exact_solution():
    from sciml_lib.ode import solve

    n = 49
    dx = 1.0 / (n + 1)
    x = dx * np.arange(1, n + 1)
    u0 = np.sin(np.pi * x)
    p = np.array([1.0 / dx**2])
    np.testing.assert_allclose(mol_heat(0.0, u0, p), laplacian_1d(n, dx) @ u0, rtol=1e-12)
    sol = solve(mol_heat, (0.0, 0.1), u0, p, method="Rodas5P", rtol=1e-9, atol=1e-11)
    lam = -4 / dx**2 * np.sin(np.pi * dx / 2) ** 2  # the semi-discrete decay rate of this mode
    np.testing.assert_allclose(sol.u[-1], np.exp(lam * 0.1) * u0, atol=1e-7)
    assert abs(lam + np.pi**2) < 1e-2  # close to the PDE's


def test_mol_reaction_diffusion_against_jax_and_its_jacobian():
    import jax

    rng = np.random.default_rng(2)
    u = rng.uniform(0, 1, 15)
    for p in (np.array([2.0]), np.array([3.0, 1.0])):
        f = mol_reaction_diffusion(0.0, u, p)
        np.testing.assert_allclose(f, np.asarray(mol_reaction_diffusion_jax(0.0, u, p)), rtol=1e-14,
                                   atol=1e-15)
        a = p[1] if p.size > 1 else 0.0
        lap = np.asarray(laplacian_1d(15, 1.0) @ u)
        np.testing.assert_allclose(f, p[0] * lap + u * (1 - u) * np.exp(-a * u**2), rtol=1e-13)
        J = np.asarray(jax.jacfwd(lambda y: mol_reaction_diffusion_jax(0.0, y, p))(u))
        assert np.count_nonzero(J) == 3 * 15 - 2  # tridiagonal


# ----------------------------------------------------------------------------- von Neumann
def test_amplification_factor_formulas():
    th = np.linspace(0, np.pi, 9)
    s = np.sin(th / 2) ** 2
    np.testing.assert_allclose(amplification_factor("ftcs", 0.3, th), 1 - 1.2 * s)
    np.testing.assert_allclose(amplification_factor("backward_euler", 5.0, th), 1 / (1 + 20 * s))
    np.testing.assert_allclose(amplification_factor("crank_nicolson", 2.0, th),
                               (1 - 4 * s) / (1 + 4 * s))
    assert amplification_factor("ftcs", 0.51, np.pi) == pytest.approx(1 - 4 * 0.51)
    assert isinstance(amplification_factor("ftcs", 0.5, 1.0), float)


@pytest.mark.parametrize("mu", [0.3, 0.49, 0.51, 0.7])
def test_ftcs_growth_factor_measured_equals_predicted(mu):
    n, steps = 30, 60
    j = np.arange(1, n + 1)
    # grid modes sin(k pi j/(n+1)) are eigenvectors of FTCS; for mu = 0.7 round-off in the
    # highest mode (|G| = 1.8) swamps any other mode within 60 steps: only it is measured
    for k in (1, n // 2, n) if mu < 0.6 else (n,):
        v = np.sin(k * np.pi * j / (n + 1))
        U = ftcs_heat(v, mu, steps)
        G = amplification_factor("ftcs", mu, k * np.pi / (n + 1))
        np.testing.assert_allclose(U[1], G * v, atol=1e-13)
        measured = np.linalg.norm(U[-1]) / np.linalg.norm(U[0])
        assert measured == pytest.approx(abs(G) ** steps, rel=1e-8)
    grows = np.linalg.norm(ftcs_heat(v, mu, steps)[-1]) > np.linalg.norm(v)
    assert grows == (mu > 0.5)


def test_ftcs_periodic_and_neumann_conserve_mass():
    rng = np.random.default_rng(0)
    u0 = rng.uniform(size=16)
    for bc in ("periodic",):
        U = ftcs_heat(u0, 0.4, 50, bc=bc, save_every=10)
        assert U.shape == (6, 16)
        np.testing.assert_allclose(U.sum(axis=1), u0.sum(), rtol=1e-12)
    U = ftcs_heat(u0, 0.4, 2000, bc="neumann")
    assert np.ptp(U[-1]) < 1e-6  # relaxes to a constant


# ----------------------------------------------------------------------------- CNN
def test_conv_is_the_stencil_at_interior_points():
    rng = np.random.default_rng(4)
    u = rng.standard_normal((10, 12))
    w = np.array([[1.0, 0, 1], [0, 1, 0], [1, 0, 1]])
    y = np.asarray(conv2d(u[None, :, :, None], w[:, :, None, None]))[0, :, :, 0]
    assert y.shape == (8, 10)
    np.testing.assert_allclose(y, apply_stencil(u, w, "dirichlet", "numba")[1:-1, 1:-1], atol=1e-13)
    np.testing.assert_allclose(np.asarray(stencil_jax(u, w)), ndi.correlate(u, w, mode="constant"),
                               atol=1e-13)


def test_as_jax_array_copies_values():
    u = np.arange(12.0).reshape(3, 4)
    a = as_jax_array(u)
    u[0, 0] = -1.0  # a copy: later changes of u do not show
    assert a.shape == (3, 4) and float(a[0, 0]) == 0.0 and float(a[2, 3]) == 11.0
    assert as_jax_array(np.arange(3)).dtype == np.float64
    assert as_jax_array(np.ones(2, dtype=np.float32)).dtype == np.float32


def test_pooling():
    x = np.arange(2 * 5 * 4 * 3, dtype=float).reshape(2, 5, 4, 3)
    mx, mn = np.asarray(max_pool(x, 2)), np.asarray(mean_pool(x, 2))
    assert mx.shape == mn.shape == (2, 2, 2, 3)
    blocks = x[:, :4].reshape(2, 2, 2, 2, 2, 3)
    np.testing.assert_allclose(mx, blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(mn, blocks.mean(axis=(2, 4)))
    # mean pooling = the all-1/4 stencil sampled with stride 2
    u = x[0, :, :, 0]
    w = np.pad(np.full((2, 2), 0.25), ((1, 0), (1, 0)))  # weights on u[i:i+2, j:j+2]
    st = apply_stencil(u, w)
    np.testing.assert_allclose(mn[0, :, :, 0], st[0:4:2, 0:4:2])


def test_cnn_shapes_and_forward():
    import jax

    net = CNN()
    assert [s for _, s in net.shapes()] == [(28, 28, 1), (27, 27, 16), (13, 13, 16), (12, 12, 8),
                                           (6, 6, 8), (288,), (10,)]
    params = net.init(jax.random.PRNGKey(0))
    x = np.random.default_rng(0).standard_normal((3, 28, 28))
    logits = net(params, x)
    assert logits.shape == (3, 10)
    # an independent forward pass with ndimage and NumPy
    c1, c2, d = params["convs"][0], params["convs"][1], params["dense"]

    def layer(h, c):
        w, b = np.asarray(c["w"]), np.asarray(c["b"])
        H = h.shape[0] - w.shape[0] + 1
        out = np.zeros((H, H, w.shape[3]))
        for o in range(w.shape[3]):
            for i in range(w.shape[2]):
                out[:, :, o] += ndi.correlate(h[:, :, i], w[:, :, i, o], mode="constant",
                                              origin=(-1, -1))[:H, :H]
        out = np.maximum(out + b, 0)
        m = H // 2
        return out[: 2 * m, : 2 * m].reshape(m, 2, m, 2, -1).max(axis=(1, 3))

    h = layer(layer(x[0][:, :, None], c1), c2).ravel()
    np.testing.assert_allclose(np.asarray(logits[0]), np.asarray(d["W"]) @ h + np.asarray(d["b"]),
                               rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- bad input
def test_bad_input_errors_name_the_argument():
    with pytest.raises(ValueError, match="order"):
        diff_matrix(5, 0.1, order=3)
    with pytest.raises(ValueError, match="scheme"):
        diff_matrix(5, 0.1, scheme="upwind")
    with pytest.raises(ValueError, match="bc"):
        laplacian_2d(4, 4, 0.1, bc="robin")
    with pytest.raises(ValueError, match="dx"):
        laplacian_1d(4, -1.0)
    with pytest.raises(TypeError, match="n"):
        laplacian_1d(4.0, 0.1)
    with pytest.raises(ValueError, match="m"):
        fd_weights(0.0, [0.0, 1.0], 2)
    with pytest.raises(ValueError, match="xs"):
        fd_weights(0.0, [0.0, 0.0, 1.0], 1)
    u = np.ones((4, 4))
    with pytest.raises(ValueError, match="method"):
        apply_stencil(u, LAPLACIAN_5PT, method="fft")
    with pytest.raises(ValueError, match="stencil"):
        apply_stencil(u, np.ones((2, 2)))
    with pytest.raises(ValueError, match="u"):
        apply_stencil(np.ones(5), LAPLACIAN_5PT)
    with pytest.raises(ValueError, match="scheme"):
        amplification_factor("leapfrog", 0.4, 1.0)
    with pytest.raises(ValueError, match="mu"):
        ftcs_heat(np.ones(5), -0.1, 10)
    with pytest.raises(ValueError, match="u0"):
        ftcs_heat(np.ones(1), 0.1, 10)
    with pytest.raises(ValueError, match="x"):
        CNN()(CNN().init(__import__("jax").random.PRNGKey(0)), np.ones((1, 8, 8)))
    with pytest.raises(ValueError, match="image_shape"):
        CNN(image_shape=(4, 4))
