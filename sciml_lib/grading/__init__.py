"""Autograder of the book's homework (``sciml-grade``).

A homework is one *source notebook* with reference solutions, test cells and
manual questions (markers described in ``sciml_lib.grading.notebook``).
``student_notebook`` derives the version students fill in; ``grade``
runs a submission's answer cells with the source's tests in a guarded kernel
(``GuardedKernel``: temp dir, time limits, memory cap) and judges the
probed values in the grader process against a clean run of the reference.
"""

from __future__ import annotations

from .checks import forbidden_uses, judge
from .grader import Limits, Report, TestResult, extract_answers, grade, grade_many, reference_values, write_json
from .kernel import GuardedKernel, KernelDied, RunResult
from .notebook import Check, Homework, ManualSpec, TestSpec, load_homework, normalize_ids, student_notebook, write_notebook

__all__ = [
    "Check",
    "GuardedKernel",
    "Homework",
    "KernelDied",
    "Limits",
    "ManualSpec",
    "Report",
    "RunResult",
    "TestResult",
    "TestSpec",
    "extract_answers",
    "forbidden_uses",
    "grade",
    "grade_many",
    "judge",
    "load_homework",
    "normalize_ids",
    "reference_values",
    "student_notebook",
    "write_json",
    "write_notebook",
]
