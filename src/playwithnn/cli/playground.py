"""``playground``: the browser playground, served on a local port."""

from __future__ import annotations

import argparse
import importlib

from .errors import CommandError


def cmd_playground(args: argparse.Namespace) -> int:
    """Serve the browser playground."""
    try:
        server = importlib.import_module("playwithnn.playground.server")
    except ImportError as exc:
        raise CommandError(f"the playground is not available: {exc}") from None
    try:
        status = server.serve(host=args.host, port=args.port, open_browser=not args.no_browser)
    except OSError as exc:
        raise CommandError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from None
    # The server prints its own line when it cannot listen (address in use, say).
    return 2 if status else 0
