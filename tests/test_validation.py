"""Bad input, numerical stability and divergence.

Every bad input gets a ``ValueError`` or ``TypeError`` whose message names the
argument, and leaves the network as it was: the same parameters and the same state
of its random generator. The bad inputs are listed as data below so that they can
be counted (:func:`test_count_of_bad_inputs`).
"""

from __future__ import annotations

import signal
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from playwithnn import Adam, GradientDescent, NeuralNetwork, TrainingDivergedError

from conftest import LIBRARIES, Library

N_SAMPLES, N_FEATURES, N_OUTPUTS = 6, 3, 2
GOOD_X = np.arange(N_SAMPLES * N_FEATURES, dtype=float).reshape(N_SAMPLES, N_FEATURES) / 10
GOOD_Y = np.eye(N_OUTPUTS)[[0, 1, 0, 1, 1, 0]]


def _with(array: np.ndarray, index: tuple[int, int], value: float) -> np.ndarray:
    out = array.copy()
    out[index] = value
    return out


def _objects(rows: list[list[Any]]) -> np.ndarray:
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            out[i, j] = v
    return out


# ----------------------------------------------------------- the bad inputs
# (id, kwargs for NeuralNetwork, exception, regex that the message must match)
BAD_CONSTRUCTOR = [
    ("layer_sizes-one-entry", {"layer_sizes": [3]}, ValueError, r"layer_sizes.*at least 2"),
    ("layer_sizes-empty", {"layer_sizes": []}, ValueError, r"layer_sizes.*at least 2"),
    ("layer_sizes-zero-hidden", {"layer_sizes": [3, 0, 1]}, ValueError, r"layer_sizes\[1\].*at least 1"),
    ("layer_sizes-negative", {"layer_sizes": [3, -2, 1]}, ValueError, r"layer_sizes\[1\].*at least 1"),
    ("layer_sizes-zero-inputs", {"layer_sizes": [0, 4, 1]}, ValueError, r"layer_sizes\[0\]"),
    ("layer_sizes-zero-outputs", {"layer_sizes": [3, 4, 0]}, ValueError, r"layer_sizes\[2\]"),
    ("layer_sizes-float", {"layer_sizes": [3, 4.0, 1]}, TypeError, r"layer_sizes\[1\].*integer"),
    ("layer_sizes-fraction", {"layer_sizes": [3, 4.5, 1]}, TypeError, r"layer_sizes\[1\].*integer"),
    ("layer_sizes-string-entry", {"layer_sizes": [3, "4", 1]}, TypeError, r"layer_sizes\[1\]"),
    ("layer_sizes-bool-entry", {"layer_sizes": [3, True, 1]}, TypeError, r"layer_sizes\[1\]"),
    ("layer_sizes-none-entry", {"layer_sizes": [3, None, 1]}, TypeError, r"layer_sizes\[1\]"),
    ("layer_sizes-string", {"layer_sizes": "341"}, TypeError, r"layer_sizes.*list of integers"),
    ("layer_sizes-int", {"layer_sizes": 3}, TypeError, r"layer_sizes.*list of integers"),
    ("layer_sizes-none", {"layer_sizes": None}, TypeError, r"layer_sizes.*list of integers"),
    ("activation-unknown", {"activation": "sigmoidd"}, ValueError, r"unknown activation 'sigmoidd'"),
    ("activation-wrong-case", {"activation": "ReLU"}, ValueError, r"unknown activation 'ReLU'"),
    ("activation-softmax-hidden", {"activation": "softmax"}, ValueError,
     r"activation 'softmax'.*output layer"),
    ("activation-list-softmax", {"layer_sizes": [3, 4, 4, 2], "activation": ["relu", "softmax"]},
     ValueError, r"activation\[1\] 'softmax'.*output layer"),
    ("activation-list-unknown", {"layer_sizes": [3, 4, 4, 2], "activation": ["relu", "swish"]},
     ValueError, r"unknown activation\[1\] 'swish'"),
    ("activation-list-too-short", {"layer_sizes": [3, 4, 4, 2], "activation": ["relu"]}, ValueError,
     r"activation has 1 entries.*2 hidden layers"),
    ("activation-list-too-long", {"activation": ["relu", "tanh"]}, ValueError,
     r"activation has 2 entries.*1 hidden layers"),
    ("activation-number", {"activation": 5}, TypeError, r"activation must be"),
    ("activation-none", {"activation": None}, TypeError, r"activation must be"),
    ("activation-list-number", {"activation": [5]}, TypeError, r"activation\[0\] must be a string"),
    ("output_activation-unknown", {"output_activation": "sigmod"}, ValueError,
     r"unknown output_activation 'sigmod'"),
    ("output_activation-number", {"output_activation": 1}, TypeError, r"output_activation must be"),
    ("loss-unknown", {"loss": "cross_entropy"}, ValueError, r"unknown loss 'cross_entropy'"),
    ("loss-number", {"loss": 2}, TypeError, r"loss must be"),
    ("loss-none", {"loss": None}, TypeError, r"loss must be"),
    ("init-unknown", {"init": "xavier"}, ValueError, r"unknown init 'xavier'"),
    ("init-number", {"init": 0.1}, TypeError, r"init must be"),
    ("bce-with-identity", {"loss": "binary_crossentropy", "output_activation": "identity"}, ValueError,
     r"loss 'binary_crossentropy' needs output_activation='sigmoid'"),
    ("bce-with-softmax", {"loss": "binary_crossentropy", "output_activation": "softmax"}, ValueError,
     r"loss 'binary_crossentropy' needs output_activation='sigmoid'"),
    ("cce-with-sigmoid", {"loss": "categorical_crossentropy", "output_activation": "sigmoid"},
     ValueError, r"loss 'categorical_crossentropy' needs output_activation='softmax'"),
    ("cce-with-tanh", {"loss": "categorical_crossentropy", "output_activation": "tanh"}, ValueError,
     r"loss 'categorical_crossentropy' needs output_activation='softmax'"),
    ("softmax-one-unit", {"layer_sizes": [3, 4, 1], "loss": "categorical_crossentropy"}, ValueError,
     r"softmax.*layer_sizes\[-1\]"),
    ("bias-string", {"bias": "yes"}, TypeError, r"bias must be True or False"),
    ("bias-none", {"bias": None}, TypeError, r"bias must be True or False"),
    ("seed-string", {"seed": "abc"}, TypeError, r"seed must be"),
    ("seed-float", {"seed": 1.5}, TypeError, r"seed must be"),
    ("seed-bool", {"seed": True}, TypeError, r"seed must be"),
    ("seed-negative", {"seed": -1}, ValueError, r"seed"),
    ("dtype-int", {"dtype": np.int32}, ValueError, r"dtype must be numpy.float32 or numpy.float64"),
    ("dtype-float16", {"dtype": np.float16}, ValueError, r"dtype must be numpy.float32 or numpy.float64"),
    ("dtype-complex", {"dtype": np.complex128}, ValueError, r"dtype must be numpy.float32"),
    ("dtype-object", {"dtype": object}, ValueError, r"dtype must be numpy.float32"),
    ("dtype-longdouble", {"dtype": np.longdouble}, ValueError, r"dtype must be numpy.float32"),
    ("dtype-nonsense", {"dtype": "nonsense"}, TypeError, r"dtype must be numpy.float32"),
]

# (id, X, y, exception, regex). Tried on fit, loss and gradients; the X-only ones
# (y is GOOD_Y) also on predict and feedforward.
BAD_DATA: list[tuple[str, Any, Any, type[Exception], str]] = [
    ("X-1d", np.zeros(N_FEATURES), GOOD_Y, ValueError, r"X must be a 2-D array.*got 1-D.*reshape"),
    ("X-3d", np.zeros((N_SAMPLES, N_FEATURES, 1)), GOOD_Y, ValueError, r"X must be a 2-D.*got 3-D"),
    ("X-scalar", 5.0, GOOD_Y, ValueError, r"X must be a 2-D.*got 0-D"),
    ("X-too-few-features", GOOD_X[:, :2], GOOD_Y, ValueError,
     r"X has 2 columns but the network expects 3 \(layer_sizes\[0\]\)"),
    ("X-too-many-features", np.hstack([GOOD_X, GOOD_X]), GOOD_Y, ValueError,
     r"X has 6 columns but the network expects 3 \(layer_sizes\[0\]\)"),
    ("X-nan", _with(GOOD_X, (2, 1), np.nan), GOOD_Y, ValueError, r"X contains NaN or infinity"),
    ("X-inf", _with(GOOD_X, (0, 0), np.inf), GOOD_Y, ValueError, r"X contains NaN or infinity"),
    ("X-minus-inf", _with(GOOD_X, (5, 2), -np.inf), GOOD_Y, ValueError, r"X contains NaN or infinity"),
    ("X-empty", np.zeros((0, N_FEATURES)), GOOD_Y[:0], ValueError, r"X is empty"),
    ("X-empty-list", [], GOOD_Y, ValueError, r"X must be a 2-D"),
    ("X-strings", np.full((N_SAMPLES, N_FEATURES), "a"), GOOD_Y, TypeError, r"X must contain numbers"),
    ("X-numeric-strings", GOOD_X.astype(str), GOOD_Y, TypeError, r"X must contain numbers"),
    ("X-mixed-list", [[1, "a", 2]] * N_SAMPLES, GOOD_Y, TypeError, r"X must contain numbers"),
    # None is read as a missing value (NaN), as pandas and scikit-learn read it.
    ("X-none-entries", _objects([[1.0, None, 2.0]] * N_SAMPLES), GOOD_Y, ValueError,
     r"X contains NaN"),
    ("X-dict-entries", _objects([[1.0, {"a": 1}, 2.0]] * N_SAMPLES), GOOD_Y, TypeError,
     r"X must contain only numbers"),
    ("X-object-numeric-strings", _objects([[1.0, "1.5", 2.0]] * N_SAMPLES), GOOD_Y, TypeError,
     r"X must contain only numbers; it holds text such as '1.5'"),
    ("X-none", None, GOOD_Y, ValueError, r"X must be a 2-D.*got 0-D"),
    ("X-a-string", "0 0 1", GOOD_Y, TypeError, r"X must be an array of numbers"),
    ("X-bytes", b"\x00\x01", GOOD_Y, TypeError, r"X must be an array of numbers"),
    ("X-complex", GOOD_X + 1j, GOOD_Y, TypeError, r"X must contain numbers.*complex"),
    ("X-datetime", np.full((N_SAMPLES, N_FEATURES), np.datetime64("2020-01-01")), GOOD_Y, TypeError,
     r"X must contain numbers.*datetime"),
    ("X-ragged", [[0, 0, 1], [0, 1], [1, 0, 1], [1, 1, 1], [0, 0, 0], [1, 1, 0]], GOOD_Y, ValueError,
     r"X could not be read as an array.*different lengths"),
    ("rows-differ", GOOD_X, GOOD_Y[:5], ValueError, r"X has 6 samples but y has 5"),
    ("rows-differ-more-y", GOOD_X, np.vstack([GOOD_Y, GOOD_Y]), ValueError,
     r"X has 6 samples but y has 12"),
    ("y-too-wide", GOOD_X, np.ones((N_SAMPLES, 3)), ValueError,
     r"y has 3 columns but the network expects 2 \(layer_sizes\[-1\]\)"),
    ("y-too-narrow", GOOD_X, np.ones((N_SAMPLES, 1)), ValueError,
     r"y has 1 columns but the network expects 2 \(layer_sizes\[-1\]\)"),
    ("y-1d-for-two-outputs", GOOD_X, np.ones(N_SAMPLES), ValueError, r"y must be a 2-D.*got 1-D"),
    ("y-3d", GOOD_X, np.ones((N_SAMPLES, 2, 1)), ValueError, r"y must be a 2-D.*got 3-D"),
    ("y-nan", GOOD_X, _with(GOOD_Y, (3, 0), np.nan), ValueError, r"y contains NaN or infinity"),
    ("y-inf", GOOD_X, _with(GOOD_Y, (0, 1), np.inf), ValueError, r"y contains NaN or infinity"),
    ("y-minus-inf", GOOD_X, _with(GOOD_Y, (1, 1), -np.inf), ValueError, r"y contains NaN or infinity"),
    ("y-empty", GOOD_X, np.zeros((0, N_OUTPUTS)), ValueError, r"y is empty"),
    ("y-strings", GOOD_X, np.array([["cat", "dog"]] * N_SAMPLES), TypeError, r"y must contain numbers"),
    ("y-none-entries", GOOD_X, _objects([[0.0, None]] * N_SAMPLES), ValueError,
     r"y contains NaN"),
    ("y-none", GOOD_X, None, ValueError, r"y must be a 2-D.*got 0-D"),
    ("y-ragged", GOOD_X, [[0, 1], [1], [0, 1], [1, 0], [0, 1], [1, 0]], ValueError,
     r"y could not be read as an array"),
]
X_ONLY = [case for case in BAD_DATA if case[2] is GOOD_Y]

# (id, fit keyword arguments, exception, regex). fit(GOOD_X, GOOD_Y, **kwargs).
BAD_FIT: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("learning_rate-zero", {"learning_rate": 0}, ValueError, r"learning_rate must be a positive"),
    ("learning_rate-negative", {"learning_rate": -0.1}, ValueError, r"learning_rate must be a positive"),
    ("learning_rate-nan", {"learning_rate": float("nan")}, ValueError, r"learning_rate.*finite"),
    ("learning_rate-inf", {"learning_rate": float("inf")}, ValueError, r"learning_rate.*finite"),
    ("learning_rate-string", {"learning_rate": "0.1"}, TypeError, r"learning_rate must be a positive"),
    ("learning_rate-bool", {"learning_rate": True}, TypeError, r"learning_rate must be a positive"),
    ("learning_rate-complex", {"learning_rate": 0.1j}, TypeError, r"learning_rate"),
    ("learning_rate-adam-zero", {"optimizer": "adam", "learning_rate": 0.0}, ValueError,
     r"learning_rate must be a positive"),
    ("epochs-zero", {"epochs": 0}, ValueError, r"epochs must be a positive integer; got 0"),
    ("epochs-negative", {"epochs": -3}, ValueError, r"epochs must be a positive integer"),
    ("epochs-float", {"epochs": 2.5}, TypeError, r"epochs must be a positive integer"),
    ("epochs-whole-float", {"epochs": 10.0}, TypeError, r"epochs must be a positive integer"),
    ("epochs-string", {"epochs": "10"}, TypeError, r"epochs must be a positive integer"),
    ("epochs-none", {"epochs": None}, TypeError, r"epochs must be a positive integer"),
    ("epochs-bool", {"epochs": True}, TypeError, r"epochs must be a positive integer"),
    ("batch_size-zero", {"batch_size": 0}, ValueError, r"batch_size must be a positive integer"),
    ("batch_size-negative", {"batch_size": -4}, ValueError, r"batch_size must be a positive integer"),
    ("batch_size-float", {"batch_size": 2.5}, TypeError, r"batch_size must be a positive integer"),
    ("batch_size-string", {"batch_size": "32"}, TypeError, r"batch_size must be a positive integer"),
    ("dropout-negative", {"dropout": -0.1}, ValueError, r"dropout must be in \[0, 1\)"),
    ("dropout-one", {"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\)"),
    ("dropout-above-one", {"dropout": 1.5}, ValueError, r"dropout must be in \[0, 1\)"),
    ("dropout-nan", {"dropout": float("nan")}, ValueError, r"dropout must be in \[0, 1\)"),
    ("dropout-string", {"dropout": "0.5"}, TypeError, r"dropout must be a number"),
    ("validation_split-negative", {"validation_split": -0.2}, ValueError,
     r"validation_split must be in \[0, 1\)"),
    ("validation_split-one", {"validation_split": 1.0}, ValueError, r"validation_split must be in \[0, 1\)"),
    ("validation_split-string", {"validation_split": "0.2"}, TypeError, r"validation_split must be"),
    ("validation_split-no-samples", {"validation_split": 0.01}, ValueError,
     r"validation_split=0.01 leaves 0 of 6"),
    ("validation_split-no-training", {"validation_split": 0.95}, ValueError,
     r"validation_split=0.95 leaves 6 of 6"),
    ("validation_data-single", {"validation_data": (GOOD_X,)}, TypeError,
     r"validation_data must be \(X_val, y_val\) or"),
    ("validation_data-string", {"validation_data": "val.csv"}, TypeError,
     r"validation_data must be \(X_val, y_val\) or"),
    ("validation_data-X-columns", {"validation_data": (GOOD_X[:, :2], GOOD_Y)}, ValueError,
     r"validation_data\[0\] has 2 columns"),
    ("validation_data-y-columns", {"validation_data": (GOOD_X, GOOD_Y[:, :1])}, ValueError,
     r"validation_data\[1\] has 1 columns"),
    ("validation_data-nan", {"validation_data": (_with(GOOD_X, (0, 0), np.nan), GOOD_Y)}, ValueError,
     r"validation_data\[0\] contains NaN"),
    ("validation_data-rows", {"validation_data": (GOOD_X[:4], GOOD_Y)}, ValueError,
     r"validation_data\[0\] has 4 samples but validation_data\[1\] has 6"),
    ("validation_data-1d", {"validation_data": (GOOD_X[0], GOOD_Y[0])}, ValueError,
     r"validation_data\[0\] must be a 2-D"),
    ("optimizer-unknown", {"optimizer": "rmsprop"}, ValueError, r"unknown optimizer 'rmsprop'"),
    ("optimizer-number", {"optimizer": 3}, TypeError, r"optimizer must be"),
    ("optimizer-none", {"optimizer": None}, TypeError, r"optimizer must be"),
    ("optimizer-class", {"optimizer": Adam}, TypeError, r"optimizer must be"),
    ("momentum-negative", {"momentum": -0.1}, ValueError, r"momentum must be in \[0, 1\)"),
    ("momentum-one", {"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\)"),
    ("momentum-string", {"momentum": "0.9"}, TypeError, r"momentum must be"),
    ("momentum-with-adam", {"optimizer": "adam", "momentum": 0.9}, ValueError,
     r"momentum and nesterov apply to optimizer='gd' or 'sgd'"),
    ("nesterov-without-momentum", {"nesterov": True}, ValueError, r"nesterov=True needs momentum > 0"),
    ("learning_rate-with-object", {"optimizer": GradientDescent(0.1), "learning_rate": 0.5}, ValueError,
     r"learning_rate, momentum and nesterov belong to the optimizer object"),
    ("momentum-with-object", {"optimizer": Adam(), "momentum": 0.5}, ValueError,
     r"learning_rate, momentum and nesterov belong to the optimizer object"),
    ("l2-negative", {"l2": -1e-3}, ValueError, r"l2 must be a non-negative"),
    ("l2-nan", {"l2": float("nan")}, ValueError, r"l2 must be a non-negative"),
    ("l2-inf", {"l2": float("inf")}, ValueError, r"l2 must be a non-negative"),
    ("l2-string", {"l2": "0.1"}, TypeError, r"l2 must be a non-negative"),
    ("patience-zero", {"patience": 0}, ValueError, r"patience must be a positive integer"),
    ("patience-float", {"patience": 2.5}, TypeError, r"patience must be a positive integer"),
    ("verbose-three", {"verbose": 3}, ValueError, r"verbose must be 0, 1 or 2"),
    ("verbose-string", {"verbose": "1"}, ValueError, r"verbose must be 0, 1 or 2"),
    ("callbacks-number", {"callbacks": 5}, TypeError, r"callbacks must be a callable"),
    ("callbacks-list-of-numbers", {"callbacks": [print, 1]}, TypeError, r"callbacks must be a callable"),
    ("callbacks-string", {"callbacks": "stop"}, TypeError, r"callbacks must be a callable"),
    ("callbacks-after-split", {"callbacks": [1], "validation_split": 0.5}, TypeError,
     r"callbacks must be a callable"),
]


def _params(net: NeuralNetwork) -> list[np.ndarray]:
    return [p.copy() for p in net.parameters()]


def _assert_unchanged(net: NeuralNetwork, params: list[np.ndarray], rng_state: Mapping[str, Any]) -> None:
    assert len(net.parameters()) == len(params)
    for p, q in zip(net.parameters(), params):
        assert np.array_equal(p, q)
    assert net.rng.bit_generator.state == rng_state


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def net(request: pytest.FixtureRequest) -> NeuralNetwork:
    return NeuralNetwork([N_FEATURES, 4, N_OUTPUTS], seed=0, dtype=request.param)


# ------------------------------------------------------------------- tests
def test_good_inputs_are_accepted(net: NeuralNetwork) -> None:
    """The bad inputs below differ from these in one thing only."""
    net.fit(GOOD_X, GOOD_Y, epochs=1, validation_data=(GOOD_X, GOOD_Y),
            callbacks=[lambda e, h, n: None])
    assert net.predict(GOOD_X).shape == (N_SAMPLES, N_OUTPUTS)
    assert np.isfinite(net.loss(GOOD_X, GOOD_Y))
    kwargs = {"layer_sizes": [3, 4, 2]}
    assert NeuralNetwork(**kwargs).layer_sizes == [3, 4, 2]  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "error", "match"), [c[1:] for c in BAD_CONSTRUCTOR],
                         ids=[c[0] for c in BAD_CONSTRUCTOR])
def test_bad_constructor_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    arguments = {"layer_sizes": [3, 4, 2], **kwargs}
    with pytest.raises(error, match=match):
        NeuralNetwork(**arguments)


def _numbers(value: Any) -> bool:
    """Whether every library can hold ``value``: a number, or a NumPy array of numbers."""
    return isinstance(value, float) or (isinstance(value, np.ndarray) and value.dtype.kind in "biufc")


def on_every_library(cases: list[tuple[Any, ...]]) -> list[Any]:
    """Each case on NumPy, and those made of numbers on the other libraries too (as their arrays)."""
    return [pytest.param(Library(name), *case[1:], id=f"{name}-{case[0]}") for name in LIBRARIES
            for case in cases if name == "numpy" or (_numbers(case[1]) and _numbers(case[2]))]


@pytest.mark.parametrize("method", ["fit", "loss", "gradients"])
@pytest.mark.parametrize(("library", "X", "y", "error", "match"), on_every_library(BAD_DATA))
def test_bad_data(net: NeuralNetwork, method: str, library: Library, X: Any, y: Any, error: type[Exception],
                  match: str) -> None:
    params, state = _params(net), net.rng.bit_generator.state
    call: Callable[..., Any] = getattr(net, method)
    args: dict[str, Any] = {"epochs": 2} if method == "fit" else {}
    if library.name != "numpy":  # the arrays of another library: checked where they are, with the same words
        X, y = library.asarray(X), library.asarray(y)
    with pytest.raises(error, match=match):
        call(X, y, **args)
    _assert_unchanged(net, params, state)
    assert net.device is None  # a failed first fit has not put the network anywhere


@pytest.mark.parametrize("method", ["predict", "feedforward"])
@pytest.mark.parametrize(("library", "X", "y", "error", "match"), on_every_library(X_ONLY))
def test_bad_X_for_prediction(net: NeuralNetwork, method: str, library: Library, X: Any, y: Any,
                              error: type[Exception], match: str) -> None:
    params, state = _params(net), net.rng.bit_generator.state
    with pytest.raises(error, match=match):
        getattr(net, method)(X if library.name == "numpy" else library.asarray(X))
    _assert_unchanged(net, params, state)


@pytest.mark.parametrize(("kwargs", "error", "match"), [c[1:] for c in BAD_FIT],
                         ids=[c[0] for c in BAD_FIT])
def test_bad_fit_arguments(net: NeuralNetwork, kwargs: dict[str, Any], error: type[Exception],
                           match: str) -> None:
    params, state = _params(net), net.rng.bit_generator.state
    with pytest.raises(error, match=match):
        net.fit(GOOD_X, GOOD_Y, **{"epochs": 2, **kwargs})
    _assert_unchanged(net, params, state)


def test_values_beyond_float32_range(library: Library) -> None:
    """1e39 is a finite float64 but not a float32: a clear error, not an overflow warning."""
    net = NeuralNetwork([N_FEATURES, 4, N_OUTPUTS], seed=0, dtype=np.float32)
    params, state = _params(net), net.rng.bit_generator.state
    X = library.asarray(_with(GOOD_X, (1, 1), 1e39))
    with pytest.raises(ValueError, match=r"X contains NaN or infinity.*too large for float32"):
        net.predict(X)
    with pytest.raises(ValueError, match=r"y contains NaN or infinity.*too large for float32"):
        net.fit(library.asarray(GOOD_X), library.asarray(_with(GOOD_Y, (0, 0), -1e39)), epochs=1)
    _assert_unchanged(net, params, state)


# --------------------------------------------------------------- stability
HIDDEN = ["sigmoid", "tanh", "relu"]
LOSSES = ["sse", "mse", "binary_crossentropy", "categorical_crossentropy"]


def _extreme_network(hidden: str, loss: str, dtype: type) -> tuple[NeuralNetwork, np.ndarray, np.ndarray]:
    """A network whose hidden and output pre-activations reach exactly ±1e4."""
    net = NeuralNetwork([2, 4, 3], activation=hidden, loss=loss, seed=0, dtype=dtype)
    W1, b1, W2, b2 = net.parameters()
    W1[...] = np.array([[1.0, -1.0, 0.5, -0.5], [-1.0, 1.0, 0.5, 0.25]])
    b1[...] = 0.0
    # X is scaled so that the largest |Z1| is 1e4: rows of ±1 give |Z1| up to 2 before scaling.
    X: np.ndarray = (np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]]) * 5e3).astype(dtype)
    Z1 = X @ W1
    assert np.abs(Z1).max() == 1e4 and Z1.min() == -1e4
    saturated: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "sigmoid": lambda Z: (Z > 0).astype(dtype), "tanh": np.sign, "relu": lambda Z: np.maximum(Z, 0)}
    A1 = saturated[hidden](Z1)
    # W2 maps the hidden outputs to logits of ±1e4 (scaled by the largest hidden output).
    W2[...] = np.array([[1.0, -1.0, 0.5], [-1.0, 1.0, -0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    W2 *= 1e4 / np.abs(A1 @ W2).max()
    b2[...] = 0.0
    # Targets opposite to the saturated outputs: the largest possible errors.
    y: np.ndarray = np.eye(3)[[2, 2, 0, 1]].astype(dtype)
    return net, X, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_stable_at_pre_activations_of_1e4(hidden: str, loss: str, dtype: type) -> None:
    net, X, y = _extreme_network(hidden, loss, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow, divide or invalid warning fails the test
        Z2 = np.maximum(X @ net.parameters()[0], 0) if hidden == "relu" else None
        out = net.predict(X)
        value = net.loss(X, y)
        grads = list(net.gradients(X, y).values())
    assert Z2 is None or np.abs(Z2 @ net.parameters()[2]).max() == pytest.approx(1e4, rel=1e-6)
    assert out.dtype == dtype and np.isfinite(out).all()
    assert np.isfinite(value)
    assert all(g.dtype == dtype and np.isfinite(g).all() for g in grads)
    if loss == "binary_crossentropy":
        # Saturated logits: the loss grows linearly with the logit, it does not overflow.
        assert value > 1e3
    if loss == "categorical_crossentropy":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
        assert value > 1e3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_crossentropy_exact_at_logit_1e4(dtype: type) -> None:
    """A wrong prediction with logit 1e4 costs exactly 1e4; a right one costs 0."""
    net = NeuralNetwork([1, 1], loss="binary_crossentropy", seed=0, dtype=dtype)
    W, b = net.parameters()
    W[...], b[...] = 1.0, 0.0
    X: np.ndarray = np.array([[1e4], [-1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert net.loss(X, np.array([[0.0], [1.0]])) == 1e4
        assert net.loss(X, np.array([[1.0], [0.0]])) == 0.0
        grads = net.gradients(X, np.array([[0.0], [1.0]]))
        dW, db = grads["W1"], grads["b1"]
    # dL/dZ = (p - y) / n = [1/2, -1/2]: dW = 1e4 / 2 + 1e4 / 2, db = 0.
    assert dW[0, 0] == 1e4 and db[0] == 0.0


# -------------------------------------------------------------- divergence
def _diverging_fit(dtype: type, **kwargs: Any) -> tuple[NeuralNetwork, list[list[np.ndarray]],
                                                         TrainingDivergedError]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = rng.normal(size=(20, 1))
    net = NeuralNetwork([3, 8, 1], activation="relu", loss="mse", seed=0, dtype=dtype)
    snapshots = [_params(net)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may escape
        with pytest.raises(TrainingDivergedError) as info:
            net.fit(X, y, epochs=1000, learning_rate=1e3,
                    callbacks=lambda e, h, n: snapshots.append(_params(n)), **kwargs)
    return net, snapshots, info.value


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_divergence_stops_with_a_clear_error_and_keeps_the_weights(dtype: type) -> None:
    net, snapshots, error = _diverging_fit(dtype)
    message = str(error)
    assert "diverged" in message and "learning rate" in message
    assert "1000.0" in message  # the learning rate in use
    assert isinstance(error, FloatingPointError)
    history = error.history
    assert history is not None
    # Full batch: every completed epoch called the callback once; the failing one did not.
    assert history.epochs == len(snapshots) - 1 >= 1
    assert f"epoch {history.epochs + 1}" in message
    assert all(np.isfinite(v) for v in history.loss)
    # The weights are those after the last completed epoch: finite, and exactly the snapshot.
    for p, q in zip(net.parameters(), snapshots[-1]):
        assert np.array_equal(p, q)
        assert np.isfinite(p).all()
    # The network still works: prediction at these weights raises nothing new.
    assert net.predict(np.zeros((1, 3))).shape == (1, 1)


def test_divergence_with_validation_and_mini_batches() -> None:
    """The weights are kept from before the failing batch: after the last completed step."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = rng.normal(size=(20, 1))
    net = NeuralNetwork([3, 8, 1], activation="relu", loss="mse", seed=0)
    steps: list[list[np.ndarray]] = []
    original = net.train_step

    def recording_step(*args: Any, **kwargs: Any) -> Any:
        steps.append(_params(net))  # parameters before this step
        return original(*args, **kwargs)

    net.train_step = recording_step  # type: ignore[method-assign]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDivergedError) as info:
            net.fit(X, y, epochs=1000, learning_rate=1e3, batch_size=5, validation_split=0.25)
    # The last step recorded is the one that failed: nothing of it was applied.
    for p, q in zip(net.parameters(), steps[-1]):
        assert np.array_equal(p, q)
        assert np.isfinite(p).all()
    history = info.value.history
    assert history is not None
    assert len(history.val_loss) == history.epochs
    assert len(steps) > 3 * history.epochs  # 15 training samples in batches of 5


def test_divergence_restores_the_sigint_handler() -> None:
    before = signal.getsignal(signal.SIGINT)
    _diverging_fit(np.float64)
    assert signal.getsignal(signal.SIGINT) is before


def test_divergence_message_says_when_the_update_itself_overflowed() -> None:
    """A learning rate so large that one update overflows the weights is reported as such."""
    net = NeuralNetwork([1, 1], loss="mse", seed=0)
    with pytest.raises(TrainingDivergedError, match="previous update already overflowed the weights"):
        net.fit([[1e10]], [[1.0]], epochs=5, learning_rate=1e300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_finiteness_check_is_exact_for_huge_numbers(dtype: Any, order: str) -> None:
    """Squares of huge finite numbers overflow; the check must still accept them, and find one NaN."""
    from playwithnn._validation import check_array

    big = np.sqrt(np.finfo(dtype).max)  # its square overflows to inf
    X = np.full((70_000, 3), big, dtype=dtype, order=order)  # more than one chunk of rows
    assert check_array(X, dtype=dtype) is X
    X[-1, -1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        check_array(X, dtype=dtype)
