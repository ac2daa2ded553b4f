r"""Work-precision sweeps: the cost of a solver against the error it reaches.

A *work-precision diagram* :cite:p:`hairer1993solving` plots, for each method, the
run time (or the number of steps) against the error achieved over a range of
tolerances. Comparing at equal *tolerance* is unfair, since methods interpret the
tolerance differently; comparing at equal *error* is what a user experiences.

:func:`work_precision` runs any solver given as a *runner*, a callable
``run(rtol, atol)`` returning a result whose final state is read by
:func:`final_state` (an :class:`~sciml_lib.ode.solution.ODESolution`, SciPy's
``solve_ivp`` result or a plain array), measures the error against a reference
end value and times the call with :func:`sciml_lib.perf.benchmark`. The
result per method is a :class:`WorkPrecisionCurve`;
:meth:`WorkPrecisionCurve.time_at_error` interpolates it in log-log
coordinates so that two methods can be compared at equal error.

The module depends on no solver: lectures build the runners, e.g.

.. code-block:: python

    runners = {
        "Rodas5": lambda r, a: solve(f, tspan, u0, p, method="Rodas5", rtol=r, atol=a),
        "SciPy BDF": lambda r, a: solve_ivp(fs, tspan, u0, method="BDF", rtol=r, atol=a),
    }
    curves = work_precision(runners, [1e-5, 1e-7, 1e-9], reference, atol=lambda r: 1e-2 * r)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..perf import benchmark

__all__ = [
    "WorkPrecisionCurve",
    "work_precision",
    "final_state",
    "count_steps",
    "plot_work_precision",
]


def final_state(result: Any) -> np.ndarray:
    """The state at the end of a solve.

    Parameters
    ----------
    result : ODESolution, scipy OdeResult or array_like
        An object with ``u`` (rows are times: the last row is returned), an object with
        ``y`` (SciPy's ``solve_ivp``: columns are times, the last column is returned), or the
        final state itself.

    Returns
    -------
    numpy.ndarray
        One-dimensional float array.
    """
    if hasattr(result, "u"):
        u = np.asarray(result.u)
        return np.atleast_1d(u[-1] if u.ndim >= 2 else u).astype(float)
    if hasattr(result, "y"):
        y = np.asarray(result.y)
        return np.atleast_1d(y[:, -1] if y.ndim == 2 else y).astype(float)
    try:
        out = np.atleast_1d(np.asarray(result, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(
            f"result must be a solution with 'u' or 'y', or an array; got {type(result).__name__}"
        ) from None
    if out.ndim != 1:
        raise TypeError(f"result must be a one-dimensional final state, got shape {out.shape}")
    return out


def count_steps(result: Any) -> float:
    """Accepted steps of a solve: ``stats.naccept``, else ``len(t) - 1``, else NaN."""
    stats = getattr(result, "stats", None)
    if stats is not None and hasattr(stats, "naccept"):
        return float(stats.naccept)
    t = getattr(result, "t", None)
    if t is not None and np.ndim(t) == 1:
        return float(len(t) - 1)
    return float("nan")


@dataclass(frozen=True)
class WorkPrecisionCurve:
    """One method's sweep: one entry per tolerance, in the order given.

    Attributes
    ----------
    name : str
        The method's label.
    rtol, atol : numpy.ndarray
        The tolerances of each run.
    error : numpy.ndarray
        Error of the final state against the reference (NaN for a failed run).
    time : numpy.ndarray
        Seconds per solve (the minimum over the repeats).
    steps : numpy.ndarray
        Accepted steps (NaN where the result does not say).
    success : numpy.ndarray
        Whether the solver reported success and the error is finite.
    """

    name: str
    rtol: np.ndarray
    atol: np.ndarray
    error: np.ndarray
    time: np.ndarray
    steps: np.ndarray
    success: np.ndarray

    def time_at_error(self, error: float) -> float:
        r"""Seconds per solve at a given error, interpolated linearly in :math:`(\log e, \log t)`.

        Only successful runs are used; outside the range of errors reached the answer is NaN
        (no extrapolation). When the error is not monotone in the tolerance, the points are
        sorted by error.
        """
        error = float(error)
        if not np.isfinite(error) or error <= 0:
            raise ValueError(f"error must be a positive finite number, got {error!r}")
        ok = self.success & np.isfinite(self.error) & (self.error > 0) & (self.time > 0)
        e, t = self.error[ok], self.time[ok]
        if e.size == 0:
            return float("nan")
        order = np.argsort(e)
        le, lt = np.log(e[order]), np.log(t[order])
        x = np.log(error)
        if x < le[0] or x > le[-1]:
            return float("nan")
        return float(np.exp(np.interp(x, le, lt)))

    def rows(self) -> list[dict[str, Any]]:
        """The sweep as a list of dictionaries (one per tolerance), e.g. for a table."""
        return [
            {
                "method": self.name,
                "rtol": float(self.rtol[i]),
                "atol": float(self.atol[i]),
                "error": float(self.error[i]),
                "time": float(self.time[i]),
                "steps": float(self.steps[i]),
                "success": bool(self.success[i]),
            }
            for i in range(self.rtol.size)
        ]


def _error_function(error: str | Callable[[np.ndarray, np.ndarray], float]):
    if callable(error):
        return error
    if error == "abs":
        return lambda u, ref: float(np.max(np.abs(u - ref)))
    if error == "rel":
        def rel(u: np.ndarray, ref: np.ndarray) -> float:
            scale = np.abs(ref)
            big = scale > 0
            if not big.any():
                raise ValueError("error='rel' needs a reference with a nonzero component")
            return float(np.max(np.abs(u[big] - ref[big]) / scale[big]))
        return rel
    raise ValueError(f"error must be 'abs', 'rel' or a callable, got {error!r}")


def work_precision(
    runners: Mapping[str, Callable[[float, float], Any]],
    rtols: Sequence[float],
    reference: Any,
    *,
    atol: float | Callable[[float], float] | None = None,
    error: str | Callable[[np.ndarray, np.ndarray], float] = "abs",
    repeat: int = 3,
    min_time: float = 0.01,
    max_time: float = 0.5,
    progress: bool = False,
) -> dict[str, WorkPrecisionCurve]:
    r"""Run every method at every tolerance; record its error and its time per solve.

    Parameters
    ----------
    runners : mapping of str to callable
        ``name -> run(rtol, atol)``; each call solves the problem once and returns a result
        accepted by :func:`final_state`. A result with ``success`` false counts as a failed run.
    rtols : sequence of float
        Relative tolerances, each positive.
    reference : array_like
        The reference final state (from a much tighter solve or a published value).
    atol : float, callable or None
        Absolute tolerance: ``None`` uses ``atol = rtol``; a float is used for every run; a
        callable maps ``rtol`` to ``atol``.
    error : {"abs", "rel"} or callable
        Error of the final state :math:`u`: ``"abs"`` is :math:`\max_i |u_i - r_i|`, ``"rel"``
        is :math:`\max_i |u_i - r_i| / |r_i|` over the nonzero :math:`r_i`; a callable
        ``error(u, reference) -> float`` replaces both.
    repeat, min_time, max_time : int, float, float
        Passed to :func:`sciml_lib.perf.benchmark` for the timing; the first (untimed) call
        provides the result, so compilation is not timed.
    progress : bool
        Show a ``tqdm`` bar over the methods.

    Returns
    -------
    dict of str to WorkPrecisionCurve
        In the order of ``runners``.
    """
    if not isinstance(runners, Mapping) or len(runners) == 0:
        raise TypeError("runners must be a non-empty mapping of name -> run(rtol, atol)")
    for name, run in runners.items():
        if not callable(run):
            raise TypeError(f"runners[{name!r}] must be callable as run(rtol, atol)")
    try:
        rt = np.asarray([float(r) for r in rtols])
    except (TypeError, ValueError):
        raise TypeError(f"rtols must be a sequence of numbers, got {rtols!r}") from None
    if rt.size == 0 or not np.all(np.isfinite(rt)) or np.any(rt <= 0):
        raise ValueError(f"rtols must be a non-empty sequence of positive numbers, got {rtols!r}")
    if atol is None:
        at = rt.copy()
    elif callable(atol):
        at = np.asarray([float(atol(r)) for r in rt])
    else:
        at = np.full(rt.size, float(atol))
    if not np.all(np.isfinite(at)) or np.any(at < 0):
        raise ValueError(f"atol must give non-negative finite tolerances, got {at}")
    ref = final_state(reference)
    err_fn = _error_function(error)
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be a positive int, got {repeat!r}")

    items = list(runners.items())
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, desc="work-precision")
    curves: dict[str, WorkPrecisionCurve] = {}
    for name, run in items:
        errs, times, steps, ok = [], [], [], []
        for r, a in zip(rt, at):
            result = run(float(r), float(a))
            u = final_state(result)
            if u.shape != ref.shape:
                raise ValueError(
                    f"runners[{name!r}] returned a final state of shape {u.shape}, "
                    f"the reference has shape {ref.shape}"
                )
            success = bool(getattr(result, "success", True))
            e = float(err_fn(u, ref)) if success else float("nan")
            success = success and bool(np.isfinite(e))
            timing = benchmark(lambda: run(float(r), float(a)), repeat=repeat, warmup=0,
                               min_time=min_time, max_time=max_time)
            errs.append(e)
            times.append(timing.min)
            steps.append(count_steps(result))
            ok.append(success)
        curves[name] = WorkPrecisionCurve(
            name=name, rtol=rt.copy(), atol=at.copy(), error=np.asarray(errs),
            time=np.asarray(times), steps=np.asarray(steps), success=np.asarray(ok, dtype=bool),
        )
    return curves


def plot_work_precision(ax: Any, curves: Mapping[str, WorkPrecisionCurve], *,
                        y: str = "time") -> Any:
    """Draw the curves on a Matplotlib axis, log-log, error on x and ``y`` on y.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    curves : mapping of str to WorkPrecisionCurve
        From :func:`work_precision`.
    y : {"time", "steps"}
        Seconds per solve or accepted steps.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if y not in ("time", "steps"):
        raise ValueError(f"y must be 'time' or 'steps', got {y!r}")
    for i, (name, c) in enumerate(curves.items()):
        ok = c.success
        style = "s--" if name.lower().startswith(("scipy", "diffrax")) else "o-"
        ax.loglog(c.error[ok], getattr(c, y)[ok], style, color=f"C{i % 10}", label=name, ms=4)
    ax.set_xlabel("error at the final time")
    ax.set_ylabel("seconds per solve" if y == "time" else "accepted steps")
    ax.legend(fontsize=7)
    return ax
