"""Run an MPI program from Python (a notebook, a test) and collect what every rank printed.

:func:`run_mpi` starts ``mpiexec -n n python -m mpi4py <program>``: the
``mpi4py`` launcher calls ``MPI_Abort`` when a rank raises, so one failing rank
ends the whole job instead of leaving the others blocked in a collective. Every
rank's stdout and stderr go to their own file (Hydra's ``-outfile-pattern``), so
output and tracebacks are attributed to their rank. At the timeout the whole
process tree (``mpiexec``, the Hydra proxy and the ranks, which each start their
own session and so are not in ``mpiexec``'s process group) is stopped and
killed: no rank survives the call. :func:`orphans` lists any process started by
this interpreter's :func:`run_mpi` calls that is still alive.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MPIResult",
    "MPIRunError",
    "MPITimeoutError",
    "MPIOutputError",
    "mpiexec_path",
    "run_mpi",
    "process_tree",
    "orphans",
]

# Every process of a run inherits SCIML_MPI_RUN=<owner>:<run> in its environment (Hydra passes
# the environment on to the ranks), so a run's processes are found even after they are re-parented.
_ENV_KEY = "SCIML_MPI_RUN"
_OWNER = uuid.uuid4().hex

def mpiexec_path() -> pathlib.Path:
    """The ``mpiexec`` installed next to the running Python (the environment's MPICH)."""
    p = pathlib.Path(sys.executable).parent / "mpiexec"
    if not p.exists():
        raise FileNotFoundError(f"no mpiexec next to {sys.executable}; install mpi4py with mpich")
    return p


@dataclass
class MPIResult:
    """What an MPI run printed.

    Attributes
    ----------
    n : int
        Number of ranks.
    returncode : int
        Exit status of ``mpiexec``.
    stdout, stderr : str
        All ranks' output, rank by rank (``mpiexec``'s own stderr appended).
    rank_stdout, rank_stderr : list of str
        Output of each rank.
    results : list
        Per rank, the last JSON value it printed (``None`` for a rank that
        printed nothing, or when ``json_output=False``).
    records : list of list
        Per rank, every JSON value it printed, in order.
    elapsed : float
        Wall-clock seconds of the whole run, start-up included.
    """

    n: int
    returncode: int
    stdout: str
    stderr: str
    rank_stdout: list[str]
    rank_stderr: list[str]
    results: list[Any] = field(default_factory=list)
    records: list[list[Any]] = field(default_factory=list)
    elapsed: float = float("nan")

    @property
    def result(self) -> Any:
        """The first rank's result that is not ``None`` (usually rank 0's report)."""
        return next((r for r in self.results if r is not None), None)


class MPIRunError(RuntimeError):
    """An MPI run failed: a rank raised or exited with an error.

    The message holds the failing ranks' stderr (their tracebacks);
    ``rank_stderr``, ``rank_stdout``, ``returncode`` hold the raw output.
    """

    def __init__(self, message: str, *, returncode: int | None, rank_stdout: list[str],
                 rank_stderr: list[str], stderr: str = "") -> None:
        super().__init__(message)
        self.returncode = returncode
        self.rank_stdout = rank_stdout
        self.rank_stderr = rank_stderr
        self.mpiexec_stderr = stderr

    def __str__(self) -> str:
        return str(self.args[0])


class MPITimeoutError(MPIRunError, subprocess.TimeoutExpired):
    """An MPI run exceeded its timeout; every process of the run was killed."""

    def __init__(self, message: str, *, cmd: list[str], timeout: float, killed: int,
                 rank_stdout: list[str], rank_stderr: list[str], stderr: str = "") -> None:
        MPIRunError.__init__(self, message, returncode=None, rank_stdout=rank_stdout,
                             rank_stderr=rank_stderr, stderr=stderr)
        self.cmd = cmd
        self.timeout = timeout
        self.output = "".join(rank_stdout)
        self.stdout = self.output
        self.stderr = stderr
        self.killed = killed


class MPIOutputError(ValueError):
    """A rank printed something that is not JSON although ``json_output=True``."""


# --------------------------------------------------------------------------- processes
def _proc_table() -> dict[int, tuple[int, int, str]]:
    """``pid -> (ppid, start time, state)`` for every process (Linux ``/proc``)."""
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        # fields after the command name: state ppid pgrp session ... starttime (field 22)
        table[int(d)] = (int(rest[1]), int(rest[19]), rest[0])
    return table


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (Linux), parents before children."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for p, (pp, _, _) in table.items():
        children.setdefault(pp, []).append(p)
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        if p in table:
            out.append(p)
        todo.extend(children.get(p, []))
    return out


def _tagged(prefix: str) -> list[int]:
    """Live (non-zombie) processes whose environment holds ``SCIML_MPI_RUN=<prefix>...``."""
    needle = f"{_ENV_KEY}={prefix}".encode()
    table = _proc_table()
    found = []
    for pid, (_, _, state) in table.items():
        if state == "Z" or pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                env = fh.read()
        except OSError:
            continue
        if any(item.startswith(needle) for item in env.split(b"\0")):
            found.append(pid)
    return sorted(found)


def orphans() -> list[int]:
    """Processes started by :func:`run_mpi` in this interpreter that are still alive.

    Every process of a run (``mpiexec``, the Hydra proxy, the ranks and anything
    they start) carries a marker in its environment, so it is found even after
    its parent died. An empty list means that every one of them has exited
    (zombies, already dead, are not counted).
    """
    return _tagged(_OWNER + ":")


def _kill(tag: str, root: int | None = None) -> int:
    """Freeze, then kill, every process of the run ``tag``; returns how many were killed."""
    seen: set[int] = set()
    for _ in range(50):  # SIGSTOP stops further forks; repeat until nothing new appears
        found = set(_tagged(tag)) | (set(process_tree(root)) if root is not None else set())
        new = found - seen
        if not new:
            break
        for p in new:
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        seen |= new
    for p in seen:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(seen)


def _settle(tag: str, grace: float) -> int:
    """Wait up to ``grace`` s for the processes of run ``tag`` to exit; kill what is left."""
    end = time.perf_counter() + grace
    while _tagged(tag):
        if time.perf_counter() > end:
            return _kill(tag)
        time.sleep(0.02)
    return 0


# --------------------------------------------------------------------------- run_mpi
def _program_args(script_or_module: Any) -> list[str]:
    if isinstance(script_or_module, os.PathLike) or (
        isinstance(script_or_module, str) and script_or_module.endswith(".py")
    ):
        path = pathlib.Path(script_or_module)
        if not path.is_file():
            raise FileNotFoundError(f"script_or_module: no such script {str(path)!r}")
        return [str(path.resolve())]
    if not isinstance(script_or_module, str) or not script_or_module:
        raise TypeError(
            "script_or_module: expected a module name (str) or the path of a .py script, "
            f"got {script_or_module!r}"
        )
    try:
        spec = importlib.util.find_spec(script_or_module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ModuleNotFoundError(f"script_or_module: no module named {script_or_module!r}")
    return ["-m", script_or_module]


def _read(path: pathlib.Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _failure_report(rank_stderr: list[str], limit: int = 4000) -> str:
    parts = []
    order = sorted(range(len(rank_stderr)), key=lambda r: "Traceback" not in rank_stderr[r])
    for r in order:
        err = rank_stderr[r].strip()
        if err:
            parts.append(f"--- rank {r} stderr ---\n{err[-limit:]}")
    return "\n".join(parts)


def run_mpi(
    script_or_module: str | os.PathLike[str],
    n: int,
    *args: Any,
    timeout: float = 60.0,
    json_output: bool = True,
    env: dict[str, str] | None = None,
) -> MPIResult:
    """Run ``mpiexec -n n python -m mpi4py <program> *args`` and collect every rank's output.

    Parameters
    ----------
    script_or_module : str or path-like
        A module name (``"sciml_lib.distributed.programs.hello"``, run with
        ``-m``) or the path of a ``.py`` script.
    n : int
        Number of ranks (at least 1). More ranks than cores works (MPICH
        oversubscribes) but the ranks then share cores.
    *args
        Command-line arguments passed to the program (converted with ``str``).
    timeout : float
        Seconds before the whole run is killed (positive).
    json_output : bool
        Parse every non-empty line a rank prints on stdout as JSON (the
        programs of :mod:`sciml_lib.distributed.programs` print JSON lines).
    env : dict, optional
        Extra environment variables for the ranks.

    Returns
    -------
    MPIResult
        Output per rank and the parsed JSON results.

    Raises
    ------
    ValueError
        ``n < 1`` or ``timeout <= 0``.
    FileNotFoundError, ModuleNotFoundError
        The program does not exist.
    MPIRunError
        A rank raised or exited with an error; the message holds its traceback.
    MPITimeoutError
        The run took longer than ``timeout``; all its processes were killed.
    MPIOutputError
        A rank printed a line that is not JSON (with ``json_output=True``).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n: expected an int number of ranks, got {n!r}")
    if n < 1:
        raise ValueError(f"n: the number of ranks must be >= 1, got {n}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout: must be a positive number of seconds, got {timeout!r}")
    prog = _program_args(script_or_module)
    with tempfile.TemporaryDirectory(prefix="sciml_mpi_") as tmp:
        out_pat, err_pat = os.path.join(tmp, "out.%r"), os.path.join(tmp, "err.%r")
        cmd = [str(mpiexec_path()), "-outfile-pattern", out_pat, "-errfile-pattern", err_pat,
               "-n", str(n), sys.executable, "-m", "mpi4py", *prog, *map(str, args)]
        run_env = dict(os.environ)
        run_env.setdefault("PYTHONUNBUFFERED", "1")
        if env:
            run_env.update({str(k): str(v) for k, v in env.items()})
        tag = f"{_OWNER}:{uuid.uuid4().hex}"
        run_env[_ENV_KEY] = tag
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, env=run_env)
        killed = 0
        try:
            try:
                mpi_out, mpi_err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                killed = _kill(tag, proc.pid)
                mpi_out, mpi_err = proc.communicate()
            # a rank that called MPI_Abort may still be exiting when mpiexec returns
            _settle(tag, grace=5.0)
        except BaseException:  # KeyboardInterrupt in a notebook: leave nothing behind
            _kill(tag, proc.pid)
            proc.communicate()
            raise
        elapsed = time.perf_counter() - t0
        tdir = pathlib.Path(tmp)
        rank_out = [_read(tdir / f"out.{r}") for r in range(n)]
        rank_err = [_read(tdir / f"err.{r}") for r in range(n)]
    if killed:
        raise MPITimeoutError(
            f"MPI run of {script_or_module} on {n} ranks exceeded timeout={timeout:g} s; "
            f"killed {killed} processes (mpiexec, proxy and ranks).\n" + _failure_report(rank_err),
            cmd=cmd, timeout=timeout, killed=killed, rank_stdout=rank_out, rank_stderr=rank_err,
            stderr=mpi_err,
        )
    if proc.returncode != 0:
        raise MPIRunError(
            f"MPI run of {script_or_module} on {n} ranks failed (mpiexec exit status "
            f"{proc.returncode}).\n" + (_failure_report(rank_err) or mpi_err.strip()),
            returncode=proc.returncode, rank_stdout=rank_out, rank_stderr=rank_err, stderr=mpi_err,
        )
    records: list[list[Any]] = [[] for _ in range(n)]
    if json_output:
        for r, text in enumerate(rank_out):
            for k, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    records[r].append(json.loads(line))
                except json.JSONDecodeError:
                    raise MPIOutputError(
                        f"rank {r} of {script_or_module} printed non-JSON output on stdout "
                        f"(line {k}: {line[:200]!r}); print one JSON value per line or pass "
                        "json_output=False"
                    ) from None
    return MPIResult(
        n=n, returncode=proc.returncode,
        stdout="".join(rank_out) + mpi_out, stderr="".join(rank_err) + mpi_err,
        rank_stdout=rank_out, rank_stderr=rank_err,
        results=[rec[-1] if rec else None for rec in records], records=records, elapsed=elapsed,
    )
