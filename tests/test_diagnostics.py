"""What fit says after training when something went wrong (playwithnn.diagnostics)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from playwithnn import NeuralNetwork, TrainingWarning
from playwithnn.diagnostics import (
    DEAD_SHARE,
    FLAT_EPOCHS,
    SATURATED_DERIVATIVE,
    SATURATED_SHARE,
    WRONG_BY,
    diagnose,
)
from playwithnn.training import History

from conftest import Library


def test_dead_relus_at_learning_rate_1_are_reported(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    # The case: ReLU at learning rate 1 ends at loss exactly 1.0 with 3 of 4 units dead.
    net = NeuralNetwork([3, 4, 1], activation="relu", seed=1)
    with pytest.warns(TrainingWarning) as caught:
        history = net.fit(tutorial_X, tutorial_y, epochs=1500, learning_rate=1.0)
    assert history.loss[-1] == 1.0
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert messages[0].startswith(f"the training loss stayed at 1 for the last {FLAT_EPOCHS} epochs")
    assert messages[1].startswith("3 of 4 units of hidden layer 1 (relu) output 0 on every training sample")
    # The count is the network's: units whose output is 0 for every sample.
    A = np.maximum(tutorial_X @ net.parameters()[0] + net.parameters()[1], 0)
    assert int(np.all(A == 0, axis=0).sum()) == 3


@pytest.mark.parametrize(("dead", "spoken"), [(1, False), (3, False), (4, True), (16, True)])
def test_dead_units_are_reported_from_a_quarter_of_a_layer(dead: int, spoken: bool, tutorial_X: np.ndarray,
                                                           tutorial_y: np.ndarray) -> None:
    # A unit whose weights and bias are all negative outputs 0 for the tutorial's inputs (all >= 0).
    net = NeuralNetwork([3, 16, 1], activation="relu", seed=0)
    W1, b1 = net.parameters()[:2]
    W1[...], b1[...] = 0.5, 0.1
    W1[:, :dead], b1[:dead] = -1.0, -1.0
    found = diagnose(net, tutorial_X, tutorial_y.reshape(-1, 1), History())
    assert DEAD_SHARE == 0.25 and (dead >= DEAD_SHARE * 16) is spoken
    assert [d.kind for d in found] == (["dead_units"] if spoken else [])
    if spoken:
        assert found[0].message.startswith(f"{dead} of 16 units of hidden layer 1 (relu) output 0")


def test_a_network_that_learns_says_nothing(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kwargs in (dict(), dict(bias=False, init="uniform"), dict(activation="tanh")):
            net = NeuralNetwork([3, 4, 1], seed=1, **kwargs)  # type: ignore[arg-type]
            net.fit(tutorial_X, tutorial_y, epochs=1500, learning_rate=1.0)
            assert diagnose(net, tutorial_X, tutorial_y.reshape(-1, 1), History()) == []


def test_a_saturated_output_on_the_wrong_side_is_reported(tutorial_X: np.ndarray,
                                                         tutorial_y: np.ndarray) -> None:
    net = NeuralNetwork([3, 4, 1], seed=1)
    W1, b1, W2, b2 = net.parameters()
    W1[...], b1[...], W2[...] = 0.0, 0.0, 0.0
    b2[...] = 20.0  # ŷ = σ(20) ≈ 1 - 2e-9 for every sample: the two targets 0 are wrong and stuck
    found = diagnose(net, tutorial_X, tutorial_y.reshape(-1, 1), History())
    assert [d.kind for d in found] == ["saturated_output"]
    assert found[0].message.startswith(
        "the output is saturated on the wrong side for 50% of the training samples")
    b2[...] = 5.0  # σ'(5) = 0.0066: not saturated
    assert diagnose(net, tutorial_X, tutorial_y.reshape(-1, 1), History()) == []
    # With a cross-entropy the gradient p - y does not vanish: nothing to say.
    bce = NeuralNetwork([3, 4, 1], loss="binary_crossentropy", seed=1)
    for p in bce.parameters():
        p[...] = 0.0
    bce.parameters()[3][...] = 20.0
    assert diagnose(bce, tutorial_X, tutorial_y.reshape(-1, 1), History()) == []
    assert SATURATED_DERIVATIVE == 1e-4 and WRONG_BY == 0.5 and SATURATED_SHARE == 0.1


def test_a_flat_loss_needs_enough_epochs_and_a_loss_that_does_not_move(tutorial_X: np.ndarray,
                                                                       tutorial_y: np.ndarray) -> None:
    net = NeuralNetwork([3, 4, 1], seed=1)
    y = tutorial_y.reshape(-1, 1)
    flat = History(loss=[2.0] * 50 + [0.5] * FLAT_EPOCHS)
    assert [d.kind for d in diagnose(net, tutorial_X, y, flat)] == ["flat_loss"]
    assert diagnose(net, tutorial_X, y, History(loss=[0.5] * (FLAT_EPOCHS - 1))) == []
    moving = History(loss=list(np.linspace(0.5, 0.4999, FLAT_EPOCHS)))  # moves by 2e-4 of itself
    assert diagnose(net, tutorial_X, y, moving) == []
    assert diagnose(net, tutorial_X, y, History(loss=[0.0] * FLAT_EPOCHS)) == []  # a perfect fit


def test_fit_diagnoses_once_at_the_end_and_can_be_told_not_to(tutorial_X: np.ndarray,
                                                              tutorial_y: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = NeuralNetwork([3, 4, 1], activation="relu", seed=1)
        net.fit(tutorial_X, tutorial_y, epochs=1500, learning_rate=1.0, diagnose=False)
        # A fit of one epoch is a step of the caller's loop: not diagnosed unless asked.
        net.fit(tutorial_X, tutorial_y, epochs=1, learning_rate=1.0)
    with pytest.warns(TrainingWarning, match="3 of 4 units of hidden layer 1"):
        net.fit(tutorial_X, tutorial_y, epochs=1, learning_rate=1.0, diagnose=True)


def test_the_warning_points_at_the_callers_line(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    net = NeuralNetwork([3, 4, 1], activation="relu", seed=1)
    with pytest.warns(TrainingWarning) as caught:
        net.fit(tutorial_X, tutorial_y, epochs=200, learning_rate=1.0)
    assert all(w.filename == __file__ for w in caught)
    assert issubclass(TrainingWarning, UserWarning)


def test_data_of_any_library_is_diagnosed_where_the_network_computes(library: Library, tutorial_X: np.ndarray,
                                                                    tutorial_y: np.ndarray) -> None:
    net = NeuralNetwork([3, 16, 1], activation="relu", seed=0, device=library.device)
    W1, b1 = net.parameters()[:2]
    W1[...], b1[...] = -1.0, -1.0  # every unit dead on the tutorial's inputs (all >= 0)
    for X, y in [(tutorial_X, tutorial_y), (library.asarray(tutorial_X), library.asarray(tutorial_y))]:
        found = diagnose(net, X, y, History())
        assert [d.kind for d in found] == ["dead_units"]
        assert found[0].message.startswith("16 of 16 units of hidden layer 1 (relu) output 0")
