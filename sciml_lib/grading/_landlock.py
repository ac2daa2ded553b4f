"""Landlock: an unprivileged file-system sandbox for the submission's kernel (Linux >= 5.13).

``restrict(read, write)`` lets the calling process, and every process it
starts afterwards (forks, ``subprocess``, ``mpiexec`` and its ranks), read only
beneath the folders in ``read`` and write only beneath those in ``write``;
everything else is refused by the operating system with ``PermissionError``,
whatever the code does (``ctypes``, a shell, another interpreter). It cannot be
undone by the process. The system calls are made with ``ctypes`` (no extra
package); ``available()`` says whether the running kernel supports them.

Not restricted: network access, signals, and reading files that were already
open before the call.
"""

from __future__ import annotations

import ctypes
import os
import platform

__all__ = ["abi_version", "available", "restrict"]

# x86_64 and aarch64 share the generic syscall numbers for Landlock
_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# LANDLOCK_ACCESS_FS_* bits
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REMOVE_DIR, _REMOVE_FILE, _MAKE_CHAR, _MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
_MAKE_REG, _MAKE_SOCK, _MAKE_FIFO, _MAKE_BLOCK, _MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_READ = _EXECUTE | _READ_FILE | _READ_DIR


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The Landlock ABI of the running kernel (0 when unsupported or not Linux)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "aarch64"):
        return 0
    try:
        v = _libc().syscall(_SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(v), 0)


def available() -> bool:
    """Whether ``restrict`` can work here."""
    return abi_version() >= 1


def _write_bits(abi: int) -> int:
    bits = (_WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE_CHAR | _MAKE_DIR | _MAKE_REG | _MAKE_SOCK
            | _MAKE_FIFO | _MAKE_BLOCK | _MAKE_SYM)
    if abi >= 2:
        bits |= _REFER
    if abi >= 3:
        bits |= _TRUNCATE
    return bits


def restrict(read: list[str], write: list[str]) -> int:
    """Allow reading beneath ``read``, reading and writing beneath ``write``, nothing else.

    Paths that do not exist are skipped. Returns the ABI version used.

    Raises
    ------
    OSError
        If the kernel does not support Landlock or a system call fails.
    """
    abi = abi_version()
    if abi < 1:
        raise OSError("Landlock is not supported by this kernel")
    libc = _libc()
    wbits = _write_bits(abi)
    handled = _READ | wbits
    attr = _RulesetAttr(handled)
    size = ctypes.c_size_t(ctypes.sizeof(attr))
    fd = libc.syscall(_SYS_CREATE, ctypes.byref(attr), size, ctypes.c_uint32(0))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock_create_ruleset: {os.strerror(err)}")
    try:
        for paths, access in ((read, _READ), (write, _READ | wbits)):
            for p in paths:
                try:
                    pfd = os.open(p, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = access if os.path.isdir(p) else access & (_EXECUTE | _READ_FILE | _WRITE_FILE
                                                                       | (_TRUNCATE if abi >= 3 else 0))
                    rule = _PathBeneathAttr(allowed, pfd)
                    r = libc.syscall(_SYS_ADD_RULE, fd, ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                                     ctypes.c_uint32(0))
                    if r < 0:
                        err = ctypes.get_errno()
                        raise OSError(err, f"landlock_add_rule({p}): {os.strerror(err)}")
                finally:
                    os.close(pfd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(NO_NEW_PRIVS): {os.strerror(err)}")
        if libc.syscall(_SYS_RESTRICT, fd, ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(fd)
    return abi
