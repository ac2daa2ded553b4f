"""Project-wide pytest configuration: the notebook (nbval) harness.

`make test` runs nbval over every notebook in ``lectures/`` and ``homework/``.
This file adds what nbval lacks:

* ``--nb-budget=SECONDS``: each notebook's wall time (kernel start + all cells)
  is reported in a table at the end, and a notebook over the budget fails the run.
* ``--nb-exclusive={skip,only,all}``: notebooks whose metadata says
  ``"sciml": {"exclusive": true}`` measure parallel speed-ups and must not share
  the machine with another notebook; ``make test`` runs the others two at a time
  (``skip``), then these alone (``only``).
* Notebooks whose metadata says ``"sciml": {"execute": false}`` (student versions
  of the homework) are not executed.
"""

from __future__ import annotations

import json
import pathlib
from collections import defaultdict

import pytest

_NB_TIMES: dict[str, float] = defaultdict(float)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sciml-notebooks")
    group.addoption("--nb-budget", type=float, default=None, help="fail any notebook taking longer (seconds)")
    group.addoption(
        "--nb-exclusive",
        choices=("skip", "only", "all"),
        default="all",
        help="run notebooks marked exclusive: skip them, only them, or all notebooks",
    )


def _nb_meta(path: pathlib.Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("sciml", {}) or {}
    except (OSError, ValueError):
        return {}


def pytest_ignore_collect(collection_path: pathlib.Path, config: pytest.Config) -> bool | None:
    if collection_path.suffix != ".ipynb":
        return None
    if ".ipynb_checkpoints" in collection_path.parts or "cases" in collection_path.parts:
        return True
    meta = _nb_meta(collection_path)
    if meta.get("execute", True) is False:
        return True
    mode = config.getoption("--nb-exclusive")
    exclusive = bool(meta.get("exclusive", False))
    if mode == "skip" and exclusive:
        return True
    if mode == "only" and not exclusive:
        return True
    return None


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _NB_TIMES[path] += report.duration


def _over_budget(config: pytest.Config) -> list[tuple[str, float]]:
    budget = config.getoption("--nb-budget")
    if budget is None:
        return []
    return [(nb, t) for nb, t in sorted(_NB_TIMES.items()) if t > budget]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _NB_TIMES or not _is_controller(config):
        return
    budget = config.getoption("--nb-budget")
    tr = terminalreporter
    tr.section("notebook wall times")
    for nb, t in sorted(_NB_TIMES.items()):
        flag = "  OVER BUDGET" if budget is not None and t > budget else ""
        tr.write_line(f"{t:7.1f} s  {nb}{flag}")
    if budget is not None:
        tr.write_line(f"budget: {budget:.0f} s per notebook")
    out = pathlib.Path(config.rootpath) / "_build" / "notebook-times.txt"
    out.parent.mkdir(exist_ok=True)
    with open(out, "a", encoding="utf-8") as fh:
        for nb, t in sorted(_NB_TIMES.items()):
            fh.write(f"{nb}\t{t:.1f}\n")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _is_controller(session.config) and _over_budget(session.config):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
