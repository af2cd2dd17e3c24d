"""Preprocessing: raw rows to network inputs, by hand-worked numbers, every input kind, and every refusal.

Exact equality is used where the expected value comes from the same one or two
correctly rounded IEEE operations the code performs (``(v - mean) / scale``),
or where every intermediate value is exactly representable (the means and
standard deviations below are chosen so): those results are the same on any
machine. A tolerance is stated where a sum's order may differ.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import playwithnn.preprocessing as preprocessing
from playwithnn.preprocessing import Encoding, Preprocessing, PreprocessingError, category_key


def age_and_color(**color: Any) -> Preprocessing:
    """A number (imputed 40, mean 40, scale 10) and two categories, as in the module's example."""
    return Preprocessing(["age", "color"], [
        Encoding("age", impute=40.0, mean=[40.0], scale=[10.0]),
        Encoding("color", categories=["blue", "red"], **color)])


# ------------------------------------------------------------ the arithmetic
def test_number_is_standardised_and_imputed() -> None:
    pre = Preprocessing(["x"], [Encoding("x", impute=2.5, mean=[1.5], scale=[4.0])])
    out = pre.transform({"x": [1.5, 9.5, -2.5, None, 0.1]})
    assert out.shape == (5, 1) and out.dtype == np.float64
    # x = (v - mean) / scale; a missing v is impute first: (2.5 - 1.5) / 4.
    assert out[:, 0].tolist() == [0.0, 2.0, -1.0, 0.25, (0.1 - 1.5) / 4.0]


def test_number_without_mean_and_scale_passes_through() -> None:
    encoding = Encoding("x")
    assert (encoding.mean, encoding.scale, encoding.width) == ((0.0,), (1.0,), 1)
    v = [0.1, -3.7, 1e300]
    assert Preprocessing(["x"], [encoding]).transform({"x": v})[:, 0].tolist() == v


def test_one_hot_columns_with_per_category_mean_and_scale() -> None:
    encoding = Encoding("c", categories=["a", "b", "c"], mean=[0.25, 0.75, 0.5], scale=[0.5, 2.0, 0.25])
    pre = Preprocessing(["c"], [encoding])
    assert pre.input_names == ["c=a", "c=b", "c=c"] and pre.n_inputs == 3
    # x_j = ([v = c_j] - mean_j) / scale_j
    assert pre.transform({"c": ["a", "b", "c"]}).tolist() == [
        [(1 - 0.25) / 0.5, (0 - 0.75) / 2.0, (0 - 0.5) / 0.25],
        [(0 - 0.25) / 0.5, (1 - 0.75) / 2.0, (0 - 0.5) / 0.25],
        [(0 - 0.25) / 0.5, (0 - 0.75) / 2.0, (1 - 0.5) / 0.25]]


def test_module_example_by_hand() -> None:
    pre = age_and_color()
    assert pre.input_names == ["age", "color=blue", "color=red"]
    assert pre.transform({"age": [50.0, None], "color": ["red", "blue"]}).tolist() == [
        [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_unknown_category_is_refused_with_the_feature_and_the_row() -> None:
    pre = age_and_color()
    with pytest.raises(PreprocessingError, match=r"feature 'color', row 2: 'green' is not one of the "
                       r"categories the model was trained on \(blue, red\)") as info:
        pre.transform({"age": [1.0, 2.0, 3.0], "color": ["red", "blue", "green"]})
    assert isinstance(info.value, ValueError)
    assert (info.value.feature, info.value.row) == ("color", 2)
    assert info.value.problem.startswith("'green' is not one of the categories")


def test_unknown_category_ignored_gives_zeros_then_the_scaling() -> None:
    encoding = Encoding("c", categories=["a", "b"], mean=[0.25, 0.75], scale=[0.5, 2.0], unknown="ignore")
    out = Preprocessing(["c"], [encoding]).transform({"c": ["z", "a", 3.5]})
    assert out.tolist() == [[-0.5, -0.375], [1.5, -0.375], [-0.5, -0.375]]


def test_one_feature_read_by_two_encodings_and_inputs_in_encoding_order() -> None:
    pre = Preprocessing(["x", "y"], [Encoding("y", categories=[1, 2]), Encoding("x", mean=[1.0]),
                                     Encoding("y", mean=[1.0], scale=[0.5])])
    assert pre.input_names == ["y=1", "y=2", "x", "y"]
    assert pre.transform([[3.0, 2], [5.0, 1]]).tolist() == [[0.0, 1.0, 2.0, 2.0], [1.0, 0.0, 4.0, 0.0]]


# --------------------------------------------------------- category matching
@pytest.mark.parametrize("value", [1, 1.0, "1.0", " 1 ", "1", "+1", "01", "1e0", np.int64(1), np.float32(1.0),
                                   np.str_("1.00")])
def test_one_as_number_or_text_is_one_category(value: Any) -> None:
    pre = Preprocessing(["c"], [Encoding("c", categories=["1", "cat", "Cat"])])
    assert pre.transform({"c": [value]}).tolist() == [[1.0, 0.0, 0.0]]
    assert pre.transform(np.array([[value]], dtype=object)).tolist() == [[1.0, 0.0, 0.0]]


def test_text_is_compared_as_it_is_after_stripping() -> None:
    pre = Preprocessing(["c"], [Encoding("c", categories=["cat", "Cat"])])
    assert pre.transform({"c": ["cat", "Cat", " cat\t"]}).tolist() == [[1, 0], [0, 1], [1, 0]]
    with pytest.raises(PreprocessingError, match="'CAT' is not one of the categories"):
        pre.transform({"c": ["CAT"]})


def test_categories_given_as_numbers_match_text() -> None:
    pre = Preprocessing(["c"], [Encoding("c", categories=[2.5, 10, "x"])])
    assert pre.transform({"c": ["2.50", "1e1", "x", 10.0]}).tolist() == [
        [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]]


def test_category_key() -> None:
    assert [category_key(v) for v in [1, 1.0, "1.0", " 1 ", np.int8(1), np.float16(1)]] == ["1"] * 6
    assert [category_key(v) for v in ["cat", "Cat", " x y ", 2.5, -0.0, True]] == [
        "cat", "Cat", "x y", "2.5", "0", "True"]
    assert [category_key(v) for v in [None, math.nan, np.float32("nan"), pd.NA, "", "  ", "NaN", "nan"]] == [
        None] * 8
    assert category_key(10**400) == "1" + "0" * 400  # an int beyond float's range keeps its digits


# ------------------------------------------------------------ missing values
MISSING = [None, math.nan, pd.NA, "", "NaN", " nan ", np.float64("nan")]


@pytest.mark.parametrize("missing", MISSING, ids=repr)
def test_missing_number_is_imputed(missing: Any) -> None:
    pre = Preprocessing(["x"], [Encoding("x", impute=3.0, mean=[1.0], scale=[2.0])])
    assert pre.transform({"x": [5.0, missing]})[:, 0].tolist() == [2.0, 1.0]
    assert pre.transform({"x": ["5", missing]})[:, 0].tolist() == [2.0, 1.0]  # text numbers too


@pytest.mark.parametrize("missing", MISSING, ids=repr)
def test_missing_category_is_imputed(missing: Any) -> None:
    pre = Preprocessing(["c"], [Encoding("c", categories=["a", "b"], impute="b")])
    assert pre.transform({"c": ["a", missing]}).tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("missing", MISSING, ids=repr)
def test_missing_without_impute_is_refused(missing: Any) -> None:
    number = Preprocessing(["x"], [Encoding("x")])
    with pytest.raises(PreprocessingError, match=r"feature 'x', row 1: the value is missing, and the model "
                       "has no value to fill in for it"):
        number.transform({"x": [1.0, missing]})
    category = Preprocessing(["c"], [Encoding("c", categories=["a"])])
    with pytest.raises(PreprocessingError, match=r"feature 'c', row 2: the value is missing, and the model "
                       "has no category to fill in for it"):
        category.transform({"c": ["a", "a", missing, missing]})


def test_missing_values_in_pandas_and_arrow_columns() -> None:
    pre = age_and_color(impute="red")
    expected = [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    frame = pd.DataFrame({"age": pd.array([50, None, 40], dtype="Int64"),
                          "color": pd.array(["red", "blue", None], dtype="string")})
    assert pre.transform(frame).tolist() == expected
    frame = pd.DataFrame({"age": [50.0, np.nan, 40.0], "color": ["red", "blue", None]})
    assert pre.transform(frame).tolist() == expected
    table = pa.table({"age": pa.array([50, None, 40], pa.int64()), "color": ["red", "blue", None]})
    assert pre.transform(table).tolist() == expected


# ---------------------------------------------------------------- input kinds
ROWS = {"age": [50.0, None, 20.0], "color": ["red", "blue", "red"]}
EXPECTED = [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-2.0, 0.0, 1.0]]


def test_dict_of_columns() -> None:
    pre = age_and_color()
    assert pre.transform(ROWS).tolist() == EXPECTED
    assert pre.transform({k: np.array(v, dtype=object) for k, v in ROWS.items()}).tolist() == EXPECTED
    shuffled = {"color": ROWS["color"], "other": [1, 2, 3], "age": ROWS["age"]}
    assert pre.transform(shuffled).tolist() == EXPECTED


def test_dataframe_found_by_name_with_extra_columns_ignored() -> None:
    pre = age_and_color()
    frame = pd.DataFrame({"id": ["p", "q", "r"], "color": ROWS["color"], "age": ROWS["age"], "y": [1, 2, 3]})
    assert pre.transform(frame).tolist() == EXPECTED
    assert pre.transform(frame.astype({"color": "category"})).tolist() == EXPECTED


def test_dataframe_with_a_missing_column_names_it() -> None:
    pre = age_and_color()
    with pytest.raises(ValueError, match=r"^X has no column color; the model reads age, color$"):
        pre.transform(pd.DataFrame({"age": [1.0], "colour": ["red"]}))
    with pytest.raises(ValueError, match=r"^X has no columns age, color;"):
        pre.transform({"x": [1.0]})
    with pytest.raises(ValueError, match=r"^X has no column age;"):
        pre.transform(pa.table({"color": ["red"]}))


def test_columns_named_by_numbers_are_found_by_their_text() -> None:
    pre = Preprocessing(["0", "1"], [Encoding("0", mean=[1.0]), Encoding("1", categories=["a", "b"])])
    assert pre.transform(pd.DataFrame({1: ["b", "a"], 0: [3.0, 1.0]})).tolist() == [[2, 0, 1], [0, 1, 0]]
    assert pre.transform({0: [3.0], 1: ["a"]}).tolist() == [[2, 1, 0]]


def test_rows_of_mixed_values() -> None:
    pre = age_and_color()
    rows = [[50.0, "red"], [None, "blue"], ["20", " red "]]
    assert pre.transform(rows).tolist() == EXPECTED
    assert pre.transform(np.array(rows, dtype=object)).tolist() == EXPECTED
    assert pre.transform(tuple(map(tuple, rows))).tolist() == EXPECTED


def test_rows_as_a_numeric_array() -> None:
    pre = Preprocessing(["a", "b"], [Encoding("a", mean=[1.0], scale=[2.0]),
                                     Encoding("b", categories=[0, 1])])
    X = np.array([[3.0, 1.0], [1.0, 0.0]])
    assert pre.transform(X).tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert pre.transform(X.astype(np.float32)).tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert pre.transform(X.astype(np.int64)).tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert pre.transform(np.asfortranarray(X)).tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_pyarrow_table() -> None:
    pre = age_and_color()
    table = pa.table({"color": ["red", "blue", "red"], "age": pa.array([50.0, None, 20.0]), "z": [0, 0, 0]})
    assert pre.transform(table).tolist() == EXPECTED


def test_every_input_kind_gives_the_same_inputs() -> None:
    pre = age_and_color(impute="blue")
    rng = np.random.default_rng(0)
    age = rng.normal(40, 10, 50).round(1)
    age[::7] = np.nan
    color = rng.choice(np.array(["red", "blue", None], dtype=object), 50)
    expected = pre.transform({"age": age, "color": color})
    frame = pd.DataFrame({"age": age, "color": color})
    for X in (frame, frame[["color", "age"]], pa.table(frame), frame.to_numpy(dtype=object),
              frame.to_numpy(dtype=object).tolist(), {"age": age.tolist(), "color": color.tolist()}):
        np.testing.assert_array_equal(pre.transform(X), expected)


# ------------------------------------------------------------ refused shapes
def test_wrong_number_of_columns() -> None:
    pre = age_and_color()
    with pytest.raises(ValueError, match=r"^X has 3 columns, but the model reads 2 features \(age, color\)$"):
        pre.transform([[1.0, "red", 0]])
    with pytest.raises(ValueError, match="X has 1 columns, but the model reads 2"):
        pre.transform(np.zeros((4, 1)))


def test_rows_that_are_not_a_table() -> None:
    pre = age_and_color()
    with pytest.raises(ValueError, match=r"X must be a table of rows, shape \(n_rows, 2\); got shape \(2,\)"):
        pre.transform([1.0, "red"])
    with pytest.raises(ValueError, match=r"got shape \(1, 1, 2\)"):
        pre.transform(np.zeros((1, 1, 2)))
    with pytest.raises(ValueError, match="column 'age' must be one-dimensional"):
        pre.transform({"age": [[1.0]], "color": ["red"]})


@pytest.mark.parametrize("X", [np.zeros((0, 2)), {"age": [], "color": []},
                               pd.DataFrame({"age": [], "color": []}), pa.table({"age": [], "color": []})],
                         ids=["array", "dict", "DataFrame", "Table"])
def test_no_rows(X: Any) -> None:
    with pytest.raises(ValueError, match=r"^X has no rows$"):
        age_and_color().transform(X)


def test_columns_of_different_lengths() -> None:
    with pytest.raises(ValueError, match=r"X's columns have different lengths: \[1, 2\]"):
        age_and_color().transform({"age": [1.0], "color": ["red", "blue"]})


@pytest.mark.parametrize("text", ["abc", "1,5", "0x1f", "1_000", "inf", "1e999", "--1"])
def test_text_in_a_number_feature_names_the_value(text: str) -> None:
    pre = age_and_color()
    with pytest.raises(PreprocessingError, match=rf"^feature 'age', row 1: '{text}' is not a number; the "
                       "model reads this feature as numbers$") as info:
        pre.transform({"age": [1.0, text], "color": ["red", "red"]})
    assert (info.value.feature, info.value.row) == ("age", 1)


@pytest.mark.parametrize("value", [np.inf, -np.inf, 1e308 * 10])
def test_infinite_value_is_refused(value: float) -> None:
    pre = age_and_color()
    for X in ({"age": [1.0, 2.0, value], "color": ["red"] * 3}, [[1.0, "red"], [2.0, "red"], [value, "red"]]):
        with pytest.raises(PreprocessingError, match=r"^feature 'age', row 2: the value is infinite$"):
            pre.transform(X)


def test_integer_beyond_float_range_is_refused_not_overflowing() -> None:
    pre = Preprocessing(["x"], [Encoding("x")])
    with pytest.raises(PreprocessingError, match=r"^feature 'x', row 1: '1000.*' is not a number"):
        pre.transform({"x": [1, 10**400]})
    assert pre.transform({"x": [2**70]}).tolist() == [[float(2**70)]]


# ------------------------------------------------------------------- fit
def test_fit_standardises_numbers_and_sorts_categories() -> None:
    pre = Preprocessing.fit({"x": [2, 4, 4, 4, 5, 5, 7, 9],
                             "c": ["b", "10", "9", "a", 2.0, "b", "9", "2"]})
    assert pre.features == ("x", "c")
    x, c = pre.encodings
    # mean 5 and population standard deviation 2: every intermediate is exact.
    assert (x.feature, x.categories, x.impute, x.mean, x.scale) == ("x", None, None, (5.0,), (2.0,))
    # Numbers first, by value, then text: as the command line sorts class labels.
    assert c.categories == ("2", "9", "10", "a", "b")
    assert (c.impute, c.mean, c.scale, c.unknown) == (None, (0.0,) * 5, (1.0,) * 5, "error")
    assert pre.input_names == ["x", "c=2", "c=9", "c=10", "c=a", "c=b"]


def test_fitted_inputs_have_mean_0_and_standard_deviation_1() -> None:
    rng = np.random.default_rng(0)
    X = {"a": rng.normal(3, 7, 1000), "b": rng.integers(0, 5, 1000), "c": (rng.random(1000) < 0.3) * 1.0}
    out = Preprocessing.fit(X).transform(X)
    # Summation order differs between the fit's statistics and these: a tolerance of a few ulps of 1000 terms.
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-12)


def test_fit_constant_column_keeps_scale_1() -> None:
    (encoding,) = Preprocessing.fit({"x": [3.5, 3.5, 3.5]}).encodings
    assert (encoding.mean, encoding.scale) == ((3.5,), (1.0,))


def test_fit_without_scaling() -> None:
    (encoding,) = Preprocessing.fit({"x": [1.0, 3.0]}, scale=False).encodings
    assert (encoding.mean, encoding.scale) == ((0.0,), (1.0,))


@pytest.mark.parametrize(
    ("impute", "column", "fill", "mean", "scale"),
    [
        # [1, 2, 3, 2]: mean 2, variance 0.5
        ("mean", [1.0, np.nan, 3.0, np.nan], 2.0, 2.0, math.sqrt(0.5)),
        # median of [1, 5, 0] is 1: [1, 1, 5, 0, 1], mean 8/5
        ("median", [1.0, np.nan, 5.0, 0.0, np.nan], 1.0, 1.6, None),
        # 1 and 3 both twice: the smallest wins
        ("most_frequent", [3.0, 1.0, 3.0, 1.0, np.nan, 2.0], 1.0, None, None),
        # None in a list of numbers is a missing number, not a category
        ("mean", [1.0, None, 3.0, pd.NA], 2.0, 2.0, math.sqrt(0.5)),
        ("mean", [1, None, 3, None], 2.0, 2.0, math.sqrt(0.5)),
    ],
)
def test_fit_imputes_numbers(impute: str, column: list[Any], fill: float, mean: float | None,
                             scale: float | None) -> None:
    (encoding,) = Preprocessing.fit({"x": column}, impute=impute).encodings
    assert encoding.categories is None
    assert encoding.impute == fill
    if mean is not None:
        assert encoding.mean == pytest.approx((mean,), rel=1e-15)  # 8/5 is not exact in binary
    if scale is not None:
        assert encoding.scale == (scale,)


@pytest.mark.parametrize("impute", ["mean", "median", "most_frequent"])
def test_fit_imputes_the_most_frequent_category_first_in_sorted_order_on_a_tie(impute: str) -> None:
    (encoding,) = Preprocessing.fit({"c": ["b", "a", None, "b", "a", "", "c"]}, impute=impute).encodings
    assert (encoding.categories, encoding.impute) == (("a", "b", "c"), "a")
    (encoding,) = Preprocessing.fit({"c": ["b", "a", None, "b"]}, impute=impute).encodings
    assert encoding.impute == "b"
    # " 1 ", 1 and "1.0" are one category, counted together.
    (encoding,) = Preprocessing.fit({"c": ["x", " 1 ", "x", 1, "1.0", None]}, impute=impute).encodings
    assert (encoding.categories, encoding.impute) == (("1", "x"), "1")


def test_fit_category_policy_for_unknown_values() -> None:
    pre = Preprocessing.fit({"c": ["a", "b"]}, unknown="ignore")
    assert pre.encodings[0].unknown == "ignore"
    assert pre.transform({"c": ["z"]}).tolist() == [[0.0, 0.0]]


def test_fit_missing_value_without_impute_is_refused() -> None:
    with pytest.raises(PreprocessingError, match=r"^feature 'x', row 2: the value is missing; choose how to "
                       r"fill missing values \(impute\)$"):
        Preprocessing.fit({"x": [1.0, 2.0, np.nan]})
    with pytest.raises(PreprocessingError, match=r"^feature 'c', row 1: the value is missing; choose"):
        Preprocessing.fit({"c": ["a", None, "b"]})


@pytest.mark.parametrize("column", [[np.nan, np.nan], [None, None], ["", "NaN"], [None, pd.NA], []],
                         ids=["nan", "None", "text", "NA", "empty"])
def test_fit_column_without_any_value_is_refused(column: list[Any]) -> None:
    with pytest.raises(ValueError, match=r"^feature 'x' has no values, only missing ones$"):
        Preprocessing.fit({"x": column}, impute="mean")


def test_fit_infinite_value_is_refused() -> None:
    with pytest.raises(PreprocessingError, match="feature 'x', row 1: the value is infinite"):
        Preprocessing.fit({"x": [1.0, -np.inf]})


@pytest.mark.parametrize(("arguments", "match"), [
    ({"impute": "mode"}, "impute must be one of mean, median, most_frequent or None; got 'mode'"),
    ({"unknown": "skip"}, "unknown must be 'error' or 'ignore'; got 'skip'"),
])
def test_fit_arguments_out_of_range(arguments: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Preprocessing.fit({"x": [1.0, 2.0]}, **arguments)  # no text column: unknown is checked anyway


def test_fit_from_a_dataframe() -> None:
    frame = pd.DataFrame({"x": [1.0, 3.0], "n": pd.array([1, None], dtype="Int64"), "c": ["u", "v"]})
    pre = Preprocessing.fit(frame, impute="mean")
    assert [e.categories for e in pre.encodings] == [None, None, ("u", "v")]
    assert pre.encodings[1].impute == 1.0
    assert pre.transform(frame).tolist() == [[-1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]]


# ------------------------------------------------------------------- JSON
def test_json_round_trip() -> None:
    pre = Preprocessing(["age", "color", "n"], [
        Encoding("age", impute=40.5, mean=[40.0], scale=[10.0]),
        Encoding("color", categories=["blue", 2, 2.5], impute=2, mean=[0.5, 0.25, 0.0], scale=[0.5, 2.0, 1.0],
                 unknown="ignore"),
        Encoding("n")])
    obj = pre.to_json()
    assert obj == {"features": ["age", "color", "n"], "encodings": [
        {"feature": "age", "impute": 40.5, "mean": [40.0], "scale": [10.0]},
        {"feature": "color", "categories": ["blue", 2, 2.5], "unknown": "ignore", "impute": 2,
         "mean": [0.5, 0.25, 0.0], "scale": [0.5, 2.0, 1.0]},
        {"feature": "n", "impute": None, "mean": [0.0], "scale": [1.0]}]}
    same = Preprocessing.from_json(json.loads(json.dumps(obj)))
    assert same.features == pre.features and same.encodings == pre.encodings
    X = [[None, None, 1.0], [50.0, "2.0", 2.0], [0.0, "red", 3.0]]
    np.testing.assert_array_equal(same.transform(X), pre.transform(X))


def test_to_json_holds_plain_python_values() -> None:
    encoding = Encoding("c", categories=np.array(["a", "b"]), impute=np.str_("a"),
                        mean=np.array([0.5, 0.25], dtype=np.float32), scale=[np.float64(2.0), np.int64(4)])
    number = Encoding("x", impute=np.int64(3), mean=[np.int32(1)])
    numbers = Encoding("k", categories=[np.int64(1), np.float64(2.5)], impute=np.int64(1))
    obj = Preprocessing(["c", "x", "k"], [encoding, number, numbers]).to_json()
    assert json.loads(json.dumps(obj)) == obj  # json.dumps refuses NumPy scalars: there are none
    assert obj["encodings"][0]["categories"] == ["a", "b"]
    assert obj["encodings"][1]["impute"] == 3.0 and type(obj["encodings"][1]["impute"]) is float
    assert obj["encodings"][2]["categories"] == [1, 2.5] and type(obj["encodings"][2]["impute"]) is int


def test_fitted_preprocessing_round_trips() -> None:
    columns = {"x": [1.0, None, 3.5], "c": ["a", None, "b"], "k": [1, 2, 2]}
    pre = Preprocessing.fit(columns, impute="median")
    same = Preprocessing.from_json(json.loads(json.dumps(pre.to_json())))
    assert same.encodings == pre.encodings
    np.testing.assert_array_equal(same.transform(columns), pre.transform(columns))


ENCODING = {"feature": "x", "impute": None, "mean": [0.0], "scale": [1.0]}


def number(**changes: Any) -> dict[str, Any]:
    """A description of the feature x read as a number, with ``changes`` to its encoding."""
    return {"features": ["x"], "encodings": [{**ENCODING, **changes}]}


def one_hot(**encoding: Any) -> dict[str, Any]:
    """A description of the feature x read as categories: ``encoding`` without the feature."""
    return {"features": ["x"], "encodings": [{"feature": "x", **encoding}]}


MALFORMED_JSON = [
    (None, "a preprocessing is an object with 'features' and 'encodings'"),
    ([], "a preprocessing is an object"),
    ("features", "a preprocessing is an object"),
    ({}, "a preprocessing is an object"),
    ({"features": ["x"]}, "a preprocessing is an object"),
    ({"features": ["x"], "encodings": [], "version": 1}, "a preprocessing is an object"),
    ({"features": "x", "encodings": []}, "'features' and 'encodings' must be lists"),
    ({"features": ["x"], "encodings": {"x": ENCODING}}, "must be lists"),
    ({"features": [1], "encodings": []}, "features must be a list of column names"),
    ({"features": [["x"]], "encodings": []}, "features must be a list of column names"),
    ({"features": ["x", "x"], "encodings": []}, "features names a column more than once: x"),
    ({"features": ["x"], "encodings": [None]}, "an encoding is an object with 'feature' and some of"),
    ({"features": ["x"], "encodings": [["x"]]}, "an encoding is an object"),
    ({"features": ["x"], "encodings": [{}]}, "an encoding is an object"),
    ({"features": ["x"], "encodings": [{"mean": [0.0]}]}, "an encoding is an object"),
    (number(std=[1.0]), "an encoding is an object"),
    ({"features": ["x"], "encodings": [{"feature": "y"}]}, "an encoding reads 'y', which is not one of"),
    ({"features": ["x"], "encodings": [{"feature": 1}]}, "feature must be a non-empty str; got 1"),
    ({"features": ["x"], "encodings": [{"feature": ""}]}, "feature must be a non-empty str"),
    ({"features": ["x"], "encodings": [{"feature": ["x"]}]}, "feature must be a non-empty str"),
    (number(mean=0.0), "mean must be a list of numbers; got float"),
    (number(mean="0"), "mean must be a list of numbers; got str"),
    (number(scale={"a": 1}), "scale must be a list of numbers"),
    (number(mean=[None]), "mean must be a number; got None"),
    (number(mean=["1"]), "mean must be a number; got '1'"),
    (number(mean=[True]), "mean must be a number; got True"),
    (number(mean=[[1.0]]), "mean must be a number"),
    (number(mean=[10**400]), "mean must be finite; got 1000"),
    (number(scale=[1e-300 * 1e300 * math.inf]), "must be finite"),
    (number(mean=[0.0, 1.0]), "mean has 2 values for 1 input"),
    (number(scale=[0]), "a scale is 0"),
    (number(scale=[-0.0]), "a scale is 0"),
    (number(impute="a"), "impute must be a number; got 'a'"),
    (number(impute=[1.0]), "impute must be a number"),
    (number(impute=False), "impute must be a number; got False"),
    (number(impute=10**400), "impute must be finite"),
    (number(unknown="skip"), "unknown must be 'error' or 'ignore'"),
    (number(unknown=["error"]), "unknown must be 'error' or"),
    (one_hot(categories="ab"), "categories must be a list"),
    (one_hot(categories={"a": 1}), "categories must be a list"),
    (one_hot(categories=3), "categories must be a list; got int"),
    (one_hot(categories=[]), "categories is empty"),
    (one_hot(categories=[None]), "a category must be a str or a number; got None"),
    (one_hot(categories=[True, "True"]), "categories True, True are not distinct"),
    (one_hot(categories=[["a"]]), "a category must be a str"),
    (one_hot(categories=["a", ""]), r"a category is a missing value \(''\)"),
    (one_hot(categories=["NaN"]), "a category is a missing"),
    (one_hot(categories=["1", 1.0]), "categories 1, 1.0 are not distinct"),
    (one_hot(categories=["a", " a"]), "are not distinct"),
    (one_hot(categories=["a"], impute=""), "impute must be a category value; got ''"),
    (one_hot(categories=["a"], impute=["a"]),
     r"impute must be a str or a number; got \['a'\]"),
    (one_hot(categories=["a"], impute={"a": 1}), "impute must be a str or a number"),
    (one_hot(categories=["a"], impute=[True]),
     r"impute must be a str or a number; got \[True\]"),
    (one_hot(categories=["a", "b"], mean=[0.0]), r"mean has 1 values for 2 input\(s\)"),
    (one_hot(categories=["a"], scale=[0.0]), "a scale is 0"),
    (one_hot(categories=[10**400, "1" + "0" * 400]), "are not distinct"),
]


@pytest.mark.parametrize(("obj", "match"), MALFORMED_JSON, ids=[str(i) for i in range(len(MALFORMED_JSON))])
def test_malformed_json_is_a_value_error(obj: Any, match: str) -> None:
    # ValueError only: never the TypeError of a wrong type, the KeyError of a missing key, an OverflowError.
    with pytest.raises(ValueError, match=match) as info:
        Preprocessing.from_json(obj)
    assert type(info.value) is ValueError


def test_malformed_json_of_every_key_type() -> None:
    """Each key of a valid description set to each kind of JSON value: a preprocessing or a ValueError."""
    valid = Preprocessing(["x", "c"], [Encoding("x", impute=1.0),
                                       Encoding("c", categories=["a"], impute="a")])
    values = [None, True, 0, -1, 1.5, "", "a", [], [None], [1], ["a"], [[]], {}, {"a": 1}, 10**400]
    for i in range(2):
        for key in ("feature", "categories", "impute", "mean", "scale", "unknown"):
            for value in values:
                obj = valid.to_json()
                obj["encodings"][i][key] = value
                try:
                    Preprocessing.from_json(obj)
                except ValueError:
                    pass


# ---------------------------------------------------------- Encoding checks
@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"scale": [0.0]}, ValueError, "the encoding of 'x': a scale is 0"),
        ({"categories": ["a", "b"], "scale": [1.0, 0.0]}, ValueError, "a scale is 0"),
        ({"mean": [1.0, 2.0]}, ValueError, r"mean has 2 values for 1 input\(s\)"),
        ({"categories": ["a", "b", "c"], "scale": [1.0]}, ValueError, r"scale has 1 values for 3 input\(s\)"),
        ({"categories": ["1", 1.0]}, ValueError, "categories 1, 1.0 are not distinct"),
        ({"categories": [1, " 1.0 "]}, ValueError, "are not distinct"),
        ({"categories": ["a"], "unknown": "skip"}, ValueError, "unknown must be 'error' or 'ignore'; got"),
        ({"unknown": None}, ValueError, "unknown must be 'error' or 'ignore'; got None"),
        ({"impute": "red"}, TypeError, "the encoding of 'x': impute must be a number; got 'red'"),
        ({"impute": True}, TypeError, "impute must be a number; got True"),
        ({"impute": math.nan}, ValueError, "impute must be finite; got nan"),
        ({"mean": [math.inf]}, ValueError, "mean must be finite; got inf"),
        ({"mean": "0"}, TypeError, "mean must be a list of numbers; got str"),
        ({"mean": 0.0}, TypeError, "mean must be a list of numbers; got float"),
        ({"categories": "ab"}, TypeError, "categories must be a list; got str"),
        ({"categories": {"a", "b"}}, TypeError, "categories must be a list; got set"),
        ({"categories": []}, ValueError, "categories is empty"),
        ({"categories": ["a", None]}, TypeError, "a category must be a str or a number; got None"),
        ({"categories": ["a", math.nan]}, ValueError, r"a category is a missing value \(nan\)"),
        ({"categories": ["a"], "impute": None, "mean": [0.0, 0.0]}, ValueError, "mean has 2 values"),
        ({"categories": ["a"], "impute": "NaN"}, ValueError, "impute must be a category value; got 'NaN'"),
        ({"categories": ["a"], "impute": ("a",)}, TypeError, "impute must be a str or a number"),
    ],
)
def test_encoding_validation(arguments: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Encoding("x", **arguments)


@pytest.mark.parametrize("feature", ["", 3, None, ["x"]])
def test_encoding_feature_must_be_a_name(feature: Any) -> None:
    with pytest.raises(TypeError, match="feature must be a non-empty str"):
        Encoding(feature)


def test_encoding_is_frozen_and_compared_by_value() -> None:
    encoding = Encoding("c", categories=["a", 1], mean=np.array([0.5, 0.0]))
    assert encoding == Encoding("c", categories=("a", 1.0), mean=[0.5, 0])
    assert encoding.categories == ("a", 1) and encoding.mean == (0.5, 0.0)
    with pytest.raises(AttributeError):
        encoding.feature = "d"  # type: ignore[misc]


def test_impute_outside_the_categories_follows_the_unknown_policy() -> None:
    # As a constant imputer before OneHotEncoder: the fill value may be a category never seen in training.
    ignore = Preprocessing(["c"], [Encoding("c", categories=["a", "b"], impute="missing", unknown="ignore")])
    assert ignore.transform({"c": [None, "b"]}).tolist() == [[0.0, 0.0], [0.0, 1.0]]
    error = Preprocessing(["c"], [Encoding("c", categories=["a", "b"], impute="missing")])
    with pytest.raises(PreprocessingError, match=r"feature 'c', row 0: .* is not one of the categories"):
        error.transform({"c": [None, "b"]})


# ------------------------------------------------------ Preprocessing checks
def test_preprocessing_checks() -> None:
    with pytest.raises(TypeError, match="features must be a list of column names"):
        Preprocessing("age", [])
    with pytest.raises(TypeError, match="features must be a list of column names"):
        Preprocessing(["age", 3], [])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="features names a column more than once: a, b"):
        Preprocessing(["a", "b", "a", "c", "b"], [])
    with pytest.raises(TypeError, match="encodings must be Encoding objects; got dict"):
        Preprocessing(["a"], [{"feature": "a"}])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"an encoding reads 'b', which is not one of the features \(a\)"):
        Preprocessing(["a"], [Encoding("b")])


def test_identity_repr_and_names() -> None:
    pre = Preprocessing.identity(["a", "b"])
    assert pre.is_identity and pre.n_inputs == 2 and pre.input_names == ["a", "b"]
    assert not age_and_color().is_identity
    assert not Preprocessing(["a", "b"], [Encoding("b"), Encoding("a")]).is_identity
    assert not Preprocessing(["a"], [Encoding("a", impute=0.0)]).is_identity
    assert [(e.feature, e.categories, e.impute, e.mean, e.scale) for e in pre.encodings] == [
        ("a", None, None, (0.0,), (1.0,)), ("b", None, None, (0.0,), (1.0,))]
    assert repr(pre) == "Preprocessing(a, b -> 2 inputs)"
    X = np.array([[0.1, -2.0], [1e300, 3.0]])
    np.testing.assert_array_equal(pre.transform(X), X)
    assert repr(age_and_color()) == "Preprocessing(age, color -> 3 inputs)"


def test_a_feature_without_encoding_is_a_place_in_a_row_not_a_column_to_give() -> None:
    # The features say what a row holds, in order; an encoding may leave one unread (a pipeline's
    # ColumnTransformer that drops an ID): a row still holds it, a table found by name need not.
    pre = Preprocessing(["id", "x"], [Encoding("x")])
    assert pre.features_read == ("x",)
    assert pre.transform([["p", 1.0], ["q", 2.0]]).tolist() == [[1.0], [2.0]]
    assert pre.transform({"x": [1.0, 2.0]}).tolist() == [[1.0], [2.0]]
    assert pre.transform(pd.DataFrame({"x": [1.0], "id": ["p"]})).tolist() == [[1.0]]
    with pytest.raises(ValueError, match=r"^X has no column x; the model reads x$"):
        pre.transform({"id": ["p"]})
    with pytest.raises(ValueError, match="X has 1 columns, but the model reads 2 features"):
        pre.transform([[1.0]])


# ------------------------------------------------------------------- speed
def test_work_per_distinct_value_not_per_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns of numbers are converted by NumPy and categories looked up once per distinct value.

    Counted, not timed: ``category_key`` (one Python call) is what a per-cell
    loop would call for every cell.
    """
    calls = 0
    key = preprocessing.category_key

    def counting_key(value: Any) -> str | None:
        nonlocal calls
        calls += 1
        return key(value)

    rng = np.random.default_rng(0)
    n = 20_000
    names = np.array([f"cat{i}" for i in range(20)], dtype=object)
    columns: dict[str, Any] = {f"x{j}": rng.normal(size=n) for j in range(5)}
    columns["c1"], columns["c2"] = names[rng.integers(0, 20, n)], names[rng.integers(0, 20, n)]
    pre = Preprocessing.fit(columns)
    monkeypatch.setattr(preprocessing, "category_key", counting_key)
    frame = pd.DataFrame(columns)
    inputs = pre.transform(columns)
    for X in (frame, pa.table(frame), frame.to_numpy(dtype=object), columns):
        calls = 0
        np.testing.assert_array_equal(pre.transform(X), inputs)
        assert calls <= 2 * (20 + 20)  # the categories and the distinct values of each categorical column


# ---------------------------------------------------------------- booleans
def test_a_bool_column_is_categories_false_and_true_as_its_text_in_a_csv() -> None:
    # A pandas bool column, and the same column as a CSV gives it (text), are one and the same feature.
    smoker = pd.Series([True, False, True, True])
    fitted = Preprocessing.fit({"smoker": smoker})
    assert fitted.encodings[0].categories == ("False", "True")
    as_text = fitted.transform({"smoker": ["True", "False", "True", "True"]})
    assert as_text.tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    assert fitted.transform(pd.DataFrame({"smoker": smoker})).tolist() == as_text.tolist()
    assert fitted.transform({"smoker": np.array([False, True])}).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    # The text fitted the same way gives the same categories.
    assert Preprocessing.fit({"smoker": ["True", "False"]}).encodings[0].categories == ("False", "True")


def test_a_nullable_boolean_column_keeps_its_holes() -> None:
    smoker = pd.Series([True, None, False], dtype="boolean")
    pre = Preprocessing.fit({"smoker": smoker}, impute="most_frequent")
    assert pre.encodings[0].categories == ("False", "True")
    assert pre.transform({"smoker": smoker}).tolist() == [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]


def test_a_number_encoding_reads_bools_and_their_text_in_any_case_as_1_and_0() -> None:
    pre = Preprocessing(["x"], [Encoding("x", mean=[0.5], scale=[0.5])])
    assert pre.transform({"x": ["True", "false", "TRUE", " False "]})[:, 0].tolist() == [1.0, -1.0, 1.0, -1.0]
    assert pre.transform({"x": pd.Series([True, False])})[:, 0].tolist() == [1.0, -1.0]
    with pytest.raises(PreprocessingError, match="'yes' is not a number"):
        pre.transform({"x": ["True", "yes"]})


def test_bool_categories_are_stored_as_their_text() -> None:
    e = Encoding("smoker", categories=[np.False_, True], impute=True)
    assert e.categories == ("False", "True") and e.impute == "True"
    assert e.to_json()["categories"] == ["False", "True"]
    pre = Preprocessing(["smoker"], [e])
    assert pre.transform({"smoker": [True, "True", "False", None]}).tolist() == [
        [0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(("impute", "x_fill"), [("mean", 2.5), ("median", 2.5), ("most_frequent", 1.0)])
def test_impute_all_gives_every_feature_a_fill_value(impute: str, x_fill: float) -> None:
    columns = {"x": [1.0, 1.0, 4.0, 4.0], "c": ["b", "a", "b", "a"], "h": [1.0, None, 3.0, 3.0]}
    pre = Preprocessing.fit(columns, impute=impute, impute_all=True)
    assert [e.impute for e in pre.encodings] == [x_fill, "a", {"mean": 7 / 3, "median": 3.0,
                                                              "most_frequent": 3.0}[impute]]
    # Without it, only the feature with a hole gets one; a hole elsewhere is refused later.
    plain = Preprocessing.fit(columns, impute=impute)
    assert [e.impute is None for e in plain.encodings] == [True, True, False]
    with pytest.raises(PreprocessingError, match="feature 'x', row 1: the value is missing"):
        plain.transform({"x": [1.0, None], "c": ["a", "b"], "h": [1.0, 2.0]})
    assert pre.transform({"x": [1.0, None], "c": ["a", None], "h": [1.0, 2.0]})[1].tolist() == \
        pre.transform({"x": [1.0, x_fill], "c": ["a", "a"], "h": [1.0, 2.0]})[1].tolist()
    # impute_all without impute changes nothing.
    assert Preprocessing.fit({"x": [1.0, 2.0]}, impute_all=True).encodings[0].impute is None


def test_text_is_made_distinct_by_a_hash_not_by_sorting(monkeypatch: pytest.MonkeyPatch) -> None:
    # np.unique sorts Python strings (1 s per 200 000 rows); Arrow's dictionary_encode hashes them.
    unique = np.unique

    def numbers_only(values: Any, *args: Any, **kwargs: Any) -> Any:
        assert np.asarray(values).dtype.kind in "biuf", "np.unique on text"
        return unique(values, *args, **kwargs)

    monkeypatch.setattr(np, "unique", numbers_only)
    column = np.array(["b", "a", None, "b", " a "], dtype=object)
    distinct, inverse = preprocessing.distinct_values(column)
    assert [distinct[j] for j in inverse] == ["b", "a", None, "b", " a "]
    assert len(distinct) == 4
    mixed = np.array([True, 1, "1", math.nan, float("nan"), None], dtype=object)  # a dict pass
    distinct, inverse = preprocessing.distinct_values(mixed)
    assert inverse.tolist() == [0, 1, 2, 3, 3, 4]  # True and 1 stay two; every NaN is one
    pre = Preprocessing.fit({"c": ["b", "a", "b", None]}, impute="most_frequent", unknown="ignore")
    assert pre.transform({"c": ["a", None, "c"]}).tolist() == [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
