"""What the playground's tests share: a client of the server, and the server's threads."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any

from playwithnn.playground.server import PlaygroundServer


def playground_threads() -> list[str]:
    """The names of the threads the playground started and that still run."""
    return [t.name for t in threading.enumerate() if t.name.startswith("playground")]


def request(
    srv: PlaygroundServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request over a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def send_json(srv: PlaygroundServer, path: str, obj: Any) -> tuple[int, Any]:
    """POST ``obj`` as JSON: (status, the answer's JSON, or None for an empty body)."""
    status, _, body = request(srv, "POST", path, json.dumps(obj).encode(),
                              {"Content-Type": "application/json"})
    return status, json.loads(body) if body else None
