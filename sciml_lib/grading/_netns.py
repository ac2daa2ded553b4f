"""No network for the submission's kernel: a private network namespace with only loopback.

``enter()`` moves the calling process (and every process it starts afterwards:
``subprocess``, ``multiprocessing``, ``mpiexec`` and its ranks) into a new,
empty network namespace and brings its loopback interface up. Inside, the only
interface is ``lo``: connections to ``127.0.0.1`` work (MPICH's Hydra process
manager and the ranks talk over loopback TCP), every other address is
unreachable (``connect`` fails with ``ENETUNREACH``), and DNS does not resolve.
Unix-domain sockets bound to a file are not network-namespaced: the grader talks
to the kernel through them (ZeroMQ's ``ipc`` transport).

As root (``CAP_SYS_ADMIN``), ``unshare(CLONE_NEWNET)`` alone is used; otherwise a
user namespace is created first (``CLONE_NEWUSER``, the current user mapped to
itself), which needs a single-threaded process and a kernel that allows
unprivileged user namespaces. ``enter()`` is therefore called before anything
starts a thread (see ``sciml_lib.grading.kernel``: the kernel's command line
loads this file by path, before ``sciml_lib`` and NumPy are imported).

Afterwards the process gives up ``CAP_SYS_ADMIN`` and ``CAP_NET_ADMIN`` (effective,
permitted and bounding sets), so that even as root it cannot ``setns`` back into
the machine's network namespace nor add interfaces.

This file imports only the standard library and is loaded by path: keep it so.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import platform
import socket
import struct

__all__ = ["enter"]

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS = 0x8913, 0x8914
_IFF_UP = 0x1


def _unshare(flags: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        return ctypes.get_errno()
    return 0


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), _SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s.fileno(), _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


_CAP_NET_ADMIN, _CAP_SYS_ADMIN = 12, 21
_PR_CAPBSET_DROP = 24
_CAP_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_admin_caps() -> bool:
    """Give up ``CAP_SYS_ADMIN`` and ``CAP_NET_ADMIN`` for good (this process and what it runs).

    Without them a process (root included) can neither re-enter the machine's
    network namespace (``setns`` on ``/proc/1/ns/net``) nor reconfigure its own.
    Whether both are gone.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    ok = True
    for cap in (_CAP_SYS_ADMIN, _CAP_NET_ADMIN):  # from what exec'd programs can gain
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:
            ok = False
    head, data = _CapHeader(_CAP_VERSION_3, 0), (_CapData * 2)()
    if libc.capget(ctypes.byref(head), data) != 0:
        return False
    mask = ~((1 << _CAP_SYS_ADMIN) | (1 << _CAP_NET_ADMIN)) & 0xFFFFFFFF
    for field in ("effective", "permitted", "inheritable"):
        setattr(data[0], field, getattr(data[0], field) & mask)
    if libc.capset(ctypes.byref(head), data) != 0:
        return False
    libc.capget(ctypes.byref(head), data)
    return ok and not (data[0].permitted & ~mask)


def enter() -> str:
    """Leave the network: a new namespace with loopback only; what was done, in words.

    Never raises: where the platform does not allow it the process keeps its
    network and the returned text starts with ``"unavailable"`` and says why.
    """
    if platform.system() != "Linux":
        return f"unavailable (network namespaces are Linux only, this is {platform.system()})"
    how = "network namespace"
    err = _unshare(_CLONE_NEWNET)
    if err:
        uid, gid = os.getuid(), os.getgid()
        err2 = _unshare(_CLONE_NEWUSER | _CLONE_NEWNET)
        if err2:
            return (f"unavailable (unshare(CLONE_NEWNET): {os.strerror(err)}; "
                    f"with a user namespace: {os.strerror(err2)}); "
                    "the kernel keeps the machine's network")
        try:
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError as exc:
            # the namespace exists (so no network), but identities are unmapped
            how += f" in a user namespace (uid map failed: {exc.strerror})"
        else:
            how += " in a user namespace"
    try:
        _loopback_up()
    except OSError as exc:
        how += f", no network at all (loopback could not be brought up: {exc.strerror})"
    else:
        how += ": loopback only"
    if not _drop_admin_caps():
        how += " (CAP_SYS_ADMIN could not be dropped)"
    return how
