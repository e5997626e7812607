"""Remedy's language server: LSP glue over the `agent` engine (see DESIGN.md, "Language server
protocol"). `python -m server` starts it over stdio."""
from .server import RemedyServer, create_server

__all__ = ["RemedyServer", "create_server"]
