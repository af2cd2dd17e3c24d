"""The model file format, byte by byte: NumPy and the standard library only.

A model file is a NumPy ``.npz`` archive (an uncompressed zip of ``.npy`` arrays):

==============  =======================  ==============================================
member          dtype, shape             what it holds
==============  =======================  ==============================================
``header``      uint8, (n_bytes,)        UTF-8 JSON, see below
``W1``          float, (n_in, n_out)     weights of the first layer (``layer_sizes[0:2]``)
``b1``          float, (n_out,)          its biases (absent with ``bias=False``)
``W2``, ``b2``  ...                      the next layer, and so on up to the output
==============  =======================  ==============================================

The JSON header is ``{"format": "playwithnn-model", "version": 1, "config": ...,
"metadata": ..., "sha256": ...}``: ``config`` holds the constructor arguments of
the network (layer sizes, activations, loss, bias, initializer, dtype),
``metadata`` JSON values only, and ``sha256`` a checksum of the rest of the header
and of every array, so that a file edited after it was saved is refused instead of
silently predicting something else.

This module knows the format but not the network: :func:`save` takes a network's
config, parameters and metadata, and :func:`read` checks a whole file and hands its
config to a ``build`` function that makes the network (see :mod:`playwithnn.io`).
It is what lets :meth:`NeuralNetwork.save <playwithnn.NeuralNetwork.save>` write a
file without importing :mod:`playwithnn.io`, which stands on the network.

Safety. Nothing in a model file is ever unpickled or evaluated: the arrays are read
with ``np.load(..., allow_pickle=False)`` after their ``.npy`` headers have been
checked, and the JSON is parsed as data.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, BinaryIO, TypeVar

import numpy as np
from numpy.typing import NDArray

from ._files import atomic_write, check_target

#: The ``format`` entry of every playwithnn model file's header.
FORMAT_NAME = "playwithnn-model"
#: The format version this module writes; :func:`read` reads versions up to it.
FORMAT_VERSION = 1
#: Largest JSON header :func:`read` reads, in bytes (metadata included).
MAX_HEADER_BYTES = 64 * 2**20

_HEADER = "header"
_HEADER_KEYS = frozenset({"format", "version", "config", "metadata", "sha256"})
_CONFIG_KEYS = frozenset({"layer_sizes", "activation", "output_activation", "loss", "bias", "init", "dtype"})
_DTYPES: dict[str, np.dtype[Any]] = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8")}

T = TypeVar("T")


class ModelFileError(ValueError):
    """A file could not be loaded as a playwithnn model.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    reason : str
        What is wrong with it.

    Attributes
    ----------
    path : str
    reason : str
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"cannot load model file {self.path!r}: {reason}")

    def __reduce__(self) -> tuple[type[ModelFileError], tuple[str, str]]:
        return type(self), (self.path, self.reason)


class _ProblemError(Exception):
    """Raised by the checks below; :func:`read` turns it into a ModelFileError."""


# ---------------------------------------------------------------------- JSON
def check_json_value(value: Any, where: str) -> None:
    """Raise ``TypeError`` unless ``value`` is made of JSON values only (``ValueError`` for NaN, inf)."""
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}; model files store finite numbers only")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_json_value(item, f"{where}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has the key {key!r}; model files need string keys")
            check_json_value(item, f"{where}[{key!r}]")
        return
    hint = " (use .tolist() to turn NumPy values into lists and numbers)" if isinstance(
        value, (np.ndarray, np.generic)) else ""
    raise TypeError(
        f"{where} is a {type(value).__module__}.{type(value).__qualname__}; model files store "
        f"JSON values only: dict with str keys, list, str, int, float, bool, None{hint}"
    )


def _canonical_json(obj: Any) -> str:
    """The one JSON text of ``obj`` that the checksum covers."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _reject_constant(name: str) -> float:
    raise _ProblemError(f"the JSON header contains {name}, which model files never hold")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise _ProblemError(f"the JSON header repeats the key {duplicate!r}")
    return dict(pairs)


def _digest(header: Mapping[str, Any], arrays: Mapping[str, NDArray[Any]]) -> str:
    """SHA-256 of the header (without ``sha256``) and of every array's name, dtype, shape and bytes."""
    h = hashlib.sha256(_canonical_json(header).encode("utf-8"))
    for name, arr in arrays.items():
        h.update(f"\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(np.ascontiguousarray(arr).data)
    return h.hexdigest()


def _array_names(n_layers: int, bias: bool) -> list[str]:
    """``["W1", "b1", "W2", "b2", ...]``, in the order of the network's parameters."""
    return [f"{kind}{i}" for i in range(1, n_layers + 1) for kind in (("W", "b") if bias else ("W",))]


# ---------------------------------------------------------------------- save
def encode(config: Mapping[str, Any], parameters: Sequence[NDArray[Any]],
           metadata: Any) -> Callable[[BinaryIO], None]:
    """Check a network's content and return the function that writes its model file.

    Parameters
    ----------
    config : dict
        The network's constructor arguments (``NeuralNetwork.get_config()``).
    parameters : sequence of ndarray
        ``[W1, b1, W2, b2, ...]`` (no ``b`` with ``config["bias"]`` false).
    metadata : dict
        JSON values only.

    Returns
    -------
    callable
        Writes the whole ``.npz`` archive to a binary file; nothing can fail in
        it but the writing.

    Raises
    ------
    TypeError
        If ``metadata`` is not a dict of JSON values (dicts with string keys,
        lists, strings, numbers, booleans, None).
    ValueError
        If a parameter or a number in ``metadata`` is NaN or infinite.
    """
    if not isinstance(metadata, Mapping):
        raise TypeError(f"net.metadata must be a dict; got {type(metadata).__name__}")
    check_json_value(metadata, "net.metadata")
    names = _array_names(len(config["layer_sizes"]) - 1, config["bias"])
    # Little-endian on every machine, so a file reads the same everywhere.
    dtype = _DTYPES[config["dtype"]]
    arrays = {name: np.ascontiguousarray(p, dtype=dtype) for name, p in zip(names, parameters)}
    for name, arr in arrays.items():
        if not np.isfinite(arr).all():
            raise ValueError(f"cannot save the network: {name} contains NaN or infinity")
    header: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "config": dict(config),
        # A JSON round trip turns tuples into lists: store what read will return.
        "metadata": json.loads(_canonical_json(metadata)),
    }
    header["sha256"] = _digest(header, arrays)
    text = _canonical_json(header).encode("utf-8")
    members: dict[str, NDArray[Any]] = {_HEADER: np.frombuffer(text, dtype=np.uint8), **arrays}

    def write(f: BinaryIO) -> None:
        _write_npz(f, members)

    return write


def save(path: str | os.PathLike[str], config: Mapping[str, Any], parameters: Sequence[NDArray[Any]],
         metadata: Any) -> None:
    """Write a model file atomically (see :func:`playwithnn._files.atomic_write`).

    Arguments as in :func:`encode`; ``path`` is used as given (no ``.npz`` is added).

    Raises
    ------
    TypeError, ValueError
        See :func:`encode`; ``ValueError`` too if ``path`` exists and is not a
        regular file.
    OSError
        If the file cannot be written; an existing file is then left as it was.
    """
    check_target(path)  # before any work: a folder or a device is never replaced
    atomic_write(path, encode(config, parameters, metadata))


def _write_npz(f: IO[bytes], members: Mapping[str, NDArray[Any]]) -> None:
    """``np.savez`` without pickles: every member is a plain numeric array."""
    np.savez(f, allow_pickle=False, **members)


# ---------------------------------------------------------------------- read
def _npy_header(npz: Any, member: str) -> tuple[tuple[int, ...], np.dtype[Any], int]:
    """Read a member's ``.npy`` header only: ``(shape, dtype, offset of the data)``."""
    with npz.zip.open(member) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise _ProblemError(f"{member} uses .npy format version {version}, which is not accepted")
        return tuple(shape), np.dtype(dtype), fp.tell()


def _read_member(npz: Any, name: str, shape: tuple[int, ...], dtype: np.dtype[Any]) -> NDArray[Any]:
    """Check member ``name``'s header against ``shape`` and ``dtype``, then read it."""
    member = f"{name}.npy"
    info = npz.zip.getinfo(member)
    found_shape, found_dtype, offset = _npy_header(npz, member)
    if found_dtype.hasobject:
        raise _ProblemError(
            f"{name} holds Python objects (pickled data); model files hold numbers only "
            "and playwithnn never unpickles"
        )
    if found_dtype != dtype:
        raise _ProblemError(f"{name} has dtype {found_dtype}, expected {dtype}")
    if found_shape != shape:
        raise _ProblemError(f"{name} has shape {found_shape}, expected {shape}")
    if info.file_size != offset + dtype.itemsize * math.prod(shape):
        raise _ProblemError(f"{name} holds {info.file_size - offset} bytes of data; its shape {shape} "
                            f"needs {dtype.itemsize * math.prod(shape)}")
    arr: NDArray[Any] = npz[name]
    return arr


def _check_config(config: Any) -> tuple[list[int], bool, np.dtype[Any]]:
    """Check the types in ``config``; return its layer sizes, bias and dtype."""
    if not isinstance(config, dict):
        raise _ProblemError(f"'config' must be a JSON object; got {type(config).__name__}")
    if set(config) != _CONFIG_KEYS:
        missing, extra = sorted(_CONFIG_KEYS - set(config)), sorted(set(config) - _CONFIG_KEYS)
        raise _ProblemError(f"'config' has missing keys {missing} and unexpected keys {extra}")
    sizes = config["layer_sizes"]
    if not (isinstance(sizes, list) and len(sizes) >= 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes)):
        raise _ProblemError(f"'layer_sizes' must be a list of at least 2 positive integers; got {sizes!r}")
    acts = config["activation"]
    if not (isinstance(acts, list) and all(isinstance(a, str) for a in acts)):
        raise _ProblemError(f"'activation' must be a list of names; got {acts!r}")
    for key in ("output_activation", "loss"):
        if not isinstance(config[key], str):
            raise _ProblemError(f"{key!r} must be a name; got {config[key]!r}")
    if not isinstance(config["bias"], bool):
        raise _ProblemError(f"'bias' must be true or false; got {config['bias']!r}")
    if not (config["init"] is None or isinstance(config["init"], str)):
        raise _ProblemError(f"'init' must be a name or null; got {config['init']!r}")
    if config["dtype"] not in _DTYPES:
        raise _ProblemError(f"'dtype' must be 'float32' or 'float64'; got {config['dtype']!r}")
    return sizes, config["bias"], _DTYPES[config["dtype"]]


def _read_header(npz: Any) -> dict[str, Any]:
    info = npz.zip.getinfo(f"{_HEADER}.npy")
    if info.file_size > MAX_HEADER_BYTES:
        raise _ProblemError(
            f"the header is {info.file_size} bytes, more than the {MAX_HEADER_BYTES} accepted")
    shape, dtype, _offset = _npy_header(npz, f"{_HEADER}.npy")
    if dtype.hasobject:
        raise _ProblemError("the header holds Python objects (pickled data); playwithnn never unpickles")
    if dtype != np.dtype(np.uint8) or len(shape) != 1:
        raise _ProblemError(f"the header must be a 1-D uint8 array; got dtype {dtype}, shape {shape}")
    raw = npz[_HEADER].tobytes()
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys,
                            parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise _ProblemError("the header is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _ProblemError(f"the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise _ProblemError(f"the header must be a JSON object; got {type(header).__name__}")
    if header.get("format") != FORMAT_NAME:
        raise _ProblemError(f"not a playwithnn model file (its format is {header.get('format')!r}, "
                            f"expected {FORMAT_NAME!r})")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _ProblemError(f"the format version must be a positive integer; got {version!r}")
    if version > FORMAT_VERSION:
        raise _ProblemError(f"format version {version} is newer than this playwithnn reads "
                            f"(up to {FORMAT_VERSION}); upgrade playwithnn")
    if set(header) != _HEADER_KEYS:
        missing, extra = sorted(_HEADER_KEYS - set(header)), sorted(set(header) - _HEADER_KEYS)
        raise _ProblemError(f"the header has missing keys {missing} and unexpected keys {extra}")
    if not isinstance(header["metadata"], dict):
        raise _ProblemError(f"'metadata' must be a JSON object; got {type(header['metadata']).__name__}")
    digest = header["sha256"]
    if not (isinstance(digest, str) and len(digest) == 64
            and all(c in "0123456789abcdef" for c in digest)):
        raise _ProblemError(f"'sha256' must be 64 hexadecimal digits; got {digest!r}")
    return header


def _read(npz: Any, file_size: int,
          build: Callable[[dict[str, Any]], T]) -> tuple[T, list[NDArray[Any]], dict[str, Any]]:
    infos = npz.zip.infolist()
    members = [info.filename for info in infos]
    if len(set(members)) != len(members):
        raise _ProblemError("the archive holds two members with the same name")
    if f"{_HEADER}.npy" not in members:
        raise _ProblemError("it has no 'header' member; it is not a playwithnn model file")
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            raise _ProblemError(f"member {info.filename} is compressed; playwithnn writes and reads "
                                "uncompressed archives only")
    header = _read_header(npz)
    config = header["config"]
    sizes, bias, dtype = _check_config(config)
    names = _array_names(len(sizes) - 1, bias)
    shapes: dict[str, tuple[int, ...]] = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        shapes[f"W{i}"] = (n_in, n_out)
        if bias:
            shapes[f"b{i}"] = (n_out,)
    expected = {f"{name}.npy" for name in names} | {f"{_HEADER}.npy"}
    missing = [name for name in names if f"{name}.npy" not in members]
    if missing:
        raise _ProblemError(f"missing array(s) {', '.join(missing)} for layer_sizes {sizes}")
    extra = [member for member in members if member not in expected]
    if extra:
        raise _ProblemError(f"unexpected member(s) {', '.join(extra)}; a model with layer_sizes {sizes} "
                            f"holds only header, {', '.join(names)}")
    needed = sum(math.prod(shape) for shape in shapes.values()) * dtype.itemsize
    if needed > file_size:
        raise _ProblemError(
            f"layer_sizes {sizes} need {needed} bytes of weights but the file has {file_size}")
    # The architecture is checked by the one who knows it, before any weight is read.
    try:
        built = build(dict(config))
    except (ValueError, TypeError) as exc:
        raise _ProblemError(f"invalid architecture in the header: {exc}") from None
    arrays: dict[str, NDArray[Any]] = {}
    for name in names:
        arr = _read_member(npz, name, shapes[name], dtype)
        if not np.isfinite(arr).all():
            raise _ProblemError(f"{name} contains NaN or infinity")
        arrays[name] = arr
    body = {key: value for key, value in header.items() if key != "sha256"}
    if _digest(body, arrays) != header["sha256"]:
        raise _ProblemError("checksum mismatch: the file was changed after it was saved")
    return built, [arrays[name] for name in names], header["metadata"]


def read(path: str | os.PathLike[str],
         build: Callable[[dict[str, Any]], T]) -> tuple[T, list[NDArray[Any]], dict[str, Any]]:
    """Check the whole model file ``path`` and return what it holds.

    Parameters
    ----------
    path : str or os.PathLike
    build : callable
        Called with the header's ``config`` once its types and the archive's
        layout are checked, before any weight is read; it makes the network (or
        raises ``ValueError``/``TypeError`` for an architecture it refuses).

    Returns
    -------
    built : object
        What ``build`` returned.
    parameters : list of ndarray
        ``[W1, b1, W2, ...]``, of the saved dtype and the shapes ``config`` gives.
    metadata : dict

    Raises
    ------
    ModelFileError
        A ``ValueError`` naming the file and what is wrong: it does not exist, is
        not an ``.npz`` archive, is truncated or damaged, is not a playwithnn model,
        has an unknown format version, an invalid architecture, a missing,
        unexpected, misshapen, non-finite or pickled array, or a checksum that does
        not match (it was edited after it was saved).
    TypeError
        If ``path`` is not a str or os.PathLike.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike; got {type(path).__name__}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileError(path, "no such file")
    if not os.path.isfile(path):
        raise ModelFileError(path, "not a regular file")
    try:
        # np.load is given an open file, not the path: it would leak its own
        # handle when the archive turns out to be damaged.
        with open(path, "rb") as f:
            file_size = os.fstat(f.fileno()).st_size
            magic = f.read(6)
            if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
                raise _ProblemError(f"not a playwithnn model file: it is not an .npz (zip) archive"
                                    f"{_describe(magic)}")
            f.seek(0)
            with np.load(f, allow_pickle=False) as npz:
                return _read(npz, file_size, build)
    except _ProblemError as exc:
        raise ModelFileError(path, str(exc)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError) as exc:
        raise ModelFileError(path, f"the archive is truncated or damaged ({type(exc).__name__}: {exc})"
                             ) from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror or exc})") from None


def _describe(magic: bytes) -> str:
    """What a file that is not a zip archive seems to be, from its first bytes."""
    if magic.startswith(b"\x93NUMPY"):
        return " (it is a single .npy array)"
    if magic[:1] == b"\x80":
        return " (it looks like a Python pickle, which is never loaded)"
    if not magic:
        return " (it is empty)"
    return ""


__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "MAX_HEADER_BYTES", "ModelFileError", "check_json_value",
           "encode", "read", "save"]
