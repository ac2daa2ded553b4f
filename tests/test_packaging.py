"""pyproject.toml and environment.yml declare the same dependencies."""

from __future__ import annotations

import pathlib
import re
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, f"cannot parse requirement {req!r}"
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    spec = ",".join(sorted(s.strip() for s in m.group(2).replace(" ", "").split(",") if s.strip()))
    return name, spec


def pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"]["optional-dependencies"].values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-e") or item.startswith("."):
                continue
            name, spec = _split(item)
            if name in ("python", "pip"):
                continue
            out[name] = spec
    return out


def test_same_dependencies():
    py, env = pyproject_requirements(), environment_requirements()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(env) - set(py)) == [], "in environment.yml but not pyproject.toml"
    for name in py:
        assert py[name] == env[name], f"{name}: pyproject says {py[name]!r}, environment.yml says {env[name]!r}"


def test_python_version_agrees():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert data["project"]["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]


def test_book_constraints_pin_sphinx7_and_jb1():
    pins = dict(
        _split(line)
        for line in (ROOT / "constraints" / "book.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert pins["jupyter-book"].startswith("==1."), pins["jupyter-book"]
    assert pins["sphinx"].startswith("==7."), pins["sphinx"]


def test_split_normalises_names():
    # the comparison itself must be able to fail: different specs and names are told apart
    assert _split("Jupyter_Book >=1.0,<2") == ("jupyter-book", "<2,>=1.0")
    assert _split("numpy>=1.26") != _split("numpy>=1.25")
