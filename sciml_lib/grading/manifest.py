"""The manifest of a homework: problems, points, forbidden calls and limits.

Every homework folder holds ``manifest.toml`` next to its source notebook::

    homework = "hw1"                 # must equal the notebook's stem
    title = "Parallelized dynamics"

    [limits]                         # defaults of sciml-grade grade
    cell_timeout = 60.0              # seconds per cell
    budget = 300.0                   # seconds per notebook
    mem_mb = 3072                    # kernel memory cap in MiB

    [[problems]]
    id = "p3"
    title = "Bifurcating data for parallelism"
    questions = ["q3a", "q3b", "q3c"]  # test and manual question ids
    points = 7                       # checked against the notebook's headers
    forbidden_calls = ["sciml_lib.dynamics.attractor"]

Every question of the notebook belongs to exactly one problem. A
``forbidden_calls`` entry is a dotted path ``module.attribute`` (an attribute of
an attribute is allowed: ``module.Class.method``); the grader replaces it in the
submission's kernel, before any submitted code runs, by a stub that records
the attempt and raises, so the call is caught whatever route reached it (an
alias, ``getattr``, ``importlib``, ``__import__``). A submission that calls one
scores 0 on that problem's auto-graded questions.

A homework folder without a manifest is graded as one problem with the default
limits and no forbidden calls.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Problem", "Manifest", "load_manifest", "MANIFEST_NAME", "DEFAULT_LIMITS"]

MANIFEST_NAME = "manifest.toml"
DEFAULT_LIMITS = {"cell_timeout": 60.0, "budget": 300.0, "mem_mb": 3072}
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


@dataclass(frozen=True)
class Problem:
    """One problem of a homework: its questions, points and forbidden calls."""

    id: str
    questions: tuple[str, ...]
    points: float
    title: str = ""
    forbidden_calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """A homework's manifest (see the module docstring)."""

    homework: str
    title: str = ""
    cell_timeout: float = DEFAULT_LIMITS["cell_timeout"]
    budget: float = DEFAULT_LIMITS["budget"]
    mem_mb: int = int(DEFAULT_LIMITS["mem_mb"])
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    path: Path | None = None

    def problem_of(self, qid: str) -> Problem | None:
        """The problem a question belongs to (``None`` if none lists it)."""
        return next((p for p in self.problems if qid in p.questions), None)

    @property
    def forbidden_calls(self) -> tuple[str, ...]:
        """Every forbidden call of every problem, without repeats."""
        return tuple(dict.fromkeys(c for p in self.problems for c in p.forbidden_calls))

    def problems_forbidding(self, name: str) -> list[Problem]:
        """The problems whose ``forbidden_calls`` list ``name``."""
        return [p for p in self.problems if name in p.forbidden_calls]


def _positive(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{where}: limits.{key} must be a positive number, got {value!r}")
    return float(value)


def load_manifest(folder: str | Path, name: str, points: dict[str, float]) -> Manifest:
    """Read and validate ``folder/manifest.toml`` against a notebook's questions.

    Parameters
    ----------
    folder : str or Path
        The homework folder.
    name : str
        The source notebook's stem (the manifest's ``homework`` must equal it).
    points : dict
        Points of every question of the notebook (tests and manual).

    Raises
    ------
    ValueError
        If the manifest does not parse, names an unknown question, leaves a
        question out, or its points disagree with the notebook.
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return Manifest(homework=name, problems=(Problem("all", tuple(points), float(sum(points.values()))),))
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{where}: not valid TOML ({exc})") from None
    if data.get("homework") != name:
        raise ValueError(f"{where}: homework = {data.get('homework')!r}, but the notebook is {name!r}")
    lim = data.get("limits", {})
    if not isinstance(lim, dict) or set(lim) - set(DEFAULT_LIMITS):
        raise ValueError(f"{where}: [limits] takes only {', '.join(DEFAULT_LIMITS)}")
    limits = {k: _positive(lim.get(k, v), k, where) for k, v in DEFAULT_LIMITS.items()}
    probs = []
    seen: dict[str, str] = {}
    for i, p in enumerate(data.get("problems", [])):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            raise ValueError(f"{where}: problem {i} needs an id")
        pid = p["id"]
        qs = p.get("questions", [])
        if not isinstance(qs, list) or not qs or not all(isinstance(q, str) for q in qs):
            raise ValueError(f"{where}: problem {pid}: questions must be a non-empty list of ids")
        for q in qs:
            if q not in points:
                raise ValueError(f"{where}: problem {pid}: no question {q!r} in the notebook")
            if q in seen:
                raise ValueError(f"{where}: question {q!r} is in problems {seen[q]} and {pid}")
            seen[q] = pid
        want = float(sum(points[q] for q in qs))
        if "points" in p and float(p["points"]) != want:
            raise ValueError(f"{where}: problem {pid} has {p['points']} points, its questions {want:g}")
        calls = p.get("forbidden_calls", [])
        if not isinstance(calls, list) or not all(isinstance(c, str) and _DOTTED.match(c) for c in calls):
            raise ValueError(
                f"{where}: problem {pid}: forbidden_calls must be dotted names (module.function)")
        probs.append(Problem(pid, tuple(qs), want, str(p.get("title", "")), tuple(calls)))
    left = [q for q in points if q not in seen]
    if left:
        raise ValueError(f"{where}: questions {', '.join(left)} belong to no problem")
    return Manifest(
        homework=name,
        title=str(data.get("title", "")),
        cell_timeout=limits["cell_timeout"],
        budget=limits["budget"],
        mem_mb=int(limits["mem_mb"]),
        problems=tuple(probs),
        path=path,
    )
