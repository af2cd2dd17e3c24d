"""The table reader: each rule of its grammar, the errors it gives, and messages that stay short."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from playwithnn import tabular
from playwithnn.tabular import (
    MAX_INTEGER_CLASSES,
    Table,
    TableError,
    infer_task,
    is_missing,
    is_number,
    label_of,
    parse_table,
    read_table,
    sort_classes,
)


def table(text: str, **kwargs: object) -> Table:
    return parse_table(text.encode("utf-8"), source="t.csv", **kwargs)  # type: ignore[arg-type]


def refused(text: str | bytes, message: str, **kwargs: object) -> TableError:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(TableError) as info:
        parse_table(data, source="t.csv", **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message
    return info.value


# ------------------------------------------------------------------ result
def test_the_result_is_columns_of_arrays() -> None:
    t = table("a,b\n1,x\n2,y\n")
    assert t.names == ("a", "b") and t.n_rows == 2 and t.header
    assert all(isinstance(c, np.ndarray) and c.dtype == object and c.shape == (2,) for c in t.columns)
    assert t.columns[1].tolist() == ["x", "y"] and t.lines.tolist() == [2, 3]
    np.testing.assert_array_equal(t.numbers("a"), [1.0, 2.0])
    assert t.numbers("a").dtype == np.float64


# --------------------------------------------------------------- separators
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("a,b,c\n1,2,3\n", ("a", "b", "c")),
        ("a;b;c\n1;2;3\n", ("a", "b", "c")),
        ("a\tb\tc\n1\t2\t3\n", ("a", "b", "c")),
        ("a;b,c\n1;2,3\n", ("a;b", "c")),  # a tie: the comma
        ("a\tb;c\n1\t2;3\n", ("a\tb", "c")),  # a tie: the semicolon before the tab
        ('"a,b";c;d\n1;2;3\n', ("a,b", "c", "d")),  # a separator in quotes does not count
        ("a,b;c;d\n1,2;3;4\n", ("a,b", "c", "d")),  # the most cells wins
        ("\n\n  \nx;y\n1;2\n", ("x", "y")),  # the first non-blank row decides
        ("only\n1\n2\n", ("only",)),  # one column, no separator
    ],
)
def test_the_separator_is_the_one_that_splits_the_first_row_most(text: str, names: tuple[str, ...]) -> None:
    assert table(text).names == names


def test_one_separator_for_the_whole_file() -> None:
    t = table("a;b\n1,5;2\n")
    assert t.columns[0].tolist() == ["1,5"]  # a decimal comma is not a number
    with pytest.raises(TableError, match="'1,5' is not a number"):
        t.numbers("a")


# ------------------------------------------------------- quotes and lines
def test_quoted_cells_hold_separators_line_ends_and_quotes() -> None:
    t = table('name,note\n"Smith, J","said ""hi""\nand left"\nLee,plain\n')
    assert t.columns[0].tolist() == ["Smith, J", "Lee"]
    assert t.columns[1].tolist() == ['said "hi"\nand left', "plain"]
    assert t.lines.tolist() == [2, 4]  # the line each row starts on


def test_a_quoted_number_is_a_number() -> None:
    assert table('x\n"1.5"\n').numbers("x").tolist() == [1.5]


def test_a_quote_left_open_runs_to_the_end() -> None:
    t = table('a,b\n1,"2\n3,4\n')
    assert t.n_rows == 1 and t.columns[1].tolist() == ["2\n3,4"]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_line_ends(end: str) -> None:
    t = table(end.join(["a,b", "1,2", "", "3,4"]) + end)
    assert t.numbers("b").tolist() == [2.0, 4.0] and t.lines.tolist() == [2, 4]


def test_a_byte_order_mark_and_spaces_around_cells_are_dropped() -> None:
    t = parse_table(b"\xef\xbb\xbf x , y \n 1 ,\t2\n")
    assert t.names == ("x", "y") and t.numbers("y").tolist() == [2.0]
    assert parse_table("\ufeffx\n1\n").names == ("x",)


def test_blank_rows_are_skipped() -> None:
    t = table("a,b\n\n , \n1,2\n,\n")
    assert t.n_rows == 1 and t.lines.tolist() == [4]


# ------------------------------------------------------------------ header
def test_without_header_the_columns_are_numbered() -> None:
    t = table("1,2,x\n3,4,y\n", header=False)
    assert t.names == ("1", "2", "3") and not t.header and t.n_rows == 2
    with pytest.raises(TableError, match=r"^t.csv, line 1, column 3: 'x' is not a number$"):
        t.numbers("3")
    assert table("", header=False).names == () and table("", header=False).n_rows == 0


def test_the_first_row_can_become_the_header() -> None:
    t = table("a,b\n1,2\n", header=False).first_row_as_header()
    assert t.names == ("a", "b") and t.header and t.lines.tolist() == [2]
    assert t.numbers("b").tolist() == [2.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "t.csv: the file is empty; expected CSV with a header row"),
        (" \n\n", "t.csv: the file is empty; expected CSV with a header row"),
        ("1,2.5,-3\n4,5,6\n", "t.csv: no header row: line 1 holds numbers (1, 2.5, -3); "
                              "the first row must name the columns"),
        ("a,,c\n1,2,3\n", "t.csv: the header's column 2 has no name"),
        ("a,b,a\n1,2,3\n", "t.csv: the header names column 'a' twice"),
    ],
)
def test_header_rules(text: str, message: str) -> None:
    refused(text, message)


def test_a_header_without_rows_is_a_table_without_rows() -> None:
    t = table("a,b\n")
    assert t.names == ("a", "b") and t.n_rows == 0 and t.numbers("a").shape == (0,)


# ------------------------------------------------------------------ numbers
NUMBERS = ["0", "-1", "+2", "1.5", ".5", "3.", "2e-3", "1E+6", "-0.0", "007", "1.7976931348623157e308"]
NOT_NUMBERS = ["", " ", "1_000", "1,5", "0x1f", "nan", "NaN", "inf", "-Infinity", "1e999", "1e", "e1",
               ".", "+", "1.2.3", "١", "½", "1 2", "--1", "0b1"]


@pytest.mark.parametrize("text", NUMBERS)
def test_numbers_are_plain_decimals(text: str) -> None:
    assert is_number(text)
    assert table(f"x\n{text}\n").numbers("x").tolist() == [float(text)]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_everything_else_is_not_a_number(text: str) -> None:
    assert not is_number(text)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("", "the cell is empty; fill or remove missing values first"),
        ("NaN", "the cell is NaN; fill or remove missing values first"),
        ("nan", "the cell is NaN; fill or remove missing values first"),
        ("NA", "the cell is 'NA' (a missing value); fill or remove missing values first"),
        ("N/A", "the cell is 'N/A' (a missing value); fill or remove missing values first"),
        ("-inf", "the cell is infinite ('-inf')"),
        ("1e999", "the cell is infinite ('1e999')"),
        ("1_000", "'1_000' is not a number; numbers only, please"),
        ("x" * 100, f"'{'x' * 37}...' is not a number; numbers only, please"),
    ],
)
def test_a_cell_that_is_not_a_number_is_named(cell: str, problem: str) -> None:
    t = table(f"a,b\n1,2\n3,{cell}\n")
    with pytest.raises(TableError) as info:
        t.numbers("b", hint="; numbers only, please")
    error = info.value
    assert isinstance(error, ValueError)
    assert str(error) == f"t.csv, line 3, column 'b': {problem}"
    assert (error.source, error.line, error.column, error.position, error.cell, error.problem) == (
        "t.csv", 3, "b", 2, cell, problem)


def test_missing_values() -> None:
    assert [is_missing(t) for t in ["", "nan", "NaN", "NAN", "0", "na", "null", "NA", "None"]] == [
        True, True, True, True, False, False, True, True, True]


# ------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    ("cells", "label"),
    [
        (["1", "1.0", "+1", "01", "1e0", "1.000", "10e-1"], "1"),
        (["0", "-0", "-0.0", "0e5"], "0"),
        (["1.5", "1.50", "15e-1", "+1.5"], "1.5"),
        (["-2", "-2.0"], "-2"),
        (["9007199254740991", "9007199254740991.0"], "9007199254740991"),  # 2**53 - 1
        (["1e20", "100000000000000000000"], "1e+20"),  # from 2**53 on, as Python writes the float
        (["1e300"], "1e+300"),
        (["cat"], "cat"),
        (["1_000"], "1_000"),
        (["inf"], "inf"),
    ],
)
def test_labels_write_a_number_one_way(cells: list[str], label: str) -> None:
    assert {label_of(c) for c in cells} == {label}


def test_labels_of_a_column_and_class_indices() -> None:
    t = table("x,y\n0,1.0\n1,cat\n2,1\n3,2.50\n")
    assert t.labels("y").tolist() == ["1", "cat", "1", "2.5"]
    classes = sort_classes(t.labels("y"))
    assert classes == ["1", "2.5", "cat"]
    assert t.class_indices("y", classes).tolist() == [0, 2, 0, 1]
    # Classes stored in another spelling still match.
    assert t.class_indices("y", ["1.0", "2.5", "cat"]).tolist() == [0, 2, 0, 1]
    with pytest.raises(TableError, match=r"^t.csv, line 3, column 'y': label 'cat' is not one of "
                                         r"the model's classes \(1, 2.5\)$"):
        t.class_indices("y", ["1", "2.5"], whose="the model's")


@pytest.mark.parametrize("cell", ["", "NaN"])
def test_a_missing_label_is_an_error(cell: str) -> None:
    with pytest.raises(TableError, match=r"^t.csv, line 3, column 'y': the label is missing$"):
        table(f"x,y\n0,a\n1,{cell}\n").labels("y")


def test_classes_sort_numbers_by_value_then_text() -> None:
    assert sort_classes(["b", "10", "9", "a", "-1", "9", "1.5"]) == ["-1", "1.5", "9", "10", "a", "b"]


# --------------------------------------------------------------------- task
@pytest.mark.parametrize(
    ("cells", "task"),
    [
        (["a", "b"], "classification"),
        (["0", "1", "2"], "classification"),
        (["1.0", "2.0"], "classification"),
        (["1", "", "2", "nan"], "classification"),  # missing cells do not count
        (["1", "x", "2.5"], "classification"),  # any text
        (["inf", "1"], "classification"),  # "inf" is text
        (["0.5", "1.25"], "regression"),
        ([str(i) for i in range(MAX_INTEGER_CLASSES)], "classification"),
        ([str(i) for i in range(MAX_INTEGER_CLASSES + 1)], "regression"),
        ([], "classification"),
    ],
)
def test_task_inference(cells: list[str], task: str) -> None:
    assert infer_task(cells) == task


# ------------------------------------------------------------------- errors
def test_rows_of_another_length() -> None:
    error = refused("a,b,c\n1,2,3\n4,5\n", "t.csv, line 3: 2 cells, but the header has 3 columns (a, b, c)")
    assert (error.line, error.n_cells) == (3, 2)
    error = refused("1,2\n3,4,5\n", "t.csv, line 2: 3 cells, but the first row has 2", header=False)
    assert error.n_cells == 3


def test_text_that_is_not_utf8_or_holds_nul() -> None:
    refused(b"a,b\n1,2\ncaf\xe9,3\n",
            "t.csv: not a text file (it is not UTF-8: byte 0xe9 on line 3); save it as CSV in UTF-8")
    refused(b"a,b\n1,2\n3\x00,4\n",
            "t.csv, line 3: the file holds a NUL character; it looks binary, not like CSV")


def test_a_cell_beyond_the_csv_modules_limit() -> None:
    with pytest.raises(TableError, match=r"^t.csv, line 2: not valid CSV: field larger than field limit"):
        table("a\n" + "x" * (csv.field_size_limit() + 1) + "\n")


def test_files(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_bytes(b"a;b\r\n1;2\r\n")
    t = read_table(tmp_path / "d.csv")
    assert t.source == str(tmp_path / "d.csv") and t.numbers("b").tolist() == [2.0]
    for path, problem in [(tmp_path / "no.csv", "no such file"),
                          (tmp_path, "is a directory, not a CSV file")]:
        with pytest.raises(TableError) as info:
            read_table(path)
        assert str(info.value) == f"{path}: {problem}"


# ---------------------------------------------------------- short messages
def test_an_unknown_column_names_a_few_and_the_closest() -> None:
    t = table("x1,x2,label\n1,2,3\n")
    with pytest.raises(TableError) as info:
        t.index("lable")
    assert str(info.value) == "t.csv: no column 'lable'; the columns are x1, x2, label; did you mean 'label'?"


def test_ten_thousand_columns_give_short_lines() -> None:
    names = [f"c{j}" for j in range(9999)] + ["x1"]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([names, ["1"] * 10_000, ["2"] * 9_998])
    t_text = buffer.getvalue()
    with pytest.raises(TableError) as info:
        table(t_text)
    assert len(str(info.value)) < 300
    assert str(info.value).endswith("the header has 10000 columns (c0, c1, c2, c3, c4, c5 and 9994 more)")
    t = table(t_text.rsplit("\n", 2)[0] + "\n")
    with pytest.raises(TableError) as info:
        t.index("x")
    message = str(info.value)
    assert len(message) < 300
    assert message == ("t.csv: no column 'x'; the 10000 columns are c0, c1, c2, c3, c4, c5 and 9994 more; "
                       "did you mean 'x1'?")


def test_long_names_and_cells_are_cut() -> None:
    long = "n" * 10_000
    t = table(f"{long},b\n{'v' * 10_000},2\n")
    for call in (lambda: t.index("m" * 10_000), lambda: t.numbers(long)):
        with pytest.raises(TableError) as info:
            call()
        assert len(str(info.value)) < 300
    with pytest.raises(TableError) as info:
        table(f"{long},{long}\n1,2\n")
    assert len(str(info.value)) < 300


def test_a_column_converts_exactly_when_every_cell_is_a_number() -> None:
    """numbers() checks a whole column at once; its verdict is is_number's, cell by cell."""
    rng = np.random.default_rng(0)
    alphabet = [*"0123456789eE+-.", "_", "n", "a", "i", "f", "x", " ", "١"]
    for _ in range(3000):
        cell = "".join(rng.choice(alphabet, size=int(rng.integers(0, 6))))
        column = np.array(["1", "2.5", cell, "-3"], dtype=object)
        t = Table("t.csv", ("x",), (column,), np.array([2, 3, 4, 5]))
        if is_number(cell):
            assert t.numbers("x").tolist() == [1.0, 2.5, float(cell), -3.0]
        else:
            with pytest.raises(TableError) as info:
                t.numbers("x")
            assert (info.value.line, info.value.cell) == (4, cell)


# ------------------------------------------- Arrow's reading against the csv module's
@dataclass(frozen=True)
class Refusal:
    """An error the grammar gives: its line (if it has one) and words of its message."""

    line: int | None
    words: str


def reference(data: bytes, *, header: bool = True) -> Table | Refusal:
    """The grammar read cell by cell by the csv module alone, as the reader did before it used Arrow:
    the reference that the fast reading must match, cells, lines and errors alike."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Refusal(None, f"not a text file (it is not UTF-8: byte {data[exc.start]:#04x} on line {line})")
    text = text[1:] if text.startswith("\ufeff") else text
    if "\x00" in text:
        return Refusal(text.count("\n", 0, text.index("\x00")) + 1, "NUL")

    def rows(separator: str) -> Any:
        return csv.reader(io.StringIO(text, newline=""), delimiter=separator)

    best, most = ",", 0
    for separator in (",", ";", "\t"):
        try:
            first = next((row for row in rows(separator) if any(c.strip() for c in row)), None)
        except csv.Error:
            continue
        if first is not None and len(first) > most:
            best, most = separator, len(first)
    reader = rows(best)
    names: list[str] | None = None
    cells: list[list[str]] = []
    lines: list[int] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error:
            return Refusal(start, "not valid CSV")
        if row is None:
            break
        stripped = [c.strip() for c in row]
        if not any(stripped):
            continue
        if header and names is None:
            names = stripped
            if all(is_number(n) for n in names) or not all(names) or len(set(names)) < len(names):
                return Refusal(None, "header")
            continue
        width = len(names) if names is not None else len(cells[0]) if cells else len(stripped)
        if len(stripped) != width:
            return Refusal(start, f"{len(stripped)} cells, but")
        cells.append(stripped)
        lines.append(start)
    if header and names is None:
        return Refusal(None, "the file is empty")
    if names is None:
        names = [str(j + 1) for j in range(len(cells[0]) if cells else 0)]
    return Table("t.csv", names, [[row[j] for row in cells] for j in range(len(names))], lines, header)


def outcome(call: Any) -> tuple[Any, ...]:
    """What a call gives: its value as a list, or its error's message, line and cell."""
    try:
        value = call()
    except TableError as exc:
        return ("error", str(exc), exc.line, exc.cell)
    return ("ok", value.tolist() if isinstance(value, np.ndarray) else value)


def assert_same_table(got: Table, expected: Table) -> None:
    """The same names, rows, lines and cells, and the same answers (or errors) column by column."""
    assert (got.names, got.n_rows, got.header) == (expected.names, expected.n_rows, expected.header)
    assert got.lines.tolist() == expected.lines.tolist()
    assert [c.tolist() for c in got.columns] == [c.tolist() for c in expected.columns]
    for name in got.names:
        for ask in ASKED:
            assert outcome(lambda: ask(got, name)) == outcome(lambda: ask(expected, name)), name  # noqa: B023
    assert outcome(lambda: got.matrix(got.names)) == outcome(lambda: expected.matrix(expected.names))


#: What is asked of each column of two tables that must answer the same.
ASKED = [
    lambda t, name: t.numbers(name, hint="; hint"),
    lambda t, name: t.labels(name),
    lambda t, name: t.infer_task(name),
    lambda t, name: t.matrix([name]),
    lambda t, name: t.class_indices(name, ["1", "a"]),
]


NUMBER_CELLS = ["1", "-2.5", "1e3", ".5", "007", "+1", "3.", "1.50", "0", "-0", "2", "2.0", "", "1e-400"]
LABEL_CELLS = ["a", "b", "1", "1.0", "01", "2", "", "nan"]
ODD_CELLS = ["NaN", "cat", "1_000", "inf", "1e999", "-nan", " 7 ", "\t8", '"1"', '"a,b"', '"x\ny"', '""',
             '" 5 "', '"q""r"', "\u00a09", "\x0b4", "x y", "é", "12345678901234567890", "9007199254740993",
             ';', '"', 'a"b']


def random_csv(rng: np.random.Generator) -> tuple[bytes, bool]:
    """A small CSV file drawn at random: its bytes, and whether to read it with a header."""
    n_columns = int(rng.integers(1, 5))
    separator = str(rng.choice([",", ";", "\t"]))
    end = str(rng.choice(["\n", "\r\n", "\r"]))
    kinds = rng.choice(["numbers", "labels", "any"], size=n_columns)
    odd = rng.random() < 0.5  # a file with odd cells, now and then
    rows = []
    for _ in range(int(rng.integers(0, 30))):
        row = []
        for kind in kinds:
            pool = NUMBER_CELLS if kind == "numbers" else LABEL_CELLS if kind == "labels" else ODD_CELLS
            if odd and rng.random() < 0.05:
                pool = ODD_CELLS
            row.append(str(rng.choice(pool)))
        if rng.random() < 0.005:
            row = row[:-1] or ["x", "y"]  # a row of another length
        rows.append(separator.join(row))
        if rng.random() < 0.1:
            rows.append(str(rng.choice(["", " ", separator * (n_columns - 1), "  " + separator, '""'])))
    header = bool(rng.random() < 0.7)
    if header:
        names = [f"c{j}" for j in range(n_columns)]
        if rng.random() < 0.05:
            names[-1] = names[0]
        rows.insert(0, separator.join(names))
    data = end.join(rows) + (end if rng.random() < 0.8 else "")
    encoded = (("\ufeff" if rng.random() < 0.1 else "") + data).encode("utf-8")
    if rng.random() < 0.03:
        at = int(rng.integers(0, len(encoded) + 1))
        encoded = encoded[:at] + bytes([int(rng.choice([0x00, 0xff, 0xe9]))]) + encoded[at:]
    return encoded, header


@pytest.mark.parametrize("small_blocks", [False, True], ids=["blocks of 1 MB", "blocks of 64 bytes"])
def test_arrow_reads_what_the_csv_module_reads(small_blocks: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random small files, read by the reader and by the reference: the same table, or the same error.

    With small blocks and windows, and a sample of 2 rows, the files cross Arrow's block and window
    boundaries, and columns sampled as numbers meet text further down."""
    if small_blocks:
        monkeypatch.setattr(tabular, "_BLOCK_BYTES", 64)
        monkeypatch.setattr(tabular, "_WINDOW_BYTES", 100)
        monkeypatch.setattr(tabular, "_SAMPLE_ROWS", 2)
    rng = np.random.default_rng(7 + small_blocks)
    for _ in range(400):
        data, header = random_csv(rng)
        expected = reference(data, header=header)
        try:
            got = parse_table(data, source="t.csv", header=header)
        except TableError as exc:
            assert isinstance(expected, Refusal), (data, str(exc))
            assert expected.words in str(exc) and exc.line == expected.line, (data, str(exc), expected)
            continue
        assert isinstance(expected, Table), (data, expected)
        assert_same_table(got, expected)


def test_a_large_file_crosses_windows_and_grows_its_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long rows in the sample and short ones after: more rows than the block was made for."""
    monkeypatch.setattr(tabular, "_SAMPLE_ROWS", 5)
    monkeypatch.setattr(tabular, "_WINDOW_BYTES", 4096)
    rows = [f"{'1' * 60},{'2' * 60},long" for _ in range(6)]
    rows += [f"{i},{i % 7}.5,{'ab'[i % 2]}" for i in range(20_000)]
    data = ("x,y,label\n" + "\n".join(rows) + "\n").encode()
    got = parse_table(data, source="t.csv")
    expected = reference(data)
    assert isinstance(expected, Table)
    assert_same_table(got, expected)
    assert got.numbers("x")[6:].tolist() == list(map(float, range(20_000)))


def test_the_whitespace_removed_is_str_strips() -> None:
    assert set(tabular._WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_numbers_come_back_as_numbers_or_as_text_by_the_same_rules() -> None:
    """A column that the sample takes for numbers but holds text further down is read again as text."""
    rows = "".join(f"{i},{i}\n" for i in range(300))
    t = parse_table(f"x,y\n{rows}301,cat\n302,1e999\n".encode(), source="t.csv")
    assert t.numbers("x").tolist() == [*range(300), 301, 302]
    with pytest.raises(TableError, match=r"^t.csv, line 302, column 'y': 'cat' is not a number$"):
        t.numbers("y")
    assert t.labels("y").tolist()[-3:] == ["299", "cat", "1e999"] and t.infer_task("y") == "classification"
    t = parse_table(f"x,y\n{rows}301,\n".encode(), source="t.csv")
    with pytest.raises(TableError, match=r"^t.csv, line 302, column 'y': the cell is empty; fill or remove"):
        t.numbers("y")


def test_matrix_is_numbers_side_by_side() -> None:
    t = table("a,b,label,c\n1,2,x,3\n4,5,y,6\n")
    assert t.matrix(["a", "b"]).tolist() == [[1, 2], [4, 5]]
    assert t.matrix(["c", "a"]).tolist() == [[3, 1], [6, 4]]
    assert not t.matrix(["a", "b"]).flags.writeable and t.matrix([]).shape == (2, 0)
    with pytest.raises(TableError, match="'x' is not a number; numbers only"):
        t.matrix(["a", "label"], hint="; numbers only")


# ------------------------------------------------------------------ chunks
@pytest.mark.parametrize("rows", [1, 3, 1000])
def test_chunks_are_the_tables_rows(rows: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """read_chunks gives the rows of the whole table, ``rows`` at a time, with their lines, and the
    errors the whole reading gives, once it gets to them."""
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 64)
    monkeypatch.setattr(tabular, "_WINDOW_BYTES", 100)
    monkeypatch.setattr(tabular, "_SAMPLE_ROWS", 2)
    rng = np.random.default_rng(rows)
    path = tmp_path / "d.csv"
    for _ in range(60):
        data, header = random_csv(rng)
        path.write_bytes(data)
        expected = reference(data, header=header)
        chunks = []
        try:
            for chunk in tabular.read_chunks(path, rows, header=header):
                chunks.append(chunk)
        except TableError as exc:
            assert isinstance(expected, Refusal), (data, str(exc))
            assert expected.words in str(exc) and exc.line == expected.line, (data, str(exc), expected)
            continue
        assert isinstance(expected, Table), (data, expected)
        sizes = [min(rows, expected.n_rows - k) for k in range(0, expected.n_rows, rows)]
        assert [c.n_rows for c in chunks] == sizes
        for k, chunk in enumerate(chunks):
            part = slice(k * rows, (k + 1) * rows)
            assert_same_table(chunk, Table(str(path), expected.names, [c[part] for c in expected.columns],
                                           expected.lines[part], expected.header))


def test_chunks_of_no_rows_are_refused(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a\n1\n")
    for rows in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="rows must be a positive integer"):
            next(tabular.read_chunks(tmp_path / "d.csv", rows))  # type: ignore[arg-type]


# ---------------------------------------------------------- missing values
@pytest.mark.parametrize("marker", [*sorted(tabular.MISSING_VALUES), "NAN", "nAn"])
def test_pandas_missing_value_markers_are_missing_everywhere(marker: str) -> None:
    pd = pytest.importorskip("pandas")
    assert tabular.is_missing(marker)
    text = f"x,c,y\n1,a,p\n{marker},{marker},q\n2.5,b,{marker}\n"
    t = tabular.parse_table(text.encode(), source="m.csv")
    # As a number column, a category column and the Arrow regex: one rule, pandas' own.
    assert np.isnan(t.values("x")).tolist() == [False, True, False]
    assert t.numbers_or_missing("x")[[0, 2]].tolist() == [1.0, 2.5]
    missing_texts = tabular._as_numpy(tabular._missing_texts(t.cells("c")))
    assert np.asarray(missing_texts).tolist() == [False, True, False]
    with pytest.raises(tabular.TableError, match="line 4, column 'y': the label is missing"):
        t.labels("y")
    if marker in tabular.MISSING_VALUES:  # pandas reads exactly these as missing (case counts)
        frame = pd.read_csv(io.StringIO(text))
        assert frame.isna().to_numpy().tolist() == [[False] * 3, [True, True, False], [False, False, True]]


def test_other_texts_are_not_missing() -> None:
    for text in ["na", "Null", "NONE", "n.a.", "-", "?", "0", "nan nan"]:
        assert not tabular.is_missing(text), text


def test_the_cells_of_a_column_of_numbers_are_read_again_by_arrow(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'id,x,name\n 007 ,1.50,"a, b"\n,,\n2.0,-3,c\n\n"1e3", 4 ,"d\ne"\n'
    path = tmp_path / "d.csv"
    path.write_text(text)
    by_csv = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)][1:]
    table = tabular.read_table(path)
    assert table.numbers("id").tolist() == [7.0, 2.0, 1000.0]

    def row_by_row(self: Any) -> Any:
        raise AssertionError("read row by row")

    monkeypatch.setattr(tabular._Origin, "records", row_by_row)
    assert table.cells("id").tolist() == [row[0].strip() for row in by_csv] == ["007", "2.0", "1e3"]
    assert table.cells("x").tolist() == ["1.50", "-3", "4"]
