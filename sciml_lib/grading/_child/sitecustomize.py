"""Start-up hook of the Python processes a graded submission starts (not a package module).

The grader's kernel puts this folder first on ``PYTHONPATH`` and the guard's
configuration in ``SCIML_GRADE_CHILD``; Python imports ``sitecustomize`` before
any of the child's code runs, and this one installs the grader's guard
(``sciml_lib.grading._guard.install_child``). ``_guard`` is loaded by path, so
starting a child costs no ``sciml_lib`` or NumPy import.
"""

import os
import sys


def _boot() -> None:
    text = os.environ.get("SCIML_GRADE_CHILD")
    if not text:
        return
    import importlib.util
    import json

    name = "sciml_lib.grading._guard"
    mod = sys.modules.get(name)
    if mod is None:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(os.path.dirname(here), "_guard.py")
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    mod.install_child(json.loads(text))


_boot()
