"""Model files: save a network or a model and load it back, safely.

A model file is a NumPy ``.npz`` archive: the arrays ``W1``, ``b1``, ``W2``, ... and
a JSON header with the architecture (:meth:`NeuralNetwork.get_config`), the
network's :attr:`~playwithnn.NeuralNetwork.metadata`, for a
:class:`~playwithnn.model.Model` what surrounds the network (the preprocessing of
raw rows, the class labels or the target's scaling), and a SHA-256 checksum of
everything; :mod:`playwithnn._modelfile` describes the format byte by byte. One
file serves every face: ``playwithnn train`` writes a model, and
``playwithnn.save`` writes one from a fitted estimator or scikit-learn pipeline;
``playwithnn.load`` and the command line read both.

Safety. Nothing in a model file is ever unpickled or evaluated: the arrays are read
as raw numbers after their ``.npy`` headers have been checked, and the JSON is
parsed as data. :func:`load` checks the whole file before it returns anything: the
archive, every size it declares (before anything is allocated), the JSON, the format
version, the architecture, the model description, the name, dtype, shape and
finiteness of every array, and the checksum. Anything wrong raises :class:`ModelFileError` naming the file and
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
from typing import Any

import numpy as np

from ._modelfile import FORMAT_NAME, FORMAT_VERSION, MAX_HEADER_BYTES, ModelFileError, read
from .model import Model
from .network import NeuralNetwork


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write a network or a model to the model file ``path`` (an ``.npz`` archive), atomically.

    The archive is written to a temporary file in the same folder, flushed to
    disk, and then renamed over ``path``: if anything fails on the way, an
    existing file at ``path`` is left as it was and the temporary file is removed.
    ``path`` is used as given (no ``.npz`` is added); a symbolic link is followed.

    Parameters
    ----------
    obj : NeuralNetwork, Model, fitted estimator or fitted scikit-learn Pipeline
        - a :class:`NeuralNetwork`: its architecture, weights, biases and
          :attr:`~NeuralNetwork.metadata`; :func:`load` gives back a network;
        - a :class:`~playwithnn.model.Model`: the network with its preprocessing
          and labels or target scaling; :func:`load` gives back a model;
        - a fitted :class:`~playwithnn.sklearn.NeuralNetworkClassifier` or
          :class:`~playwithnn.sklearn.NeuralNetworkRegressor` (or a subclass), or a fitted
          ``Pipeline`` of one behind ``SimpleImputer``, ``StandardScaler`` and
          ``OneHotEncoder`` steps (a ``ColumnTransformer`` of them too): saved as
          the model they make (:func:`playwithnn.sklearn.to_model`), which predicts
          what they predict from the same rows.

        Optimizer state and training history are not saved.
    path : str or os.PathLike
        Where to write. An existing file is replaced.

    Raises
    ------
    TypeError
        If ``obj`` is none of the above, or its metadata holds something other
        than JSON values (dicts with string keys, lists, strings, numbers,
        booleans, None).
    sklearn.exceptions.NotFittedError
        If ``obj`` is an estimator or a pipeline that is not fitted yet (a
        ``ValueError`` and an ``AttributeError`` too, as scikit-learn's is).
    ValueError
        If a weight is NaN or infinite, the metadata holds a NaN or infinity, a
        pipeline step has no counterpart in a model file (the message names it),
        or ``path`` exists and is not a regular file (a folder, ``/dev/null``).
    OSError
        If the file cannot be written.
    """
    if isinstance(obj, (NeuralNetwork, Model)):
        obj.save(path)
        return
    # A subclass of an estimator or a Pipeline, defined anywhere, is one too.
    if not any(cls.__module__.startswith(("sklearn.", "playwithnn.sklearn")) for cls in type(obj).__mro__):
        raise TypeError("obj must be a playwithnn NeuralNetwork or Model, a fitted playwithnn estimator, "
                        f"or a scikit-learn Pipeline of one; got {type(obj).__name__}")
    from .sklearn import to_model

    to_model(obj).save(path)


def load(path: str | os.PathLike[str], *, seed: int | np.random.Generator | None = None
         ) -> NeuralNetwork | Model:
    """Read a network or a model from the model file ``path`` written by :func:`save`.

    The whole file is checked before anything is returned; nothing in it is
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
    NeuralNetwork or Model
        A :class:`~playwithnn.model.Model` for a file that holds one (what
        ``playwithnn train``, an estimator or a pipeline saved): its ``predict``
        takes raw rows. A :class:`NeuralNetwork` for a network saved on its own.
        A file of format version 1 written by ``playwithnn train`` (whose
        metadata holds its features and their scaling) loads as a model too.

    Raises
    ------
    ModelFileError
        A ``ValueError`` naming the file and what is wrong: it does not exist, is
        not an ``.npz`` archive, is truncated or damaged, declares sizes that the
        file does not hold, is not a playwithnn model, has an unknown format
        version, an invalid architecture or model description, a missing,
        unexpected, misshapen, non-finite or pickled array, or a checksum that
        does not match (it was edited after it was saved).
    """
    net, parameters, metadata, model, version = read(path, lambda config: NeuralNetwork(**config, seed=seed))
    net.set_parameters(parameters)
    net.metadata = metadata
    try:
        if model is None and version == 1:
            model = _model_of_version_1(metadata)
        if model is None:
            return net
        if version == 1:
            net.metadata = {k: v for k, v in metadata.items() if k not in _VERSION_1_KEYS}
        return Model.from_json(net, model)
    except ValueError as exc:
        raise ModelFileError(path, f"invalid model description: {exc}") from None


#: What ``playwithnn train`` kept in a version 1 file's metadata.
_VERSION_1_KEYS = ("task", "target", "features", "feature_mean", "feature_scale", "classes",
                   "target_mean", "target_scale")


def _model_of_version_1(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The model description of a version 1 file written by the command line, or None.

    Raises ``ValueError`` if its metadata does not hold three lists of one length.
    """
    if not {"features", "feature_mean", "feature_scale", "task"} <= set(metadata):
        return None
    features, mean, scale = metadata["features"], metadata["feature_mean"], metadata["feature_scale"]
    if not (isinstance(features, list) and isinstance(mean, list) and isinstance(scale, list)
            and len(features) == len(mean) == len(scale)):
        raise ValueError("the metadata's 'features', 'feature_mean' and 'feature_scale' (written by "
                         "playwithnn train) must be lists of the same length")
    encodings = [{"feature": f, "mean": [m], "scale": [s]} for f, m, s in zip(features, mean, scale)]
    model = {"preprocessing": {"features": features, "encodings": encodings}, "task": metadata["task"],
             "target": metadata.get("target")}
    for key in ("classes", "target_mean", "target_scale"):
        if key in metadata:
            model[key] = metadata[key]
    return model


__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "MAX_HEADER_BYTES", "ModelFileError", "load", "save"]
