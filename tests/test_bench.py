"""`remedy bench`: real cases of bench/corpus through the real session, rankers compared in one run,
and the uncertainty it reports beside its medians."""
from __future__ import annotations

import functools
import json
import statistics
import subprocess
import sys

from agent.eval.bench import _print_table
from agent.eval.case_run import CaseRun
from agent.eval.stats import median_interval, summary, versus
from conftest import REPO, remedy_json, run_remedy

CASES = ("dictops-count-by-default", "recur-paths-leaf-or")


def _run(case: str, ranker: str, to_first: int | None) -> CaseRun:
    return CaseRun(case, ranker, "fixed" if to_first else "no_fix", to_first is not None, False, 1.0, 10,
                   50, to_first or 50, to_first, "wrong-operator", 1, "")


def test_bench_compares_rankers_in_one_run_with_intervals():
    code, out, err = remedy_json("bench", "bench/corpus", *(a for c in CASES for a in ("--case", c)),
                                 "--ranker", "none,ebm")
    assert code == 0, err
    assert {(c["case"], c["ranker"]) for c in out["cases"]} == {(c, r) for c in CASES for r in ("none", "ebm")}
    assert all(c["plausible"] and c["to_first"] >= 1 for c in out["cases"])
    for ranker in ("none", "ebm"):
        s = out["summary"][ranker]
        firsts = [c["to_first"] for c in out["cases"] if c["ranker"] == ranker]
        assert s["median_validations_to_first"] == statistics.median(firsts)
        lo, hi = s["median_validations_to_first_ci90"]
        assert min(firsts) <= lo <= s["median_validations_to_first"] <= hi <= max(firsts)
    versus_none = out["summary"]["ebm"]["vs_none"]
    assert versus_none["cases"] == 2 and versus_none["fewer"] + versus_none["more"] <= 2
    first = {(c["ranker"], c["case"]): c["to_first"] for c in out["cases"]}
    assert versus_none["fewer"] == sum(first["ebm", c] < first["none", c] for c in CASES)
    assert versus_none["more"] == sum(first["ebm", c] > first["none", c] for c in CASES)
    assert versus_none["median_ratio"] == round(statistics.median(first["none", c] for c in CASES)
                                                / statistics.median(first["ebm", c] for c in CASES), 2)
    assert "vs_none" not in out["summary"]["none"]


def test_bench_rejects_an_unknown_ranker_in_one_line():
    proc = run_remedy("bench", "bench/corpus", "--ranker", "none,bogus")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "remedy: error: unknown ranker 'bogus' (expected ebm, features, prior, none)"]


def test_median_interval_is_seeded_and_holds_the_median():
    values = [1, 1, 2, 3, 3, 5, 8, 13, 21, 34, 55, 89]
    lo, hi = median_interval(values)
    assert lo <= statistics.median(values) <= hi
    assert median_interval(values) == [lo, hi]                  # repeatable
    assert median_interval([7] * 9) == [7, 7]
    assert median_interval([4]) is None
    # More cases with the same spread give a narrower interval.
    wide, narrow = median_interval(values), median_interval(values * 8)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]


def test_versus_counts_cases_both_fixed_and_brackets_the_ratio(capsys):
    base = [_run(f"c{i}", "none", v) for i, v in enumerate([40, 60, 80, 20, None])]
    ranked = [_run(f"c{i}", "ebm", v) for i, v in enumerate([4, 6, 100, 2, 3])]
    v = versus(base + ranked, "ebm", "none")
    assert v["cases"] == 4 and v["fewer"] == 3 and v["more"] == 1     # c4: only ebm fixed it
    assert v["median_ratio"] == round(statistics.median([40, 60, 80, 20]) / statistics.median([4, 6, 100, 2]), 2)
    lo, hi = v["median_ratio_ci90"]
    assert lo <= v["median_ratio"] <= hi
    figures = {"none": summary(base), "ebm": {**summary(ranked), "vs_none": v}}
    _print_table(base + ranked, figures, ["none", "ebm"])
    printed = capsys.readouterr().out
    assert "[ebm] against none, over 4 cases both fixed: fewer validations in 3, more in 1" in printed
    assert "[none] plausible 4/5" in printed and "90% interval" in printed


@functools.cache
def _headroom():
    import importlib.util
    spec = importlib.util.spec_from_file_location("rank_headroom", REPO / "bench" / "rank_headroom.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_headroom_figures_on_hand_made_orders():
    row = lambda cls, energy, plausible=False: {"class": cls, "energy": energy, "plausible": plausible}
    rows = [row([0, False], 1.0), row([0, False], 2.0), row([0, False], 3.0), row([0, False], 4.5, True),
            row([1], -5.0)]
    f = _headroom().case_figures(rows)
    # Fourth in the session's order, fifth by energy alone; first of its class with a perfect energy,
    # and 1.5 energy units behind the classmate it must pass to be third.
    assert f == {"shipped": 4, "energy_only": 5, "oracle_energy": 1, "needs": 1.5, "candidates": 5}
    behind = [row([0, True], 0.0), row([0, True], 1.0), row([0, True], 2.0), row([1], 9.0, True)]
    assert _headroom().case_figures(behind)["needs"] == "class"       # three better classes in front
    assert _headroom().case_figures(behind)["oracle_energy"] == 4
    near = [row([0], 0.0), row([0], 1.0, True)]
    assert _headroom().case_figures(near)["needs"] == "-"               # second already
    assert _headroom().case_figures([row([0], 0.0)])["oracle_energy"] is None


def test_headroom_record_replays_the_sessions_order_on_a_real_case(tmp_path):
    """The record validates every candidate in the session's own order: its first plausible patch
    comes where `remedy bench` with one worker finds it, and every candidate has an energy and a class."""
    case = "textkit-ngrams-range"
    out = tmp_path / "headroom.jsonl"
    proc = subprocess.run([sys.executable, "bench/rank_headroom.py", "record", str(out), "--case", case],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [recorded] = [json.loads(line) for line in out.read_text().splitlines()]
    rows = recorded["rows"]
    assert recorded["case"] == case and len({r["id"] for r in rows}) == len(rows)
    assert all(isinstance(r["energy"], float) and r["class"] for r in rows)
    assert any(r["class"][0] == 0 for r in rows)              # the probe ran and judged some
    code, bench, err = remedy_json("bench", "bench/corpus", "--case", case, "--ranker", "ebm", "--workers", "1")
    assert code == 0, err
    [run] = bench["cases"]
    # every candidate the session ranked is validated; the probe drops only the inert candidates
    # of the speculative templates (agent.rank.probe.place_speculative) before validation
    assert 0.9 * run["generated"] <= len(rows) <= run["generated"]
    report = subprocess.run([sys.executable, "bench/rank_headroom.py", "report", str(out), "--json"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    figures = json.loads(report.stdout)["cases"][case]
    assert figures["shipped"] == run["to_first"]
    assert 1 <= figures["oracle_energy"] <= figures["shipped"]


def test_headroom_report_names_an_unreadable_record_in_one_line(tmp_path):
    bad = tmp_path / "record.jsonl"
    bad.write_text("{not json\n")
    proc = subprocess.run([sys.executable, "bench/rank_headroom.py", "report", str(bad)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert str(bad) in proc.stderr
