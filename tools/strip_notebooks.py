"""Strip outputs and execution counts from notebooks (the stored form of every notebook).

Usage: python tools/strip_notebooks.py [--check] [PATH ...]
Without paths, every notebook under lectures/ and homework/ is processed.
With --check nothing is written and the exit status is 1 when a notebook
still holds outputs.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
KEEP_META = {"kernelspec", "language_info", "sciml", "jupytext"}


def notebooks(paths: list[str]) -> list[pathlib.Path]:
    if paths:
        out = []
        for p in map(pathlib.Path, paths):
            out += sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]
    else:
        out = sorted((ROOT / "lectures").rglob("*.ipynb")) + sorted((ROOT / "homework").rglob("*.ipynb"))
    return [p for p in out if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts]


def strip(nb: dict) -> dict:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        md = cell.get("metadata", {})
        for k in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            md.pop(k, None)
    nb["metadata"] = {k: v for k, v in nb.get("metadata", {}).items() if k in KEEP_META}
    nb.setdefault("metadata", {})["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args(argv)
    dirty = []
    for p in notebooks(args.paths):
        text = p.read_text(encoding="utf-8")
        nb = json.loads(text)
        new = json.dumps(strip(nb), indent=1, ensure_ascii=False) + "\n"
        if new != text:
            dirty.append(p)
            if not args.check:
                p.write_text(new, encoding="utf-8")
    for p in dirty:
        print(("needs stripping: " if args.check else "stripped: ") + str(p))
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
