"""Tests of the autograder (sciml_lib.grading) and of Homework 1.

The grader is proven on the real homework: the source graded against itself gets
the maximum, the blank student version 0, and every case in homework/hw1/cases
(known-wrong and hostile submissions) exactly the points its header predicts
from what the code does. Small synthetic homeworks test the CLI, the parser and
the time limits quickly.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from sciml_lib.grading import (
    Check,
    GuardedKernel,
    Limits,
    _probe,
    forbidden_uses,
    grade,
    judge,
    load_homework,
    normalize_ids,
    reference_values,
    student_notebook,
    write_notebook,
)
from sciml_lib.grading.cases import build_case
from sciml_lib.grading.cli import main
from sciml_lib.grading.kernel import _decode

ROOT = Path(__file__).resolve().parents[1]
HW1 = ROOT / "homework" / "hw1"
CASES = sorted((HW1 / "cases").glob("*.py"))
LIMITS = Limits(cell_timeout=20.0, budget=300.0)


# -- helpers -------------------------------------------------------------------
def mini_homework(tmp_path: Path, name: str = "mini") -> Path:
    """A tiny homework folder: one answer, two tests, one manual question."""
    cells = [
        nbformat.v4.new_markdown_cell("# Mini homework", id="title"),
        nbformat.v4.new_code_cell("import numpy as np", id="setup"),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\ndef square(x):\n    return x * x\n### END SOLUTION", id="qa-answer"),
        nbformat.v4.new_code_cell(
            "# TEST qa 3pt\n# CHECK sq ref rtol=1e-12\n# FORBID pow\nsq = square(np.arange(5.0))\n"
            "### BEGIN HIDDEN TESTS\nsq = np.append(sq, square(-1.5))\n### END HIDDEN TESTS",
            id="qa-test",
        ),
        nbformat.v4.new_code_cell("# TEST qb 1pt\n# CHECK val close 4.0\nval = square(2.0)", id="qb-test"),
        nbformat.v4.new_markdown_cell("# MANUAL qc 2pt\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", id="qc-answer"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    d = tmp_path / name
    d.mkdir()
    write_notebook(nb, d / f"{name}.ipynb")
    return d


def mini_submission(hw_dir: Path, answer: str, path: Path) -> Path:
    hw = load_homework(hw_dir)
    nb = student_notebook(hw)
    for c in nb.cells:
        if c.id == "qa-answer":
            c.source = answer
    write_notebook(nb, path)
    return path


@pytest.fixture(scope="session")
def hw1():
    return load_homework(HW1)


@pytest.fixture(scope="session")
def hw1_reference(hw1):
    # once per test process (xdist worker); never written to disk
    return reference_values(hw1, LIMITS)


# -- the student version --------------------------------------------------------
def test_student_version_is_deterministic_and_committed(tmp_path):
    out1, out2 = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    assert main(["student", str(HW1), "-o", str(out1)]) == 0
    assert main(["student", str(HW1 / "hw1.ipynb"), "-o", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    committed = HW1 / "hw1_student.ipynb"
    assert committed.read_bytes() == out1.read_bytes(), "regenerate with: sciml-grade student homework/hw1 -o homework/hw1/hw1_student.ipynb"


def test_student_version_hides_solutions(hw1):
    nb = student_notebook(hw1)
    text = nbformat.writes(nb)
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "lognorm", "weibull_min", "def my_quantile"):
        assert secret not in text
    assert nb.metadata["sciml"]["execute"] is False
    assert "timing-asserts" not in {c.id for c in nb.cells}  # tagged source-only
    src = {c.id: c.source for c in nb.cells}
    assert src["q1a-answer"] == "**Answer q1a** (graded by hand, 2 points):\n\nYOUR ANSWER HERE"
    assert src["q1e-answer"] == "# YOUR CODE HERE\nraise NotImplementedError()"
    n_stub = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if cell.id in hw1.answers:
            assert cell.metadata["editable"] is True
            assert "NotImplementedError" in cell.source or "YOUR ANSWER HERE" in cell.source
            n_stub += 1
        else:
            assert cell.metadata["editable"] is False
    assert n_stub == len(hw1.answers) == 13
    # the header lines survive (points are visible to students)
    assert "# TEST q2a 2pt" in text and "graded by hand, 4 points" not in text and "graded by hand, 3 points" in text


def test_hw1_structure(hw1):
    assert hw1.max_auto == 23 and hw1.max_manual == 17
    assert [t.qid for t in hw1.tests] == ["q1e", "q1f", "q2a", "q2b", "q2c", "q2d", "q2e", "q3a", "q3b", "q3d", "q3e"]


# -- parser ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cells, match",
    [
        ([("x-answer", "### BEGIN SOLUTION\nx = 1")], "unbalanced"),
        ([("c1", "# TEST q1 2pt\nx = 1")], "CHECK"),
        ([("c1", "# TEST q1 2pt\n# CHECK x fuzzy 1")], "bad check"),
        ([("c1", "# TEST q1 2pt\n# CHECK x gt")], "arguments"),
        ([("c1", "### BEGIN SOLUTION\nx=1\n### END SOLUTION")], "outside an answer"),
        ([("c1", "x = 1")], "no test cells"),
    ],
)
def test_parser_rejects_malformed_sources(tmp_path, cells, match):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src, id=cid) for cid, src in cells])
    p = tmp_path / "bad.ipynb"
    p.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_homework(p)


def test_normalize_ids(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("y = 2")])
    nb.cells[1].metadata["id"] = "qa-answer"  # what jupytext writes for `# %% id="qa-answer"`
    p = tmp_path / "n.ipynb"
    write_notebook(nb, p)
    assert normalize_ids(p) == 2
    cells = json.loads(p.read_text())["cells"]
    assert [c["id"] for c in cells] == ["cell-00", "qa-answer"] and "id" not in cells[1]["metadata"]
    assert normalize_ids(p) == 0  # idempotent


# -- judging (in the grader process) -------------------------------------------------
def test_judge_kinds():
    a = np.array([1.0, 2.0, 3.0])
    ref = {"x": a, "w": a * (1 + 1e-9)}
    assert judge(Check("x", "ref", (), (("rtol", 1e-8),)), {"x": a * (1 + 5e-9)}, ref) == ""
    assert judge(Check("x", "ref", (), (("rtol", 1e-8),)), {"x": a * (1 + 5e-8)}, ref) != ""
    assert judge(Check("x", "ref", ("w",), (("rtol", 1e-8),)), {"x": a}, ref) == ""
    assert "shape" in judge(Check("x", "ref", (), (("rtol", 1e-8),)), {"x": a[:2]}, ref)
    assert judge(Check("x", "ref", (), (("rtol", 1.0),)), {"x": np.array([1.0, np.nan, 3.0])}, ref) != ""
    assert judge(Check("x", "exact"), {"x": a.copy()}, ref) == ""
    assert judge(Check("x", "exact"), {"x": a + 1e-15}, ref) != ""
    assert judge(Check("x", "equal", ("y",)), {"x": a, "y": a.copy()}, None) == ""
    assert judge(Check("x", "equal", ("y",)), {"x": a, "y": a.astype(np.float32)}, None) != ""
    assert judge(Check("x", "equal", ("y",)), {"x": a, "y": np.nextafter(a, 9)}, None) != ""
    assert judge(Check("s", "eq", ("(150, 1101)",)), {"s": np.array([150, 1101])}, None) == ""
    assert judge(Check("s", "eq", ("(150, 1101)",)), {"s": np.array([1101, 150])}, None) != ""
    assert judge(Check("x", "close", ("2.0",), (("atol", 1.0),)), {"x": a[:2] + 0.5}, None) == ""
    assert judge(Check("x", "close", ("2.0",), (("atol", 0.5),)), {"x": a}, None) != ""
    assert judge(Check("x", "gt", ("0",)), {"x": a}, None) == ""
    assert judge(Check("x", "lt", ("3",)), {"x": a}, None) != ""
    assert judge(Check("x", "between", ("0", "1")), {"x": np.array([0.5, 1.0])}, None) != ""
    assert judge(Check("x", "between", ("0", "1")), {"x": np.array([0.5, 0.99])}, None) == ""
    # a value the kernel could not send is a failure with its reason
    assert "NameError" in judge(Check("x", "gt", ("0",)), {"x": "NameError: x"}, None)
    assert judge(Check("x", "gt", ("0",)), {}, None) != ""


def test_forbidden_uses():
    src = "import scipy.optimize as so\nfrom math import *\ny = d.ppf(0.5)\n%time z = 1\n!ls"
    assert forbidden_uses(src, ["ppf", "optimize", "brentq"]) == ["ppf", "optimize"]
    assert forbidden_uses("from scipy import optimize", ["scipy.optimize"]) == ["scipy.optimize"]
    assert forbidden_uses("from scipy.optimize import brentq", ["scipy.optimize", "brentq"]) == ["scipy.optimize", "brentq"]
    assert forbidden_uses("f = getattr(d, 'ppf')", ["ppf"]) == ["ppf"]
    assert forbidden_uses("def newton(f):\n    return f", ["ppf", "optimize"]) == []
    assert forbidden_uses("def f(:", ["ppf"]) == ["<unparsable code>"]


def test_probe_roundtrip_is_pickle_free():
    for v in (np.arange(6.0).reshape(2, 3), 3, 2.5, (150, 1101), [True, False], np.float32(1.5)):
        item = {"status": "ok", "data": {"text/plain": repr(_probe.dump(v))}}
        got = _decode(item)
        assert isinstance(got, np.ndarray) and np.array_equal(got, np.asarray(v))
    assert _probe.dump(object()).startswith("ERR:")
    assert _probe.dump([1, "a", None]).startswith("ERR:")
    # a forged object array (which np.load could only read with pickle) is refused
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    forged = {"status": "ok", "data": {"text/plain": repr(base64.b64encode(buf.getvalue()).decode())}}
    assert isinstance(_decode(forged), str)
    for junk in ({"status": "ok", "data": {"text/plain": "__import__('os')"}}, {"status": "error", "ename": "NameError"}, None):
        assert isinstance(_decode(junk), str)


# -- the guarded kernel ------------------------------------------------------------
@pytest.mark.slow
def test_kernel_timeouts_memory_and_death():
    with GuardedKernel(mem_mb=2048) as k:
        assert k.run("x = 41 + 1", timeout=30).status == "ok"
        assert np.array_equal(k.probe(["x"])["x"], np.array(42))
        r = k.run("import numpy as np\nnp.ones(2**31)", timeout=30)  # 16 GiB > the 2 GiB cap
        assert r.status == "error" and r.ename == "MemoryError"
        r = k.run("while True:\n    pass", timeout=2)
        assert r.status == "timeout" and k.alive()
        assert k.run("y = x", timeout=30).status == "ok"  # state survives an interrupt
        r = k.run("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        pass", timeout=2, grace=2)
        assert r.status == "died" and not k.alive()
    with GuardedKernel() as k:
        r = k.run("import os\nos._exit(3)", timeout=30)
        assert r.status == "died"


# -- the CLI and the procedure on a small homework ----------------------------------
@pytest.mark.slow
def test_cli_grades_a_folder(tmp_path, capfd):
    hw_dir = mini_homework(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    mini_submission(hw_dir, "def square(x):\n    return x * x", subs / "good.ipynb")
    fake = "import os\nprint('FORGED auto-graded: 4 / 4')\nos.write(1, b'FORGED')\nos.write(2, b'FORGED')\n"
    mini_submission(hw_dir, fake + "def square(x):\n    return x ** 2 + 1e-3", subs / "wrong.ipynb")
    mini_submission(hw_dir, "def square(x):\n    return pow(x, 2)", subs / "forbidden.ipynb")
    (subs / "broken.ipynb").write_text("{not json", encoding="utf-8")
    out_json, out_csv = tmp_path / "r.json", tmp_path / "r.csv"
    assert main(["grade", str(hw_dir), str(subs), "--json", str(out_json), "--csv", str(out_csv), "--timeout", "20"]) == 0
    out, err = capfd.readouterr()
    assert "auto-graded: 4 / 4" in out and "manual, pending" in out
    assert "FORGED" not in out + err  # nothing the kernel prints reaches the grader's output
    reports = {Path(r["submission"]).name: r for r in json.loads(out_json.read_text())}
    assert {k: v["auto_score"] for k, v in reports.items()} == {"good.ipynb": 4, "wrong.ipynb": 0, "forbidden.ipynb": 1, "broken.ipynb": 0}
    assert reports["good.ipynb"]["manual_pending"] == 2
    assert "forbidden pow" in json.dumps(reports["forbidden.ipynb"]["tests"])
    rows = out_csv.read_text().splitlines()
    assert rows[0].startswith("submission,auto_score,auto_max,manual_pending,qa,qb") and len(rows) == 5
    # one submission, JSON object; bad paths are a usage error, not a crash
    assert main(["grade", str(hw_dir), str(subs / "good.ipynb"), "--json", str(out_json)]) == 0
    assert json.loads(out_json.read_text())["auto_score"] == 4
    assert main(["grade", str(hw_dir), str(tmp_path / "missing.ipynb")]) == 2
    assert main(["grade", str(tmp_path / "nowhere"), str(subs / "good.ipynb")]) == 2


@pytest.mark.slow
def test_hidden_tests_and_fallback_by_order(tmp_path):
    hw_dir = mini_homework(tmp_path)
    hw = load_homework(hw_dir)
    # right on the visible inputs only: the hidden input (-1.5) exposes it
    sub = mini_submission(hw_dir, "def square(x):\n    return x * x if np.ndim(x) else abs(x) * x", tmp_path / "s.ipynb")
    assert grade(hw, sub, Limits(cell_timeout=20)).points() == {"qa": 0.0, "qb": 1.0}
    # cell ids lost: matched by order with a warning
    nb = json.loads(sub.read_text())
    for c in nb["cells"]:
        c.pop("id")
        c["metadata"].pop("sciml", None)
    nb["nbformat_minor"] = 4
    nb["cells"][2]["source"] = "def square(x):\n    return x * x"
    (tmp_path / "noid.ipynb").write_text(json.dumps(nb))
    rep = grade(hw, tmp_path / "noid.ipynb", Limits(cell_timeout=20))
    assert rep.score == 4 and any("by order" in w for w in rep.warnings)


@pytest.mark.slow
def test_total_budget_stops_grading(tmp_path):
    hw_dir = mini_homework(tmp_path)
    sub = mini_submission(hw_dir, "import time\ntime.sleep(60)", tmp_path / "slow.ipynb")
    hw = load_homework(hw_dir)
    rep = grade(hw, sub, Limits(cell_timeout=60, budget=8), reference=reference_values(hw, Limits(cell_timeout=60, budget=8)))
    assert rep.score == 0 and rep.seconds < 40
    assert any("budget" in w or "time limit" in t.message for w in rep.warnings for t in rep.tests)


# -- Homework 1 ------------------------------------------------------------------------
@pytest.mark.slow
def test_hw1_reference_scores_the_maximum(hw1, hw1_reference):
    rep = grade(hw1, HW1 / "hw1.ipynb", LIMITS, hw1_reference)
    print(rep.table(), f"\n{rep.seconds:.1f} s")
    assert rep.score == rep.max_auto == 23 > 0
    assert [m["qid"] for m in rep.manual] == ["q1a", "q1b", "q1c", "q1d", "q3c", "q3f", "q3g"]
    # what the platform could not isolate is a warning too; nothing else may be
    assert rep.pending == 17 and not [w for w in rep.warnings if "not isolated" not in w]


@pytest.mark.slow
def test_hw1_blank_student_version_scores_zero(hw1, hw1_reference):
    rep = grade(hw1, HW1 / "hw1_student.ipynb", LIMITS, hw1_reference)
    print(rep.table(), f"\n{rep.seconds:.1f} s")
    assert rep.score == 0
    assert all(t.status == "fail" for t in rep.tests)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_hw1_case_scores_exactly_as_expected(hw1, hw1_reference, case, tmp_path):
    nb, expect = build_case(hw1, case)
    path = tmp_path / f"{case.stem}.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    rep = grade(hw1, path, LIMITS, hw1_reference)
    print(rep.table(), f"\n{rep.seconds:.1f} s")
    assert rep.points() == expect
    assert "23 / 23" not in rep.table() or expect == {t.qid: t.points for t in hw1.tests}
    if case.stem == "hostile_no_ids":
        assert any("by order" in w for w in rep.warnings)


def test_hw1_cases_cover_the_issue():
    names = {c.stem for c in CASES}
    assert {"hostile_exits", "hostile_crash_in_test", "hostile_loops", "hostile_memory", "hostile_forge"} <= names
    assert sum(n.startswith("wrong_") for n in names) >= 3
