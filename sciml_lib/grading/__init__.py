"""Autograder of the book's homework (``sciml-grade``).

A homework is one *source notebook* with reference solutions, test cells and
manual questions (markers described in ``sciml_lib.grading.notebook``).
``student_notebook`` derives the version students fill in; ``grade``
runs a submission's answer cells with the source's tests in a guarded kernel
(``GuardedKernel``: temp dir, time limits, memory cap, the run-time guard of
``_guard`` against forbidden calls, reads of the sources and connections, passed
on to every Python the submission starts; and, where the operating system has
them, Landlock (``_landlock``) and a network namespace with loopback only
(``_netns``)) and judges the probed values in the grader
process against a clean run of the reference. Each homework folder has a
``manifest.toml`` (``sciml_lib.grading.manifest``): problems, points,
forbidden calls, limits.
"""

from __future__ import annotations

from .cases import build_case
from .checks import forbidden_uses, judge
from .grader import (
    Limits,
    Report,
    TestResult,
    extract_answers,
    grade,
    grade_many,
    guard_config,
    reference_values,
    write_csv,
    write_json,
)
from .kernel import GuardedKernel, KernelDied, RunResult
from .manifest import Manifest, Problem, load_manifest
from .notebook import (
    Check,
    Homework,
    ManualSpec,
    TestSpec,
    load_homework,
    normalize_ids,
    student_notebook,
    write_notebook,
)

__all__ = [
    "Check",
    "GuardedKernel",
    "Homework",
    "KernelDied",
    "Limits",
    "Manifest",
    "ManualSpec",
    "Problem",
    "Report",
    "RunResult",
    "TestResult",
    "TestSpec",
    "build_case",
    "extract_answers",
    "forbidden_uses",
    "grade",
    "grade_many",
    "guard_config",
    "judge",
    "load_homework",
    "load_manifest",
    "normalize_ids",
    "reference_values",
    "student_notebook",
    "write_csv",
    "write_json",
    "write_notebook",
]
