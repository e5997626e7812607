"""Landlock launcher, the sandbox's second layer: run inside bubblewrap (after its mounts, which a
Landlock domain would forbid), it lets the process tree read and execute everywhere but write only
under the `--rw` folders, the private /tmp, /dev and /proc, then execs the command.

    python -I -S landlock_exec.py [--rw PATH ...] -- CMD ...

It runs under Remedy's own interpreter, isolated (-I -S), once per confined process, so it speaks
to the kernel through three raw system calls (the `landlock` package, which Remedy uses to detect
the ABI, costs 130 ms to import here) and imports nothing but ctypes.
"""
from __future__ import annotations

import ctypes
import os
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446     # the same on every architecture
_PR_SET_NO_NEW_PRIVS = 38
_RULE_PATH_BENEATH = 1
_EXECUTE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 2, 1 << 3
_READ = _EXECUTE | _READ_FILE | _READ_DIR
_FILE_RIGHTS = _EXECUTE | 1 << 1 | _READ_FILE | 1 << 14 | 1 << 15   # the rest apply to folders only


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _handled(abi: int) -> int:
    """Every file-system right the kernel's ABI knows: v1 has 13, v2 adds REFER, v3 TRUNCATE,
    v5 IOCTL_DEV."""
    bits = 13 + (abi >= 2) + (abi >= 3)
    rights = (1 << bits) - 1
    return rights | (1 << 15 if abi >= 5 else 0)


def _restrict(writable: list[str]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(_CREATE_RULESET, None, 0, 1)
    if abi < 1:
        return                                  # the kernel has no Landlock: bubblewrap alone
    handled = _handled(abi)
    attr = _RulesetAttr(handled)
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    for path, rights in [("/", _READ), *((p, handled) for p in writable)]:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            rule = _PathBeneath(rights if os.path.isdir(path) else rights & _FILE_RIGHTS, fd)
            if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        finally:
            os.close(fd)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 or \
            libc.syscall(_RESTRICT_SELF, ruleset, 0) < 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset)


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    writable, i = [], 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "--rw":
            writable.append(argv[i + 1])
        i += 2
    return writable, argv[i + 1:]


def main(argv: list[str]) -> None:
    writable, cmd = _split(argv)
    _restrict(["/dev", "/proc", "/tmp", *writable])
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
