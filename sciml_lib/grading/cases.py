"""Test submissions of a homework, written as short case files (``homework/hwN/cases/*.py``).

A case file has a header and sections::

    # base: reference            (start from the reference answers, or: blank)
    # expect: q1a=0 q2b=0        (points of the questions that differ from the base)

    # %% q1a-answer              (the student's answer cell)
    # %% replace q1a-test        (the student edited a locked or test cell)
    # %% append                  (an extra cell)
    # %% strip-ids               (the cells lost their ids)

``build_case`` turns one into the submission notebook and the points it must
score; the tests grade every case and compare. Instructors can use the same
format to pin the grading of a new homework.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat

from .notebook import Homework, student_notebook

__all__ = ["build_case"]


def build_case(hw: Homework, path: str | Path) -> tuple[dict[str, Any], dict[str, float]]:
    """Submission notebook (as a dict) and expected points per question of a case file.

    Raises
    ------
    ValueError
        If the header is missing, a section is unknown, or a question id is not
        one of the homework's.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    head, *sections = re.split(r"^# %% ", text, flags=re.M)
    base_m = re.search(r"^# base: (\w+)", head, re.M)
    expect_m = re.search(r"^# expect:(.*)$", head, re.M)
    if base_m is None or expect_m is None or base_m.group(1) not in ("reference", "blank"):
        raise ValueError(f"{path.name}: needs '# base: reference|blank' and '# expect: ...' lines")
    base = base_m.group(1)
    nb = json.loads(nbformat.writes(student_notebook(hw)))
    by_id = {c["id"]: c for c in nb["cells"]}
    if base == "reference":
        for aid, i in hw.answers.items():
            by_id[aid]["source"] = hw.nb.cells[i].source
    strip = False
    for sec in sections:
        title, _, body = sec.partition("\n")
        title, body = title.strip(), body.rstrip() + "\n"
        if title.endswith("-answer") and title in by_id:
            by_id[title]["source"] = body
        elif title.startswith("replace ") and title.split()[1] in by_id:
            by_id[title.split()[1]]["source"] = body
        elif title == "append":
            nb["cells"].append({"cell_type": "code", "id": "extra-cell", "metadata": {}, "source": body,
                                "outputs": [], "execution_count": None})
        elif title == "strip-ids":
            strip = True
        else:
            raise ValueError(f"{path.name}: unknown section {title!r}")
    if strip:
        nb["nbformat_minor"] = 4
        for c in nb["cells"]:
            c.pop("id", None)
            c["metadata"].pop("sciml", None)
    expect = {t.qid: (t.points if base == "reference" else 0.0) for t in hw.tests}
    for item in expect_m.group(1).split():
        q, pts = item.split("=")
        if q not in expect:
            raise ValueError(f"{path.name}: unknown question {q}")
        expect[q] = float(pts)
    return nb, expect
