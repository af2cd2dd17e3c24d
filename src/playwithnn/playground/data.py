"""The playground's data: the toy sets, a learner's CSV, the train/test split and the features.

An uploaded CSV is read from memory with the :mod:`csv` module, as numbers and
labels only; it is never written to disk, evaluated or imported. It must hold
two numeric feature columns and a label column with exactly two distinct values
(numbers or words), optionally under a header row.

>>> up = parse_csv(b"a,b,label\\n0,0,no\\n1,1,no\\n0,1,yes\\n1,0,yes\\n")
>>> up.X.shape, up.y.tolist(), up.classes, up.columns
((4, 2), [0, 0, 1, 1], ('no', 'yes'), ('a', 'b', 'label'))
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..datasets import make_dataset
from .settings import FEATURES, Settings

Array = NDArray[np.floating]

#: Largest CSV accepted, in bytes.
MAX_UPLOAD_BYTES = 1_000_000
#: Most and fewest data rows accepted in a CSV.
MAX_UPLOAD_ROWS = 2000
MIN_UPLOAD_ROWS = 4
#: Longest label text accepted.
MAX_LABEL_CHARS = 64

# A plain decimal number: no "nan", "inf", "0x1p3" or "1_000", which float() would take.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class DataError(ValueError):
    """An uploaded file is not a CSV of two numeric features and a two-valued label."""


@dataclass(frozen=True)
class Upload:
    """A parsed CSV.

    Attributes
    ----------
    X : ndarray of shape (n_samples, 2)
        The two features, as written in the file.
    y : ndarray of shape (n_samples,)
        Labels 0 and 1: ``classes[0]`` became 0 and ``classes[1]`` became 1.
    classes : tuple of str
        The two label values as written, sorted (numerically when they are numbers).
    columns : tuple of str
        The header's three names, or ``("x1", "x2", "label")`` without a header.
    """

    X: Array
    y: NDArray[np.int64]
    classes: tuple[str, str]
    columns: tuple[str, str, str]


def _number(text: str) -> float | None:
    """``float(text)`` for a plain finite decimal number, else ``None``."""
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_csv(data: bytes) -> Upload:
    """Read a CSV of two numeric features and a label, from memory.

    Parameters
    ----------
    data : bytes
        The file's bytes: UTF-8 text, separated by commas, semicolons or tabs.

    Returns
    -------
    Upload

    Raises
    ------
    DataError
        If the file is too big, not text, or not rows of two numbers and a label
        with exactly two distinct values; the message names the first bad row.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataError(f"the file has {len(data)} bytes; at most {MAX_UPLOAD_BYTES} are accepted")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("the file is not UTF-8 text; save it as CSV (UTF-8)") from None
    if "\x00" in text:
        raise DataError("the file holds a NUL character; it looks binary, not like a CSV")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append(cells)
            if len(rows) > MAX_UPLOAD_ROWS + 1:
                raise DataError(f"the file has more than {MAX_UPLOAD_ROWS} rows; at most that many")
    except csv.Error as exc:
        raise DataError(f"the file is not a valid CSV: {exc}") from None
    columns: tuple[str, str, str] = ("x1", "x2", "label")
    if rows and len(rows[0]) == 3 and (_number(rows[0][0]) is None or _number(rows[0][1]) is None):
        columns = (rows[0][0][:MAX_LABEL_CHARS], rows[0][1][:MAX_LABEL_CHARS], rows[0][2][:MAX_LABEL_CHARS])
        rows = rows[1:]
        first_line = 2
    else:
        first_line = 1
    if len(rows) > MAX_UPLOAD_ROWS:
        raise DataError(f"the file has {len(rows)} rows; at most {MAX_UPLOAD_ROWS} are accepted")
    if len(rows) < MIN_UPLOAD_ROWS:
        raise DataError(f"the file has {len(rows)} data rows; at least {MIN_UPLOAD_ROWS} are needed")
    X = np.empty((len(rows), 2))
    labels: list[str] = []
    for i, row in enumerate(rows):
        line = first_line + i
        if len(row) != 3:
            raise DataError(f"row {line} has {len(row)} fields; every row needs 3: x1, x2, label")
        for j in (0, 1):
            value = _number(row[j])
            if value is None:
                raise DataError(f"row {line}, column {j + 1}: {row[j]!r:.40} is not a finite number")
            X[i, j] = value
        if not row[2] or len(row[2]) > MAX_LABEL_CHARS:
            raise DataError(f"row {line}: the label must have 1 to {MAX_LABEL_CHARS} characters")
        labels.append(row[2])
    distinct = set(labels)
    if len(distinct) != 2:
        shown = ", ".join(repr(v) for v in sorted(distinct)[:5])
        raise DataError(
            f"the label column must hold exactly 2 distinct values; it holds {len(distinct)}: {shown}"
        )
    numeric = [_number(v) for v in distinct]
    if all(v is not None for v in numeric):
        classes = sorted(distinct, key=lambda v: float(v))
        if float(classes[0]) == float(classes[1]):  # "1" and "1.0": one class written twice
            raise DataError(f"the labels {classes[0]!r} and {classes[1]!r} are the same number")
    else:
        classes = sorted(distinct)
    y = np.array([label == classes[1] for label in labels], dtype=np.int64)
    return Upload(X, y, (classes[0], classes[1]), columns)


def scale_to_unit(X: Array) -> Array:
    """Scale each column linearly onto ``[-1, 1]`` (a constant column becomes 0).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    >>> scale_to_unit(np.array([[0.0, 5.0], [10.0, 5.0], [5.0, 5.0]])).tolist()
    [[-1.0, 0.0], [1.0, 0.0], [0.0, 0.0]]
    """
    low, high = X.min(axis=0), X.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return np.where(high > low, 2 * (X - low) / span - 1, 0.0)


def feature_matrix(X: Array, features: tuple[str, ...]) -> Array:
    """The network's input: the chosen features of the raw coordinates.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        The coordinates ``x1``, ``x2``.
    features : tuple of str
        Names from :data:`~playwithnn.playground.settings.FEATURES`.

    Returns
    -------
    ndarray of shape (n_samples, len(features))

    >>> feature_matrix(np.array([[2.0, 3.0]]), ("x1", "x1x2", "x2sq")).tolist()
    [[2.0, 6.0, 9.0]]
    """
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[name](x1, x2) for name in features])


@dataclass(frozen=True)
class Split:
    """Train and test points in the plane, labels 0 and 1, and the plane's extent.

    ``X_train``, ``X_test`` have shape ``(n, 2)``; ``y_train``, ``y_test`` shape ``(n,)``.
    The plane shown is ``[-extent, extent]²``.
    """

    X_train: Array
    y_train: NDArray[np.int64]
    X_test: Array
    y_test: NDArray[np.int64]
    extent: float
    note: str


def make_split(settings: Settings, upload: Upload | None = None) -> Split:
    """Make the points a session trains and tests on.

    ``"tutorial"`` keeps the tutorial's four samples, uses its first two columns
    as ``x1``, ``x2`` (the third is the constant 1, which the bias replaces) and
    trains and tests on all four: four points leave nothing to hold out.
    An uploaded CSV is scaled onto ``[-1, 1]`` column by column.

    Parameters
    ----------
    settings : Settings
    upload : Upload, optional
        Needed when ``settings.dataset == "upload"``.

    Returns
    -------
    Split

    Raises
    ------
    DataError
        If the data set is ``"upload"`` and there is no upload.
    """
    if settings.dataset == "tutorial":
        X3, y = make_dataset("tutorial")
        X = X3[:, :2].copy()
        return Split(X, y, X.copy(), y.copy(), _extent(X),
                     "The tutorial's 4 samples: trained and tested on all four.")
    if settings.dataset == "upload":
        if upload is None:
            raise DataError("dataset 'upload' needs a CSV: upload one first")
        X, y = scale_to_unit(upload.X), upload.y
        note = (f"Your CSV: {len(y)} rows, '{upload.columns[0]}' and '{upload.columns[1]}' scaled to "
                f"[-1, 1]; '{upload.classes[0]}' is class 0, '{upload.classes[1]}' class 1.")
    else:
        X, y = make_dataset(settings.dataset, settings.n_samples, settings.noise, settings.seed)
        note = f"{settings.dataset}: {len(y)} points."
    rng = np.random.default_rng(settings.seed)
    order = rng.permutation(len(y))
    n_train = min(max(round(settings.train_ratio * len(y)), 1), len(y) - 1)
    train, test = order[:n_train], order[n_train:]
    return Split(X[train], y[train], X[test], y[test], _extent(X), note)


def _extent(X: Array) -> float:
    """Half the side of the square shown: at least 1, and room around every point."""
    return max(1.0, math.ceil(10 * 1.05 * float(np.abs(X).max())) / 10)


__all__ = ["DataError", "Split", "Upload", "feature_matrix", "make_split", "parse_csv", "scale_to_unit"]
