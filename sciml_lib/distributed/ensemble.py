r"""A distributed ensemble of ODE solves: scatter parameters, solve, reduce statistics.

The ensemble is Lotka-Volterra :cite:p:`lotka1925elements` with every parameter
perturbed by up to :math:`\pm 10\%` (:func:`ensemble_params`). Rank 0 draws the
parameter matrix and ``Scatterv``-s contiguous blocks of rows (the static
schedule of :func:`sciml_lib.parallel.chunk_bounds`); every rank solves its
members with :func:`sciml_lib.ode.solve` and the sums :math:`\sum u`,
:math:`\sum u^2` and the count are combined with ``Reduce`` into the ensemble
mean and standard deviation of the final state. Only :math:`O(\text{members})`
numbers travel; the work is :math:`O(\text{members} \times \text{steps})`, which
is why ensembles are the easy case of distributed computing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ensemble_params", "solve_members", "ensemble_statistics", "distributed_ensemble"]

T_END = 50.0
RTOL, ATOL = 1e-8, 1e-10


def ensemble_params(n: int, seed: int = 0) -> np.ndarray:
    """``n`` Lotka-Volterra parameter vectors, each entry within 10 % of the textbook values."""
    from sciml_lib.problems import LOTKA_VOLTERRA

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: the number of members must be an int >= 1, got {n!r}")
    rng = np.random.default_rng(seed)
    return np.asarray(LOTKA_VOLTERRA.p) * (1.0 + 0.1 * rng.uniform(-1.0, 1.0, (int(n), 4)))


def solve_members(params: np.ndarray, t_end: float = T_END) -> np.ndarray:
    """Final state :math:`u(t_{end})` of Lotka-Volterra for every row of ``params`` (Tsit5)."""
    from sciml_lib.ode import solve
    from sciml_lib.problems import LOTKA_VOLTERRA

    params = np.atleast_2d(np.asarray(params, dtype=float))
    if params.ndim != 2 or params.shape[1] != 4:
        raise ValueError(f"params: expected shape (n, 4), got {params.shape}")
    out = np.empty((params.shape[0], 2))
    u0 = np.asarray(LOTKA_VOLTERRA.u0, dtype=float)
    for i, p in enumerate(params):
        sol = solve(LOTKA_VOLTERRA.f, (0.0, t_end), u0, np.ascontiguousarray(p), method="Tsit5",
                    rtol=RTOL, atol=ATOL, saveat=[t_end], dense=False)
        if not sol.success:
            raise RuntimeError(f"solve failed for p={p}: {sol.message}")
        out[i] = sol.u[-1]
    return out


def ensemble_statistics(final: np.ndarray) -> dict[str, list[float]]:
    """Mean and (population) standard deviation of the final states, per component."""
    final = np.asarray(final, dtype=float)
    return {"mean": final.mean(axis=0).tolist(), "std": final.std(axis=0).tolist()}


def distributed_ensemble(comm: Any, n_members: int, seed: int = 0,
                         t_end: float = T_END) -> dict[str, Any] | None:
    """Scatter ``n_members`` parameter rows over ``comm``, solve, reduce mean and std.

    Returns on rank 0 a dictionary with ``mean``, ``std`` (as
    :func:`ensemble_statistics`), ``members``, ``size`` and the times
    ``t_total`` (scatter to reduce, after a barrier), ``t_solve`` (per rank) and
    ``t_comm`` (scatter plus reduce on rank 0); ``None`` on other ranks.
    """
    from mpi4py import MPI

    from sciml_lib.parallel import chunk_bounds

    rank, size = comm.Get_rank(), comm.Get_size()
    bounds = chunk_bounds(int(n_members), size)
    bounds += [(bounds[-1][1], bounds[-1][1])] * (size - len(bounds))
    counts = np.array([(hi - lo) * 4 for lo, hi in bounds])
    displs = np.array([lo * 4 for lo, _ in bounds])
    comm.Barrier()
    t0 = MPI.Wtime()
    params = ensemble_params(n_members, seed) if rank == 0 else None
    mine = np.empty((counts[rank] // 4, 4))
    comm.Scatterv([params, counts, displs, MPI.DOUBLE] if rank == 0 else None, mine, root=0)
    t1 = MPI.Wtime()
    final = solve_members(mine, t_end)
    t2 = MPI.Wtime()
    local = np.concatenate([final.sum(axis=0), (final**2).sum(axis=0), [final.shape[0]]])
    total = np.zeros_like(local) if rank == 0 else None
    comm.Reduce(local, total, op=MPI.SUM, root=0)
    t3 = MPI.Wtime()
    t_solve = comm.gather(t2 - t1, root=0)
    if rank != 0:
        return None
    n = total[4]
    mean = total[:2] / n
    std = np.sqrt(np.maximum(total[2:4] / n - mean**2, 0.0))
    return {"members": int(n), "size": size, "mean": mean.tolist(), "std": std.tolist(),
            "t_total": t3 - t0, "t_solve": t_solve, "t_comm": (t1 - t0) + (t3 - t2)}
