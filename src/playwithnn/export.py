r"""Models that leave Python: an ONNX graph for ONNX Runtime, and a network as a NumPy script.

ONNX
----
:func:`to_onnx` writes a network, or a :class:`~playwithnn.model.Model` with its
preprocessing, as an ONNX graph (opset 17 or newer, float32 or float64), built
with the ``onnx`` package's helpers and checked by ``onnx.checker`` (full check)
before it is returned. It needs the ``onnx`` extra: ``pip install 'playwithnn[onnx]'``.

A network's graph computes what :meth:`NeuralNetwork.predict
<playwithnn.NeuralNetwork.predict>` computes, one layer after the other:

.. math::  Z_l = A_{l-1} W_l + b_l, \qquad A_l = f_l(Z_l), \qquad A_0 = X

as ``MatMul`` and ``Add``, then ``Sigmoid``, ``Tanh``, ``Relu``,
``Where(Z > 0, Z, 0.01 Z)`` (leaky_relu), ``Softmax`` along the row, ``Exp`` or
nothing (identity). Its input ``X`` has shape (N, n_features) and its output
``y_pred`` shape (N, n_outputs). A loss that takes the logits (the
cross-entropies, half_poisson) leaves the last layer linear and applies its
sigmoid, softmax or exp in ``predict``; the graph applies it as the last layer's
activation, which is the same computation.

A model's graph takes raw features: one input per feature, named after it, of
shape (N,): a float tensor for a number, a string tensor for categories. Each
:class:`~playwithnn.preprocessing.Encoding` becomes

- number: :math:`x = (v - \mu) / s`, where a missing value (NaN) is first
  replaced by ``impute`` (``Where(IsNaN(v), impute, v)``);
- categories: ``k = LabelEncoder(v)``, the index of the category that ``v``
  names, then the one-hot :math:`x_j = ([k = j] - \mu_j) / s_j`. A value matches
  a category when it is the category's label as the model file writes it
  (:func:`~playwithnn.preprocessing.category_key`: ``"red"``, the number 1 as
  ``"1"``), exactly: the graph does not remove spaces or rewrite numbers
  (``"1.0"`` is not ``"1"``). The text of a missing value (pandas' markers,
  :data:`playwithnn.tabular.MISSING_VALUES`, and ``"nan"`` in any case) is a
  missing value.

The network's inputs are these blocks side by side (``Concat``). A classifier's
graph has two outputs: ``probabilities`` of shape (N, n_classes), in the order of
the model's classes (``[1 - p, p]`` for one sigmoid output), and ``label`` of
shape (N,), the predicted class (int64 labels when all are integers, double
when all are numbers, else strings). A regressor's graph has one output,
``prediction``: the network's output in the target's units, shape (N,), or
(N, n_outputs) for several. An output whose name is taken by a feature gets an
``_`` added. The model's features, classes and target are kept in the graph's
metadata (``metadata_props``, as JSON).

A graph cannot raise an error. Where Python refuses a row (a missing value that
the model has nothing to fill in for, a category it does not know under
``unknown="error"``), the graph gives NaN inputs for it, and so NaN outputs: a
row whose probabilities or prediction are NaN is a row that
:meth:`Model.predict <playwithnn.model.Model.predict>` would refuse, and its
``label`` means nothing. An unknown category under ``unknown="ignore"`` is all
zeros, as in Python. Infinite numbers, which Python refuses, go through the
graph as they are. What cannot be expressed at all (an activation of your own,
a feature read both as numbers and as categories) is refused with a
``ValueError`` that names it.

NumPy script
------------
:func:`to_numpy_script` writes a network or a model as a standalone Python file
that imports only NumPy, holds the weights as literals and defines
``predict(X)``; each layer is one line, ``A = sigmoid(A @ W1 + b1)``. It is the
tutorial's network, after training, as plain code.

scikit-learn pipelines
----------------------
:func:`skl2onnx_shape_calculator` and :func:`skl2onnx_converter` let ``skl2onnx``
convert :class:`~playwithnn.sklearn.NeuralNetworkClassifier` and
:class:`~playwithnn.sklearn.NeuralNetworkRegressor` (alone or at the end of a
pipeline) as it converts scikit-learn's MLPs; :mod:`playwithnn.sklearn`
registers them (:func:`playwithnn.sklearn.register_skl2onnx`).

>>> import numpy as np
>>> from playwithnn import NeuralNetwork
>>> net = NeuralNetwork([3, 4, 1], seed=0)
>>> script = to_numpy_script(net)
>>> print("\n".join(line for line in script.splitlines() if line.startswith("    A = ")))
    A = sigmoid(A @ W1 + b1)  # (n_rows, 4)
    A = sigmoid(A @ W2 + b2)  # (n_rows, 1)
"""

from __future__ import annotations

import importlib.metadata
import itertools
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._arrays import to_numpy
from ._validation import check_float_dtype, check_int_in_range, name_list, shorten
from .activations import ACTIVATIONS, LEAKY_SLOPE, Activation
from .preprocessing import Encoding, category_key
from .tabular import MISSING_VALUES

if TYPE_CHECKING:
    import onnx

#: The oldest ONNX opset that :func:`to_onnx` writes, and its default.
ONNX_OPSET = 17
#: The opset of the ``ai.onnx.ml`` domain (``LabelEncoder``) written beside it.
ML_OPSET = 3
#: How the ONNX packages are installed.
ONNX_EXTRA = "pip install 'playwithnn[onnx]'"
#: The text that stands for a missing category value in a graph: :data:`playwithnn.tabular.MISSING_VALUES`
#: (pandas' markers) and "nan" in any case.
MISSING_TEXT = tuple(sorted(MISSING_VALUES | {"".join(letters)
                                               for letters in itertools.product("nN", "aA", "nN")}))


# ----------------------------------------------------------------- what it reads
class Layer(Protocol):
    """What an export reads of a layer (a :class:`~playwithnn.layers.Dense` has it)."""

    W: NDArray[np.floating]
    b: NDArray[np.floating] | None
    activation: Activation


class Network(Protocol):
    """What an export reads of a network (a :class:`~playwithnn.NeuralNetwork` has it)."""

    layers: Sequence[Layer]
    output_activation: str
    dtype: np.dtype[Any]
    metadata: dict[str, Any]

    @property
    def n_features(self) -> int: ...

    @property
    def n_outputs(self) -> int: ...


def _parts(obj: Any) -> tuple[Network, Any]:
    """The network and the model (None for a bare network) of ``obj``."""
    if hasattr(obj, "network") and hasattr(obj, "preprocessing"):
        return obj.network, obj
    if hasattr(obj, "layers") and hasattr(obj, "output_activation"):
        return obj, None
    raise TypeError(f"can export a playwithnn NeuralNetwork or Model; got {type(obj).__name__} "
                    "(a fitted estimator or pipeline: playwithnn.sklearn.to_model(it) first)")


def _weights(layer: Layer) -> tuple[NDArray[np.floating], NDArray[np.floating] | None]:
    """``W`` and ``b`` of a layer as NumPy arrays: copied to the host from where the network computes."""
    return to_numpy(layer.W), None if layer.b is None else to_numpy(layer.b)


def _activation_names(net: Network) -> list[str]:
    """The activation of each layer, ``f_1 .. f_L``, as :meth:`predict` applies them.

    The last is the network's :attr:`output_activation`: where the loss takes the
    logits, the last layer is linear and the loss's prediction applies it.

    Raises
    ------
    ValueError
        For an :class:`~playwithnn.activations.Activation` of your own, which
        has no counterpart outside Python.
    """
    names = []
    for i, layer in enumerate(net.layers[:-1], 1):
        act = layer.activation
        if ACTIVATIONS.get(act.name) != act:  # a copy of a built-in (a copied network's) is equal to it
            raise ValueError(f"cannot export layer {i}: its activation {shorten(act.name, 40)!r} is not one "
                             f"of playwithnn's ({', '.join(ACTIVATIONS)}), so it cannot be written out")
        names.append(act.name)
    return [*names, net.output_activation]


def _class_labels(classes: Sequence[Any]) -> NDArray[Any]:
    """A classifier's labels as one array: int64 if all are integers, float64 if all are numbers, else
    text (as ``numpy.asarray`` makes a list that mixes numbers and text)."""
    if all(isinstance(c, int) for c in classes):
        return np.array(classes, dtype=np.int64)
    if all(isinstance(c, (int, float)) for c in classes):
        return np.array(classes, dtype=np.float64)
    return np.array([str(c) for c in np.asarray(classes).tolist()], dtype=object)


def _version() -> str:
    """playwithnn's version, from its installed metadata (not from the package, which imports the faces)."""
    try:
        return importlib.metadata.version("playwithnn")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


# ------------------------------------------------------------------------ ONNX
def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(f"exporting to ONNX needs the onnx package, which is not installed: "
                          f"{ONNX_EXTRA}") from None
    return onnx


class _Graph:
    """The nodes and constants of an ONNX graph being built, each value with a name of its own.

    Parameters
    ----------
    taken : iterable of str
        Names already in use (the inputs and outputs): a hint that is one of them
        gets a number added.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._taken = set(taken)
        self._constants: dict[tuple[str, str, tuple[int, ...], bytes], str] = {}

    def name(self, hint: str) -> str:
        """A new name: ``hint``, or ``hint_2``, ``hint_3``, ... if it is taken."""
        name, i = hint, 1
        while name in self._taken:
            i += 1
            name = f"{hint}_{i}"
        self._taken.add(name)
        return name

    def const(self, hint: str, value: ArrayLike) -> str:
        """A constant tensor (an initializer); returns its name. The same hint and value give the same
        constant."""
        arr = np.asarray(value)
        key = (hint, arr.dtype.str, arr.shape, arr.tobytes() if arr.dtype != object else repr(arr).encode())
        if key not in self._constants:
            self._constants[key] = self.name(hint)
            self._add_constant(self._constants[key], arr)
        return self._constants[key]

    def _add_constant(self, name: str, arr: NDArray[Any]) -> None:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(arr, name))

    def op(self, op_type: str, inputs: Sequence[str], hint: str, *, output: str | None = None,
           domain: str = "", **attributes: Any) -> str:
        """Add the node ``op_type(*inputs)``; returns the name of its output (``output`` if given)."""
        from onnx import helper

        out = output or self.name(hint)
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=out, domain=domain,
                                           **attributes))
        return out


def _activation(g: _Graph, name: str, Z: str, hint: str, dtype: np.dtype[Any]) -> str:
    """``A = f(Z)`` for the activation ``name``; returns A's name."""
    if name == "identity":
        return Z
    if name == "leaky_relu":
        # Not LeakyRelu: its alpha is a float32 attribute, and 0.01 in float32 is 0.009999999776,
        # 2e-8 off in a float64 graph. This is the same product as activations.leaky_relu.
        slope = g.op("Mul", [Z, g.const("leaky_slope", np.asarray(LEAKY_SLOPE, dtype))], f"{hint}_neg")
        positive = g.op("Greater", [Z, g.const("zero", np.asarray(0, dtype))], f"{hint}_pos")
        return g.op("Where", [positive, Z, slope], hint)
    if name == "softmax":
        return g.op("Softmax", [Z], hint, axis=1)
    ops = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "exp": "Exp"}
    return g.op(ops[name], [Z], hint)


def _network_nodes(g: _Graph, net: Network, X: str, dtype: np.dtype[Any]) -> str:
    """Add the feedforward of ``net`` to the graph ``g``, from the value ``X`` of shape (N, n_features).

    .. math::  Z_l = A_{l-1} W_l + b_l, \\qquad A_l = f_l(Z_l)

    Returns the name of ``A_L``, of shape (N, n_outputs): what ``net.predict`` returns.
    """
    A = X
    for i, (layer, f) in enumerate(zip(net.layers, _activation_names(net)), 1):
        W, b = _weights(layer)
        Z = g.op("MatMul", [A, g.const(f"W{i}", W.astype(dtype))], f"AW{i}")  # (N, n_out)
        if b is not None:
            Z = g.op("Add", [Z, g.const(f"b{i}", b.astype(dtype))], f"Z{i}")
        A = _activation(g, f, Z, f"A{i}", dtype)
    return A


def _scaled(g: _Graph, x: str, mean: Sequence[float], scale: Sequence[float], hint: str,
            dtype: np.dtype[Any]) -> str:
    """``(x - mean) / scale``, leaving out a subtraction of 0 and a division by 1."""
    if any(mean):
        x = g.op("Sub", [x, g.const(f"{hint}_mean", np.asarray(mean, dtype))], f"{hint}_centred")
    if any(s != 1 for s in scale):
        x = g.op("Div", [x, g.const(f"{hint}_scale", np.asarray(scale, dtype))], f"{hint}_scaled")
    return x


def _number_nodes(g: _Graph, e: Encoding, v: str, dtype: np.dtype[Any]) -> str:
    """``x = (Where(IsNaN(v), impute, v) - mean) / scale`` of shape (N, 1), for ``v`` of shape (N,)."""
    hint = e.feature
    if e.impute is not None:
        missing = g.op("IsNaN", [v], f"{hint}_missing")
        v = g.op("Where", [missing, g.const(f"{hint}_impute", np.asarray(e.impute, dtype)), v],
                 f"{hint}_filled")
    x = g.op("Unsqueeze", [v, g.const("axis1", np.array([1]))], f"{hint}_column")  # (N, 1)
    return _scaled(g, x, e.mean, e.scale, hint, dtype)


def _category_nodes(g: _Graph, e: Encoding, v: str, dtype: np.dtype[Any]) -> str:
    """The one-hot block of ``v`` (strings, shape (N,)), scaled: shape (N, len(categories)).

    ``k = LabelEncoder(v)`` is the index of v's category; a value that Python
    refuses gets ``-1`` and NaN inputs, an unknown one under ``unknown="ignore"``
    gets ``-2``, which is no category: all zeros.
    """
    assert e.categories is not None
    hint = e.feature
    keys = [category_key(c) for c in e.categories]
    fill = -1 if e.impute is None else keys.index(category_key(e.impute))
    refused = e.impute is None or e.unknown == "error"
    k = g.op("LabelEncoder", [v], f"{hint}_code", domain="ai.onnx.ml",
             keys_strings=[*keys, *MISSING_TEXT],
             values_int64s=[*range(len(keys)), *[fill] * len(MISSING_TEXT)],
             default_int64=-1 if e.unknown == "error" else -2)
    k = g.op("Unsqueeze", [k, g.const("axis1", np.array([1]))], f"{hint}_code_column")  # (N, 1)
    hot = g.op("Equal", [k, g.const(f"{hint}_codes", np.arange(len(keys), dtype=np.int64))],
               f"{hint}_hot")  # (N, n_categories)
    x = g.op("Cast", [hot], f"{hint}_onehot", to=_tensor_type(dtype))
    if refused:
        is_refused = g.op("Equal", [k, g.const("refused", np.asarray(-1, np.int64))], f"{hint}_refused")
        x = g.op("Where", [is_refused, g.const("nan", np.asarray(np.nan, dtype)), x], f"{hint}_checked")
    return _scaled(g, x, e.mean, e.scale, hint, dtype)


def _tensor_type(dtype: Any) -> int:
    from onnx import helper

    return int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))


def _feature_kinds(model: Any) -> dict[str, str]:
    """Each feature's input: ``"number"`` or ``"text"`` (categories).

    Raises ``ValueError`` for a feature read both as numbers and as categories.
    """
    kinds: dict[str, str] = {}
    for e in model.preprocessing.encodings:
        kind = "number" if e.categories is None else "text"
        if kinds.setdefault(e.feature, kind) != kind:
            raise ValueError(f"cannot export the model: feature {shorten(e.feature, 40)!r} is read both as "
                             "numbers and as categories, and a graph input has one type")
    return {f: kinds.get(f, "number") for f in model.features}


def _classifier_outputs(g: _Graph, P: str, n_outputs: int, classes: NDArray[Any], dtype: np.dtype[Any],
                        names: tuple[str, str]) -> None:
    """``probabilities`` (N, n_classes) and ``label`` (N,) from the network's output ``P``.

    One sigmoid output ``p`` gives ``[1 - p, p]`` and the class ``[p > 0.5]``;
    more give the first class of largest probability (``ArgMax``), as
    :func:`playwithnn.metrics.predicted_class`.
    """
    if n_outputs == 1:
        q = g.op("Sub", [g.const("one", np.asarray(1, dtype)), P], "q")
        g.op("Concat", [q, P], "probabilities", output=names[0], axis=1)
        above = g.op("Greater", [P, g.const("half", np.asarray(0.5, dtype))], "above_half")  # (N, 1)
        k = g.op("Cast", [g.op("Squeeze", [above, g.const("axis1", np.array([1]))], "above")],
                 "class_index", to=_tensor_type(np.int64))  # (N,)
    else:
        g.op("Identity", [P], "probabilities", output=names[0])
        k = g.op("ArgMax", [P], "class_index", axis=1, keepdims=0)
    g.op("Gather", [g.const("classes", classes), k], "label", output=names[1], axis=0)


def to_onnx(obj: Any, *, dtype: Any = None, opset: int = ONNX_OPSET) -> onnx.ModelProto:
    """An ONNX graph of a network or a model, checked, that ONNX Runtime runs.

    Parameters
    ----------
    obj : NeuralNetwork or Model
        A network (input ``X``, output ``y_pred``), or a model with its
        preprocessing (one input per raw feature; see the :mod:`module
        <playwithnn.export>` for the graph and its outputs).
    dtype : numpy.float32, numpy.float64 or None, default=None
        The graph's float type: weights, number inputs and outputs. By default
        the network's.
    opset : int, default=17
        The ONNX opset, 17 or newer (as far as the installed ``onnx`` knows).

    Returns
    -------
    onnx.ModelProto
        Checked by ``onnx.checker.check_model(..., full_check=True)``. Write it with
        ``onnx.save(model, path)`` or ``model.SerializeToString()``.

    Raises
    ------
    ImportError
        If the ``onnx`` package is not installed (``pip install 'playwithnn[onnx]'``).
    TypeError
        If ``obj`` is not a network or a model.
    ValueError
        For a piece that a graph cannot express (the message names it), or a
        ``dtype`` or ``opset`` out of range.

    Examples
    --------
    >>> import numpy as np, onnxruntime
    >>> from playwithnn import NeuralNetwork
    >>> net = NeuralNetwork([3, 4, 1], seed=0)
    >>> session = onnxruntime.InferenceSession(to_onnx(net).SerializeToString())
    >>> X = np.random.default_rng(0).random((5, 3))
    >>> (y_pred,) = session.run(None, {"X": X})
    >>> bool(np.allclose(y_pred, net.predict(X), rtol=1e-12))
    True
    """
    onnx = _import_onnx()
    from onnx import helper

    net, model = _parts(obj)
    dtype = net.dtype if dtype is None else check_float_dtype(dtype)
    opset = check_int_in_range(opset, "opset", ONNX_OPSET, onnx.defs.onnx_opset_version())
    if model is None:
        g, inputs, outputs, metadata = _network_graph(net, dtype)
    else:
        g, inputs, outputs, metadata = _model_graph(model, dtype)
    doc = repr(obj)
    graph = helper.make_graph(g.nodes, "playwithnn", inputs, outputs, g.initializers, doc_string=doc)
    opsets = [helper.make_opsetid("", opset)]
    if any(node.domain == "ai.onnx.ml" for node in g.nodes):
        opsets.append(helper.make_opsetid("ai.onnx.ml", ML_OPSET))
    proto = helper.make_model_gen_version(graph, opset_imports=opsets, producer_name="playwithnn",
                                          producer_version=_version(), doc_string=doc)
    helper.set_model_props(proto, {key: json.dumps(value) for key, value in metadata.items()})
    onnx.checker.check_model(proto, full_check=True)
    return proto


#: The name of the number of rows, the first dimension of every input and output.
_N = "N"

_Parts = tuple[_Graph, list[Any], list[Any], dict[str, Any]]


def _network_graph(net: Network, dtype: np.dtype[Any]) -> _Parts:
    """A network's graph ``y_pred = predict(X)``: its nodes, inputs, outputs and metadata."""
    from onnx import helper

    g = _Graph(["X", "y_pred"])
    y_pred = _network_nodes(g, net, "X", dtype)
    g.op("Identity", [y_pred], "y_pred", output="y_pred")
    float_type = _tensor_type(dtype)
    inputs = [helper.make_tensor_value_info("X", float_type, [_N, net.n_features])]
    outputs = [helper.make_tensor_value_info("y_pred", float_type, [_N, net.n_outputs])]
    return g, inputs, outputs, ({"metadata": net.metadata} if net.metadata else {})


def _model_graph(model: Any, dtype: np.dtype[Any]) -> _Parts:
    """A model's graph, from one input per raw feature to its predictions (see the module)."""
    from onnx import TensorProto, helper

    net = model.network
    kinds = _feature_kinds(model)
    float_type = _tensor_type(dtype)
    inputs = [helper.make_tensor_value_info(f, float_type if kind == "number" else TensorProto.STRING, [_N],
                                            doc_string=f"feature {f!r}: {_input_doc(model, f)}")
              for f, kind in kinds.items()]

    def output_name(name: str) -> str:  # an output's name, unless a feature has it
        while name in kinds:
            name += "_"
        return name

    names = ([output_name("probabilities"), output_name("label")] if model.classes is not None
             else [output_name("prediction")])
    g = _Graph([*kinds, *names])
    blocks = [(_number_nodes if e.categories is None else _category_nodes)(g, e, e.feature, dtype)
              for e in model.preprocessing.encodings]  # (N, width) each
    X = g.op("Concat", blocks, "X", axis=1) if len(blocks) > 1 else blocks[0]  # (N, n_inputs)
    P = _network_nodes(g, net, X, dtype)  # (N, n_outputs)
    metadata: dict[str, Any] = {"features": list(model.features), "target": model.target}
    what = model.target or ("class" if model.classes is not None else "value")
    if model.classes is not None:
        classes = _class_labels(model.classes)
        _classifier_outputs(g, P, net.n_outputs, classes, dtype, (names[0], names[1]))
        columns = ", ".join(f"p({c})" for c in classes.tolist())
        label_type = TensorProto.STRING if classes.dtype == object else _tensor_type(classes.dtype)
        outputs = [helper.make_tensor_value_info(names[0], float_type, [_N, len(classes)],
                                                 doc_string=f"the columns are {columns}"),
                   helper.make_tensor_value_info(names[1], label_type, [_N],
                                                 doc_string=f"the predicted {what}")]
        metadata["classes"] = list(model.classes)
        return g, inputs, outputs, metadata
    # y = P * target_scale + target_mean, a column per output; one output is a vector
    name = names[0]
    y = P
    if (model.target_scale != 1).any():
        y = g.op("Mul", [y, g.const("target_scale", model.target_scale.astype(dtype))], "y_scaled")
    if model.target_mean.any():
        y = g.op("Add", [y, g.const("target_mean", model.target_mean.astype(dtype))], "y_shifted")
    if net.n_outputs == 1:
        g.op("Squeeze", [y, g.const("axis1", np.array([1]))], name, output=name)
        shape: list[Any] = [_N]
    else:
        g.op("Identity", [y], name, output=name)
        shape = [_N, net.n_outputs]
    outputs = [helper.make_tensor_value_info(name, float_type, shape, doc_string=f"the predicted {what}")]
    metadata.update(target_mean=model.target_mean.tolist(), target_scale=model.target_scale.tolist())
    return g, inputs, outputs, metadata


def _input_doc(model: Any, feature: str) -> str:
    parts = []
    for e in model.preprocessing.encodings:
        if e.feature != feature:
            continue
        if e.categories is None:
            parts.append("a number" + ("" if e.impute is None else f", NaN filled with {e.impute!r}"))
        else:
            shown = name_list([category_key(c) or "" for c in e.categories])
            parts.append(f"one of {shown}" + ("" if e.impute is None else f", missing filled with "
                                                                           f"{category_key(e.impute)!r}"))
    return "; ".join(parts) or "not read"


# ---------------------------------------------------------------- NumPy script
#: Each activation as the script writes it: its docstring and its body.
_SCRIPT_ACTIVATIONS = {
    "sigmoid": ("A = 1 / (1 + exp(-Z)), without overflow: exp only ever sees -|Z|.",
                "E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E))"),
    "tanh": ("A = tanh(Z).", "return np.tanh(Z)"),
    "relu": ("A = max(Z, 0).", "return np.maximum(Z, 0)"),
    "leaky_relu": (f"A = Z where Z > 0 else {LEAKY_SLOPE!r} Z.",
                   f"return np.where(Z > 0, Z, {LEAKY_SLOPE!r} * Z)"),
    "softmax": ("A_ik = exp(Z_ik) / sum_j exp(Z_ij), the row maximum taken out first.",
                "E = np.exp(Z - Z.max(axis=1, keepdims=True))\n    return E / E.sum(axis=1, keepdims=True)"),
    "exp": ("A = exp(Z); inf beyond Z = 709 (float64), without a warning.",
            'with np.errstate(over="ignore"):\n        return np.exp(Z)'),
}

#: The script's preprocessing helpers, for a model.
_SCRIPT_PREPROCESSING = '''

MISSING = MISSING_VALUES_LITERAL


def is_missing(value):
    """None, NaN, and the text of a missing value: pandas' markers, "nan" in any case (spaces ignored)."""
    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return True
    return isinstance(value, str) and (value.strip() in MISSING or value.strip().lower() == "nan")


def label(value):
    """The category a value stands for: text without the spaces around it, a number written one way
    (1, 1.0 and "1.0" are "1")."""
    text = str(value).strip()
    if isinstance(value, (bool, np.bool_)):
        return text
    try:
        x = float(value)
    except ValueError:
        return text
    if "_" in text or not np.isfinite(x):
        return text
    return str(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)


def column(X, feature, j):
    """The feature's values: X[feature] of a dict of columns or a DataFrame, else column j of rows."""
    if isinstance(X, dict) or hasattr(X, "columns"):
        return list(X[feature])
    return [row[j] for row in X]


def as_number(value):
    """A value as a float: NaN if missing; True and False (or their text, in any case) are 1 and 0."""
    if is_missing(value):
        return np.nan
    text = str(value).strip().lower()
    return 1.0 if text == "true" else 0.0 if text == "false" else float(value)


def number(values, feature, impute=None):
    """A number feature as floats, a missing value replaced by impute (None: refused)."""
    v = np.array([as_number(x) for x in values])
    if np.isnan(v).any():
        if impute is None:
            raise ValueError(f"feature {feature!r}: a value is missing, and the model has none to fill in")
        v[np.isnan(v)] = impute
    return v


def one_hot(values, feature, categories, impute=None, unknown="error"):
    """A column of 0 and 1 per category; a missing value is impute (None: refused), an unknown
    one is refused (unknown="error") or all zeros (unknown="ignore")."""
    index = {c: j for j, c in enumerate(categories)}
    out = np.zeros((len(values), len(categories)))
    for i, x in enumerate(values):
        if is_missing(x):
            if impute is None:
                raise ValueError(f"feature {feature!r}: a value is missing, and the model has none to "
                                 "fill in")
            x = impute
        j = index.get(label(x))
        if j is not None:
            out[i, j] = 1.0
        elif unknown == "error":
            raise ValueError(f"feature {feature!r}: {x!r} is not one of the categories {categories}")
    return out
'''


def _literal(values: NDArray[Any]) -> str:
    """A NumPy array as Python literals that give it back exactly.

    float64 as ``repr``; float32 as its shortest text, where that reads back as the
    same float32 (the float64 text otherwise).
    """
    if values.dtype == np.float32:
        def text(x: Any) -> str:
            short = str(x)
            return short if np.float32(float(short)) == x else repr(float(x))
    else:
        def text(x: Any) -> str:
            return repr(float(x))
    if values.ndim == 1:
        return "[" + ", ".join(text(x) for x in values) + "]"
    rows = ",\n    ".join("[" + ", ".join(text(x) for x in row) + "]" for row in values)
    return f"[\n    {rows},\n]"


def _text(text: str) -> str:
    """``text`` for a comment or the docstring of the script: printable, and without a backslash or a
    double quote, so that a name from a model file can never end the comment or the docstring."""
    return "".join("\\\\" if c == "\\" else "'" if c == '"' else c if c.isprintable() else ascii(c)[1:-1]
                   for c in text)


def _number(x: float) -> str:
    return repr(float(x))


def _list(values: Sequence[Any]) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


def _read_line(e: Encoding, v: str, j: int) -> str:
    """The script's line that reads the feature of ``e`` (column ``j`` of rows) into ``v``."""
    feature = repr(e.feature)
    if e.categories is None:
        impute = "" if e.impute is None else f", impute={_number(float(e.impute))}"
        return f"{v} = number(column(X, {feature}, {j}), {feature}{impute})"
    impute = "" if e.impute is None else f", impute={category_key(e.impute)!r}"
    keys = _list([category_key(c) for c in e.categories])
    return f"{v} = one_hot(column(X, {feature}, {j}), {feature}, {keys}{impute}, unknown={e.unknown!r})"


def _scaled_text(e: Encoding, v: str) -> str:
    """``(v - mean) / scale`` as the script writes it, without a subtraction of 0 or a division by 1."""
    def value(numbers: Sequence[float]) -> str:
        texts = [_number(x) for x in numbers]
        return texts[0] if e.categories is None else "[" + ", ".join(texts) + "]"

    x = v
    if any(e.mean):
        x = f"({x} - {value(e.mean)})"
    if any(s != 1 for s in e.scale):
        x = f"{x} / {value(e.scale)}"
    return x


def to_numpy_script(obj: Any) -> str:
    """A standalone Python script that computes the predictions of a network or a model with NumPy.

    The script imports only NumPy and holds the weights as literals (they read
    back exactly). Its ``feedforward(A)`` is the network, one line a layer,
    ``A = sigmoid(A @ W1 + b1)``; its ``predict(X)`` gives what ``obj.predict(X)``
    gives, up to the rounding of a different order of operations:

    - a network: ``X`` of shape (n_rows, n_features) to the outputs (n_rows, n_outputs);
    - a model: raw rows, as a dict of columns (or a DataFrame) by name, or rows of
      the features in order, to class labels or values. Its ``transform(X)`` fills
      in missing values, scales numbers and one-hot encodes categories, one line a
      feature; ``predict_proba(X)`` gives a classifier's probabilities. A category
      is matched by its label (:func:`~playwithnn.preprocessing.category_key`,
      written out in the script as ``label``), and a value that the model refuses
      raises ``ValueError``.

    Parameters
    ----------
    obj : NeuralNetwork or Model

    Returns
    -------
    str
        The script's text.

    Raises
    ------
    TypeError
        If ``obj`` is not a network or a model.
    ValueError
        For an activation of your own, which has no text to write.
    """
    net, model = _parts(obj)
    activations = _activation_names(net)
    weights = [_weights(layer) for layer in net.layers]
    for i, (W, b) in enumerate(weights, 1):
        if not all(np.isfinite(p).all() for p in (W, b) if p is not None):
            raise ValueError(f"cannot write the network as a script: layer {i} has a NaN or infinite weight")
    dtype = f"np.{net.dtype.name}"
    lines = [
        f'"""{_text(repr(obj))} as a standalone NumPy script.',
        "",
        f"Written by playwithnn {_version()} (playwithnn export MODEL.npz OUT.py --format numpy). It needs",
        "NumPy only: the weights are the literals below, and each layer of feedforward is one line,",
        "A = f(A @ W + b), the tutorial's feedforward.",
        "",
        "    predict(X)         "
        + ("the network's outputs for X, shape (n_rows, n_outputs)" if model is None else
           "the predictions of the raw rows X (a dict of columns, or rows of FEATURES in order)"),
    ]
    if model is not None and model.classes is not None:
        lines.append("    predict_proba(X)   each class's probability, columns in the order of CLASSES")
    lines += ['"""', "", "import numpy as np", ""]
    if model is not None:
        lines.append(f"FEATURES = {_list(model.features)}")
        if model.classes is not None:
            lines.append(f"CLASSES = {_list(model.classes)}")
        else:
            lines.append(f"TARGET_MEAN = np.array({_literal(model.target_mean)})")
            lines.append(f"TARGET_SCALE = np.array({_literal(model.target_scale)})")
        lines.append("")
    sizes = [net.n_features] + [W.shape[1] for W, _ in weights]
    for i, ((W, b), f) in enumerate(zip(weights, activations), 1):
        lines.append(f"# layer {i}: {sizes[i - 1]} inputs -> {sizes[i]} units, {f}")
        lines.append(f"W{i} = np.array({_literal(W)}, dtype={dtype})")
        if b is not None:
            lines.append(f"b{i} = np.array({_literal(b)}, dtype={dtype})")
        lines.append("")
    for f in dict.fromkeys(activations):
        if f != "identity":
            doc, body = _SCRIPT_ACTIVATIONS[f]
            lines += ["", f"def {f}(Z):", f'    """{doc}"""', f"    {body}", ""]
    lines += ["", "def feedforward(A):",
              '    """The network: A = f(A @ W + b) for every layer, from A = the inputs (n_rows, '
              f'{net.n_features})."""']
    for i, ((_, b), f) in enumerate(zip(weights, activations), 1):
        Z = f"A @ W{i}" + ("" if b is None else f" + b{i}")
        lines.append(f"    A = {Z if f == 'identity' else f'{f}({Z})'}  # (n_rows, {sizes[i]})")
    lines.append("    return A")
    if model is None:
        lines += ["", "", "def predict(X):",
                  f'    """The network\'s outputs for X of shape (n_rows, {net.n_features})."""',
                  f"    return feedforward(np.asarray(X, dtype={dtype}))", ""]
        return "\n".join(lines)
    missing = "{" + ", ".join(repr(m) for m in sorted(MISSING_VALUES)) + "}"
    lines.append(_SCRIPT_PREPROCESSING.replace("MISSING_VALUES_LITERAL", missing).rstrip("\n"))
    columns = {f: j for j, f in enumerate(model.features)}
    encodings = model.preprocessing.encodings
    lines += ["", "", "def transform(X):",
              f'    """The network\'s inputs for the raw rows X: shape (n_rows, {net.n_features})."""',
              *[f"    {_read_line(e, f'v{i}', columns[e.feature])}" for i, e in enumerate(encodings, 1)],
              "    return np.column_stack([",
              *[f"        {_scaled_text(e, f'v{i}')},  # {_text(', '.join(e.input_names()))}"
                for i, e in enumerate(encodings, 1)],
              f"    ]).astype({dtype})"]
    lines += ["", "", "def predict(X):"]
    if model.classes is None:
        lines += ['    """The predicted values of the raw rows X, in the target\'s units."""',
                  "    y = feedforward(transform(X)).astype(np.float64) * TARGET_SCALE + TARGET_MEAN",
                  "    return y[:, 0] if y.shape[1] == 1 else y", ""]
        return "\n".join(lines)
    if net.n_outputs == 1:
        pick = "(P[:, 0] > 0.5).astype(int)"  # the first class for p <= 0.5, as metrics.predicted_class
        proba = "np.column_stack([1 - P[:, 0], P[:, 0]])"
    else:
        pick = "P.argmax(axis=1)"
        proba = "P"
    lines += ['    """The predicted class of each raw row of X."""',
              "    P = feedforward(transform(X))",
              f"    return np.asarray(CLASSES)[{pick}]",
              "", "", "def predict_proba(X):",
              '    """Each class\'s probability for each raw row of X: shape (n_rows, len(CLASSES))."""',
              "    P = feedforward(transform(X)).astype(np.float64)",
              f"    return {proba}", ""]
    return "\n".join(lines)


# ------------------------------------------------------------- skl2onnx
class _ConverterGraph(_Graph):
    """A :class:`_Graph` that writes into skl2onnx's container, with names from its scope."""

    def __init__(self, scope: Any, container: Any) -> None:
        super().__init__()
        self.scope, self.container = scope, container

    def name(self, hint: str) -> str:
        return str(self.scope.get_unique_variable_name(hint))

    def _add_constant(self, name: str, arr: NDArray[Any]) -> None:
        from onnx import TensorProto

        if arr.dtype.kind in "OUS":
            content: list[Any] = [str(v).encode("utf-8") for v in arr.ravel().tolist()]
            self.container.add_initializer(name, TensorProto.STRING, list(arr.shape), content)
        else:
            self.container.add_initializer(name, _tensor_type(arr.dtype), list(arr.shape),
                                           arr.ravel().tolist())

    def op(self, op_type: str, inputs: Sequence[str], hint: str, *, output: str | None = None,
           domain: str = "", **attributes: Any) -> str:
        out = output or self.name(hint)
        self.container.add_node(op_type, list(inputs), [out], op_domain=domain,
                                name=self.scope.get_unique_operator_name(op_type), **attributes)
        return out


def _skl2onnx_labels(scope: Any, estimator: Any) -> NDArray[Any]:
    """A classifier's labels as skl2onnx writes them: int64 for numbers (integers), else strings."""
    from skl2onnx.common.utils_classifier import get_label_classes

    if estimator.out_activation_ == "logistic" and estimator.network_.n_outputs > 1:  # one sigmoid a label
        raise ValueError("cannot convert a multilabel NeuralNetworkClassifier: skl2onnx's classifier "
                         "outputs have one label per row")
    classes = np.asarray(get_label_classes(scope, estimator))
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64)
    return classes.astype(str).astype(object)


#: The options of skl2onnx's classifiers that the classifier's converter takes.
SKL2ONNX_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True],
                               "output_class_labels": [False, True]}


def _zipmap(scope: Any, estimator: Any) -> bool:
    """Whether skl2onnx follows the classifier with a ZipMap (its ``zipmap`` option, on by default)."""
    return scope.get_options(estimator, {"zipmap": True})["zipmap"] is not False


def skl2onnx_shape_calculator(operator: Any) -> None:
    """The types and shapes of a playwithnn estimator's outputs, for skl2onnx.

    A classifier: ``label`` (N,) and ``probabilities`` (N, n_classes), as
    scikit-learn's classifiers; a regressor: ``variable`` (N, n_outputs). Floats
    of the input's type (float32 for an input that is not float).
    """
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    estimator = operator.raw_operator
    N = operator.inputs[0].get_first_dimension()
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    float_type = DoubleTensorType if double else FloatTensorType
    if hasattr(estimator, "classes_"):
        classes = _skl2onnx_labels(operator.scope_inst, estimator)
        label_type = StringTensorType if classes.dtype == object else Int64TensorType
        operator.outputs[0].type = label_type([N])
        if _zipmap(operator.scope_inst, estimator):
            float_type = FloatTensorType  # ZipMap takes float32 only
        operator.outputs[1].type = float_type([N, len(classes)])
    else:
        operator.outputs[0].type = float_type([N, estimator.network_.n_outputs])


def skl2onnx_converter(scope: Any, operator: Any, container: Any) -> None:
    """Write a fitted playwithnn estimator's network into skl2onnx's graph.

    The input (N, n_features) is the previous step's output; the weights take
    its float type. A classifier writes ``label`` and ``probabilities`` (columns
    in the order of ``classes_``), a regressor its prediction.
    """
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    estimator = operator.raw_operator
    net = estimator.network_
    g = _ConverterGraph(scope, container)
    given = operator.inputs[0].type
    dtype = np.dtype(np.float64 if isinstance(given, DoubleTensorType) else np.float32)
    X = operator.inputs[0].full_name
    if not isinstance(given, (DoubleTensorType, FloatTensorType)):  # integers or booleans
        X = g.op("Cast", [X], "X_float", to=_tensor_type(dtype))
    P = _network_nodes(g, net, X, dtype)
    if hasattr(estimator, "classes_"):
        classes = _skl2onnx_labels(scope, estimator)
        probabilities, label = operator.outputs[1].full_name, operator.outputs[0].full_name
        if dtype == np.float64 and _zipmap(scope, estimator):
            # ZipMap, which skl2onnx puts after a classifier by default, takes float32 only; the
            # labels are taken from the float64 probabilities, before the cast.
            P64 = g.name("probabilities64")
            _classifier_outputs(g, P, net.n_outputs, classes, dtype, (P64, label))
            g.op("Cast", [P64], "probabilities", output=probabilities, to=_tensor_type(np.float32))
        else:
            _classifier_outputs(g, P, net.n_outputs, classes, dtype, (probabilities, label))
    else:
        g.op("Identity", [P], "variable", output=operator.outputs[0].full_name)


__all__ = ["MISSING_TEXT", "ML_OPSET", "ONNX_EXTRA", "ONNX_OPSET", "SKL2ONNX_CLASSIFIER_OPTIONS", "Layer",
           "Network", "skl2onnx_converter", "skl2onnx_shape_calculator", "to_numpy_script", "to_onnx"]
