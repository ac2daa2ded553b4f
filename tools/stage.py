"""Run one stage of `make test` / `make book`, printing its name and wall time.

Usage: python tools/stage.py NAME [--ok-codes 0,5] [--digest REGEX] -- COMMAND ...
The exit status is 0 when the command's status is one of --ok-codes (default 0),
else the command's status. A line `stage NAME: N s (ok|FAILED)` is printed and
appended to _build/stage-times.txt so CI can show the time of every stage.
With --digest the command's output is passed through line by line and, when the
stage fails, each block of output that starts at a line matching REGEX (the first
three, 60 lines each) is printed again after that line: the cause of a failure deep
in a long log (a notebook cell's error in the book build) then ends the log.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if "--" not in argv or not argv or argv[0] == "--":
        print(__doc__, file=sys.stderr)
        return 2
    sep = argv.index("--")
    head, cmd = argv[:sep], argv[sep + 1 :]
    name = head[0]
    ok = {0}
    if "--ok-codes" in head:
        ok = {int(c) for c in head[head.index("--ok-codes") + 1].split(",")}
    digest = re.compile(head[head.index("--digest") + 1]) if "--digest" in head else None
    print(f"\n=== stage: {name}\n$ {' '.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    if digest is None:
        rc, lines = subprocess.call(cmd), []
    else:
        rc, lines = _run_passing_through(cmd)
    dt = time.perf_counter() - t0
    status = "ok" if rc in ok else f"FAILED (exit {rc})"
    line = f"stage {name}: {dt:.0f} s ({status})"
    print(f"=== {line}", flush=True)
    log = pathlib.Path("_build")
    log.mkdir(exist_ok=True)
    with open(log / "stage-times.txt", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    if rc not in ok and digest is not None:
        for start, block in enumerate(_blocks(lines, digest)):
            print(f"=== cause {start + 1} (output of the failed stage from a line matching "
                  f"{digest.pattern!r}):\n" + "".join(block), flush=True)
    return 0 if rc in ok else rc


def _run_passing_through(cmd: list[str]) -> tuple[int, list[str]]:
    """Run ``cmd`` with stderr joined to stdout, echo each line, return status and lines."""
    lines: list[str] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", bufsize=1) as proc:
        assert proc.stdout is not None
        for out in proc.stdout:
            sys.stdout.write(out)
            sys.stdout.flush()
            lines.append(out)
    return proc.returncode, lines


def _blocks(lines: list[str], pattern: re.Pattern[str], most: int = 3,
            length: int = 60) -> list[list[str]]:
    """The first ``most`` blocks of ``length`` lines that start at a line matching ``pattern``."""
    blocks: list[list[str]] = []
    end = 0  # a match inside the block already shown starts no new one
    for i, text in enumerate(lines):
        if i >= end and pattern.search(text):
            blocks.append(lines[i:i + length])
            end = i + length
            if len(blocks) == most:
                break
    return blocks


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
