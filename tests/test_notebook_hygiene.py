"""Every notebook is listed in the book, stored without outputs, titled, uses the
python3 kernel, and asserts at least one computed result."""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def all_notebooks() -> list[pathlib.Path]:
    out = []
    for d in ("lectures", "homework"):
        for p in sorted((ROOT / d).rglob("*.ipynb")):
            if ".ipynb_checkpoints" in p.parts or "cases" in p.parts:
                continue
            out.append(p)
    return out


def toc_files() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files: set[str] = {toc["root"]}

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.add(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return files


def meta(nb: dict) -> dict:
    return nb.get("metadata", {}).get("sciml", {}) or {}


NOTEBOOKS = all_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert any(p.parent.name == "lectures" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_listed_in_toc(path):
    rel = str(path.relative_to(ROOT).with_suffix(""))
    toc = toc_files()
    student = rel + "_student"
    # A homework source notebook (with solutions) is published as its student version.
    assert rel in toc or student in toc, f"{rel} is not in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {i} has outputs: run tools/strip_notebooks.py"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_titled_python3_and_valid(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    src = "".join(first["source"]) if isinstance(first["source"], list) else first["source"]
    assert src.lstrip().startswith("# "), "the first cell must be a '# Title' markdown cell"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            try:
                ast.parse("\n".join(lines))
            except SyntaxError as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"cell {i} is not valid Python: {exc}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_asserts_a_computed_result(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    if meta(nb).get("execute", True) is False:
        pytest.skip("not executed (student version)")
    n_asserts = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        tree = ast.parse("\n".join(lines))
        n_asserts += sum(isinstance(node, ast.Assert) for node in ast.walk(tree))
    assert n_asserts >= 1, "the notebook asserts none of the results its text relies on"


def test_strip_tool_agrees():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, str(ROOT / "tools" / "strip_notebooks.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


# -- reader comfort and exercises (issue 15, items 5 and 6) ----------------------------------------
MAX_CODE_COLUMNS = 100
LECTURES = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb"))
LECTURE_IDS = [p.name for p in LECTURES]
# Sources of the wrapped-by-hand check: generated student versions are checked via their source.
CODE_NOTEBOOKS = [p for p in NOTEBOOKS if not p.stem.endswith("_student")]
CODE_IDS = [str(p.relative_to(ROOT)) for p in CODE_NOTEBOOKS]


def cell_source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def markdown_text(nb: dict) -> str:
    return "\n\n".join(cell_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


_EXERCISE = re.compile(r"^(?::::+|```+)\{exercise\}[^\n]*\n((?::[\w-]+:[^\n]*\n)*)", re.M)
_SOLUTION = re.compile(r"^(?::::+|```+)\{(solution|solution-start)\}[ \t]*(\S*)[^\n]*\n"
                       r"((?::[\w-]+:[^\n]*\n)*)", re.M)
_SOLUTION_END = re.compile(r"^(?::::+|```+)\{solution-end\}", re.M)


def exercise_labels(text: str) -> list[str]:
    out = []
    for m in _EXERCISE.finditer(text):
        label = re.search(r"^:label:[ \t]*(\S+)", m.group(1), re.M)
        out.append(label.group(1) if label else "")
    return out


def solutions(text: str) -> list[tuple[str, str, str]]:
    """(kind, label, options) of every solution directive."""
    return [(m.group(1), m.group(2), m.group(3)) for m in _SOLUTION.finditer(text)]


@pytest.mark.parametrize("path", CODE_NOTEBOOKS, ids=CODE_IDS)
def test_code_lines_fit_the_page(path):
    """Code cells are wrapped at 100 columns so the rendered page needs no horizontal scroll."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    long = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for j, line in enumerate(cell_source(cell).splitlines(), 1):
            if len(line) > MAX_CODE_COLUMNS:
                long.append(f"cell {i} line {j} ({len(line)} columns): {line.strip()[:60]}...")
    assert not long, f"code lines over {MAX_CODE_COLUMNS} columns:\n" + "\n".join(long)


@pytest.mark.parametrize("path", LECTURES, ids=LECTURE_IDS)
def test_lecture_has_solved_exercises(path):
    """sphinx-exercise pairs: exercises with labels, >= 2 solved, solutions folded (dropdown)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = markdown_text(nb)
    assert ":::{admonition} Solution" not in text, (
        "use {solution}/{solution-start} directives of sphinx-exercise, not an admonition")
    labels = exercise_labels(text)
    assert labels, "the lecture has no {exercise} directive"
    assert all(labels), "every {exercise} needs a :label: (ex-NN-k)"
    assert len(set(labels)) == len(labels), f"duplicate exercise labels {labels}"
    number = path.name[:2]
    for label in labels:
        assert re.fullmatch(rf"ex-{number}-\d+", label), f"label {label!r} is not ex-{number}-k"
    sols = solutions(text)
    for kind, label, options in sols:
        assert label in labels, f"{{{kind}}} {label!r} matches no exercise of this lecture"
        assert re.search(r"^:class:.*\bdropdown\b", options, re.M), (
            f"the solution of {label} must be hidden by default (:class: dropdown)")
    solved = {label for _, label, _ in sols}
    assert len(solved) >= 2, f"only {len(solved)} solved exercise(s): at least two are required"
    n_start = sum(kind == "solution-start" for kind, _, _ in sols)
    assert n_start == len(_SOLUTION_END.findall(text)), "unbalanced solution-start / solution-end"


def test_exercise_labels_are_unique_across_the_book():
    seen: dict[str, str] = {}
    for path in LECTURES:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for label in exercise_labels(markdown_text(nb)):
            assert label not in seen, f"{label} is used by {seen[label]} and {path.name}"
            seen[label] = path.name


def _assert_only(code: str) -> bool:
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    body = ast.parse("\n".join(lines)).body
    return bool(body) and all(isinstance(node, ast.Assert) for node in body)


@pytest.mark.parametrize("path", LECTURES, ids=LECTURE_IDS)
def test_assert_only_cells_are_removed_from_the_page(path):
    """A lecture cell of asserts only is run but not shown: tagged remove-input (or remove-cell).

    Homework is exempt: its visible assert cells are the tests the student runs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    bad = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and _assert_only(cell_source(cell)):
            tags = set(cell.get("metadata", {}).get("tags", []))
            if not tags & {"remove-input", "remove-cell"}:
                bad.append(i)
    assert not bad, f"assert-only cells {bad} need the tag remove-input"


def test_hygiene_helpers_parse_directives():
    text = (":::{exercise} Title\n:label: ex-01-1\n\nDo it.\n:::\n\n"
            ":::{solution-start} ex-01-1\n:class: dropdown\n:::\n\ntext\n\n:::{solution-end}\n:::\n"
            "```{exercise}\n:label: ex-01-2\n```\n```{solution} ex-01-2\n:class: dropdown\n```\n")
    assert exercise_labels(text) == ["ex-01-1", "ex-01-2"]
    assert [(k, lab) for k, lab, _ in solutions(text)] == [("solution-start", "ex-01-1"),
                                                          ("solution", "ex-01-2")]
    assert len(_SOLUTION_END.findall(text)) == 1
    assert _assert_only("# a comment\nassert 1 == 1, (\n    'msg')\n")
    assert not _assert_only("x = 1\nassert x == 1\n")
    assert not _assert_only("# only a comment\n")


@pytest.mark.parametrize("path", LECTURES, ids=LECTURE_IDS)
def test_computing_solutions_assert_their_result(path):
    """The code cells of a gated solution (solution-start ... solution-end) assert something."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    label, n_code, n_assert, bad = None, 0, 0, []
    for cell in nb["cells"]:
        src = cell_source(cell)
        if cell["cell_type"] == "markdown":
            start = _SOLUTION.search(src)
            if start and start.group(1) == "solution-start":
                label, n_code, n_assert = start.group(2), 0, 0
            if _SOLUTION_END.search(src) and label is not None:
                if n_code and not n_assert:
                    bad.append(label)
                label = None
        elif label is not None:
            lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            n_code += 1
            n_assert += sum(isinstance(node, ast.Assert)
                            for node in ast.walk(ast.parse("\n".join(lines))))
    assert not bad, f"the code of the solutions {bad} asserts nothing"


# -- every figure says what to see (issue 15, item 6) ----------------------------------------------
# A code cell *draws a figure* when one of its top-level statements calls a drawing function:
# matplotlib's figure makers and plotting methods (`subplots`, `figure`, `plot`, `imshow`, ...),
# a figure-drawing helper of sciml_lib (`plot_work_precision`, `plot_flame_graph`, `trace_plot`,
# `pair_plot`, `draw_graph`, `bar_speedups`, `annotate_slope`), an ipywidgets explorer
# (`interact(...)`, also as a decorator), or a function defined earlier in the notebook whose body
# calls one of these (transitively). Calls inside a function definition do not count until the
# function is called.
#
# Convention: the figure is captioned by a paragraph that starts with **Figure** (also
# "**Figure.**", "**Figures.**", "**Figure (left).**"), **Explorer** (a widget explorer), or
# "What to see". The caption is either the FIRST paragraph of the nearest following markdown cell
# or the LAST paragraph of the nearest preceding markdown cell. On the way to it, code cells whose
# input is hidden (tags remove-input / remove-cell, e.g. the assert-only cells) and other figure
# cells are skipped, so consecutive figure cells (a static figure and its explorer) may share one
# caption. Opt-outs: a figure cell whose output is not shown (tags remove-output / remove-cell),
# or one tagged `no-figure` (it draws nothing the reader sees). Homework notebooks are exempt: their
# figures are the student's answers to a task that says what to plot.
DRAW_CALLS = frozenset({
    "subplots", "figure", "subplot", "plot", "semilogx", "semilogy", "loglog", "scatter", "bar",
    "barh", "hist", "imshow", "matshow", "spy", "contour", "contourf", "pcolormesh",
    "fill_between", "errorbar", "boxplot", "interact", "interactive", "plot_work_precision",
    "plot_flame_graph", "trace_plot", "pair_plot", "draw_graph", "bar_speedups", "annotate_slope",
})
CAPTION = re.compile(r"^\s*(?:\*\*(?:Figures?|Explorer)\b|[*_]{0,2}What to see\b)")
_HIDDEN_INPUT = {"remove-input", "remove-cell"}
_NOT_SHOWN = {"remove-output", "remove-cell", "no-figure"}


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            names.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


def figure_cells(nb: dict) -> list[int]:
    """Indices of the code cells that draw a figure (the rule above)."""
    drawing, out = set(DRAW_CALLS), []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines = [ln for ln in cell_source(cell).splitlines()
                 if not ln.lstrip().startswith(("%", "!"))]
        draws = False
        for stmt in ast.parse("\n".join(lines)).body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                decorators = set()
                for d in stmt.decorator_list:
                    decorators |= _called_names(d) | {getattr(d, "id", ""), getattr(d, "attr", "")}
                if decorators & drawing:
                    draws = True
                elif _called_names(stmt) & drawing:
                    drawing.add(stmt.name)
            elif _called_names(stmt) & drawing:
                draws = True
        if draws:
            out.append(i)
    return out


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]


def uncaptioned_figures(nb: dict) -> list[int]:
    """Figure cells with no caption next to them (see the convention above)."""
    cells = nb["cells"]
    figs = set(figure_cells(nb))

    def neighbour(i: int, step: int) -> dict | None:
        j = i + step
        while 0 <= j < len(cells):
            c = cells[j]
            if c["cell_type"] == "markdown":
                return c
            if not (_tags(c) & _HIDDEN_INPUT or j in figs):
                return None
            j += step
        return None

    bad = []
    for i in sorted(figs):
        if _tags(cells[i]) & _NOT_SHOWN:
            continue
        after, before = neighbour(i, +1), neighbour(i, -1)
        paras_after = _paragraphs(cell_source(after)) if after else []
        paras_before = _paragraphs(cell_source(before)) if before else []
        if not ((paras_after and CAPTION.match(paras_after[0]))
                or (paras_before and CAPTION.match(paras_before[-1]))):
            bad.append(i)
    return bad


@pytest.mark.parametrize("path", LECTURES, ids=LECTURE_IDS)
def test_every_figure_says_what_to_see(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    bad = uncaptioned_figures(nb)
    assert not bad, (f"figure cells {bad} have no caption: put a paragraph starting with "
                     "'**Figure.**' (or '**Explorer.**', 'What to see') right after or before them")


def _nb(*cells: tuple[str, str] | tuple[str, str, list[str]]) -> dict:
    out = []
    for kind, src, *tags in cells:
        meta_ = {"tags": tags[0]} if tags else {}
        out.append({"cell_type": kind, "source": src, "metadata": meta_})
    return {"cells": out}


def test_caption_rule_on_synthetic_notebooks():
    draw = "fig, ax = subplots()\nax.plot([1, 2])\nplt.show()\n"
    # detection: direct calls, helpers defined in the notebook, interact (also as a decorator)
    nb = _nb(("code", "import numpy as np\nx = np.ones(3)\n"), ("code", "def show(k):\n" + "".join(
        "    " + ln + "\n" for ln in draw.splitlines())), ("code", "show(3)\n"),
        ("code", "@interact(k=(1, 5))\ndef explore(k):\n    show(k)\n"), ("code", draw))
    assert figure_cells(nb) == [2, 3, 4]
    # a figure followed by prose that does not caption it fails ...
    assert uncaptioned_figures(_nb(("code", draw), ("markdown", "## Next section"))) == [0]
    assert uncaptioned_figures(_nb(("markdown", "Some text.\n\n**Figure.** Not the last one.\n\n"
                                                 "The end."), ("code", draw))) == [1]
    # ... and so does a caption separated from its figure by a visible code cell
    assert uncaptioned_figures(_nb(("code", draw), ("code", "print(1)\n"),
                                   ("markdown", "**Figure.** Too far."))) == [0]
    # captions after (skipping hidden assert cells), before, and shared by consecutive figures
    assert uncaptioned_figures(_nb(("code", draw), ("code", "assert True\n", ["remove-input"]),
                                   ("markdown", "**Figure.** Left: ..."))) == []
    assert uncaptioned_figures(_nb(("markdown", "Intro.\n\nWhat to see: the slope."),
                                   ("code", draw))) == []
    assert uncaptioned_figures(_nb(("code", draw), ("code", "interact(f, k=(1, 3))\n"),
                                   ("markdown", "**Explorer.** Turn k.\n\nMore."))) == []
    # opt-outs: output not shown, or tagged no-figure
    assert uncaptioned_figures(_nb(("code", draw, ["remove-output"]),
                                   ("markdown", "## Next"))) == []
    assert uncaptioned_figures(_nb(("code", draw, ["no-figure"]), ("markdown", "## Next"))) == []
