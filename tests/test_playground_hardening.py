"""The playground's server under slow and greedy clients, and what its logs keep of a session id.

Every test talks to a :class:`PlaygroundServer` on ``127.0.0.1`` over real
sockets. Linux routes all of ``127.0.0.0/8`` to the loopback interface, so a
client socket bound to ``127.0.0.2`` (or any ``127.x.y.z``) before it connects
is another client to the server: that is how these tests have "another client"
without listening beyond loopback.

Each hostile client is bounded: a fixed number of sockets, a loop that stops by
itself after a few seconds, and a timeout on every socket. Time limits in the
assertions are generous (seconds where the server takes milliseconds), because
the machine running the tests may be busy.
"""

from __future__ import annotations

import http.client
import json
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playground_client import playground_threads

from playwithnn.playground.data import DataError
from playwithnn.playground.server import PlaygroundServer, redact
from playwithnn.playground.sessions import SessionManager, TooManySessionsError
from playwithnn.playground.settings import Settings

pytestmark = pytest.mark.timeout(120)

#: What "answered promptly" means here: the server itself answers in milliseconds.
PROMPT = 2.0


# ------------------------------------------------------------------ helpers
@pytest.fixture
def make_server() -> Iterator[Any]:
    """Start servers with the given limits; close them all, and check every thread ended."""
    servers: list[PlaygroundServer] = []

    def make(**limits: Any) -> PlaygroundServer:
        srv = PlaygroundServer("127.0.0.1", 0, **limits)
        servers.append(srv)
        srv.start()
        return srv

    yield make
    for srv in servers:
        srv.close()
    assert playground_threads() == []


def request(srv: PlaygroundServer, method: str, path: str, body: bytes | None = None, *,
            source: str = "127.0.0.1", headers: dict[str, str] | None = None,
            timeout: float = 10.0) -> tuple[int, bytes, float]:
    """One request from the address ``source``, over a fresh connection: (status, body, seconds)."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), time.monotonic() - start
    finally:
        conn.close()


def create_session(srv: PlaygroundServer, source: str = "127.0.0.1") -> tuple[int, Any]:
    body = json.dumps({"settings": {"n_samples": 20}}).encode()
    status, body, _ = request(srv, "POST", "/api/sessions", body, source=source,
                              headers={"Content-Type": "application/json"})
    return status, json.loads(body)


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def held_whole(srv: PlaygroundServer) -> int:
    """How many connections the server holds, or -1 while one of them is still arriving."""
    connections = list(srv._connections.values())
    return -1 if any(c.arriving for c in connections) else len(connections)


def read_answer(sock: socket.socket) -> tuple[int, Any]:
    """Read what the server sends until it closes: (status, JSON body)."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass  # closed with our unread bytes pending; what came before the reset is kept
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


class Tricklers:
    """``count`` connections that each send one byte of an endless header every ``interval`` seconds.

    A connection the server answers or closes is opened again at the next tick, as
    a determined client would. One thread drives all of them, for at most
    ``duration`` seconds, and closes every socket when it stops.
    """

    PREFIX = b"GET / HTTP/1.0\r\nX-Slow: "

    def __init__(self, srv: PlaygroundServer, count: int, interval: float, duration: float,
                 sources: list[str]) -> None:
        self.srv, self.count, self.interval, self.duration = srv, count, interval, duration
        self.sources = sources
        self.connects = self.cut = 0
        self.statuses: set[bytes] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-tricklers")

    def __enter__(self) -> Tricklers:
        self._thread.start()
        return self

    def __exit__(self, *args: object) -> None:
        self._stop.set()
        self._thread.join(self.duration + 10)
        assert not self._thread.is_alive()

    def _run(self) -> None:
        socks: list[socket.socket | None] = [None] * self.count
        sent = [0] * self.count
        end = time.monotonic() + self.duration
        try:
            while not self._stop.is_set() and time.monotonic() < end:
                for i in range(self.count):
                    if socks[i] is None:
                        socks[i] = self._connect(i)
                        sent[i] = 0
                    sock = socks[i]
                    if sock is None:
                        continue
                    byte = self.PREFIX[sent[i]:sent[i] + 1] or b"a"
                    try:
                        sock.sendall(byte)
                        sent[i] += 1
                    except OSError:
                        self._drop(socks, i)
                tick = time.monotonic() + self.interval
                while (left := tick - time.monotonic()) > 0 and not self._stop.is_set():
                    live = [s for s in socks if s is not None]
                    readable, _, _ = select.select(live, [], [], left) if live else ([], [], [])
                    if not live:
                        self._stop.wait(left)
                    for sock in readable:
                        i = socks.index(sock)
                        try:
                            answer = sock.recv(4096)
                            self.statuses.add(answer[9:12])
                        except OSError:
                            pass
                        self._drop(socks, i)
        finally:
            for sock in socks:
                if sock is not None:
                    sock.close()

    def _connect(self, i: int) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.srv.port), timeout=5,
                                            source_address=(self.sources[i % len(self.sources)], 0))
        except OSError:
            return None
        self.connects += 1
        return sock

    def _drop(self, socks: list[socket.socket | None], i: int) -> None:
        sock = socks[i]
        if sock is not None:
            sock.close()
            socks[i] = None
            self.cut += 1


# ------------------------------------------------------- the request deadline
def test_a_request_trickled_byte_by_byte_is_answered_408_at_the_deadline(make_server: Any) -> None:
    srv = make_server(request_timeout=1.0, connection_timeout=5.0)
    request_bytes = b"GET /api/options HTTP/1.0\r\nX-Slow: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        start = time.monotonic()
        for byte in request_bytes:  # one byte every 0.2 s: each read is quick, the whole is not
            sock.sendall(bytes([byte]))
            if select.select([sock], [], [], 0.2)[0]:
                break
        status, answer = read_answer(sock)
        elapsed = time.monotonic() - start
    assert status == 408 and "did not arrive whole" in answer["error"]
    assert 0.9 < elapsed < 1.0 + PROMPT


def test_a_body_trickled_byte_by_byte_is_answered_408_at_the_deadline(make_server: Any) -> None:
    srv = make_server(request_timeout=1.0, connection_timeout=5.0)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        start = time.monotonic()
        sock.sendall(b"POST /api/sessions HTTP/1.0\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{")
        for _ in range(50):
            if select.select([sock], [], [], 0.2)[0]:
                break
            sock.sendall(b" ")
        status, answer = read_answer(sock)
        elapsed = time.monotonic() - start
    assert status == 408 and "did not arrive whole" in answer["error"]
    assert 0.9 < elapsed < 1.0 + PROMPT
    assert len(srv.sessions) == 0


def test_a_connection_that_sends_nothing_is_closed_at_the_deadline_without_an_answer(
        make_server: Any) -> None:
    srv = make_server(request_timeout=0.5, connection_timeout=5.0)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        start = time.monotonic()
        assert sock.recv(1024) == b""
        assert 0.4 < time.monotonic() - start < 0.5 + PROMPT


def test_a_request_that_arrives_in_time_is_answered_however_it_is_split(make_server: Any) -> None:
    srv = make_server(request_timeout=2.0)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        for part in (b"GET /api/opt", b"ions HTTP/1.0\r\n", b"Host: 127.0.0.1\r\n", b"\r\n"):
            sock.sendall(part)
            time.sleep(0.1)
        status, answer = read_answer(sock)
    assert status == 200 and "datasets" in answer


# -------------------------------------------------- connections per client
def test_a_request_still_arriving_is_cut_to_make_room_for_a_newcomer(make_server: Any) -> None:
    """A client at its bound that opens one more connection displaces its own slowest one."""
    srv = make_server(max_client_connections=2, request_timeout=30.0, connection_timeout=30.0)
    silent = []
    try:
        for _ in range(2):  # one after the other: the first is the oldest
            silent.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
            wait_until(lambda: len(srv._connections) == len(silent))
        silent[0].sendall(b"GET / HT")  # never finished
        status, _, elapsed = request(srv, "GET", "/api/options")
        assert status == 200 and elapsed < PROMPT
        status, answer = read_answer(silent[0])
        assert status == 408 and "slowest to arrive" in answer["error"]
        # A connection that has sent nothing is closed without an answer (a browser's spare
        # connection would take one for the answer to its next request).
        wait_until(lambda: len(srv._connections) == 1)
        silent.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
        wait_until(lambda: len(srv._connections) == 2)
        assert request(srv, "GET", "/api/options")[0] == 200
        assert silent[1].recv(1024) == b""
    finally:
        for sock in silent:
            sock.close()


def test_one_client_cannot_take_every_connection(make_server: Any) -> None:
    """Whole requests (long polls) are never cut: past its bound a client gets 503, another is answered."""
    srv = make_server(max_connections=8, max_client_connections=2, long_poll=10.0)
    status, answer = create_session(srv)
    assert status == 201
    sid = answer["id"]
    _, body, _ = request(srv, "GET", f"/api/sessions/{sid}/state")
    version = json.loads(body)["state"]["version"]
    wait_until(lambda: len(srv._connections) == 0)
    polls = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(2)]
    try:
        for sock in polls:  # each waits up to 10 s for a state that does not come
            sock.sendall(f"GET /api/sessions/{sid}/state?version={version} HTTP/1.0\r\n\r\n".encode())
        wait_until(lambda: held_whole(srv) == 2)
        status, body, elapsed = request(srv, "GET", "/api/options", source="127.0.0.1")
        assert (status, json.loads(body)) == (503, {"error": "too many connections from 127.0.0.1"})
        assert elapsed < PROMPT
        status, _, elapsed = request(srv, "GET", "/api/options", source="127.0.0.2")
        assert status == 200 and elapsed < PROMPT
    finally:
        for sock in polls:
            sock.close()
        srv.sessions.close(sid)  # wakes the polls


@pytest.mark.parametrize("spread", [False, True], ids=["from-one-address", "from-40-addresses"])
def test_40_trickling_connections_do_not_keep_another_client_out(make_server: Any, spread: bool) -> None:
    """The issue's probe, scaled down in time: 40 connections each send a header byte every 0.3 s.

    From one address, the per-client bound keeps them to 8 slots; from 40
    addresses, they would fill all 32 slots. Either way, a client from another
    address, or from the same one, gets every answer promptly: a newcomer takes
    the slot of the request that has been arriving longest.
    """
    srv = make_server(request_timeout=3.0)  # 32 connections, 8 per client, as by default
    sources = [f"127.0.1.{i + 1}" for i in range(40)] if spread else ["127.0.0.1"]
    latencies: dict[str, list[float]] = {"127.0.0.1": [], "127.0.0.2": []}
    most_connections = 0
    with Tricklers(srv, count=40, interval=0.3, duration=8.0, sources=sources) as tricklers:
        wait_until(lambda: len(srv._connections) >= (32 if spread else 8))  # the slots are taken
        for _ in range(8):  # 8 rounds, 0.2 s apart: about 2 seconds of the attack
            for source, seen in latencies.items():
                status, _, elapsed = request(srv, "GET", "/api/options", source=source, timeout=PROMPT + 3)
                assert status == 200, (source, status)
                seen.append(elapsed)
            most_connections = max(most_connections, len(srv._connections))
            time.sleep(0.2)
        connects = tricklers.connects
    assert connects >= 40  # the attack went on: every trickler connected
    assert b"200" not in tricklers.statuses  # a trickler is only ever cut (408) or refused, never answered
    for source, seen in latencies.items():
        assert max(seen) < PROMPT, (source, seen)
    assert most_connections <= 2 * 32  # cut connections finish at once; threads stay bounded


# --------------------------------------------------------------- sessions
def test_manager_caps_each_client_and_makes_room_from_the_quietest_session() -> None:
    manager = SessionManager(max_sessions=3, idle_timeout=60.0, max_client_sessions=2, idle_when_full=5.0)
    try:
        a1 = manager.create(Settings(n_samples=20), client="10.0.0.1")
        a2 = manager.create(Settings(n_samples=20), client="10.0.0.1")
        with pytest.raises(TooManySessionsError, match="2 sessions are open already from this address"):
            manager.create(Settings(n_samples=20), client="10.0.0.1")
        b1 = manager.create(Settings(n_samples=20), client="10.0.0.2")
        with pytest.raises(TooManySessionsError, match="3 sessions are open already"):
            manager.create(Settings(n_samples=20), client="10.0.0.3")  # all asked about just now
        a1.last_seen -= 10  # as if no page had asked for a while
        b1.last_seen -= 20
        # A session that fails to build takes no one's place.
        with pytest.raises(DataError, match="upload"):
            manager.create(Settings(dataset="upload"), client="10.0.0.3")
        assert len(manager) == 3 and not b1.closed
        c1 = manager.create(Settings(n_samples=20), client="10.0.0.3")
        assert b1.closed and not a1.closed and manager.get(b1.id) is None
        # A client at its cap replaces its own quietest session, not another's.
        c1.last_seen -= 30
        a3 = manager.create(Settings(n_samples=20), client="10.0.0.1")
        assert a1.closed and not c1.closed and not a2.closed
        assert {s.id for s in (a2, a3, c1)} == set(manager._sessions)
        c1.touch()
        with pytest.raises(TooManySessionsError, match="3 sessions are open already"):
            manager.create(Settings(n_samples=20))  # code that serves no client: max_sessions only
    finally:
        manager.close_all()
    unbound = SessionManager(max_sessions=2, max_client_sessions=1)
    try:
        unbound.create(Settings(n_samples=20))
        unbound.create(Settings(n_samples=20))
    finally:
        unbound.close_all()
    assert playground_threads() == []


@pytest.mark.parametrize(("limits", "message"), [
    ({"max_client_sessions": 0}, "max_client_sessions must be a positive integer"),
    ({"idle_when_full": -1.0}, "idle_when_full must be zero or more"),
])
def test_manager_limits_are_checked(limits: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SessionManager(**limits)


@pytest.mark.parametrize(("limits", "message"), [
    ({"max_client_connections": 0}, "max_client_connections must be a positive integer"),
    ({"max_connections": True}, "max_connections must be a positive integer"),
    ({"request_timeout": 0}, "request_timeout must be a positive number of seconds"),
])
def test_server_limits_are_checked(limits: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PlaygroundServer("127.0.0.1", 0, **limits)


def test_greedy_pollers_do_not_keep_another_client_from_a_session(make_server: Any) -> None:
    """A client polling as many sessions as it may keeps them, but cannot take the others' places."""
    srv = make_server(max_sessions=5, max_client_sessions=2, long_poll=0.2)
    srv.sessions.idle_when_full = 30.0  # "quiet" only when the test says so (by backdating)
    greedy = [create_session(srv, "127.0.0.1") for _ in range(3)]
    assert [status for status, _ in greedy] == [201, 201, 503]
    assert "from this address" in greedy[2][1]["error"]
    greedy_ids = [answer["id"] for _, answer in greedy[:2]]
    stop = threading.Event()
    poll_statuses: list[int] = []

    def poll() -> None:  # as a page does, but both sessions at once, for at most 20 s
        versions = dict.fromkeys(greedy_ids, 0)
        end = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < end:
            for sid, version in versions.items():
                status, body, _ = request(srv, "GET", f"/api/sessions/{sid}/state?version={version}")
                poll_statuses.append(status)
                if status == 200:
                    versions[sid] = json.loads(body)["state"]["version"]

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        status, answer = create_session(srv, "127.0.0.2")
        assert status == 201
        other = answer["id"]
        quiet = [create_session(srv, "127.0.0.3")[1]["id"] for _ in range(2)]
        assert len(srv.sessions) == 5
        # Full, and every session was asked about just now: a newcomer is refused.
        status, answer = create_session(srv, "127.0.0.4")
        assert status == 503 and "5 sessions are open already" in answer["error"]
        # Two sessions go quiet (their page went away without closing them): newcomers take
        # their places, the quietest first, while the polled ones stay.
        for sid, seconds in zip(quiet, (40, 35)):
            session = srv.sessions.get(sid)
            assert session is not None
            session.last_seen -= seconds
        for source in ("127.0.0.4", "127.0.0.5"):
            status, _, elapsed = request(srv, "POST", "/api/sessions", b'{"settings": {"n_samples": 20}}',
                                         source=source, headers={"Content-Type": "application/json"})
            assert status == 201 and elapsed < PROMPT + 3
        assert all(srv.sessions.get(sid) is None for sid in quiet)
        assert srv.sessions.get(other) is not None
        assert create_session(srv, "127.0.0.6")[0] == 503
    finally:
        stop.set()
        poller.join(30)
    assert not poller.is_alive()
    assert poll_statuses and set(poll_statuses) == {200}  # the greedy client's sessions were never taken
    assert all(srv.sessions.get(sid) is not None for sid in greedy_ids)


# ------------------------------------------------------------------- logs
def test_no_log_line_holds_a_whole_session_id(make_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Info lines, refused requests, debug request lines and timeouts: 8 characters of it at most."""
    srv = make_server(request_timeout=1.0, connection_timeout=5.0, long_poll=0.05)
    with caplog.at_level(logging.DEBUG, logger="playwithnn.playground"):
        status, answer = create_session(srv)
        assert status == 201
        sid = answer["id"]
        json_headers = {"Content-Type": "application/json"}
        refused = [
            (request(srv, "GET", f"/api/sessions/{sid}/state")[0], 200),
            (request(srv, "POST", f"/api/sessions/{sid}/state")[0], 405),
            (request(srv, "GET", f"/api/sessions/{sid}/state?version=x")[0], 400),
            (request(srv, "GET", f"/api/sessions/{sid}/state", headers={"Host": "evil.example"})[0], 403),
            (request(srv, "POST", f"/api/sessions/{sid}/control", b"{}", headers=json_headers)[0], 400),
            (request(srv, "POST", f"/api/sessions/{sid}/control", b"play")[0], 415),
            (request(srv, "GET", f"/api/sessions/{sid}/nothing")[0], 404),
            (request(srv, "GET", f"/api/sessions/{sid}{sid}/state")[0], 404),
            (request(srv, "GET", f"/?{sid}")[0], 200),
        ]
        assert [got for got, _ in refused] == [expected for _, expected in refused]
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(f"GET /api/sessions/{sid}/state HTTP/1.0\r\nX-Slow: ".encode())
            assert read_answer(sock)[0] == 408  # its path is known by then, and logged
        assert request(srv, "DELETE", f"/api/sessions/{sid}")[0] == 204
        assert request(srv, "GET", f"/api/sessions/{sid}/state")[0] == 404
        srv.close()  # the lines of the request threads are all written
    records = [r for r in caplog.records if r.name.startswith("playwithnn.playground")]
    lines = [r.getMessage() for r in records]
    assert len(lines) >= 12
    assert not [line for line in lines if sid in line]
    assert sid not in caplog.text
    assert sum(sid[:8] in line for line in lines) >= 10  # the lines still say which session
    assert any(f"/api/sessions/{sid[:8]}.../state" in line and "405" in line for line in lines)
    assert any("408" in line and sid[:8] in line for line in lines)


def test_redact_cuts_only_id_like_runs() -> None:
    sid = "AbCdEfGh_-1234567890xyzQ"
    assert redact(f"GET /api/sessions/{sid}/state HTTP/1.0") == "GET /api/sessions/AbCdEfGh.../state HTTP/1.0"
    assert redact(f"/x?{sid}&{sid[:15]}") == f"/x?AbCdEfGh...&{sid[:15]}"
    assert redact("/static/playground.js 200") == "/static/playground.js 200"
