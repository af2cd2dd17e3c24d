"""The playground's networks as playwithnn model files: download one, load one back.

A downloaded file holds a :class:`~playwithnn.model.Model`, so that
:func:`playwithnn.load` and ``playwithnn predict MODEL.npz DATA.csv`` read it:

- its features are the network's inputs by the playground's names (``x1``, ``x2``,
  ``x1sq``, ... of :data:`~playwithnn.playground.settings.FEATURES`; ``x3`` is the
  article's constant 1), taken as they are. A network trained on an uploaded CSV
  reads that CSV's two columns by their names instead, with the scaling onto
  ``[-1, 1]`` the page applied to them, so that it predicts from the CSV's own
  rows; its derived features (``x1²`` of the scaled columns, ...) cannot be
  written so, and such a network is not offered for download;
- a classifier's labels are ``0, 1, ...`` (the uploaded CSV's own labels for a
  CSV); a regression set's value is the target ``y``;
- the page's settings are in the file's metadata, under ``"playground"``, so that
  loading the file back restores the whole experiment, data included.

Loading a file checks it hard. The file is at most :data:`MAX_MODEL_BYTES` bytes; it
is written to a private temporary folder (the library's reader takes a path), read by
:func:`playwithnn.load`, which checks the whole archive (sizes, arrays, checksum:
:class:`~playwithnn.io.ModelFileError` for anything wrong), and removed. Then its
network must be one the playground builds: at most 6 hidden layers of 1 to 16
neurons, one hidden activation of the page's, a loss and output activation that
fit one of its tasks, inputs that are the playground's features in its order (or
the session's uploaded CSV's columns), and, for a regression, no target scaling.
Its ``"playground"`` settings, if any, are checked as a page's settings are.
Anything else raises :class:`ModelUploadError`, whose message the page shows.
"""

from __future__ import annotations

import io
import os
import tempfile
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _modelfile
from ..io import ModelFileError, load
from ..model import Model
from ..network import NeuralNetwork
from ..preprocessing import Encoding, Preprocessing
from .data import Upload, n_outputs
from .settings import DATASETS, DEFAULTS, FEATURES, TASKS, Settings, SettingsError, parse_settings

Array = NDArray[np.floating]

#: Largest model file accepted, in bytes (the largest playground network takes about 15 kB).
MAX_MODEL_BYTES = 256 * 1024
#: The output activation of each task's network.
OUTPUT_ACTIVATIONS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "identity"}
#: The features a model of an uploaded CSV may have: the two columns, and the constant x3.
UPLOAD_FEATURES = ("x1", "x2", "x3")


class ModelDownloadError(ValueError):
    """The session's network cannot be written as a model file (the message says why)."""


class ModelUploadError(ValueError):
    """A file that is not a model the playground can load (the message says why)."""


def model_of(settings: Settings, net: NeuralNetwork, upload: Upload | None) -> Model:
    """The session's network as a :class:`~playwithnn.model.Model` that reads raw rows.

    Raises
    ------
    ModelDownloadError
        If the network reads derived features of an uploaded CSV's scaled columns.
    """
    task = TASKS[settings.dataset]
    if settings.dataset == "upload" and upload is not None:
        derived = [f for f in settings.features if f not in UPLOAD_FEATURES]
        if derived:
            raise ModelDownloadError(
                f"this network reads {', '.join(derived)} of your CSV's scaled columns, which a model "
                "file cannot compute from the CSV's rows: feed it x1 and x2 only (and x3, if you like) "
                "to download it")
        # The page scales each column onto [-1, 1] (data.scale_to_unit): x = (v - middle) / half-range.
        low, high = upload.X.min(axis=0), upload.X.max(axis=0)
        middle = (low + high) / 2
        half = np.where(high > low, (high - low) / 2, 1.0)
        columns = {"x1": upload.columns[0], "x2": upload.columns[1], "x3": "x3"}
        j = {"x1": 0, "x2": 1}
        encodings = [Encoding(columns[f]) if f == "x3" else
                     Encoding(columns[f], mean=[float(middle[j[f]])], scale=[float(half[j[f]])])
                     for f in settings.features]
        names = [columns[f] for f in settings.features]
        if len(set(names)) != len(names):
            raise ModelDownloadError("a column of your CSV is called x3, the name of the constant "
                                     "input: rename it to download")
        preprocessing = Preprocessing(names, encodings)
        classes: list[Any] = list(upload.classes)
    else:
        preprocessing = Preprocessing.identity(list(settings.features))
        classes = list(range(max(2, n_outputs(settings.dataset))))
    if task == "regression":
        return Model(net, preprocessing, task="regression", target="y")
    return Model(net, preprocessing, task="classification", classes=classes, target="label")


def encode_model(settings: Settings, net: NeuralNetwork, upload: Upload | None) -> bytes:
    """The bytes of the model file of the session's network (see the module's docstring).

    Raises
    ------
    ModelDownloadError
        If the network cannot be written: see :func:`model_of`, or a weight is
        NaN or infinite.
    """
    model = model_of(settings, net, upload)
    try:
        write = _modelfile.encode(net.get_config(), net.parameters(), {"playground": settings.to_json()},
                                  model=model.to_json())
    except ValueError as exc:  # a weight is NaN or infinite
        raise ModelDownloadError(f"{exc}: press reset or rewind first") from None
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


def _read(data: bytes) -> NeuralNetwork | Model:
    """What the library reads from ``data``, written to a private temporary file and removed."""
    with tempfile.TemporaryDirectory(prefix="playwithnn-playground-") as folder:
        path = os.path.join(folder, "model.npz")
        with open(path, "xb") as f:
            f.write(data)
        try:
            return load(path)
        except ModelFileError as exc:  # its message names the temporary path; the reason is what matters
            raise ModelUploadError(f"not a playwithnn model file: {exc.reason}") from None


def _task_of(model: Model) -> str:
    net = model.network
    if model.task == "regression":
        if (model.target_mean != 0).any() or (model.target_scale != 1).any():
            raise ModelUploadError(
                "it scales its target (target_mean, target_scale); the playground's regression sets are not "
                "scaled, so it would predict in other units")
        task = "regression"
    else:
        task = "binary" if net.n_outputs == 1 else "multiclass"
    if net.output_activation != OUTPUT_ACTIVATIONS[task]:
        raise ModelUploadError(
            f"its output activation is {net.output_activation!r}; the playground's networks for "
            f"{'regression' if task == 'regression' else 'classification'} with {net.n_outputs} output"
            f"{'s' if net.n_outputs > 1 else ''} end in {OUTPUT_ACTIVATIONS[task]!r}")
    return task


def _dataset_for(task: str, outputs: int, current: str) -> str:
    """The data set a network of ``task`` with ``outputs`` outputs trains on: the current one if it fits."""
    fits = [d for d in DATASETS if d != "upload" and TASKS[d] == task and n_outputs(d) == outputs]
    if TASKS[current] == task and n_outputs(current) == outputs:
        return current
    if not fits:
        counts = sorted({max(2, n_outputs(d)) for d in DATASETS})
        raise ModelUploadError(f"it has {outputs} outputs; the playground's classification sets have "
                               f"{' or '.join(map(str, counts))} classes (one output for 2)")
    return DEFAULTS.dataset if DEFAULTS.dataset in fits else fits[0]


def _features_of(model: Model, dataset: str, upload: Upload | None) -> list[str]:
    """The playground's names of the network's inputs, in its order."""
    pre = model.preprocessing
    names = list(pre.features)
    if dataset == "upload":
        if upload is None:
            raise ModelUploadError(f"it was trained on an uploaded CSV with the columns "
                                   f"{', '.join(names)[:80]}: upload that CSV first, then load the model")
        columns = {upload.columns[0]: "x1", upload.columns[1]: "x2", "x3": "x3"}
        if (any(e.categories is not None or e.impute is not None or e.feature not in columns
                for e in pre.encodings) or len(pre.encodings) != len(names)):
            raise ModelUploadError(
                f"it reads the columns {', '.join(names)[:80]} (with {pre.n_inputs} inputs); your CSV's "
                f"columns are {', '.join(upload.columns[:2])[:80]}: upload the CSV it was trained on")
        return [columns[e.feature] for e in pre.encodings]
    if not pre.is_identity or any(name not in FEATURES for name in names):
        raise ModelUploadError(
            f"it reads the columns {', '.join(names)[:80]}; the playground's networks read its own "
            f"inputs, some of {', '.join(FEATURES)}, as they are")
    canonical = [f for f in FEATURES if f in names]
    if names != canonical:
        raise ModelUploadError(f"its inputs {', '.join(names)} are not in the playground's order, "
                               f"{', '.join(canonical)}")
    return names


def read_model(data: bytes, settings: Settings, upload: Upload | None) -> tuple[Settings, list[Array]]:
    """Check a model file's bytes, and return the settings and weights of a session that holds it.

    Parameters
    ----------
    data : bytes
        The file.
    settings : Settings
        The session's settings: what the file's own settings (or, without them,
        its network) do not set stays.
    upload : Upload or None
        The session's CSV, needed by a network trained on an uploaded CSV.

    Returns
    -------
    settings : Settings
    parameters : list of ndarray
        ``[W1, b1, W2, ...]`` as float64, in the order of :meth:`NeuralNetwork.parameters`.

    Raises
    ------
    ModelUploadError
        If the file is too big, is not a model file the library reads, or holds a
        network the playground cannot draw and train (see the module's docstring).
    """
    if len(data) > MAX_MODEL_BYTES:
        raise ModelUploadError(f"the file has {len(data)} bytes; at most {MAX_MODEL_BYTES} are accepted")
    loaded = _read(data)
    if not isinstance(loaded, Model):
        raise ModelUploadError("it holds a bare network, without the names of its inputs: save a "
                               "playwithnn.model.Model (what the playground's download and "
                               "'playwithnn train' write)")
    net = loaded.network
    task = _task_of(loaded)
    kept = loaded.metadata.get("playground")
    if kept is not None:
        try:
            base = parse_settings(kept)
        except SettingsError as exc:
            raise ModelUploadError(f"its playground settings are refused: {exc}") from None
        dataset = base.dataset
        if TASKS[dataset] != task or n_outputs(dataset) != net.n_outputs:
            raise ModelUploadError(f"its settings name the data set {dataset!r}, which its network "
                                   f"({net.n_outputs} output{'s' if net.n_outputs > 1 else ''}) does not fit")
    else:
        base, dataset = settings, _dataset_for(task, net.n_outputs, settings.dataset)
    activations = {str(getattr(a, "name", a)) for a in net.activation}
    if len(activations) > 1:
        raise ModelUploadError(f"its hidden layers use different activations "
                               f"({', '.join(sorted(activations))}); the playground uses one for all")
    architecture = {
        "dataset": dataset,
        "features": _features_of(loaded, dataset, upload),
        "hidden_layers": list(net.layer_sizes[1:-1]),
        "activation": activations.pop() if activations else base.activation,
        "loss": net.loss_name,
        "bias": net.bias,
    }
    try:
        new = parse_settings(architecture, base)
    except SettingsError as exc:
        raise ModelUploadError(f"its network does not fit the playground: {exc}") from None
    return new, [np.asarray(p, dtype=np.float64) for p in net.parameters()]


__all__ = ["MAX_MODEL_BYTES", "ModelDownloadError", "ModelUploadError", "encode_model", "model_of",
           "read_model"]
