"""Value probes: one traced run of the failing tests (and the passing tests that share their code)
tells, before any validation, which candidates change a value there at all, which change it the
same way as a better-ranked one, and which disturb passing tests. `order_by_evidence` puts the
candidates that can still fix the failure first; nothing is dropped, except by `place_speculative`:
the inert candidates of the speculative templates (agent.generate.templates.SPECULATIVE)."""
from __future__ import annotations

from .evidence import Evidence, order_by_evidence, place_speculative, probe_request
from .sites import ProbeSite, probe_sites

__all__ = ["ProbeSite", "probe_sites", "Evidence", "order_by_evidence", "place_speculative",
           "probe_request"]
