"""No measured number in a lecture's prose that its notebook does not compute.

A markdown cell may state a time, a throughput or a speed-up ratio only when the number is
an input or a bound of the notebook's own code (it then appears as a literal in a code
cell: ``asyncio.sleep(0.1)`` for "requests that each wait 0.1 s", ``< 0.05`` for "well under
50 ms") or when the cell cites its source (``{cite:p}``). Anything else is a measurement
written by hand, which goes stale on the next machine: print it from code instead.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))

# seconds per unit, bytes per unit; "x" (and the times sign) is a ratio
_TIME = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "seconds": 1.0}
_BYTES = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "kB": 1e3, "MB": 1e6, "GB": 1e9}
_RATE = ("GB/s", "MB/s", "GFLOP/s", "GFLOPS")
_UNITS = sorted([*_TIME, *_BYTES, *_RATE], key=len, reverse=True)
NUMBER = re.compile(
    r"(?<![\w.$\\{^_/-])(\d+(?:\.\d+)?(?:e-?\d+)?)"
    r"(?:\s?(" + "|".join(re.escape(u) for u in _UNITS) + r")\b|\s?(x|×)(?=[\s,.;:)]|$))"
)


def _prose(cell_source: str) -> str:
    """Markdown without math and inline code (numbers there are formulas or code)."""
    s = re.sub(r"\$\$.*?\$\$", " ", cell_source, flags=re.S)
    s = re.sub(r"\$[^$\n]*\$", " ", s)
    s = re.sub(r"```.*?```", " ", s, flags=re.S)
    return re.sub(r"`[^`]*`", " ", s)


def _literal_forms(value: str, unit: str) -> set[str]:
    """How the number can appear in code: as written, and in SI base units."""
    v = float(value)
    forms = {value}
    scale = _TIME.get(unit) or _BYTES.get(unit)
    if scale:
        base = v * scale
        forms |= {repr(base), f"{base:g}", f"{base:.0e}".replace("e-0", "e-").replace("e+0", "e")}
        if unit in _BYTES:
            exp = {2**10: "10", 2**20: "20", 2**30: "30"}.get(int(scale))
            if exp:
                forms.add(f"2**{exp}")
    if v.is_integer():
        forms.add(str(int(v)))
        forms.add(f"{int(v):_}")
    return forms


def _unsupported(nb_path: pathlib.Path) -> list[str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    bad = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = "".join(cell["source"])
        if "{cite" in src:  # a published figure, cited
            continue
        for line in _prose(src).splitlines():
            for m in NUMBER.finditer(line):
                value, unit = m.group(1), m.group(2) or m.group(3)
                if not any(f in code for f in _literal_forms(value, unit)):
                    bad.append(f"{m.group(0)!r} in: {line.strip()[:120]}")
    return bad


@pytest.mark.parametrize("nb_path", LECTURES, ids=lambda p: p.stem)
def test_no_hand_written_measurements_in_prose(nb_path):
    bad = _unsupported(nb_path)
    assert not bad, "numbers in prose that the notebook neither computes nor cites:\n" + "\n".join(
        bad
    )


def test_the_scan_finds_a_hand_written_measurement(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["The fused loop is 17x faster and takes 0.71 s."]},
            {"cell_type": "markdown", "source": ["Requests that wait 0.1 s finish together."]},
            {"cell_type": "markdown", "source": ["SciPy reports 3.5 ms {cite:p}`x`."]},
            {"cell_type": "markdown", "source": ["The formula $t = 2 s$ and `sleep(5 s)`."]},
            {"cell_type": "code", "source": ["time.sleep(0.1)\n"]},
        ]
    }
    p = tmp_path / "nb.ipynb"
    p.write_text(json.dumps(nb))
    bad = _unsupported(p)
    assert len(bad) == 2 and "17x" in bad[0] and "0.71 s" in bad[1]
