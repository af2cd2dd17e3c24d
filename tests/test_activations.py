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
