"""Model files: round trips, atomic saves, and every kind of bad file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pathlib
import pickle
import sys
import zipfile
from typing import Any

import numpy as np
import pytest

import playwithnn
import playwithnn._modelfile as modelfile
import playwithnn.cli
import playwithnn.io as pio
from playwithnn import ModelFileError, NeuralNetwork
from playwithnn.model import Model
from playwithnn.preprocessing import Encoding, Preprocessing

from conftest import Library

ARCHITECTURES = [
    # the tutorial's network: sigmoid hidden and output, sum of squares
    {"layer_sizes": [3, 4, 1]},
    {"layer_sizes": [2, 8, 8, 3], "activation": "relu", "loss": "categorical_crossentropy"},
    {"layer_sizes": [4, 6, 2], "activation": "tanh", "loss": "binary_crossentropy", "bias": False},
    {"layer_sizes": [5, 3], "loss": "mse"},
    {"layer_sizes": [3, 5, 4, 2], "activation": ["leaky_relu", "sigmoid"], "loss": "mse", "init": "uniform"},
]


def make_net(dtype: Any = np.float64, **config: Any) -> NeuralNetwork:
    config = config or {"layer_sizes": [2, 8, 8, 3], "activation": "relu",
                        "loss": "categorical_crossentropy"}
    return NeuralNetwork(**config, seed=0, dtype=dtype)


@pytest.fixture
def good_file(tmp_path: pathlib.Path) -> pathlib.Path:
    """A valid model file of a [2, 8, 8, 3] ReLU/softmax network with metadata."""
    net = make_net()
    net.metadata = {"feature_names": ["x0", "x1"], "classes": ["a", "b", "c"]}
    path = tmp_path / "model.npz"
    net.save(path)
    return path


def read_members(path: pathlib.Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header (parsed) and the arrays of a model file."""
    with np.load(path) as npz:
        header = json.loads(npz["header"].tobytes())
        arrays = {name: npz[name] for name in npz.files if name != "header"}
    return header, arrays


def write_members(path: pathlib.Path, header: Any, arrays: dict[str, np.ndarray], *,
                  header_text: str | None = None, compressed: bool = False) -> pathlib.Path:
    """Write a (possibly tampered) archive with valid zip checksums."""
    text = json.dumps(header) if header_text is None else header_text
    members = {"header": np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **arrays}
    (np.savez_compressed if compressed else np.savez)(path, **members)
    return path


class PickledPayload:
    """Unpickling this creates the file ``marker``: proof that code ran."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (pathlib.Path.touch, (self.marker,))


def object_array(marker: pathlib.Path) -> np.ndarray:
    arr = np.empty(1, dtype=object)
    arr[0] = PickledPayload(marker)
    return arr


def assert_refused(path: pathlib.Path, match: str) -> ModelFileError:
    with pytest.raises(ModelFileError, match=match) as info:
        playwithnn.load(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)
    assert info.value.path == str(path)
    return info.value


# --------------------------------------------------------------- round trips
@pytest.mark.filterwarnings("ignore::playwithnn.TrainingWarning")  # tested in test_diagnostics.py
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", ARCHITECTURES, ids=lambda c: str(c["layer_sizes"]))
def test_round_trip_is_bit_identical(tmp_path: pathlib.Path, dtype: Any, config: dict[str, Any],
                                     library: Library) -> None:
    """A network trained on any library saves to the one format, and loads on NumPy."""
    net = make_net(dtype, **config)
    rng = np.random.default_rng(1)
    # Train a little so the weights are not the initial ones (biases included).
    X = rng.normal(size=(32, net.n_features))
    y = rng.random(size=(32, net.n_outputs))
    if net.loss_name == "categorical_crossentropy":
        y = np.eye(net.n_outputs)[rng.integers(0, net.n_outputs, 32)]
    elif net.loss_name == "binary_crossentropy":
        y = (y > 0.5).astype(float)
    net.fit(library.asarray(X), library.asarray(y), epochs=5, optimizer="adam", learning_rate=0.01)
    assert all(library.owns(p) for p in net.parameters())
    net.metadata = {"mean": [0.5, -1.25e-300, 3.0], "names": ("a", "é"), "nested": {"k": [None, True]}}
    path = tmp_path / "model.npz"
    net.save(path)
    loaded = playwithnn.load(path)

    assert loaded.get_config() == net.get_config()
    assert loaded.dtype == np.dtype(dtype)
    for p, q in zip(net.parameters(), loaded.parameters()):
        assert isinstance(q, np.ndarray) and q.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(library.numpy(p), q)
    X_new = rng.normal(size=(50, net.n_features))
    y_net, y_loaded = net.predict(X_new), loaded.predict(X_new)
    assert y_loaded.dtype == np.dtype(dtype)
    if library.name == "numpy":
        assert np.array_equal(y_net, y_loaded)  # bit-identical, not merely close
    else:  # the same weights; another library's exp and matrix products round otherwise
        np.testing.assert_allclose(y_net, y_loaded, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-7)
    # JSON has no tuples: they come back as lists.
    assert loaded.metadata == {"mean": [0.5, -1.25e-300, 3.0], "names": ["a", "é"],
                               "nested": {"k": [None, True]}}
    # The file is the one a NumPy network with these weights writes, byte for byte in its members.
    numpy_net = make_net(dtype, **config)
    numpy_net.set_parameters([library.numpy(p) for p in net.parameters()])
    numpy_net.metadata = net.metadata
    numpy_net.save(tmp_path / "numpy.npz")
    header, arrays = read_members(path)
    numpy_header, numpy_arrays = read_members(tmp_path / "numpy.npz")
    assert header == numpy_header  # its checksum covers every array
    assert arrays.keys() == numpy_arrays.keys()
    for name in arrays:
        np.testing.assert_array_equal(arrays[name], numpy_arrays[name])


def test_module_save_and_method_write_the_same_content(tmp_path: pathlib.Path) -> None:
    net = make_net()
    net.save(tmp_path / "a.npz")
    pio.save(net, str(tmp_path / "b.npz"))
    header_a, arrays_a = read_members(tmp_path / "a.npz")
    header_b, arrays_b = read_members(tmp_path / "b.npz")
    assert header_a == header_b
    assert arrays_a.keys() == arrays_b.keys() == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for name in arrays_a:
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name])


def test_file_layout(good_file: pathlib.Path) -> None:
    header, arrays = read_members(good_file)
    assert header["format"] == "playwithnn-model"
    assert header["version"] == 2
    assert header["config"] == make_net().get_config()
    assert header["model"] is None  # a bare network
    assert header["metadata"] == {"feature_names": ["x0", "x1"], "classes": ["a", "b", "c"]}
    assert len(header["sha256"]) == 64
    assert {name: a.shape for name, a in arrays.items()} == {
        "W1": (2, 8), "b1": (8,), "W2": (8, 8), "b2": (8,), "W3": (8, 3), "b3": (3,)}
    with zipfile.ZipFile(good_file) as zf:
        assert all(info.compress_type == zipfile.ZIP_STORED for info in zf.infolist())


def test_metadata_defaults_to_an_empty_dict(tmp_path: pathlib.Path) -> None:
    net = make_net()
    assert net.metadata == {}
    net.save(tmp_path / "m.npz")
    assert playwithnn.load(tmp_path / "m.npz").metadata == {}


def test_loaded_network_can_train_further(good_file: pathlib.Path) -> None:
    net = playwithnn.load(good_file, seed=3)
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.eye(3)[np.arange(20) % 3]
    history = net.fit(X, y, epochs=3, optimizer="adam")
    assert history.epochs == 3
    # The seed makes further training reproducible.
    again = playwithnn.load(good_file, seed=3)
    again.fit(X, y, epochs=3, optimizer="adam")
    for p, q in zip(net.parameters(), again.parameters()):
        np.testing.assert_array_equal(p, q)


def test_saved_file_replaces_an_existing_one(good_file: pathlib.Path) -> None:
    other = NeuralNetwork([4, 2], loss="mse", seed=5)
    other.save(good_file)
    assert playwithnn.load(good_file).layer_sizes == [4, 2]
    assert os.listdir(good_file.parent) == ["model.npz"]


# ------------------------------------------------------------- atomic saves
@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()])
def test_failed_save_keeps_the_old_file_and_leaves_no_temporary(
    good_file: pathlib.Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    before = good_file.read_bytes()

    def write_half_then_fail(f: Any, members: dict[str, np.ndarray]) -> None:
        f.write(before[: len(before) // 2])  # a half-written archive...
        f.flush()
        raise failure  # ...then the disk fills up, or Ctrl-C

    monkeypatch.setattr(modelfile, "_write_npz", write_half_then_fail)
    net = NeuralNetwork([4, 2], loss="mse", seed=5)
    with pytest.raises(type(failure)):
        net.save(good_file)
    with pytest.raises(type(failure)):
        pio.save(net, good_file)
    assert good_file.read_bytes() == before
    assert os.listdir(good_file.parent) == ["model.npz"]
    assert playwithnn.load(good_file).layer_sizes == [2, 8, 8, 3]


def test_failed_rename_leaves_no_temporary(good_file: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = good_file.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise PermissionError("rename refused")

    monkeypatch.setattr(pio.os, "replace", fail)
    with pytest.raises(PermissionError):
        NeuralNetwork([4, 2], loss="mse", seed=5).save(good_file)
    assert good_file.read_bytes() == before
    assert os.listdir(good_file.parent) == ["model.npz"]


def test_save_into_a_missing_folder_raises(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError):
        make_net().save(tmp_path / "no" / "model.npz")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------- refused saves
@pytest.mark.parametrize(
    ("metadata", "error", "match"),
    [
        ({"mean": np.zeros(3)}, TypeError, r"net.metadata\['mean'\] is a numpy.ndarray.*tolist"),
        ({"n": np.int64(3)}, TypeError, r"net.metadata\['n'\] is a numpy.int64"),
        ({1: "a"}, TypeError, "the key 1; model files need string keys"),
        ({"scale": [1.0, float("nan")]}, ValueError, r"net.metadata\['scale'\]\[1\] is nan"),
        ({"f": {"g": print}}, TypeError, r"net.metadata\['f'\]\['g'\] is a builtins"),
        (["not", "a", "dict"], TypeError, "net.metadata must be a dict"),
    ],
)
def test_save_refuses_metadata_that_is_not_json(
    tmp_path: pathlib.Path, metadata: Any, error: type[Exception], match: str
) -> None:
    net = make_net()
    net.metadata = metadata
    with pytest.raises(error, match=match):
        net.save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_refuses_non_finite_weights(tmp_path: pathlib.Path) -> None:
    net = make_net()
    net.layers[1].W[0, 0] = np.inf
    with pytest.raises(ValueError, match="W2 contains NaN or infinity"):
        net.save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_refuses_other_objects(tmp_path: pathlib.Path) -> None:
    with pytest.raises(TypeError, match=r"obj must be a playwithnn NeuralNetwork or Model, .*; got dict"):
        pio.save({}, tmp_path / "m.npz")  # type: ignore[arg-type]


# ------------------------------------------------------------- bad files
def test_missing_file_and_folder(tmp_path: pathlib.Path) -> None:
    assert_refused(tmp_path / "nothing.npz", "no such file")
    assert_refused(tmp_path, "not a regular file")


def test_path_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike; got int"):
        playwithnn.load(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", r"not an \.npz \(zip\) archive \(it is empty\)"),
        (b"x0,x1,y\n1,2,0\n", r"not an \.npz \(zip\) archive$"),
        (pickle.dumps({"W1": [1.0]}), "looks like a Python pickle, which is never loaded"),
    ],
    ids=["empty", "csv", "pickle"],
)
def test_files_that_are_not_archives(tmp_path: pathlib.Path, content: bytes, match: str) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    assert_refused(path, match)


def test_pickle_file_never_runs_code(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "code-ran"
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(PickledPayload(marker)))
    assert_refused(path, "Python pickle")
    assert not marker.exists()
    # The payload is real: unpickling it does create the marker.
    pickle.loads(path.read_bytes())
    assert marker.exists()


def test_npy_file_with_pickled_objects_never_runs_code(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "code-ran"
    path = tmp_path / "model.npy"
    np.save(path, object_array(marker), allow_pickle=True)
    assert_refused(path, r"single \.npy array")
    assert not marker.exists()
    np.load(path, allow_pickle=True)
    assert marker.exists()


@pytest.mark.parametrize("member", ["W1", "b3", "header"])
def test_npz_with_pickled_objects_never_runs_code(
    tmp_path: pathlib.Path, good_file: pathlib.Path, member: str
) -> None:
    header, arrays = read_members(good_file)
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.npz"
    members = dict(arrays)
    members["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    members[member] = object_array(marker)
    np.savez(path, **members)
    what = "the header" if member == "header" else member
    assert_refused(path, f"{what} holds Python objects \\(pickled data\\)")
    assert not marker.exists()
    np.load(path, allow_pickle=True)[member]
    assert marker.exists()


def test_unexpected_pickled_member_is_never_read(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    header, arrays = read_members(good_file)
    marker = tmp_path / "code-ran"
    path = write_members(tmp_path / "evil.npz", header, {**arrays, "extra": object_array(marker)})
    assert_refused(path, r"unexpected member\(s\) extra.npy")
    assert not marker.exists()


@pytest.mark.parametrize("keep", [4, 30, 0.5, -22, -1])
def test_truncated_files(tmp_path: pathlib.Path, good_file: pathlib.Path, keep: float) -> None:
    data = good_file.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    path = tmp_path / "cut.npz"
    path.write_bytes(data[:n])
    assert_refused(path, "truncated or damaged")


def flip_byte_inside(path: pathlib.Path, needle: bytes) -> None:
    data = bytearray(path.read_bytes())
    at = data.find(needle)
    assert at >= 0 and data.find(needle, at + 1) < 0
    data[at + len(needle) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_edited_weight_bytes(good_file: pathlib.Path) -> None:
    W2 = playwithnn.load(good_file).layers[1].W
    flip_byte_inside(good_file, W2.tobytes())
    assert_refused(good_file, r"truncated or damaged \(BadZipFile: Bad CRC-32")


def test_edited_header_bytes(good_file: pathlib.Path) -> None:
    flip_byte_inside(good_file, b'"categorical_crossentropy"')
    assert_refused(good_file, r"truncated or damaged \(BadZipFile: Bad CRC-32")


def test_rewritten_untampered_file_still_loads(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    # The helper that writes the tampered files below makes loadable files when nothing is changed.
    header, arrays = read_members(good_file)
    path = write_members(tmp_path / "same.npz", header, arrays)
    X = np.ones((3, 2))
    assert np.array_equal(playwithnn.load(path).predict(X), playwithnn.load(good_file).predict(X))


def set_in(header: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    target = header
    for key in keys[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value


_DELETE = object()

HEADER_EDITS = [
    # A valid architecture that differs from what was saved: only the checksum sees it.
    (("config", "activation"), ["tanh", "tanh"],
     "checksum mismatch: the file was changed after it was saved"),
    (("metadata", "classes"), ["a", "b", "z"], "checksum mismatch"),
    (("format",), "something-else", "not a playwithnn model file .its format is 'something-else'"),
    (("version",), 3, "format version 3 is newer than this playwithnn reads .up to 2.; upgrade"),
    (("version",), 1, r"the header has missing keys \[\] and unexpected keys \['model'\]"),
    (("version",), 0, "format version must be a positive integer; got 0"),
    (("version",), "1", "format version must be a positive integer; got '1'"),
    (("sha256",), _DELETE, r"missing keys \['sha256'\]"),
    (("comment",), "hi", r"unexpected keys \['comment'\]"),
    (("sha256",), "abc", "'sha256' must be 64 hexadecimal digits"),
    (("metadata",), [1, 2], "'metadata' must be a JSON object; got list"),
    (("config",), "big", "'config' must be a JSON object; got str"),
    (("config", "loss"), _DELETE, r"'config' has missing keys \['loss'\]"),
    (("config", "layer_sizes"), [2, "8", 8, 3], "'layer_sizes' must be a list of at least 2 positive"),
    (("config", "layer_sizes"), [2, 0, 8, 3], "'layer_sizes' must be a list of at least 2 positive"),
    (("config", "layer_sizes"), [2, 8, 8, 4], r"missing array|has shape \(8, 3\), expected \(8, 4\)"),
    (("config", "layer_sizes"), [2, 8, 3], r"unexpected member\(s\) W3.npy, b3.npy"),
    (("config", "layer_sizes"), [2, 8, 8, 8, 3], r"missing array\(s\) W4, b4"),
    (("config", "layer_sizes"), [100_000, 100_000, 8, 3],
     r"need 8000\d+ bytes of weights but the file has 3\d\d\d$"),
    (("config", "activation"), ["relu", "swish"], "invalid architecture.*unknown activation.*'swish'"),
    (("config", "activation"), ["relu"], "invalid architecture.*activation has 1 entries"),
    (("config", "activation"), "relu", "'activation' must be a list of names"),
    (("config", "loss"), "hinge", "invalid architecture.*unknown loss 'hinge'"),
    (("config", "output_activation"), "sigmoid", "invalid architecture.*needs output_activation='softmax'"),
    (("config", "output_activation"), 3, "'output_activation' must be a name; got 3"),
    (("config", "bias"), "yes", "'bias' must be true or false"),
    (("config", "bias"), False, r"unexpected member\(s\) b1.npy, b2.npy, b3.npy"),
    (("config", "init"), 1, "'init' must be a name or null"),
    (("config", "init"), "zeros", "invalid architecture.*unknown init 'zeros'"),
    (("config", "dtype"), "float16", "'dtype' must be 'float32' or 'float64'; got 'float16'"),
    (("config", "dtype"), "float32", "W1 has dtype float64, expected float32"),
]


@pytest.mark.parametrize(("keys", "value", "match"), HEADER_EDITS,
                         ids=[f"{'.'.join(k)}={v!r}"[:40] for k, v, _ in HEADER_EDITS])
def test_tampered_header(tmp_path: pathlib.Path, good_file: pathlib.Path,
                         keys: tuple[str, ...], value: Any, match: str) -> None:
    header, arrays = read_members(good_file)
    set_in(header, keys, value)
    path = write_members(tmp_path / "tampered.npz", header, arrays)
    assert_refused(path, match)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"format": "playwithnn-model", "version": 1', "the header is not valid JSON"),
        ("[1, 2, 3]", "the header must be a JSON object; got list"),
        ('{"format": "playwithnn-model", "format": "playwithnn-model"}', "repeats the key 'format'"),
        ('{"format": NaN}', "contains NaN"),
    ],
)
def test_header_that_is_not_valid_json(tmp_path: pathlib.Path, good_file: pathlib.Path,
                                       text: str, match: str) -> None:
    _, arrays = read_members(good_file)
    assert_refused(write_members(tmp_path / "t.npz", None, arrays, header_text=text), match)


def test_header_that_is_not_utf8(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    _, arrays = read_members(good_file)
    path = tmp_path / "t.npz"
    np.savez(path, header=np.frombuffer(b"\xff\xfe{}", dtype=np.uint8), **arrays)
    assert_refused(path, "the header is not UTF-8 text")


def test_header_of_the_wrong_dtype(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    header, arrays = read_members(good_file)
    path = tmp_path / "t.npz"
    np.savez(path, header=np.array(json.dumps(header)), **arrays)
    assert_refused(path, "the header must be a 1-D uint8 array; got dtype <U")


def tamper_arrays(arrays: dict[str, np.ndarray], name: str, value: Any) -> dict[str, np.ndarray]:
    arrays = dict(arrays)
    if value is _DELETE:
        del arrays[name]
    else:
        arrays[name] = value(arrays[name]) if callable(value) else value
    return arrays


ARRAY_EDITS = [
    ("W2", lambda a: a[:, :-1], r"W2 has shape \(8, 7\), expected \(8, 8\)"),
    ("W1", lambda a: a.T, r"W1 has shape \(8, 2\), expected \(2, 8\)"),
    ("b1", lambda a: a[None, :], r"b1 has shape \(1, 8\), expected \(8,\)"),
    ("W1", lambda a: a.astype(np.float32), "W1 has dtype float32, expected float64"),
    ("W1", lambda a: a.astype(">f8"), "W1 has dtype >f8, expected float64"),
    ("b3", lambda a: a.astype(np.int64), "b3 has dtype int64, expected float64"),
    ("W3", lambda a: np.where(a > 0, np.nan, a), "W3 contains NaN or infinity"),
    ("b2", lambda a: a + np.inf, "b2 contains NaN or infinity"),
    ("W2", lambda a: np.asfortranarray(a + 1.0), "checksum mismatch"),
    ("b1", lambda a: a + 1e-12, "checksum mismatch"),
    ("b2", _DELETE, r"missing array\(s\) b2"),
    ("W4", np.zeros((3, 3)), r"unexpected member\(s\) W4.npy"),
]


@pytest.mark.parametrize(("name", "value", "match"), ARRAY_EDITS,
                         ids=[f"{n}-{m.split()[-1]}-{i}" for i, (n, _, m) in enumerate(ARRAY_EDITS)])
def test_tampered_arrays(tmp_path: pathlib.Path, good_file: pathlib.Path,
                         name: str, value: Any, match: str) -> None:
    header, arrays = read_members(good_file)
    path = write_members(tmp_path / "tampered.npz", header, tamper_arrays(arrays, name, value))
    assert_refused(path, match)


def test_fortran_ordered_member_keeps_its_values(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    # The arrays are read as raw bytes: a member in Fortran order (another writer's choice) keeps its values.
    header, arrays = read_members(good_file)
    path = write_members(tmp_path / "f.npz", header, {**arrays, "W2": np.asfortranarray(arrays["W2"])})
    with zipfile.ZipFile(path) as zf, zf.open("W2.npy") as fp:
        np.lib.format.read_magic(fp)
        assert np.lib.format.read_array_header_1_0(fp)[1]  # fortran_order
    for p, q in zip(playwithnn.load(path).parameters(), playwithnn.load(good_file).parameters()):
        np.testing.assert_array_equal(p, q)


def test_other_members_in_the_archive(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    path = tmp_path / "t.npz"
    path.write_bytes(good_file.read_bytes())
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("README.txt", "hello")
    assert_refused(path, r"unexpected member\(s\) README.txt")


def test_archive_without_header(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    _, arrays = read_members(good_file)
    path = tmp_path / "t.npz"
    np.savez(path, **arrays)
    assert_refused(path, "it has no 'header' member; it is not a playwithnn model file")


def test_empty_archive(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "t.npz"
    with zipfile.ZipFile(path, "w"):
        pass
    assert_refused(path, "no 'header' member")


def test_compressed_archive(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    header, arrays = read_members(good_file)
    path = write_members(tmp_path / "t.npz", header, arrays, compressed=True)
    assert_refused(path, "member header.npy is compressed")


def test_duplicate_members(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    path = tmp_path / "t.npz"
    path.write_bytes(good_file.read_bytes())
    with zipfile.ZipFile(good_file) as src, zipfile.ZipFile(path, "a") as dst, \
            pytest.warns(UserWarning, match="Duplicate name"):
        dst.writestr("W1.npy", src.read("W1.npy"))
    assert_refused(path, "two members with the same name")


def test_model_file_error_survives_pickling(tmp_path: pathlib.Path) -> None:
    # Errors cross process boundaries (parallel jobs) intact.
    error = ModelFileError(tmp_path / "m.npz", "no such file")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.reason, str(copy)) == (error.path, error.reason, str(error))
    assert str(error) == f"cannot load model file {str(tmp_path / 'm.npz')!r}: no such file"


@pytest.mark.parametrize("target", ["folder", "/dev/null"])
def test_save_refuses_a_path_that_is_not_a_regular_file(tmp_path: pathlib.Path, target: str) -> None:
    """Renaming over a folder or a device would destroy it: save refuses before writing."""
    path = tmp_path if target == "folder" else pathlib.Path(target)
    kind_before = path.stat().st_mode
    with pytest.raises(ValueError, match="exists and is not a regular file"):
        playwithnn.save(NeuralNetwork([2, 1], seed=0), path)
    assert path.stat().st_mode == kind_before


# ----------------------------------------------------- crafted declared sizes
# Every size a file declares (an .npy header's shape and dtype, the central
# directory's sizes and offsets) is checked against the bytes the file holds
# before anything is allocated: a small crafted file gives a ModelFileError,
# never a MemoryError.
def raw_members(path: pathlib.Path) -> dict[str, bytes]:
    """The bytes of every member of an archive, .npy headers included."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def npy_payload(member: bytes) -> bytes:
    """The data of a .npy member, without its header."""
    fp = io.BytesIO(member)
    np.lib.format.read_magic(fp)
    np.lib.format.read_array_header_1_0(fp)
    return member[fp.tell():]


def npy_member(descr: str, shape: tuple[int, ...], data: bytes) -> bytes:
    """A .npy member whose header declares ``descr`` and ``shape``, whatever ``data`` it holds."""
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}"
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"  # aligned as NumPy aligns it
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin-1") + data


def write_archive(path: pathlib.Path, members: dict[str, bytes],
                  declared: dict[str, dict[str, int]] | None = None) -> pathlib.Path:
    """Write ``members`` uncompressed; ``declared`` overrides what the central directory says of a member.

    The zip module writes the central directory on closing from its ``ZipInfo``
    objects (with zip64 extra fields for sizes of 4 GiB and more), so a lie set
    there reaches the file while the members' data and checksums stay valid.
    """
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, fields in (declared or {}).items():
            for field, value in fields.items():
                setattr(zf.getinfo(name), field, value)
    return path


_KEEP = b"the member's own data"

DECLARED_SHAPES = [
    # The header: the file is 2 KB, its header.npy declares 10^12 bytes.
    ("header.npy", "|u1", (10**12,), _KEEP,
     r"the header declares the shape \(1000000000000,\) of uint8, 1000000000000 bytes, but holds \d+ bytes"),
    ("header.npy", "|u1", (2**64 + 16,), _KEEP, r"declares the shape \(18446744073709551632,\) of uint8"),
    ("header.npy", "|u1", (-1,), _KEEP, r"member header.npy declares the shape \(-1,\), with a negative dim"),
    ("header.npy", "|u1", (10**6, 10**6), _KEEP,
     r"the header must be a 1-D uint8 array; got dtype uint8, shape \(1000000, 1000000\)"),
    ("header.npy", "|O", (10**12,), b"", r"the header holds Python objects \(pickled data\)"),
    ("header.npy", "<U1000000000000", (1,), b"",
     "member header.npy has an invalid .npy header .descr is not a valid dtype descriptor"),
    ("header.npy", "<U100000000", (10**6,), b"",
     "the header must be a 1-D uint8 array; got dtype <U100000000"),
    ("header.npy", "|u1", (), b"", r"the header must be a 1-D uint8 array; got dtype uint8, shape \(\)"),
    # The weights: shapes the header's layer_sizes do not give, or more bytes than the member holds.
    ("W1.npy", "<f8", (10**6, 10**6), b"", r"W1 has shape \(1000000, 1000000\), expected \(2, 8\)"),
    # A product of 2**64, which wraps to 0 in NumPy's int64.
    ("W1.npy", "<f8", (2**32, 2**32), b"", r"W1 has shape \(4294967296, 4294967296\), expected"),
    ("W1.npy", "<f8", (-2, -8), _KEEP, r"member W1.npy declares the shape \(-2, -8\), with a negative dim"),
    ("W1.npy", "<f8", (2, 8), b"\0" * 8,
     r"W1 declares the shape \(2, 8\) of float64, 128 bytes, but holds 8 bytes of data"),
    ("b3.npy", "<f8", (3,), b"", r"b3 declares the shape \(3,\) of float64, 24 bytes, but holds 0 bytes"),
    ("W1.npy", "|O", (10**12,), b"", r"W1 holds Python objects \(pickled data\)"),
    ("W1.npy", "<U1000000000000", (2, 8), b"", "member W1.npy has an invalid .npy header"),
    ("W1.npy", "<U100000000", (2, 8), b"", "W1 has dtype <U100000000, expected float64"),
]


@pytest.mark.parametrize(("member", "descr", "shape", "data", "match"), DECLARED_SHAPES,
                         ids=[f"{m[:-4]}-{d}-{s}"[:40] for m, d, s, _, _ in DECLARED_SHAPES])
def test_declared_shape_larger_than_the_file(
    tmp_path: pathlib.Path, good_file: pathlib.Path, member: str, descr: str, shape: tuple[int, ...],
    data: bytes, match: str
) -> None:
    members = raw_members(good_file)
    members[member] = npy_member(descr, shape, npy_payload(members[member]) if data is _KEEP else data)
    path = write_archive(tmp_path / "crafted.npz", members)
    assert path.stat().st_size < 4000
    assert_refused(path, match)


def test_declared_weights_larger_than_the_file(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    # Header and member agree on a 10^12-weight layer; the file is 4 KB.
    header, _ = read_members(good_file)
    header["config"]["layer_sizes"] = [10**6, 10**6, 8, 3]
    members = raw_members(good_file)
    members["header.npy"] = npy_member("|u1", (len(json.dumps(header)),), json.dumps(header).encode())
    members["W1.npy"] = npy_member("<f8", (10**6, 10**6), b"")
    assert_refused(write_archive(tmp_path / "crafted.npz", members),
                   r"layer_sizes \[1000000, 1000000, 8, 3\] need 8000072000280 bytes of weights but the "
                   r"file has \d{4}$")


DECLARED_SIZES = [
    # The central directory says what a member holds; for a stored member, that is what it takes in the file.
    ({"header.npy": {"file_size": 2**40}}, r"member header.npy declares 1099511627776 bytes but stores \d+"),
    ({"W1.npy": {"file_size": 2**40, "compress_size": 2**40}},  # zip64 sizes
     r"member W1.npy declares 1099511627776 bytes at offset \d+, outside the file \(\d+ bytes\)"),
    ({"header.npy": {"file_size": 2**32 - 2, "compress_size": 2**32 - 2}},
     r"member header.npy declares 4294967294 bytes at offset 0, outside the file"),
    ({"b3.npy": {"header_offset": 2**40}}, r"member b3.npy declares \d+ bytes at offset 1099511627776"),
    ({"W2.npy": {"flag_bits": 0x1}}, "member W2.npy is encrypted"),
    ({"W2.npy": {"flag_bits": 0x20}}, r"damaged \(NotImplementedError: compressed patched data"),
    ({"W2.npy": {"extract_version": 99}}, r"damaged \(NotImplementedError: zip file version 9.9"),
    ({"W1.npy": {"compress_type": 99}}, "member W1.npy is compressed"),
]


@pytest.mark.parametrize(("declared", "match"), DECLARED_SIZES,
                         ids=[f"{name[:-4]}-{'-'.join(fields)}" for d, _ in DECLARED_SIZES
                              for name, fields in d.items()])
def test_central_directory_declares_more_than_the_file(
    tmp_path: pathlib.Path, good_file: pathlib.Path, declared: dict[str, dict[str, int]], match: str
) -> None:
    path = write_archive(tmp_path / "crafted.npz", raw_members(good_file), declared)
    assert_refused(path, match)


def test_members_that_together_declare_more_than_the_file(tmp_path: pathlib.Path,
                                                          good_file: pathlib.Path) -> None:
    # Each member fits in the file, but together they would overlap: the zip-bomb trick.
    members = raw_members(good_file)
    size = write_archive(tmp_path / "same.npz", members).stat().st_size
    declared = {"header.npy": {"file_size": size - 100, "compress_size": size - 100}}
    path = write_archive(tmp_path / "crafted.npz", members, declared)
    assert path.stat().st_size == size
    assert_refused(path, rf"its members declare \d+ bytes in all, more than the file's {size}$")


def test_every_byte_of_the_central_directory_changed(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    """Whatever one byte of the archive's directory says, the file loads or is refused: nothing else."""
    data = good_file.read_bytes()
    with zipfile.ZipFile(good_file) as zf:
        start = zf.start_dir
    expected = playwithnn.load(good_file).parameters()
    path = tmp_path / "crafted.npz"
    loaded = 0
    for at in range(start, len(data)):
        # Every bit flipped: sizes and offsets become huge, flags (encryption, ...) are set.
        path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
        try:
            parameters = playwithnn.load(path).parameters()
        except ModelFileError:
            continue
        loaded += 1  # a field the reader does not use (a date, an attribute): the same network
        assert all(np.array_equal(p, q) for p, q in zip(parameters, expected))
    assert 0 < loaded < len(data) - start


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"metadata": ' + "[" * 100_000 + "]" * 100_000 + "}", "the header's JSON nests too deeply"),
        ('{"version": ' + "9" * 5000 + "}", "the header is not valid JSON .Exceeds the limit"),
        # A duplicate found by counting every key would take 10^10 steps.
        ("{" + ", ".join(f'"k{i}": 0' for i in range(100_000)) + ', "k99999": 1}',
         "repeats the key 'k99999'"),
    ],
    ids=["deep", "long-integer", "many-keys"],
)
def test_crafted_json_header(tmp_path: pathlib.Path, good_file: pathlib.Path, text: str, match: str) -> None:
    _, arrays = read_members(good_file)
    assert_refused(write_members(tmp_path / "t.npz", None, arrays, header_text=text), match)


def test_json_nested_up_to_the_recursion_limit(tmp_path: pathlib.Path, good_file: pathlib.Path) -> None:
    # The checksum serializes what json.loads parsed, a few frames deeper: each depth is refused cleanly.
    header, arrays = read_members(good_file)
    limit = sys.getrecursionlimit()
    for depth in range(limit - 150, limit + 10):
        header["metadata"] = {"deep": "DEEP"}
        text = json.dumps(header).replace('"DEEP"', "[" * depth + "]" * depth)
        assert_refused(write_members(tmp_path / "t.npz", None, arrays, header_text=text),
                       "checksum mismatch|the header's JSON nests too deeply")


def test_messages_stay_short_for_a_header_of_many_layers(tmp_path: pathlib.Path,
                                                         good_file: pathlib.Path) -> None:
    header, arrays = read_members(good_file)
    header["config"]["layer_sizes"] = [2] + [8] * 1_000_000 + [3]  # a 3 MB header; no name is made per layer
    error = assert_refused(write_members(tmp_path / "t.npz", header, arrays),
                           r"missing array\(s\) W4, b4, W5, b5, W6, \.\.\. for layer_sizes "
                           r"\[2, 8, 8, 8, 8, 8, \.\.\.\] \(2000002 arrays; the archive holds 6\)$")
    assert len(str(error)) < 300


def test_command_line_refuses_a_crafted_file_with_status_2(
    tmp_path: pathlib.Path, good_file: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = raw_members(good_file)
    members["header.npy"] = npy_member("|u1", (10**12,), npy_payload(members["header.npy"]))
    path = write_archive(tmp_path / "crafted.npz", members)
    data = tmp_path / "data.csv"
    data.write_text("x0,x1\n0.5,1.5\n", encoding="utf-8")
    for command in (["predict", str(path), str(data)], ["evaluate", str(path), str(data), "--target", "x1"]):
        assert playwithnn.cli.main(command) == 2
        held = len(npy_payload(members["header.npy"]))
        assert capsys.readouterr().err == (
            f"playwithnn {command[0]}: error: {path}: the header declares the shape (1000000000000,) of "
            f"uint8, 1000000000000 bytes, but holds {held} bytes of data\n")


# ------------------------------------------------------------- deep networks
def deep_model_file(path: pathlib.Path, n_layers: int) -> pathlib.Path:
    """A valid model file of ``n_layers`` 1-by-1 layers without biases, written without building a network."""
    config = {"layer_sizes": [1] * (n_layers + 1), "activation": ["tanh"] * (n_layers - 1),
              "output_activation": "identity", "loss": "mse", "bias": False, "init": None, "dtype": "float64"}
    modelfile.save(path, config, [np.full((1, 1), 0.5)] * n_layers, {})
    return path


def test_loading_is_linear_in_the_number_of_layers(tmp_path: pathlib.Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Load 2,000 and 20,000 layers, counting the work on member names, the bytes read and the parses.

    The counts are exact where a timing would not be: a member looked up in a
    list (``name in names``, ``names.index(name)``) or a directory scanned per
    member compares member names ``n**2 / 2`` times, where a dict hashes each once.
    """
    name_operations = 0

    class Name(str):
        """A member name that counts how often it is hashed or compared."""

        def __hash__(self) -> int:
            nonlocal name_operations
            name_operations += 1
            return str.__hash__(self)

        def __eq__(self, other: object) -> bool:
            nonlocal name_operations
            name_operations += 1
            return str.__eq__(self, other)

        def __ne__(self, other: object) -> bool:
            return not self == other

    class CountingZipFile(zipfile.ZipFile):
        def __init__(self, file: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(file, *args, **kwargs)
            for info in self.infolist():
                info.filename = Name(info.filename)

    bytes_read = 0

    class CountingFile(io.FileIO):
        def read(self, size: int | None = -1) -> bytes:
            nonlocal bytes_read
            data = super().read(size)
            bytes_read += len(data)
            return data

    parses = 0
    parse = np.lib.format.read_array_header_1_0

    def counting_parse(fp: Any, **kwargs: Any) -> Any:
        nonlocal parses
        parses += 1
        return parse(fp, **kwargs)

    monkeypatch.setattr(zipfile, "ZipFile", CountingZipFile)
    monkeypatch.setattr(modelfile, "open", lambda path, mode: CountingFile(path, mode), raising=False)
    monkeypatch.setattr(np.lib.format, "read_array_header_1_0", counting_parse)
    per_layer = {}
    for n_layers in (2_000, 20_000):
        path = deep_model_file(tmp_path / f"deep{n_layers}.npz", n_layers)
        name_operations = bytes_read = parses = 0
        net = playwithnn.load(path)
        assert len(net.layers) == n_layers
        assert all(p[0, 0] == 0.5 for p in net.parameters())
        per_layer[n_layers] = name_operations / n_layers
        assert per_layer[n_layers] < 10  # a few operations per member, not one per pair of members
        assert bytes_read < 1.1 * path.stat().st_size  # every byte is read once
        assert parses == 2  # one .npy header for the JSON, one for all the 1-by-1 weights
    assert per_layer[20_000] <= 1.01 * per_layer[2_000]


# --------------------------------------------------------------------- models
# A Model file: the network's arrays, and the header's "model" (Model.to_json).
def sha256_of(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    """The checksum as the format describes it, written here from the description, not from the code.

    SHA-256 of the header without ``sha256`` as canonical JSON (sorted keys, no
    spaces, UTF-8), then for each array in the order W1, b1, W2, ...: its name,
    dtype, shape between NUL bytes, and its bytes.
    """
    h = hashlib.sha256(json.dumps({k: v for k, v in header.items() if k != "sha256"}, sort_keys=True,
                                  separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    names = sorted(arrays, key=lambda name: (int(name[1:]), name[0] == "b"))
    for name in names:
        arr = arrays[name]
        h.update(f"\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def write_checked(path: pathlib.Path, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> pathlib.Path:
    """Write a (possibly tampered) file whose checksum matches: only its content can be wrong."""
    header = {**header, "sha256": sha256_of(header, arrays)}
    return write_members(path, header, arrays)


def arrays_of(net: NeuralNetwork) -> dict[str, np.ndarray]:
    names = [f"{kind}{i}" for i in range(1, len(net.layers) + 1) for kind in ("W", "b")]
    return dict(zip(names, net.parameters()))


def colors_and_sizes(**size: Any) -> Preprocessing:
    """Five inputs: size (imputed), color one-hot of three categories (one a number), weight."""
    return Preprocessing(["size", "color", "weight"], [
        Encoding("size", impute=2.5, mean=[3.0], scale=[1.5], **size),
        Encoding("color", categories=["red", "blue", 3], impute="blue", unknown="ignore",
                 mean=[0.25, 0.5, 0.25], scale=[0.5, 0.5, 0.5]),
        Encoding("weight", mean=[70.0], scale=[12.0])])


RAW_ROWS = {"size": [1.0, None, 4.5, "7", np.nan], "color": ["red", None, "3.0", "green", " blue"],
            "weight": [60.0, 71.5, 90.0, 55.0, 80.0]}


def make_model(kind: str, dtype: Any = np.float64) -> Model:
    rng = np.random.default_rng(1)
    if kind == "binary":
        net = NeuralNetwork([5, 6, 1], activation="tanh", loss="binary_crossentropy", seed=0, dtype=dtype)
        model = Model(net, colors_and_sizes(), classes=["no", "yes"], target="answer")
    elif kind == "multiclass":
        net = NeuralNetwork([5, 6, 3], activation="relu", loss="categorical_crossentropy", seed=0,
                            dtype=dtype)
        model = Model(net, colors_and_sizes(), classes=["a", 7, 2.5])
    else:
        net = NeuralNetwork([5, 4, 2], activation="tanh", loss="mse", seed=0, dtype=dtype)
        model = Model(net, colors_and_sizes(), target="y", target_mean=[1.5, -2.0], target_scale=[10.0, 0.25])
    net.set_parameters([rng.normal(size=p.shape) for p in net.parameters()])
    net.metadata = {"trained on": "nothing", "rows": [1, 2]}
    return model


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_model_round_trip_is_bit_identical(tmp_path: pathlib.Path, kind: str, dtype: Any) -> None:
    model = make_model(kind, dtype)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = playwithnn.load(path)
    assert isinstance(loaded, Model)
    assert (loaded.task, loaded.classes, loaded.target) == (model.task, model.classes, model.target)
    assert [type(c) for c in loaded.classes or []] == [type(c) for c in model.classes or []]  # 7 stays an int
    assert loaded.target_mean.tolist() == model.target_mean.tolist()
    assert loaded.target_scale.tolist() == model.target_scale.tolist()
    assert loaded.features == model.features == ("size", "color", "weight")
    assert loaded.preprocessing.encodings == model.preprocessing.encodings
    assert loaded.metadata == {"trained on": "nothing", "rows": [1, 2]}
    assert loaded.network.get_config() == model.network.get_config()
    for p, q in zip(model.network.parameters(), loaded.network.parameters()):
        np.testing.assert_array_equal(p, q)
    # The same weights and the same code: bit-identical, not merely close.
    y, y_loaded = model.predict(RAW_ROWS), loaded.predict(RAW_ROWS)
    assert y.dtype == y_loaded.dtype and np.array_equal(y, y_loaded)
    assert np.array_equal(model.outputs(RAW_ROWS), loaded.outputs(RAW_ROWS))
    if kind != "regression":
        assert np.array_equal(model.predict_proba(RAW_ROWS), loaded.predict_proba(RAW_ROWS))


def test_model_file_layout(tmp_path: pathlib.Path) -> None:
    model = make_model("multiclass")
    model.save(tmp_path / "a.npz")
    playwithnn.save(model, tmp_path / "b.npz")
    header, arrays = read_members(tmp_path / "a.npz")
    assert read_members(tmp_path / "b.npz")[0] == header
    assert header["version"] == 2
    assert header["model"] == json.loads(json.dumps(model.to_json()))
    assert header["model"]["classes"] == ["a", 7, 2.5]
    assert header["metadata"] == model.metadata
    assert sha256_of(header, arrays) == header["sha256"]  # the format's checksum, as described


def test_load_returns_a_network_for_a_bare_network(good_file: pathlib.Path) -> None:
    assert type(playwithnn.load(good_file)) is NeuralNetwork
    assert read_members(good_file)[0]["model"] is None


def test_a_version_2_network_whose_metadata_looks_like_the_old_layout_stays_a_network(
        tmp_path: pathlib.Path) -> None:
    # Only version 1 files are read by the old command line's layout; in version 2 metadata is the user's.
    net = NeuralNetwork([2, 1], loss="mse", seed=0)
    net.metadata = {"task": "regression", "features": ["a", "b"], "feature_mean": [1.0, 2.0],
                    "feature_scale": [1.0, 1.0]}
    net.save(tmp_path / "m.npz")
    loaded = playwithnn.load(tmp_path / "m.npz")
    assert type(loaded) is NeuralNetwork and loaded.metadata == net.metadata


def test_model_with_default_preprocessing_and_classes_round_trips(tmp_path: pathlib.Path) -> None:
    model = Model(NeuralNetwork([2, 3], loss="categorical_crossentropy", seed=0))
    model.save(tmp_path / "m.npz")
    loaded = playwithnn.load(tmp_path / "m.npz")
    assert isinstance(loaded, Model)
    assert loaded.classes == [0, 1, 2] and loaded.features == ("x0", "x1")
    X = np.random.default_rng(0).normal(size=(4, 2))
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_model_with_numpy_values_saves(tmp_path: pathlib.Path) -> None:
    # NumPy scalars among categories, impute and classes become the Python values JSON holds.
    pre = Preprocessing(["c"], [Encoding("c", categories=np.array([1, 2]), impute=np.int64(2))])
    net = NeuralNetwork([2, 1], loss="binary_crossentropy", seed=0)
    model = Model(net, pre, classes=np.array(["n", "y"]))
    model.save(tmp_path / "m.npz")
    loaded = playwithnn.load(tmp_path / "m.npz")
    assert isinstance(loaded, Model)
    assert loaded.preprocessing.encodings == pre.encodings
    assert np.array_equal(loaded.predict({"c": [1, None, "2"]}), model.predict({"c": [1, None, "2"]}))


# ------------------------------------------------- version 1 files of the command line
def legacy_file(path: pathlib.Path, net: NeuralNetwork, metadata: dict[str, Any]) -> pathlib.Path:
    """A version 1 file: the header had no "model"; ``playwithnn train`` kept its model in the metadata."""
    header = {"format": "playwithnn-model", "version": 1, "config": net.get_config(), "metadata": metadata}
    return write_checked(path, header, arrays_of(net))


LEGACY_REGRESSOR = {"task": "regression", "target": "price", "features": ["a", "b"],
                    "feature_mean": [1.0, -2.0], "feature_scale": [2.0, 0.5],
                    "target_mean": 100.0, "target_scale": 4.0, "history": {"epochs": 3, "seconds": 0.5}}


def test_version_1_file_of_the_command_line_loads_as_a_model(tmp_path: pathlib.Path) -> None:
    net = NeuralNetwork([2, 3, 1], activation="tanh", loss="mse", seed=0)
    path = legacy_file(tmp_path / "old.npz", net, LEGACY_REGRESSOR)
    model = playwithnn.load(path)
    assert isinstance(model, Model)
    assert (model.task, model.target, model.classes) == ("regression", "price", None)
    assert model.features == ("a", "b")
    assert model.metadata == {"history": {"epochs": 3, "seconds": 0.5}}  # the model's keys are gone from it
    X = np.array([[1.0, -2.0], [3.0, 0.5], [-7.25, 4.0]])
    # What the old command line computed: standardise, predict, scale back. The same elementwise
    # operations in the same order on the same C-ordered arrays as the model's: bit-identical.
    expected = net.predict((X - np.array([1.0, -2.0])) / np.array([2.0, 0.5]))[:, 0] * 4.0 + 100.0
    assert np.array_equal(model.predict(X), expected)
    assert np.array_equal(model.predict({"b": X[:, 1], "a": X[:, 0]}), expected)


def test_version_1_classifier_of_the_command_line(tmp_path: pathlib.Path) -> None:
    net = NeuralNetwork([2, 3], loss="categorical_crossentropy", seed=0)
    metadata = {"task": "classification", "target": "species", "features": ["x", "y"],
                "feature_mean": [0.5, 0.0], "feature_scale": [1.0, 3.0], "classes": ["cat", "dog", "eel"]}
    model = playwithnn.load(legacy_file(tmp_path / "old.npz", net, metadata))
    assert isinstance(model, Model)
    assert model.classes == ["cat", "dog", "eel"] and model.target == "species" and model.metadata == {}
    X = np.random.default_rng(0).normal(size=(20, 2))
    P = net.predict((X - np.array([0.5, 0.0])) / np.array([1.0, 3.0]))
    assert np.array_equal(model.predict_proba(X), P)
    assert model.predict(X).tolist() == [["cat", "dog", "eel"][k] for k in P.argmax(axis=1)]


def test_version_1_file_saved_from_python_loads_as_a_network(tmp_path: pathlib.Path) -> None:
    net = make_net()
    metadata = {"task": "classification", "classes": ["a", "b", "c"], "note": "no features: not train's"}
    loaded = playwithnn.load(legacy_file(tmp_path / "old.npz", net, metadata))
    assert type(loaded) is NeuralNetwork
    assert loaded.metadata == metadata
    X = np.ones((2, 2))
    assert np.array_equal(loaded.predict(X), net.predict(X))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"feature_mean": [1.0]}, "the metadata's 'features', 'feature_mean' and 'feature_scale' .written "
                                  "by playwithnn train. must be lists of the same length"),
        ({"feature_scale": [2.0, 0.5, 1.0]}, "must be lists of the same length"),
        ({"features": "ab"}, "must be lists of the same length"),
        ({"feature_mean": {"a": 1.0, "b": 2.0}}, "must be lists of the same length"),
        ({"features": ["a", "b", "c"], "feature_mean": [0.0] * 3, "feature_scale": [1.0] * 3},
         "the preprocessing makes 3 inputs, but the network takes 2"),
        ({"feature_scale": [2.0, 0.0]}, "the encoding of 'b': a scale is 0"),
        ({"feature_mean": [1.0, None]}, "the encoding of 'b': mean must be a number; got None"),
        ({"features": ["a", "a"]}, "features names a column more than once: a"),
        ({"features": ["a", 2]}, "feature must be a non-empty str; got 2"),
        ({"task": "clustering"}, "task must be 'classification' or 'regression'; got 'clustering'"),
        ({"target_scale": 0.0}, "target_scale must be a finite non-zero number"),
        ({"target_mean": "100"}, "target_mean must be a finite number"),
        ({"target": 3}, "target must be a str"),
        ({"classes": ["a", "b"]}, "a regression model has no classes"),
    ],
)
def test_version_1_file_with_malformed_metadata(tmp_path: pathlib.Path, changes: dict[str, Any],
                                                match: str) -> None:
    net = NeuralNetwork([2, 3, 1], activation="tanh", loss="mse", seed=0)
    path = legacy_file(tmp_path / "old.npz", net, {**LEGACY_REGRESSOR, **changes})
    error = assert_refused(path, f"invalid model description: .*{match}")
    assert error.reason.startswith("invalid model description: ")


# -------------------------------------------------------- tampered model descriptions
def tampered(tmp_path: pathlib.Path, edit: Any) -> pathlib.Path:
    """The file of a model whose header's "model" ``edit`` changed, with its checksum recomputed."""
    path = tmp_path / "model.npz"
    make_model("multiclass").save(path)
    header, arrays = read_members(path)
    edit(header["model"])
    return write_checked(tmp_path / "tampered.npz", header, arrays)


def set_key(keys: str, value: Any) -> Any:
    """An edit that sets ``model[k1][k2]...`` (keys joined by dots, list indices as numbers) to ``value``."""
    def edit(model: Any) -> None:
        *path, last = [int(k) if k.isdigit() else k for k in keys.split(".")]
        for key in path:
            model = model[key]
        if value is _DELETE:
            del model[last]
        else:
            model[last] = value
    return edit


MODEL_EDITS = [
    ("classes", ["a", "b", "c", "d"], "classes has 4 labels, but a network with 3 outputs tells 3 classes"),
    ("classes", ["a", "a", "b"], "classes must be distinct"),
    ("classes", "abc", "classes must be a list of class labels; got str"),
    ("classes", [None, 1, 2], "classes must be class labels"),
    ("task", "regression", "a regression model has no classes"),
    ("task", "ranking", "task must be 'classification' or 'regression'"),
    ("task", _DELETE, r"a model has 'preprocessing', 'task' and some of .*; got keys \['classes'"),
    ("preprocessing", _DELETE, "a model has 'preprocessing', 'task'"),
    ("comment", "hi", r"got keys \['classes', 'comment', 'preprocessing', 'target', 'task'\]"),
    ("target", 5, "target must be a str"),
    ("target_mean", [1.0, 2.0, 3.0], "a classifier has no target_mean"),
    ("preprocessing", None, "a preprocessing is an object with 'features' and 'encodings'"),
    ("preprocessing.encodings", {}, "'features' and 'encodings' must be lists"),
    ("preprocessing.features", ["size", "color"], "an encoding reads 'weight', which is not one of the"),
    ("preprocessing.features.1", "size", "features names a column more than once: size"),
    ("preprocessing.encodings.2", _DELETE, "the preprocessing makes 4 inputs, but the network takes 5"),
    ("preprocessing.encodings.0.std", [1.0], "an encoding is an object with 'feature' and some of"),
    ("preprocessing.encodings.0.scale", [0.0], "the encoding of 'size': a scale is 0"),
    ("preprocessing.encodings.0.scale", ["1.5"], "the encoding of 'size': scale must be a number"),
    ("preprocessing.encodings.0.mean", [10**400], "the encoding of 'size': mean must be finite"),
    ("preprocessing.encodings.0.impute", "big", "the encoding of 'size': impute must be a number"),
    ("preprocessing.encodings.1.categories", ["red", "blue", " red"], "categories .* are not distinct"),
    ("preprocessing.encodings.1.categories", ["red", "blue"], r"mean has 3 values for 2 input\(s\)"),
    ("preprocessing.encodings.1.unknown", "skip", "unknown must be 'error' or 'ignore'"),
    ("preprocessing.encodings.1.impute", ["blue"], "impute must be a str or a number"),
]


@pytest.mark.parametrize(("keys", "value", "match"), MODEL_EDITS,
                         ids=[f"{k}={v!r}"[:50] for k, v, _ in MODEL_EDITS])
def test_tampered_model_description(tmp_path: pathlib.Path, keys: str, value: Any, match: str) -> None:
    error = assert_refused(tampered(tmp_path, set_key(keys, value)), f"invalid model description: .*{match}")
    assert error.reason.startswith("invalid model description: ")


@pytest.mark.parametrize(("model", "match"), [([], "'model' must be a JSON object or null; got list"),
                                              ("model", "'model' must be a JSON object or null; got str")])
def test_model_that_is_not_an_object(tmp_path: pathlib.Path, model: Any, match: str) -> None:
    path = tmp_path / "model.npz"
    make_model("regression").save(path)
    header, arrays = read_members(path)
    header["model"] = model
    assert_refused(write_checked(tmp_path / "t.npz", header, arrays), match)


def test_model_description_is_covered_by_the_checksum(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "model.npz"
    make_model("binary").save(path)
    header, arrays = read_members(path)
    header["model"]["classes"] = ["yes", "no"]  # a valid model that predicts the opposite
    assert_refused(write_members(tmp_path / "t.npz", header, arrays), "checksum mismatch")
    header["sha256"] = sha256_of(header, arrays)
    swapped = playwithnn.load(write_members(tmp_path / "t.npz", header, arrays))
    assert isinstance(swapped, Model) and swapped.classes == ["yes", "no"]


def test_deeply_nested_model_description_is_refused_cleanly(tmp_path: pathlib.Path) -> None:
    # A valid checksum over a description nested up to the recursion limit: each depth is refused as a
    # model file error (the header's JSON nests too deeply, or the description is invalid), never a
    # RecursionError.
    path = tmp_path / "model.npz"
    make_model("regression").save(path)
    header, arrays = read_members(path)
    limit = sys.getrecursionlimit()
    header["model"]["preprocessing"]["encodings"][0]["scale"] = "DEEP"
    for depth in [*range(limit - 150, limit + 10, 4), 50]:
        text = json.dumps(header).replace('"DEEP"', "[" * depth + "]" * depth)
        sys.setrecursionlimit(limit + 1000)  # the test's own parse and checksum reach deeper than load's
        try:
            deep = json.loads(text)
            deep["sha256"] = sha256_of(deep, arrays)
            text = json.dumps(deep)
        finally:
            sys.setrecursionlimit(limit)
        assert_refused(write_members(tmp_path / "t.npz", None, arrays, header_text=text),
                       "invalid model description: the encoding of 'size': scale must be a number|"
                       "the header's JSON nests too deeply")


# ------------------------------------------------------------- refused saves
@pytest.mark.parametrize("obj", [object(), "model.npz", Preprocessing.identity(["a"]),
                                 [NeuralNetwork([2, 1])]], ids=["object", "str", "Preprocessing", "list"])
def test_save_refuses_unsupported_objects_and_keeps_the_old_file(good_file: pathlib.Path, obj: Any) -> None:
    before = good_file.read_bytes()
    with pytest.raises(TypeError, match=f"obj must be a playwithnn NeuralNetwork or Model, .*; got "
                                        f"{type(obj).__name__}"):
        playwithnn.save(obj, good_file)
    assert good_file.read_bytes() == before
    assert os.listdir(good_file.parent) == ["model.npz"]


def test_save_refuses_a_fitted_scikit_learn_step_that_is_not_ours(good_file: pathlib.Path) -> None:
    preprocessing_ = pytest.importorskip("sklearn.preprocessing")
    scaler = preprocessing_.StandardScaler().fit(np.ones((3, 2)))
    before = good_file.read_bytes()
    with pytest.raises(TypeError, match="StandardScaler"):
        playwithnn.save(scaler, good_file)
    assert good_file.read_bytes() == before


@pytest.mark.parametrize(
    ("metadata", "error", "match"),
    [
        ({"mean": np.zeros(2)}, TypeError, r"net.metadata\['mean'\] is a numpy.ndarray"),
        ({2: "b"}, TypeError, "the key 2; model files need string keys"),
        ({"f": {1, 2}}, TypeError, r"net.metadata\['f'\] is a builtins.set"),
        ({"x": float("inf")}, ValueError, r"net.metadata\['x'\] is inf"),
    ],
)
def test_save_refuses_a_model_whose_metadata_is_not_json(good_file: pathlib.Path, metadata: dict[Any, Any],
                                                         error: type[Exception], match: str) -> None:
    before = good_file.read_bytes()
    model = make_model("binary")
    model.network.metadata = metadata
    with pytest.raises(error, match=match):
        model.save(good_file)
    with pytest.raises(error, match=match):
        playwithnn.save(model, good_file)
    assert good_file.read_bytes() == before
    assert os.listdir(good_file.parent) == ["model.npz"]


def test_a_custom_activation_is_saved_by_name_and_loaded_once_registered(tmp_path: pathlib.Path) -> None:
    from playwithnn import Activation
    from playwithnn.activations import register, unregister

    def softsign(z: np.ndarray) -> np.ndarray:
        return z / (1 + np.abs(z))

    def softsign_derivative(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.abs(z)) ** 2

    act = Activation("softsign", softsign, softsign_derivative, takes="z")
    net = NeuralNetwork([3, 5, 1], activation=act, seed=0)
    path = tmp_path / "softsign.npz"
    net.save(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        header = json.loads(bytes(np.load(io.BytesIO(zf.read("header.npy")))).decode())
    assert header["config"]["activation"] == ["softsign"]  # the name only: no code is stored
    assert sorted(names) == ["W1.npy", "W2.npy", "b1.npy", "b2.npy", "header.npy"]
    unknown = r"unknown activation\[0\] 'softsign'.*playwithnn.activations.register"
    with pytest.raises(ModelFileError, match=unknown):
        pio.load(path)
    register(act)
    try:
        same = pio.load(path)
    finally:
        unregister("softsign")
    assert same.layers[0].activation is act
    X = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(same.predict(X), net.predict(X))
