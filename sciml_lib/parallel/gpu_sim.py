"""A tiny CPU simulator of the GPU *kernel* programming model.

A GPU kernel is one function run by every thread of a grid of blocks; each
thread finds its work from its indices (``threadIdx``, ``blockIdx``,
``blockDim``, ``gridDim``). :func:`launch` runs such a kernel on the CPU,
thread by thread, so the indexing logic can be tested without a GPU. It is a
teaching model (sequential, no shared memory or barriers), not a fast one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["ThreadContext", "launch", "vector_add_kernel", "grid_stride_indices"]


@dataclass(frozen=True)
class ThreadContext:
    """The indices one simulated GPU thread sees (one-dimensional grid)."""

    thread_idx: int
    block_idx: int
    block_dim: int
    grid_dim: int

    @property
    def global_id(self) -> int:
        """``blockIdx * blockDim + threadIdx``."""
        return self.block_idx * self.block_dim + self.thread_idx

    @property
    def grid_size(self) -> int:
        """Total number of threads, ``gridDim * blockDim``."""
        return self.grid_dim * self.block_dim


def launch(kernel: Callable[..., Any], grid: int, block: int, *args: Any) -> None:
    """Run ``kernel(ctx, *args)`` for every thread of a ``grid`` x ``block`` launch."""
    if grid < 1 or block < 1:
        raise ValueError(f"grid and block must be positive, got grid={grid}, block={block}")
    for b in range(grid):
        for t in range(block):
            kernel(ThreadContext(t, b, block, grid), *args)


def grid_stride_indices(ctx: ThreadContext, n: int) -> range:
    """The indices a thread handles in a grid-stride loop over ``n`` elements."""
    return range(ctx.global_id, n, ctx.grid_size)


def vector_add_kernel(ctx: ThreadContext, y: Any, x: Any) -> None:
    """Grid-stride kernel ``y[i] += x[i]`` (the vector addition of Lecture 6)."""
    for i in grid_stride_indices(ctx, len(y)):
        y[i] += x[i]
