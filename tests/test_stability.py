"""Tests of sciml_lib.ode.stability against the actual Runge-Kutta step and closed forms."""

from math import factorial
from types import SimpleNamespace

import numpy as np
import pytest

from sciml_lib.ode import TABLEAUS, get_tableau, solve
from sciml_lib.ode.stability import (
    imaginary_stability_limit,
    real_stability_limit,
    stability_function,
    stability_polynomial,
)

EXPLICIT = [name for name in TABLEAUS]


@pytest.mark.parametrize("name", EXPLICIT)
def test_polynomial_matches_exp_through_the_order(name):
    tab = get_tableau(name)
    coef = stability_polynomial(tab)
    k = np.arange(tab.order + 1)
    assert np.allclose(coef[: tab.order + 1], [1 / factorial(int(i)) for i in k], rtol=1e-12)
    assert coef.size == tab.stages + 1


@pytest.mark.parametrize("name", ["Euler", "Midpoint", "RK4", "BS3", "DP5", "Tsit5", "Vern7"])
def test_R_is_one_step_of_the_solver_on_a_rotation_decay(name):
    """u' = [[a, -b], [b, a]] u is u' = (a + ib) u: one RK step multiplies by R(z)."""
    tab = get_tableau(name)

    def rhs(t, u, p):
        a, b = p
        return np.array([a * u[0] - b * u[1], b * u[0] + a * u[1]])

    for a, b, h in [(-1.3, 0.0, 0.7), (-0.4, 2.0, 0.3), (0.2, -1.1, 0.9)]:
        s = solve(rhs, (0.0, h), np.array([1.0, 0.0]), (a, b), method=name, adaptive=False, dt=h,
                  dense=False)
        one_step = s.u[-1, 0] + 1j * s.u[-1, 1]
        assert np.isclose(stability_function(tab, (a + 1j * b) * h), one_step, rtol=1e-12)


def test_shapes_and_closed_forms():
    z = np.linspace(-3, 1, 12).reshape(3, 4) + 0.5j
    R = stability_function(get_tableau("Euler"), z)
    assert R.shape == z.shape and np.allclose(R, 1 + z)
    rk4 = stability_function(get_tableau("RK4"), z)
    assert np.allclose(rk4, 1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24)


def test_implicit_tableaus_give_rational_functions():
    implicit_euler = SimpleNamespace(A=np.array([[1.0]]), b=np.array([1.0]))
    trapezoid = SimpleNamespace(A=np.array([[0.0, 0.0], [0.5, 0.5]]), b=np.array([0.5, 0.5]))
    z = np.array([-100.0, -1.0 + 2j, 0.3j, 0.5])
    assert np.allclose(stability_function(implicit_euler, z), 1 / (1 - z))
    assert np.allclose(stability_function(trapezoid, z), (1 + z / 2) / (1 - z / 2))
    with pytest.raises(ValueError, match="tab"):
        stability_polynomial(implicit_euler)


def test_axis_limits_against_published_values():
    # Hairer & Wanner II, Section IV.2: RK4 [-2.785, 0] and |y| <= 2 sqrt(2); Euler [-2, 0]
    assert abs(real_stability_limit(get_tableau("Euler")) + 2) < 1e-9
    assert abs(real_stability_limit(get_tableau("Midpoint")) + 2) < 1e-9
    assert abs(real_stability_limit(get_tableau("RK4")) + 2.785293563) < 1e-6
    assert abs(real_stability_limit(get_tableau("DP5")) + 3.3066) < 1e-3
    assert abs(imaginary_stability_limit(get_tableau("RK4")) - 2 * np.sqrt(2)) < 1e-9
    assert abs(imaginary_stability_limit(get_tableau("BS3")) - np.sqrt(3)) < 1e-9
    assert imaginary_stability_limit(get_tableau("Euler")) == 0.0
    assert imaginary_stability_limit(get_tableau("Midpoint")) < 1e-2  # |R|^2 = 1 + y^4/4
    for name in EXPLICIT:  # on the limit |R| = 1, just beyond it |R| > 1
        x = real_stability_limit(get_tableau(name))
        assert abs(abs(stability_function(get_tableau(name), x)) - 1) < 1e-9
        assert abs(stability_function(get_tableau(name), x - 1e-6)) > 1


def test_bad_input():
    with pytest.raises(TypeError, match="tab"):
        stability_function(object(), 1.0)
    with pytest.raises(ValueError, match="tab"):
        stability_function(SimpleNamespace(A=np.zeros((2, 3)), b=np.zeros(2)), 1.0)
    with pytest.raises(ValueError, match="zmin"):
        real_stability_limit(get_tableau("RK4"), zmin=1.0)
    with pytest.raises(ValueError, match="ymax"):
        imaginary_stability_limit(get_tableau("RK4"), ymax=-1.0)
    with pytest.raises(ValueError, match="n"):
        real_stability_limit(get_tableau("RK4"), n=1)
