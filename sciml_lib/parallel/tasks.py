"""Task graphs and map-reduce on :mod:`concurrent.futures`.

A *task graph* names every task with the tasks whose results it needs. The
scheduler here submits a task as soon as all its inputs are done, so that
independent branches run at the same time, which is what dask or Dagger do
at scale. :func:`map_reduce` maps a function over chunks of data in a pool and
folds the partial results with an associative operator.
"""

from __future__ import annotations

import operator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from functools import reduce
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["run_graph", "topological_order", "map_reduce", "sum_of_squares", "add", "mul", "square"]


def add(a: Any, b: Any) -> Any:
    """``a + b`` (an importable task function)."""
    return a + b


def mul(a: Any, b: Any) -> Any:
    """``a * b`` (an importable task function)."""
    return a * b


def square(a: Any) -> Any:
    """``a * a`` (an importable task function)."""
    return a * a


def topological_order(graph: Mapping[str, tuple[Callable[..., Any], Sequence[Any]]]) -> list[str]:
    """An order of the task names in which every task comes after its inputs.

    Raises ``ValueError`` on a cycle or a missing input.
    """
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(k: str, path: tuple[str, ...]) -> None:
        if state.get(k) == 2:
            return
        if state.get(k) == 1:
            raise ValueError(f"graph has a cycle through {' -> '.join(path + (k,))}")
        if k not in graph:
            raise ValueError(f"task {path[-1]!r} needs {k!r}, which is not in the graph")
        state[k] = 1
        for d in graph[k][1]:
            if isinstance(d, str):
                visit(d, path + (k,))
        state[k] = 2
        order.append(k)

    for k in graph:
        visit(k, ())
    return order


def run_graph(graph: Mapping[str, tuple[Callable[..., Any], Sequence[Any]]], executor: Executor) -> dict[str, Any]:
    """Evaluate a task graph ``{name: (fn, args)}`` in ``executor``.

    An argument that is a string naming another task is replaced by that task's
    result; other arguments are passed as they are. A task is submitted as soon
    as its inputs are available. Returns ``{name: result}``.
    """
    topological_order(graph)  # validates: no cycles, no missing inputs
    deps = {k: {d for d in args if isinstance(d, str)} for k, (_, args) in graph.items()}
    results: dict[str, Any] = {}
    running: dict[Future, str] = {}
    pending = set(graph)
    while pending or running:
        for k in sorted(pending):
            if deps[k] <= results.keys():
                fn, args = graph[k]
                vals = [results[a] if isinstance(a, str) else a for a in args]
                running[executor.submit(fn, *vals)] = k
                pending.discard(k)
        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for f in done:
            results[running.pop(f)] = f.result()
    return results


def sum_of_squares(chunk: Any) -> Any:
    """Sum of the squares of a chunk (an importable map function)."""
    a = np.asarray(chunk)
    return (a * a).sum()


def map_reduce(
    fn: Callable[[Any], Any],
    data: Any,
    executor: Executor | None = None,
    chunks: int = 4,
    op: Callable[[Any, Any], Any] = operator.add,
) -> Any:
    """``op``-fold of ``fn`` applied to ``chunks`` contiguous chunks of ``data``.

    ``op`` must be associative for the result not to depend on the chunking.
    Runs serially when ``executor`` is None.
    """
    if chunks < 1:
        raise ValueError(f"chunks must be positive, got {chunks}")
    parts = np.array_split(np.asarray(data), chunks)
    partial = [fn(p) for p in parts] if executor is None else list(executor.map(fn, parts))
    return reduce(op, partial)
