r"""ODE models as vectorised GSA models: one solve per parameter row.

Sensitivity analysis of an ODE treats the solution at the output times as a
function of the parameters, :math:`y(p) = (u(t_1; p), \dots, u(t_m; p))`.
:func:`ode_ensemble` evaluates it for every row of a parameter matrix with the
compiled solver :func:`sciml_lib.ode.solve`; the rows are independent, so the
ensemble is embarrassingly parallel. The returned array, reshaped to
``(n, m * n_states)`` or sliced to one state, is the ``(n, k)`` output that the
estimators of :mod:`sciml_lib.gsa` take: one set of indices per output time.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable

import numpy as np

__all__ = ["ode_ensemble", "solve_rows"]


def solve_rows(
    f: Callable[..., Any],
    u0: np.ndarray,
    tspan: Any,
    P: np.ndarray,
    ts: np.ndarray,
    method: str,
    rtol: float,
    atol: float,
) -> np.ndarray:
    """Solve for each row of ``P`` in turn: the task of one worker (importable, so picklable)."""
    from sciml_lib.ode import solve

    out = np.full((P.shape[0], ts.size, u0.size), np.nan)
    for i in range(P.shape[0]):
        p = np.ascontiguousarray(P[i])
        sol = solve(f, tspan, u0, p, method=method, rtol=rtol, atol=atol, saveat=ts, dense=False)
        if sol.success:
            out[i] = sol.u
    return out


def ode_ensemble(
    f: Callable[..., Any],
    u0: Any,
    tspan: Any,
    P: Any,
    saveat: Any,
    *,
    method: str = "Tsit5",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    progress: bool = False,
    executor: Executor | None = None,
    chunks: int | None = None,
) -> np.ndarray:
    """Solve :math:`u' = f(t, u, p)` for every parameter row of ``P``.

    Parameters
    ----------
    f : callable
        Right-hand side ``f(t, u, p)`` accepted by :func:`sciml_lib.ode.solve`
        (e.g. ``LOTKA_VOLTERRA.f``; a module-level function if ``executor`` is a
        process pool).
    u0 : array_like
        Initial state (shared by all members).
    tspan : (float, float)
    P : array_like, shape (n, n_params)
        One parameter vector per row.
    saveat : array_like, shape (m,)
        Output times.
    method, rtol, atol
        Passed to :func:`sciml_lib.ode.solve`.
    progress : bool
        Show a ``tqdm`` bar (over rows, or over chunks with an executor).
    executor : concurrent.futures.Executor, optional
        Run contiguous chunks of rows as parallel tasks (e.g. a pool from
        :func:`sciml_lib.parallel.process_pool`); default: one serial loop.
    chunks : int, optional
        Number of tasks with an executor (default 8).

    Returns
    -------
    numpy.ndarray, shape (n, m, n_states)
        The solutions; the rows of failed solves are NaN (the estimators
        then refuse the output).
    """
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[0] < 1:
        raise ValueError(f"P must be a non-empty 2-D array (n, n_params), got shape {P.shape}")
    ts = np.asarray(saveat, dtype=float)
    if ts.ndim != 1 or ts.size < 1:
        raise ValueError(f"saveat must be a non-empty 1-D array, got shape {ts.shape}")
    u0 = np.atleast_1d(np.asarray(u0, dtype=float))
    args = (u0, tspan)
    if executor is None:
        if not progress:
            return solve_rows(f, *args, P, ts, method, rtol, atol)
        from tqdm.auto import tqdm

        rows = [
            solve_rows(f, *args, P[i : i + 1], ts, method, rtol, atol)
            for i in tqdm(range(P.shape[0]), desc="ODE ensemble")
        ]
        return np.concatenate(rows, axis=0)
    k = 8 if chunks is None else int(chunks)
    if k < 1:
        raise ValueError(f"chunks must be a positive int, got {chunks!r}")
    bounds = np.linspace(0, P.shape[0], min(k, P.shape[0]) + 1).astype(int)
    futs = [
        executor.submit(solve_rows, f, *args, P[lo:hi], ts, method, rtol, atol)
        for lo, hi in zip(bounds[:-1], bounds[1:])
    ]
    if progress:
        from tqdm.auto import tqdm

        futs_iter = tqdm(futs, desc="ODE ensemble")
    else:
        futs_iter = futs
    return np.concatenate([fu.result() for fu in futs_iter], axis=0)
