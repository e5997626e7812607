"""The CLI's defaults are `Config`'s: a command run with no flags starts from the same settings as the
editor with none (agent/config.py, checked against package.json by test_settings_schema.py)."""
from dataclasses import fields

import pytest

from agent.cli import build_parser
from agent.config import Config, LlmConfig, WatchConfig

# Config fields `remedy fix` has no flag for: editor settings, or set inside the session
NOT_FIX_FLAGS = {"pytest_args", "test_timeout", "llm", "watch", "seed",   # seed: a bench rollout's
                 "learn_history"}     # the server's background `remedy learn`


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_fix_without_flags_is_config_defaults():
    args, config = parse("fix", "x"), Config()
    for field in fields(Config):
        if field.name not in NOT_FIX_FLAGS:
            assert getattr(args, field.name) == getattr(config, field.name), field.name
    for field in fields(LlmConfig):
        assert getattr(args, field.name) == getattr(config.llm, field.name), f"llm.{field.name}"


def test_fix_flags_set_what_they_name():
    args = parse("fix", "x", "--no-probe", "--no-reflection", "--max-steps", "3", "--tool-protocol", "json")
    assert (args.probe, args.reflection, args.max_steps, args.tool_protocol) == (False, False, 3, "json")


@pytest.mark.parametrize("argv, expected", [
    (("bench", "corpus"), {"ranker": Config().ranker, "time_budget": Config().time_budget,
                           "workers": Config().workers}),
    (("watch",), {"python": Config().python, "auto_repair": WatchConfig().auto_repair,
                  "debounce": WatchConfig().debounce_s}),
    (("doctor",), {"python": Config().python, "base_url": LlmConfig().base_url, "model": LlmConfig().model,
                   "api_key_env": LlmConfig().api_key_env}),
])
def test_other_commands_start_from_config_defaults(argv, expected):
    args = parse(*argv)
    assert {name: getattr(args, name) for name in expected} == expected
