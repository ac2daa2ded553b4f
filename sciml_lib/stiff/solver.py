"""The ``solve`` of the stiff methods: a thin front of :func:`sciml_lib.ode.solve`.

The implementation lives in :mod:`sciml_lib.ode` (one file per method family);
this module keeps ``from sciml_lib.stiff import solve`` working with its old
default method (``"Rodas4"``) and its old restriction to the implicit methods.
"""

from __future__ import annotations

from typing import Any, Callable

from numpy.typing import ArrayLike

from sciml_lib.ode import METHODS as _ALL_METHODS
from sciml_lib.ode import ODESolution
from sciml_lib.ode import solve as _solve

__all__ = ["METHODS", "solve"]

#: Stiff methods: name -> (order, description).
METHODS: dict[str, tuple[int, str]] = {
    name: (info.order, info.description)
    for name, info in _ALL_METHODS.items() if info.family != "explicit"
}


def solve(
    f: Callable,
    tspan: ArrayLike,
    u0: ArrayLike,
    p: Any = (),
    *,
    method: str = "Rodas4",
    **kwargs: Any,
) -> ODESolution:
    """:func:`sciml_lib.ode.solve` restricted to the implicit methods of :data:`METHODS`
    (default ``"Rodas4"``); every keyword is passed on unchanged."""
    if not isinstance(method, str) or method.lower() not in {m.lower() for m in METHODS}:
        raise ValueError(f"method: must be one of {sorted(METHODS)}, got {method!r}")
    return _solve(f, tspan, u0, p, method=method, **kwargs)
