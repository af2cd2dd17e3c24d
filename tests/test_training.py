"""The training loop of ``NeuralNetwork.fit``: batches, validation, accuracy, early
stopping, callbacks, L2, dropout, Ctrl-C and progress output.

Where the loop's behaviour is hidden inside ``fit``, the tests look at it through
``train_step`` (each batch the loop hands to the network), an optimizer that
records what it is given, or a callback that records copies of the parameters.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from playwithnn import GradientDescent, History, NeuralNetwork, Optimizer, TrainingDivergedError

from conftest import Library


class RecordingNetwork(NeuralNetwork):
    """A network that records every batch the training loop gives it, and its loss."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[np.ndarray] = []
        self.batch_losses: list[float] = []
        self.epoch_of_batch: list[int] = []
        self.epochs_done = 0

    def train_step(self, X: Any, y: Any, optimizer: Any, **kwargs: Any) -> Any:
        self.batches.append(X.copy())
        self.epoch_of_batch.append(self.epochs_done + 1)
        loss, y_pred = super().train_step(X, y, optimizer, **kwargs)
        self.batch_losses.append(loss)
        return loss, y_pred


def count_epochs(epoch: int, history: History, net: NeuralNetwork) -> None:
    assert isinstance(net, RecordingNetwork)
    net.epochs_done = epoch


def ids_of(batch: np.ndarray) -> list[int]:
    """Column 0 of the data below is the sample's index."""
    return [int(i) for i in batch[:, 0]]


def indexed_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(n, dtype=float), rng.normal(size=(n, 2))])
    y = rng.normal(size=(n, 1))
    return X, y


def snapshot(net: NeuralNetwork) -> list[np.ndarray]:
    return [p.copy() for p in net.parameters()]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


# ------------------------------------------------------------ mini-batches
def epoch_orders(net: RecordingNetwork) -> dict[int, list[int]]:
    orders: dict[int, list[int]] = {}
    for epoch, batch in zip(net.epoch_of_batch, net.batches):
        orders.setdefault(epoch, []).extend(ids_of(batch))
    return orders


def test_mini_batches_cover_every_sample_once_per_epoch() -> None:
    X, y = indexed_data(23)
    net = RecordingNetwork([3, 4, 1], loss="mse", seed=0)
    net.fit(X, y, epochs=6, learning_rate=0.01, batch_size=5, callbacks=count_epochs)
    sizes = [len(b) for b in net.batches]
    assert sizes == [5, 5, 5, 5, 3] * 6
    orders = epoch_orders(net)
    assert sorted(orders) == [1, 2, 3, 4, 5, 6]
    for order in orders.values():
        assert sorted(order) == list(range(23))
    # Reshuffled every epoch, not in the data's order.
    assert len({tuple(order) for order in orders.values()}) == 6
    assert all(order != list(range(23)) for order in orders.values())


def test_shuffling_is_reproducible_from_the_seed() -> None:
    X, y = indexed_data(17)
    runs = []
    for seed in (3, 3, 4):
        net = RecordingNetwork([3, 4, 1], loss="mse", seed=seed)
        net.fit(X, y, epochs=4, learning_rate=0.01, batch_size=4, callbacks=count_epochs)
        runs.append(epoch_orders(net))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_shuffle_false_keeps_the_data_order() -> None:
    X, y = indexed_data(10)
    net = RecordingNetwork([3, 4, 1], loss="mse", seed=0)
    state = net.rng.bit_generator.state
    net.fit(X, y, epochs=3, learning_rate=0.01, batch_size=4, shuffle=False, callbacks=count_epochs)
    assert [ids_of(b) for b in net.batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] * 3
    assert net.rng.bit_generator.state == state  # no random numbers drawn


@pytest.mark.parametrize("batch_size", [None, 10, 50])
def test_full_batch_by_default_and_when_batch_size_is_large(batch_size: int | None) -> None:
    X, y = indexed_data(10)
    net = RecordingNetwork([3, 4, 1], loss="mse", seed=0)
    net.fit(X, y, epochs=3, learning_rate=0.01, batch_size=batch_size)
    assert len(net.batches) == 3
    assert all(ids_of(b) == list(range(10)) for b in net.batches)


def test_one_epoch_of_mini_batches_is_one_gradient_step_per_batch() -> None:
    X, y = indexed_data(11)
    net = RecordingNetwork([3, 4, 1], activation="tanh", loss="mse", seed=5)
    reference = NeuralNetwork([3, 4, 1], activation="tanh", loss="mse", seed=5)
    net.fit(X, y, epochs=2, learning_rate=0.1, batch_size=4)
    for batch in net.batches:
        rows = ids_of(batch)
        for p, g in zip(reference.parameters(), reference.gradients(X[rows], y[rows]).values()):
            p -= 0.1 * g
    for p, q in zip(net.parameters(), reference.parameters()):
        # The network updates its parameters as one array: equal to rounding.
        np.testing.assert_allclose(p, q, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_epoch_loss_combines_the_batch_losses(loss: str) -> None:
    """sse adds up the batches' losses; the mean losses are weighted by batch size."""
    X, y = indexed_data(11)
    net = RecordingNetwork([3, 4, 1], loss=loss, seed=0)
    history = net.fit(X, y, epochs=2, learning_rate=0.01, batch_size=4)
    sizes = np.array([len(b) for b in net.batches])
    losses = np.array(net.batch_losses)
    for epoch in range(2):
        part = slice(3 * epoch, 3 * epoch + 3)
        if loss == "sse":
            expected = float(np.sum(losses[part]))
        else:
            expected = float(np.sum(losses[part] * sizes[part]) / 11)
        assert history.loss[epoch] == pytest.approx(expected, rel=1e-15)


def test_full_batch_loss_is_the_loss_at_the_start_of_each_epoch() -> None:
    X, y = indexed_data(8)
    net = NeuralNetwork([3, 4, 1], seed=0)
    expected = [net.loss(X, y)]
    history = net.fit(X, y, epochs=5, callbacks=lambda e, h, n: expected.append(n.loss(X, y)))
    assert history.loss == expected[:5]


# --------------------------------------------------------------- validation
def test_validation_split_holds_out_samples_and_fills_val_loss() -> None:
    X, y = indexed_data(20)
    net = RecordingNetwork([3, 4, 1], loss="mse", seed=0)
    expected: list[float] = []

    def check(epoch: int, history: History, n: NeuralNetwork) -> None:
        count_epochs(epoch, history, n)
        trained = {i for b, e in zip(net.batches, net.epoch_of_batch) if e == epoch for i in ids_of(b)}
        held_out = sorted(set(range(20)) - trained)
        assert len(held_out) == 5  # round(0.25 * 20)
        expected.append(n.loss(X[held_out], y[held_out]))

    history = net.fit(X, y, epochs=4, learning_rate=0.01, batch_size=6, validation_split=0.25,
                      callbacks=check)
    # fit takes the held-out samples in its split's order, and `expected` in sorted order: the
    # mean adds its 5 terms in another order, and the BLAS may compute a row otherwise at another
    # place in the batch, each a change of a few ulp (one was seen: 1.6e-16 relative). 1e-12 allows
    # for these; the loss on other samples, or with other weights, differs in the first digits.
    assert history.val_loss == pytest.approx(expected, rel=1e-12, abs=0)
    trained_sets = [{i for b, e in zip(net.batches, net.epoch_of_batch) if e == k for i in ids_of(b)}
                    for k in range(1, 5)]
    assert all(s == trained_sets[0] for s in trained_sets)  # the same split for every epoch
    # The split is drawn from the seed: another network with the same seed holds out the same samples.
    other = RecordingNetwork([3, 4, 1], loss="mse", seed=0)
    other.fit(X, y, epochs=1, learning_rate=0.01, validation_split=0.25)
    assert set(ids_of(other.batches[0])) == trained_sets[0]


def test_validation_data_fills_val_loss() -> None:
    X, y = indexed_data(12)
    X_val, y_val = indexed_data(5, seed=1)
    net = RecordingNetwork([3, 4, 1], loss="mse", seed=0)
    expected: list[float] = []
    history = net.fit(X, y, epochs=4, learning_rate=0.01, validation_data=(X_val, y_val),
                      validation_split=0.5,  # ignored: validation_data wins
                      callbacks=lambda e, h, n: expected.append(n.loss(X_val, y_val)))
    assert history.val_loss == expected
    assert all(ids_of(b) == list(range(12)) for b in net.batches)
    assert history.accuracy == [] and history.val_accuracy == []


def test_no_validation_leaves_val_loss_empty() -> None:
    X, y = indexed_data(6)
    history = NeuralNetwork([3, 2, 1], loss="mse", seed=0).fit(X, y, epochs=3, learning_rate=0.01)
    assert history.val_loss == [] and history.val_accuracy == []
    assert history.epochs == 3


# ----------------------------------------------------------------- accuracy
def classification_data(loss: str, n: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    if loss == "categorical_crossentropy":
        return X, np.eye(3)[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]
    return X, np.column_stack([X[:, 0] > 0, X[:, 0] + X[:, 1] > 0]).astype(float)


def accuracy(loss: str, y: np.ndarray, p: np.ndarray) -> float:
    if loss == "categorical_crossentropy":
        return float(np.mean(p.argmax(axis=1) == y.argmax(axis=1)))
    return float(np.mean((p > 0.5) == (y > 0.5)))  # per output, as Keras' binary accuracy


@pytest.mark.parametrize("loss", ["binary_crossentropy", "categorical_crossentropy"])
def test_accuracy_is_recorded_for_cross_entropy(loss: str) -> None:
    X, y = classification_data(loss)
    X_val, y_val = classification_data(loss, n=11, seed=1)
    n_out = y.shape[1]
    net = NeuralNetwork([2, 6, n_out], activation="tanh", loss=loss, seed=0)
    train_acc = [accuracy(loss, y, net.predict(X))]
    val_acc: list[float] = []

    def record(epoch: int, history: History, n: NeuralNetwork) -> None:
        train_acc.append(accuracy(loss, y, n.predict(X)))
        val_acc.append(accuracy(loss, y_val, n.predict(X_val)))

    history = net.fit(X, y, epochs=30, learning_rate=1.0, validation_data=(X_val, y_val),
                      callbacks=record)
    # Full batch: the epoch's accuracy is that of the weights at its start (as its loss).
    assert history.accuracy == pytest.approx(train_acc[:30], abs=1e-15)
    assert history.val_accuracy == pytest.approx(val_acc, abs=1e-15)
    assert history.accuracy[-1] > history.accuracy[0]
    assert all(0.0 <= a <= 1.0 for a in history.accuracy + history.val_accuracy)


@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_no_accuracy_for_regression_losses(loss: str) -> None:
    X, y = classification_data("binary_crossentropy")
    history = NeuralNetwork([2, 3, 2], loss=loss, seed=0).fit(
        X, y, epochs=2, learning_rate=0.01, validation_split=0.2)
    assert history.accuracy == [] and history.val_accuracy == []
    assert len(history.val_loss) == 2


# ----------------------------------------------------------- early stopping
def halfway_problem() -> tuple[NeuralNetwork, np.ndarray, np.ndarray, np.ndarray]:
    """A linear model trained from zero towards y, validated against y / 2.

    The predictions move from 0 to y, so the validation loss falls until they
    pass y / 2 and rises after: its minimum is in the middle of training.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    net = NeuralNetwork([3, 1], loss="mse", seed=0)
    for p in net.parameters():
        p[...] = 0.0
    return net, X, y, y / 2


def test_early_stopping_stops_and_restores_the_best_weights() -> None:
    net, X, y, y_val = halfway_problem()
    snapshots: list[list[np.ndarray]] = []
    history = net.fit(X, y, epochs=500, learning_rate=0.05, validation_data=(X, y_val), patience=4,
                      callbacks=lambda e, h, n: snapshots.append(snapshot(n)))
    assert history.stopped_early
    assert not history.interrupted
    best = history.best_epoch
    assert best is not None
    assert best == int(np.argmin(history.val_loss)) + 1
    assert 3 < best < history.epochs
    assert history.epochs == best + 4  # four epochs without improvement
    assert all(v > history.val_loss[best - 1] for v in history.val_loss[best:])
    assert same(net.parameters(), snapshots[best - 1])
    assert not same(net.parameters(), snapshots[-1])
    assert net.loss(X, y_val) == history.val_loss[best - 1]


def test_best_weights_are_restored_even_without_running_out_of_patience() -> None:
    net, X, y, y_val = halfway_problem()
    snapshots: list[list[np.ndarray]] = []
    history = net.fit(X, y, epochs=60, learning_rate=0.05, validation_data=(X, y_val), patience=1000,
                      callbacks=lambda e, h, n: snapshots.append(snapshot(n)))
    assert not history.stopped_early and history.epochs == 60
    assert history.best_epoch is not None and history.best_epoch < 60
    assert same(net.parameters(), snapshots[history.best_epoch - 1])


def test_patience_without_validation_watches_the_training_loss() -> None:
    X, y = indexed_data(10)
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)
    history = net.fit(X, y, epochs=20, learning_rate=0.01, patience=2)
    # Small steps of gradient descent: the training loss falls every epoch.
    assert all(b < a for a, b in zip(history.loss, history.loss[1:]))
    assert not history.stopped_early
    assert history.best_epoch == 20


def test_without_patience_no_best_epoch() -> None:
    net, X, y, y_val = halfway_problem()
    history = net.fit(X, y, epochs=50, learning_rate=0.05, validation_data=(X, y_val))
    assert history.best_epoch is None and not history.stopped_early and history.epochs == 50


# ---------------------------------------------------------------- callbacks
def test_callbacks_get_epoch_history_and_network() -> None:
    X, y = indexed_data(6)
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)
    calls: list[tuple[str, int, int]] = []
    seen: list[Any] = []

    def first(epoch: int, history: History, n: NeuralNetwork) -> None:
        calls.append(("first", epoch, history.epochs))
        seen.append((history, n))

    def second(epoch: int, history: History, n: NeuralNetwork) -> bool:
        calls.append(("second", epoch, len(history.val_loss)))
        return True

    history = net.fit(X, y, epochs=3, learning_rate=0.01, validation_split=0.5,
                      callbacks=[first, second])
    assert calls == [("first", 1, 1), ("second", 1, 1), ("first", 2, 2), ("second", 2, 2),
                     ("first", 3, 3), ("second", 3, 3)]
    assert all(h is history and n is net for h, n in seen)


@pytest.mark.parametrize("callbacks_as", ["single", "list", "tuple"])
def test_a_callback_returning_false_stops_training(callbacks_as: str) -> None:
    X, y = indexed_data(6)
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)
    snapshots: list[list[np.ndarray]] = []

    def stop_at_4(epoch: int, history: History, n: NeuralNetwork) -> bool | None:
        snapshots.append(snapshot(n))
        return False if epoch == 4 else None  # None (no return) carries on

    cbs: Any = {"single": stop_at_4, "list": [stop_at_4], "tuple": (stop_at_4,)}[callbacks_as]
    history = net.fit(X, y, epochs=100, learning_rate=0.01, callbacks=cbs)
    assert history.epochs == 4
    assert history.interrupted and not history.stopped_early
    assert same(net.parameters(), snapshots[-1])


def test_only_false_stops_training() -> None:
    X, y = indexed_data(6)
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)
    history = net.fit(X, y, epochs=5, learning_rate=0.01, callbacks=lambda e, h, n: 0)
    assert history.epochs == 5 and not history.interrupted


# ---------------------------------------------------------------------- L2
class RecordingGD(Optimizer):
    """Gradient descent that keeps a copy of every gradient it is given."""

    def __init__(self, learning_rate: float) -> None:
        super().__init__(learning_rate)
        self.seen: list[np.ndarray] = []

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        # All gradients of one step as one vector, in the order of net.parameters().
        self.seen.append(np.concatenate([g.ravel() for g in grads]))
        super().step(params, grads)

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        param -= self.learning_rate * grad


@pytest.mark.parametrize("loss", ["sse", "mse", "categorical_crossentropy"])
def test_l2_adds_l2_times_w_to_the_weight_gradients(loss: str) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, 3))
    y = np.eye(2)[rng.integers(0, 2, 9)]
    l2 = 0.3
    plain_opt, l2_opt = RecordingGD(0.1), RecordingGD(0.1)
    plain = NeuralNetwork([3, 4, 2], activation="tanh", loss=loss, seed=1)
    regularized = NeuralNetwork([3, 4, 2], activation="tanh", loss=loss, seed=1)
    W_before = snapshot(regularized)
    plain.fit(X, y, epochs=1, optimizer=plain_opt)
    regularized.fit(X, y, epochs=1, optimizer=l2_opt, l2=l2)
    difference = l2_opt.seen[0] - plain_opt.seen[0]
    expected = np.concatenate([
        (l2 * p).ravel() if i % 2 == 0 else np.zeros(p.size)  # weights yes, biases no
        for i, p in enumerate(W_before)
    ])
    # One addition's rounding on gradients of order 1.
    np.testing.assert_allclose(difference, expected, rtol=0, atol=1e-15)
    is_bias = np.concatenate([np.full(p.size, i % 2 == 1) for i, p in enumerate(W_before)])
    assert np.array_equal(difference[is_bias], np.zeros(int(is_bias.sum())))


def test_l2_penalty_is_in_the_training_loss_not_the_validation_loss() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(9, 3)), rng.normal(size=(9, 1))
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)
    W1, _, W2, _ = net.parameters()
    penalty = 0.5 * 0.2 * (np.sum(W1**2) + np.sum(W2**2))
    data_loss = net.loss(X, y)
    history = net.fit(X, y, epochs=1, learning_rate=0.01, l2=0.2, validation_data=(X, y))
    assert history.loss[0] == pytest.approx(data_loss + penalty, rel=1e-14)
    assert history.val_loss[0] == net.loss(X, y)


def test_l2_shrinks_the_weights() -> None:
    X, y = indexed_data(20)
    norms = []
    for l2 in (0.0, 0.1, 1.0):
        net = NeuralNetwork([3, 8, 1], loss="mse", seed=0)
        net.fit(X / 10, y, epochs=300, learning_rate=0.05, l2=l2)
        norms.append(sum(float(np.sum(W**2)) for W in net.parameters()[::2]))
    assert norms[0] > norms[1] > norms[2]


# ----------------------------------------------------------------- dropout
@pytest.mark.filterwarnings("ignore::playwithnn.TrainingWarning")  # tested in test_diagnostics.py
def test_dropout_only_in_training() -> None:
    X, y = indexed_data(16)
    X = X / 10
    with_dropout = NeuralNetwork([3, 16, 16, 1], activation="relu", loss="mse", seed=0)
    without = NeuralNetwork([3, 16, 16, 1], activation="relu", loss="mse", seed=0)
    initial_loss = without.loss(X, y)
    h_drop = with_dropout.fit(X, y, epochs=5, learning_rate=0.01, dropout=0.5)
    h_plain = without.fit(X, y, epochs=5, learning_rate=0.01)
    # Without dropout the first (full-batch) loss is the network's loss; with it, it is not.
    assert h_plain.loss[0] == initial_loss
    assert h_drop.loss[0] != initial_loss
    assert not same(with_dropout.parameters(), without.parameters())
    # Prediction uses no dropout: deterministic, and equal to the plain feedforward.
    first = with_dropout.predict(X)
    assert np.array_equal(with_dropout.predict(X), first)
    W1, b1, W2, b2, W3, b3 = with_dropout.parameters()
    A1 = np.maximum(X @ W1 + b1, 0)
    A2 = np.maximum(A1 @ W2 + b2, 0)
    np.testing.assert_allclose(first, A2 @ W3 + b3, rtol=1e-13, atol=1e-15)
    assert with_dropout.loss(X, y) == with_dropout.loss(X, y)


@pytest.mark.filterwarnings("ignore::playwithnn.TrainingWarning")  # tested in test_diagnostics.py
def test_dropout_is_reproducible_from_the_seed() -> None:
    X, y = indexed_data(16)
    runs = []
    for seed in (0, 0):
        net = NeuralNetwork([3, 16, 1], activation="relu", loss="mse", seed=seed)
        history = net.fit(X / 10, y, epochs=5, learning_rate=0.01, dropout=0.3, batch_size=5)
        runs.append((snapshot(net), history.loss))
    assert same(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]


def test_dropout_leaves_the_output_layer_alone() -> None:
    """With no hidden layer there is nothing to drop: dropout changes nothing."""
    X, y = indexed_data(8)
    a = NeuralNetwork([3, 1], loss="mse", seed=0)
    b = NeuralNetwork([3, 1], loss="mse", seed=0)
    ha = a.fit(X, y, epochs=5, learning_rate=0.01, dropout=0.5)
    hb = b.fit(X, y, epochs=5, learning_rate=0.01)
    assert same(a.parameters(), b.parameters()) and ha.loss == hb.loss


def test_dropout_is_inverted() -> None:
    """Kept units are scaled by 1 / (1 - rate), so the mean training output is unchanged.

    10 000 identity hidden units, each 1, averaged by the output layer: in training
    the output is ``mean(mask) / (1 - rate)``, whose standard deviation is 0.01 here;
    without the scaling it would be about 0.5 and the loss about 0.25.
    """
    k = 10_000
    net = NeuralNetwork([1, k, 1], activation="identity", loss="mse", seed=0)
    W1, b1, W2, b2 = net.parameters()
    W1[...], b1[...], W2[...], b2[...] = 1.0, 0.0, 1.0 / k, 0.0
    history = net.fit(np.ones((1, 1)), np.ones((1, 1)), epochs=1, learning_rate=1e-9, dropout=0.5)
    assert 0.0 < history.loss[0] < 1e-2


# ------------------------------------------------------------------ Ctrl-C
@pytest.fixture
def sigint_handler() -> Any:
    """A handler of our own installed for the test, and the original put back after it."""
    calls: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        calls.append(signum)

    original = signal.signal(signal.SIGINT, handler)
    try:
        yield handler, calls
    finally:
        signal.signal(signal.SIGINT, original)


def test_ctrl_c_stops_after_the_epoch_and_keeps_weights_and_history(sigint_handler: Any) -> None:
    handler, calls = sigint_handler
    X, y = indexed_data(8)
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)
    snapshots: list[list[np.ndarray]] = []

    def press_ctrl_c_at_3(epoch: int, history: History, n: NeuralNetwork) -> None:
        snapshots.append(snapshot(n))
        if epoch == 3:
            signal.raise_signal(signal.SIGINT)

    history = net.fit(X, y, epochs=1000, learning_rate=0.01, callbacks=press_ctrl_c_at_3)
    assert history.epochs == 3 and len(history.loss) == 3
    assert history.interrupted and not history.stopped_early
    assert same(net.parameters(), snapshots[-1])
    assert calls == []  # fit handled it, not the handler that was there before
    assert signal.getsignal(signal.SIGINT) is handler
    # The network trains on normally afterwards.
    assert net.fit(X, y, epochs=2, learning_rate=0.01).epochs == 2


def test_ctrl_c_stops_after_the_current_batch(sigint_handler: Any) -> None:
    handler, calls = sigint_handler
    X, y = indexed_data(12)
    net = RecordingNetwork([3, 4, 1], loss="mse", seed=0)
    original_step = net.train_step
    after: list[list[np.ndarray]] = []

    def step(*args: Any, **kwargs: Any) -> Any:
        result = original_step(*args, **kwargs)
        after.append(snapshot(net))
        if len(net.batches) == 5:  # the second batch of the second epoch
            signal.raise_signal(signal.SIGINT)
        return result

    net.train_step = step  # type: ignore[method-assign]
    history = net.fit(X, y, epochs=50, learning_rate=0.01, batch_size=4, validation_split=0.25)
    assert len(net.batches) == 5  # no batch after the one that was running
    assert history.interrupted and history.epochs == 2
    assert same(net.parameters(), after[-1])
    assert len(history.val_loss) == 2
    assert signal.getsignal(signal.SIGINT) is handler and calls == []


@pytest.fixture
def python_sigint_handler() -> Any:
    """Python's own Ctrl-C handler (it raises KeyboardInterrupt), put back as it was after the test.

    A test run started with SIGINT ignored (under ``nohup``, or as a background job of a shell
    without job control) inherits that: Python then installs no handler, and a Ctrl-C that fit
    hands back to the previous handler would be ignored, not raised.
    """
    original = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, original)


def test_a_second_ctrl_c_interrupts_at_once(python_sigint_handler: Any) -> None:
    X, y = indexed_data(8)
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)

    def press_twice(epoch: int, history: History, n: NeuralNetwork) -> None:
        if epoch == 2:
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)  # goes to Python's default: KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y, epochs=100, learning_rate=0.01, callbacks=press_twice)
    assert signal.getsignal(signal.SIGINT) is python_sigint_handler


def test_handler_is_restored_after_normal_training_and_errors(sigint_handler: Any) -> None:
    handler, _ = sigint_handler
    X, y = indexed_data(8)
    net = NeuralNetwork([3, 4, 1], loss="mse", seed=0)
    net.fit(X, y, epochs=3, learning_rate=0.01)
    assert signal.getsignal(signal.SIGINT) is handler

    def fail(epoch: int, history: History, n: NeuralNetwork) -> None:
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        net.fit(X, y, epochs=3, learning_rate=0.01, callbacks=fail)
    assert signal.getsignal(signal.SIGINT) is handler


CHILD = textwrap.dedent("""
    import numpy as np
    from playwithnn import NeuralNetwork

    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    net = NeuralNetwork([3, 4, 1], seed=0)

    def started(epoch, history, net):
        if epoch == 1:
            print("training", flush=True)

    history = net.fit(X, y, epochs=10**9, callbacks=started)
    print(f"stopped after {history.epochs} epochs, interrupted={history.interrupted}, "
          f"finite={bool(np.isfinite(net.predict(X)).all())}", flush=True)
""")


def test_ctrl_c_in_a_child_process_exits_cleanly() -> None:
    child = subprocess.Popen(
        [sys.executable, "-W", "error", "-c", CHILD],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "training\n"  # fit is running, its handler installed
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    match = re.fullmatch(r"stopped after (\d+) epochs, interrupted=True, finite=True\n", out)
    assert match, out
    assert 1 <= int(match.group(1)) < 10**9
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


# ---------------------------------------------------------------- progress
LINE = re.compile(r"epoch (\d+)/(\d+)  (.*)  \d+\.\ds \(about \d+\.\ds left\)")


def progress_lines(err: str) -> list[re.Match[str]]:
    lines = err.splitlines()
    matches = [LINE.fullmatch(line) for line in lines]
    assert all(matches), err
    return [m for m in matches if m]


def test_verbose_0_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = indexed_data(8)
    NeuralNetwork([3, 4, 1], loss="mse", seed=0).fit(X, y, epochs=3, learning_rate=0.01,
                                                     validation_split=0.25)
    assert capsys.readouterr() == ("", "")


def test_verbose_2_prints_one_line_per_epoch_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = classification_data("categorical_crossentropy")
    net = NeuralNetwork([2, 5, 3], loss="categorical_crossentropy", seed=0)
    history = net.fit(X, y, epochs=4, learning_rate=0.5, validation_split=0.2, verbose=2)
    out, err = capsys.readouterr()
    assert out == ""
    lines = progress_lines(err)
    assert [(int(m.group(1)), int(m.group(2))) for m in lines] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for i, m in enumerate(lines):
        assert m.group(3) == (f"loss {history.loss[i]:.6g}  val_loss {history.val_loss[i]:.6g}  "
                              f"accuracy {history.accuracy[i]:.6g}  "
                              f"val_accuracy {history.val_accuracy[i]:.6g}")


def test_verbose_1_off_a_terminal_behaves_as_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert not sys.stderr.isatty()
    X, y = indexed_data(8)
    outputs = []
    for verbose in (1, 2):
        NeuralNetwork([3, 4, 1], loss="mse", seed=0).fit(X, y, epochs=3, learning_rate=0.01,
                                                         verbose=verbose)
        out, err = capsys.readouterr()
        assert out == ""
        outputs.append([m.group(1, 2, 3) for m in progress_lines(err)])
    assert outputs[0] == outputs[1] and len(outputs[0]) == 3


def test_verbose_1_on_a_terminal_shows_a_progress_bar(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    X, y = indexed_data(8)
    history = NeuralNetwork([3, 4, 1], loss="mse", seed=0).fit(X, y, epochs=5, learning_rate=0.01,
                                                               verbose=1)
    out, err = capsys.readouterr()
    assert out == ""
    assert "5/5" in err  # the epoch counter
    assert re.search(r"\d\d:\d\d<\d\d:\d\d", err)  # elapsed<time left
    assert f"loss={history.loss[-1]:.4g}" in err
    assert "epoch/s" in err
    assert not re.search(r"^epoch 1/5", err, flags=re.MULTILINE)  # not the line-per-epoch output


def test_verbose_2_on_a_terminal_still_prints_lines(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    X, y = indexed_data(8)
    NeuralNetwork([3, 4, 1], loss="mse", seed=0).fit(X, y, epochs=3, learning_rate=0.01, verbose=2)
    assert len(progress_lines(capsys.readouterr().err)) == 3


def test_progress_shows_the_epochs_run_when_stopped_early(capsys: pytest.CaptureFixture[str]) -> None:
    net, X, y, y_val = halfway_problem()
    history = net.fit(X, y, epochs=500, learning_rate=0.05, validation_data=(X, y_val), patience=4,
                      verbose=2)
    lines = progress_lines(capsys.readouterr().err)
    assert len(lines) == history.epochs < 500


def test_history_as_dict_and_indexing() -> None:
    X, y = indexed_data(8)
    history = NeuralNetwork([3, 4, 1], loss="mse", seed=0).fit(X, y, epochs=3, learning_rate=0.01,
                                                               validation_split=0.25)
    d = history.as_dict()
    assert d["loss"] == history["loss"] == history.loss
    assert d["val_loss"] == history.val_loss and len(d["val_loss"]) == 3
    assert d["interrupted"] is False and d["seconds"] >= 0
    with pytest.raises(KeyError):
        history["epochs_run"]


# ------------------------------------------------------- review fixes, pinned
TUTORIAL_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
TUTORIAL_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_l2_with_a_summed_loss_counts_the_penalty_once_per_epoch() -> None:
    """sse adds up its batches; each carries n_batch/n of the penalty, so the epoch's loss
    is the full-batch loss whatever the batch size. A learning rate of 1e-300 leaves the
    weights as they are (to the last bit), so both runs see the same weights."""
    losses = []
    for batch_size in (None, 1, 2):
        net = NeuralNetwork([3, 4, 1], seed=0)
        history = net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=1, learning_rate=1e-300, l2=0.5,
                          batch_size=batch_size, shuffle=False)
        losses.append(history.loss[0])
    penalty = 0.5 * 0.5 * sum(float(np.sum(W**2)) for W in NeuralNetwork([3, 4, 1], seed=0)
                              .parameters()[0::2])
    full = NeuralNetwork([3, 4, 1], seed=0).loss(TUTORIAL_X, TUTORIAL_Y) + penalty
    # the same numbers added in another order: a few units in the last place
    np.testing.assert_allclose(losses, [full] * 3, rtol=1e-14)


def test_every_callback_sees_the_epoch_that_stops_training() -> None:
    seen: list[tuple[str, int]] = []

    def stop(epoch: int, history: History, net: NeuralNetwork) -> bool:
        seen.append(("stop", epoch))
        return epoch < 2

    def watch(epoch: int, history: History, net: NeuralNetwork) -> None:
        seen.append(("watch", epoch))

    history = NeuralNetwork([3, 4, 1], seed=0).fit(TUTORIAL_X, TUTORIAL_Y, epochs=10,
                                                   callbacks=[stop, watch])
    assert history.epochs == 2 and history.interrupted
    assert seen == [("stop", 1), ("watch", 1), ("stop", 2), ("watch", 2)]


class _InterruptAtStep(Optimizer):
    """Plain gradient descent that presses Ctrl-C at one step."""

    def __init__(self, step: int) -> None:
        super().__init__(0.1)
        self.at, self.steps = step, 0

    def update(self, param: Any, grad: Any, state: dict[str, Any]) -> None:
        param -= self.learning_rate * grad
        self.steps += 1
        if self.steps == self.at:
            signal.raise_signal(signal.SIGINT)


def test_an_interrupted_epoch_does_not_count_for_early_stopping() -> None:
    """The partial epoch's summed loss covers fewer samples, so it would look best."""
    net = NeuralNetwork([3, 4, 1], seed=0)
    history = net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=10, optimizer=_InterruptAtStep(4 * 3 + 1),
                      batch_size=1, patience=5, shuffle=False)
    assert history.interrupted and history.epochs == 4
    assert history.loss[3] < min(history.loss[:3])  # one sample of four: smaller
    assert history.best_epoch == 3


def test_min_delta_sets_what_counts_as_an_improvement() -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    history = net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=50, patience=2, min_delta=1e9)
    assert history.loss[1] < history.loss[0]  # it did improve, by less than min_delta
    assert history.stopped_early and history.epochs == 3 and history.best_epoch == 1
    with pytest.raises(ValueError, match="min_delta must be a non-negative"):
        net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=1, patience=2, min_delta=-1.0)


def test_best_lowest_counts_patience_from_the_lowest_loss_so_far() -> None:
    """scikit-learn's rule: each epoch must beat the lowest loss so far by min_delta.

    At learning rate 0.01 the tutorial's loss falls by 1.07e-4 to 1.34e-4 an epoch
    over these 12 epochs: less than min_delta=2e-4 each time, more than it over
    any two epochs. Measured from the last epoch that improved, every second epoch
    improves and patience never runs out; measured from the lowest loss so far,
    no epoch after the first improves.
    """
    def run(best: str) -> History:
        return NeuralNetwork([3, 4, 1], seed=0).fit(
            TUTORIAL_X, TUTORIAL_Y, epochs=12, learning_rate=0.01, patience=3, min_delta=2e-4,
            best=best)

    keras = run("improvement")
    assert all(0 < a - b < 2e-4 < a - c
               for a, b, c in zip(keras.loss, keras.loss[1:], keras.loss[2:]))
    assert not keras.stopped_early and keras.epochs == 12 and keras.best_epoch == 11
    lowest = run("lowest")
    assert lowest.loss == keras.loss[:4]
    assert lowest.stopped_early and lowest.epochs == 4  # 1 improvement + 3 epochs without
    assert lowest.best_epoch == 4  # the lowest loss, though not an improvement by min_delta


def test_best_lowest_restores_the_lowest_loss_not_the_last_improvement() -> None:
    """The halfway problem's validation loss falls to its minimum at epoch 8, the last
    step down by 0.0066 (epoch 7 by 0.024), then rises. With min_delta=0.01 epoch 7
    is the last improvement, epoch 8 the lowest; both rules stop 4 epochs after 7."""
    def run(best: str) -> History:
        net, X, y, y_val = halfway_problem()
        snapshots: list[list[np.ndarray]] = []
        history = net.fit(X, y, epochs=100, learning_rate=0.05, validation_data=(X, y_val),
                          patience=4, min_delta=0.01, best=best,
                          callbacks=lambda e, h, n: snapshots.append(snapshot(n)))
        assert history.best_epoch is not None
        assert same(net.parameters(), snapshots[history.best_epoch - 1])
        return history

    results = {best: run(best) for best in ("improvement", "lowest")}
    assert int(np.argmin(results["lowest"].val_loss)) + 1 == 8
    assert results["improvement"].best_epoch == 7 and results["lowest"].best_epoch == 8
    assert results["improvement"].epochs == results["lowest"].epochs == 11


def test_restore_best_false_keeps_the_last_weights() -> None:
    net, X, y, y_val = halfway_problem()
    snapshots: list[list[np.ndarray]] = []
    history = net.fit(X, y, epochs=500, learning_rate=0.05, validation_data=(X, y_val), patience=4,
                      restore_best=False, callbacks=lambda e, h, n: snapshots.append(snapshot(n)))
    # The same run as with restore_best=True (test_early_stopping_stops_and_restores_the_best_weights)
    assert history.stopped_early and history.best_epoch == 8 and history.epochs == 12
    assert same(net.parameters(), snapshots[-1])
    assert not same(net.parameters(), snapshots[history.best_epoch - 1])
    assert net.loss(X, y_val) == history.val_loss[-1]


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"best": "highest"}, ValueError, "best must be 'improvement' or 'lowest'; got 'highest'"),
        ({"best": None}, TypeError, "best must be 'improvement' or 'lowest'; got None"),
        ({"restore_best": "no"}, TypeError, "restore_best must be True or False; got 'no'"),
    ],
)
def test_best_and_restore_best_are_checked(options: dict[str, Any], error: type[Exception],
                                           match: str) -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    before = snapshot(net)
    with pytest.raises(error, match=match):
        net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=1, patience=2, **options)
    assert same(net.parameters(), before)


@pytest.mark.parametrize("loss", ["sse", "mse", "binary_crossentropy"])
def test_sample_weights_train_as_repeated_samples(loss: str) -> None:
    """Full-batch training with integer weights is training on the samples repeated that often.

    The same sums in another order: the weights agree to rtol 1e-10 after 20 epochs.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    y = (rng.random((6, 1)) > 0.5).astype(float)
    weights = np.array([1, 2, 3, 1, 0, 2])
    repeat = np.repeat(np.arange(6), weights)
    weighted = NeuralNetwork([3, 4, 1], loss=loss, seed=0)
    repeated = NeuralNetwork([3, 4, 1], loss=loss, seed=0)
    h_w = weighted.fit(X, y, epochs=20, learning_rate=0.1, sample_weight=weights)
    h_r = repeated.fit(X[repeat], y[repeat], epochs=20, learning_rate=0.1)
    np.testing.assert_allclose(h_w.loss, h_r.loss, rtol=1e-10)
    for a, b in zip(weighted.parameters(), repeated.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    assert weighted.loss(X, y, sample_weight=weights) == pytest.approx(repeated.loss(X[repeat], y[repeat]),
                                                                        rel=1e-12)


@pytest.mark.parametrize(("weights", "message"), [
    ([1.0, 2.0], "sample_weight has 2 weights but there are 4 samples"),
    ([1.0, -1.0, 1.0, 1.0], "sample_weight must not be negative"),
    ([0.0, 0.0, 0.0, 0.0], "sample_weight are all zero"),
    ([1.0, np.nan, 1.0, 1.0], "sample_weight contains NaN"),
])
def test_bad_sample_weights_are_refused(weights: list[float], message: str) -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    before = [p.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match=message):
        net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=2, sample_weight=weights)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))


# ---------------------------------------------------------- on every array library
LIBRARY_RUNS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # id: (network, fit options): every option of the loop, on the library's arrays
    "sgd-momentum-shuffled": ({"activation": "tanh", "loss": "mse"},
                              {"optimizer": "sgd", "momentum": 0.9, "nesterov": True, "batch_size": 5,
                               "learning_rate": 0.05}),
    "adam-split-l2-accuracy": ({"activation": "relu", "loss": "categorical_crossentropy"},
                               {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 7,
                                "validation_split": 0.25, "l2": 1e-3}),
    "dropout-patience-weights": ({"activation": "leaky_relu", "loss": "binary_crossentropy"},
                                 {"learning_rate": 0.5, "batch_size": 6, "dropout": 0.3, "patience": 2,
                                  "min_delta": 1e-3, "sample_weight": "weights",
                                  "validation_data": "held out"}),
    "full-batch-sse": ({"activation": "sigmoid", "loss": "sse"}, {"learning_rate": 0.5}),
}


@pytest.mark.filterwarnings("ignore::playwithnn.TrainingWarning")  # tested in test_diagnostics.py
@pytest.mark.parametrize("run", list(LIBRARY_RUNS))
def test_training_on_a_library_is_training_on_numpy(library: Library, run: str) -> None:
    """The same seed, data and options give the same history and weights on every library.

    Shuffled orders, validation splits and dropout masks are drawn on the host from the one
    seed, so both runs see the same batches; the sums differ in order only: rtol 1e-9.
    """
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(24, 3)), rng.normal(size=(24, 2))
    config, options = LIBRARY_RUNS[run]
    if config["loss"] == "categorical_crossentropy":
        y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    elif config["loss"] == "binary_crossentropy":
        y = (y > 0).astype(float)
    held_out = (rng.normal(size=(6, 3)), (rng.random((6, 2)) > 0.5).astype(float))
    weights = rng.random(24) + 0.5

    def fit(net: NeuralNetwork, arrays: Callable[[Any], Any]) -> History:
        kwargs = dict(options)
        if kwargs.get("sample_weight") == "weights":
            kwargs["sample_weight"] = arrays(weights)
        if kwargs.get("validation_data") == "held out":
            kwargs["validation_data"] = tuple(arrays(a) for a in held_out)
        return net.fit(arrays(X), arrays(y), epochs=12, **kwargs)

    ours = NeuralNetwork([3, 6, 2], seed=3, **config)
    numpy_net = NeuralNetwork([3, 6, 2], seed=3, **config)
    history, expected = fit(ours, library.asarray), fit(numpy_net, np.asarray)
    assert all(library.owns(p) for p in ours.parameters())
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert len(history[key]) == len(expected[key])
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-9, err_msg=key)
    assert (history.best_epoch, history.stopped_early) == (expected.best_epoch, expected.stopped_early)
    for p, q in zip(ours.parameters(), numpy_net.parameters()):
        np.testing.assert_allclose(library.numpy(p), q, rtol=1e-9, atol=1e-12)


class ReadCounting:
    """Counts the numbers a run reads back from its arrays: ``float()`` and ``bool()`` of a 0-d array."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import torch

        self.reads = 0
        for method in ("__float__", "__bool__", "item"):
            original = getattr(torch.Tensor, method)

            def counted(tensor: Any, *args: Any, _original: Any = original) -> Any:
                self.reads += 1
                return _original(tensor, *args)

            monkeypatch.setattr(torch.Tensor, method, counted)


def test_a_gpu_library_is_read_once_per_epoch_not_once_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """No synchronisation per batch: a fit of 10 batches an epoch reads as much as one of 1."""
    import torch

    rng = np.random.default_rng(0)
    X, y = torch.tensor(rng.normal(size=(40, 3))), torch.tensor(np.eye(2)[rng.integers(0, 2, 40)])
    reads = {}
    for batch_size in (40, 4):
        net = NeuralNetwork([3, 5, 2], loss="categorical_crossentropy", seed=0, device=torch.device("cpu"))
        counter = ReadCounting(monkeypatch)
        net.fit(X, y, epochs=3, batch_size=batch_size, optimizer="adam")
        reads[batch_size] = counter.reads
        monkeypatch.undo()
    assert reads[4] == reads[40]
    assert reads[40] <= 2 + 3 * 3  # checking the data, and per epoch: finiteness, loss, accuracy


@pytest.mark.parametrize("name", ["array_api_strict", "torch"])
def test_a_diverging_epoch_is_undone_away_from_numpy(name: str) -> None:
    """Checked once per epoch, at its end: the weights and the optimizer's state go back to its start."""
    library = Library(name)
    rng = np.random.default_rng(0)
    X, y = library.asarray(rng.normal(size=(32, 3))), library.asarray(rng.normal(size=(32, 1)))
    net = NeuralNetwork([3, 8, 1], activation="relu", loss="mse", seed=0, device=library.device)
    optimizer = GradientDescent(learning_rate=0.2, momentum=0.9)  # diverges in the third epoch
    after_each_epoch: list[tuple[list[np.ndarray], np.ndarray | None]] = []

    def record(epoch: int, history: History, net: NeuralNetwork) -> None:
        velocity = optimizer.state.get(0, {}).get("velocity")
        after_each_epoch.append(([library.numpy(p).copy() for p in net.parameters()],
                                 None if velocity is None else library.numpy(velocity).copy()))

    with pytest.raises(TrainingDivergedError, match=r"training diverged in epoch (\d+): .*The weights are "
                                                    r"put back as they were before that epoch") as caught:
        net.fit(X, y, epochs=200, batch_size=4, optimizer=optimizer, callbacks=record)
    epoch = int(re.search(r"epoch (\d+)", str(caught.value)).group(1))  # type: ignore[union-attr]
    assert epoch > 1 and caught.value.history is not None and caught.value.history.epochs == epoch - 1
    params, velocity = after_each_epoch[-1]
    for p, q in zip(net.parameters(), params):
        np.testing.assert_array_equal(library.numpy(p), q)
    np.testing.assert_array_equal(library.numpy(optimizer.state[0]["velocity"]), velocity)
    net.fit(X, y, epochs=1, learning_rate=1e-3)  # and it trains on
