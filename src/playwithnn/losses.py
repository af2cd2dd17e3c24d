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

import inspect
import math
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _arrays
from ._arrays import Namespace, namespace
from ._validation import Registry
from .activations import CHECK_STEP, CHECK_TOLERANCE, Activation, get_activation, sigmoid, softmax

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


#: Where :class:`Loss` checks a gradient: targets and outputs drawn from this seed, both in
#: [0.05, 0.95] (inside every loss's domain: a probability, a count's mean, a value; the targets'
#: rows scaled to sum to 1 for a softmax output), 4 samples of 3 outputs. The tolerances are the
#: activations' check's.
_CHECK_RNG_SEED = 20260101


def check_gradient(function: Callable[[Array, Array], Scalar], gradient: Callable[[Array, Array], Array],
                   name: str, *, one_hot_rows: bool = False) -> None:
    """Check ``gradient`` against central differences of ``function`` in each entry of its second argument.

    Parameters
    ----------
    function : callable
        ``L = function(y, output)``, a number, for ``y`` and ``output`` of shape (4, 3).
    gradient : callable
        ``dL/d output = gradient(y, output)``, of the shape of ``output``.
    name : str
        The loss's name, for the message.
    one_hot_rows : bool, default=False
        Targets whose rows sum to 1, as a softmax output's (the categorical cross-entropy's
        gradient ``p - y`` holds for those only).

    Raises
    ------
    ValueError
        If the loss or the gradient is not finite, the gradient's shape is not the output's, or
        an entry of the gradient differs from ``(L(o + h) - L(o - h)) / 2h`` by more than
        ``CHECK_TOLERANCE`` relative to ``1 + |expected|``: the message names the worst entry,
        its output and target, the expected and the actual derivative.

    Examples
    --------
    >>> check_gradient(sse, sse_gradient, "sse")
    >>> check_gradient(sse, lambda y, y_pred: 2 * (y - y_pred), "flipped")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: loss 'flipped': its gradient is wrong at output[...] ... with its sign flipped...
    """
    rng = np.random.default_rng(_CHECK_RNG_SEED)
    y = rng.uniform(0.05, 0.95, size=(4, 3))
    out = rng.uniform(0.05, 0.95, size=(4, 3))
    if one_hot_rows:
        y /= y.sum(axis=1, keepdims=True)
    h = CHECK_STEP
    with np.errstate(all="ignore"):
        value = float(function(y.copy(), out.copy()))
        actual = np.asarray(gradient(y.copy(), out.copy()), dtype=np.float64)
        expected = np.empty_like(out)
        for idx in np.ndindex(out.shape):
            plus, minus = out.copy(), out.copy()
            plus[idx] += h
            minus[idx] -= h
            expected[idx] = (float(function(y.copy(), plus)) - float(function(y.copy(), minus))) / (
                plus[idx] - minus[idx])
    if not math.isfinite(value):
        raise ValueError(f"loss {name!r}: its value is not finite for outputs and targets in [0.05, 0.95]")
    if actual.shape != out.shape:
        raise ValueError(f"loss {name!r}: its gradient must have the shape of the output, {out.shape}; "
                         f"got {actual.shape}")
    if not np.isfinite(actual).all():
        raise ValueError(f"loss {name!r}: its gradient is not finite for outputs and targets in [0.05, 0.95]")
    error = np.abs(actual - expected) / (1 + np.abs(expected))
    worst = np.unravel_index(int(np.argmax(error)), out.shape)
    if error[worst] <= CHECK_TOLERANCE:
        return
    where = f"output[{worst[0]}, {worst[1]}] = {out[worst]:.4g} (target {y[worst]:.4g})"
    message = (f"loss {name!r}: its gradient is wrong at {where}: the slope of the loss there is "
               f"{expected[worst]:.6g} (central difference) but the gradient gives {actual[worst]:.6g}.")
    if np.allclose(actual, -expected, rtol=1e-5, atol=1e-8):
        message += " It is the gradient with its sign flipped: give dL/d output, which descent subtracts."
    raise ValueError(message)


def _takes_weights_and_xp(function: Callable[..., Any]) -> bool:
    """Whether ``function`` takes ``(y, output, sample_weight, xp)`` (the built-ins do) or ``(y, output)``."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 4 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


@dataclass(frozen=True)
class Loss:
    """A loss function with its gradient, and what it takes from the network; checked when it is made.

    Making one checks ``gradient`` against central differences of ``function`` in every entry
    of the output, on targets and outputs in [0.05, 0.95], in float64 (:func:`check_gradient`):
    a wrong gradient raises ``ValueError`` naming the worst entry, the expected and the actual
    derivative. The object is then usable wherever a loss's name is (``NeuralNetwork(loss=...)``).
    A model file stores its :attr:`name` only: to load such a file, :func:`register` it first.

    Parameters
    ----------
    name : str
    function : callable
        ``L = function(y, y_pred)``: a number (a 0-d array), for arrays of shape (n_samples,
        n_outputs). A function that takes ``(y, y_pred, sample_weight, xp)`` is given those
        too (the built-ins are); one that takes two cannot be trained with sample weights.
    gradient : callable
        ``dL/dy_pred = gradient(y, y_pred)``, of the shape of ``y_pred`` (the derivative with
        respect to the *prediction*; ``dL/dZ`` with ``from_logits``), same arguments.
    natural_output : str, default="identity"
        The network's output activation when ``output_activation=None``.
    reduction : {"sum", "mean"}, default="mean"
        Whether the loss adds up its terms (``sse``) or averages them: how the losses of the
        batches of an epoch add up.
    from_logits : bool, default=False
        Whether the loss takes the logits ``Z`` (the cross-entropies, which apply
        :attr:`natural_output` themselves) rather than the output ``y_pred``.
        A network trained on such a loss has a linear output layer, and applies
        the sigmoid or softmax in :meth:`predict`.
    both : callable or None, default=None
        ``(L, gradient) = both(y, output, sample_weight, xp)``, where the two share work
        (``sse``: the difference ``y_pred - y``); :meth:`value_and_gradient` calls it if given.

    Raises
    ------
    ValueError
        If the gradient is wrong, or the loss or gradient is not finite on the range checked.
    TypeError
        If ``function`` or ``gradient`` is not callable, or ``name`` not a string.

    Examples
    --------
    The tutorial's loss, written as a learner would:

    >>> def my_sse(y, y_pred):
    ...     return ((y - y_pred) ** 2).sum()
    >>> def my_sse_gradient(y, y_pred):
    ...     return 2 * (y_pred - y)
    >>> loss = Loss("my_sse", my_sse, my_sse_gradient, natural_output="sigmoid", reduction="sum")
    >>> float(loss.value(np.array([[1.0]]), np.array([[0.5]])))
    0.25
    """

    name: str
    function: Callable[..., Scalar]
    gradient: Callable[..., Array]
    _: KW_ONLY
    natural_output: str = "identity"
    reduction: str = "mean"
    from_logits: bool = False
    # Whether function and gradient take (y, output, sample_weight, xp), as the built-ins do.
    both: Callable[..., tuple[Scalar, Array]] | None = None
    _full: tuple[bool, bool] = field(init=False, repr=False, compare=False, default=(True, True))

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"a loss's name must be a non-empty string; got {self.name!r:.60}")
        for what in ("function", "gradient", "both"):
            if what == "both" and self.both is None:
                continue
            if not callable(getattr(self, what)):
                raise TypeError(f"loss {self.name!r}: {what} must be callable; "
                                f"got {getattr(self, what)!r:.60}")
        if self.reduction not in ("sum", "mean"):
            raise ValueError(f"loss {self.name!r}: reduction must be 'sum' or 'mean'; "
                             f"got {self.reduction!r:.60}")
        if not isinstance(self.from_logits, bool):
            raise TypeError(f"loss {self.name!r}: from_logits must be True or False")
        get_activation(self.natural_output, argument="natural_output")
        object.__setattr__(self, "_full", (_takes_weights_and_xp(self.function),
                                           _takes_weights_and_xp(self.gradient)))
        check_gradient(self.value, self.gradient_of, self.name, one_hot_rows=self.natural_output == "softmax")

    def _call(self, which: int, fn: Callable[..., Any], y: Array, output: Array,
              sample_weight: Array | None, xp: Namespace | None) -> Any:
        if self._full[which]:
            return fn(y, output, sample_weight, xp)
        if sample_weight is not None:
            raise TypeError(f"loss {self.name!r} takes no sample_weight: its function takes (y, y_pred) only")
        return fn(y, output)

    def value(self, y: Array, output: Array, sample_weight: Array | None = None,
              xp: Namespace | None = None) -> Scalar:
        """``L``, where ``output`` is what the loss takes (``y_pred``, or ``Z`` with ``from_logits``).

        Parameters
        ----------
        y, output : array of shape (n_samples, n_outputs)
        sample_weight : array of shape (n_samples,), optional
        xp : array namespace, optional

        Returns
        -------
        L : 0-d array
        """
        return self._call(0, self.function, y, output, sample_weight, xp)

    def gradient_of(self, y: Array, output: Array, sample_weight: Array | None = None,
                    xp: Namespace | None = None) -> Array:
        """``dL/d output``, of shape (n_samples, n_outputs); arguments as for :meth:`value`."""
        return self._call(1, self.gradient, y, output, sample_weight, xp)

    def output_activation(self, name: str | Activation | None) -> Activation:
        """The network's output activation for this loss: ``name``, or :attr:`natural_output` if None.

        Raises ``ValueError`` if the name is unknown, or if the loss takes logits
        and ``name`` is not its natural output (the loss applies that one itself).
        """
        out = get_activation(self.natural_output if name is None else name, argument="output_activation")
        if self.from_logits and out.name != self.natural_output:
            raise ValueError(f"loss {self.name!r} needs output_activation={self.natural_output!r} "
                             f"(or None); got {out.name!r}")
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
        return self.value(y, output, sample_weight, xp), self.gradient_of(y, output, sample_weight, xp)

    def predict(self, output: Array, xp: Namespace | None = None) -> Array:
        """The prediction ``y_pred`` from the network's last output.

        ``sigmoid(Z)`` or ``softmax(Z)`` of the logits for the cross-entropies;
        the output as it is for the others.
        """
        if self.from_logits:
            return get_activation(self.natural_output).forward(output, xp)
        return output


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("sse", sse, sse_gradient, natural_output="sigmoid", reduction="sum",
             both=sse_value_and_gradient),
        Loss("mse", mse, mse_gradient),
        Loss("half_mse", half_mse, half_mse_gradient),
        Loss("binary_crossentropy", binary_crossentropy, binary_crossentropy_gradient,
             natural_output="sigmoid", from_logits=True),
        Loss("categorical_crossentropy", categorical_crossentropy, categorical_crossentropy_gradient,
             natural_output="softmax", from_logits=True),
        Loss("half_poisson", half_poisson, half_poisson_gradient, natural_output="exp", from_logits=True),
    )
}

#: The built-in losses, and those their users made and :func:`register` made known.
_REGISTRY = Registry("loss", Loss, LOSSES, "playwithnn.losses.register(loss)")


def register(loss: Loss) -> Loss:
    """Make a custom loss known by its name, to model files and wherever a name is accepted.

    As :func:`playwithnn.activations.register`: explicit, a built-in name cannot be taken, and
    registering under a custom name already registered replaces it. Returns ``loss``.
    """
    return _REGISTRY.register(loss)


def unregister(name: str) -> None:
    """Forget the custom loss registered as ``name`` (``KeyError`` if there is none)."""
    _REGISTRY.unregister(name)


def get_loss(name: str | Loss) -> Loss:
    """Look up a loss by name, built-in or registered (a :class:`Loss` is returned as it is).

    Raises ``ValueError`` naming the choices if the name is unknown, or if a :class:`Loss` carries
    the name of another known loss; ``TypeError`` if it is neither a string nor a :class:`Loss`.
    """
    return _REGISTRY.get(name, "loss")
