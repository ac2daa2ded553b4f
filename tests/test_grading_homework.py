"""Homework 2 and 3 graded end to end, the manifest, the run-time guard and the sandbox.

Like Homework 1 in ``test_grading.py``: each source notebook graded against itself
scores the maximum, its blank student version 0, and every case in
``homework/hwN/cases`` exactly the points its header predicts. The run-time guard
(forbidden calls, protected files) and Landlock are tested on small kernels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from sciml_lib.grading import (
    GuardedKernel,
    Limits,
    _landlock,
    grade,
    load_homework,
    reference_values,
    student_notebook,
)
from sciml_lib.grading.cases import build_case
from sciml_lib.grading.cli import main
from sciml_lib.grading.manifest import load_manifest

ROOT = Path(__file__).resolve().parents[1]
HW = {n: ROOT / "homework" / n for n in ("hw1", "hw2", "hw3")}
CASES = [(n, c) for n in ("hw2", "hw3") for c in sorted((HW[n] / "cases").glob("*.py"))]


def limits(hw):
    return Limits(cell_timeout=20.0, budget=240.0, mem_mb=hw.manifest.mem_mb)


@pytest.fixture(scope="session")
def homeworks():
    return {n: load_homework(p) for n, p in HW.items()}


@pytest.fixture(scope="session")
def references(homeworks):
    cache: dict[str, dict] = {}

    def get(name):
        if name not in cache:
            hw = homeworks[name]
            cache[name] = reference_values(hw, limits(hw))
        return cache[name]

    return get


# -- manifests -------------------------------------------------------------------------
def test_every_homework_has_a_consistent_manifest(homeworks):
    for name, hw in homeworks.items():
        m = hw.manifest
        assert m.path is not None and m.homework == name
        qids = [t.qid for t in hw.tests] + [q.qid for q in hw.manual]
        assert sorted(q for p in m.problems for q in p.questions) == sorted(qids)
        assert sum(p.points for p in m.problems) == hw.max_auto + hw.max_manual
        assert m.cell_timeout > 0 and m.budget > 0 and m.mem_mb > 0
    p3 = homeworks["hw1"].manifest.problem_of("q3a")
    assert "sciml_lib.dynamics.attractor" in p3.forbidden_calls
    assert "sciml_lib.dynamics.bifurcation_diagram" in p3.forbidden_calls
    assert "scipy.integrate.solve_ivp" in homeworks["hw2"].manifest.problem_of("q1a").forbidden_calls
    assert "sciml_lib.nn.two_layer_pullback" in homeworks["hw3"].manifest.forbidden_calls


def test_structure_of_hw2_and_hw3(homeworks):
    hw2, hw3 = homeworks["hw2"], homeworks["hw3"]
    assert [t.qid for t in hw2.tests] == ["q1a", "q1b", "q1c", "q1d", "q2a", "q2b"]
    assert (hw2.max_auto, hw2.max_manual) == (16, 8)
    assert [t.qid for t in hw3.tests] == ["q1b", "q1c", "q1d", "q1e"]
    assert (hw3.max_auto, hw3.max_manual) == (11, 4)


@pytest.mark.parametrize(
    "text, match",
    [
        ('homework = "other"', "notebook is"),
        ('homework = "mini"\n[limits]\nbudget = 0', "positive"),
        ('homework = "mini"\n[[problems]]\nid = "p"\nquestions = ["zz"]', "no question"),
        ('homework = "mini"\n[[problems]]\nid = "p"\nquestions = ["qa"]\npoints = 9', "points"),
        ('homework = "mini"\n[[problems]]\nid = "p"\nquestions = ["qa"]', "belong to no problem"),
        ('homework = "mini"\n[[problems]]\nid = "p"\nquestions = ["qa", "qb"]\nforbidden_calls = ["eval"]',
         "dotted"),
        ("homework = [", "TOML"),
    ],
)
def test_manifest_rejects_malformed(tmp_path, text, match):
    (tmp_path / "manifest.toml").write_text(text)
    with pytest.raises(ValueError, match=match):
        load_manifest(tmp_path, "mini", {"qa": 2.0, "qb": 1.0})


def test_limits_must_be_positive(homeworks):
    for bad in ({"cell_timeout": -1}, {"budget": 0}, {"mem_mb": 0}, {"cell_timeout": float("nan")}):
        with pytest.raises(ValueError):
            Limits(**bad)
    lim = Limits.for_homework(homeworks["hw3"], budget=99.0, cell_timeout=None)
    assert (lim.cell_timeout, lim.budget, lim.mem_mb) == (60.0, 99.0, 4096)


# -- robustness of the command line (no tracebacks, nothing graded in vain) -------------
def test_cli_usage_errors_are_messages(tmp_path, capsys):
    stu = str(HW["hw1"] / "hw1_student.ipynb")
    for argv in (
        ["grade", str(HW["hw1"]), stu, "--timeout", "-1"],
        ["grade", str(HW["hw1"]), stu, "--budget", "0"],
        ["grade", str(HW["hw1"]), stu, "--mem-mb", "0"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    assert "must be positive" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bad.ipynb").write_text("{not json")
    cases = [
        (["grade", str(HW["hw1"]), stu, "--csv", str(tmp_path / "no" / "r.csv")], "no folder"),
        (["grade", str(HW["hw1"]), stu, "--json", str(tmp_path / "no" / "r.json")], "no folder"),
        (["grade", str(bad), stu], "not a readable notebook"),
        (["student", str(HW["hw1"]), "-o", str(tmp_path / "no" / "s.ipynb")], "no folder"),
        (["normalize", str(tmp_path / "missing.ipynb")], "no such file"),
        (["normalize", str(bad / "bad.ipynb")], "not a readable notebook"),
    ]
    for argv, msg in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err, (argv, err)


# -- student versions --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["hw2", "hw3"])
def test_student_version_is_committed_and_hides_solutions(homeworks, name, tmp_path):
    hw = homeworks[name]
    out = tmp_path / "s.ipynb"
    assert main(["student", str(HW[name]), "-o", str(out)]) == 0
    committed = HW[name] / f"{name}_student.ipynb"
    assert committed.read_bytes() == out.read_bytes(), (
        f"regenerate with: sciml-grade student homework/{name} -o homework/{name}/{name}_student.ipynb")
    nb = student_notebook(hw)
    assert nb.metadata["sciml"] == {"execute": False, "homework": name, "student_version": True}
    text = nbformat.writes(nb)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        assert marker not in text
    # no line of a reference solution or a hidden test survives (short lines are too generic)
    for i in list(hw.answers.values()) + [t.index for t in hw.tests]:
        src, inside = hw.nb.cells[i].source, False
        for line in src.splitlines():
            s = line.strip()
            if s in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
                inside = True
            elif s in ("### END SOLUTION", "### END HIDDEN TESTS"):
                inside = False
            elif inside and len(s) > 25 and not s.startswith("#"):
                assert s not in text, f"{name}: the student version shows {s!r}"


# -- the run-time guard --------------------------------------------------------------------
GUARD = {
    "forbidden_calls": ["sciml_lib.dynamics.attractor", "scipy.integrate.solve_ivp",
                        "sciml_lib.dynamics.logistic._attractor_into"],
    "read_roots": [str(ROOT / "homework")],
    "write_roots": [str(ROOT)],
    "isolate": False,
}


@pytest.mark.slow
def test_guard_blocks_every_route_and_records_it():
    routes = [
        "import sciml_lib.dynamics as d\nd.attractor(3.2)",
        "import importlib\nimportlib.import_module('sciml_lib.dynamics').attractor(3.0)",
        "from scipy.integrate import solve_ivp as s\ns(lambda t, y: -y, (0, 1), [1.0])",
        "f = getattr(__import__('scipy.integrate', fromlist=['x']), 'solve_' + 'ivp')\n"
        "f(None, (0, 1), [1.0])",
        "import numpy as np, importlib\nL = importlib.import_module('sciml_lib.dynamics.logistic')\n"
        "L._attractor_into(np.empty(3), 3.2, 0.25, 400)",
    ]
    blocked = [
        f"open({str(HW['hw1'] / 'hw1.ipynb')!r}).read()",
        f"open({str(ROOT / 'planted.txt')!r}, 'w')",
        "import sys, importlib\nimportlib.reload(sys.modules['sciml_lib.dynamics.logistic'])",
        "import sys\nsys.modules['sciml_lib.dynamics.logistic'].attractor.__code__ = (lambda r: 1).__code__",
        "import gc\ngc.get_objects()",
    ]
    with GuardedKernel(guard=GUARD) as k:
        for code in routes:
            r = k.run(code, timeout=60)
            assert r.status == "error" and r.ename == "ForbiddenCallError", (code, r)
        for code in blocked:
            r = k.run(code, timeout=60)
            assert r.status == "error" and "PermissionError" in r.ename, (code, r)
        assert k.run("import numpy as np\nopen('mine.txt', 'w').write('ok')", timeout=60).status == "ok"
        hits = {(h["kind"], h["what"]) for h in k.guard_hits()}
    assert ("call", "sciml_lib.dynamics.attractor") in hits and ("call", "scipy.integrate.solve_ivp") in hits
    assert ("call", "sciml_lib.dynamics.logistic._attractor_into") in hits
    assert ("read", str((HW["hw1"] / "hw1.ipynb").resolve())) in hits
    assert ("write", str(ROOT / "planted.txt")) in hits
    assert {k for k, _ in hits} >= {"source", "restore", "gc"}
    assert not (ROOT / "planted.txt").exists()


@pytest.mark.slow
@pytest.mark.skipif(not _landlock.available(), reason="this kernel has no Landlock (Linux >= 5.13, enabled)")
def test_landlock_confines_the_kernel_and_its_children():
    with GuardedKernel(guard=dict(GUARD, isolate=True)) as k:
        src = str(HW["hw1"] / "hw1.ipynb")
        code = ("import subprocess\n"
                f"r = subprocess.run(['cat', {src!r}], capture_output=True)\n"
                "assert r.returncode != 0 and b'Permission denied' in r.stderr, r")
        assert k.run(code, timeout=60).status == "ok"
        code = ("import subprocess\n"
                f"r = subprocess.run(['touch', {str(ROOT / 'planted.txt')!r}], capture_output=True)\n"
                "assert r.returncode != 0, r")
        assert k.run(code, timeout=60).status == "ok"
        assert k.run("open('/tmp/sciml-grade-outside.txt', 'w')", timeout=60).ename == "PermissionError"
        assert k.run("import numpy, scipy, matplotlib.pyplot\nopen('mine.txt', 'w').write('ok')",
                     timeout=60).status == "ok"
        kinds = {h["what"] for h in k.guard_hits() if h["kind"] == "isolation"}
    assert any(w.startswith("landlock ABI") for w in kinds)
    assert not (ROOT / "planted.txt").exists()


@pytest.mark.slow
def test_child_pythons_inherit_the_guard():
    """Forbidden calls in subprocess and multiprocessing children are refused and recorded."""
    child = "import sciml_lib.dynamics as d; d.attractor(3.2)"
    with GuardedKernel(guard=GUARD) as k:
        code = ("import subprocess, sys\n"
                f"r = subprocess.run([sys.executable, '-c', {child!r}], capture_output=True,\n"
                "                   text=True)\n"
                "assert r.returncode != 0 and 'ForbiddenCallError' in r.stderr, r.stderr\n"
                f"r = subprocess.run([sys.executable, '-c', {child!r}], capture_output=True,\n"
                "                   text=True, env={'PATH': '/usr/bin:/bin'})\n"
                "assert r.returncode != 0 and 'ForbiddenCallError' in r.stderr, r.stderr")
        assert k.run(code, timeout=120).status == "ok"
        r = k.run("import subprocess, sys\nsubprocess.run([sys.executable, '-I', '-c', 'print(1)'])",
                  timeout=60)
        assert r.ename == "PermissionError", r
        code = ("import multiprocessing as mp, scipy.integrate as si\n"
                "def f(T):\n    return si.solve_ivp(lambda t, y: -y, (0, T), [1.0]).y[0, -1]\n"
                "with mp.get_context('fork').Pool(1) as p:\n"
                "    try:\n        p.map(f, [1.0])\n    except Exception as e:\n"
                "        assert type(e).__name__ == 'ForbiddenCallError', e")
        assert k.run(code, timeout=120).status == "ok"
        hits = k.guard_hits()
    where = {(h["kind"], h["what"], h.get("where", "").split(" ")[0]) for h in hits}
    assert ("call", "sciml_lib.dynamics.attractor", "child") in where
    assert ("call", "scipy.integrate.solve_ivp", "forked") in where
    assert any(h["kind"] == "child" and "-I" in h["what"] for h in hits)
    # two children, each recorded
    assert len([h for h in hits if h["what"] == "sciml_lib.dynamics.attractor"]) == 2


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="network namespaces are Linux only")
def test_kernel_has_no_network_but_its_own_loopback():
    import socket

    # a server of the grading machine on its loopback: the kernel must not reach it
    with socket.create_server(("127.0.0.1", 0)) as srv, \
            GuardedKernel(guard=dict(GUARD, isolate=True)) as k:
        net = [h["what"] for h in k.guard_hits() if h["kind"] == "network"]
        assert net, "the kernel did not report its network isolation"
        if net[0].startswith("unavailable"):
            pytest.skip(f"no network namespace here: {net[0]}")
        port = srv.getsockname()[1]
        code = ("import socket, subprocess, sys\n"
                "assert [n for _, n in socket.if_nameindex()] == ['lo'], socket.if_nameindex()\n"
                # loopback works (MPI needs it)
                "with socket.create_server(('127.0.0.1', 0)) as s:\n"
                "    c = socket.create_connection(s.getsockname(), timeout=5)\n"
                "    a, _ = s.accept(); c.sendall(b'ping'); assert a.recv(4) == b'ping'\n"
                "    c.close(); a.close()\n"
                "try:\n"
                f"    socket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
                "    raise AssertionError('reached the machine loopback')\n"
                "except ConnectionRefusedError:\n    pass\n"
                # a program that is not Python: only the operating system can stop it
                "r = subprocess.run(['bash', '-c', 'exec 3<>/dev/tcp/1.1.1.1/443'],\n"
                "                   capture_output=True, text=True, timeout=30)\n"
                "assert r.returncode != 0 and 'unreachable' in r.stderr, r.stderr\n"
                "socket.create_connection(('1.1.1.1', 443), timeout=5)")
        r = k.run(code, timeout=120)
        assert r.ename == "PermissionError" and "no network" in r.evalue, r
        hits = k.guard_hits()
    assert ("connect", "1.1.1.1:443") in {(h["kind"], h["what"]) for h in hits}
    assert net[0].endswith("loopback only")


# -- Homework 2 and 3 end to end --------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["hw2", "hw3"])
def test_reference_scores_the_maximum_and_blank_zero(homeworks, references, name):
    hw = homeworks[name]
    rep = grade(hw, HW[name] / f"{name}.ipynb", limits(hw), references(name))
    print(rep.table(), f"\n{rep.seconds:.1f} s")
    # what the platform could not isolate is a warning too; nothing else may be
    assert rep.score == rep.max_auto > 0
    assert not [w for w in rep.warnings if "not isolated" not in w]
    blank = grade(hw, HW[name] / f"{name}_student.ipynb", limits(hw), references(name))
    print(blank.table(), f"\n{blank.seconds:.1f} s")
    assert blank.score == 0 and all(t.status == "fail" for t in blank.tests)


@pytest.mark.slow
def test_another_homework_is_warned(homeworks, references, tmp_path):
    hw = homeworks["hw3"]
    rep = grade(hw, HW["hw2"] / "hw2_student.ipynb", limits(hw), references("hw3"))
    assert rep.score == 0 and any("homework 'hw2'" in w for w in rep.warnings)


@pytest.mark.slow
@pytest.mark.parametrize("name, case", CASES, ids=[f"{n}-{c.stem}" for n, c in CASES])
def test_case_scores_exactly_as_expected(homeworks, references, name, case, tmp_path):
    hw = homeworks[name]
    nb, expect = build_case(hw, case)
    path = tmp_path / f"{case.stem}.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    rep = grade(hw, path, limits(hw), references(name))
    print(rep.table(), f"\n{rep.seconds:.1f} s")
    assert rep.points() == expect
    if case.stem == "hostile_no_ids":
        assert any("by order" in w for w in rep.warnings)
    if case.stem in ("hostile_library", "hostile_sources"):
        assert any("forbidden" in w or "tried to" in w for w in rep.warnings)
    if case.stem == "hostile_network":  # blocked in the kernel and in a child; MPI still works
        assert any("tried to connect to 1.1.1.1:443" in w and "blocked" in w for w in rep.warnings)
        assert any("1.1.1.1:443 in a child process" in w for w in rep.warnings)
        assert rep.points()["q2a"] > 0
    if case.stem == "hostile_subprocess":
        assert any("solve_ivp in a child process" in w for w in rep.warnings), rep.warnings
    if case.stem == "hostile_multiprocessing":
        assert any("solve_ivp in a forked process" in w for w in rep.warnings), rep.warnings
        assert any("solve_ivp in a child process" in w for w in rep.warnings), rep.warnings
    if _landlock.available():
        assert rep.isolation.startswith("landlock ABI")


def test_cases_cover_the_issue():
    for name in ("hw2", "hw3"):
        names = {c.stem for n, c in CASES if n == name}
        assert {"hostile_exits", "hostile_loops", "hostile_memory", "hostile_forge", "hostile_library",
                "hostile_no_ids"} <= names
        assert sum(s.startswith("wrong_") for s in names) >= 3
    assert (HW["hw1"] / "cases" / "hostile_library.py").is_file()
    hostile = ("hostile_sources", "hostile_network", "hostile_subprocess", "hostile_multiprocessing")
    for case in hostile:
        assert (HW["hw2"] / "cases" / f"{case}.py").is_file()
