"""sciml_lib: the support library of *SciML Book*.

Every lecture of the book imports the fast, tested implementation of what it
teaches from a subpackage of this library, so that one concept lives in one
place. Subpackages are imported lazily: ``import sciml_lib`` is cheap and does
not start JAX or compile Numba code.

Subpackages
-----------
perf
    Benchmark helpers: warm-up, repeats, min/median, allocations, tables of ratios.
plotting
    The book's single figure style.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "perf",
    "plotting",
    "plotting_graphs",
    "ode",
    "problems",
    "dynamics",
    "parallel",
    "ad",
    "stiff",
    "sensitivity",
    "nn",
    "grading",
    "pinn",
    "distributed",
    "gpu",
    "pde",
    "ude",
    "sindy",
    "bsde",
    "reservoir",
    "prob",
    "gsa",
    "uq",
    "profiling",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'sciml_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
