"""sciml_lib.ode.work_precision: sweeps checked against closed forms and direct SciPy solves."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from sciml_lib.ode import solve  # noqa: E402
from sciml_lib.ode.work_precision import (  # noqa: E402
    WorkPrecisionCurve,
    count_steps,
    final_state,
    plot_work_precision,
    work_precision,
)
from sciml_lib.problems import LOTKA_VOLTERRA  # noqa: E402


def decay(t, u):
    return -u


U0 = np.array([1.0, 2.0])
REF = U0 * np.exp(-1.0)


def scipy_runner(method):
    return lambda r, a: solve_ivp(decay, (0.0, 1.0), U0, method=method, rtol=r, atol=a)


def test_final_state_and_steps_of_every_result_kind():
    r = solve_ivp(decay, (0.0, 1.0), U0, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(final_state(r), r.y[:, -1])
    assert count_steps(r) == len(r.t) - 1
    s = solve(LOTKA_VOLTERRA.f, (0.0, 1.0), LOTKA_VOLTERRA.u0, LOTKA_VOLTERRA.p, method="DP5")
    np.testing.assert_array_equal(final_state(s), s.u[-1])
    assert count_steps(s) == s.stats.naccept
    np.testing.assert_array_equal(final_state([1.0, 2.0]), [1.0, 2.0])
    assert np.isnan(count_steps(np.zeros(2)))
    with pytest.raises(TypeError, match="result"):
        final_state(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="result"):
        final_state(object())


def test_errors_are_those_of_direct_solves_and_atol_is_passed():
    seen = []

    def rk45(r, a):
        seen.append((r, a))
        return solve_ivp(decay, (0.0, 1.0), U0, method="RK45", rtol=r, atol=a)

    rtols = [1e-4, 1e-6, 1e-8]
    curves = work_precision({"RK45": rk45, "DOP853": scipy_runner("DOP853")}, rtols, REF,
                            atol=lambda r: 1e-3 * r, repeat=1, min_time=1e-4, max_time=0.05)
    assert list(curves) == ["RK45", "DOP853"]
    c = curves["RK45"]
    assert {(r, 1e-3 * r) for r in rtols} <= set(seen)
    for i, r in enumerate(rtols):
        direct = solve_ivp(decay, (0.0, 1.0), U0, method="RK45", rtol=r, atol=1e-3 * r)
        assert c.error[i] == np.max(np.abs(direct.y[:, -1] - REF))  # deterministic solver
        assert c.steps[i] == len(direct.t) - 1
    np.testing.assert_allclose(c.atol, 1e-3 * np.array(rtols))
    assert c.success.all() and np.all(c.time > 0)
    assert c.error[-1] < c.error[0] / 100  # tighter tolerance, smaller error
    rows = c.rows()
    assert len(rows) == 3 and rows[1]["rtol"] == 1e-6 and rows[1]["error"] == c.error[1]


def test_relative_error_and_custom_error_and_sciml_solver():
    ref = np.array([REF[0], 0.0, REF[1]])

    def run(r, a):
        y = solve_ivp(decay, (0.0, 1.0), U0, rtol=r, atol=a).y[:, -1]
        return np.array([y[0], 1e-3, y[1]])  # the zero component is skipped by "rel"

    c = work_precision({"m": run}, [1e-6], ref, error="rel", repeat=1, min_time=1e-4)["m"]
    y = solve_ivp(decay, (0.0, 1.0), U0, rtol=1e-6, atol=1e-6).y[:, -1]
    assert c.error[0] == pytest.approx(np.max(np.abs(y - REF) / REF), rel=1e-12)
    c2 = work_precision({"m": run}, [1e-6], ref, error=lambda u, rf: 7.0, repeat=1,
                        min_time=1e-4)["m"]
    assert c2.error[0] == 7.0

    p = LOTKA_VOLTERRA
    ref_lv = solve_ivp(lambda t, u: p.f(t, u, p.p), (0.0, 2.0), p.u0, method="DOP853",
                       rtol=1e-13, atol=1e-13).y[:, -1]
    cv = work_precision(
        {"DP5": lambda r, a: solve(p.f, (0.0, 2.0), p.u0, p.p, method="DP5", rtol=r, atol=a)},
        [1e-4, 1e-8], ref_lv, repeat=1, min_time=1e-4)["DP5"]
    assert cv.success.all() and cv.error[1] < cv.error[0] / 100
    assert cv.steps[1] > cv.steps[0]


def test_failed_runs_are_recorded_not_raised():
    def failing(r, a):
        return SimpleNamespace(u=np.array([[0.0, 0.0]]), success=False, t=np.array([0.0]))

    c = work_precision({"bad": failing}, [1e-3, 1e-5], REF, repeat=1, min_time=1e-4)["bad"]
    assert not c.success.any() and np.isnan(c.error).all()
    assert np.isnan(c.time_at_error(1e-3))

    def nan_run(r, a):
        return np.array([np.nan, 1.0])

    c = work_precision({"nan": nan_run}, [1e-3], REF, repeat=1, min_time=1e-4)["nan"]
    assert not c.success[0]


def test_time_at_error_interpolates_a_power_law_exactly():
    # t = 1e-3 * e**(-1/5): a straight line in log-log, so interpolation is exact inside
    e = np.array([1e-2, 1e-4, 1e-6, 1e-8])
    t = 1e-3 * e ** (-0.2)
    c = WorkPrecisionCurve("pl", e, e, e, t, np.full(4, np.nan), np.ones(4, dtype=bool))
    for x in (3e-3, 1e-5, 2e-8, 1e-2, 1e-8):
        assert c.time_at_error(x) == pytest.approx(1e-3 * x ** (-0.2), rel=1e-12)
    assert np.isnan(c.time_at_error(1e-1)) and np.isnan(c.time_at_error(1e-9))
    # order of points does not matter
    c_rev = WorkPrecisionCurve("pl", e[::-1], e[::-1], e[::-1], t[::-1], np.full(4, np.nan),
                               np.ones(4, dtype=bool))
    assert c_rev.time_at_error(1e-5) == pytest.approx(c.time_at_error(1e-5), rel=1e-14)
    with pytest.raises(ValueError, match="error"):
        c.time_at_error(-1.0)


def test_plot_draws_one_line_per_method():
    curves = work_precision({"RK45": scipy_runner("RK45"), "SciPy DOP853": scipy_runner("DOP853")},
                            [1e-4, 1e-7], REF, repeat=1, min_time=1e-4)
    fig, ax = plt.subplots()
    plot_work_precision(ax, curves)
    assert len(ax.lines) == 2 and ax.get_xscale() == "log" and ax.get_yscale() == "log"
    plot_work_precision(ax, curves, y="steps")
    assert ax.get_ylabel() == "accepted steps"
    with pytest.raises(ValueError, match="y"):
        plot_work_precision(ax, curves, y="memory")
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(runners={}), TypeError, "runners"),
        (dict(runners={"a": 3}), TypeError, "runners"),
        (dict(rtols=[]), ValueError, "rtols"),
        (dict(rtols=[-1e-3]), ValueError, "rtols"),
        (dict(rtols=["x"]), TypeError, "rtols"),
        (dict(atol=-1.0), ValueError, "atol"),
        (dict(error="l2"), ValueError, "error"),
        (dict(repeat=0), ValueError, "repeat"),
        (dict(reference=np.zeros(3)), ValueError, "shape"),
    ],
)
def test_bad_input_names_the_argument(kwargs, exc, word):
    args = dict(runners={"RK45": scipy_runner("RK45")}, rtols=[1e-4], reference=REF)
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        work_precision(args.pop("runners"), args.pop("rtols"), args.pop("reference"), **args)
