"""Guard the development bug corpus (bench/corpus) against silent rot.

Cheap structural checks run over every case; the expensive end-to-end check (copy the
project, inject the bug, run its suite, compare the failing set) runs for a small sample.
The full check is ``python bench/corpus/check_corpus.py``.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "bench" / "corpus" / "check_corpus.py"

SAMPLE_CASES = ["shopkit-transfer-swapped", "recur-bst-missing-return", "miniparse-expr-term-assoc"]


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_corpus", CHECK)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_corpus", module)  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


cc = _load_checker()


def test_corpus_size_and_structure():
    cases = cc.load_cases()
    assert len(cases) >= 34
    assert len({c.project for c in cases}) >= 6
    for case in cases:
        assert case.project.is_dir(), case.name
        assert (case.project / "conftest.py").is_file(), case.name
        assert case.patch.is_file(), case.name
        text = case.patch.read_text(encoding="utf-8")
        assert text.startswith("--- a/") and "\n+++ b/" in text, case.name
        assert case.failing, case.name
        assert all(f.startswith("tests/") and "::" in f for f in case.failing), case.name
        assert case.edits >= 1 and case.kind and case.description
    assert sum(c.edits >= 2 for c in cases) >= 3


@pytest.mark.parametrize("name", SAMPLE_CASES)
def test_sample_case_reproduces(name):
    (case,) = cc.load_cases([name])
    ok, detail = cc.check_case(case)
    assert ok, detail


def test_sample_base_project_passes():
    ok, detail = cc.check_base(cc.PACKAGES_DIR / "shopkit")
    assert ok, detail
