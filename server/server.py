"""The Remedy language server: state on a `LanguageServer` subclass, features wired from their
own modules (lenses, commands, code actions, diagnostics, settings). Handlers convert input, call
the agent through its public API, and convert the output; they never hold global state."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from agent import BadInput, Config

from . import actions, command_types, commands, convert, diagnostics, lenses, settings
from .aftercare import Aftercare
from .diagnostics import TestDiagnostics
from .health import Health
from .history import HistoryLearner
from .jobs import Jobs, SessionFn
from .prompts import Prompts
from .protocol import RemedyProtocol
from .proposals import ProposalStore
from .reporting import JobReporter
from .watch import WatchService

__all__ = ["RemedyServer", "create_server"]

log = logging.getLogger(__name__)


class RemedyServer(LanguageServer):
    def __init__(self, session: SessionFn | None = None) -> None:
        """`session` None runs the real engine in a child process per job."""
        super().__init__("remedy", "0.1.0", protocol_cls=RemedyProtocol,
                         converter_factory=command_types.converter)
        self.config = Config()
        self.settings_applied = 0        # how many times settings arrived (settings.py)
        self.prompts = Prompts(self)
        self.proposals = ProposalStore()
        self.test_lens_cache: dict[str, tuple[tuple[Path, int | None], list[types.CodeLens]]] = {}
        self.test_diagnostics = TestDiagnostics()
        self.reporter = JobReporter(self)
        self.jobs = Jobs(session, self.reporter, self.prompts.approve_from_thread)
        self.watch = WatchService(self)
        self.health = Health(self)       # the start-up checks (server/health.py)
        self.aftercare = Aftercare(self)  # re-runs and undo after an accept (server/aftercare.py)
        self.history = HistoryLearner(self)   # background `remedy learn` (server/history.py)

    # -- workspace ---------------------------------------------------------------------------
    def roots(self) -> list[Path]:
        found = [convert.uri_to_path(f.uri) for f in self.workspace.folders.values()]
        if not found and self.workspace.root_path:
            found.append(Path(self.workspace.root_path))
        return found

    def root_for(self, uri: Any) -> Path:
        """The workspace folder holding `uri` (the innermost one); BadInput if none does."""
        path = convert.uri_to_path(uri).resolve()
        holders = [r for r in self.roots() if path == r.resolve() or r.resolve() in path.parents]
        if not holders:
            raise BadInput(f"{uri} is outside the workspace")
        return max(holders, key=lambda r: len(r.resolve().parts))

    def document(self, uri: str) -> tuple[str, int | None]:
        """The text the user sees now, and its version when the editor has it open (None: the
        file on disk). BadInput when it is neither open nor a readable file."""
        doc = self.workspace.text_documents.get(uri)
        if doc is not None:
            return doc.source, doc.version
        path = convert.uri_to_path(uri)
        if not path.is_file():
            raise BadInput(f"not a file: {uri}")
        try:
            return path.read_text(encoding="utf-8"), None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read {uri}: {exc}") from None

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"Remedy: {message}"))

    def refresh_lenses(self) -> None:
        caps = self.client_capabilities.workspace
        if caps is not None and caps.code_lens is not None and caps.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)


def create_server(session: SessionFn | None = None) -> RemedyServer:
    server = RemedyServer(session)

    @server.feature(types.INITIALIZE)
    async def initialize(ls: RemedyServer, params: types.InitializeParams) -> None:
        settings.apply_settings(ls, params.initialization_options)
        await ls.watch.sync()       # watching before the client's first change, however quick

    @server.feature(types.INITIALIZED)
    async def initialized(ls: RemedyServer, params: types.InitializedParams) -> None:
        await settings.pull_configuration(ls)
        ls.watch.sync()
        ls.health.start()           # in the background; tells the editor once what is missing
        ls.history.sync()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: RemedyServer, params: types.DidChangeConfigurationParams) -> None:
        await settings.did_change_configuration(ls, params)
        ls.watch.sync()
        ls.health.settings_changed()
        ls.history.sync()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: RemedyServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.watch.sync()

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RemedyServer, params: types.DidChangeTextDocumentParams) -> None:
        diagnostics.did_change(ls, params)
        ls.watch.edited(params.text_document.uri)
        ls.aftercare.edited(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RemedyServer, params: types.DidSaveTextDocumentParams) -> None:
        diagnostics.did_save(ls, params)
        ls.watch.saved(params.text_document.uri)
        ls.aftercare.saved(params.text_document.uri)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: RemedyServer, params: None) -> None:
        await ls.watch.stop_all()
        await ls.aftercare.close()
        await ls.history.stop()

    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(diagnostics.did_open)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(lenses.code_lens)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))(actions.code_action)
    commands.register(server)
    return server
