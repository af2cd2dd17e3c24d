"""The playground's web server: the page, its assets and a small JSON API, on the standard library.

Routes (every answer but the assets is JSON; every error is ``{"error": "..."}``
with a 4xx status, and is logged on the ``playwithnn.playground.server`` logger):

=======  ==============================  ===========================================================
GET      ``/``, ``/static/<asset>``      the page and its assets, held in memory
GET      ``/api/options``                choices, ranges and defaults of every setting
POST     ``/api/sessions``               ``{"settings": {...}}``: a new session, its id
GET      ``/api/sessions/<id>/state``    ``?version=V&data_version=D``: the next state
                                         (waits up to a second for one newer than ``V``)
POST     ``/api/sessions/<id>/settings`` ``{"settings": {...}}``: change some settings
POST     ``/api/sessions/<id>/control``  ``{"action": "play" | "pause" | "step" | "reset" | "rewind"}``
POST     ``/api/sessions/<id>/walk``     ``{"action": "next" | "stop"}``: the iteration walk's next
                                         step (feedforward, loss, backward, update), or its end
POST     ``/api/sessions/<id>/data``     a CSV body (``text/csv``): train on it
GET      ``/api/sessions/<id>/model``    the network as a playwithnn model file (an attachment)
POST     ``/api/sessions/<id>/model``    a model file body (``application/octet-stream``): train on
                                         from its network, with the settings it holds
POST     ``/api/sessions/<id>/close``    end the session (what the page sends when it closes)
DELETE   ``/api/sessions/<id>``          the same
=======  ==============================  ===========================================================

What the walk and the model files refuse, besides what every request may be
refused (a foreign host or origin 403, a wrong method 405, an unknown session 404,
a body without one ``Content-Length`` 411 or 400):

- ``walk``: a body that is not ``application/json`` (415), over 16 kB (413), not
  JSON or not exactly ``{"action": ...}`` (400), an action other than ``"next"``
  or ``"stop"`` (400);
- ``GET model``: any query (400); a network that cannot be written, with NaN or
  infinite weights or features derived from an uploaded CSV's scaled columns (409);
- ``POST model``: a body that is not ``application/octet-stream`` (415), over
  256 kB (413), and with 400 anything :mod:`~playwithnn.playground.modelfiles`
  refuses: a file the library's reader refuses (not a zip, truncated, tampered,
  pickled, NaN, lying about its sizes), a bare network, a network the page cannot
  build (more than 6 hidden layers or 16 neurons, mixed activations, another loss
  or output, 2 or 4 softmax outputs, a scaled target, inputs that are not its
  features in its order), or settings in it that a page could not send.

Only files shipped in the package's ``static`` folder are served, by exact name
from a table built at start-up: a request path is never joined to a file path.

Limits, so that slow or greedy clients cannot lock others out (each is a
parameter of :class:`PlaygroundServer`; a *client* is an IP address):

=============================  =======  ==============================================================
``request_timeout``            10 s     for a request to arrive whole (request line, headers, body),
                                        however slowly its bytes trickle; later, it is answered 408
                                        (a connection that sent nothing is closed)
``connection_timeout``         10 s     that a connection may stay silent, or stall a response
``max_connections``            32       connections handled at once
``max_client_connections``     8        connections of one client at once (a browser opens at most 6)
``max_sessions``               8        sessions open at once (one training thread each)
``max_client_sessions``        4        sessions of one client at once
``idle_timeout``               60 s     without a request, after which a session is closed
=============================  =======  ==============================================================

A connection beyond a limit does not wait: if a connection that counts against
that limit is still sending its request, the one that has been sending longest
is cut (as at its deadline) to make room; otherwise the newcomer is answered 503. So
a client that trickles its requests delays nobody, even one that shares its
address (on loopback, every program on the machine is ``127.0.0.1``). Likewise a
new session beyond a limit closes the session that has gone longest without a
request, if no request came for 5 seconds (a page asks at least once a second);
otherwise it is refused with 503. Logs cut every session id to its first 8
characters: the id is the only secret a session has.
"""

from __future__ import annotations

import io
import ipaddress
import json
import logging
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import FrameType
from typing import Any
from urllib.parse import parse_qs

from .. import __version__
from .data import MAX_UPLOAD_BYTES, DataError, parse_csv
from .modelfiles import MAX_MODEL_BYTES, ModelDownloadError, ModelUploadError
from .sessions import Session, SessionManager, TooManySessionsError
from .settings import SettingsError, options, parse_settings

logger = logging.getLogger(__name__)

#: Largest JSON body accepted, in bytes.
MAX_JSON_BYTES = 16_384
#: Content types of the assets, by file extension; other files are not served.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_ASSET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.[a-z]+")
_SESSION_PATH = re.compile(
    r"/api/sessions/([A-Za-z0-9_-]{16,64})(?:/(state|settings|control|walk|data|model|close))?")
# A session id (``secrets.token_urlsafe(18)``: 24 of these characters) and the 8 kept in logs.
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{8})[A-Za-z0-9_-]{8,}")
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class RequestError(Exception):
    """A request the server refuses: the status and a message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class RequestTimeoutError(TimeoutError):
    """A request that did not arrive whole in time, or was cut to make room for another."""


def redact(text: str) -> str:
    """``text`` with every session id (any run of 16 or more id characters) cut to 8 characters.

    What the logs hold of a request path: a session's id is its only secret.

    >>> redact("/api/sessions/Zm9vYmFyYmF6cXV4cXV1eHl6/state?version=3")
    '/api/sessions/Zm9vYmFy.../state?version=3'
    """
    return _LONG_TOKEN.sub(r"\1...", text)


class _Connection:
    """One accepted connection: whose it is, since when, and whether its request is still arriving.

    ``cut`` is set (under the server's lock) when the server takes the slot back
    for a newcomer; the connection's reads then fail with :class:`RequestTimeoutError`.
    """

    __slots__ = ("arriving", "client", "cut", "sock", "started", "thread")

    def __init__(self, sock: socket.socket, client: str, thread: threading.Thread) -> None:
        self.sock = sock
        self.client = client
        self.thread = thread
        self.started = time.monotonic()
        self.arriving = True
        self.cut = False


class _RequestReader(io.RawIOBase):
    """The reading side of a connection, bounded by the whole-request deadline.

    Each read waits at most ``idle`` seconds for a byte (a plain ``TimeoutError``
    after that), and never past ``deadline`` (on ``time.monotonic``'s clock): a
    read at or after the deadline, or after the server has cut the connection,
    raises :class:`RequestTimeoutError`. So trickling one byte at a time buys no
    more than the deadline.
    """

    def __init__(self, connection: _Connection, deadline: float, idle: float) -> None:
        super().__init__()
        self._connection = connection
        self._deadline = deadline
        self._idle = idle
        #: Why the request was given up (``None`` while it was not): the 408 answer's message.
        self.reason: str | None = None
        #: Bytes read so far.
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        sock = self._connection.sock
        remaining = self._deadline - time.monotonic()
        if self._connection.cut or remaining <= 0:
            self._give_up()
        sock.settimeout(min(self._idle, remaining))
        try:
            n = sock.recv_into(buffer)
        except TimeoutError:
            if time.monotonic() >= self._deadline:
                self._give_up()
            raise  # silent for ``idle`` seconds: dropped, as before
        finally:
            sock.settimeout(self._idle)  # what the writes of the answer are bounded by
        if n == 0 and self._connection.cut:  # woken by the server's shutdown of the reading side
            self._give_up()
        self.received += n
        return n

    def _give_up(self) -> None:
        self.reason = ("the server is full, and this request was the slowest to arrive"
                       if self._connection.cut else "the request did not arrive whole in time")
        raise RequestTimeoutError(self.reason)


def load_assets() -> dict[str, tuple[bytes, str]]:
    """The page and its assets, read once from the package: ``{url path: (body, content type)}``."""
    folder = resources.files(__package__ or "playwithnn.playground") / "static"
    assets: dict[str, tuple[bytes, str]] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if entry.is_file() and _ASSET_NAME.fullmatch(entry.name) and suffix in CONTENT_TYPES:
            assets["/static/" + entry.name] = (entry.read_bytes(), CONTENT_TYPES[suffix])
    index = assets.pop("/static/index.html")
    assets["/"] = assets["/index.html"] = index
    return assets


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, ``127.x.y.z``, ``::1``).

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class PlaygroundHandler(BaseHTTPRequestHandler):
    """Answers one request; every route and check is here."""

    server: PlaygroundServer
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads
    # A request line too broken to name its version is answered with a status line and
    # headers too, not the bare body the stdlib's HTTP/0.9 default would send.
    default_request_version = "HTTP/1.0"
    server_version = f"playwithnn-playground/{__version__}"
    sys_version = ""

    # What send_error needs when a request is cut before its request line is read.
    command = ""
    path = ""
    requestline = ""
    request_version = default_request_version

    def setup(self) -> None:
        super().setup()
        srv = self.server
        self.connection.settimeout(srv.connection_timeout)  # a silent client is dropped
        self._connection = srv.connection_of(self.request)
        # Every read of the request is bounded by one deadline (request line, headers and body).
        self.rfile.close()
        self._reader = _RequestReader(self._connection, self._connection.started + srv.request_timeout,
                                      srv.connection_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        """The stdlib's, then a 408 if the request did not arrive whole in time."""
        super().handle_one_request()
        reason = self._reader.reason
        if reason is not None and self._reader.received:
            self.send_error(HTTPStatus.REQUEST_TIMEOUT, reason)
        elif reason is not None:
            # Nothing sent yet (a browser's spare connection, say): closed without an answer,
            # since a browser would take a 408 on it for the answer to its next request.
            logger.debug("%s: closed a connection that sent nothing: %s", self.client_address[0], reason)

    # --------------------------------------------------------------- methods
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        if "Content-Length" not in self.headers and "Transfer-Encoding" not in self.headers:
            self._request_arrived()  # no body to wait for
        try:
            self._check_origin(method)
            self._route(method)
        except RequestError as exc:
            self.send_error(exc.status, exc.message)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # handle_one_request answers 408 if the deadline passed
        except Exception:
            logger.exception("internal error answering %s %.200r", method, redact(self.path))
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal server error"})

    def _route(self, method: str) -> None:
        if not self.path.startswith("/"):
            raise RequestError(HTTPStatus.BAD_REQUEST, "the request target must be a path such as /")
        path, _, query = self.path.partition("?")
        asset = self.server.assets.get(path)
        if asset is not None:
            self._require(method, "GET")
            self._send(HTTPStatus.OK, asset[0], asset[1], page=path in ("/", "/index.html"))
            return
        if path == "/api/options":
            self._require(method, "GET")
            self._send_json(HTTPStatus.OK, options())
            return
        if path == "/api/sessions":
            self._require(method, "POST")
            self._create_session()
            return
        match = _SESSION_PATH.fullmatch(path)
        if match is None:
            raise RequestError(HTTPStatus.NOT_FOUND, "not found")
        session_id, action = match.group(1), match.group(2)
        if action is None:
            self._require(method, "DELETE")
            self._close_session(session_id)
        elif action == "close":
            self._require(method, "POST")
            self._read_body(1024, required=False)  # a beacon's body, if any, means nothing
            self._close_session(session_id)
        elif action == "state":
            self._require(method, "GET")
            self._send_state(self._session(session_id), query)
        elif action == "model" and method == "GET":
            self._send_model(self._session(session_id), query)
        else:
            self._require(method, "POST")
            session = self._session(session_id)
            if action == "settings":
                body = self._read_json_object("settings")
                try:
                    settings = session.update_settings(body["settings"])
                except (SettingsError, DataError) as exc:
                    raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None
                self._send_json(HTTPStatus.OK, {"settings": settings.to_json()})
            elif action == "control":
                body = self._read_json_object("action")
                try:
                    session.control(body["action"])
                except ValueError as exc:
                    raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None
                self._send_json(HTTPStatus.OK, {"playing": session.playing, "epoch": session.epoch})
            elif action == "walk":
                body = self._read_json_object("action")
                try:
                    session.walk(body["action"])
                except ValueError as exc:
                    raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None
                self._send_json(HTTPStatus.OK, {"phase": session.walk_phase, "epoch": session.epoch})
            elif action == "model":
                self._load_model(session)
            else:
                self._upload(session)

    # ------------------------------------------------------------- endpoints
    def _create_session(self) -> None:
        body = self._read_json_object("settings")
        try:
            settings = parse_settings(body["settings"])
            session = self.server.sessions.create(settings, client=self.client_address[0])
        except (SettingsError, DataError) as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None
        except TooManySessionsError as exc:
            raise RequestError(HTTPStatus.SERVICE_UNAVAILABLE, str(exc)) from None
        logger.info("session %s opened (%d open)", session.id[:8], len(self.server.sessions))
        self._send_json(HTTPStatus.CREATED, {"id": session.id, "settings": settings.to_json()})

    def _close_session(self, session_id: str) -> None:
        if not self.server.sessions.close(session_id):
            raise RequestError(HTTPStatus.NOT_FOUND, "no such session (it may have been closed as idle)")
        logger.info("session %s closed", session_id[:8])
        self._send(HTTPStatus.NO_CONTENT, b"", "application/json")

    def _send_state(self, session: Session, query: str) -> None:
        try:
            fields = parse_qs(query, strict_parsing=bool(query), max_num_fields=4) if query else {}
        except ValueError:
            raise RequestError(HTTPStatus.BAD_REQUEST, "the query must be version=N&data_version=N") from None
        numbers = {}
        for name in fields:
            values = fields[name]
            if name not in ("version", "data_version") or len(values) != 1:
                raise RequestError(HTTPStatus.BAD_REQUEST,
                                   "the query takes version and data_version once each")
            value = values[0]
            if not (value.isascii() and value.isdigit() and len(value) <= 18):
                raise RequestError(HTTPStatus.BAD_REQUEST,
                                   f"{name} must be a whole number; got {value!r:.40}")
            numbers[name] = int(value)
        body = session.wait_state(numbers.get("version", 0), numbers.get("data_version", 0),
                                  self.server.long_poll)
        self._send(HTTPStatus.OK, body, "application/json")

    def _upload(self, session: Session) -> None:
        if self.headers.get_content_type() != "text/csv":
            raise RequestError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the file as text/csv")
        body = self._read_body(MAX_UPLOAD_BYTES)
        try:
            upload = parse_csv(body)  # parsed in memory as numbers and labels; never stored on disk
            session.set_upload(upload)
        except (DataError, SettingsError) as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"cannot use this CSV: {exc}") from None
        self._send_json(HTTPStatus.OK, {"rows": len(upload.y), "classes": list(upload.classes),
                                        "columns": list(upload.columns),
                                        "settings": session.settings.to_json()})

    def _send_model(self, session: Session, query: str) -> None:
        if query:
            raise RequestError(HTTPStatus.BAD_REQUEST, "the model takes no query")
        try:
            body = session.model_file()
        except ModelDownloadError as exc:
            raise RequestError(HTTPStatus.CONFLICT, f"cannot download this network: {exc}") from None
        name = f"playground-{session.settings.dataset}.npz"
        self._send(HTTPStatus.OK, body, "application/octet-stream",
                   headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def _load_model(self, session: Session) -> None:
        if self.headers.get_content_type() != "application/octet-stream":
            raise RequestError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                               "send the model file as application/octet-stream")
        body = self._read_body(MAX_MODEL_BYTES)
        try:
            settings = session.load_model(body)  # read from a private temporary file, then removed
        except (ModelUploadError, SettingsError, DataError) as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"cannot use this model file: {exc}") from None
        self._send_json(HTTPStatus.OK, {"settings": settings.to_json()})

    # --------------------------------------------------------------- helpers
    def _session(self, session_id: str) -> Session:
        session = self.server.sessions.get(session_id)
        if session is None:
            raise RequestError(HTTPStatus.NOT_FOUND, "no such session (it may have been closed as idle)")
        return session

    def _require(self, method: str, allowed: str) -> None:
        if method != allowed:
            raise RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f"use {allowed} here, not {method}")

    def _check_origin(self, method: str) -> None:
        """Refuse other sites' pages (and DNS rebinding) when listening on loopback."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:
            raise RequestError(HTTPStatus.BAD_REQUEST, "more than one Host header")
        if hosts and self.server.loopback:
            name = hosts[0].strip().lower()
            name = name[: name.index("]") + 1] if name.startswith("[") and "]" in name else name.split(":")[0]
            if name not in _LOOPBACK_NAMES:
                raise RequestError(HTTPStatus.FORBIDDEN, "this server answers only to localhost")
        origin = self.headers.get("Origin")
        if origin is not None and method != "GET" and (not hosts or origin != f"http://{hosts[0].strip()}"):
            raise RequestError(HTTPStatus.FORBIDDEN, "requests from other sites are refused")

    def _read_body(self, limit: int, *, required: bool = True) -> bytes:
        if self.headers.get("Transfer-Encoding") is not None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED,
                               "chunked bodies are not accepted; send Content-Length")
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths and not required:
            self._request_arrived()
            return b""
        if not lengths:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
        text = lengths[0].strip()
        if len(lengths) > 1 or not (text.isascii() and text.isdigit() and len(text) <= 12):
            raise RequestError(HTTPStatus.BAD_REQUEST, "Content-Length must be one whole number")
        length = int(text)
        if length > limit:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"the body has {length} bytes; at most {limit} are accepted here")
        body = self.rfile.read(length)
        self._request_arrived()
        if len(body) != length:
            raise RequestError(HTTPStatus.BAD_REQUEST, "the body is shorter than its Content-Length")
        return body

    def _read_json_object(self, key: str) -> dict[str, Any]:
        """A JSON body that is an object with exactly one key, ``key``."""
        if self.headers.get_content_type() != "application/json":
            raise RequestError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json")
        body = self._read_body(MAX_JSON_BYTES)
        try:
            obj = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {exc}"[:200]) from None
        if not isinstance(obj, dict) or list(obj) != [key]:
            raise RequestError(HTTPStatus.BAD_REQUEST, f'the body must be a JSON object {{"{key}": ...}}')
        return obj

    def _request_arrived(self) -> None:
        """The request is whole: this connection can no longer be cut to make room."""
        self.server.request_arrived(self._connection)

    def _send(self, status: int, body: bytes, content_type: str, *, page: bool = False,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in {**_SECURITY_HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        if page:
            self.send_header("Content-Security-Policy", _PAGE_POLICY)
        self.end_headers()
        if self.command != "HEAD" and status != HTTPStatus.NO_CONTENT:
            self.wfile.write(body)

    def _send_json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj, separators=(",", ":")).encode(), "application/json")

    # ------------------------------------------------------ stdlib overrides
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every error as JSON, logged as a warning (also the stdlib's own 400, 414, 431, 501)."""
        status = HTTPStatus(code)
        message = message or status.phrase
        logger.warning("%s %.200r from %s: %d %s", self.command or "-", redact(self.path),
                       self.client_address[0], code, message)
        self.close_connection = True
        body = json.dumps({"error": message}).encode()
        self.send_response(code)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        if code == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, POST, DELETE")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.client_address[0], redact(format % args))

    def log_error(self, format: str, *args: Any) -> None:
        if self._reader.reason is not None:
            return  # the stdlib's "Request timed out": the 408 answer logs it, once
        logger.warning("%s %s", self.client_address[0], redact(format % args))


class PlaygroundServer(ThreadingHTTPServer):
    """The playground's HTTP server, with its sessions.

    Parameters
    ----------
    host : str, default="127.0.0.1"
    port : int, default=0
        0 picks a free port; see :attr:`url`.
    max_sessions : int, default=8
        Open pages at once; one training thread each.
    idle_timeout : float, default=60.0
        Seconds without a request after which a session is closed.
    max_connections : int, default=32
        Requests handled at once; more are answered at once, by cutting the
        request that has been arriving longest (as at its deadline) or else by a 503.
    connection_timeout : float, default=10.0
        Seconds a connection may stay silent, or stall the writing of its answer.
    long_poll : float, default=1.0
        Longest wait of a state request for a newer state.
    request_timeout : float, default=10.0
        Seconds a request has to arrive whole (request line, headers and body),
        from its connection's start; later, it is answered 408, or closed
        unanswered if it has sent nothing.
    max_client_connections : int, default=8
        Connections one client address may hold at once (a browser opens at most
        6 to one server); beyond it, the same rule as for ``max_connections``.
    max_client_sessions : int, default=4
        Sessions one client address may hold at once; see :class:`SessionManager`.

    Examples
    --------
    >>> with PlaygroundServer("127.0.0.1", 0) as server:
    ...     server.start()
    ...     server.url.startswith("http://127.0.0.1:")
    True
    """

    daemon_threads = True
    request_queue_size = 64

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_sessions: int = 8,
        idle_timeout: float = 60.0,
        max_connections: int = 32,
        connection_timeout: float = 10.0,
        long_poll: float = 1.0,
        request_timeout: float = 10.0,
        max_client_connections: int = 8,
        max_client_sessions: int = 4,
    ) -> None:
        if not isinstance(host, str):
            raise TypeError(f"host must be a string such as '127.0.0.1'; got {host!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an integer from 0 to 65535; got {port!r}")
        for name, count in [("max_connections", max_connections),
                            ("max_client_connections", max_client_connections)]:
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(f"{name} must be a positive integer; got {count!r}")
        for name, seconds in [("connection_timeout", connection_timeout),
                              ("request_timeout", request_timeout)]:
            if not seconds > 0:
                raise ValueError(f"{name} must be a positive number of seconds; got {seconds!r}")
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.host = host
        self.loopback = is_loopback(host)
        self.assets = load_assets()
        self.sessions = SessionManager(max_sessions, idle_timeout, max_client_sessions=max_client_sessions)
        self.connection_timeout = connection_timeout
        self.request_timeout = request_timeout
        self.long_poll = long_poll
        self.max_connections = max_connections
        self.max_client_connections = max_client_connections
        # Every accepted connection until its thread ends, those cut to make room included.
        self._connections: dict[socket.socket, _Connection] = {}
        self._connections_lock = threading.Lock()
        self._serving: threading.Thread | None = None
        self._closed = False
        super().__init__((host, port), PlaygroundHandler)
        self.sessions.start()

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's full name, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.host, int(self.server_address[1])

    @property
    def port(self) -> int:
        """The port listened on (the one picked, if 0 was asked for)."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """Where a browser on this machine finds the page."""
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handle each connection in its own thread, within the connection limits.

        A connection beyond ``max_client_connections`` (of its client) or
        ``max_connections`` (of all) takes the slot of the connection, among those
        the limit counts, whose request has been arriving longest, which is cut;
        if every one of those has its request whole, the newcomer is answered 503.
        """
        client = str(client_address[0])
        thread = threading.Thread(target=self._handle_connection, args=(request, client_address),
                                  name="playground-request", daemon=True)
        connection = _Connection(request, client, thread)
        with self._connections_lock:
            refusal, victim = self._make_room(client)
            if refusal is None:
                self._connections[request] = connection
        if victim is not None:
            # Its 408 answer is logged as a warning; this says who it made room for.
            logger.debug("%s: cut a connection from %s, still sending its request after %.1f s, "
                         "to make room", client, victim.client, time.monotonic() - victim.started)
            try:
                victim.sock.shutdown(socket.SHUT_RD)  # wakes its thread, which answers 408
            except OSError:
                pass
        if refusal is not None:
            logger.warning("%s: %s; answered 503", client, refusal)
            body = json.dumps({"error": refusal}).encode()
            try:
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        thread.start()

    def _make_room(self, client: str) -> tuple[str | None, _Connection | None]:
        """Whether a new connection from ``client`` is refused (why), and whom it displaces.

        Holds ``_connections_lock``. Connections already cut still finish (at
        once: their reads fail); they are not counted, but at most
        ``max_connections`` of them may be finishing at a time.
        """
        if len(self._connections) >= 2 * self.max_connections:
            return "server too busy", None
        live = [c for c in self._connections.values() if not c.cut]
        mine = [c for c in live if c.client == client]
        if len(mine) >= self.max_client_connections:
            pool, refusal = mine, f"too many connections from {client}"
        elif len(live) >= self.max_connections:
            pool, refusal = live, "server too busy"
        else:
            return None, None
        arriving = [c for c in pool if c.arriving]
        if not arriving:
            return refusal, None
        victim = min(arriving, key=lambda c: c.started)
        victim.cut = True
        return None, victim

    def connection_of(self, request: socket.socket) -> _Connection:
        """The record of an accepted connection (what its handler reads its deadline from)."""
        with self._connections_lock:
            return self._connections[request]

    def request_arrived(self, connection: _Connection) -> None:
        """Note that ``connection``'s request is whole: from now on it is never cut to make room."""
        with self._connections_lock:
            connection.arriving = False

    def _handle_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):  # the client went away, or the server is closing
            logger.debug("%s: connection ended: %s", client_address[0], exc)
        else:
            logger.exception("error handling a request from %s", client_address[0])

    def start(self) -> None:
        """Serve in a background thread (for tests and embedding); :meth:`close` stops it."""
        self._serving = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                         name="playground-server", daemon=True)
        self._serving.start()

    def close(self) -> None:
        """Stop serving, close every session and connection, and wait for their threads."""
        if self._closed:
            return
        self._closed = True
        if self._serving is not None:
            self.shutdown()
            self._serving.join()
        self.sessions.close_all()
        with self._connections_lock:
            connections = list(self._connections.values())
        for connection in connections:
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked reading a silent client
            except OSError:
                pass
        for connection in connections:
            connection.thread.join(self.connection_timeout)
        self.server_close()

    def __enter__(self) -> PlaygroundServer:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def _open_browser(url: str) -> bool:
    """Open ``url`` in the default graphical browser, if there is one."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if type(browser) is webbrowser.GenericBrowser:
        return False  # a text-mode browser would take over this terminal
    try:
        return bool(browser.open(url, new=2))
    except (OSError, webbrowser.Error):
        return False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True) -> int:
    """Run the playground until Ctrl-C (or SIGTERM); what ``playwithnn playground`` calls.

    Prints the page's address, and a warning if ``host`` is not a loopback
    address (anyone who can reach the machine could then use the playground).

    Parameters
    ----------
    host : str, default="127.0.0.1"
        The address to listen on; loopback keeps the playground to this machine.
    port : int, default=8000
        0 picks a free port.
    open_browser : bool, default=True
        Open the page in the default browser, where there is a graphical one.

    Returns
    -------
    int
        The exit status: 0 after a clean stop, 1 if the address cannot be used.
    """
    if not isinstance(open_browser, bool):
        raise TypeError(f"open_browser must be True or False; got {open_browser!r}")
    try:
        server = PlaygroundServer(host, port)
    except OSError as exc:
        print(f"playwithnn playground: cannot listen on {host}:{port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    if not server.loopback:
        print(f"warning: the playground listens on {host!r}, not on loopback only: anyone who can reach "
              f"this machine on port {server.port} can use it", file=sys.stderr)
    print(f"playwithnn playground: {server.url}  (press Ctrl-C to stop)", flush=True)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        if open_browser:
            _open_browser(server.url)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("playwithnn playground: stopped", flush=True)
    finally:
        server.close()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return 0


__all__ = ["PlaygroundHandler", "PlaygroundServer", "RequestError", "is_loopback", "serve"]
