"""Model: hand-set tiny networks pin the predictions of classifiers and regressors from raw rows.

The weights are set with ``set_parameters`` to small integers and halves, so
that every product and sum in ``X @ W + b`` is exactly representable: the
outputs are exact whatever order a BLAS adds them in, and exact equality is
used. Where a sigmoid or softmax computes ``exp``, a tolerance is stated.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from playwithnn import NeuralNetwork
from playwithnn.model import TASKS, Model
from playwithnn.preprocessing import Encoding, Preprocessing, PreprocessingError


def network(layer_sizes: list[int], parameters: list[Any], dtype: Any = np.float64, **config: Any
            ) -> NeuralNetwork:
    net = NeuralNetwork(layer_sizes, seed=0, dtype=dtype, **config)
    net.set_parameters([np.asarray(p, dtype=float) for p in parameters])
    return net


def binary(W: Any = ((1.0,), (0.0,)), b: Any = (0.0,)) -> NeuralNetwork:
    """One sigmoid output: p = sigmoid(x0 * W[0] + x1 * W[1] + b)."""
    return network([2, 1], [W, b], loss="binary_crossentropy")


def size_and_color() -> Preprocessing:
    """size standardised by (v - 10) / 2; color one-hot of red and blue (imputed red)."""
    return Preprocessing(["size", "color"], [Encoding("size", mean=[10.0], scale=[2.0]),
                                              Encoding("color", categories=["red", "blue"], impute="red")])


# ------------------------------------------------------------- classifiers
def test_binary_classifier_one_sigmoid_output_two_classes() -> None:
    model = Model(binary(), classes=["no", "yes"])
    assert model.task == "classification" and model.classes == ["no", "yes"]
    X = [[0.0, 5.0], [math.log(3.0), 0.0], [-math.log(3.0), 0.0], [40.0, 0.0]]
    assert model.predict(X).tolist() == ["no", "yes", "no", "yes"]
    P = model.predict_proba(X)
    assert P.shape == (4, 2) and P.dtype == np.float64
    # sigmoid(0) is exactly 1/2; sigmoid(±ln 3) is 3/4 and 1/4 up to the rounding of exp and ln.
    assert P[0].tolist() == [0.5, 0.5]
    np.testing.assert_allclose(P[1:3], [[0.25, 0.75], [0.75, 0.25]], rtol=1e-15)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(P[:, 1], model.outputs(X)[:, 0])


def test_binary_probability_exactly_one_half_is_the_first_class() -> None:
    model = Model(binary(b=(0.0,)), classes=["first", "second"])
    assert model.outputs([[0.0, 0.0]]).tolist() == [[0.5]]
    assert model.predict([[0.0, 0.0], [-0.0, 1.0]]).tolist() == ["first", "first"]
    assert model.predict([[1e-300, 0.0], [1e-15, 0.0]]).tolist() == ["first", "second"]


def test_binary_classifier_default_classes_are_0_and_1() -> None:
    model = Model(binary())
    assert model.classes == [0, 1]
    assert model.predict([[-1.0, 0.0], [1.0, 0.0]]).tolist() == [0, 1]


def test_binary_classifier_reads_raw_rows() -> None:
    # z = size' + color=blue' - 1, with size' = (size - 10) / 2.
    net = network([3, 1], [[[1.0], [0.0], [1.0]], [-1.0]], loss="binary_crossentropy")
    model = Model(net, size_and_color(), classes=["small", "big"])
    rows = {"size": [10.0, 14.0, 12.0, 10.0], "color": ["red", "red", "blue", None]}
    assert model.transform(rows).tolist() == [[0.0, 1.0, 0.0], [2.0, 1.0, 0.0], [1.0, 0.0, 1.0],
                                              [0.0, 1.0, 0.0]]
    # z = -1, 1, 1, -1; sigmoid(±1) up to the rounding of exp
    sigmoid = 1 / (1 + np.exp([1.0, -1.0, -1.0, 1.0]))
    np.testing.assert_allclose(model.outputs(rows)[:, 0], sigmoid, rtol=1e-15)
    assert model.predict(rows).tolist() == ["small", "big", "big", "small"]
    assert model.predict([[14.0, "blue"]]).tolist() == ["big"]
    with pytest.raises(PreprocessingError, match="feature 'color', row 0: 'green' is not one of"):
        model.predict([[14.0, "green"]])


def test_multiclass_classifier() -> None:
    # z = X @ W: class 0 wins when x0 is largest, class 2 when x1 is, class 1 on neither.
    W = [[2.0, 0.0, -1.0], [-1.0, 0.0, 2.0]]
    net = network([2, 3], [W, [0.0, 0.5, 0.0]], loss="categorical_crossentropy")
    model = Model(net, classes=["cat", "dog", "eel"])
    X = np.array([[3.0, 0.0], [0.0, 3.0], [0.0, 0.0], [0.125, 0.0], [0.25, 0.0]])
    # z of the last row is [0.5, 0.5, -0.25]: a tie, which the first class wins.
    assert model.predict(X).tolist() == ["cat", "eel", "dog", "dog", "cat"]
    P = model.predict_proba(X)
    assert P.shape == (5, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)  # softmax: exp and a division per entry
    z = X @ np.array(W) + [0.0, 0.5, 0.0]
    np.testing.assert_allclose(P, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-14)


def test_multiclass_tie_is_the_first_class() -> None:
    net = network([1, 3], [[[0.0, 0.0, 0.0]], [0.0, 0.0, 0.0]], loss="categorical_crossentropy")
    assert Model(net, classes=["b", "c", "a"]).predict([[1.0]]).tolist() == ["b"]


def test_classes_of_numbers_and_numpy_values() -> None:
    model = Model(binary(), classes=np.array([3, 7]))
    assert model.classes == [3, 7] and all(type(c) is int for c in model.classes)
    assert model.predict([[1.0, 0.0]]).tolist() == [7]
    assert json.loads(json.dumps(model.to_json()))["classes"] == [3, 7]


# --------------------------------------------------------------- regressors
def regressor(dtype: Any = np.float64) -> NeuralNetwork:
    """y' = 2 x0' + 3 x1' + 0.5, an identity output."""
    return network([2, 1], [[[2.0], [3.0]], [0.5]], dtype=dtype, loss="mse")


def test_regression_with_target_scaling_exact_numbers() -> None:
    pre = Preprocessing(["a", "b"], [Encoding("a", mean=[1.0], scale=[2.0]), Encoding("b", impute=0.0)])
    model = Model(regressor(), pre, target="price", target_mean=100.0, target_scale=4.0)
    assert model.task == "regression" and model.classes is None and model.target == "price"
    rows = {"a": [1.0, 5.0, -1.0], "b": [0.0, -1.5, None]}
    # x' = [(a - 1) / 2, b]: [0, 0], [2, -1.5], [-1, 0]
    # y' = 2 x0' + 3 x1' + 0.5: 0.5, 0, -1.5;  y = y' * 4 + 100: 102, 100, 94
    assert model.outputs(rows)[:, 0].tolist() == [0.5, 0.0, -1.5]
    y = model.predict(rows)
    assert y.shape == (3,) and y.dtype == np.float64
    assert y.tolist() == [102.0, 100.0, 94.0]


def test_float32_regressor_predicts_float64_in_the_target_units() -> None:
    model = Model(regressor(np.float32), target_mean=1e6, target_scale=0.5)
    y = model.predict([[0.0, 0.25]])
    # y' = 1.25 in float32, then float64 arithmetic: 1e6 + 0.625 is not lost in float32's 7 digits.
    assert y.dtype == np.float64 and y.tolist() == [1_000_000.625]


def test_several_regression_outputs() -> None:
    net = network([2, 2], [[[1.0, 0.0], [0.0, -2.0]], [0.0, 1.0]], loss="mse")
    model = Model(net, target_mean=[10.0, -1.0], target_scale=[2.0, 0.5])
    np.testing.assert_array_equal(model.target_mean, [10.0, -1.0])
    y = model.predict([[1.0, 1.0], [-3.0, 0.5]])
    # outputs [1, -1] and [-3, 0]; y = out * [2, 0.5] + [10, -1]
    assert y.shape == (2, 2) and y.tolist() == [[12.0, -1.5], [4.0, -1.0]]
    one = Model(net, target_mean=5.0, target_scale=2.0)  # one number for every output
    assert one.target_mean.tolist() == [5.0, 5.0] and one.target_scale.tolist() == [2.0, 2.0]


def test_regression_has_no_class_probabilities() -> None:
    with pytest.raises(TypeError, match="a regression model has no class probabilities; use predict"):
        Model(regressor()).predict_proba([[0.0, 0.0]])


def test_task_defaults_to_the_task_of_the_loss() -> None:
    assert Model(binary()).task == "classification"
    assert Model(network([2, 3], [np.zeros((2, 3)), np.zeros(3)], loss="categorical_crossentropy")).task == (
        "classification")
    assert Model(regressor()).task == "regression"
    # The tutorial's sigmoid output with the sum of squares: a regressor unless told otherwise.
    sse = network([2, 1], [[[1.0], [0.0]], [0.0]])
    assert Model(sse).task == "regression"
    assert Model(sse, task="classification", classes=["a", "b"]).predict([[1.0, 0.0]]).tolist() == ["b"]
    assert Model(binary(), task="regression").predict([[0.0, 0.0]]).tolist() == [0.5]
    assert TASKS == ("classification", "regression")


# ------------------------------------------------------------ constructor
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Model(binary(), Preprocessing.identity(["a"])), ValueError,
         r"the preprocessing makes 1 inputs, but the network takes 2 \(layer_sizes\[0\]\)"),
        (lambda: Model(binary(), size_and_color()), ValueError, "the preprocessing makes 3 inputs, but"),
        (lambda: Model(binary(), classes=["a", "b", "c"]), ValueError,
         "classes has 3 labels, but a network with 1 output tells 2 classes apart"),
        (lambda: Model(network([2, 3], [np.zeros((2, 3)), np.zeros(3)], loss="categorical_crossentropy"),
                       classes=["a", "b"]), ValueError,
         "classes has 2 labels, but a network with 3 outputs tells 3 classes apart"),
        (lambda: Model(binary(), classes=["a", "a"]), ValueError, "classes must be distinct; got a, a"),
        (lambda: Model(binary(), classes=[1, "1"]), ValueError, "classes must be distinct; got 1, 1"),
        (lambda: Model(binary(), classes=[1, 1.0]), ValueError, r"classes must be distinct; got 1, 1\.0"),
        (lambda: Model(binary(), classes=["2", " 2.0"]), ValueError, "classes must be distinct"),
        (lambda: Model(binary(), classes=[True, False]), TypeError, "classes must be class labels: text"),
        (lambda: Model(binary(), classes=[None, "a"]), TypeError, "classes must be class labels"),
        (lambda: Model(binary(), classes="ab"), TypeError, "classes must be a list of class labels; got str"),
        (lambda: Model(binary(), classes=2), TypeError, "classes must be a list of class labels; got int"),
        (lambda: Model(regressor(), classes=["a", "b"]), ValueError, "a regression model has no classes"),
        (lambda: Model(binary(), task="regression", classes=[0, 1]), ValueError, "a regression model has no"),
        (lambda: Model(binary(), task="clustering"), ValueError,
         "task must be 'classification' or 'regression'; got 'clustering'"),
        (lambda: Model(binary(), task="Classification"), ValueError, "task must be"),
        (lambda: Model(regressor(), target_scale=0.0), ValueError,
         r"target_scale must be a finite non-zero number, or 1 of them \(one per output\); got 0.0"),
        (lambda: Model(regressor(), target_scale=[-0.0]), ValueError, "target_scale must be a finite non"),
        (lambda: Model(regressor(), target_scale=math.inf), ValueError, "target_scale must be a finite"),
        (lambda: Model(regressor(), target_mean=math.nan), ValueError, "target_mean must be a finite number"),
        (lambda: Model(regressor(), target_mean=[1.0, 2.0]), ValueError,
         r"target_mean must be a finite number, or 1 of them \(one per output\); got \[1.0, 2.0\]"),
        (lambda: Model(regressor(), target_mean="a"), ValueError, "target_mean must be a finite number"),
        (lambda: Model(regressor(), target_scale=10**400), ValueError, "target_scale must be a finite"),
        (lambda: Model(binary(), target_mean=1.0), ValueError, "a classifier has no target_mean"),
        (lambda: Model(binary(), target_scale=2.0), ValueError, "a classifier has no target_scale"),
        (lambda: Model(binary(), target=3), TypeError, r"target must be a str \(a column name\) or"),
        (lambda: Model("net"), TypeError, "network must be a playwithnn.NeuralNetwork; got str"),
        (lambda: Model(binary(), {"features": []}), TypeError, "preprocessing must be a Preprocessing; got"),
    ],
)
def test_constructor_errors(make: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make()


def test_repr_features_and_metadata() -> None:
    net = network([3, 1], [[[1.0], [0.0], [1.0]], [-1.0]], loss="binary_crossentropy")
    net.metadata = {"note": "hi"}
    model = Model(net, size_and_color(), classes=["small", "big"])
    assert repr(model) == "Model(features=size, color, network=3-1, classes=small, big)"
    assert model.features == ("size", "color") and model.n_features == 2
    assert model.metadata is net.metadata
    deep = NeuralNetwork([2, 4, 3, 1], loss="mse", seed=0)
    assert repr(Model(deep)) == "Model(features=x0, x1, network=2-4-3-1, regression)"
    assert Model(deep).features == ("x0", "x1")


def test_default_preprocessing_passes_the_inputs_through() -> None:
    net = NeuralNetwork([3, 5, 2], loss="mse", seed=0)
    model = Model(net)
    assert model.preprocessing.to_json() == Preprocessing.identity(["x0", "x1", "x2"]).to_json()
    X = np.random.default_rng(0).normal(size=(6, 3))
    np.testing.assert_array_equal(model.predict(X), net.predict(X))  # the same code: bit-identical
    columns = {"x0": X[:, 0], "x1": X[:, 1], "x2": X[:, 2]}
    np.testing.assert_array_equal(model.predict(columns), net.predict(X))


# ------------------------------------------------------------------- JSON
def test_json_round_trip_of_a_classifier_and_a_regressor() -> None:
    net = network([3, 1], [[[1.0], [0.0], [1.0]], [-1.0]], loss="binary_crossentropy")
    model = Model(net, size_and_color(), classes=["small", 2.5], target="size class")
    obj = model.to_json()
    assert obj == {"preprocessing": size_and_color().to_json(), "task": "classification",
                   "target": "size class", "classes": ["small", 2.5]}
    same = Model.from_json(net, json.loads(json.dumps(obj)))
    assert (same.classes, same.target, same.task) == (["small", 2.5], "size class", "classification")
    assert same.preprocessing.encodings == model.preprocessing.encodings

    reg = Model(regressor(), target_mean=100.0, target_scale=4.0)
    obj = reg.to_json()
    assert (obj["target_mean"], obj["target_scale"], obj["target"], "classes" in obj) == (
        [100.0], [4.0], None, False)
    same = Model.from_json(reg.network, json.loads(json.dumps(obj)))
    # (2 * 3 + 3 * 1 + 0.5) * 4 + 100
    assert same.predict([[3.0, 1.0]]).tolist() == reg.predict([[3.0, 1.0]]).tolist() == [138.0]


IDENTITY = Preprocessing.identity(["a", "b"]).to_json()


def clf(**keys: Any) -> dict[str, Any]:
    """A classifier's description of the two inputs a, b, with ``keys`` added."""
    return {"preprocessing": IDENTITY, "task": "classification", **keys}


def reg(**keys: Any) -> dict[str, Any]:
    """A regressor's description of the two inputs a, b, with ``keys`` added."""
    return {"preprocessing": IDENTITY, "task": "regression", **keys}

BAD_JSON = [
    (None, "a model is a JSON object; got NoneType"),
    (["classification"], "a model is a JSON object; got list"),
    ({}, r"a model has 'preprocessing', 'task' and some of .*; got keys \[\]"),
    ({"task": "regression"}, r"got keys \['task'\]"),
    ({"preprocessing": IDENTITY}, r"got keys \['preprocessing'\]"),
    (reg(version=2), r"got keys \['preprocessing', 'task', 'version'\]"),
    ({"preprocessing": None, "task": "regression"}, "a preprocessing is an object"),
    ({"preprocessing": Preprocessing.identity(["a"]).to_json(), "task": "regression"},
     "the preprocessing makes 1 inputs, but the network takes 2"),
    (reg(task="ranking"), "task must be 'classification' or 'regression'"),
    (reg(task=["regression"]), "task must be"),
    (clf(classes=["a"]), "classes has 1 labels"),
    (clf(classes=["a", "b", "c"]), "classes has 3 labels"),
    (clf(classes=["a", "a"]), "classes must be distinct"),
    (clf(classes="ab"), "classes must be a list"),
    (clf(classes=2), "classes must be a list"),
    (clf(classes={"a": 0, "b": 1}), "classes must be a list"),
    (clf(classes=[["a"], ["b"]]), "classes must be class"),
    (clf(classes=[None, 1]), "classes must be class"),
    (reg(classes=[0, 1]), "a regression model has no classes"),
    (clf(target_mean=1.0), "a classifier has no target_mean"),
    (reg(target_scale=0), "target_scale must be a finite non"),
    (reg(target_scale="2"), "target_scale must be a finite"),
    (reg(target_scale=[True]), "target_scale must be a finite"),
    (reg(target_scale=[[1], [2, 3]]), "target_scale must be a finite"),
    (reg(target_mean=[1.0, None]), "target_mean must be a finite"),
    (reg(target_scale={"a": 1}), "target_scale must be a finite"),
    (reg(target_mean=None), "target_mean must be a finite"),
    (reg(target_mean=[1, 2]), "target_mean must be a finite"),
    (reg(target_mean=10**400), "target_mean must be a finite"),
    (reg(target=3), "target must be a str"),
    (reg(target=["y"]), "target must be a str"),
]


@pytest.mark.parametrize(("obj", "match"), BAD_JSON, ids=[str(i) for i in range(len(BAD_JSON))])
def test_from_json_errors_are_value_errors(obj: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        Model.from_json(regressor(), obj)
    assert type(info.value) is ValueError  # not a TypeError, a KeyError or an OverflowError


def test_from_json_of_every_key_type() -> None:
    """Each key set to each kind of JSON value: a model or a ValueError, nothing else."""
    values = [None, True, 0, 1, -2.5, "", "regression", "classification", [], [0, 1], ["a", "b"], [[]], {},
              {"a": 1}, 10**400, IDENTITY]
    for key in ("preprocessing", "task", "target", "classes", "target_mean", "target_scale"):
        for value in values:
            for task in TASKS:
                obj = {"preprocessing": IDENTITY, "task": task, key: value}
                try:
                    Model.from_json(binary(), obj)
                except ValueError:
                    pass
