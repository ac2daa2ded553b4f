"""The result type of the estimators."""

from __future__ import annotations

from typing import Any

import numpy as np


class GSAResult(dict):
    """A ``dict`` of arrays whose keys are also attributes (``res["S1"]`` is ``res.S1``).

    Index arrays have shape ``(d,)`` for a model with one output and ``(k, d)``
    for ``k`` outputs (one row per output column, e.g. per time point).
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self))

    def __repr__(self) -> str:
        items = []
        for k, v in self.items():
            if isinstance(v, np.ndarray) and v.size > 6:
                items.append(f"{k}=<array {v.shape}>")
            elif isinstance(v, np.ndarray):
                items.append(f"{k}={np.array2string(v, precision=4)}")
            else:
                items.append(f"{k}={v!r}")
        return "GSAResult(" + ", ".join(items) + ")"


def per_output(a: np.ndarray, k: int) -> np.ndarray:
    """Move the output axis (last, length ``k``) first, and drop it when ``k == 1``."""
    a = np.moveaxis(np.asarray(a), -1, 0)
    return a[0] if k == 1 else a
