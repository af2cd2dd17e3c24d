"""Models that leave Python: ONNX graphs run by ONNX Runtime, skl2onnx pipelines, NumPy scripts.

Every graph is run by ONNX Runtime and compared with ``predict`` on random inputs.
The relative error of an output array is ``max|onnx - python| / max|python|``: ONNX
Runtime adds up its matrix products in its own order, and computes its sigmoid,
tanh and softmax with its own kernels, so the last bits differ. The bounds are
the issue's: 1e-10 in float64, 1e-5 in float32 (the largest seen: 7.3e-16 and 3.8e-7).
"""

from __future__ import annotations

import ast
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import playwithnn
from playwithnn import NeuralNetwork, cli, export
from playwithnn.activations import ACTIVATIONS, Activation
from playwithnn.model import Model
from playwithnn.preprocessing import Encoding, Preprocessing

from conftest import Library

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

#: The issue's bounds on the relative error of ONNX Runtime's outputs.
BOUND = {np.float64: 1e-10, np.float32: 1e-5}
HIDDEN = [name for name, a in ACTIVATIONS.items() if a.hidden]


def relative_error(got: Any, expected: Any) -> float:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape
    return float(np.abs(got - expected).max() / np.abs(expected).max())


def session(proto: Any) -> Any:
    onnx.checker.check_model(proto, full_check=True)
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def random_network(sizes: list[int], dtype: Any, *, bias: bool = True, seed: int = 0, **options: Any
                   ) -> NeuralNetwork:
    """A network whose biases are random too (they start at zero)."""
    net = NeuralNetwork(sizes, seed=seed, dtype=dtype, bias=bias, **options)
    rng = np.random.default_rng(seed + 1)
    for layer in net.layers:
        if layer.b is not None:
            layer.b[...] = rng.normal(size=layer.b.shape)
    return net


def random_inputs(n_rows: int, n_features: int, dtype: Any, seed: int = 2) -> np.ndarray:
    return (3 * np.random.default_rng(seed).normal(size=(n_rows, n_features))).astype(dtype)


# ------------------------------------------------------------------- networks
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", HIDDEN)
def test_network_graph_gives_predict(activation: str, depth: int, bias: bool, dtype: Any) -> None:
    sizes = [5] + [8] * (depth - 1) + [3]
    net = random_network(sizes, dtype, bias=bias, activation=activation, output_activation=activation,
                         loss="mse")
    X = random_inputs(64, 5, dtype)
    (y_pred,) = session(net.to_onnx()).run(None, {"X": X})
    assert y_pred.dtype == dtype
    assert relative_error(y_pred, net.predict(X)) <= BOUND[dtype]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("loss", ["sse", "binary_crossentropy", "categorical_crossentropy", "half_poisson",
                                  "mse"])
def test_every_output_is_exported_and_a_loss_on_logits_applies_its_activation(loss: str, dtype: Any) -> None:
    # The cross-entropies and half_poisson leave the last layer linear: predict applies the
    # sigmoid, softmax or exp, and so must the graph.
    net = random_network([4, 6, 6, 3], dtype, activation="tanh", loss=loss)
    X = random_inputs(50, 4, dtype)
    (y_pred,) = session(net.to_onnx()).run(None, {"X": X})
    assert relative_error(y_pred, net.predict(X)) <= BOUND[dtype]
    if loss == "categorical_crossentropy":
        np.testing.assert_allclose(y_pred.sum(axis=1), 1, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_a_network_that_lives_off_numpy_exports_its_weights_from_the_host(
    library: Library, dtype: Any, tmp_path: Path
) -> None:
    """A network trained on a GPU (or array-api-strict's stand-in for one) gives the same graph and script."""
    X = random_inputs(40, 3, dtype)
    y = (X[:, :1] > 0).astype(dtype)
    net = NeuralNetwork([3, 5, 1], loss="binary_crossentropy", seed=0, dtype=dtype, device=library.device)
    net.fit(library.asarray(X), library.asarray(y), epochs=5, learning_rate=0.1)
    assert all(library.owns(p) for p in net.parameters())  # still where it was trained
    expected = library.numpy(net.predict(library.asarray(X)))
    (y_pred,) = session(net.to_onnx()).run(None, {"X": X})
    assert relative_error(y_pred, expected) <= BOUND[dtype]
    _, script = script_namespace(net, tmp_path)
    assert relative_error(script["predict"](X), expected) <= BOUND[dtype]


def test_a_copied_or_unpickled_network_exports(tmp_path: Path) -> None:
    """Its activations are copies of the built-in ones (``to_model`` copies an estimator's network)."""
    import copy
    import pickle

    net = random_network([3, 6, 2], np.float64, activation="relu", loss="categorical_crossentropy")
    X = random_inputs(20, 3, np.float64)
    for other in (copy.copy(net), pickle.loads(pickle.dumps(net))):
        assert other.layers[0].activation is not net.layers[0].activation
        (y_pred,) = session(other.to_onnx()).run(None, {"X": X})
        assert relative_error(y_pred, net.predict(X)) <= BOUND[np.float64]
        _, script = script_namespace(other, tmp_path)
        assert relative_error(script["predict"](X), net.predict(X)) <= BOUND[np.float64]


def test_the_graph_is_named_typed_and_checked() -> None:
    net = random_network([3, 4, 2], np.float64, loss="categorical_crossentropy")
    net.metadata["feature_names"] = ["a", "b", "c"]
    proto = net.to_onnx()
    onnx.checker.check_model(proto, full_check=True)
    assert [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")] == [17]
    assert [i.name for i in proto.graph.input] == ["X"]
    assert [o.name for o in proto.graph.output] == ["y_pred"]
    assert proto.producer_name == "playwithnn"
    props = {p.key: p.value for p in proto.metadata_props}
    assert props == {"metadata": '{"feature_names": ["a", "b", "c"]}'}
    shape = proto.graph.output[0].type.tensor_type.shape.dim
    assert (shape[0].dim_param, shape[1].dim_value) == ("N", 2)


def test_a_float64_network_exports_in_float32_and_a_newer_opset() -> None:
    net = random_network([4, 8, 2], np.float64, activation="leaky_relu", loss="mse")
    X = random_inputs(40, 4, np.float64)
    proto = net.to_onnx(dtype=np.float32, opset=21)
    assert proto.opset_import[0].version == 21
    (y_pred,) = session(proto).run(None, {"X": X.astype(np.float32)})
    assert y_pred.dtype == np.float32
    assert relative_error(y_pred, net.predict(X)) <= BOUND[np.float32]


@pytest.mark.parametrize(("options", "message"), [
    ({"dtype": np.float16}, "dtype"),
    ({"opset": 16}, "opset"),
])
def test_bad_options_are_refused_by_name(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        random_network([2, 1], np.float64).to_onnx(**options)


def test_an_activation_of_ones_own_is_refused_by_name() -> None:
    square = Activation("square", lambda Z: Z * Z, lambda Z: 2 * Z, takes="z")
    net = NeuralNetwork([2, 3, 1], activation=[square], init="glorot", seed=0)
    with pytest.raises(ValueError, match="layer 1: its activation 'square' is not one of playwithnn's"):
        net.to_onnx()
    with pytest.raises(ValueError, match="'square'"):
        export.to_numpy_script(net)


def test_only_networks_and_models_are_exported() -> None:
    with pytest.raises(TypeError, match="NeuralNetwork or Model; got list"):
        export.to_onnx([1, 2])


def test_without_onnx_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    with pytest.raises(ImportError, match=re.escape("pip install 'playwithnn[onnx]'")):
        NeuralNetwork([2, 1], seed=0).to_onnx()


# --------------------------------------------------------------------- models
def animals_model(dtype: Any = np.float64, *, unknown: str = "ignore", n_classes: int = 3) -> Model:
    """Numbers with and without a fill, categories with a fill and without, scaled."""
    pre = Preprocessing(["weight", "colour", "legs", "habitat"], [
        Encoding("weight", impute=12.5, mean=[10.0], scale=[4.0]),
        Encoding("colour", categories=["brown", "grey", 7], impute="grey", unknown=unknown,
                 mean=[0.2, 0.3, 0.1], scale=[0.5, 0.5, 2.0]),
        Encoding("legs", mean=[3.0], scale=[1.5]),
        Encoding("habitat", categories=["land", "water"], unknown="error"),
    ])
    outputs = 1 if n_classes == 2 else n_classes
    loss = "binary_crossentropy" if n_classes == 2 else "categorical_crossentropy"
    net = random_network([pre.n_inputs, 8, outputs], dtype, activation="relu", loss=loss)
    classes = ["cat", "fish"] if n_classes == 2 else ["cat", "fish", 3]
    return Model(net, pre, classes=classes, target="animal")


ROWS = {
    "weight": [4.0, np.nan, 30.0, 11.0, 9.5, 2.0],
    "colour": ["brown", "", "7", "nan", "grey", "pink"],  # missing twice, one unknown (row 5)
    "legs": [4.0, 0.0, 2.0, 4.0, 6.0, 4.0],
    "habitat": ["land", "water", "water", "land", "land", "land"],
}


def graph_inputs(model: Model, rows: dict[str, list[Any]], dtype: Any) -> dict[str, np.ndarray]:
    return {f: np.asarray(rows[f], dtype=object if isinstance(rows[f][0], str) else dtype)
            for f in model.features}


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_a_classifier_takes_raw_features_and_gives_probabilities_and_labels(dtype: Any, n_classes: int
                                                                            ) -> None:
    model = animals_model(dtype, n_classes=n_classes)
    proto = model.to_onnx()
    number, text = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), onnx.TensorProto.STRING
    assert [(i.name, i.type.tensor_type.elem_type) for i in proto.graph.input] == [
        ("weight", number), ("colour", text), ("legs", number), ("habitat", text)]
    assert [o.name for o in proto.graph.output] == ["probabilities", "label"]
    props = {p.key: p.value for p in proto.metadata_props}
    assert props["features"] == '["weight", "colour", "legs", "habitat"]'
    assert props["target"] == '"animal"'
    rows = {f: v[:5] for f, v in ROWS.items()}  # row 5 has an unknown category: below
    P, labels = session(proto).run(None, graph_inputs(model, rows, dtype))
    assert P.shape == (5, n_classes)
    assert relative_error(P, model.predict_proba(rows)) <= BOUND[dtype]
    assert labels.tolist() == [str(c) for c in model.predict(rows).tolist()]


def test_integer_labels_are_int64_and_the_class_order_is_documented() -> None:
    model = animals_model()
    model.classes = [10, 20, 30]
    proto = model.to_onnx()
    label = proto.graph.output[1]
    assert label.type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert proto.graph.output[0].doc_string == "the columns are p(10), p(20), p(30)"
    rows = {f: v[:5] for f, v in ROWS.items()}
    _, labels = session(proto).run(None, graph_inputs(model, rows, np.float64))
    assert labels.tolist() == model.predict(rows).tolist()


def test_an_unknown_category_is_zeros_under_ignore() -> None:
    model = animals_model(unknown="ignore")
    P, _ = session(model.to_onnx()).run(None, graph_inputs(model, ROWS, np.float64))
    assert relative_error(P, model.predict_proba(ROWS)) <= BOUND[np.float64]


def test_what_python_refuses_gives_nan_outputs() -> None:
    # A graph cannot raise: an unknown category under unknown="error", or a missing value with
    # nothing to fill it, gives NaN probabilities for that row, and only that row.
    model = animals_model(unknown="error")
    rows = {f: list(v) for f, v in ROWS.items()}
    rows["legs"][1] = np.nan          # a number without a fill
    rows["habitat"][2] = ""            # categories without a fill
    with pytest.raises(ValueError):
        model.predict(rows)
    P, _ = session(model.to_onnx()).run(None, graph_inputs(model, rows, np.float64))
    refused = np.isnan(P).any(axis=1)
    assert refused.tolist() == [False, True, True, False, False, True]
    assert np.isnan(P[refused]).all()
    kept = {f: [v[i] for i in np.flatnonzero(~refused)] for f, v in rows.items()}
    assert relative_error(P[~refused], model.predict_proba(kept)) <= BOUND[np.float64]


@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_a_regressor_predicts_in_the_targets_units(dtype: Any, n_outputs: int) -> None:
    pre = Preprocessing(["x", "kind"], [Encoding("x", impute=1.0, mean=[2.0], scale=[3.0]),
                                        Encoding("kind", categories=["a", "b"], impute="b")])
    net = random_network([3, 6, n_outputs], dtype, activation="sigmoid", loss="mse")
    model = Model(net, pre, target_mean=[100.0, -5.0][:n_outputs], target_scale=[20.0, 0.5][:n_outputs])
    rows = {"x": [0.5, np.nan, 7.0], "kind": ["a", "NaN", "b"]}
    (y,) = session(model.to_onnx()).run(None, graph_inputs(model, rows, dtype))
    assert y.shape == ((3,) if n_outputs == 1 else (3, 2))
    assert relative_error(y, model.predict(rows)) <= BOUND[dtype]


def test_an_output_named_like_a_feature_gets_an_underscore() -> None:
    pre = Preprocessing(["label", "probabilities"], [Encoding("label"), Encoding("probabilities")])
    model = Model(random_network([2, 2], np.float64, loss="categorical_crossentropy"), pre)
    proto = model.to_onnx()
    assert [o.name for o in proto.graph.output] == ["probabilities_", "label_"]
    P, _ = session(proto).run(None, {"label": np.array([1.0]), "probabilities": np.array([2.0])})
    assert relative_error(P, model.predict_proba([[1.0, 2.0]])) <= BOUND[np.float64]


def test_a_feature_read_as_numbers_and_as_categories_is_refused_by_name() -> None:
    pre = Preprocessing(["size"], [Encoding("size"), Encoding("size", categories=["1", "2"])])
    model = Model(random_network([3, 1], np.float64, loss="mse"), pre)
    with pytest.raises(ValueError, match="feature 'size' is read both as numbers and as categories"):
        model.to_onnx()


# ---------------------------------------------------------- the command line
@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """A model trained by ``playwithnn train`` on a CSV file with a text column and holes (--impute)."""
    folder = tmp_path_factory.mktemp("trained")
    rng = np.random.default_rng(0)
    n = 120
    size = rng.normal(10, 3, n)
    colour = rng.choice(["red", "green", "blue"], n)
    kind = np.where(size + 4 * (colour == "red") > 11, "big", "small")
    cells = {"size": [f"{v:.3f}" for v in size], "colour": list(colour), "kind": list(kind)}
    for i in range(0, n, 9):
        cells["size"][i] = ""
    for i in range(4, n, 11):
        cells["colour"][i] = ""
    lines = ["size,colour,kind", *(",".join(row) for row in zip(*cells.values()))]
    (folder / "animals.csv").write_text("\n".join(lines) + "\n")
    status = cli.main(["train", str(folder / "animals.csv"), "--target", "kind", "--impute", "mean",
                       "--epochs", "30", "--hidden", "8", "--quiet", "--output", str(folder / "model.npz")])
    assert status == 0
    return folder, {"size": cells["size"], "colour": cells["colour"]}


def test_a_model_trained_on_the_command_line_exports_with_its_preprocessing(
        trained: tuple[Path, dict[str, list[str]]]) -> None:
    folder, cells = trained
    model = playwithnn.load(folder / "model.npz")
    assert isinstance(model, Model)
    inputs = {"size": np.array([np.nan if c == "" else float(c) for c in cells["size"]]),
              "colour": np.array(cells["colour"], dtype=object)}
    P, labels = session(model.to_onnx()).run(None, inputs)
    assert relative_error(P, model.predict_proba(cells)) <= BOUND[np.float64]
    assert labels.tolist() == model.predict(cells).tolist()
    # unseen rows, an unknown colour among them (the command line's models take it as zeros)
    rows = {"size": np.array([3.0, 11.0, np.nan, 15.0]), "colour": np.array(["red", "pink", "", "blue"],
                                                                          dtype=object)}
    P, labels = session(model.to_onnx(dtype=np.float32)).run(
        None, {"size": rows["size"].astype(np.float32), "colour": rows["colour"]})
    assert relative_error(P, model.predict_proba(rows)) <= BOUND[np.float32]
    assert labels.tolist() == model.predict(rows).tolist()


def export_command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["export", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one error line of an ``export`` run that must fail with exit status 2."""
    status, _, err = export_command(capsys, *args)
    assert status == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("playwithnn export: error: "), err
    return err.strip()


def test_export_writes_an_onnx_file_that_onnx_runtime_runs(trained: tuple[Path, dict[str, list[str]]],
                                                            tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder, cells = trained
    out = tmp_path / "model.onnx"
    status, printed, _ = export_command(capsys, str(folder / "model.npz"), str(out))
    assert status == 0
    assert printed.startswith(f"wrote {out}: ")
    model = playwithnn.load(folder / "model.npz")
    assert isinstance(model, Model)
    inputs = {"size": np.array([np.nan if c == "" else float(c) for c in cells["size"]]),
              "colour": np.array(cells["colour"], dtype=object)}
    P, labels = ort.InferenceSession(str(out)).run(None, inputs)
    assert relative_error(P, model.predict_proba(cells)) <= BOUND[np.float64]
    assert labels.tolist() == model.predict(cells).tolist()
    assert sorted(os.listdir(tmp_path)) == ["model.onnx"]


def test_export_writes_a_float32_graph_and_a_bare_network(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    net = random_network([3, 5, 2], np.float64, activation="tanh", loss="mse")
    net.save(tmp_path / "net.npz")
    out = tmp_path / "net.onnx"
    status, _, _ = export_command(capsys, str(tmp_path / "net.npz"), str(out), "--dtype", "float32")
    assert status == 0
    X = random_inputs(20, 3, np.float32)
    (y_pred,) = ort.InferenceSession(str(out)).run(None, {"X": X})
    assert relative_error(y_pred, net.predict(X)) <= BOUND[np.float32]


def test_export_numpy_writes_a_script(trained: tuple[Path, dict[str, list[str]]], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder, cells = trained
    for args in ([str(tmp_path / "model.py")], [str(tmp_path / "script.txt"), "--format", "numpy"]):
        status, printed, _ = export_command(capsys, str(folder / "model.npz"), *args)
        assert status == 0, printed
    predict = runpy.run_path(str(tmp_path / "script.txt"))["predict"]
    model = playwithnn.load(folder / "model.npz")
    assert predict(cells).tolist() == model.predict(cells).tolist()
    assert (tmp_path / "model.py").read_text() == (tmp_path / "script.txt").read_text()


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: (d / "notes.npz").write_text("not a model"), "notes.npz: "),
    (lambda d: None, "notes.npz: "),  # no such file
])
def test_export_of_a_file_that_is_not_a_model_is_one_line(make: Any, message: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    make(tmp_path)
    line = refused(capsys, str(tmp_path / "notes.npz"), str(tmp_path / "out.onnx"))
    assert message in line
    assert not (tmp_path / "out.onnx").exists()


def test_export_to_a_path_that_is_not_a_regular_file_is_one_line(trained: tuple[Path, dict[str, list[str]]],
                                                                 tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = trained
    (tmp_path / "folder.onnx").mkdir()
    line = refused(capsys, str(folder / "model.npz"), str(tmp_path / "folder.onnx"))
    assert "is a directory" in line
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.onnx")
        line = refused(capsys, str(folder / "model.npz"), str(tmp_path / "pipe.onnx"))
        assert "exists and is not a regular file" in line
    assert sorted(os.listdir(tmp_path)) == ["folder.onnx", "pipe.onnx"][:1 + hasattr(os, "mkfifo")]


def test_export_needs_a_format_it_can_tell(trained: tuple[Path, dict[str, list[str]]], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = trained
    line = refused(capsys, str(folder / "model.npz"), str(tmp_path / "model.bin"))
    assert "--format" in line
    assert not (tmp_path / "model.bin").exists()


def test_export_without_onnx_names_the_extra_and_writes_nothing(trained: tuple[Path, dict[str, list[str]]],
                                                               tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = trained
    monkeypatch.setitem(sys.modules, "onnx", None)
    line = refused(capsys, str(folder / "model.npz"), str(tmp_path / "model.onnx"))
    assert "pip install 'playwithnn[onnx]'" in line
    assert os.listdir(tmp_path) == []
    # The NumPy script needs NumPy only.
    status, _, _ = export_command(capsys, str(folder / "model.npz"), str(tmp_path / "model.py"))
    assert status == 0


def test_a_failed_export_leaves_an_existing_file_as_it_was(trained: tuple[Path, dict[str, list[str]]],
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = trained
    out = tmp_path / "model.onnx"
    out.write_bytes(b"the old graph")
    monkeypatch.setitem(sys.modules, "onnx", None)
    refused(capsys, str(folder / "model.npz"), str(out))
    assert out.read_bytes() == b"the old graph"
    assert os.listdir(tmp_path) == ["model.onnx"]


# -------------------------------------------------------------- NumPy script
def script_namespace(obj: Any, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    text = export.to_numpy_script(obj)
    path = tmp_path / "script.py"
    path.write_text(text)
    return text, runpy.run_path(str(path))


def imported_modules(text: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    return modules


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("activation", "loss"), [
    ("sigmoid", "sse"), ("tanh", "mse"), ("relu", "categorical_crossentropy"),
    ("leaky_relu", "binary_crossentropy"), ("identity", "half_poisson")])
def test_the_script_is_numpy_only_and_predicts_what_the_network_predicts(
        activation: str, loss: str, dtype: Any, tmp_path: Path) -> None:
    net = random_network([4, 6, 5, 3], dtype, activation=activation, loss=loss)
    text, namespace = script_namespace(net, tmp_path)
    assert imported_modules(text) == {"numpy"}
    assert "np.load" not in text and "open(" not in text
    out = net.output_activation
    layers = [line.strip() for line in text.splitlines() if line.startswith("    A = ")]
    assert [line.split("  #")[0] for line in layers] == [
        "A = A @ W1 + b1" if activation == "identity" else f"A = {activation}(A @ W1 + b1)",
        "A = A @ W2 + b2" if activation == "identity" else f"A = {activation}(A @ W2 + b2)",
        "A = A @ W3 + b3" if out == "identity" else f"A = {out}(A @ W3 + b3)"]
    # The weights are literals that read back exactly.
    for i, layer in enumerate(net.layers, 1):
        assert namespace[f"W{i}"].dtype == dtype
        np.testing.assert_array_equal(namespace[f"W{i}"], layer.W)
        np.testing.assert_array_equal(namespace[f"b{i}"], layer.b)
    X = random_inputs(30, 4, dtype)
    bound = {np.float64: 1e-14, np.float32: 1e-6}[dtype]  # its sigmoid is not SciPy's expit
    assert relative_error(namespace["predict"](X), net.predict(X)) <= bound


def test_the_tutorial_network_without_biases_is_a_dozen_lines(tmp_path: Path) -> None:
    net = NeuralNetwork([3, 4, 1], bias=False, init="uniform", seed=1)
    text, namespace = script_namespace(net, tmp_path)
    assert "    A = sigmoid(A @ W1)  # (n_rows, 4)\n    A = sigmoid(A @ W2)  # (n_rows, 1)\n" in text
    assert "b1" not in namespace
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    assert relative_error(namespace["predict"](X), net.predict(X)) <= 1e-15


def test_the_script_of_a_model_predicts_raw_rows(trained: tuple[Path, dict[str, list[str]]],
                                                 tmp_path: Path) -> None:
    folder, cells = trained
    model = playwithnn.load(folder / "model.npz")
    assert isinstance(model, Model)
    text, namespace = script_namespace(model, tmp_path)
    assert imported_modules(text) == {"numpy"}
    assert namespace["FEATURES"] == ["size", "colour"]
    assert namespace["CLASSES"] == model.classes
    assert namespace["predict"](cells).tolist() == model.predict(cells).tolist()
    assert relative_error(namespace["predict_proba"](cells), model.predict_proba(cells)) <= 1e-14
    rows = [[" 7.5 ", "red"], [None, "pink"], [12.0, None], ["nan", " blue "]]  # rows of the features
    assert namespace["predict"](rows).tolist() == model.predict(rows).tolist()


def test_the_script_refuses_what_the_model_refuses(tmp_path: Path) -> None:
    model = animals_model(unknown="error")
    _, namespace = script_namespace(model, tmp_path)
    rows = {f: v[:5] for f, v in ROWS.items()}
    assert relative_error(namespace["predict_proba"](rows), model.predict_proba(rows)) <= 1e-14
    assert namespace["predict"](rows).tolist() == model.predict(rows).tolist()
    with pytest.raises(ValueError, match=r"feature 'colour': 'pink' is not one of the categories"):
        namespace["predict"](ROWS)
    with pytest.raises(ValueError, match="feature 'legs': a value is missing"):
        namespace["predict"]({**rows, "legs": [1.0, None, 2.0, 3.0, 4.0]})


def test_a_regressor_script_predicts_in_the_targets_units(tmp_path: Path) -> None:
    pre = Preprocessing(["x", "kind"], [Encoding("x", impute=1.0, mean=[2.0], scale=[3.0]),
                                        Encoding("kind", categories=["a", "b"], impute="b")])
    net = random_network([3, 6, 1], np.float32, loss="mse")
    model = Model(net, pre, target_mean=100.0, target_scale=20.0)
    _, namespace = script_namespace(model, tmp_path)
    rows = {"x": [0.5, None, 7.0], "kind": ["a", "", "b"]}
    assert relative_error(namespace["predict"](rows), model.predict(rows)) <= 1e-6


def test_names_from_a_model_file_cannot_break_out_of_the_script(tmp_path: Path) -> None:
    evil = 'x"""\nimport os\n#\\'
    pre = Preprocessing([evil], [Encoding(evil, categories=['a"""\nraise SystemExit\n', "b"])])
    model = Model(random_network([2, 2], np.float64, loss="categorical_crossentropy"), pre,
                  classes=['"""', "\n"])
    text, namespace = script_namespace(model, tmp_path)
    assert imported_modules(text) == {"numpy"}
    rows = {evil: ['a"""\nraise SystemExit\n', "b"]}
    assert namespace["predict"](rows).tolist() == model.predict(rows).tolist()


def test_the_model_of_a_fitted_pipeline_exports() -> None:
    """``to_model`` copies the estimator's network: its activations are copies of the built-ins."""
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from playwithnn.sklearn import NeuralNetworkClassifier, to_model

    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), NeuralNetworkClassifier(hidden_layer_sizes=(16,), max_iter=300,
                                                                   learning_rate_init=0.01, random_state=0))
    pipe.fit(X, y)
    model = to_model(pipe)
    probabilities, label = session(export.to_onnx(model)).run(
        None, {f"x{j}": X[:, j] for j in range(4)})  # one column a feature, as the model's rows
    assert label.ravel().tolist() == pipe.predict(X).tolist()
    assert relative_error(probabilities, pipe.predict_proba(X)) <= BOUND[np.float64]


# ------------------------------------------------------------------ skl2onnx
skl2onnx = pytest.importorskip("skl2onnx")


@pytest.fixture(scope="module")
def registered() -> None:
    from playwithnn.sklearn import register_skl2onnx

    register_skl2onnx()


@pytest.mark.parametrize("labels", ["integers", "text"])
def test_skl2onnx_converts_a_classifier_pipeline_on_iris(labels: str, registered: None) -> None:
    from sklearn.datasets import load_iris
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from playwithnn.sklearn import NeuralNetworkClassifier

    X, y = load_iris(return_X_y=True)
    if labels == "text":
        y = np.array(["setosa", "versicolor", "virginica"])[y]
    pipe = make_pipeline(StandardScaler(), NeuralNetworkClassifier(hidden_layer_sizes=(16,), max_iter=300,
                                                                   learning_rate_init=0.01, random_state=0))
    pipe.fit(X, y)
    # As for MLPClassifier: float32 input, labels and a ZipMap of probabilities.
    proto = skl2onnx.to_onnx(pipe, X[:1].astype(np.float32))
    predicted, probabilities = session(proto).run(None, {"X": X.astype(np.float32)})
    assert predicted.tolist() == pipe.predict(X).tolist()
    assert [sorted(row) for row in probabilities[:1]] == [sorted(pipe.classes_.tolist())]
    expected = pipe.predict_proba(X)
    got = np.array([[row[c] for c in pipe.classes_.tolist()] for row in probabilities])
    assert relative_error(got, expected) <= BOUND[np.float32]
    # float64 input: the ZipMap (float32 only) gets float32 probabilities; MLPClassifier's graph
    # does not load there. The labels come from the float64 probabilities.
    predicted, probabilities = session(skl2onnx.to_onnx(pipe, X[:1])).run(None, {"X": X})
    assert predicted.tolist() == pipe.predict(X).tolist()
    got = np.array([[row[c] for c in pipe.classes_.tolist()] for row in probabilities])
    assert relative_error(got, expected) <= BOUND[np.float32]
    # float64 all through, the probabilities as a tensor.
    proto = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    predicted, probabilities = session(proto).run(None, {"X": X})
    assert predicted.tolist() == pipe.predict(X).tolist()
    assert relative_error(probabilities, expected) <= BOUND[np.float64]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # a short fit is enough
def test_skl2onnx_converts_a_binary_classifier_and_a_regressor_on_diabetes(registered: None) -> None:
    from sklearn.datasets import load_diabetes
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from playwithnn.sklearn import NeuralNetworkClassifier, NeuralNetworkRegressor

    X, y = load_diabetes(return_X_y=True)
    reg = make_pipeline(StandardScaler(), NeuralNetworkRegressor(hidden_layer_sizes=(16,), max_iter=100,
                                                                 learning_rate_init=0.01, random_state=0))
    reg.fit(X, y)
    for dtype in (np.float64, np.float32):
        (predicted,) = session(skl2onnx.to_onnx(reg, X[:1].astype(dtype))).run(None, {"X": X.astype(dtype)})
        assert predicted.shape == (len(X), 1)
        assert relative_error(predicted[:, 0], reg.predict(X)) <= BOUND[dtype]
    clf = make_pipeline(StandardScaler(), NeuralNetworkClassifier(hidden_layer_sizes=(8,), max_iter=100,
                                                                  random_state=0))
    clf.fit(X, y > 140)
    proto = skl2onnx.to_onnx(clf, X[:1], options={"zipmap": False})
    label, probabilities = session(proto).run(None, {"X": X})
    assert label.tolist() == clf.predict(X).astype(int).tolist()
    assert relative_error(probabilities, clf.predict_proba(X)) <= BOUND[np.float64]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skl2onnx_refuses_a_multilabel_classifier_by_name(registered: None) -> None:
    from playwithnn.sklearn import NeuralNetworkClassifier

    X = np.random.default_rng(0).normal(size=(30, 3))
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    clf.fit(X, np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int))
    with pytest.raises(ValueError, match="cannot convert a multilabel NeuralNetworkClassifier"):
        skl2onnx.to_onnx(clf, X[:1])


def test_importing_skl2onnx_first_registers_the_converters(tmp_path: Path) -> None:
    code = ("import numpy as np, skl2onnx\n"
            "from playwithnn.sklearn import NeuralNetworkRegressor\n"
            "X = np.arange(20.0).reshape(10, 2)\n"
            "reg = NeuralNetworkRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0)\n"
            "reg.fit(X, X[:, 0])\n"
            "print(skl2onnx.to_onnx(reg, X[:1]).graph.output[0].name)\n")
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "variable"


def test_the_script_reads_bools_as_the_model_does(tmp_path: Path) -> None:
    # A bool read as a number is 1 or 0, its text in any case too; read as categories it is "True"/"False".
    pre = Preprocessing(["flag", "smoker"], [Encoding("flag", mean=[0.5], scale=[0.5]),
                                             Encoding("smoker", categories=[False, True])])
    net = random_network([3, 4, 1], np.float64, loss="mse")
    model = Model(net, pre, target_mean=0.0, target_scale=1.0)
    _, namespace = script_namespace(model, tmp_path)
    rows = {"flag": ["True", "false", True, " FALSE "], "smoker": [True, "False", "True", False]}
    assert relative_error(namespace["predict"](rows), model.predict(rows)) <= 1e-14
    assert model.predict(rows).tolist() == model.predict({"flag": [1.0, 0.0, 1.0, 0.0],
                                                          "smoker": ["True", "False"] * 2}).tolist()


@pytest.mark.parametrize("marker", ["NA", "N/A", "NULL", "None", "#N/A", "NAN", ""])
def test_the_graph_and_the_script_take_pandas_missing_markers_as_python_does(marker: str,
                                                                            tmp_path: Path) -> None:
    model = animals_model(unknown="error")
    rows = {f: v[:5] for f, v in ROWS.items()}
    rows["colour"] = ["brown", marker, "7", marker, "grey"]  # filled with "grey"
    expected = model.predict_proba(rows)
    assert relative_error(expected, model.predict_proba({**rows, "colour": ["brown", "grey", "7", "grey",
                                                                            "grey"]})) == 0.0
    P, _ = session(model.to_onnx()).run(None, graph_inputs(model, rows, np.float64))
    assert relative_error(P, expected) <= BOUND[np.float64]
    _, namespace = script_namespace(model, tmp_path)
    assert relative_error(namespace["predict_proba"](rows), expected) <= 1e-14
    assert relative_error(namespace["predict_proba"]({**rows, "weight": [4.0, marker, 30.0, 11.0, 9.5]}),
                          model.predict_proba({**rows, "weight": [4.0, marker, 30.0, 11.0, 9.5]})) <= 1e-14
