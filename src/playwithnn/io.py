"""Model files: save a network and load it back, safely.

A model file is a NumPy ``.npz`` archive: the arrays ``W1``, ``b1``, ``W2``, ... and
a JSON header with the architecture (:meth:`NeuralNetwork.get_config`), the
network's :attr:`~playwithnn.NeuralNetwork.metadata` and a SHA-256 checksum of
everything; :mod:`playwithnn._modelfile` describes the format byte by byte.

Safety. Nothing in a model file is ever unpickled or evaluated: the arrays are read
as raw numbers after their ``.npy`` headers have been checked, and the JSON is
parsed as data. :func:`load` checks the whole file before it returns a network: the
archive, every size it declares (before anything is allocated), the JSON, the format
version, the architecture, the name, dtype, shape and finiteness of every array,
and the checksum. Anything wrong raises :class:`ModelFileError` naming the file and
the problem. Loading takes time linear in the file's size.

What is saved. A file restores the *optimizer-independent* state only: the
architecture, the weights and biases, and the metadata. The optimizer's state
(momentum velocities, Adam's moment estimates), the training history and the
random generator's state are not saved; training a loaded network starts a fresh
optimizer.

Layers. The bytes of the format live in :mod:`playwithnn._modelfile`, which needs
only NumPy, so that :meth:`NeuralNetwork.save` writes a file without importing
this module; this module stands on the network, to build one in :func:`load`.

>>> import os, tempfile
>>> import numpy as np
>>> from playwithnn import NeuralNetwork, load
>>> net = NeuralNetwork([3, 4, 1], seed=0)
>>> net.metadata["feature_names"] = ["a", "b", "c"]
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "model.npz")
...     net.save(path)
...     same = load(path)
>>> X = np.array([[0.0, 1.0, 1.0]])
>>> bool((same.predict(X) == net.predict(X)).all()), same.metadata
(True, {'feature_names': ['a', 'b', 'c']})
"""

from __future__ import annotations

import os

import numpy as np

from ._modelfile import FORMAT_NAME, FORMAT_VERSION, MAX_HEADER_BYTES, ModelFileError, read
from .network import NeuralNetwork


def save(net: NeuralNetwork, path: str | os.PathLike[str]) -> None:
    """Write ``net`` to the model file ``path`` (an ``.npz`` archive), atomically.

    The archive is written to a temporary file in the same folder, flushed to
    disk, and then renamed over ``path``: if anything fails on the way, an
    existing file at ``path`` is left as it was and the temporary file is removed.
    ``path`` is used as given (no ``.npz`` is added); a symbolic link is followed.
    Same as ``net.save(path)``.

    Parameters
    ----------
    net : NeuralNetwork
        Its architecture, weights, biases and :attr:`~NeuralNetwork.metadata`
        are saved; optimizer state and training history are not.
    path : str or os.PathLike
        Where to write. An existing file is replaced.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`NeuralNetwork`, or ``net.metadata`` holds
        something other than JSON values (dicts with string keys, lists, strings,
        numbers, booleans, None).
    ValueError
        If a weight is NaN or infinite, ``net.metadata`` holds a NaN or infinity,
        or ``path`` exists and is not a regular file (a folder, ``/dev/null``).
    OSError
        If the file cannot be written.
    """
    if not isinstance(net, NeuralNetwork):
        raise TypeError(f"net must be a playwithnn.NeuralNetwork; got {type(net).__name__}")
    net.save(path)


def load(path: str | os.PathLike[str], *, seed: int | np.random.Generator | None = None) -> NeuralNetwork:
    """Read a network from the model file ``path`` written by :func:`save`.

    The whole file is checked before a network is returned; nothing in it is
    unpickled or evaluated. The network has the saved architecture, weights,
    biases and :attr:`~NeuralNetwork.metadata` (with tuples turned into lists by
    JSON), so its predictions are bit-identical to the saved network's. Optimizer
    state and training history are not in the file.

    Parameters
    ----------
    path : str or os.PathLike
    seed : int, numpy.random.Generator or None, default=None
        Seed of the loaded network's random generator (used if it is trained
        further); the saved network's generator state is not in the file.

    Returns
    -------
    NeuralNetwork

    Raises
    ------
    ModelFileError
        A ``ValueError`` naming the file and what is wrong: it does not exist, is
        not an ``.npz`` archive, is truncated or damaged, declares sizes that the
        file does not hold, is not a playwithnn model, has an unknown format
        version, an invalid architecture, a missing, unexpected, misshapen,
        non-finite or pickled array, or a checksum that does not match (it was
        edited after it was saved).
    """
    net, parameters, metadata = read(path, lambda config: NeuralNetwork(**config, seed=seed))
    net.set_parameters(parameters)
    net.metadata = metadata
    return net


__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "MAX_HEADER_BYTES", "ModelFileError", "load", "save"]
