"""The playground's server: settings, data, sessions, every endpoint, and hostile requests.

Every request a test sends goes over a real socket to a :class:`PlaygroundServer`
on an ephemeral loopback port. The ``test_hostile_*`` tests each send exactly one
malformed or hostile request and check that it is answered with a 4xx status and
a JSON error, that it changes nothing, and that the server keeps answering.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import webbrowser
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from playground_client import playground_threads, request, send_json

from playwithnn import NeuralNetwork
from playwithnn.activations import ACTIVATIONS as CORE_ACTIVATIONS
from playwithnn.datasets import DATASETS as CORE_DATASETS
from playwithnn.initializers import INITIALIZERS
from playwithnn.losses import LOSSES
from playwithnn.optimizers import OPTIMIZERS as CORE_OPTIMIZERS
from playwithnn.optimizers import get_optimizer
from playwithnn.playground import server as server_module
from playwithnn.playground import sessions as sessions_module
from playwithnn.playground.data import (
    MAX_UPLOAD_BYTES,
    DataError,
    feature_matrix,
    make_split,
    parse_csv,
    scale_to_unit,
)
from playwithnn.playground.server import MAX_JSON_BYTES, PlaygroundServer, is_loopback, serve
from playwithnn.playground.sessions import (
    HISTORY_LIMIT,
    Session,
    SessionManager,
    TooManySessionsError,
    make_optimizer,
    plane_grid,
    to_unit,
)
from playwithnn.playground.settings import OWN_DATASETS, Settings, SettingsError, options, parse_settings


# ------------------------------------------------------------------ helpers
def raw(srv: PlaygroundServer, data: bytes) -> bytes:
    """Send raw bytes, half-close, and read the whole answer."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before it has read everything
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse_raw(answer: bytes) -> tuple[int, Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def new_session(srv: PlaygroundServer, **settings: Any) -> str:
    status, answer = send_json(srv, "/api/sessions", {"settings": settings})
    assert status == 201, answer
    return str(answer["id"])


def get_state(srv: PlaygroundServer, sid: str, version: int = 0, data_version: int = 0) -> dict[str, Any]:
    query = f"version={version}&data_version={data_version}"
    status, _, body = request(srv, "GET", f"/api/sessions/{sid}/state?{query}")
    assert status == 200, body
    return dict(json.loads(body))


def published(session: Session) -> dict[str, Any]:
    """The state a session has published last."""
    return dict(json.loads(session.wait_state(0, 0, 0))["state"])


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.02)


@pytest.fixture
def srv() -> Iterator[PlaygroundServer]:
    server = PlaygroundServer("127.0.0.1", 0, long_poll=0.2, connection_timeout=2.0)
    server.start()
    yield server
    server.close()
    assert playground_threads() == []


# A session id of the right shape that no session has.
UNKNOWN_ID = "A" * 24


# ----------------------------------------------------------------- settings
def test_default_settings_are_the_2_4_2_1_network_on_500_points() -> None:
    s = parse_settings({})
    assert s == Settings()
    assert (s.features, s.hidden_layers, s.n_samples) == (("x1", "x2"), (4, 2), 500)
    assert options()["defaults"] == s.to_json()


def test_settings_merge_into_the_base_and_features_take_the_canonical_order() -> None:
    base = Settings(dataset="xor", learning_rate=0.3)
    s = parse_settings({"features": ["sinx2", "x1"], "hidden_layers": []}, base)
    assert s.features == ("x1", "sinx2")
    assert s.hidden_layers == ()
    assert (s.dataset, s.learning_rate) == ("xor", 0.3)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "settings must be a JSON object"),
        ({"layers": [2]}, "unknown setting 'layers'"),
        ({"hidden_layers": [4] * 7}, "at most 6 layer widths"),
        ({"hidden_layers": [0]}, "hidden_layers[0] must be an integer from 1 to 16"),
        ({"hidden_layers": [True]}, "hidden_layers[0] must be an integer from 1 to 16"),
        ({"n_samples": 2.0}, "n_samples must be an integer from 10 to 2000"),
        ({"noise": float("nan")}, "noise must be a number from 0 to 0.5"),
        ({"learning_rate": 0}, "learning_rate must be a number from 1e-05 to 10"),
        ({"activation": "softmax"}, "activation must be one of 'sigmoid', 'tanh', 'relu'"),
        ({"speed": True}, "speed must be one of 10"),
        ({"features": ["x1", "x1"]}, "features must not repeat a name"),
        ({"features": []}, "features must be a list of 1 to 8 names"),
    ],
)
def test_bad_settings_name_the_field(obj: Any, message: str) -> None:
    with pytest.raises(SettingsError) as info:
        parse_settings(obj)
    assert message in str(info.value)


# --------------------------------------------------------------------- data
def test_parse_csv_with_header_semicolons_and_numeric_labels_sorted_as_numbers() -> None:
    up = parse_csv(b"\xef\xbb\xbfheight;weight;class\n1.5;-2;10\n2;3e1;9\n0;0;10\n1;1;9\n")
    assert up.columns == ("height", "weight", "class")
    assert up.classes == ("9", "10")  # 9 < 10 as numbers, though "10" < "9" as text
    assert up.y.tolist() == [1, 0, 1, 0]
    np.testing.assert_array_equal(up.X, [[1.5, -2.0], [2.0, 30.0], [0.0, 0.0], [1.0, 1.0]])


def test_parse_csv_keeps_hostile_text_as_a_plain_label() -> None:
    evil = b"__import__('os').system('x')"
    up = parse_csv(b"0,0," + evil + b"\n1,1,=1+1\n0,1,=1+1\n1,0," + evil + b"\n")
    assert up.classes == ("=1+1", "__import__('os').system('x')")
    assert up.y.tolist() == [1, 0, 0, 1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "0 data rows"),
        (b"a,b,c\n", "0 data rows"),
        (b"1,2,0\n3,4,1\n5,6,0\n", "3 data rows"),
        (b"1,2\n3,4\n5,6\n7,8\n", "row 1 has 2 fields"),
        (b"1,2,0\n3,4,1\n5,6,0,9\n7,8,1\n", "row 3 has 4 fields"),
        (b"1,2,0\n3,nan,1\n5,6,0\n7,8,1\n", "row 2, column 2: 'nan' is not a finite number"),
        (b"1,2,0\n3,1e999,1\n5,6,0\n7,8,1\n", "is not a finite number"),
        (b"1,2,0\n0x10,4,1\n5,6,0\n7,8,1\n", "is not a finite number"),
        (b"1,2,0\n1_000,4,1\n5,6,0\n7,8,1\n", "is not a finite number"),
        (b"1,2,0\n3,4,0\n5,6,0\n7,8,0\n", "exactly 2 distinct values; it holds 1"),
        (b"1,2,0\n3,4,1\n5,6,2\n7,8,1\n", "exactly 2 distinct values; it holds 3"),
        (b"1,2,1\n3,4,1.0\n5,6,1\n7,8,1.0\n", "are the same number"),
        (b"\xff\xfe1,2,0\n", "not UTF-8"),
        (b"1,2,0\x00\n", "NUL"),
        (b"1,2,0\n" * (2001), "has 2001 rows; at most 2000"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "at most 1000000"),
    ],
    ids=lambda v: repr(v)[:30] if isinstance(v, bytes) else None,
)
def test_parse_csv_refuses_what_is_not_two_features_and_a_label(data: bytes, message: str) -> None:
    with pytest.raises(DataError) as info:
        parse_csv(data)
    assert message in str(info.value)


def test_feature_matrix_and_scaling_exact_values() -> None:
    X = np.array([[0.5, -2.0], [0.0, 1.0]])
    F = feature_matrix(X, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    np.testing.assert_array_equal(F[0], [0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)])
    np.testing.assert_array_equal(scale_to_unit(np.array([[2.0, 7.0], [4.0, 7.0], [3.0, 7.0]])),
                                  [[-1.0, 0.0], [1.0, 0.0], [0.0, 0.0]])


def test_split_follows_the_ratio_and_the_seed() -> None:
    a = make_split(Settings(dataset="moons", n_samples=200, train_ratio=0.3, seed=5))
    b = make_split(Settings(dataset="moons", n_samples=200, train_ratio=0.3, seed=5))
    assert (len(a.y_train), len(a.y_test)) == (60, 140)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert set(a.y_train.tolist()) == {0, 1}


def test_tutorial_uses_its_first_two_columns_and_all_four_samples_for_both() -> None:
    split = make_split(Settings(dataset="tutorial"))
    np.testing.assert_array_equal(split.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(split.X_test, split.X_train)
    assert split.y_train.tolist() == [0, 1, 1, 0]


def test_upload_dataset_needs_an_upload() -> None:
    with pytest.raises(DataError, match="upload one first"):
        make_split(Settings(dataset="upload"))


# ---------------------------------------------------------------- sessions
def test_plane_grid_and_colour_scale() -> None:
    grid = plane_grid(2.0, 4)
    assert grid[0].tolist() == [-1.5, 1.5]  # top left first
    assert grid[-1].tolist() == [1.5, -1.5]
    A = np.array([[-1.0, 0.0], [1.0, 0.5]])
    np.testing.assert_array_equal(to_unit(A, "tanh"), [[0.0, 0.5], [1.0, 0.75]])
    np.testing.assert_array_equal(to_unit(A, "identity"), [[0.0, 0.5], [1.0, 1.0]])
    np.testing.assert_array_equal(to_unit(A, "sigmoid"), A)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_session_trains_the_real_network_with_fit(optimizer: str) -> None:
    """Two steps of a session are exactly NeuralNetwork.fit for two epochs on the same data.

    One ``fit`` of two epochs against two steps of one epoch each: equal only if the
    session trains with ``fit`` on its features and seed, and its optimizer keeps its
    state (velocities, moments) from one epoch to the next.
    """
    s = Settings(dataset="xor", n_samples=60, features=("x1", "x2", "x1x2"), hidden_layers=(3,),
                 learning_rate=0.03, optimizer=optimizer, batch_size=7, l2=0.01, seed=4, speed=0)
    session = Session("x" * 16, s)
    try:
        session.control("step")
        session.control("step")
        split = make_split(s)
        X = feature_matrix(split.X_train, s.features)
        y = split.y_train.astype(float).reshape(-1, 1)
        net = NeuralNetwork([3, 3, 1], activation="tanh", loss="binary_crossentropy",
                            seed=np.random.default_rng([4, 0]))
        options = {"momentum": 0.9} if optimizer == "momentum" else {}
        opt = get_optimizer("adam" if optimizer == "adam" else "sgd", 0.03, **options)
        net.fit(X, y, epochs=2, optimizer=opt, batch_size=7, l2=0.01, shuffle=True)
        for mine, theirs in zip(session._model.net.parameters(), net.parameters()):
            np.testing.assert_array_equal(mine, theirs)
        state = json.loads(session.wait_state(0, 0, 0))["state"]
        assert state["epoch"] == 2
        assert state["test_loss"] == pytest.approx(net.loss(feature_matrix(split.X_test, s.features),
                                                            split.y_test.reshape(-1, 1)), rel=1e-4)
        assert state["history"]["epoch"] == [0, 1, 2]
    finally:
        session.close()


def test_session_settings_reset_or_apply_live() -> None:
    session = Session("y" * 16, Settings(dataset="gaussians", n_samples=100, speed=0))
    try:
        session.control("step")
        session.update_settings({"learning_rate": 0.03, "batch_size": 5, "l2": 0.01})
        assert session.epoch == 1  # applied live
        assert session._optimizer.learning_rate == 0.03
        session.update_settings({"hidden_layers": [3, 3, 3]})
        assert session.epoch == 0  # a new network
        assert session._model.net.layer_sizes == [2, 3, 3, 3, 1]
        with pytest.raises(SettingsError):
            session.update_settings({"hidden_layers": [3, 99]})
        with pytest.raises(DataError):
            session.update_settings({"dataset": "upload"})
        assert session.settings.dataset == "gaussians"  # a refused change changes nothing
        weights = session._model.net.layers[0].W.copy()
        session.control("reset")
        assert not np.array_equal(weights, session._model.net.layers[0].W)  # new weights
        with pytest.raises(ValueError, match="action must be one of"):
            session.control("explode")
    finally:
        session.close()


def test_loss_history_is_thinned_two_to_one() -> None:
    session = Session("z" * 16, Settings(dataset="tutorial", batch_size=4, speed=0))
    try:
        with session._lock:
            for _ in range(HISTORY_LIMIT + 1):
                session._train_epoch()
        epochs = session._model.history[0]
        assert epochs == list(range(0, HISTORY_LIMIT + 1, 2))
        assert session._model.stride == 2
        assert len(epochs) == HISTORY_LIMIT // 2 + 1
    finally:
        session.close()


def test_divergence_pauses_with_a_message() -> None:
    session = Session("d" * 16, Settings(dataset="xor", n_samples=100, hidden_layers=(16,) * 6,
                                         activation="identity", learning_rate=10.0, batch_size=100,
                                         speed=0))
    try:
        session.control("play")
        wait_for(lambda: published(session)["error"] is not None)
        state = published(session)
        assert "diverged" in state["error"]
        assert not state["playing"] and not session.playing
        assert all(np.isfinite(p).all() for p in session._model.net.parameters())
    finally:
        session.close()


def session_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name == "playwithnn.playground.sessions" and r.levelno == logging.ERROR]


def test_a_failing_epoch_pauses_is_logged_and_told_to_the_page(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    session = Session("f" * 16, Settings(dataset="xor", n_samples=100, speed=0))
    try:
        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("a bug in an epoch")

        net = session._model.net
        monkeypatch.setattr(net, "fit", broken)
        session.control("play")
        wait_for(lambda: published(session)["error"] is not None)
        state = published(session)
        assert "Training failed on the server" in state["error"]
        assert not state["playing"] and not session.playing
        assert session._thread.is_alive()  # paused, not ended
        [record] = session_errors(caplog)
        assert record.exc_info is not None and "a bug in an epoch" in str(record.exc_info[1])
        assert "training failed at epoch 1" in record.getMessage()

        # Once the cause is gone, "play" trains again on the same thread.
        monkeypatch.undo()
        session.control("play")
        assert published(session)["error"] is None
        wait_for(lambda: session.epoch >= 3)
    finally:
        session.close()
    assert not session._thread.is_alive()


def test_a_failing_step_is_told_to_the_page_not_raised(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    session = Session("g" * 16, Settings(dataset="xor", n_samples=100, speed=0))
    try:
        monkeypatch.setattr(session._model.net, "fit", lambda *a, **k: 1 / 0)
        session.control("step")
        state = published(session)
        assert (state["epoch"], state["playing"]) == (0, False)
        assert "Training failed on the server" in state["error"]
        assert len(session_errors(caplog)) == 1
    finally:
        session.close()


def test_a_failing_drawing_in_the_training_thread_pauses_is_logged_and_told(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Publishing fails in the training thread only: the page still gets a state, with the error."""
    session = Session("h" * 16, Settings(dataset="xor", n_samples=100, speed=0))
    try:
        draw = session._draw
        before = published(session)

        def draw_fails_in_the_thread() -> dict[str, Any]:
            if threading.current_thread() is session._thread:
                raise ValueError("a bug in drawing")
            return draw()

        monkeypatch.setattr(session, "_draw", draw_fails_in_the_thread)
        session.control("play")
        wait_for(lambda: published(session)["error"] is not None)
        state = published(session)
        assert "Drawing the network failed" in state["error"]
        assert not state["playing"] and not session.playing
        assert state["epoch"] == session.epoch >= 1  # the counters are current
        assert state["weights"] == before["weights"]  # the picture is the last one drawn
        assert session._thread.is_alive()
        [record] = session_errors(caplog)
        assert record.exc_info is not None and "a bug in drawing" in str(record.exc_info[1])

        monkeypatch.undo()
        epoch = session.epoch
        session.control("play")
        wait_for(lambda: published(session)["epoch"] > epoch)
        assert published(session)["error"] is None
    finally:
        session.close()


def snapshot(session: Session) -> dict[str, Any]:
    """Everything a request may change, copied."""
    model = session._model
    return {
        "settings": session.settings, "upload": session._upload, "model": model,
        "split": model.split, "net": model.net, "optimizer": session._optimizer,
        "weights": [p.copy() for p in model.net.parameters()], "epoch": session.epoch,
        "data_version": session._data_version, "data": session._data_json,
        "playing": session.playing, "error": session._error, "resets": session._resets,
        "published": session.wait_state(0, 0, 0),
    }


def assert_unchanged(session: Session, before: dict[str, Any]) -> None:
    after = snapshot(session)
    for key in ("settings", "upload", "model", "split", "net", "optimizer"):
        assert after[key] is before[key], key
    for mine, theirs in zip(after["weights"], before["weights"]):
        np.testing.assert_array_equal(mine, theirs)
    for key in ("epoch", "data_version", "data", "playing", "error", "resets", "published"):
        assert after[key] == before[key], key


def test_a_failing_update_or_upload_leaves_the_session_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """New data is made, then building the network fails: nothing of it is kept."""
    session = Session("u" * 16, Settings(dataset="xor", n_samples=100, speed=0))
    try:
        session.control("step")
        before = snapshot(session)

        def no_network(*args: Any, **kwargs: Any) -> NeuralNetwork:
            raise MemoryError("no room for a network")

        monkeypatch.setattr(sessions_module, "NeuralNetwork", no_network)
        upload = parse_csv(b"0,0,a\n1,1,a\n0,1,b\n1,0,b\n")
        with pytest.raises(MemoryError):
            session.update_settings({"dataset": "moons", "n_samples": 50})
        assert_unchanged(session, before)
        with pytest.raises(MemoryError):
            session.set_upload(upload)
        assert_unchanged(session, before)
        with pytest.raises(MemoryError):
            session.control("reset")
        assert_unchanged(session, before)
        with pytest.raises(DataError):  # refused by the data itself
            session.update_settings({"dataset": "upload"})
        assert_unchanged(session, before)

        monkeypatch.undo()
        session.set_upload(upload)
        assert (session.settings.dataset, session._upload) == ("upload", upload)
        assert session._data_version == before["data_version"] + 1
        assert len(session._model.y_train) + len(session._model.y_test) == 4
    finally:
        session.close()


def test_the_choices_are_the_cores() -> None:
    """Every hidden-layer activation, optimizer, initializer, loss and toy data set of the core is offered
    (with the playground's own data sets), and works."""
    offered = options()
    assert set(offered["activations"]) == {n for n, a in CORE_ACTIVATIONS.items() if a.hidden}
    assert "softmax" not in offered["activations"]
    assert set(offered["datasets"]) == {*CORE_DATASETS, *OWN_DATASETS, "upload"}
    assert {make_optimizer(Settings(optimizer=o)).__class__ for o in offered["optimizers"]} == set(
        CORE_OPTIMIZERS.values())
    assert set(offered["inits"]) == {"auto", *INITIALIZERS}
    assert set(offered["losses"]) <= set(LOSSES)
    by_task = {"binary": "xor", "multiclass": "blobs3", "regression": "plane"}
    for name in ("activation", "optimizer", "dataset", "init", "loss"):
        for choice in offered["losses" if name == "loss" else name + "s"]:
            if choice == "upload":
                continue
            obj = {name: choice, "n_samples": 20, "speed": 0}
            if name == "loss":  # on a data set it fits
                task = next(t for t, losses in offered["losses_by_task"].items() if choice in losses)
                obj["dataset"] = by_task[task]
            session = Session("c" * 16, parse_settings(obj))
            try:
                session.control("step")
                assert (session.epoch, published(session)["error"]) == (1, None), choice
            finally:
                session.close()


def test_manager_bounds_sessions_and_reaps_idle_ones() -> None:
    manager = SessionManager(max_sessions=2, idle_timeout=30.0)
    try:
        a = manager.create(Settings(n_samples=50))
        b = manager.create(Settings(n_samples=50))
        with pytest.raises(TooManySessionsError):
            manager.create(Settings())
        a.last_seen -= 31  # as if no page had asked for 31 seconds
        assert manager.reap() == [a.id]
        assert a.closed and not a._thread.is_alive()
        assert manager.get(b.id) is b
        c = manager.create(Settings(n_samples=50))
        assert len(manager) == 2
        assert manager.close(c.id) and not manager.close(c.id)
    finally:
        manager.close_all()
    assert not b._thread.is_alive()


def test_reaper_thread_closes_sessions_nobody_polls() -> None:
    manager = SessionManager(max_sessions=2, idle_timeout=0.2)
    manager.start()
    try:
        session = manager.create(Settings(n_samples=50))
        session.control("play")
        wait_for(lambda: len(manager) == 0)
        session._thread.join(5)
        assert not session._thread.is_alive()
    finally:
        manager.close_all()
    assert playground_threads() == []


# ------------------------------------------------------------- endpoints
def test_page_and_assets(srv: PlaygroundServer) -> None:
    status, headers, body = request(srv, "GET", "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert b'src="/static/playground.js"' in body and b"http://" not in body.replace(b"http://www.w3", b"")
    for path, kind in [("/static/playground.js", "text/javascript"), ("/static/playground.css", "text/css")]:
        status, headers, body = request(srv, "GET", path)
        assert status == 200 and headers["Content-Type"].startswith(kind) and len(body) > 1000
        assert b"https://" not in body  # nothing fetched from the internet
    assert request(srv, "GET", "/index.html")[2] == request(srv, "GET", "/")[2]


def test_options(srv: PlaygroundServer) -> None:
    status, _, body = request(srv, "GET", "/api/options")
    assert status == 200
    assert json.loads(body) == options()


def test_session_lifecycle_over_http(srv: PlaygroundServer) -> None:
    sid = new_session(srv, dataset="xor", speed=0)
    assert len(sid) == 24
    doc = get_state(srv, sid)
    state, data = doc["state"], doc["data"]
    assert state["layer_sizes"] == [2, 4, 2, 1]
    assert [len(layer) for layer in state["nodes"]] == [2, 4, 2, 1]
    assert all(len(base64.b64decode(n["pixels"])) == state["node_grid"] ** 2
               for layer in state["nodes"] for n in layer)
    assert len(base64.b64decode(state["output"])) == state["grid"] ** 2
    assert [np.shape(w) for w in state["weights"]] == [(2, 4), (4, 2), (2, 1)]
    assert (len(data["train"]), len(data["test"])) == (250, 250)
    assert state["epoch"] == 0 and not state["playing"]
    # Nothing new while paused: the long poll answers the same version, without the data.
    again = get_state(srv, sid, state["version"], data["data_version"])
    assert again["state"]["version"] == state["version"] and again["data"] is None

    stepped = send_json(srv, f"/api/sessions/{sid}/control", {"action": "step"})
    assert stepped == (200, {"playing": False, "epoch": 1})
    assert send_json(srv, f"/api/sessions/{sid}/control", {"action": "play"})[0] == 200
    wait_for(lambda: get_state(srv, sid)["state"]["epoch"] > 5)
    status, answer = send_json(srv, f"/api/sessions/{sid}/control", {"action": "pause"})
    paused = get_state(srv, sid)["state"]
    assert (status, paused["playing"], paused["epoch"]) == (200, False, answer["epoch"])
    # Paused means paused: once the training thread waits for "play", no epoch can start.
    session = srv.sessions.get(sid)
    assert session is not None and session._waiting.wait(10)
    assert get_state(srv, sid)["state"]["epoch"] == paused["epoch"] == session.epoch
    status, answer = send_json(srv, f"/api/sessions/{sid}/control", {"action": "reset"})
    assert (status, answer["epoch"]) == (200, 0)

    status, answer = send_json(srv, f"/api/sessions/{sid}/settings", {"settings": {"hidden_layers": [5]}})
    assert status == 200 and answer["settings"]["hidden_layers"] == [5]
    assert get_state(srv, sid)["state"]["layer_sizes"] == [2, 5, 1]

    assert request(srv, "POST", f"/api/sessions/{sid}/close", b"close")[0] == 204
    assert request(srv, "GET", f"/api/sessions/{sid}/state")[0] == 404
    assert len(srv.sessions) == 0


def test_delete_closes_a_session(srv: PlaygroundServer) -> None:
    sid = new_session(srv)
    assert request(srv, "DELETE", f"/api/sessions/{sid}")[0] == 204
    assert request(srv, "DELETE", f"/api/sessions/{sid}")[0] == 404


def test_upload_a_csv_and_train_on_it(srv: PlaygroundServer) -> None:
    sid = new_session(srv, train_ratio=0.5, speed=0)
    rng = np.random.default_rng(0)
    rows = [f"{x + 10 * k:.3f},{y + 100 * k:.3f},{'dog' if k else 'cat'}"
            for k in (0, 1) for x, y in rng.normal(0, 1, (40, 2))]
    body = ("length,weight,animal\n" + "\n".join(rows)).encode()
    status, _, answer = request(srv, "POST", f"/api/sessions/{sid}/data", body, {"Content-Type": "text/csv"})
    assert status == 200
    answer = json.loads(answer)
    assert answer.pop("settings")["dataset"] == "upload"
    assert answer == {"rows": 80, "classes": ["cat", "dog"], "columns": ["length", "weight", "animal"]}
    doc = get_state(srv, sid)
    assert doc["state"]["settings"]["dataset"] == "upload"
    assert len(doc["data"]["train"]) + len(doc["data"]["test"]) == 80
    assert max(abs(v) for p in doc["data"]["train"] for v in p[:2]) <= 1.0  # scaled onto [-1, 1]
    start = doc["state"]["test_loss"]
    send_json(srv, f"/api/sessions/{sid}/control", {"action": "play"})
    wait_for(lambda: get_state(srv, sid)["state"]["test_loss"] < min(0.1, start / 2))


def test_too_many_sessions_is_503(srv: PlaygroundServer) -> None:
    # One client: its own cap comes first (max_sessions from several, test_playground_hardening.py).
    for _ in range(srv.sessions.max_client_sessions):
        new_session(srv, n_samples=20)
    status, answer = send_json(srv, "/api/sessions", {"settings": {}})
    assert status == 503 and "sessions are open already" in answer["error"]


def test_too_many_connections_are_answered_503_at_once() -> None:
    # The slots are held by whole requests (long polls): a request still arriving would
    # be cut to make room instead (test_playground_hardening.py).
    with PlaygroundServer("127.0.0.1", 0, max_connections=2, connection_timeout=5.0, long_poll=5.0) as srv:
        srv.start()
        sid = new_session(srv, n_samples=20)
        version = get_state(srv, sid)["state"]["version"]
        wait_for(lambda: len(srv._connections) == 0)
        polls = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(2)]
        try:
            for sock in polls:
                sock.sendall(f"GET /api/sessions/{sid}/state?version={version} HTTP/1.0\r\n\r\n".encode())
            wait_for(lambda: len(srv._connections) == 2
                     and not any(c.arriving for c in list(srv._connections.values())))
            status, answer = parse_raw(raw(srv, b"GET / HTTP/1.0\r\n\r\n"))
            assert (status, answer) == (503, {"error": "server too busy"})
        finally:
            for sock in polls:
                sock.close()
            srv.sessions.close(sid)  # wakes the polls
        wait_for(lambda: len(srv._connections) == 0)
        assert request(srv, "GET", "/api/options")[0] == 200


def test_a_silent_connection_is_dropped() -> None:
    with PlaygroundServer("127.0.0.1", 0, connection_timeout=0.3) as srv:
        srv.start()
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(b"GET / HT")
            assert sock.recv(1024) == b""  # closed by the server, well before our 10 s


def test_shutdown_ends_every_thread(srv: PlaygroundServer) -> None:
    playing = new_session(srv, speed=0)
    send_json(srv, f"/api/sessions/{playing}/control", {"action": "play"})
    paused = new_session(srv)
    sessions = [srv.sessions.get(playing), srv.sessions.get(paused)]
    # A poll waiting for a newer state, and a connection that never sends anything.
    state = get_state(srv, paused)["state"]
    def poll() -> None:
        try:
            request(srv, "GET", f"/api/sessions/{paused}/state?version={state['version']}")
        except (OSError, http.client.HTTPException):
            pass  # the server may close the connection first; either way the thread ends

    waiting = threading.Thread(target=poll)
    waiting.start()
    silent = socket.create_connection(("127.0.0.1", srv.port))
    try:
        wait_for(lambda: len(srv._connections) >= 1)
        assert len(playground_threads()) >= 5  # server, reaper, 2 training, requests
        srv.close()
        waiting.join(5)
        assert playground_threads() == []
        assert not any(s is not None and s._thread.is_alive() for s in sessions)
    finally:
        silent.close()


def test_update_rate_of_the_default_network(srv: PlaygroundServer, record_property: Any) -> None:
    """At least 10 new states a second reach a page for the default 2-4-2-1 network on 500 points.

    The issue's requirement, measured as a page sees it: a client long-polls the
    state over HTTP, as the page does, for 3 seconds and counts the new versions it
    gets. The session trains at full speed (``speed=0``), so that the server, not
    the pacing of the epochs, sets the rate; it publishes at most 30 states a
    second (``PUBLISH_INTERVAL``). The bound of 10 leaves a margin of about 3 for a
    busy 2-core machine: an update (an epoch and a published state) costs about
    2 ms of CPU time, also measured and reported here.
    """
    session = Session("r" * 16, Settings(speed=0))
    try:
        with session._lock:
            start = time.process_time()
            for _ in range(50):
                session._train_epoch()
                session._publish()
            cpu_per_update = (time.process_time() - start) / 50
    finally:
        session.close()

    sid = new_session(srv, speed=0)  # otherwise the defaults: 2-4-2-1 on 500 points
    state = get_state(srv, sid)["state"]
    assert (state["layer_sizes"], len(get_state(srv, sid)["data"]["train"])) == ([2, 4, 2, 1], 250)
    send_json(srv, f"/api/sessions/{sid}/control", {"action": "play"})
    version = get_state(srv, sid)["state"]["version"]
    seen, start = 0, time.monotonic()
    while time.monotonic() - start < 3.0:
        newer = get_state(srv, sid, version, 1)["state"]["version"]
        seen += newer != version
        version = newer
    rate = seen / (time.monotonic() - start)
    record_property("updates_per_second", round(rate, 1))
    record_property("cpu_ms_per_update", round(1000 * cpu_per_update, 2))
    print(f"\ndefault network: {rate:.1f} updates/s over HTTP; {1000 * cpu_per_update:.2f} ms CPU per update")
    assert cpu_per_update < 0.1  # 10 updates a second fit in one core
    assert rate >= 10


# ------------------------------------------------------------------- serve
def test_serve_runs_until_interrupted_and_stops_cleanly() -> None:
    # The child starts with Python's own Ctrl-C handler, as in a terminal: a test run started with
    # SIGINT ignored (under nohup, or as a background job) would otherwise pass that on to it.
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from playwithnn.playground.server import serve; "
            "sys.exit(serve(host=sys.argv[1], port=0, open_browser=False))")
    for host, warns in [("127.0.0.1", False), ("0.0.0.0", True)]:
        proc = subprocess.Popen([sys.executable, "-c", code, host], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("playwithnn playground: http://127.0.0.1:")
            port = int(line.split(":")[3].split("/")[0])
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/options")
            assert conn.getresponse().status == 200
            conn.close()
            proc.send_signal(signal.SIGINT if host == "127.0.0.1" else signal.SIGTERM)
            out, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, err
        assert "stopped" in out
        assert ("not on loopback" in err) == warns


def test_serve_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert serve(port=taken.getsockname()[1], open_browser=False) == 1
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err
    with pytest.raises(ValueError, match="port must be an integer from 0 to 65535"):
        serve(port=70000, open_browser=False)
    with pytest.raises(TypeError, match="open_browser must be True or False"):
        serve(open_browser="yes")  # type: ignore[arg-type]


def test_browser_is_opened_only_where_a_graphical_one_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    class Graphical(webbrowser.BackgroundBrowser):
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            opened.append(url)
            return True

    def none() -> webbrowser.BaseBrowser:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", none)
    assert server_module._open_browser("http://127.0.0.1:1/") is False
    monkeypatch.setattr(webbrowser, "get", lambda: webbrowser.GenericBrowser("lynx"))
    assert server_module._open_browser("http://127.0.0.1:1/") is False  # text mode: left alone
    monkeypatch.setattr(webbrowser, "get", lambda: Graphical("firefox"))
    assert server_module._open_browser("http://127.0.0.1:2/") is True
    assert opened == ["http://127.0.0.1:2/"]


def test_is_loopback() -> None:
    hosts = ["127.0.0.1", "127.1.2.3", "::1", "localhost", "0.0.0.0", "::", "10.0.0.1", "example.com"]
    assert [is_loopback(h) for h in hosts] == [True, True, True, True, False, False, False, False]


# ------------------------------------------------------------ hostile requests
Shared = tuple[PlaygroundServer, str]

@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    """One server and one session for the hostile requests, checked intact at the end."""
    server = PlaygroundServer("127.0.0.1", 0, long_poll=0.05, connection_timeout=2.0, max_sessions=4)
    server.start()
    sid = new_session(server, dataset="xor", n_samples=40)
    before = get_state(server, sid)["state"]
    yield server, sid
    after = get_state(server, sid)["state"]
    for key in ("settings", "epoch", "weights", "data_version"):
        assert after[key] == before[key], key
    assert len(server.sessions) == 1
    server.close()
    assert playground_threads() == []


def check_refused(status: int, headers: dict[str, str] | None, body: bytes, expected: int) -> None:
    assert status == expected, (status, body)
    if headers is not None:
        assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert isinstance(error, str) and error


TRAVERSALS = [
    "/../etc/passwd",
    "/../../../../etc/passwd",
    "/static/../server.py",
    "/static/../../../pyproject.toml",
    "/static/%2e%2e/server.py",
    "/static/%2e%2e%2fserver.py",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2fsettings.py",
    "/static/%2E%2E%2F%2E%2E%2Fpyproject.toml",
    "/static/%252e%252e/server.py",
    "/static/%c0%ae%c0%ae/server.py",
    "/static/..%5cserver.py",
    "/static/%5c..%5cserver.py",
    "/static/....//server.py",
    "/static/..;/server.py",
    "//etc/passwd",
    "/etc/passwd",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/./playground.js",
    "/static/PLAYGROUND.JS",
    "/static/playground.js/",
    "/static/playground.js%00.html",
    "/static/",
    "/static",
    "/static/index.html",
    "/server.py",
    "/static/__init__.py",
    "/playground/static/playground.js",
    "/api/../static/playground.js",
    "/api/sessions/../../etc/passwd",
    "/favicon.ico",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_hostile_traversal_paths_get_nothing_but_a_404(shared: Shared, path: str) -> None:
    status, headers, body = request(shared[0], "GET", path)
    check_refused(status, headers, body, 404)


RAW_REQUESTS = [
    (b"GET /static/..\\server.py HTTP/1.0\r\n\r\n", 404),
    (b"GET \\static\\..\\server.py HTTP/1.0\r\n\r\n", 400),
    (b"GET C:\\Windows\\win.ini HTTP/1.0\r\n\r\n", 400),
    (b"GET /static/playground.js\x00.html HTTP/1.0\r\n\r\n", 404),
    (b"GET /\x00 HTTP/1.0\r\n\r\n", 404),
    (b"GET http://evil.example/etc/passwd HTTP/1.0\r\n\r\n", 400),
    (b"GET file:///etc/passwd HTTP/1.0\r\n\r\n", 400),
    (b"GET * HTTP/1.0\r\n\r\n", 400),
    (b"HELLO\r\n\r\n", 400),
    (b"GET / HTTP/9.9\r\n\r\n", 505),
    (b"GET / FTP/1.0\r\n\r\n", 400),
    (b"GET / HTTP/1.0 extra\r\n\r\n", 400),
    # Exactly one byte over each limit, so that nothing is left unread when the server answers.
    (b"GET /" + b"a" * (65537 - 5), 414),
    (b"GET / HTTP/1.0\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(101)), 431),
    (b"GET / HTTP/1.0\r\nX-Long: " + b"a" * (65537 - 8), 431),
    (b"PUT / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 501),
    (b"PATCH /api/options HTTP/1.0\r\n\r\n", 501),
    (b"TRACE / HTTP/1.0\r\n\r\n", 501),
    (b"OPTIONS * HTTP/1.0\r\n\r\n", 501),
    (b"CONNECT 127.0.0.1:22 HTTP/1.0\r\n\r\n", 501),
    (b"get / HTTP/1.0\r\n\r\n", 501),
]


@pytest.mark.parametrize(("data", "expected"), RAW_REQUESTS, ids=range(len(RAW_REQUESTS)))
def test_hostile_raw_requests(shared: Shared, data: bytes, expected: int) -> None:
    status, answer = parse_raw(raw(shared[0], data))
    assert status == expected
    assert isinstance(answer["error"], str)


WRONG_METHODS = [
    ("POST", "/"),
    ("DELETE", "/static/playground.js"),
    ("POST", "/api/options"),
    ("GET", "/api/sessions"),
    ("DELETE", "/api/sessions"),
    ("GET", "/api/sessions/{sid}"),
    ("GET", "/api/sessions/{sid}/control"),
    ("GET", "/api/sessions/{sid}/settings"),
    ("GET", "/api/sessions/{sid}/data"),
    ("GET", "/api/sessions/{sid}/close"),
    ("POST", "/api/sessions/{sid}/state"),
    ("DELETE", "/api/sessions/{sid}/state"),
    # the walk and the model file
    ("GET", "/api/sessions/{sid}/walk"),
    ("DELETE", "/api/sessions/{sid}/walk"),
    ("DELETE", "/api/sessions/{sid}/model"),
]


@pytest.mark.parametrize(("method", "path"), WRONG_METHODS)
def test_hostile_wrong_methods_are_405(shared: Shared, method: str, path: str) -> None:
    status, headers, body = request(shared[0], method, path.format(sid=shared[1]), b"",
                                    {"Content-Type": "application/json"})
    check_refused(status, headers, body, 405)


UNKNOWN_SESSIONS = [
    ("GET", "/api/sessions/short/state"),
    ("GET", f"/api/sessions/{UNKNOWN_ID}/state"),
    ("GET", f"/api/sessions/{'B' * 65}/state"),
    ("GET", "/api/sessions/" + "%41" * 24 + "/state"),
    ("GET", f"/api/sessions/{UNKNOWN_ID}/explode"),
    ("POST", f"/api/sessions/{UNKNOWN_ID}/control"),
    ("POST", f"/api/sessions/{UNKNOWN_ID}/close"),
    ("DELETE", f"/api/sessions/{UNKNOWN_ID}"),
    ("GET", "/api/sessions/{sid}/state/extra"),
    ("GET", "/api/sessions/{sid}/../../static/playground.js"),
    ("GET", "/api/sessions/{sid}x!/state"),
    ("GET", "/api/nothing"),
    ("POST", f"/api/sessions/{UNKNOWN_ID}/walk"),
    ("GET", f"/api/sessions/{UNKNOWN_ID}/model"),
    ("POST", f"/api/sessions/{UNKNOWN_ID}/model"),
    ("GET", "/api/sessions/{sid}/walks"),
    ("GET", "/api/sessions/{sid}/model/x"),
]


@pytest.mark.parametrize(("method", "path"), UNKNOWN_SESSIONS)
def test_hostile_unknown_sessions_and_routes_are_404(shared: Shared, method: str,
                                                      path: str) -> None:
    body = b'{"action": "play"}' if method == "POST" else None
    status, headers, answer = request(shared[0], method, path.format(sid=shared[1]), body,
                                      {"Content-Type": "application/json"})
    check_refused(status, headers, answer, 404)


BAD_QUERIES = [
    "version",
    "version=abc",
    "version=-1",
    "version=1.5",
    "version=1e5",
    "version=99999999999999999999",
    "version=1&version=2",
    "since=1",
    "version=1&data_version=x",
    "&&&",
    "a=1&b=2&c=3&d=4&e=5",
    "version=%00",
    "version=%EF%BC%91",  # a full-width digit one: a digit to isdigit(), not to us
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_hostile_state_queries_are_400(shared: Shared, query: str) -> None:
    status, headers, body = request(shared[0], "GET", f"/api/sessions/{shared[1]}/state?{query}")
    check_refused(status, headers, body, 400)


def bodies_for(path: str) -> list[tuple[str, dict[str, str], bytes, int]]:
    """Hostile bodies and headers for a JSON endpoint: (name, headers, body, status)."""
    json_type = {"Content-Type": "application/json"}
    return [
        ("no content length", {**json_type, "Content-Length": ""}, b"", 411),
        ("chunked", {**json_type, "Transfer-Encoding": "chunked"}, b"", 411),
        ("negative length", {**json_type, "Content-Length": "-1"}, b"", 400),
        ("text length", {**json_type, "Content-Length": "ten"}, b"", 400),
        ("exponent length", {**json_type, "Content-Length": "1e3"}, b"", 400),
        ("huge length", {**json_type, "Content-Length": str(10**15)}, b"", 400),
        ("too long", {**json_type, "Content-Length": str(MAX_JSON_BYTES + 1)}, b"", 413),
        ("plain text", {"Content-Type": "text/plain"}, b'{"settings": {}}', 415),
        ("form", {"Content-Type": "application/x-www-form-urlencoded"}, b"settings=1", 415),
        ("no type", {"Content-Type": ""}, b'{"settings": {}}', 415),
        ("truncated", json_type, b'{"settings": {', 400),
        ("not json", json_type, b"settings: {}", 400),
        ("single quotes", json_type, b"{'settings': {}}", 400),
        ("NaN", json_type, b'{"settings": {"noise": NaN}}', 400),
        ("Infinity", json_type, b'{"settings": {"learning_rate": Infinity}}', 400),
        ("overflowing float", json_type, b'{"settings": {"learning_rate": 1e999}}', 400),
        ("huge integer", json_type, b'{"settings": {"n_samples": ' + b"9" * 5000 + b"}}", 400),
        ("deep nesting", json_type, b"[" * 5000 + b"]" * 5000, 400),
        ("not utf-8", json_type, b'{"settings": "\xff\xfe"}', 400),
        ("utf-16", json_type, '{"settings": {}}'.encode("utf-16"), 400),
        ("array", json_type, b"[]", 400),
        ("string", json_type, b'"settings"', 400),
        ("null", json_type, b"null", 400),
        ("empty object", json_type, b"{}", 400),
        ("extra key", json_type, b'{"settings": {}, "action": "play"}', 400),
        ("duplicate key", json_type, b'{"settings": {}, "settings": {"n_samples": 5}}', 400),
        ("empty body", json_type, b"", 400),
    ]


JSON_PATHS = ["/api/sessions", "/api/sessions/{sid}/settings", "/api/sessions/{sid}/control",
              "/api/sessions/{sid}/walk"]
BODY_CASES = [(p, *case) for p in JSON_PATHS for case in bodies_for(p)]


@pytest.mark.parametrize(("path", "name", "headers", "body", "expected"), BODY_CASES,
                         ids=[f"{c[0].rsplit('/', 1)[1]}-{c[1]}" for c in BODY_CASES])
def test_hostile_bodies_are_refused(shared: Shared, path: str, name: str,
                                    headers: dict[str, str], body: bytes, expected: int) -> None:
    head = [f"POST {path.format(sid=shared[1])} HTTP/1.0", "Host: 127.0.0.1"]
    head += [f"{k}: {v}" for k, v in headers.items() if v != ""]
    if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        head.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    status, answer = parse_raw(raw(shared[0], data))
    assert status == expected, answer
    assert isinstance(answer["error"], str)


def test_hostile_body_shorter_than_its_length(shared: Shared) -> None:
    data = (b"POST /api/sessions HTTP/1.0\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{\"settings\": {}}")
    status, answer = parse_raw(raw(shared[0], data))  # half-closed: the server sees the end early
    assert status == 400 and "shorter than its Content-Length" in answer["error"]


def test_hostile_two_content_lengths(shared: Shared) -> None:
    data = (b"POST /api/sessions HTTP/1.0\r\nContent-Type: application/json\r\n"
            b"Content-Length: 16\r\nContent-Length: 2\r\n\r\n{\"settings\": {}}")
    status, _ = parse_raw(raw(shared[0], data))
    assert status == 400


BAD_SETTINGS: list[Any] = [
    [],
    "xor",
    {"layers": [4]},
    {"__class__": "x"},
    {"hidden_layers": [4] * 7},
    {"hidden_layers": [0]},
    {"hidden_layers": [17]},
    {"hidden_layers": [-4]},
    {"hidden_layers": ["4"]},
    {"hidden_layers": [4.0]},
    {"hidden_layers": [True]},
    {"hidden_layers": [[4]]},
    {"hidden_layers": "4,2"},
    {"hidden_layers": {"0": 4}},
    {"hidden_layers": None},
    {"n_samples": 0},
    {"n_samples": 9},
    {"n_samples": 2001},
    {"n_samples": 10**30},
    {"n_samples": 500.5},
    {"n_samples": "500"},
    {"n_samples": True},
    {"noise": -0.1},
    {"noise": 0.51},
    {"noise": "0"},
    {"train_ratio": 0},
    {"train_ratio": 0.05},
    {"train_ratio": 0.95},
    {"train_ratio": 1},
    {"learning_rate": 0},
    {"learning_rate": -0.1},
    {"learning_rate": 1e-6},
    {"learning_rate": 11},
    {"learning_rate": "0.1"},
    {"learning_rate": None},
    {"batch_size": 0},
    {"batch_size": 1001},
    {"batch_size": 10.0},
    {"l2": -0.001},
    {"l2": 1.5},
    {"l2": False},
    {"seed": -1},
    {"seed": 2**31},
    {"activation": "softmax"},
    {"activation": "__import__('os')"},
    {"activation": "TANH"},
    {"activation": 1},
    {"optimizer": "rmsprop"},
    {"optimizer": ["adam"]},
    {"dataset": "../../etc/passwd"},
    {"dataset": "upload"},
    {"dataset": "mnist"},
    {"speed": 7},
    {"speed": "max"},
    {"speed": 100.0},
    {"speed": False},
    {"features": []},
    {"features": ["x4"]},
    {"features": ["x1", "x1"]},
    {"features": "x1"},
    {"features": ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2", "x1"]},
    {"features": [None]},
    # the loss, the biases and the initializer, and a loss that does not fit the data set's task
    {"loss": "mse"},
    {"loss": "hinge"},
    {"loss": "SSE"},
    {"loss": 1},
    {"loss": None},
    {"loss": ["sse"]},
    {"bias": "true"},
    {"bias": 1},
    {"bias": 0},
    {"bias": None},
    {"init": "zeros"},
    {"init": "Uniform"},
    {"init": None},
    {"init": True},
    {"dataset": "plane", "loss": "binary_crossentropy"},
    {"dataset": "blobs3", "loss": "sse"},
    {"dataset": "tutorial", "loss": "categorical_crossentropy"},
    {"features": ["x3", "x3"]},
]


@pytest.mark.parametrize("settings", BAD_SETTINGS, ids=[json.dumps(s)[:40] for s in BAD_SETTINGS])
@pytest.mark.parametrize("where", ["create", "update"])
def test_hostile_settings_are_400(shared: Shared, settings: Any, where: str) -> None:
    srv, sid = shared
    path = "/api/sessions" if where == "create" else f"/api/sessions/{sid}/settings"
    status, headers, body = request(srv, "POST", path, json.dumps({"settings": settings}).encode(),
                                    {"Content-Type": "application/json"})
    check_refused(status, headers, body, 400)


@pytest.mark.parametrize("action", ["explode", "", "PLAY", 1, None, ["play"], {"play": True}, "play\x00"])
def test_hostile_actions_are_400(shared: Shared, action: Any) -> None:
    status, answer = send_json(shared[0], f"/api/sessions/{shared[1]}/control", {"action": action})
    assert status == 400 and "action must be one of" in answer["error"]


BAD_CSVS: list[tuple[str, bytes, str]] = [
    ("empty", b"", "0 data rows"),
    ("header only", b"a,b,label\n", "0 data rows"),
    ("three rows", b"1,2,0\n3,4,1\n5,6,0\n", "3 data rows"),
    ("two columns", b"1,2\n3,4\n5,6\n7,8\n", "fields"),
    ("four columns", b"1,2,3,0\n3,4,5,1\n5,6,7,0\n7,8,9,1\n", "fields"),
    ("ragged", b"1,2,0\n3,4,1\n5,0\n7,8,1\n", "fields"),
    ("text feature", b"1,2,0\nabc,4,1\n5,6,0\n7,8,1\n", "not a finite number"),
    ("nan", b"1,2,0\nnan,4,1\n5,6,0\n7,8,1\n", "not a finite number"),
    ("inf", b"1,2,0\n3,-inf,1\n5,6,0\n7,8,1\n", "not a finite number"),
    ("overflow", b"1,2,0\n1e400,4,1\n5,6,0\n7,8,1\n", "not a finite number"),
    ("formula", b"1,2,0\n=cmd|' /C calc'!A0,4,1\n5,6,0\n7,8,1\n", "not a finite number"),
    ("hex", b"1,2,0\n0x1f,4,1\n5,6,0\n7,8,1\n", "not a finite number"),
    ("one class", b"1,2,a\n3,4,a\n5,6,a\n7,8,a\n", "exactly 2 distinct values"),
    ("three classes", b"1,2,a\n3,4,b\n5,6,c\n7,8,a\n", "exactly 2 distinct values"),
    ("empty label", b"1,2,\n3,4,b\n5,6,a\n7,8,a\n", "1 to 64 characters"),
    ("long label", b"1,2," + b"a" * 65 + b"\n3,4,b\n5,6,a\n7,8,b\n", "1 to 64 characters"),
    ("binary", bytes(range(256)) * 4, "not UTF-8"),
    ("nul", b"1,2,0\n3,4,1\x00\n5,6,0\n7,8,1\n", "NUL"),
    ("latin-1", "1,2,caf\u00e9\n3,4,th\u00e9\n5,6,caf\u00e9\n7,8,th\u00e9\n".encode("latin-1"), "not UTF-8"),
    ("too many rows", b"1,2,0\n3,4,1\n" * 1001, "more than 2000 rows"),
    ("unterminated quote", b'1,2,"0\n3,4,1\n5,6,0\n7,8,1\n', "1 data rows"),
    ("zip bomb header", b"PK\x03\x04" + bytes(60), "NUL"),
]


@pytest.mark.parametrize(("name", "body", "message"), BAD_CSVS, ids=[c[0] for c in BAD_CSVS])
def test_hostile_csv_uploads_are_400(shared: Shared, name: str, body: bytes,
                                     message: str) -> None:
    status, headers, answer = request(shared[0], "POST", f"/api/sessions/{shared[1]}/data", body,
                                      {"Content-Type": "text/csv"})
    check_refused(status, headers, answer, 400)
    assert message in json.loads(answer)["error"]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Content-Type": "application/json"}, 415),
        ({"Content-Type": "multipart/form-data; boundary=x"}, 415),
        ({"Content-Type": "text/csv", "Content-Length": str(MAX_UPLOAD_BYTES + 1)}, 413),
        ({"Content-Type": "text/csv", "Transfer-Encoding": "chunked"}, 411),
    ],
)
def test_hostile_upload_headers(shared: Shared, headers: dict[str, str],
                                expected: int) -> None:
    head = [f"POST /api/sessions/{shared[1]}/data HTTP/1.0"] + [f"{k}: {v}" for k, v in headers.items()]
    if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        head.append("Content-Length: 20")
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + b"1,2,0\n3,4,1\n5,6,0\n"[:20]
    status, answer = parse_raw(raw(shared[0], data))
    assert status == expected, answer


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/", {"Host": "evil.example"}),
        ("GET", "/api/options", {"Host": "evil.example:8000"}),
        ("GET", "/", {"Host": "127.0.0.1.evil.example"}),
        ("GET", "/", {"Host": "localhost@evil.example"}),
        ("POST", "/api/sessions", {"Origin": "http://evil.example"}),
        ("POST", "/api/sessions", {"Origin": "null"}),
        ("POST", "/api/sessions/{sid}/control", {"Origin": "https://127.0.0.1"}),
        ("POST", "/api/sessions/{sid}/close", {"Origin": "http://localhost.evil.example"}),
    ],
)
def test_hostile_foreign_hosts_and_origins_are_403(shared: Shared, method: str, path: str,
                                                    headers: dict[str, str]) -> None:
    srv, sid = shared
    body = b'{"action": "play"}' if method == "POST" else None
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        skip_host = "Host" in headers
        conn.putrequest(method, path.format(sid=sid), skip_host=skip_host)
        for key, value in {**headers, "Content-Type": "application/json"}.items():
            conn.putheader(key, value)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        response = conn.getresponse()
        check_refused(response.status, dict(response.getheaders()), response.read(), 403)
    finally:
        conn.close()


def test_hostile_two_host_headers(shared: Shared) -> None:
    status, _ = parse_raw(raw(shared[0], b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n"))
    assert status == 400


def test_same_origin_requests_are_accepted(shared: Shared) -> None:
    srv, sid = shared
    for host in (f"127.0.0.1:{srv.port}", f"localhost:{srv.port}", f"[::1]:{srv.port}"):
        status, _, _ = request(srv, "GET", f"/api/sessions/{sid}/state", headers={"Host": host})
        assert status == 200
    status, _, _ = request(srv, "POST", f"/api/sessions/{sid}/control", b'{"action": "pause"}',
                           {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{srv.port}"})
    assert status == 200


def test_refused_requests_are_logged(shared: Shared, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="playwithnn.playground.server"):
        request(shared[0], "GET", "/static/%2e%2e/server.py")
        raw(shared[0], b"HELLO\r\n\r\n")
    messages = [r.getMessage() for r in caplog.records if r.name == "playwithnn.playground.server"]
    assert any("/static/%2e%2e/server.py" in m and "404" in m for m in messages)
    assert any("400" in m for m in messages)


def test_only_the_static_folder_is_served() -> None:
    """The assets table is built once, from the package's static folder only."""
    assets = server_module.load_assets()
    assert sorted(assets) == ["/", "/index.html", "/static/playground.css", "/static/playground.js"]
    assert os.path.basename(server_module.__file__) == "server.py"
