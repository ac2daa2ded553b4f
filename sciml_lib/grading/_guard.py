"""Kernel-side guard: forbidden calls, protected paths, and a record of attempts.

``install(config)`` runs in the submission's kernel process **before** any
submitted code (``sciml_lib.grading._launch`` calls it before it starts
``ipykernel``). It

1. replaces every forbidden callable, as soon as its module is imported (a
   ``sys.meta_path`` entry watches for it; nothing is imported in advance), by
   a stub that records the attempt and raises ``ForbiddenCallError``: the
   function's code object is swapped in place (a pure-Python function), and
   every reference to the object in every loaded module is replaced (any
   other callable, e.g. a Numba dispatcher), so an alias, ``getattr``,
   ``importlib.import_module`` and ``__import__`` all reach the stub;
2. adds an audit hook (:pep:`578`; it cannot be removed) that refuses to open
   files under the protected folders (the homework sources, reference
   notebooks and hidden tests), to write, rename or delete anything under the
   read-only roots (the repository, the Python environment inside it), to
   reload the source of a guarded module, to put the original code back, and
   to walk the garbage collector's object lists (where the originals could be
   found);
3. appends one JSON line per attempt to a log file opened before the hook, on
   a descriptor the grader reads after the run.

This is a guard inside the submission's process, not an operating-system
sandbox: a process started with ``subprocess`` (not forked) runs without it,
and code copied from the library into a submission is not a call. Landlock
(``sciml_lib.grading._landlock``), where the kernel supports it, adds the
operating-system layer.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import types
from typing import Any

__all__ = ["ForbiddenCallError", "install", "hits"]

_STATE: dict[str, Any] = {"fd": None, "hits": [], "installed": False, "patched": set(), "files": set(),
                          "pending": set()}
_LOCAL = threading.local()


class ForbiddenCallError(RuntimeError):
    """A forbidden library function was called in a graded submission."""


def _record(kind: str, what: str) -> None:
    item = {"kind": kind, "what": str(what)[:300]}
    if item in _STATE["hits"]:
        return
    _STATE["hits"].append(item)
    fd = _STATE["fd"]
    if fd is not None:
        try:
            os.write(fd, (json.dumps(item) + "\n").encode())
        except OSError:
            pass


def note(kind: str, what: str) -> None:
    """Record a fact about the kernel (e.g. ``isolation``) in the grader's log."""
    _record(kind, what)


def forbidden(name: str) -> ForbiddenCallError:
    """Record a call of ``name`` and return the error the stub raises."""
    _record("call", name)
    return ForbiddenCallError(f"{name} may not be used in this homework (the grader recorded the call)")


def hits() -> list[dict[str, str]]:
    """Attempts recorded in this process (a copy)."""
    return [dict(h) for h in _STATE["hits"]]


def _stub_for(name: str) -> types.FunctionType:
    ns: dict[str, Any] = {}
    src = (
        "def _forbidden_stub(*args, **kwargs):\n"
        "    raise __import__('sciml_lib.grading._guard', fromlist=['forbidden']).forbidden("
        f"{name!r})\n"
    )
    exec(compile(src, f"<forbidden {name}>", "exec"), ns)  # noqa: S102 - our own constant text
    return ns["_forbidden_stub"]


def _resolve(dotted: str) -> tuple[Any, str, Any] | None:
    """(owner, attribute, object) of ``a.b.c`` among the loaded modules (nothing is imported)."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        owner: Any = sys.modules.get(".".join(parts[:cut]))
        if owner is None:
            continue
        try:
            for attr in parts[cut:-1]:
                owner = getattr(owner, attr)
            return owner, parts[-1], getattr(owner, parts[-1])
        except AttributeError:
            return None  # not defined yet (a package still importing)
    return None


def _guard_call(dotted: str) -> bool:
    """Replace ``dotted`` by its stub if its module is loaded; whether it was."""
    found = _resolve(dotted)
    if found is None:
        return False
    owner, attr, obj = found
    if getattr(obj, "__name__", "") == "_forbidden_stub":
        return True
    patched, files = _STATE["patched"], _STATE["files"]
    stub = _stub_for(dotted)
    mod = sys.modules.get(getattr(obj, "__module__", "") or "")
    if mod is not None and getattr(mod, "__file__", None):
        files.add(os.path.realpath(mod.__file__))
    targets = [obj]
    inner = getattr(obj, "py_func", None)  # a Numba dispatcher's Python function
    if isinstance(inner, types.FunctionType):
        targets.append(inner)
    for fn in targets:
        if isinstance(fn, types.FunctionType) and not fn.__code__.co_freevars:
            fn.__code__ = stub.__code__
            fn.__defaults__ = None
            fn.__kwdefaults__ = None
            patched.add(id(fn))
    replacement = obj if isinstance(obj, types.FunctionType) and id(obj) in patched else stub
    if replacement is not obj:
        for m in list(sys.modules.values()):
            d = getattr(m, "__dict__", None)
            if not isinstance(d, dict):
                continue
            for k, v in list(d.items()):
                if v is obj:
                    d[k] = replacement
    try:
        setattr(owner, attr, replacement)
    except (AttributeError, TypeError):
        pass
    return True


def _resolve_pending() -> None:
    pending = _STATE["pending"]
    for name in list(pending):
        if _guard_call(name):
            pending.discard(name)


class _Loader:
    """Wraps a module's loader: after the module has run, guard what became resolvable."""

    def __init__(self, inner: Any):
        self._inner = inner

    def create_module(self, spec: Any) -> Any:
        return self._inner.create_module(spec)

    def exec_module(self, module: Any) -> None:
        try:
            self._inner.exec_module(module)
        finally:
            _resolve_pending()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Finder:
    """A ``sys.meta_path`` entry that guards forbidden calls as their modules are imported."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        pending = _STATE["pending"]
        if not pending or not any(p == name or p.startswith(name + ".") for p in pending):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == r or path.startswith(r + os.sep) for r in roots)


def _real(p: Any) -> str | None:
    if isinstance(p, int) or p is None:
        return None
    try:
        s = os.fsdecode(os.fspath(p))
    except TypeError:
        return None
    return os.path.realpath(s)


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.symlink": (0, 1), "os.link": (0, 1), "os.truncate": (0,), "os.chmod": (0,),
    "os.chown": (0,), "os.utime": (0,), "shutil.rmtree": (0,), "shutil.copyfile": (1,),
    "shutil.copytree": (1,), "shutil.move": (0, 1), "os.chflags": (0,), "os.setxattr": (0,),
    "os.removexattr": (0,),
}
_GC_EVENTS = {"gc.get_objects", "gc.get_referrers", "gc.get_referents"}


def _make_hook(read_roots: tuple[str, ...], write_roots: tuple[str, ...], private: frozenset[str]):
    guarded_files: set[str] = _STATE["files"]
    patched_code: set[int] = _STATE["patched"]
    watched = {"open", "object.__setattr__", *_PATH_EVENTS, *_GC_EVENTS}

    def hook(event: str, args: tuple) -> None:
        if event not in watched or getattr(_LOCAL, "busy", False):
            return
        _LOCAL.busy = True
        try:
            if event == "open":
                path = _real(args[0])
                if path is None:
                    return
                mode = args[1] if len(args) > 1 else None
                flags = args[2] if len(args) > 2 else 0
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & _WRITE_FLAGS
                )
                if path in private or _under(path, read_roots):
                    _record("read", path)
                    raise PermissionError(f"the grader does not let a submission open {path}")
                if path in guarded_files or (path.endswith(".pyc") and _pyc_of(path, guarded_files)):
                    _record("source", path)
                    raise PermissionError(f"the source of a forbidden function is closed: {path}")
                if writing and _under(path, write_roots):
                    _record("write", path)
                    raise PermissionError(f"the grader does not let a submission write to {path}")
            elif event == "object.__setattr__":
                if len(args) >= 2 and args[1] == "__code__" and id(args[0]) in patched_code:
                    _record("restore", getattr(args[0], "__qualname__", "?"))
                    raise PermissionError("a guarded function cannot be restored")
            elif event in _GC_EVENTS:
                _record("gc", event)
                raise PermissionError(f"{event} is not available in a graded submission")
            else:
                for i in _PATH_EVENTS[event]:
                    path = _real(args[i]) if i < len(args) else None
                    if path is not None and (_under(path, write_roots) or _under(path, read_roots)):
                        _record("write", f"{event} {path}")
                        raise PermissionError(f"the grader does not let a submission change {path}")
        finally:
            _LOCAL.busy = False

    return hook


def _pyc_of(path: str, guarded_files: set[str]) -> bool:
    stem = os.path.basename(path).split(".")[0]
    parent = os.path.dirname(os.path.dirname(path))
    return os.path.join(parent, stem + ".py") in guarded_files


def install(config: dict[str, Any]) -> None:
    """Apply a guard configuration in this process (once; later calls are ignored).

    Parameters
    ----------
    config : dict
        ``forbidden_calls`` (dotted names), ``read_roots`` (folders nothing
        may be opened under), ``write_roots`` (folders nothing may be written
        under), ``private`` (files the submission may not open, e.g. this
        configuration) and ``log`` (the file attempts are appended to).
    """
    if _STATE["installed"]:
        return
    _STATE["installed"] = True
    log = config.get("log")
    if log:
        _STATE["fd"] = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _STATE["pending"].update(config.get("forbidden_calls", []))
    _resolve_pending()  # what is imported already
    sys.meta_path.insert(0, _Finder())  # the rest as it is imported
    reals = tuple(os.path.realpath(r) for r in config.get("read_roots", []) if r)
    writes = tuple(os.path.realpath(r) for r in config.get("write_roots", []) if r)
    private = frozenset(os.path.realpath(p) for p in config.get("private", []) if p)
    sys.addaudithook(_make_hook(reals, writes, private))
