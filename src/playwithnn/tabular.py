"""Tables read from CSV: the one reader behind the command line and the playground.

``playwithnn train`` and the playground's upload read their files here, so a
file means the same thing to both. A table is a header of column names and a
column of cells for each; :meth:`Table.numbers` and :meth:`Table.labels` turn a
column into the numbers or the class labels it holds, and :func:`read_chunks`
reads a file a given number of rows at a time. The grammar:

Text
    UTF-8, with or without a byte-order mark. A NUL character anywhere refuses
    the file: it is binary, not CSV. Lines end in LF, CRLF or CR.
Rows and cells
    A row is one CSV record (RFC 4180): cells split by the separator, and a cell
    in double quotes may hold the separator, line ends and doubled quotes (``""``
    for one ``"``); a quote left open runs to the end of the file. Spaces around
    each cell are removed. A row whose every cell is empty (a blank line) is
    skipped. Every row has as many cells as the first. A cell of text holds at
    most ``csv.field_size_limit()`` characters (131072).
Separator
    A comma, a semicolon or a tab, one for the whole file: the one of the three
    that splits the first non-blank row into the most cells, a separator inside
    quotes not counting; on a tie the comma wins, then the semicolon. A file of
    one column has none.
Header
    With ``header=True`` the first non-blank row names the columns: each name
    non-empty and different from the others, and not every one a number (a row
    of numbers is data, not a header). The first name alone may be empty, as in
    a file that pandas wrote with its index (``df.to_csv(path)``): that column
    is then named ``Unnamed: 0``, as ``pandas.read_csv`` names it (unless another
    column has that name). With ``header=False`` every row is data and the
    columns are named ``"1"``, ``"2"``, ... by position.
Numbers
    Plain decimal numbers in the digits 0 to 9: an optional sign, digits with
    an optional decimal point, an optional exponent (``-1.5``, ``.5``, ``3.``,
    ``2e-3``, ``1E+6``), whose value is finite in float64. Nothing else is a
    number: not ``1_000``, ``1,5``, ``0x1f``, ``inf``, ``nan`` or ``1e999``.
Missing values
    A cell is missing when it is one of pandas' default missing-value markers
    (``pandas.read_csv``'s ``na_values``, :data:`MISSING_VALUES`): empty,
    ``NA``, ``N/A``, ``n/a``, ``NULL``, ``null``, ``None``, ``<NA>``, ``#N/A``,
    ``#N/A N/A``, ``#NA``, ``NaN``, ``-NaN``, ``nan``, ``-nan``, ``1.#IND``,
    ``-1.#IND``, ``1.#QNAN``, ``-1.#QNAN``; and ``nan`` in any case (``NAN``).
    So a file means the same to the command line as to ``pd.read_csv`` (a
    category named ``NA`` is missing to both). A missing number or label is an
    error: fill or remove those cells first.
Labels
    A label is its cell's text, but a number is written one way, so that cells
    holding the same number are one class: an integer value below 2**53 as an
    integer (``1``, ``1.0``, ``+1``, ``01`` and ``1e0`` are all ``"1"``), any
    other number as Python writes its float (``1.50`` is ``"1.5"``). Classes sort
    numbers first, by value, then text.
Task
    A target column is for classification when it holds text, or numbers that
    are all integers with at most :data:`MAX_INTEGER_CLASSES` distinct values;
    otherwise for regression. Missing cells do not count.
Errors
    Everything wrong is a :class:`TableError`, a :class:`ValueError` whose
    message names the file, line, column and cell.

How a file is read
    Apache Arrow's CSV reader (``pyarrow.csv``) splits the rows and cells and
    parses the numbers, in compiled code, a megabyte at a time (several at once
    on several cores), so that reading needs little more memory than the numbers
    themselves (a column of numbers is held as float64, 8 bytes a cell, not as
    text) and takes about as long as ``pandas.read_csv``
    (``benchmarks/csv_read.py`` measures both). It is configured to the grammar,
    and its output is checked against it:

    - The first rows are read here, by Python's ``csv`` module, the grammar's
      reference: the separator, the header and, from a sample of rows, which
      columns to ask Arrow for as float64 and which as text. Arrow reads the
      rest, with RFC 4180 quoting and line ends as the ``csv`` module reads them
      (the tests compare the two on generated files).
    - A column asked for as float64 comes back whole only when every cell is a
      finite number or empty: Arrow's parser takes no number the grammar refuses
      (it takes ``nan`` and ``inf``, whose non-finite values send the column
      back to be read as text, as does a missing-value marker other than an
      empty cell, ``NA`` say: Arrow's nulls are the empty cells alone, and the
      column of text is then checked by the grammar's regular expressions).
      Its values are correctly rounded, as ``float()``'s are.
    - A column of text is trimmed of exactly the characters ``str.strip``
      removes, and checked with the grammar's regular expression, vectorised,
      when it is asked for numbers.
    - Anything else Arrow refuses (rows of another length, bytes that are not
      UTF-8, a NUL) is found again, with its line, by reading the file with
      the ``csv`` module row after row, keeping none of them; the lines of a
      table's rows are found the same way, when a message or
      :attr:`Table.lines` asks for them.

    Why Arrow rather than pandas' C parser: Arrow reads each column as the type
    asked for rather than one it infers (no dates, booleans or NA spellings to
    undo), with no number parsed that the grammar refuses; it reads a file as a
    stream of record batches, which :func:`read_chunks` needs; and its string
    kernels (``utf8_trim``, RE2 regular expressions) apply the grammar to a
    column of text without a Python object per cell, where pandas would hand
    back a column of Python strings.

>>> data = b"\\xef\\xbb\\xbfheight;weight;kind\\r\\n1.5;60;1.0\\r\\n2;85;2\\r\\n"
>>> table = parse_table(data, source="h.csv")
>>> table.names, table.numbers("weight").tolist(), table.labels("kind").tolist()
(('height', 'weight', 'kind'), [60.0, 85.0], ['1', '2'])
>>> table.infer_task("kind")
'classification'
>>> parse_table(b"x,y\\n1,2\\n3,1_000\\n", source="d.csv").numbers("y")
Traceback (most recent call last):
...
playwithnn.tabular.TableError: d.csv, line 3, column 'y': '1_000' is not a number
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
from numpy.typing import NDArray

from ._validation import name_list, shorten, unknown_name

#: At most this many distinct integer values make a numeric column a classification target.
MAX_INTEGER_CLASSES = 10
#: What a target column can be for.
TASKS = ("classification", "regression")
#: The separators a file may use, in the order that breaks a tie.
SEPARATORS = (",", ";", "\t")

# A plain decimal number in ASCII digits; float() would also take "nan", "inf", "1_000",
# " 1 " and other scripts' digits.
_NUMBER_PATTERN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(_NUMBER_PATTERN)
_INFINITY = re.compile(r"[+-]?inf(?:inity)?", re.IGNORECASE)
#: The cells that are missing values: pandas' default ``na_values`` (and ``nan`` in any case, below).
MISSING_VALUES = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                            "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
# The same rules for Arrow's RE2, on a whole cell: a number, and a missing value. (Of the markers'
# characters only "." is special to a regular expression.)
_NUMBER_RE2 = f"^{_NUMBER_PATTERN}$"
_MISSING_RE2 = ("^(?:(?i:nan)|" + "|".join(sorted(m.replace(".", "\\.") for m in MISSING_VALUES if m))
                + ")$")
# What str.strip() removes: the characters for which str.isspace() is true.
_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
               "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# Arrow's message for a cell that a column read as float64 cannot take.
_NOT_A_DOUBLE = re.compile(r"In CSV column #(\d+): CSV conversion error to double")

Cells = NDArray[np.object_]


class TableError(ValueError):
    """A table that cannot be read as asked: one line naming the file, line, column and cell.

    Attributes
    ----------
    source : str
        The file's name (or what the data is called).
    problem : str
        What is wrong, without the place.
    line : int or None
        The line of the file the row starts on.
    column : str or None
        The column's name; ``None`` in a table without header.
    position : int or None
        The column's 1-based position.
    cell : str or None
        The cell's text.
    n_cells : int or None
        For a row of the wrong length, how many cells it has.
    """

    def __init__(self, source: str, problem: str, *, line: int | None = None, column: str | None = None,
                 position: int | None = None, cell: str | None = None, n_cells: int | None = None) -> None:
        where = [source] + ([f"line {line}"] if line is not None else [])
        if column is not None:
            where.append(f"column {shorten(column, 40)!r}")
        elif position is not None:
            where.append(f"column {position}")
        super().__init__(f"{', '.join(where)}: {problem}")
        self.source, self.problem, self.line = source, problem, line
        self.column, self.position, self.cell, self.n_cells = column, position, cell, n_cells


# ------------------------------------------------------------------- cells
def is_number(text: str) -> bool:
    """Whether ``text`` is a number of the grammar: plain decimal, finite.

    >>> [is_number(t) for t in ["-1.5", ".5", "2e-3", "1_000", "nan", "inf", "0x1f", "1e999", ""]]
    [True, True, True, False, False, False, False, False, False]
    """
    return _NUMBER.fullmatch(text) is not None and math.isfinite(float(text))


def is_missing(text: str) -> bool:
    """Whether a cell is a missing value: one of :data:`MISSING_VALUES`, or ``nan`` in any case.

    >>> is_missing(""), is_missing("NaN"), is_missing("NAN"), is_missing("NA"), is_missing("0")
    (True, True, True, True, False)
    """
    return text in MISSING_VALUES or (len(text) == 3 and text.lower() == "nan")


def missing_name(cell: str) -> str:
    """How a message names a missing cell: ``empty``, ``NaN``, or ``'NA' (a missing value)``."""
    if cell == "":
        return "empty"
    return "NaN" if cell.lower() == "nan" else f"{cell!r} (a missing value)"


def label_of(text: str) -> str:
    """The label a (non-missing) cell stands for: its text, with numbers written one way.

    >>> [label_of(t) for t in ["1.0", "+1", "01", "1e0", "1.50", "-0", "cat", "1_000"]]
    ['1', '1', '1', '1', '1.5', '0', 'cat', '1_000']
    """
    return _label_of_value(float(text)) if is_number(text) else text


def _label_of_value(value: float) -> str:
    """The label of a number given by its (finite) value: :func:`label_of` after ``float``."""
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def sort_classes(labels: Iterable[str]) -> list[str]:
    """The distinct labels in class order: numbers first, by value, then text.

    >>> sort_classes(["10", "cat", "9", "10", "1.5"])
    ['1.5', '9', '10', 'cat']
    """
    def key(label: str) -> tuple[int, float, str]:
        return (0, float(label), label) if is_number(label) else (1, 0.0, label)

    return sorted(set(labels), key=key)


def infer_task(cells: Iterable[str]) -> str:
    """``"classification"`` or ``"regression"`` for a target column, by the rule above.

    Parameters
    ----------
    cells : iterable of str
        The column's cells, e.g. ``table.columns[j]``.

    Examples
    --------
    >>> infer_task(["a", "b"]), infer_task(["1.0", "2", ""]), infer_task(["0.5", "1"])
    ('classification', 'classification', 'regression')
    >>> infer_task([str(i) for i in range(MAX_INTEGER_CLASSES + 1)])
    'regression'
    """
    values: set[float] = set()
    for cell in cells:
        if is_missing(cell):
            continue
        if not is_number(cell):
            return "classification"
        values.add(float(cell))
    if all(v.is_integer() for v in values) and len(values) <= MAX_INTEGER_CLASSES:
        return "classification"
    return "regression"


def _not_a_number(cell: str) -> str:
    """Why a cell that is not a number of the grammar is not one."""
    if cell == "":
        return "the cell is empty; fill or remove missing values first"
    if is_missing(cell):
        return f"the cell is {missing_name(cell)}; fill or remove missing values first"
    if _INFINITY.fullmatch(cell) or _NUMBER.fullmatch(cell):  # "inf", or "1e999" beyond float64
        return f"the cell is infinite ({shorten(cell, 40)!r})"
    return f"{shorten(cell, 40)!r} is not a number"


# ----------------------------------------------------------------- columns
@dataclass(frozen=True)
class _Numbers:
    """A column whose every cell is a number of the grammar or empty.

    ``values`` has shape (n_rows,), with NaN for an empty cell (a number is never
    NaN); it is a column of the table's block of numbers. Without ``may_be_empty``
    no cell is empty, and nobody needs to look.
    """

    values: NDArray[np.float64]
    may_be_empty: bool = True

    def empty(self) -> NDArray[np.bool_] | None:
        """Where the empty cells are, or ``None`` if there are none."""
        if not self.may_be_empty:
            return None
        empty = np.isnan(self.values)
        return empty if empty.any() else None


@dataclass(frozen=True)
class _Texts:
    """Any other column: its cells as text, the spaces around each removed (an Arrow array)."""

    cells: Any


_Column = _Numbers | _Texts


def _first(mask: NDArray[np.bool_]) -> int:
    return int(np.argmax(mask))


def _as_numpy(array: Any) -> NDArray[Any]:
    """An Arrow array or chunked array as a NumPy array (a new one where Arrow's buffers cannot be lent)."""
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _missing_texts(cells: Any) -> Any:
    """Which cells of an Arrow array of text are missing values, as an Arrow boolean array."""
    return pc.or_(pc.equal(cells, ""), pc.match_substring_regex(cells, _MISSING_RE2))


# ------------------------------------------------------------------- table
class Table:
    """A CSV file's columns: names, cells, and the line each row starts on.

    Parameters
    ----------
    source : str
        The file's name, for messages.
    names : sequence of str
        The columns' names.
    columns : sequence of sequences of str
        Each column's cells, as text with the spaces around it removed.
    lines : array-like of int, of shape (n_rows,)
        The line of the file each row starts on.
    header : bool, default=True
        Whether the names come from a header row.

    Attributes
    ----------
    source : str
    names : tuple of str
        The columns' names (``"1"``, ``"2"``, ... without a header).
    header : bool

    Notes
    -----
    A table read from a file (:func:`read_table`, :func:`parse_table`,
    :func:`read_chunks`) holds a column whose cells are all numbers or empty as
    float64, in one block of memory for all such columns, and any other column as
    Arrow text. :attr:`lines`, and the text of a column held as numbers
    (:attr:`columns`), are not kept: they are found when asked for, by reading the
    data again with the ``csv`` module (so a file should not change while its
    table is in use).
    """

    source: str
    names: tuple[str, ...]
    header: bool

    def __init__(self, source: str, names: Sequence[str], columns: Sequence[Iterable[str]],
                 lines: Any, header: bool = True) -> None:
        texts: list[_Column] = [
            _Texts(pa.chunked_array([pa.array([str(cell) for cell in column], type=pa.string())]))
            for column in columns]
        line_numbers = np.asarray(lines, dtype=np.int64)
        self._setup(source, tuple(names), texts, int(line_numbers.size), header, lines=line_numbers)

    def _setup(self, source: str, names: tuple[str, ...], columns: Sequence[_Column], n_rows: int,
               header: bool, *, lines: NDArray[np.int64] | None = None, origin: _Origin | None = None,
               block: NDArray[np.float64] | None = None, positions: dict[int, int] | None = None) -> None:
        self.source, self.names, self.header = source, names, header
        self._columns = tuple(columns)
        self._n_rows = n_rows
        self._lines = lines
        self._origin = origin
        self._block = block  # (n_rows, n_number_columns): the columns held as numbers
        self._positions = positions or {}  # column index -> its column in the block

    @classmethod
    def _of(cls, source: str, names: tuple[str, ...], columns: Sequence[_Column], n_rows: int,
            header: bool, **kwargs: Any) -> Table:
        table = cls.__new__(cls)
        table._setup(source, names, columns, n_rows, header, **kwargs)
        return table

    @property
    def n_rows(self) -> int:
        """Number of data rows (the header is not one)."""
        return self._n_rows

    @property
    def lines(self) -> NDArray[np.int64]:
        """The line of the file each row starts on: ndarray of shape (n_rows,)."""
        if self._lines is None:
            origin = self._origin
            assert origin is not None  # a table has its lines or where to find them
            found = (line for line, _ in origin.records())
            self._lines = np.fromiter(found, dtype=np.int64, count=self.n_rows)
        return self._lines

    @property
    def columns(self) -> tuple[Cells, ...]:
        """Each column's cells: ndarrays of shape (n_rows,), dtype object, of ``str``.

        The text of each cell with the spaces around it removed. This builds a
        Python string per cell: for the numbers or labels of a column, ask
        :meth:`numbers` or :meth:`labels`.
        """
        return tuple(self._cells(j) for j in range(len(self.names)))

    def _cells(self, j: int) -> Cells:
        column = self._columns[j]
        if isinstance(column, _Texts):
            return np.asarray(column.cells.to_numpy(zero_copy_only=False), dtype=object)
        assert self._origin is not None  # columns of numbers are read from files only
        texts = self._origin.texts(j, self.n_rows)  # Arrow, in compiled code
        if texts is not None:
            return texts
        out = np.empty(self.n_rows, dtype=object)  # else the csv module, row by row
        for i, (_, cells) in zip(range(self.n_rows), self._origin.records()):
            out[i] = cells[j]
        return out

    def _cell(self, j: int, i: int) -> str:
        column = self._columns[j]
        if isinstance(column, _Texts):
            return str(column.cells[i].as_py())
        if np.isnan(column.values[i]):
            return ""
        assert self._origin is not None
        return self._origin.record(i)[1][j]

    def _line(self, i: int) -> int:
        if self._lines is None and self._origin is not None:
            return self._origin.record(i)[0]  # without finding every row's
        return int(self.lines[i])

    def index(self, name: str) -> int:
        """The position of the column ``name``.

        Raises
        ------
        TableError
            If there is no such column; the message names a few columns and the closest.
        """
        try:
            return self.names.index(name)
        except ValueError:
            raise TableError(self.source, unknown_name(name, self.names)) from None

    def _error(self, j: int, i: int, problem: str, cell: str | None = None) -> TableError:
        return TableError(self.source, problem, line=self._line(i),
                          column=self.names[j] if self.header else None, position=j + 1,
                          cell=self._cell(j, i) if cell is None else cell)

    def numbers(self, name: str, *, hint: str = "") -> NDArray[np.float64]:
        """The column ``name`` as numbers.

        Parameters
        ----------
        name : str
        hint : str, optional
            Added to the message of a cell that is not a number, e.g.
            ``"; features must be numeric"``.

        Returns
        -------
        ndarray of shape (n_rows,)
            A new array.

        Raises
        ------
        TableError
            At the first cell that is not a number: missing, infinite or text.
        """
        j = self.index(name)
        column = self._columns[j]
        if isinstance(column, _Numbers):
            empty = column.empty()
            if empty is not None:
                raise self._error(j, _first(empty), _not_a_number(""), "")
            return np.array(column.values)
        cells = column.cells
        if self.n_rows == 0:
            return np.empty(0)
        # The grammar's regular expression on every cell, then Arrow's float parsing (correctly
        # rounded, as float() is) of the cells it takes; a number too large for float64 is inf.
        numbers = _as_numpy(pc.match_substring_regex(cells, _NUMBER_RE2))
        if numbers.all():
            values = np.array(_as_numpy(pc.cast(cells, pa.float64())), dtype=np.float64)
            infinite = ~np.isfinite(values)
            if not infinite.any():
                return values
            i = _first(infinite)
        else:
            i = _first(~numbers)
        cell = str(cells[i].as_py())
        problem = _not_a_number(cell)
        raise self._error(j, i, problem + (hint if problem.endswith("not a number") else ""), cell)

    def matrix(self, names: Sequence[str], *, hint: str = "") -> NDArray[np.float64]:
        """The columns ``names`` as numbers, side by side.

        The same as ``np.column_stack([table.numbers(name) for name in names])``,
        errors included, but without copying where the columns lie side by side in
        the table's block of numbers (a file's columns of numbers, in their order).

        Parameters
        ----------
        names : sequence of str
        hint : str, optional
            As for :meth:`numbers`.

        Returns
        -------
        ndarray of shape (n_rows, len(names))
            Read-only: a view of the table's own numbers where it can be, else a new array.

        Raises
        ------
        TableError
            At the first cell that is not a number, column by column.
        """
        columns = [self.index(name) for name in names]
        positions = [self._positions.get(j, -1) for j in columns]
        if self._block is not None and positions and positions[0] >= 0 \
                and positions == list(range(positions[0], positions[0] + len(positions))):
            for name, j in zip(names, columns):
                column = self._columns[j]
                if isinstance(column, _Numbers) and column.empty() is not None:
                    self.numbers(name, hint=hint)  # raises, naming the first empty cell
            out = self._block[:, positions[0]:positions[0] + len(positions)].view()
        elif names:
            out = np.column_stack([self.numbers(name, hint=hint) for name in names])
        else:
            out = np.empty((self.n_rows, 0))
        out.flags.writeable = False
        return out

    def cells(self, name: str) -> Cells:
        """The column ``name``'s cells as text, as :attr:`columns` gives them, without reading the others.

        Returns
        -------
        ndarray of shape (n_rows,), dtype object
            The text of each cell, the spaces around it removed.

        Raises
        ------
        TableError
            If there is no such column.
        """
        return self._cells(self.index(name))

    def values(self, name: str) -> NDArray[Any]:
        """The column ``name`` as a feature: its numbers, or else its text, missing values kept.

        Returns
        -------
        ndarray of shape (n_rows,)
            float64 when every cell is a number or missing, with NaN for a
            missing cell; else dtype object, of ``str`` (the text of each cell,
            one of :data:`MISSING_VALUES` for a missing one, as :func:`is_missing` says).
            A new array either way.

        Raises
        ------
        TableError
            If there is no such column, or a column of numbers holds an
            infinite one (``1e999``, ``inf``).
        """
        j = self.index(name)
        column = self._columns[j]
        if isinstance(column, _Numbers):
            return np.array(column.values)
        cells = column.cells
        if self.n_rows == 0:
            return np.empty(0)
        present = pc.invert(_missing_texts(cells))
        numbers = _as_numpy(pc.or_(pc.match_substring_regex(cells, _NUMBER_RE2), pc.invert(present)))
        if numbers.all():  # numbers and missing cells, which Arrow did not take as float64 ("NaN", "inf")
            values = np.array(_as_numpy(pc.cast(pc.if_else(present, cells, "nan"), pa.float64())),
                              dtype=np.float64)
            infinite = np.isinf(values)
            if infinite.any():
                i = _first(infinite)
                raise self._error(j, i, _not_a_number(str(cells[i].as_py())))
            return values
        return np.asarray(cells.to_numpy(zero_copy_only=False), dtype=object)

    def numbers_or_missing(self, name: str, *, hint: str = "") -> NDArray[np.float64]:
        """The column ``name`` as numbers, NaN for a missing cell: :meth:`numbers` with holes allowed.

        Parameters
        ----------
        name : str
        hint : str, optional
            As for :meth:`numbers`.

        Returns
        -------
        ndarray of shape (n_rows,)
            A new array.

        Raises
        ------
        TableError
            At the first cell that is neither a number nor missing (text), or at
            the first infinite one.
        """
        j = self.index(name)
        column = self._columns[j]
        if isinstance(column, _Texts) and self.n_rows:
            cells = column.cells
            allowed = pc.or_(pc.match_substring_regex(cells, _NUMBER_RE2), _missing_texts(cells))
            bad = ~_as_numpy(allowed)
            if bad.any():
                i = _first(bad)
                cell = str(cells[i].as_py())
                problem = _not_a_number(cell)
                raise self._error(j, i, problem + (hint if problem.endswith("not a number") else ""), cell)
        return np.asarray(self.values(name), dtype=np.float64)

    def labels(self, name: str) -> Cells:
        """The column ``name`` as class labels, numbers written one way (:func:`label_of`).

        Returns
        -------
        ndarray of shape (n_rows,), dtype object
            The labels, as ``str``.

        Raises
        ------
        TableError
            At the first missing label.
        """
        j = self.index(name)
        column = self._columns[j]
        if isinstance(column, _Numbers):
            empty = column.empty()
            if empty is not None:
                raise self._error(j, _first(empty), "the label is missing", "")
            values, inverse = np.unique(column.values, return_inverse=True)
            texts = np.array([_label_of_value(float(v)) for v in values], dtype=object)
            return np.asarray(texts[inverse.reshape(-1)], dtype=object)
        cells = column.cells
        missing = _as_numpy(_missing_texts(cells)) if self.n_rows else np.zeros(0, dtype=bool)
        if missing.any():
            raise self._error(j, _first(missing), "the label is missing")
        distinct = pc.unique(cells)
        index = _as_numpy(pc.index_in(cells, value_set=distinct)) if self.n_rows else np.zeros(0, int)
        texts = np.array([label_of(text) for text in distinct.to_pylist()], dtype=object)
        return np.asarray(texts[index], dtype=object)

    def distinct_labels(self, name: str) -> list[str]:
        """The labels of the column ``name`` (:meth:`labels`), each once, in no particular order.

        Without a Python string per row: the cells are made distinct first.

        Raises
        ------
        TableError
            At the first missing label.
        """
        j = self.index(name)
        column = self._columns[j]
        if isinstance(column, _Numbers):
            empty = column.empty()
            if empty is not None:
                raise self._error(j, _first(empty), "the label is missing", "")
            return list({_label_of_value(float(v)) for v in np.unique(column.values)})
        if self.n_rows and (missing := _as_numpy(_missing_texts(column.cells))).any():
            raise self._error(j, _first(missing), "the label is missing")
        return list({label_of(text) for text in pc.unique(column.cells).to_pylist()})

    def class_indices(self, name: str, classes: Sequence[str], *,
                      whose: str = "the") -> NDArray[np.int64]:
        """The index in ``classes`` of each row's label in the column ``name``.

        Parameters
        ----------
        name : str
        classes : sequence of str
            The classes, in order; compared as labels, so ``"1.0"`` matches ``"1"``.
        whose : str, default="the"
            Whose classes they are, for the message (``"the model's"``).

        Returns
        -------
        ndarray of shape (n_rows,)

        Raises
        ------
        TableError
            At the first missing label, or the first that is not one of ``classes``.
        """
        index = {label_of(c): k for k, c in enumerate(classes)}
        j = self.index(name)
        labels = self.labels(name)
        distinct, inverse = np.unique(labels, return_inverse=True)
        codes = np.array([index.get(str(label), -1) for label in distinct], dtype=np.int64)
        out = codes[inverse.reshape(-1)] if labels.size else np.empty(0, dtype=np.int64)
        unknown = out < 0
        if unknown.any():
            i = _first(unknown)
            raise self._error(j, i, f"label {shorten(str(labels[i]), 40)!r} is not one of {whose} classes "
                                    f"({name_list(list(classes))})")
        return out

    def infer_task(self, name: str) -> str:
        """``"classification"`` or ``"regression"`` for the column ``name``, as :func:`infer_task` says.

        Raises
        ------
        TableError
            If there is no such column.
        """
        column = self._columns[self.index(name)]
        if isinstance(column, _Numbers):
            values = column.values[~np.isnan(column.values)]
        else:
            present = pc.filter(column.cells, pc.invert(_missing_texts(column.cells)))
            if len(present) == 0:
                return "classification"
            if not _as_numpy(pc.match_substring_regex(present, _NUMBER_RE2)).all():
                return "classification"
            values = _as_numpy(pc.cast(present, pa.float64()))
            if not np.isfinite(values).all():  # "1e999" is text
                return "classification"
        distinct = np.unique(values)
        if distinct.size <= MAX_INTEGER_CLASSES and bool((distinct == np.trunc(distinct)).all()):
            return "classification"
        return "regression"

    def first_row_as_header(self) -> Table:
        """This table with its first row taken as the header (for a file whose header is optional).

        Raises
        ------
        TableError
            If the table has no rows, or the row is not a header by the rules above.
        """
        if self.n_rows == 0:
            raise TableError(self.source, "the file is empty; expected CSV with a header row")
        names = _check_header(self.source, [self._cell(j, 0) for j in range(len(self.names))], self._line(0))
        columns = [_Numbers(c.values[1:], c.may_be_empty) if isinstance(c, _Numbers)
                   else _Texts(c.cells.slice(1)) for c in self._columns]
        origin = None if self._origin is None else self._origin.after(1)
        return Table._of(self.source, names, columns, self.n_rows - 1, True,
                         lines=None if self._lines is None else self._lines[1:], origin=origin,
                         block=None if self._block is None else self._block[1:], positions=self._positions)


#: The name of a first column whose header cell is empty (a pandas index), as pandas names it.
UNNAMED_FIRST = "Unnamed: 0"


def _check_header(source: str, names: Sequence[str], line: int) -> tuple[str, ...]:
    """The header's names, checked; an empty first name is :data:`UNNAMED_FIRST`."""
    if names and not names[0] and UNNAMED_FIRST not in names:
        names = (UNNAMED_FIRST, *names[1:])
    if all(is_number(name) for name in names):
        raise TableError(source, f"no header row: line {line} holds numbers ({name_list(names, limit=4)}); "
                                 "the first row must name the columns")
    for j, name in enumerate(names):
        if not name:
            raise TableError(source, f"the header's column {j + 1} has no name")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TableError(source, f"the header names column {shorten(name, 40)!r} twice")
        seen.add(name)
    return tuple(names)


# ----------------------------------------------------------------- reading
class _Source:
    """The bytes of a table: a file, opened anew for each reading, or bytes in memory."""

    def __init__(self, name: str, *, path: Path | None = None, data: bytes | None = None) -> None:
        self.name, self._path, self._data = name, path, data

    def size(self) -> int:
        return len(self._data) if self._data is not None else os.path.getsize(self._path or "")

    def binary(self) -> IO[bytes]:
        return io.BytesIO(self._data) if self._data is not None else open(self._path or "", "rb")

    def text(self) -> IO[str]:
        """The text, its byte-order mark dropped; lines end in LF, CRLF or CR, kept as they are."""
        return io.TextIOWrapper(self.binary(), encoding="utf-8-sig", newline="")

    def arrow(self, offset: int) -> Any:
        """An Arrow input stream from byte ``offset`` on."""
        stream = pa.BufferReader(self._data) if self._data is not None else pa.OSFile(str(self._path))
        stream.seek(offset)
        return stream

    def holds(self, text: bytes, offset: int) -> bool:
        """Whether ``text`` (a single byte) is anywhere from byte ``offset`` on."""
        if self._data is not None:
            return self._data.find(text, offset) >= 0
        with self.binary() as f:
            f.seek(offset)
            return any(text in block for block in iter(lambda: f.read(1 << 23), b""))

    def windows(self, offset: int) -> Iterator[bytes]:
        """The bytes from ``offset`` on, about :data:`_WINDOW_BYTES` at a time, each window cut after a
        line end (the last one after whatever is left)."""
        with self.binary() as f:
            f.seek(offset)
            rest = b""
            while block := f.read(_WINDOW_BYTES):
                window = rest + block
                # After the last LF, or the last CR but one in the window's last byte (half of a CRLF?)
                end = max(window.rfind(b"\n"), window.rfind(b"\r", 0, len(window) - 1)) + 1
                if end == 0:  # no line end yet: a longer window
                    rest = window
                    continue
                rest = window[end:]
                yield window[:end]
            if rest:
                yield rest


def _records(file: _Source, separator: str) -> Iterator[tuple[int, list[str]]]:
    """Every non-blank row of the file, its cells stripped, with the line it starts on.

    The csv module reads them: this is the grammar's reference, which the
    messages and :attr:`Table.lines` come from.
    """
    with file.text() as text:
        reader = csv.reader(text, delimiter=separator)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader, None)
            except csv.Error as exc:
                raise TableError(file.name, f"not valid CSV: {exc}", line=start) from None
            if row is None:
                return
            stripped = [cell.strip() for cell in row]
            if any(stripped):
                yield start, stripped


@dataclass(frozen=True)
class _Origin:
    """Where a table's rows are in its file, to read them again: the index of its first row among
    the file's non-blank rows (the header is row 0)."""

    file: _Source
    separator: str
    first: int
    layout: _Layout | None = None  # the whole file's, for a table of all its rows

    def texts(self, j: int, n_rows: int) -> Cells | None:
        """Column ``j``'s cells as text, read again by Arrow as a column of text: ``None`` where that
        does not apply (a table of some of the file's rows) or Arrow refuses what the csv module took."""
        if self.layout is None or self.first != self.layout.first:
            return None
        try:
            as_text = [False] * len(self.layout.names)
            texts = [batch.texts[j] for batch in _batches(self.file, self.layout, as_text)]
        except (_ArrowRefusedError, _NotNumbersError):
            return None
        cells = pa.chunked_array(texts, type=pa.string())
        if len(cells) != n_rows:  # pragma: no cover - the file changed since it was read
            return None
        return np.asarray(cells.to_numpy(zero_copy_only=False), dtype=object)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """The table's rows, from its first: ``(line, cells)``."""
        rows = _records(self.file, self.separator)
        for _ in range(self.first):
            next(rows, None)
        return rows

    def record(self, i: int) -> tuple[int, list[str]]:
        """The table's row ``i``: ``(line, cells)``."""
        for k, row in enumerate(self.records()):
            if k == i:
                return row
        raise IndexError(i)  # pragma: no cover - the file changed since it was read

    def after(self, n: int) -> _Origin:
        return _Origin(self.file, self.separator, self.first + n, self.layout)


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, as the csv module reads them from a file."""
    with io.StringIO(text, newline="") as lines:
        yield from lines


def _first_rows(text: str, separator: str, limit: int, whole: bool
                ) -> tuple[list[tuple[int, list[str], int]], bool]:
    """The first ``limit`` non-blank rows of ``text``: ``(line, cells, end)``, ``end`` the offset
    after the row; and whether they are all there is to know from ``text``.

    Unless ``whole``, ``text`` is the beginning of the data, cut at a line end: a
    row that reaches its last line may go on after it, and is left out.
    """
    lines = list(_lines(text))
    ends = np.cumsum([0] + [len(line) for line in lines])
    reader = csv.reader(lines, delimiter=separator)
    rows: list[tuple[int, list[str], int]] = []
    while len(rows) < limit:
        start = reader.line_num + 1
        row = next(reader, None)  # a csv.Error is the caller's
        if row is None:
            return rows, whole
        if reader.line_num == len(lines) and not whole:
            return rows, False
        stripped = [cell.strip() for cell in row]
        if any(stripped):
            rows.append((start, stripped, int(ends[reader.line_num])))
    return rows, True


@dataclass(frozen=True)
class _Layout:
    """What the first rows of a file say about the rest.

    Attributes
    ----------
    separator : str
    names : tuple of str
    body : int
        The byte where the data rows begin: after the header, or after the byte-order mark.
    first : int
        The index of the first data row among the file's non-blank rows.
    numeric : tuple of bool
        For each column, whether every cell of the sample is a number or empty: such a
        column is read as float64.
    row_bytes : float
        The sample's bytes per row (0 without a sample).
    """

    separator: str
    names: tuple[str, ...]
    body: int
    first: int
    numeric: tuple[bool, ...]
    row_bytes: float


#: Rows read by the csv module to choose which columns to read as numbers.
_SAMPLE_ROWS = 100
#: Arrow reads a file in blocks of this many bytes, several at once, in windows of whole lines of
#: about this many (a file without quotes): the memory that reading needs besides the table.
_BLOCK_BYTES = 1 << 20
_WINDOW_BYTES = 1 << 22


def _layout(file: _Source, header: bool) -> _Layout:
    """Read the separator, the header and a sample of rows from the beginning of the file.

    Raises
    ------
    TableError
        If the file is not text, or with ``header=True`` has no header row.
    """
    size = file.size()
    n = 1 << 16
    while True:
        with file.binary() as f:
            head = f.read(n)
        whole = len(head) >= size
        bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(head[bom:], final=whole)
        except UnicodeDecodeError:
            text = "\x00"  # found again, with its place, below
        if "\x00" in text:
            _check_text(file)
        if not whole:  # to the last line end (a CR at the very end may be half of a CRLF)
            cut = text[:-1] if text.endswith("\r") else text
            text = text[:max(cut.rfind("\n"), cut.rfind("\r")) + 1]
        layout, complete = _read_layout(file, text, whole, bom, header)
        if complete or whole or n >= size:
            return layout
        n *= 4


def _read_layout(file: _Source, text: str, whole: bool, bom: int, header: bool) -> tuple[_Layout, bool]:
    """The layout from ``text``, the beginning of the file; and whether ``text`` was enough."""
    best, most = SEPARATORS[0], 0
    for candidate in SEPARATORS:
        try:
            first_row, complete = _first_rows(text, candidate, 1, whole)
        except csv.Error:  # reported by the reading itself
            continue
        if not complete:
            return _Layout(best, (), bom, 0, (), 0.0), False
        if first_row and len(first_row[0][1]) > most:
            best, most = candidate, len(first_row[0][1])
    try:
        rows, complete = _first_rows(text, best, 1 + _SAMPLE_ROWS, whole)
    except csv.Error as exc:
        _diagnose(file, header, best)  # finds it, with its line
        raise TableError(file.name, f"not valid CSV: {exc}") from None  # pragma: no cover
    if not complete and len(text) < (1 << 22):  # the sample may be smaller for long rows
        return _Layout(best, (), bom, 0, (), 0.0), False
    if header:
        if not rows:
            _check_text(file)
            raise TableError(file.name, "the file is empty; expected CSV with a header row")
        line, header_cells, end = rows[0]
        try:
            names = _check_header(file.name, header_cells, line)
        except TableError:
            _check_text(file)  # a file that is not text is told first
            raise
        body, first, sample = bom + len(text[:end].encode("utf-8")), 1, rows[1:]
    else:
        names = tuple(str(j + 1) for j in range(len(rows[0][1]) if rows else 0))
        body, first, sample = bom, 0, rows
    cells = [row[1] for row in sample if len(row[1]) == len(names)]
    numeric = tuple(bool(cells) and all(row[j] == "" or is_number(row[j]) for row in cells)
                    for j in range(len(names)))
    row_bytes = 0.0
    if len(sample) > 1:
        row_bytes = len(text[sample[0][2]:sample[-1][2]].encode("utf-8")) / (len(sample) - 1)
    return _Layout(best, tuple(names), body, first, numeric, row_bytes), True


class _NotNumbersError(Exception):
    """A column read as float64 holds a cell that is not a number of the grammar or empty."""

    def __init__(self, column: int) -> None:
        super().__init__(column)
        self.column = column


class _ArrowRefusedError(Exception):
    """Arrow's reading found something the grammar may refuse: the csv module reads the file."""


@dataclass(frozen=True)
class _Batch:
    """Rows of Arrow's reading, checked against the grammar.

    Attributes
    ----------
    numbers : ndarray of shape (n_rows, n_number_columns)
        The columns read as float64, side by side, NaN for an empty cell.
    texts : dict
        The other columns: column index -> Arrow array of the stripped cells.
    may_be_empty : tuple of bool
        For each column of ``numbers``, whether it may hold an empty cell.
    """

    numbers: NDArray[np.float64]
    texts: dict[int, Any]
    may_be_empty: tuple[bool, ...]

    @property
    def n_rows(self) -> int:
        return int(self.numbers.shape[0])

    def rows(self, start: int, stop: int) -> _Batch:
        return _Batch(self.numbers[start:stop],
                      {j: cells.slice(start, stop - start) for j, cells in self.texts.items()},
                      self.may_be_empty)


def _batches(file: _Source, layout: _Layout, numeric: Sequence[bool]) -> Iterator[_Batch]:
    """The data rows, a block of the file (1 MB) at a time, blank rows left out.

    Raises
    ------
    _NotNumbersError
        When a column read as float64 holds ``nan``, ``inf`` or a number beyond float64.
    _ArrowRefusedError
        For anything else Arrow refuses, or a cell of text too long or holding NUL.
    """
    k = len(layout.names)
    if k == 0 or layout.body >= file.size():
        return
    separator = layout.separator
    names = [f"c{j}" for j in range(k)]

    def invalid(row: Any) -> str:  # a row of another length: skipped if blank, else refused
        return "skip" if not row.text.strip(_WHITESPACE + separator) else "error"

    quoted = file.holds(b'"', layout.body)
    options = {
        "read_options": pa_csv.ReadOptions(column_names=names, block_size=_BLOCK_BYTES),
        "parse_options": pa_csv.ParseOptions(delimiter=separator, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=quoted,
                                             ignore_empty_lines=True, invalid_row_handler=invalid),
        "convert_options": pa_csv.ConvertOptions(
            column_types={name: pa.float64() if is_numeric else pa.string()
                          for name, is_numeric in zip(names, numeric)},
            null_values=[""], quoted_strings_can_be_null=True, strings_can_be_null=False, check_utf8=True),
    }
    try:
        if quoted:  # a row may span lines: one stream, read in order
            with file.arrow(layout.body) as stream:
                for batch in pa_csv.open_csv(stream, **options):
                    yield _convert(batch, numeric)
        else:  # every line end ends a row: the file in windows of whole lines, each read in parallel
            for window in file.windows(layout.body):
                for batch in pa_csv.read_csv(pa.BufferReader(window), **options).to_batches():
                    yield _convert(batch, numeric)
    except pa.ArrowInvalid as exc:
        not_a_double = _NOT_A_DOUBLE.match(str(exc))
        if not_a_double is not None and numeric[int(not_a_double[1])]:
            raise _NotNumbersError(int(not_a_double[1])) from None
        raise _ArrowRefusedError(str(exc)) from None


def _convert(batch: Any, numeric: Sequence[bool]) -> _Batch:
    """One record batch of Arrow's reading, checked against the grammar."""
    n = batch.num_rows
    values: list[NDArray[np.float64]] = []
    may_be_empty: list[bool] = []
    texts: dict[int, Any] = {}
    blank = np.ones(n, dtype=bool)  # rows whose every cell so far is empty
    limit = csv.field_size_limit()
    for j, column in enumerate(batch.columns):
        if numeric[j]:
            v = _as_numpy(column)  # float64, NaN for an empty cell (a null)
            if column.null_count:
                empty = np.isnan(v)
                if int(empty.sum()) != column.null_count or np.isinf(v).any():
                    raise _NotNumbersError(j)  # nan, inf or 1e999: text, by the grammar
                blank &= empty
            else:
                if not np.isfinite(v).all():
                    raise _NotNumbersError(j)
                blank[:] = False
            values.append(v)
            may_be_empty.append(column.null_count > 0)
        else:
            if n and (pc.max(pc.utf8_length(column)).as_py() > limit
                      or pc.any(pc.match_substring(column, "\x00")).as_py()):
                raise _ArrowRefusedError(f"column {j + 1}: a cell too long, or a NUL")
            column = pc.utf8_trim(column, characters=_WHITESPACE)
            if blank.any():
                blank &= _as_numpy(pc.equal(column, ""))
            texts[j] = column
    # (n, n_number_columns): a transposed view, copied row-wise where it is stored
    numbers = np.stack(values, axis=0).T if values else np.empty((n, 0))
    if blank.any():  # rows such as ",," or " ; ": skipped, as blank lines are
        kept = ~blank
        numbers = numbers[kept]
        texts = {j: pc.filter(cells, pa.array(kept)) for j, cells in texts.items()}
    return _Batch(numbers, texts, tuple(may_be_empty))


def _estimate_rows(file: _Source, layout: _Layout) -> int:
    """Room for the rows of the file, by the sample's bytes per row (a little more than enough)."""
    body = max(file.size() - layout.body, 0)
    per_row = layout.row_bytes or 2.0 * max(len(layout.names), 1)
    return int(1.1 * body / per_row) + 1024


def _read(file: _Source, header: bool) -> Table:
    """Read a whole table: Arrow's reading, checked, or the csv module's where Arrow cannot."""
    layout = _layout(file, header)
    numeric = list(layout.numeric)
    while True:
        try:
            return _assemble(file, layout, numeric)
        except _NotNumbersError as retype:
            numeric[retype.column] = False  # read it again, as text
        except _ArrowRefusedError:
            _diagnose(file, header)  # raises what the grammar refuses
            return _read_by_csv_module(file, header)


def _assemble(file: _Source, layout: _Layout, numeric: Sequence[bool]) -> Table:
    """The table from Arrow's batches: the columns of numbers in one block, filled as they come."""
    positions = {j: p for p, j in enumerate(j for j, is_numeric in enumerate(numeric) if is_numeric)}
    block = np.empty((_estimate_rows(file, layout), len(positions)))  # unused rows take no memory
    texts: dict[int, list[Any]] = {j: [] for j in range(len(numeric)) if not numeric[j]}
    may_be_empty = [False] * len(positions)
    n = 0
    for batch in _batches(file, layout, numeric):
        m = batch.n_rows
        if n + m > block.shape[0]:  # more rows than guessed
            grown = np.empty((max(2 * block.shape[0], n + m), block.shape[1]))
            grown[:n] = block[:n]
            block = grown
        block[n:n + m] = batch.numbers
        for j, cells in batch.texts.items():
            texts[j].append(cells)
        may_be_empty = [a or b for a, b in zip(may_be_empty, batch.may_be_empty)]
        n += m
    return _table(file, layout, numeric, block[:n], texts, may_be_empty, layout.first)


def _table(file: _Source, layout: _Layout, numeric: Sequence[bool], block: NDArray[np.float64],
           texts: dict[int, list[Any]], may_be_empty: Sequence[bool], first: int) -> Table:
    """A table of the file's rows from ``first`` on (among its non-blank rows), of ``block``'s
    numbers and the Arrow arrays of ``texts``."""
    positions = {j: p for p, j in enumerate(j for j, is_numeric in enumerate(numeric) if is_numeric)}
    columns: list[_Column] = [
        _Numbers(block[:, positions[j]], may_be_empty[positions[j]]) if numeric[j]
        else _Texts(pa.chunked_array(texts[j], type=pa.string()))
        for j in range(len(numeric))
    ]
    return Table._of(file.name, layout.names, columns, int(block.shape[0]), header=layout.first == 1,
                     origin=_Origin(file, layout.separator, first, layout), block=block,
                     positions=positions)


def _check_text(file: _Source) -> None:
    """Refuse a file that is not UTF-8, or holds a NUL, naming the line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    fed = newlines = 0  # bytes given to the decoder so far, and the line ends among them
    nul_line = None
    with file.binary() as f:
        while True:
            block = f.read(1 << 22)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                at = fed - pending + exc.start  # in the file
                line = newlines + block[:max(at - fed, 0)].count(b"\n") + 1
                byte = exc.object[exc.start]
                raise TableError(file.name, f"not a text file (it is not UTF-8: byte {byte:#04x} on line "
                                            f"{line}); save it as CSV in UTF-8") from None
            if not block:
                break
            if nul_line is None and b"\x00" in block:
                nul_line = newlines + block[:block.index(b"\x00")].count(b"\n") + 1
            fed += len(block)
            newlines += block.count(b"\n")
    if nul_line is not None:
        raise TableError(file.name, "the file holds a NUL character; it looks binary, not like CSV",
                         line=nul_line)


def _diagnose(file: _Source, header: bool, separator: str | None = None) -> None:
    """Raise the TableError the grammar gives the file, reading it row by row and keeping none;
    return if the grammar takes it.

    The checks and their order are the grammar's: the text first (UTF-8, no NUL),
    then each row in turn (the header's rules for the first, the number of cells
    for the others).
    """
    _check_text(file)
    if separator is None:
        separator = _layout(file, header).separator
    names: list[str] | None = None
    n_columns = -1
    for line, cells in _records(file, separator):
        if n_columns < 0:  # the first row fixes the number of columns
            n_columns = len(cells)
            if header:
                names = list(_check_header(file.name, cells, line))
            continue
        if len(cells) != n_columns:
            expected = (f"the header has {n_columns} columns ({name_list(names)})" if names is not None
                        else f"the first row has {n_columns}")
            raise TableError(file.name, f"{len(cells)} cells, but {expected}", line=line, n_cells=len(cells))


def _read_by_csv_module(file: _Source, header: bool) -> Table:
    """The whole table read by the csv module, every cell as text (a file Arrow cannot read)."""
    layout = _layout(file, header)
    rows = [(line, cells) for k, (line, cells) in enumerate(_records(file, layout.separator))
            if k >= layout.first]
    columns = [[cells[j] for _, cells in rows] for j in range(len(layout.names))]
    return Table(file.name, layout.names, columns, [line for line, _ in rows], header)


def _source(path: str | Path) -> _Source:
    source = str(path)
    file = Path(path)
    if not file.exists():
        raise TableError(source, "no such file")
    if file.is_dir():
        raise TableError(source, "is a directory, not a CSV file")
    try:
        with open(file, "rb"):
            pass
    except OSError as exc:
        raise TableError(source, f"cannot read: {exc.strerror or exc}") from None
    return _Source(source, path=file)


def parse_table(data: bytes | str, *, source: str = "the data", header: bool = True) -> Table:
    """Read a table from CSV text in memory, by the grammar of this module.

    Parameters
    ----------
    data : bytes or str
        The file's bytes (UTF-8, a byte-order mark allowed) or its text.
    source : str, default="the data"
        What to call the data in messages, e.g. its file name.
    header : bool, default=True
        Whether the first non-blank row names the columns.

    Returns
    -------
    Table
        With ``header=False``, an empty file gives a table without rows or columns.

    Raises
    ------
    TableError
        If the data is not UTF-8, holds a NUL character, has rows of different
        lengths or, with ``header=True``, no header row.

    Examples
    --------
    >>> t = parse_table('a,"b, quoted"\\n1,"2"\\n\\n3,4\\n', source="q.csv")
    >>> t.names, t.lines.tolist(), t.numbers("b, quoted").tolist()
    (('a', 'b, quoted'), [2, 4], [2.0, 4.0])
    >>> parse_table("0,0,no\\n1,1,yes\\n", header=False).names
    ('1', '2', '3')
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return _read(_Source(source, data=bytes(data)), header)


def disable_reader_interruption() -> None:
    """Let Ctrl-C reach the program's own handler while Arrow reads, instead of cancelling the read.

    Arrow sets a SIGINT handler of its own during a long read and raises
    ``ArrowCancelled`` when it fires. A program that handles signals itself (the
    command line stops training, saves the model and exits with 130) calls this
    once; it changes Arrow's process-wide setting.
    """
    pa.enable_signal_handlers(False)


def read_table(path: str | Path, *, header: bool = True) -> Table:
    """Read a CSV file by the grammar of this module; see :func:`parse_table`.

    Raises
    ------
    TableError
        If the file does not exist or cannot be read, or as :func:`parse_table`.
    """
    file = _source(path)
    try:
        return _read(file, header)
    except OSError as exc:  # the file went away, or cannot be read after all
        raise TableError(file.name, f"cannot read: {exc.strerror or exc}") from None


def read_chunks(path: str | Path, rows: int, *, header: bool = True) -> Iterator[Table]:
    """Read a CSV file ``rows`` rows at a time, each chunk a table, in bounded memory.

    The file is read as :func:`read_table` reads it, as a stream: no more than a
    chunk and a block of the file are in memory at once. A column may be held as
    numbers in some chunks and as text in others (when a cell that is not a number
    comes late); :meth:`Table.numbers` and :meth:`Table.labels` give the same
    answers either way.

    Parameters
    ----------
    path : str or Path
    rows : int
        The rows of each chunk but the last, which has the rest (none are empty).
    header : bool, default=True

    Yields
    ------
    Table
        The next ``rows`` rows, with the file's names.

    Raises
    ------
    TableError
        As :func:`read_table`, when the reading gets to the problem: the chunks
        before it have been given already.
    ValueError
        If ``rows`` is not a positive integer.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "d.csv")
    ...     with open(path, "w") as f:
    ...         _ = f.write("x,y\\n1,a\\n2,b\\n3,c\\n")
    ...     [(t.numbers("x").tolist(), t.lines.tolist()) for t in read_chunks(path, 2)]
    [([1.0, 2.0], [2, 3]), ([3.0], [4])]
    """
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or rows < 1:
        raise ValueError(f"rows must be a positive integer; got {rows!r:.60}")
    file = _source(path)
    layout = _layout(file, header)
    numeric = list(layout.numeric)
    given = 0  # rows in the chunks given so far
    while True:
        try:
            for table in _chunks(file, layout, numeric, int(rows), given):
                given += table.n_rows
                yield table
            return
        except _NotNumbersError as retype:
            numeric[retype.column] = False  # from here on, that column is read as text
        except _ArrowRefusedError:
            _diagnose(file, header)
            yield from _chunks_by_csv_module(file, layout, int(rows), given)
            return


def _chunks(file: _Source, layout: _Layout, numeric: Sequence[bool], rows: int, skip: int
            ) -> Iterator[Table]:
    """Arrow's batches regrouped into tables of ``rows`` rows, after the first ``skip`` rows."""
    pending: list[_Batch] = []
    held = 0
    start = skip
    for batch in _batches(file, layout, numeric):
        if skip:
            cut = min(skip, batch.n_rows)
            batch, skip = batch.rows(cut, batch.n_rows), skip - cut
        if batch.n_rows == 0:
            continue
        pending.append(batch)
        held += batch.n_rows
        while held >= rows:
            taken: list[_Batch] = []
            need = rows
            while need:  # the first `rows` rows of the pending batches
                first = pending.pop(0)
                if first.n_rows > need:
                    pending.insert(0, first.rows(need, first.n_rows))
                    first = first.rows(0, need)
                taken.append(first)
                need -= first.n_rows
            held -= rows
            yield _chunk_table(file, layout, numeric, taken, layout.first + start)
            start += rows
    if held:
        yield _chunk_table(file, layout, numeric, pending, layout.first + start)


def _chunk_table(file: _Source, layout: _Layout, numeric: Sequence[bool], batches: list[_Batch],
                 first: int) -> Table:
    block = np.concatenate([batch.numbers for batch in batches])  # (n_rows, n_number_columns)
    texts = {j: [batch.texts[j] for batch in batches] for j in range(len(numeric)) if not numeric[j]}
    may_be_empty = [any(flags) for flags in zip(*(batch.may_be_empty for batch in batches))]
    return _table(file, layout, numeric, block, texts, may_be_empty or [False] * block.shape[1], first)


def _chunks_by_csv_module(file: _Source, layout: _Layout, rows: int, skip: int) -> Iterator[Table]:
    """Tables of ``rows`` rows read by the csv module, every cell as text (a file Arrow cannot read)."""
    chunk: list[tuple[int, list[str]]] = []
    for k, record in enumerate(_records(file, layout.separator)):
        if k < layout.first + skip:
            continue
        chunk.append(record)
        if len(chunk) == rows:
            yield _text_table(file.name, layout, chunk)
            chunk = []
    if chunk:
        yield _text_table(file.name, layout, chunk)


def _text_table(source: str, layout: _Layout, rows: list[tuple[int, list[str]]]) -> Table:
    columns = [[cells[j] for _, cells in rows] for j in range(len(layout.names))]
    return Table(source, layout.names, columns, [line for line, _ in rows], layout.first == 1)


__all__ = [
    "MAX_INTEGER_CLASSES",
    "MISSING_VALUES",
    "SEPARATORS",
    "TASKS",
    "Table",
    "TableError",
    "infer_task",
    "is_missing",
    "is_number",
    "label_of",
    "missing_name",
    "parse_table",
    "read_chunks",
    "read_table",
    "sort_classes",
]
