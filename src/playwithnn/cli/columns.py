"""The columns of a file to train on.

Which columns are features (:func:`chosen_features`), checked for what training
needs (:func:`feature_columns`), the preprocessing learnt from the training rows
(:func:`fit_preprocessing`), and the target's classes as a model keeps them
(:func:`class_values`).
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import tabular
from .._validation import shorten, unknown_name
from ..tabular import Table, TableError
from .errors import CommandError
from .files import format_number

if TYPE_CHECKING:
    from ..preprocessing import Preprocessing


#: A column of text with more distinct values than this is refused, whatever the number of rows: each
#: category is an input of the network, a dense column of float64 per row (1500 zip codes on 200 000 rows
#: would be 2.4 GB), and so many are an ID, free text or a code to group first.
MAX_CATEGORIES = 100
#: Feature names that say "row ID" (with all-distinct values), as pandas and databases write them.
ID_NAMES = re.compile(r"id|index|.*_id|unnamed: 0", re.IGNORECASE)
#: Added to the message of a text cell in a column whose other cells are numbers.
NUMBERS_HINT = "; the column holds numbers (a missing value is an empty cell, NaN, NA, ...)"


def chosen_features(args: argparse.Namespace, names: Sequence[str]) -> list[str]:
    """The feature columns among the file's ``names``: ``--features`` in its order, or every column
    but the target and those of ``--drop``."""
    for option, chosen in (("--features", args.features), ("--drop", args.drop)):
        for name in chosen or ():
            if name not in names:
                raise CommandError(f"{args.data}: {option}: {unknown_name(name, names)}")
            if name == args.target:
                raise CommandError(f"{option} names the target {shorten(name, 40)!r}; the target is never "
                                   f"a feature: leave it out of {option}")
            if chosen.count(name) > 1:
                raise CommandError(f"{option} names {shorten(name, 40)!r} more than once")
    if args.features is not None:
        return list(args.features)
    dropped = set(args.drop or ())
    features = [name for name in names if name != args.target and name not in dropped]
    if not features:
        also = " and those of --drop" if dropped else ""
        raise CommandError(f"{args.data}: no feature columns besides the target {args.target!r}{also}")
    return features


def _leave_out(args: argparse.Namespace, name: str) -> str:
    """How to leave the feature ``name`` out: by ``--drop``, or, when ``--features`` chose them, out of it."""
    if args.features is not None:
        return "leave it out of --features"
    return f"leave it out with --drop {shlex.quote(name)}"


def _looks_like_a_number(text: str) -> bool:
    """Whether a cell was meant as a number: what ``float`` reads (``1_000``, ``inf``, ``1e999`` too)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _row_id_reason(name: str, values: NDArray[Any], n_distinct: int, any_missing: bool) -> str | None:
    """Why a feature column looks like a row ID rather than a measurement, or ``None``.

    Integers all different that run from one to the next (pandas' index 0 .. n-1)
    or only go up; text all different; or a name such as ``id``, ``index``,
    ``user_id`` or ``Unnamed: 0`` with all-different values. ``n_distinct`` is
    the number of distinct values, ``any_missing`` whether one is missing.
    """
    n = len(values)
    if n < 3 or any_missing or n_distinct != n:
        return None
    if values.dtype.kind != "f":
        return "its values are all different texts"
    low, high = float(values.min()), float(values.max())
    if (values == np.round(values)).all():
        if high - low == n - 1:
            return f"its values are the integers {format_number(low)} to {format_number(high)}, each once"
        if (np.diff(values) > 0).all():
            return "its values are all-different integers in increasing order"
    if ID_NAMES.fullmatch(name):
        return "its name says so, and its values are all different"
    return None


def feature_columns(args: argparse.Namespace, table: Table, names: Sequence[str]
                     ) -> tuple[dict[str, NDArray[Any]], dict[str, NDArray[np.bool_]], list[str]]:
    """The feature columns as :meth:`Table.values` gives them, checked for what training needs; where
    each is missing; and the notices to give about them.

    Refuses (one line naming the file, line and column) a cell of text in a
    column whose other cells are mostly numbers (a typo, not a category), a
    column of text with more than :data:`MAX_CATEGORIES` distinct values, and
    without ``--impute`` a missing value. A notice tells of a column that looks
    like a row ID; the caller gives it once the data has passed every check, so
    that a refusal stays one line. Each column's distinct values are found once.
    """
    from ..preprocessing import distinct_values

    columns = {name: table.values(name) for name in names}
    missing_of: dict[str, NDArray[np.bool_]] = {}
    notices = []
    first_missing: tuple[int, str] | None = None
    for name, values in columns.items():
        if values.dtype.kind == "f":
            missing = np.isnan(values)
            n_distinct = int(np.unique(values).size) if not missing.any() else 0
        else:
            distinct, inverse = distinct_values(values)
            is_missing = np.array([tabular.is_missing(str(v)) for v in distinct], dtype=bool)
            missing = is_missing[inverse]
            counts = np.bincount(inverse, minlength=len(distinct))
            n_present = int(counts[~is_missing].sum())
            numbers = sum(int(c) for v, c, gone in zip(distinct, counts.tolist(), is_missing)
                          if not gone and _looks_like_a_number(str(v)))
            if n_present and 2 * numbers >= n_present:
                table.numbers_or_missing(name, hint=NUMBERS_HINT)  # raises at the first that is not one
            n_distinct = int((~is_missing).sum())
            if n_distinct > MAX_CATEGORIES:
                raise CommandError(
                    f"{table.source}, column {shorten(name, 40)!r}: {n_distinct} different texts in "
                    f"{table.n_rows} rows, too many to be categories (at most {MAX_CATEGORIES}, each an "
                    f"input of the network; it looks like an ID, free text or a code); "
                    f"{_leave_out(args, name)}")
        missing_of[name] = missing
        if missing.any() and (first_missing is None or int(np.argmax(missing)) < first_missing[0]):
            first_missing = int(np.argmax(missing)), name
        reason = _row_id_reason(name, values, n_distinct, bool(missing.any()))
        if reason is not None:
            notices.append(f"column {shorten(name, 40)!r} looks like a row ID ({reason}); it is a feature, "
                           f"which rarely helps a model; {_leave_out(args, name)}")
    if first_missing is not None and args.impute is None:
        row, name = first_missing
        values = columns[name]
        cell = ""
        if values.dtype.kind == "f":  # "", "NA", "NaN", ...: only the file's text says which
            try:
                table.numbers(name)
            except TableError as exc:
                cell = exc.cell or ""
        else:
            cell = str(values[row])
        raise TableError(table.source, f"the cell is {tabular.missing_name(cell)}; fill or remove "
                         "missing values first, or let --impute fill them in (mean, median or "
                         "most_frequent)", line=int(table.lines[row]), column=name,
                         position=table.index(name) + 1, cell=cell)
    return columns, missing_of, notices


@contextmanager
def preprocessing_errors(table: Table, rows: NDArray[np.intp] | None = None) -> Iterator[None]:
    """A :class:`~playwithnn.preprocessing.PreprocessingError` about ``table``'s rows ``rows`` (all of
    them if ``None``) as the file's one line, a ValueError of the fit as a CommandError."""
    from ..preprocessing import PreprocessingError

    try:
        yield
    except PreprocessingError as err:
        i = err.row if rows is None else int(rows[err.row])
        raise TableError(table.source, err.problem, line=int(table.lines[i]), column=err.feature,
                         position=table.index(err.feature) + 1) from None
    except ValueError as exc:  # a feature with no value at all in the rows
        raise CommandError(f"{table.source}: {exc}; fill it in, or leave it out with --drop") from None


def fit_preprocessing(table: Table, columns: dict[str, NDArray[Any]], rows: NDArray[np.intp],
                      impute: str | None) -> Preprocessing:
    """The preprocessing learnt from the rows ``rows`` (the training rows) of the feature ``columns``.

    Numbers are standardised, text one-hot encoded (its categories those of these
    rows; a category they lack is all zeros, as ``handle_unknown="ignore"``). With
    ``impute``, every feature gets a value to fill a hole with, learnt from these
    rows, even one without holes in them: a validation row, or a row to predict,
    may have one there.
    """
    from ..preprocessing import Preprocessing

    train = {name: values[rows] for name, values in columns.items()}
    with preprocessing_errors(table, rows):
        return Preprocessing.fit(train, impute=impute, impute_all=True, unknown="ignore")


def class_values(labels: Sequence[str]) -> list[str | int | float]:
    """The classes as a model keeps them: numbers when every label is one (so that Python gets back
    the 0, 1, 2 of a column of integers, as from scikit-learn), else the labels' text."""
    if not all(tabular.is_number(label) for label in labels):
        return list(labels)
    values = [float(label) for label in labels]
    return [int(v) if v.is_integer() and abs(v) < 2**53 else v for v in values]
