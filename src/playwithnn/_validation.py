"""Checks of user input at the edge of the library, with messages that teach.

Internals trust their callers; every public entry point calls these first, before
it changes anything.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

T = TypeVar("T")


def check_array(
    X: Any,
    *,
    name: str = "X",
    dtype: DTypeLike = np.float64,
    n_columns: int | None = None,
    columns_hint: str = "",
    allow_1d: bool = False,
) -> NDArray[np.floating]:
    """Convert ``X`` to a finite 2-D float array of ``dtype``, or raise.

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

    Raises
    ------
    TypeError
        If ``X`` holds something other than numbers.
    ValueError
        If ``X`` has the wrong number of dimensions or columns, no rows, or NaN/inf.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers; got a string {X!r:.40}")
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
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (
                f"; use {name}.reshape(-1, 1) if it has a single feature "
                f"or {name}.reshape(1, -1) if it is a single sample"
            )
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); "
            f"got {arr.ndim}-D with shape {arr.shape}{hint}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {arr.shape})")
    if n_columns is not None and arr.shape[1] != n_columns:
        where = f" ({columns_hint})" if columns_hint else ""
        raise ValueError(
            f"{name} has {arr.shape[1]} columns but the network expects {n_columns}{where}"
        )
    with np.errstate(over="ignore"):  # numbers beyond float32's range become inf, reported below
        arr = np.asarray(arr, dtype=dtype)
    if not _all_finite(arr):
        too_large = "" if np.dtype(dtype) == np.float64 else f" (or numbers too large for {np.dtype(dtype)})"
        raise ValueError(f"{name} contains NaN or infinity{too_large}; remove or fill those values first")
    return arr


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


# --------------------------------------------------------------- ranges and choices
