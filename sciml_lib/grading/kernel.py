"""A guarded Jupyter kernel: fresh process, temp dir, memory cap, timeouts.

``GuardedKernel`` starts ``ipykernel`` through ``sciml_lib.grading._launch``
(which sets ``RLIMIT_AS``) in its own working directory, runs code with a
wall-clock limit per request (interrupt first, then kill the whole process
group), and fetches values as ``.npy`` bytes through ``user_expressions``;
the grader parses them with ``allow_pickle=False``, so nothing the kernel
sends can run code in the grader.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zmq
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

__all__ = ["GuardedKernel", "RunResult", "KernelDied"]

MAX_PROBE_BYTES = 64 * 2**20
MAX_MESSAGE_BYTES = 256 * 2**20

# Evaluated in the student's kernel. It can be tampered with there, which only
# ever changes the values the grader sees; the grader judges them itself.
_PROBE_EXPR = (
    "__import__('sciml_lib.grading._probe', fromlist=['dump']).dump({name})"
)


# The kernel's command line (``python -c``): first, while the process has one
# thread, leave the network (``_netns``, loaded by path so that nothing imports
# NumPy before it), then start the kernel with ``_launch``.
_BOOT = (
    "import os, sys\n"
    "if {netns!r}:\n"
    "    import importlib.util as u\n"
    "    s = u.spec_from_file_location('_sciml_grade_netns', {netns!r})\n"
    "    m = u.module_from_spec(s)\n"
    "    s.loader.exec_module(m)\n"
    "    os.environ['SCIML_GRADE_NETWORK'] = m.enter()\n"
    "from sciml_lib.grading._launch import main\n"
    "main(sys.argv[1:])\n"
)


class KernelDied(RuntimeError):
    """The kernel process ended (exit, crash, or killed after a timeout)."""


@dataclass
class RunResult:
    """Outcome of one executed cell."""

    status: str  # "ok", "error", "timeout", "died"
    ename: str = ""
    evalue: str = ""
    seconds: float = 0.0

    @property
    def message(self) -> str:
        """A one-line reason for a cell that did not succeed (``''`` when it did)."""
        if self.status == "ok":
            return ""
        if self.status == "error":
            return f"{self.ename}: {self.evalue}"[:300]
        return {"timeout": "time limit exceeded", "died": "the kernel died"}[self.status] + (
            f" ({self.evalue})" if self.evalue else ""
        )


class GuardedKernel:
    """One sandboxed kernel (use as a context manager).

    Parameters
    ----------
    mem_mb : int
        Address-space cap of the kernel in MiB (0: none).
    workdir : str or Path, optional
        Working directory; a fresh temporary one by default.
    env : dict, optional
        Extra environment variables for the kernel.
    guard : dict, optional
        Guard configuration applied in the kernel before any code runs
        (``sciml_lib.grading._guard.install``: ``forbidden_calls``,
        ``read_roots``, ``write_roots``); attempts are read back with
        ``guard_hits``.
    """

    def __init__(self, mem_mb: int = 3072, workdir: str | Path | None = None,
                 env: dict[str, str] | None = None, guard: dict[str, Any] | None = None):
        self.mem_mb = int(mem_mb)
        self._tmp = tempfile.TemporaryDirectory(prefix="sciml-grade-")
        self.workdir = Path(workdir) if workdir else Path(self._tmp.name) / "work"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.extra_env = dict(env or {})
        self.guard = dict(guard) if guard is not None else None
        self._guard_log = Path(self._tmp.name) / "guard.log"
        self._child_logs = Path(self._tmp.name) / "children"  # logs of guarded child Pythons
        self._ipc_dir = Path(self._tmp.name) / "ipc"
        self.km: KernelManager | None = None
        self.kc: Any = None
        self.dead = False

    # -- lifecycle -----------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        """Start the kernel and wait until it answers (``KernelDied`` if it does not)."""
        spec_dir = Path(self._tmp.name) / "kernels" / "sciml-grade"
        spec_dir.mkdir(parents=True, exist_ok=True)
        isolate = self.guard is not None and bool(self.guard.get("isolate"))
        offline = isolate and sys.platform.startswith("linux")
        argv = [sys.executable, "-c", _BOOT.format(netns=str(Path(__file__).with_name("_netns.py"))
                                                   if offline else ""),
                "--mem-mb", str(self.mem_mb)]
        if self.guard is not None:
            conf = Path(self._tmp.name) / "guard.json"
            cfg = dict(self.guard, log=str(self._guard_log), child_log=str(self._child_logs))
            self._child_logs.mkdir(exist_ok=True)
            self._ipc_dir.mkdir(exist_ok=True)
            if cfg.pop("isolate", False):
                cfg["landlock"] = self._landlock_paths()
            cfg["private"] = [*cfg.get("private", []), str(conf), str(self._guard_log),
                              str(spec_dir), str(self._child_logs), str(self._ipc_dir)]
            conf.write_text(json.dumps(cfg), encoding="utf-8")
            argv += ["--guard", str(conf)]
        argv += ["-f", "{connection_file}"]
        (spec_dir / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "sciml-grade", "language": "python", "interrupt_mode": "signal"})
        )
        ksm = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER_", "PYTEST_", "COV_"))}
        env.update({"MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "NUMBA_CACHE_DIR": str(self.workdir / ".numba")})
        # everything the kernel writes stays in its own folder (and Landlock needs nothing else)
        tmpdir = self.workdir / ".tmp"
        tmpdir.mkdir(exist_ok=True)
        env.update({"TMPDIR": str(tmpdir), "IPYTHONDIR": str(self.workdir / ".ipython"),
                    "JUPYTER_CONFIG_DIR": str(self.workdir / ".jupyter"),
                    "JUPYTER_DATA_DIR": str(self.workdir / ".jupyter-data"),
                    "JUPYTER_RUNTIME_DIR": str(self.workdir / ".jupyter-data")})
        if self.guard is not None and self.guard.get("isolate"):
            # caches the sandbox would not let the kernel write: Numba's cache of notebook
            # functions moves to the kernel's folder, Matplotlib's font cache is only read
            env["XDG_CACHE_HOME"] = str(self.workdir / ".cache")
            mpl = Path.home() / ".cache" / "matplotlib"
            if mpl.is_dir() and "MPLCONFIGDIR" not in os.environ:
                env["MPLCONFIGDIR"] = str(mpl)
        if int(env.get("NUMBA_NUM_THREADS", "0") or 0) < 2:
            env["NUMBA_NUM_THREADS"] = str(max(2, os.cpu_count() or 2))
        env.update(self.extra_env)
        # Messages from the kernel are capped in size (a larger one drops the
        # connection), so a submission cannot exhaust the grader's memory.
        self._ctx = zmq.Context()
        self._ctx.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if offline:
            # the kernel has no network (only its own loopback): talk to it through
            # Unix-domain sockets in a private folder, which namespaces do not separate
            self.km = KernelManager(kernel_name="sciml-grade", kernel_spec_manager=ksm,
                                    context=self._ctx, transport="ipc", ip=str(self._ipc_dir / "k"))
        else:
            self.km = KernelManager(kernel_name="sciml-grade", kernel_spec_manager=ksm,
                                    context=self._ctx)
        # a private connection file: other kernels' keys are not readable from this one
        self.km.connection_file = str(Path(self._tmp.name) / "connection.json")
        # The kernel's own stdout/stderr go nowhere: nothing it prints can
        # reach the grader's terminal or be mistaken for the grader's output.
        self.km.start_kernel(cwd=str(self.workdir), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=timeout)
        except Exception as exc:  # noqa: BLE001
            self.kill()
            raise KernelDied(f"kernel did not start: {exc}") from exc
        self.dead = False

    def __enter__(self) -> "GuardedKernel":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pgid(self) -> int | None:
        try:
            pid = self.km.provisioner.process.pid  # type: ignore[union-attr]
            return os.getpgid(pid)
        except Exception:  # noqa: BLE001
            return None

    def kill(self) -> None:
        """Kill the kernel and everything in its process group."""
        if self.km is None:
            return
        pgid = self._pgid()
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001
            pass
        if pgid is not None and pgid != os.getpgid(0):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.dead = True

    def close(self) -> None:
        """Stop the kernel and remove its temporary folder."""
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        self.kill()
        self.km = None
        ctx = getattr(self, "_ctx", None)
        if ctx is not None:
            ctx.destroy(linger=0)
            self._ctx = None
        self._tmp.cleanup()

    def _landlock_paths(self) -> dict[str, list[str]]:
        """What the kernel may read (the Python installation, system folders) and write (its folder)."""
        import site
        import sysconfig

        import sciml_lib

        home = Path.home()
        exe = os.path.realpath(sys.executable)
        read = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(exe),
                os.path.dirname(os.path.dirname(exe)),
                os.path.dirname(os.path.realpath(sciml_lib.__file__)), *site.getsitepackages(),
                sysconfig.get_paths()["stdlib"], "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc",
                "/sys", "/dev", "/opt", "/run", str(home / ".cache" / "matplotlib"),
                str(home / ".config" / "matplotlib")}
        read |= {os.path.realpath(p) for p in read}
        write = {str(self.workdir), str(self._child_logs), str(self._ipc_dir), "/dev/shm",
                 "/dev/null", "/dev/zero", "/dev/urandom", "/dev/tty"}
        return {"read": sorted(read), "write": sorted(write)}

    def guard_hits(self) -> list[dict[str, str]]:
        """Attempts the guard recorded (forbidden calls, protected files), in order.

        The kernel's own log first, then those of the child Python processes it
        started (each writes ``children/<pid>.jsonl``; a record says ``in a child
        process``).
        """
        text = ""
        logs = [self._guard_log]
        try:
            logs += sorted(self._child_logs.glob("*.jsonl"))[:200]
        except OSError:
            pass
        for log in logs:
            try:
                with open(log, "rb") as fh:
                    text += fh.read(1_000_000).decode("utf-8", "replace") + "\n"
            except OSError:
                continue
        out = []
        for line in text.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("kind"), str) and isinstance(item.get("what"), str):
                hit = {"kind": item["kind"][:20], "what": item["what"][:300]}
                if isinstance(item.get("where"), str):
                    hit["where"] = item["where"][:200]
                out.append(hit)
        return out

    def alive(self) -> bool:
        """Whether the kernel process is running."""
        try:
            return self.km is not None and not self.dead and self.km.is_alive()
        except Exception:  # noqa: BLE001
            return False

    # -- execution -----------------------------------------------------------
    def _wait_reply(self, msg_id: str, deadline: float) -> dict | None:
        """Shell reply to ``msg_id``, or None at the deadline; raises KernelDied."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                msg = self.kc.get_shell_msg(timeout=min(0.25, left))
            except queue.Empty:
                self._drain_iopub()
                if not self.alive():
                    self.dead = True
                    raise KernelDied("kernel process ended")
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg

    def _drain_iopub(self) -> None:
        for _ in range(1000):
            try:
                self.kc.get_iopub_msg(timeout=0)
            except queue.Empty:
                return
            except Exception:  # noqa: BLE001
                return

    def run(self, code: str, timeout: float, grace: float = 5.0) -> RunResult:
        """Execute ``code``; interrupt after ``timeout`` s, kill ``grace`` s later."""
        if not self.alive():
            return RunResult("died", evalue="not running")
        t0 = time.monotonic()
        msg_id = self.kc.execute(code, silent=False, store_history=True, allow_stdin=False, stop_on_error=False)
        try:
            reply = self._wait_reply(msg_id, t0 + timeout)
            if reply is None:
                try:
                    self.km.interrupt_kernel()
                except Exception:  # noqa: BLE001
                    pass
                reply = self._wait_reply(msg_id, time.monotonic() + grace)
                if reply is None:
                    self.kill()
                    return RunResult("died", evalue="did not stop when interrupted; killed", seconds=time.monotonic() - t0)
                return RunResult("timeout", "TimeoutError", f"interrupted after {timeout:g} s", time.monotonic() - t0)
        except KernelDied as exc:
            self.kill()
            return RunResult("died", evalue=str(exc), seconds=time.monotonic() - t0)
        content = reply.get("content", {})
        dt = time.monotonic() - t0
        if content.get("status") == "ok":
            return RunResult("ok", seconds=dt)
        return RunResult("error", str(content.get("ename", "Error")), str(content.get("evalue", "")), dt)

    def probe(self, names: list[str], timeout: float = 30.0) -> dict[str, Any]:
        """Fetch variables as arrays; a name maps to an ndarray or to an error string."""
        if not self.alive():
            raise KernelDied("not running")
        exprs = {f"p{i}": _PROBE_EXPR.format(name=n) for i, n in enumerate(names)}
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions=exprs, allow_stdin=False)
        try:
            reply = self._wait_reply(msg_id, time.monotonic() + timeout)
        except KernelDied:
            self.kill()
            raise
        if reply is None:
            self.kill()
            raise KernelDied("probe timed out; killed")
        got = reply.get("content", {}).get("user_expressions", {}) or {}
        out: dict[str, Any] = {}
        for i, n in enumerate(names):
            out[n] = _decode(got.get(f"p{i}"))
        return out


def _decode(item: Any) -> Any:
    """Turn one user_expressions entry into an ndarray, or an error string."""
    if not isinstance(item, dict):
        return "no value returned"
    if item.get("status") != "ok":
        return f"{item.get('ename', 'Error')}: {item.get('evalue', '')}"[:200]
    text = (item.get("data") or {}).get("text/plain")
    if not isinstance(text, str) or len(text) > 2 * MAX_PROBE_BYTES:
        return "malformed value"
    try:
        s = ast.literal_eval(text)
        if not isinstance(s, str):
            return "malformed value"
        if s.startswith("ERR:"):
            return s[4:200]
        raw = base64.b64decode(s.encode("ascii"), validate=True)
        if len(raw) > MAX_PROBE_BYTES:
            return "value too large"
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001
        return f"malformed value ({type(exc).__name__})"
    if not isinstance(arr, np.ndarray) or arr.dtype.hasobject:
        return "malformed value"
    return arr
