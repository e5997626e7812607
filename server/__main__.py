"""`python -m server` / `remedy-server`: the Remedy language server over stdio (`--tcp` to debug)."""
from __future__ import annotations

import argparse
import logging
import sys

from agent import install_log_redaction, take_from_environment

from .server import create_server


def main(argv: list[str] | None = None) -> int:
    take_from_environment()        # before any child (engine, tests, git) can start
    parser = argparse.ArgumentParser(prog="remedy-server", description=__doc__)
    parser.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2087)
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    install_log_redaction()
    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
