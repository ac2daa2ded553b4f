"""The folder the grader puts first on ``PYTHONPATH`` of a submission's processes.

It holds ``sitecustomize.py``, which installs the grader's guard in every child
Python (see ``sciml_lib.grading._guard``). A package only so that it is
installed with ``sciml_lib``; nothing imports it as ``sciml_lib.grading._child``.
"""
