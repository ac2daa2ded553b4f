"""Run one stage of `make test` / `make book`, printing its name and wall time.

Usage: python tools/stage.py NAME [--ok-codes 0,5] -- COMMAND ...
The exit status is 0 when the command's status is one of --ok-codes (default 0),
else the command's status. A line `stage NAME: N s (ok|FAILED)` is printed and
appended to _build/stage-times.txt so CI can show the time of every stage.
"""

from __future__ import annotations

import pathlib
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
    print(f"\n=== stage: {name}\n$ {' '.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    rc = subprocess.call(cmd)
    dt = time.perf_counter() - t0
    status = "ok" if rc in ok else f"FAILED (exit {rc})"
    line = f"stage {name}: {dt:.0f} s ({status})"
    print(f"=== {line}", flush=True)
    log = pathlib.Path("_build")
    log.mkdir(exist_ok=True)
    with open(log / "stage-times.txt", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return 0 if rc in ok else rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
