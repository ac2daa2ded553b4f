"""Newton-Krylov in the implicit solvers: GMRES, its preconditioners and their reuse.

Oracles: dense LAPACK solves (``numpy.linalg.solve``), the same problem solved with sparse LU
(an independent linear solver inside the same method), and the counters' definitions.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import sciml_lib.ode.linsolve as linsolve_mod
from sciml_lib.ad._numba_jac import CS_H
from sciml_lib.ode import solve
from sciml_lib.ode._krylov_nb import TriangularFactors, lu_apply
from sciml_lib.ode.linsolve import GMRESSolver, compiled_gmres, gmres, part_lu
from sciml_lib.problems import (
    brusselator_2d,
    brusselator_2d_diffusion,
    brusselator_2d_jac,
    brusselator_2d_rhs,
    brusselator_2d_sparsity,
)

RNG = np.random.default_rng(7)


def _matrix(n: int = 60) -> np.ndarray:
    return np.eye(n) * 4.0 + RNG.standard_normal((n, n)) / np.sqrt(n)


def test_gmres_matches_dense_solve():
    A = _matrix()
    b = RNG.standard_normal(A.shape[0])
    x, ok, its = gmres(lambda v: A @ v, b, rtol=1e-12, restart=80)
    assert ok and its <= A.shape[0]
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-9, atol=1e-10)


def test_gmres_restarted_converges_and_history_decreases():
    A = _matrix(80)
    b = RNG.standard_normal(80)
    hist: list = []
    x, ok, its = gmres(lambda v: A @ v, b, rtol=1e-10, restart=5, maxiter=400, history=hist)
    assert ok and its > 5  # needed more than one cycle
    assert len(hist) == its + 1
    assert hist[-1] <= 1e-10 * hist[0] * 1.0001
    assert all(b_ <= a_ * (1 + 1e-12) for a_, b_ in zip(hist, hist[1:]))  # GMRES is monotone
    np.testing.assert_allclose(A @ x, b, atol=1e-8)


def test_gmres_exact_preconditioner_one_iteration():
    A = _matrix()
    Ainv = np.linalg.inv(A)
    b = RNG.standard_normal(A.shape[0])
    x, ok, its = gmres(lambda v: A @ v, b, M=lambda v: Ainv @ v, rtol=1e-10)
    assert ok and its == 1
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-8)


def test_gmres_weighted_norm_stopping_rule():
    A = _matrix()
    b = RNG.standard_normal(A.shape[0])
    w = np.exp(RNG.uniform(-3, 3, A.shape[0]))
    x, ok, _ = gmres(lambda v: A @ v, b, rtol=0.0, atol=1e-6, weights=w)
    assert ok
    assert np.linalg.norm(w * (b - A @ x)) <= 1e-6


def test_gmres_maxiter_reports_failure():
    n = 200
    A = np.diag(np.linspace(1e-4, 1.0, n))  # badly conditioned: slow without a preconditioner
    b = np.ones(n)
    x, ok, its = gmres(lambda v: A @ v, b, rtol=1e-12, restart=5, maxiter=10)
    assert not ok and its == 10
    assert np.all(np.isfinite(x))


def test_gmres_zero_rhs():
    x, ok, its = gmres(lambda v: 2 * v, np.zeros(5))
    assert ok and its == 0 and not x.any()


@pytest.fixture(scope="module")
def bruss16():
    pr = brusselator_2d(16)
    S = brusselator_2d_sparsity(16)
    sol = solve(pr.f, pr.tspan, pr.u0, pr.p, method="BDF", tstops=pr.tstops, rtol=1e-6,
                atol=1e-6, jac_sparsity=S)
    assert sol.success and sol.stats.nlu > 0 and sol.stats.nprec == 0 and sol.stats.nlinear == 0
    return pr, S, sol


@pytest.mark.parametrize("precond", [None, "ilu", "amg", "lu", "callable", "part_lu"])
def test_krylov_bdf_matches_sparse_lu(bruss16, precond):
    pr, S, ref = bruss16
    if precond == "part_lu":  # the diffusion part alone, shared by u and v
        precond = part_lu(brusselator_2d_diffusion(16, alpha=pr.p[2]), copies=2)
    if precond == "callable":
        def precond(J, gamma):  # the exact inverse of I - gamma J (dense LU, N = 16)
            fac = sla.lu_factor(np.eye(J.shape[0]) - gamma * J.toarray())
            return lambda v: sla.lu_solve(fac, v)
    sol = solve(pr.f, pr.tspan, pr.u0, pr.p, method="BDF", tstops=pr.tstops, rtol=1e-6,
                atol=1e-6, jac_sparsity=S, linsolve="gmres", precond=precond)
    assert sol.success, sol.message
    scale = np.abs(ref.u[-1]).max()
    assert np.abs(sol.u[-1] - ref.u[-1]).max() < 2e-4 * scale
    st = sol.stats
    assert st.nlinear >= st.nnewton // 2 > 0
    if precond is None:
        assert st.nprec == 0
    else:
        # built rarely: fewer setups than the sparse-LU run's factorisations, at least one
        assert 1 <= st.nprec < ref.stats.nlu
        assert st.nlinear < 4 * st.nnewton  # a good preconditioner: a few iterations per Newton
    assert st.nlu == (st.nprec if precond in ("ilu", "lu") else 0)


def test_part_lu_inverts_the_block_diagonal_of_its_part():
    """part_lu(A, copies)(J, gamma) applies diag(I - gamma A, ...)^-1 (oracle: a dense solve of
    the block-diagonal matrix) whatever J is, and refuses bad input with the argument's name."""
    n = 30
    A = sp.random(n, n, density=0.2, random_state=3, format="csr") - 3.0 * sp.identity(n)
    gamma = 0.7
    blocks = sla.block_diag(*[np.eye(n) - gamma * A.toarray()] * 3)
    v = RNG.standard_normal(3 * n)
    x = part_lu(A, copies=3)(None, gamma)(v)
    np.testing.assert_allclose(x, np.linalg.solve(blocks, v), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(part_lu(A)(np.ones((n, n)), gamma)(v[:n]),
                               np.linalg.solve(blocks[:n, :n], v[:n]), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="v: expected 3 x 30"):
        part_lu(A, copies=3)(None, gamma)(v[:n])
    with pytest.raises(TypeError, match="A must be a square scipy.sparse matrix"):
        part_lu(A.toarray())
    with pytest.raises(TypeError, match="A must be a square"):
        part_lu(sp.random(4, 5, density=0.5, format="csr"))
    with pytest.raises(ValueError, match="copies must be a positive int"):
        part_lu(A, copies=0)


def _random_lu(n, seed):
    A = sp.random(n, n, density=0.15, random_state=seed, format="csc") + 4.0 * sp.identity(n)
    return A.tocsc(), spla.splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A")


@pytest.mark.parametrize("copies", [1, 2, 3])
def test_triangular_factors_solve_like_superlu(copies):
    """The compiled sweeps over SuperLU's L, U and permutations solve the block-diagonal system
    (oracle: a dense solve), with and without the SuperLU object behind the Python call."""
    n = 40
    A, lu = _random_lu(n, copies)
    F = TriangularFactors(lu, copies, scale=2.5)
    v = RNG.standard_normal(copies * n)
    expect = np.linalg.solve(sla.block_diag(*[A.toarray()] * copies), v) / 2.5
    out = np.empty(copies * n)
    lu_apply(*F.arrays(), v, out)
    np.testing.assert_allclose(out, expect, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(F(v), expect, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(F.apply(v), expect, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(F.scaled(2.0).apply(v), expect / 2.0, rtol=1e-10, atol=1e-12)
    assert F.nnz == lu.nnz
    for call in (F, F.apply):
        with pytest.raises(ValueError, match=f"v: expected {copies} x {n}"):
            call(v[:-1])


def test_compiled_gmres_solves_the_shifted_system():
    """The compiled GMRES solve (complex-step products of a Numba f, LU sweeps) meets its weighted
    tolerance on (alpha I - J) x = b, J the Brusselator's analytic Jacobian (oracle: a dense solve),
    and agrees with the Python GMRES given the same operator and preconditioner."""
    N = 8
    pr = brusselator_2d(N)
    u = np.asarray(pr.u0) + 0.1 * RNG.standard_normal(2 * N * N)
    p = np.asarray(pr.p, dtype=float)
    J = sp.csc_matrix(brusselator_2d_jac(0.0, u, p)).toarray()
    alpha, gamma_p = 40.0, 1.0 / 25.0  # the preconditioner built at another alpha
    A = brusselator_2d_diffusion(N, alpha=pr.p[2])
    F = part_lu(A, copies=2)(None, gamma_p).scaled(1.0 / gamma_p)
    b = RNG.standard_normal(2 * N * N)
    w = 1.0 / (1e-6 + 1e-6 * np.abs(u))
    kernel = compiled_gmres(brusselator_2d_rhs)
    x, ok, its, nf = kernel(0.0, u, p, b, alpha, w, 1e-10, 0.0, 20, 60, CS_H, *F.arrays())
    assert ok and its >= 2 and nf == its  # converged within the cycle: no residual product
    W = alpha * np.eye(J.shape[0]) - J
    assert np.linalg.norm(w * (b - W @ x)) <= 1e-9 * np.linalg.norm(w * b)
    np.testing.assert_allclose(x, np.linalg.solve(W, b), rtol=1e-7, atol=1e-12)
    xp, okp, itsp = gmres(lambda v: W @ v, b, M=F, rtol=1e-10, restart=20, maxiter=60, weights=w)
    assert okp and itsp == its
    np.testing.assert_allclose(x, xp, rtol=1e-8, atol=1e-14)
    # a restart: the true residual is formed once per cycle and counted as an evaluation of f
    x, ok, its, nf = kernel(0.0, u, p, b, alpha, w, 1e-10, 0.0, 1, 60, CS_H, *F.arrays())
    assert ok and nf == its + its - 1


def test_gmres_solver_compiled_and_python_paths_agree(bruss16, monkeypatch):
    """With part_lu and a Numba f the BDF run uses the compiled GMRES solve; with it switched off
    (the size limit at 0) the Python path gives the same solution within the tolerance and as
    many Krylov iterations, and no Jacobian
    matrix is formed in either (part_lu ignores it)."""
    pr, S, _ = bruss16
    precond = part_lu(brusselator_2d_diffusion(16, alpha=pr.p[2]), copies=2)
    kw = dict(method="BDF", tstops=pr.tstops, rtol=1e-5, atol=1e-5, jac_sparsity=S,
              linsolve="gmres", precond=precond)
    calls = []
    real = linsolve_mod.compiled_gmres
    monkeypatch.setattr(linsolve_mod, "compiled_gmres", lambda f: calls.append(f) or real(f))
    fast = solve(pr.f, pr.tspan, pr.u0, pr.p, **kw)
    assert calls == [pr.f]  # looked up once per solver and right-hand side
    monkeypatch.setattr(linsolve_mod, "KERNEL_MAX_NNZ", 0)
    slow = solve(pr.f, pr.tspan, pr.u0, pr.p, **kw)
    assert len(calls) == 1
    assert fast.success and slow.success
    assert fast.stats.njac == slow.stats.njac == 0
    # the same iteration up to rounding (the compiled dot products sum in another order), which
    # may flip a step-size decision: equal to within the tolerance, with as much linear work
    np.testing.assert_allclose(fast.u[-1], slow.u[-1], rtol=1e-4)
    assert abs(fast.stats.nlinear - slow.stats.nlinear) <= 0.1 * slow.stats.nlinear, \
        (fast.stats, slow.stats)


def test_jacobian_free_forms_no_matrix(bruss16):
    pr, _, ref = bruss16
    span = (0.0, 0.5)
    sol = solve(pr.f, span, pr.u0, pr.p, method="BDF", rtol=1e-6, atol=1e-6, linsolve="gmres",
                precond=lambda J, gamma: (lambda v: v))
    assert sol.success, sol.message
    assert sol.stats.njac == 0  # Jacobian-vector products by complex step only
    direct = solve(pr.f, span, pr.u0, pr.p, method="BDF", rtol=1e-6, atol=1e-6,
                   jac_sparsity=brusselator_2d_sparsity(16))
    assert np.abs(sol.u[-1] - direct.u[-1]).max() < 1e-3 * np.abs(direct.u[-1]).max()


@pytest.mark.parametrize("method", ["Rodas4", "TRBDF2"])
def test_krylov_other_families(method):
    pr = brusselator_2d(8)
    S = brusselator_2d_sparsity(8)
    span = (0.0, 1.0)
    kw = dict(method=method, rtol=1e-6, atol=1e-6, jac_sparsity=S)
    a = solve(pr.f, span, pr.u0, pr.p, **kw)
    b = solve(pr.f, span, pr.u0, pr.p, linsolve="gmres", precond="amg", **kw)
    assert a.success and b.success, b.message
    assert np.abs(a.u[-1] - b.u[-1]).max() < 1e-4 * np.abs(a.u[-1]).max()
    assert b.stats.nprec >= 1 and b.stats.nlinear > 0


def test_reuse_policy_unit():
    n = 30
    J = sp.csc_matrix(-np.diag(np.arange(1.0, n + 1)) + np.diag(np.ones(n - 1), 1))
    ls = GMRESSolver(precond="lu", band=4.0, max_age=5)
    assert ls.update(10.0, J) and ls.nprec == 1  # first build
    assert ls.update(20.0, J) and ls.nprec == 1  # within the band: reused
    b = np.ones(n)
    x = ls.solve(b)
    np.testing.assert_allclose((20.0 * np.eye(n) - J.toarray()) @ x, b, atol=1e-7)
    assert ls.update(100.0, J) and ls.nprec == 2  # drifted out of the band
    J2 = J.copy()
    assert ls.update(100.0, J2) and ls.nprec == 2  # a new Jacobian changes the operator only
    x2 = ls.solve(b)
    np.testing.assert_allclose((100.0 * np.eye(n) - J2.toarray()) @ x2, b, atol=1e-7)
    for _ in range(3):
        ls.update(100.0, J2)
    assert ls.nprec == 2 and not ls.due(100.0)
    ls.update(100.0, J2)
    assert ls.due(100.0) == "age" and ls.due(1e4) == "drift"
    ls.update(100.0, J2)  # the sixth update exceeds max_age
    assert ls.nprec == 3
    assert ls.why == {"none": 1, "drift": 1, "age": 1}


def test_slow_solve_marks_preconditioner_stale():
    """A preconditioner that has become slow (more than twice its iterations when new) is rebuilt;
    one that was never better is not rebuilt over and over."""
    n = 40
    d = np.linspace(1.0, 1e4, n)
    J = sp.csc_matrix(-np.diag(d))
    exact = lambda J, g: (lambda v: v / (1.0 + g * d))  # noqa: E731  (I - gJ)^-1 exactly
    ls = GMRESSolver(precond=exact, slow=2, band=1e9)
    ls.update(1.0, J)
    ls.solve(np.ones(n))
    assert ls.niter == 1 and not ls.due(1.0)  # exact when new
    ls.update(1e3, J)  # within the (huge) band, but far from alpha_p
    ls.solve(np.ones(n))
    assert ls.niter > 3 and ls.due(1e3) == "slow"
    ls.update(1e3, J)
    assert ls.why.get("slow") == 1 and ls.nprec == 2

    never = GMRESSolver(precond=lambda J, g: (lambda v: v), slow=2, band=1e9)
    never.update(1.0, J)
    for _ in range(3):
        never.solve(np.ones(n))
        never.update(1.0, J)
    assert never.niter > 3 * 2 and never.nprec == 1 and not never.why.get("slow")


def test_bad_precond_name():
    with pytest.raises(ValueError, match="precond"):
        GMRESSolver(precond="jacobi")
    pr = brusselator_2d(4)
    with pytest.raises(ValueError, match="precond"):
        solve(pr.f, (0.0, 0.1), pr.u0, pr.p, method="BDF", linsolve="gmres", precond="amg")


def test_singular_w_fails_cleanly():
    """A Jacobian with NaN (bad input) cannot be preconditioned: the solve fails with a reason."""
    pr = brusselator_2d(6)

    def bad_jac(t, u, p):
        J = sp.csr_matrix(pr.jac(t, u, p))
        J.data[:] = np.nan
        return J

    for linsolve, precond in (("gmres", "lu"), ("gmres", "amg"), ("gmres", "ilu")):
        sol = solve(pr.f, pr.tspan, pr.u0, pr.p, method="BDF", jac=bad_jac, linsolve=linsolve,
                    precond=precond, max_steps=200)
        assert not sol.success
        assert sol.message


def test_krylov_failure_reduces_step_and_is_reported():
    """Unpreconditioned GMRES on a stiff 2-D diffusion cannot meet its tolerance in 60 iterations:
    each failure shrinks the step, and the message counts them."""
    pr = brusselator_2d(24)
    sol = solve(pr.f, (0.0, 0.5), pr.u0, pr.p, method="BDF", rtol=1e-8, atol=1e-8,
                linsolve="gmres", dt=0.05)
    assert sol.stats.nreject > 0
    assert "GMRES did not converge" in sol.message


def test_sparse_user_jac_defaults_to_splu(monkeypatch):
    """A ``jac`` returning a sparse matrix gets sparse LU without being asked (dense LU of a
    large sparse W was the old default)."""
    import sciml_lib.ode.linsolve as L

    used = []
    for cls in (L.DenseLU, L.SparseLU):
        orig = cls.update

        def spy(self, *a, _orig=orig, _name=cls.__name__, **k):
            used.append(_name)
            return _orig(self, *a, **k)

        monkeypatch.setattr(cls, "update", spy)
    pr = brusselator_2d(8)
    span = (0.0, 0.5)
    a = solve(pr.f, span, pr.u0, pr.p, method="BDF", jac=pr.jac)
    assert a.success and used and set(used) == {"SparseLU"}
    used.clear()
    dense = solve(pr.f, span, pr.u0, pr.p, method="BDF",
                  jac=lambda t, u, p: pr.jac(t, u, p).toarray())
    assert set(used) == {"DenseLU"}
    np.testing.assert_allclose(a.u[-1], dense.u[-1], rtol=1e-8)


# -- the second large stiff PDE: diurnal kinetics with advection and diffusion --------------------
def test_diurnal_pattern_is_the_detected_one():
    from sciml_lib.ad.sparsity import detect_sparsity
    from sciml_lib.problems import diurnal_2d, diurnal_2d_sparsity

    pr = diurnal_2d(6)
    detected = sp.csr_matrix(detect_sparsity(pr.f, pr.u0, pr.p, 3600.0)) != 0
    pattern = diurnal_2d_sparsity(6)
    assert (detected != pattern).nnz == 0
    assert pattern.shape == (72, 72)


@pytest.mark.parametrize("precond", ["ilu", "amg"])
def test_diurnal_krylov_matches_scipy_radau(precond):
    from scipy.integrate import solve_ivp

    from sciml_lib.problems import diurnal_2d, diurnal_2d_sparsity

    pr = diurnal_2d(6)
    S = diurnal_2d_sparsity(6)
    ref = solve_ivp(lambda t, y: pr.f(t, y, pr.p), pr.tspan, pr.u0, method="Radau", rtol=1e-9,
                    atol=1e-5, jac_sparsity=S)
    assert ref.success
    sol = solve(pr.f, pr.tspan, pr.u0, pr.p, method="BDF", rtol=1e-6, atol=1e-3, jac_sparsity=S,
                linsolve="gmres", precond=precond)
    assert sol.success, sol.message
    c2, c2_ref = sol.u[-1][1::2], ref.y[1::2, -1]
    assert np.abs(c2 - c2_ref).max() < 1e-4 * np.abs(c2_ref).max()
    # at the end of the day (night) the ozone-like species c1 has died out, as the reference says
    assert np.abs(sol.u[-1][0::2]).max() < 1e-3 * np.abs(pr.u0[0::2]).max()
    assert np.abs(ref.y[0::2, -1]).max() < 1e-3 * np.abs(pr.u0[0::2]).max()


def test_diurnal_bad_grid():
    from sciml_lib.problems import diurnal_2d

    with pytest.raises(ValueError, match="M"):
        diurnal_2d(2)


# -- large systems keep only what is asked for -----------------------------------------------------
@pytest.mark.parametrize("method,kw", [("BDF", {}), ("BDF", {"linsolve": "gmres", "precond": "ilu"}),
                                       ("Rodas4", {}), ("TRBDF2", {})])
def test_saveat_without_dense_streams_the_same_values(method, kw):
    """``saveat`` with ``dense=False``: the Python loops interpolate the requested times as the
    steps pass them and store no trajectory; the values equal those interpolated afterwards from
    the stored steps (same steps, same cubic Hermite formula)."""
    pr = brusselator_2d(8)
    S = brusselator_2d_sparsity(8)
    ts = np.array([0.0, 0.3, 1.1, 2.0, 2.75])
    base = dict(method=method, rtol=1e-6, atol=1e-6, jac_sparsity=S, tstops=pr.tstops, saveat=ts, **kw)
    a = solve(pr.f, (0.0, 2.75), pr.u0, pr.p, dense=True, **base)
    b = solve(pr.f, (0.0, 2.75), pr.u0, pr.p, dense=False, **base)
    assert a.success and b.success
    assert b.interpolant is None and a.interpolant is not None
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_allclose(b.u, a.u, rtol=1e-12, atol=1e-12)
    assert a.stats == b.stats
    # backward in time, too
    c = solve(pr.f, (2.75, 0.0), b.u[-1], pr.p, method=method, rtol=1e-6, atol=1e-6,
              jac_sparsity=S, saveat=ts[::-1], dense=False, **kw)
    d = solve(pr.f, (2.75, 0.0), b.u[-1], pr.p, method=method, rtol=1e-6, atol=1e-6,
              jac_sparsity=S, saveat=ts[::-1], dense=True, **kw)
    np.testing.assert_array_equal(c.t, d.t)
    np.testing.assert_allclose(c.u, d.u, rtol=1e-12, atol=1e-12)
    # unsorted requests come back in time order, as with dense output
    shuffled = ts[[3, 0, 4, 1, 2]]
    e = solve(pr.f, (0.0, 2.75), pr.u0, pr.p, dense=False, **{**base, "saveat": shuffled})
    f_ = solve(pr.f, (0.0, 2.75), pr.u0, pr.p, dense=True, **{**base, "saveat": shuffled})
    np.testing.assert_array_equal(e.t, ts)
    np.testing.assert_array_equal(f_.t, ts)
    np.testing.assert_allclose(e.u, f_.u, rtol=1e-12, atol=1e-12)


def test_saveat_without_dense_memory_does_not_grow_with_steps():
    import tracemalloc

    pr = brusselator_2d(16)
    S = brusselator_2d_sparsity(16)
    peaks = {}
    for dense in (True, False):
        tracemalloc.start()
        sol = solve(pr.f, pr.tspan, pr.u0, pr.p, method="BDF", rtol=1e-6, atol=1e-6,
                    jac_sparsity=S, tstops=pr.tstops, saveat=[pr.tspan[1]], dense=dense)
        peaks[dense] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert sol.success and sol.t.size == 1
    steps_bytes = sol.stats.naccept * 2 * pr.u0.nbytes  # u and f(u) at every step
    assert peaks[True] - peaks[False] > 0.8 * steps_bytes
