"""A model: raw rows in, predictions out, the same on every face.

A :class:`Model` is a trained :class:`~playwithnn.NeuralNetwork` with what stands
around it: the :class:`~playwithnn.preprocessing.Preprocessing` that turns a
table's raw rows into the network's inputs, and what turns its outputs into
predictions: the class labels of a classifier, or the mean and scale that take
a regressor's output back to the target's units. It is what ``playwithnn
train`` writes, what ``playwithnn.save`` makes of a fitted estimator or
scikit-learn pipeline, and what :func:`playwithnn.load` returns for such a file,
so that Python, scikit-learn and the command line predict the same thing from
the same rows.

.. math::

    \\hat{y} = \\begin{cases}
      \\text{classes}[\\hat{k}(f(\\text{pre}(X)))] & \\text{classification} \\\\
      f(\\text{pre}(X)) \\cdot s_y + \\mu_y & \\text{regression}
    \\end{cases}

where ``pre`` is the preprocessing, ``f`` the network's
:meth:`~playwithnn.NeuralNetwork.predict` and :math:`\\hat{k}` the predicted class
(:func:`playwithnn.metrics.predicted_class`).

>>> import numpy as np
>>> from playwithnn import NeuralNetwork
>>> from playwithnn.preprocessing import Encoding, Preprocessing
>>> net = NeuralNetwork([2, 1], activation="sigmoid", loss="binary_crossentropy", seed=0)
>>> pre = Preprocessing(["size", "color"], [Encoding("size", mean=[10.0], scale=[2.0]),
...                                          Encoding("color", categories=["red"])])
>>> model = Model(net, pre, classes=["small", "big"])
>>> model.predict({"size": [8.0, 14.0], "color": ["red", "red"]}).shape
(2,)
>>> model.predict_proba([[8.0, "red"]]).shape
(1, 2)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import metrics
from ._validation import name_list, shorten
from .network import NeuralNetwork
from .preprocessing import Preprocessing, category_key
from .tabular import TASKS  # what a model predicts: one tuple for the model and the command line

if TYPE_CHECKING:
    import onnx


def _is_label(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


class Model:
    """A network with its preprocessing and its labels or target scaling.

    Parameters
    ----------
    network : NeuralNetwork
        The trained network.
    preprocessing : Preprocessing, optional
        Raw rows to the network's inputs. By default every input is a feature as
        it is, named ``x0``, ``x1``, ... (as scikit-learn names unnamed columns).
    task : {"classification", "regression"}, optional
        By default the task of the network's loss
        (:func:`playwithnn.metrics.is_classification_loss`).
    classes : sequence of str or numbers, optional
        A classifier's class labels, in the order of its outputs (two for one
        sigmoid output: the first for ``p <= 0.5``). By default ``0, 1, ...``.
    target : str, optional
        The name of what it predicts (the target column), for tables of
        predictions.
    target_mean, target_scale : float or sequence of float, default=0.0 and 1.0
        A regressor predicts ``output * target_scale + target_mean``; one number,
        or one per output.

    Attributes
    ----------
    network : NeuralNetwork
    preprocessing : Preprocessing
    task : str
    classes : list or None
        None for a regressor.
    target : str or None
    target_mean, target_scale : ndarray of shape (n_outputs,)
    """

    def __init__(self, network: NeuralNetwork, preprocessing: Preprocessing | None = None, *,
                 task: str | None = None, classes: Sequence[Any] | None = None, target: str | None = None,
                 target_mean: float | Sequence[float] = 0.0,
                 target_scale: float | Sequence[float] = 1.0) -> None:
        if not isinstance(network, NeuralNetwork):
            raise TypeError(f"network must be a playwithnn.NeuralNetwork; got {type(network).__name__}")
        if preprocessing is None:
            preprocessing = Preprocessing.identity([f"x{j}" for j in range(network.n_features)])
        if not isinstance(preprocessing, Preprocessing):
            raise TypeError(f"preprocessing must be a Preprocessing; got {type(preprocessing).__name__}")
        if preprocessing.n_inputs != network.n_features:
            raise ValueError(f"the preprocessing makes {preprocessing.n_inputs} inputs, but the network "
                             f"takes {network.n_features} (layer_sizes[0])")
        if task is None:
            task = "classification" if metrics.is_classification_loss(network.loss_name) else "regression"
        if task not in TASKS:
            raise ValueError(f"task must be 'classification' or 'regression'; got {task!r}")
        if target is not None and not isinstance(target, str):
            raise TypeError(f"target must be a str (a column name) or None; got {type(target).__name__}")
        self.network, self.preprocessing, self.task, self.target = network, preprocessing, task, target
        n_outputs = network.n_outputs
        self.classes: list[Any] | None = None
        if task == "classification":
            n_classes = 2 if n_outputs == 1 else n_outputs
            if classes is not None and (isinstance(classes, (str, bytes))
                                        or not isinstance(classes, Sequence | np.ndarray)):
                raise TypeError(f"classes must be a list of class labels; got {type(classes).__name__}")
            labels = list(range(n_classes)) if classes is None else [
                c.item() if isinstance(c, np.generic) else c for c in classes]
            if not all(_is_label(c) for c in labels):
                raise TypeError("classes must be class labels: text or numbers")
            if len(labels) != n_classes:
                raise ValueError(f"classes has {len(labels)} labels, but a network with {n_outputs} "
                                 f"output{'s' if n_outputs > 1 else ''} tells {n_classes} classes apart")
            if len({category_key(c) for c in labels}) != len(labels):  # 1, 1.0 and "1" are one label
                raise ValueError(f"classes must be distinct; got {name_list([str(c) for c in labels])}")
            self.classes = labels
        elif classes is not None:
            raise ValueError("a regression model has no classes")
        self.target_mean = self._per_output(target_mean, "target_mean", nonzero=False)
        self.target_scale = self._per_output(target_scale, "target_scale", nonzero=True)

    def _per_output(self, value: Any, name: str, *, nonzero: bool) -> NDArray[np.float64]:
        n = self.network.n_outputs
        try:
            arr = np.asarray(value)
        except ValueError:  # lists of different lengths
            arr = np.array([np.nan])
        if arr.dtype.kind not in "iuf":  # text, booleans, None, a dict, an int beyond float's range
            arr = np.array([np.nan])
        arr = arr.astype(np.float64).reshape(-1)
        if arr.size == 1:
            arr = np.full(n, arr[0])
        if arr.size != n or not np.isfinite(arr).all() or (nonzero and (arr == 0).any()):
            raise ValueError(f"{name} must be a finite{' non-zero' if nonzero else ''} number, or {n} "
                             f"of them (one per output); got {shorten(repr(value), 60)}")
        if self.task == "classification" and not (arr == (0.0 if name == "target_mean" else 1.0)).all():
            raise ValueError(f"a classifier has no {name}")
        return arr

    # ------------------------------------------------------------------ names
    @property
    def features(self) -> tuple[str, ...]:
        """The raw columns the model reads."""
        return self.preprocessing.features

    @property
    def n_features(self) -> int:
        return len(self.preprocessing.features)

    @property
    def metadata(self) -> dict[str, Any]:
        """The network's :attr:`~playwithnn.NeuralNetwork.metadata`, saved with the model."""
        return self.network.metadata

    def __repr__(self) -> str:
        what = (f"classes={name_list([str(c) for c in self.classes])}" if self.classes is not None
                else "regression")
        sizes = "-".join(map(str, self.network.layer_sizes))
        return f"Model(features={name_list(list(self.features))}, network={sizes}, {what})"

    # -------------------------------------------------------------- predict
    def transform(self, X: Any) -> NDArray[np.float64]:
        """The network's inputs for the raw rows ``X``: shape (n_rows, network.n_features).

        ``X`` as :meth:`Preprocessing.transform <playwithnn.preprocessing.Preprocessing.transform>`
        takes it: a DataFrame or dict of columns (by name) or rows of the features in order.
        """
        return self.preprocessing.transform(X)

    def outputs(self, X: Any) -> NDArray[np.floating]:
        """The network's outputs for the raw rows ``X``: shape (n_rows, n_outputs), a NumPy array
        wherever the network lives."""
        from ._arrays import to_numpy

        return to_numpy(self.network.predict(self.transform(X)))

    def predict(self, X: Any) -> NDArray[Any]:
        """Predictions for the raw rows ``X``.

        Returns
        -------
        ndarray of shape (n_rows,) or (n_rows, n_outputs)
            A classifier's labels (from :attr:`classes`); a regressor's values in
            the target's units, one column per output when it has several.

        Raises
        ------
        PreprocessingError, ValueError
            For rows the preprocessing cannot read (see :meth:`transform`).
        """
        P = self.outputs(X)
        if self.classes is not None:
            return np.asarray(self.classes)[metrics.predicted_class(P)]
        y = P.astype(np.float64) * self.target_scale + self.target_mean
        return y[:, 0] if y.shape[1] == 1 else y

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """A classifier's class probabilities for the raw rows ``X``: shape (n_rows, n_classes).

        One sigmoid output ``p`` gives the two columns ``[1 - p, p]``.

        Raises
        ------
        TypeError
            For a regression model.
        """
        if self.classes is None:
            raise TypeError("a regression model has no class probabilities; use predict")
        P = self.outputs(X).astype(np.float64)
        return np.column_stack([1 - P[:, 0], P[:, 0]]) if P.shape[1] == 1 else P

    # ----------------------------------------------------------------- files
    def to_json(self) -> dict[str, Any]:
        """All but the network, as JSON values (what a model file holds beside the weights)."""
        out: dict[str, Any] = {"preprocessing": self.preprocessing.to_json(), "task": self.task,
                               "target": self.target}
        if self.classes is not None:
            out["classes"] = list(self.classes)
        else:
            out["target_mean"] = self.target_mean.tolist()
            out["target_scale"] = self.target_scale.tolist()
        return out

    @classmethod
    def from_json(cls, network: NeuralNetwork, obj: Any) -> Model:
        """The model :meth:`to_json` described, around ``network``.

        Raises
        ------
        ValueError
            If ``obj`` does not describe a model of ``network``.
        """
        if not isinstance(obj, dict):
            raise ValueError(f"a model is a JSON object; got {type(obj).__name__}")
        allowed = {"preprocessing", "task", "target", "classes", "target_mean", "target_scale"}
        if not set(obj) <= allowed or "preprocessing" not in obj or "task" not in obj:
            raise ValueError(f"a model has 'preprocessing', 'task' and some of 'target', 'classes', "
                             f"'target_mean', 'target_scale'; got keys {sorted(obj)}")
        try:
            return cls(network, Preprocessing.from_json(obj["preprocessing"]), task=obj["task"],
                       classes=obj.get("classes"), target=obj.get("target"),
                       target_mean=obj.get("target_mean", 0.0), target_scale=obj.get("target_scale", 1.0))
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to the model file ``path``, atomically (see :func:`playwithnn.save`)."""
        from ._arrays import to_numpy
        from ._modelfile import save

        net = self.network
        save(path, net.get_config(), [to_numpy(p) for p in net.parameters()], net.metadata,
             model=self.to_json())

    def to_onnx(self, **options: Any) -> onnx.ModelProto:
        """This model as a checked ONNX graph that takes the raw features, one input each.

        Same as :func:`playwithnn.export.to_onnx` (``dtype``, ``opset``), which needs
        the ``onnx`` extra: ``pip install 'playwithnn[onnx]'``.
        """
        from .export import to_onnx

        return to_onnx(self, **options)


__all__ = ["TASKS", "Model"]
