"""``playwithnn predict`` and ``evaluate`` on model files made in Python.

A model file holds a :class:`playwithnn.model.Model`: the commands must predict
what ``Model.predict`` predicts from the same rows (categories, imputed missing
values and all), keep the file's row order, carry ``--keep`` columns through as
the file has them, score with the functions of :mod:`playwithnn.metrics`, and
answer every bad file with one line on standard error and exit status 2.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from playwithnn import NeuralNetwork, cli, metrics
from playwithnn.model import Model
from playwithnn.preprocessing import Encoding, Preprocessing

CLASSES = ["bird", "cat", "dog"]
#: The animals fixture: its folder, the raw columns of animals.csv, and the model.
Animals = tuple[Path, dict[str, list[Any]], Model]


# ------------------------------------------------------------------ helpers
def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Standard output of a successful in-process run."""
    status = cli.main(args)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


def refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line of a run that must fail with status 2, without its ``playwithnn CMD: error:``."""
    status = cli.main(args)
    captured = capsys.readouterr()
    assert status == 2, (captured.out, captured.err)
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1 and captured.err.endswith("\n"), captured.err
    prefix = f"playwithnn {args[0]}: error: "
    assert captured.err.startswith(prefix), captured.err
    return captured.err[len(prefix):-1]


def write_csv(path: Path, columns: dict[str, list[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(columns))
        writer.writerows(zip(*columns.values()))
    return path


def read_output(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(text.splitlines()))
    return rows[0], rows[1:]


def cell(value: Any) -> str:
    """How the test writes a raw value into its CSV files: numbers exactly, missing values empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


# ---------------------------------------------------------------- the models
@pytest.fixture(scope="module")
def animals(tmp_path_factory: pytest.TempPathFactory) -> Animals:
    """A CSV file of animals and a trained classifier of them: a number with holes (imputed by the
    mean) and a category (one-hot), three classes."""
    folder = tmp_path_factory.mktemp("animals")
    rng = np.random.default_rng(0)
    n = 120
    kind = [CLASSES[i % 3] for i in range(n)]
    weight = [float(np.round({"bird": 0.3, "cat": 4.0, "dog": 20.0}[k] * rng.uniform(0.6, 1.4), 3))
              for k in kind]
    color = [str(rng.choice(["black", "white"] if k != "bird" else ["red", "blue", "black"])) for k in kind]
    for i in (5, 17, 60):
        weight[i] = float("nan")
    # Ids that are numbers in a way the file writes and a parser would not: leading zeros, a trailing 0.
    ids = [f"{i:03d}" if i % 2 else f"{i}.50" for i in range(n)]
    columns: dict[str, list[Any]] = {"id": ids, "weight": weight, "color": color, "kind": kind}
    write_csv(folder / "animals.csv", {k: [cell(v) for v in vs] for k, vs in columns.items()})
    features = {"weight": np.array(weight), "color": np.array(color, dtype=object)}
    pre = Preprocessing.fit(features, impute="mean")
    net = NeuralNetwork([pre.n_inputs, 8, 3], activation="tanh", output_activation="softmax",
                        loss="categorical_crossentropy", seed=0)
    X = pre.transform(features)
    net.fit(X, np.eye(3)[[CLASSES.index(k) for k in kind]], epochs=30, learning_rate=0.05, batch_size=16,
            verbose=0)
    model = Model(net, pre, classes=CLASSES, target="kind")
    model.save(folder / "animals.npz")
    return folder, columns, model


def regression_model(folder: Path) -> tuple[Path, Path, dict[str, list[Any]], Model]:
    """A regressor of house prices in their own units (thousands), and a file to predict."""
    rng = np.random.default_rng(1)
    n = 50
    columns: dict[str, list[Any]] = {
        "house": [f"h{i}" for i in range(n)],
        "area": [float(np.round(v, 2)) for v in rng.uniform(40, 200, n)],
        "town": [str(t) for t in rng.choice(["north", "south"], n)],
    }
    pre = Preprocessing(["area", "town"], [Encoding("area", mean=[120.0], scale=[45.0]),
                                           Encoding("town", categories=["north", "south"])])
    net = NeuralNetwork([3, 4, 1], activation="tanh", loss="mse", seed=2)
    model = Model(net, pre, target="price", target_mean=123456.789, target_scale=54321.0)
    model.save(folder / "price.npz")
    return folder / "price.npz", write_csv(folder / "houses.csv", columns), columns, model


def raw(columns: dict[str, list[Any]], names: list[str]) -> dict[str, np.ndarray]:
    return {name: np.array(columns[name], dtype=float if name in ("weight", "area") else object)
            for name in names}


# ------------------------------------------------------------------ predict
def test_predict_writes_what_the_model_predicts_in_the_file_order(
        animals: Animals, capsys: pytest.CaptureFixture[str]) -> None:
    folder, columns, model = animals
    expected = model.predict(raw(columns, ["weight", "color"]))
    assert len(set(expected.tolist())) == 3  # a model that tells the classes apart: the test means something
    header, rows = read_output(run(["predict", str(folder / "animals.npz"), str(folder / "animals.csv")],
                                   capsys))
    assert header == ["kind"]
    assert [r[0] for r in rows] == expected.tolist()


def test_predict_probabilities_have_6_places(animals: Animals,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder, columns, model = animals
    header, rows = read_output(run(["predict", str(folder / "animals.npz"), str(folder / "animals.csv"),
                                    "--probabilities"], capsys))
    assert header == ["kind", "p(bird)", "p(cat)", "p(dog)"]
    P = model.predict_proba(raw(columns, ["weight", "color"]))
    assert all(re.fullmatch(r"\d\.\d{6}", c) for r in rows for c in r[1:])
    np.testing.assert_allclose(np.array([[float(c) for c in r[1:]] for r in rows]), P, atol=5e-7)
    assert [r[0] for r in rows] == model.predict(raw(columns, ["weight", "color"])).tolist()


def test_keep_carries_the_file_cells_through_first(animals: Animals, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder, columns, model = animals
    out = tmp_path / "p.csv"
    printed = run(["predict", str(folder / "animals.npz"), str(folder / "animals.csv"), "--keep", "id",
                   "weight", "--output", str(out)], capsys)
    assert printed == f"wrote {out}: 120 predictions\n"
    header, rows = read_output(out.read_text(encoding="utf-8"))
    assert header == ["id", "weight", "kind"]
    # The ids as the file has them ("007", "2.50"), not as numbers; a missing weight stays empty.
    assert [r[0] for r in rows] == columns["id"]
    assert [r[1] for r in rows] == [cell(v) for v in columns["weight"]]
    assert [r[2] for r in rows] == model.predict(raw(columns, ["weight", "color"])).tolist()
    # Repeated, --keep adds to itself.
    again = tmp_path / "again.csv"
    run(["predict", str(folder / "animals.npz"), str(folder / "animals.csv"), "--keep", "id",
         "--keep", "weight", "--output", str(again)], capsys)
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_a_kept_target_sits_beside_its_prediction(animals: Animals,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder, columns, _ = animals
    header, rows = read_output(run(["predict", str(folder / "animals.npz"), str(folder / "animals.csv"),
                                    "--keep", "id", "kind", "--probabilities"], capsys))
    assert header == ["id", "kind", "predicted_kind", "p(bird)", "p(cat)", "p(dog)"]
    assert [r[1] for r in rows] == columns["kind"]


@pytest.mark.parametrize(("keep", "message"), [
    (["nope"], "animals.csv: no column 'nope'; the columns are id, weight, color, kind"),
    (["id", "id"], "--keep names 'id' more than once"),
    (["id", "--keep", "id"], "--keep names 'id' more than once"),
    (["p(cat)"], "no column 'p(cat)'"),
])
def test_bad_keep_is_one_line(keep: list[str], message: str, animals: Animals,
                              capsys: pytest.CaptureFixture[str]) -> None:
    folder, _, _ = animals
    assert message in refused(["predict", str(folder / "animals.npz"), str(folder / "animals.csv"),
                               "--keep", *keep], capsys)


def test_a_kept_column_named_like_a_probability_is_refused(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    Model(NeuralNetwork([1, 2], output_activation="softmax", loss="categorical_crossentropy", seed=0),
          Preprocessing.identity(["x"]), classes=["a", "b"]).save(tmp_path / "m.npz")
    write_csv(tmp_path / "d.csv", {"x": [1, 2], "p(a)": [0.5, 0.5]})
    assert refused(["predict", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), "--keep", "p(a)",
                    "--probabilities"], capsys) == "--keep 'p(a)': the predictions have a column of that name"


def significant_digits(text: str) -> int:
    digits = text.lstrip("-")
    if "." not in digits:
        digits = digits.rstrip("0") or "0"  # 1234570: the zero is a place, not a digit
    return len(digits.replace(".", "").lstrip("0"))


def test_regression_values_are_fixed_point_never_scientific(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    net = NeuralNetwork([1, 1], loss="mse", seed=0)
    net.layers[0].W[...] = 1.0
    assert net.layers[0].b is not None
    net.layers[0].b[...] = 0.0
    Model(net, Preprocessing.identity(["x"]), target_mean=0.0, target_scale=1.0,
          target="y").save(tmp_path / "m.npz")
    write_csv(tmp_path / "d.csv", {"x": [1234567.0, 0.000123456789, -2.5e9, 151.0, 0.0, 1e-12]})
    _, rows = read_output(run(["predict", str(tmp_path / "m.npz"), str(tmp_path / "d.csv")], capsys))
    assert [r[0] for r in rows] == ["1234570", "0.000123457", "-2500000000", "151", "0", "0.000000000001"]


def test_regression_values_have_6_significant_digits(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    model_path, data, columns, model = regression_model(tmp_path)
    header, rows = read_output(run(["predict", str(model_path), str(data), "--keep", "house"], capsys))
    assert header == ["house", "price"]
    assert [r[0] for r in rows] == columns["house"]
    expected = model.predict(raw(columns, ["area", "town"]))
    assert all(significant_digits(r[1]) <= 6 for r in rows), [r[1] for r in rows][:5]
    assert max(significant_digits(r[1]) for r in rows) == 6  # values of this size need all six
    # Six significant digits are within half a unit of the 6th digit: 5e-6 relative at most.
    np.testing.assert_allclose([float(r[1]) for r in rows], expected, rtol=1e-5)
    assert refused(["predict", str(model_path), str(data), "--probabilities"], capsys) == (
        "--probabilities is for a classifier; this is a regression model")


def test_a_model_without_a_target_name_predicts_a_prediction_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Model(NeuralNetwork([2, 1], loss="mse", seed=0)).save(tmp_path / "m.npz")  # features x0, x1
    write_csv(tmp_path / "d.csv", {"x1": [1.0, 2.0], "x0": [3.0, 4.0]})
    header, rows = read_output(run(["predict", str(tmp_path / "m.npz"), str(tmp_path / "d.csv")], capsys))
    assert header == ["prediction"] and len(rows) == 2


def test_unknown_categories_follow_the_model_encoding(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    net = NeuralNetwork([3, 1], loss="binary_crossentropy", seed=0)
    for unknown in ("error", "ignore"):
        encoding = Encoding("color", categories=["blue", "green", "red"], unknown=unknown)
        pre = Preprocessing(["color"], [encoding])
        Model(net, pre, classes=["no", "yes"]).save(tmp_path / f"{unknown}.npz")
    write_csv(tmp_path / "d.csv", {"color": ["red", "purple", "blue"]})
    assert refused(["predict", str(tmp_path / "error.npz"), str(tmp_path / "d.csv")], capsys) == (
        f"{tmp_path / 'd.csv'}, line 3, column 'color': 'purple' is not one of the categories the model was "
        "trained on (blue, green, red)")
    # unknown="ignore": all zeros for "purple", what Model.predict gives.
    _, rows = read_output(run(["predict", str(tmp_path / "ignore.npz"), str(tmp_path / "d.csv"),
                               "--probabilities"], capsys))
    P = net.predict(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))[:, 0]
    np.testing.assert_allclose([float(r[2]) for r in rows], P, atol=5e-7)


def test_unknown_categories_get_a_notice_per_column(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    pre = Preprocessing(["color", "size"], [
        Encoding("color", categories=["blue", "green", "red"], unknown="ignore", impute="red"),
        Encoding("size", categories=["S", "M"], unknown="ignore")])
    model = Model(NeuralNetwork([5, 1], loss="binary_crossentropy", seed=0), pre, classes=["no", "yes"])
    model.save(tmp_path / "m.npz")
    data = write_csv(tmp_path / "d.csv", {"color": ["red", "purple", "teal", "pink", "", "teal", "aqua"],
                                          "size": ["S", "M", "XL", "S", "M", "S", "M"],
                                          "y": ["no", "yes", "no", "no", "yes", "no", "yes"]})
    for command in (["predict", str(tmp_path / "m.npz"), str(data)],
                    ["evaluate", str(tmp_path / "m.npz"), str(data), "--target", "y"]):
        assert cli.main(command) == 0
        err = capsys.readouterr().err
        # One line per column; a missing value (filled in) is not unknown; examples sorted, at most 3.
        assert err.splitlines() == [
            f"notice: {data}, column 'color': 5 rows hold a category the model was not trained on "
            "('aqua', 'pink', 'purple', ... 4 in all); the model reads it as none of its categories "
            "(all zeros)",
            f"notice: {data}, column 'size': 1 row holds a category the model was not trained on ('XL'); "
            "the model reads it as none of its categories (all zeros)"]
    # Python stays silent (pytest turns warnings into errors here), and can ask.
    assert model.preprocessing.unknown_categories({"color": ["red", "teal", None], "size": ["S"] * 3}) == {
        "color": (1, 1, ["teal"])}
    known = write_csv(tmp_path / "k.csv", {"color": ["red", "blue"], "size": ["S", "M"]})
    assert cli.main(["predict", str(tmp_path / "m.npz"), str(known)]) == 0
    assert capsys.readouterr().err == ""


def test_help_says_what_happens_to_unknown_categories(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("predict", "evaluate"):
        assert cli.main([command, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "A category it was not trained on is refused" in text
        assert 'unknown="ignore"' in text
    assert cli.main(["predict", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "6 significant digits" in text and "--keep COLUMN [COLUMN ...]" in text


# ----------------------------------------------------------------- evaluate
def report(out: str) -> dict[str, list[str]]:
    """The rows of evaluate's per-class table by name: precision, recall, F1, support as printed."""
    lines = out.splitlines()
    start = lines.index("precision, recall and F1 per class (support: its rows in the file):")
    assert lines[start + 1].split() == ["class", "precision", "recall", "F1", "support"]
    table = {}
    for line in lines[start + 2:]:
        name, *values = line.strip().rsplit(maxsplit=4)
        table[name] = values
    return table


def test_evaluate_classification(animals: Animals,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder, columns, model = animals
    data = str(folder / "animals.csv")
    out = run(["evaluate", str(folder / "animals.npz"), data, "--target", "kind"], capsys)
    lines = out.splitlines()
    cols = raw(columns, ["weight", "color"])
    k = np.array([CLASSES.index(c) for c in columns["kind"]])
    predicted = np.array([CLASSES.index(c) for c in model.predict(cols)])
    # The first line: accuracy, and the loss of the network's outputs.
    loss = model.network.loss(model.transform(cols), np.eye(3)[k])
    assert lines[0] == f"{data} (120 rows): accuracy {metrics.accuracy(k, predicted):.4f}  loss {loss:.4g}"
    # The confusion matrix: a row per true class.
    assert lines[1] == "confusion matrix (rows: true class, columns: predicted class):"
    C = np.array([[int(v) for v in line.split()[1:]] for line in lines[3:6]])
    np.testing.assert_array_equal(C, metrics.confusion_matrix(k, predicted, n_classes=3))
    # Precision, recall, F1 and support per class, their mean and their mean weighted by support.
    precision, recall, f1, support = metrics.precision_recall_f1(k, predicted, n_classes=3)
    scores = np.column_stack([precision, recall, f1])
    expected = {c: [*(f"{v:.4f}" for v in s), str(n)] for c, s, n in zip(CLASSES, scores, support)}
    expected["macro avg"] = [*(f"{v:.4f}" for v in scores.mean(axis=0)), "120"]
    expected["weighted avg"] = [*(f"{v:.4f}" for v in np.average(scores, axis=0, weights=support)), "120"]
    assert report(out) == expected
    assert list(report(out)) == [*CLASSES, "macro avg", "weighted avg"]
    assert len(lines) == 6 + 2 + 5
    # Aligned: every row of the table as long as its header.
    table_lines = lines[7:]
    assert len({len(line) for line in table_lines}) == 1, table_lines


def test_evaluate_gives_long_class_names_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = ["a very long class name indeed", "b"]
    Model(NeuralNetwork([1, 1], loss="binary_crossentropy", seed=0), Preprocessing.identity(["x"]),
          classes=long).save(tmp_path / "m.npz")
    write_csv(tmp_path / "d.csv", {"x": [0.0, 1.0, 2.0], "y": [long[0], "b", "b"]})
    rows = report(run(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), "--target", "y"],
                      capsys))
    assert list(rows) == ["a very long class name indeed", "b", "macro avg", "weighted avg"]
    assert rows["a very long class name indeed"][3] == "1" and rows["b"][3] == "2"


def test_evaluate_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_path, _, columns, model = regression_model(tmp_path)
    cols = raw(columns, ["area", "town"])
    predicted = model.predict(cols)
    y = predicted + np.random.default_rng(3).normal(0, 20000, len(predicted))
    data = write_csv(tmp_path / "truth.csv", {**columns, "price": [repr(float(v)) for v in y]})
    out = run(["evaluate", str(model_path), str(data), "--target", "price"], capsys)
    assert out == (f"{data} (50 rows): R² {metrics.r2_score(y, predicted):.4f}  "
                   f"RMSE {metrics.rmse(y, predicted):.4g}  "
                   f"MAE {metrics.mean_absolute_error(y, predicted):.4g}\n")


# --------------------------------------------------------------- bad input
def test_a_bare_network_is_refused_with_how_to_save_a_model(
        animals: Animals, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder, _, _ = animals
    net = NeuralNetwork([2, 1], loss="binary_crossentropy", seed=0)
    net.metadata = {"classes": ["a", "b"], "target": "kind"}  # names, but no features
    net.save(tmp_path / "net.npz")
    for command in (["predict"], ["evaluate", "--target", "kind"]):
        message = refused([command[0], str(tmp_path / "net.npz"), str(folder / "animals.csv"), *command[1:]],
                          capsys)
        assert message == (
            f"{tmp_path / 'net.npz'}: a network saved on its own: it has no feature names or scaling, so the "
            "command line cannot know which columns to give it; save a model instead, with "
            "playwithnn.save(estimator_or_pipeline, path) or playwithnn.model.Model(net, preprocessing)"
            ".save(path)")


def test_a_regression_model_of_several_outputs_is_refused(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    Model(NeuralNetwork([2, 2], loss="mse", seed=0)).save(tmp_path / "two.npz")
    write_csv(tmp_path / "d.csv", {"x0": [1.0], "x1": [2.0]})
    assert refused(["predict", str(tmp_path / "two.npz"), str(tmp_path / "d.csv")], capsys) == (
        f"{tmp_path / 'two.npz'}: a regression model for the command line has one output; this one has 2")


def bad_model_files(folder: Path, good: Path) -> dict[str, str]:
    """Model files that are not models, and the start of their message after the file's name."""
    data = good.read_bytes()
    (folder / "text.npz").write_text("id,weight\n1,2\n", encoding="utf-8")
    (folder / "truncated.npz").write_bytes(data[: len(data) // 2])
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0xFF
    (folder / "tampered.npz").write_bytes(bytes(tampered))
    np.save(folder / "array.npy", np.zeros(3))
    # A well-formed file whose model description is wrong: checksum and all, as save writes it.
    from playwithnn import _modelfile

    net = NeuralNetwork([1, 1], loss="mse", seed=0)
    wrong = Model(net, Preprocessing.identity(["x"])).to_json() | {"task": "clustering"}
    _modelfile.save(folder / "described.npz", net.get_config(), net.parameters(), {}, model=wrong)
    return {
        "text.npz": "not a playwithnn model file: it is not an .npz (zip) archive",
        "truncated.npz": "",
        "tampered.npz": "",
        "array.npy": "not a playwithnn model file",
        "described.npz": "invalid model description: task must be 'classification' or 'regression'",
        "missing.npz": "no such file",
    }


def test_bad_model_files_are_one_line(animals: Animals, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder, _, _ = animals
    existing = tmp_path / "p.csv"
    existing.write_text("the old predictions\n", encoding="utf-8")
    for name, message in bad_model_files(tmp_path, folder / "animals.npz").items():
        path = str(tmp_path / name)
        for args in (["predict", path, str(folder / "animals.csv"), "--output", str(existing)],
                     ["evaluate", path, str(folder / "animals.csv"), "--target", "kind"]):
            assert refused(args, capsys).startswith(f"{path}: {message}"), name
    assert existing.read_text(encoding="utf-8") == "the old predictions\n"


def test_bad_cells_are_one_line_with_their_line_and_column(
        animals: Animals, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder, _, _ = animals
    model = str(folder / "animals.npz")
    strict = tmp_path / "strict.npz"  # no value to fill in for a missing weight
    Model(NeuralNetwork([1, 3], output_activation="softmax", loss="categorical_crossentropy", seed=0),
          Preprocessing(["weight"], [Encoding("weight", mean=[5.0], scale=[2.0])]), classes=CLASSES,
          target="kind").save(strict)
    files = {  # the content, and the message after the file's name
        # A blank line and a quoted cell across two lines before the bad row: the line is the file's.
        "text.csv": ('id,weight,color,kind\n1,2.5,black,cat\n\n2,"two\nkilos",black,dog\n',
                     ", line 4, column 'weight': 'two\\nkilos' is not a number; the model reads this "
                     "feature as numbers"),
        "category.csv": ("id,weight,color,kind\n1,2.5,black,cat\n2,3,green,dog\n",
                         ", line 3, column 'color': 'green' is not one of the categories the model was "
                         "trained on (black, blue, red, white)"),
        "missing_category.csv": ("id,weight,color,kind\n1,2.5,,cat\n",
                                 ", line 2, column 'color': the value is missing, and the model has no "
                                 "category to fill in for it"),
        "lacks.csv": ("id,colour,kind\n1,black,cat\n",
                      ": the model was trained on the features weight, color, but the file has none of them "
                      "(its columns: id, colour, kind)"),
        "half.csv": ("id,weight,kind\n1,2,cat\n",
                     ": the model was trained on the features weight, color, but the file has no column "
                     "'color' (its columns: id, weight, kind)"),
        "infinite.csv": ("id,weight,color,kind\n1,1e999,black,cat\n", ", line 2, column 'weight': "),
    }
    existing = tmp_path / "p.csv"
    existing.write_text("the old predictions\n", encoding="utf-8")
    for name, (content, message) in files.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        for args in (["predict", model, str(path), "--output", str(existing)],
                     ["evaluate", model, str(path), "--target", "kind"]):
            line = refused(args, capsys)
            assert line.startswith(f"{path}{message}"), (line, message)
    (tmp_path / "hole.csv").write_text("weight,kind\n1.5,cat\n\n,dog\n", encoding="utf-8")
    assert refused(["predict", str(strict), str(tmp_path / "hole.csv")], capsys) == (
        f"{tmp_path / 'hole.csv'}, line 4, column 'weight': the value is missing, and the model has no value "
        "to fill in for it")
    assert existing.read_text(encoding="utf-8") == "the old predictions\n"


def test_evaluate_refuses_a_bad_target(animals: Animals, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder, _, _ = animals
    model = str(folder / "animals.npz")
    data = str(folder / "animals.csv")
    assert refused(["evaluate", model, data, "--target", "species"], capsys).startswith(
        f"{data}: no column 'species'; the columns are id, weight, color, kind")
    assert refused(["evaluate", model, data, "--target", "color"], capsys) == (
        f"{data}: column 'color' is one of the model's features, not its target")
    (tmp_path / "fish.csv").write_text("weight,color,kind\n1,black,cat\n2,red,fish\n", encoding="utf-8")
    assert refused(["evaluate", model, str(tmp_path / "fish.csv"), "--target", "kind"], capsys) == (
        f"{tmp_path / 'fish.csv'}, line 3, column 'kind': label 'fish' is not one of the model's classes "
        "(bird, cat, dog)")
    model_path, data_path, _, _ = regression_model(tmp_path)
    assert refused(["evaluate", str(model_path), str(data_path), "--target", "town"], capsys) == (
        f"{data_path}: column 'town' is one of the model's features, not its target")
    assert refused(["evaluate", str(model_path), str(data_path), "--target", "house"], capsys) == (
        f"{data_path}, line 2, column 'house': 'h0' is not a number; a regression target must be numeric")


def test_a_refusal_is_one_line_in_a_real_process(animals: Animals,
                                                 tmp_path: Path) -> None:
    folder, _, _ = animals
    (tmp_path / "d.csv").write_text("weight,color\n1,mauve\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "playwithnn", "predict", str(folder / "animals.npz"),
                             "d.csv"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("playwithnn predict: error: d.csv, line 2, column 'color': 'mauve' is not one "
                             "of the categories the model was trained on (black, blue, red, white)\n")


# ------------------------------------------------- files of the old train
def version_1_file(path: Path, net: NeuralNetwork, metadata: dict[str, Any]) -> Path:
    """A model file as the command line's ``train`` wrote it at format version 1: the network's
    config and arrays, the model in the metadata, a SHA-256 of the header and of every array."""
    config = net.get_config()
    names = [f"{kind}{i}" for i in range(1, len(net.layers) + 1) for kind in ("W", "b")]
    arrays = {name: np.ascontiguousarray(p, dtype="<f8") for name, p in zip(names, net.parameters())}
    header: dict[str, Any] = {"format": "playwithnn-model", "version": 1, "config": config,
                              "metadata": metadata}

    def canonical(obj: Any) -> str:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

    digest = hashlib.sha256(canonical(header).encode("utf-8"))
    for name, arr in arrays.items():
        digest.update(f"\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        digest.update(arr.data)
    header["sha256"] = digest.hexdigest()
    np.savez(path, header=np.frombuffer(canonical(header).encode("utf-8"), dtype=np.uint8), **arrays)
    return path


def test_files_of_the_old_train_still_predict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(0, 1, (20, 2))
    # The columns in another order than the features: they are found by name.
    write_csv(tmp_path / "d.csv", {"x2": [repr(float(v)) for v in X[:, 1]],
                                   "x1": [repr(float(v)) for v in X[:, 0]], "label": ["yes", "no"] * 10})
    mean, scale = [0.5, -0.25], [2.0, 0.5]
    net = NeuralNetwork([2, 3, 1], loss="binary_crossentropy", seed=0)
    metadata = {"task": "classification", "target": "label", "features": ["x1", "x2"], "feature_mean": mean,
                "feature_scale": scale, "classes": ["no", "yes"], "history": {"epochs": 3, "seconds": 0.1}}
    path = version_1_file(tmp_path / "old.npz", net, metadata)
    p = net.predict((X - mean) / scale)[:, 0]
    header, rows = read_output(run(["predict", str(path), str(tmp_path / "d.csv"), "--probabilities"],
                                   capsys))
    assert header == ["label", "p(no)", "p(yes)"]
    assert [r[0] for r in rows] == ["yes" if v > 0.5 else "no" for v in p]
    np.testing.assert_allclose([float(r[2]) for r in rows], p, atol=5e-7)
    out = run(["evaluate", str(path), str(tmp_path / "d.csv"), "--target", "label"], capsys)
    assert out.startswith(f"{tmp_path / 'd.csv'} (20 rows): accuracy ")


def test_a_regression_file_of_the_old_train_predicts_in_the_target_units(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = NeuralNetwork([1, 1], loss="mse", seed=0)
    metadata = {"task": "regression", "target": "y", "features": ["x"], "feature_mean": [1.0],
                "feature_scale": [2.0], "target_mean": 1000.0, "target_scale": 10.0}
    path = version_1_file(tmp_path / "old.npz", net, metadata)
    write_csv(tmp_path / "d.csv", {"x": [0.0, 1.0, 3.0]})
    _, rows = read_output(run(["predict", str(path), str(tmp_path / "d.csv")], capsys))
    expected = net.predict((np.array([[0.0], [1.0], [3.0]]) - 1.0) / 2.0)[:, 0] * 10.0 + 1000.0
    assert [r[0] for r in rows] == [format(v, ".6g") for v in expected]


WRONG_VERSION_1_MODELS = [
    # (what replaces the good metadata's entries, a piece of the message)
    ({"feature_scale": [1.0, 0.0]}, "a scale is 0"),
    ({"feature_mean": ["a", "b"]}, "mean must be a number; got 'a'"),
    ({"features": ["x1"]}, "must be lists of the same length"),
    ({"features": ["x1", "x1"]}, "features names a column more than once: x1"),
    ({"classes": ["a", "b", "c"]}, "classes has 3 labels, but a network with 1 output tells 2 classes apart"),
    ({"classes": [[0], [1]]}, "classes must be class labels: text or numbers"),
    ({"task": "clustering"}, "task must be 'classification' or 'regression'; got 'clustering'"),
    ({"target": 3}, "target must be a str (a column name) or None"),
]


@pytest.mark.parametrize(("change", "message"), WRONG_VERSION_1_MODELS)
def test_a_version_1_file_with_a_wrong_model_is_one_line(change: dict[str, Any], message: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    net = NeuralNetwork([2, 1], loss="binary_crossentropy", seed=0)
    metadata = {"task": "classification", "target": "y", "features": ["x1", "x2"], "feature_mean": [0.0, 0.0],
                "feature_scale": [1.0, 1.0], "classes": ["a", "b"]} | change
    path = version_1_file(tmp_path / "old.npz", net, metadata)
    write_csv(tmp_path / "d.csv", {"x1": [1.0], "x2": [2.0], "y": ["a"]})
    for args in (["predict", str(path), str(tmp_path / "d.csv")],
                 ["evaluate", str(path), str(tmp_path / "d.csv"), "--target", "y"]):
        line = refused(args, capsys)
        assert line.startswith(f"{path}: invalid model description: ") and message in line, line


# ------------------------------------------------ estimators and pipelines
def test_a_scikit_learn_pipeline_on_pandas_data_predicts_the_same(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("pandas")
    from sklearn.datasets import load_iris
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import playwithnn
    from playwithnn.sklearn import NeuralNetworkClassifier

    iris = load_iris(as_frame=True)
    X = iris.data
    y = iris.target_names[iris.target]
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(8,), max_iter=300, learning_rate_init=0.01,
                                  random_state=0)
    with warnings.catch_warnings():  # whether it has converged is beside the point
        warnings.simplefilter("ignore")
        pipeline = make_pipeline(StandardScaler(), clf).fit(X, y)
    playwithnn.save(pipeline, tmp_path / "iris.npz")
    frame = X.assign(id=[f"flower-{i:03d}" for i in range(len(X))], species=y)
    frame.to_csv(tmp_path / "iris.csv", index=False)
    header, rows = read_output(run(["predict", str(tmp_path / "iris.npz"), str(tmp_path / "iris.csv"),
                                    "--keep", "id", "--probabilities"], capsys))
    assert header == ["id", "prediction", "p(setosa)", "p(versicolor)", "p(virginica)"]
    assert [r[0] for r in rows] == frame["id"].tolist()
    assert [r[1] for r in rows] == pipeline.predict(X).tolist()
    np.testing.assert_allclose(np.array([[float(c) for c in r[2:]] for r in rows]), pipeline.predict_proba(X),
                               atol=5e-7)
    out = run(["evaluate", str(tmp_path / "iris.npz"), str(tmp_path / "iris.csv"), "--target", "species"],
              capsys)
    assert out.splitlines()[0].startswith(f"{tmp_path / 'iris.csv'} (150 rows): accuracy "
                                          f"{pipeline.score(X, y):.4f}  loss ")


def test_a_pipeline_of_categories_and_holes_with_unknown_ignored(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    pd = pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer
    from sklearn.datasets import load_diabetes
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    import playwithnn
    from playwithnn.sklearn import NeuralNetworkRegressor

    diabetes = load_diabetes(as_frame=True, scaled=False)
    X = diabetes.data[["age", "bmi", "bp"]].assign(sex=diabetes.data["sex"].map({1.0: "f", 2.0: "m"}))
    X.loc[::7, "bmi"] = np.nan
    y = diabetes.target.rename("progression")
    pipeline = make_pipeline(
        make_column_transformer((make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                                 ["age", "bmi", "bp"]),
                                (OneHotEncoder(handle_unknown="ignore"), ["sex"])),
        NeuralNetworkRegressor(hidden_layer_sizes=(8,), max_iter=200, learning_rate_init=0.01,
                               random_state=0))
    with warnings.catch_warnings():  # whether it has converged is beside the point
        warnings.simplefilter("ignore")
        pipeline.fit(X, y)
    playwithnn.save(pipeline, tmp_path / "diabetes.npz")
    new = X.head(20).copy()
    new.loc[new.index[3], "sex"] = "x"  # a category it never saw: all zeros, as OneHotEncoder does
    new.to_csv(tmp_path / "new.csv", index=False)
    _, rows = read_output(run(["predict", str(tmp_path / "diabetes.npz"), str(tmp_path / "new.csv")], capsys))
    assert all(significant_digits(r[0]) <= 6 for r in rows)
    np.testing.assert_allclose([float(r[0]) for r in rows], pipeline.predict(new), rtol=1e-5)
    pd.concat([X, y], axis=1).to_csv(tmp_path / "all.csv", index=False)
    out = run(["evaluate", str(tmp_path / "diabetes.npz"), str(tmp_path / "all.csv"),
               "--target", "progression"], capsys)
    predicted = pipeline.predict(X)
    m = re.fullmatch(r".* \(442 rows\): R² (\S+)  RMSE (\S+)  MAE (\S+)\n", out)
    assert m, out
    assert float(m[1]) == pytest.approx(metrics.r2_score(y, predicted), abs=1e-4)
    assert float(m[2]) == pytest.approx(metrics.rmse(y, predicted), rel=1e-3)
    assert float(m[3]) == pytest.approx(metrics.mean_absolute_error(y, predicted), rel=1e-3)


def test_an_estimator_saved_alone_reads_its_columns_by_name(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    pd = pytest.importorskip("pandas")
    import playwithnn
    from playwithnn.sklearn import NeuralNetworkClassifier

    rng = np.random.default_rng(5)
    X = pd.DataFrame({"u": rng.normal(0, 1, 60), "v": rng.normal(0, 1, 60)})
    y = np.where(X["u"] + X["v"] > 0, "up", "down")
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=100, random_state=0)
    with warnings.catch_warnings():  # whether it has converged is beside the point
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    playwithnn.save(clf, tmp_path / "clf.npz")
    X[["v", "u"]].assign(extra="ignored").to_csv(tmp_path / "d.csv", index=False)
    _, rows = read_output(run(["predict", str(tmp_path / "clf.npz"), str(tmp_path / "d.csv")], capsys))
    assert [r[0] for r in rows] == clf.predict(X).tolist()


def test_long_class_labels_stay_distinct_in_evaluate(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    classes = ["Alfa Romeo Giulia 2019", "Alfa Romeo Giulia 2020"]
    net = NeuralNetwork([1, 2], output_activation="softmax", loss="categorical_crossentropy", seed=0)
    net.layers[0].W[...] = [[1.0, -1.0]]
    assert net.layers[0].b is not None
    net.layers[0].b[...] = 0.0
    Model(net, Preprocessing.identity(["x"]), classes=classes).save(tmp_path / "m.npz")
    write_csv(tmp_path / "d.csv", {"x": [1.0, 2.0, -1.0, 3.0], "car": [classes[0]] * 3 + [classes[1]]})
    out = run(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), "--target", "car"], capsys)
    lines = out.splitlines()
    at = lines.index("confusion matrix (rows: true class, columns: predicted class, by its number):")
    assert lines[at + 1:at + 4] == [
        "                              [1]  [2]",
        "  [1] Alfa Romeo Giulia 2019    2    1",
        "  [2] Alfa Romeo Giulia 2020    1    0"]
    # The per-class table gives each label whole.
    assert "  Alfa Romeo Giulia 2019     0.6667  0.6667  0.6667        3" in lines
    assert "  Alfa Romeo Giulia 2020     0.0000  0.0000  0.0000        1" in lines
