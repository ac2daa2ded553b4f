"""The compiled dual (sciml_lib.ad.numba_dual) against closed forms, jax and the complex step."""

import math

import jax
import numpy as np
import pytest
from numba import njit

from sciml_lib.ad import numba_dual as nd
from sciml_lib.ad.forward import Dual, complex_step_jacobian
from sciml_lib.pde.mol import mol_reaction_diffusion, mol_reaction_diffusion_jax

jax.config.update("jax_enable_x64", True)


@njit
def _poly(x):
    return 3 * x**5 + 2


@njit
def _sin(x):
    return math.sin(x)


@njit
def _cos(x):
    return np.cos(x)


@njit
def _exp(x):
    return np.exp(2.0 * x)


@njit
def _log(x):
    return math.log(x)


@njit
def _sqrt(x):
    return np.sqrt(x)


@njit
def _quot(x):
    return (x + 1.0) / (x * x - 3.0)


@njit
def _rpow(x):
    return 2.0**x


@njit
def _dpow(x):
    return x**x


@njit
def _fpow(x):
    return x**2.5


@njit
def _tanh_tan_abs(x):
    return np.tanh(x) + math.tan(x) + abs(x - 1.0)


@pytest.mark.parametrize("x", [0.3, 1.7])
@pytest.mark.parametrize(
    "f, df",
    [
        (_poly, lambda x: 15 * x**4),
        (_sin, math.cos),
        (_cos, lambda x: -math.sin(x)),
        (_exp, lambda x: 2 * math.exp(2 * x)),
        (_log, lambda x: 1 / x),
        (_sqrt, lambda x: 0.5 / math.sqrt(x)),
        (_quot, lambda x: ((x * x - 3) - (x + 1) * 2 * x) / (x * x - 3) ** 2),
        (_rpow, lambda x: math.log(2.0) * 2.0**x),
        (_dpow, lambda x: x**x * (math.log(x) + 1)),
        (_fpow, lambda x: 2.5 * x**1.5),
        (_tanh_tan_abs,
         lambda x: 1 - math.tanh(x) ** 2 + 1 / math.cos(x) ** 2 + math.copysign(1, x - 1)),
    ],
)
def test_derivative_matches_closed_form(f, df, x):
    assert nd.derivative(f, x) == pytest.approx(df(x), rel=1e-13, abs=1e-14)


def test_polynomial_and_babylonian_exact():
    assert nd.derivative(_poly, 2.0) == 240.0  # 15 * 2**4
    d = nd.derivative(nd.babylonian_sqrt, 2.0)
    assert d == pytest.approx(1 / (2 * math.sqrt(2)), rel=1e-15)
    assert nd.babylonian_sqrt(2.0) == pytest.approx(math.sqrt(2), rel=1e-15)
    # the same function body runs on the Python Dual
    py = nd.babylonian_sqrt.py_func(Dual(2.0, 1.0), 300)
    assert float(py.partials[0]) == pytest.approx(d, rel=1e-15)


@njit
def _pows(x):
    return x**0 + x**1 + x**2 + x**3


def test_integer_powers_at_zero_and_elsewhere():
    assert nd.derivative(_pows, 0.0) == 1.0  # d/dx (1 + x + x^2 + x^3) at 0
    assert nd.derivative(_pows, 1.5) == pytest.approx(1 + 2 * 1.5 + 3 * 1.5**2, rel=1e-15)


def test_dual_boxes_to_python_dual_and_mixes_with_floats():
    @njit
    def make(x):
        d = nd.dual(x, 1.0)
        e = nd.dual_multi(x, (1.0, 2.0))
        return d * d + 1.0, 2.0 / e - e

    a, b = make(3.0)
    assert isinstance(a, Dual) and a.value == 10.0 and a.partials[0] == 6.0
    # d/dx (2/x - x) with seed (1, 2) at x = 3
    dd = -2 / 9 - 1
    np.testing.assert_allclose(b.partials, [dd, 2 * dd], rtol=1e-15)


def test_branch_promotes_float_to_dual_and_comparisons_use_value():
    @njit
    def relu_like(x):
        y = 0.0
        if x > 1.0:
            y = x * x
        return y

    assert nd.derivative(relu_like, 2.0) == 4.0
    assert nd.derivative(relu_like, 0.5) == 0.0


def _rd_jac_ref(u, p):
    return np.asarray(jax.jacfwd(lambda y: mol_reaction_diffusion_jax(0.0, y, p))(u))


@pytest.mark.parametrize("p", [np.array([3.0, 1.0]), np.array([2.0])])
def test_rhs_jacobian_matches_jax(p):
    u = np.random.default_rng(0).uniform(-1, 1, 17)
    J = nd.rhs_jacobian(mol_reaction_diffusion, 0.0, u, p)
    np.testing.assert_allclose(J, _rd_jac_ref(u, p), rtol=1e-13, atol=1e-13)


def test_multiseed_equals_one_seed_at_a_time_and_jvp():
    rng = np.random.default_rng(1)
    u, p = rng.uniform(0, 1, 13), np.array([1.5, 0.7])
    J_all = nd.rhs_jacobian(mol_reaction_diffusion, 0.0, u, p)
    for chunk in (1, 4, 13, 50):
        J_k = nd.rhs_jacobian(mol_reaction_diffusion, 0.0, u, p, chunk=chunk)
        np.testing.assert_array_equal(J_k, J_all)
    v = rng.standard_normal(13)
    f0, Jv = nd.rhs_jvp(mol_reaction_diffusion, 0.0, u, p, v)
    np.testing.assert_allclose(f0, mol_reaction_diffusion(0.0, u, p), rtol=1e-15)
    np.testing.assert_allclose(Jv, _rd_jac_ref(u, p) @ v, rtol=1e-13, atol=1e-13)


@njit
def _vec(x):
    y = np.empty_like(x)
    y[0] = x[0] ** 2 * x[1] + np.sin(x[2])
    y[1] = np.exp(x[0] / x[2]) - np.sqrt(x[1])
    y[2] = np.log(x[1]) * x[2]
    return y


@njit
def _linear(x):
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    return A @ x


def test_jacobian_of_vector_function_against_complex_step():
    x = np.array([0.7, 1.9, 1.3])
    J = nd.jacobian(_vec, x)
    Jc = complex_step_jacobian(_vec.py_func, x)
    np.testing.assert_allclose(J, Jc, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(nd.jacobian(_vec, x, chunk=2), J)
    np.testing.assert_array_equal(nd.jacobian(_linear, x), [[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])


def test_bad_input_errors():
    u, p = np.ones(4), np.array([1.0])
    with pytest.raises(TypeError, match="f"):
        nd.derivative(lambda x: x, 1.0)
    with pytest.raises(TypeError, match="f"):
        nd.rhs_jacobian(3, 0.0, u, p)
    with pytest.raises(TypeError, match="x"):
        nd.derivative(_sin, "1.0")
    with pytest.raises(ValueError, match="x"):
        nd.derivative(_sin, float("nan"))
    with pytest.raises(ValueError, match="u"):
        nd.rhs_jacobian(mol_reaction_diffusion, 0.0, np.ones((2, 2)), p)
    with pytest.raises(ValueError, match="finite"):
        nd.rhs_jacobian(mol_reaction_diffusion, 0.0, np.array([1.0, np.inf]), p)
    with pytest.raises(ValueError, match="finite"):
        nd.jacobian(_vec, [1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="chunk"):
        nd.rhs_jacobian(mol_reaction_diffusion, 0.0, u, p, chunk=0)
    with pytest.raises(ValueError, match="v"):
        nd.rhs_jvp(mol_reaction_diffusion, 0.0, u, p, np.ones(3))
    with pytest.raises(ValueError, match="x"):
        nd.jacobian(_vec, [])


def test_sparse_reaction_diffusion_jacobian_is_tridiagonal():
    n = 9
    J = nd.rhs_jacobian(mol_reaction_diffusion, 0.0, np.linspace(0.1, 0.9, n), np.array([2.0, 0.5]))
    i, j = np.nonzero(J)
    assert np.all(np.abs(i - j) <= 1) and np.count_nonzero(J) == 3 * n - 2


def test_colored_jacobian_product_decompresses_to_the_brusselator_jacobian():
    from sciml_lib.ad.sparsity import color_columns, decompress, is_valid_coloring, seed_matrix
    from sciml_lib.problems import (
        brusselator_2d,
        brusselator_2d_jac,
        brusselator_2d_rhs,
        brusselator_2d_sparsity,
    )

    N = 5
    prob = brusselator_2d(N)
    u = np.asarray(prob.u0, dtype=float) + 0.1
    p = np.asarray(prob.p, dtype=float)
    S = brusselator_2d_sparsity(N)
    colors = color_columns(S)
    assert is_valid_coloring(S, colors)
    f0, B = nd.rhs_jacobian_product(brusselator_2d_rhs, 0.0, u, p, seed_matrix(colors))
    np.testing.assert_allclose(f0, brusselator_2d_rhs(0.0, u, p), rtol=1e-15)
    J = decompress(S, colors, B).toarray()
    J_ref = brusselator_2d_jac(0.0, u, p)
    J_ref = J_ref.toarray() if hasattr(J_ref, "toarray") else np.asarray(J_ref)
    np.testing.assert_allclose(J, J_ref, rtol=1e-13, atol=1e-12)
    with pytest.raises(ValueError, match="V"):
        nd.rhs_jacobian_product(brusselator_2d_rhs, 0.0, u, p, np.ones(3))


@njit
def _shifted(x):
    y = np.zeros_like(x)
    for i in range(1, len(x)):
        y[i] = x[i - 1] * x[-1]
    return y


@njit
def _out_of_range(x):
    y = np.empty_like(x)
    for i in range(len(x)):
        y[i] = x[i + 1]
    return y


def test_zeros_like_negative_index_and_index_error():
    x = np.array([0.5, 2.0, 3.0])
    J = nd.jacobian(_shifted, x)
    J_cs = complex_step_jacobian(_shifted.py_func, x)
    np.testing.assert_allclose(J, J_cs, rtol=1e-15, atol=0)
    with pytest.raises(IndexError):
        nd.jacobian(_out_of_range, x)  # a DualVector checks its bounds


def test_works_when_numba_compiled_empty_like_before_the_import():
    # Numba's own np.empty_like accepts any type; the dual overloads must still win when
    # something was compiled before sciml_lib.ad.numba_dual was imported (a fresh process)
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from numba import njit\n"
        "g = njit(lambda x: (np.empty_like(x), np.zeros_like(x)))\n"
        "g(np.ones(3))\n"
        "from sciml_lib.ad import numba_dual as nd\n"
        "from sciml_lib.pde.mol import mol_reaction_diffusion as f\n"
        "u, p = np.linspace(0.1, 1.0, 12), np.array([3.0, 1.0])\n"
        "J = nd.rhs_jacobian(f, 0.0, u, p)\n"
        "from sciml_lib.ad.forward import rhs_jacobian\n"
        "assert np.allclose(J, rhs_jacobian(f, 0.0, u, p), rtol=1e-12, atol=1e-12)\n"
        "assert g(np.ones(3))[0].shape == (3,)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
