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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._validation import check_positive_float
from .activations import sigmoid

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
    """

    def __init__(self, steps: list[Step], learning_rate: float, bias: bool) -> None:
        self.steps = steps
        self.learning_rate = learning_rate
        self.bias = bias
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
    if net.activation != ["sigmoid"] or net.output_activation != "sigmoid":
        raise ValueError(
            "explain_step follows the tutorial's sigmoid network; got activation "
            f"{net.activation[0]!r} and output_activation {net.output_activation!r}"
        )
    if net.loss_name != "sse":
        raise ValueError(f"explain_step follows the tutorial's loss 'sse'; got loss {net.loss_name!r}")


def explain_step(net: NeuralNetwork, X: Any, y: Any, learning_rate: float = 1.0) -> Explanation:
    r"""Compute every array of one gradient-descent iteration of a tutorial network.

    The network is not changed: the updated weights are returned as steps.

    Parameters
    ----------
    net : NeuralNetwork
        Two layers, sigmoid hidden and output activations, loss ``"sse"``, with
        or without biases, e.g. ``NeuralNetwork([3, 4, 1], seed=1)``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples, 1) or (n_samples,)
    learning_rate : float, default=1.0
        ``η`` in ``W ← W - η dLoss/dW`` (the tutorial's is 1).

    Returns
    -------
    Explanation
        The steps in order, in sections: given (``X``, ``y``, ``W1``, ``b1``,
        ``W2``, ``b2``); feedforward (``z1``, ``a1``, ``z2``, ``ŷ``); loss
        (``Loss``); backpropagation (``dLoss/dŷ``, ``dŷ/dz2``, ``δ2``,
        ``dz2/dW2``, ``dLoss/dW2``, ``dLoss/db2``, ``dz2/da1``, ``dLoss/da1``,
        ``da1/dz1``, ``δ1``, ``dz1/dW1``, ``dLoss/dW1``, ``dLoss/db1``); update
        (``W1 new``, ``b1 new``, ``W2 new``, ``b2 new``). The bias steps are left
        out for a network without biases.

    Raises
    ------
    ValueError
        If the network is not the tutorial's kind, or ``X``, ``y`` do not fit it.

    Examples
    --------
    >>> import numpy as np
    >>> from playwithnn import NeuralNetwork
    >>> net = NeuralNetwork([3, 4, 1], seed=1)
    >>> X, y = np.array([[0, 0, 1], [1, 1, 1]]), np.array([0, 1])
    >>> e = explain_step(net, X, y)
    >>> all(np.allclose(a, b) for a, b in zip(e.gradients(), net.gradients(X, y)))
    True
    """
    _check_tutorial_network(net)
    eta = check_positive_float(learning_rate, "learning_rate")
    X, y = net.check_Xy(X, y)
    (layer1, layer2) = net.layers
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
    z1 = add("z1", z1_eq, X @ W1 + b1, "feedforward",
             "each hidden unit's weighted sum, for every sample")
    a1 = add("a1", "σ(z1)", sigmoid(z1), "feedforward", "the hidden layer's output")
    z2 = add("z2", z2_eq, a1 @ W2 + b2, "feedforward")
    y_hat = add("ŷ", "σ(z2)", sigmoid(z2), "feedforward", "the network's predictions")
    diff = (y - y_hat).ravel()
    add("Loss", "Σ (y - ŷ)²", diff @ diff, "loss", "the sum of squared errors")

    # Backpropagation: the chain rule, one factor at a time.
    dL_dyhat = add("dLoss/dŷ", "2 (ŷ - y)", 2 * (y_hat - y), "backpropagation")
    dyhat_dz2 = add("dŷ/dz2", "σ'(z2) = ŷ (1 - ŷ)", y_hat * (1 - y_hat), "backpropagation",
                    "the sigmoid's derivative, from its output ŷ")
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
    da1_dz1 = add("da1/dz1", "σ'(z1) = a1 (1 - a1)", a1 * (1 - a1), "backpropagation")
    delta1 = add("δ1", "dLoss/dz1 = dLoss/da1 ⊙ da1/dz1", dL_da1 * da1_dz1, "backpropagation")
    add("dz1/dW1", "X", X, "backpropagation", f"z1 = {z1_eq} changes with W1 by X")
    dL_dW1 = add("dLoss/dW1", "Xᵀ δ1", X.T @ delta1, "backpropagation",
                 "the tutorial's d_weights1 is minus this")
    dL_db1 = delta1.sum(axis=0)
    if bias:
        add("dLoss/db1", "Σ over samples of δ1", dL_db1, "backpropagation")

    # The update: gradient descent steps against the gradient.
    rate = W1.dtype.type(eta)
    add("W1 new", "W1 - η dLoss/dW1", W1 - rate * dL_dW1, "update")
    if bias:
        add("b1 new", "b1 - η dLoss/db1", b1 - rate * dL_db1, "update")
    add("W2 new", "W2 - η dLoss/dW2", W2 - rate * dL_dW2, "update")
    if bias:
        add("b2 new", "b2 - η dLoss/db2", b2 - rate * dL_db2, "update")
    return Explanation(steps, eta, bias)


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
    lines = [
        f"One training iteration of a {sizes} sigmoid network, learning rate η = "
        f"{explanation.learning_rate:g}" + ("" if explanation.bias else " (no biases, as in the tutorial)"),
        f"{X.shape[0]} samples; σ(z) = 1 / (1 + exp(-z)); numbers rounded to {decimals} places.",
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
        "The tutorial writes the update as W += d_weights, with d_weights = 2 (y - ŷ) ... = -dLoss/dW:",
        "the same step as W ← W - η dLoss/dW with its learning rate η = 1.",
    ]
    return "\n".join(lines)


__all__ = ["Explanation", "Step", "explain_step", "format_array", "format_explanation"]
