r"""Events and callbacks of :func:`sciml_lib.ode.solve` (lecture 07, "Events").

An *event* is a function :math:`g(t, u, p)` whose zeros mark something happening: a ball
touching the floor (:math:`g = u_1`), a pendulum passing the vertical, an orbit piercing a
plane. After every accepted step the solver compares the sign of :math:`g` at both ends of
the step; a change of sign (in the requested ``direction``) brackets a zero, which is then
located on the step's own dense output :math:`\tilde u(t)` by the Illinois variant of regula
falsi :cite:p:`dowell1971illinois` applied to :math:`t \mapsto g(t, \tilde u(t), p)`, to a
few units in the last place of :math:`t` (as SciPy's ``solve_ivp`` does with Brent's method
:cite:p:`virtanen2020scipy`). The interpolant is as accurate as the steps, so the located time
is as accurate as the solution, at the price of a handful of interpolant evaluations and no
extra step.

* :class:`Event` (or any function with SciPy's ``terminal`` and ``direction`` attributes):
  the crossings are recorded in ``sol.t_events`` / ``sol.u_events``; a terminal event ends
  the solve (``success=True``, ``status == TERMINATED``, the message names the event).
* :class:`ContinuousCallback`: at a located zero, ``affect(t, u, p)`` may change ``u`` and
  ``p`` in place (a bounce, a switch); the solve restarts there with a fresh step sequence:
  a new first stage (FSAL) and a new step-size controller history.
* :class:`DiscreteCallback`: ``condition(t, u, p)`` is checked after every step; when true,
  ``affect`` is applied at the end of that step.
* :class:`PresetTimeCallback`: steps end exactly at the given times (as ``tstops``) and
  ``affect`` is applied there: the jumps of an adjoint state at data times (lecture 11).

**How it runs.** Every method's stepping loop carries one hook: after an accepted step it
calls ``watch(t, u, p, out)``, a small function that writes the values of the events that can
stop the solve (terminal events and callbacks), and stops when one of them fires. The
compiled explicit loop receives ``watch`` as a typed function pointer (like ``f``), so with
``@njit`` event functions there is no Python call per step: Python takes over only when
something fires, locates the zero, applies the affect and restarts the loop. Events that only
observe (not terminal) do not stop the loop; their crossings are found afterwards from the
stored steps by the same rule. A plain Python event function with an ``@njit`` ``f`` is
compiled with ``numba.njit`` when it can be (the loop then stays compiled), else the loop
runs as Python. The implicit methods run their Python loops when events are given.

**Conventions.** A zero of :math:`g` at the initial time, or at the time where a callback
just acted, is not a crossing (DifferentialEquations.jl's rule; SciPy's ``solve_ivp``
reports an event at the initial time when :math:`g(t_0) = 0`). A zero exactly at the end of
a step is reported once. As in SciPy, two zeros inside one step cancel and are not seen:
the step size (``rtol``, ``dt``) bounds what an event can resolve.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numba import njit, types
from numba.core.dispatcher import Dispatcher

from sciml_lib._specialize import compiles_to, function_pointer

from . import _control as C
from .solution import ODESolution, ODEStats

__all__ = [
    "Event",
    "ContinuousCallback",
    "DiscreteCallback",
    "PresetTimeCallback",
    "locate_zero",
    "solve_with_events",
]

_ARR = types.float64[::1]
_EPS = float(np.finfo(float).eps)


# --------------------------------------------------------------------------- public types
def _check_direction(direction: Any, what: str) -> float:
    if isinstance(direction, bool) or not isinstance(direction, numbers.Real) or \
            direction not in (-1, 0, 1):
        raise ValueError(f"{what}: direction must be -1, 0 or +1, got {direction!r}")
    return float(direction)


def _check_callable(fn: Any, what: str) -> Callable:
    if not callable(fn):
        raise TypeError(f"{what}: expected a callable (t, u, p) -> value, got "
                        f"{type(fn).__name__}")
    return fn


@dataclass(frozen=True)
class Event:
    """An event function ``g(t, u, p) -> float`` whose zeros :func:`~sciml_lib.ode.solve` locates.

    Parameters
    ----------
    g : callable
        ``g(t, u, p)``; ``@njit`` for a compiled stepping loop.
    terminal : bool or int
        ``False`` (default): record every crossing; ``True`` or ``n >= 1``: end the solve at
        the ``n``-th crossing (``True`` is 1).
    direction : {-1, 0, 1}
        Count only crossings where ``g`` goes up (+1), down (-1), or both (0).
    """

    g: Callable
    terminal: Any = False
    direction: float = 0

    def __post_init__(self) -> None:
        _check_callable(self.g, "events")
        object.__setattr__(self, "direction", _check_direction(self.direction, "events"))
        term = self.terminal
        if isinstance(term, (bool, np.bool_)):
            n = 1 if term else 0
        elif isinstance(term, numbers.Integral) and term >= 1:
            n = int(term)
        else:
            raise ValueError(f"events: terminal must be True, False or a count >= 1, got "
                             f"{term!r}")
        object.__setattr__(self, "terminal", n)

    @property
    def stops_after(self) -> int:
        """Crossings after which the solve ends (0: never)."""
        return int(self.terminal)


@dataclass(frozen=True)
class ContinuousCallback:
    """At each zero of ``condition(t, u, p)`` (located like an :class:`Event`), call
    ``affect(t, u, p)``, which may change the arrays ``u`` and ``p`` in place; the solve then
    restarts from the changed state.

    Parameters
    ----------
    condition : callable
        ``condition(t, u, p) -> float``.
    affect : callable
        ``affect(t, u, p) -> None`` (return ``True`` to end the solve there).
    direction : {-1, 0, 1}
        As for :class:`Event`.
    """

    condition: Callable
    affect: Callable
    direction: float = 0

    def __post_init__(self) -> None:
        _check_callable(self.condition, "callbacks")
        _check_callable(self.affect, "callbacks")
        object.__setattr__(self, "direction", _check_direction(self.direction, "callbacks"))


@dataclass(frozen=True)
class DiscreteCallback:
    """After every accepted step where ``condition(t, u, p)`` is true, call ``affect(t, u, p)``
    (changing ``u``/``p`` in place; return ``True`` to end the solve) and restart there."""

    condition: Callable
    affect: Callable

    def __post_init__(self) -> None:
        _check_callable(self.condition, "callbacks")
        _check_callable(self.affect, "callbacks")


@dataclass(frozen=True)
class PresetTimeCallback:
    """Make steps end exactly at ``times`` (as ``tstops``) and call ``affect(t, u, p)`` there
    (a time equal to the initial time acts before the first step)."""

    times: Any
    affect: Callable

    def __post_init__(self) -> None:
        _check_callable(self.affect, "callbacks")
        try:
            ts = np.atleast_1d(np.asarray(self.times, dtype=float))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"callbacks: PresetTimeCallback times must be numbers, got "
                            f"{self.times!r}") from exc
        if ts.ndim != 1 or not np.all(np.isfinite(ts)):
            raise ValueError(f"callbacks: PresetTimeCallback times must be finite, got "
                             f"{self.times!r}")
        object.__setattr__(self, "times", tuple(float(x) for x in ts))


# --------------------------------------------------------------------------- normalisation
def _as_events(events: Any) -> list[Event]:
    if events is None:
        return []
    items = list(events) if isinstance(events, (list, tuple)) else [events]
    out = []
    for i, ev in enumerate(items):
        if isinstance(ev, Event):
            out.append(ev)
        elif callable(ev):  # SciPy style: attributes on the function
            out.append(Event(ev, getattr(ev, "terminal", False), getattr(ev, "direction", 0)))
        else:
            raise TypeError(f"events: event {i} is not callable (got {type(ev).__name__})")
    return out


def _as_callbacks(callbacks: Any) -> list:
    if callbacks is None:
        return []
    items = list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]
    kinds = (ContinuousCallback, DiscreteCallback, PresetTimeCallback)
    for i, cb in enumerate(items):
        if not isinstance(cb, kinds):
            raise TypeError(f"callbacks: callback {i} must be a ContinuousCallback, "
                            f"DiscreteCallback or PresetTimeCallback, got {type(cb).__name__}")
    return items


@dataclass
class _Entry:
    """One watched function: an event (``kind`` "event"), a continuous callback ("ccb") or a
    discrete condition ("dcb"); ``index`` is its position among the events or callbacks."""

    kind: str
    fn: Callable
    direction: float
    stops_after: int  # 0: observed only; n: stop the loop at the n-th crossing
    affect: Callable | None
    index: int


# --------------------------------------------------------------------------- the watch function
_COMBINED: dict = {}


def _combine(fns: tuple, discrete: tuple, compile_: bool) -> Callable:
    """``watch(t, u, p, out)`` writing ``out[i] = fns[i](t, u, p)`` (a discrete condition as
    +1.0/-1.0), compiled by Numba when ``compile_``."""
    key = (fns, discrete, compile_)
    if key in _COMBINED:
        return _COMBINED[key]
    lines = ["def watch(t, u, p, out):"]
    for i, d in enumerate(discrete):
        call = f"_g{i}(t, u, p)"
        lines.append(f"    out[{i}] = 1.0 if {call} else -1.0" if d else f"    out[{i}] = {call}")
    lines.append("    return None")
    ns: dict = {f"_g{i}": fn for i, fn in enumerate(fns)}
    exec("\n".join(lines), ns)  # noqa: S102 - our own generated source
    fn = njit(ns["watch"]) if compile_ else ns["watch"]
    if len(_COMBINED) < 256:
        _COMBINED[key] = fn
    return fn


class Watch:
    """The events that can stop a stepping loop, as the loops take them.

    ``fn(t, u, p, out)`` writes the current values; ``g`` holds the values at the last step,
    ``dirs`` the directions (:data:`sciml_lib.ode._control.DISCRETE` for a discrete
    condition), ``left`` the crossings left before the loop stops (0: never). ``compiled``:
    ``fn`` is a Numba function; ``typed``: it compiles for a float-array ``p`` (the cached
    loop). Called as ``watch(t, u)`` by the Python loops.
    """

    def __init__(self, fn: Callable, compiled: bool, typed: bool, g: np.ndarray,
                 dirs: np.ndarray, left: np.ndarray, p: Any) -> None:
        self.fn, self.compiled, self.typed = fn, compiled, typed
        self.g, self.dirs, self.left, self.p = g, dirs, left, p
        self._new = np.empty(g.size)

    def values(self, t: float, u: np.ndarray) -> np.ndarray:
        out = np.empty(self.g.size)
        self.fn(float(t), np.ascontiguousarray(u, dtype=float), self.p, out)
        return out

    def __call__(self, t: float, u: np.ndarray) -> bool:
        self.fn(float(t), np.ascontiguousarray(u, dtype=float), self.p, self._new)
        return bool(C.events_stop(self.g, self._new, self.dirs, self.left))


def _probe(entries: list[_Entry], t0: float, u0: np.ndarray, p: Any) -> None:
    """Call each function once as Python at ``(t0, u0, p)``, where an index out of range
    raises (compiled code does not check bounds)."""
    for e in entries:
        py = e.fn.py_func if isinstance(e.fn, Dispatcher) else e.fn
        what = "events" if e.kind == "event" else "callbacks"
        try:
            with np.errstate(all="ignore"):
                py(t0, u0.copy(), p.copy() if isinstance(p, np.ndarray) else p)
            if isinstance(e.fn, Dispatcher) and len(_PY_OK) < 1000:
                _PY_OK.add(e.fn)
        except Exception as exc:  # noqa: BLE001 - re-raised naming the argument
            if isinstance(e.fn, Dispatcher) and not isinstance(exc, IndexError):
                continue  # Numba-only constructs may not run as Python
            raise TypeError(f"{what}: calling the event functions at (t0, u0, p) failed: "
                            f"{type(exc).__name__}: {exc}") from exc


def _build_watch(entries: list[_Entry], f: Callable, p: Any, t0: float,
                 u0: np.ndarray) -> tuple[Callable, bool, bool]:
    """The combined watch function of ``entries``: compiled when ``f`` is, if it can be."""
    _probe(entries, t0, u0, p)
    fns = tuple(e.fn for e in entries)
    discrete = tuple(e.kind == "dcb" for e in entries)
    if isinstance(f, Dispatcher):
        try:
            jitted = tuple(g if isinstance(g, Dispatcher) else njit(g) for g in fns)
            w = _combine(jitted, discrete, True)
            typed = isinstance(p, np.ndarray) and p.dtype == np.float64 and p.ndim == 1 and \
                compiles_to(w, (types.float64, _ARR, _ARR, _ARR), types.none)
            w(float(t0), u0.copy(), p, np.empty(len(fns)))  # compiles for this p, or fails
            return w, True, typed
        except Exception:  # noqa: BLE001 - Numba cannot compile an event function: use Python
            pass
    return _combine(fns, discrete, False), False, False


def _scan_loop(watch, ts, us, p, G):
    for k in range(1, ts.size):
        watch(ts[k], us[k], p, G[k])


_SCAN: dict = {}


def _scan(watch: Callable, compiled: bool, typed: bool, ts: np.ndarray, us: np.ndarray, p: Any,
          g0: np.ndarray) -> np.ndarray:
    """The values of every watched function at the step points ``(ts, us)`` (row 0: ``g0``),
    in one compiled loop when ``watch`` is compiled."""
    G = np.empty((ts.size, g0.size))
    G[0] = g0
    if not compiled:
        for k in range(1, ts.size):
            watch(float(ts[k]), us[k], p, G[k])
        return G
    kind = "typed" if typed else "any"
    if kind not in _SCAN:
        if typed:
            sig = (types.FunctionType(types.none(types.float64, _ARR, _ARR, _ARR)), _ARR,
                   types.float64[:, ::1], _ARR, types.float64[:, ::1])
            _SCAN[kind] = njit(sig, cache=True)(_scan_loop)
        else:
            _SCAN[kind] = njit(_scan_loop)
    if typed:
        watch = function_pointer(watch, types.none(types.float64, _ARR, _ARR, _ARR))
    _SCAN[kind](watch, ts, us, p, G)
    return G


# --------------------------------------------------------------------------- locating a zero
def locate_zero(h: Callable[[float], float], a: float, b: float, ha: float, hb: float,
                maxiter: int = 200) -> float:
    r"""A zero of ``h`` between ``a`` and ``b`` (``ha = h(a)``, ``hb = h(b)`` of opposite signs
    or ``hb == 0``) by the Illinois method :cite:p:`dowell1971illinois`.

    Regula falsi :math:`c = b - h_b (b - a)/(h_b - h_a)`, where the end point kept twice in a
    row has its value halved (which restores superlinear convergence, order about 1.44);
    bisection after ``maxiter // 2`` steps as a safeguard. Stops when the bracket is below
    :math:`4\,\varepsilon \max(|a|, |b|)` or ``h`` is exactly zero; returns the end of the
    final bracket where :math:`|h|` is smaller.
    """
    if hb == 0.0:
        return b
    if ha == 0.0:
        return a
    if not (math.isfinite(ha) and math.isfinite(hb)) or (ha > 0) == (hb > 0):
        raise ValueError("h: need finite values of opposite signs at a and b")
    kept = 0
    for it in range(maxiter):
        tol = 4.0 * _EPS * max(abs(a), abs(b), 1e-300)
        if abs(b - a) <= tol:
            break
        if it < maxiter // 2:
            c = b - hb * (b - a) / (hb - ha)
            if not (min(a, b) < c < max(a, b)):
                c = 0.5 * (a + b)
        else:
            c = 0.5 * (a + b)
        hc = h(c)
        if hc == 0.0:
            return c
        if (hc > 0) != (hb > 0):  # the zero is between b and c: the old b becomes a
            a, ha = b, hb
            kept = 0
        else:  # a kept again: halve its value (Illinois)
            kept += 1
            ha *= 0.5
        moved = abs(c - b)
        b, hb = c, hc
        if moved <= tol and it < maxiter // 2:  # converged: the next estimate moves less
            break
    return a if abs(ha) < abs(hb) else b


# --------------------------------------------------------------------------- the driver
class _Piecewise:
    """Dense output joined from the segments of a solve with events (right-continuous at a
    time where a callback changed the state)."""

    def __init__(self, starts: list[float], interps: list, t_first: float, t_last: float,
                 tdir: float) -> None:
        self.starts = np.array(starts)
        self.interps = interps
        self.tdir = tdir
        self.t = np.array([t_first, t_last])

    def __call__(self, tq: np.ndarray) -> np.ndarray:
        tq = np.atleast_1d(np.asarray(tq, dtype=float))
        idx = np.searchsorted(self.tdir * self.starts, self.tdir * tq, side="right") - 1
        idx = np.clip(idx, 0, len(self.interps) - 1)
        out = None
        for k in np.unique(idx):
            sel = idx == k
            vals = self.interps[k](tq[sel])
            if out is None:
                out = np.empty((tq.size, vals.shape[1]))
            out[sel] = vals
        return out if out is not None else np.empty((0, 0))


def _add_stats(a: ODEStats, b: ODEStats) -> ODEStats:
    return ODEStats(a.nf + b.nf, a.naccept + b.naccept, a.nreject + b.nreject,
                    a.njac + b.njac, a.nlu + b.nlu, a.nnewton + b.nnewton)


def _state_at(seg: ODESolution, t: float) -> np.ndarray:
    return seg.interpolant(np.array([t]))[0]


def _python_version(fn: Callable) -> Callable:
    """``fn`` itself, or for a Numba function its Python source when that runs (a call from
    Python then costs a fraction of a microsecond instead of a dispatch of a few)."""
    return getattr(fn, "py_func", fn) if fn in _PY_OK else fn


_PY_OK: set = set()


def _step_dense(seg: ODESolution, k: int) -> Callable[[float], np.ndarray]:
    """``t -> u(t)`` on the step ``[seg.t[k-1], seg.t[k]]``: the step's own interpolant, by the
    compiled one-step kernels of the loops (``explicit_rk._interp_dense``,
    ``_control.hermite_step``), or the solution's dense output."""
    from .explicit_rk import RKDenseOutput, _interp_dense
    from .solution import HermiteInterpolant

    it = seg.interpolant
    if getattr(it, "t", None) is None or it.t.size != seg.t.size:
        return lambda tt: _state_at(seg, tt)
    ta, h = float(it.t[k - 1]), float(it.t[k] - it.t[k - 1])
    u0 = np.ascontiguousarray(it.u[k - 1])
    if isinstance(it, RKDenseOutput):
        K = np.ascontiguousarray(it.k[k - 1])  # (s, n)
        D = np.ascontiguousarray(it.dense, dtype=float)

        def rk(tt: float) -> np.ndarray:
            out = np.empty(u0.size)
            _interp_dense(u0, h, K, D, (tt - ta) / h, out)
            return out

        return rk
    if isinstance(it, HermiteInterpolant):
        u1 = np.ascontiguousarray(it.u[k])
        f0, f1 = np.ascontiguousarray(it.du[k - 1]), np.ascontiguousarray(it.du[k])

        def hermite(tt: float) -> np.ndarray:
            out = np.empty(u0.size)
            C.hermite_step(u0, u1, f0, f1, h, (tt - ta) / h, out)
            return out

        return hermite
    return lambda tt: _state_at(seg, tt)


def solve_with_events(run: Callable, method: str, f: Callable, t0: float, t1: float,
                      u0: np.ndarray, p: Any, events: Any, callbacks: Any,
                      saveat: np.ndarray | None, dense: bool, max_steps: int,
                      tstops: tuple) -> ODESolution:
    """The event driver of :func:`sciml_lib.ode.solve` (input validated there).

    ``run(ta, tb, ua, watch, max_steps, tstops, h)`` runs the method's loop from ``(ta, ua)``
    to ``tb`` (an adaptive method starting with the step ``h`` when not None: the last step
    before a restart, as DifferentialEquations.jl keeps ``dt`` across callbacks) and returns an :class:`ODESolution` of every step with dense output and its
    ``status`` (``EVENT`` when ``watch`` stopped it). The driver locates zeros on the dense
    output, records events, applies affects, restarts, and joins the pieces.
    """
    evs = _as_events(events)
    cbs = _as_callbacks(callbacks)
    tdir = 1.0 if t1 > t0 else -1.0
    entries: list[_Entry] = [
        _Entry("event", e.g, e.direction, e.stops_after, None, i) for i, e in enumerate(evs)
    ]
    presets: list[tuple[float, Callable]] = []
    for i, cb in enumerate(cbs):
        if isinstance(cb, ContinuousCallback):
            entries.append(_Entry("ccb", cb.condition, cb.direction, 1, cb.affect, i))
        elif isinstance(cb, DiscreteCallback):
            entries.append(_Entry("dcb", cb.condition, C.DISCRETE, 1, cb.affect, i))
        else:
            lo, hi = min(t0, t1), max(t0, t1)
            for s in cb.times:
                if not lo <= s <= hi:
                    raise ValueError(f"callbacks: PresetTimeCallback time {s} is outside "
                                     f"tspan [{lo}, {hi}]")
                presets.append((s, cb.affect))
    presets.sort(key=lambda x: tdir * x[0])
    preset_times = sorted({s for s, _ in presets}, key=lambda s: tdir * s)

    nev = len(entries)
    u = np.array(u0, dtype=float)
    watch_fn, compiled, typed = (None, False, False)
    dirs = np.array([e.direction for e in entries], dtype=float)
    stop_after = np.array([e.stops_after for e in entries], dtype=np.int64)
    counts = np.zeros(nev, dtype=np.int64)
    is_stopper = stop_after > 0
    # observed events (0) and terminal counts (> 1) need the values at every step; stoppers
    # at their first zero (1) only at the step where the loop stopped
    every_step = bool(np.any(stop_after != 1))
    if nev:
        watch_fn, compiled, typed = _build_watch(entries, f, p, t0, u)
    t_ev: list[list] = [[] for _ in evs]
    u_ev: list[list] = [[] for _ in evs]

    def values(t: float, uu: np.ndarray) -> np.ndarray:
        out = np.empty(nev)
        watch_fn(float(t), np.ascontiguousarray(uu, dtype=float), p, out)
        return out

    def check_values(g: np.ndarray, t: float) -> None:
        bad = [i for i in range(nev) if entries[i].kind != "dcb" and not math.isfinite(g[i])]
        if bad:
            e = entries[bad[0]]
            what = "events" if e.kind == "event" else "callbacks"
            raise ValueError(f"{what}: {what[:-1]} {e.index} returned a non-finite value "
                             f"({g[bad[0]]}) at t = {t}")

    g_prev = np.zeros(0)
    if nev:
        try:
            g_prev = values(t0, u)
        except Exception as exc:  # noqa: BLE001 - re-raised naming the argument
            what = "events" if evs else "callbacks"
            raise TypeError(f"{what}: calling the event functions at (t0, u0, p) failed: "
                            f"{type(exc).__name__}: {exc}") from exc
        check_values(g_prev, t0)

    pieces: list[ODESolution] = []
    starts: list[float] = []
    T: list[np.ndarray] = []
    U: list[np.ndarray] = []
    stats = ODEStats(0, 0, 0)
    status, message_extra = C.OK, ""
    t = t0
    ipreset = 0
    h_last: float | None = None  # the last full step: the first step after a restart

    def apply_presets(at: float) -> bool:
        """Affects of the preset times equal to ``at``; True when one ends the solve."""
        end = False
        for s, affect in presets:
            if s == at:
                end = bool(affect(at, u, p)) or end
        return end

    if preset_times and preset_times[0] == t0:
        ipreset = 1
        if apply_presets(t0):
            status = C.TERMINATED
    while status == C.OK or status == C.EVENT:
        status = C.OK
        while ipreset < len(preset_times) and tdir * (preset_times[ipreset] - t) <= 0:
            ipreset += 1
        tb = preset_times[ipreset] if ipreset < len(preset_times) else t1
        stops = tuple(s for s in tstops if tdir * (s - t) > 0 and tdir * (tb - s) > 0)
        watch = None
        if nev and is_stopper.any():
            left = np.where(is_stopper, stop_after - counts, 0).astype(np.int64)
            left[(left <= 0) & is_stopper] = 1  # defensive: a stopper always stops eventually
            watch = Watch(watch_fn, compiled, typed, g_prev.copy(), dirs, left, p)
        nmax = max_steps - stats.naccept - stats.nreject
        if tb == t:
            seg = None
        else:
            seg = run(t, tb, np.ascontiguousarray(u), watch, max(nmax, 0), stops, h_last)
            stats = _add_stats(stats, seg.stats)
        fired: tuple | None = None  # (time, entry index, state)
        if seg is not None and seg.interpolant is not None and seg.t.size >= 2:
            ts, us = seg.t, np.ascontiguousarray(seg.u)
            hit_steps: np.ndarray = np.zeros(0, dtype=np.int64)
            if nev and (every_step or seg.status == C.EVENT):
                if every_step:  # observed or counted events: the values at every step
                    G = _scan(watch_fn, compiled, typed, ts, us, p, g_prev)
                else:  # only stoppers acting at their first zero: only the last step can hold it
                    m = ts.size
                    G = np.tile(g_prev if m == 2 else values(ts[-2], us[-2]), (m, 1))
                    G[1:-1, dirs == C.DISCRETE] = -1.0
                    G[-1] = values(ts[-1], us[-1])
                cont = dirs != C.DISCRETE
                finite = np.isfinite(G[:, cont]).all(axis=1)
                if not finite.all():
                    k = int(np.argmin(finite))
                    check_values(G[k], ts[k])
                up = (G[:-1] < 0) & (G[1:] >= 0)
                down = (G[:-1] > 0) & (G[1:] <= 0)
                cross = (up & (dirs >= 0)) | (down & (dirs <= 0))
                cross[:, ~cont] = False
                disc = (G[1:] > 0) & ~cont
                hit_steps = np.nonzero(cross.any(axis=1) | disc.any(axis=1))[0] + 1
            for k in hit_steps:
                dense_k = _step_dense(seg, int(k))
                hits = []
                roots: dict = {}  # one search per function (an event may also be a callback)
                for i in np.nonzero(cross[k - 1])[0]:
                    fn = entries[i].fn
                    if id(fn) not in roots:
                        gi = _python_version(fn)

                        def h(tt: float, gi: Callable = gi) -> float:
                            return float(gi(tt, dense_k(tt), p))

                        roots[id(fn)] = locate_zero(h, ts[k - 1], ts[k], G[k - 1, i],
                                                    G[k, i])
                    r = roots[id(fn)]
                    hits.append((tdir * r, int(i), r))
                hits.sort()
                for _, i, r in hits:
                    counts[i] += 1
                    e = entries[i]
                    ur = dense_k(r)
                    if e.kind == "event":
                        t_ev[e.index].append(r)
                        u_ev[e.index].append(ur)
                        stops_here = bool(is_stopper[i]) and counts[i] >= stop_after[i]
                    else:
                        stops_here = True  # a continuous callback acts at every zero
                    if stops_here:
                        tol = 8.0 * _EPS * max(abs(r), 1e-300)
                        # the entries with a zero at the same time: not crossed again after
                        same = [j for _, j, rj in hits if abs(rj - r) <= tol]
                        fired = (r, i, ur, same)
                        break
                if fired is None:
                    for i in np.nonzero(disc[k - 1])[0]:
                        fired = (ts[k], int(i), us[k].copy(), [])
                        break
                if fired is not None:
                    tf = fired[0]
                    keep = tdir * (ts - tf) < 0
                    T.append(np.append(ts[keep], tf))
                    U.append(np.vstack([us[keep], fired[2]]))
                    break
            if fired is None:
                T.append(ts)
                U.append(us)
            hs = np.abs(np.diff(seg.t))
            h_last = None
            if hs.size and (fired is None or entries[fired[1]].kind == "dcb"):
                # after a preset time or a discrete callback the last step is a fair guess
                # of the next (a step cut to end at tb is not); after a located zero the
                # state may turn sharply (a bounce): the starting-step heuristic decides
                h_last = float(hs[-1] if (fired is not None or hs.size == 1) else hs[-2])
            pieces.append(seg)
            starts.append(t)
        if seg is not None and fired is None and seg.status not in (C.OK, C.EVENT):
            status = seg.status
            message_extra = seg.message
            t = float(seg.t[-1]) if seg.t.size else t
            break
        if seg is not None and fired is None and seg.status == C.EVENT:
            # stopped for an entry the scan did not confirm: go on from where it stopped
            t, u = float(seg.t[-1]), np.array(seg.u[-1], dtype=float)
            g_prev = values(t, u)
            status = C.EVENT
            continue
        if fired is not None:
            tf, i, uf, same = fired
            e = entries[i]
            t, u = float(tf), np.array(uf, dtype=float)
            if e.kind == "event":
                status = C.TERMINATED
                message_extra = f"terminated by event {e.index} at t = {t:.17g}"
                break
            if bool(e.affect(t, u, p)):
                status = C.TERMINATED
                message_extra = f"terminated by callback {e.index} at t = {t:.17g}"
                break
            if not np.all(np.isfinite(u)):
                raise ValueError(f"callbacks: the affect of callback {e.index} made u "
                                 f"non-finite at t = {t}")
            T.append(np.array([t]))
            U.append(u[None, :].copy())
            g_prev = values(t, u)
            check_values(g_prev, t)
            g_prev[same] = 0.0  # the zeros just handled are not crossed again
            status = C.EVENT
            continue
        # the piece reached tb
        if seg is not None:
            t, u = tb, np.array(seg.u[-1], dtype=float)
        if tb in preset_times and tdir * (tb - t0) > 0:
            ipreset = preset_times.index(tb) + 1
            if apply_presets(tb):
                status = C.TERMINATED
                message_extra = f"terminated by a PresetTimeCallback at t = {tb:.17g}"
                break
            T.append(np.array([t]))
            U.append(u[None, :].copy())
            if nev:
                g_prev = values(t, u)
                check_values(g_prev, t)
        if tb == t1:
            break
        status = C.EVENT  # continue with the next piece

    success = status in (C.OK, C.TERMINATED)
    t_end = t
    if status == C.OK:
        message = C.MESSAGES[C.OK]
    elif status == C.TERMINATED:
        message = message_extra
    else:
        message = message_extra or C.status_message(status, t_end)
    tsteps = np.concatenate(T) if T else np.array([t0])
    usteps = np.concatenate(U) if U else u[None, :]
    # drop repeated points at piece joins, keeping a time twice only where u jumps
    if len(T) > 1:
        keep = np.ones(tsteps.size, dtype=bool)
        keep[1:] = ~((tsteps[1:] == tsteps[:-1]) & np.all(usteps[1:] == usteps[:-1], axis=1))
        tsteps, usteps = tsteps[keep], usteps[keep]
    interp = None
    if pieces:
        interps = [s.interpolant for s in pieces]
        interp = _Piecewise(starts, interps, t0, t_end, tdir)
    if saveat is not None:
        lo, hi = min(t0, t_end), max(t0, t_end)
        sel = saveat[(saveat >= lo) & (saveat <= hi)]
        t_out = sel
        u_out = interp(sel) if (interp is not None and sel.size) else np.empty((0, u.size))
    else:
        t_out, u_out = tsteps, usteps
    t_events = [np.array(x, dtype=float) for x in t_ev]
    u_events = [np.array(x, dtype=float).reshape(-1, u.size) for x in u_ev]
    sol = ODESolution(t_out, u_out, stats, success, message, method,
                      interp if dense else None, status=status,
                      events=(t_events, u_events))
    sol.p = p
    return sol
