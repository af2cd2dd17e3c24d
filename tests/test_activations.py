"""Activation functions and their derivatives (playwithnn.activations)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from playwithnn.activations import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    Activation,
    get_activation,
    identity,
    identity_derivative,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_backward,
    tanh,
    tanh_derivative,
)

ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
DTYPES = (np.float32, np.float64)
LN2, LN3 = np.log(2.0), np.log(3.0)


# --------------------------------------------------------------------------- exact values
# ln 2 and ln 3 are rounded to float64 and the functions round again, so values
# reached through them are compared to 1e-15 relative: a few units in the last
# place. Values that need no rounding at all are compared exactly.


def test_sigmoid_exact_values() -> None:
    # σ(0) = 1/2, σ(ln 3) = 1 / (1 + 1/3) = 3/4, σ(-ln 3) = 1 / (1 + 3) = 1/4
    assert sigmoid(np.array([[0.0]]))[0, 0] == 0.5
    np.testing.assert_allclose(sigmoid(np.array([[LN3, -LN3]])), [[0.75, 0.25]], rtol=1e-15)
    # far out the sigmoid is exactly 1 or 0 in float64
    np.testing.assert_array_equal(sigmoid(np.array([[40.0, -1e4, 1e4]])), [[1.0, 0.0, 1.0]])


def test_tanh_exact_values() -> None:
    # tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 3/5
    assert tanh(np.array([[0.0]]))[0, 0] == 0.0
    np.testing.assert_allclose(tanh(np.array([[LN2, -LN2]])), [[0.6, -0.6]], rtol=1e-15)
    np.testing.assert_array_equal(tanh(np.array([[1e4, -1e4]])), [[1.0, -1.0]])


def test_relu_and_leaky_relu_exact_values() -> None:
    Z = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_array_equal(relu(Z), [[0.0, 0.0, 0.0, 0.5, 3.0]])
    np.testing.assert_array_equal(leaky_relu(Z), [[-0.02, -0.005, 0.0, 0.5, 3.0]])
    assert LEAKY_SLOPE == 0.01


def test_identity_returns_its_input_values() -> None:
    Z = np.array([[-2.5, 0.0, 7.0]])
    np.testing.assert_array_equal(identity(Z), Z)


def test_softmax_exact_values() -> None:
    # softmax(ln 1, ln 2, ln 5) = (1, 2, 5) / 8; adding a constant to a row changes nothing
    Z = np.log(np.array([[1.0, 2.0, 5.0]]))
    np.testing.assert_allclose(softmax(Z), [[0.125, 0.25, 0.625]], rtol=1e-15)
    np.testing.assert_allclose(softmax(Z + 100.0), [[0.125, 0.25, 0.625]], rtol=1e-13)
    np.testing.assert_array_equal(softmax(np.zeros((2, 4))), np.full((2, 4), 0.25))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_rows_sum_to_one(dtype: type) -> None:
    rng = np.random.default_rng(0)
    Z = (rng.normal(size=(50, 7)) * rng.choice([0.1, 1.0, 30.0, 1e3], size=(50, 1))).astype(dtype)
    A = softmax(Z)
    assert A.dtype == dtype
    assert np.all(A >= 0) and np.all(A <= 1)
    # Each row sums to 1 up to one rounding per term: 7 terms of float eps.
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=0, atol=8 * eps)


# --------------------------------------------------------------------------- derivatives


def _central_difference(f: Callable[[np.ndarray], np.ndarray], Z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return (f(Z + h) - f(Z - h)) / (2 * h)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name: str) -> None:
    # Points from -4 to 4, none within 0.05 of 0 (the ReLUs' kink, where no
    # derivative exists). In float64 with h = 1e-6 the central difference errs by
    # about h**2 (truncation) plus 1e-16 / h (rounding): 1e-9 covers both.
    activation = ACTIVATIONS[name]
    Z = np.linspace(-4.0, 4.0, 81).reshape(9, 9)
    Z = Z[np.abs(Z) > 0.05].reshape(8, 10)
    numerical = _central_difference(activation.function, Z)
    assert activation.derivative is not None
    analytic = activation.derivative(activation.function(Z))
    np.testing.assert_allclose(analytic, numerical, rtol=1e-8, atol=1e-9)


def test_derivatives_take_the_output_not_the_input() -> None:
    # σ'(z) = σ(z) (1 - σ(z)): at z = 2 that is 0.10499...; the derivative is given
    # A = σ(2), and giving it z itself is the classic mistake: 2 (1 - 2) = -2.
    z = np.array([[2.0]])
    true = np.exp(-2.0) / (1 + np.exp(-2.0)) ** 2
    assert sigmoid_derivative(sigmoid(z))[0, 0] == pytest.approx(true, rel=1e-15)
    assert sigmoid_derivative(z)[0, 0] == -2.0
    # tanh'(z) = 1 - tanh(z)**2, given tanh(z) = 3/5 at z = ln 2: 16/25
    np.testing.assert_allclose(tanh_derivative(tanh(np.array([[LN2]]))), [[0.64]], rtol=1e-15)
    # The ReLUs read the sign of the output, which is the sign of the input.
    Z = np.array([[-3.0, 2.0]])
    np.testing.assert_array_equal(relu_derivative(relu(Z)), [[0.0, 1.0]])
    np.testing.assert_array_equal(leaky_relu_derivative(leaky_relu(Z)), [[0.01, 1.0]])
    np.testing.assert_array_equal(identity_derivative(identity(Z)), [[1.0, 1.0]])


def test_relu_derivative_at_zero_is_zero() -> None:
    # No derivative exists at the kink; 0 is the convention (PyTorch's too).
    np.testing.assert_array_equal(relu_derivative(relu(np.array([[0.0]]))), [[0.0]])
    np.testing.assert_array_equal(leaky_relu_derivative(leaky_relu(np.array([[0.0]]))), [[0.01]])


def test_softmax_backward_matches_central_differences() -> None:
    # softmax_backward(A, dA) is the gradient of the scalar sum(dA * softmax(Z))
    # with respect to Z. Central differences, h = 1e-6, in float64: ~1e-10 error.
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(4, 5)) * 2
    dA = rng.normal(size=(4, 5))
    numerical = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += 1e-6
        Zm[idx] -= 1e-6
        numerical[idx] = (np.sum(dA * softmax(Zp)) - np.sum(dA * softmax(Zm))) / 2e-6
    np.testing.assert_allclose(softmax_backward(softmax(Z), dA), numerical, rtol=1e-7, atol=1e-9)


def test_softmax_backward_is_the_jacobian_product() -> None:
    # dZ_j = sum_i dA_i A_i (δ_ij - A_j), written out with the full Jacobian for one row.
    A = softmax(np.array([[0.3, -1.2, 2.0]]))
    dA = np.array([[1.0, -2.0, 0.5]])
    a = A[0]
    jacobian = np.diag(a) - np.outer(a, a)  # J[i, j] = dA_i/dZ_j
    np.testing.assert_allclose(softmax_backward(A, dA)[0], dA[0] @ jacobian, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_backward_multiplies_by_the_derivative(name: str, dtype: type) -> None:
    activation = ACTIVATIONS[name]
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(6, 3)).astype(dtype)
    A = activation.forward(Z)
    dA = rng.normal(size=(6, 3)).astype(dtype)
    assert activation.derivative is not None
    expected = dA * activation.derivative(A)
    dZ = activation.backward(A, dA.copy())
    assert dZ.dtype == dtype
    np.testing.assert_array_equal(dZ, expected)


def test_softmax_activation_backward_uses_the_jacobian() -> None:
    activation = ACTIVATIONS["softmax"]
    A = softmax(np.array([[0.3, -1.2, 2.0], [1.0, 1.0, 1.0]]))
    dA = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    np.testing.assert_array_equal(activation.backward(A, dA.copy()), softmax_backward(A, dA))


# --------------------------------------------------------------------------- stability and dtype


@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_stable_at_plus_minus_1e4(name: str, dtype: type) -> None:
    # Overflow, 0/0 or a division by zero would raise here (pytest turns warnings
    # into errors, and errstate makes NumPy raise); underflow to 0 is the right answer.
    activation = ACTIVATIONS[name]
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, 1e4, 1e4]], dtype=dtype)
    dA = np.ones_like(Z)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = activation.forward(Z)
        dZ = activation.backward(A, dA)
    assert A.dtype == dtype and dZ.dtype == dtype
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dZ))


def test_saturated_values_are_exact() -> None:
    Z = np.array([[1e4, -1e4]], dtype=np.float32)
    np.testing.assert_array_equal(sigmoid(Z), [[1.0, 0.0]])
    np.testing.assert_array_equal(sigmoid_derivative(sigmoid(Z)), [[0.0, 0.0]])
    np.testing.assert_array_equal(tanh_derivative(tanh(Z)), [[0.0, 0.0]])
    np.testing.assert_array_equal(softmax(np.array([[1e4, -1e4], [-1e4, 1e4]])), [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_is_preserved(name: str, dtype: type) -> None:
    activation = ACTIVATIONS[name]
    Z = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    A = activation.function(Z)
    assert activation.derivative is not None
    assert A.dtype == dtype
    assert activation.derivative(A).dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_dtype_is_preserved(dtype: type) -> None:
    Z = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    A = softmax(Z)
    assert A.dtype == dtype
    assert softmax_backward(A, np.ones_like(A)).dtype == dtype


# --------------------------------------------------------------------------- the table and look-up


def test_the_table_names_every_activation() -> None:
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax", "exp"}
    assert all(a.name == name for name, a in ACTIVATIONS.items())
    assert [name for name, a in ACTIVATIONS.items() if not a.hidden] == ["softmax", "exp"]
    assert ACTIVATIONS["softmax"].derivative is None


def test_get_activation() -> None:
    assert get_activation("tanh") is ACTIVATIONS["tanh"]
    custom = Activation("double", lambda Z: 2 * Z, lambda A: np.full_like(A, 2.0))
    assert get_activation(custom) is custom
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'; expected one of .*'sigmoid'"):
        get_activation("sigmod")
    with pytest.raises(ValueError, match=r"unknown output_activation 'soft'"):
        get_activation("soft", argument="output_activation")
    with pytest.raises(TypeError, match="activation must be a string"):
        get_activation(3)  # type: ignore[arg-type]


def test_exp_is_its_own_derivative_and_overflows_quietly() -> None:
    Z = np.array([[0.0, 1.0, 1e4]])
    with np.errstate(over="raise"):
        A = ACTIVATIONS["exp"].forward(Z)
    assert A[0, 0] == 1.0 and A[0, 1] == np.e and A[0, 2] == np.inf
    np.testing.assert_array_equal(ACTIVATIONS["exp"].backward(A[:, :2], np.ones((1, 2))), A[:, :2])


# ------------------------------------------------------ your own activation, checked when made
def article_sigmoid(x: np.ndarray) -> np.ndarray:
    """The article's sigmoid, one argument, as a learner writes it."""
    return 1 / (1 + np.exp(-x))


def article_sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    """The article's derivative, of the output a = sigmoid(z)."""
    return x * (1 - x)


def swish(z: np.ndarray) -> np.ndarray:
    return z * article_sigmoid(z)


def swish_derivative(z: np.ndarray) -> np.ndarray:
    s = article_sigmoid(z)
    return s * (1 + z * (1 - s))


def test_the_articles_sigmoid_is_accepted_and_computes_as_the_built_in() -> None:
    mine = Activation("article_sigmoid", article_sigmoid, article_sigmoid_derivative)
    Z = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(mine.forward(Z), sigmoid(Z), rtol=1e-15)
    A = mine.forward(Z)
    np.testing.assert_allclose(mine.backward(A, np.ones_like(A)), sigmoid_derivative(A), rtol=1e-15)
    assert mine.takes == "a" and mine.hidden and mine.init == "glorot"


def test_the_sigmoid_applied_twice_is_caught_naming_the_worst_input() -> None:
    # The article's trap: a derivative written for z, σ(x)(1 - σ(x)), given the output a.
    def twice(a: np.ndarray) -> np.ndarray:
        return article_sigmoid(a) * (1 - article_sigmoid(a))

    with pytest.raises(ValueError) as info:
        Activation("twice", article_sigmoid, twice)
    message = str(info.value)
    # The worst input is the end of the range where σ'(z) is smallest but σ'(σ(z)) ≈ 0.25.
    z = -4.9
    expected, actual = float(sigmoid_derivative(sigmoid(np.array(z)))), float(twice(sigmoid(np.array(z))))
    assert f"its derivative is wrong at z = {z:.4g}" in message
    assert f"the slope of the function there is {expected:.6g} (central difference)" in message
    assert f"the derivative gives {actual:.6g}" in message
    assert "It gives the right slope when given z" in message and "σ applied twice" in message
    assert "takes='z'" in message


def test_swish_takes_z_and_is_accepted_its_derivative_given_a_is_not() -> None:
    act = Activation("swish", swish, swish_derivative, takes="z")
    Z = np.linspace(-3, 3, 12).reshape(3, 4)
    A = act.forward(Z)
    np.testing.assert_allclose(act.backward(A, np.ones_like(A), Z=Z), swish_derivative(Z), rtol=1e-15)
    with pytest.raises(ValueError, match="takes z: backward needs Z"):
        act.backward(A, np.ones_like(A))
    with pytest.raises(ValueError, match=r"wrong at z = .*It gives the right slope when given z"):
        Activation("swish", swish, swish_derivative)  # takes="a" by default: given a, it is wrong
    # A derivative of the output declared as taking z is caught the other way round.
    with pytest.raises(ValueError, match=r"when given a = f\(z\): leave takes='a'"):
        Activation("mine", article_sigmoid, article_sigmoid_derivative, takes="z")


@pytest.mark.parametrize(
    ("function", "derivative", "message"),
    [
        (np.tanh, lambda a: 1 - a, r"wrong at z = .* \(takes='a': the derivative is given a = f\(z\).\)"),
        (np.log, lambda a: 1 / np.exp(a), r"its function is not finite at z = -4\.9"),
        (lambda z: z.sum(axis=1), lambda a: a, r"must keep the shape of its input"),
        (np.tanh, lambda a: np.ones(3), r"its derivative must keep the shape"),
    ],
)
def test_wrong_activations_are_refused(function: Callable[..., np.ndarray],
                                       derivative: Callable[..., np.ndarray],
                                       message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Activation("bad", function, derivative)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        Activation("", np.tanh, tanh_derivative)
    with pytest.raises(TypeError, match="function must be callable"):
        Activation("x", 3, tanh_derivative)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="derivative is missing"):
        Activation("x", np.tanh, None)
    with pytest.raises(ValueError, match="takes must be 'a'"):
        Activation("x", np.tanh, tanh_derivative, takes="y")


def test_every_built_in_passes_its_own_check() -> None:
    from playwithnn.activations import check_derivative

    for act in ACTIVATIONS.values():
        if act.derivative is not None:
            check_derivative(act.forward, act.derivative_of, act.takes, act.name)


def test_registration_is_explicit_and_protects_the_built_in_names() -> None:
    from playwithnn.activations import register, unregister

    mine = Activation("article_sigmoid", article_sigmoid, article_sigmoid_derivative)
    with pytest.raises(ValueError, match=r"unknown activation 'article_sigmoid'.*register\(activation\)"):
        get_activation("article_sigmoid")  # made, not registered
    assert register(mine) is mine
    try:
        assert get_activation("article_sigmoid") is mine
        again = Activation("article_sigmoid", lambda x: article_sigmoid(x), article_sigmoid_derivative)
        with pytest.raises(ValueError, match="not the one known by that name"):
            get_activation(again)
        assert register(again) is again  # re-registering a name replaces it
        assert get_activation("article_sigmoid") is again
    finally:
        unregister("article_sigmoid")
    with pytest.raises(KeyError, match="no custom activation is registered as 'article_sigmoid'"):
        unregister("article_sigmoid")
    with pytest.raises(ValueError, match="'sigmoid' is a built-in activation"):
        register(Activation("sigmoid", article_sigmoid, article_sigmoid_derivative))
    with pytest.raises(ValueError, match="not the one known by that name"):
        get_activation(Activation("sigmoid", article_sigmoid, article_sigmoid_derivative))
    with pytest.raises(TypeError, match="register takes an Activation"):
        register("tanh")  # type: ignore[arg-type]


def test_a_custom_activation_without_init_gets_glorot_in_a_layer() -> None:
    from playwithnn import Dense

    act = Activation("swish", swish, swish_derivative, takes="z")
    layer = Dense(200, 100, act, rng=np.random.default_rng(0))  # was a KeyError: no default by name
    limit = np.sqrt(6 / 300)
    assert np.abs(layer.W).max() <= limit and np.abs(layer.W).max() > 0.9 * limit
    he = Dense(200, 100, Activation("swish", swish, swish_derivative, takes="z", init="he"),
               rng=np.random.default_rng(0))
    assert np.abs(he.W).std() > np.abs(layer.W).std()


def test_custom_activations_train_a_network_anywhere_a_name_is_accepted(tutorial_X: np.ndarray,
                                                                       tutorial_y: np.ndarray) -> None:
    from playwithnn import NeuralNetwork
    from playwithnn.gradcheck import max_relative_error, numerical_gradients

    mine = Activation("article_sigmoid", article_sigmoid, article_sigmoid_derivative)
    act_swish = Activation("swish", swish, swish_derivative, takes="z")
    net = NeuralNetwork([3, 4, 1], activation=mine, seed=1)
    ref = NeuralNetwork([3, 4, 1], activation="sigmoid", seed=1)
    assert net.activation == ["article_sigmoid"] and net.layers[0].activation is mine
    h1 = net.fit(tutorial_X, tutorial_y, epochs=200, learning_rate=1.0)
    h2 = ref.fit(tutorial_X, tutorial_y, epochs=200, learning_rate=1.0)
    np.testing.assert_allclose(h1.loss, h2.loss, rtol=1e-10)
    # Per layer, and as the output, with gradients that finite differences confirm.
    deep = NeuralNetwork([3, 5, 4, 1], activation=[act_swish, "tanh"], output_activation=mine, seed=2)
    assert deep.activation == ["swish", "tanh"] and deep.output_activation == "article_sigmoid"
    assert deep.layers[0].Z is None
    grads = deep.gradients(tutorial_X, tutorial_y)
    assert deep.layers[0].Z is not None and deep.layers[1].Z is None  # kept only where the derivative takes z
    assert max_relative_error(numerical_gradients(deep, tutorial_X, tutorial_y), grads) < 1e-6


def test_custom_activation_agrees_with_pytorch_autograd() -> None:
    torch = pytest.importorskip("torch")
    from playwithnn import NeuralNetwork

    act = Activation("swish", swish, swish_derivative, takes="z")
    net = NeuralNetwork([3, 4, 2], activation=act, loss="mse", seed=3)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    W1, b1, W2, b2 = (torch.tensor(p.copy(), requires_grad=True) for p in net.parameters())
    Z1 = torch.tensor(X) @ W1 + b1
    out = (Z1 * torch.sigmoid(Z1)) @ W2 + b2
    torch.mean((out - torch.tensor(y)) ** 2).backward()
    grads = net.gradients(X, y)
    for name, t in zip(["W1", "b1", "W2", "b2"], [W1, b1, W2, b2]):
        np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=1e-10, atol=1e-14)
