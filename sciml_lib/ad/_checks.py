"""Argument checks shared by the forward-mode API and the solver-facing Jacobians."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def check_callable(f: Any) -> None:
    """Raise ``TypeError`` unless ``f`` is callable."""
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")


def as_float_vector(x: ArrayLike, name: str = "x") -> np.ndarray:
    """``x`` as a finite 1-D float array; ``TypeError``/``ValueError`` naming ``name`` else."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a 1-D array of real numbers, got {type(x).__name__}"
        ) from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a
