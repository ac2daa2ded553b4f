"""Start an IPython kernel under resource limits (used by the grader's kernel spec).

``python -m sciml_lib.grading._launch --mem-mb N -f CONNECTION_FILE`` caps the
address space of the kernel (and of every process it forks) at ``N`` MiB with
``RLIMIT_AS``, forbids core dumps and files over 2 GiB, applies the guard
configuration given with ``--guard FILE`` (``sciml_lib.grading._guard``: forbidden
calls, protected folders, guarded child Pythons; and Landlock where the kernel
supports it), then starts ``ipykernel`` as usual. With isolation, the grader
starts this through a ``python -c`` line that first leaves the network
(``sciml_lib.grading._netns``) and records here what it did. A
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
    guard = None
    if "--guard" in argv:
        i = argv.index("--guard")
        guard = argv[i + 1]
        del argv[i : i + 2]
    _apply_limits(mem_mb)
    if guard:
        import json

        with open(guard, encoding="utf-8") as fh:
            config = json.load(fh)
        # imports (ipykernel, NumPy, the guarded modules) happen before the
        # guard closes files, so the kernel still starts
        import ipykernel.kernelapp  # noqa: F401

        from sciml_lib.grading import _guard

        _guard.install(config)
        box = config.get("landlock")
        if box is not None:
            from sciml_lib.grading import _landlock

            conn = argv[argv.index("-f") + 1] if "-f" in argv else None
            try:
                abi = _landlock.restrict(list(box["read"]) + ([conn] if conn else []), list(box["write"]))
                _guard.note("isolation", f"landlock ABI {abi}")
            except OSError as exc:
                _guard.note("isolation", f"landlock unavailable ({exc}); the guard alone applies")
            # the kernel's command line left the network before anything else (_netns)
            net = os.environ.pop("SCIML_GRADE_NETWORK", None)
            _guard.note("network", net if net is not None
                        else "unavailable (not Linux); network not isolated")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    from ipykernel import kernelapp

    sys.argv = [sys.argv[0], *argv]
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
