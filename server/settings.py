"""Settings: the `remedy` section (the same camelCase keys as package.json's
`contributes.configuration`) arrives in `initializationOptions`, then through
`workspace/didChangeConfiguration` (pushed) or `workspace/configuration` (pulled). It is typed on
arrival with `Config.from_settings`; a bad section is reported and the previous settings stay."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from agent import BadInput, Config, take_from_environment

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["SECTION", "section_of", "config_from", "did_change_configuration", "pull_configuration"]

SECTION = "remedy"
log = logging.getLogger(__name__)


def section_of(options: Any) -> dict[str, Any] | None:
    """Accept both `{"remedy": {...}}` and the bare section `{...}`; None when absent."""
    if options is None:
        return None
    if not isinstance(options, dict):
        raise BadInput("remedy settings must be an object")
    inner = options.get(SECTION)
    if inner is None:
        return options
    if not isinstance(inner, dict):
        raise BadInput("remedy settings must be an object")
    return inner


def config_from(options: Any) -> Config:
    return Config.from_settings(section_of(options))


def apply_settings(ls: "RemedyServer", options: Any) -> bool:
    """Replace the server's config; on bad settings tell the user and keep the old one."""
    try:
        ls.config = config_from(options)
        take_from_environment([ls.config.llm.api_key_env])   # the named key leaves our environment
        ls.settings_applied += 1
        return True
    except BadInput as exc:
        ls.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Error, message=f"Remedy: {exc}; keeping the previous settings"))
        return False


async def did_change_configuration(ls: "RemedyServer", params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
        apply_settings(ls, settings[SECTION])
    else:
        await pull_configuration(ls)


async def pull_configuration(ls: "RemedyServer") -> None:
    """Ask the client for the `remedy` section, when it can answer `workspace/configuration`."""
    caps = ls.client_capabilities.workspace
    if caps is None or not caps.configuration:
        return
    applied = ls.settings_applied
    try:
        result = await ls.workspace_configuration_async(types.ConfigurationParams(
            items=[types.ConfigurationItem(section=SECTION)]))
    except Exception as exc:  # a client that fails the request leaves the settings as they are
        log.warning("workspace/configuration failed: %s", exc)
        return
    if applied != ls.settings_applied:      # settings pushed while we asked are newer: keep them
        return
    if result and result[0] is not None:
        apply_settings(ls, result[0])
