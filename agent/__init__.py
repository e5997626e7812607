"""Remedy's engine: reproduce a failing test, localize the fault, generate and rank candidate
patches, validate them in a sandbox and propose the winner.

The public surface is the names this module exports (`__all__`): `server/` imports nothing else
(tests/test_import_rules.py). Everything else is private.

    async for event in run_repair(root, ["tests/test_x.py::test_y"], Config()):
        ...   # PlanUpdated, TestsRan, Localized, CandidatesRanked, Validation, ProposalReady, Done
"""
from __future__ import annotations

from .cancel import CancelToken
from .config import Config, LlmConfig, WatchConfig
from .diff import common_ends
from .doctor import run_checks as doctor_checks
from .errors import BadInput, Cancelled, RemedyError
from .events import (CandidatesRanked, Done, Error, Event, Localized, PlanUpdated, ProposalReady, TestsRan,
                     Validation, event_type)
from .memory.decisions import record_decision
from .secrets import (adopt_vault, install_log_redaction, redact, redact_data, take_from_environment,
                      vault_items)
from .sandbox.confine import UNSAFE_NOTE
from .session import run_repair
from .project import is_test_file, node_file, node_function, node_names, selects
from .reproduce.discover import TestFunction, find_tests
from .types import FixStatus, Hunk, Proposal
from .watch import Recheck, RepairJob, Watcher, WatchUpdate

__all__ = ["run_repair", "CancelToken", "Config", "LlmConfig", "WatchConfig", "BadInput",
           "Cancelled", "RemedyError", "find_tests", "is_test_file", "node_file", "node_names", "node_function",
           "selects", "TestFunction",
           "record_decision", "Watcher", "WatchUpdate", "RepairJob", "Recheck",
           # the events a session yields (agent/events.py) and the records they carry (agent/types.py)
           "Event", "PlanUpdated", "TestsRan", "Localized", "CandidatesRanked", "Validation",
           "ProposalReady", "Done", "Error", "event_type", "Hunk", "Proposal", "FixStatus",
           # the secret vault and redaction (agent/secrets.py), for the server and its engine child
           "take_from_environment", "vault_items", "adopt_vault", "redact", "redact_data",
           "install_log_redaction",
           # the start-up checks (`remedy doctor`) and the warning for the sandbox opt-out
           "doctor_checks", "UNSAFE_NOTE",
           # how much two texts or line lists share at either end (review selections)
           "common_ends"]
