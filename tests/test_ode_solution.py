"""ODESolution, ODEStats and the Hermite interpolant."""

from __future__ import annotations

import numpy as np
import pytest

from sciml_lib.ode import HermiteInterpolant, ODESolution, ODEStats, hermite_interpolant


def test_hermite_exact_for_cubics_and_fourth_order():
    # a cubic is reproduced exactly
    t = np.array([0.0, 0.7, 1.5, 3.0])
    poly = lambda x: 2 * x**3 - x**2 + 0.5 * x - 1  # noqa: E731
    dpoly = lambda x: 6 * x**2 - 2 * x + 0.5  # noqa: E731
    H = hermite_interpolant(t, poly(t)[:, None], dpoly(t)[:, None])
    x = np.linspace(0, 3, 101)
    np.testing.assert_allclose(H(x)[:, 0], poly(x), atol=1e-12)
    # sin: error O(h^4)
    errs = []
    for m in (10, 20, 40):
        tt = np.linspace(0, 3, m + 1)
        H = HermiteInterpolant(tt, np.sin(tt)[:, None], np.cos(tt)[:, None])
        errs.append(np.abs(H(x)[:, 0] - np.sin(x)).max())
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(rates - 4) < 0.3)


def test_hermite_decreasing_times():
    t = np.array([2.0, 1.0, 0.0])
    H = hermite_interpolant(t, np.exp(t)[:, None], np.exp(t)[:, None])
    assert abs(H([0.5])[0, 0] - np.exp(0.5)) < 5e-3


def test_hermite_bad_input():
    with pytest.raises(ValueError, match="t"):
        hermite_interpolant([0.0], [[1.0]], [[1.0]])
    with pytest.raises(ValueError, match="monotone"):
        hermite_interpolant([0.0, 1.0, 0.5], np.zeros((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="u, du"):
        hermite_interpolant([0.0, 1.0], np.zeros((3, 1)), np.zeros((3, 1)))


def test_solution_call_shapes_and_span():
    t = np.linspace(0, 1, 11)
    u = np.stack([np.exp(t), np.exp(2 * t)], axis=1)
    du = u * np.array([1.0, 2.0])
    sol = ODESolution(t, u, ODEStats(nf=10, naccept=10, nreject=0), True, "ok", "test", hermite_interpolant(t, u, du))
    assert sol(0.55).shape == (2,)
    assert sol([0.1, 0.2, 0.3]).shape == (3, 2)
    assert sol(np.zeros((2, 2))).shape == (2, 2, 2)
    np.testing.assert_allclose(sol(0.55), [np.exp(0.55), np.exp(1.1)], rtol=1e-4)
    for bad in (-0.1, 1.1, np.nan):
        with pytest.raises(ValueError, match="t"):
            sol(bad)
    assert sol.stats.nsteps == 10 and sol.stats.njac == 0
    assert "test" in repr(sol) and len(sol) == 11
    nodense = ODESolution(t, u, sol.stats, True, "ok", "test")
    with pytest.raises(ValueError, match="dense"):
        nodense(0.5)
    with pytest.raises(ValueError, match="u"):
        ODESolution(t, u[:5], sol.stats, True, "ok", "test")


def test_shared_input_checks_name_the_argument():
    import pytest as _pytest

    from sciml_lib.ode import validation as v

    assert v.check_tspan([0, 2]) == (0.0, 2.0)
    np.testing.assert_array_equal(v.check_u0(3.0), [3.0])
    with _pytest.raises(ValueError, match="u0"):
        v.check_u0(3.0, allow_scalar=False)
    for bad, fn, name in [
        ((0.0, 0.0), v.check_tspan, "tspan"),
        ((0.0, np.inf), v.check_tspan, "tspan"),
        ([np.nan], v.check_u0, "u0"),
        (0.0, v.check_rtol, "rtol"),
        (True, v.check_rtol, "rtol"),
        (0, v.check_max_steps, "max_steps"),
    ]:
        with _pytest.raises(ValueError, match=name):
            fn(bad)
    with _pytest.raises(ValueError, match="saveat"):
        v.check_saveat([0.5, 3.0], 0.0, 1.0)
    np.testing.assert_array_equal(v.check_saveat([1.0, 0.5], 0.0, 1.0), [1.0, 0.5])
