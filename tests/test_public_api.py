"""The engine's public surface stays importable and unshadowed by its subpackages."""
import inspect

import agent
import agent.generate.generator  # noqa: F401  (a subpackage import must not shadow the API)


def test_run_repair_is_the_session_entry_point():
    assert inspect.isasyncgenfunction(agent.run_repair)
    assert set(agent.__all__) >= {"run_repair", "CancelToken", "Config", "BadInput"}


def test_python_parses_one_thread_at_a_time():
    """CPython 3.11 shares the AST converter's depth between threads: agent parses through
    agent.pyast's lock, and nowhere else (the pytest plugins run in the user's interpreter)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "agent"
    direct = [str(p.relative_to(root)) for p in root.rglob("*.py")
              if "plugin" not in p.parts and p.name != "pyast.py"
              and re.search(r"\bast\.parse\(|PyCF_ONLY_AST", p.read_text(encoding="utf-8"))]
    assert direct == []
