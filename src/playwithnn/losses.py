"""Loss functions and their gradients, side by side.

Every loss compares targets ``y`` with predictions ``y_pred``, both of shape
``(n_samples, n_outputs)``, and returns a Python float.

============================  ============================================  ================  ==============
name                          formula                                       reduction         natural output
============================  ============================================  ================  ==============
``sse``                       ``sum((y - y_pred)**2)``                      sum               ``sigmoid``
``mse``                       ``sum((y - y_pred)**2) / (n * k)``            mean              ``identity``
``binary_crossentropy``       ``-mean(y log p + (1 - y) log(1 - p))``       mean              ``sigmoid``
``categorical_crossentropy``  ``-sum(y log p) / n``                         mean over samples ``softmax``
============================  ============================================  ================  ==============

``n`` is the number of samples and ``k`` the number of outputs. ``sse`` is the
tutorial's loss: it *sums* over every sample and output, so its gradient grows with
the data set; the others average. ``sse`` pairs with a sigmoid output because the
tutorial's network is ``y = σ(W2 σ(W1 x + b1) + b2)``.

The cross-entropies are computed from the output layer's pre-activation ``Z``
(the *logits*), never from ``log(sigmoid(Z))``: ``log(1 + exp(Z))`` is evaluated
as ``logaddexp(0, Z)`` and ``log(sum(exp(Z)))`` with the row maximum taken out,
so nothing overflows even at ``Z = ±1e4``. Their gradients with respect to ``Z``
fuse the loss with its output activation: both reduce to ``dL/dZ = (p - y) / N``,
where ``N`` is the number of terms averaged.

>>> import numpy as np
>>> y, y_pred = np.array([[0.0], [1.0]]), np.array([[0.5], [0.5]])
>>> sse(y, y_pred), mse(y, y_pred)
(0.5, 0.25)
>>> sse_gradient(y, y_pred)
array([[ 1.],
       [-1.]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def sse(y: Array, y_pred: Array) -> float:
    """Sum of squared errors, the tutorial's loss: ``L = sum((y - y_pred)**2)``.

    Parameters
    ----------
    y, y_pred : ndarray of shape (n_samples, n_outputs)

    Returns
    -------
    float
    """
    diff = (y - y_pred).ravel()
    return float(diff @ diff)


def sse_gradient(y: Array, y_pred: Array) -> Array:
    """``dL/dy_pred = 2 (y_pred - y)`` for :func:`sse`.

    The tutorial writes the weight update with ``2 (y - y_pred)``: that is this
    gradient with its sign flipped, because gradient *descent* subtracts it.

    Parameters
    ----------
    y, y_pred : ndarray of shape (n_samples, n_outputs)

    Returns
    -------
    dL_dy_pred : ndarray of shape (n_samples, n_outputs)
    """
    return 2 * (y_pred - y)


def sse_with_gradient(y: Array, y_pred: Array) -> tuple[float, Array]:
    """:func:`sse` and :func:`sse_gradient` at once, sharing the difference ``y_pred - y``.

    >>> sse_with_gradient(np.array([[0.0], [1.0]]), np.array([[0.5], [0.5]]))
    (0.5, array([[ 1.],
           [-1.]]))
    """
    diff = y_pred - y
    value = float(np.vdot(diff, diff))  # sum of squares, any shape
    diff *= 2  # now 2 (y_pred - y)
    return value, diff


def mse(y: Array, y_pred: Array) -> float:
    """Mean squared error ``L = sum((y - y_pred)**2) / (n_samples * n_outputs)``.

    Parameters
    ----------
    y, y_pred : ndarray of shape (n_samples, n_outputs)

    Returns
    -------
    float
    """
    return sse(y, y_pred) / y.size


def mse_gradient(y: Array, y_pred: Array) -> Array:
    """``dL/dy_pred = 2 (y_pred - y) / (n_samples * n_outputs)`` for :func:`mse`.

    Parameters
    ----------
    y, y_pred : ndarray of shape (n_samples, n_outputs)

    Returns
    -------
    dL_dy_pred : ndarray of shape (n_samples, n_outputs)
    """
    return (2 / y.size) * (y_pred - y)


def mse_with_gradient(y: Array, y_pred: Array) -> tuple[float, Array]:
    """:func:`mse` and :func:`mse_gradient` at once, sharing the difference ``y_pred - y``."""
    value, grad = sse_with_gradient(y, y_pred)
    grad *= 1 / y.size
    return value / y.size, grad


def binary_crossentropy(y: Array, Z: Array) -> float:
    """Binary cross-entropy of ``p = sigmoid(Z)``, averaged over every sample and output.

    ``L = mean(-y log p - (1 - y) log(1 - p)) = mean(log(1 + exp(Z)) - y Z)``

    The right-hand form is what is computed (with ``logaddexp``), so a logit
    of ``±1e4`` gives a finite loss.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Targets in [0, 1].
    Z : ndarray of shape (n_samples, n_outputs)
        Logits: the output layer's pre-activation, ``p = sigmoid(Z)``.

    Examples
    --------
    >>> import numpy as np
    >>> round(binary_crossentropy(np.array([[1.0]]), np.array([[0.0]])), 6)  # log 2
    0.693147
    >>> binary_crossentropy(np.array([[0.0]]), np.array([[1e4]]))
    10000.0
    """
    return float(np.mean(np.logaddexp(0, Z) - y * Z))


def binary_crossentropy_delta(y: Array, p: Array) -> Array:
    """``dL/dZ = (p - y) / (n_samples * n_outputs)`` for sigmoid output and :func:`binary_crossentropy`.

    The sigmoid's ``p (1 - p)`` cancels the cross-entropy's ``1 / (p (1 - p))``,
    which is why the pair is differentiated together.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
    p : ndarray of shape (n_samples, n_outputs)
        The output layer's output: probabilities.

    Returns
    -------
    dL_dZ : ndarray of shape (n_samples, n_outputs)
        Gradient with respect to the output layer's logits ``Z``.
    """
    return (p - y) * (1 / y.size)


def categorical_crossentropy(y: Array, Z: Array) -> float:
    """Cross-entropy of ``p = softmax(Z)`` against one-hot ``y``, averaged over samples.

    ``L = -sum(y * log p) / n = sum(y * (logsumexp(Z) - Z)) / n``

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_classes)
        One-hot targets (rows of probabilities also work).
    Z : ndarray of shape (n_samples, n_classes)
        Logits: the output layer's pre-activation, ``p = softmax(Z)``.

    Examples
    --------
    >>> import numpy as np
    >>> round(categorical_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]])), 6)
    0.693147
    """
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.sum(y * log_p) / y.shape[0])


def categorical_crossentropy_delta(y: Array, p: Array) -> Array:
    """``dL/dZ = (p - y) / n_samples`` for softmax output and :func:`categorical_crossentropy`.

    Holds for one-hot ``y`` (any ``y`` whose rows sum to 1).

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
    p : ndarray of shape (n_samples, n_outputs)
        The output layer's output: probabilities.

    Returns
    -------
    dL_dZ : ndarray of shape (n_samples, n_outputs)
        Gradient with respect to the output layer's logits ``Z``.
    """
    return (p - y) * (1 / y.shape[0])


@dataclass(frozen=True)
class Loss:
    """A loss function with its gradient and its natural output activation.

    Attributes
    ----------
    name : str
    natural_output : str
        Output activation used when ``output_activation=None``.
    reduction : {"sum", "mean"}
        Whether the loss adds up its terms (``sse``) or averages them.
    from_logits : bool
        Whether :attr:`function` takes the logits ``Z`` (cross-entropies) rather
        than the output ``y_pred``.
    function : callable
        ``L = function(y, y_pred_or_Z)``.
    gradient : callable
        For ``from_logits=False``: ``dL/dy_pred = gradient(y, y_pred)``.
        For ``from_logits=True``: ``dL/dZ = gradient(y, p)``, fused with the natural output.
    with_gradient : callable or None
        ``L, dL/dy_pred = with_gradient(y, y_pred)`` at once, where sharing work pays.
    """

    name: str
    natural_output: str
    reduction: str
    from_logits: bool
    function: Callable[[Array, Array], float]
    gradient: Callable[[Array, Array], Array]
    with_gradient: Callable[[Array, Array], tuple[float, Array]] | None = None


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("sse", "sigmoid", "sum", False, sse, sse_gradient, sse_with_gradient),
        Loss("mse", "identity", "mean", False, mse, mse_gradient, mse_with_gradient),
        Loss("binary_crossentropy", "sigmoid", "mean", True,
             binary_crossentropy, binary_crossentropy_delta),
        Loss("categorical_crossentropy", "softmax", "mean", True,
             categorical_crossentropy, categorical_crossentropy_delta),
    )
}


def get_loss(name: str | Loss) -> Loss:
    """Look up a loss by name; raises ``ValueError`` naming the choices if unknown."""
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise TypeError(f"loss must be a string such as 'sse'; got {name!r}")
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(repr(k) for k in LOSSES)
        raise ValueError(f"unknown loss {name!r}; expected one of {known}") from None

