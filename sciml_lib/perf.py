r"""Benchmark helpers used by every notebook of the book.

Timing a piece of code well takes more care than calling ``time.time`` twice
:cite:p:`chen2016robust`:

* **Warm-up.** The first call of a Numba or JAX function compiles it; that cost
  is reported separately (:func:`compile_time`) and excluded from the timing.
* **Repeats.** Each *repeat* runs the function ``number`` times in a loop and
  records the mean time per call; ``number`` is chosen automatically so that
  one repeat lasts at least ``min_time`` seconds, which drowns the timer's own
  resolution. The **minimum** over repeats estimates the undisturbed cost (noise
  only ever adds time); the **median** is reported beside it.
* **Memory.** :func:`allocations` measures the peak extra heap memory of one
  call (temporaries included) with :mod:`tracemalloc`. Memory that compiled
  Numba code allocates through its own runtime is *not* seen by tracemalloc.
* **Ratios, not absolute numbers.** :func:`compare` times several variants in
  one run and reports each relative to a baseline, the only kind of number that
  carries over to another machine.

Example
-------
>>> import numpy as np
>>> from sciml_lib.perf import compare
>>> x = np.ones(1000)
>>> table = compare({"sum": lambda: x.sum(), "python": lambda: sum(x)}, baseline="python")
>>> table.ratio("sum") > 1        # NumPy's sum is faster than the Python loop
True
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

__all__ = [
    "Timing",
    "BenchmarkTable",
    "benchmark",
    "compare",
    "compile_time",
    "allocations",
    "format_time",
    "format_bytes",
    "Timer",
    "cpu_model",
    "machine_info",
]


def format_time(seconds: float) -> str:
    """Format a duration with an SI prefix, e.g. ``1.23 µs``."""
    if not math.isfinite(seconds):
        return str(seconds)
    s = abs(seconds)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-12:.3g} ps"


def format_bytes(n: float) -> str:
    """Format a number of bytes with a binary prefix, e.g. ``78.1 KiB``."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.3g} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.3g} GiB"  # pragma: no cover


@dataclass(frozen=True)
class Timing:
    """The result of :func:`benchmark`.

    Attributes
    ----------
    label : str
        Name of the benchmarked variant.
    times : tuple of float
        Mean seconds per call in each repeat.
    number : int
        Calls per repeat.
    allocs : int or None
        Memory blocks allocated by one call and still alive after it (tracemalloc), when measured.
    alloc_bytes : int or None
        Peak extra memory of one call in bytes, temporaries included, when measured.
    """

    label: str
    times: tuple[float, ...]
    number: int
    allocs: int | None = None
    alloc_bytes: int | None = None

    @property
    def min(self) -> float:
        """Fastest repeat, seconds per call."""
        return min(self.times)

    @property
    def median(self) -> float:
        """Median repeat, seconds per call."""
        return statistics.median(self.times)

    @property
    def mean(self) -> float:
        """Mean over repeats, seconds per call."""
        return statistics.fmean(self.times)

    @property
    def stdev(self) -> float:
        """Standard deviation over repeats (0 for a single repeat)."""
        return statistics.stdev(self.times) if len(self.times) > 1 else 0.0

    def __str__(self) -> str:
        s = f"{self.label}: min {format_time(self.min)}, median {format_time(self.median)} ({len(self.times)} x {self.number})"
        if self.allocs is not None:
            s += f", peak memory {format_bytes(self.alloc_bytes or 0)}"
        return s


def _check_callable(fn: Any, name: str = "fn") -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be callable, got {type(fn).__name__}")


def allocations(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, int]:
    """Measure the heap memory that one call ``fn(*args, **kwargs)`` needs.

    Returns ``(blocks, peak_bytes)``: ``blocks`` is the number of memory blocks
    allocated by the call that are still alive when it returns (its results),
    and ``peak_bytes`` the largest amount of extra memory the call held at any
    moment, *including temporaries freed before it returned*, as seen by
    :mod:`tracemalloc`. NumPy registers its buffers with tracemalloc, so array
    temporaries are counted; memory allocated inside compiled Numba code is not.
    Python cannot count every allocation the way Julia's ``@btime`` does, so the
    book reports peak memory instead.
    """
    _check_callable(fn)
    fn(*args, **kwargs)  # warm caches, compile
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
        after = tracemalloc.take_snapshot()
        del out
    finally:
        if not was_tracing:
            tracemalloc.stop()
    flt = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = after.filter_traces(flt).compare_to(before.filter_traces(flt), "traceback")
    blocks = sum(max(d.count_diff, 0) for d in diff)
    return blocks, max(peak - start, 0)


def compile_time(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """Seconds taken by the first call (compilation plus one run).

    Call this on a freshly defined Numba/JAX function before any other call,
    otherwise it measures an ordinary run.
    """
    _check_callable(fn)
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    _block(out)
    return time.perf_counter() - t0


def _block(out: Any) -> None:
    """Wait for asynchronous (JAX) results so that timings are honest."""
    blk = getattr(out, "block_until_ready", None)
    if callable(blk):
        blk()
    elif isinstance(out, (tuple, list)):
        for o in out:
            _block(o)


def benchmark(
    fn: Callable[..., Any],
    *args: Any,
    label: str | None = None,
    repeat: int = 7,
    number: int | None = None,
    min_time: float = 0.05,
    warmup: int = 1,
    track_alloc: bool = False,
    max_time: float = 10.0,
    **kwargs: Any,
) -> Timing:
    """Time ``fn(*args, **kwargs)``.

    Parameters
    ----------
    fn : callable
        The code to time. JAX results are waited for (``block_until_ready``).
    label : str, optional
        Name shown in tables; defaults to ``fn.__name__``.
    repeat : int
        Number of repeats (at least 1).
    number : int, optional
        Calls per repeat; chosen so that a repeat lasts ``min_time`` when omitted.
    min_time : float
        Target duration of one repeat in seconds.
    warmup : int
        Untimed calls before timing (compilation, caches).
    track_alloc : bool
        Also measure the peak memory of one call with :func:`allocations`.
    max_time : float
        Upper bound on the total time spent; ``repeat`` is reduced to respect it.

    Returns
    -------
    Timing
    """
    _check_callable(fn)
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be a positive int, got {repeat!r}")
    if number is not None and (not isinstance(number, int) or number < 1):
        raise ValueError(f"number must be a positive int, got {number!r}")
    if min_time <= 0:
        raise ValueError(f"min_time must be > 0, got {min_time!r}")
    for _ in range(max(warmup, 0)):
        _block(fn(*args, **kwargs))

    def run(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            out = fn(*args, **kwargs)
        _block(out)
        return time.perf_counter() - t0

    if number is None:
        n = 1
        while True:
            t = run(n)
            if t >= min_time or n >= 10**8:
                break
            # aim a little above min_time
            n = max(n + 1, int(n * min(10.0, 1.2 * min_time / max(t, 1e-9))))
        number = n
        first = t / n
    else:
        first = None
    est_rep = (first if first is not None else 0.0) * number
    if est_rep > 0:
        repeat = max(1, min(repeat, int(max_time / est_rep)))
    gc_was = gc.isenabled()
    gc.disable()
    try:
        times = tuple(run(number) / number for _ in range(repeat))
    finally:
        if gc_was:
            gc.enable()
    allocs = nbytes = None
    if track_alloc:
        allocs, nbytes = allocations(fn, *args, **kwargs)
    return Timing(label or getattr(fn, "__name__", "fn"), times, number, allocs, nbytes)


@dataclass
class BenchmarkTable:
    """Several :class:`Timing` results with ratios to a baseline.

    ``ratio(name)`` is *baseline time / this time*: above 1 means faster than
    the baseline. Renders as a text table (``print``) and as HTML in a notebook.
    """

    timings: list[Timing]
    baseline: str
    notes: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Timing:
        for t in self.timings:
            if t.label == name:
                return t
        raise KeyError(name)

    @property
    def labels(self) -> list[str]:
        return [t.label for t in self.timings]

    def ratio(self, name: str, stat: str = "min") -> float:
        """Speed-up of ``name`` over the baseline (``> 1`` is faster)."""
        base = getattr(self[self.baseline], stat)
        return base / getattr(self[name], stat)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for t in self.timings:
            out.append(
                {
                    "variant": t.label,
                    "min": t.min,
                    "median": t.median,
                    "speed-up": self.ratio(t.label),
                    "allocs": t.allocs,
                    "bytes": t.alloc_bytes,
                    "note": self.notes.get(t.label, ""),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "rows": self.rows()}

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        show_alloc = any(t.allocs is not None for t in self.timings)
        show_note = any(self.notes.values())
        head = ["variant", "min", "median", f"speed-up vs {self.baseline}"]
        if show_alloc:
            head += ["peak memory"]
        if show_note:
            head += ["note"]
        body = []
        for r in self.rows():
            row = [r["variant"], format_time(r["min"]), format_time(r["median"]), f"{r['speed-up']:.3g}x"]
            if show_alloc:
                row += ["" if r["bytes"] is None else format_bytes(r["bytes"])]
            if show_note:
                row += [r["note"]]
            body.append(row)
        return head, body

    def __str__(self) -> str:
        head, body = self._cells()
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
        return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])

    def _repr_html_(self) -> str:
        head, body = self._cells()
        th = "".join(f"<th>{h}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"

    def __repr__(self) -> str:  # pragma: no cover - display helper
        return str(self)


def compare(
    cases: Mapping[str, Callable[[], Any]] | Sequence[tuple[str, Callable[[], Any]]],
    baseline: str | None = None,
    notes: Mapping[str, str] | None = None,
    rounds: int = 1,
    **kwargs: Any,
) -> BenchmarkTable:
    """Time several zero-argument callables in one run and tabulate ratios.

    Parameters
    ----------
    cases : mapping or sequence of (label, callable)
        The variants; each is called with no arguments.
    baseline : str, optional
        Label of the reference variant (default: the first).
    notes : mapping, optional
        A free-text note per label shown in the table.
    rounds : int
        Time the variants in this many interleaved rounds (each round times
        every variant with ``repeat`` repeats) and pool the repeats. On a busy
        machine, short interleaved repeats (``min_time`` of a few ms) keep a
        burst of background work from spoiling one variant only.
    **kwargs
        Passed to :func:`benchmark` (``repeat``, ``min_time``, ``track_alloc``, ...).
    """
    items = list(cases.items()) if isinstance(cases, Mapping) else list(cases)
    if not items:
        raise ValueError("cases must not be empty")
    labels = [k for k, _ in items]
    if len(set(labels)) != len(labels):
        raise ValueError("cases has duplicate labels")
    if baseline is None:
        baseline = labels[0]
    if baseline not in labels:
        raise ValueError(f"baseline {baseline!r} is not one of the cases {labels}")
    if not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be a positive int, got {rounds!r}")
    runs = [[benchmark(fn, label=k, **kwargs) for k, fn in items] for _ in range(rounds)]
    timings = [
        Timing(first.label, tuple(x for run in runs for x in run[i].times), first.number, first.allocs, first.alloc_bytes)
        for i, first in enumerate(runs[0])
    ]
    return BenchmarkTable(timings, baseline, dict(notes or {}))


class Timer:
    """Context manager timing one block: ``with Timer() as t: ...; t.elapsed``."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.elapsed = float("nan")

    def __enter__(self) -> "Timer":
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self._t0

    def __str__(self) -> str:
        return f"{self.label + ': ' if self.label else ''}{format_time(self.elapsed)}"


def cpu_model() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux), for benchmark records."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info(packages: Sequence[str] = ("numpy", "scipy", "numba", "jax")) -> dict[str, Any]:
    """The machine a benchmark ran on: CPU, cores, platform, Python and package versions.

    Every JSON file under ``benchmarks/results`` records this next to its numbers, so a
    ratio can be traced to the hardware and software that produced it.
    """
    import importlib.metadata
    import os
    import platform

    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
            "versions": versions}
