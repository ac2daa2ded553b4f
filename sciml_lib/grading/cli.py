"""The ``sciml-grade`` command.

``sciml-grade student HWDIR -o OUT.ipynb``
    write the student version of ``HWDIR/<name>.ipynb``.
``sciml-grade grade HWDIR SUBMISSION [--json FILE]``
    grade one notebook, or every ``*.ipynb`` in a folder (``--csv FILE``
    writes a summary), and print the per-question table.
``sciml-grade normalize SOURCE.ipynb``
    give the cells of a freshly converted source notebook stable ids.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .grader import Limits, check_output_path, grade_many, write_json
from .notebook import load_homework, normalize_ids, student_notebook, write_notebook

__all__ = ["main"]


def _positive(kind: type):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return v

    parse.__name__ = kind.__name__
    return parse


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``sciml-grade``; returns the exit status."""
    ap = argparse.ArgumentParser(prog="sciml-grade", description="Autograder of the SciML Book homework.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("student", help="write the student version of a homework")
    s.add_argument("homework", help="homework folder (or its source notebook)")
    s.add_argument("-o", "--output", required=True, help="where to write the student notebook")
    g = sub.add_parser("grade", help="grade a submission (or a folder of them)")
    g.add_argument("homework", help="homework folder (or its source notebook)")
    g.add_argument("submission", help="a notebook, or a folder of notebooks")
    g.add_argument("--json", help="write the report(s) as JSON")
    g.add_argument("--csv", help="write a summary CSV (one row per submission)")
    g.add_argument("--timeout", type=_positive(float), help="seconds per cell (default: the homework's manifest)")
    g.add_argument("--budget", type=_positive(float), help="seconds per notebook (default: the manifest)")
    g.add_argument("--mem-mb", type=_positive(int), help="kernel memory cap in MiB (default: the manifest)")
    n = sub.add_parser("normalize", help="set stable cell ids in a source notebook")
    n.add_argument("notebook")
    args = ap.parse_args(argv)

    try:
        if args.cmd == "normalize":
            print(f"{normalize_ids(args.notebook)} cell ids set")
            return 0
        if args.cmd == "student":
            check_output_path(args.output, "output")
            hw = load_homework(args.homework)
            write_notebook(student_notebook(hw), args.output)
            print(f"wrote {args.output}")
            return 0
        check_output_path(args.json, "--json")
        check_output_path(args.csv, "--csv")
        hw = load_homework(args.homework)
        limits = Limits.for_homework(hw, cell_timeout=args.timeout, budget=args.budget, mem_mb=args.mem_mb)
        sp = Path(args.submission)
        if sp.is_dir():
            subs = sorted(p for p in sp.glob("*.ipynb") if p.resolve() != hw.path.resolve())
            if not subs:
                print(f"error: no notebooks in {sp}", file=sys.stderr)
                return 2
        elif sp.is_file():
            subs = [sp]
        else:
            print(f"error: submission: no such file or folder {sp}", file=sys.stderr)
            return 2
        def show(r):
            print(r.table(), flush=True)
            print(flush=True)
            if args.json and sp.is_file():
                write_json(r, args.json)

        grade_many(hw, subs, limits, csv_path=args.csv, json_path=None if sp.is_file() else args.json, on_report=show)
        return 0
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
