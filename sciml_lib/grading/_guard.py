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
3. refuses and records a ``connect``/``sendto`` to any address but loopback
   (the second layer under the network namespace of ``_netns``);
4. appends one JSON line per attempt to a log file opened before the hook, on
   a descriptor the grader reads after the run.

Child processes. A forked child (``multiprocessing`` with ``fork``, ``os.fork``)
inherits the guard as it is. A new Python interpreter (``subprocess``,
``os.system``, ``multiprocessing`` with ``spawn``/``forkserver``, ``mpiexec``
ranks, ``python -c``) gets it at start-up: ``install`` puts the folder
``_child/`` (a ``sitecustomize`` module) first on ``PYTHONPATH`` and the child's
configuration in ``SCIML_GRADE_CHILD``; the child calls ``install_child`` before
any of its code runs and writes its records to ``<child_log>/<pid>.jsonl``,
which the grader reads with the kernel's own log. The audit hook puts both
variables back into an ``env=`` given to ``subprocess``/``os.exec*``/
``os.posix_spawn`` and refuses to start a Python with ``-I``, ``-E`` or ``-S``
(which would skip them). A shell command that clears the environment itself
(``env -i python ...``) escapes this layer; the operating-system layers
(Landlock, no network) still hold for it.

This is a guard inside the submission's processes, not an operating-system
sandbox, and code copied from the library into a submission is not a call.
Landlock (``sciml_lib.grading._landlock``) and the network namespace
(``sciml_lib.grading._netns``), where the kernel supports them, add the
operating-system layer.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import types
from typing import Any

__all__ = ["ForbiddenCallError", "install", "install_child", "hits"]

_STATE: dict[str, Any] = {"fd": None, "hits": [], "installed": False, "patched": set(), "files": set(),
                          "pending": set(), "child": None, "env": {}}
_CHILD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_child")
_CHILD_VAR = "SCIML_GRADE_CHILD"
_LOCAL = threading.local()


class ForbiddenCallError(RuntimeError):
    """A forbidden library function was called in a graded submission."""


def _record(kind: str, what: str) -> None:
    item = {"kind": kind, "what": str(what)[:300]}
    if _STATE["child"]:
        item["where"] = _STATE["child"]
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
    if getattr(obj, "__name__", "") == "_forbidden_stub" or id(obj) in _STATE["patched"]:
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
        if id(fn) in patched:
            continue
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
_NET_EVENTS = {"socket.connect", "socket.sendto"}


def _outside(address: Any) -> str | None:
    """``host:port`` when ``address`` (of ``connect``/``sendto``) is not this machine's loopback."""
    if not isinstance(address, tuple) or not address:
        return None  # a Unix-domain socket (a path) or something unknown
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return None
    h = host.lower()
    if h in ("localhost", "::1", "", "0.0.0.0", "::") or h.startswith("127.") \
            or h.endswith(".localhost"):
        return None
    return f"{host}:{address[1]}" if len(address) > 1 else host


_SPAWN_EVENTS = {"subprocess.Popen": (0, 1, 3), "os.exec": (0, 1, 2), "os.posix_spawn": (0, 1, 2),
                 "os.spawn": (1, 2, 3)}  # positions of (program, args, env) in the event


def _skips_site(program: Any, args: Any) -> bool:
    """Whether ``args`` start a Python that ignores ``PYTHONPATH`` or ``sitecustomize``."""
    try:
        name = os.path.basename(os.fsdecode(program if program is not None else args[0]))
        argv = [os.fsdecode(a) for a in list(args)[1:]]
    except (TypeError, IndexError):
        return False
    if not name.startswith("python"):
        return False
    takes_value = False
    for a in argv:
        if takes_value:
            takes_value = False
            continue
        if not a.startswith("-") or a == "-" or a.startswith("--"):
            return False
        flags = a[1:]
        for i, c in enumerate(flags):
            if c in "IES":
                return True
            if c in "cm":
                return False
            if c in "WX":
                takes_value = i == len(flags) - 1
                break
    return False


def _fix_child_env(event: str, args: tuple) -> None:
    """Put the guard's variables into a child's own ``env``; refuse ``python -I/-E/-S``."""
    where = _SPAWN_EVENTS[event]
    program, argv, env = (args[i] if i < len(args) else None for i in where)
    if isinstance(argv, (str, bytes)):
        argv = [argv]
    if argv is not None and _skips_site(program, argv):
        _record("child", f"refused to start Python without the guard: {' '.join(map(str, argv))}")
        raise PermissionError("a graded submission may not start Python with -I, -E or -S")
    if isinstance(env, dict):
        for k, v in _STATE["env"].items():
            key: Any = k.encode() if any(isinstance(x, bytes) for x in env) else k
            val: Any = v.encode() if isinstance(key, bytes) else v
            if k == "PYTHONPATH" and env.get(key):
                sep = os.pathsep.encode() if isinstance(val, bytes) else os.pathsep
                val = val + sep + env[key]
            env[key] = val


def _make_hook(read_roots: tuple[str, ...], write_roots: tuple[str, ...], private: frozenset[str]):
    guarded_files: set[str] = _STATE["files"]
    patched_code: set[int] = _STATE["patched"]
    watched = {"open", "object.__setattr__", *_PATH_EVENTS, *_GC_EVENTS, *_NET_EVENTS}
    if _STATE["env"]:
        watched |= set(_SPAWN_EVENTS)
    private_dirs = tuple(sorted(private))

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
                o_path = getattr(os, "O_PATH", 0)
                if isinstance(flags, int) and flags & o_path and not flags & _WRITE_FLAGS:
                    return  # a handle without read access (Landlock's rules are made of these)
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & _WRITE_FLAGS
                )
                if _under(path, private_dirs) or _under(path, read_roots):
                    _record("read", path)
                    raise PermissionError(f"the grader does not let a submission open {path}")
                if path in guarded_files or (path.endswith(".pyc") and _pyc_of(path, guarded_files)):
                    _record("source", path)
                    raise PermissionError(f"the source of a forbidden function is closed: {path}")
                if writing and _under(path, write_roots):
                    if _is_cache(path):
                        # a bytecode or Numba cache: refused, not an attempt
                        raise PermissionError(path)
                    _record("write", path)
                    raise PermissionError(f"the grader does not let a submission write to {path}")
            elif event == "object.__setattr__":
                if len(args) >= 2 and args[1] == "__code__" and id(args[0]) in patched_code:
                    _record("restore", getattr(args[0], "__qualname__", "?"))
                    raise PermissionError("a guarded function cannot be restored")
            elif event in _NET_EVENTS:
                where = _outside(args[1] if len(args) > 1 else None)
                if where is not None:
                    _record("connect", where)
                    raise PermissionError(f"a graded submission has no network (tried {where})")
            elif event in _SPAWN_EVENTS:
                _fix_child_env(event, args)
            elif event in _GC_EVENTS:
                _record("gc", event)
                raise PermissionError(f"{event} is not available in a graded submission")
            else:
                for i in _PATH_EVENTS[event]:
                    path = _real(args[i]) if i < len(args) else None
                    if path is not None and (_under(path, write_roots) or _under(path, read_roots)):
                        if event in ("os.mkdir", "os.rename", "os.remove") and _is_cache(path):
                            raise PermissionError(path)
                        _record("write", f"{event} {path}")
                        raise PermissionError(f"the grader does not let a submission change {path}")
        finally:
            _LOCAL.busy = False

    return hook


def _is_cache(path: str) -> bool:
    """Whether ``path`` is a ``__pycache__`` folder or a file in one (Python's, Numba's caches)."""
    name = os.path.basename
    return name(path) == "__pycache__" or name(os.path.dirname(path)) == "__pycache__"


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
        under), ``private`` (files and folders the submission may not open,
        e.g. this configuration), ``log`` (the file attempts are appended to)
        and ``child_log`` (optional: the folder where child Python processes
        write theirs; with it, every child Python started later is guarded).
    """
    if _STATE["installed"]:
        return
    _STATE["installed"] = True
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forked)
    log = config.get("log")
    if log:
        _STATE["fd"] = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    if config.get("child_log"):
        keys = ("forbidden_calls", "read_roots", "write_roots", "private")
        child = {k: config.get(k, []) for k in keys}
        child["child_log"] = config["child_log"]
        path = os.environ.get("PYTHONPATH", "")
        _STATE["env"] = {_CHILD_VAR: json.dumps(child), "PYTHONDONTWRITEBYTECODE": "1",
                         "PYTHONPATH": _CHILD_DIR + (os.pathsep + path if path else "")}
        for var in ("NUMBA_CACHE_DIR", "TMPDIR", "MPLBACKEND"):  # also into a child's own env=
            if os.environ.get(var):
                _STATE["env"].setdefault(var, os.environ[var])
        os.environ.update(_STATE["env"])
    _STATE["pending"].update(config.get("forbidden_calls", []))
    _resolve_pending()  # what is imported already
    sys.meta_path.insert(0, _Finder())  # the rest as it is imported
    reals = tuple(os.path.realpath(r) for r in config.get("read_roots", []) if r)
    writes = tuple(os.path.realpath(r) for r in config.get("write_roots", []) if r)
    private = frozenset(os.path.realpath(p) for p in config.get("private", []) if p)
    sys.addaudithook(_make_hook(reals, writes, private))


def _forked() -> None:
    _STATE["child"] = f"forked process {os.getpid()}"
    _STATE["hits"] = []


def install_child(config: dict[str, Any]) -> None:
    """The guard of a child Python (run by ``_child/sitecustomize.py`` before the child's code).

    Same ``config`` as ``install`` but without ``log``: the child appends its
    records to ``<child_log>/<pid>.jsonl`` and passes the guard on to its own
    children.
    """
    if _STATE["installed"]:
        return
    cmd = " ".join(getattr(sys, "orig_argv", []))[:120]
    _STATE["child"] = f"child process {os.getpid()} ({cmd})"
    cfg = dict(config)
    log_dir = cfg.pop("child_log", None)
    if log_dir:
        try:
            cfg["log"] = os.path.join(log_dir, f"{os.getpid()}.jsonl")
            install(dict(cfg, child_log=log_dir))
            return
        except OSError:
            _STATE["installed"] = False
    install(cfg)  # no log to write to: the calls are still blocked
