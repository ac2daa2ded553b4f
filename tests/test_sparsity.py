"""Sparsity detection, greedy colouring and compressed Jacobians."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sciml_lib.ad.forward import rhs_jacobian
from sciml_lib.ad.sparsity import (
    SparseJacobianPlan,
    SparsityTracer,
    color_columns,
    column_intersection_graph,
    decompress,
    detect_sparsity,
    is_valid_coloring,
    seed_matrix,
    sparse_jacobian,
)
from sciml_lib.pde import mol_reaction_diffusion as tridiag_rhs
from sciml_lib.problems import brusselator_2d, brusselator_2d_jac, brusselator_2d_sparsity

TRIDIAG_P = np.array([1.0, 0.5])  # mol_reaction_diffusion: a tridiagonal Jacobian


def lecture_example(t, x, p):
    out = np.empty_like(x)
    out[0] = x[0] + x[2]
    out[1] = x[1] * x[2]
    out[2] = x[0]
    return out


def test_lecture_example_two_colors():
    S = detect_sparsity(lecture_example, np.ones(3), method="tracer")
    np.testing.assert_array_equal(S.toarray(), [[1, 0, 1], [0, 1, 1], [1, 0, 0]])
    c = color_columns(S, "natural")
    assert c.max() + 1 == 2 and c[0] == c[1] != c[2]
    x = np.array([1.0, 2.0, 3.0])
    J = sparse_jacobian(lecture_example, 0.0, x, sparsity=S, colors=c).toarray()
    np.testing.assert_allclose(J, [[1, 0, 1], [0, 3, 2], [1, 0, 0]])


def test_tridiagonal_three_colors_and_exact_decompression():
    n = 50
    u = np.linspace(-1, 1, n)
    S = detect_sparsity(tridiag_rhs, u, TRIDIAG_P)  # tracer through py_func
    assert S.nnz == 3 * n - 2
    for order in ("natural", "largest_first", "smallest_last"):
        c = color_columns(S, order)
        assert c.max() + 1 == 3
        assert is_valid_coloring(S, c)
    Jd = rhs_jacobian(tridiag_rhs, 0.0, u, TRIDIAG_P)
    Js = rhs_jacobian(tridiag_rhs, 0.0, u, TRIDIAG_P, sparsity=S)
    np.testing.assert_array_equal(Js.toarray(), Jd)  # compression loses nothing
    B = Jd @ seed_matrix(color_columns(S))
    np.testing.assert_allclose(decompress(S, color_columns(S), B).toarray(), Jd, rtol=1e-15)


def test_brusselator_colors_independent_of_n_and_jacobian():
    counts = []
    for N in (8, 16, 32, 64):
        S = brusselator_2d_sparsity(N)
        c = color_columns(S)
        assert is_valid_coloring(S, c)
        counts.append(c.max() + 1)
    # bounded by a constant (11-12 here) while the number of columns grows 64-fold
    assert max(counts) <= 13 and max(counts) - min(counts) <= 1
    pr = brusselator_2d(8)
    S = brusselator_2d_sparsity(8)
    plan = SparseJacobianPlan(S)
    u = pr.u0 + 0.1
    J = plan.evaluate(pr.f, 2.0, u, pr.p, method="fd").toarray()
    Jref = brusselator_2d_jac(2.0, u, pr.p).toarray()
    np.testing.assert_allclose(J, Jref, rtol=1e-5, atol=1e-3)
    # probing finds the same pattern (the RHS allocates float arrays, so the tracer cannot run)
    P = detect_sparsity(pr.f, u, pr.p, 2.0)
    assert (P != (S != 0)).nnz == 0


@settings(max_examples=30, deadline=None)
@given(
    st.integers(5, 30),
    st.floats(0.05, 0.4),
    st.integers(0, 10_000),
    st.sampled_from(["natural", "largest_first", "smallest_last"]),
)
def test_random_pattern_coloring_valid(n, density, seed, order):
    S = sp.random(n, n, density=density, random_state=seed, format="csc") != 0
    c = color_columns(S, order)
    assert is_valid_coloring(S, c)
    G = column_intersection_graph(S)
    assert c.max() + 1 <= np.diff(G.indptr).max(initial=0) + 1  # greedy bound: max degree + 1
    # decompression is exact for an arbitrary matrix with this pattern
    rng = np.random.default_rng(seed)
    J = S.astype(float).toarray() * rng.standard_normal((n, n))
    np.testing.assert_allclose(
        decompress(S, c, J @ seed_matrix(c)).toarray(), J, rtol=1e-15, atol=0
    )


def test_tracer_and_bad_input():
    a = SparsityTracer({1}) * SparsityTracer({2}) + np.sin(SparsityTracer({3})) + 2.0
    assert a.deps == {1, 2, 3}
    with pytest.raises(TypeError):
        bool(SparsityTracer({0}) > 0)
    with pytest.raises(ValueError, match="order"):
        color_columns(np.eye(3), "random")
    with pytest.raises(ValueError, match="colors"):
        is_valid_coloring(np.eye(3), [0, 1])
    with pytest.raises(ValueError, match="method"):
        detect_sparsity(tridiag_rhs, np.ones(3), TRIDIAG_P, method="magic")
    with pytest.raises(ValueError, match="square"):
        SparseJacobianPlan(np.ones((2, 3)))
    assert not is_valid_coloring(np.ones((2, 2)), [0, 0])


def _ad_imports(module: str) -> set[str]:
    """Modules of sciml_lib.ad that ``module`` imports (anywhere in its source)."""
    import ast
    import pathlib

    import sciml_lib.ad

    root = pathlib.Path(sciml_lib.ad.__file__).parent
    deps = set()
    for node in ast.walk(ast.parse((root / f"{module}.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            deps.update(
                [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sciml_lib.ad."):
            deps.add(node.module.split(".")[2])
    return deps


def test_layering_has_no_cycle_and_old_paths_work():
    import sciml_lib.ad._numba_jac as nj
    from sciml_lib.ad import forward, jacobians, sparsity

    # one-way layering: jacobians -> sparsity -> _numba_jac; the duals depend on neither
    assert not _ad_imports("sparsity") & {"forward", "jacobians"}
    assert not _ad_imports("jacobians") & {"forward"}
    assert _ad_imports("_numba_jac") == set()
    # every old import path still works and gives the same objects
    for name in ("rhs_jacobian", "rhs_jvp", "supports_complex"):
        assert getattr(forward, name) is getattr(jacobians, name)
    assert rhs_jacobian is jacobians.rhs_jacobian
    assert jacobians.SparseJacobianPlan is sparsity.SparseJacobianPlan
    assert callable(nj.jac_colored) and callable(nj.jac_cs_dense)
