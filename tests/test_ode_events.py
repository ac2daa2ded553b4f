"""Events and callbacks of sciml_lib.ode.solve against closed forms and SciPy's solve_ivp."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from scipy.integrate import solve_ivp

from sciml_lib.ode import events as E
from sciml_lib.ode import solve
from sciml_lib.ode.events import (
    ContinuousCallback,
    DiscreteCallback,
    Event,
    PresetTimeCallback,
    locate_zero,
)
from sciml_lib.problems import (
    BOUNCING_BALL,
    LORENZ,
    PENDULUM,
    ball_bounce,
    ball_height,
    ball_rhs,
    bounce_times,
    lorenz_section,
    pendulum_angle,
    pendulum_period,
    pendulum_period_series,
)

EXPLICIT = ["Tsit5", "DP5", "Vern7", "BS3"]
IMPLICIT = ["Rodas5P", "Rodas4", "Rosenbrock23", "TRBDF2", "BDF"]


@njit(cache=True)
def decay(t, u, p):
    du = np.empty_like(u)
    du[0] = -p[0] * u[0]
    return du


@njit(cache=True)
def drift(t, u, p):
    du = np.empty_like(u)
    du[0] = p[0]
    return du


@njit(cache=True)
def coord0(t, u, p):
    return u[0]


def ball(e, method, rtol=1e-10, tspan=(0.0, 3.0)):
    p = np.array([9.81, e])
    return solve(ball_rhs, tspan, BOUNCING_BALL.u0, p, method=method, rtol=rtol,
                 atol=rtol * 1e-2, events=ball_height,
                 callbacks=ContinuousCallback(ball_height, ball_bounce, direction=-1))


# --------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("method", EXPLICIT + ["Rodas5P", "TRBDF2", "Rosenbrock23"])
def test_bouncing_ball_without_loss_matches_closed_form(method):
    sol = ball(1.0, method)
    ref = bounce_times(1.0, 9.81, 1.0, 20)
    got = sol.t_events[0]
    assert sol.success and got.size == np.sum(ref < 3.0)
    assert np.abs(got - ref[: got.size]).max() < 1e-10
    # the ball is on the floor at each event, and the velocity flips
    assert np.abs(sol.u_events[0][:, 0]).max() < 1e-10
    assert np.allclose(sol(got[0] + 1e-9)[1], -sol(got[0] - 1e-9)[1], rtol=1e-6)


@pytest.mark.parametrize("method", EXPLICIT + IMPLICIT)
def test_bouncing_ball_with_restitution_within_ten_tolerances(method):
    rtol = 1e-8
    sol = ball(0.9, method, rtol=rtol)
    ref = bounce_times(1.0, 9.81, 0.9, 40)
    got = sol.t_events[0]
    assert sol.success and got.size == np.sum(ref < 3.0) and got.size >= 4
    assert np.abs(got - ref[: got.size]).max() < 10 * rtol


@pytest.mark.parametrize("theta0", [0.01, 0.05])
def test_pendulum_period_by_event(theta0):
    g, L = PENDULUM.p
    T_series = pendulum_period_series(theta0, g, L)
    sol = solve(PENDULUM.f, (0.0, 3 * T_series), np.array([theta0, 0.0]), PENDULUM.p,
                method="Vern7", rtol=1e-13, atol=1e-15,
                events=Event(pendulum_angle, direction=-1))
    t = sol.t_events[0]
    assert t.size == 3
    periods = np.diff(t)
    assert np.abs(periods - pendulum_period(theta0, g, L)).max() < 1e-10
    if theta0 == 0.01:  # the series to theta0^6 is then exact to about 1e-16 relative
        assert np.abs(periods - T_series).max() < 1e-9
    # a quarter period to the first zero (released from rest)
    assert abs(t[0] - pendulum_period(theta0, g, L) / 4) < 1e-10


def test_lorenz_poincare_section_lies_on_the_plane_and_matches_a_tight_reference():
    ev = Event(lorenz_section, direction=-1)
    sol = solve(LORENZ.f, (0.0, 20.0), LORENZ.u0, LORENZ.p, rtol=1e-10, atol=1e-12,
                events=ev)
    ref = solve(LORENZ.f, (0.0, 20.0), LORENZ.u0, LORENZ.p, method="Vern7", rtol=1e-13,
                atol=1e-14, events=ev)
    pts = sol.u_events[0]
    assert pts.shape[0] >= 10
    assert np.abs(pts[:, 2] - (LORENZ.p[1] - 1)).max() < 1e-9
    # going down through the plane: z' < 0 at every point
    assert all(LORENZ.f(0.0, x, LORENZ.p)[2] < 0 for x in pts)
    n = min(5, ref.t_events[0].size)
    assert np.abs(sol.t_events[0][:n] - ref.t_events[0][:n]).max() < 1e-6


# --------------------------------------------------------------------------- SciPy semantics
def _scipy_events(fun, tspan, y0, funcs, rtol):
    return solve_ivp(fun, tspan, y0, method="DOP853", events=funcs, rtol=rtol,
                     atol=rtol * 1e-2)


def test_event_times_agree_with_solve_ivp():
    # a projectile landing (terminal) and a pendulum passing the vertical both ways
    @njit
    def fall(t, u, p):
        du = np.empty_like(u)
        du[0] = u[1]
        du[1] = -9.81
        return du

    def ground(t, u, p=None):
        return u[0]

    ground.terminal = True
    ground.direction = -1
    ours = solve(fall, (0.0, 5.0), np.array([0.0, 7.0]), (), method="DP5", rtol=1e-11,
                 atol=1e-13, events=ground)
    ref = _scipy_events(lambda t, u: [u[1], -9.81], (0.0, 5.0), [0.0, 7.0], ground, 1e-11)
    assert ours.status == 7 and ref.status == 1
    np.testing.assert_allclose(ours.t_events[0], ref.t_events[0], atol=1e-8)
    assert abs(ours.t[-1] - 2 * 7.0 / 9.81) < 1e-10

    g, L = PENDULUM.p

    def up(t, u, p=None):
        return u[0]

    up.direction = 1

    def down(t, u, p=None):
        return u[0]

    down.direction = -1
    u0 = np.array([1.0, 0.0])
    ours = solve(PENDULUM.f, (0.0, 10.0), u0, PENDULUM.p, method="Vern7", rtol=1e-11,
                 atol=1e-13, events=[up, down])
    ref = _scipy_events(lambda t, u: [u[1], -(g / L) * math.sin(u[0])], (0.0, 10.0), u0,
                        [up, down], 1e-11)
    for a, b in zip(ours.t_events, ref.t_events):
        assert a.size == b.size > 0
        np.testing.assert_allclose(a, b, atol=1e-8)


# --------------------------------------------------------------------------- counting
def test_direction_and_terminal_counts():
    @njit
    def osc(t, u, p):
        du = np.empty_like(u)
        du[0] = u[1]
        du[1] = -u[0]
        return du

    u0 = np.array([0.5, 1.0])  # x = A sin(t + phi); zeros where t + phi = k pi
    phi = math.atan2(0.5, 1.0)
    zeros = np.arange(1, 10) * math.pi - phi
    zeros = zeros[zeros < 20.0]
    both = solve(osc, (0.0, 20.0), u0, (), rtol=1e-10, atol=1e-12, events=coord0)
    np.testing.assert_allclose(both.t_events[0], zeros, atol=1e-8)
    down = solve(osc, (0.0, 20.0), u0, (), rtol=1e-10, atol=1e-12,
                 events=Event(coord0, direction=-1))
    up = solve(osc, (0.0, 20.0), u0, (), rtol=1e-10, atol=1e-12,
               events=Event(coord0, direction=1))
    np.testing.assert_allclose(down.t_events[0], zeros[0::2], atol=1e-8)
    np.testing.assert_allclose(up.t_events[0], zeros[1::2], atol=1e-8)
    third = solve(osc, (0.0, 20.0), u0, (), rtol=1e-10, atol=1e-12,
                  events=[Event(coord0, terminal=3), Event(coord0, direction=1)])
    assert third.success and third.status == 7 and "event 0" in third.message
    assert third.t_events[0].size == 3 and abs(third.t[-1] - zeros[2]) < 1e-8
    assert third.t_events[1].size == 1  # the observer saw only the crossing before the end
    with pytest.raises(ValueError, match="t: outside"):
        third(zeros[2] + 0.1)


def test_no_event_at_the_initial_time_and_one_at_a_step_end():
    # u' = 1 from u = 0: g = u is zero at t0 (not reported); g = u - 0.5 is zero exactly at
    # the end of the second fixed step (reported once)
    @njit
    def half(t, u, p):
        return u[0] - 0.5

    sol = solve(drift, (0.0, 1.0), np.array([0.0]), np.array([1.0]), method="RK4", dt=0.25,
                events=[coord0, half])
    assert sol.t_events[0].size == 0
    assert sol.t_events[1].tolist() == [0.5]
    ref = solve_ivp(lambda t, u: [1.0], (0.0, 1.0), [0.0], events=lambda t, u: u[0])
    assert ref.t_events[0].tolist() == [0.0]  # SciPy reports it (documented difference)


def test_backward_integration_finds_the_same_zero():
    fwd = solve(decay, (0.0, 2.0), np.array([1.0]), np.array([1.0]), rtol=1e-11, atol=1e-13,
                events=Event(lambda t, u, p: u[0] - 0.5))
    bwd = solve(decay, (2.0, 0.0), np.array([math.exp(-2.0)]), np.array([1.0]), rtol=1e-11,
                atol=1e-13, events=Event(lambda t, u, p: u[0] - 0.5))
    assert abs(fwd.t_events[0][0] - math.log(2.0)) < 1e-10
    assert abs(bwd.t_events[0][0] - math.log(2.0)) < 1e-10


# --------------------------------------------------------------------------- callbacks
def test_preset_time_callback_jumps_land_exactly():
    def kick(t, u, p):
        u[0] += 1.0

    times = [0.5, 1.25, 2.0]
    for method in ("Tsit5", "Rodas5P", "BDF"):
        sol = solve(decay, (0.0, 3.0), np.array([1.0]), np.array([1.0]), method=method,
                    rtol=1e-10, atol=1e-12, callbacks=PresetTimeCallback(times, kick))
        exact = math.exp(-3.0) + sum(math.exp(-(3.0 - s)) for s in times)
        assert abs(sol.u[-1, 0] - exact) < 1e-8, method
        for s in times:  # both sides of each jump are stored
            k = np.nonzero(sol.t == s)[0]
            assert k.size == 2 and abs(sol.u[k[1], 0] - sol.u[k[0], 0] - 1.0) < 1e-12


def test_continuous_callback_changes_p():
    # u' = p0 = 1 until u = 1, then p0 = -1: u = t, then 2 - t
    def flip(t, u, p):
        p[0] = -1.0

    p = np.array([1.0])
    sol = solve(drift, (0.0, 3.0), np.array([0.0]), p, rtol=1e-10, atol=1e-12,
                callbacks=ContinuousCallback(lambda t, u, p: u[0] - 1.0, flip))
    assert abs(sol.u[-1, 0] - (-1.0)) < 1e-9
    assert sol.p[0] == -1.0 and p[0] == 1.0  # the caller's p is not changed
    assert abs(sol(2.5)[0] - (-0.5)) < 1e-9


def test_discrete_callback_acts_at_the_end_of_the_first_step_where_true():
    def freeze(t, u, p):
        p[0] = 0.0

    sol = solve(decay, (0.0, 3.0), np.array([1.0]), np.array([1.0]), rtol=1e-8,
                callbacks=DiscreteCallback(lambda t, u, p: t >= 1.0, freeze))
    k = int(np.argmax(sol.t >= 1.0))
    td = sol.t[k]
    assert 1.0 <= td < 3.0
    assert abs(sol.u[k, 0] - math.exp(-td)) < 1e-6
    assert abs(sol.u[-1, 0] - sol.u[k, 0]) < 1e-14  # frozen after the callback


def test_affect_may_end_the_solve():
    sol = solve(drift, (0.0, 5.0), np.array([0.0]), np.array([1.0]),
                callbacks=ContinuousCallback(lambda t, u, p: u[0] - 2.0, lambda t, u, p: True))
    assert sol.success and sol.status == 7 and abs(sol.t[-1] - 2.0) < 1e-9


def test_compiled_loop_makes_no_python_call_per_step(monkeypatch):
    calls = []
    real = E.Watch.__call__

    def counting(self, t, u):
        calls.append(t)
        return real(self, t, u)

    monkeypatch.setattr(E.Watch, "__call__", counting)
    sol = ball(0.9, "Tsit5")
    assert sol.stats.naccept >= 10 and calls == []
    # the Python loops of the implicit methods do call it once per accepted step
    sol = ball(0.9, "Rodas5P", rtol=1e-6)
    assert len(calls) == sol.stats.naccept


def test_python_event_functions_match_njit_ones_and_plain_python_f():
    a = ball(0.9, "Tsit5")
    py = solve(ball_rhs, (0.0, 3.0), BOUNCING_BALL.u0, np.array([9.81, 0.9]), rtol=1e-10,
               atol=1e-12, events=ball_height.py_func,
               callbacks=ContinuousCallback(ball_height.py_func, ball_bounce.py_func, -1))
    np.testing.assert_allclose(py.t_events[0], a.t_events[0], rtol=0, atol=1e-13)
    slow = solve(ball_rhs.py_func, (0.0, 3.0), BOUNCING_BALL.u0, np.array([9.81, 0.9]),
                 rtol=1e-10, atol=1e-12, events=ball_height,
                 callbacks=ContinuousCallback(ball_height, ball_bounce, -1))
    np.testing.assert_allclose(slow.t_events[0], a.t_events[0], rtol=0, atol=1e-12)


def test_saveat_and_dense_output_across_jumps():
    times = np.linspace(0.0, 3.0, 31)
    sol = solve(ball_rhs, (0.0, 3.0), BOUNCING_BALL.u0, np.array([9.81, 1.0]), rtol=1e-10,
                atol=1e-12, saveat=times,
                callbacks=ContinuousCallback(ball_height, ball_bounce, direction=-1))
    assert np.array_equal(sol.t, times)
    # energy is conserved without loss: v^2/2 + g h = g h0
    energy = 0.5 * sol.u[:, 1] ** 2 + 9.81 * sol.u[:, 0]
    assert np.abs(energy - 9.81).max() < 1e-8
    assert sol.u[:, 0].min() > -1e-9


# --------------------------------------------------------------------------- locate_zero
def test_locate_zero_illinois():
    r = locate_zero(math.cos, 0.0, 3.0, 1.0, math.cos(3.0))
    assert abs(r - math.pi / 2) < 1e-15
    r = locate_zero(lambda x: x ** 3 - 2.0, 2.0, 0.0, 6.0, -2.0)
    assert abs(r - 2.0 ** (1 / 3)) < 4e-15
    with pytest.raises(ValueError, match="opposite signs"):
        locate_zero(math.cos, 0.0, 1.0, 1.0, 0.5)


# --------------------------------------------------------------------------- bad input
def test_bad_events_and_callbacks_raise_clear_errors():
    args = (decay, (0.0, 1.0), np.array([1.0]), np.array([1.0]))
    with pytest.raises(TypeError, match="events: event 1 is not callable"):
        solve(*args, events=[coord0, 3.0])
    with pytest.raises(ValueError, match="events: direction must be -1, 0 or \\+1"):
        solve(*args, events=Event(coord0, direction=2))
    with pytest.raises(ValueError, match="events: terminal must be"):
        Event(coord0, terminal=-1)
    with pytest.raises(ValueError, match="events: event 0 returned a non-finite value"):
        solve(*args, events=lambda t, u, p: math.nan)
    with pytest.raises(ValueError, match="events: event 0 returned a non-finite value"):
        solve(*args, events=lambda t, u, p: math.nan if t > 0.5 else 1.0)
    with pytest.raises(TypeError, match="callbacks: callback 0 must be"):
        solve(*args, callbacks=[coord0])
    with pytest.raises(TypeError, match="callbacks: expected a callable"):
        ContinuousCallback(coord0, "bounce")
    with pytest.raises(ValueError, match="callbacks: PresetTimeCallback time 2.0 is outside"):
        solve(*args, callbacks=PresetTimeCallback([2.0], lambda t, u, p: None))
    with pytest.raises(ValueError, match="callbacks: the affect of callback 0 made u"):
        solve(*args, callbacks=ContinuousCallback(lambda t, u, p: u[0] - 0.5,
                                                  lambda t, u, p: u.fill(math.nan)))
    with pytest.raises(TypeError, match="events: calling the event functions"):
        solve(*args, events=lambda t, u, p: u[5])
