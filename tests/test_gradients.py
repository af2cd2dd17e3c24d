"""Proof that backpropagation is right.

Four independent witnesses check ``NeuralNetwork.gradients``:

1. central finite differences, in float64, over random architectures;
2. PyTorch autograd on the same networks, written out by hand from the same weights;
3. a 2-2-1 network worked out with pen and paper;
4. the tutorial's own update loop, line for line, over 1500 iterations.

The first, second and fourth run on every array library of ``conftest.LIBRARIES``
(NumPy, array-api-strict, PyTorch tensors): the network computes with the arrays it
is given, so each library's run of the same code is proved on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.nn import functional

from playwithnn import NeuralNetwork
from playwithnn.gradcheck import max_relative_error, numerical_gradients

from conftest import LIBRARIES, Library

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
NATURAL_LOSSES = ("sse", "mse", "binary_crossentropy", "categorical_crossentropy")
# Pairs of a loss with an output that is not its natural one (only the
# non-cross-entropy losses allow that), each with a random hidden activation per layer.
OTHER_PAIRS = (("sse", "tanh"), ("sse", "relu"), ("sse", "identity"), ("sse", "softmax"),
               ("sse", "leaky_relu"), ("mse", "sigmoid"), ("mse", "softmax"))
KINKED = frozenset({"relu", "leaky_relu"})
N_SAMPLES = 5

# ReLU and leaky ReLU have a kink at Z = 0, where the derivative jumps. A central
# difference straddling a kink measures the average of the two slopes, not the
# derivative, and would blame backpropagation for it. A step of EPS = 1e-5 in one
# weight moves a pre-activation by EPS times the inputs and weights on its path
# (all of order 1 here), about 1e-5, so we redraw X until every pre-activation
# feeding a kinked activation is at least KINK_MARGIN = 1e-3 away from 0: then no
# step crosses a kink, and the check is honest. One exception is safe and kept:
# without biases, a sample whose whole input to a layer is 0 (every ReLU below it
# off) has Z = 0 exactly, and no single step moves it, because the units below
# stay off and W multiplies zeros. No other activation here has a kink.
KINK_MARGIN = 1e-3

# The step of the central differences. Their error is about EPS**2 from
# truncation plus 1e-16 * |L| / EPS from rounding the loss; EPS = 1e-5 is near
# the best balance of the two (the usual cube root of the float64 precision).
# With EPS = 1e-6 the rounding part alone reaches 5e-7 relative for the smallest
# gradients here (a first-layer bias behind four sigmoid layers), too close to
# the bound; with 1e-5 the largest error over all cases is below 1e-7.
EPS = 1e-5


def _distance_to_kinks(net: NeuralNetwork, X: np.ndarray) -> float:
    """The smallest ``|Z|`` feeding a kinked activation, recomputed from the weights.

    ``Z = A_{l-1} @ W_l + b_l`` layer by layer; rows of a bias-free layer whose
    input is all zeros are left out (see above).
    """
    distance, A = np.inf, X
    for layer in net.layers:
        Z = A @ layer.W + (0.0 if layer.b is None else layer.b)
        if layer.activation.name in KINKED:
            movable = np.ones(len(Z), dtype=bool) if layer.b is not None else np.any(A != 0, axis=1)
            if movable.any():
                distance = min(distance, float(np.abs(Z[movable]).min()))
        A = layer.activation.function(Z)
    return distance


def _targets(loss: str, output: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Targets a learner would use with this loss and output."""
    n, k = shape
    if loss == "categorical_crossentropy" or output == "softmax":
        return np.eye(k)[rng.integers(0, k, size=n)]  # one-hot rows
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, size=shape).astype(np.float64)
    if output == "sigmoid":
        return rng.random(shape)  # in [0, 1), the sigmoid's range
    return rng.normal(size=shape)


def draw_case(
    rng: np.random.Generator,
    n_weight_layers: int,
    activation: str | list[str],
    loss: str,
    output_activation: str | None,
    bias: bool,
) -> tuple[NeuralNetwork, np.ndarray, np.ndarray]:
    """A random network (widths 1 to 16) with random non-zero biases, and data away from kinks."""
    net_output = output_activation or {"sse": "sigmoid", "mse": "identity", "binary_crossentropy": "sigmoid",
                                       "categorical_crossentropy": "softmax"}[loss]
    min_out = 2 if net_output == "softmax" else 1
    sizes = [int(n) for n in rng.integers(1, 17, size=n_weight_layers)]
    sizes.append(int(rng.integers(min_out, 17)))
    if isinstance(activation, list):
        activation = activation[: n_weight_layers - 1]
    net = NeuralNetwork(sizes, activation=activation, output_activation=output_activation, loss=loss,
                        bias=bias, seed=int(rng.integers(2**32)))
    for layer in net.layers:
        if layer.b is not None:
            layer.b[...] = rng.normal(0.0, 0.5, size=layer.b.shape)  # biases start at 0: move them
    for _ in range(100):
        X = rng.normal(size=(N_SAMPLES, sizes[0]))
        if _distance_to_kinks(net, X) >= KINK_MARGIN:
            break
    else:
        raise AssertionError("no inputs away from the ReLU kinks in 100 draws")
    y = _targets(loss, net_output, (N_SAMPLES, sizes[-1]), rng)
    return net, X, y


def _cases() -> list[tuple[str, str, str | None, bool]]:
    """(hidden activation, loss, output activation, bias) for every test case."""
    natural = [(act, loss, None, bias) for act in HIDDEN for loss in NATURAL_LOSSES for bias in (True, False)]
    other = [("mixed", loss, out, bias) for loss, out in OTHER_PAIRS for bias in (True, False)]
    return natural + other


CASES = _cases()


def networks_for(case_index: int, library: Library | None = None, depths: tuple[int, ...] = (1, 2, 3, 4)
                 ) -> list[tuple[NeuralNetwork, Any, Any]]:
    """Random networks with ``depths`` layers of weights (of 1, 2, 3 and 4), for ``CASES[case_index]``.

    Seeded by the case's index, so each test sees the same networks every run
    and the finite-difference and PyTorch tests see the same ones. With ``library``,
    each network is rebuilt there from the same weights, and its data moved there.
    """
    activation, loss, output, bias = CASES[case_index]
    rng = np.random.default_rng([2024, case_index])
    nets = []
    for depth in (1, 2, 3, 4):
        act: str | list[str] = (
            [str(a) for a in rng.choice(HIDDEN, size=3)] if activation == "mixed" else activation
        )
        case = draw_case(rng, depth, act, loss, output, bias)
        if depth in depths:
            nets.append(case if library is None else on(library, *case))
    return nets


def on(library: Library, net: NeuralNetwork, X: np.ndarray, y: np.ndarray) -> tuple[NeuralNetwork, Any, Any]:
    """The same network and data in ``library``: the network built there, with the same weights."""
    moved = NeuralNetwork(**net.get_config(), device=library.device)
    moved.set_parameters(net.parameters())
    return moved, library.asarray(X), library.asarray(y)


#: Central differences cost two evaluations of the loss per weight, each many times slower on
#: array-api-strict (which checks every operation) than on NumPy; away from NumPy they run on the
#: networks with two layers of weights, which still take every hidden activation, output and loss.
FINITE_DIFFERENCE_DEPTHS = {"numpy": (1, 2, 3, 4), "array_api_strict": (2,), "torch": (2,),
                            "torch_cuda": (2,), "cupy": (2,)}


def _case_id(case: tuple[str, str, str | None, bool]) -> str:
    activation, loss, output, bias = case
    return f"{activation}-{loss}-{output or 'natural'}-{'bias' if bias else 'nobias'}"


CASE_IDS = [_case_id(c) for c in CASES]


# --------------------------------------------------------------------------- 1. finite differences


@pytest.mark.parametrize("case_index", range(len(CASES)), ids=CASE_IDS)
def test_backprop_matches_central_differences(case_index: int, library: Library) -> None:
    # Central differences in float64 err by well under 1e-7 relative here (see
    # EPS); a wrong factor anywhere in backpropagation gives an error of order 1.
    # The bound 1e-6 is the issue's.
    for net, X, y in networks_for(case_index, library, FINITE_DIFFERENCE_DEPTHS[library.name]):
        before = [library.numpy(p).copy() for p in net.parameters()]
        numerical = numerical_gradients(net, X, y, eps=EPS)
        for p, p0 in zip(net.parameters(), before):
            np.testing.assert_array_equal(library.numpy(p), p0)  # every entry restored exactly
        backprop = net.gradients(X, y)
        assert list(backprop) == net.parameter_names()
        assert all(library.owns(g) for g in backprop.values())
        assert [tuple(g.shape) for g in backprop.values()] == [tuple(p.shape) for p in net.parameters()]
        assert max_relative_error(numerical, backprop) < 1e-6, net


def test_gradient_check_catches_a_wrong_gradient() -> None:
    # The check above must be able to fail: a gradient off by a factor 1.01 in
    # one entry is flagged.
    net, X, y = networks_for(0)[1]
    backprop = net.gradients(X, y)
    wrong = [g.copy() for g in backprop.values()]
    wrong[0].flat[np.argmax(np.abs(wrong[0]))] *= 1.01
    numerical = numerical_gradients(net, X, y, eps=EPS)
    assert max_relative_error(numerical, backprop) < 1e-6
    assert max_relative_error(numerical, wrong) > 1e-4


# --------------------------------------------------------------------------- 2. PyTorch autograd

TORCH_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda Z: functional.leaky_relu(Z, negative_slope=0.01),
    "identity": lambda Z: Z,
    "softmax": lambda Z: torch.softmax(Z, dim=1),
}


def torch_loss_and_gradients(net: NeuralNetwork, X: np.ndarray, y: np.ndarray
                             ) -> tuple[float, list[np.ndarray]]:
    """The network rebuilt by hand in PyTorch (float64) from its weights, differentiated by autograd.

    Same definitions as playwithnn.losses: sse sums over every element, mse
    averages over every element, binary cross-entropy (from the logits) averages
    over every element, categorical cross-entropy averages over samples.
    """
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in net.parameters()]
    it = iter(params)
    A = torch.tensor(X, dtype=torch.float64)
    Z = A
    for name in [*net.activation, net.output_activation]:
        Z = A @ next(it)
        if net.bias:
            Z = Z + next(it)
        A = TORCH_ACTIVATIONS[name](Z)
    t = torch.tensor(y, dtype=torch.float64)
    if net.loss_name == "sse":
        loss = ((t - A) ** 2).sum()
    elif net.loss_name == "mse":
        loss = ((t - A) ** 2).mean()
    elif net.loss_name == "binary_crossentropy":
        loss = functional.binary_cross_entropy_with_logits(Z, t)
    else:
        loss = -(t * torch.log_softmax(Z, dim=1)).sum() / t.shape[0]
    loss.backward()
    return loss.item(), [p.grad.numpy() for p in params]  # type: ignore[union-attr]


@pytest.mark.parametrize("case_index", range(len(CASES)), ids=CASE_IDS)
def test_backprop_matches_pytorch(case_index: int, library: Library) -> None:
    # Both sides compute the same float64 products in different orders, so they
    # agree to rounding: ~1e-15 relative. 1e-10 leaves room and still catches
    # any real difference. PyTorch differentiates the NumPy network; ours runs on the library.
    for (net, X, y), (ours, X_ours, y_ours) in zip(networks_for(case_index),
                                                   networks_for(case_index, library)):
        torch_loss, torch_grads = torch_loss_and_gradients(net, X, y)
        assert ours.loss(X_ours, y_ours) == pytest.approx(torch_loss, rel=1e-10, abs=1e-300)
        assert max_relative_error(ours.gradients(X_ours, y_ours), torch_grads) < 1e-10, net


# --------------------------------------------------------------------------- 3. worked by hand


def test_hand_worked_2_2_1_network() -> None:
    # A 2-2-1 network with sigmoid hidden and output units, biases, and the sse
    # loss, on two samples. The weights are multiples of ln 3 because
    #     σ(ln 3) = 1 / (1 + 1/3) = 3/4,   σ(0) = 1/2,   σ(-ln 3) = 1 / (1 + 3) = 1/4,
    # so every value below is a fraction with a power-of-two denominator.
    #
    #   X  = [[1, 0],      y = [[1   ],      W1 = [[ ln3, -ln3],   b1 = [0, ln3]
    #         [2, 1]]           [3/4 ]]            [-2ln3,    0]]
    #                                         W2 = [[ 2],          b2 = [-1/2]
    #                                               [-2]]
    # Feedforward
    #   Z1 = X W1 + b1:  row 1 = [ln3, -ln3] + [0, ln3]                = [ln3,    0]
    #                    row 2 = [2ln3 - 2ln3, -2ln3 + 0] + [0, ln3]   = [0,   -ln3]
    #   A1 = σ(Z1)     = [[3/4, 1/2],
    #                     [1/2, 1/4]]
    #   Z2 = A1 W2 + b2: row 1 = 3/2 - 1 - 1/2 = 0;  row 2 = 1 - 1/2 - 1/2 = 0
    #   ŷ  = σ(Z2)     = [[1/2], [1/2]]
    # Loss
    #   L = (1 - 1/2)² + (3/4 - 1/2)² = 1/4 + 1/16 = 5/16
    # Backpropagation (the tutorial's chain rule, as a gradient: dL/dŷ = 2 (ŷ - y))
    #   dL/dŷ = 2 (ŷ - y)          = [[-1], [-1/2]]
    #   dZ2   = dL/dŷ · ŷ (1 - ŷ)   = [[-1/4], [-1/8]]                    (ŷ (1 - ŷ) = 1/4)
    #   dW2   = A1ᵀ dZ2            = [[3/4·(-1/4) + 1/2·(-1/8)],  = [[-1/4 ],
    #                                 [1/2·(-1/4) + 1/4·(-1/8)]]     [-5/32]]
    #   db2   = dZ2 summed over rows = -1/4 - 1/8 = -3/8
    #   dA1   = dZ2 W2ᵀ            = [[-1/2, 1/2], [-1/4, 1/4]]           (W2ᵀ = [2, -2])
    #   A1 (1 - A1)                = [[3/16, 1/4], [1/4, 3/16]]
    #   dZ1   = dA1 · A1 (1 - A1)   = [[-3/32, 1/8], [-1/16, 3/64]]
    #   dW1   = Xᵀ dZ1             = [[1·(-3/32) + 2·(-1/16), 1·(1/8) + 2·(3/64)],  = [[-7/32, 7/32],
    #                                 [0·(-3/32) + 1·(-1/16), 0·(1/8) + 1·(3/64)]]     [-1/16, 3/64]]
    #   db1   = dZ1 summed over rows = [-3/32 - 1/16, 1/8 + 3/64] = [-5/32, 11/64]
    #
    # The fractions are exact; the computation is not quite, because ln 3 is
    # rounded to float64 and the sigmoid of it is rounded again: each value is
    # off by a few units in the last place (~1e-16). The tolerance 1e-12 is far
    # above that and far below any mistake in a formula.
    ln3 = np.log(3.0)
    net = NeuralNetwork([2, 2, 1], activation="sigmoid", loss="sse", bias=True)
    W1, b1, W2, b2 = net.parameters()
    W1[...] = [[ln3, -ln3], [-2 * ln3, 0.0]]
    b1[...] = [0.0, ln3]
    W2[...] = [[2.0], [-2.0]]
    b2[...] = [-0.5]
    X = np.array([[1.0, 0.0], [2.0, 1.0]])
    y = np.array([[1.0], [0.75]])
    tol = {"rtol": 0, "atol": 1e-12}

    np.testing.assert_allclose(net.layers[0].forward(X), [[0.75, 0.5], [0.5, 0.25]], **tol)
    np.testing.assert_allclose(net.feedforward(X), [[0.5], [0.5]], **tol)
    assert net.loss(X, y) == pytest.approx(0.3125, rel=0, abs=1e-12)
    dW1, db1, dW2, db2 = net.gradients(X, y).values()
    np.testing.assert_allclose(dW2, [[-0.25], [-0.15625]], **tol)
    np.testing.assert_allclose(db2, [-0.375], **tol)
    np.testing.assert_allclose(dW1, [[-0.21875, 0.21875], [-0.0625, 0.046875]], **tol)
    np.testing.assert_allclose(db1, [-0.15625, 0.171875], **tol)


# --------------------------------------------------------------------------- 4. the tutorial's loop


def _article_training(X: np.ndarray, y: np.ndarray, weights1: np.ndarray, weights2: np.ndarray,
                      iterations: int) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """James Loy's network, as the article writes it: no biases, learning rate 1, sse loss."""

    def sigmoid(x: np.ndarray) -> np.ndarray:
        return 1.0 / (1 + np.exp(-x))

    def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
        return x * (1.0 - x)

    weights1, weights2 = weights1.copy(), weights2.copy()
    losses = []
    for _ in range(iterations):
        # feedforward
        layer1 = sigmoid(np.dot(X, weights1))
        output = sigmoid(np.dot(layer1, weights2))
        losses.append(float(np.sum((y - output) ** 2)))
        # backprop: the chain rule for the derivative of the loss w.r.t. weights2 and weights1
        d_weights2 = np.dot(layer1.T, (2 * (y - output) * sigmoid_derivative(output)))
        d_weights1 = np.dot(X.T, (np.dot(2 * (y - output) * sigmoid_derivative(output), weights2.T)
                                  * sigmoid_derivative(layer1)))
        # update the weights with the derivative (slope) of the loss function
        weights1 += d_weights1
        weights2 += d_weights2
    return weights1, weights2, losses


@pytest.mark.parametrize(("library", "seed"), [
    # three seeds on NumPy; elsewhere the demo's (each run takes 1500 steps, slow on array-api-strict)
    (Library(name), seed) for name in LIBRARIES for seed in (0, 1, 2) if name == "numpy" or seed == 1
], ids=str)
def test_faithful_mode_is_the_article_loop(seed: int, tutorial_X: np.ndarray, tutorial_y: np.ndarray,
                                           library: Library) -> None:
    net = NeuralNetwork([3, 4, 1], bias=False, init="uniform", loss="sse", seed=seed)
    weights1, weights2 = (p.copy() for p in net.parameters())
    expected1, expected2, expected_losses = _article_training(
        tutorial_X, tutorial_y, weights1, weights2, 1500)

    # The network's first fit puts it where its data is: in the library.
    history = net.fit(library.asarray(tutorial_X), library.asarray(tutorial_y), epochs=1500,
                      learning_rate=1.0)

    # Both compute the same operations; they differ only in how the sigmoid is
    # evaluated (the article's 1 / (1 + exp(-x)) against scipy's expit on NumPy,
    # 1 / (1 + exp(-|x|)) elsewhere), a unit in the last place at most per call. Gradient
    # descent on this problem converges, so these differences do not grow: the largest
    # measured is 8.9e-15, far inside 1e-9.
    assert all(library.owns(p) for p in net.parameters())
    W1, W2 = (library.numpy(p) for p in net.parameters())
    np.testing.assert_allclose(W1, expected1, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(W2, expected2, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(history.loss, expected_losses, rtol=1e-9, atol=1e-12)


def test_faithful_mode_one_epoch_is_one_article_update(
    tutorial_X: np.ndarray, tutorial_y: np.ndarray, library: Library
) -> None:
    net = NeuralNetwork([3, 4, 1], bias=False, init="uniform", loss="sse", seed=0)
    weights1, weights2 = (p.copy() for p in net.parameters())
    expected1, expected2, _ = _article_training(tutorial_X, tutorial_y, weights1, weights2, 1)

    net.fit(library.asarray(tutorial_X), library.asarray(tutorial_y), epochs=1, learning_rate=1.0)

    W1, W2 = (library.numpy(p) for p in net.parameters())
    assert not np.array_equal(W1, weights1)  # the step did something
    # The same products and sums in the same order, so the same numbers, except
    # that the sigmoid is evaluated by different code (see above) and may differ
    # in its last bit on some machines. Each weight is allowed 2 units in the last
    # place; on the machine these tests were written on the results are identical.
    # PyTorch has an exp and a matrix product of its own, which round otherwise: 4 units
    # measured, 16 allowed; the same on a GPU, whose libraries have their own too.
    maxulp = 2 if library.name in ("numpy", "array_api_strict") else 16
    np.testing.assert_array_max_ulp(W1, expected1, maxulp=maxulp)
    np.testing.assert_array_max_ulp(W2, expected2, maxulp=maxulp)


def test_tutorial_data_is_solved_for_most_seeds(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    # Default settings: sigmoid hidden and output, sse loss, biases, Glorot
    # weights, learning rate 1, 1500 full-batch iterations. A seed counts as
    # solved when every prediction is within 0.1 of its target.
    solved = 0
    for seed in range(20):
        net = NeuralNetwork([3, 4, 1], seed=seed)
        net.fit(tutorial_X, tutorial_y, epochs=1500)
        solved += bool(np.all(np.abs(net.predict(tutorial_X) - tutorial_y) < 0.1))
    assert solved >= 18, f"solved for {solved} of 20 seeds"


# --------------------------------------------------------------------------- float32


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("loss", NATURAL_LOSSES)
def test_float32_gradients_match_float64(activation: str, loss: str, library: Library) -> None:
    rng = np.random.default_rng([32, HIDDEN.index(activation), NATURAL_LOSSES.index(loss)])
    n_out = 3
    kwargs = {"activation": activation, "loss": loss, "seed": 1, "device": library.device}
    net32 = NeuralNetwork([4, 8, 8, n_out], dtype=np.float32, **kwargs)
    net64 = NeuralNetwork([4, 8, 8, n_out], dtype=np.float64, **kwargs)
    # the same (float32-representable) weights, nonzero biases too
    weights = [rng.normal(0.0, 0.5, size=tuple(p.shape)).astype(np.float32) for p in net32.parameters()]
    net32.set_parameters(weights)
    net64.set_parameters(weights)
    output = net64.output_activation
    X = library.asarray(rng.normal(size=(10, 4)).astype(np.float32))
    y = library.asarray(_targets(loss, output, (10, n_out), rng).astype(np.float32))

    grads32 = net32.gradients(X, y)
    grads64 = net64.gradients(X, y)
    assert all(library.numpy(g).dtype == np.float32 for g in grads32.values())
    assert all(library.numpy(g).dtype == np.float64 for g in grads64.values())
    assert library.numpy(net32.feedforward(X)).dtype == np.float32
    # float32 rounds each operation to 6e-8 relative; through three layers, sums
    # over 10 samples and the loss, the roundings add up to a few times 1e-7
    # (2e-7 at most over these 20 cases). 1e-5 leaves room for other machines'
    # summation orders, and a float32 computation gone wrong (a cast to float64
    # and back, a lost term) would show far larger differences or the wrong dtype.
    assert max_relative_error(grads32, grads64) < 1e-5
    assert net32.loss(X, y) == pytest.approx(net64.loss(X, y), rel=1e-5)


# --------------------------------------------------------------------------- the checker's own edges


def test_gradcheck_refuses_what_it_cannot_check() -> None:
    net32 = NeuralNetwork([2, 3, 1], seed=0, dtype=np.float32)
    X, y = np.ones((2, 2)), np.ones((2, 1))
    with pytest.raises(TypeError, match=r"float64 parameters .* net.parameters\(\)\[0\] is float32"):
        numerical_gradients(net32, X, y)
    net = NeuralNetwork([2, 3, 1], seed=0)
    for eps in (0.0, -1e-6, float("nan")):
        with pytest.raises(ValueError, match="eps must be a positive finite number"):
            numerical_gradients(net, X, y, eps=eps)
    with pytest.raises(ValueError, match=r"same shape; got \(2,\) and \(3,\)"):
        max_relative_error([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(ValueError, match="same length; got 1 and 2"):
        max_relative_error([np.zeros(2)], [np.zeros(2), np.zeros(2)])
    assert max_relative_error([np.zeros(2)], [np.zeros(2)]) == 0.0
