"""Bad input and faults of the AD package: each one is a clear error that names its cause.

Oracles: the error is raised and its message names the argument (or the cause and the fix);
where the fix is a working feature (``np.maximum`` on duals, probing both sides of a branch),
the result is checked against a closed form.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sciml_lib import optim
from sciml_lib.ad.forward import (
    Dual,
    derivative,
    gradient,
    hessian_vector_product,
    jacobian,
    jvp,
)
from sciml_lib.ad.jacobians import rhs_jacobian
from sciml_lib.ad.sparsity import (
    SparseJacobianPlan,
    SparsityWarning,
    color_columns,
    detect_sparsity,
    is_valid_coloring,
)

X2 = [1.0, 2.0]


def _hvp(f, x):
    return hessian_vector_product(f, x, np.ones(len(x)))


def _jvp(f, x):
    return jvp(f, x, np.ones(len(x)))


SCALAR_DRIVERS = {"gradient": gradient, "hessian_vector_product": _hvp}
VECTOR_DRIVERS = {"jacobian": jacobian, "jvp": _jvp}
ALL_DRIVERS = {**SCALAR_DRIVERS, **VECTOR_DRIVERS}


# --------------------------------------------------------------------------
# forward mode: the output of f is checked (no silent zero gradient)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ALL_DRIVERS))
def test_none_output_is_a_type_error(name):
    with pytest.raises(TypeError, match=r"f returned None.*return statement"):
        ALL_DRIVERS[name](lambda v: None, X2)


def test_derivative_none_and_vector_output():
    with pytest.raises(TypeError, match=r"f returned None"):
        derivative(lambda x: None, 1.0)
    with pytest.raises(ValueError, match=r"f must return a scalar for derivative.*\(2,\)"):
        derivative(lambda x: np.array([x, 2 * x]), 1.0)
    with pytest.raises(TypeError, match=r"f returned str"):
        derivative(lambda x: "x", 1.0)


@pytest.mark.parametrize("name", sorted(SCALAR_DRIVERS))
def test_vector_output_of_a_scalar_driver_raises(name):
    with pytest.raises(ValueError, match=rf"f must return a scalar for {name}.*\(2,\)"):
        SCALAR_DRIVERS[name](lambda v: v * v, X2)


@pytest.mark.parametrize("name", sorted(VECTOR_DRIVERS))
def test_2d_output_of_jacobian_and_jvp_raises(name):
    with pytest.raises(ValueError, match=rf"f must return a scalar or a 1-D array for {name}"):
        VECTOR_DRIVERS[name](lambda v: np.outer(v, v), X2)


def test_valid_edge_outputs_still_work():
    # a constant has derivative 0; a size-1 array is a scalar; a scalar f has a 1-row Jacobian
    assert derivative(lambda x: 3.0, 1.0) == 0.0
    np.testing.assert_array_equal(gradient(lambda v: 2.0, X2), [0.0, 0.0])
    np.testing.assert_allclose(gradient(lambda v: np.array([v[0] * v[1]]), X2), [2.0, 1.0])
    np.testing.assert_allclose(jacobian(lambda v: v[0] * v[1], X2), [[2.0, 1.0]])
    np.testing.assert_allclose(jacobian(lambda v: [v[0], 1.0], X2), [[1.0, 0.0], [0.0, 0.0]])


# --------------------------------------------------------------------------
# Dual: conversions that would drop the derivative name the cause and the fix
# --------------------------------------------------------------------------
def test_math_functions_name_the_numpy_fix():
    with pytest.raises(TypeError, match=r"np\.sin\(x\)"):
        math.sin(Dual(1.0, 1.0))
    with pytest.raises(TypeError, match=r"np\.sin\(x\)"):
        derivative(lambda x: math.exp(x) * x, 1.0)


def test_float_and_int_name_value_attribute():
    for conv in (float, int, complex):
        with pytest.raises(TypeError, match=r"drop its derivative.*x\.value"):
            conv(Dual(1.0, 1.0))


def test_float_buffer_names_empty_like():
    def f(v):
        out = np.empty(2)  # a float buffer: cannot hold duals
        out[0] = v[0] * v[1]
        out[1] = v[0]
        return out

    with pytest.raises(TypeError, match=r"np\.empty_like\(x\)") as e:
        jacobian(f, X2)
    # the message points at the offending line of the user's code
    assert "test_ad_faults.py" in str(e.value) and "out[0] = v[0] * v[1]" in str(e.value)


def test_njit_function_with_math_sin_is_explained():
    @njit
    def g(x):
        return math.sin(x)

    with pytest.raises(TypeError, match=r"np\.sin"):
        derivative(g, 0.5)


@pytest.mark.parametrize("x", [0.2, 0.7, 1.3])
def test_maximum_and_minimum_follow_the_selected_branch(x):
    # closed form: d/dx max(x, 0.5) = [x > 0.5], d/dx min(x**2, 1) = 2x [x**2 < 1]
    assert derivative(lambda z: np.maximum(z, 0.5), x) == (1.0 if x > 0.5 else 0.0)
    assert derivative(lambda z: np.minimum(z * z, 1.0), x) == pytest.approx(
        2 * x if x * x < 1 else 0.0
    )
    assert derivative(lambda z: np.maximum(0.5, z), x) == (1.0 if x > 0.5 else 0.0)
    assert derivative(lambda z: np.fmax(z, 0.5), x) == (1.0 if x > 0.5 else 0.0)
    assert derivative(lambda z: np.fmin(z, 0.5), x) == (0.0 if x > 0.5 else 1.0)
    # object arrays go through NumPy's own loop: the same answer
    g = gradient(lambda v: np.sum(np.maximum(v, 0.5)), [x, 0.1])
    np.testing.assert_array_equal(g, [1.0 if x > 0.5 else 0.0, 0.0])


def test_unsupported_ufunc_names_itself_and_a_fix():
    with pytest.raises(TypeError, match=r"np\.arctan2 is not supported.*Fix"):
        np.arctan2(Dual(1.0, 1.0), 2.0)
    with pytest.raises(TypeError, match=r"np\.hypot is not supported"):
        derivative(lambda z: np.hypot(z, 1.0), 1.0)


# --------------------------------------------------------------------------
# fuzz: bad outputs and bad points for every forward-mode driver
# --------------------------------------------------------------------------
bad_outputs = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.complex_numbers(allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.tuples(st.integers(2, 4), st.integers(2, 4)).map(lambda s: np.ones(s)),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(2, 3)).map(np.zeros),
)


@settings(max_examples=60, deadline=None)
@given(out=bad_outputs, name=st.sampled_from(sorted(ALL_DRIVERS) + ["derivative"]))
def test_fuzz_bad_outputs_raise_naming_f(out, name):
    def f(v):
        return out

    with pytest.raises((TypeError, ValueError)) as e:
        if name == "derivative":
            derivative(f, 1.0)
        else:
            ALL_DRIVERS[name](f, X2)
    assert e.value.args[0].startswith("f ")


bad_points = st.one_of(
    st.none(),
    st.text(min_size=1, max_size=3),
    st.just(np.ones((2, 2))),
    st.just(np.ones(())),
    st.just([1.0, float("nan")]),
    st.just([float("inf"), 1.0]),
    st.just([1.0 + 2j, 1.0]),
    st.just(object()),
)


@settings(max_examples=60, deadline=None)
@given(x=bad_points, name=st.sampled_from(sorted(ALL_DRIVERS)))
def test_fuzz_bad_points_raise_naming_x(x, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        with pytest.raises((TypeError, ValueError), match=r"^x "):
            if name in ("jvp", "hessian_vector_product"):
                fn = jvp if name == "jvp" else hessian_vector_product
                fn(lambda v: np.sum(v * v), x, np.ones(2))
            else:
                ALL_DRIVERS[name](lambda v: np.sum(v * v), x)


@settings(max_examples=30, deadline=None)
@given(x=st.one_of(st.none(), st.text(max_size=2), st.just(1 + 1j), st.just(float("nan"))))
def test_fuzz_bad_derivative_point_names_x(x):
    with pytest.raises((TypeError, ValueError), match=r"^x "):
        derivative(lambda z: z * z, x)


@pytest.mark.parametrize("fn", [jvp, hessian_vector_product])
def test_bad_direction_names_v(fn):
    with pytest.raises(ValueError, match=r"^v "):
        fn(lambda v: np.sum(v * v), X2, [1.0, 2.0, 3.0])


# --------------------------------------------------------------------------
# colourings and patterns are checked
# --------------------------------------------------------------------------
TRIDIAG = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(5, 5)).tocsc()


def _tridiag_rhs(t, u, p):
    out = np.empty_like(u)
    out[0] = -2 * u[0] + u[1]
    for i in range(1, u.size - 1):
        out[i] = u[i - 1] - 2 * u[i] + u[i + 1] * u[i]
    out[-1] = u[-2] - 2 * u[-1]
    return out


def test_invalid_coloring_is_rejected_with_the_conflict():
    bad = np.array([0, 0, 1, 2, 0])  # columns 0 and 1 share rows 0 and 1
    assert not is_valid_coloring(TRIDIAG, bad)
    with pytest.raises(
        ValueError,
        match=r"colors is not a valid colouring of sparsity: columns 0 "
        r"and 1 share row 0",
    ):
        SparseJacobianPlan(TRIDIAG, colors=bad)
    with pytest.raises(ValueError, match=r"colouring of jac_sparsity"):
        SparseJacobianPlan(TRIDIAG, colors=bad, name="jac_sparsity")
    with pytest.raises(ValueError, match=r"colors is not a valid colouring"):
        rhs_jacobian(_tridiag_rhs, 0.0, np.ones(5), sparsity=TRIDIAG, colors=bad)


@pytest.mark.parametrize(
    "colors, match",
    [
        ([0, 1, 2], r"colors must have shape \(5,\)"),
        ([0, 1, 2, 0, -1], r"colors must be non-negative"),
        ([0.0, 1.5, 2.0, 0.0, 1.0], r"colors must hold integers"),
        (np.zeros((5, 1), dtype=int), r"colors must have shape"),
    ],
)
def test_malformed_colors(colors, match):
    with pytest.raises(ValueError, match=match):
        SparseJacobianPlan(TRIDIAG, colors=colors)


def test_all_zero_pattern_is_rejected():
    with pytest.raises(ValueError, match=r"sparsity has no nonzero entry"):
        SparseJacobianPlan(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"jac_sparsity has no nonzero entry"):
        SparseJacobianPlan(sp.csc_matrix((4, 4)), name="jac_sparsity")
    with pytest.raises(ValueError, match=r"sparsity has no nonzero entry"):
        rhs_jacobian(_tridiag_rhs, 0.0, np.ones(4), sparsity=np.zeros((4, 4)))


def test_other_bad_patterns_and_points():
    with pytest.raises(TypeError, match=r"^sparsity must be"):
        SparseJacobianPlan(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match=r"^sparsity must be a 2-D"):
        SparseJacobianPlan(np.ones(3))
    plan = SparseJacobianPlan(TRIDIAG)
    with pytest.raises(ValueError, match=r"^u must have shape \(5,\)"):
        plan.evaluate(_tridiag_rhs, 0.0, np.ones(4))
    with pytest.raises(ValueError, match=r"^method"):
        plan.evaluate(_tridiag_rhs, 0.0, np.ones(5), method="magic")
    with pytest.raises(ValueError, match=r"^colors needs a sparsity"):
        rhs_jacobian(_tridiag_rhs, 0.0, np.ones(5), colors=np.zeros(5, dtype=int))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.floats(0.1, 0.6), st.integers(0, 10_000), st.integers(1, 4))
def test_plan_accepts_exactly_the_valid_colorings(n, density, seed, k):
    rng = np.random.default_rng(seed)
    S = (rng.random((n, n)) < density) | np.eye(n, dtype=bool)
    colors = rng.integers(0, k, n)
    # oracle: brute force over all pairs of columns
    valid = not any(
        colors[j] == colors[m] and np.any(S[:, j] & S[:, m])
        for j in range(n)
        for m in range(j + 1, n)
    )
    assert is_valid_coloring(S, colors) == valid
    if valid:
        assert SparseJacobianPlan(S, colors=colors).ncolors == colors.max() + 1
    else:
        with pytest.raises(ValueError, match=r"^colors is not a valid colouring"):
            SparseJacobianPlan(S, colors=colors)
    assert is_valid_coloring(S, color_columns(S))


# --------------------------------------------------------------------------
# sparsity detection: fallback warns, probing takes branches both ways
# --------------------------------------------------------------------------
def branchy(t, u, p):
    out = np.empty_like(u)
    out[0] = -u[0]
    out[1] = u[2] if u[0] < 0 else u[1]  # a value-dependent branch
    out[2] = u[1] * u[2]
    return out


def branchy_jac(u):
    """Closed-form Jacobian of ``branchy`` (whichever branch ``u`` takes)."""
    J = np.zeros((3, 3))
    J[0, 0] = -1.0
    J[1, 2 if u[0] < 0 else 1] = 1.0
    J[2, 1], J[2, 2] = u[2], u[1]
    return J


def test_auto_detection_warns_on_fallback_and_finds_both_branches():
    u = np.ones(3)  # u[0] > 0: probing only near u would miss J[1, 2]
    with pytest.warns(SparsityWarning, match=r"tracer could not run f.*branch.*method='probe'"):
        S = detect_sparsity(branchy, u)
    oracle = (branchy_jac(u) != 0) | (branchy_jac(-u) != 0)
    np.testing.assert_array_equal(S.toarray(), oracle)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S2 = detect_sparsity(branchy, u, method="probe")  # asked for: no warning
    np.testing.assert_array_equal(S2.toarray(), oracle)
    with pytest.raises(TypeError, match=r"branch"):
        detect_sparsity(branchy, u, method="tracer")


def test_numba_float_buffer_falls_back_with_a_warning():
    @njit
    def f(t, u, p):
        out = np.empty(u.size)  # float buffer: no tracer, no complex step
        out[0] = u[0] * u[1]
        out[1] = -u[1]
        return out

    with pytest.warns(SparsityWarning, match=r"np\.empty_like"):
        S = detect_sparsity(f, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(S.toarray(), [[1, 1], [0, 1]])


def test_detect_sparsity_bad_input():
    with pytest.raises(ValueError, match=r"^f must return 3 values"):
        detect_sparsity(lambda t, u, p: u[:2], np.ones(3))
    with pytest.raises(ValueError, match=r"^nprobe"):
        detect_sparsity(branchy, np.ones(3), method="probe", nprobe=0)
    with pytest.raises(ValueError, match=r"^u must be"):
        detect_sparsity(branchy, [1.0, np.nan, 1.0])
    with pytest.raises(TypeError, match=r"^f must be callable"):
        detect_sparsity(3, np.ones(3))


# --------------------------------------------------------------------------
# optim: the minimiser's name says what it does; the old name still works
# --------------------------------------------------------------------------
def test_newton_minimize_is_the_old_newton():
    assert optim.newton is optim.newton_minimize
    assert "newton_minimize" in optim.__all__


@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum, np.fmax, np.fmin])
@pytest.mark.parametrize("a, b", [(np.nan, 1.0), (1.0, np.nan), (2.0, 1.0), (1.0, 2.0)])
def test_minmax_values_match_numpy_including_nan(ufunc, a, b):
    got = ufunc(Dual(a, 1.0), Dual(b, 2.0))
    np.testing.assert_equal(got.value, ufunc(a, b))  # oracle: NumPy on the values
