"""Activation functions and their derivatives, side by side.

Each activation ``A = f(Z)`` is applied element by element to the pre-activation
``Z`` of shape ``(n_samples, n_units)`` (softmax works row by row).

Every ``*_derivative`` here takes the **output** ``A = f(Z)``, not the input ``Z``,
exactly like the tutorial's ``sigmoid_derivative(x) = x * (1 - x)``, which
expects ``x = sigmoid(z)``. Passing ``Z`` instead is a classic bug; the argument
is called ``A`` everywhere to make that hard to do.

Backpropagation through an activation is one line, the chain rule
``δ = dA ⊙ f'(Z)`` (:meth:`Activation.backward`), where ``dA = dL/dA`` comes
from the layer above and ``δ = dL/dZ`` goes on to the layer's weights.

Every function takes the arrays of any library of the array API standard (NumPy,
CuPy, PyTorch) and computes with their namespace ``xp``; a caller who has looked it
up already passes it (``xp=numpy``), and one who has not leaves it out: ``xp or
namespace(Z)`` looks it up then only (a module is never false; :mod:`playwithnn._arrays`).

>>> import numpy as np
>>> A = sigmoid(np.array([[0.0, 2.0]]))
>>> A.round(4)
array([[0.5   , 0.8808]])
>>> sigmoid_derivative(A).round(4)   # σ'(z) = a (1 - a), given a = σ(z)
array([[0.25 , 0.105]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import _arrays
from ._arrays import Namespace, namespace
from ._validation import lookup

Array = NDArray[np.floating]  # or an array of another library of the standard

#: Slope of ``leaky_relu`` for negative inputs.
LEAKY_SLOPE = 0.01


def sigmoid(Z: Array, xp: Namespace | None = None) -> Array:
    """Logistic sigmoid ``A = 1 / (1 + exp(-Z))``.

    Computed without overflow for any finite ``Z`` (from ``exp(-|Z|)`` only: on NumPy
    by ``scipy.special.expit``), so ``sigmoid(±1e4)`` is exactly 1 or 0 and raises
    no warning.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional
        ``Z``'s, if the caller knows it.

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    return _arrays.sigmoid(Z, xp or namespace(Z))


def sigmoid_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = A (1 - A)``, given the sigmoid's **output** ``A = sigmoid(Z)``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    return A * (1 - A)


def tanh(Z: Array, xp: Namespace | None = None) -> Array:
    """Hyperbolic tangent ``A = tanh(Z)``; saturates to ±1 without overflow.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    return xp.tanh(Z)


def tanh_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1 - A**2``, given the output ``A = tanh(Z)``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    return 1 - A * A


def relu(Z: Array, xp: Namespace | None = None) -> Array:
    """Rectified linear unit ``A = max(Z, 0)``.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    return xp.maximum(Z, 0)


def relu_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1 where A > 0 else 0``, given the output ``A = relu(Z)``.

    ``A > 0`` exactly when ``Z > 0``; at ``Z = 0`` the derivative is taken as 0,
    as PyTorch does.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    xp = xp or namespace(A)
    return xp.astype(A > 0, A.dtype)


def leaky_relu(Z: Array, xp: Namespace | None = None) -> Array:
    """Leaky ReLU ``A = Z where Z > 0 else 0.01 Z`` (slope :data:`LEAKY_SLOPE`).

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    return xp.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1 where A > 0 else 0.01``, given the output ``A = leaky_relu(Z)``.

    The slope is positive, so ``A > 0`` exactly when ``Z > 0``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    xp = xp or namespace(A)
    return xp.where(A > 0, xp.ones_like(A), LEAKY_SLOPE)


def identity(Z: Array, xp: Namespace | None = None) -> Array:
    """``A = Z``: the output of a regression network.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    return Z


def identity_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    xp = xp or namespace(A)
    return xp.ones_like(A)


def exp(Z: Array, xp: Namespace | None = None) -> Array:
    """``A = exp(Z)``: a positive output, the mean of a Poisson regression (output layer only).

    Beyond ``Z ≈ 709`` (float64) the result is ``inf``, without a warning.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    with _arrays.overflow_ignored():
        return xp.exp(Z)


def exp_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = A``, given the output ``A = exp(Z)``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units)
    """
    return A


def softmax(Z: Array, xp: Namespace | None = None) -> Array:
    """Row-wise softmax ``A_ik = exp(Z_ik) / sum_j exp(Z_ij)``.

    The row maximum is subtracted first (the value does not change), so no
    ``exp`` ever sees a positive argument and nothing overflows.

    Parameters
    ----------
    Z : array of shape (n_samples, n_classes)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_classes)
        Each row is positive and sums to 1.

    Examples
    --------
    >>> softmax(np.array([[1e4, 0.0], [0.0, 0.0]]))
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    xp = xp or namespace(Z)
    E = xp.exp(Z - xp.max(Z, axis=1, keepdims=True))
    E /= xp.sum(E, axis=1, keepdims=True)
    return E


def softmax_backward(A: Array, dA: Array, xp: Namespace | None = None) -> Array:
    """Vector-Jacobian product of softmax, given its output ``A``.

    The Jacobian of one row is ``dA_i/dZ_j = A_i (δ_ij - A_j)``, so

    ``dZ = A * (dA - sum(dA * A, axis=1))``.

    Parameters
    ----------
    A : array of shape (n_samples, n_classes)
        The softmax output.
    dA : array of shape (n_samples, n_classes)
        Gradient of the loss with respect to ``A``.
    xp : array namespace, optional

    Returns
    -------
    dZ : array of shape (n_samples, n_classes)
    """
    xp = xp or namespace(A)
    return A * (dA - xp.sum(dA * A, axis=1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An activation function bundled with its derivative.

    Attributes
    ----------
    name : str
        The name used by :class:`~playwithnn.NeuralNetwork` (``"sigmoid"``, ...).
    function : callable
        ``A = function(Z, xp)``, ``xp`` the array namespace (or None: ``Z``'s).
    derivative : callable or None
        ``dA/dZ = derivative(A, xp)`` as a function of the **output** ``A`` (element-wise activations).
        ``None`` for softmax, whose Jacobian is not diagonal: its
        :meth:`backward` is :func:`softmax_backward`.
    hidden : bool
        Whether the activation may be used in a hidden layer.

    Examples
    --------
    >>> act = ACTIVATIONS["sigmoid"]
    >>> A = act.forward(np.array([[0.0]]))
    >>> act.backward(A, np.array([[2.0]]))   # δ = dA ⊙ σ'(z) = 2 × 0.25
    array([[0.5]])
    """

    name: str
    function: Callable[[Array, Namespace | None], Array]
    derivative: Callable[[Array, Namespace | None], Array] | None
    hidden: bool = True

    def forward(self, Z: Array, xp: Namespace | None = None) -> Array:
        """``A = f(Z)``; ``xp`` is ``Z``'s array namespace, if the caller knows it."""
        return self.function(Z, xp)

    def backward(self, A: Array, dA: Array, xp: Namespace | None = None) -> Array:
        """The chain rule through the activation: ``δ = dL/dZ = dA ⊙ f'(Z)``.

        Parameters
        ----------
        A : array of shape (n_samples, n_units)
            The activation's output ``A = f(Z)``, from which ``f'(Z)`` is computed.
        dA : array of shape (n_samples, n_units)
            ``dL/dA``, the gradient arriving from above. Overwritten: it becomes ``δ``.
        xp : array namespace, optional
            The arrays', if the caller knows it.

        Returns
        -------
        delta : array of shape (n_samples, n_units)
            ``dL/dZ``.
        """
        if self.derivative is None:
            return softmax_backward(A, dA, xp)
        dA *= self.derivative(A, xp)  # in place: dA is a temporary of the backward pass
        return dA


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_derivative),
        Activation("tanh", tanh, tanh_derivative),
        Activation("relu", relu, relu_derivative),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
        Activation("identity", identity, identity_derivative),
        Activation("softmax", softmax, None, hidden=False),
        Activation("exp", exp, exp_derivative, hidden=False),
    )
}


def get_activation(name: str | Activation, *, argument: str = "activation") -> Activation:
    """Look up an activation by name.

    Parameters
    ----------
    name : str or Activation
        One of ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``identity``, ``softmax``;
        an :class:`Activation` is returned as it is.
    argument : str
        The argument's name, used in the error message.

    Raises
    ------
    ValueError
        If the name is unknown.
    TypeError
        If ``name`` is neither a string nor an :class:`Activation`.
    """
    if isinstance(name, Activation):
        return name
    return lookup(ACTIVATIONS, name, argument)


def hidden_activations(activation: str | Activation | Sequence[str | Activation], n_hidden: int
                       ) -> list[str | Activation]:
    """One activation per hidden layer, from one for all or a list of ``n_hidden``.

    Raises
    ------
    TypeError, ValueError
        If a name is unknown, the list has the wrong length, or an activation
        cannot be used in a hidden layer (softmax).

    >>> hidden_activations("relu", 2)
    ['relu', 'relu']
    """
    if isinstance(activation, (str, Activation)):
        hidden = [activation] * n_hidden
    elif isinstance(activation, Sequence):
        hidden = list(activation)
        if len(hidden) != n_hidden:
            raise ValueError(
                f"activation has {len(hidden)} entries but the network has {n_hidden} hidden layers; "
                "give one name per hidden layer, or one name for all"
            )
    else:
        raise TypeError(f"activation must be a name or a list of names; got {activation!r:.60}")
    for i, name in enumerate(hidden):
        arg = "activation" if isinstance(activation, (str, Activation)) else f"activation[{i}]"
        if not get_activation(name, argument=arg).hidden:
            raise ValueError(f"{arg} {name!r} can only be used in the output layer")
    return hidden

