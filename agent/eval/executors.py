"""Bench jobs: one case × configuration × rollout each, run by an executor of agent.parallel (one
after another here, or as Ray tasks); the runs come back in job order, so both give the same table."""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..parallel import LocalExecutor, RayExecutor
from .case_run import CaseRun, run_case
from .corpus import Case
from .grid import Variant

__all__ = ["Job", "jobs_for", "run_job", "run_jobs"]


@dataclass(frozen=True)
class Job:
    case: Case
    variant: Variant
    rollout: int
    seed: int | None          # None: the deterministic session (a single rollout)


def jobs_for(cases: Sequence[Case], variants: Sequence[Variant], rollouts: int, seed: int) -> list[Job]:
    """Rollout r of every case and configuration gets seed `seed + r` (the same across
    configurations, so they are compared on equal draws); one rollout runs unseeded."""
    return [Job(case, variant, r, None if rollouts == 1 else seed + r)
            for case in cases for r in range(rollouts) for variant in variants]


def run_job(job: Job) -> CaseRun:
    """One session. A seeded rollout orders near-ties by its seed (agent.rank), samples the LLM
    with it, and draws its validation worker count from 1..workers."""
    config = job.variant.config
    if job.seed is not None:
        config = config.with_(seed=job.seed, workers=random.Random(job.seed).randint(1, max(1, config.workers)))
    run = run_case(job.case, config, label=job.variant.label)
    run.rollout, run.seed = job.rollout, job.seed
    return run


def run_jobs(executor: LocalExecutor | RayExecutor, jobs: Sequence[Job],
             done: Callable[[CaseRun], None]) -> list[CaseRun]:
    out = []
    for run in executor.imap(run_job, jobs):
        out.append(run)
        done(run)
    return out
