"""Run a command while other programs keep CPU cores busy (the busy-machine check).

Usage: python tools/busy_run.py [--hogs N] -- COMMAND ...

Starts N CPU-bound processes (default 1), prints the parallelism the machine then offers
(`sciml_lib.parallel.parallel_capacity`), runs COMMAND, stops the processes and exits with
COMMAND's status. `make test` runs the exclusive notebooks (the ones that time parallel
code) this way: their parallel claims must hold where the cores are free and be reported,
not failed, where they are not.
"""

from __future__ import annotations

import multiprocessing as mp
import subprocess
import sys
import time


def _hog(stop: float) -> None:  # pragma: no cover - child process
    x = 0
    while time.time() < stop:
        for _ in range(100_000):
            x += 1


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    sep = argv.index("--")
    head, cmd = argv[:sep], argv[sep + 1 :]
    hogs = int(head[head.index("--hogs") + 1]) if "--hogs" in head else 1
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_hog, args=(time.time() + 3600,), daemon=True)
             for _ in range(hogs)]
    for p in procs:
        p.start()
    try:
        time.sleep(0.5)
        from sciml_lib.parallel import parallel_capacity

        print(f"busy machine: {hogs} CPU-bound process(es) running; 2 threads now get "
              f"{parallel_capacity(2):.2f}x on perfectly parallel work", flush=True)
        return subprocess.call(cmd)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join(5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
