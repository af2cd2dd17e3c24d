"""Checks of user input at the edge of the library, with messages that teach.

Internals trust their callers; every public entry point calls these first, before
it changes anything.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import scipy.sparse
from numpy.typing import DTypeLike, NDArray

from ._arrays import (
    Device,
    Namespace,
    float_dtype,
    float_errors_ignored,
    is_array,
    library,
    namespace,
    to_namespace,
    to_numpy,
)

T = TypeVar("T")


class Named(Protocol):
    """Anything known by a ``name``: an :class:`~playwithnn.Activation`, a :class:`~playwithnn.Loss`."""

    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=Named)


def check_array(
    X: Any,
    *,
    name: str = "X",
    dtype: DTypeLike = np.float64,
    n_columns: int | None = None,
    columns_hint: str = "",
    allow_1d: bool = False,
    xp: Namespace | None = None,
    device: Device = None,
) -> NDArray[np.floating]:
    """Convert ``X`` to a finite 2-D float array of ``dtype``, or raise.

    An array of a library of the array API standard (a PyTorch tensor, a CuPy array)
    is checked where it lives, in its own namespace, and only whether it is all finite
    is read from it; anything else is read with NumPy.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_columns)
    name : str
        The argument's name, used in messages.
    dtype : float dtype
        The result's dtype. An array already of this dtype is not copied.
    n_columns : int, optional
        Required number of columns.
    columns_hint : str
        Where the required number comes from, e.g. ``"layer_sizes[0]"``.
    allow_1d : bool
        Accept a 1-D array as a single column (targets of a one-output network).
    xp, device : array namespace and device, optional
        Where the result lives: ``X`` is copied there unless it is there already.
        By default where ``X`` is (NumPy for anything but an array of such a library).

    Raises
    ------
    TypeError
        If ``X`` holds something other than numbers.
    ValueError
        If ``X`` has the wrong number of dimensions or columns, no rows, or NaN/inf.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers; got a string {X!r:.40}")
    if scipy.sparse.issparse(X):
        if xp is not None and library(xp) != "numpy":
            raise TypeError(f"{name} is a SciPy sparse matrix, which only a network on NumPy takes; "
                            f"a network on {library(xp)} needs it dense ({name}.toarray())")
        return _check_sparse(X, name, dtype, n_columns, columns_hint)
    if is_array(X) and not isinstance(X, np.ndarray):
        checked = _check_standard_array(X, name, dtype, n_columns, columns_hint, allow_1d)
    else:
        checked = _check_numpy_array(X, name, dtype, n_columns, columns_hint, allow_1d)
    return checked if xp is None else to_namespace(checked, xp, device)


def _check_numpy_array(X: Any, name: str, dtype: DTypeLike, n_columns: int | None, columns_hint: str,
                       allow_1d: bool) -> NDArray[np.floating]:
    """:func:`check_array` for anything NumPy reads: lists, NumPy arrays, pandas frames."""
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{name} could not be read as an array (are its rows of different lengths?): {exc}"
        ) from None
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O":
            text = next((v for v in arr.flat if isinstance(v, (str, bytes))), None)
            if text is not None:
                raise TypeError(f"{name} must contain only numbers; it holds text such as {text!r:.40}")
            try:
                arr = arr.astype(np.float64)
            except (ValueError, TypeError):
                raise TypeError(
                    f"{name} must contain only numbers; it holds objects such as "
                    f"{arr.flat[0]!r:.40}" if arr.size else f"{name} must contain only numbers"
                ) from None
        else:
            raise TypeError(f"{name} must contain numbers; got an array of dtype {arr.dtype}")
    if arr.ndim == 1 and allow_1d:
        arr = arr.reshape(-1, 1)
    _check_shape(tuple(arr.shape), name, n_columns, columns_hint)
    with np.errstate(over="ignore"):  # numbers beyond float32's range become inf, reported below
        arr = np.asarray(arr, dtype=dtype)
    if not _all_finite(arr):
        raise ValueError(_not_finite(name, dtype))
    return arr


def _check_standard_array(X: Any, name: str, dtype: DTypeLike, n_columns: int | None, columns_hint: str,
                          allow_1d: bool) -> Any:
    """:func:`check_array` for an array of a library of the standard, in its own namespace.

    Nothing leaves its device but whether it is all finite (one number per call).
    """
    xp = namespace(X)
    if not xp.isdtype(X.dtype, ("bool", "integral", "real floating")):
        raise TypeError(f"{name} must contain numbers; got an array of dtype {X.dtype}")
    if X.ndim == 1 and allow_1d:
        X = xp.reshape(X, (-1, 1))
    _check_shape(tuple(X.shape), name, n_columns, columns_hint)
    with float_errors_ignored():  # numbers beyond float32's range become inf, reported below
        X = xp.astype(X, float_dtype(xp, np.dtype(dtype)), copy=False)
        finite = bool(xp.all(xp.isfinite(X)))
    if not finite:
        raise ValueError(_not_finite(name, dtype))
    return X


def _check_shape(shape: tuple[int, ...], name: str, n_columns: int | None, columns_hint: str) -> None:
    """Two dimensions, at least one row, and ``n_columns`` columns if given; else a ``ValueError``."""
    if len(shape) != 2:
        hint = ""
        if len(shape) == 1:
            hint = (
                f"; use {name}.reshape(-1, 1) if it has a single feature "
                f"or {name}.reshape(1, -1) if it is a single sample"
            )
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); "
            f"got {len(shape)}-D with shape {shape}{hint}"
        )
    if shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {shape})")
    if n_columns is not None and shape[1] != n_columns:
        where = f" ({columns_hint})" if columns_hint else ""
        raise ValueError(
            f"{name} has {shape[1]} columns but the network expects {n_columns}{where}"
        )


def _not_finite(name: str, dtype: DTypeLike) -> str:
    too_large = "" if np.dtype(dtype) == np.float64 else f" (or numbers too large for {np.dtype(dtype)})"
    return f"{name} contains NaN or infinity{too_large}; remove or fill those values first"


def _check_sparse(X: Any, name: str, dtype: DTypeLike, n_columns: int | None, columns_hint: str) -> Any:
    """A SciPy sparse matrix as CSR of ``dtype`` (the rows a batch takes are cheap to slice), checked."""
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D; got a sparse array of shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {X.shape})")
    if n_columns is not None and X.shape[1] != n_columns:
        where = f" ({columns_hint})" if columns_hint else ""
        raise ValueError(f"{name} has {X.shape[1]} columns but the network expects {n_columns}{where}")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must contain numbers; got a sparse matrix of dtype {X.dtype}")
    csr = scipy.sparse.csr_matrix(X, dtype=dtype)
    if not np.isfinite(csr.data).all():
        raise ValueError(f"{name} contains NaN or infinity; remove or fill those values first")
    return csr


def _all_finite(arr: NDArray[np.floating], chunk: int = 1 << 16) -> bool:
    """Whether every number in ``arr`` is finite, without a bool copy of the whole array.

    NaN or inf anywhere makes the sum of squares non-finite (one BLAS pass). That
    sum can also overflow for huge finite numbers, so only then are the numbers
    checked one by one, a chunk of rows at a time.
    """
    if arr.flags.c_contiguous:
        flat = arr.reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(np.dot(flat, flat)):
                return True
    rows = max(1, chunk // max(1, arr.shape[1]))
    return all(np.isfinite(arr[i:i + rows]).all() for i in range(0, arr.shape[0], rows))


def check_float_dtype(dtype: Any, name: str = "dtype") -> np.dtype[Any]:
    """Return ``numpy.dtype(dtype)`` if it is float32 or float64, else raise.

    >>> check_float_dtype("float32")
    dtype('float32')
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be numpy.float32 or numpy.float64; got {dtype!r}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name} must be numpy.float32 or numpy.float64; got {dt}")
    return dt


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an ``int`` if it is an integer >= 1, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer; got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value}")
    return int(value)


def check_positive_float(value: Any, name: str) -> float:
    """Return ``value`` as a ``float`` if it is a finite number > 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number; got {value!r}")
    number = float(value)
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value}")
    return number


def check_fraction(value: Any, name: str, *, allow_zero: bool = True) -> float:
    """Return ``value`` as a ``float`` in ``[0, 1)`` (or ``(0, 1)``), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1); got {value!r}")
    number = float(value)
    low_ok = number >= 0 if allow_zero else number > 0
    if not (low_ok and number < 1):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}; got {value}")
    return number


def check_non_negative_float(value: Any, name: str) -> float:
    """Return ``value`` as a ``float`` if it is a finite number >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a non-negative number; got {value!r}")
    number = float(value)
    if not (np.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a non-negative finite number; got {value}")
    return number


def lookup(table: Mapping[str, T], name: Any, argument: str) -> T:
    """The entry of ``table`` called ``name``: the one lookup behind every registry of names.

    Activations, losses, initializers and optimizers are each a dict from a name
    to a function or class; this turns a name into its entry, or raises an error
    that names the argument and the choices.

    Parameters
    ----------
    table : mapping of str to anything
    name : str
        What the caller gave.
    argument : str
        The argument's name, used in messages (``"loss"``, ``"activation[1]"``).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``table`` has no entry ``name``.

    Examples
    --------
    >>> lookup({"gd": 1, "adam": 2}, "adam", "optimizer")
    2
    >>> lookup({"gd": 1, "adam": 2}, "sgd", "optimizer")
    Traceback (most recent call last):
    ValueError: unknown optimizer 'sgd'; expected one of 'gd', 'adam'
    """
    if not isinstance(name, str):
        example = next(iter(table), "")
        raise TypeError(f"{argument} must be a string such as {example!r}; got {name!r:.60}")
    try:
        return table[name]
    except KeyError:
        known = ", ".join(repr(k) for k in table)
        raise ValueError(f"unknown {argument} {name!r:.60}; expected one of {known}") from None


class Registry(Generic[N]):
    """The built-in entries of one kind by name, and the custom ones their users register.

    A model file stores an activation's or a loss's name, never code: a custom one is found
    again by its name once registered, in the process that loads the file. This is the one
    mechanism behind :func:`playwithnn.activations.register` and
    :func:`playwithnn.losses.register`, and their ``unregister`` and ``get_...``.

    Parameters
    ----------
    kind : str
        What the entries are, for messages (``"activation"``, ``"loss"``).
    cls : type
        The class every entry is an instance of.
    built_in : mapping of str to entry
        The library's own entries; their names cannot be registered.
    how : str
        The call that registers one, named in the message for an unknown name.

    Examples
    --------
    >>> from playwithnn.losses import LOSSES, Loss
    >>> registry = Registry("loss", Loss, LOSSES, "register(loss)")
    >>> registry.get("mse", "loss") is LOSSES["mse"]
    True
    >>> registry.get("huber", "loss")
    Traceback (most recent call last):
    ValueError: unknown loss 'huber'; expected one of 'sse', 'mse', 'half_mse', \
'binary_crossentropy', 'categorical_crossentropy', 'half_poisson' (a custom loss is known by its \
name once register(loss) has been called)
    """

    def __init__(self, kind: str, cls: type[N], built_in: Mapping[str, N], how: str) -> None:
        self.kind, self.cls, self.built_in, self.how = kind, cls, built_in, how
        self.custom: dict[str, N] = {}

    def register(self, entry: N) -> N:
        """Make ``entry`` known by its name (replacing a custom one of that name); returns it."""
        if not isinstance(entry, self.cls):
            article = "an" if self.cls.__name__[0] in "AEIOU" else "a"
            raise TypeError(f"register takes {article} {self.cls.__name__}; got {type(entry).__name__}")
        if entry.name in self.built_in:
            raise ValueError(f"{entry.name!r} is a built-in {self.kind}; give yours another name")
        self.custom[entry.name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Forget the custom entry registered as ``name`` (``KeyError`` if there is none)."""
        if name not in self.custom:
            raise KeyError(f"no custom {self.kind} is registered as {name!r}")
        del self.custom[name]

    def get(self, name: Any, argument: str) -> N:
        """The entry called ``name``, built-in or registered; an entry of ``cls`` is returned as it is.

        Raises ``ValueError`` if the name is unknown, or if an entry given carries the name of
        another known entry (a model file, which stores the name, would load the other);
        ``TypeError`` if ``name`` is neither a string nor an entry.
        """
        if isinstance(name, self.cls):
            known = self.built_in.get(name.name, self.custom.get(name.name))
            if known is not None and known != name:
                raise ValueError(f"{argument}: the {self.kind} {name.name!r} given is not the one known by "
                                 "that name (a model file, which stores the name, would load the other); "
                                 "give yours another name")
            return name
        if isinstance(name, str) and name not in self.built_in and name in self.custom:
            return self.custom[name]
        try:
            return lookup(self.built_in, name, argument)
        except ValueError as exc:
            raise ValueError(f"{exc} (a custom {self.kind} is known by its name once {self.how} has been "
                             "called)") from None


# --------------------------------------------------------------- ranges and choices
def describe_range(
    low: float | None = None,
    high: float | None = None,
    *,
    integer: bool,
    low_open: bool = False,
    high_open: bool = False,
) -> str:
    """What a range check expects, in words: the phrase after "must be" or "expected".

    Parameters
    ----------
    low, high : number or None
        The bounds; ``None`` leaves that side open-ended.
    integer : bool
        Whether the value must be an integer (then the bounds are inclusive).
    low_open, high_open : bool, default=False
        Whether a number may not equal ``low`` (``high``).

    Examples
    --------
    >>> describe_range(1, integer=True), describe_range(1, 16, integer=True)
    ('a positive integer', 'an integer from 1 to 16')
    >>> describe_range(0, low_open=True, integer=False), describe_range(1e-5, 10, integer=False)
    ('a positive number', 'a number from 1e-05 to 10')
    >>> describe_range(0, 1, high_open=True, integer=False)
    'a number in [0, 1)'
    """
    if integer:
        if low is not None and high is not None:
            return f"an integer from {low} to {high}"
        if high is not None:
            return f"an integer of at most {high}"
        if low == 1:
            return "a positive integer"
        if low == 0:
            return "a non-negative integer"
        return "an integer" if low is None else f"an integer of at least {low}"
    if low is not None and high is not None:
        if not (low_open or high_open):
            return f"a number from {low:g} to {high:g}"
        return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if high is not None:
        return f"a number {'below' if high_open else 'of at most'} {high:g}"
    if low == 0:
        return "a positive number" if low_open else "a non-negative number"
    if low is None:
        return "a finite number"
    return f"a number {'above' if low_open else 'of at least'} {low:g}"


def check_int_in_range(value: Any, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer from ``low`` to ``high``, else raise.

    ``True`` and ``False`` are not integers here, nor is a float such as ``10.0``.

    Parameters
    ----------
    value : Any
    name : str
        The argument's name, used in messages.
    low, high : int or None
        Inclusive bounds; ``None`` for no bound.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If it lies outside the range.

    Examples
    --------
    >>> check_int_in_range(4, "batch_size", 1, 1000)
    4
    >>> check_int_in_range(17, "hidden_layers[1]", 1, 16)
    Traceback (most recent call last):
    ValueError: hidden_layers[1] must be an integer from 1 to 16; got 17
    """
    expected = describe_range(low, high, integer=True)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}; got {value!r:.60}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be {expected}; got {value!r:.60}")
    return number


def check_number_in_range(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a ``float`` if it is a finite number in the range, else raise.

    Parameters
    ----------
    value : Any
    name : str
        The argument's name, used in messages.
    low, high : float or None
        The bounds; ``None`` for no bound.
    low_open, high_open : bool, default=False
        Whether ``value`` must differ from ``low`` (``high``).

    Raises
    ------
    TypeError
        If ``value`` is not a real number (``True`` and ``False`` are not).
    ValueError
        If it is NaN, infinite or outside the range.

    Examples
    --------
    >>> check_number_in_range(0.25, "dropout", 0, 1, high_open=True)
    0.25
    >>> check_number_in_range(float("nan"), "noise", 0, 0.5)
    Traceback (most recent call last):
    ValueError: noise must be a number from 0 to 0.5; got nan
    """
    expected = describe_range(low, high, integer=False, low_open=low_open, high_open=high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}; got {value!r:.60}")
    number = float(value)
    inside = bool(np.isfinite(number))
    if low is not None:
        inside = inside and (number > low if low_open else number >= low)
    if high is not None:
        inside = inside and (number < high if high_open else number <= high)
    if not inside:
        raise ValueError(f"{name} must be {expected}; got {value!r:.60}")
    return number


def check_choice(value: Any, name: str, options: Sequence[T]) -> T:
    """Return the option equal to ``value`` and of its very type, else raise.

    The type must match, so that ``True`` is not taken for ``1`` nor ``100.0`` for ``100``.

    Raises
    ------
    ValueError
        If ``value`` is none of ``options``.

    Examples
    --------
    >>> check_choice("tanh", "activation", ("sigmoid", "tanh"))
    'tanh'
    >>> check_choice(True, "speed", (1, 10))
    Traceback (most recent call last):
    ValueError: speed must be one of 1, 10; got True
    """
    for option in options:
        if type(option) is type(value) and option == value:
            return option
    known = ", ".join(repr(o) for o in options)
    raise ValueError(f"{name} must be one of {known}; got {value!r:.60}")


# ------------------------------------------------------- names in messages
#: At most this many names of a long list appear in a message.
MAX_LISTED = 6


def shorten(text: str, width: int = 30) -> str:
    """``text`` cut to ``width`` characters, ending in ``...`` when cut.

    >>> shorten("a" * 40, 10)
    'aaaaaaa...'
    """
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def name_list(names: Sequence[str], *, limit: int = MAX_LISTED, width: int = 30) -> str:
    """Names for a message: all of them when they are few, else the first few and a count.

    Each name is cut to ``width`` characters, so that a line stays short whatever
    the file holds.

    Examples
    --------
    >>> name_list(["x1", "x2", "label"])
    'x1, x2, label'
    >>> name_list([f"c{i}" for i in range(10000)])
    'c0, c1, c2, c3, c4, c5 and 9994 more'
    """
    shown = [shorten(str(n), width) for n in names[:limit]]
    if len(names) <= limit:
        return ", ".join(shown)
    return f"{', '.join(shown)} and {len(names) - limit} more"


def did_you_mean(name: str, names: Sequence[str], *, width: int = 30) -> str:
    """``"did you mean 'x1'?"`` for the names closest to ``name`` (:mod:`difflib`), or ``""``.

    Examples
    --------
    >>> did_you_mean("lable", ["x1", "x2", "label"])
    "did you mean 'label'?"
    >>> did_you_mean("zzz", ["x1", "x2"])
    ''
    """
    close = difflib.get_close_matches(name, [str(n) for n in names], n=3)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(shorten(c, width)) for c in close) + "?"


def unknown_name(name: str, names: Sequence[str], what: str = "column") -> str:
    """The message for a name that is not among ``names``: a few of them and the closest.

    Examples
    --------
    >>> unknown_name("nope", ["x1", "x2", "label"])
    "no column 'nope'; the columns are x1, x2, label"
    >>> unknown_name("x", ["x1"] + [f"c{i}" for i in range(9999)])
    "no column 'x'; the 10000 columns are x1, c0, c1, c2, c3, c4 and 9994 more; did you mean 'x1'?"
    """
    count = f"the {len(names)} {what}s" if len(names) > MAX_LISTED else f"the {what}s"
    hint = did_you_mean(name, names)
    return (f"no {what} {shorten(name, 40)!r}; {count} are {name_list(names)}"
            + (f"; {hint}" if hint else ""))


def check_sample_weight(sample_weight: Any, n_samples: int, name: str = "sample_weight"
                        ) -> NDArray[np.floating] | None:
    """``sample_weight`` as a float64 array of ``n_samples`` finite, non-negative weights, or None.

    Raises ``TypeError`` or ``ValueError`` naming ``name`` if it is not one number
    per sample, holds a negative, NaN or infinite weight, or sums to zero.

    >>> check_sample_weight([1, 2], 2)
    array([1., 2.])
    >>> check_sample_weight(None, 3) is None
    True
    """
    if sample_weight is None:
        return None
    if is_array(sample_weight):  # one number per sample: checked on the host
        sample_weight = to_numpy(sample_weight)
    w = check_array(sample_weight, name=name, dtype=np.float64, allow_1d=True, n_columns=1)[:, 0]
    if w.shape[0] != n_samples:
        raise ValueError(f"{name} has {w.shape[0]} weights but there are {n_samples} samples; "
                         "give one weight per sample")
    if (w < 0).any():
        raise ValueError(f"{name} must not be negative; got {w[w < 0][0]:g}")
    if not w.sum() > 0:
        raise ValueError(f"{name} are all zero: at least one sample must have a positive weight")
    return w


def check_layer_sizes(layer_sizes: Any) -> list[int]:
    """``layer_sizes`` as a list of at least 2 positive integers, such as ``[3, 4, 1]``, or raise.

    >>> check_layer_sizes((3, 4, 1))
    [3, 4, 1]
    """
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence | np.ndarray):
        raise TypeError(f"layer_sizes must be a list of integers such as [3, 4, 1]; got {layer_sizes!r:.60}")
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least 2 entries (inputs and outputs), such as [3, 4, 1]; got {sizes}"
        )
    for i, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"layer_sizes[{i}] must be an integer; got {n!r:.60}")
        if n < 1:
            raise ValueError(f"layer_sizes[{i}] must be at least 1; got {n}")
    return [int(n) for n in sizes]


def check_flag(value: Any, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (NumPy's too), else a ``TypeError`` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r:.60}")
    return bool(value)


def check_seed(seed: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed: an integer, a Generator (used as it is) or None."""
    if isinstance(seed, (bool, float, str)):
        raise TypeError(f"seed must be an integer, a numpy Generator or None; got {seed!r:.60}")
    try:
        return np.random.default_rng(seed)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"seed must be a non-negative integer, a numpy Generator or None; "
                         f"got {seed!r:.60} ({exc})") from None


def check_X_y(X: Any, y: Any, *, names: tuple[str, str], dtype: DTypeLike, n_features: int, n_outputs: int,
              xp: Namespace | None = None, device: Device = None
              ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """``X`` of shape (n_samples, n_features) and ``y`` of shape (n_samples, n_outputs), checked.

    A 1-D ``y`` is one column when ``n_outputs`` is 1. Messages name ``names``. Both are
    moved to ``xp`` on ``device`` if given (:func:`check_array`).
    """
    X = check_array(X, name=names[0], dtype=dtype, n_columns=n_features, columns_hint="layer_sizes[0]",
                    xp=xp, device=device)
    y = check_array(y, name=names[1], dtype=dtype, n_columns=n_outputs, columns_hint="layer_sizes[-1]",
                    allow_1d=n_outputs == 1, xp=xp, device=device)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{names[0]} has {X.shape[0]} samples but {names[1]} has {y.shape[0]}; "
                         "they must match")
    return X, y


def check_parameter_arrays(arrays: Any, shapes: Sequence[tuple[int, ...]]) -> list[NDArray[Any]]:
    """``arrays`` as one finite array per shape in ``shapes``, or a ``ValueError`` naming the bad one."""
    if len(arrays) != len(shapes):
        raise ValueError(f"expected {len(shapes)} arrays (one per parameter); got {len(arrays)}")
    checked = []
    for i, (shape, a) in enumerate(zip(shapes, arrays)):
        a = to_numpy(a) if is_array(a) else np.asarray(a)
        if a.shape != shape:
            raise ValueError(f"arrays[{i}] has shape {a.shape}; parameter {i} has shape {shape}")
        if a.dtype.kind not in "biuf" or not np.isfinite(a).all():
            raise ValueError(f"arrays[{i}] must hold finite numbers")
        checked.append(a)
    return checked
