"""Weight initializers.

Each initializer returns a weight matrix ``W`` of shape ``(n_in, n_out)`` drawn
from the ``numpy.random.Generator`` it is given, so a seed fixes every weight.

==========  =======================================================  ===============================
name        distribution                                             default for
==========  =======================================================  ===============================
uniform     ``U[0, 1)``, the tutorial's ``np.random.rand``            (the tutorial's faithful mode)
glorot      ``U[-r, r]``, ``r = sqrt(6 / (n_in + n_out))``            sigmoid, tanh, identity, softmax
he          ``N(0, 2 / n_in)``                                       relu, leaky_relu
==========  =======================================================  ===============================

Glorot keeps the variance of the signal about the same from layer to layer for
activations that are linear near 0; He doubles it to make up for ReLU zeroing
half of its inputs. Biases always start at zero.

>>> import numpy as np
>>> W = glorot(3, 4, np.random.default_rng(0), np.float32)
>>> W.shape, W.dtype, bool(np.abs(W).max() <= np.sqrt(6 / 7))
((3, 4), dtype('float32'), True)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._validation import lookup

Initializer = Callable[[int, int, np.random.Generator, DTypeLike], NDArray[np.floating]]


def uniform(n_in: int, n_out: int, rng: np.random.Generator, dtype: DTypeLike) -> NDArray[np.floating]:
    """``W ~ U[0, 1)``, as the tutorial's ``np.random.rand(n_in, n_out)``.

    Parameters
    ----------
    n_in, n_out : int
        The layer's inputs and units.
    rng : numpy.random.Generator
    dtype : float dtype

    Returns
    -------
    W : ndarray of shape (n_in, n_out)
    """
    return rng.random((n_in, n_out)).astype(dtype, copy=False)


def glorot(n_in: int, n_out: int, rng: np.random.Generator, dtype: DTypeLike) -> NDArray[np.floating]:
    """Glorot (Xavier) uniform: ``W ~ U[-r, r]`` with ``r = sqrt(6 / (n_in + n_out))``.

    Parameters
    ----------
    n_in, n_out : int
        The layer's inputs and units.
    rng : numpy.random.Generator
    dtype : float dtype

    Returns
    -------
    W : ndarray of shape (n_in, n_out)
    """
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_in, n_out)).astype(dtype, copy=False)


def he(n_in: int, n_out: int, rng: np.random.Generator, dtype: DTypeLike) -> NDArray[np.floating]:
    """He (Kaiming) normal: ``W ~ N(0, 2 / n_in)``.

    Parameters
    ----------
    n_in, n_out : int
        The layer's inputs and units.
    rng : numpy.random.Generator
    dtype : float dtype

    Returns
    -------
    W : ndarray of shape (n_in, n_out)
    """
    return (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype, copy=False)


INITIALIZERS: dict[str, Initializer] = {"uniform": uniform, "glorot": glorot, "he": he}

#: The initializer chosen for a layer when ``init=None``, by the layer's activation.
DEFAULT_INIT = {
    "sigmoid": "glorot",
    "tanh": "glorot",
    "identity": "glorot",
    "softmax": "glorot",
    "exp": "glorot",
    "relu": "he",
    "leaky_relu": "he",
}


def get_initializer(name: str) -> Initializer:
    """Look up an initializer by name; raises ``ValueError`` naming the choices if unknown."""
    return lookup(INITIALIZERS, name, "init")
