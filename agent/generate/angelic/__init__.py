"""Conditions by angelic values (Nopol, ACS, Angelix): which branch outcomes would make the failing
tests pass, and a condition that produces exactly those.

1. `angelic_request` picks the suspicious conditions (sites.py) and rewrites each as a call to the
   warm worker's hook; the tests are the failing ones and up to MAX_PASSING passing ones that reach
   the conditions.
2. One warm-worker request (plugin/remedy_angelic.py) records every test as written — each
   evaluation's truth and the site's terms — and then runs the failing tests once per (site, plan)
   with the condition forced: always true, always false, negated, its first or its last evaluation
   flipped.
3. `angelic_candidates` takes, per site, the plans under which a failing test passed, adds the
   passing tests' evaluations as they were (their outcomes must be kept), and synthesizes
   conditions that agree with all of them (synthesis.py); a chain's last `elif` that must hold
   wherever it is reached becomes `else:`. They become candidates of the kind
   `condition.synthesized`, validated before the templates' (agent.rank.ordering).
Nothing is synthesized when no condition is suspicious or no forcing makes a failing test pass.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ...ast.parser import is_valid_python
from ...types import Candidate, Edit, SuspiciousLine
from ..site import shorten
from ..validity import apply_spans
from .sites import ConditionSite, condition_sites, instrumented
from .synthesis import Observation, Synthesized, Value, atoms, synthesize

__all__ = ["KIND", "PLANS", "AngelicRequest", "angelic_request", "angelic_candidates",
           "ConditionSite", "condition_sites", "Observation", "Value", "atoms", "synthesize"]

KIND = "condition.synthesized"
PLANS = ("true", "false", "negate", "first", "last")
MAX_PASSING = 24
PER_SITE = 6
MAX_CANDIDATES = 12
MAX_COMBINATIONS = 6     # choices of a passing plan per failing test tried at one site
ELSE = "else:"


@dataclass(frozen=True)
class AngelicRequest:
    sites: tuple[ConditionSite, ...]
    files: dict[str, bytes]           # the instrumented sources
    spec: dict                        # the worker's "angelic" payload
    tests: tuple[str, ...]            # failing first, then passing


def angelic_request(files: Mapping[str, bytes], lines: Sequence[SuspiciousLine],
                    failing: Sequence[str], passing: Sequence[str],
                    coverage_tests: Mapping[str, Mapping] | None = None) -> AngelicRequest | None:
    """The request for the warm worker, or None when no suspicious condition can be forced.
    Passing tests: those whose coverage reaches a site's line, else those in the failing tests'
    files."""
    sites = condition_sites(files, lines)
    if not sites or not failing:
        return None
    return AngelicRequest(tuple(sites), instrumented(sites, files),
                          {"sites": [s.payload() for s in sites], "plans": list(PLANS),
                           "failing": list(failing)},
                          tuple(failing) + tuple(_passing(sites, failing, passing, coverage_tests or {})))


def _passing(sites: Sequence[ConditionSite], failing: Sequence[str], passing: Sequence[str],
             coverage_tests: Mapping[str, Mapping]) -> list[str]:
    wanted = {(s.path, s.line) for s in sites}
    known = set(failing)
    reach = []
    for test_id in passing:
        data = coverage_tests.get(test_id)
        if test_id in known or not isinstance(data, Mapping):
            continue
        ran = data.get("lines") or {}
        hits = sum(1 for path, line in wanted if line in set(ran.get(path, ())))
        if hits:
            reach.append((-hits, test_id))
    if reach:
        return [t for _, t in sorted(reach)[:MAX_PASSING]]
    if any(isinstance(coverage_tests.get(t), Mapping) for t in passing):
        return []          # coverage says no passing test reaches the conditions
    files = {t.partition("::")[0] for t in failing}
    return [t for t in passing if t not in known and t.partition("::")[0] in files][:MAX_PASSING]


def angelic_candidates(request: AngelicRequest, answer: Mapping | None,
                       files: Mapping[str, bytes]) -> list[Candidate]:
    """Candidates synthesized from the worker's answer (see the module docstring)."""
    record = (answer or {}).get("record")
    if not isinstance(record, Mapping):
        return []
    tests = record.get("tests") or {}
    failing = [t for t in request.spec["failing"] if t in tests and not tests[t].get("passed")]
    passing = [t for t in request.tests if t not in request.spec["failing"] and tests.get(t, {}).get("passed")]
    out: list[Candidate] = []
    seen = set()
    for site in request.sites:
        kept = _observations(site, tests, passing, None)
        options = []
        for test in failing:
            mine = [_observations(site, run["tests"], [test], run) for run in (answer or {}).get("plans") or ()
                    if run.get("site") == site.id and run.get("tests", {}).get(test, {}).get("passed")]
            if mine:
                options.append(mine)
        if not options:
            continue
        found: dict[str, Synthesized] = {}
        for choice in itertools.islice(itertools.product(*options), MAX_COMBINATIONS):
            observations = kept + [o for chosen in choice for o in chosen]
            if site.last_elif and all(o.wanted for o in observations):
                found.setdefault(ELSE, Synthesized(ELSE, "else", 0.0))     # the last `elif` is an `else`
            pool = atoms(observations, site.terms, site.numbers, site.strings, site.condition_terms,
                         boolean_only=site.kind == "return", condition=site.text)
            for s in synthesize(site.text, observations, pool, limit=PER_SITE):
                found.setdefault(s.text, s)
            if len(found) >= PER_SITE:
                break
        for s in list(found.values())[:PER_SITE]:
            cand = _candidate(site, s, files)
            if cand is not None and cand.id not in seen:
                seen.add(cand.id)
                out.append(cand)
    return out[:MAX_CANDIDATES]


def _observations(site: ConditionSite, tests: Mapping, test_ids: Sequence[str],
                  run: Mapping | None) -> list[Observation]:
    """The evaluations of `site` in `test_ids`: as written (no `run`) or under `run`'s plan."""
    out = []
    for test in test_ids:
        for obs in (tests.get(test, {}).get("sites", {}).get(str(site.id), {}).get("obs") or ()):
            try:
                _, actual, returned, env = obs
                values = {t: v for t, raw in zip(site.terms, env) if (v := Value.from_summary(raw))}
            except (TypeError, ValueError):
                continue
            wanted = returned if run is not None else actual
            if wanted is None:
                continue                     # it raised, and the run needed it to
            out.append(Observation(values, None if actual is None else bool(actual), bool(wanted)))
    return out


def _candidate(site: ConditionSite, s: Synthesized, files: Mapping[str, bytes]) -> Candidate | None:
    start, end, text = site.start, site.end, s.text
    if s.text == ELSE and site.last_elif:
        start, end = site.last_elif
    elif s.shape == "negate" and site.swapped:      # `A if not C else B` reads as `B if C else A`
        start, end, text = site.swapped
    old = files[site.path][start:end].decode("utf-8", "replace")
    new = apply_spans(files[site.path], [(start, end, text)])
    if not is_valid_python(new, site.path):
        return None
    digest = hashlib.sha1(site.path.encode() + b"\0" + new).digest()
    return Candidate(edits=(Edit(site.path, start, end, text),), template=KIND,
                     path=site.path, line=site.line,
                     description=f"line {site.line}: `{shorten(old)}` → `{shorten(text)}` "
                                 f"(from angelic values)",
                     suspiciousness=site.suspiciousness, source="builtin", id=digest.hex()[:12])
