"""The session's visible plan: a fixed list of steps whose statuses are streamed as PlanUpdated."""
from __future__ import annotations

from typing import Sequence

from .events import PlanUpdated

__all__ = ["Plan"]


class Plan:
    def __init__(self, titles: Sequence[str]) -> None:
        self.titles = list(titles)
        self.status = ["pending"] * len(self.titles)

    def _event(self) -> PlanUpdated:
        return PlanUpdated([{"title": t, "status": s} for t, s in zip(self.titles, self.status)])

    def start(self, index: int) -> PlanUpdated:
        for i in range(index):
            if self.status[i] in ("pending", "running"):
                self.status[i] = "done"
        self.status[index] = "running"
        return self._event()

    def fail(self, index: int) -> PlanUpdated:
        self.status[index] = "failed"
        return self._event()

    def finish_all(self) -> PlanUpdated:
        self.status = ["done" if s in ("running", "done") else s for s in self.status]
        return self._event()
