"""server.jobs: the per-workspace queue, the engine off the event loop, failures and cancellation.
Sessions here are scripted async generators plugged into the `SessionFn` port."""
import asyncio
import threading
import time
from pathlib import Path

from agent import events
from agent.errors import Cancelled
from agent.config import Config
from agent.types import FixResult, FixStatus
from server.jobs import Jobs, JobState, Priority


class Recorder:
    def __init__(self):
        self.log = []

    def queued(self, job, ahead):
        self.log.append((job.id, "queued", [j.id for j in ahead]))

    async def started(self, job):
        self.log.append((job.id, "started"))

    def event(self, job, event):
        self.log.append((job.id, type(event).__name__))

    async def finished(self, job):
        self.log.append((job.id, "finished", job.state.value))


async def scripted(root, test_ids, config, cancel, approve):
    """A session: blocking work (time.sleep) between events, on whatever thread runs it."""
    assert threading.current_thread() is not threading.main_thread()
    if test_ids == ["boom"]:
        raise RuntimeError("engine exploded")
    if test_ids == ["slow"]:
        while not cancel.cancelled:
            time.sleep(0.01)
        raise Cancelled("cancelled")
    time.sleep(0.05)
    yield events.PlanUpdated([{"title": "Reproduce", "status": "running"}])
    time.sleep(0.05)
    yield events.Done(FixResult(FixStatus.FIXED, message=f"fixed {test_ids[0]}"))


def make_jobs():
    recorder = Recorder()
    return Jobs(scripted, recorder, lambda q: False), recorder


async def test_events_arrive_in_order_while_the_loop_stays_free():
    jobs, rec = make_jobs()
    job = jobs.submit(Path("/ws"), ["t1"], Config())
    ticks = 0
    while not job.finished.is_set():
        ticks += 1                    # the loop keeps running while the session sleeps
        await asyncio.sleep(0.005)
    assert ticks > 5
    assert rec.log == [("job-1", "queued", []), ("job-1", "started"), ("job-1", "PlanUpdated"),
                       ("job-1", "Done"), ("job-1", "finished", "done")]


async def test_a_second_job_queues_behind_the_first_and_user_jobs_go_first():
    jobs, rec = make_jobs()
    first = jobs.submit(Path("/ws"), ["t1"], Config())
    background = jobs.submit(Path("/ws"), ["t2"], Config(), priority=Priority.BACKGROUND)
    user = jobs.submit(Path("/ws"), ["t3"], Config())
    await asyncio.wait_for(background.finished.wait(), 10)
    starts = [entry[0] for entry in rec.log if entry[1] == "started"]
    assert starts == [first.id, user.id, background.id]
    assert ("job-3", "queued", ["job-1"]) in rec.log
    assert all(j.state is JobState.DONE for j in (first, background, user))


async def test_an_exception_in_the_engine_ends_only_that_job():
    jobs, rec = make_jobs()
    bad = jobs.submit(Path("/ws"), ["boom"], Config())
    good = jobs.submit(Path("/ws"), ["t1"], Config())
    await asyncio.wait_for(good.finished.wait(), 10)
    assert bad.state is JobState.FAILED and "engine exploded" in bad.errors[0].message
    assert (bad.id, "Error") in rec.log
    assert good.state is JobState.DONE


async def test_cancel_running_and_queued_jobs():
    jobs, rec = make_jobs()
    slow = jobs.submit(Path("/ws"), ["slow"], Config())
    waiting = jobs.submit(Path("/ws"), ["t1"], Config())
    jobs.cancel(waiting)
    await asyncio.sleep(0.1)
    jobs.cancel(slow)
    await asyncio.wait_for(slow.finished.wait(), 10)
    await asyncio.wait_for(waiting.finished.wait(), 10)
    assert slow.state is JobState.CANCELLED and waiting.state is JobState.CANCELLED
    assert (waiting.id, "started") not in rec.log
