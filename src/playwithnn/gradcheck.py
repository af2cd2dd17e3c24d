r"""Central-difference gradient check: is backpropagation right?

Backpropagation gives the gradient of the loss with respect to every weight by
the chain rule. Finite differences give it by brute force: nudge one weight
``w`` by ``±eps``, run the network twice, and divide

.. math::  \frac{\partial L}{\partial w} \approx \frac{L(w + \epsilon) - L(w - \epsilon)}{2 \epsilon}

The central difference is accurate to ``O(eps**2)``, so in float64 with
``eps = 1e-6`` the two answers agree to about seven digits or better when the
backpropagation is correct, and disagree wildly when it is not.

>>> import numpy as np
>>> from playwithnn import NeuralNetwork
>>> net = NeuralNetwork([3, 4, 1], seed=0)
>>> X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
>>> y = np.array([[0], [1], [1], [0]])
>>> numerical = numerical_gradients(net, X, y)
>>> backprop = net.gradients(X, y)        # {"W1": ..., "b1": ..., "W2": ..., "b2": ...}
>>> max_relative_error(numerical, backprop) < 1e-6
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._arrays import is_array, namespace, to_numpy
from ._validation import check_positive_float


class Differentiable(Protocol):
    """What :func:`numerical_gradients` needs of a model (a :class:`~playwithnn.NeuralNetwork` has it)."""

    def loss(self, X: Any, y: Any) -> float:
        """The loss of the model on ``X`` against ``y``."""
        ...

    def parameters(self) -> list[NDArray[np.floating]]:
        """The live parameter arrays (of any library of the array API standard); writing into
        them changes the model."""
        ...


def numerical_gradients(
    net: Differentiable, X: ArrayLike, y: ArrayLike, eps: float = 1e-6
) -> list[NDArray[np.float64]]:
    r"""Gradient of ``net.loss(X, y)`` by central differences, one parameter entry at a time.

    For every entry ``w`` of every array in ``net.parameters()``:

    .. math::  g = \frac{L(w_+) - L(w_-)}{w_+ - w_-}, \qquad w_\pm = w \pm \epsilon

    Dividing by ``w_+ - w_-`` as stored (rather than by ``2 eps``) removes the
    rounding of ``w ± eps`` from the quotient. Each entry is put back to its
    original value exactly, so the network is unchanged afterwards.

    This costs two forward passes per parameter: use it on small networks and
    small data, to check :meth:`~playwithnn.NeuralNetwork.gradients`.

    Parameters
    ----------
    net : NeuralNetwork (or any object with ``loss(X, y)`` and ``parameters()``)
        Must hold float64 parameters: in float32 a step of ``1e-6`` is lost in
        rounding. They may be arrays of any library of the array API standard (on a
        GPU too); each entry is read and written one at a time.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples, n_outputs)
    eps : float, default=1e-6
        The step ``eps``. Central differences err by ``O(eps**2)`` from
        truncation and by about ``1e-16 * |L| / eps`` from rounding; ``1e-6``
        keeps both near ``1e-10`` for losses of order 1.

    Returns
    -------
    list of ndarray of float64
        ``[dL/dW1, dL/db1, ...]``, in the order and with the shapes of
        ``net.parameters()``, as NumPy arrays.

    Raises
    ------
    TypeError
        If a parameter is not a float64 array.
    ValueError
        If ``eps`` is not a positive finite number.
    """
    eps = check_positive_float(eps, "eps")
    params = net.parameters()
    for i, p in enumerate(params):
        if not (is_array(p) and p.dtype == namespace(p).float64):
            dtype = getattr(p, "dtype", type(p).__name__)
            raise TypeError(
                f"numerical_gradients needs float64 parameters (build the network with "
                f"dtype=numpy.float64); net.parameters()[{i}] is {dtype}"
            )
    grads = []
    for p in params:
        g = np.empty(tuple(p.shape), dtype=np.float64)
        for idx in np.ndindex(tuple(p.shape)):
            w = float(p[idx])  # a number, not a view of the entry
            w_plus, w_minus = w + eps, w - eps
            p[idx] = w_plus
            loss_plus = net.loss(X, y)
            p[idx] = w_minus
            loss_minus = net.loss(X, y)
            p[idx] = w  # the saved value: restored bit for bit
            g[idx] = (loss_plus - loss_minus) / (w_plus - w_minus)
        grads.append(g)
    return grads


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    r"""Relative difference of two arrays, in the norm form.

    .. math::  e = \frac{\lVert a - b \rVert_2}{\max(\lVert a \rVert_2 + \lVert b \rVert_2,\ \mathrm{tiny})}

    with Euclidean norms over all entries and ``tiny`` the smallest normal
    float64, so that two zero arrays give 0 rather than ``0 / 0``. ``e`` lies in
    ``[0, 1]``: 0 when ``a == b``, about ``10**-d`` when they agree to ``d``
    significant digits, 1 when one is zero and the other not or they point in
    opposite directions. The norm form judges the array as a whole, so an entry
    that is nearly zero in both arrays does not turn rounding noise into a large
    error, as an element-wise quotient would.

    Parameters
    ----------
    a, b : array-like of the same shape
        Arrays of any library of the array API standard too (copied to the host).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> relative_error([3.0, 4.0], [3.0, 4.0])
    0.0
    >>> relative_error([1.0, 0.0], [0.0, 0.0])
    1.0
    >>> round(relative_error([1.0], [1.001]), 7)   # 0.001 / 2.001
    0.0004998
    """
    a_arr = np.asarray(to_numpy(a) if is_array(a) else a, dtype=np.float64)
    b_arr = np.asarray(to_numpy(b) if is_array(b) else b, dtype=np.float64)
    if a_arr.shape != b_arr.shape:
        raise ValueError(f"a and b must have the same shape; got {a_arr.shape} and {b_arr.shape}")
    scale = float(np.linalg.norm(a_arr) + np.linalg.norm(b_arr))
    return float(np.linalg.norm(a_arr - b_arr)) / max(scale, float(np.finfo(np.float64).tiny))


def max_relative_error(grads_a: Sequence[ArrayLike] | Mapping[str, ArrayLike],
                       grads_b: Sequence[ArrayLike] | Mapping[str, ArrayLike]) -> float:
    """The largest :func:`relative_error` over pairs of arrays, such as two lists of gradients.

    Parameters
    ----------
    grads_a, grads_b : sequences or mappings of array-like
        Of the same length, the arrays pairwise of the same shape (e.g. the
        result of :func:`numerical_gradients` and of ``net.gradients(X, y)``). A mapping
        (``net.gradients`` labels its arrays ``"W1"``, ``"b1"``, ...) gives its values in
        order; two mappings must have the same keys, and are paired by key.

    Returns
    -------
    float
        0.0 for two empty sequences.

    Raises
    ------
    ValueError
        If the lengths, the keys of two mappings, or a pair of shapes differ.

    Examples
    --------
    >>> max_relative_error([[1.0, 2.0], [5.0]], [[1.0, 2.0], [4.0]])   # 1 / 9 from the second pair
    0.1111111111111111
    >>> max_relative_error({"W1": [1.0]}, [[1.0]])
    0.0
    """
    if isinstance(grads_a, Mapping) and isinstance(grads_b, Mapping):
        if list(grads_a) != list(grads_b):
            raise ValueError(f"grads_a and grads_b must have the same keys; got {list(grads_a)} and "
                             f"{list(grads_b)}")
    a = list(grads_a.values()) if isinstance(grads_a, Mapping) else list(grads_a)
    b = list(grads_b.values()) if isinstance(grads_b, Mapping) else list(grads_b)
    if len(a) != len(b):
        raise ValueError(f"grads_a and grads_b must have the same length; got {len(a)} and {len(b)}")
    return max((relative_error(x, z) for x, z in zip(a, b)), default=0.0)


__all__ = ["Differentiable", "max_relative_error", "numerical_gradients", "relative_error"]
