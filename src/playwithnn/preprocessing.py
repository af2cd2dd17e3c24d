"""Raw rows to network inputs: missing values filled, categories one-hot, numbers standardised.

A network takes a matrix of numbers; a table has named columns of numbers and of
text, with holes. A :class:`Preprocessing` is what stands between them, held as
plain data (names, numbers and category strings) so that a model file can store
it as JSON and apply it with NumPy alone. Each input column of the network comes
from one *feature* (a raw column) through one :class:`Encoding`:

number
    ``v`` is the feature's value, or ``impute`` where it is missing; the input
    is :math:`x = (v - \\mu) / s` (``mean`` :math:`\\mu`, ``scale`` :math:`s`).
one-hot
    one input per category :math:`c_j` of ``categories``:
    :math:`x_j = ([v = c_j] - \\mu_j) / s_j`, where a missing ``v`` is first
    replaced by ``impute``. A value that is none of the categories is refused
    (``unknown="error"``, the default) or gives all zeros before the scaling
    (``unknown="ignore"``, as scikit-learn's ``OneHotEncoder(handle_unknown="ignore")``).

Booleans are neither numbers nor text of their own: a bool column (NumPy's
``bool``, pandas' ``bool`` and nullable ``boolean``, whose ``NA`` is missing)
is kept as Python bools, so that :meth:`Preprocessing.fit` makes it the
categories ``"False"`` and ``"True"``, as it does the text of the same column in
a CSV file; a bool category is stored as that text, and ``True`` and ``"True"``
are one category. A number encoding reads ``True`` and ``False``, and their
text in any case, as 1 and 0 (as scikit-learn's ``StandardScaler`` does a bool).

Categories are matched as the command line matches class labels
(:func:`playwithnn.tabular.label_of`): the numbers ``1``, ``1.0`` and the text
``"1.0"`` are one category; other text is compared as it is, after the spaces
around it are removed.

Missing values are ``None``, NaN, pandas' ``NA``, and the text of a missing
cell in :mod:`playwithnn.tabular` (:func:`~playwithnn.tabular.is_missing`:
pandas' markers ``""``, ``"NA"``, ``"N/A"``, ``"NULL"``, ``"None"``, ...,
and ``"nan"`` in any case). A missing value in a feature without ``impute``
is refused.

>>> import numpy as np
>>> pre = Preprocessing(["age", "color"], [
...     Encoding("age", impute=40.0, mean=[40.0], scale=[10.0]),
...     Encoding("color", categories=["blue", "red"])])
>>> pre.input_names
['age', 'color=blue', 'color=red']
>>> pre.transform({"age": [50.0, None], "color": ["red", "blue"]})
array([[1., 0., 1.],
       [0., 1., 0.]])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from numpy.typing import NDArray

from ._validation import name_list, shorten
from .tabular import is_missing, is_number, label_of

#: What an :class:`Encoding` does with a category it does not know.
UNKNOWN_POLICIES = ("error", "ignore")
#: How :meth:`Preprocessing.fit` fills missing values.
IMPUTE_STRATEGIES = ("mean", "median", "most_frequent")

Category = str | int | float
#: The text of a bool, in any case, as a number encoding reads it.
_TRUTH = {"true": 1.0, "false": 0.0}


class PreprocessingError(ValueError):
    """A value that the preprocessing cannot turn into inputs.

    Attributes
    ----------
    feature : str
        The feature (raw column) that holds it.
    row : int
        Its row, counted from 0.
    problem : str
        What is wrong, without the feature and the row.
    """

    def __init__(self, feature: str, row: int, problem: str) -> None:
        self.feature, self.row, self.problem = feature, row, problem
        super().__init__(f"feature {shorten(feature, 40)!r}, row {row}: {problem}")


def category_key(value: Any) -> str | None:
    """The label a category value stands for, or ``None`` for a missing value.

    >>> [category_key(v) for v in ["red", " 1.0", 1, 2.5, None, float("nan"), "NaN", ""]]
    ['red', '1', '1', '2.5', None, None, None, None]
    """
    if value is None or type(value).__name__ == "NAType":
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float's range: its digits are its label
            return str(value)
        if math.isnan(number):
            return None
        return label_of(repr(number)) if math.isfinite(number) else repr(number)
    text = str(value).strip()
    return None if is_missing(text) else label_of(text)


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where} must be a number; got {shorten(repr(value), 40)}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond float's range
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{where} must be finite; got {shorten(repr(value), 40)}")
    return number


@dataclass(frozen=True)
class Encoding:
    """How one feature becomes one input (a number) or several (one-hot categories).

    Parameters
    ----------
    feature : str
        The raw column it reads.
    categories : sequence of str, numbers or bools, optional
        One-hot categories, in the order of the inputs; ``None`` (the default)
        for a number. A bool is stored as its text, ``"True"`` or ``"False"``.
    impute : float, str or None, default=None
        What a missing value becomes: a number for a number, a category value
        for categories. ``None`` refuses missing values.
    mean, scale : sequence of float, optional
        :math:`\\mu` and :math:`s` of each input (one for a number, one per
        category); by default 0 and 1: no scaling. Each scale is non-zero.
    unknown : {"error", "ignore"}, default="error"
        For categories: refuse a value that is none of them, or encode it as
        all zeros.

    Attributes
    ----------
    width : int
        Number of inputs: 1, or ``len(categories)``.
    """

    feature: str
    categories: Sequence[Category] | None = None  # stored as a tuple
    impute: Category | None = None
    mean: Sequence[float] = ()  # stored as a tuple of width floats
    scale: Sequence[float] = ()
    unknown: str = "error"

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: the checked values are set once, here
        if not isinstance(self.feature, str) or not self.feature:
            raise TypeError(f"feature must be a non-empty str; got {shorten(repr(self.feature), 40)}")
        where = f"the encoding of {shorten(self.feature, 40)!r}"
        if self.categories is not None:
            if isinstance(self.categories, (str, bytes)) or not isinstance(self.categories,
                                                                           Sequence | np.ndarray):
                raise TypeError(f"{where}: categories must be a list; got {type(self.categories).__name__}")
            categories = tuple(_plain(c) for c in self.categories)
            if not categories:
                raise ValueError(f"{where}: categories is empty")
            keys = [category_key(c) if isinstance(c, (str, int, float)) and not isinstance(c, bool)
                    else _bad_category(c, where) for c in categories]
            if None in keys:
                raise ValueError(f"{where}: a category is a missing value ({categories[keys.index(None)]!r})")
            if len(set(keys)) != len(keys):
                raise ValueError(f"{where}: categories {name_list([str(c) for c in categories])} "
                                 "are not distinct")
            set_(self, "categories", categories)
        if self.unknown not in UNKNOWN_POLICIES:
            raise ValueError(f"{where}: unknown must be 'error' or 'ignore'; got {self.unknown!r}")
        if self.impute is not None:
            if self.categories is None:
                set_(self, "impute", _finite(self.impute, f"{where}: impute"))
            else:
                impute = _plain(self.impute)
                if not isinstance(impute, (str, int, float)) or isinstance(impute, bool):
                    raise TypeError(f"{where}: impute must be a str or a number; got "
                                    f"{shorten(repr(impute), 40)}")
                if category_key(impute) is None:
                    raise ValueError(f"{where}: impute must be a category value; got {impute!r}")
                set_(self, "impute", impute)
        width = 1 if self.categories is None else len(self.categories)
        for name, default in (("mean", 0.0), ("scale", 1.0)):
            given = getattr(self, name)
            if isinstance(given, (str, bytes)) or not isinstance(given, Sequence | np.ndarray):
                raise TypeError(f"{where}: {name} must be a list of numbers; got {type(given).__name__}")
            values = (tuple(_finite(v, f"{where}: {name}") for v in given) if len(given)
                      else (default,) * width)
            if len(values) != width:
                raise ValueError(f"{where}: {name} has {len(values)} values for {width} input(s)")
            if name == "scale" and 0.0 in values:
                raise ValueError(f"{where}: a scale is 0")
            set_(self, name, values)

    @property
    def width(self) -> int:
        return 1 if self.categories is None else len(self.categories)

    def input_names(self) -> list[str]:
        """``["age"]`` for a number, ``["color=blue", "color=red"]`` for categories."""
        if self.categories is None:
            return [self.feature]
        return [f"{self.feature}={c}" for c in self.categories]

    def to_json(self) -> dict[str, Any]:
        """This encoding as JSON values (what a model file holds)."""
        out: dict[str, Any] = {"feature": self.feature}
        if self.categories is not None:
            out["categories"] = list(self.categories)
            out["unknown"] = self.unknown
        out.update(impute=self.impute, mean=list(self.mean), scale=list(self.scale))
        return out

    def encode(self, values: NDArray[Any], out: NDArray[np.float64]) -> None:
        """Write the inputs of ``values`` (shape (n_rows,)) into ``out`` (shape (n_rows, width))."""
        if self.categories is None:
            v = _numbers(values, self.feature)
            missing = np.isnan(v)
            if missing.any():
                if self.impute is None:
                    raise PreprocessingError(self.feature, int(np.argmax(missing)), "the value is missing, "
                                             "and the model has no value to fill in for it")
                v[missing] = self.impute
            out[:, 0] = v
        else:
            codes = self._codes(values)
            out[...] = 0.0
            known = codes >= 0
            out[np.flatnonzero(known), codes[known]] = 1.0
        out -= np.asarray(self.mean)
        out /= np.asarray(self.scale)

    def _codes(self, values: NDArray[Any]) -> NDArray[np.intp]:
        """The index of each value's category: -1 for an unknown one under ``unknown="ignore"``."""
        assert self.categories is not None
        lookup = {category_key(c): j for j, c in enumerate(self.categories)}
        distinct, inverse = distinct_values(values)
        keys = [category_key(v) for v in distinct]
        if None in keys:
            if self.impute is None:
                row = int(np.argmax(inverse == keys.index(None)))
                raise PreprocessingError(self.feature, row, "the value is missing, and the model has no "
                                         "category to fill in for it")
            keys = [category_key(self.impute) if k is None else k for k in keys]
        codes = np.array([lookup.get(k, -1) for k in keys], dtype=np.intp)[inverse]
        if self.unknown == "error" and (codes < 0).any():
            row = int(np.argmax(codes < 0))
            raise PreprocessingError(
                self.feature, row, f"{shorten(str(values[row]), 40)!r} is not one of the categories "
                f"the model was trained on ({name_list([str(c) for c in self.categories])})")
        return codes


def _plain(value: Any) -> Any:
    """A category value as a model file stores it: a NumPy scalar as Python's, a bool as its text."""
    value = value.item() if isinstance(value, np.generic) else value
    return str(value) if isinstance(value, bool) else value


def _bad_category(value: Any, where: str) -> NoReturn:
    raise TypeError(f"{where}: a category must be a str or a number; got {shorten(repr(value), 40)}")


def distinct_values(values: NDArray[Any]) -> tuple[list[Any], NDArray[np.intp]]:
    """The distinct values of a column and each value's index among them.

    One Python step per distinct value, not per row: a column of text is
    dictionary-encoded by Arrow (``pyarrow.compute.dictionary_encode``, a hash
    pass in compiled code, where ``np.unique`` would sort Python strings); numbers
    by ``np.unique``; a column of mixed objects (text and NaN, bools) by a dict.

    Parameters
    ----------
    values : ndarray of shape (n_rows,)

    Returns
    -------
    distinct : list
        Each distinct value once, in no particular order (``None`` for a null
        of Arrow, one NaN for every NaN).
    inverse : ndarray of shape (n_rows,)
        ``distinct[inverse[i]]`` is ``values[i]`` (NaN aside).
    """
    if values.dtype.kind in "biuf":
        distinct, inverse = np.unique(values, return_inverse=True)
        return list(distinct), inverse.reshape(-1).astype(np.intp, copy=False)
    try:
        encoded = pc.dictionary_encode(pa.array(values, type=pa.string()), null_encoding="encode")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not text alone: a dict pass
        index: dict[Any, int] = {}
        first: list[Any] = []
        codes = np.empty(len(values), dtype=np.intp)
        for i, v in enumerate(values):
            key = _hashable(v)
            j = index.get(key)
            if j is None:
                j = index[key] = len(first)
                first.append(v)
            codes[i] = j
        return first, codes
    inverse = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.intp)
    return encoded.dictionary.to_pylist(), inverse




def _hashable(value: Any) -> Any:
    # NaN != NaN: every NaN would be a value of its own; one stands for all. The type is part of the key,
    # so that True and 1 (equal in Python) stay two values.
    if isinstance(value, float) and math.isnan(value):
        return None
    return type(value), value


def _numbers(values: NDArray[Any], feature: str) -> NDArray[np.float64]:
    """A column as a new float64 array, NaN where a value is missing."""
    if values.dtype.kind in "biuf":
        v = values.astype(np.float64)
    else:  # text or objects: each distinct value read once
        distinct, inverse = distinct_values(values)
        numbers = np.empty(len(distinct))
        for j, value in enumerate(distinct):
            key = category_key(value)
            if key is None:
                numbers[j] = np.nan
            elif key.lower() in _TRUTH:  # True and False (a bool, or its text in any case) are 1 and 0
                numbers[j] = _TRUTH[key.lower()]
            elif is_number(key):
                numbers[j] = float(key)
            else:
                raise PreprocessingError(feature, int(np.argmax(inverse == j)),
                                         f"{shorten(str(value), 40)!r} is not a number; the model reads "
                                         "this feature as numbers")
        v = numbers[inverse]
    infinite = np.isinf(v)
    if infinite.any():
        raise PreprocessingError(feature, int(np.argmax(infinite)), "the value is infinite")
    return v


class Preprocessing:
    """The encodings of a model's features, in the order of the network's inputs.

    Parameters
    ----------
    features : sequence of str
        The raw columns the model reads, in the order that a matrix of rows
        gives them (distinct names).
    encodings : sequence of Encoding
        One per block of inputs, in the network's order; each reads one of
        ``features``, and a feature may be read by several or none.

    Attributes
    ----------
    features : tuple of str
    encodings : tuple of Encoding
    features_read : tuple of str
        The features some encoding reads, in the order of ``features``: all
        that a table whose columns are found by name must have (a pipeline's
        ``ColumnTransformer`` may drop a column, such as an ID, that a matrix
        of rows still holds).
    n_inputs : int
        The number of network inputs it makes.
    input_names : list of str
        A name for each input (``"color=red"`` for a category).
    """

    def __init__(self, features: Sequence[str], encodings: Sequence[Encoding]) -> None:
        if isinstance(features, str) or not all(isinstance(f, str) for f in features):
            raise TypeError("features must be a list of column names")
        self.features = tuple(features)
        if len(set(self.features)) != len(self.features):
            repeated = sorted({f for f in self.features if self.features.count(f) > 1})
            raise ValueError(f"features names a column more than once: {name_list(repeated)}")
        self.encodings = tuple(encodings)
        for encoding in self.encodings:
            if not isinstance(encoding, Encoding):
                raise TypeError(f"encodings must be Encoding objects; got {type(encoding).__name__}")
            if encoding.feature not in self.features:
                raise ValueError(f"an encoding reads {encoding.feature!r}, which is not one of the "
                                 f"features ({name_list(list(self.features))})")
        self.n_inputs = sum(e.width for e in self.encodings)
        read = {e.feature for e in self.encodings}
        self.features_read = tuple(f for f in self.features if f in read)
        self.input_names = [name for e in self.encodings for name in e.input_names()]

    @classmethod
    def identity(cls, features: Sequence[str]) -> Preprocessing:
        """Each feature a number, as it is: no imputation, no scaling."""
        return cls(features, [Encoding(f) for f in features])

    @property
    def is_identity(self) -> bool:
        """Whether it passes the features through unchanged, in their order (as the playground's
        networks read their inputs)."""
        return (tuple(e.feature for e in self.encodings) == self.features
                and all(e.categories is None and e.impute is None and tuple(e.mean) == (0.0,)
                        and tuple(e.scale) == (1.0,)
                        for e in self.encodings))

    def __repr__(self) -> str:
        return f"Preprocessing({name_list(list(self.features))} -> {self.n_inputs} inputs)"

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(cls, columns: Mapping[str, Any], *, impute: str | None = None, impute_all: bool = False,
            scale: bool = True, unknown: str = "error") -> Preprocessing:
        """Learn the encodings from the training columns.

        A column of numbers (a float, integer or boolean array, or numbers with
        None or pandas' ``NA`` for the missing ones) becomes a number,
        standardised to mean 0 and standard deviation 1 (a constant column keeps
        scale 1); any other column becomes one-hot categories, in sorted order
        (:func:`playwithnn.tabular.sort_classes`), not scaled.

        Parameters
        ----------
        columns : mapping of str to array-like of shape (n_rows,)
            The training features, in order. Missing values as described above.
        impute : {"mean", "median", "most_frequent"} or None, default=None
            How missing values are filled: the mean or median of a number's
            present values, the most frequent value for ``"most_frequent"`` and
            for categories. ``None`` refuses missing values.
        impute_all : bool, default=False
            With ``impute``, learn a fill value for every feature, even one
            without a missing value in ``columns``: rows met later (validation
            rows, rows to predict) may have one there. By default only the
            features with holes get one, and a hole elsewhere is refused later.
        scale : bool, default=True
            Whether numbers are standardised.
        unknown : {"error", "ignore"}, default="error"
            The categories' policy for values met later that they do not know.

        Raises
        ------
        PreprocessingError
            If a value is missing and ``impute`` is None, or a number column
            holds an infinite value.
        ValueError
            If a column has no value at all, or an argument is out of its range.
        """
        if impute is not None and impute not in IMPUTE_STRATEGIES:
            raise ValueError(f"impute must be one of {', '.join(IMPUTE_STRATEGIES)} or None; got {impute!r}")
        if unknown not in UNKNOWN_POLICIES:  # here too: columns of numbers alone never check it
            raise ValueError(f"unknown must be 'error' or 'ignore'; got {unknown!r}")
        from .tabular import sort_classes

        encodings = []
        for name, column in columns.items():
            values = _column(column, name)
            if values.dtype.kind in "iuf":
                v = _numbers(values, name)
                present = v[~np.isnan(v)]
                if present.size == 0:
                    raise ValueError(f"feature {name!r} has no values, only missing ones")
                fill: float | None = None
                if impute is not None and impute_all:
                    fill = _fill_number(present, impute)
                if present.size < v.size:
                    if impute is None:
                        raise PreprocessingError(name, int(np.argmax(np.isnan(v))), "the value is missing; "
                                                 "choose how to fill missing values (impute)")
                    fill = _fill_number(present, impute)
                    v[np.isnan(v)] = fill
                mean, std = (float(v.mean()), float(v.std())) if scale else (0.0, 1.0)
                encodings.append(Encoding(name, impute=fill, mean=[mean], scale=[std or 1.0]))
                continue
            distinct, inverse = distinct_values(values)
            keys = [category_key(v) for v in distinct]
            counts: dict[str, int] = {}
            for key, n in zip(keys, np.bincount(inverse, minlength=len(keys)).tolist()):
                if key is not None:
                    counts[key] = counts.get(key, 0) + n
            if not counts:
                raise ValueError(f"feature {name!r} has no values, only missing ones")
            fill_category: str | None = None
            if None in keys and impute is None:
                raise PreprocessingError(name, int(np.argmax(inverse == keys.index(None))), "the value "
                                         "is missing; choose how to fill missing values (impute)")
            if impute is not None and (None in keys or impute_all):
                # The most frequent category; on a tie the first in sorted order.
                fill_category = max(sort_classes(counts), key=lambda k: counts[k])
            encodings.append(Encoding(name, categories=sort_classes(counts), impute=fill_category,
                                      unknown=unknown))
        return cls(list(columns), encodings)

    # ------------------------------------------------------------ transform
    def transform(self, X: Any) -> NDArray[np.float64]:
        """The network's inputs for the raw rows ``X``.

        Parameters
        ----------
        X : DataFrame, mapping of str to array-like, or array-like of shape (n_rows, n_features)
            Raw rows: a pandas DataFrame, a dict of columns or a pyarrow Table,
            whose columns are found by name (those of ``features_read``; others
            are ignored), or rows whose columns are the features in order.
            Numbers, text, and missing values.

        Returns
        -------
        ndarray of shape (n_rows, n_inputs)

        Raises
        ------
        PreprocessingError
            For a value it cannot encode: text where a number belongs, an
            unknown category, a missing value it has nothing to fill in for.
        ValueError
            If ``X`` lacks a feature, has the wrong number of columns, or no rows.
        """
        columns = self.columns_of(X)
        n_rows = len(next(iter(columns.values()))) if columns else len(X)
        out = np.empty((n_rows, self.n_inputs))
        start = 0
        for encoding in self.encodings:
            encoding.encode(columns[encoding.feature], out[:, start:start + encoding.width])
            start += encoding.width
        return out

    def columns_of(self, X: Any) -> dict[str, NDArray[Any]]:
        """The columns of the raw rows ``X`` that the encodings read (see :meth:`transform`), by name."""
        names = _column_names(X)
        if names is not None:
            missing = [f for f in self.features_read if f not in names]
            if missing:
                raise ValueError(f"X has no column{'s' if len(missing) > 1 else ''} {name_list(missing)}; "
                                 f"the model reads {name_list(list(self.features_read))}"
                                 + positional_hint(self.features, names))
            columns = {f: _column(_get(X, names[f]), f) for f in self.features_read}
        else:
            rows = X if isinstance(X, np.ndarray) else np.asarray(X, dtype=object)
            if rows.ndim != 2:
                raise ValueError(f"X must be a table of rows, shape (n_rows, {len(self.features)}); "
                                 f"got shape {rows.shape}")
            if rows.shape[1] != len(self.features):
                raise ValueError(f"X has {rows.shape[1]} columns, but the model reads {len(self.features)} "
                                 f"features ({name_list(list(self.features))})")
            columns = {f: _column(rows[:, j], f) for j, f in enumerate(self.features)}
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"X's columns have different lengths: {sorted(lengths)}")
        if lengths == {0}:
            raise ValueError("X has no rows")
        return columns

    def unknown_categories(self, X: Any, *, examples: int = 3) -> dict[str, tuple[int, int, list[str]]]:
        """The values of ``X`` that a category encoding does not know, by feature.

        Under ``unknown="ignore"`` they become all zeros without a word; this says
        where they are (the command line's ``predict`` and ``evaluate`` tell of
        them). Missing values, filled in by ``impute``, are not unknown.

        Parameters
        ----------
        X : as for :meth:`transform`
        examples : int, default=3
            At most this many distinct unknown values to give, in sorted order.

        Returns
        -------
        dict of str to (int, int, list of str)
            For each feature with unknown values: the number of rows that hold
            one, the number of distinct ones, and up to ``examples`` of them
            (their labels, :func:`category_key`). Features without any are left
            out.
        """
        columns = self.columns_of(X)
        found: dict[str, tuple[int, int, list[str]]] = {}
        for encoding in self.encodings:
            if encoding.categories is None or encoding.feature in found:
                continue
            known = {category_key(c) for c in encoding.categories}
            distinct, inverse = distinct_values(columns[encoding.feature])
            keys = [category_key(v) for v in distinct]
            unknown = [j for j, key in enumerate(keys) if key is not None and key not in known]
            if unknown:
                counts = np.bincount(inverse, minlength=len(keys))
                labels = sorted({str(keys[j]) for j in unknown})
                found[encoding.feature] = (int(counts[unknown].sum()), len(labels), labels[:examples])
        return found

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        """As JSON values: ``{"features": [...], "encodings": [...]}``."""
        return {"features": list(self.features), "encodings": [e.to_json() for e in self.encodings]}

    @classmethod
    def from_json(cls, obj: Any) -> Preprocessing:
        """The preprocessing :meth:`to_json` described.

        Raises
        ------
        ValueError
            If ``obj`` does not describe one (a ``TypeError`` of the checks is
            raised as a ``ValueError``, since what is wrong is the data).
        """
        try:
            if not isinstance(obj, dict) or set(obj) != {"features", "encodings"}:
                raise ValueError("a preprocessing is an object with 'features' and 'encodings'")
            if not isinstance(obj["encodings"], list) or not isinstance(obj["features"], list):
                raise ValueError("'features' and 'encodings' must be lists")
            encodings = []
            for item in obj["encodings"]:
                allowed = {"feature", "categories", "unknown", "impute", "mean", "scale"}
                if not isinstance(item, dict) or not set(item) <= allowed or "feature" not in item:
                    others = ", ".join(sorted(allowed - {"feature"}))
                    raise ValueError(f"an encoding is an object with 'feature' and some of {others}; "
                                     f"got {shorten(repr(item), 60)}")
                encodings.append(Encoding(**item))
            return cls(obj["features"], encodings)
        except TypeError as exc:
            raise ValueError(str(exc)) from None


def positional_hint(features: Sequence[str], names: Iterable[str]) -> str:
    """What features ``x0``, ``x1``, ... that a table (of column ``names``) lacks mean, or ``""``.

    They are the names that :func:`playwithnn.sklearn.to_model` gives the columns
    of an estimator fitted on an array: the model was fitted without column names.
    """
    names = set(names)
    positional = all(f == f"x{j}" for j, f in enumerate(features))
    if features and positional and not any(f in names for f in features):
        return ("; x0, x1, ... are the names scikit-learn gives the columns of an array: the model was "
                "fitted without column names; fit it on a DataFrame to read columns by name, or give it "
                "the rows as an array, its columns in the order of fitting")
    return ""


def _fill_number(present: NDArray[np.float64], impute: str) -> float:
    if impute == "mean":
        return float(present.mean())
    if impute == "median":
        return float(np.median(present))
    values, counts = np.unique(present, return_counts=True)
    return float(values[np.argmax(counts)])  # on a tie, the smallest


def _column_names(X: Any) -> dict[str, Any] | None:
    """The columns of a table-like ``X`` (DataFrame, mapping, pyarrow Table) by name (``str(key)``: key)."""
    if isinstance(X, Mapping):
        return {str(k): k for k in X}
    if hasattr(X, "column_names") and hasattr(X, "column"):  # pyarrow.Table
        return {k: k for k in X.column_names}
    columns = getattr(X, "columns", None)
    if columns is not None and not isinstance(X, np.ndarray) and hasattr(X, "iloc"):  # pandas.DataFrame
        return {str(c): c for c in columns}
    return None


def _get(X: Any, name: str) -> Any:
    if hasattr(X, "column_names") and hasattr(X, "column"):
        return X.column(name).to_numpy(zero_copy_only=False)
    return X[name]


def _column(values: Any, name: str) -> NDArray[Any]:
    """A column as a 1-D array: numbers (with None or pandas.NA for missing ones) as float, anything else
    as objects."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):  # pandas Series
        if str(getattr(values, "dtype", "")) in ("bool", "boolean"):  # NA of a nullable boolean: None
            values = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
        else:
            values = _series_numbers(values)
    arr = np.asarray(values)
    if arr.dtype.kind == "b":  # True and False are categories, or 1 and 0 to a number encoding
        arr = arr.astype(object)
    elif arr.dtype.kind not in "iuf":
        arr = np.asarray(values, dtype=object)
        types = set(map(type, arr)) if arr.ndim == 1 else {object}  # one Python step per cell, in C
        is_na = [t.__name__ == "NAType" for t in types]  # pandas.NA, without importing pandas
        if all(na or t is type(None) or (issubclass(t, (int, float, np.integer, np.floating))
                                         and not issubclass(t, bool)) for t, na in zip(types, is_na)):
            # Numbers with None or pandas.NA among them ([1.5, None]): a column of numbers, NaN where missing.
            if any(is_na):
                arr = np.array([None if type(v).__name__ == "NAType" else v for v in arr], dtype=object)
            try:
                arr = arr.astype(np.float64)  # None becomes NaN
            except OverflowError:  # an int beyond float's range: kept as it is, refused as a number later
                pass
    if arr.ndim != 1:
        raise ValueError(f"column {shorten(name, 40)!r} must be one-dimensional; got shape {arr.shape}")
    return arr


def _series_numbers(values: Any) -> NDArray[Any]:
    """A pandas Series as float64 (NaN for a missing value) when it holds numbers, else as objects."""
    try:
        return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
    except (TypeError, ValueError):
        return np.asarray(values.to_numpy(dtype=object))


__all__ = ["IMPUTE_STRATEGIES", "UNKNOWN_POLICIES", "Encoding", "Preprocessing", "PreprocessingError",
           "category_key", "distinct_values", "positional_hint"]
