r"""Profilers from Python, with results as data (lecture 18).

Three kinds of profiler answer "where does the time go?" :cite:p:`graham1982gprof`:

* a **deterministic** profiler (``cProfile``, read with ``pstats``)
  records every Python function call: exact call counts, but an overhead on
  every call that inflates small functions;
* a **line** profiler (``line_profiler``) times each line of chosen functions;
* a **sampling** profiler interrupts the program at a fixed rate and records
  its call stack; the stacks, counted, make a *flame graph*
  :cite:p:`gregg2016flame` (width = share of samples, height = call depth).
  ``py-spy`` samples another process from outside (it reads the process'
  memory, which needs ``ptrace`` permission, often missing in containers);
  :func:`sample_in_process` is a pure-Python fallback that samples the main
  thread from a helper thread (it cannot see inside compiled code that holds
  the GIL, and neither can ``py-spy`` without ``--native``).

Every function here returns plain data (:class:`ProfileReport`,
:class:`LineReport`, :class:`FlameProfile`) so that a notebook can assert on
what the profiler found, and the ``py-spy`` helpers never raise when the tool
or the permission is missing: they return a profile with ``ok=False`` and the
reason.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

__all__ = [
    "ProfileRow",
    "ProfileReport",
    "cprofile",
    "LineReport",
    "line_profile",
    "FlameProfile",
    "parse_collapsed",
    "pyspy_path",
    "pyspy_available",
    "pyspy_record",
    "sample_in_process",
    "plot_flame_graph",
]


# -- cProfile -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProfileRow:
    """One function of a :func:`cprofile` report (times in seconds)."""

    function: str
    ncalls: int
    tottime: float
    cumtime: float


@dataclass
class ProfileReport:
    """The functions seen by ``cProfile``, sorted by own time (``tottime``), largest first."""

    rows: list[ProfileRow]
    total: float

    def hotspot(self, exclude: Sequence[str] = ()) -> ProfileRow:
        """The row with the largest own time whose name contains none of ``exclude``."""
        for r in self.rows:
            if not any(x in r.function for x in exclude):
                return r
        raise ValueError("exclude: every function was excluded")

    def find(self, name: str) -> ProfileRow | None:
        """The first row whose function name contains ``name``, or None."""
        return next((r for r in self.rows if name in r.function), None)

    def table(self, limit: int = 10) -> str:
        """The ``limit`` largest rows as text."""
        lines = [f"{'ncalls':>8} {'tottime':>9} {'cumtime':>9}  function"]
        for r in self.rows[:limit]:
            lines.append(f"{r.ncalls:8d} {r.tottime:9.4f} {r.cumtime:9.4f}  {r.function}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":  # built-in
        return name
    return f"{name} ({Path(filename).name}:{line})"


def cprofile(fn: Callable[..., Any], *args: Any, repeat: int = 1, **kwargs: Any) -> ProfileReport:
    """Run ``fn(*args, **kwargs)`` ``repeat`` times under ``cProfile`` and return the report."""
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be a positive int, got {repeat!r}")
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    try:
        for _ in range(repeat):
            fn(*args, **kwargs)
    finally:
        prof.disable()
    total = time.perf_counter() - t0
    st = pstats.Stats(prof)
    rows = [
        ProfileRow(_label(key), int(nc), float(tt), float(ct))
        for key, (cc, nc, tt, ct, _callers) in st.stats.items()  # type: ignore[attr-defined]
        if "_lsprof.Profiler" not in key[2]
    ]
    rows.sort(key=lambda r: r.tottime, reverse=True)
    return ProfileReport(rows, total)


# -- line_profiler ---------------------------------------------------------------------------
@dataclass
class LineReport:
    """Per-line times of one function from ``line_profiler``.

    ``lines`` holds ``(lineno, hits, seconds, source)`` for the lines that ran.
    """

    function: str
    lines: list[tuple[int, int, float, str]]

    @property
    def total(self) -> float:
        """Seconds summed over the lines."""
        return sum(t for _, _, t, _ in self.lines)

    def hottest(self) -> tuple[int, int, float, str]:
        """The line that took the most time."""
        return max(self.lines, key=lambda r: r[2])

    def table(self) -> str:
        """The lines as text with their share of the function's time."""
        tot = self.total or 1.0
        out = [f"{'line':>5} {'hits':>8} {'time':>10} {'%':>6}  source"]
        for ln, hits, t, src in self.lines:
            out.append(f"{ln:5d} {hits:8d} {t * 1e3:8.2f}ms {100 * t / tot:6.1f}  {src.rstrip()}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()


def line_profile(func: Callable[..., Any], call: Callable[[], Any] | None = None, *args: Any,
                 **kwargs: Any) -> LineReport:
    """Time each line of the Python function ``func`` with ``line_profiler``.

    Parameters
    ----------
    func : callable
        The function whose lines are timed (a plain Python function).
    call : callable, optional
        What to run (e.g. a solve that calls ``func`` many times); by default
        ``func(*args, **kwargs)``.

    Raises
    ------
    ImportError
        When ``line_profiler`` is not installed (``pip install line-profiler``).
    """
    if not callable(func) or not hasattr(func, "__code__"):
        raise TypeError(f"func must be a Python function, got {type(func).__name__}")
    try:
        from line_profiler import LineProfiler
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("line_profile needs line_profiler: pip install line-profiler") from exc
    lp = LineProfiler()
    wrapped = lp(func)
    lp.enable_by_count()
    try:
        if call is None:
            wrapped(*args, **kwargs)
        else:
            call()
    finally:
        lp.disable_by_count()
    stats = lp.get_stats()
    code = func.__code__
    src_lines, start = _source_lines(func)
    rows: list[tuple[int, int, float, str]] = []
    for (fname, line, name), timings in stats.timings.items():
        if name != code.co_name or line != code.co_firstlineno:
            continue
        for ln, hits, t in timings:
            src = src_lines[ln - start] if 0 <= ln - start < len(src_lines) else ""
            rows.append((int(ln), int(hits), float(t) * stats.unit, src))
    rows.sort()
    return LineReport(code.co_name, rows)


def _source_lines(func: Callable[..., Any]) -> tuple[list[str], int]:
    import inspect

    try:
        lines, start = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return [], 0
    return lines, start


# -- flame graphs ----------------------------------------------------------------------------
@dataclass
class FlameProfile:
    """Sampled call stacks, counted (the data of a flame graph).

    Attributes
    ----------
    stacks : dict
        ``(outermost frame, ..., innermost frame) -> number of samples``.
    ok : bool
        Whether the profiler ran; when False, ``reason`` says why and
        ``stacks`` is empty.
    reason : str
        Why the profiler could not run (empty when ``ok``).
    source : str
        ``"py-spy"`` or ``"in-process"``.
    """

    stacks: dict[tuple[str, ...], int] = field(default_factory=dict)
    ok: bool = True
    reason: str = ""
    source: str = ""

    @property
    def total(self) -> int:
        """Number of samples."""
        return sum(self.stacks.values())

    def fraction(self, name: str) -> float:
        """Share of the samples whose stack has a frame containing ``name`` (inclusive time)."""
        tot = self.total
        if tot == 0:
            return 0.0
        return sum(c for s, c in self.stacks.items() if any(name in fr for fr in s)) / tot

    def self_time(self) -> Counter:
        """Samples per innermost frame (the exclusive time of each function)."""
        out: Counter = Counter()
        for s, c in self.stacks.items():
            if s:
                out[s[-1]] += c
        return out

    def restrict(self, name: str) -> "FlameProfile":
        """The stacks below the first frame containing ``name`` (that frame becomes the root)."""
        out: Counter = Counter()
        for s, c in self.stacks.items():
            for i, fr in enumerate(s):
                if name in fr:
                    out[s[i:]] += c
                    break
        return FlameProfile(dict(out), self.ok, self.reason, self.source)


def parse_collapsed(text: str) -> dict[tuple[str, ...], int]:
    """Parse Brendan Gregg's collapsed-stack format (``a;b;c 12`` per line, py-spy's ``raw``)."""
    out: Counter = Counter()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        out[tuple(fr for fr in stack.split(";") if fr)] += n
    return dict(out)


def pyspy_path() -> str | None:
    """The ``py-spy`` executable (next to this Python first, then on ``PATH``), or None."""
    cand = Path(sys.executable).with_name("py-spy")
    if cand.exists():
        return str(cand)
    return shutil.which("py-spy")


def _run_pyspy(
    exe: str, script: Path, out: Path, rate: int, native: bool, timeout: float, lines: bool = True
) -> tuple[bool, str]:
    cmd = [exe, "record", "-o", str(out), "-f", "raw", "-r", str(int(rate))]
    if native:
        cmd.append("--native")
    if not lines:
        cmd.append("--nolineno")
    cmd += ["--", sys.executable, str(script)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False, f"py-spy did not finish within {timeout} s"
    except OSError as exc:
        return False, f"py-spy could not be started: {exc}"
    if res.returncode != 0 or not out.exists():
        msg = (res.stderr or res.stdout or "").strip().splitlines()
        tail = msg[-1] if msg else f"exit status {res.returncode}"
        text = " ".join(msg).lower()
        if any(w in text for w in ("permission", "ptrace", "operation not permitted")):
            return False, f"py-spy lacks ptrace permission (run with SYS_PTRACE or as root): {tail}"
        return False, f"py-spy failed: {tail}"
    return True, ""


def pyspy_available(py_spy: str | None = None, timeout: float = 30.0) -> tuple[bool, str]:
    """Whether ``py-spy`` is installed and allowed to sample here: ``(ok, reason)``.

    Samples a tiny child process; never raises.
    """
    exe = py_spy or pyspy_path()
    if exe is None:
        return False, "py-spy is not installed (pip install py-spy)"
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "probe.py"
        script.write_text(
            "import time\nt = time.perf_counter()\nwhile time.perf_counter() - t < 0.3:\n    pass\n"
        )
        return _run_pyspy(exe, script, Path(tmp) / "out.txt", 100, False, timeout)


def pyspy_record(code: str, *, rate: int = 100, native: bool = False, lines: bool = False,
                 timeout: float = 120.0, py_spy: str | None = None) -> FlameProfile:
    """Run the script ``code`` in a fresh interpreter under ``py-spy record``; return its stacks.

    Parameters
    ----------
    code : str
        A complete script (it imports what it needs).
    rate : int
        Samples per second.
    native : bool
        Also unwind native frames (C extensions, Numba's compiled code:
        unnamed addresses, since Numba's JIT code has no symbols).
    lines : bool
        Keep line numbers in the frame names (one frame per line) instead of
        one frame per function.
    timeout : float
        Seconds before the run is abandoned.
    py_spy : str, optional
        Path of the executable (default: :func:`pyspy_path`).

    Returns
    -------
    FlameProfile
        ``ok=False`` with the reason when py-spy is missing, lacks ``ptrace``
        permission or fails; never raises for those.
    """
    if not isinstance(code, str):
        raise TypeError(f"code must be a str, got {type(code).__name__}")
    if not isinstance(rate, int) or rate < 1:
        raise ValueError(f"rate must be a positive int, got {rate!r}")
    exe = py_spy or pyspy_path()
    if exe is None:
        return FlameProfile(ok=False, reason="py-spy is not installed (pip install py-spy)",
                            source="py-spy")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "profiled.py"
        script.write_text(code)
        out = Path(tmp) / "stacks.txt"
        ok, reason = _run_pyspy(exe, script, out, rate, native, timeout, lines)
        if not ok:
            return FlameProfile(ok=False, reason=reason, source="py-spy")
        stacks = parse_collapsed(out.read_text())
    return FlameProfile(stacks, True, "", "py-spy")


def _frame_label(frame: Any, lines: bool) -> str:
    co = frame.f_code
    where = os.path.basename(co.co_filename) + (f":{frame.f_lineno}" if lines else "")
    return f"{co.co_name} ({where})"


def sample_in_process(fn: Callable[..., Any], *args: Any, interval: float = 1e-3,
                      lines: bool = False, **kwargs: Any) -> FlameProfile:
    """Sample the call stack of ``fn(*args, **kwargs)`` from a helper thread (pure Python).

    Every ``interval`` seconds the helper thread reads the main thread's frame
    (``sys._current_frames``) and counts the stack. It needs no permission,
    but it only runs when the main thread releases the GIL, so time spent in
    compiled code is attributed to the Python line that called it. ``lines``
    keeps line numbers in the frame names (as :func:`pyspy_record`).
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if not interval > 0:
        raise ValueError(f"interval must be > 0, got {interval!r}")
    target = threading.get_ident()
    counts: Counter = Counter()
    done = threading.Event()
    here = sys._getframe()

    def sampler() -> None:
        while not done.is_set():
            frame = sys._current_frames().get(target)
            stack = []
            while frame is not None and frame is not here:
                stack.append(_frame_label(frame, lines))
                frame = frame.f_back
            if stack:
                counts[tuple(reversed(stack))] += 1
            time.sleep(interval)

    th = threading.Thread(target=sampler, daemon=True)
    old = sys.getswitchinterval()
    sys.setswitchinterval(min(old, interval / 2))
    th.start()
    try:
        fn(*args, **kwargs)
    finally:
        done.set()
        th.join()
        sys.setswitchinterval(old)
    return FlameProfile(dict(counts), True, "", "in-process")


def _short(frame: str) -> str:
    """``"f (path/file.py:12)"`` -> ``"f:12"``; ``"f (path/file.py)"`` -> ``"f"``."""
    func, _, rest = frame.partition(" (")
    line = rest.rstrip(")").rpartition(":")[2]
    return f"{func}:{line}" if line.isdigit() else func


def plot_flame_graph(profile: FlameProfile, ax: Any = None, *, min_fraction: float = 0.01,
                     max_depth: int = 30, label_chars: int = 40, short_labels: bool = True,
                     cmap: str = "autumn") -> Any:
    """Draw ``profile`` as a flame graph (root at the bottom, width = share of samples).

    Frames narrower than ``min_fraction`` of the samples are omitted;
    ``short_labels`` writes only the function name of each frame and its line
    number, if any (without the file). Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(profile, FlameProfile):
        raise TypeError(f"profile must be a FlameProfile, got {type(profile).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    total = profile.total
    if total == 0:
        ax.text(0.5, 0.5, profile.reason or "no samples", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    colours = plt.get_cmap(cmap)

    def draw(prefix: tuple[str, ...], stacks: list[tuple[tuple[str, ...], int]], x0: float,
             depth: int) -> None:
        if depth >= max_depth:
            return
        children: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for s, c in stacks:
            if len(s) > depth:
                children.setdefault(s[depth], []).append((s, c))
        x = x0
        for name in sorted(children):
            group = children[name]
            w = sum(c for _, c in group) / total
            if w >= min_fraction:
                shade = colours(0.15 + 0.7 * ((zlib.crc32(name.encode()) % 97) / 97))
                ax.barh(depth, w, left=x, height=0.95, color=shade, edgecolor="white",
                        linewidth=0.5)
                short = _short(name) if short_labels else name
                short = short if len(short) <= label_chars else short[: label_chars - 1] + "…"
                if w > 0.06:
                    ax.text(x + 0.003, depth, short, va="center", ha="left", fontsize=7,
                            clip_on=True)
                draw(prefix + (name,), group, x, depth + 1)
            x += w

    draw((), list(profile.stacks.items()), 0.0, 0)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of samples")
    ax.set_ylabel("stack depth")
    return ax
