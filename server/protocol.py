"""JSON-RPC and LSP behaviour below the features: what pygls leaves unanswered or answers noisily.

- A request whose params do not fit its method (a codeLens request without a textDocument) is
  answered InvalidParams (-32602), and a message with an id but neither a method nor a result
  (nor an error) InvalidRequest (-32600), as JSON-RPC wants; pygls logs them and answers nothing,
  so the client would wait forever.
- A request Remedy refuses on purpose (InvalidParams with a one-line reason, server/commands.py)
  is answered without a traceback in the log: it is the user's input, not a server fault.
- A command whose argument does not fit its type (server/command_types.py) is refused with the
  reason alone, as Remedy words it, not behind pygls' "Invalid Params:" prefix; so is a command
  given no argument or more than one.
- Every position this server sends is UTF-16 (server/convert.py), so the position encoding is
  never negotiated to UTF-8 or UTF-32.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from cattrs.errors import ClassValidationError
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCRequestMessage
from pygls.protocol.language_server import lsp_method

from agent import BadInput

from .command_types import ARGUMENTS, expected_one_object

__all__ = ["RemedyProtocol"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Malformed:
    """A request that cannot be handled, and the error that answers it."""
    id: Any
    error: JsonRpcException


class RemedyProtocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = None
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams):
        argument = ARGUMENTS.get(params.command)
        if argument is not None and len(params.arguments or ()) != 1:
            raise JsonRpcInvalidParams(expected_one_object(argument))
        try:
            return (yield from super().lsp_workspace__execute_command(params))
        except JsonRpcInvalidParams as exc:
            if isinstance(exc.__context__, BadInput):     # raised by the argument's structure hook
                raise JsonRpcInvalidParams(str(exc.__context__)) from None
            raise

    def structure_message(self, data: dict[str, Any]):
        if ("jsonrpc" not in data or "id" not in data or "result" in data or "error" in data
                or data["id"] in self._request_futures):       # not a request (maybe a response)
            return super().structure_message(data)
        method = data.get("method")
        if not isinstance(method, str) or not method:
            return _Malformed(data["id"], JsonRpcInvalidRequest("a request needs a method"))
        try:
            return self._converter.structure(data, self.get_message_type(method) or JsonRPCRequestMessage)
        except (ClassValidationError, TypeError, ValueError, KeyError, AttributeError) as exc:
            log.info("invalid params for %s: %s", method, exc)
            return _Malformed(data["id"], JsonRpcInvalidParams(f"invalid params for {method}"))

    def handle_message(self, message) -> None:
        if isinstance(message, _Malformed):
            self._send_response(message.id, error=message.error.to_response_error())
            return
        super().handle_message(message)

    def _send_handler_result(self, future, *, msg_id) -> None:
        refused = None if future.cancelled() else future.exception()
        if isinstance(refused, JsonRpcInvalidParams):
            self._request_futures.pop(msg_id, None)
            log.info("refused request %s: %s", msg_id, refused.message)
            self._send_response(msg_id, error=refused.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)
