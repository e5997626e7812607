"""Landlock launcher, the sandbox's second layer: run inside bubblewrap (after its mounts, which a
Landlock domain would forbid), it lets the process tree read and execute everywhere but write only
under the `--rw` folders, the private /tmp, /dev and /proc, then execs the command.

    python -I -S landlock_exec.py --lib DIR [--rw PATH ...] -- CMD ...

It runs under Remedy's own interpreter, isolated (-I -S): `--lib` is the folder holding the
`landlock` package, and nothing else of Remedy's is imported.
"""
from __future__ import annotations

import os
import sys


def _split(argv: list[str]) -> tuple[str, list[str], list[str]]:
    lib, writable = "", []
    i = 0
    while i < len(argv) and argv[i] != "--":
        flag, value = argv[i], argv[i + 1]
        if flag == "--lib":
            lib = value
        elif flag == "--rw":
            writable.append(value)
        i += 2
    return lib, writable, argv[i + 1:]


def main(argv: list[str]) -> None:
    lib, writable, cmd = _split(argv)
    sys.path.insert(0, lib)
    import landlock

    ruleset = landlock.Ruleset()
    read = landlock.FSAccess.EXECUTE | landlock.FSAccess.READ_FILE | landlock.FSAccess.READ_DIR
    ruleset.allow("/", rules=read)
    ruleset.allow("/dev", "/proc", "/tmp", *writable)
    ruleset.apply()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
