"""Kernel-side half of a probe: serialise a value as base64 ``.npy`` bytes.

Runs inside the student's kernel, so it is not trusted: the grader decodes the
bytes with ``allow_pickle=False`` and judges the values itself.
"""

from __future__ import annotations

import base64
import io

import numpy as np

MAX_BYTES = 64 * 2**20


def dump(value: object) -> str:
    """``.npy`` bytes of ``np.asarray(value)`` in base64, or ``'ERR:reason'``."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001
        return f"ERR:not an array ({type(exc).__name__})"
    if arr.dtype.hasobject:
        return f"ERR:not numeric (got {type(value).__name__})"
    if arr.nbytes > MAX_BYTES:
        return "ERR:value too large"
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")
