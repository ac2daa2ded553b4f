"""Judging probed values and static rules, in the grader process.

Nothing here runs in the student's kernel: the values come in as plain arrays
(decoded without pickle) and are compared with NumPy in the grader, so a
monkeypatched ``numpy.allclose``, ``assert`` or builtin in the submission
cannot change a verdict.
"""

from __future__ import annotations

import ast
from typing import Any, Iterable, Mapping

import numpy as np

from .notebook import Check

__all__ = ["judge", "forbidden_uses"]


def _num(x: str) -> float:
    v = ast.literal_eval(x)
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise ValueError(f"not a number: {x!r}")
    return float(v)


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> str:
    if a.shape != b.shape:
        return f"shape {a.shape}, expected {b.shape}"
    if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
        return f"dtype {a.dtype}, expected a real number type"
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not np.all(np.isfinite(a64) | ~np.isfinite(b64)):
        return "non-finite values"
    with np.errstate(invalid="ignore"):
        err = np.abs(a64 - b64)
        bad = ~(err <= atol + rtol * np.abs(b64))
    bad &= ~((a64 == b64) & ~np.isfinite(b64))  # identical inf/nan in both
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        return f"{int(bad.sum())} of {bad.size} values off (e.g. {float(a64.ravel()[i])!r} vs {float(b64.ravel()[i])!r})"
    return ""


def judge(check: Check, values: Mapping[str, Any], reference: Mapping[str, Any] | None) -> str:
    """Verdict of one check: ``''`` when it passes, else the reason.

    Parameters
    ----------
    check : Check
        The directive.
    values : mapping
        Probed values of this test (ndarray, or an error string).
    reference : mapping or None
        Values of the reference run (``None`` while computing the reference:
        ``ref``/``exact`` checks then pass trivially).
    """
    v = values.get(check.name)
    if not isinstance(v, np.ndarray):
        return f"{check.name}: {v or 'missing'}"
    rtol, atol = check.option("rtol", 0.0), check.option("atol", 0.0)
    k = check.kind
    if k in ("ref", "exact"):
        if reference is None:
            return ""
        r = reference.get(check.ref_name)
        if not isinstance(r, np.ndarray):
            return f"{check.name}: no reference value"
        if k == "exact":
            ok = v.shape == r.shape and np.array_equal(v, r)
            return "" if ok else f"{check.name}: differs from the reference"
        msg = _close(v, r, rtol, atol)
        return f"{check.name}: {msg}" if msg else ""
    if k == "equal":
        w = values.get(check.args[0])
        if not isinstance(w, np.ndarray):
            return f"{check.args[0]}: {w or 'missing'}"
        ok = v.shape == w.shape and v.dtype == w.dtype and v.tobytes() == w.tobytes()
        return "" if ok else f"{check.name} and {check.args[0]} are not bitwise equal"
    if k == "eq":
        want = np.asarray(ast.literal_eval(check.args[0]))
        ok = v.shape == want.shape and np.array_equal(v, want)
        return "" if ok else f"{check.name} = {v.tolist() if v.size < 10 else '...'}, expected {check.args[0]}"
    if k in ("ratio", "max", "min"):
        args = []
        for a in check.args:
            w = values.get(a)
            if not isinstance(w, np.ndarray):
                return f"{a}: {w or 'missing'}"
            if w.dtype.kind not in "biuf" or w.size == 0:
                return f"{a}: expected real numbers"
            args.append(w.astype(np.float64))
        with np.errstate(all="ignore"):
            if k == "ratio":
                if args[0].shape != args[1].shape:
                    return f"{check.args[0]} and {check.args[1]} differ in shape"
                want = args[0] / args[1]
            else:
                want = np.asarray(np.max(args[0]) if k == "max" else np.min(args[0]))
        msg = _close(v, want, rtol, atol)
        what = f"{check.args[0]} / {check.args[1]}" if k == "ratio" else f"{k}({check.args[0]})"
        return f"{check.name} is not {what}: {msg}" if msg else ""
    if v.dtype.kind not in "biuf" or v.size == 0:
        return f"{check.name}: expected real numbers"
    x = v.astype(np.float64)
    if k == "nonincreasing":
        if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
            return f"{check.name}: expected a finite sequence of at least 2 values"
        up = np.flatnonzero(x[1:] > x[:-1] * (1 + rtol) + atol)
        return f"{check.name} increases at step {int(up[0]) + 1}" if up.size else ""
    if k == "close":
        msg = _close(x, np.full_like(x, _num(check.args[0])), rtol, atol)
        return f"{check.name}: {msg}" if msg else ""
    if k == "gt":
        return "" if np.all(x > _num(check.args[0])) else f"{check.name}: not all > {check.args[0]}"
    if k == "lt":
        return "" if np.all(x < _num(check.args[0])) else f"{check.name}: not all < {check.args[0]}"
    if k == "between":
        lo, hi = _num(check.args[0]), _num(check.args[1])
        return "" if np.all((x > lo) & (x < hi)) else f"{check.name}: not all in ({lo:g}, {hi:g})"
    return f"unknown check kind {k!r}"  # pragma: no cover - parse_check rejects these


def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001
        return source


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def forbidden_uses(source: str, names: Iterable[str]) -> list[str]:
    """Forbidden names used in ``source`` (IPython syntax allowed).

    A plain name (``ppf``) matches a variable, attribute, imported name or an
    equal string constant; a dotted name (``scipy.optimize``) matches imports
    of that module or its submodules and attribute chains through it. Code
    that does not parse counts as using everything (it is rejected).
    """
    names = [n for n in names if n]
    if not names or not source.strip():
        return []
    try:
        tree = ast.parse(_to_python(source))
    except SyntaxError:
        return ["<unparsable code>"]
    used: set[str] = set()
    modules: set[str] = set()
    chains: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
            chains.add(_dotted(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.add(node.value.strip())
        elif isinstance(node, ast.Import):
            for a in node.names:
                modules.add(a.name)
                used.update(a.name.split("."))
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            modules.add(mod)
            for a in node.names:
                modules.add(f"{mod}.{a.name}")
                used.add(a.name)
    hits = []
    for n in names:
        if "." in n:
            hit = any(m == n or m.startswith(n + ".") for m in modules) or any(
                c == n or c.startswith(n + ".") or c.endswith("." + n) or f".{n}." in c for c in chains
            )
        else:
            hit = n in used
        if hit:
            hits.append(n)
    return hits
