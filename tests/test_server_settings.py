"""server.settings: the `remedy` section typed on arrival."""
import pytest

from agent.errors import BadInput
from server.settings import config_from


def test_section_or_wrapped_section():
    section = {"engine": "builtin", "llm": {"baseUrl": "http://x", "model": "m"},
               "watch": {"enabled": True, "autoRepair": True}, "pytestArgs": ["-x"],
               "timeBudget": 12, "maxCandidates": 7}
    for options in (section, {"remedy": section}):
        config = config_from(options)
        assert config.engine == "builtin" and config.llm.base_url == "http://x"
        assert config.watch.enabled and config.watch.auto_repair
        assert config.pytest_args == ("-x",) and config.time_budget == 12.0 and config.max_candidates == 7


def test_missing_options_give_defaults():
    assert config_from(None).engine == "auto"


@pytest.mark.parametrize("options", [[1], {"remedy": 3}, {"engine": "nope"}, {"timeBudget": "soon"},
                                     {"llm": "x"}])
def test_bad_settings(options):
    with pytest.raises(BadInput):
        config_from(options)
