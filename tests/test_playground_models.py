"""The playground's networks as model files: download, ``playwithnn.load`` and ``predict``, load back,
and every hostile model file or request the new routes refuse.

The ``test_hostile_*`` tests each send one hostile request to a shared server and
session, check the 4xx status and the JSON error, and the module's fixture checks
at the end that none of them changed the session.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playground_client import playground_threads, request, send_json

import playwithnn
from playwithnn import NeuralNetwork, _modelfile, cli
from playwithnn.datasets import tutorial
from playwithnn.model import Model
from playwithnn.playground.data import feature_matrix, scale_to_unit
from playwithnn.playground.modelfiles import MAX_MODEL_BYTES, ModelUploadError, read_model
from playwithnn.playground.server import PlaygroundServer
from playwithnn.playground.settings import Settings, parse_settings
from playwithnn.preprocessing import Encoding, Preprocessing


# ------------------------------------------------------------------ helpers
def new_session(srv: PlaygroundServer, **settings: Any) -> str:
    status, answer = send_json(srv, "/api/sessions", {"settings": {"speed": 0, **settings}})
    assert status == 201, answer
    return str(answer["id"])


def state(srv: PlaygroundServer, sid: str) -> dict[str, Any]:
    status, _, body = request(srv, "GET", f"/api/sessions/{sid}/state")
    assert status == 200
    return dict(json.loads(body)["state"])


def download(srv: PlaygroundServer, sid: str) -> bytes:
    status, headers, body = request(srv, "GET", f"/api/sessions/{sid}/model")
    assert status == 200, body
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith('attachment; filename="playground-')
    return body


def upload_model(srv: PlaygroundServer, sid: str, data: bytes) -> tuple[int, Any]:
    status, _, body = request(srv, "POST", f"/api/sessions/{sid}/model", data,
                              {"Content-Type": "application/octet-stream"})
    return status, json.loads(body)


def model_file(net: NeuralNetwork, features: list[str] | Preprocessing | None = None, *,
               metadata: dict[str, Any] | None = None, **model: Any) -> bytes:
    """The bytes of a model file of ``net``, as the library writes it."""
    pre = features if isinstance(features, Preprocessing) else Preprocessing.identity(
        features or [f"x{j + 1}" for j in range(net.n_features)])
    described = Model(net, pre, **model)
    write = _modelfile.encode(net.get_config(), net.parameters(), metadata or {}, model=described.to_json())
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


@pytest.fixture
def srv() -> Iterator[PlaygroundServer]:
    server = PlaygroundServer("127.0.0.1", 0, long_poll=0.05, connection_timeout=2.0)
    server.start()
    yield server
    server.close()
    assert playground_threads() == []


def write_csv(path: Path, header: str, rows: np.ndarray, labels: list[Any]) -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, [*row, label])) + "\n"
                                            for row, label in zip(rows.tolist(), labels)))
    return path


# ------------------------------------------------------------------- download
@pytest.mark.parametrize(("settings", "features", "classes"), [
    ({"dataset": "xor"}, ["x1", "x2"], [0, 1]),
    ({"dataset": "blobs3", "features": ["x1", "x2", "x1x2"]}, ["x1", "x2", "x1x2"], [0, 1, 2]),
    ({"dataset": "plane", "hidden_layers": [3]}, ["x1", "x2"], None),
    ({"dataset": "tutorial"}, ["x1", "x2", "x3"], [0, 1]),
], ids=["xor", "blobs3", "plane", "tutorial"])
def test_a_downloaded_network_is_a_model_that_load_and_predict_read(
        srv: PlaygroundServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        settings: dict[str, Any], features: list[str], classes: list[int] | None) -> None:
    sid = new_session(srv, n_samples=40, **settings)
    for _ in range(3):
        send_json(srv, f"/api/sessions/{sid}/control", {"action": "step"})
    path = tmp_path / "model.npz"
    path.write_bytes(download(srv, sid))
    model = playwithnn.load(path)
    assert isinstance(model, Model)
    assert list(model.features) == features and model.classes == classes
    session = srv.sessions.get(sid)
    assert session is not None
    net = session._model.net
    np.testing.assert_array_equal(model.network.parameter_vector, net.parameter_vector)
    assert model.metadata["playground"] == state(srv, sid)["settings"]
    # The command line reads it: rows of the raw features, predictions as the network makes them.
    if settings["dataset"] == "tutorial":
        X3, _ = tutorial()
        rows, points = X3, X3[:, :2]
    else:
        points = np.random.default_rng(0).uniform(-1, 1, (7, 2))
        rows = feature_matrix(points, tuple(features))
    data = write_csv(tmp_path / "rows.csv", ",".join([*features, "note"]), rows, ["a"] * len(rows))
    assert cli.main(["predict", str(path), str(data), "--output", str(tmp_path / "out.csv")]) == 0
    capsys.readouterr()
    predicted = (tmp_path / "out.csv").read_text().splitlines()[1:]
    P = net.predict(feature_matrix(points, tuple(features)))
    if classes is None:
        np.testing.assert_allclose([float(v) for v in predicted], P[:, 0], rtol=1e-5)  # as printed
    else:
        expected = (P[:, 0] > 0.5).astype(int) if P.shape[1] == 1 else P.argmax(axis=1)
        assert [int(v) for v in predicted] == expected.tolist()


def test_a_network_of_an_uploaded_csv_reads_its_columns_in_their_units(srv: PlaygroundServer,
                                                                       tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    raw = np.vstack([rng.normal([170, 60], [8, 5], (30, 2)), rng.normal([150, 45], [8, 5], (30, 2))])
    labels = ["adult"] * 30 + ["child"] * 30
    csv = write_csv(tmp_path / "people.csv", "height_cm,weight_kg,group", raw, labels)
    sid = new_session(srv, n_samples=40)
    status, _, _ = request(srv, "POST", f"/api/sessions/{sid}/data", csv.read_bytes(),
                           {"Content-Type": "text/csv"})
    assert status == 200
    send_json(srv, f"/api/sessions/{sid}/control", {"action": "step"})
    path = tmp_path / "people.npz"
    path.write_bytes(download(srv, sid))
    model = playwithnn.load(path)
    assert isinstance(model, Model)
    assert model.features == ("height_cm", "weight_kg") and model.classes == ["adult", "child"]
    session = srv.sessions.get(sid)
    assert session is not None
    P = session._model.net.predict(scale_to_unit(raw))  # what the page trained on: the scaled columns
    np.testing.assert_allclose(model.predict_proba(raw)[:, 1], P[:, 0], rtol=1e-9)
    # Derived features of the scaled columns cannot be written as raw columns: refused with 409.
    derived = {"settings": {"features": ["x1", "x2", "x1sq"]}}
    assert send_json(srv, f"/api/sessions/{sid}/settings", derived)[0] == 200
    status, _, body = request(srv, "GET", f"/api/sessions/{sid}/model")
    assert status == 409 and "x1sq of your CSV's scaled columns" in json.loads(body)["error"]
    # Loaded back into a page without that CSV: refused, with what to do.
    other = new_session(srv)
    status, answer = upload_model(srv, other, path.read_bytes())
    assert status == 400 and "upload that CSV first" in answer["error"]
    request(srv, "POST", f"/api/sessions/{other}/data", csv.read_bytes(), {"Content-Type": "text/csv"})
    status, answer = upload_model(srv, other, path.read_bytes())
    assert status == 200 and answer["settings"]["dataset"] == "upload"


def test_a_diverged_network_cannot_be_downloaded(srv: PlaygroundServer) -> None:
    sid = new_session(srv, n_samples=20)
    session = srv.sessions.get(sid)
    assert session is not None
    session._model.net.parameter_vector[0] = np.nan
    status, headers, body = request(srv, "GET", f"/api/sessions/{sid}/model")
    assert status == 409 and headers["Content-Type"] == "application/json"
    assert "NaN or infinity: press reset or rewind first" in json.loads(body)["error"]


# ------------------------------------------------------------------ load back
def test_a_downloaded_file_loads_back_with_its_settings_and_weights(srv: PlaygroundServer) -> None:
    sid = new_session(srv, dataset="moons", n_samples=80, noise=0.1, seed=5, hidden_layers=[3, 5],
                      activation="leaky_relu", features=["x1", "x2", "sinx1"], learning_rate=0.03,
                      optimizer="adam")
    for _ in range(4):
        send_json(srv, f"/api/sessions/{sid}/control", {"action": "step"})
    data = download(srv, sid)
    trained = state(srv, sid)
    other = new_session(srv, dataset="tutorial")
    status, answer = upload_model(srv, other, data)
    assert status == 200
    loaded = state(srv, other)
    assert answer["settings"] == loaded["settings"] == trained["settings"]
    assert loaded["weights"] == trained["weights"] and loaded["epoch"] == 0
    assert loaded["train_loss"] == trained["train_loss"]
    # The loaded weights are the first weights: rewind comes back to them.
    send_json(srv, f"/api/sessions/{other}/control", {"action": "step"})
    assert state(srv, other)["weights"] != trained["weights"]  # leaky: no unit is dead, every weight moves
    send_json(srv, f"/api/sessions/{other}/control", {"action": "rewind"})
    assert state(srv, other)["weights"] == trained["weights"]


def test_a_model_made_outside_the_playground_loads_on_a_data_set_of_its_task() -> None:
    current = parse_settings({"dataset": "xor"})
    cases = [
        (NeuralNetwork([2, 3, 1], activation="tanh", loss="binary_crossentropy", seed=0), {}, "xor"),
        (NeuralNetwork([2, 5, 3], activation="relu", loss="categorical_crossentropy", seed=0), {}, "blobs3"),
        (NeuralNetwork([2, 4, 1], activation="sigmoid", loss="mse", seed=0), {"task": "regression"}, "plane"),
        (NeuralNetwork([3, 4, 1], bias=False, init="uniform", seed=0), {"task": "classification"}, "xor"),
    ]
    for net, kind, dataset in cases:
        features = ["x1", "x2", "x3"] if net.n_features == 3 else ["x1", "x2"]
        new, parameters = read_model(model_file(net, features, **kind), current, None)
        assert new.dataset == dataset
        assert list(new.features) == features and list(new.hidden_layers) == net.layer_sizes[1:-1]
        assert (new.activation, new.loss, new.bias) == (net.activation[0], net.loss_name, net.bias)
        for p, q in zip(parameters, net.parameters()):
            np.testing.assert_array_equal(p, q)
    float32 = NeuralNetwork([2, 2, 1], loss="binary_crossentropy", dtype=np.float32, seed=0)
    _, parameters = read_model(model_file(float32, ["x1", "x2"]), current, None)
    assert parameters[0].dtype == np.float64


# ------------------------------------------------------------ hostile requests
Shared = tuple[PlaygroundServer, str]


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    """One server and one session for the hostile requests, checked intact at the end."""
    server = PlaygroundServer("127.0.0.1", 0, long_poll=0.05, connection_timeout=2.0)
    server.start()
    sid = new_session(server, dataset="xor", n_samples=40)
    before = state(server, sid)
    yield server, sid
    after = state(server, sid)
    for key in ("settings", "epoch", "iteration", "weights", "data_version", "walk"):
        assert after[key] == before[key], key
    assert len(server.sessions) == 1
    server.close()
    assert playground_threads() == []


def check_refused(status: int, headers: dict[str, str] | None, body: bytes, expected: int) -> str:
    assert status == expected, (status, body)
    if headers is not None:
        assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert isinstance(error, str) and error
    return str(error)


def _net(sizes: list[int], **kwargs: Any) -> NeuralNetwork:
    return NeuralNetwork(sizes, seed=0, **{"loss": "binary_crossentropy", **kwargs})


def _valid() -> bytes:
    return model_file(_net([2, 4, 1], activation="tanh"), ["x1", "x2"])


def _with_header(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """An archive with this header and these arrays, its checksum recomputed: tampered, yet consistent."""
    body = {k: v for k, v in header.items() if k != "sha256"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode("utf-8"))
    for name, arr in arrays.items():
        digest.update(f"\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        digest.update(np.ascontiguousarray(arr).data)
    text = json.dumps({**body, "sha256": digest.hexdigest()}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    np.savez(buffer, header=np.frombuffer(text, dtype=np.uint8), **arrays)
    return buffer.getvalue()


def _parts(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with np.load(io.BytesIO(data)) as archive:
        header = json.loads(archive["header"].tobytes())
        arrays = {name: archive[name] for name in archive.files if name != "header"}
    return header, arrays


def _nan_weight() -> bytes:
    header, arrays = _parts(_valid())
    arrays["W1"] = arrays["W1"].copy()
    arrays["W1"][0, 0] = np.nan
    return _with_header(header, arrays)


def _changed_byte() -> bytes:
    data = bytearray(_valid())
    data[len(data) // 2] ^= 0x01
    return bytes(data)


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.npy", b"\0" * 10_000_000)
    return buffer.getvalue()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a model")
    return buffer.getvalue()


def _npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ones((2, 4)))
    return buffer.getvalue()


def _pickled_array() -> bytes:
    header, arrays = _parts(_valid())
    buffer = io.BytesIO()
    arrays["W1"] = np.array([{"os": "system"}] * 8, dtype=object).reshape(2, 4)
    np.savez(buffer, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays)
    return buffer.getvalue()


def _foreign_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, header=np.frombuffer(b'{"format": "something else"}', dtype=np.uint8),
             W1=np.ones((2, 4)))
    return buffer.getvalue()


def _lying_shape() -> bytes:
    header, arrays = _parts(_valid())
    header["config"]["layer_sizes"] = [2, 40, 1]  # the arrays are 2-4-1
    return _with_header(header, arrays)


def _mixed_activations() -> bytes:
    return model_file(_net([2, 3, 3, 1], activation=["tanh", "relu"]), ["x1", "x2"])


def _with_metadata(playground: Any) -> bytes:
    return model_file(_net([2, 4, 1], activation="tanh"), ["x1", "x2"], metadata={"playground": playground})


BAD_MODELS: list[tuple[str, Any, str]] = [
    ("empty", lambda: b"", "not a playwithnn model file"),
    ("random bytes", lambda: bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)),
     "not an .npz (zip) archive"),
    ("a CSV", lambda: b"x1,x2,label\n0,0,0\n1,1,1\n", "not an .npz (zip) archive"),
    ("JSON", lambda: b'{"format": "playwithnn-model"}', "not an .npz (zip) archive"),
    ("a pickle", lambda: pickle.dumps({"W1": [[1.0]]}), "pickle, which is never loaded"),
    ("a single .npy", _npy, "a single .npy array"),
    ("a zip of text", _plain_zip, "not a playwithnn model file"),
    ("truncated", lambda: _valid()[: len(_valid()) // 2], "not a playwithnn model file"),
    ("one byte changed", _changed_byte, "not a playwithnn model file"),
    ("another npz", _foreign_npz, "not a playwithnn model file"),
    ("NaN weight, checksum redone", _nan_weight, "NaN"),
    ("pickled weights", _pickled_array, "never unpickles"),
    ("zip bomb", _bomb, "compressed"),
    ("config lies about the shapes", _lying_shape, "shape"),
    ("a bare network", lambda: _modelfile_bare(), "bare network"),
    ("7 hidden layers", lambda: model_file(_net([2, *[2] * 7, 1]), ["x1", "x2"]),
     "at most 6 layer widths"),
    ("17 neurons", lambda: model_file(_net([2, 17, 1]), ["x1", "x2"]), "from 1 to 16"),
    ("mixed activations", _mixed_activations, "different activations"),
    ("loss half_mse", lambda: model_file(_net([2, 3, 1], loss="half_mse"), ["x1", "x2"]), "loss"),
    ("loss half_poisson", lambda: model_file(_net([2, 3, 1], loss="half_poisson"), ["x1", "x2"],
                                             task="regression"), "output activation is 'exp'"),
    ("tanh output", lambda: model_file(_net([2, 3, 1], loss="mse", output_activation="tanh"), ["x1", "x2"]),
     "output activation is 'tanh'"),
    ("softmax of 2", lambda: model_file(_net([2, 3, 2], loss="categorical_crossentropy"), ["x1", "x2"]),
     "it has 2 outputs"),
    ("softmax of 4", lambda: model_file(_net([2, 3, 4], loss="categorical_crossentropy"), ["x1", "x2"]),
     "it has 4 outputs"),
    ("target scaling", lambda: model_file(_net([2, 3, 1], loss="mse"), ["x1", "x2"], target_mean=3.0,
                                          target_scale=2.0), "scales its target"),
    ("foreign features", lambda: model_file(_net([2, 3, 1]), ["age", "height"]), "reads the columns age"),
    ("features out of order", lambda: model_file(_net([2, 3, 1]), ["x2", "x1"]),
     "not in the playground's order"),
    ("scaled features", lambda: model_file(_net([2, 3, 1]), Preprocessing(
        ["x1", "x2"], [Encoding("x1", mean=[1.0], scale=[2.0]), Encoding("x2")])), "as they are"),
    ("categories", lambda: model_file(_net([3, 3, 1]), Preprocessing(
        ["x1", "colour"], [Encoding("x1"), Encoding("colour", categories=["red", "blue"])])),
     "reads the columns"),
    ("settings not an object", lambda: _with_metadata("xor"), "settings must be a JSON object"),
    ("settings with an unknown key", lambda: _with_metadata({"exec": "rm -rf /"}), "unknown setting 'exec'"),
    ("settings out of range", lambda: _with_metadata({"hidden_layers": [99]}), "from 1 to 16"),
    ("settings: a huge number", lambda: _with_metadata({"learning_rate": 1e308}), "learning_rate"),
    ("settings: upload without a CSV", lambda: _with_metadata({"dataset": "upload"}),
     "upload that CSV first"),
    ("settings: a data set it does not fit", lambda: _with_metadata({"dataset": "plane", "loss": "mse"}),
     "does not fit"),
]


def _modelfile_bare() -> bytes:
    net = _net([2, 3, 1])
    write = _modelfile.encode(net.get_config(), net.parameters(), {})
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "make", "message"), BAD_MODELS, ids=[c[0] for c in BAD_MODELS])
def test_hostile_model_files_are_400(shared: Shared, name: str, make: Any, message: str) -> None:
    data = make()
    assert len(data) <= MAX_MODEL_BYTES
    status, headers, body = request(shared[0], "POST", f"/api/sessions/{shared[1]}/model", data,
                                    {"Content-Type": "application/octet-stream"})
    error = check_refused(status, headers, body, 400)
    assert error.startswith("cannot use this model file: ") and message in error, error
    assert "/tmp" not in error and "model.npz" not in error  # the temporary file stays private


def test_a_model_file_check_refuses_what_it_reads_directly() -> None:
    with pytest.raises(ModelUploadError, match="at most 262144 are accepted"):
        read_model(b"\0" * (MAX_MODEL_BYTES + 1), Settings(), None)


def raw(srv: PlaygroundServer, data: bytes) -> tuple[int, Any]:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


@pytest.mark.parametrize(("headers", "expected"), [
    ({"Content-Type": "application/json"}, 415),
    ({"Content-Type": "text/csv"}, 415),
    ({"Content-Type": "multipart/form-data; boundary=x"}, 415),
    ({"Content-Type": "application/zip"}, 415),
    ({}, 415),
    ({"Content-Type": "application/octet-stream", "Content-Length": str(MAX_MODEL_BYTES + 1)}, 413),
    ({"Content-Type": "application/octet-stream", "Content-Length": str(10**15)}, 400),
    ({"Content-Type": "application/octet-stream", "Content-Length": "-5"}, 400),
    ({"Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"}, 411),
    ({"Content-Type": "application/octet-stream", "Content-Length": ""}, 411),
    ({"Content-Type": "application/octet-stream", "Content-Length": "100"}, 400),  # the body is shorter
    ({"Content-Type": "application/octet-stream", "Origin": "http://evil.example"}, 403),
], ids=["json", "csv", "multipart", "zip type", "no type", "too long", "huge length", "negative length",
        "chunked", "no length", "short body", "foreign origin"])
def test_hostile_model_upload_headers(shared: Shared, headers: dict[str, str], expected: int) -> None:
    body = b"PK\x03\x04" + bytes(16)
    head = [f"POST /api/sessions/{shared[1]}/model HTTP/1.0", "Host: 127.0.0.1"]
    head += [f"{k}: {v}" for k, v in headers.items() if v != ""]
    if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        head.append(f"Content-Length: {len(body)}")
    status, answer = raw(shared[0], ("\r\n".join(head) + "\r\n\r\n").encode() + body)
    assert status == expected, answer
    assert isinstance(answer["error"], str)


@pytest.mark.parametrize("query", ["x=1", "format=pickle", "version=1", "../../etc/passwd", "a" * 500])
def test_hostile_model_download_queries_are_400(shared: Shared, query: str) -> None:
    status, headers, body = request(shared[0], "GET", f"/api/sessions/{shared[1]}/model?{query}")
    check_refused(status, headers, body, 400)


@pytest.mark.parametrize("action", ["explode", "", "NEXT", "back", "start", "play", "step", 1, None, True,
                                    ["next"], {"next": True}, "next\x00", "next " * 1000])
def test_hostile_walk_actions_are_400(shared: Shared, action: Any) -> None:
    status, answer = send_json(shared[0], f"/api/sessions/{shared[1]}/walk", {"action": action})
    assert status == 400 and "action must be one of next, stop" in answer["error"]


def test_a_download_is_an_attachment_of_the_shared_session(shared: Shared) -> None:
    """Not hostile: a download changes nothing (the fixture checks), and is a model file."""
    data = download(*shared)
    assert data.startswith(b"PK\x03\x04") and len(data) < MAX_MODEL_BYTES
