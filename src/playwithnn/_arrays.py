"""Arrays of any library: the one place where libraries differ.

The core computes with the *array namespace* ``xp`` of the arrays it is given, as
the array API standard defines it (https://data-apis.org/array-api/): ``xp.exp(Z)``,
``xp.sum(A, axis=1)``, ``X @ W``. The same code then runs on NumPy, CuPy and PyTorch
(CPU or CUDA), and on ``array-api-strict``, which refuses anything outside the
standard and is what the tests use to prove it. The namespace is looked up once per
``fit`` or ``predict`` (:func:`namespace`) and handed down; no operation looks it up
again.

This module holds what the standard leaves out or leaves open, each in one function:

- :func:`namespace` and :func:`check_namespace`: which library, and whether it is one
  the core can train with (its arrays change in place, and a slice of a flat array is
  a view of it: :func:`flat_views`);
- :func:`placement`, :func:`device_of`, :func:`to_namespace`, :func:`to_numpy`: where
  arrays live, and moving them; :func:`float_dtype` and :func:`numpy_dtype`: one dtype's
  name in each library; :func:`take_rows`, which also gathers the rows of a SciPy sparse
  matrix;
- the NumPy fast paths: :func:`sigmoid` (SciPy's ``expit``), :func:`sum_of_squares`
  (BLAS's dot product), :func:`matmul_into` and :func:`sum_rows_into` (NumPy's ``out=``,
  given by position: on the tutorial's tiny arrays, parsing a ufunc's keyword arguments
  costs more than the arithmetic), :func:`float_errors_ignored` (``numpy.errstate``);
- :func:`checks_each_step`: whether training reads its loss at every step.

Everything else is written once, in the standard's terms, in the modules of the math.

>>> import numpy as np
>>> X = np.ones((2, 3))
>>> namespace(X) is np
True
>>> xp, device = placement("cpu")
>>> xp is np, device
(True, 'cpu')
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np
from scipy.special import expit

#: NumPy itself when it implements the standard in its main namespace (NumPy 2.1 and
#: later), else array-api-compat's wrapper of it.
NUMPY: ModuleType = np if hasattr(np, "astype") else importlib.import_module("array_api_compat.numpy")

#: The libraries the core trains with, by the name of their top-level module.
SUPPORTED = ("numpy", "cupy", "torch", "array_api_strict")

Namespace = Any  # a module that implements the array API standard
Device = Any  # "cpu", a torch.device, a cupy.cuda.Device, ...


def namespace(*arrays: Any, xp: Namespace | None = None) -> Namespace:
    """The array API namespace of ``arrays``: NumPy itself for NumPy arrays.

    Parameters
    ----------
    *arrays : arrays of one library
        NumPy, CuPy or PyTorch arrays, or ``array-api-strict`` arrays. ``None`` is skipped.
    xp : module, optional
        A namespace already looked up: returned as it is, with no search (the functions of
        the math take ``xp=None`` and call this, so that a caller who knows it passes it).

    Returns
    -------
    xp : module
        ``numpy`` for NumPy arrays, ``array_api_compat.torch`` for tensors,
        ``array_api_compat.cupy`` for CuPy arrays, ``array_api_strict`` for its arrays.

    Raises
    ------
    TypeError
        If the arrays belong to different libraries, or one is not an array.
    """
    if xp is not None:
        return xp
    present = [a for a in arrays if a is not None]
    if present and all(isinstance(a, np.ndarray) for a in present):
        return NUMPY  # the common case, without array-api-compat's search
    return array_api_compat.array_namespace(*present)


def library(xp: Namespace) -> str:
    """The name of the library behind a namespace: ``"numpy"``, ``"torch"``, ...

    >>> library(np)
    'numpy'
    """
    name: str = xp.__name__
    return name.removeprefix("array_api_compat.").split(".")[0]


def is_array(x: Any) -> bool:
    """Whether ``x`` is an array of a library that implements the array API (NumPy's included)."""
    return isinstance(x, np.ndarray) or array_api_compat.is_array_api_obj(x)


def check_namespace(xp: Namespace) -> Namespace:
    """``xp`` if the core can train with it, else a ``TypeError`` saying why not.

    The core needs two things the standard leaves open: arrays that change in place
    (``W -= lr * dW``), and a slice of a flat array that is a view of it
    (:func:`flat_views`). NumPy, CuPy, PyTorch and ``array-api-strict`` give both; JAX's
    arrays are immutable and Dask's are lazy.
    """
    name = library(xp)
    if name not in SUPPORTED:
        raise TypeError(
            f"playwithnn trains on NumPy, CuPy and PyTorch arrays; {name} arrays are not supported "
            "(training changes the weights in place, through views of one flat array)")
    return xp


def placement(device: Any) -> tuple[Namespace, Device]:
    """The namespace and device a network asked to live on ``device`` computes with.

    Parameters
    ----------
    device : str or a library's device
        ``"cpu"``: NumPy. ``"cuda"`` or ``"cuda:N"``: CuPy if it is installed and sees
        a GPU, else PyTorch. A library's own device object (``torch.device("cuda:1")``,
        ``cupy.cuda.Device(0)``, an ``array_api_strict.Device``): that library there.
        CuPy computes on its current device, which array-api-compat's creation functions
        use whatever device they are given: for a GPU other than the first, train inside
        ``with cupy.cuda.Device(n):``.

    Returns
    -------
    xp : module
    device : the library's device

    Raises
    ------
    ModuleNotFoundError
        For ``"cuda"`` when neither CuPy nor PyTorch is installed: the message says
        what to install.
    RuntimeError
        For ``"cuda"`` when the libraries that are installed see no GPU.
    ValueError, TypeError
        For anything else.
    """
    if isinstance(device, str):
        if device == "cpu":
            return NUMPY, "cpu"
        if device == "cuda" or device.startswith("cuda:"):
            return _cuda(device)
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or a device of an array library; "
                         f"got {device!r:.60}")
    name = type(device).__module__.split(".")[0]
    if name == "torch":
        return importlib.import_module("array_api_compat.torch"), device
    if name == "cupy":
        return importlib.import_module("array_api_compat.cupy"), device
    if name == "array_api_strict":
        return importlib.import_module("array_api_strict"), device
    raise TypeError(f"device must be 'cpu', 'cuda', 'cuda:N', a torch.device, a cupy.cuda.Device or an "
                    f"array_api_strict.Device; got {device!r:.60}")


def _cuda(device: str) -> tuple[Namespace, Device]:
    """``"cuda"`` or ``"cuda:N"``: CuPy, else PyTorch, whichever is installed and sees a GPU."""
    index = int(device.partition(":")[2] or 0)
    found = []
    if importlib.util.find_spec("cupy") is not None:
        cupy = importlib.import_module("cupy")
        try:
            count = int(cupy.cuda.runtime.getDeviceCount())
        except Exception:  # no driver, or no GPU: CuPy raises its own runtime errors
            count = 0
        if index < count:
            return importlib.import_module("array_api_compat.cupy"), cupy.cuda.Device(index)
        found.append(f"CuPy {cupy.__version__} (sees {count} GPUs)")
    if importlib.util.find_spec("torch") is not None:
        torch = importlib.import_module("torch")
        count = int(torch.cuda.device_count()) if torch.cuda.is_available() else 0
        if index < count:
            return importlib.import_module("array_api_compat.torch"), torch.device(device)
        found.append(f"PyTorch {torch.__version__} (sees {count} GPUs)")
    if not found:
        raise ModuleNotFoundError(
            f"device={device!r} needs CuPy or PyTorch with CUDA, and neither is installed: "
            "pip install cupy-cuda13x (or cupy-cuda12x, cupy-cuda11x: the one for your CUDA), or pip install "
            "torch")
    raise RuntimeError(f"device={device!r}: no CUDA device {index} here; installed: {', '.join(found)}. "
                       "With an NVIDIA GPU and its driver: pip install cupy-cuda13x (or cupy-cuda12x, "
                       "cupy-cuda11x: the one for your CUDA), or a CUDA build of PyTorch")


def device_of(x: Any) -> Device:
    """The device of the array ``x`` (``"cpu"`` for NumPy)."""
    return "cpu" if isinstance(x, np.ndarray) else array_api_compat.device(x)


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array with the values of ``x``, copied to the host if it lives on a GPU.

    A NumPy array is returned as it is; a CPU array of another library may share its memory.
    """
    if isinstance(x, np.ndarray):
        return x
    if array_api_compat.is_torch_array(x) or array_api_compat.is_cupy_array(x):
        x = array_api_compat.to_device(x, "cpu")  # a CPU tensor; a NumPy array for CuPy
        if isinstance(x, np.ndarray):
            return x
    return np.from_dlpack(x)


def to_namespace(x: Any, xp: Namespace, device: Device) -> Any:
    """``x`` as an array of ``xp`` on ``device``: itself if it is one already, else a copy.

    Between libraries the values go through the host (one copy each way); within a
    library, from one device to another directly.
    """
    if namespace(x) is xp:
        return x if _same_device(device_of(x), device) else array_api_compat.to_device(x, device)
    return xp.asarray(to_numpy(x), device=device)


def _same_device(a: Device, b: Device) -> bool:
    return a == b or str(a) == str(b)


def float_dtype(xp: Namespace, dtype: np.dtype[Any]) -> Any:
    """The dtype of ``xp`` that is the NumPy float dtype ``dtype``: ``xp.float32`` or ``xp.float64``."""
    return getattr(xp, np.dtype(dtype).name)


def numpy_dtype(dtype: Any) -> np.dtype[Any]:
    """The NumPy dtype of a dtype of any library, by its name: ``torch.float32`` is ``numpy.float32``.

    >>> numpy_dtype(np.float32), numpy_dtype("float64")
    (dtype('float32'), dtype('float64'))
    """
    return np.dtype(str(np.dtype(dtype) if isinstance(dtype, (type, str)) else dtype).rpartition(".")[2])


def flat_views(flat: Any, shapes: Sequence[tuple[int, ...]], xp: Namespace) -> list[Any]:
    """Arrays of ``shapes`` that are views of consecutive stretches of the 1-D array ``flat``.

    Writing into ``flat`` changes them and writing into them changes ``flat``: a network
    keeps every weight in one ``parameter_vector`` so that one update moves them all. The
    standard leaves open whether a slice is a view; in every library of :data:`SUPPORTED`
    a slice of a contiguous array, reshaped, is one (``tests/test_arrays.py`` checks it).
    """
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(xp.reshape(flat[start:start + size], shape))
        start += size
    return views


def sigmoid(Z: Any, xp: Namespace) -> Any:
    """``1 / (1 + exp(-Z))`` without overflow for any finite ``Z``.

    NumPy: SciPy's ``expit``, one pass. Elsewhere, with ``e = exp(-|Z|) <= 1``,
    ``σ(Z) = 1 / (1 + e)`` for ``Z >= 0`` and ``e / (1 + e)`` below: no ``exp`` sees a
    positive argument.
    """
    if xp is np:
        return expit(Z)
    e = xp.exp(-xp.abs(Z))
    r = 1 / (1 + e)
    return xp.where(Z >= 0, r, e * r)


def take_rows(A: Any, rows: Any, xp: Namespace) -> Any:
    """The rows of ``A`` at the integer indices ``rows`` (an array of ``xp``), as ``xp.take`` gathers them.

    ``A`` may also be a SciPy sparse matrix (the data of a network on NumPy), which indexing gathers.
    """
    if xp is np and not isinstance(A, np.ndarray):
        return A[rows]
    return xp.take(A, rows, axis=0)


def sum_of_squares(A: Any, xp: Namespace) -> Any:
    """``Σ A²`` over every entry, as a 0-d array: NumPy's ``vdot``, one pass and no temporary."""
    if xp is np:
        return np.vdot(A, A)
    return xp.sum(A * A)


def matmul_into(A: Any, B: Any, out: Any, xp: Namespace) -> None:
    """``out[...] = A @ B``: NumPy writes the product straight into ``out``.

    ``A`` may also be a SciPy sparse matrix (the first layer's data) with NumPy.
    """
    if xp is np and isinstance(A, np.ndarray):
        np.matmul(A, B, out)  # out given by position: a keyword costs more than the tutorial's product
    else:
        out[...] = A @ B


def sum_rows_into(A: Any, out: Any, xp: Namespace) -> None:
    """``out[...] = A`` summed over its rows (axis 0): NumPy writes the sum straight into ``out``."""
    if xp is np:
        np.add.reduce(A, 0, None, out)  # axis, dtype, out: by position, as in matmul_into
    else:
        out[...] = xp.sum(A, axis=0)


@contextlib.contextmanager
def float_errors_ignored() -> Iterator[None]:
    """Overflow, invalid operations and division by zero give inf and NaN without a warning.

    Only NumPy warns (and ``array-api-strict``, which computes with NumPy): this sets
    ``numpy.errstate`` for the block, and the other libraries never warn. Training
    catches the inf and NaN itself and reports them as ``TrainingDivergedError``.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        yield


def overflow_ignored() -> contextlib.AbstractContextManager[Any]:
    """``exp`` of a large number gives inf without a warning (only NumPy warns)."""
    return np.errstate(over="ignore")


def checks_each_step(xp: Namespace) -> bool:
    """Whether training checks its loss and gradients for NaN and infinity at every step.

    On NumPy reading a number costs nothing, so each step is checked before its update
    and a failing step changes nothing. On a GPU reading a number waits for all the
    work queued before it, so the loss is summed on the device and checked once per
    epoch, and a failing epoch is undone. Every namespace but NumPy's takes that second
    path, PyTorch on the CPU and ``array-api-strict`` included, so that the tests run the
    code a GPU runs.
    """
    return xp is np


__all__ = [
    "NUMPY",
    "SUPPORTED",
    "check_namespace",
    "checks_each_step",
    "device_of",
    "flat_views",
    "float_dtype",
    "float_errors_ignored",
    "is_array",
    "library",
    "matmul_into",
    "namespace",
    "numpy_dtype",
    "overflow_ignored",
    "placement",
    "sigmoid",
    "sum_of_squares",
    "sum_rows_into",
    "take_rows",
    "to_namespace",
    "to_numpy",
]
