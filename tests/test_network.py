"""The ``NeuralNetwork`` API exactly as documented: constructor, parameters, feedforward,
loss, gradients, dtype, seeding and the tutorial's plain gradient descent.

Forward values are recomputed in the tests from ``net.parameters()`` with plain NumPy,
so they check the order and layout of the parameters as well as the math.
"""

from __future__ import annotations

import copy
import inspect
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from scipy.special import expit

from playwithnn import Adam, GradientDescent, NeuralNetwork

from conftest import Library

LOSS_NAMES = ["sse", "mse", "binary_crossentropy", "categorical_crossentropy"]
NATURAL_OUTPUT = {
    "sse": "sigmoid",
    "mse": "identity",
    "binary_crossentropy": "sigmoid",
    "categorical_crossentropy": "softmax",
}

# Plain NumPy versions of every activation, written independently of the package.
NP_ACTIVATIONS = {
    "sigmoid": expit,
    "tanh": np.tanh,
    "relu": lambda Z: np.maximum(Z, 0.0),
    "leaky_relu": lambda Z: np.where(Z > 0, Z, 0.01 * Z),
    "identity": lambda Z: Z,
    "softmax": lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))
    / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
}


def manual_forward(params: list[np.ndarray], activations: list[str], X: np.ndarray,
                   bias: bool = True) -> np.ndarray:
    """``A_l = f_l(A_{l-1} W_l + b_l)`` from the flat parameter list ``[W1, b1, W2, b2, ...]``."""
    step = 2 if bias else 1
    A = X
    for i, name in enumerate(activations):
        W = params[step * i]
        Z = A @ W + params[step * i + 1] if bias else A @ W
        A = NP_ACTIVATIONS[name](Z)
    return A


def make_targets(loss: str, n: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    if loss == "categorical_crossentropy":
        return np.eye(n_out)[rng.integers(0, n_out, n)]
    if loss == "mse":
        return rng.normal(size=(n, n_out))
    return rng.integers(0, 2, (n, n_out)).astype(float)


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    return rng.normal(size=(12, 3)), rng.integers(0, 2, (12, 2)).astype(float)


# ---------------------------------------------------------------- constructor
def test_constructor_signature_and_defaults() -> None:
    sig = inspect.signature(NeuralNetwork)
    assert list(sig.parameters) == [
        "layer_sizes", "activation", "output_activation", "loss", "bias", "init", "seed", "dtype", "device",
    ]
    defaults = {name: p.default for name, p in sig.parameters.items()}
    assert defaults["layer_sizes"] is inspect.Parameter.empty
    assert defaults["activation"] == "sigmoid"
    assert defaults["output_activation"] is None
    assert defaults["loss"] == "sse"
    assert defaults["bias"] is True
    assert defaults["init"] is None
    assert defaults["seed"] is None
    assert defaults["dtype"] is np.float64
    assert defaults["device"] is None


def test_defaults_build_the_tutorial_network() -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    assert net.layer_sizes == [3, 4, 1]
    assert net.activation == ["sigmoid"]
    assert net.output_activation == "sigmoid"
    assert net.loss_name == "sse"
    assert net.dtype == np.float64
    X = np.random.default_rng(0).normal(size=(5, 3))
    expected = manual_forward(net.parameters(), ["sigmoid", "sigmoid"], X)
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-14, atol=0)


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_output_activation_none_picks_the_natural_one(loss: str) -> None:
    net = NeuralNetwork([3, 5, 4], activation="tanh", loss=loss, seed=1)
    assert net.output_activation == NATURAL_OUTPUT[loss]
    X = np.random.default_rng(1).normal(size=(6, 3)) * 3
    expected = manual_forward(net.parameters(), ["tanh", NATURAL_OUTPUT[loss]], X)
    # 1e-14: the same formulas evaluated by different NumPy calls differ in the last bits.
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-14, atol=1e-15)


def test_explicit_output_activation_is_used() -> None:
    net = NeuralNetwork([2, 3, 1], activation="relu", output_activation="tanh", loss="mse", seed=2)
    assert net.output_activation == "tanh"
    X = np.random.default_rng(2).normal(size=(7, 2))
    expected = manual_forward(net.parameters(), ["relu", "tanh"], X)
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-14, atol=1e-15)


def test_one_activation_name_applies_to_every_hidden_layer() -> None:
    net = NeuralNetwork([2, 4, 4, 4, 1], activation="leaky_relu", loss="mse", seed=3)
    assert net.activation == ["leaky_relu"] * 3
    X = np.random.default_rng(3).normal(size=(9, 2))
    expected = manual_forward(net.parameters(), ["leaky_relu"] * 3 + ["identity"], X)
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-13, atol=1e-15)


def test_a_list_gives_one_activation_per_hidden_layer() -> None:
    acts = ["tanh", "relu", "sigmoid", "identity"]
    net = NeuralNetwork([3, 5, 4, 6, 2, 3], activation=acts, loss="categorical_crossentropy", seed=4)
    assert net.activation == acts
    X = np.random.default_rng(4).normal(size=(8, 3))
    expected = manual_forward(net.parameters(), [*acts, "softmax"], X)
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-13, atol=1e-15)
    # A tuple works as a list does.
    net2 = NeuralNetwork([3, 5, 4, 6, 2, 3], activation=tuple(acts), loss="categorical_crossentropy",
                         seed=4)
    assert np.array_equal(net2.predict(X), net.predict(X))


def test_network_without_hidden_layers() -> None:
    net = NeuralNetwork([4, 2], loss="mse", seed=5)
    assert net.activation == []
    W, b = net.parameters()
    X = np.random.default_rng(5).normal(size=(3, 4))
    np.testing.assert_allclose(net.predict(X), X @ W + b, rtol=1e-15)


def test_deep_wide_network_shapes() -> None:
    net = NeuralNetwork([2, 16, 16, 16, 3], activation="relu", loss="categorical_crossentropy", seed=0)
    shapes = [p.shape for p in net.parameters()]
    assert shapes == [(2, 16), (16,), (16, 16), (16,), (16, 16), (16,), (16, 3), (3,)]
    out = net.predict(np.ones((10, 2)))
    assert out.shape == (10, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-15)


# ----------------------------------------------------------------- parameters
def test_parameters_order_and_shapes() -> None:
    net = NeuralNetwork([3, 4, 5, 2], seed=0)
    params = net.parameters()
    assert [p.shape for p in params] == [(3, 4), (4,), (4, 5), (5,), (5, 2), (2,)]
    assert all(p.dtype == np.float64 for p in params)
    # Biases start at zero; weights do not.
    for W, b in zip(params[::2], params[1::2]):
        assert np.array_equal(b, np.zeros_like(b))
        assert np.count_nonzero(W) == W.size


def test_parameters_are_live_arrays() -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    first, second = net.parameters(), net.parameters()
    assert all(a is b for a, b in zip(first, second))
    X = np.random.default_rng(0).normal(size=(5, 3))
    before = net.predict(X)
    W1, b1, W2, b2 = net.parameters()
    W2[...] = 0.0
    b2[...] = 2.0  # output = sigmoid(0 + 2) for every sample
    np.testing.assert_allclose(net.predict(X), np.full((5, 1), expit(2.0)), rtol=1e-15)
    assert not np.allclose(net.predict(X), before)
    # In-place writes into W1, b1 change the hidden layer (seen once W2 is nonzero again).
    W2[...] = 1.0
    b2[...] = 0.0
    W1[...] = 0.0
    b1[...] = np.array([1.0, -1.0, 0.5, 0.0])
    expected = expit(expit(np.array([1.0, -1.0, 0.5, 0.0])).sum())
    np.testing.assert_allclose(net.predict(X), np.full((5, 1), expected), rtol=1e-15)


def test_writes_into_parameters_change_loss_and_gradients() -> None:
    net = NeuralNetwork([2, 3, 1], loss="mse", seed=0)
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([[1.0], [0.0]])
    for p in net.parameters():
        p[...] = 0.0
    # All parameters zero: output 0, loss mean(y**2) = 0.5, dL/db2 = 2 * mean(0 - y) = -1.
    assert net.loss(X, y) == 0.5
    grads = net.gradients(X, y)
    assert list(grads) == ["W1", "b1", "W2", "b2"]
    assert grads["b2"][0] == -1.0
    assert np.array_equal(grads["W1"], np.zeros((2, 3)))


def test_bias_false_gives_only_weights() -> None:
    net = NeuralNetwork([3, 4, 2, 1], bias=False, seed=0)
    params = net.parameters()
    assert [p.shape for p in params] == [(3, 4), (4, 2), (2, 1)]
    X = np.random.default_rng(0).normal(size=(5, 3))
    expected = manual_forward(params, ["sigmoid"] * 3, X, bias=False)
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-14)
    # Zero input gives sigmoid(0) = 0.5 in every hidden unit: there is no bias to move it.
    zero_out = net.predict(np.zeros((1, 3)))
    h = expit(np.full((1, 2), 0.5 * params[1].sum(axis=0)))
    np.testing.assert_allclose(zero_out, expit(h @ params[2]), rtol=1e-14)
    grads = net.gradients(X, np.ones((5, 1)))
    # Labelled: without biases the names stay W1, W2, W3 (positions would shift).
    assert {name: g.shape for name, g in grads.items()} == {"W1": (3, 4), "W2": (4, 2), "W3": (2, 1)}
    assert net.parameter_names() == ["W1", "W2", "W3"]


# ---------------------------------------------------------- feedforward, loss
def test_feedforward_and_predict_shapes_and_agree() -> None:
    net = NeuralNetwork([5, 7, 3], activation="relu", loss="mse", seed=0)
    for n in (1, 2, 33):
        X = np.random.default_rng(n).normal(size=(n, 5))
        out = net.feedforward(X)
        assert out.shape == (n, 3)
        assert np.array_equal(net.predict(X), out)


def test_feedforward_accepts_lists_and_integers() -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    X_list = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    out = net.predict(X_list)
    assert out.dtype == np.float64
    assert np.array_equal(out, net.predict(np.array(X_list, dtype=float)))


def test_predict_does_not_change_parameters_or_randomness() -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    params = [p.copy() for p in net.parameters()]
    state = net.rng.bit_generator.state
    X = np.ones((3, 3))
    net.predict(X)
    net.loss(X, np.ones((3, 1)))
    net.gradients(X, np.ones((3, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(params, net.parameters()))
    assert net.rng.bit_generator.state == state


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_loss_returns_a_python_float_with_the_documented_value(loss: str) -> None:
    rng = np.random.default_rng(7)
    net = NeuralNetwork([3, 4, 3], loss=loss, seed=7)
    X = rng.normal(size=(6, 3))
    y = make_targets(loss, 6, 3, rng)
    value = net.loss(X, y)
    assert type(value) is float
    p = net.predict(X)
    formulas: dict[str, Callable[[], Any]] = {
        "sse": lambda: np.sum((y - p) ** 2),
        "mse": lambda: np.mean((y - p) ** 2),
        "binary_crossentropy": lambda: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)),
        "categorical_crossentropy": lambda: -np.sum(y * np.log(p)) / 6,
    }
    expected = formulas[loss]()
    # 1e-13: the cross-entropies are computed from logits, the reference from probabilities.
    assert value == pytest.approx(expected, rel=1e-13)


def test_loss_accepts_1d_targets_for_one_output() -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    X = np.random.default_rng(0).normal(size=(4, 3))
    y = np.array([0.0, 1.0, 1.0, 0.0])
    assert net.loss(X, y) == net.loss(X, y.reshape(-1, 1))
    for g1, g2 in zip(net.gradients(X, y).values(), net.gradients(X, y.reshape(-1, 1)).values()):
        assert np.array_equal(g1, g2)


# ----------------------------------------------------------------- gradients
def test_gradients_are_new_arrays_of_the_parameters_shapes(data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = data
    net = NeuralNetwork([3, 5, 2], seed=0)
    params = net.parameters()
    grads = net.gradients(X, y)
    assert list(grads) == net.parameter_names() == ["W1", "b1", "W2", "b2"]
    for g, p in zip(grads.values(), params):
        assert g.shape == p.shape
        assert g.dtype == p.dtype
        assert g is not p
        assert not np.shares_memory(g, p)
    again = net.gradients(X, y)
    for g, h in zip(grads.values(), again.values()):
        assert g is not h
        assert not np.shares_memory(g, h)
        assert np.array_equal(g, h)
    # Writing into a returned array changes neither the network nor later results.
    grads["W1"][...] = 123.0
    assert np.array_equal(net.gradients(X, y)["W1"], again["W1"])


def test_gradients_are_the_derivative_of_loss(data: tuple[np.ndarray, np.ndarray]) -> None:
    """A short central-difference check: the full proof is in the gradient tests."""
    X, y = data
    net = NeuralNetwork([3, 4, 2], activation="tanh", loss="binary_crossentropy", seed=3)
    grads = net.gradients(X, y)
    h = 1e-6
    for p, g in zip(net.parameters(), grads.values()):
        numeric = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = net.loss(X, y)
            p[idx] = old - h
            down = net.loss(X, y)
            p[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        # Central differences at h = 1e-6 are accurate to about 1e-9 here.
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------- dtype
FLOAT32_OPTIMIZERS = [
    pytest.param({"optimizer": "gd", "learning_rate": 0.5}, id="gd"),
    pytest.param({"optimizer": "sgd", "learning_rate": 0.5, "momentum": 0.9}, id="momentum"),
    pytest.param({"optimizer": "sgd", "learning_rate": 0.5, "momentum": 0.9, "nesterov": True},
                 id="nesterov"),
    pytest.param({"optimizer": "adam", "learning_rate": 0.01}, id="adam"),
    pytest.param({"optimizer": GradientDescent(0.5, momentum=0.5)}, id="gd-object"),
    pytest.param({"optimizer": Adam(0.01)}, id="adam-object"),
]


@pytest.mark.filterwarnings("ignore::playwithnn.TrainingWarning")  # tested in test_diagnostics.py
@pytest.mark.parametrize("options", FLOAT32_OPTIMIZERS)
@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_float32_end_to_end(loss: str, options: dict[str, object]) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))  # float64 input is converted to the network's dtype
    y = make_targets(loss, 20, 2, rng)
    net = NeuralNetwork([3, 6, 5, 2], activation=["relu", "tanh"], loss=loss, seed=0,
                        dtype=np.float32)
    assert net.dtype == np.float32
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.predict(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradients(X, y).values())
    # Every activation kept for backpropagation is float32 too.
    for layer in net.layers:
        assert layer.A is not None and layer.A.dtype == np.float32
    seen: list[list[np.ndarray]] = []
    history = net.fit(
        X, y, epochs=6, batch_size=8, l2=1e-3, dropout=0.2, validation_split=0.25,
        callbacks=lambda e, h, n: seen.append([p.copy() for p in n.parameters()]),
        **options,  # type: ignore[arg-type]
    )
    assert all(p.dtype == np.float32 for snapshot in seen for p in snapshot)
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.predict(X).dtype == np.float32
    assert net.feedforward(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradients(X, y).values())
    assert history.epochs == 6 and len(history.val_loss) == 6
    for value in history.loss + history.val_loss + history.accuracy + history.val_accuracy:
        assert type(value) is float and np.isfinite(value)


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_float32_history_is_the_float32_loss(loss: str) -> None:
    """Full batch: each epoch's loss is the float32 network's loss at the epoch's start."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 2))
    y = make_targets(loss, 10, 3, rng)
    net = NeuralNetwork([2, 4, 3], loss=loss, seed=1, dtype=np.float32)
    expected = [net.loss(X, y)]
    history = net.fit(X, y, epochs=4, learning_rate=0.1,
                      callbacks=lambda e, h, n: expected.append(n.loss(X, y)))
    assert history.loss == expected[:4]
    # The float64 loss of the same initial weights is close but computed differently.
    net64 = NeuralNetwork([2, 4, 3], loss=loss, seed=1, dtype=np.float64)
    assert history.loss[0] == pytest.approx(net64.loss(X, y), rel=1e-5)


def test_float32_optimizer_state_is_float32() -> None:
    X = np.random.default_rng(0).normal(size=(8, 3))
    y = np.ones((8, 1))
    for opt in (GradientDescent(0.1, momentum=0.9), Adam(0.01)):
        net = NeuralNetwork([3, 4, 1], seed=0, dtype=np.float32)
        net.fit(X, y, epochs=3, optimizer=opt)
        arrays = [v for s in opt.state.values() for v in s.values() if isinstance(v, np.ndarray)]
        assert arrays
        assert all(a.dtype == np.float32 for a in arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", np.dtype("float64")])
def test_dtype_spellings(dtype: object) -> None:
    net = NeuralNetwork([2, 2, 1], seed=0, dtype=dtype)  # type: ignore[arg-type]
    assert net.dtype == np.dtype(dtype)  # type: ignore[call-overload]
    assert all(p.dtype == np.dtype(dtype) for p in net.parameters())  # type: ignore[call-overload]


# ----------------------------------------------------------------- seeding
def _train(seed: int | None, **kwargs: object) -> tuple[NeuralNetwork, object]:
    rng = np.random.default_rng(100)
    X = rng.normal(size=(30, 4))
    y = np.eye(3)[rng.integers(0, 3, 30)]
    net = NeuralNetwork([4, 8, 8, 3], activation="relu", loss="categorical_crossentropy", seed=seed,
                        **kwargs)  # type: ignore[arg-type]
    history = net.fit(X, y, epochs=15, optimizer="adam", learning_rate=0.01, batch_size=7,
                      dropout=0.3, validation_split=0.2)
    return net, history


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_seed_is_bit_identical(dtype: type) -> None:
    a = NeuralNetwork([4, 8, 8, 3], activation="relu", loss="categorical_crossentropy", seed=7,
                      dtype=dtype)
    b = NeuralNetwork([4, 8, 8, 3], activation="relu", loss="categorical_crossentropy", seed=7,
                      dtype=dtype)
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    net1, h1 = _train(7, dtype=dtype)
    net2, h2 = _train(7, dtype=dtype)
    assert all(np.array_equal(p, q) for p, q in zip(net1.parameters(), net2.parameters()))
    X = np.random.default_rng(5).normal(size=(9, 4))
    assert np.array_equal(net1.predict(X), net2.predict(X))
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert np.array_equal(h1[key], h2[key])  # type: ignore[index]


def test_seed_accepts_a_generator() -> None:
    a = NeuralNetwork([3, 5, 1], seed=np.random.default_rng(11))
    b = NeuralNetwork([3, 5, 1], seed=np.random.default_rng(11))
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.filterwarnings("ignore::playwithnn.TrainingWarning")  # tested in test_diagnostics.py
def test_different_seeds_differ() -> None:
    a = NeuralNetwork([4, 8, 8, 3], activation="relu", loss="categorical_crossentropy", seed=1)
    b = NeuralNetwork([4, 8, 8, 3], activation="relu", loss="categorical_crossentropy", seed=2)
    assert not any(np.array_equal(p, q) for p, q in zip(a.parameters()[::2], b.parameters()[::2]))
    net1, h1 = _train(1)
    net2, h2 = _train(2)
    X = np.random.default_rng(5).normal(size=(9, 4))
    assert not np.array_equal(net1.predict(X), net2.predict(X))
    assert not np.array_equal(h1.loss, h2.loss)  # type: ignore[attr-defined]


def test_two_networks_do_not_share_randomness() -> None:
    """Building or training one network does not change another's results (no global state)."""
    reference, h_ref = _train(3)
    other = NeuralNetwork([4, 8, 8, 3], seed=99)
    other.fit(np.ones((5, 4)), np.ones((5, 3)) / 3, epochs=2)
    again, h_again = _train(3)
    assert all(np.array_equal(p, q) for p, q in zip(reference.parameters(), again.parameters()))
    assert np.array_equal(h_ref.loss, h_again.loss)  # type: ignore[attr-defined]


# ----------------------------------------------------- the tutorial's update
TUTORIAL_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
TUTORIAL_Y = np.array([[0], [1], [1], [0]], dtype=float)


def test_faithful_mode_is_gradient_descent_with_rate_one() -> None:
    net = NeuralNetwork([3, 4, 1], bias=False, init="uniform", loss="sse", seed=0)
    ref = NeuralNetwork([3, 4, 1], bias=False, init="uniform", loss="sse", seed=0)
    W1, W2 = (p.copy() for p in net.parameters())
    # U[0, 1) weights, no biases.
    assert ((W1 >= 0) & (W1 < 1)).all() and ((W2 >= 0) & (W2 < 1)).all()
    for _ in range(25):
        for p, g in zip(ref.parameters(), ref.gradients(TUTORIAL_X, TUTORIAL_Y).values()):
            p -= 1.0 * g
    history = net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=25, learning_rate=1.0)
    assert history.epochs == 25
    for p, q in zip(net.parameters(), ref.parameters()):
        assert np.array_equal(p, q)


def test_faithful_mode_one_epoch_is_the_articles_update() -> None:
    """``W += 2 (y - y_pred) ...`` as the article writes it, with its learning rate of 1."""
    net = NeuralNetwork([3, 4, 1], bias=False, init="uniform", loss="sse", seed=3)
    W1, W2 = (p.copy() for p in net.parameters())
    layer1 = expit(TUTORIAL_X @ W1)
    output = expit(layer1 @ W2)
    d_weights2 = layer1.T @ (2 * (TUTORIAL_Y - output) * output * (1 - output))
    d_weights1 = TUTORIAL_X.T @ (
        ((2 * (TUTORIAL_Y - output) * output * (1 - output)) @ W2.T) * layer1 * (1 - layer1)
    )
    history = net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=1, learning_rate=1.0)
    # The same arithmetic in a different order: equal to the last few bits.
    np.testing.assert_allclose(net.parameters()[0], W1 + d_weights1, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(net.parameters()[1], W2 + d_weights2, rtol=1e-14, atol=1e-15)
    assert history.loss[0] == pytest.approx(float(np.sum((TUTORIAL_Y - output) ** 2)), rel=1e-14)


def test_default_learning_rate_of_gd_is_the_tutorials() -> None:
    a = NeuralNetwork([3, 4, 1], seed=0)
    b = NeuralNetwork([3, 4, 1], seed=0)
    a.fit(TUTORIAL_X, TUTORIAL_Y, epochs=5)
    b.fit(TUTORIAL_X, TUTORIAL_Y, epochs=5, learning_rate=1.0)
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_fit_returns_loss_per_epoch_that_falls() -> None:
    net = NeuralNetwork([3, 4, 1], seed=1)
    history = net.fit(TUTORIAL_X, TUTORIAL_Y, epochs=1500, learning_rate=1.0)
    assert history.epochs == 1500 and len(history.loss) == 1500
    assert history.loss[-1] < 0.01 * history.loss[0]
    assert np.abs(net.predict(TUTORIAL_X) - TUTORIAL_Y).max() < 0.1


def test_repr_and_config() -> None:
    net = NeuralNetwork([3, 4, 1], activation="tanh", loss="mse", seed=0)
    assert "NeuralNetwork([3, 4, 1]" in repr(net)
    config = net.get_config()
    clone = NeuralNetwork(**config, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(net.parameters(), clone.parameters()))


@pytest.mark.parametrize("copier", [copy.deepcopy, lambda net: pickle.loads(pickle.dumps(net))],
                         ids=["deepcopy", "pickle"])
def test_a_copied_network_still_trains(copier: Any) -> None:
    """Copies keep W, b linked to the flat arrays the optimizer updates: fit changes the copy."""
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    net = NeuralNetwork([3, 4, 1], seed=0)
    net.fit(X, y, epochs=10)
    twin = copier(net)
    np.testing.assert_array_equal(twin.predict(X), net.predict(X))
    before = [p.copy() for p in twin.parameters()]
    history = twin.fit(X, y, epochs=10)
    assert history.loss[-1] < history.loss[0]
    assert all(not np.array_equal(a, b) for a, b in zip(before, twin.parameters()))
    # and the original is untouched by the copy's training
    np.testing.assert_array_equal(net.parameters()[0], before[0])


@pytest.mark.parametrize("loss", ["sse", "binary_crossentropy", "categorical_crossentropy"])
def test_predict_and_loss_keep_no_state(loss: str) -> None:
    """Evaluating never writes into the layers, so it is safe beside a training thread."""
    n_out = 2 if loss == "categorical_crossentropy" else 1
    net = NeuralNetwork([3, 5, n_out], loss=loss, seed=0)
    X = np.random.default_rng(0).standard_normal((6, 3))
    y = np.eye(n_out)[[0, 1, 0, 1, 0, 1]] if n_out == 2 else np.array([[0.0], [1.0]] * 3)
    net.predict(X)
    net.loss(X, y)
    for layer in net.layers:
        assert layer.X is None and layer.A is None


def test_set_parameters_copies_into_the_live_arrays() -> None:
    net, twin = NeuralNetwork([3, 4, 1], seed=0), NeuralNetwork([3, 4, 1], seed=1)
    live = net.parameters()
    net.set_parameters(twin.parameters())
    for p, q, r in zip(live, net.parameters(), twin.parameters()):
        assert p is q  # the same arrays, now holding twin's numbers
        np.testing.assert_array_equal(p, r)
    X = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_array_equal(net.predict(X), twin.predict(X))


@pytest.mark.parametrize(("arrays", "match"), [
    ("short", r"expected 4 arrays \(one per parameter\); got 3"),
    ("transposed", r"arrays\[0\] has shape \(4, 3\); parameter 0 has shape \(3, 4\)"),
    ("nan", r"arrays\[1\] must hold finite numbers"),
    ("text", r"arrays\[3\] must hold finite numbers"),
])
def test_set_parameters_refuses_bad_arrays_and_changes_nothing(arrays: str, match: str) -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    before = [p.copy() for p in net.parameters()]
    good = [p + 1 for p in before]
    bad = {
        "short": good[:3],
        "transposed": [good[0].T, *good[1:]],
        "nan": [good[0], np.full(4, np.nan), *good[2:]],
        "text": [*good[:3], np.array(["1"])],
    }[arrays]
    with pytest.raises(ValueError, match=match):
        net.set_parameters(bad)
    for p, b in zip(net.parameters(), before):
        np.testing.assert_array_equal(p, b)


def test_a_shallow_copy_is_a_whole_new_network() -> None:
    """copy.copy shares nothing: training the original still trains it, and leaves the copy alone."""
    import copy

    X = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    net = NeuralNetwork([3, 4, 1], seed=0)
    twin = copy.copy(net)
    history = net.fit(X, y, epochs=50)
    assert history.loss[-1] < history.loss[0]
    np.testing.assert_array_equal(twin.parameters()[0], NeuralNetwork([3, 4, 1], seed=0).parameters()[0])


# ----------------------------------------------------- where the network computes
def test_the_same_seed_gives_the_same_weights_on_every_library(library: Library) -> None:
    """Drawn on the host with NumPy, then moved: a run on tensors compares with the same run on NumPy."""
    kwargs: dict[str, Any] = {"activation": "relu", "loss": "categorical_crossentropy", "seed": 7}
    here = NeuralNetwork([5, 8, 3], device=library.device, **kwargs)
    numpy_net = NeuralNetwork([5, 8, 3], **kwargs)
    assert here.device == library.device
    for p, q in zip(here.parameters(), numpy_net.parameters()):
        assert library.owns(p)
        np.testing.assert_array_equal(library.numpy(p), q)
    assert library.owns(here.parameter_vector) and library.owns(here.gradient_vector)


def test_the_first_fit_decides_where_the_network_computes(library: Library) -> None:
    X, y = np.random.default_rng(0).normal(size=(8, 3)), np.random.default_rng(1).random((8, 1))
    net = NeuralNetwork([3, 4, 1], seed=0)
    assert net.device is None and all(isinstance(p, np.ndarray) for p in net.parameters())
    net.predict(library.asarray(X))  # predicting does not decide
    assert net.device is None
    net.fit(library.asarray(X), library.asarray(y), epochs=2)
    assert all(library.owns(p) for p in net.parameters())
    assert str(net.device) == str(library.device)
    # Later fits keep it there: data from elsewhere is copied to it.
    net.fit(X, y, epochs=2)
    assert all(library.owns(p) for p in net.parameters())


def test_predictions_come_back_in_the_library_of_the_input(library: Library) -> None:
    X = np.random.default_rng(0).normal(size=(4, 3))
    for where in ("cpu", library.device):
        net = NeuralNetwork([3, 4, 2], loss="categorical_crossentropy", seed=0, device=where)
        from_library, from_numpy = net.predict(library.asarray(X)), net.predict(X)
        assert library.owns(from_library) and isinstance(from_numpy, np.ndarray)
        np.testing.assert_allclose(library.numpy(from_library), from_numpy, rtol=1e-15)
        assert isinstance(net.loss(library.asarray(X), library.asarray(np.eye(2)[[0, 1, 1, 0]])), float)


def test_a_network_on_a_library_copies_and_pickles_with_its_weights(library: Library) -> None:
    X = library.asarray(np.random.default_rng(0).normal(size=(6, 3)))
    y = library.asarray(np.random.default_rng(1).random((6, 1)))
    net = NeuralNetwork([3, 5, 1], seed=0, device=library.device)
    net.fit(X, y, epochs=3, optimizer="adam", learning_rate=0.01)
    for other in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert all(library.owns(p) for p in other.parameters())
        np.testing.assert_array_equal(library.numpy(other.predict(X)), library.numpy(net.predict(X)))
        other.parameters()[0][...] = 0.0  # its own weights, still one vector
        assert float(library.numpy(other.parameter_vector)[0]) == 0.0
        assert float(library.numpy(net.parameter_vector)[0]) != 0.0
        other.fit(X, y, epochs=1)


def test_a_device_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"device must be 'cpu', 'cuda', 'cuda:N'"):
        NeuralNetwork([3, 4, 1], device="gpu")
    with pytest.raises(TypeError, match=r"device must be"):
        NeuralNetwork([3, 4, 1], device=3)


def test_a_sparse_matrix_is_for_numpy_only() -> None:
    import scipy.sparse

    net = NeuralNetwork([3, 4, 1], seed=0, device=torch.device("cpu"))
    with pytest.raises(TypeError, match=r"X is a SciPy sparse matrix, which only a network on NumPy takes"):
        net.predict(scipy.sparse.csr_matrix(np.eye(3)))


def test_to_moves_the_parameters_and_keeps_their_values(library: Library, tutorial_X: np.ndarray,
                                                        tutorial_y: np.ndarray) -> None:
    net = NeuralNetwork([3, 4, 1], seed=0)
    values = [p.copy() for p in net.parameters()]
    assert net.to(library.device) is net and net.device == library.device
    assert all(library.owns(p) for p in net.parameters())
    for p, p0 in zip(net.parameters(), values):
        np.testing.assert_array_equal(library.numpy(p), p0)
    # Views of the flat vectors there, as on NumPy: the update of one moves them all.
    history = net.fit(tutorial_X, tutorial_y, epochs=3, learning_rate=1.0)  # host data, copied there
    assert all(library.owns(p) for p in net.parameters())
    on_numpy = NeuralNetwork([3, 4, 1], seed=0)
    expected = on_numpy.fit(tutorial_X, tutorial_y, epochs=3, learning_rate=1.0)
    np.testing.assert_allclose(history.loss, expected.loss, rtol=1e-12)  # rounding apart (see above)
    assert net.to("cpu") is net and net.device == "cpu"
    assert all(type(p) is np.ndarray for p in net.parameters())
    np.testing.assert_allclose(net.predict(tutorial_X), on_numpy.predict(tutorial_X), rtol=1e-12)
