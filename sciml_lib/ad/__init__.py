"""Automatic differentiation, written from scratch for teaching and for speed.

Submodules (imported lazily):

forward
    Dual numbers, forward-mode derivatives, Jacobians, JVPs (lecture 08).
jacobians
    Compiled Jacobians and JVPs of right-hand sides ``f(t, u, p)`` for the solvers
    (complex step or finite differences, dense or coloured; lectures 08-09).
sparsity
    Sparsity detection, greedy graph colouring and compressed Jacobians (lecture 09).
reverse
    A tape-based reverse mode on scalars and arrays (lectures 10-11).
numba_dual
    A dual number compiled by Numba (struct-of-arrays vectors, Jacobians in one pass;
    lecture 08).
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = ("forward", "jacobians", "sparsity", "reverse", "numba_dual")
__all__ = list(_SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'sciml_lib.ad' has no attribute {name!r}")
