"""How much of the validation order's cost is the energy's fault: the headroom of the shipped ranker
on a bench corpus.

`remedy bench` measures how many validations the shipped order needs before the first plausible
patch. This script says where those validations go. It runs each case through the real session
(ranker "ebm", then the value probe) but validates every candidate, one at a time, so the
validation events come in exactly the session's order, and it records for each candidate its
energy, the probe's class (agent.rank.probe.evidence) and whether it is plausible. From that record:

- `shipped`: validations to the first plausible patch in the session's order (what `remedy bench`
  reports, within 1 where its two workers run a second candidate alongside);
- `energy_only`: the same, ordered by energy alone (no probe);
- `oracle_energy`: the probe's classes kept, with an energy that puts a plausible candidate first
  within its class: the best any energy can do behind this probe;
- per case, `needs`: how far (in energy units) the best-placed plausible candidate is from the
  third place, where the issue's target (median <= 3) wants it; "-" when it is there already,
  "class" when three better-classed candidates stand in front of it whatever its energy.

    .venv/bin/python bench/rank_headroom.py record build/headroom.jsonl [--case NAME ...]   # ~20 min
    .venv/bin/python bench/rank_headroom.py report build/headroom.jsonl [--json]

`record` wraps two functions of the running process for its own run: the validation plan (every
candidate, one worker) and `agent.rank.probe.place_speculative` (to keep the classes it sorts by).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

TARGET = 3


def record(corpus: str, out: Path, only: list[str] | None) -> None:
    import agent.rank.probe as probe
    import agent.validate as validate
    from agent.config import Config
    from agent.eval.case_run import run_case
    from agent.eval.corpus import load_corpus
    from agent.events import Validation
    from agent.rank.probe.evidence import evidence_classes
    from agent.rank import scored_set_of
    from agent.rank.budget import ValidationPlan

    classes: dict[str, list] = {}
    shipped_order = probe.place_speculative

    def keep_classes(ranked, evidence, kinds, *pointed):
        # the keys place_speculative sorts by: the other kinds' candidates are told first
        merged = [r for r in ranked if r.candidate.template not in kinds] + \
            [r for r in ranked if r.candidate.template in kinds]
        classes.update((r.candidate.id, list(k)) for r, k in zip(merged, evidence_classes(merged, evidence)))
        return shipped_order(ranked, evidence, kinds, *pointed)

    probe.place_speculative = keep_classes
    validate.validation_plan = lambda ranked, workers=1: ValidationPlan(1, False, 10 ** 6)
    config = Config(engine="builtin", ranker="ebm", workers=1, time_budget=1800)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for case in load_corpus(corpus, only):
            classes.clear()
            rows = []

            def keep(event) -> None:
                if isinstance(event, Validation):
                    rows.append({"id": event.candidate_id, "description": event.description[:100],  # noqa: B023
                                 "plausible": event.plausible})

            run_case(case, config, observe=keep)
            for row in rows:
                scored = scored_set_of(row["id"])
                row["energy"] = None if scored is None else scored.energies[scored.ids.index(row["id"])]
                row["class"] = classes.get(row["id"], [1])
            fh.write(json.dumps({"case": case.name, "rows": rows}) + "\n")
            fh.flush()
            print(f"{case.name:<36} {len(rows):4d} candidates, {sum(r['plausible'] for r in rows)} plausible",
                  file=sys.stderr, flush=True)


def _first(rows: list[dict]) -> int | None:
    return next((i + 1 for i, r in enumerate(rows) if r["plausible"]), None)


def case_figures(rows: list[dict]) -> dict:
    """The three orders' validations to the first plausible patch, and what the energy lacks."""
    scored = [r for r in rows if r["energy"] is not None]
    by_energy = sorted(scored, key=lambda r: r["energy"])
    keys = [tuple(r["class"]) for r in rows]
    placed = [(sum(k < key for k in keys), r["energy"] if r["energy"] is not None else float("inf"), i)
              for i, (r, key) in enumerate(zip(rows, keys)) if r["plausible"]]
    best, needs = None, None
    if placed:
        ahead, energy, fix = min(placed)
        best = ahead + 1
        mates = sorted(r["energy"] for i, r in enumerate(rows)
                       if keys[i] == keys[fix] and i != fix and r["energy"] is not None)
        room = TARGET - ahead - 1          # classmates that may still stand in front of it
        if room < 0:
            needs = "class"
        elif room >= len(mates) or energy < mates[room]:
            needs = "-"
        else:
            needs = round(energy - mates[room], 2)
    return {"shipped": _first(rows), "energy_only": _first(by_energy) if len(by_energy) == len(rows) else None,
            "oracle_energy": best, "needs": needs, "candidates": len(rows)}


def _summary(values: list) -> dict:
    got = [v for v in values if v is not None]
    if not got:
        return {"fixed": 0}
    return {"fixed": len(got), "median": statistics.median(got), f"at_most_{TARGET}": sum(v <= TARGET for v in got),
            "mean": round(statistics.mean(got), 1)}


def report(path: Path, as_json: bool) -> int:
    try:
        cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        print(f"rank_headroom: error: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    figures = {c["case"]: case_figures(c["rows"]) for c in cases}
    summary = {order: _summary([f[order] for f in figures.values()])
               for order in ("shipped", "energy_only", "oracle_energy")}
    if as_json:
        print(json.dumps({"summary": summary, "cases": figures}, indent=1))
        return 0
    print(f"{'case':<36} {'cands':>5} {'shipped':>7} {'energy':>6} {'oracle':>6}  needs")
    for name, f in sorted(figures.items(), key=lambda kv: (kv[1]["shipped"] or 10 ** 6, kv[0])):
        print(f"{name:<36} {f['candidates']:5d} {f['shipped'] or '-':>7} {f['energy_only'] or '-':>6} "
              f"{f['oracle_energy'] or '-':>6}  {f['needs'] if f['needs'] is not None else ''}")
    for order, s in summary.items():
        print(f"[{order}] " + ", ".join(f"{k} {v}" for k, v in s.items()))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="validate every candidate of each case; write the record")
    rec.add_argument("out", type=Path)
    rec.add_argument("--corpus", default="bench/corpus")
    rec.add_argument("--case", action="append", dest="cases")
    rep = sub.add_parser("report", help="the three orders' figures from a record")
    rep.add_argument("record", type=Path)
    rep.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.command == "record":
        record(args.corpus, args.out, args.cases)
        return 0
    return report(args.record, args.json)


if __name__ == "__main__":
    sys.exit(main())
