r"""One training iteration of the tutorial's network, told with its real numbers.

The tutorial's network has one hidden layer of sigmoids and a sigmoid output,
trained on the sum of squared errors. One iteration is

.. math::
    z_1 = X W_1 + b_1, \quad a_1 = \sigma(z_1), \quad z_2 = a_1 W_2 + b_2, \quad \hat y = \sigma(z_2),
    \quad \mathrm{Loss} = \sum (y - \hat y)^2

then the chain rule, one factor at a time,

.. math::
    \frac{\partial \mathrm{Loss}}{\partial W_2}
      = \frac{\partial \mathrm{Loss}}{\partial \hat y}
        \frac{\partial \hat y}{\partial z_2}
        \frac{\partial z_2}{\partial W_2}
      = a_1^T \big(2 (\hat y - y) \odot \hat y (1 - \hat y)\big)

.. math::
    \frac{\partial \mathrm{Loss}}{\partial W_1}
      = X^T \Big(\big(\delta_2 W_2^T\big) \odot a_1 (1 - a_1)\Big),
    \qquad \delta_2 = \frac{\partial \mathrm{Loss}}{\partial z_2}

and the update ``W ← W - η dLoss/dW``. :func:`explain_step` computes every one
of these arrays, written out here a second time, independently of the network's
own backpropagation, so the two can be checked against each other;
:func:`format_explanation` prints them for a learner to follow with pen and paper.

>>> from playwithnn import NeuralNetwork
>>> from playwithnn.datasets import tutorial
>>> X, y = tutorial()
>>> steps = explain_step(NeuralNetwork([3, 4, 1], seed=1), X, y)
>>> [s.name for s in steps][:6]
['X', 'y', 'W1', 'b1', 'W2', 'b2']
>>> steps["dLoss/dW2"].shape
(4, 1)
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._arrays import is_array, to_numpy
from ._validation import check_positive_float, check_positive_int
from .activations import Activation, sigmoid
from .optimizers import GradientDescent

if TYPE_CHECKING:
    from .network import NeuralNetwork

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Step:
    """One named array of the iteration.

    Attributes
    ----------
    name : str
        The symbol, e.g. ``"z1"`` or ``"dLoss/dW2"``.
    equation : str
        How it is computed, in the symbols of the other steps.
    value : ndarray
        Its value; the loss is a 0-d array.
    section : str
        ``"given"``, ``"feedforward"``, ``"loss"``, ``"backpropagation"`` or ``"update"``.
    note : str
        What it means, in words (may be empty).
    """

    name: str
    equation: str
    value: Array
    section: str
    note: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        """The value's shape."""
        return tuple(self.value.shape)


class Explanation:
    """The steps of one iteration in order, also looked up by name: ``explanation["z1"]``.

    Attributes
    ----------
    steps : list of Step
    learning_rate : float
    bias : bool
        Whether the network has biases (the tutorial's has none).
    iteration : int
        Which iteration this is: 1 for the first, N after N - 1 plain ones.
    activations : (str, str)
        The names of the hidden and the output activation.
    """

    def __init__(self, steps: list[Step], learning_rate: float, bias: bool, iteration: int = 1,
                 activations: tuple[str, str] = ("sigmoid", "sigmoid")) -> None:
        self.steps = steps
        self.learning_rate = learning_rate
        self.bias = bias
        self.iteration = iteration
        self.activations = activations
        self._by_name = {s.name: s for s in steps}

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Array:
        """The value of the step called ``name``."""
        try:
            return self._by_name[name].value
        except KeyError:
            raise KeyError(f"no step named {name!r}; steps: {', '.join(self._by_name)}") from None

    def step(self, name: str) -> Step:
        """The whole :class:`Step` called ``name``."""
        return self._by_name[name]

    def gradients(self) -> list[Array]:
        """``[dLoss/dW1, dLoss/db1, dLoss/dW2, dLoss/db2]`` (no ``db`` without biases),
        in the order of :meth:`NeuralNetwork.parameters`."""
        names = ["dLoss/dW1", "dLoss/db1", "dLoss/dW2", "dLoss/db2"] if self.bias else \
            ["dLoss/dW1", "dLoss/dW2"]
        return [self[n] for n in names]

    def updated_parameters(self) -> list[Array]:
        """The parameters after the update, in the order of :meth:`NeuralNetwork.parameters`."""
        names = ["W1 new", "b1 new", "W2 new", "b2 new"] if self.bias else ["W1 new", "W2 new"]
        return [self[n] for n in names]


def _check_tutorial_network(net: NeuralNetwork) -> None:
    if len(net.layers) != 2:
        raise ValueError(
            f"explain_step follows the tutorial's network with one hidden layer; "
            f"got layer_sizes {net.layer_sizes} ({len(net.layers) - 1} hidden layers)"
        )
    if net.loss_name != "sse":
        raise ValueError(f"explain_step follows the tutorial's loss 'sse'; got loss {net.loss_name!r}")
    for layer in net.layers:
        if layer.activation.derivative is None:
            raise ValueError(f"explain_step needs element-wise activations, as the tutorial's sigmoid; "
                             f"got {layer.activation.name!r}")


def _symbols(act: Activation, z: str, a: str) -> tuple[str, str]:
    """How ``a = f(z)`` and ``f'(z)`` are written: with σ for the sigmoid, the name otherwise."""
    if act.name == "sigmoid":
        return f"σ({z})", f"σ'({z}) = {a} (1 - {a})"
    given = a if act.takes == "a" else z
    return f"{act.name}({z})", f"{act.name}'({z}), computed from {given}"


def _on_host(net: NeuralNetwork, X: Any, y: Any) -> tuple[NeuralNetwork, Any, Any]:
    """The network and the data on NumPy: the explanation is told in NumPy arrays. A network that
    computes elsewhere (a GPU, PyTorch) is copied to the host; ``net`` itself is not changed."""
    X, y = (to_numpy(a) if is_array(a) else a for a in (X, y))
    if all(isinstance(p, np.ndarray) for p in net.parameters()):
        return net, X, y
    return copy.deepcopy(net).to("cpu"), X, y


def _walk_to(net: NeuralNetwork, X: Any, y: Any, eta: float, iteration: int) -> NeuralNetwork:
    """``net`` itself for the first iteration; else a copy after ``iteration - 1`` plain ones."""
    if iteration == 1:
        return net
    walked = copy.deepcopy(net)
    X, y = walked.check_Xy(X, y)
    step = GradientDescent(eta)
    for _ in range(iteration - 1):
        walked.train_step(X, y, step)  # feedforward, backpropagation, W ← W - η dLoss/dW
    return walked


def explain_step(net: NeuralNetwork, X: Any, y: Any, learning_rate: float = 1.0, *,
                 iteration: int = 1) -> Explanation:
    r"""Compute every array of one gradient-descent iteration of a tutorial network.

    The network is not changed: the updated weights are returned as steps.

    Parameters
    ----------
    net : NeuralNetwork
        Two layers, element-wise activations (the tutorial's sigmoids, or any others, your own
        :class:`~playwithnn.Activation` included), loss ``"sse"``, with or without biases,
        e.g. ``NeuralNetwork([3, 4, 1], seed=1)``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples, 1) or (n_samples,)
    learning_rate : float, default=1.0
        ``η`` in ``W ← W - η dLoss/dW`` (the tutorial's is 1).
    iteration : int, default=1
        Which iteration to tell: the ``iteration``-th, after ``iteration - 1`` plain ones of
        full-batch gradient descent at ``learning_rate``, run on a copy of ``net``.

    Returns
    -------
    Explanation
        The steps in order, in sections: given (``X``, ``y``, ``W1``, ``b1``,
        ``W2``, ``b2``); feedforward (``z1``, ``a1``, ``z2``, ``ŷ``); loss
        (``Loss``); backpropagation (``dLoss/dŷ``, ``dŷ/dz2``, ``δ2``,
        ``dz2/dW2``, ``dLoss/dW2``, ``dLoss/db2``, ``dz2/da1``, ``dLoss/da1``,
        ``da1/dz1``, ``δ1``, ``dz1/dW1``, ``dLoss/dW1``, ``dLoss/db1``); update
        (``W1 new``, ``b1 new``, ``W2 new``, ``b2 new``, ``Loss new``: the loss after the
        update). The bias steps are left out for a network without biases.

    Raises
    ------
    ValueError
        If the network is not the tutorial's kind, or ``X``, ``y`` do not fit it.
    TrainingDivergedError
        If the iterations before ``iteration`` diverge.

    Examples
    --------
    >>> import numpy as np
    >>> from playwithnn import NeuralNetwork
    >>> net = NeuralNetwork([3, 4, 1], seed=1)
    >>> X, y = np.array([[0, 0, 1], [1, 1, 1]]), np.array([0, 1])
    >>> e = explain_step(net, X, y)
    >>> all(np.allclose(a, b) for a, b in zip(e.gradients(), net.gradients(X, y).values()))
    True
    >>> bool(e["Loss new"] < e["Loss"])
    True
    """
    _check_tutorial_network(net)
    eta = check_positive_float(learning_rate, "learning_rate")
    iteration = check_positive_int(iteration, "iteration")
    net, X, y = _on_host(net, X, y)
    X, y = net.check_Xy(X, y)
    net = _walk_to(net, X, y, eta, iteration)
    (layer1, layer2) = net.layers
    f1, f2 = layer1.activation, layer2.activation
    W1, W2 = layer1.W.copy(), layer2.W.copy()
    bias = net.bias
    zeros1 = np.zeros(W1.shape[1], dtype=W1.dtype)
    zeros2 = np.zeros(W2.shape[1], dtype=W2.dtype)
    b1 = layer1.b.copy() if layer1.b is not None else zeros1
    b2 = layer2.b.copy() if layer2.b is not None else zeros2

    steps: list[Step] = []

    def add(name: str, equation: str, value: Any, section: str, note: str = "") -> Array:
        arr = np.asarray(value)
        steps.append(Step(name, equation, arr, section, note))
        return arr

    add("X", "the inputs, one sample per row", X, "given")
    add("y", "the targets", y, "given")
    add("W1", "weights from the inputs to the hidden layer", W1, "given")
    if bias:
        add("b1", "biases of the hidden layer", b1, "given")
    add("W2", "weights from the hidden layer to the output", W2, "given")
    if bias:
        add("b2", "bias of the output", b2, "given")

    # Feedforward
    z1_eq, z2_eq = ("X W1 + b1", "a1 W2 + b2") if bias else ("X W1", "a1 W2")
    a1_eq, da1_eq = _symbols(f1, "z1", "a1")
    y_eq, dy_eq = _symbols(f2, "z2", "ŷ")
    z1 = add("z1", z1_eq, X @ W1 + b1, "feedforward",
             "each hidden unit's weighted sum, for every sample")
    a1 = add("a1", a1_eq, f1.forward(z1), "feedforward", "the hidden layer's output")
    z2 = add("z2", z2_eq, a1 @ W2 + b2, "feedforward")
    y_hat = add("ŷ", y_eq, f2.forward(z2), "feedforward", "the network's predictions")
    diff = (y - y_hat).ravel()
    add("Loss", "Σ (y - ŷ)²", diff @ diff, "loss", "the sum of squared errors")

    # Backpropagation: the chain rule, one factor at a time.
    dL_dyhat = add("dLoss/dŷ", "2 (ŷ - y)", 2 * (y_hat - y), "backpropagation")
    dyhat_dz2 = add("dŷ/dz2", dy_eq, f2.derivative_of(y_hat if f2.takes == "a" else z2), "backpropagation",
                    f"the {f2.name}'s derivative, from its output ŷ" if f2.takes == "a" else "")
    delta2 = add("δ2", "dLoss/dz2 = dLoss/dŷ ⊙ dŷ/dz2", dL_dyhat * dyhat_dz2, "backpropagation",
                 "⊙ multiplies element by element")
    add("dz2/dW2", "a1", a1, "backpropagation", f"z2 = {z2_eq} changes with W2 by a1")
    dL_dW2 = add("dLoss/dW2", "a1ᵀ δ2", a1.T @ delta2, "backpropagation",
                 "sums over the samples; the tutorial's d_weights2 is minus this")
    dL_db2 = delta2.sum(axis=0)
    if bias:
        add("dLoss/db2", "Σ over samples of δ2", dL_db2, "backpropagation")
    add("dz2/da1", "W2", W2, "backpropagation", "z2 changes with a1 by W2")
    dL_da1 = add("dLoss/da1", "δ2 W2ᵀ", delta2 @ W2.T, "backpropagation",
                 "each hidden unit's share of the error")
    da1_dz1 = add("da1/dz1", da1_eq, f1.derivative_of(a1 if f1.takes == "a" else z1), "backpropagation")
    delta1 = add("δ1", "dLoss/dz1 = dLoss/da1 ⊙ da1/dz1", dL_da1 * da1_dz1, "backpropagation")
    add("dz1/dW1", "X", X, "backpropagation", f"z1 = {z1_eq} changes with W1 by X")
    dL_dW1 = add("dLoss/dW1", "Xᵀ δ1", X.T @ delta1, "backpropagation",
                 "the tutorial's d_weights1 is minus this")
    dL_db1 = delta1.sum(axis=0)
    if bias:
        add("dLoss/db1", "Σ over samples of δ1", dL_db1, "backpropagation")

    # The update: gradient descent steps against the gradient.
    rate = W1.dtype.type(eta)
    W1_new = add("W1 new", "W1 - η dLoss/dW1", W1 - rate * dL_dW1, "update")
    b1_new = b1 - rate * dL_db1 if bias else zeros1
    if bias:
        add("b1 new", "b1 - η dLoss/db1", b1_new, "update")
    W2_new = add("W2 new", "W2 - η dLoss/dW2", W2 - rate * dL_dW2, "update")
    b2_new = b2 - rate * dL_db2 if bias else zeros2
    if bias:
        add("b2 new", "b2 - η dLoss/db2", b2_new, "update")
    y_new = f2.forward(f1.forward(X @ W1_new + b1_new) @ W2_new + b2_new)
    diff_new = (y - y_new).ravel()
    add("Loss new", "Σ (y - ŷ)² with the new weights", diff_new @ diff_new, "update",
        "the loss after the update: the next iteration's Loss")
    return Explanation(steps, eta, bias, iteration, (f1.name, f2.name))


_SECTION_TITLES = {
    "given": "Given: the data and the current weights",
    "feedforward": "Feedforward",
    "loss": "Loss",
    "backpropagation": "Backpropagation: the chain rule, factor by factor",
    "update": "Update: gradient descent",
}


def format_array(value: Array, decimals: int = 4) -> str:
    """Print an array rounded to ``decimals`` places, as NumPy prints it.

    >>> format_array(np.array([[0.123456, 1.0, -0.00001]]))
    '[[0.1235 1.0000 0.0000]]'
    """
    if value.ndim == 0:
        return f"{float(value):.{decimals}f}"
    rounded = np.round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return np.array2string(rounded, precision=decimals, suppress_small=True,
                           floatmode="maxprec_equal", max_line_width=100)


def format_explanation(explanation: Explanation, decimals: int = 4) -> str:
    """Render an :class:`Explanation` as text: each step's equation, shape and numbers.

    Parameters
    ----------
    explanation : Explanation
    decimals : int, default=4
        Places the numbers are rounded to.

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np
    >>> from playwithnn import NeuralNetwork
    >>> e = explain_step(NeuralNetwork([3, 4, 1], seed=1), np.eye(3), np.ones(3))
    >>> print(format_explanation(e).splitlines()[0])
    One training iteration of a 3-4-1 sigmoid network, learning rate η = 1
    """
    X = explanation["X"]
    W1, W2 = explanation["W1"], explanation["W2"]
    sizes = f"{W1.shape[0]}-{W1.shape[1]}-{W2.shape[1]}"
    hidden, output = explanation.activations
    kind = hidden if hidden == output else f"{hidden} hidden, {output} output"
    eta = explanation.learning_rate
    n = explanation.iteration
    plural = "s" if n > 2 else ""
    which = "One training iteration" if n == 1 else \
        f"Training iteration {n} (after {n - 1} plain one{plural})"
    sigma = "σ(z) = 1 / (1 + exp(-z)); " if "sigmoid" in explanation.activations else ""
    lines = [
        f"{which} of a {sizes} {kind} network, learning rate η = {eta:g}"
        + ("" if explanation.bias else " (no biases, as in the tutorial)"),
        f"{X.shape[0]} samples; {sigma}numbers rounded to {decimals} places.",
    ]
    section = None
    for step in explanation:
        if step.section != section:
            section = step.section
            lines += ["", _SECTION_TITLES[section], "-" * len(_SECTION_TITLES[section])]
        shape = "scalar" if step.value.ndim == 0 else "shape " + "×".join(map(str, step.value.shape))
        equation = f": {step.equation}" if step.section == "given" else f" = {step.equation}"
        head = f"{step.name}{equation}   [{shape}]"
        if step.note:
            head += f"   ({step.note})"
        lines.append(head)
        text = format_array(step.value, decimals)
        lines += ["    " + line for line in text.splitlines()]
    lines += [
        "",
        f"The loss went from {float(explanation['Loss']):.{decimals}f} to "
        f"{float(explanation['Loss new']):.{decimals}f} in this iteration.",
        "The tutorial writes the update as W += d_weights, with d_weights = 2 (y - ŷ) ... = -dLoss/dW:",
    ]
    if eta == 1:
        lines.append("the same step as W ← W - η dLoss/dW with its learning rate η = 1.")
    else:
        lines.append(f"that is W ← W - η dLoss/dW with η = 1. Here η = {eta:g}: W += {eta:g} d_weights, "
                     f"a step {eta:g} times the tutorial's.")
    return "\n".join(lines)


# -------------------------------------------------------------------- pitfalls
#: The iterations whose loss :func:`format_pitfalls` shows.
PITFALL_COLUMNS = (1, 2, 10, 100, 500, 1000, 1500)
#: How much larger the learning rate of the pitfall "a learning rate too large" is.
TOO_LARGE = 50.0


@dataclass(frozen=True)
class Pitfall:
    """One way the article's training goes wrong, run on its network from the same weights.

    Attributes
    ----------
    name : str
        ``"article"`` (the right iteration, to compare with), ``"derivative_of_z"``,
        ``"no_biases"``, ``"flipped_sign"`` or ``"learning_rate"``.
    title : str
        What was changed, in words.
    code : str
        The line of the article's code that changed.
    losses : ndarray of shape (iterations,)
        The loss before each iteration's update (the first is the starting weights').
    predictions : ndarray of shape (n_samples,)
        ``ŷ`` after the last iteration.
    """

    name: str
    title: str
    code: str
    losses: Array
    predictions: Array

    @property
    def first_rise(self) -> int | None:
        """The first iteration whose loss is higher than the one before (1-based), or None."""
        rises = np.flatnonzero(np.diff(self.losses) > 0)
        return int(rises[0]) + 2 if rises.size else None


def _article_loop(X: Array, y: Array, W1: Array, W2: Array, b1: Array | None, b2: Array | None,
                  eta: float, iterations: int, derivative_of_a: Any, sign: float) -> tuple[Array, Array]:
    """The article's training loop, written as it writes it (with biases if given), and its variations.

    ``derivative_of_a`` is what the loop applies to ``a`` for σ'(z); ``sign`` is +1 for the article's
    ``W += d_weights`` (descent: ``d_weights = -dLoss/dW``), -1 for the flipped update.
    """
    W1, W2 = W1.copy(), W2.copy()
    b1 = None if b1 is None else b1.copy()
    b2 = None if b2 is None else b2.copy()
    losses = np.empty(iterations)
    with np.errstate(over="ignore"):
        for i in range(iterations):
            layer1 = sigmoid(X @ W1 + (0 if b1 is None else b1))
            output = sigmoid(layer1 @ W2 + (0 if b2 is None else b2))
            losses[i] = np.sum((y - output) ** 2)
            error = 2 * (y - output) * derivative_of_a(output)           # -dLoss/dz2
            hidden_error = (error @ W2.T) * derivative_of_a(layer1)       # -dLoss/dz1
            W2 += sign * eta * (layer1.T @ error)                         # d_weights2
            W1 += sign * eta * (X.T @ hidden_error)                       # d_weights1
            if b1 is not None and b2 is not None:
                b2 += sign * eta * error.sum(axis=0)
                b1 += sign * eta * hidden_error.sum(axis=0)
        output = sigmoid(sigmoid(X @ W1 + (0 if b1 is None else b1)) @ W2 + (0 if b2 is None else b2))
    return losses, output[:, 0]


def pitfalls(net: NeuralNetwork, X: Any, y: Any, learning_rate: float = 1.0,
             iterations: int = 1500) -> list[Pitfall]:
    """Train the article's network from ``net``'s weights, rightly and in four wrong ways.

    Each run is the article's loop, written out in NumPy (:func:`explain_step`'s equations), from
    the same starting weights, for the same iterations; only one thing differs:

    - ``derivative_of_z``: σ'(z) written for z, ``σ(x) (1 - σ(x))``, but given the output a, as
      the article's ``sigmoid_derivative(self.output)`` does: σ applied twice;
    - ``no_biases``: no biases, and no input that is always 1 (the article's stand-in for the
      hidden layer's biases: its third column), so that no unit can shift its threshold;
    - ``flipped_sign``: ``W -= d_weights``, a step up the gradient;
    - ``learning_rate``: a learning rate :data:`TOO_LARGE` times ``learning_rate``.

    Parameters
    ----------
    net : NeuralNetwork
        The tutorial's kind: two sigmoid layers, loss ``"sse"`` (e.g. ``NeuralNetwork([3, 4, 1],
        bias=False, init="uniform", seed=1)``, the article's). Not changed.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, 1)
    learning_rate : float, default=1.0
    iterations : int, default=1500

    Returns
    -------
    list of Pitfall
        The article's run first, then the four pitfalls in the order above.

    Examples
    --------
    >>> from playwithnn import NeuralNetwork
    >>> from playwithnn.datasets import tutorial
    >>> X, y = tutorial()
    >>> runs = pitfalls(NeuralNetwork([3, 4, 1], bias=False, init="uniform", seed=1), X, y)
    >>> [run.name for run in runs]
    ['article', 'derivative_of_z', 'no_biases', 'flipped_sign', 'learning_rate']
    >>> runs[3].first_rise   # the flipped update makes the loss rise at once
    2
    """
    _check_tutorial_network(net)
    if net.activation != ["sigmoid"] or net.output_activation != "sigmoid":
        raise ValueError("pitfalls follow the article's sigmoid network; got activation "
                         f"{net.activation[0]!r} and output_activation {net.output_activation!r}")
    eta = check_positive_float(learning_rate, "learning_rate")
    iterations = check_positive_int(iterations, "iterations")
    net, X, y = _on_host(net, X, y)
    Xc, yc = net.check_Xy(X, y)
    X_, y_ = np.asarray(Xc, dtype=np.float64), np.asarray(yc, dtype=np.float64)
    W1, W2 = (np.asarray(layer.W, dtype=np.float64) for layer in net.layers)
    b1, b2 = (None if layer.b is None else np.asarray(layer.b, dtype=np.float64) for layer in net.layers)

    def of_a(a: Array) -> Array:
        return a * (1 - a)  # the article's sigmoid_derivative, given a = σ(z)

    def of_z(x: Array) -> Array:
        return sigmoid(x) * (1 - sigmoid(x))  # σ'(x) written for z: given a, σ is applied twice

    constant = np.all(X_ == 1, axis=0)  # the article's third column
    kept = ~constant
    runs = [
        ("article", "the article's iteration", "self.weights1 += d_weights1, "
         "sigmoid_derivative(x) = x * (1 - x)", X_, W1, W2, b1, b2, eta, of_a, 1.0),
        ("derivative_of_z", "σ' of z, given a: σ applied twice",
         "sigmoid_derivative(x) = sigmoid(x) * (1 - sigmoid(x))", X_, W1, W2, b1, b2, eta, of_z, 1.0),
        ("no_biases", f"no biases{', and no input that is always 1' if constant.any() else ''}",
         "input without its column of ones, no biases", X_[:, kept], W1[kept], W2, None, None, eta, of_a,
         1.0),
        ("flipped_sign", "the update's sign flipped", "self.weights1 -= d_weights1", X_, W1, W2, b1, b2,
         eta, of_a, -1.0),
        ("learning_rate", f"a learning rate too large: η = {eta * TOO_LARGE:g}",
         f"self.weights1 += {eta * TOO_LARGE:g} * d_weights1", X_, W1, W2, b1, b2, eta * TOO_LARGE, of_a,
         1.0),
    ]
    result = []
    for name, title, code, Xr, W1r, W2r, b1r, b2r, rate, derivative, sign in runs:
        losses, predictions = _article_loop(Xr, y_, W1r, W2r, b1r, b2r, rate, iterations, derivative, sign)
        result.append(Pitfall(name, title, code, losses, predictions))
    return result


def format_pitfalls(runs: list[Pitfall], decimals: int = 4) -> str:
    """The losses of :func:`pitfalls`'s runs at a few iterations, a line on each, and what went wrong.

    Parameters
    ----------
    runs : list of Pitfall
        The article's run first.
    decimals : int, default=4

    Returns
    -------
    str
    """
    reference = runs[0]
    n = reference.losses.shape[0]
    columns = [c for c in PITFALL_COLUMNS if c <= n] + ([n] if n not in PITFALL_COLUMNS else [])
    width = max(len(run.title) for run in runs)
    cell = decimals + 4
    lines = [
        f"Pitfalls: the article's network trained {n} iterations from the same weights, five ways.",
        "The loss Σ (y - ŷ)² at iteration:",
        "",
        " " * width + "  " + " ".join(f"{c:>{cell}}" for c in columns) + "   ŷ at the end",
    ]
    for run in runs:
        cells = " ".join(f"{run.losses[c - 1]:>{cell}.{decimals}f}" for c in columns)
        lines.append(f"{run.title:<{width}}  {cells}   {format_array(run.predictions, 2)}")
    lines.append("")
    final = float(reference.losses[-1])
    for run in runs[1:]:
        end = float(run.losses[-1])
        if run.first_rise is not None:
            went = f"the loss first rises at iteration {run.first_rise}"
        else:
            went = "the loss never rises"
        verdict = f"ends at {end:.{decimals}f}, {end / final:.3g} times the article's {final:.{decimals}f}" \
            if final > 0 else f"ends at {end:.{decimals}f}"
        lines.append(f"- {run.title} ({run.code}): {went}; {verdict}.")
    lines += [
        "",
        "Why: σ applied twice makes every δ the slope at the wrong place, σ'(σ(z)), which never",
        "falls below 0.19 and never reaches 0.25: the steps go the right way, but by the wrong amounts.",
        "Without biases or a constant input, every hidden unit gives σ(0) = 0.5 for the input (0, 0),",
        "so the output there can only be moved through W2. A flipped sign climbs the loss instead of",
        "descending it. Too large a step saturates the sigmoids, where σ' ≈ 0 and learning stops.",
    ]
    return "\n".join(lines)


__all__ = ["PITFALL_COLUMNS", "TOO_LARGE", "Explanation", "Pitfall", "Step", "explain_step", "format_array",
           "format_explanation", "format_pitfalls", "pitfalls"]
