"""What a value probe says about each candidate, and the validation order that follows from it.

Order (stable within each class, so the ranker's order decides among equals):
0. changes a value in the failing tests, leaves most passing tests that reach it untouched, and
   does not change the failing-test values exactly as a better-ranked candidate at the same place;
   first those whose new value never raised where the original did not, then those that also
   kept its type (a fix rarely turns a `str` into an `int`; None and numbers excepted), then
   those that do not move the value away from what the failed `assert actual == expected` wants
   (a number or a size that must grow moved only down, say: the value at the site is taken to grow
   with the result); of each, first one that made the site hold exactly the failed comparison's
   expected value where the original held its actual value (the site computes what the test
   compared), then a targeted change (at most half of the line's runs in the failing tests) before
   a sweeping one, and one that moved the value by exactly the missing amount first;
1. could not be judged: no site (several edits, outside a function), only whether its line runs,
   or not every run of the line could be evaluated;
2. changes a failing-test value, but also most passing tests' values, or exactly as a better-ranked
   candidate of class 0 does (up to where the original fails, so the two may still part later); again
   those that raised or changed a type last;
3. its line never ran in the failing tests;
4. ran there, was evaluated every time, and never changed a value: it cannot change those tests'
   outcome.
Only class 4 is a proof, and only as far as evaluating at the start of the line is faithful; that
is why nothing is dropped, except by `place_speculative`: templates that offer many replacements
of which few are right (agent.generate.templates.SPECULATIVE) lose their class-4 candidates.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .sites import ProbeSite, probe_sites

__all__ = ["Evidence", "STATS_FIELDS", "probe_request", "order_by_evidence", "evidence_classes",
           "place_speculative", "MAX_PASSING"]

MAX_PASSING = 24      # passing tests traced beside the failing ones: those sharing the most sites
EVIDENCE_FRONT = 6    # candidates of the kinds the failed comparison points at that go first
SPECULATIVE_FRONT = 4 # speculative candidates that may validate among the other kinds' class 0,
                      # and as many of those the probe saw run but could not evaluate, in class 1


# The probe worker's per-candidate list (agent/testing/plugin/remedy_probe.py, `result`; it runs in
# the project's interpreter and sends plain JSON): the names of its fields, in order.
STATS_FIELDS = ("failing_reached", "failing_observed", "failing_diffs", "passing_reached",
                "passing_differed", "digest", "failing_raised", "failing_retyped", "toward", "away", "exact",
                "matches")
# A pattern site's passing runs' differences and its moves are not the result's: they read as none.
_NOT_A_PATTERNS_OWN = ("passing_differed", "toward", "away", "exact")


@dataclass(frozen=True)
class Evidence:
    failing_reached: int      # times the site's line ran in the failing tests
    failing_observed: int     # of them, evaluated
    failing_diffs: int        # of them, with a different value
    passing_reached: int      # passing tests in which the line ran
    passing_differed: int     # of them, with a different value at least once
    digest: str               # of the candidate's values in the failing tests
    site: ProbeSite
    failing_raised: int = 0   # of the differing observations, where it raised and the original did not
    failing_retyped: int = 0  # of the others, where its value's type differs from the original's
    toward: int = 0           # failing tests whose failed `==` wants the value larger (smaller) where
    away: int = 0             # the candidate only moved it that way; where it only moved it the other way
    exact: int = 0            # of the `toward` tests, those where every change was by the missing amount
    matches: int = 0          # failing tests where the site held the failed `==`'s actual value and the
                              # candidate's value there was its expected one

    @property
    def disturbs_passing(self) -> bool:
        """Changes a value in most passing tests that reach it (likely a regression)."""
        return self.passing_reached > 0 and 2 * self.passing_differed > self.passing_reached

    @property
    def inert(self) -> bool:
        """Every run of the line in the failing tests was evaluated, and nothing changed."""
        return (not self.site.reach_only and self.failing_reached > 0
                and self.failing_observed == self.failing_reached and self.failing_diffs == 0)

    @classmethod
    def from_stats(cls, stats: Sequence, site: ProbeSite) -> Evidence:
        """From the probe worker's list for one candidate: the fields of `STATS_FIELDS`, in order."""
        named: dict[str, Any] = {name: str(value) if name == "digest" else int(value)
                                 for name, value in zip(STATS_FIELDS, stats)}
        if site.pattern:
            named.update({name: 0 for name in _NOT_A_PATTERNS_OWN if name in named})
        return cls(site=site, **named)


def probe_request(candidates: Sequence, files: Mapping[str, bytes], failing_ids: Sequence[str],
                  coverage_tests: Mapping[str, Mapping]) -> tuple[list[ProbeSite], list[dict], list[str]]:
    """(sites, the worker's site payload, test ids to run): the failing tests first, then up to
    MAX_PASSING passing tests whose coverage reaches the most probed lines."""
    sites = probe_sites(candidates, files)
    payload = [s.payload() for s in sites]
    wanted = {(s.path, s.line) for s in sites}
    failing = set(failing_ids)
    reach = []
    for test_id, data in coverage_tests.items():
        if test_id in failing or not isinstance(data, Mapping) or data.get("outcome") != "passed":
            continue
        ran = {path: set(nums) for path, nums in (data.get("lines") or {}).items()}
        hits = sum(1 for path, line in wanted if line in ran.get(path, ()))
        if hits:
            reach.append((-hits, test_id))
    passing = [t for _, t in sorted(reach)[:MAX_PASSING]]
    return sites, payload, list(failing_ids) + passing


def order_by_evidence(ranked: Sequence, evidence: Mapping[str, Evidence]) -> list:
    """`ranked`: Ranked records (agent.rank), best first. Returns them reordered by the classes in
    the module docstring; a list with no evidence comes back unchanged."""
    if not evidence:
        return list(ranked)
    keyed = sorted(zip(evidence_classes(ranked, evidence), range(len(ranked)), ranked), key=lambda k: k[:2])
    return [r for _, _, r in keyed]


def place_speculative(ranked: Sequence, evidence: Mapping[str, Evidence], kinds: frozenset[str],
                      pointed: frozenset[str] = frozenset()) -> list:
    """`order_by_evidence` for a list with candidates of the speculative `kinds` (templates that
    offer many replacements of which few are right: ingredients, donors). Those the probe proved
    inert (every run of their line in the failing tests evaluated, their value never differed)
    are dropped. The first SPECULATIVE_FRONT of class 0 (best key, then energy) take their place
    in class 0, each behind the other kinds' candidates of its key; as many of class 1 whose line
    ran in the failing tests (a call the probe must not make: `f` -> `f(x)`), the best ranked
    first, keep their rank among the other kinds' class 1. Every other one comes behind the other
    kinds' candidates of its class, class 0 behind class 1 too (a speculative replacement that
    changes a value is no better a bet than another kind's edit the probe could not judge).
    Duplicates are told among the speculative ones and among the others apart.
    The first EVIDENCE_FRONT of class 0 (best key, then rank) of the `pointed` kinds (built from the
    failed comparison's own values: agent.generate.templates.EVIDENCE, which the ranker has few
    examples of) go before the rest of class 0."""
    core = [r for r in ranked if r.candidate.template not in kinds]
    extra = [r for r in ranked if r.candidate.template in kinds]
    merged = core + extra
    # Duplicates are told within each group: a guard the probe sees only by its condition is
    # no twin of another kind's guard with another body.
    keys = (evidence_classes(core, evidence) + evidence_classes(extra, evidence) if evidence
            else [(1,)] * len(merged))
    speculative = {i for i, r in enumerate(merged) if r.candidate.template in kinds}
    inert = {i for i in speculative if (ev := evidence.get(merged[i].candidate.id)) is not None and ev.inert}
    front = set(sorted((i for i in speculative - inert if keys[i][0] == 0),
                       key=lambda i: (keys[i], i))[:SPECULATIVE_FRONT])
    unjudged = [i for i in sorted(speculative) if keys[i][0] == 1     # in rank order
                and (ev := evidence.get(merged[i].candidate.id)) is not None and ev.failing_reached]
    in_rank = set(unjudged[:SPECULATIVE_FRONT])
    ranked_at = {id(r): n for n, r in enumerate(ranked)}
    lead = set(sorted((i for i, r in enumerate(merged) if r.candidate.template in pointed
                       and keys[i][0] == 0 and i not in inert),
                      key=lambda i: (keys[i], ranked_at[id(merged[i])]))[:EVIDENCE_FRONT])
    order = []
    for i, (key, r) in enumerate(zip(keys, merged)):
        if i in inert:
            continue
        if i in lead:
            order.append(((0, -1, key, 0, ranked_at[id(r)]), r))
        elif i not in speculative:
            order.append(((key[0], 0, key, 0, ranked_at[id(r)]), r))
        elif i in in_rank:      # among class 1, at its rank
            order.append(((1, 0, key, 0, ranked_at[id(r)]), r))
        elif i in front:        # among class 0, behind the other kinds' of the same key
            order.append(((0, 0, key, 1, i), r))
        else:                   # behind the other kinds' of its class, and of class 1
            order.append(((max(key[0], 1), 1, key, 0, i), r))
    return [r for _, r in sorted(order, key=lambda o: o[0])]


def evidence_classes(ranked: Sequence, evidence: Mapping[str, Evidence]) -> list[tuple[int, ...]]:
    """Each candidate's class key (smaller validates first), in `ranked`'s order: whether one
    duplicates another depends on which is better ranked."""
    seen: set[tuple] = set()
    return [_class(evidence.get(r.candidate.id), seen) for r in ranked]


def _class(ev: Evidence | None, seen: set[tuple]) -> tuple[int, ...]:
    if ev is None:
        return (1,)
    if ev.failing_reached == 0:
        return (3,)
    if ev.inert:
        return (4,)
    if ev.failing_diffs == 0:
        return (1,)
    key = (ev.site.path, ev.site.line, ev.site.before, ev.digest)
    departs = ev.failing_raised > 0, ev.failing_retyped > 0
    if key in seen or ev.disturbs_passing:
        return 2, *departs
    seen.add(key)       # only one that goes first makes the later ones duplicates
    away = ev.away > ev.toward
    return (0, *departs, away, not ev.matches, 2 * ev.failing_diffs > ev.failing_observed,
            not ev.exact or away)
