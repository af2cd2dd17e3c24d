"""Loss functions and their gradients (playwithnn.losses)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from playwithnn.activations import sigmoid, softmax
from playwithnn.losses import (
    LOSSES,
    Loss,
    binary_crossentropy,
    binary_crossentropy_gradient,
    categorical_crossentropy,
    categorical_crossentropy_gradient,
    get_loss,
    mse,
    mse_gradient,
    sse,
    sse_gradient,
)

DTYPES = (np.float32, np.float64)
LN3 = np.log(3.0)


# --------------------------------------------------------------------------- exact values


def test_sse_and_mse_exact_values() -> None:
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y_pred = np.array([[0.5, 0.5], [0.0, 0.0], [1.0, 3.0]])
    # squared errors: 0.25 + 0.25 + 0 + 1 + 0 + 4 = 5.5, over 6 elements
    assert sse(y, y_pred) == 5.5
    assert mse(y, y_pred) == 5.5 / 6
    assert isinstance(sse(y, y_pred), float) and isinstance(mse(y, y_pred), float)


def test_sse_and_mse_gradient_exact_values() -> None:
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    y_pred = np.array([[0.5, 0.5], [0.0, 3.0]])
    # dL/dy_pred = 2 (y_pred - y), and divided by the 4 elements for mse
    np.testing.assert_array_equal(sse_gradient(y, y_pred), [[-1.0, 1.0], [0.0, 4.0]])
    np.testing.assert_array_equal(mse_gradient(y, y_pred), [[-0.25, 0.25], [0.0, 1.0]])


def test_binary_crossentropy_exact_values() -> None:
    # p = σ(0) = 1/2 for y = 1: -ln(1/2) = ln 2
    # p = σ(ln 3) = 3/4 for y = 0: -ln(1 - 3/4) = ln 4
    # p = σ(ln 3) = 3/4 for y = 1: -ln(3/4) = ln 4 - ln 3
    # The mean of the three (ln 3 is rounded: 1e-15 relative).
    y = np.array([[1.0, 0.0, 1.0]])
    Z = np.array([[0.0, LN3, LN3]])
    expected = (np.log(2) + np.log(4) + np.log(4) - np.log(3)) / 3
    assert binary_crossentropy(y, Z) == pytest.approx(expected, rel=1e-15)
    # (p - y) / 3 with p = (1/2, 3/4, 3/4)
    np.testing.assert_allclose(binary_crossentropy_gradient(y, Z), [[-1 / 6, 0.25, -1 / 12]],
                               rtol=1e-15)


def test_categorical_crossentropy_exact_values() -> None:
    # softmax(ln 1, ln 2, ln 5) = (1/8, 2/8, 5/8): the loss of class 0 is ln 8,
    # of class 2 it is ln(8/5); averaged over the two samples.
    Z = np.log(np.array([[1.0, 2.0, 5.0], [1.0, 2.0, 5.0]]))
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    expected = (np.log(8) + np.log(8 / 5)) / 2
    assert categorical_crossentropy(y, Z) == pytest.approx(expected, rel=1e-15)
    # (p - y) / 2
    np.testing.assert_allclose(categorical_crossentropy_gradient(y, Z),
                               [[-7 / 16, 1 / 8, 5 / 16], [1 / 16, 1 / 8, -3 / 16]], rtol=1e-14)


def test_perfect_predictions_cost_nothing() -> None:
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert sse(y, y) == 0.0 and mse(y, y) == 0.0
    # logits of ±1e4 are certain predictions in float64: σ = 1 or 0 exactly
    assert binary_crossentropy(y, np.where(y > 0, 1e4, -1e4)) == 0.0
    assert categorical_crossentropy(y, np.where(y > 0, 1e4, -1e4)) == 0.0


def test_sse_sums_and_the_others_average() -> None:
    # Repeating the data twice doubles a sum and leaves a mean unchanged.
    rng = np.random.default_rng(0)
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    y_pred = softmax(rng.normal(size=(5, 3)))
    Z = rng.normal(size=(5, 3))
    y2, y_pred2, Z2 = (np.vstack([a, a]) for a in (y, y_pred, Z))
    assert sse(y2, y_pred2) == pytest.approx(2 * sse(y, y_pred), rel=1e-15)
    assert mse(y2, y_pred2) == pytest.approx(mse(y, y_pred), rel=1e-15)
    assert binary_crossentropy(y2, Z2) == pytest.approx(binary_crossentropy(y, Z), rel=1e-15)
    assert categorical_crossentropy(y2, Z2) == pytest.approx(categorical_crossentropy(y, Z), rel=1e-15)


# --------------------------------------------------------------------------- gradients


def _numerical_gradient(f: Callable[[np.ndarray], float], V: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f`` at ``V``, one entry at a time."""
    grad = np.empty_like(V)
    for idx in np.ndindex(V.shape):
        Vp, Vm = V.copy(), V.copy()
        Vp[idx] += h
        Vm[idx] -= h
        grad[idx] = (f(Vp) - f(Vm)) / (2 * h)
    return grad


# In float64 with h = 1e-6 the central difference errs by about h**2 (truncation)
# plus 1e-16 * |L| / h (rounding): rtol 1e-7 with atol 1e-9 covers both.
GRAD_TOL = {"rtol": 1e-7, "atol": 1e-9}


@pytest.mark.parametrize(("loss", "gradient"), [(sse, sse_gradient), (mse, mse_gradient)])
def test_squared_error_gradients_match_central_differences(
    loss: Callable[[np.ndarray, np.ndarray], float],
    gradient: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> None:
    rng = np.random.default_rng(1)
    y, y_pred = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    numerical = _numerical_gradient(lambda P: loss(y, P), y_pred)
    np.testing.assert_allclose(gradient(y, y_pred), numerical, **GRAD_TOL)


def test_binary_crossentropy_gradient_matches_central_differences() -> None:
    # The loss takes the logits Z: its gradient is dL/dZ = (σ(Z) - y) / N.
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, size=(5, 3)).astype(np.float64)
    Z = rng.normal(size=(5, 3)) * 3
    numerical = _numerical_gradient(lambda V: binary_crossentropy(y, V), Z)
    np.testing.assert_allclose(binary_crossentropy_gradient(y, Z), numerical, **GRAD_TOL)


def test_categorical_crossentropy_gradient_matches_central_differences() -> None:
    rng = np.random.default_rng(3)
    y = np.eye(4)[rng.integers(0, 4, size=6)]  # one-hot rows
    Z = rng.normal(size=(6, 4)) * 3
    numerical = _numerical_gradient(lambda V: categorical_crossentropy(y, V), Z)
    np.testing.assert_allclose(categorical_crossentropy_gradient(y, Z), numerical, **GRAD_TOL)


def test_crossentropies_equal_their_textbook_forms() -> None:
    # Away from saturation, -mean(y log p + (1 - y) log(1 - p)) and -sum(y log p) / n
    # computed naively agree with the stable forms to rounding.
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, size=(5, 2)).astype(np.float64)
    Z = rng.normal(size=(5, 2))
    p = sigmoid(Z)
    naive = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert binary_crossentropy(y, Z) == pytest.approx(naive, rel=1e-13)
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    Z = rng.normal(size=(5, 3))
    naive = -np.sum(y * np.log(softmax(Z))) / 5
    assert categorical_crossentropy(y, Z) == pytest.approx(naive, rel=1e-13)


# --------------------------------------------------------------------------- stability and dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_crossentropies_are_stable_at_plus_minus_1e4(dtype: type) -> None:
    # log(σ(Z)) at Z = -1e4 would be log(0) = -inf; the logit forms give the
    # exact answer instead: a certain, wrong prediction costs |Z|.
    y = np.array([[1.0, 0.0, 1.0, 0.0]], dtype=dtype)
    Z = np.array([[-1e4, 1e4, 1e4, -1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        bce = binary_crossentropy(y, Z)
        bce_delta = binary_crossentropy_gradient(y, Z)
        Zc = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
        yc = np.array([[0.0, 1.0], [0.0, 1.0]], dtype=dtype)
        cce = categorical_crossentropy(yc, Zc)
        cce_delta = categorical_crossentropy_gradient(yc, Zc)
    assert bce == 5000.0  # (1e4 + 1e4 + 0 + 0) / 4
    np.testing.assert_array_equal(bce_delta, [[-0.25, 0.25, 0.0, 0.0]])
    assert cce == 1e4  # (2e4 + 0) / 2
    np.testing.assert_array_equal(cce_delta, [[0.5, -0.5], [0.0, 0.0]])
    assert bce_delta.dtype == dtype and cce_delta.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_squared_errors_are_finite_at_plus_minus_1e4(dtype: type) -> None:
    y = np.array([[1.0, 0.0]], dtype=dtype)
    y_pred = np.array([[-1e4, 1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise"):
        assert np.isfinite(sse(y, y_pred)) and np.isfinite(mse(y, y_pred))
        assert np.all(np.isfinite(sse_gradient(y, y_pred)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradients_keep_the_dtype(dtype: type) -> None:
    rng = np.random.default_rng(5)
    y = np.eye(3, dtype=dtype)[rng.integers(0, 3, size=4)]
    P = softmax(rng.normal(size=(4, 3)).astype(dtype))
    for gradient in (sse_gradient, mse_gradient, binary_crossentropy_gradient,
                     categorical_crossentropy_gradient):
        assert gradient(y, P).dtype == dtype, gradient.__name__
    for loss in (sse, mse, binary_crossentropy, categorical_crossentropy):
        value = loss(y, P)  # a 0-d value of the arrays' dtype, left where they are: float() reads it
        assert np.ndim(value) == 0 and value.dtype == dtype, loss.__name__
        assert isinstance(float(value), float)


# --------------------------------------------------------------------------- the table and look-up


def test_the_table_states_reduction_and_natural_output() -> None:
    table = {name: (loss.natural_output, loss.reduction, loss.from_logits) for name, loss in LOSSES.items()}
    assert table == {
        "sse": ("sigmoid", "sum", False),
        "mse": ("identity", "mean", False),
        "half_mse": ("identity", "mean", False),
        "binary_crossentropy": ("sigmoid", "mean", True),
        "categorical_crossentropy": ("softmax", "mean", True),
        "half_poisson": ("exp", "mean", True),
    }
    assert all(loss.name == name for name, loss in LOSSES.items())


def test_get_loss() -> None:
    assert get_loss("mse") is LOSSES["mse"]
    custom = Loss("half_sse", lambda y, p: sse(y, p) / 2, lambda y, p: p - y, reduction="sum")
    assert get_loss(custom) is custom
    with pytest.raises(ValueError, match=r"unknown loss 'cross_entropy'; expected one of .*'sse'"):
        get_loss("cross_entropy")
    with pytest.raises(TypeError, match="loss must be a string"):
        get_loss(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_value_and_gradient_equals_function_and_gradient(name: str, dtype: type) -> None:
    """The step's one call gives what the two functions give apart: the same operations, bit for bit."""
    rng = np.random.default_rng(3)
    y = np.eye(3, dtype=dtype)[rng.integers(0, 3, size=7)]
    output = rng.standard_normal((7, 3)).astype(dtype)
    loss = LOSSES[name]
    value, grad = loss.value_and_gradient(y, output.copy())
    assert grad.dtype == dtype
    assert value == loss.function(y, output)
    np.testing.assert_array_equal(grad, loss.gradient(y, output))
    weights = rng.random(7).astype(dtype)  # and weighted (sse computes both from one difference)
    value, grad = loss.value_and_gradient(y, output.copy(), weights)
    assert value == loss.function(y, output, weights)
    np.testing.assert_array_equal(grad, loss.gradient(y, output, weights))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_applies_what_a_logit_loss_applies(dtype: type) -> None:
    Z = np.random.default_rng(4).standard_normal((5, 3)).astype(dtype)
    np.testing.assert_array_equal(LOSSES["binary_crossentropy"].predict(Z), sigmoid(Z))
    np.testing.assert_array_equal(LOSSES["categorical_crossentropy"].predict(Z), softmax(Z))
    assert LOSSES["sse"].predict(Z) is Z and LOSSES["mse"].predict(Z) is Z


@pytest.mark.parametrize("name", list(LOSSES))
def test_integer_sample_weights_repeat_the_samples(name: str) -> None:
    """A weight of 3 is the sample three times: the loss, and the gradient of each copy summed.

    Repeating rows and weighting them take their sums in different orders: rtol 1e-13.
    """
    rng = np.random.default_rng(6)
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    output = rng.normal(size=(5, 3))
    weights = np.array([1.0, 3.0, 0.0, 2.0, 1.0])
    repeat = np.repeat(np.arange(5), weights.astype(int))
    loss = LOSSES[name]
    value, grad = loss.value_and_gradient(y, output.copy(), weights)
    assert value == pytest.approx(loss.function(y[repeat], output[repeat]), rel=1e-13)
    per_copy = loss.gradient(y[repeat], output[repeat])
    summed = np.zeros_like(output)
    np.add.at(summed, repeat, per_copy)
    np.testing.assert_allclose(grad, summed, rtol=1e-13, atol=1e-16)


def test_half_mse_is_half_of_mse() -> None:
    y, y_pred = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.5, 0.5], [0.0, 3.0]])
    assert LOSSES["half_mse"].function(y, y_pred) == mse(y, y_pred) / 2 == 4.5 / 8
    np.testing.assert_array_equal(LOSSES["half_mse"].gradient(y, y_pred), mse_gradient(y, y_pred) / 2)


@pytest.mark.parametrize("name", list(LOSSES))
def test_weighted_gradients_match_central_differences(name: str) -> None:
    rng = np.random.default_rng(7)
    y = np.eye(3)[rng.integers(0, 3, size=4)]
    output = rng.normal(size=(4, 3))
    weights = rng.uniform(0.1, 2.0, size=4)
    loss = LOSSES[name]
    numerical = _numerical_gradient(lambda V: loss.function(y, V, weights), output)
    np.testing.assert_allclose(loss.gradient(y, output, weights), numerical, **GRAD_TOL)


# --------------------------------------------------------- your own loss, checked when made
def test_a_learners_loss_is_checked_and_trains_as_the_built_in(tutorial_X: np.ndarray,
                                                              tutorial_y: np.ndarray) -> None:
    from playwithnn import NeuralNetwork

    def my_sse(y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.sum((y - y_pred) ** 2)

    def my_sse_gradient(y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return 2 * (y_pred - y)

    mine = Loss("my_sse", my_sse, my_sse_gradient, natural_output="sigmoid", reduction="sum")
    net = NeuralNetwork([3, 4, 1], loss=mine, seed=1)
    ref = NeuralNetwork([3, 4, 1], loss="sse", seed=1)
    assert net.loss_name == "my_sse" and net.output_activation == "sigmoid"
    np.testing.assert_allclose(net.fit(tutorial_X, tutorial_y, epochs=100).loss,
                               ref.fit(tutorial_X, tutorial_y, epochs=100).loss, rtol=1e-12)
    with pytest.raises(TypeError, match="loss 'my_sse' takes no sample_weight"):
        net.fit(tutorial_X, tutorial_y, epochs=1, sample_weight=np.ones(4))


def test_a_wrong_gradient_is_caught_naming_the_worst_entry() -> None:
    with pytest.raises(ValueError) as info:
        Loss("flipped", lambda y, p: sse(y, p), lambda y, p: 2 * (y - p), reduction="sum")
    message = str(info.value)
    assert message.startswith("loss 'flipped': its gradient is wrong at output[")
    assert "(central difference) but the gradient gives" in message
    assert "It is the gradient with its sign flipped" in message
    # Half the gradient (a forgotten factor 2) is caught too, without the sign hint.
    where = r"gradient is wrong at output\[\d, \d\] = [\d.]+ \(target [\d.]+\)"
    with pytest.raises(ValueError, match=where) as half:
        Loss("half", lambda y, p: sse(y, p), lambda y, p: p - y)
    assert "sign flipped" not in str(half.value)


def test_bad_loss_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="gradient must be callable"):
        Loss("x", sse, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'mean'"):
        Loss("x", sse, sse_gradient, reduction="max")
    with pytest.raises(ValueError, match="unknown natural_output 'sigmod'"):
        Loss("x", sse, sse_gradient, natural_output="sigmod")
    with pytest.raises(ValueError, match="loss: the loss 'sse' given is not the one known by that name"):
        get_loss(Loss("sse", lambda y, p: sse(y, p), sse_gradient, reduction="sum"))


def test_loss_registration_is_explicit() -> None:
    from playwithnn.losses import register, unregister

    mine = Loss("half_sse", lambda y, p: sse(y, p) / 2, lambda y, p: p - y, reduction="sum")
    with pytest.raises(ValueError, match=r"unknown loss 'half_sse'.*playwithnn.losses.register\(loss\)"):
        get_loss("half_sse")
    register(mine)
    try:
        assert get_loss("half_sse") is mine
    finally:
        unregister("half_sse")
    with pytest.raises(ValueError, match="'mse' is a built-in loss"):
        register(Loss("mse", mse, mse_gradient))
