"""``explain_step``: one iteration told with numbers that are the network's own."""

from __future__ import annotations

import re

import numpy as np
import pytest

from playwithnn import NeuralNetwork
from playwithnn.activations import sigmoid
from playwithnn.cli import main
from playwithnn.explain import explain_step, format_array, format_explanation, pitfalls

from conftest import Library

# explain_step writes the chain rule out a second time, in a different order of
# operations than the layers' backpropagation; the two agree to rounding, far
# below this bound (float64 carries about 16 digits; these arrays are O(1)).
RTOL, ATOL = 1e-12, 1e-14

NETWORKS = {
    "biases": dict(bias=True),
    "faithful": dict(bias=False, init="uniform"),
}


def network(kind: str, seed: int = 1, **kwargs: object) -> NeuralNetwork:
    return NeuralNetwork([3, 4, 1], seed=seed, **NETWORKS[kind], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_are_the_networks(kind: str, seed: int, tutorial_X: np.ndarray,
                                    tutorial_y: np.ndarray) -> None:
    net = network(kind, seed)
    e = explain_step(net, tutorial_X, tutorial_y)
    expected = list(net.gradients(tutorial_X, tutorial_y).values())
    assert [g.shape for g in e.gradients()] == [g.shape for g in expected]
    for mine, theirs in zip(e.gradients(), expected):
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("learning_rate", [1.0, 0.5])
def test_update_is_one_fit_epoch(kind: str, learning_rate: float, tutorial_X: np.ndarray,
                                 tutorial_y: np.ndarray) -> None:
    net = network(kind)
    e = explain_step(net, tutorial_X, tutorial_y, learning_rate=learning_rate)
    history = net.fit(tutorial_X, tutorial_y, epochs=1, learning_rate=learning_rate)
    assert history.loss[0] == pytest.approx(float(e["Loss"]), rel=RTOL)
    for mine, theirs in zip(e.updated_parameters(), net.parameters()):
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=ATOL)


def test_feedforward_and_loss_are_the_networks(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    net = network("biases")
    e = explain_step(net, tutorial_X, tutorial_y)
    np.testing.assert_allclose(e["ŷ"], net.predict(tutorial_X), rtol=RTOL)
    assert float(e["Loss"]) == pytest.approx(net.loss(tutorial_X, tutorial_y), rel=RTOL)
    W1, b1, _W2, _b2 = net.parameters()
    np.testing.assert_array_equal(e["z1"], tutorial_X @ W1 + b1)
    np.testing.assert_array_equal(e["a1"], sigmoid(tutorial_X @ W1 + b1))


def test_chain_rule_factors_are_the_tutorials(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    # The article's backprop, written as it writes it (no biases, learning rate 1):
    #   d_weights2 = np.dot(layer1.T, 2*(y - output) * sigmoid_derivative(output))
    #   d_weights1 = np.dot(input.T, np.dot(2*(y - output) * sigmoid_derivative(output),
    #                                       weights2.T) * sigmoid_derivative(layer1))
    net = network("faithful")
    weights1, weights2 = (p.copy() for p in net.parameters())
    layer1 = sigmoid(tutorial_X @ weights1)
    output = sigmoid(layer1 @ weights2)
    error = 2 * (tutorial_y - output) * (output * (1 - output))
    d_weights2 = layer1.T @ error
    d_weights1 = tutorial_X.T @ ((error @ weights2.T) * (layer1 * (1 - layer1)))

    e = explain_step(net, tutorial_X, tutorial_y)
    np.testing.assert_allclose(e["dLoss/dŷ"], -2 * (tutorial_y - output), rtol=RTOL)
    np.testing.assert_allclose(e["dŷ/dz2"], output * (1 - output), rtol=RTOL)
    np.testing.assert_allclose(e["da1/dz1"], layer1 * (1 - layer1), rtol=RTOL)
    np.testing.assert_array_equal(e["dz2/dW2"], e["a1"])
    np.testing.assert_array_equal(e["dz1/dW1"], tutorial_X)
    np.testing.assert_allclose(e["dLoss/dW2"], -d_weights2, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(e["dLoss/dW1"], -d_weights1, rtol=RTOL, atol=ATOL)
    # The article's update is weights += d_weights.
    np.testing.assert_allclose(e["W1 new"], weights1 + d_weights1, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(e["W2 new"], weights2 + d_weights2, rtol=RTOL, atol=ATOL)


def test_steps_in_order_with_shapes(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    e = explain_step(network("biases"), tutorial_X, tutorial_y)
    assert [s.name for s in e] == [
        "X", "y", "W1", "b1", "W2", "b2",
        "z1", "a1", "z2", "ŷ", "Loss",
        "dLoss/dŷ", "dŷ/dz2", "δ2", "dz2/dW2", "dLoss/dW2", "dLoss/db2", "dz2/da1", "dLoss/da1",
        "da1/dz1", "δ1", "dz1/dW1", "dLoss/dW1", "dLoss/db1",
        "W1 new", "b1 new", "W2 new", "b2 new", "Loss new",
    ]
    shapes = {s.name: s.shape for s in e}
    assert shapes["z1"] == shapes["a1"] == (4, 4)
    assert shapes["ŷ"] == shapes["δ2"] == (4, 1)
    assert shapes["Loss"] == ()
    assert shapes["dLoss/dW1"] == shapes["W1"] == (3, 4)
    assert shapes["dLoss/dW2"] == shapes["W2"] == (4, 1)
    assert shapes["dLoss/db1"] == (4,) and shapes["dLoss/db2"] == (1,)
    faithful = explain_step(network("faithful"), tutorial_X, tutorial_y)
    assert not any(s.name.startswith(("b1", "b2", "dLoss/db")) for s in faithful)
    assert len(faithful) == len(e) - 6


def test_network_is_not_changed(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    net = network("biases")
    before = [p.copy() for p in net.parameters()]
    explain_step(net, tutorial_X, tutorial_y)
    for p, q in zip(net.parameters(), before):
        np.testing.assert_array_equal(p, q)


def test_float32_network_stays_float32(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    net = network("biases", dtype=np.float32)
    e = explain_step(net, tutorial_X, tutorial_y)
    assert {s.value.dtype for s in e if s.value.ndim} == {np.dtype(np.float32)}
    for mine, theirs in zip(e.gradients(), net.gradients(tutorial_X, tutorial_y).values()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-7)  # float32: ~7 digits


def test_text_shows_every_array_rounded(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    net = network("biases")
    e = explain_step(net, tutorial_X, tutorial_y)
    text = format_explanation(e)
    # The printed gradients are the network's own, rounded to 4 places.
    for name, grad in zip(["dLoss/dW1", "dLoss/db1", "dLoss/dW2", "dLoss/db2"],
                          net.gradients(tutorial_X, tutorial_y).values()):
        block = "\n".join("    " + line for line in format_array(grad).splitlines())
        assert block in text, name
    net.fit(tutorial_X, tutorial_y, epochs=1, learning_rate=1.0)
    W1_new = "\n".join("    " + line for line in format_array(net.parameters()[0]).splitlines())
    assert f"W1 new = W1 - η dLoss/dW1   [shape 3×4]\n{W1_new}" in text
    for header in ["Feedforward", "Loss", "Backpropagation: the chain rule, factor by factor",
                   "Update: gradient descent"]:
        assert f"\n{header}\n" in text
    assert "dŷ/dz2 = σ'(z2) = ŷ (1 - ŷ)   [shape 4×1]" in text
    assert re.search(r"Loss = Σ \(y - ŷ\)²   \[scalar\].*\n    \d\.\d{4}\n", text)


def test_format_array_rounds_and_drops_negative_zero() -> None:
    assert format_array(np.array([[0.123456, -0.00004]]), decimals=3) == "[[0.123 0.000]]"
    assert format_array(np.array(1.23456), decimals=2) == "1.23"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(layer_sizes=[3, 4, 4, 1]), "one hidden layer"),
        (dict(layer_sizes=[3, 1]), "one hidden layer"),
        (dict(layer_sizes=[3, 4, 1], loss="mse", output_activation="sigmoid"), "loss 'sse'"),
        (dict(layer_sizes=[3, 4, 2], output_activation="softmax"), "element-wise activations"),
    ],
)
def test_rejects_networks_other_than_the_tutorials(kwargs: dict[str, object], message: str,
                                                   tutorial_X: np.ndarray,
                                                   tutorial_y: np.ndarray) -> None:
    net = NeuralNetwork(seed=0, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        explain_step(net, tutorial_X, tutorial_y)


def test_rejects_bad_data_and_learning_rate(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    net = network("biases")
    with pytest.raises(ValueError, match="learning_rate"):
        explain_step(net, tutorial_X, tutorial_y, learning_rate=0.0)
    with pytest.raises(ValueError, match="X has 2 columns"):
        explain_step(net, tutorial_X[:, :2], tutorial_y)
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        explain_step(net, tutorial_X, tutorial_y[:3])
    with pytest.raises(KeyError, match="no step named 'dLoss/db9'"):
        explain_step(net, tutorial_X, tutorial_y)["dLoss/db9"]


def test_cli_explain(capsys: pytest.CaptureFixture[str], tutorial_X: np.ndarray,
                     tutorial_y: np.ndarray) -> None:
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    net = NeuralNetwork([3, 4, 1], seed=1)  # the command's default seed
    assert out.endswith(format_explanation(explain_step(net, tutorial_X, tutorial_y)) + "\n")
    assert "with biases" in out

    assert main(["explain", "--faithful", "--seed", "3", "--learning-rate", "0.5", "--decimals", "6"]) == 0
    out = capsys.readouterr().out
    net = NeuralNetwork([3, 4, 1], seed=3, bias=False, init="uniform")
    expected = format_explanation(explain_step(net, tutorial_X, tutorial_y, learning_rate=0.5), decimals=6)
    assert out.endswith(expected + "\n")
    assert "no biases" in out and "b1" not in out


@pytest.mark.parametrize(
    "args",
    [["--learning-rate", "0"], ["--learning-rate", "nan"], ["--seed", "x"], ["--decimals", "0"]],
)
def test_cli_explain_bad_options(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", *args]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert len(out.err.splitlines()) == 1
    assert out.err.startswith(f"playwithnn explain: error: argument {args[0]}: expected ")


# ------------------------------------------------------- the loss after, iterations, η
@pytest.mark.parametrize("kind", NETWORKS)
def test_loss_after_the_update_is_the_next_iterations(kind: str, tutorial_X: np.ndarray,
                                                      tutorial_y: np.ndarray) -> None:
    net = network(kind)
    e = explain_step(net, tutorial_X, tutorial_y, learning_rate=0.5)
    history = net.fit(tutorial_X, tutorial_y, epochs=2, learning_rate=0.5)
    assert float(e["Loss new"]) == pytest.approx(history.loss[1], rel=RTOL)
    text = format_explanation(e)
    went = f"The loss went from {float(e['Loss']):.4f} to {float(e['Loss new']):.4f} in this iteration."
    assert went in text


@pytest.mark.parametrize("iteration", [2, 7, 300])
def test_iteration_n_is_the_walk_after_n_minus_1_plain_ones(iteration: int, tutorial_X: np.ndarray,
                                                           tutorial_y: np.ndarray) -> None:
    net = network("faithful")
    before = [p.copy() for p in net.parameters()]
    e = explain_step(net, tutorial_X, tutorial_y, learning_rate=0.5, iteration=iteration)
    for p, q in zip(net.parameters(), before):  # the walk ran on a copy
        np.testing.assert_array_equal(p, q)
    trained = network("faithful")
    history = trained.fit(tutorial_X, tutorial_y, epochs=iteration - 1, learning_rate=0.5)
    np.testing.assert_allclose(e["W1"], trained.parameters()[0], rtol=1e-10)
    assert float(e["Loss"]) == pytest.approx(trained.loss(tutorial_X, tutorial_y), rel=1e-10)
    assert float(e["Loss"]) < history.loss[0]
    for mine, theirs in zip(e.gradients(), trained.gradients(tutorial_X, tutorial_y).values()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)
    head = format_explanation(e).splitlines()[0]
    plural = "s" if iteration > 2 else ""
    assert head.startswith(
        f"Training iteration {iteration} (after {iteration - 1} plain one{plural}) of a 3-4-1")


@pytest.mark.parametrize("eta", [1.0, 0.5, 2.0])
def test_text_says_the_learning_rate_it_used(eta: float, tutorial_X: np.ndarray,
                                             tutorial_y: np.ndarray) -> None:
    text = format_explanation(explain_step(network("faithful"), tutorial_X, tutorial_y, learning_rate=eta))
    assert text.splitlines()[0].endswith(f"learning rate η = {eta:g} (no biases, as in the tutorial)")
    if eta == 1.0:
        assert "with its learning rate η = 1." in text
    else:
        assert "η = 1" not in text.replace("with η = 1. Here", "")
        assert f"Here η = {eta:g}: W += {eta:g} d_weights" in text


def test_custom_activations_are_explained_with_their_own_derivative(tutorial_X: np.ndarray,
                                                                    tutorial_y: np.ndarray) -> None:
    from playwithnn import Activation

    swish = Activation("swish_e", lambda z: z * sigmoid(z),
                       lambda z: sigmoid(z) * (1 + z * (1 - sigmoid(z))), takes="z")
    net = NeuralNetwork([3, 4, 1], activation=swish, seed=0)
    e = explain_step(net, tutorial_X, tutorial_y)
    for mine, theirs in zip(e.gradients(), net.gradients(tutorial_X, tutorial_y).values()):
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=ATOL)
    text = format_explanation(e)
    assert "3-4-1 swish_e hidden, sigmoid output network" in text
    assert "a1 = swish_e(z1)" in text and "da1/dz1 = swish_e'(z1), computed from z1" in text


def test_cli_explain_iteration_and_learning_rate(capsys: pytest.CaptureFixture[str], tutorial_X: np.ndarray,
                                                 tutorial_y: np.ndarray) -> None:
    assert main(["explain", "--faithful", "--iteration", "5", "--learning-rate", "0.5"]) == 0
    out = capsys.readouterr().out
    net = NeuralNetwork([3, 4, 1], seed=1, bias=False, init="uniform")
    expected = format_explanation(explain_step(net, tutorial_X, tutorial_y, learning_rate=0.5, iteration=5))
    assert out.endswith(expected + "\n")
    assert out.splitlines()[0].endswith("seed 1, learning rate 0.5, sum-of-squares loss")
    assert main(["explain", "--iteration", "0"]) == 2
    assert "--iteration: expected an integer from 1 to 1000000" in capsys.readouterr().err


# ------------------------------------------------------------------- pitfalls
def test_pitfalls_show_each_way_it_goes_wrong(tutorial_X: np.ndarray, tutorial_y: np.ndarray) -> None:
    from playwithnn.explain import TOO_LARGE, format_pitfalls, pitfalls

    net = network("faithful")
    runs = {run.name: run for run in pitfalls(net, tutorial_X, tutorial_y)}
    assert list(runs) == ["article", "derivative_of_z", "no_biases", "flipped_sign", "learning_rate"]
    article = runs["article"]
    # The right run is the network's own training, step for step.
    history = network("faithful").fit(tutorial_X, tutorial_y, epochs=1500, learning_rate=1.0)
    np.testing.assert_allclose(article.losses, history.loss, rtol=1e-9)
    assert article.first_rise is None or article.losses[-1] < 0.01
    # σ applied twice: slower, ends far higher; flipped sign: climbs from the first update to 2 (two
    # samples wrong); η 50 times larger: the loss jumps at once and saturates.
    assert runs["derivative_of_z"].losses[-1] > 10 * article.losses[-1]
    assert runs["flipped_sign"].first_rise == 2 and runs["flipped_sign"].losses[-1] > 1.99
    assert runs["learning_rate"].first_rise == 2 and runs["learning_rate"].losses[1] > 1.99
    assert runs["learning_rate"].losses[-1] > 100 * article.losses[-1]
    # Without biases and the column of ones the network has 2 inputs.
    assert runs["no_biases"].losses[-1] > article.losses[-1]
    text = format_pitfalls(list(runs.values()))
    assert f"a learning rate too large: η = {TOO_LARGE:g}" in text
    for run in runs.values():
        row = next(line for line in text.splitlines() if line.startswith(run.title + " "))
        assert f"{run.losses[0]:.4f}" in row and f"{run.losses[-1]:.4f}" in row
    assert ("- the update's sign flipped (self.weights1 -= d_weights1): "
            "the loss first rises at iteration 2") in text
    # The network itself is untouched.
    assert net.loss(tutorial_X, tutorial_y) == pytest.approx(history.loss[0], rel=1e-12)


def test_cli_explain_pitfalls(capsys: pytest.CaptureFixture[str], tutorial_X: np.ndarray,
                              tutorial_y: np.ndarray) -> None:
    from playwithnn.explain import format_pitfalls, pitfalls

    assert main(["explain", "--faithful", "--pitfalls"]) == 0
    out = capsys.readouterr().out
    net = NeuralNetwork([3, 4, 1], seed=1, bias=False, init="uniform")
    assert out.endswith(format_pitfalls(pitfalls(net, tutorial_X, tutorial_y)) + "\n")
    assert "σ' of z, given a: σ applied twice" in out


def test_a_network_that_lives_off_numpy_is_explained_on_the_host(library: Library, tutorial_X: np.ndarray,
                                                                 tutorial_y: np.ndarray) -> None:
    """A network trained on a GPU (or array-api-strict's stand-in for one) is told in NumPy arrays,
    with the numbers of the same network on NumPy, and stays where it was."""
    expected = explain_step(NeuralNetwork([3, 4, 1], seed=1), tutorial_X, tutorial_y, iteration=3)
    net = NeuralNetwork([3, 4, 1], seed=1, device=library.device)
    for X, y in [(tutorial_X, tutorial_y), (library.asarray(tutorial_X), library.asarray(tutorial_y))]:
        told = explain_step(net, X, y, iteration=3)
        assert [step.name for step in told.steps] == [step.name for step in expected.steps]
        for step, step0 in zip(told.steps, expected.steps):
            assert type(step.value) is np.ndarray
            np.testing.assert_allclose(step.value, step0.value, rtol=1e-12, atol=1e-15)
        runs = pitfalls(net, X, y, iterations=20)
        np.testing.assert_allclose(runs[0].losses, pitfalls(NeuralNetwork([3, 4, 1], seed=1), tutorial_X,
                                                            tutorial_y, iterations=20)[0].losses, rtol=1e-12)
    assert all(library.owns(p) for p in net.parameters())
