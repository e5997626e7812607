"""Where bench sessions run: one after another in this process (`local`), or as Ray Core tasks
(`ray`: a local cluster bound to 127.0.0.1 by default, or an existing one at `--address`). A job is
one case × configuration × rollout; both executors return the runs in job order, so the same jobs
give the same table. Ray is optional (`pip install 'remedy[scale]'`)."""
from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import BadInput
from .case_run import CaseRun, run_case
from .corpus import Case
from .grid import Variant

__all__ = ["Job", "jobs_for", "run_job", "LocalExecutor", "RayExecutor", "make_executor", "EXECUTORS"]

EXECUTORS = ("local", "ray")
RAY_MISSING = "--executor ray needs Ray: pip install 'remedy[scale]' (or pip install ray)"


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


class LocalExecutor:
    name = "local"

    def map(self, jobs: Sequence[Job], done: Callable[[CaseRun], None]) -> list[CaseRun]:
        out = []
        for job in jobs:
            out.append(run_job(job))
            done(out[-1])
        return out

    def close(self) -> None:
        pass


class RayExecutor:
    """One Ray task per job, each reserving one CPU (its session's validation workers are its own
    subprocesses). A local cluster gets `num_cpus` CPUs and keeps every socket on 127.0.0.1; with
    `address`, the tasks run on that cluster, whose nodes need remedy installed and the corpus
    folder at the same path."""
    name = "ray"

    def __init__(self, num_cpus: int, address: str = "") -> None:
        if not address:
            # A cluster of this machine only: Ray then takes the loopback address as the node's, and
            # binds every server there. Read when Ray is imported, so also set on an earlier import.
            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        try:
            import ray
            from ray._private import ray_constants
        except ImportError:
            raise BadInput(RAY_MISSING) from None
        if not address:
            ray_constants.ENABLE_RAY_CLUSTER = False
        self.ray = ray
        options = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                       configure_logging=False)
        try:
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=max(1, num_cpus), _node_ip_address="127.0.0.1", **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise BadInput(f"cannot start or join the Ray cluster{' at ' + address if address else ''}: "
                           f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.task = ray.remote(num_cpus=1, max_retries=0)(run_job)

    def map(self, jobs: Sequence[Job], done: Callable[[CaseRun], None]) -> list[CaseRun]:
        refs = [self.task.remote(job) for job in jobs]
        index = {ref: i for i, ref in enumerate(refs)}
        out: list[CaseRun | None] = [None] * len(refs)
        pending = list(refs)
        while pending:
            ready, pending = self.ray.wait(pending, num_returns=1)
            for ref in ready:
                out[index[ref]] = run = self.ray.get(ref)
                done(run)
        return [r for r in out if r is not None]

    def close(self) -> None:
        self.ray.shutdown()


def make_executor(name: str, workers: int, address: str = "") -> LocalExecutor | RayExecutor:
    if name == "local":
        if address:
            raise BadInput("--address joins a Ray cluster: use it with --executor ray")
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(workers, address)
    raise BadInput(f"unknown executor {name!r} (expected {', '.join(EXECUTORS)})")
