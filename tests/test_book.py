"""Book checks: the structure builds cleanly (without executing notebooks), a
failing notebook fails the real build, citations resolve, and the execution
cache is invalidated when sciml_lib changes."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import book_cache  # noqa: E402

JB = str(pathlib.Path(sys.executable).parent / "jupyter-book")
FLAGS = ["--builder", "html", "-W", "-n", "--keep-going"]


def _config() -> dict:
    """The project's _config.yml, with local-extension paths made absolute so that a copy
    of it in another folder (``--config``) still finds them."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    ext = cfg.get("sphinx", {}).get("local_extensions") or {}
    for name, path in ext.items():
        ext[name] = str((ROOT / path).resolve())
    return cfg


def _run(cmd, cwd=None, timeout=900):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.book
def test_book_structure_builds_without_warnings(tmp_path):
    """Table of contents, cross-references, citations and the API reference, with -W -n."""
    cfg = _config()
    cfg["execute"]["execute_notebooks"] = "off"
    conf = tmp_path / "_config.yml"
    conf.write_text(yaml.safe_dump(cfg))
    r = _run([JB, "build", str(ROOT), "--config", str(conf), "--path-output", str(tmp_path / "out"), *FLAGS])
    assert r.returncode == 0, (r.stdout[-6000:] + "\n" + r.stderr[-6000:])
    html = tmp_path / "out" / "_build" / "html"
    assert (html / "index.html").exists()
    # every toc entry became a page
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [c["file"] for c in part["chapters"]]
    for f in files:
        assert (html / (f + ".html")).exists(), f
    api = (html / "book" / "api.html").read_text(encoding="utf-8")
    assert "sciml_lib.perf.benchmark" in api  # docstrings were rendered


def _mini_book(root: pathlib.Path, code: str) -> pathlib.Path:
    """A throw-away book with the project's execute settings and one notebook."""
    cfg = _config()
    mini = {
        "title": "mini",
        "only_build_toc_files": True,
        "execute": cfg["execute"],
        "sphinx": {"config": {"nb_execution_show_tb": True}},
    }
    mini["execute"]["cache"] = str(root / "_build" / ".jupyter_cache")
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(yaml.safe_dump(mini))
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: nb\n")
    (root / "intro.md").write_text("# Mini\n\nA test book.\n")
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# A notebook"},
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": code},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "nb.ipynb").write_text(json.dumps(nb))
    return root


@pytest.mark.book
def test_build_fails_when_a_notebook_raises(tmp_path):
    good = _mini_book(tmp_path / "good", "x = 1 + 1\nprint(x)")
    r = _run([JB, "build", str(good), *FLAGS], timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "2" in (good / "_build" / "html" / "nb.html").read_text(encoding="utf-8")

    # built as `make book` builds: through tools/stage.py with the Makefile's --digest, which
    # repeats the failed cell's error after the stage's last line (the tail of a CI log)
    bad = _mini_book(tmp_path / "bad", "raise RuntimeError('this cell is broken')")
    digest = re.search(r'--digest "([^"]+)"', (ROOT / "Makefile").read_text()).group(1)
    r = _run([sys.executable, str(ROOT / "tools" / "stage.py"), "mini book", "--digest", digest,
              "--", JB, "build", str(bad), *FLAGS], cwd=tmp_path, timeout=600)
    assert r.returncode != 0, "a notebook raised but the book build succeeded"
    log, _, after = r.stdout.partition("=== stage mini book:")
    assert "this cell is broken" in log and "FAILED" in after
    assert "this cell is broken" in after.partition("=== cause 1")[2], after[-3000:]


def _cite_keys(text: str) -> set[str]:
    keys = set()
    for m in re.finditer(r"\{cite(?::[a-z]+)?\}`([^`]+)`", text):
        keys.update(k.strip() for k in m.group(1).split(","))
    for m in re.finditer(r":cite:[a-z]*:`([^`]+)`", text):
        keys.update(k.strip() for k in m.group(1).split(","))
    return keys


def _book_sources() -> list[pathlib.Path]:
    srcs = list((ROOT / "book").rglob("*.md"))
    srcs += [p for p in (ROOT / "lectures").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    srcs += [p for p in (ROOT / "homework").rglob("*.ipynb") if "cases" not in p.parts]
    srcs += list((ROOT / "sciml_lib").rglob("*.py"))
    return srcs


def test_every_citation_resolves_and_every_reference_is_cited():
    import pybtex.database

    bib = pybtex.database.parse_file(str(ROOT / "book" / "references.bib"))
    keys = set(bib.entries)
    cited = set()
    for p in _book_sources():
        cited |= _cite_keys(p.read_text(encoding="utf-8"))
    assert sorted(cited - keys) == [], "cited but missing from book/references.bib"
    assert sorted(keys - cited) == [], "in references.bib but cited nowhere"


def test_cite_key_parser():
    assert _cite_keys("see {cite:p}`a2020x, b2019y` and :cite:p:`c2000z`") == {"a2020x", "b2019y", "c2000z"}


def test_cache_is_invalidated_when_the_library_changes(tmp_path):
    root = tmp_path / "proj"
    (root / "sciml_lib").mkdir(parents=True)
    (root / "constraints").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname='x'\n")
    mod = root / "sciml_lib" / "m.py"
    mod.write_text("A = 1\n")
    cache = root / "_build" / ".jupyter_cache"
    cache.mkdir(parents=True)
    (cache / "entry").write_text("cached outputs")
    assert book_cache.refresh(cache, root) is True  # no stamp yet: unknown provenance, cleared
    cache.mkdir()
    (cache / "entry").write_text("cached outputs")
    assert book_cache.refresh(cache, root) is False  # unchanged: kept
    assert (cache / "entry").exists()
    mod.write_text("A = 2\n")
    assert book_cache.refresh(cache, root) is True  # library changed: cleared
    assert not cache.exists()
