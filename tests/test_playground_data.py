"""The playground's data on top of the shared table reader: the same file means the same to both faces."""

from __future__ import annotations

import numpy as np
import pytest

from playwithnn import tabular
from playwithnn.playground.data import DataError, Upload, make_split, parse_csv
from playwithnn.playground.settings import Settings

GOOD = b"\xef\xbb\xbfsize;weight;kind\r\n1.5;2e1;1.0\r\n\r\n2;-3;2\r\n0;.5;1\r\n4;1;2.00\r\n"


def test_an_upload_reads_as_the_command_line_reads_it() -> None:
    up = parse_csv(GOOD)
    table = tabular.parse_table(GOOD, source="good.csv")
    assert up.columns == table.names == ("size", "weight", "kind")
    np.testing.assert_array_equal(up.X, np.column_stack([table.numbers("size"), table.numbers("weight")]))
    # "1.0" is the label 1 and "2.00" the label 2, for both.
    assert list(up.classes) == tabular.sort_classes(table.labels("kind")) == ["1", "2"]
    assert up.y.tolist() == table.class_indices("kind", up.classes).tolist() == [0, 1, 0, 1]


@pytest.mark.parametrize(
    ("data", "columns"),
    [
        (b"0,0,a\n1,1,a\n0,1,b\n1,0,b\n", ("x1", "x2", "label")),  # numbers first: no header
        (b"u,v,w\n0,0,a\n1,1,a\n0,1,b\n1,0,b\n", ("u", "v", "w")),
        (b"1,v,w\n0,0,a\n1,1,a\n0,1,b\n1,0,b\n", ("1", "v", "w")),  # one name is enough
    ],
)
def test_the_header_is_optional(data: bytes, columns: tuple[str, str, str]) -> None:
    up = parse_csv(data)
    assert up.columns == columns and up.X.shape == (4, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,a,k\n0,0,x\n1,1,x\n0,1,y\n1,0,y\n", "the header names column 'a' twice"),
        (b"0,0,x\n1,1,nan\n0,1,y\n1,0,y\n", "row 2: the label is missing"),
        (b"0,0,1\n1,1,1.0\n0,1,01\n1,0,1\n",
         "it holds 1: '1' (the labels '01' and '1' are the same number)"),
        (b"0,0,x\n1,1_0,x\n0,1,y\n1,0,y\n", "row 2, column 2: '1_0' is not a finite number"),
        (b"0,0,x\n1,1,x\n\n0,1,y,z\n1,0,y\n", "row 4 has 4 fields; every row needs 3: x1, x2, label"),
    ],
)
def test_refusals_name_the_row(data: bytes, message: str) -> None:
    with pytest.raises(DataError) as info:
        parse_csv(data)
    assert message in str(info.value)


def upload(n: int) -> Upload:
    rows = "".join(f"{i},{i % 3},{'ab'[i % 2]}\n" for i in range(n))
    return parse_csv(rows.encode())


def test_the_split_is_the_first_points_of_a_permutation() -> None:
    s = Settings(dataset="moons", n_samples=50, train_ratio=0.3, seed=7)
    split = make_split(s)
    from playwithnn.datasets import make_dataset

    X, _ = make_dataset("moons", 50, 0.0, 7)
    order = np.random.default_rng(7).permutation(50)
    np.testing.assert_array_equal(split.X_train, X[order[:15]])
    np.testing.assert_array_equal(split.X_test, X[order[15:]])


@pytest.mark.parametrize(("n", "ratio", "message"), [
    (4, 0.1, "train_ratio 0.1 of 4 rows gives 0 points to train on and 4 to test on"),
    (4, 0.9, "train_ratio 0.9 of 4 rows gives 4 points to train on and 0 to test on"),
])
def test_an_upload_too_small_to_split_is_a_clear_error(n: int, ratio: float, message: str) -> None:
    with pytest.raises(DataError) as info:
        make_split(Settings(dataset="upload", train_ratio=ratio), upload(n))
    assert str(info.value).startswith(message)
    split = make_split(Settings(dataset="upload", train_ratio=0.5), upload(n))
    assert (len(split.y_train), len(split.y_test)) == (2, 2)
