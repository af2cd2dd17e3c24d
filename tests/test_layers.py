"""The fully connected layer (playwithnn.layers.Dense)."""

from __future__ import annotations

import numpy as np
import pytest

from playwithnn.activations import ACTIVATIONS
from playwithnn.initializers import glorot, he, uniform
from playwithnn.layers import Dense

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax")
DTYPES = (np.float32, np.float64)


def _layer(activation: str = "tanh", *, bias: bool = True, seed: int = 0, dtype: type = np.float64,
           n_in: int = 3, n_out: int = 4, input_gradient: bool = True) -> Dense:
    """A layer with random weights and random, non-zero biases."""
    rng = np.random.default_rng(seed)
    layer = Dense(n_in, n_out, activation, bias=bias, rng=rng, dtype=dtype, input_gradient=input_gradient)
    if layer.b is not None:
        layer.b[...] = rng.normal(size=n_out)
    return layer


# --------------------------------------------------------------------------- forward


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_forward_is_f_of_X_W_plus_b(activation: str) -> None:
    layer = _layer(activation)
    X = np.random.default_rng(1).normal(size=(5, 3))
    A = layer.forward(X)
    assert A.shape == (5, 4)
    assert layer.b is not None
    np.testing.assert_allclose(A, ACTIVATIONS[activation].function(X @ layer.W + layer.b), rtol=1e-15)


def test_forward_without_bias() -> None:
    layer = _layer("sigmoid", bias=False)
    assert layer.b is None and layer.db is None
    assert layer.parameters() == [layer.W] and layer.gradients() == [layer.dW]
    X = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_allclose(layer.forward(X), ACTIVATIONS["sigmoid"].function(X @ layer.W), rtol=1e-15)


def test_parameters_are_live() -> None:
    layer = _layer("identity")
    W, b = layer.parameters()
    assert W is layer.W and b is layer.b
    W[...] = 0.0
    b[...] = [1.0, 2.0, 3.0, 4.0]
    np.testing.assert_array_equal(layer.forward(np.ones((2, 3))), [[1.0, 2.0, 3.0, 4.0]] * 2)


def test_a_training_pass_keeps_the_input_and_output() -> None:
    X = np.random.default_rng(1).normal(size=(5, 3))
    layer = _layer("sigmoid")
    layer.forward(X)
    assert layer.X is None and layer.A is None  # only a training pass keeps anything
    A = layer.forward(X, train=True)
    assert layer.X is X and layer.A is A


# --------------------------------------------------------------------------- backward


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("bias", [True, False])
def test_backward_shapes_and_formulas(activation: str, bias: bool) -> None:
    rng = np.random.default_rng(2)
    layer = _layer(activation, bias=bias)
    X = rng.normal(size=(6, 3))
    A = layer.forward(X, train=True)
    dA = rng.normal(size=(6, 4))
    dX = layer.backward(dA.copy())
    assert dX is not None
    assert dX.shape == (6, 3) and layer.dW.shape == (3, 4)
    # dZ = dA ⊙ f'(Z) (softmax: its Jacobian), dW = Xᵀ dZ, db = Σ_i dZ_i, dX = dZ Wᵀ
    dZ = ACTIVATIONS[activation].backward(A, dA.copy())
    np.testing.assert_allclose(layer.dW, X.T @ dZ, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dX, dZ @ layer.W.T, rtol=1e-14, atol=1e-15)
    if bias:
        assert layer.db is not None and layer.db.shape == (4,)
        np.testing.assert_allclose(layer.db, dZ.sum(axis=0), rtol=1e-14, atol=1e-15)
    else:
        assert layer.db is None


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_backward_matches_central_differences(activation: str) -> None:
    # backward(G) is the gradient of the scalar s = sum(G * forward(X)) with respect
    # to W, b and X. Central differences with h = 1e-6 in float64 err by about
    # 1e-10 here; rtol 1e-7 with atol 1e-9 leaves room and catches any wrong term.
    rng = np.random.default_rng(3)
    layer = _layer(activation, seed=4)
    X = rng.normal(size=(5, 3))
    G = rng.normal(size=(5, 4))
    assert layer.b is not None
    # The ReLUs' kink: these draws keep every pre-activation at least 1e-2 from 0,
    # far beyond what a step of 1e-6 can move it.
    assert np.abs(X @ layer.W + layer.b).min() > 1e-2

    def s() -> float:
        return float(np.sum(G * layer.forward(X)))

    def numerical(V: np.ndarray, h: float = 1e-6) -> np.ndarray:
        grad = np.empty_like(V)
        for idx in np.ndindex(V.shape):
            v = V[idx]
            V[idx] = v + h
            up = s()
            V[idx] = v - h
            down = s()
            V[idx] = v
            grad[idx] = (up - down) / (2 * h)
        return grad

    expected_dW, expected_db, expected_dX = numerical(layer.W), numerical(layer.b), numerical(X)
    layer.forward(X, train=True)
    dX = layer.backward(G.copy())
    tol = {"rtol": 1e-7, "atol": 1e-9}
    np.testing.assert_allclose(layer.dW, expected_dW, **tol)
    np.testing.assert_allclose(layer.db, expected_db, **tol)
    np.testing.assert_allclose(dX, expected_dX, **tol)


def test_input_gradient_false_returns_none_but_fills_the_gradients() -> None:
    layer = _layer("sigmoid", input_gradient=False)
    X = np.ones((2, 3))
    layer.forward(X, train=True)
    assert layer.backward(np.ones((2, 4))) is None
    twin = _layer("sigmoid")
    twin.forward(X, train=True)
    assert twin.backward(np.ones((2, 4))) is not None
    np.testing.assert_array_equal(layer.dW, twin.dW)
    assert np.any(layer.dW != 0)


def test_dropout_mask_scales_the_kept_outputs_and_their_gradients() -> None:
    rng = np.random.default_rng(6)
    layer = _layer("tanh")
    X = rng.normal(size=(50, 3))
    A = layer.forward(X, train=True, dropout=0.25, rng=np.random.default_rng(0))
    mask = layer.dropout_mask
    assert mask is not None and set(np.unique(mask)) <= {0.0, 1 / 0.75}
    assert layer.A is not None
    np.testing.assert_array_equal(A, layer.A * mask)
    G = rng.normal(size=A.shape)
    layer.backward(G.copy())
    plain = _layer("tanh")
    plain.forward(X, train=True)
    plain.backward(G * mask)  # dropout is the same as a gradient masked before the activation
    np.testing.assert_allclose(layer.dW, plain.dW, rtol=1e-14)


def test_backward_before_forward_raises() -> None:
    layer = _layer("sigmoid")
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(X, train=True\)"):
        layer.backward(np.ones((2, 4)))
    # a forward pass for prediction only keeps nothing for backward
    layer.forward(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"before forward"):
        layer.backward(np.ones((2, 4)))


# --------------------------------------------------------------------------- dtype


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_is_kept_end_to_end(activation: str, dtype: type) -> None:
    layer = _layer(activation, dtype=dtype)
    assert layer.W.dtype == dtype and layer.b is not None and layer.b.dtype == dtype
    X = np.random.default_rng(6).normal(size=(5, 3)).astype(dtype)
    A = layer.forward(X, train=True)
    dX = layer.backward(np.ones((5, 4), dtype=dtype))
    assert dX is not None and layer.db is not None
    assert A.dtype == dtype and dX.dtype == dtype
    assert layer.dW.dtype == dtype and layer.db.dtype == dtype


# --------------------------------------------------------------------------- initial weights


@pytest.mark.parametrize(("activation", "initializer"), [
    ("sigmoid", glorot), ("tanh", glorot), ("identity", glorot), ("softmax", glorot),
    ("relu", he), ("leaky_relu", he),
])
def test_default_initializer_by_activation(activation: str, initializer: object) -> None:
    layer = Dense(5, 7, activation, rng=np.random.default_rng(7))
    assert callable(initializer)
    np.testing.assert_array_equal(layer.W, initializer(5, 7, np.random.default_rng(7), np.float64))
    assert layer.b is not None
    np.testing.assert_array_equal(layer.b, np.zeros(7))  # biases start at zero


def test_init_overrides_the_default() -> None:
    layer = Dense(5, 7, "relu", init="uniform", rng=np.random.default_rng(7))
    np.testing.assert_array_equal(layer.W, uniform(5, 7, np.random.default_rng(7), np.float64))


def test_same_generator_state_gives_the_same_weights() -> None:
    a = Dense(4, 6, "tanh", rng=np.random.default_rng(8))
    b = Dense(4, 6, "tanh", rng=np.random.default_rng(8))
    c = Dense(4, 6, "tanh", rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)


def test_unknown_names_raise() -> None:
    with pytest.raises(ValueError, match="unknown activation 'sigmoids'"):
        Dense(2, 2, "sigmoids")
    with pytest.raises(ValueError, match="unknown init 'xavier'"):
        Dense(2, 2, "tanh", init="xavier")


# --------------------------------------------------------------------------- dropout


def test_dropout_zeroes_and_rescales_while_training_only() -> None:
    layer = _layer("sigmoid")
    X = np.random.default_rng(10).normal(size=(200, 3))
    A = layer.forward(X)
    dropped = layer.forward(X, train=True, dropout=0.25, rng=np.random.default_rng(11))
    kept = dropped != 0
    # kept outputs are divided by 1 - 0.25; the rest are 0
    np.testing.assert_allclose(dropped[kept], A[kept] / 0.75, rtol=1e-15)
    # 800 outputs, each kept with probability 0.75: the kept fraction has standard
    # deviation sqrt(0.75 * 0.25 / 800) = 0.015; 0.75 ± 0.06 is four of them.
    assert abs(kept.mean() - 0.75) < 0.06
    # backward lets gradients through the kept outputs only, scaled the same way
    dX = layer.backward(np.ones_like(A))
    assert dX is not None
    dZ = np.where(kept, 1 / 0.75, 0.0) * A * (1 - A)
    np.testing.assert_allclose(layer.dW, X.T @ dZ, rtol=1e-13)
    # prediction ignores dropout
    np.testing.assert_array_equal(layer.forward(X, dropout=0.25), A)


def test_dropout_needs_a_generator() -> None:
    with pytest.raises(ValueError, match="dropout needs rng"):
        _layer().forward(np.ones((2, 3)), train=True, dropout=0.5)


# --------------------------------------------------------------------------- shared memory


def test_share_memory_moves_the_parameters_into_the_given_buffers() -> None:
    layer = _layer("tanh")
    assert layer.n_parameters == 3 * 4 + 4
    W0 = layer.W.copy()
    assert layer.b is not None
    b0 = layer.b.copy()
    params, grads = np.zeros(16), np.zeros(16)
    layer.share_memory(params, grads)
    np.testing.assert_array_equal(layer.W, W0)  # the values are kept
    np.testing.assert_array_equal(layer.b, b0)
    np.testing.assert_array_equal(params, np.concatenate([W0.ravel(), b0]))
    params[0] = 42.0  # the layer's W is now a view of params
    assert layer.W[0, 0] == 42.0
    layer.forward(np.ones((2, 3)), train=True)
    layer.backward(np.ones((2, 4)))
    np.testing.assert_array_equal(grads, np.concatenate([layer.dW.ravel(), layer.db]))
    assert np.any(grads != 0)


def test_repr() -> None:
    assert repr(Dense(3, 4, "relu", rng=np.random.default_rng(0))) == "Dense(3, 4, 'relu')"
    assert repr(Dense(3, 4, bias=False, rng=np.random.default_rng(0))) == "Dense(3, 4, 'sigmoid', bias=False)"
