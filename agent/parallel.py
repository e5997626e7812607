"""Running one picklable function over many inputs, results in input order: in this process, in a
pool of forked processes, or as Ray Core tasks (a local cluster whose servers listen on 127.0.0.1
only, or an existing cluster at an address). `remedy bench` and `remedy ebm data` use it. Ray is
optional (`pip install 'remedy[scale]'`)."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import get_context
from typing import Any

from .errors import BadInput

__all__ = ["EXECUTORS", "RAY_MISSING", "LocalExecutor", "RayExecutor", "make_executor"]

EXECUTORS = ("local", "ray")
RAY_MISSING = "--executor ray needs Ray: pip install 'remedy[scale]' (or pip install ray)"


class LocalExecutor:
    """`processes` 1: one after another in this process; more: a pool of forked processes."""
    name = "local"

    def __init__(self, processes: int = 1) -> None:
        self.processes = max(1, processes)

    def imap(self, fn: Callable[[Any], Any], items: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        if self.processes == 1:
            yield from map(fn, items)
            return
        with get_context("fork").Pool(self.processes) as pool:
            yield from pool.imap(fn, items, chunksize=chunksize)

    def close(self) -> None:
        pass


class RayExecutor:
    """One Ray task per input, each reserving `task_cpus`. Without `address`, a cluster of this
    machine with `num_cpus` CPUs; with it, the tasks run on that cluster, whose nodes need remedy
    installed (and any folder the inputs name, at the same path)."""
    name = "ray"

    def __init__(self, num_cpus: int, address: str = "", task_cpus: float = 1) -> None:
        if not address:
            # A cluster of this machine only: Ray then takes the loopback address as the node's and
            # binds every server there. Ray reads it at import, so it is also set after an import.
            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        try:
            import ray
            from ray._private import ray_constants
        except ImportError:
            raise BadInput(RAY_MISSING) from None
        if not address:
            ray_constants.ENABLE_RAY_CLUSTER = False
        self.ray, self.task_cpus = ray, task_cpus
        options: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                                       configure_logging=False)
        try:
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=max(1, num_cpus), _node_ip_address="127.0.0.1", **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f" at {address}" if address else ""
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BadInput(f"cannot start or join the Ray cluster{where}: {first}") from None

    def imap(self, fn: Callable[[Any], Any], items: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        task = self.ray.remote(num_cpus=self.task_cpus, max_retries=0)(fn)
        refs = [task.remote(item) for item in items]
        for ref in refs:
            yield self.ray.get(ref)

    def close(self) -> None:
        self.ray.shutdown()


def make_executor(name: str, workers: int, address: str = "") -> LocalExecutor | RayExecutor:
    """`local`: one after another (`workers` processes for work that is not a session); `ray`: a
    local cluster of `workers` CPUs, or the cluster at `address`."""
    if name == "local":
        if address:
            raise BadInput("--address joins a Ray cluster: use it with --executor ray")
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(workers, address)
    raise BadInput(f"unknown executor {name!r} (expected {', '.join(EXECUTORS)})")
