"""The playground's iteration walk, the tutorial's faithful preset, rewind, and the new data sets.

Every number the walk publishes is compared with what the library computes for
the same state: a copy of the session's network taken before the walk, run
through :meth:`NeuralNetwork.gradients`, its layers, its loss object and
:meth:`NeuralNetwork.train_step`. Both run the same code on the same arrays, so
they agree to the last bit; the comparisons allow 1e-12 relative all the same.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from playground_client import playground_threads

from playwithnn import NeuralNetwork, cli
from playwithnn.datasets import tutorial
from playwithnn.explain import explain_step
from playwithnn.playground.data import blobs3, gaussian_sum, make_split, plane, spiral3, targets
from playwithnn.playground.server import PlaygroundServer
from playwithnn.playground.sessions import DIVERGED, TRAINING_FAILED, Session, make_optimizer
from playwithnn.playground.settings import PRESETS, Settings, SettingsError, parse_settings
from playwithnn.playground.walk import MAX_SHOWN, PHASES, to_numbers

RTOL = 1e-12


# ------------------------------------------------------------------ helpers
@pytest.fixture
def sessions() -> Iterator[Any]:
    """Make sessions from settings; close them all, and check their threads ended."""
    made: list[Session] = []

    def make(**settings: Any) -> Session:
        session = Session("w" * 16, parse_settings({"speed": 0, **settings}))
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()
    assert playground_threads() == []


def state(session: Session) -> dict[str, Any]:
    return dict(json.loads(session.wait_state(0, 0, 0))["state"])


def close(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=RTOL, atol=1e-300)


def library_iteration(net: NeuralNetwork, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """What the library computes for one iteration of a copy of ``net`` on ``X``, ``y``."""
    net = copy.deepcopy(net)
    grads = net.gradients(X, y)
    layers = net.layers
    out = layers[-1].A
    loss, dL = net.loss_function.value_and_gradient(y, out)
    dW = [grads[f"W{k}"] for k in range(1, len(layers) + 1)]
    db = [grads.get(f"b{k}") for k in range(1, len(layers) + 1)]
    return {
        "net": net,
        "z": [layer.X @ layer.W + (0.0 if layer.b is None else layer.b) for layer in layers],
        "a": [layer.A.copy() for layer in layers[:-1]] + [net.loss_function.predict(out)],
        "loss": loss, "dL": dL,
        "delta": [layer.delta.copy() for layer in layers],
        "dW": dW, "db": db,
    }


def check_walk_against_library(session: Session, settings: Settings) -> None:
    """Walk one iteration and compare every number the state holds with the library's."""
    net_before = copy.deepcopy(session._model.net)
    optimizer = make_optimizer(settings)
    session._optimizer = copy.deepcopy(optimizer)  # the same optimizer state on both sides
    session.walk("next")
    walk = state(session)["walk"]
    assert walk["phase"] == "feedforward" and "loss" not in walk and "delta" not in walk["layers"][0]
    rows = np.array(walk["rows"])
    m = session._model
    X, y = m.X_train[rows], m.y_train[rows]
    shown = min(len(rows), MAX_SHOWN)
    assert walk["batch_size"] == len(rows) <= min(settings.batch_size, len(m.y_train))
    assert walk["shown"] == shown
    ref = library_iteration(net_before, X, y)
    close(walk["inputs"]["x"], X[:shown])
    close(walk["targets"], y[:shown])
    for k, layer in enumerate(walk["layers"]):
        close(layer["z"], ref["z"][k][:shown])
        close(layer["z_mean"], ref["z"][k].mean(axis=0))
        close(layer["a"], ref["a"][k][:shown])
        close(layer["a_mean"], ref["a"][k].mean(axis=0))
        close(layer["W"], net_before.layers[k].W)

    session.walk("next")
    walk = state(session)["walk"]
    assert walk["phase"] == "loss"
    close(walk["loss"]["value"], ref["loss"])
    close(walk["loss"]["gradient"], ref["dL"][:shown])
    close(walk["loss"]["gradient_sum"], ref["dL"].sum(axis=0))

    session.walk("next")
    walk = state(session)["walk"]
    assert walk["phase"] == "backward"
    assert np.allclose(session._model.net.parameter_vector, net_before.parameter_vector, rtol=0, atol=0)
    a_prev = [X, *ref["a"][:-1]]
    for k, layer in enumerate(walk["layers"]):
        close(layer["delta"], ref["delta"][k][:shown])
        close(layer["delta_sum"], ref["delta"][k].sum(axis=0))
        close(layer["dW"], ref["dW"][k])
        if ref["db"][k] is None:
            assert layer["db"] is None
        else:
            close(layer["db"], ref["db"][k])
        # each sample's share a_s δ_s adds up to ∂L/∂w when the whole batch is shown
        close(layer["terms"], a_prev[k][:shown, :, None] * ref["delta"][k][:shown, None, :])
        if len(rows) <= MAX_SHOWN:
            close(np.sum(layer["terms"], axis=0), ref["dW"][k])
        # δ = dL/da ⊙ f'(z): the parts the page multiplies out in its formulas
        if layer["da"] is not None:
            close(np.multiply(layer["da"], layer["fprime"]), ref["delta"][k][:shown])

    session.walk("next")
    walk = state(session)["walk"]
    assert walk["phase"] == "update"
    after = ref["net"]
    l2 = walk["l2_batch"]
    after.train_step(X, y, optimizer, l2=l2)
    for k, layer in enumerate(walk["layers"]):
        close(layer["W_after"], after.layers[k].W)
        close(layer["W_step"], after.layers[k].W - net_before.layers[k].W)
        if settings.optimizer == "sgd":  # plain gradient descent: Δw = -η (∂L/∂w + λ w)
            np.testing.assert_allclose(layer["W_step"], -settings.learning_rate * (
                ref["dW"][k] + l2 * net_before.layers[k].W), rtol=1e-9, atol=1e-15)
        if after.layers[k].b is not None:
            close(layer["b_after"], after.layers[k].b)
            close(layer["b_step"], after.layers[k].b - net_before.layers[k].b)
    np.testing.assert_array_equal(session._model.net.parameter_vector, after.parameter_vector)


# ------------------------------------------------------- the tutorial, faithfully
def test_the_tutorial_preset_is_the_articles_network() -> None:
    s = parse_settings({"dataset": "tutorial"})
    assert (s.features, s.hidden_layers, s.activation, s.loss, s.bias, s.init, s.learning_rate,
            s.optimizer, s.batch_size, s.l2) == (("x1", "x2", "x3"), (4,), "sigmoid", "sse", False, "uniform",
                                                  1.0, "sgd", 4, 0.0)
    # Leaving the tutorial puts its preset's fields back to the defaults; a field given stays.
    back = parse_settings({"dataset": "xor", "learning_rate": 0.3}, s)
    assert back == Settings(dataset="xor", learning_rate=0.3)
    # Other data sets bring the loss of their task.
    assert parse_settings({"dataset": "plane"}).loss == "mse"
    assert parse_settings({"dataset": "blobs3"}).loss == "categorical_crossentropy"
    on_plane = parse_settings({"dataset": "plane"})
    assert parse_settings({"dataset": "xor"}, on_plane).loss == "binary_crossentropy"
    assert parse_settings({"dataset": "plane", "loss": "sse"}).loss == "sse"
    with pytest.raises(SettingsError, match=re.escape("loss 'mse' does not fit data set 'xor' (two classes); "
                                                      "use 'binary_crossentropy' or 'sse'")):
        parse_settings({"loss": "mse"}, Settings(dataset="xor"))
    assert set(PRESETS["tutorial"]) < set(Settings().to_json())


@pytest.mark.parametrize("seed", [1, 7])
def test_the_tutorial_presets_loss_is_explain_faithfuls(seed: int, sessions: Any,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The same seed: the same weights, loss and first iteration as ``playwithnn explain --faithful``."""
    session = sessions(dataset="tutorial", seed=seed)
    net = session._model.net
    # what `playwithnn explain --faithful` builds
    article = NeuralNetwork([3, 4, 1], bias=False, init="uniform", seed=seed)
    assert net.get_config() == article.get_config()
    for ours, theirs in zip(net.parameters(), article.parameters()):
        np.testing.assert_array_equal(ours, theirs)
    X, y = tutorial()
    np.testing.assert_array_equal(session._model.X_train, X)
    explained = explain_step(article, X, y, learning_rate=1.0)
    assert session._model.train_loss == pytest.approx(float(explained["Loss"]), rel=1e-12)
    assert state(session)["train_loss"] == pytest.approx(float(explained["Loss"]), rel=1e-4)
    # The command line's own output, as printed.
    assert cli.main(["explain", "--faithful", "--seed", str(seed), "--decimals", "6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    printed = float(lines[next(i for i, line in enumerate(lines) if line.startswith("Loss =")) + 1])
    assert session._model.train_loss == pytest.approx(printed, abs=5e-7)

    # One walk through the iteration: explain's numbers, step by step.
    for _ in range(4):
        session.walk("next")
    walk = state(session)["walk"]
    assert walk["phase"] == "update" and walk["rows"] == [0, 1, 2, 3]
    close(walk["loss"]["value"], explained["Loss"])
    close(walk["loss"]["gradient"], explained["dLoss/dŷ"])
    close(walk["layers"][0]["z"], explained["z1"])
    close(walk["layers"][0]["a"], explained["a1"])
    close(walk["layers"][1]["a"], explained["ŷ"])
    for name, k in (("δ1", 0), ("δ2", 1)):
        np.testing.assert_allclose(walk["layers"][k]["delta"], explained[name], rtol=1e-10)
    for name, k in (("dLoss/dW1", 0), ("dLoss/dW2", 1)):
        np.testing.assert_allclose(walk["layers"][k]["dW"], explained[name], rtol=1e-10)
    for name, k in (("W1 new", 0), ("W2 new", 1)):
        np.testing.assert_allclose(walk["layers"][k]["W_after"], explained[name], rtol=1e-10)
    after = state(session)
    assert (after["epoch"], after["iteration"]) == (1, 1)  # a full batch: the iteration is the epoch


# --------------------------------------------------------------------- the walk
WALKS = {
    "xor 2-4-2-1, tanh, cross-entropy": dict(dataset="xor", n_samples=60),
    "tutorial, faithful": dict(dataset="tutorial"),
    "plane, relu, mse, momentum, L2": dict(dataset="plane", n_samples=40, activation="relu",
                                          optimizer="momentum", l2=0.01, batch_size=7),
    "bumps, sse, full batch, L2": dict(dataset="gaussian_sum", n_samples=30, loss="sse", batch_size=1000,
                                       l2=0.003, hidden_layers=[5]),
    "3 blobs, softmax, adam": dict(dataset="blobs3", n_samples=60, optimizer="adam", hidden_layers=[3, 3, 3]),
    "3 spirals, one sample, no bias": dict(dataset="spiral3", n_samples=30, batch_size=1, bias=False,
                                           activation="sigmoid", init="uniform"),
    "no hidden layer": dict(dataset="circles", n_samples=30, hidden_layers=[],
                            features=["x1", "x2", "x1sq", "x2sq", "x3"]),
}


@pytest.mark.parametrize("settings", WALKS.values(), ids=WALKS.keys())
def test_the_walks_numbers_are_the_librarys(settings: dict[str, Any], sessions: Any) -> None:
    session = sessions(**settings)
    for _ in range(2):  # the first iteration, then the next batch
        check_walk_against_library(session, session.settings)


def test_walking_through_an_epoch_ends_where_one_step_ends(sessions: Any) -> None:
    """The walk's batches are fit's: the same rows, drawn from the same generator in the same order."""
    settings = dict(dataset="xor", n_samples=40, batch_size=6, optimizer="momentum", l2=0.001)
    walked, stepped = sessions(**settings), sessions(**settings)
    for _ in range(2):  # two epochs: 20 training points, batches of 6, 6, 6 and 2
        for batch in range(4):
            for _ in PHASES:
                walked.walk("next")
            assert walked.epoch == (stepped.epoch + (batch == 3))
        stepped.control("step")
        np.testing.assert_array_equal(walked._model.net.parameter_vector, stepped._model.net.parameter_vector)
        assert walked._model.net.rng.bit_generator.state == stepped._model.net.rng.bit_generator.state
        a, b = state(walked), state(stepped)
        assert (a["epoch"], a["iteration"], a["train_loss"]) == (b["epoch"], b["iteration"], b["train_loss"])
        assert a["history"] == b["history"]
        assert a["walk"]["batch_size"] == 2 and b["walk"] is None


def test_after_any_step_the_state_holds_the_last_batchs_gradients(sessions: Any) -> None:
    # A full batch: the last batch is all of the training points.
    session = sessions(dataset="xor", n_samples=30, batch_size=1000)
    first = state(session)
    assert first["gradients"] is first["deltas"] is first["bias_gradients"] is None
    m = session._model
    ref = library_iteration(m.net, m.X_train, m.y_train)
    session.control("step")
    after = state(session)
    for k in range(3):
        np.testing.assert_allclose(after["gradients"][k], ref["dW"][k], rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(after["bias_gradients"][k], ref["db"][k], rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(after["deltas"][k], ref["delta"][k].sum(axis=0), rtol=1e-5, atol=1e-12)
        assert np.shape(after["gradients"][k]) == np.shape(after["weights"][k])
    # After a walk's update: that batch's, as the walk showed them.
    for _ in PHASES:
        session.walk("next")
    walk, after = state(session)["walk"], state(session)
    for k in range(3):
        np.testing.assert_allclose(after["gradients"][k], walk["layers"][k]["dW"], rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(after["deltas"][k], walk["layers"][k]["delta_sum"], rtol=1e-5, atol=1e-12)
    # Without biases: empty lists beside the weights.
    no_bias = sessions(dataset="tutorial")
    no_bias.control("step")
    assert state(no_bias)["bias_gradients"] == [[], []]


def test_the_walk_ends_with_any_other_request(sessions: Any) -> None:
    session = sessions(dataset="xor", n_samples=20)
    session.walk("next")
    assert session.walk_phase == "feedforward" and state(session)["walk"] is not None
    session.update_settings({"speed": 30})  # the pace of playing: the walk goes on
    assert session.walk_phase == "feedforward"
    session.update_settings({"learning_rate": 0.3})
    assert session.walk_phase is None and state(session)["walk"] is None
    for action in ("step", "play", "reset", "rewind", "pause"):
        session.walk("next")
        session.control(action)
        assert session.walk_phase is None, action
    session.control("pause")
    session.walk("next")
    assert not session.playing
    session.walk("stop")
    assert session.walk_phase is None and state(session)["walk"] is None
    with pytest.raises(ValueError, match="action must be one of next, stop; got 'back'"):
        session.walk("back")


def test_a_walk_that_diverges_stops_and_says_so(sessions: Any) -> None:
    session = sessions(dataset="plane", n_samples=20, loss="sse")
    session._model.net.parameter_vector[:] = 1e200  # the squares overflow
    for _ in range(3):
        session.walk("next")
    walk = state(session)["walk"]
    assert walk["phase"] == "backward" and walk["loss"]["value"] is None  # inf, published as null
    session.walk("next")
    after = state(session)
    assert after["walk"] is None and after["error"] == DIVERGED
    assert (session._model.net.parameter_vector == 1e200).all()  # the step was not applied


def test_a_walk_that_fails_is_logged_and_told_to_the_page(sessions: Any, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    session = sessions(dataset="xor", n_samples=20)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    with caplog.at_level("ERROR", logger="playwithnn.playground.sessions"):
        monkeypatch.setattr(session._model.net, "gradients", broken)
        session.walk("next")  # the first step fails: no walk, and the page is told
        assert (session.walk_phase, state(session)["error"]) == (None, TRAINING_FAILED)
        monkeypatch.undo()
        for _ in range(3):
            session.walk("next")
        monkeypatch.setattr(session._model.net, "train_step", broken)
        session.walk("next")  # the update fails: the weights stay
        assert (session.walk_phase, state(session)["error"], session.epoch) == (None, TRAINING_FAILED, 0)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].endswith("the walk failed at iteration 1")
    assert messages[1].endswith("the walk's update failed at iteration 1")


def test_walk_over_http(tmp_path: Any) -> None:
    with PlaygroundServer("127.0.0.1", 0, long_poll=0.05) as server:
        server.start()
        sid = server.sessions.create(parse_settings({"dataset": "tutorial"})).id
        import http.client

        def post(path: str, body: dict[str, Any]) -> tuple[int, Any]:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
                response = conn.getresponse()
                return response.status, json.loads(response.read())
            finally:
                conn.close()

        phases = [post(f"/api/sessions/{sid}/walk", {"action": "next"}) for _ in range(5)]
        expected = [("feedforward", 0), ("loss", 0), ("backward", 0), ("update", 1), ("feedforward", 1)]
        assert phases == [(200, {"phase": p, "epoch": e}) for p, e in expected]
        assert post(f"/api/sessions/{sid}/walk", {"action": "stop"}) == (200, {"phase": None, "epoch": 1})
        rewound = post(f"/api/sessions/{sid}/control", {"action": "rewind"})
        assert rewound == (200, {"playing": False, "epoch": 0})


# ---------------------------------------------------------------------- rewind
def test_rewind_goes_back_to_the_same_first_weights_and_the_same_batches(sessions: Any) -> None:
    session = sessions(dataset="moons", n_samples=60, batch_size=5, optimizer="adam")
    first = session._model.net.parameter_vector.copy()
    for _ in range(3):
        session.control("step")
    trained = session._model.net.parameter_vector.copy()
    session.control("rewind")
    rewound = state(session)
    assert (rewound["epoch"], rewound["iteration"], rewound["history"]["epoch"], rewound["gradients"]) == (
        0, 0, [0], None)
    np.testing.assert_array_equal(session._model.net.parameter_vector, first)
    for _ in range(3):
        session.control("step")
    np.testing.assert_array_equal(session._model.net.parameter_vector, trained)  # the same run again
    # After a reset (new weights), rewind goes back to those.
    session.control("reset")
    fresh = session._model.net.parameter_vector.copy()
    assert not np.array_equal(fresh, first)
    session.control("step")
    session.control("rewind")
    np.testing.assert_array_equal(session._model.net.parameter_vector, fresh)


# ----------------------------------------------------- regression and three classes
def test_the_playgrounds_own_data_sets() -> None:
    rng = np.random.default_rng(0)
    X, y = plane(200, 0.0, rng)
    np.testing.assert_allclose(y, X.sum(axis=1) / 2)
    X, y = gaussian_sum(400, 0.0, rng)
    assert y.dtype == np.float64 and -1.1 < y.min() < -0.5 and 0.5 < y.max() < 1.1
    for make in (blobs3, spiral3):
        X, labels = make(300, 0.1, rng)
        assert X.shape == (300, 2) and labels.dtype == np.int64 and np.bincount(labels).tolist() == [100] * 3
    assert targets(np.array([0, 2]), "spiral3").tolist() == [[1, 0, 0], [0, 0, 1]]
    assert targets(np.array([0.5]), "plane").tolist() == [[0.5]]
    split = make_split(Settings(dataset="blobs3", n_samples=30, seed=3))
    assert len(split.y_train) == 15 and set(split.y_train) <= {0, 1, 2}


@pytest.mark.parametrize(("dataset", "loss", "output"), [
    ("plane", "mse", "identity"), ("gaussian_sum", "sse", "identity"),
    ("blobs3", "categorical_crossentropy", "softmax"), ("spiral3", "categorical_crossentropy", "softmax"),
])
def test_regression_and_three_class_networks_train_and_draw(dataset: str, loss: str, output: str,
                                                           sessions: Any) -> None:
    session = sessions(dataset=dataset, n_samples=120, loss=loss, learning_rate=0.03, optimizer="adam",
                       hidden_layers=[8, 8])
    net = session._model.net
    assert (net.loss_name, net.output_activation) == (loss, output)
    begin = state(session)
    outputs = 3 if output == "softmax" else 1
    assert begin["layer_sizes"][-1] == outputs and len(begin["nodes"][-1]) == outputs
    assert begin["task"] == ("regression" if output == "identity" else "multiclass")
    data = json.loads(session.wait_state(0, 0, 0))["data"]
    assert data["task"] == begin["task"]
    if output == "softmax":
        assert {row[2] for row in data["train"]} == {0, 1, 2}
        classes = np.frombuffer(base64.b64decode(begin["output_class"]), dtype=np.uint8)
        P = net.predict(session._model.grid)
        np.testing.assert_array_equal(classes, P.argmax(axis=1))
    for _ in range(40):
        session.control("step")
    end = state(session)
    assert end["train_loss"] < 0.85 * begin["train_loss"]
    assert end["error"] is None


def test_to_numbers_keeps_every_digit_unless_asked() -> None:
    assert to_numbers(np.array([0.1 + 0.2])) == [0.30000000000000004]
    assert to_numbers(np.array([[np.nan, 1e-310]])) == [[None, 1e-310]]
    assert to_numbers(np.float64(-0.0)) == -0.0
    assert re.fullmatch(r"\[0\.123457\]", json.dumps(to_numbers([0.1234567], 6)))
