"""The playground's data: the toy sets, a learner's CSV, the train/test split and the features.

The core's toy sets (:mod:`playwithnn.datasets`) have two classes; the playground
adds its own: two regression sets (:func:`plane`, :func:`gaussian_sum`, a target
in about ``[-1, 1]``) and two of three classes (:func:`blobs3`, :func:`spiral3`).

An uploaded CSV is read from memory by :mod:`playwithnn.tabular`, the reader the
command line uses too (its grammar: separators, quotes, numbers, missing values,
labels), as numbers and labels only; it is never written to disk, evaluated or
imported. On top of that grammar the playground asks for two numeric feature
columns and a label column with exactly two distinct labels, at most
:data:`MAX_UPLOAD_BYTES` bytes and :data:`MAX_UPLOAD_ROWS` rows. The header is
optional: a first row of three cells whose first or second is not a number
names the columns. Messages count rows as the file's lines.

>>> up = parse_csv(b"a,b,label\\n0,0,no\\n1,1,no\\n0,1,yes\\n1,0,yes\\n")
>>> up.X.shape, up.y.tolist(), up.classes, up.columns
((4, 2), [0, 0, 1, 1], ('no', 'yes'), ('a', 'b', 'label'))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import name_list, shorten
from ..datasets import make_dataset
from ..tabular import Table, TableError, is_number, label_of, parse_table, sort_classes
from ..training import holdout_split
from .settings import FEATURES, N_CLASSES, TASKS, Settings

Array = NDArray[np.floating]

#: Largest CSV accepted, in bytes.
MAX_UPLOAD_BYTES = 1_000_000
#: Most and fewest data rows accepted in a CSV.
MAX_UPLOAD_ROWS = 2000
MIN_UPLOAD_ROWS = 4
#: Longest label text accepted.
MAX_LABEL_CHARS = 64
#: The columns of a CSV without header.
DEFAULT_COLUMNS = ("x1", "x2", "label")


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
        The two labels, numbers written one way (``1.0`` is ``"1"``), in class
        order (numbers first, by value).
    columns : tuple of str
        The header's three names, or ``("x1", "x2", "label")`` without a header.
    """

    X: Array
    y: NDArray[np.int64]
    classes: tuple[str, str]
    columns: tuple[str, str, str]


def _read(data: bytes) -> Table:
    """The file as a table of three columns, its first row taken as a header if it is one."""
    try:
        table = parse_table(data, source="the file", header=False)
        first = [str(column[0]) for column in table.columns] if table.n_rows else []
        if len(first) == 3 and not (is_number(first[0]) and is_number(first[1])):
            table = table.first_row_as_header()
    except TableError as exc:
        if exc.n_cells is not None:
            raise DataError(f"row {exc.line} has {exc.n_cells} fields; every row needs 3: "
                            f"{', '.join(DEFAULT_COLUMNS)}") from None
        raise DataError(exc.problem if exc.line is None else f"row {exc.line}: {exc.problem}") from None
    if table.n_rows > MAX_UPLOAD_ROWS:
        raise DataError(f"the file has more than {MAX_UPLOAD_ROWS} rows: it has {table.n_rows} rows; "
                        f"at most {MAX_UPLOAD_ROWS} are accepted")
    if table.n_rows < MIN_UPLOAD_ROWS:
        raise DataError(f"the file has {table.n_rows} data rows; at least {MIN_UPLOAD_ROWS} are needed")
    if len(table.names) != 3:
        raise DataError(f"row {table.lines[0]} has {len(table.names)} fields; every row needs 3: "
                        f"{', '.join(DEFAULT_COLUMNS)}")
    return table


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
    table = _read(data)
    X = np.empty((table.n_rows, 2))
    for j in (0, 1):
        try:
            X[:, j] = table.numbers(table.names[j])
        except TableError as exc:
            raise DataError(f"row {exc.line}, column {j + 1}: {exc.cell!r:.40} is not a finite number"
                            ) from None
    try:
        labels = table.labels(table.names[2])
    except TableError as exc:
        raise DataError(f"row {exc.line}: the label is missing; "
                        f"the label must have 1 to {MAX_LABEL_CHARS} characters") from None
    for line, label in zip(table.lines, labels):
        if len(label) > MAX_LABEL_CHARS:
            raise DataError(f"row {line}: the label must have 1 to {MAX_LABEL_CHARS} characters")
    classes = sort_classes(labels)
    if len(classes) != 2:
        message = (f"the label column must hold exactly 2 distinct values; it holds {len(classes)}: "
                   f"{name_list([repr(shorten(c, 24)) for c in classes])}")
        written: dict[str, set[str]] = {}
        for text in table.columns[2]:
            written.setdefault(label_of(text), set()).add(text)
        same = next((sorted(texts) for texts in written.values() if len(texts) > 1), None)
        if same is not None:  # "1" and "1.0": one number, so one class
            message += f" (the labels {same[0]!r:.40} and {same[1]!r:.40} are the same number)"
        raise DataError(message)
    y = (labels == classes[1]).astype(np.int64)
    names = tuple(name[:MAX_LABEL_CHARS] for name in table.names) if table.header else DEFAULT_COLUMNS
    return Upload(X, y, (classes[0], classes[1]), (names[0], names[1], names[2]))


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


# ------------------------------------------------------ the playground's own sets
def plane(n_samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: points uniform in ``[-1, 1]²``, target ``y = (x1 + x2) / 2`` plus noise."""
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    return X, (X[:, 0] + X[:, 1]) / 2 + rng.normal(0, noise, n_samples)


#: Centres and heights of the Gaussian bumps of :func:`gaussian_sum`.
BUMPS = ((-0.6, -0.6, 1.0), (0.0, -0.6, -1.0), (0.6, -0.6, 1.0),
         (-0.6, 0.6, -1.0), (0.0, 0.6, 1.0), (0.6, 0.6, -1.0))


def gaussian_sum(n_samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: a sum of six Gaussian bumps of width 0.25, up and down, plus noise.

    ``y = Σ_k h_k exp(-|x - c_k|² / (2 · 0.25²))`` over the centres ``c_k`` and heights
    ``h_k = ±1`` of :data:`BUMPS`.
    """
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = sum(h * np.exp(-((X[:, 0] - c1) ** 2 + (X[:, 1] - c2) ** 2) / (2 * 0.25**2)) for c1, c2, h in BUMPS)
    return X, y + rng.normal(0, noise, n_samples)


def blobs3(n_samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, NDArray[np.int64]]:
    """Three classes: Gaussian blobs (standard deviation 0.2) 0.55 from the centre, 120° apart."""
    y = (np.arange(n_samples) % 3).astype(np.int64)
    angle = np.pi / 2 + 2 * np.pi * y / 3
    X = 0.55 * np.column_stack([np.cos(angle), np.sin(angle)]) + rng.normal(0, 0.2, (n_samples, 2))
    return X + rng.normal(0, noise, X.shape), y


def spiral3(n_samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, NDArray[np.int64]]:
    """Three classes: three spiral arms, one and a quarter turns each, 120° apart."""
    y = (np.arange(n_samples) % 3).astype(np.int64)
    t = rng.uniform(0.05, 1, n_samples)
    angle = 1.25 * 2 * np.pi * t + 2 * np.pi * y / 3
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    return X + rng.normal(0, noise, X.shape), y


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], tuple[Array, NDArray[Any]]]] = {
    "plane": plane, "gaussian_sum": gaussian_sum, "blobs3": blobs3, "spiral3": spiral3,
}


def n_outputs(dataset: str) -> int:
    """The network's outputs for ``dataset``: one per class of a multi-class set, else one.

    >>> n_outputs("blobs3"), n_outputs("xor"), n_outputs("plane")
    (3, 1, 1)
    """
    return N_CLASSES.get(dataset, 1)


def targets(y: NDArray[Any], dataset: str) -> Array:
    """What the network is trained to output for the labels or values ``y`` of ``dataset``.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        The label 0 or 1, or the value, as a column; one-hot rows for a multi-class set.

    >>> targets(np.array([2, 0]), "blobs3").tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    if TASKS[dataset] == "multiclass":
        return np.eye(n_outputs(dataset))[y]
    return y.astype(np.float64).reshape(-1, 1)


@dataclass(frozen=True)
class Split:
    """Train and test points in the plane, their labels or values, and the plane's extent.

    ``X_train``, ``X_test`` have shape ``(n, 2)``; ``y_train``, ``y_test`` shape
    ``(n,)``: class labels ``0, 1, ...`` (int64), or a regression set's values
    (float64). The plane shown is ``[-extent, extent]²``.
    """

    X_train: Array
    y_train: NDArray[Any]
    X_test: Array
    y_test: NDArray[Any]
    extent: float
    note: str


def make_split(settings: Settings, upload: Upload | None = None) -> Split:
    """Make the points a session trains and tests on.

    ``"tutorial"`` keeps the tutorial's four samples, uses its first two columns
    as ``x1``, ``x2`` (the third is the constant 1: the feature ``"x3"``) and
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
        If the data set is ``"upload"`` and there is no upload, or too few rows
        to leave at least one point each for training and testing.
    """
    if settings.dataset == "tutorial":
        X3, y = make_dataset("tutorial")
        X = X3[:, :2].copy()
        return Split(X, y, X.copy(), y.copy(), _extent(X),
                     "The tutorial's 4 samples, x1 and x2 (its x3 is the constant 1): "
                     "trained and tested on all four.")
    if settings.dataset == "upload":
        if upload is None:
            raise DataError("dataset 'upload' needs a CSV: upload one first")
        X, y = scale_to_unit(upload.X), upload.y
        note = (f"Your CSV: {len(y)} rows, '{upload.columns[0]}' and '{upload.columns[1]}' scaled to "
                f"[-1, 1]; '{upload.classes[0]}' is class 0, '{upload.classes[1]}' class 1.")
    elif settings.dataset in GENERATORS:
        X, y = GENERATORS[settings.dataset](settings.n_samples, settings.noise,
                                            np.random.default_rng(settings.seed))
        note = f"{settings.dataset}: {len(y)} points."
    else:
        X, y = make_dataset(settings.dataset, settings.n_samples, settings.noise, settings.seed)
        note = f"{settings.dataset}: {len(y)} points."
    # The training points are the first round(train_ratio * n) of a permutation:
    # holdout_split's held-out part, the rest of the points the test set.
    try:
        test, train = holdout_split(len(y), settings.train_ratio, np.random.default_rng(settings.seed),
                                    name="train_ratio")
    except ValueError:
        n_train = round(settings.train_ratio * len(y))
        raise DataError(
            f"train_ratio {settings.train_ratio:g} of {len(y)} rows gives {n_train} points to train on "
            f"and {len(y) - n_train} to test on; each needs at least 1: use more rows or another ratio"
        ) from None
    return Split(X[train], y[train], X[test], y[test], _extent(X), note)


def _extent(X: Array) -> float:
    """Half the side of the square shown: at least 1, and room around every point."""
    return max(1.0, math.ceil(10 * 1.05 * float(np.abs(X).max())) / 10)


__all__ = ["GENERATORS", "DataError", "Split", "Upload", "blobs3", "feature_matrix", "gaussian_sum",
           "make_split", "n_outputs", "parse_csv", "plane", "scale_to_unit", "spiral3", "targets"]
