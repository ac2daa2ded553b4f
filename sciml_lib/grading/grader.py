"""Grade submissions: rebuild from the source, run guarded, judge in the grader.

The procedure of ``grade``:

1. take **only the answer cells** of the submission (matched by cell id, then
   by ``metadata.sciml.grade_id``, then by order with a warning); every other
   cell, tests included, comes from the source notebook;
2. check the static rules (``# FORBID``) on the answer cells;
3. run the rebuilt notebook in a fresh ``sciml_lib.grading.kernel.GuardedKernel``
   with a per-cell time limit, a total budget and a memory cap (the defaults
   come from the homework's manifest), under the run-time guard
   (``guard_config``: the manifest's forbidden calls are replaced by stubs that
   record the attempt, the homework sources cannot be opened nor the repository
   written; child Pythons inherit the guard) and, where Linux has them, a
   Landlock sandbox and a network namespace with loopback only;
4. after each test cell, fetch the ``# CHECK`` variables as arrays and judge
   them here against the values of a clean run of the reference solution
   (``reference_values``);
5. when the kernel dies (``sys.exit``, ``os._exit``, a crash, a loop that
   ignores interrupts), start a fresh one and replay the non-test cells,
   skipping the cell that killed it and cells that ran out of time; tests
   already judged keep their verdict;
6. zero the tests of every problem whose forbidden call the guard recorded (in
   the kernel or in any Python it started), and every test when the submission
   tried to read the sources, write into the repository or start a Python that
   skips the guard, with the reason in the report (a blocked connection to the
   network is reported, not zeroed: it gained nothing).
"""

from __future__ import annotations

import csv
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import nbformat

from .checks import forbidden_uses, judge
from .kernel import GuardedKernel, KernelDied, RunResult
from .notebook import (
    VARIABLE_ARGS,
    Homework,
    TestSpec,
    is_source_only,
    load_homework,
    student_notebook,
)

__all__ = [
    "Limits",
    "TestResult",
    "Report",
    "reference_values",
    "grade",
    "grade_many",
    "extract_answers",
    "guard_config",
    "check_output_path",
    "write_csv",
    "write_json",
]


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading run.

    Attributes
    ----------
    cell_timeout : float
        Seconds one cell may run before it is interrupted (then killed 5 s later).
    budget : float
        Seconds for the whole notebook, replays included.
    mem_mb : int
        Address-space cap of the kernel in MiB.
    max_restarts : int
        Fresh kernels started after the kernel died, at most.
    """

    cell_timeout: float = 60.0
    budget: float = 300.0
    mem_mb: int = 3072
    max_restarts: int = 4

    def __post_init__(self) -> None:
        for key in ("cell_timeout", "budget", "mem_mb"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0 or v != v:
                raise ValueError(f"{key} must be a positive number, got {v!r}")
        if not isinstance(self.max_restarts, int) or self.max_restarts < 0:
            raise ValueError(f"max_restarts must be a non-negative integer, got {self.max_restarts!r}")

    @classmethod
    def for_homework(cls, hw: Homework, **overrides: Any) -> "Limits":
        """The limits of a homework's manifest, with ``overrides`` (``None`` values ignored)."""
        m = hw.manifest
        base = {} if m is None else {"cell_timeout": m.cell_timeout, "budget": m.budget, "mem_mb": m.mem_mb}
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)


@dataclass
class TestResult:
    """Verdict of one test cell."""

    qid: str
    points: float
    earned: float
    status: str  # "pass" or "fail"
    message: str = ""


@dataclass
class Report:
    """Result of grading one submission."""

    homework: str
    submission: str
    tests: list[TestResult] = field(default_factory=list)
    manual: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    restarts: int = 0
    isolation: str = "guard only"

    @property
    def score(self) -> float:
        """Auto-graded points earned."""
        return float(sum(t.earned for t in self.tests))

    @property
    def max_auto(self) -> float:
        """Auto-graded points available."""
        return float(sum(t.points for t in self.tests))

    @property
    def pending(self) -> float:
        """Points of the manual questions, still to be graded by hand."""
        return float(sum(m["points"] for m in self.manual))

    def points(self) -> dict[str, float]:
        """Earned points per auto-graded question."""
        return {t.qid: t.earned for t in self.tests}

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (written by ``--json``)."""
        return {
            "homework": self.homework,
            "submission": self.submission,
            "auto_score": self.score,
            "auto_max": self.max_auto,
            "manual_pending": self.pending,
            "tests": [asdict(t) for t in self.tests],
            "manual": self.manual,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 2),
            "kernel_restarts": self.restarts,
            "isolation": self.isolation,
        }

    def table(self) -> str:
        """The per-question table printed by ``sciml-grade grade``."""
        rows = [f"{self.homework}: {self.submission}", f"{'question':<10}{'points':>7}{'score':>7}  result"]
        for t in self.tests:
            note = f" ({t.message})" if t.message else ""
            rows.append(f"{t.qid:<10}{t.points:>7g}{t.earned:>7g}  {t.status}{note}"[:160])
        for m in self.manual:
            rows.append(f"{m['qid']:<10}{m['points']:>7g}{'-':>7}  manual, pending")
        rows.append(f"auto-graded: {self.score:g} / {self.max_auto:g}; graded by hand: {self.pending:g} points pending")
        rows.append(f"isolation: {self.isolation}")
        for w in self.warnings:
            rows.append(f"warning: {w}")
        return "\n".join(rows)


def extract_answers(hw: Homework, submission: Any) -> tuple[dict[str, str], list[str]]:
    """Answer-cell sources of a submission, and warnings.

    Cells are matched by id, then by ``metadata.sciml.grade_id``; answers not
    found that way are matched by order among the submission's cells that are
    not unchanged copies of locked cells, when the counts agree. Missing
    answers keep the stub of the student version.
    """
    warnings: list[str] = []
    student = student_notebook(hw)
    stub = {c.id: c.source for c in student.cells if c.id in hw.answers}
    locked = {c.source.strip() for c in student.cells if c.id not in hw.answers}
    cells = list(getattr(submission, "cells", []) or [])
    want_type = {aid: hw.nb.cells[i].cell_type for aid, i in hw.answers.items()}
    found: dict[str, str] = {}
    used: set[int] = set()
    for key in ("id", "grade_id"):
        for j, c in enumerate(cells):
            cid = c.get("id", "") if key == "id" else ((c.get("metadata") or {}).get("sciml") or {}).get("grade_id", "")
            if cid in want_type and cid not in found and j not in used and c.get("cell_type") == want_type[cid]:
                found[cid] = c.get("source", "") if isinstance(c.get("source", ""), str) else "".join(c["source"])
                used.add(j)
    missing = [a for a in hw.answers if a not in found]
    if missing:
        for ctype in ("code", "markdown"):
            miss = [a for a in missing if want_type[a] == ctype]
            if not miss:
                continue
            cand = [
                j
                for j, c in enumerate(cells)
                if j not in used and c.get("cell_type") == ctype and str(c.get("source", "")).strip() not in locked
            ]
            if len(cand) == len(miss):
                for a, j in zip(miss, cand):
                    found[a] = str(cells[j].get("source", ""))
                warnings.append(f"answer cells {', '.join(miss)} matched by order (cell ids missing)")
            else:
                warnings.append(f"answer cells {', '.join(miss)} not found; graded as blank")
    answers = {a: found.get(a, stub[a]) for a in hw.answers}
    for a, s in answers.items():
        if len(s) > 1_000_000:
            answers[a] = stub[a]
            warnings.append(f"answer cell {a} is over 1 MB; graded as blank")
    return answers, warnings


def _cell_plan(hw: Homework, answers: dict[str, str]) -> list[tuple[int, str, str]]:
    """(index, kind, code) of the code cells to run, in order, up to the last test."""
    plan = []
    for i, cell in enumerate(hw.nb.cells):
        if cell.cell_type != "code":
            continue
        kind = hw.kind(i)
        if kind == "locked" and is_source_only(cell):
            continue
        code = answers[cell.id] if kind == "answer" else cell.source
        plan.append((i, kind, code))
    last = max(t.index for t in hw.tests)
    return [p for p in plan if p[0] <= last]  # later cells cannot change a verdict


def _repo_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "sciml_lib").is_dir() else None


def guard_config(hw: Homework, private: Iterable[str | Path] = (), isolate: bool | None = None) -> dict[str, Any]:
    """The guard applied in a submission's kernel (``sciml_lib.grading._guard.install``).

    Forbidden calls come from the manifest; nothing may be opened under the
    homework's folder or the repository's ``homework/`` folder, and nothing
    written under the repository (which holds the Python environment). With
    ``isolate`` (default: the module switch ``ISOLATE``, on) the kernel is also
    confined by Landlock where the operating system supports it: it reads only
    the Python installation and system folders and writes only its own folder.
    """
    root = _repo_root()
    reads = [str(hw.path.parent.resolve())]
    writes = [str(hw.path.parent.resolve())]
    if root is not None:
        reads.append(str(root / "homework"))
        writes.append(str(root))
    calls = list(hw.manifest.forbidden_calls) if hw.manifest is not None else []
    return {"forbidden_calls": calls, "read_roots": reads, "write_roots": writes,
            "private": [str(p) for p in private], "isolate": ISOLATE if isolate is None else bool(isolate)}


ISOLATE = True  # confine submission kernels with Landlock where available


def _attempt_verdicts(hw: Homework, hits: list[dict[str, str]], report: Report) -> dict[str, TestResult]:
    """Tests zeroed by what the kernel's guard recorded (forbidden calls, reading or writing the sources)."""
    out: dict[str, TestResult] = {}
    by_test: dict[str, list[str]] = {}
    everything = [t.qid for t in hw.tests]
    for h in hits:
        kind, what = h["kind"], h["what"]
        where = f" in a {h['where']}" if h.get("where") else ""
        if kind == "isolation":
            report.isolation = what  # the network note follows it
            if not what.startswith("landlock ABI"):
                report.warnings.append(f"not isolated: {what}")
            continue
        if kind == "network":
            report.isolation = f"{report.isolation.split('; ')[0]}; {what}"
            if what.startswith("unavailable"):
                report.warnings.append(f"network not isolated: {what}")
            continue
        if kind == "call":
            probs = hw.manifest.problems_forbidding(what) if hw.manifest is not None else []
            why = f"called {what}{where}, forbidden in this problem (blocked at run time)"
            qids = [q for p in probs for q in p.questions]
        elif kind == "connect":
            # blocked (no network): nothing was gained, so nothing is zeroed; the report says it
            report.warnings.append(
                f"tried to connect to {what}{where}: blocked, the kernel has no network")
            continue
        elif kind == "child":
            why, qids = f"{what}{where}", everything
        elif kind == "read":
            why, qids = f"tried to read the homework's sources ({what}){where}", everything
        elif kind == "write":
            why, qids = f"tried to write into the repository ({what}){where}", everything
        else:
            report.warnings.append(f"blocked: {kind} {what}")
            continue
        report.warnings.append(why)
        for q in qids:
            by_test.setdefault(q, []).append(why)
    for t in hw.tests:
        if t.qid in by_test:
            out[t.qid] = TestResult(t.qid, t.points, 0.0, "fail", "; ".join(dict.fromkeys(by_test[t.qid])))
    return out


def _run(hw: Homework, answers: dict[str, str], limits: Limits, report: Report,
         private: Iterable[str | Path] = ()) -> dict[str, Any]:
    """Execute the plan; per test, a failed ``TestResult`` or the probed values.

    Nothing is judged here (see ``_judge``), so a submission can run while
    the reference values are still being computed.
    """
    t_start = time.monotonic()
    tests = {t.index: t for t in hw.tests}
    verdict: dict[str, Any] = {}
    code_answers = [src for aid, src in answers.items() if hw.nb.cells[hw.answers[aid]].cell_type == "code"]
    for t in hw.tests:
        if t.forbid:
            hits = sorted({h for a in code_answers for h in forbidden_uses(a, t.forbid)})
            if hits:
                verdict[t.qid] = TestResult(t.qid, t.points, 0.0, "fail", f"uses forbidden {', '.join(hits)}")
                continue
        for req in t.require:
            alts = req.split("|")
            if not any(forbidden_uses(a, alts) for a in code_answers):
                verdict[t.qid] = TestResult(t.qid, t.points, 0.0, "fail", f"does not use {' or '.join(alts)}")
                break
    plan = _cell_plan(hw, answers)
    skip: set[int] = set()
    kernel: GuardedKernel | None = None
    guard = guard_config(hw, private)
    hits: list[dict[str, str]] = []
    try:
        k = 0
        while k < len(plan):
            idx, kind, code = plan[k]
            left = limits.budget - (time.monotonic() - t_start)
            if left <= 1:
                report.warnings.append(f"time budget of {limits.budget:g} s used up")
                break
            spec: TestSpec | None = tests.get(idx)
            if idx in skip or (spec is not None and spec.qid in verdict):
                k += 1
                continue
            if kernel is None or not kernel.alive():
                if kernel is not None:
                    hits += kernel.guard_hits()
                    kernel.close()
                kernel = GuardedKernel(mem_mb=limits.mem_mb, guard=guard)
                try:
                    kernel.start()
                except KernelDied as exc:
                    report.warnings.append(str(exc))
                    kernel = None
                    break
            res: RunResult = kernel.run(code, timeout=min(limits.cell_timeout, left))
            if spec is not None:
                verdict[spec.qid] = _probe(spec, res, kernel, with_refs=report.submission == "reference")
            if res.status == "died" or not kernel.alive():
                where = f"test {spec.qid}" if spec else (f"answer cell {hw.nb.cells[idx].id}" if kind == "answer" else f"cell {idx}")
                report.warnings.append(f"kernel died in {where}: {res.message or 'after the cell'}")
                skip.add(idx)
                report.restarts += 1
                if report.restarts > limits.max_restarts:
                    report.warnings.append("too many kernel deaths; stopped")
                    break
                hits += kernel.guard_hits()
                kernel.close()
                kernel = None
                k = 0  # replay from the top in a fresh kernel
                continue
            if res.status in ("error", "timeout") and kind == "answer":
                report.warnings.append(f"answer cell {hw.nb.cells[idx].id}: {res.message}")
            if res.status == "timeout":
                skip.add(idx)  # not replayed after a kernel restart
            k += 1
    finally:
        if kernel is not None:
            hits += kernel.guard_hits()
            kernel.close()
    unique = {(h["kind"], h["what"], h.get("where")): h for h in hits}
    verdict.update(_attempt_verdicts(hw, list(unique.values()), report))
    for t in hw.tests:
        verdict.setdefault(t.qid, TestResult(t.qid, t.points, 0.0, "fail", "not run"))
    report.warnings = list(dict.fromkeys(report.warnings))  # replays repeat them
    return verdict


def _probe(spec: TestSpec, res: RunResult, kernel: GuardedKernel, with_refs: bool) -> Any:
    """The probed values of a test cell that ran, else a failed TestResult."""
    if res.status != "ok":
        return TestResult(spec.qid, spec.points, 0.0, "fail", res.message)
    names = []
    for c in spec.checks:
        names.append(c.name)
        if c.kind in VARIABLE_ARGS:
            names.extend(c.args)
        if with_refs and c.kind in ("ref", "exact"):
            names.append(c.ref_name)
    names = list(dict.fromkeys(names))
    try:
        return kernel.probe(names)
    except KernelDied as exc:
        return TestResult(spec.qid, spec.points, 0.0, "fail", f"could not read values: {exc}")


def _judge(hw: Homework, raw: dict[str, Any], reference: dict[str, dict[str, Any]] | None) -> list[TestResult]:
    """Verdicts, in the grader process, from probed values (``reference=None``: self-check)."""
    out = []
    for t in hw.tests:
        r = raw[t.qid]
        if isinstance(r, TestResult):
            out.append(r)
            continue
        ref = None if reference is None else reference.get(t.qid, {})
        msg = next((m for m in (judge(c, r, ref) for c in t.checks) if m), "")
        out.append(TestResult(t.qid, t.points, 0.0 if msg else t.points, "fail" if msg else "pass", msg))
    return out


_REF_CACHE: dict[tuple[str, Limits], dict[str, dict[str, Any]]] = {}


def reference_values(hw: Homework | str | Path, limits: Limits | None = None) -> dict[str, dict[str, Any]]:
    """Probed values of a clean run of the reference solution, per test.

    Computed once per process and source version (kept in memory only, never
    on disk, so a submission cannot plant reference values for a later one).

    Raises
    ------
    RuntimeError
        If the reference solution fails one of its own tests.
    """
    if not isinstance(hw, Homework):
        hw = load_homework(hw)
    limits = limits or Limits.for_homework(hw)
    key = (hw.sha256, limits)
    if key not in _REF_CACHE:
        answers = {aid: hw.nb.cells[i].source for aid, i in hw.answers.items()}
        raw = _run(hw, answers, limits, Report(hw.name, "reference"))
        bad = [f"{t.qid}: {t.message}" for t in _judge(hw, raw, None) if t.status != "pass"]
        if bad:
            raise RuntimeError("the reference solution fails its own tests: " + "; ".join(bad))
        _REF_CACHE[key] = raw
    return _REF_CACHE[key]


MAX_SUBMISSION_BYTES = 200 * 2**20


def _read_submission(path: Path) -> tuple[Any, list[str]]:
    try:
        if path.stat().st_size > MAX_SUBMISSION_BYTES:
            return nbformat.v4.new_notebook(), ["the submission is over 200 MiB; graded as blank"]
        return nbformat.reads(path.read_text(encoding="utf-8", errors="replace"), as_version=4), []
    except Exception as exc:  # noqa: BLE001
        return nbformat.v4.new_notebook(), [f"could not read the submission ({type(exc).__name__}); graded as blank"]


def grade(
    homework: Homework | str | Path,
    submission: str | Path | Any,
    limits: Limits | None = None,
    reference: dict[str, dict[str, Any]] | None = None,
) -> Report:
    """Grade one submission.

    Parameters
    ----------
    homework : Homework, str or Path
        The source notebook or its folder.
    submission : str, Path or notebook
        The student's notebook (a path or an ``nbformat`` node).
    limits : Limits, optional
        Time and memory limits.
    reference : dict, optional
        Output of ``reference_values`` (computed when omitted).

    Returns
    -------
    Report
        Per-question verdicts; ``report.score`` is the auto-graded total.
    """
    t0 = time.monotonic()
    hw = homework if isinstance(homework, Homework) else load_homework(homework)
    limits = limits or Limits.for_homework(hw)
    pending = None
    if reference is None:
        # the reference runs beside the submission, in its own kernel
        pool = ThreadPoolExecutor(1)
        pending = pool.submit(reference_values, hw, limits)
        pool.shutdown(wait=False)
    if isinstance(submission, (str, Path)):
        name = str(submission)
        nb, warnings = _read_submission(Path(submission))
    else:
        name, nb, warnings = "<notebook>", submission, []
    report = Report(hw.name, name, warnings=list(warnings))
    meta = (getattr(nb, "metadata", None) or {}).get("sciml") or {}
    other = meta.get("homework") if isinstance(meta, dict) else None
    if isinstance(other, str) and other != hw.name:
        report.warnings.append(f"this notebook is homework {other!r}, graded as {hw.name!r}: wrong file?")
    answers, warn = extract_answers(hw, nb)
    report.warnings += warn
    private = [Path(submission).resolve()] if isinstance(submission, (str, Path)) else []
    raw = _run(hw, answers, limits, report, private)
    if pending is not None:
        reference = pending.result()
    report.tests = _judge(hw, raw, reference)
    for m in hw.manual:
        report.manual.append({"qid": m.qid, "points": m.points, "status": "pending", "answer": answers.get(m.cell_id, "")})
    report.seconds = time.monotonic() - t0
    return report


def grade_many(
    homework: Homework | str | Path,
    submissions: Iterable[str | Path],
    limits: Limits | None = None,
    csv_path: str | Path | None = None,
    json_path: str | Path | None = None,
    on_report: Callable[[Report], None] | None = None,
) -> list[Report]:
    """Grade several submissions against one reference run; optionally write a summary CSV.

    The reference solution runs once, in parallel with the first submission.
    The CSV (one row per submission) and the JSON list of reports are
    rewritten after each submission, so a later failure loses nothing;
    their folders are checked before anything is graded.
    """
    hw = homework if isinstance(homework, Homework) else load_homework(homework)
    limits = limits or Limits.for_homework(hw)
    for what, p in (("csv", csv_path), ("json", json_path)):
        check_output_path(p, what)
    reports: list[Report] = []
    for s in submissions:
        # the first submission runs beside the reference; later ones reuse it
        reports.append(grade(hw, s, limits, _REF_CACHE.get((hw.sha256, limits))))
        if csv_path is not None:
            write_csv(hw, reports, csv_path)
        if json_path is not None:
            write_json(reports, json_path)
        if on_report is not None:
            on_report(reports[-1])
    return reports


def check_output_path(path: str | Path | None, what: str) -> None:
    """Raise ``ValueError`` naming ``what`` unless ``path`` can be written (its folder exists)."""
    if path is None:
        return
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{what}: {p} is a folder, not a file")
    if not p.parent.is_dir():
        raise ValueError(f"{what}: no folder {p.parent} to write {p.name} into")
    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise ValueError(f"{what}: {p} is not writable")


def write_csv(hw: Homework, reports: list[Report], path: str | Path) -> None:
    """Write the summary CSV: one row per report, points per auto-graded question."""
    qids = [t.qid for t in hw.tests]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["submission", "auto_score", "auto_max", "manual_pending", *qids, "seconds", "warnings"])
        for r in reports:
            pts = r.points()
            w.writerow([r.submission, f"{r.score:g}", f"{r.max_auto:g}", f"{r.pending:g}",
                        *(f"{pts.get(q, 0.0):g}" for q in qids), f"{r.seconds:.1f}", " | ".join(r.warnings)])


def write_json(reports: list[Report] | Report, path: str | Path) -> None:
    """Write one report (an object) or several (a list) as JSON."""
    data = reports.to_dict() if isinstance(reports, Report) else [r.to_dict() for r in reports]
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
