"""The repair session: reproduce -> localize -> generate -> rank -> validate -> propose.

`run_repair()` is an async generator of typed events (agent.events), so the CLI, the language server
and the bench drive the same code. Blocking steps run in worker threads; the cancel token is
checked between steps and kills every subprocess the session started.
"""
from __future__ import annotations

import asyncio
import math
import time
import uuid
from pathlib import Path
from typing import AsyncIterator, Sequence

from .cancel import CancelToken
from .config import Config
from .diff import hunks_between, unified_diff
from .errors import BadInput, Cancelled, RemedyError
from .events import (CandidatesRanked, Done, Error, Event, Localized, ProposalReady,
                     TestsRan)
from .plan import Plan
from .project import Project, open_project, source_path_env
from .source_encoding import decode_source
from .rank import RankContext, preload, rank_candidates
from .types import FixResult, FixStatus, Outcome, Proposal, RunReport, TestResult
from .validate import Plausible, Validator

__all__ = ["run_repair"]

SINGLES_SHARE = 0.6     # of the validation time, for single edits before multi-edit patches get a turn
PAIRS_BEFORE_REST = 20  # pairs tried then, before the single edits that still wait
STEPS = ("Reproduce the failure", "Localize the fault", "Generate candidates", "Rank candidates",
         "Validate candidates", "Propose a patch")


async def run_repair(root: Path | str, test_ids: Sequence[str] | None = None, config: Config | None = None,
                 cancel: CancelToken | None = None, approve=None) -> AsyncIterator[Event]:
    """Run one repair session; yields events and always ends with `Done`.

    test_ids: pytest node ids or test files relative to root; empty/None = all failing tests.
    Bad input raises nothing: it yields Error(kind="bad_input") then Done(status=error).
    approve(question) -> bool is asked before risky agent actions (default: deny).
    """
    session = _Session(Path(root), list(test_ids or ()), config or Config(), cancel or CancelToken())
    session.approve = approve
    try:
        async for event in session.run():
            yield event
    except BadInput as exc:
        yield Error(str(exc), "bad_input")
        yield Done(session.result(FixStatus.ERROR, str(exc)))
    except Cancelled:
        yield Error("repair cancelled", "cancelled")
        yield Done(session.result(FixStatus.ERROR, "cancelled"))
    except RemedyError as exc:
        yield Error(str(exc))
        yield Done(session.result(FixStatus.ERROR, str(exc)))


class _Session:
    def __init__(self, root: Path, targets: list[str], config: Config, cancel: CancelToken) -> None:
        self.root, self.targets, self.config, self.cancel = root, targets, config, cancel
        self.started = time.monotonic()
        self.plan = Plan(STEPS)
        self.tests_run = 0
        self.generated = 0
        self.tried = 0
        self.failing: list[TestResult] = []
        self.llm = None                  # agent.agent_loop.engine.SessionLlm when an LLM takes part
        self.evidence: dict = {}         # candidate id -> agent.rank.probe.Evidence, when probed
        self.approve = None              # human approval port for risky agent actions

    def result(self, status: FixStatus, message: str = "", **kw) -> FixResult:
        return FixResult(status=status, message=message, tests_run=self.tests_run,
                         candidates_generated=self.generated, candidates_tried=self.tried,
                         elapsed_s=time.monotonic() - self.started, engine=self.config.engine,
                         failing_tests=[t.test_id for t in self.failing], **kw)

    def _llm_note(self, message: str) -> str:
        return f"{message} ({self.llm.note})" if self.llm is not None and self.llm.note else message

    @property
    def deadline(self) -> float:
        return self.started + self.config.time_budget

    async def run(self) -> AsyncIterator[Event]:
        from .sandbox.confine import Confinement
        from .testing.runner import PytestRunner, check_pytest

        project = await asyncio.to_thread(open_project, self.root, self.config.python)
        confinement = Confinement.for_project(project.root, project.python, self.config.unsafe_sandbox)
        await asyncio.to_thread(check_pytest, project.python, confinement)
        run_limit, test_limit = _reproduction_timeouts(self.config.time_budget, self.config.test_timeout)
        runner = PytestRunner(project.python, self.config.pytest_args, run_limit,
                              confinement=confinement,
                              env=source_path_env(project.root), root=project.root,
                              test_files=project.test_files, test_timeout=test_limit)
        test_files = self._target_files(project)
        yield self.plan.start(0)
        # Warm validation workers start while the failure is reproduced: they are needed next.
        pool = asyncio.ensure_future(asyncio.to_thread(self._start_pool, project, runner, test_files))
        ranker = asyncio.ensure_future(asyncio.to_thread(preload, self.config.ranker))
        try:
            async for event in self._pipeline(project, runner, test_files, pool):
                if isinstance(event, Done) and self.llm is not None and self.llm.engine is not None:
                    from .traces import write_session_trace
                    write_session_trace(project.root, self.config, self.llm.engine, event.result)
                yield event
        finally:
            await _close_pool(pool)
            await asyncio.gather(ranker, return_exceptions=True)

    async def _pipeline(self, project: Project, runner, test_files: list[str], pool) -> AsyncIterator[Event]:
        from .localize import localize

        report, coverage = await asyncio.to_thread(self._reproduce, project, runner, test_files)
        self.tests_run += len(report.results)
        yield TestsRan.from_report("reproduce", report)
        if report.collection_errors:
            project.check_reached((), report.collection_errors)
            raise RemedyError("tests could not be collected: " + report.collection_errors[0]
                              + _missing_module_hint(report.collection_errors[0], project.python))
        self._check_targets_exist(report)
        if not report.results:
            raise BadInput(f"no tests to run: pytest collected none under {project.root}")
        self.failing = [r for r in report.failing if self._is_target(r.test_id)]
        # Candidates that loop forever should cost seconds, not the full test timeout.
        runner.timeout, runner.warm_timeout, runner.test_timeout = _validation_timeouts(
            report, self.config.test_timeout, self.failing)
        if not self.failing:
            yield self.plan.finish_all()
            what = ", ".join(self.targets) if self.targets else "all tests"
            yield Done(self.result(FixStatus.ALREADY_PASSING, f"{what}: already passing"))
            return

        yield self.plan.start(1)
        lines = await asyncio.to_thread(localize, project.root, self.failing, coverage)
        # Only a file that does not parse and that the failing tests reach stops the repair.
        project.check_reached([s.path for s in lines] + [f.path for t in self.failing for f in t.frames],
                              [t.message for t in self.failing])
        yield Localized(lines[:10])
        self.cancel.check()

        yield self.plan.start(2)
        files = {p: project.read(p) for p in dict.fromkeys(s.path for s in lines)}
        candidates, synthesized = [], []
        if self.config.engine != "llm":
            # The worker forces the conditions while the templates run; the parsing on either side
            # of it does not overlap theirs (CPython 3.11's ast conversion is not thread-safe).
            angelic = await asyncio.to_thread(self._angelic_request, files, lines, report, coverage)
            candidates, answer = await asyncio.gather(asyncio.to_thread(self._generate, files, lines, project),
                                                      self._ask_angels(pool, runner, angelic))
            synthesized = await asyncio.to_thread(self._synthesize, angelic, answer, files)
        fresh = {c.id for c in synthesized}
        candidates = synthesized + [c for c in candidates if c.id not in fresh]
        self.llm = self._start_llm(runner)
        if self.llm is not None:
            async for event in self.llm.round(1, project, files, self.failing, lines):
                yield event
            candidates += self.llm.fresh
        self.generated = len(candidates)

        yield self.plan.start(3)
        ranked = await asyncio.to_thread(
            rank_candidates, candidates, self.config.ranker,
            RankContext(files=files, lines=lines, failing=self.failing, seed=self.config.seed))
        if self.config.probe and self.config.ranker != "none" and len(ranked) > 1 \
                and not any(t.outcome is Outcome.TIMEOUT for t in self.failing):   # it would hang too
            ranked = await asyncio.to_thread(self._probe, await pool, runner, ranked, files, coverage)
        if self.config.probe:     # angelic evidence orders like the probe's: before the rest
            ranked = _first(ranked, [c.id for c in synthesized])
        yield CandidatesRanked(len(ranked), [_summary(r) for r in ranked[:10]])
        if not ranked:
            yield self.plan.fail(3)
            yield Done(self.result(FixStatus.NO_FIX, "no candidate patch could be generated"))
            return

        yield self.plan.start(4)
        validate = _Rounds(self, project, runner, await pool, files, report)
        async for event in validate.search(ranked):
            yield event
        for k in (self.llm.schedule() if self.llm is not None else ()):
            if validate.settled or time.monotonic() >= self.deadline:
                break
            async for event in self.llm.round(k, project, files, self.failing, lines):
                yield event
            more = await asyncio.to_thread(rank_candidates, self.llm.fresh, self.config.ranker,
                                           RankContext(files=files, lines=lines, failing=self.failing, seed=self.config.seed))
            self.generated += len(more)
            if more:
                yield CandidatesRanked(len(more), [_summary(r) for r in more[:10]])
                async for event in validate(more):
                    yield event
        best = validate.best
        if best is None:
            yield self.plan.fail(4)
            why = "time budget exhausted" if time.monotonic() >= self.deadline else "no candidate passed"
            yield Done(self.result(FixStatus.NO_FIX, self._llm_note(f"no plausible patch found ({why}; "
                                   f"{self.tried} of {self.generated} candidates tried)")))
            return

        yield self.plan.start(5)
        proposal = _proposal(best, files)
        yield ProposalReady(proposal)
        yield self.plan.finish_all()
        yield Done(self.result(FixStatus.FIXED, self._llm_note(proposal.summary), patch=proposal.patch,
                               files=proposal.files, proposal=proposal))

    def _start_llm(self, runner):
        """The LLM side of this session, or None (builtin engine; auto with no LLM configured)."""
        if self.config.engine == "builtin" or (self.config.engine == "auto" and not self.config.llm.configured):
            return None
        if not self.config.llm.configured:
            raise BadInput("--engine llm needs a model: --model NAME with --base-url URL, "
                           "a local checkpoint folder, or scripted:TRANSCRIPT")
        from .errors import BackendError
        from .llm import make_model
        from .agent_loop.engine import LlmEngine, SessionLlm
        from .sandbox.tool_gate import deny_all

        try:
            model = make_model(self.config.llm)
        except BackendError as exc:
            if self.config.engine == "llm":
                raise
            off = SessionLlm(None, "auto")          # type: ignore[arg-type]
            off.available, off.note = False, f"LLM unavailable ({exc}); used the built-in engine"
            return off
        engine = LlmEngine(model, self.config, runner, self.cancel, self.approve or deny_all)
        return SessionLlm(engine, self.config.engine)

    def _target_files(self, project: Project) -> list[str]:
        from .errors import UnknownTest
        from .sandbox.workspace import is_project_file

        files = []
        for target in self.targets:
            path = target.split("::")[0].split("[")[0].rstrip("/")
            while path.startswith("./"):
                path = path[2:]
            if not (project.root / path).exists():
                raise UnknownTest(f"unknown test: {target} (no such file: {path})")
            folder = (project.root / path).is_dir() and not (project.root / path).is_symlink()
            if not folder and not is_project_file(project.root, path):    # a FIFO, a link out
                raise UnknownTest(f"unknown test: {target} (not a regular file of the project: {path})")
            if not folder and not path.endswith(".py"):
                raise UnknownTest(f"unknown test: {target} ({path} is not a Python file)")
            files.append(path)
        # pytest finds the tests in them, or in the whole project, by its own configuration.
        return list(dict.fromkeys(files))

    def _check_targets_exist(self, report: RunReport) -> None:
        from .errors import UnknownTest

        for target in self.targets:
            if not any(self._selects(target, r.test_id) for r in report.results):
                raise UnknownTest(f"unknown test: {target}")

    def _start_pool(self, project: Project, runner, test_files: list[str]):
        from .testing.pool import ValidationPool
        return ValidationPool(project.root, test_files, runner, workers=max(1, self.config.workers),
                              cancel=self.cancel)

    def _is_target(self, test_id: str) -> bool:
        return not self.targets or any(self._selects(t, test_id) for t in self.targets)

    @staticmethod
    def _selects(target: str, test_id: str) -> bool:
        target = target.rstrip("/").removeprefix("./")
        return test_id == target or test_id.startswith((target + "::", target + "[", target + "/"))

    def _reproduce(self, project: Project, runner, test_files: list[str]) -> tuple[RunReport, dict]:
        """Run the targets' test files (or the whole suite) once, with per-test coverage."""
        import tempfile

        from .localize import coverage_run_options, load_coverage, read_coverage, untraced
        from .sandbox.workspace import Sandbox

        with Sandbox(project.root) as sbx, tempfile.TemporaryDirectory(prefix="remedy-cov-") as tmp:
            out = Path(tmp) / "coverage.json"
            # Tracing the whole file(s) may cost a share of the run's limit; the targets, always.
            plugins, paths, env = coverage_run_options(out, focus=self.targets, budget=0.25 * runner.timeout)
            report = runner.run(sbx.path, test_files, extra_plugins=plugins, plugin_paths=paths,
                                env=env, cancel=self.cancel, writable=(Path(tmp),))
            coverage = {"tests": {}, **read_coverage(out)}      # a run killed at its limit: partial
            again = untraced(coverage, [r.test_id for r in report.failing if self._is_target(r.test_id)])
            if again:       # failures found past the budget: traced on their own
                out.unlink(missing_ok=True)
                plugins, paths, env = coverage_run_options(out, focus=again, budget=0.0)
                runner.run(sbx.path, again, extra_plugins=plugins, plugin_paths=paths, env=env,
                           cancel=self.cancel, writable=(Path(tmp),))
                traced = load_coverage(out)
                coverage["tests"].update({t: traced[t] for t in again if t in traced})
        return report, coverage

    def _probe(self, pool, runner, ranked: list, files: dict[str, bytes], coverage: dict) -> list:
        """Reorder by what one traced run of the failing tests says (agent.rank.probe); unchanged when
        nothing could be probed or the probe did not finish."""
        from .rank.probe import Evidence, place_speculative, probe_request
        from .generate.templates import EVIDENCE, SPECULATIVE

        failing_ids = [t.test_id for t in self.failing]
        sites, payload, tests = probe_request([r.candidate for r in ranked], files, failing_ids,
                                              coverage.get("tests") or {})
        if not sites:
            return ranked
        timeout = min(self.config.test_timeout, max(5.0, 3.0 * runner.warm_timeout),
                      max(1.0, self.deadline - time.monotonic()))
        stats = pool.probe(payload, failing_ids, tests, timeout)
        if stats is None:
            return ranked
        self.tests_run += len(tests)
        by_id = {s.candidate_id: s for s in sites}
        self.evidence = {cid: Evidence.from_stats(v, by_id[cid]) for cid, v in stats.items() if cid in by_id}
        return place_speculative(ranked, self.evidence, SPECULATIVE, EVIDENCE)

    def _angelic_request(self, files: dict[str, bytes], lines, report: RunReport, coverage: dict):
        """The suspicious conditions to force (agent.generate.angelic), or None."""
        from .generate.angelic import angelic_request

        if any(t.outcome is Outcome.TIMEOUT for t in self.failing):
            return None     # a test that hangs records no outcome to force: the budget goes to validation
        return angelic_request(files, lines, [t.test_id for t in self.failing],
                               [r.test_id for r in report.passing], coverage.get("tests") or {})

    async def _ask_angels(self, pool, runner, request) -> dict | None:
        """One warm-worker request that records and forces the conditions, within a quarter of the
        budget left."""
        timeout = min(max(4.0, 2.0 * runner.warm_timeout), 0.25 * (self.deadline - time.monotonic()))
        if request is None or timeout < 2.0:
            return None
        answer = await asyncio.to_thread((await pool).angelic, request.files, request.spec,
                                         request.tests, timeout)
        if answer is not None:
            self.tests_run += sum(len(run.get("tests") or ()) for run in [answer.get("record") or {},
                                                                          *answer.get("plans", ())])
        return answer

    @staticmethod
    def _synthesize(request, answer: dict | None, files: dict[str, bytes]) -> list:
        """Conditions synthesized from the angelic values: `condition.synthesized` candidates."""
        from .generate.angelic import angelic_candidates

        return [] if request is None or answer is None else angelic_candidates(request, answer, files)

    def _generate(self, files: dict[str, bytes], lines, project: Project) -> list:
        from .generate.generator import generate_candidates
        from .generate.mentions import failing_test_strings
        from .generate.neighbours import ProjectSources
        message = "\n".join(t.message for t in self.failing[:3])
        return generate_candidates(files, lines, max_candidates=self.config.max_candidates,
                                   message=message,
                                   compared=[t.compared for t in self.failing[:3] if t.compared],
                                   test_strings=failing_test_strings(project.read, self.failing[:3]),
                                   sources=ProjectSources(project.sources, project.read))


class _Rounds:
    """Validation rounds of one session on a shared pool: counts add up, the best patch is kept
    (agent.validate's `Plausible.key`: a patch with an anti-pattern only when nothing else passed),
    and so is every failed candidate's progress, for multi-edit patches."""

    def __init__(self, session: _Session, project: Project, runner, pool, files: dict[str, bytes],
                 reproduced: RunReport) -> None:
        self.session, self.project, self.runner, self.pool = session, project, runner, pool
        self.files, self.reproduced = files, reproduced
        self.best: Plausible | None = None
        self.progress: dict[str, tuple] = {}    # failed candidate's id -> (order, Ranked, passed, closer)
        self.offset = 0                          # validation order across rounds
        self.left: list = []                     # what the last round did not take up
        self.tried_ids: set[str] = set()
        self.offered: set[str] = set()           # multi-edit candidates already counted as generated

    @property
    def settled(self) -> bool:
        """A plausible patch without an anti-pattern was found: no further round is needed."""
        return self.best is not None and not self.best.anti

    def combinations(self, size: int, evidence: dict) -> list:
        """Candidates of `size` edits from single ones that made progress (agent.generate.combine),
        each a Ranked whose energy is its parts' sum and whose probability is their product (every
        part must be right)."""
        from .rank import Ranked
        from .generate.combine import Partial, combine_partials

        ranked = {r.candidate.id: r for _, r, _, _ in self.progress.values()}
        partials = [Partial(r.candidate, passed, closer, _toward(evidence.get(cid)), order)
                    for cid, (order, r, passed, closer) in self.progress.items()
                    if r.candidate.template != "combined"]
        out = []
        for c in combine_partials(partials, self.files, size=size):
            parts = [ranked[p.id] for p in c.parts]
            energies = [p.energy for p in parts]
            probs = [p.probability for p in parts]
            out.append(Ranked(c.candidate, sum(energies) if None not in energies else None,
                              math.prod(probs) if None not in probs else None))
        return out

    async def search(self, ranked) -> AsyncIterator[Event]:
        """Single edits first, for SINGLES_SHARE of the time left. Then multi-edit patches from the
        singles that made progress (issue 22): pairs (when singles still wait, the best
        PAIRS_BEFORE_REST within half of what is left; the singles get the rest, then the other
        pairs and those their progress allows), then triples."""
        s = self.session
        async for event in self(ranked, _share(s.deadline, SINGLES_SHARE)):
            yield event
        rest = self.left if self.best is None else []
        for size in (2, 2, 3) if rest else (2, 3):
            if self.settled or time.monotonic() >= s.deadline:
                return
            more = [r for r in await asyncio.to_thread(self.combinations, size, s.evidence)
                    if r.candidate.id not in self.tried_ids][:PAIRS_BEFORE_REST if rest else None]
            if more:
                s.generated += len({r.candidate.id for r in more} - self.offered)
                self.offered.update(r.candidate.id for r in more)
                yield CandidatesRanked(len(more), [_summary(r) for r in more[:10]])
                async for event in self(more, _share(s.deadline, 0.5) if rest else None):
                    yield event
            if rest and not self.settled:
                async for event in self(rest):
                    yield event
            rest = []

    async def __call__(self, ranked, until: float | None = None) -> AsyncIterator[Event]:
        s = self.session
        validator = Validator(self.project, self.runner, self.pool, s.cancel, self.files, self.reproduced,
                              s.failing, workers=s.config.workers)
        try:
            async for event in validator.run(ranked, min(s.deadline, until or s.deadline)):
                yield event
        finally:
            s.tests_run += validator.tests_run
            s.tried += validator.tried
        self.left = list(ranked[validator.submitted:])
        self.tried_ids.update(r.candidate.id for r in ranked[:validator.submitted])
        for order, r, passed, closer in validator.progress:
            self.progress.setdefault(r.candidate.id, (self.offset + order, r, passed, closer))
        self.offset += len(ranked)
        found = validator.best()
        if found is not None:
            found.order += self.offset - len(ranked)
            if self.best is None or found.key() < self.best.key():
                self.best = found


def _missing_module_hint(error: str, python) -> str:
    """Which interpreter lacked the module, and how to choose another."""
    if "ModuleNotFoundError" not in error and "No module named" not in error:
        return ""
    return (f" (the tests ran with {python}: install the project's dependencies there, or create a "
            ".venv in the project, or pass --python)")


def _share(deadline: float, fraction: float) -> float:
    """The moment `fraction` of the time left until `deadline` will have passed."""
    now = time.monotonic()
    return now + fraction * max(0.0, deadline - now)


def _toward(evidence) -> bool:
    """The probe saw the candidate's value move the way a failed comparison wants (agent.rank.probe)."""
    return evidence is not None and (evidence.matches > 0 or evidence.toward > evidence.away)


def _first(ranked: list, ids: list[str]) -> list:
    """`ranked` with the candidates `ids` names first, in that order."""
    by_id, named = {r.candidate.id: r for r in ranked}, set(ids)
    return [by_id[i] for i in ids if i in by_id] + [r for r in ranked if r.candidate.id not in named]


def _summary(ranked) -> dict:
    c = ranked.candidate
    return {"id": c.id, "template": c.template, "path": c.path, "line": c.line,
            "description": c.description, "energy": ranked.energy}


def _proposal(best: Plausible, files: dict[str, bytes]) -> Proposal:
    before = {p: decode_source(files[p], p) for p in best.patched}
    after = {p: decode_source(data, p) for p, data in best.patched.items()}
    cand = best.ranked.candidate
    return Proposal(
        id=uuid.uuid4().hex[:12], patch=unified_diff(before, after), files=sorted(after),
        hunks=hunks_between(before, after), summary=cand.description or cand.template,
        energy=best.ranked.energy, probability=best.ranked.probability,
        tests={"passed": best.passed, "failed": []}, candidate=cand, base_texts=before)


async def _close_pool(pool: asyncio.Future) -> None:
    try:
        started = await pool
    except Exception:   # it never started: nothing to close
        return
    await asyncio.to_thread(started.close)


def _reproduction_timeouts(budget: float, ceiling: float) -> tuple[float, float]:
    """(run, one test) limits of the reproduction. A test that hangs is stopped at a fifth of the
    budget (at least 2 s; more in a run whose passing tests are slow, see remedy_watchdog) and
    reported with where it hung; the whole run at half the budget, so that validation keeps the
    other half; neither above the configured ceiling."""
    test = min(ceiling, max(2.0, budget / 5.0))
    return min(ceiling, max(test + 5.0, budget / 2.0)), test


def _validation_timeouts(report: RunReport, ceiling: float,
                         failing: Sequence[TestResult] = ()) -> tuple[float, float, float]:
    """(fresh pytest, warm request, one test) limits for validating candidates, never above the
    configured ceiling. One test: five times the slowest passing run in the failing tests' files
    (else in any file, else of any test that finished), and of a failing test that finished (it
    ran that long at least), at least 1 s: a candidate that still hangs costs about a second. A
    request: ten times what the finished tests took plus a margin, and room for one test's
    limit; a fresh process also twice its measured start-up."""
    finished = [r for r in report.results if r.outcome is not Outcome.TIMEOUT]
    files = {t.test_id.split("::")[0] for t in failing}
    same_file = [r.duration for r in report.passing if r.test_id.split("::")[0] in files]
    slowest = max(same_file or [r.duration for r in report.passing]
                  or [r.duration for r in finished] or [0.0])
    slowest = max([slowest] + [t.duration for t in failing if t.outcome is not Outcome.TIMEOUT])
    test = min(ceiling, max(1.0, 5.0 * slowest))
    tests = max(10.0 * sum(r.duration for r in finished), test) + 2.0
    stopped = 0.0 if report.timed_out else sum(r.duration for r in report.results
                                               if r.outcome is Outcome.TIMEOUT)
    startup = report.duration - stopped      # a killed run: no measure, so all of it
    return (min(ceiling, max(5.0, 2.0 * startup + tests)), min(ceiling, max(3.0, tests)), test)
