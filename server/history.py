"""Background `remedy learn` (setting `remedy.learnHistory`, off by default): once per workspace
folder per server, after the settings arrive or change, the history is mined in a child process
at low priority (`remedy learn --json`, incremental: it resumes after the last commit mined), so
the language server's own thread never does the work. The outcome is one log line; a folder that
is not a git repository is skipped with one."""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["HistoryLearner", "LEARN_MAIN"]

LEARN_MAIN = "import sys; from agent.cli import main; sys.exit(main(sys.argv[1:]))"
NICE = 10


class HistoryLearner:
    def __init__(self, ls: "RemedyServer") -> None:
        self._ls = ls
        self._started: set[Path] = set()
        self._tasks: set[asyncio.Task] = set()
        self.finished: dict[Path, dict] = {}        # root -> the `remedy learn --json` object

    def sync(self) -> None:
        """Start a learn run for each folder that has none yet, when the setting allows it."""
        if not self._ls.config.learn_history:
            return
        for root in self._ls.roots():
            if root not in self._started:
                self._started.add(root)
                task = asyncio.get_running_loop().create_task(self._learn(root))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _learn(self, root: Path) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LEARN_MAIN, "learn", "--root", str(root), "--json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
            preexec_fn=_lower_priority)
        try:
            out, _ = await proc.communicate()
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            raise
        try:
            data = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            data = {"status": "error", "message": f"remedy learn exited with {proc.returncode}"}
        self.finished[root] = data
        if data.get("status") == "ok":
            message = (f"learnt from the history of {root.name}: {data['commits']} fix commits replayed, "
                       f"{data['added']} added, {len(data.get('patterns', []))} patterns")
        else:
            message = f"did not learn from the history of {root.name}: {data.get('message', 'failed')}"
        self._ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message=f"Remedy: {message}"))


def _lower_priority() -> None:
    try:
        os.nice(NICE)
    except OSError:
        pass
