"""Start an IPython kernel under resource limits (used by the grader's kernel spec).

``python -m sciml_lib.grading._launch --mem-mb N -f CONNECTION_FILE`` caps the
address space of the kernel (and of every process it forks) at ``N`` MiB with
``RLIMIT_AS``, forbids core dumps and files over 2 GiB, then starts ``ipykernel`` as usual. A
memory bomb in a submission then raises ``MemoryError`` (or kills only the
kernel) instead of exhausting the grading machine.
"""

from __future__ import annotations

import os
import sys


def _apply_limits(mem_mb: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    if mem_mb > 0:
        cap = int(mem_mb) * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    fsize = 2 * 1024**3  # no single file over 2 GiB (a disk bomb ends the kernel)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if hard == resource.RLIM_INFINITY or hard > fsize:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    mem_mb = 0
    if "--mem-mb" in argv:
        i = argv.index("--mem-mb")
        mem_mb = int(argv[i + 1])
        del argv[i : i + 2]
    _apply_limits(mem_mb)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    from ipykernel import kernelapp

    sys.argv = [sys.argv[0], *argv]
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
