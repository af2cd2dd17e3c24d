"""Loss functions and their gradients, side by side.

Every loss compares targets ``y`` with predictions ``y_pred``, both of shape
``(n_samples, n_outputs)``, and returns a 0-d array (a NumPy scalar for NumPy
arrays; ``float(L)`` is the number). Left on its device, a loss adds up over the
batches of an epoch without waiting for a GPU at every one.

============================  ============================================  ================  ==============
name                          formula                                       reduction         natural output
============================  ============================================  ================  ==============
``sse``                       ``sum((y - y_pred)**2)``                      sum               ``sigmoid``
``mse``                       ``sum((y - y_pred)**2) / (n * k)``            mean              ``identity``
``half_mse``                  ``mse / 2`` (scikit-learn's MLP regressor)    mean              ``identity``
``binary_crossentropy``       ``-mean(y log p + (1 - y) log(1 - p))``       mean              ``sigmoid``
``categorical_crossentropy``  ``-sum(y log p) / n``                         mean over samples ``softmax``
``half_poisson``              ``mean(y log(y / mu) - y + mu)``              mean              ``exp``
============================  ============================================  ================  ==============

``n`` is the number of samples and ``k`` the number of outputs. Every loss also
takes ``sample_weight`` (one weight per sample): the sum weighs each sample's
terms, and a mean becomes the weighted mean (``n`` becomes the sum of the weights). ``sse`` is the
tutorial's loss: it *sums* over every sample and output, so its gradient grows with
the data set; the others average. ``sse`` pairs with a sigmoid output because the
tutorial's network is ``y = σ(W2 σ(W1 x + b1) + b2)``.

Every loss has a ``*_gradient`` beside it: the derivative of the loss with respect
to what the loss takes. The squared losses take the network's output ``y_pred``;
the cross-entropies take the *logits* ``Z``, the output layer's pre-activation,
and apply the sigmoid or softmax themselves (as PyTorch's ``BCEWithLogitsLoss``
and ``CrossEntropyLoss`` do). That is where the pair is differentiated together:
the derivative of the sigmoid or softmax cancels the cross-entropy's ``1 / p``,
and ``dL/dZ = (p - y) / N`` (``N`` the number of terms averaged) has nothing left
to divide by a probability that may round to 0. The losses themselves are
evaluated as ``logaddexp(0, Z)`` and ``log(sum(exp(Z)))`` with the row maximum
taken out, so nothing overflows even at ``Z = ±1e4``.

Every function takes the arrays of any library of the array API standard and
computes with their namespace ``xp``, which a caller who knows it passes
(:mod:`playwithnn.activations` says more).

>>> import numpy as np
>>> y, y_pred = np.array([[0.0], [1.0]]), np.array([[0.5], [0.5]])
>>> float(sse(y, y_pred)), float(mse(y, y_pred))
(0.5, 0.25)
>>> sse_gradient(y, y_pred)
array([[ 1.],
       [-1.]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _arrays
from ._arrays import Namespace, namespace
from ._validation import lookup
from .activations import ACTIVATIONS, get_activation, sigmoid, softmax

Array = NDArray[np.floating]  # or an array of another library of the standard
#: A loss's value: a 0-d array of the arrays' namespace (a NumPy scalar for NumPy).
Scalar = Any


def _per_sample(terms: Array, sample_weight: Array | None, xp: Namespace) -> Scalar:
    """``Σ_i w_i Σ_k terms_ik``: every term added up, each sample's row weighted by ``w_i``."""
    if sample_weight is None:
        return xp.sum(terms)
    return sample_weight @ xp.sum(terms, axis=1)


def _scaled(grad: Array, scale: float, sample_weight: Array | None) -> Array:
    """``grad * scale``, each sample's row also multiplied by ``w_i``, in place."""
    grad *= scale
    if sample_weight is not None:
        grad *= sample_weight[:, None]
    return grad


def _count(y: Array, sample_weight: Array | None, xp: Namespace) -> Scalar:
    """The number of samples a mean divides by: ``n_samples``, or ``Σ_i w_i`` (left on the device)."""
    return y.shape[0] if sample_weight is None else xp.sum(sample_weight)


def sse(y: Array, y_pred: Array, sample_weight: Array | None = None, xp: Namespace | None = None
        ) -> Scalar:
    """Sum of squared errors, the tutorial's loss: ``L = sum((y - y_pred)**2)``.

    Parameters
    ----------
    y, y_pred : array of shape (n_samples, n_outputs)
    sample_weight : array of shape (n_samples,), optional
        Each sample's squared errors are multiplied by its weight.
    xp : array namespace, optional
        The arrays', if the caller knows it.

    Returns
    -------
    L : 0-d array
    """
    xp = xp or namespace(y, y_pred)
    diff = y - y_pred
    if sample_weight is None:
        return _arrays.sum_of_squares(diff, xp)
    return _per_sample(diff * diff, sample_weight, xp)


def sse_gradient(y: Array, y_pred: Array, sample_weight: Array | None = None, xp: Namespace | None = None
                 ) -> Array:
    """``dL/dy_pred = 2 (y_pred - y)`` for :func:`sse` (each row times its weight).

    The tutorial writes the weight update with ``2 (y - y_pred)``: that is this
    gradient with its sign flipped, because gradient *descent* subtracts it.

    Parameters
    ----------
    y, y_pred : array of shape (n_samples, n_outputs)
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    dL_dy_pred : array of shape (n_samples, n_outputs)
    """
    return _scaled(y_pred - y, 2.0, sample_weight)


def sse_value_and_gradient(y: Array, y_pred: Array, sample_weight: Array | None = None,
                           xp: Namespace | None = None) -> tuple[Scalar, Array]:
    """:func:`sse` and :func:`sse_gradient` at once, from one difference ``y_pred - y``.

    The tutorial's training step needs both; they share the difference, which is
    computed once and then scaled in place into the gradient. The same numbers as
    the two functions give apart. Parameters as for :func:`sse`.

    Returns
    -------
    L : 0-d array
    dL_dy_pred : array of shape (n_samples, n_outputs)
    """
    xp = xp or namespace(y, y_pred)
    diff = y_pred - y
    if sample_weight is None:
        L = _arrays.sum_of_squares(diff, xp)
    else:
        L = _per_sample(diff * diff, sample_weight, xp)
    return L, _scaled(diff, 2.0, sample_weight)  # diff is not needed again: it becomes the gradient


def mse(y: Array, y_pred: Array, sample_weight: Array | None = None, xp: Namespace | None = None
        ) -> Scalar:
    """Mean squared error ``L = sum((y - y_pred)**2) / (n_samples * n_outputs)``.

    With ``sample_weight``, the weighted mean: ``n_samples`` becomes ``sum(sample_weight)``.

    Parameters
    ----------
    y, y_pred : array of shape (n_samples, n_outputs)
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    L : 0-d array
    """
    xp = xp or namespace(y, y_pred)
    return sse(y, y_pred, sample_weight, xp) / (_count(y, sample_weight, xp) * y.shape[1])


def mse_gradient(y: Array, y_pred: Array, sample_weight: Array | None = None, xp: Namespace | None = None
                 ) -> Array:
    """``dL/dy_pred = 2 (y_pred - y) / (n_samples * n_outputs)`` for :func:`mse`.

    Parameters
    ----------
    y, y_pred : array of shape (n_samples, n_outputs)
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    dL_dy_pred : array of shape (n_samples, n_outputs)
    """
    xp = xp or namespace(y, y_pred)
    return _scaled(y_pred - y, 2 / (_count(y, sample_weight, xp) * y.shape[1]), sample_weight)


def half_mse(y: Array, y_pred: Array, sample_weight: Array | None = None, xp: Namespace | None = None
             ) -> Scalar:
    """Half the mean squared error, ``L = mse / 2``: scikit-learn's ``squared_error`` for its MLP.

    The half cancels the 2 of the derivative. Parameters as for :func:`mse`.
    """
    return mse(y, y_pred, sample_weight, xp) / 2


def half_mse_gradient(y: Array, y_pred: Array, sample_weight: Array | None = None,
                      xp: Namespace | None = None) -> Array:
    """``dL/dy_pred = (y_pred - y) / (n_samples * n_outputs)`` for :func:`half_mse`.

    Parameters
    ----------
    y, y_pred : array of shape (n_samples, n_outputs)
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    dL_dy_pred : array of shape (n_samples, n_outputs)
    """
    xp = xp or namespace(y, y_pred)
    return _scaled(y_pred - y, 1 / (_count(y, sample_weight, xp) * y.shape[1]), sample_weight)


def binary_crossentropy(y: Array, Z: Array, sample_weight: Array | None = None,
                        xp: Namespace | None = None) -> Scalar:
    """Binary cross-entropy of ``p = sigmoid(Z)``, averaged over every sample and output.

    ``L = mean(-y log p - (1 - y) log(1 - p)) = mean(log(1 + exp(Z)) - y Z)``

    The right-hand form is what is computed (with ``logaddexp``), so a logit
    of ``±1e4`` gives a finite loss.

    Parameters
    ----------
    y : array of shape (n_samples, n_outputs)
        Targets in [0, 1].
    Z : array of shape (n_samples, n_outputs)
        Logits: the output layer's pre-activation, ``p = sigmoid(Z)``.
    sample_weight : array of shape (n_samples,), optional
        The weighted mean over the samples instead.
    xp : array namespace, optional

    Returns
    -------
    L : 0-d array

    Examples
    --------
    >>> import numpy as np
    >>> round(float(binary_crossentropy(np.array([[1.0]]), np.array([[0.0]]))), 6)  # log 2
    0.693147
    >>> float(binary_crossentropy(np.array([[0.0]]), np.array([[1e4]])))
    10000.0
    """
    xp = xp or namespace(y, Z)
    terms = xp.logaddexp(0.0, Z) - y * Z
    if sample_weight is None:
        return xp.mean(terms)
    return _per_sample(terms, sample_weight, xp) / (_count(y, sample_weight, xp) * y.shape[1])


def binary_crossentropy_gradient(y: Array, Z: Array, sample_weight: Array | None = None,
                                 xp: Namespace | None = None) -> Array:
    """``dL/dZ = (sigmoid(Z) - y) / (n_samples * n_outputs)`` for :func:`binary_crossentropy`.

    The sigmoid's derivative ``p (1 - p)`` cancels the cross-entropy's
    ``1 / (p (1 - p))``: that is why the loss takes the logits.

    Parameters
    ----------
    y : array of shape (n_samples, n_outputs)
    Z : array of shape (n_samples, n_outputs)
        Logits.
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    dL_dZ : array of shape (n_samples, n_outputs)
    """
    xp = xp or namespace(y, Z)
    p = sigmoid(Z, xp)
    p -= y
    return _scaled(p, 1 / (_count(y, sample_weight, xp) * y.shape[1]), sample_weight)


def categorical_crossentropy(y: Array, Z: Array, sample_weight: Array | None = None,
                             xp: Namespace | None = None) -> Scalar:
    """Cross-entropy of ``p = softmax(Z)`` against one-hot ``y``, averaged over samples.

    ``L = -sum(y * log p) / n = sum(y * (logsumexp(Z) - Z)) / n``

    Parameters
    ----------
    y : array of shape (n_samples, n_classes)
        One-hot targets (rows of probabilities also work).
    Z : array of shape (n_samples, n_classes)
        Logits: the output layer's pre-activation, ``p = softmax(Z)``.
    sample_weight : array of shape (n_samples,), optional
        The weighted mean over the samples instead.
    xp : array namespace, optional

    Returns
    -------
    L : 0-d array

    Examples
    --------
    >>> import numpy as np
    >>> round(float(categorical_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]))), 6)
    0.693147
    """
    xp = xp or namespace(y, Z)
    shifted = Z - xp.max(Z, axis=1, keepdims=True)
    log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    if sample_weight is None:
        return -xp.sum(y * log_p) / y.shape[0]
    return -_per_sample(y * log_p, sample_weight, xp) / _count(y, sample_weight, xp)


def categorical_crossentropy_gradient(y: Array, Z: Array, sample_weight: Array | None = None,
                                      xp: Namespace | None = None) -> Array:
    """``dL/dZ = (softmax(Z) - y) / n_samples`` for :func:`categorical_crossentropy`.

    Holds for one-hot ``y`` (any ``y`` whose rows sum to 1).

    Parameters
    ----------
    y : array of shape (n_samples, n_classes)
    Z : array of shape (n_samples, n_classes)
        Logits.
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    dL_dZ : array of shape (n_samples, n_classes)
    """
    xp = xp or namespace(y, Z)
    p = softmax(Z, xp)
    p -= y
    return _scaled(p, 1 / _count(y, sample_weight, xp), sample_weight)


def half_poisson(y: Array, Z: Array, sample_weight: Array | None = None, xp: Namespace | None = None
                 ) -> Scalar:
    """Half the Poisson deviance of the mean ``mu = exp(Z)``, averaged over every sample and output.

    ``L = mean(y log(y / mu) - y + mu) = mean(y log y - y Z - y + exp(Z))``, with
    ``y log y = 0`` at ``y = 0``: zero when ``mu = y``. scikit-learn's ``loss="poisson"``
    for its MLP regressor.

    Parameters
    ----------
    y : array of shape (n_samples, n_outputs)
        Non-negative targets (counts, rates).
    Z : array of shape (n_samples, n_outputs)
        The log of the mean: the output layer's pre-activation.
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    L : 0-d array

    Examples
    --------
    >>> float(half_poisson(np.array([[2.0]]), np.log(np.array([[2.0]]))))  # mu = y
    0.0
    """
    xp = xp or namespace(y, Z)
    y_log_y = y * xp.log(xp.where(y > 0, y, 1.0))  # log 1 = 0 where y = 0
    with _arrays.overflow_ignored():
        terms = y_log_y - y * Z - y + xp.exp(Z)
    if sample_weight is None:
        return xp.mean(terms)
    return _per_sample(terms, sample_weight, xp) / (_count(y, sample_weight, xp) * y.shape[1])


def half_poisson_gradient(y: Array, Z: Array, sample_weight: Array | None = None,
                          xp: Namespace | None = None) -> Array:
    """``dL/dZ = (exp(Z) - y) / (n_samples * n_outputs)`` for :func:`half_poisson`.

    Parameters
    ----------
    y : array of shape (n_samples, n_outputs)
    Z : array of shape (n_samples, n_outputs)
        The log of the mean.
    sample_weight : array of shape (n_samples,), optional
    xp : array namespace, optional

    Returns
    -------
    dL_dZ : array of shape (n_samples, n_outputs)
    """
    xp = xp or namespace(y, Z)
    with _arrays.overflow_ignored():
        mu = xp.exp(Z)
    mu -= y
    return _scaled(mu, 1 / (_count(y, sample_weight, xp) * y.shape[1]), sample_weight)


@dataclass(frozen=True)
class Loss:
    """A loss function with its gradient, and what it takes from the network.

    Attributes
    ----------
    name : str
    natural_output : str
        The network's output activation when ``output_activation=None``.
    reduction : {"sum", "mean"}
        Whether the loss adds up its terms (``sse``) or averages them.
    from_logits : bool
        Whether the loss takes the logits ``Z`` (the cross-entropies, which apply
        :attr:`natural_output` themselves) rather than the output ``y_pred``.
        A network trained on such a loss has a linear output layer, and applies
        the sigmoid or softmax in :meth:`predict`.
    function : callable
        ``L = function(y, y_pred, sample_weight=None, xp=None)``, or ``function(y, Z, ...)``
        with ``from_logits``: a 0-d array, ``xp`` the arrays' namespace (None: look it up).
    gradient : callable
        The derivative of ``function`` with respect to its second argument:
        ``dL/dy_pred``, or ``dL/dZ`` with ``from_logits``; same arguments.
    both : callable or None
        ``(L, gradient) = both(...)``, same arguments, where the two share work
        (``sse``: the difference); :meth:`value_and_gradient` calls it if given.
    """

    name: str
    natural_output: str
    reduction: str
    from_logits: bool
    function: Callable[..., Scalar]
    gradient: Callable[..., Array]
    both: Callable[..., tuple[Scalar, Array]] | None = None

    def output_activation(self, name: str | None) -> str:
        """The network's output activation for this loss: ``name``, or :attr:`natural_output` if None.

        Raises ``ValueError`` if the name is unknown, or if the loss takes logits
        and ``name`` is not its natural output (the loss applies that one itself).
        """
        out = self.natural_output if name is None else name
        get_activation(out, argument="output_activation")
        if self.from_logits and out != self.natural_output:
            raise ValueError(f"loss {self.name!r} needs output_activation={self.natural_output!r} "
                             f"(or None); got {out!r}")
        return out

    def value_and_gradient(self, y: Array, output: Array, sample_weight: Array | None = None,
                           xp: Namespace | None = None) -> tuple[Scalar, Array]:
        """``L`` and ``dL/d output``, where ``output`` is what the loss takes (``y_pred`` or ``Z``).

        Parameters
        ----------
        y : array of shape (n_samples, n_outputs)
        output : array of shape (n_samples, n_outputs)
        sample_weight : array of shape (n_samples,), optional
        xp : array namespace, optional
            The arrays', if the caller knows it.

        Returns
        -------
        loss : 0-d array
            Left where the arrays live: ``float(loss)`` reads it.
        gradient : array of shape (n_samples, n_outputs)
        """
        if self.both is not None:
            return self.both(y, output, sample_weight, xp)
        return self.function(y, output, sample_weight, xp), self.gradient(y, output, sample_weight, xp)

    def predict(self, output: Array, xp: Namespace | None = None) -> Array:
        """The prediction ``y_pred`` from the network's last output.

        ``sigmoid(Z)`` or ``softmax(Z)`` of the logits for the cross-entropies;
        the output as it is for the others.
        """
        if self.from_logits:
            return ACTIVATIONS[self.natural_output].function(output, xp)
        return output


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("sse", "sigmoid", "sum", False, sse, sse_gradient, sse_value_and_gradient),
        Loss("mse", "identity", "mean", False, mse, mse_gradient),
        Loss("half_mse", "identity", "mean", False, half_mse, half_mse_gradient),
        Loss("binary_crossentropy", "sigmoid", "mean", True,
             binary_crossentropy, binary_crossentropy_gradient),
        Loss("categorical_crossentropy", "softmax", "mean", True,
             categorical_crossentropy, categorical_crossentropy_gradient),
        Loss("half_poisson", "exp", "mean", True, half_poisson, half_poisson_gradient),
    )
}


def get_loss(name: str | Loss) -> Loss:
    """Look up a loss by name (a :class:`Loss` is returned as it is).

    Raises ``ValueError`` naming the choices if the name is unknown, ``TypeError``
    if it is not a string.
    """
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss")
