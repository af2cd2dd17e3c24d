"""The playground's diagnoses: what ``fit`` warns of after training, in the state the page polls.

ReLU at learning rate 1 on the tutorial's data (with biases and the library's default
initializer, the network of :mod:`playwithnn.diagnostics`' example) kills 3 of its 4
hidden units by epoch 28 and sits at a loss of 1.0, flat, from epoch 209 on (seed 1).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from playwithnn import NeuralNetwork
from playwithnn.datasets import tutorial
from playwithnn.diagnostics import TrainingWarning, diagnose
from playwithnn.optimizers import get_optimizer
from playwithnn.playground.sessions import Session
from playwithnn.playground.settings import Settings, parse_settings

#: The tutorial's data and preset, but ReLU hidden units with biases and He's weights.
DEAD_RELU = {"dataset": "tutorial", "activation": "relu", "bias": True, "init": "auto", "seed": 1, "speed": 0}


def published(session: Session) -> dict[str, Any]:
    """The state a session has published last."""
    return dict(json.loads(session.wait_state(0, 0, 0))["state"])


def kinds(session: Session) -> list[str]:
    return [d["kind"] for d in published(session)["diagnoses"]]


@pytest.fixture
def dead_relu() -> Iterator[Session]:
    session = Session("r" * 16, parse_settings(DEAD_RELU))
    yield session
    session.close()


def test_relu_at_learning_rate_1_on_the_tutorial_says_its_units_are_dead(dead_relu: Session) -> None:
    """The state's diagnoses are diagnose's, for the network fit trains on the same data."""
    assert published(dead_relu)["diagnoses"] == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(40):
            dead_relu.control("step")
    assert not [w for w in caught if issubclass(w.category, TrainingWarning)]  # no warning per epoch

    X, y = tutorial()
    net = NeuralNetwork([3, 4, 1], activation="relu", loss="sse", seed=1)
    history = net.fit(X, y, epochs=40, optimizer=get_optimizer("sgd", 1.0), batch_size=4, diagnose=False)
    for mine, theirs in zip(dead_relu._model.net.parameters(), net.parameters()):
        np.testing.assert_array_equal(mine, theirs)
    [expected] = [d for d in diagnose(net, X, y, history) if d.kind == "dead_units"]
    assert expected.message.startswith("3 of 4 units of hidden layer 1 (relu) output 0")
    assert published(dead_relu)["diagnoses"] == [{"kind": "dead_units", "message": expected.message}]


def test_the_loss_flat_at_1_is_said_too_and_reset_rewind_and_new_settings_clear_them(
        dead_relu: Session) -> None:
    with dead_relu._lock:
        for _ in range(249):
            dead_relu._train_epoch()
    dead_relu.control("step")
    state = published(dead_relu)
    assert state["epoch"] == 250 and state["train_loss"] == 1.0
    assert kinds(dead_relu) == ["flat_loss", "dead_units"]  # as diagnostics' own example says
    assert "stayed at 1 for the last 100 epochs" in state["diagnoses"][0]["message"]

    dead_relu.control("rewind")
    assert kinds(dead_relu) == []
    for _ in range(40):
        dead_relu.control("step")
    assert kinds(dead_relu) == ["dead_units"]  # the same first weights die the same way
    dead_relu.control("reset")
    assert kinds(dead_relu) == []
    dead_relu.control("step")
    dead_relu.update_settings({"hidden_layers": [5]})
    assert published(dead_relu)["epoch"] == 0 and kinds(dead_relu) == []


def test_a_network_that_learns_has_none() -> None:
    """The default network on the default data: its loss falls from 0.70 to 0.14 in 30 epochs."""
    session = Session("l" * 16, Settings(speed=0))
    try:
        assert kinds(session) == []
        for _ in range(30):
            session.control("step")
            assert kinds(session) == []
        assert published(session)["train_loss"] < 0.2
    finally:
        session.close()


def test_a_walk_publishes_them_too(dead_relu: Session) -> None:
    for _ in range(40):
        dead_relu.control("step")
    dead_relu.walk("next")  # the feedforward of the next batch: the weights are those of the step
    assert published(dead_relu)["walk"]["phase"] == "feedforward"
    assert kinds(dead_relu) == ["dead_units"]
