"""Tables read from CSV: the one reader behind the command line and the playground.

``playwithnn train`` and the playground's upload read their files here, so a
file means the same thing to both. A table is a header of column names and one
NumPy array of cells per column; :meth:`Table.numbers` and :meth:`Table.labels`
turn a column into the numbers or the class labels it holds. The grammar:

Text
    UTF-8, with or without a byte-order mark. A NUL character anywhere refuses
    the file: it is binary, not CSV. Lines end in LF, CRLF or CR.
Rows and cells
    A row is one CSV record (RFC 4180): cells split by the separator, and a cell
    in double quotes may hold the separator, line ends and doubled quotes (``""``
    for one ``"``); a quote left open runs to the end of the file. Spaces around
    each cell are removed. A row whose every cell is empty (a blank line) is
    skipped. Every row has as many cells as the first.
Separator
    A comma, a semicolon or a tab, one for the whole file: the one of the three
    that splits the first non-blank row into the most cells, a separator inside
    quotes not counting; on a tie the comma wins, then the semicolon. A file of
    one column has none.
Header
    With ``header=True`` the first non-blank row names the columns: each name
    non-empty and different from the others, and not every one a number (a row
    of numbers is data, not a header). With ``header=False`` every row is data
    and the columns are named ``"1"``, ``"2"``, ... by position.
Numbers
    Plain decimal numbers in the digits 0 to 9: an optional sign, digits with
    an optional decimal point, an optional exponent (``-1.5``, ``.5``, ``3.``,
    ``2e-3``, ``1E+6``), whose value is finite in float64. Nothing else is a
    number: not ``1_000``, ``1,5``, ``0x1f``, ``inf``, ``nan`` or ``1e999``.
Missing values
    An empty cell, or ``nan`` in any case (``NaN``, ``NAN``), is missing. A
    missing number or label is an error: fill or remove those cells first.
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

>>> data = b"\\xef\\xbb\\xbfheight;weight;kind\\r\\n1.5;60;1.0\\r\\n2;85;2\\r\\n"
>>> table = parse_table(data, source="h.csv")
>>> table.names, table.numbers("weight").tolist(), table.labels("kind").tolist()
(('height', 'weight', 'kind'), [60.0, 85.0], ['1', '2'])
>>> infer_task(table.columns[2])
'classification'
>>> parse_table(b"x,y\\n1,2\\n3,1_000\\n", source="d.csv").numbers("y")
Traceback (most recent call last):
...
playwithnn.tabular.TableError: d.csv, line 3, column 'y': '1_000' is not a number
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INFINITY = re.compile(r"[+-]?inf(?:inity)?", re.IGNORECASE)
# What float() takes and _NUMBER does not always holds a character outside this set
# ("nan", "inf", "1_000", "0x1f", " 1", "١"); so a column with none of them, which
# float() converts, is a column of numbers: the same rule, checked a column at a time.
_NOT_IN_A_NUMBER = re.compile(r"[^0-9eE+\-.\x00]")
# A line with its end: LF, CRLF or CR (the csv module reads records from lines).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

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
    """Whether a cell is a missing value: empty, or ``nan`` in any case.

    >>> is_missing(""), is_missing("NaN"), is_missing("0")
    (True, True, False)
    """
    return text == "" or (len(text) == 3 and text.lower() == "nan")


def label_of(text: str) -> str:
    """The label a (non-missing) cell stands for: its text, with numbers written one way.

    >>> [label_of(t) for t in ["1.0", "+1", "01", "1e0", "1.50", "-0", "cat", "1_000"]]
    ['1', '1', '1', '1', '1.5', '0', 'cat', '1_000']
    """
    if not is_number(text):
        return text
    value = float(text)
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
        return "the cell is NaN; fill or remove missing values first"
    if _INFINITY.fullmatch(cell) or _NUMBER.fullmatch(cell):  # "inf", or "1e999" beyond float64
        return f"the cell is infinite ({shorten(cell, 40)!r})"
    return f"{shorten(cell, 40)!r} is not a number"


# ------------------------------------------------------------------- table
@dataclass(frozen=True, eq=False)
class Table:
    """A CSV file's columns: names, cells, and the line each row starts on.

    Attributes
    ----------
    source : str
        The file's name, for messages.
    names : tuple of str
        The columns' names (``"1"``, ``"2"``, ... without a header).
    columns : tuple of ndarray of shape (n_rows,)
        Each column's cells, as text with the spaces around it removed (dtype object).
    lines : ndarray of shape (n_rows,)
        The line of the file each row starts on.
    header : bool
        Whether the names come from a header row.
    """

    source: str
    names: tuple[str, ...]
    columns: tuple[Cells, ...]
    lines: NDArray[np.int64]
    header: bool = True

    @property
    def n_rows(self) -> int:
        """Number of data rows (the header is not one)."""
        return int(self.lines.size)

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

    def _error(self, j: int, i: int, problem: str) -> TableError:
        return TableError(self.source, problem, line=int(self.lines[i]),
                          column=self.names[j] if self.header else None, position=j + 1,
                          cell=str(self.columns[j][i]))

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

        Raises
        ------
        TableError
            At the first cell that is not a number: missing, infinite or text.
        """
        j = self.index(name)
        cells = self.columns[j]
        values = None
        if _NOT_IN_A_NUMBER.search("\x00".join(cells)) is None:  # cells hold no NUL
            try:
                values = cells.astype(np.float64)
            except ValueError:  # "1.2.3", "1e", "" and the like: found below
                pass
        if values is None or not np.isfinite(values).all():
            i = next(i for i, cell in enumerate(cells) if not is_number(cell))
            problem = _not_a_number(cells[i])
            raise self._error(j, i, problem + (hint if problem.endswith("not a number") else ""))
        return values

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
        out = np.empty(self.n_rows, dtype=object)
        for i, cell in enumerate(self.columns[j]):
            if is_missing(cell):
                raise self._error(j, i, "the label is missing")
            out[i] = label_of(cell)
        return out

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
        out = np.empty(self.n_rows, dtype=np.int64)
        for i, label in enumerate(self.labels(name)):
            k = index.get(label)
            if k is None:
                raise self._error(j, i, f"label {shorten(label, 40)!r} is not one of {whose} classes "
                                        f"({name_list(list(classes))})")
            out[i] = k
        return out

    def first_row_as_header(self) -> Table:
        """This table with its first row taken as the header (for a file whose header is optional).

        Raises
        ------
        TableError
            If the table has no rows, or the row is not a header by the rules above.
        """
        if self.n_rows == 0:
            raise TableError(self.source, "the file is empty; expected CSV with a header row")
        names = tuple(str(column[0]) for column in self.columns)
        _check_header(self.source, names, int(self.lines[0]))
        return Table(self.source, names, tuple(column[1:] for column in self.columns), self.lines[1:])


def _check_header(source: str, names: Sequence[str], line: int) -> None:
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


# ----------------------------------------------------------------- reading
def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, as the csv module reads them from a file."""
    if text.count("\r") != text.count("\r\n"):  # a line ends in CR alone somewhere
        yield from (match.group() for match in _LINE.finditer(text))
        return
    start = 0
    while start < len(text):  # LF and CRLF: the LFs end the lines
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _separator(text: str) -> str:
    """The separator of the grammar: the one that splits the first non-blank row into the most cells."""
    best, most = SEPARATORS[0], 0
    for separator in SEPARATORS:
        try:
            for row in csv.reader(_lines(text), delimiter=separator):
                if any(cell.strip() for cell in row):
                    if len(row) > most:
                        best, most = separator, len(row)
                    break
        except csv.Error:  # reported by the reading itself
            continue
    return best


def _parse(text: str, source: str, header: bool) -> Table:
    """The raw reading: text to a table of cells, checking only the shape of the rows."""
    separator = _separator(text)
    reader = csv.reader(_lines(text), delimiter=separator)
    names: tuple[str, ...] | None = None
    n_columns = -1
    cells: list[str] = []  # every data cell, row after row
    lines: list[int] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise TableError(source, f"not valid CSV: {exc}", line=start) from None
        if row is None:
            break
        stripped = list(map(str.strip, row))
        if not any(stripped):
            continue  # a blank line
        if n_columns < 0:  # the first row fixes the number of columns
            n_columns = len(stripped)
            if header:
                names = tuple(stripped)
                _check_header(source, names, start)
                continue
        if len(stripped) != n_columns:
            expected = (f"the header has {n_columns} columns ({name_list(names)})" if names is not None
                        else f"the first row has {n_columns}")
            raise TableError(source, f"{len(stripped)} cells, but {expected}", line=start,
                             n_cells=len(stripped))
        cells.extend(stripped)
        lines.append(start)
    if header and names is None:
        raise TableError(source, "the file is empty; expected CSV with a header row")
    if names is None:
        names = tuple(str(j + 1) for j in range(max(n_columns, 0)))
    flat = np.empty(len(cells), dtype=object)
    flat[:] = cells
    del cells
    grid = flat.reshape(len(lines), len(names))  # (n_rows, n_columns)
    columns = tuple(np.ascontiguousarray(grid[:, j]) for j in range(len(names)))
    return Table(source, names, columns, np.array(lines, dtype=np.int64), header)


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
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise TableError(source, f"not a text file (it is not UTF-8: byte {data[exc.start]:#04x} on "
                                     f"line {line}); save it as CSV in UTF-8") from None
    else:
        text = data[1:] if data.startswith("\ufeff") else data
    nul = text.find("\x00")
    if nul >= 0:
        raise TableError(source, "the file holds a NUL character; it looks binary, not like CSV",
                         line=text.count("\n", 0, nul) + 1)
    return _parse(text, source, header)


def read_table(path: str | Path, *, header: bool = True) -> Table:
    """Read a CSV file by the grammar of this module; see :func:`parse_table`.

    Raises
    ------
    TableError
        If the file does not exist or cannot be read, or as :func:`parse_table`.
    """
    source = str(path)
    file = Path(path)
    if not file.exists():
        raise TableError(source, "no such file")
    if file.is_dir():
        raise TableError(source, "is a directory, not a CSV file")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise TableError(source, f"cannot read: {exc.strerror or exc}") from None
    return parse_table(data, source=source, header=header)


__all__ = [
    "MAX_INTEGER_CLASSES",
    "SEPARATORS",
    "TASKS",
    "Table",
    "TableError",
    "infer_task",
    "is_missing",
    "is_number",
    "label_of",
    "parse_table",
    "read_table",
    "sort_classes",
]
