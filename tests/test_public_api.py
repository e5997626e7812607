"""The engine's public surface stays importable and unshadowed by its subpackages."""
import inspect

import agent
import agent.generate.generator  # noqa: F401  (a subpackage import must not shadow the API)


def test_run_repair_is_the_session_entry_point():
    assert inspect.isasyncgenfunction(agent.run_repair)
    assert set(agent.__all__) >= {"run_repair", "CancelToken", "Config", "BadInput"}
