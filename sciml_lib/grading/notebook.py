"""Parse a homework source notebook and generate its student version.

A *source notebook* is an ordinary notebook with three kinds of marked cells:

* **Answer cells** have a cell id ending in ``-answer`` (``q2a-answer``). The
  reference solution sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` lines; the student version replaces it by a stub.
* **Test cells** start with a header line ``# TEST q2a 2pt``. One test cell is
  one unit of partial credit. Below the header, comment directives tell the
  grader what to do:

  ``# CHECK name KIND [ARGS]``
      after the cell has run, fetch the value of the variable ``name`` from
      the kernel and judge it *in the grader process*. Kinds: ``ref`` or
      ``ref:other`` (equal, within ``rtol=``/``atol=``, to the value of
      ``name``/``other`` in a clean run of the reference solution), ``exact``
      (identical to the reference value), ``equal other`` (bit-for-bit equal
      to another probed variable), ``eq LITERAL``, ``close X`` (within
      ``rtol=``/``atol=``), ``gt X``, ``lt X``, ``between LO HI`` (open
      interval), ``ratio a b`` (equal to ``a / b`` elementwise, within
      ``rtol=``), ``max a`` / ``min a`` (equal to the largest / smallest
      element of ``a``), ``nonincreasing`` (no element larger than the one
      before it, up to ``rtol=``). The arithmetic of every kind is done in the
      grader on the probed arrays, never in the kernel.
  ``# FORBID name ...``
      the test fails when any answer cell uses one of these names (a call, an
      attribute, an import, or the name as a string).
  ``# REQUIRE name|alternative ...``
      the test fails unless the answer cells use each name (or one of its
      ``|``-separated alternatives).

  Lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are
  dropped from the student version.
* **Manual questions** have a first line ``# MANUAL q1 4pt`` (in a Markdown or
  code cell); they are listed as pending, never scored automatically.

Every other cell is *locked*: in the student version it is read-only, and the
grader always takes it from the source. A locked cell tagged ``source-only``
(for example an assert about the reference solution's timings) is dropped from
the student version and not run by the grader.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .manifest import Manifest, load_manifest

__all__ = [
    "Check",
    "TestSpec",
    "ManualSpec",
    "Homework",
    "load_homework",
    "student_notebook",
    "write_notebook",
    "normalize_ids",
]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
MARKDOWN_STUB = ["YOUR ANSWER HERE"]
ANSWER_SUFFIX = "-answer"
SOURCE_ONLY_TAG = "source-only"

_TEST_RE = re.compile(r"^#\s*TEST\s+([A-Za-z][\w.]*)\s+(\d+(?:\.\d+)?)\s*pts?\s*$")
_MANUAL_RE = re.compile(r"^#\s*MANUAL\s+([A-Za-z][\w.]*)\s+(\d+(?:\.\d+)?)\s*pts?\s*$")
_CHECK_RE = re.compile(r"^\s*#\s*CHECK\s+(.+?)\s*$")
_FORBID_RE = re.compile(r"^\s*#\s*FORBID\s+(.+?)\s*$")
_REQUIRE_RE = re.compile(r"^\s*#\s*REQUIRE\s+(.+?)\s*$")
_IDENT_RE = re.compile(r"^[A-Za-z_]\w*$")
CHECK_KINDS = ("ref", "exact", "equal", "eq", "close", "gt", "lt", "between", "ratio", "max", "min", "nonincreasing")
VARIABLE_ARGS = {"equal": 1, "ratio": 2, "max": 1, "min": 1}  # kinds whose arguments are probed variables
KEEP_META = ("kernelspec", "language_info", "sciml", "jupytext")


@dataclass(frozen=True)
class Check:
    """One ``# CHECK`` directive of a test cell."""

    name: str
    kind: str
    args: tuple[str, ...] = ()
    options: tuple[tuple[str, float], ...] = ()

    @property
    def ref_name(self) -> str:
        """The reference variable a ``ref``/``exact`` check compares with."""
        return self.args[0] if self.args else self.name

    def option(self, key: str, default: float) -> float:
        """The value of option ``key`` (``rtol``/``atol``), or ``default``."""
        return dict(self.options).get(key, default)

    def __str__(self) -> str:
        opts = " ".join(f"{k}={v:g}" for k, v in self.options)
        return " ".join(x for x in (self.name, self.kind, *self.args, opts) if x)


@dataclass(frozen=True)
class TestSpec:
    """A test cell: its question id, points, checks and static rules."""

    qid: str
    points: float
    cell_id: str
    index: int
    checks: tuple[Check, ...]
    forbid: tuple[str, ...]
    require: tuple[str, ...] = ()


@dataclass(frozen=True)
class ManualSpec:
    """A manually graded question (reported as pending)."""

    qid: str
    points: float
    cell_id: str
    index: int


@dataclass
class Homework:
    """A parsed source notebook."""

    path: Path
    nb: Any
    answers: dict[str, int] = field(default_factory=dict)  # answer cell id -> index
    tests: list[TestSpec] = field(default_factory=list)
    manual: list[ManualSpec] = field(default_factory=list)
    sha256: str = ""
    manifest: Manifest | None = None

    @property
    def name(self) -> str:
        """The homework's name (the notebook's stem, e.g. ``hw1``)."""
        return self.path.stem

    @property
    def max_auto(self) -> float:
        """Total points of the test cells."""
        return float(sum(t.points for t in self.tests))

    @property
    def max_manual(self) -> float:
        """Total points of the manual questions."""
        return float(sum(m.points for m in self.manual))

    def kind(self, index: int) -> str:
        """``'answer'``, ``'test'`` or ``'locked'`` for the cell at ``index``."""
        cell = self.nb.cells[index]
        if cell.get("id", "") in self.answers:
            return "answer"
        if any(t.index == index for t in self.tests):
            return "test"
        return "locked"


def is_source_only(cell: Any) -> bool:
    """Whether a cell is tagged ``source-only``."""
    return SOURCE_ONLY_TAG in (cell.get("metadata", {}).get("tags") or [])


def _lines(cell: Any) -> list[str]:
    src = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    return src.split("\n")


def _parse_check(text: str, where: str) -> Check:
    parts = text.split()
    if len(parts) < 2:
        raise ValueError(f"{where}: '# CHECK {text}' needs a name and a kind")
    name, kind, rest = parts[0], parts[1], parts[2:]
    base = kind.split(":")[0]
    if not _IDENT_RE.match(name) or base not in CHECK_KINDS:
        raise ValueError(f"{where}: bad check '# CHECK {text}' (kinds: {', '.join(CHECK_KINDS)})")
    args: list[str] = []
    if ":" in kind:
        other = kind.split(":", 1)[1]
        if base not in ("ref", "exact") or not _IDENT_RE.match(other):
            raise ValueError(f"{where}: bad check kind {kind!r}")
        args.append(other)
    opts: list[tuple[str, float]] = []
    if base == "eq":  # the rest of the line is one Python literal
        rest = [" ".join(rest)] if rest else []
    for p in rest:
        if "=" in p and base != "eq":
            k, v = p.split("=", 1)
            if k not in ("rtol", "atol"):
                raise ValueError(f"{where}: unknown check option {k!r}")
            opts.append((k, float(v)))
        else:
            args.append(p)
    need = {"ref": (0, 1), "exact": (0, 1), "equal": (1, 1), "eq": (1, 1), "close": (1, 1), "gt": (1, 1), "lt": (1, 1),
            "between": (2, 2), "ratio": (2, 2), "max": (1, 1), "min": (1, 1), "nonincreasing": (0, 0)}[base]
    if not need[0] <= len(args) <= need[1]:
        raise ValueError(f"{where}: check '{text}' takes {need[0]}..{need[1]} arguments")
    if base in VARIABLE_ARGS and not all(_IDENT_RE.match(a) for a in args):
        raise ValueError(f"{where}: '{base}' needs variable names, got {' '.join(args)!r}")
    return Check(name, base, tuple(args), tuple(opts))


def load_homework(path: str | Path) -> Homework:
    """Read and validate a source notebook.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file, or a homework folder holding exactly one source
        notebook ``<folder>/<folder name>.ipynb``.

    Raises
    ------
    ValueError
        If the markers are malformed (unbalanced solution blocks, a test
        without checks, duplicate ids).
    """
    p = Path(path)
    if p.is_dir():
        p = p / f"{p.name}.ipynb"
    if not p.is_file():
        raise ValueError(f"path: no source notebook at {p}")
    raw = p.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        cells = list(nb.cells)
        for c in cells:
            if c.get("cell_type") not in ("code", "markdown", "raw") or not isinstance(c.get("source"), str):
                raise ValueError("a cell without a type or a source")
    except Exception as exc:  # noqa: BLE001 - any parse failure is the same user error
        raise ValueError(f"{p}: not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})") from None
    hw = Homework(path=p, nb=nb, sha256=hashlib.sha256(raw).hexdigest())
    seen: set[str] = set()
    qids: set[str] = set()
    for i, cell in enumerate(nb.cells):
        cid = cell.get("id", "")
        if not cid:
            raise ValueError(f"{p.name}: cell {i} has no id (run 'sciml-grade normalize')")
        if cid in seen:
            raise ValueError(f"{p.name}: duplicate cell id {cid!r}")
        seen.add(cid)
        lines = _lines(cell)
        where = f"{p.name} cell {i} ({cid})"
        n_begin = sum(ln.strip() == SOLUTION_BEGIN for ln in lines)
        n_end = sum(ln.strip() == SOLUTION_END for ln in lines)
        if n_begin != n_end:
            raise ValueError(f"{where}: unbalanced solution markers")
        if cid.endswith(ANSWER_SUFFIX):
            if n_begin == 0:
                raise ValueError(f"{where}: answer cell without a solution block")
            hw.answers[cid] = i
        elif n_begin:
            raise ValueError(f"{where}: solution block outside an answer cell")
        first = lines[0].strip() if lines else ""
        m = _MANUAL_RE.match(first)
        if m:
            if m.group(1) in qids:
                raise ValueError(f"{where}: duplicate question id {m.group(1)!r}")
            qids.add(m.group(1))
            hw.manual.append(ManualSpec(m.group(1), float(m.group(2)), cid, i))
            continue
        m = _TEST_RE.match(first)
        if m and cell.cell_type == "code":
            if cid.endswith(ANSWER_SUFFIX):
                raise ValueError(f"{where}: a cell cannot be both answer and test")
            if m.group(1) in qids:
                raise ValueError(f"{where}: duplicate question id {m.group(1)!r}")
            qids.add(m.group(1))
            checks, forbid, require = [], [], []
            for ln in lines[1:]:
                c = _CHECK_RE.match(ln)
                if c:
                    checks.append(_parse_check(c.group(1), where))
                f = _FORBID_RE.match(ln)
                if f:
                    forbid += f.group(1).replace(",", " ").split()
                r = _REQUIRE_RE.match(ln)
                if r:
                    require += r.group(1).replace(",", " ").split()
            if not checks:
                raise ValueError(f"{where}: a test cell needs at least one '# CHECK' line")
            hw.tests.append(TestSpec(m.group(1), float(m.group(2)), cid, i, tuple(checks), tuple(forbid), tuple(require)))
    if not hw.tests:
        raise ValueError(f"{p.name}: no test cells")
    points = {t.qid: t.points for t in hw.tests} | {m.qid: m.points for m in hw.manual}
    hw.manifest = load_manifest(p.parent, hw.name, points)
    hw.sha256 = hashlib.sha256(raw + repr(hw.manifest).encode()).hexdigest()
    return hw


def _replace_solution(lines: list[str], stub: list[str]) -> list[str]:
    out: list[str] = []
    inside = False
    for ln in lines:
        s = ln.strip()
        if s == SOLUTION_BEGIN:
            inside = True
            indent = ln[: len(ln) - len(ln.lstrip())]
            out += [indent + x for x in stub]
        elif s == SOLUTION_END:
            inside = False
        elif not inside:
            out.append(ln)
    return out


def _drop_hidden(lines: list[str]) -> list[str]:
    out, inside = [], False
    for ln in lines:
        s = ln.strip()
        if s == HIDDEN_BEGIN:
            inside = True
        elif s == HIDDEN_END:
            inside = False
        elif not inside:
            out.append(ln)
    while out and not out[-1].strip():
        out.pop()
    return out


def _manual_header(line: str) -> str:
    m = _MANUAL_RE.match(line.strip())
    assert m is not None
    pts = m.group(2).rstrip("0").rstrip(".") if "." in m.group(2) else m.group(2)
    return f"**Answer {m.group(1)}** (graded by hand, {pts} points):"


def student_notebook(hw: Homework) -> Any:
    """The student version of a parsed source notebook.

    Solutions become ``# YOUR CODE HERE`` / ``raise NotImplementedError()``
    (Markdown: ``YOUR ANSWER HERE``), hidden test blocks are dropped, outputs
    are cleared, non-answer cells are marked read-only, and the notebook
    metadata says ``"sciml": {"execute": false}`` (the stubs raise). The
    result depends on the source only, so regenerating it is reproducible.
    """
    nb = copy.deepcopy(hw.nb)
    keep = []
    for i, cell in enumerate(nb.cells):
        if hw.kind(i) == "locked" and is_source_only(cell):
            continue
        keep.append(cell)
        lines = _lines(cell)
        kind = hw.kind(i)
        md = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if kind == "answer":
            stub = MARKDOWN_STUB if cell.cell_type == "markdown" else CODE_STUB
            lines = _replace_solution(lines, stub)
            if cell.cell_type == "markdown" and lines and _MANUAL_RE.match(lines[0].strip()):
                lines[0:1] = [_manual_header(lines[0]), ""]
            md.update({"editable": True, "deletable": False, "sciml": {"grade_id": cell.id}})
        else:
            lines = _drop_hidden(lines)
            if cell.cell_type == "markdown" and lines and _MANUAL_RE.match(lines[0].strip()):
                lines[0:1] = [_manual_header(lines[0]), ""]
            md.update({"editable": False, "deletable": False})
        cell.source = "\n".join(lines)
        cell.metadata = md
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if cell.cell_type == "code":
            cell.pop("attachments", None)
    nb.cells = keep
    meta = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    meta["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    meta["sciml"] = {"execute": False, "homework": hw.name, "student_version": True}
    nb.metadata = meta
    return nb


def write_notebook(nb: Any, path: str | Path) -> None:
    """Write a notebook in the repository's stored form (as ``tools/strip_notebooks.py``)."""
    d = json.loads(nbformat.writes(nb))
    text = json.dumps(d, indent=1, ensure_ascii=False) + "\n"
    p = Path(path)
    if not p.parent.is_dir():
        raise ValueError(f"output: no folder {p.parent} to write {p.name} into")
    p.write_text(text, encoding="utf-8")


def normalize_ids(path: str | Path) -> int:
    """Give every cell a stable id: ``metadata.id`` if set (jupytext), else ``cell-NN``.

    Ids set by hand are kept; random ids are replaced by their position.

    Returns the number of cells whose id changed. Used once after converting a
    jupytext script to the source notebook.
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"notebook: no such file {p}")
    try:
        nb = nbformat.read(p, as_version=4)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"{p}: not a readable notebook ({type(exc).__name__})") from None
    changed = 0
    for i, cell in enumerate(nb.cells):
        want = cell.metadata.pop("id", None) or cell.get("id", "")
        if not want or re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){0,4}[0-9a-f]*|cell-\d+", want):
            want = f"cell-{i:02d}"  # a random id (jupytext, nbformat) or a numbered one
        if cell.get("id") != want:
            cell.id = want
            changed += 1
    write_notebook(nb, p)
    return changed
