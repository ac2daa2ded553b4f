"""Every notebook is listed in the book, stored without outputs, titled, uses the
python3 kernel, and asserts at least one computed result."""

from __future__ import annotations

import ast
import json
import pathlib

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
