"""The watch pipeline end to end: real watchdog, real files, real pytest subprocesses."""
from __future__ import annotations

import queue
import shutil
import time
from pathlib import Path

import pytest

from agent.config import Config, WatchConfig
from agent.events import Done, Error, ProposalReady
from agent.watch import Watcher, WatchUpdate

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "watch_basic"
WAIT = 120.0


class Recorder:
    def __init__(self) -> None:
        self.updates: queue.Queue[WatchUpdate] = queue.Queue()
        self.events: queue.Queue = queue.Queue()

    def next_update(self, timeout: float = WAIT) -> WatchUpdate:
        return self.updates.get(timeout=timeout)

    def next_event(self, kinds: tuple, timeout: float = WAIT):
        deadline = time.monotonic() + timeout
        while True:
            job, event = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(event, kinds):
                return job, event


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "proj"))


@pytest.fixture
def watch(project: Path):
    started: list[Watcher] = []

    def start(auto_repair: bool = False) -> tuple[Watcher, Recorder]:
        rec = Recorder()
        config = Config(engine="builtin", time_budget=120,
                        watch=WatchConfig(enabled=True, auto_repair=auto_repair, debounce_s=0.2))
        watcher = Watcher(project, config, rec.updates.put, lambda job, e: rec.events.put((job, e)))
        watcher.start()
        started.append(watcher)
        time.sleep(0.5)               # let inotify watches settle
        return watcher, rec

    yield start
    for watcher in started:
        watcher.stop()


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


def test_break_then_mend(project: Path, watch):
    watcher, rec = watch()
    edit(project / "pkg" / "calc.py", "a + b", "a - b")
    update = rec.next_update()
    assert update.changed == ["pkg/calc.py"]
    assert [r.test_id for r in update.failing] == ["tests/test_calc.py::test_add",
                                                  "tests/test_calc.py::test_add_negative"]
    assert "tests/test_text.py" not in update.ran            # import graph: not affected
    assert watcher.wait_idle(60)           # coverage is learnt in the background after the update
    edit(project / "pkg" / "calc.py", "a - b", "a + b")
    update = rec.next_update()
    assert update.failing == []
    assert update.fixed == ["tests/test_calc.py::test_add", "tests/test_calc.py::test_add_negative"]
    # coverage of the first run now picks node ids, not whole files
    assert all("::" in t for t in update.ran) and "tests/test_shapes.py::test_area" in update.ran
    assert watcher.failing == {}


def test_did_save_and_watchdog_event_collapse(project: Path, watch):
    watcher, rec = watch()
    edit(project / "pkg" / "text.py", '"!"', '"?"')
    watcher.notify_saved(project / "pkg" / "text.py")
    watcher.notify_saved("pkg/text.py")
    assert [r.test_id for r in rec.next_update().failing] == ["tests/test_text.py::test_shout"]
    assert watcher.wait_idle(WAIT)
    watcher.notify_saved("pkg/text.py")                       # same content: nothing to do
    time.sleep(1.0)
    assert watcher.wait_idle(WAIT) and rec.updates.empty() and watcher.runs == 1


def test_save_storm_makes_one_run(project: Path, watch):
    watcher, rec = watch()
    for i in range(200):
        (project / "pkg" / f"gen_{i}.py").write_text(f"VALUE = {i}\n")
    edit(project / "pkg" / "calc.py", "a * b", "a * b + 1")
    assert watcher.wait_idle(WAIT) or watcher.wait_idle(WAIT)
    time.sleep(1.0)
    assert watcher.wait_idle(WAIT)
    assert watcher.runs <= 3, watcher.runs
    failing = {r.test_id for u in _drain(rec) for r in u.failing}
    assert failing == {"tests/test_shapes.py::test_area"}


def test_files_deleted_and_renamed_mid_run(project: Path, watch):
    watcher, rec = watch()
    edit(project / "pkg" / "calc.py", "a + b", "a - b")
    time.sleep(0.3)
    (project / "tests" / "test_calc.py").rename(project / "tests" / "test_sum.py")
    (project / "tests" / "test_text.py").unlink()
    (project / "pkg" / "loop").symlink_to(project / "pkg")            # a symlink loop
    assert watcher.wait_idle(WAIT)
    time.sleep(1.0)
    assert watcher.wait_idle(WAIT)
    failing = {r.test_id for r in _drain(rec)[-1].failing}
    assert "tests/test_sum.py::test_add" in set(watcher.failing)
    assert not any(t.startswith(("tests/test_calc.py", "tests/test_text.py")) for t in watcher.failing)
    assert watcher.errors == [] and failing


def test_auto_repair_proposes_and_edit_cancels(project: Path, watch):
    watcher, rec = watch(auto_repair=True)
    edit(project / "pkg" / "calc.py", "a + b", "a - b")
    job, ready = rec.next_event((ProposalReady,), timeout=300)
    assert job.tests == ["tests/test_calc.py::test_add", "tests/test_calc.py::test_add_negative"]
    assert "+    return a + b" in ready.proposal.patch
    assert "a - b" in (project / "pkg" / "calc.py").read_text()       # never applied
    rec.next_event((Done,))

    _drain(rec)
    edit(project / "pkg" / "calc.py", "a - b", "a + b")               # mend, then break anew
    assert rec.next_update().failing == []
    edit(project / "pkg" / "calc.py", "a + b", "a - b")
    second, _ = rec.next_event((object,))
    while second is job:
        second, _ = rec.next_event((object,))
    edit(project / "pkg" / "calc.py", "a - b", "b - a")               # edit during the repair
    while True:
        who, event = rec.next_event((Error, Done), timeout=300)
        if who is second:
            break
    assert isinstance(event, Error) and event.kind == "cancelled"
    assert second.cancel.cancelled


def _drain(rec: Recorder) -> list[WatchUpdate]:
    out = []
    while not rec.updates.empty():
        out.append(rec.updates.get_nowait())
    return out
