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

The JSON header is ``{"format": "playwithnn-model", "version": 2, "config": ...,
"metadata": ..., "model": ..., "sha256": ...}``: ``config`` holds the constructor
arguments of the network (layer sizes, activations, loss, bias, initializer,
dtype), ``metadata`` JSON values only, ``model`` what turns raw rows into the
network's inputs and its outputs into predictions (``null`` for a bare network;
:meth:`playwithnn.model.Model.to_json`), and ``sha256`` a checksum of the rest of
the header and of every array, so that a file edited after it was saved is refused
instead of silently predicting something else. Version 1, the same without
``model``, is still read.

This module knows the format but not the network: :func:`save` takes a network's
config, parameters and metadata, and :func:`read` checks a whole file and hands its
config to a ``build`` function that makes the network (see :mod:`playwithnn.io`).
It is what lets :meth:`NeuralNetwork.save <playwithnn.NeuralNetwork.save>` write a
file without importing :mod:`playwithnn.io`, which stands on the network.

Safety. Nothing in a model file is ever unpickled or evaluated: every ``.npy``
header is parsed as data and checked, then its array is read as raw numbers of the
expected dtype, and the JSON is parsed as data. Every size the file declares is
checked before anything is allocated: what the zip's central directory says of each
member against the file's size (members are stored uncompressed, so together they
fit in it), and the shape and dtype in each ``.npy`` header, the JSON header's as
well as the weights', against the bytes its member holds. A small crafted file
raises :class:`ModelFileError`, never ``MemoryError``.

Speed. Loading takes time linear in the file's size: members are looked up by name
in a dict, and a ``.npy`` header that repeats (the layers of a deep network often
share a shape) is parsed once.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import os
import reprlib
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any, BinaryIO, Generic, NamedTuple, TypeVar

import numpy as np
from numpy.typing import NDArray

from ._files import atomic_write, check_target

#: The ``format`` entry of every playwithnn model file's header.
FORMAT_NAME = "playwithnn-model"
#: The format version this module writes; :func:`read` reads versions up to it.
FORMAT_VERSION = 2
#: Largest JSON header :func:`read` reads, in bytes (metadata included).
MAX_HEADER_BYTES = 64 * 2**20

_HEADER = "header"
_HEADER_KEYS = {1: frozenset({"format", "version", "config", "metadata", "sha256"}),
                2: frozenset({"format", "version", "config", "metadata", "model", "sha256"})}
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


class Contents(NamedTuple, Generic[T]):
    """What a model file holds: see :func:`read`."""

    built: T
    parameters: list[NDArray[Any]]
    metadata: dict[str, Any]
    model: dict[str, Any] | None
    version: int


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
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _ProblemError(f"the JSON header repeats the key {_short(key)}")
            seen.add(key)
    return result


def _digest(header: Mapping[str, Any], arrays: Mapping[str, NDArray[Any]]) -> str:
    """SHA-256 of the header (without ``sha256``) and of every array's name, dtype, shape and bytes."""
    h = hashlib.sha256(_canonical_json(header).encode("utf-8"))
    for name, arr in arrays.items():
        h.update(f"\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(np.ascontiguousarray(arr).data)
    return h.hexdigest()


def _array_names(n_layers: int, bias: bool) -> Iterator[str]:
    """``"W1", "b1", "W2", "b2", ...``, in the order of the network's parameters."""
    return (f"{kind}{i}" for i in range(1, n_layers + 1) for kind in (("W", "b") if bias else ("W",)))


# ---------------------------------------------------------------------- save
def encode(config: Mapping[str, Any], parameters: Sequence[NDArray[Any]],
           metadata: Any, model: Mapping[str, Any] | None = None) -> Callable[[BinaryIO], None]:
    """Check a network's content and return the function that writes its model file.

    Parameters
    ----------
    config : dict
        The network's constructor arguments (``NeuralNetwork.get_config()``).
    parameters : sequence of ndarray
        ``[W1, b1, W2, b2, ...]`` (no ``b`` with ``config["bias"]`` false).
    metadata : dict
        JSON values only.
    model : dict or None, default=None
        JSON values only: :meth:`playwithnn.model.Model.to_json`, or None for a
        bare network.

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
    check_json_value(model, "the model")
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
        "model": json.loads(_canonical_json(model)),
    }
    header["sha256"] = _digest(header, arrays)
    text = _canonical_json(header).encode("utf-8")
    members: dict[str, NDArray[Any]] = {_HEADER: np.frombuffer(text, dtype=np.uint8), **arrays}

    def write(f: BinaryIO) -> None:
        _write_npz(f, members)

    return write


def save(path: str | os.PathLike[str], config: Mapping[str, Any], parameters: Sequence[NDArray[Any]],
         metadata: Any, model: Mapping[str, Any] | None = None) -> None:
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
    atomic_write(path, encode(config, parameters, metadata, model))


def _write_npz(f: IO[bytes], members: Mapping[str, NDArray[Any]]) -> None:
    """``np.savez`` without pickles: every member is a plain numeric array."""
    np.savez(f, allow_pickle=False, **members)


# ---------------------------------------------------------------------- read
#: Bytes read from a member at a time: a weight is read into its own array, never via a full copy.
_CHUNK_BYTES = 2**22
#: Largest ``.npy`` header read, in bytes: NumPy's own limit (``max_header_size`` of ``np.load``).
_MAX_NPY_HEADER_BYTES = 10_000

#: A parsed ``.npy`` header: shape, Fortran order, dtype.
_NpyHeader = tuple[tuple[int, ...], bool, np.dtype[Any]]


def _short(value: Any) -> str:
    """``repr(value)``, cut short: a crafted header can hold a list of millions of entries."""
    return reprlib.repr(value)


def _some(items: Sequence[str], n: int = 5) -> str:
    """``"a, b, c"``, or the first ``n`` items and how many more: messages stay short."""
    if len(items) <= n:
        return ", ".join(items)
    return f"{', '.join(items[:n])} and {len(items) - n} more"


def _check_sizes(infos: Sequence[zipfile.ZipInfo], file_size: int) -> None:
    """Check what the zip's central directory declares about every member against the file's size.

    Every member must be stored uncompressed, so the bytes it holds are the bytes
    it takes in the file: a member that declares more than the whole file, or
    members that together declare more than the whole file (overlapping members,
    the trick of zip bombs), are refused before anything is read.
    """
    total = 0
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            raise _ProblemError(f"member {info.filename} is compressed; playwithnn writes and reads "
                                "uncompressed archives only")
        if info.flag_bits & 0x1:  # zipfile would ask for a password
            raise _ProblemError(f"member {info.filename} is encrypted; playwithnn writes and reads "
                                "unencrypted archives only")
        if info.file_size != info.compress_size:
            raise _ProblemError(f"member {info.filename} declares {info.file_size} bytes but stores "
                                f"{info.compress_size}, and it is not compressed")
        if info.header_offset < 0 or info.header_offset + info.compress_size > file_size:
            raise _ProblemError(f"member {info.filename} declares {info.compress_size} bytes at offset "
                                f"{info.header_offset}, outside the file ({file_size} bytes)")
        total += info.compress_size
    if total > file_size:
        raise _ProblemError(f"its members declare {total} bytes in all, more than the file's {file_size}")


def _npy_header(fp: IO[bytes], member: str, parsed: dict[bytes, _NpyHeader]) -> _NpyHeader:
    """Parse a member's ``.npy`` header, as data: ``(shape, fortran_order, dtype)``.

    ``parsed`` maps the header's bytes to what they were parsed into: NumPy parses
    a header with ``ast.literal_eval``, which costs far more than reading a small
    array, and the members of a deep network repeat the same few headers.
    """
    magic = fp.read(8)
    if magic[:6] != b"\x93NUMPY" or len(magic) != 8:
        raise _ProblemError(f"member {member} is not a .npy array")
    version = (magic[6], magic[7])
    if version not in ((1, 0), (2, 0)):
        raise _ProblemError(f"member {member} uses .npy format version {version}, which is not accepted")
    size = fp.read(2 if version == (1, 0) else 4)
    length = int.from_bytes(size, "little")
    if length > _MAX_NPY_HEADER_BYTES:
        raise _ProblemError(f"member {member} has a .npy header of {length} bytes, more than NumPy's limit "
                            f"of {_MAX_NPY_HEADER_BYTES}")
    raw = magic + size + fp.read(length)
    found = parsed.get(raw)
    if found is None:
        header = io.BytesIO(raw)
        np.lib.format.read_magic(header)
        try:
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(header)
        except ValueError as exc:  # a damaged header, or an unknown or oversized dtype
            raise _ProblemError(f"member {member} has an invalid .npy header ({exc})") from None
        if any(n < 0 for n in shape):
            raise _ProblemError(f"member {member} declares the shape {_short(shape)}, "
                                "with a negative dimension")
        found = parsed[raw] = (tuple(shape), fortran, np.dtype(dtype))
    return found


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, what: str, dtype: np.dtype[Any],
                 shape: tuple[int, ...] | None, parsed: dict[bytes, _NpyHeader]) -> NDArray[Any]:
    """Read a ``.npy`` member after checking that its header declares ``dtype`` and ``shape``.

    ``shape=None`` accepts any 1-D shape. The size the header declares (the product
    of the shape, in Python integers that cannot overflow, times the item size)
    must be exactly the size of the data the member holds, which :func:`_check_sizes`
    has bounded by the file's size: no array is allocated before that.
    """
    with zf.open(info) as fp:
        found_shape, fortran, found_dtype = _npy_header(fp, info.filename, parsed)
        if found_dtype.hasobject:
            raise _ProblemError(f"{what} holds Python objects (pickled data); model files hold numbers only "
                                "and playwithnn never unpickles")
        if shape is None:
            if found_dtype != dtype or len(found_shape) != 1:
                raise _ProblemError(f"{what} must be a 1-D {dtype} array; got dtype {found_dtype}, "
                                    f"shape {_short(found_shape)}")
        elif found_dtype != dtype:
            raise _ProblemError(f"{what} has dtype {found_dtype}, expected {dtype}")
        elif found_shape != shape:
            raise _ProblemError(f"{what} has shape {_short(found_shape)}, expected {shape}")
        count = math.prod(found_shape)
        held = info.file_size - fp.tell()
        if count * dtype.itemsize != held:
            raise _ProblemError(f"{what} declares the shape {_short(found_shape)} of {dtype}, "
                                f"{count * dtype.itemsize} bytes, but holds {held} bytes of data")
        arr: NDArray[Any] = np.empty(count, dtype=dtype)
        buffer = arr.data.cast("B")
        for start in range(0, held, _CHUNK_BYTES):
            chunk = fp.read(min(_CHUNK_BYTES, held - start))  # reading the last byte checks the CRC-32
            if len(chunk) != min(_CHUNK_BYTES, held - start):
                raise _ProblemError(f"{what} ends early: the archive is truncated")
            buffer[start:start + len(chunk)] = chunk
    return arr.reshape(found_shape, order="F" if fortran else "C")


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


def _read_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, Any]:
    if info.file_size > MAX_HEADER_BYTES:
        raise _ProblemError(
            f"the header is {info.file_size} bytes, more than the {MAX_HEADER_BYTES} accepted")
    raw = _read_member(zf, info, "the header", np.dtype(np.uint8), None, {}).tobytes()
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys,
                            parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise _ProblemError("the header is not UTF-8 text") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise _ProblemError(f"the header is not valid JSON ({exc})") from None
    except RecursionError:
        raise _ProblemError("the header's JSON nests too deeply") from None
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
    keys = _HEADER_KEYS[version]
    if set(header) != keys:
        missing, extra = sorted(keys - set(header)), sorted(set(header) - keys)
        raise _ProblemError(f"the header has missing keys {missing} and unexpected keys {extra}")
    if not isinstance(header["metadata"], dict):
        raise _ProblemError(f"'metadata' must be a JSON object; got {type(header['metadata']).__name__}")
    if header.get("model") is not None and not isinstance(header["model"], dict):
        raise _ProblemError(f"'model' must be a JSON object or null; got {type(header['model']).__name__}")
    digest = header["sha256"]
    if not (isinstance(digest, str) and len(digest) == 64
            and all(c in "0123456789abcdef" for c in digest)):
        raise _ProblemError(f"'sha256' must be 64 hexadecimal digits; got {digest!r}")
    return header


def _read(zf: zipfile.ZipFile, file_size: int,
          build: Callable[[dict[str, Any]], T]) -> Contents[T]:
    # Members are looked up by name in a dict, never in a list: loading stays linear in the file's size.
    infos = zf.infolist()
    members = {info.filename: info for info in infos}
    if len(members) != len(infos):
        raise _ProblemError("the archive holds two members with the same name")
    header_info = members.get(f"{_HEADER}.npy")
    if header_info is None:
        raise _ProblemError("it has no 'header' member; it is not a playwithnn model file")
    _check_sizes(infos, file_size)
    header = _read_header(zf, header_info)
    config = header["config"]
    sizes, bias, dtype = _check_config(config)
    # The first missing arrays, found before a name is made for each array the header asks for: a crafted
    # header can list millions of layers. As many names are made as the archive has members, and 6 more.
    n_arrays = (len(sizes) - 1) * (2 if bias else 1)
    missing = list(itertools.islice(
        (name for name in _array_names(len(sizes) - 1, bias) if f"{name}.npy" not in members), 6))
    if missing:
        raise _ProblemError(f"missing array(s) {', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''} "
                            f"for layer_sizes {_short(sizes)} ({n_arrays} arrays; "
                            f"the archive holds {len(members) - 1})")
    names = list(_array_names(len(sizes) - 1, bias))
    shapes: dict[str, tuple[int, ...]] = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        shapes[f"W{i}"] = (n_in, n_out)
        if bias:
            shapes[f"b{i}"] = (n_out,)
    if len(members) != len(names) + 1:
        expected = {f"{name}.npy" for name in names}
        extra = [member for member in members if member not in expected and member != header_info.filename]
        raise _ProblemError(f"unexpected member(s) {_some(extra)}; a model with layer_sizes {_short(sizes)} "
                            f"holds only header, {_some(names)}")
    # Python integers: layer sizes of any size are compared with the file's size, not allocated.
    needed = sum(math.prod(shape) for shape in shapes.values()) * dtype.itemsize
    if needed > file_size:
        raise _ProblemError(
            f"layer_sizes {_short(sizes)} need {needed} bytes of weights but the file has {file_size}")
    # The architecture is checked by the one who knows it, before any weight is read.
    try:
        built = build(dict(config))
    except (ValueError, TypeError) as exc:
        raise _ProblemError(f"invalid architecture in the header: {exc}") from None
    arrays: dict[str, NDArray[Any]] = {}
    parsed: dict[bytes, _NpyHeader] = {}
    for name in names:
        arr = _read_member(zf, members[f"{name}.npy"], name, dtype, shapes[name], parsed)
        if not np.isfinite(arr).all():
            raise _ProblemError(f"{name} contains NaN or infinity")
        arrays[name] = arr
    body = {key: value for key, value in header.items() if key != "sha256"}
    try:
        digest = _digest(body, arrays)
    except RecursionError:  # JSON that json.loads parsed one frame higher up the stack
        raise _ProblemError("the header's JSON nests too deeply") from None
    if digest != header["sha256"]:
        raise _ProblemError("checksum mismatch: the file was changed after it was saved")
    return Contents(built, list(arrays.values()), header["metadata"], header.get("model"), header["version"])


def read(path: str | os.PathLike[str], build: Callable[[dict[str, Any]], T]) -> Contents[T]:
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
    Contents
        ``(built, parameters, metadata, model, version)``: what ``build`` returned;
        ``[W1, b1, W2, ...]``, of the saved dtype and the shapes ``config``
        gives; the metadata; the model's JSON object or None (always None in a
        version 1 file). ``model`` is checked as JSON only: what it says is for
        :class:`playwithnn.model.Model` to check. ``version`` is the file's
        format version.

    Raises
    ------
    ModelFileError
        A ``ValueError`` naming the file and what is wrong: it does not exist, is
        not an ``.npz`` archive, is truncated or damaged, declares sizes that the
        file does not hold, is not a playwithnn model, has an unknown format
        version, an invalid architecture, a missing, unexpected, misshapen,
        non-finite or pickled array, or a checksum that does not match (it was
        edited after it was saved).
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
            with zipfile.ZipFile(f) as zf:
                return _read(zf, file_size, build)
    except _ProblemError as exc:
        raise ModelFileError(path, str(exc)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, NotImplementedError) as exc:
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


__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "MAX_HEADER_BYTES", "Contents", "ModelFileError",
           "check_json_value", "encode", "read", "save"]
