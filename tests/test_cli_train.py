"""``playwithnn train``: feature choice, row IDs, early stopping, refit, missing values, categories,
quiet runs, and the model file it writes, read back with ``playwithnn.load``.

Data sets are scikit-learn's, written by pandas as a user would (``df.to_csv``),
and small CSV files made here. Every bad input must give exit status 2 and one
line on standard error, never a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import playwithnn
from playwithnn import cli, tabular
from playwithnn.cli.columns import MAX_CATEGORIES
from playwithnn.cli.train import fit_options
from playwithnn.model import Model
from playwithnn.training import holdout_split

pd = pytest.importorskip("pandas")
datasets = pytest.importorskip("sklearn.datasets")


def train(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``playwithnn train ARGS`` in this process: the exit status, standard output and error."""
    status = cli.main(["train", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one error line of a ``train`` run that must fail with exit status 2."""
    status, _, err = train(capsys, *args)
    assert status == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("playwithnn train: error: "), lines[0]
    return lines[0]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m playwithnn ARGS`` with standard output and error piped, as in a script."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([sys.executable, "-m", "playwithnn", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """diabetes.csv, wine.csv and iris.csv as pandas writes them (no index), iris_index.csv with it."""
    folder = tmp_path_factory.mktemp("sklearn")
    for name in ("diabetes", "wine", "iris"):
        frame = getattr(datasets, f"load_{name}")(as_frame=True).frame
        frame.to_csv(folder / f"{name}.csv", index=False)
    datasets.load_iris(as_frame=True).frame.to_csv(folder / "iris_index.csv")  # index=True
    return folder


def kept_epoch(out: str) -> int:
    m = re.search(r"^trained \d+ epochs in \S+ s, stopped early and kept epoch (\d+)$", out, flags=re.M)
    assert m, out
    return int(m[1])


# ------------------------------------------------------------------ options
def test_no_option_is_abbreviated(sk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, model = str(sk / "iris.csv"), str(tmp_path / "m.npz")
    for option, value in [("--dropo", "0.1"), ("--epoch", "3"), ("--val", "0.1"), ("--pat", "3")]:
        line = refused(capsys, data, "--target", "target", "--output", model, option, value)
        assert line.endswith(f"unrecognized arguments: {option} {value} (see 'playwithnn train --help')")
    # --drop is a column, never --dropout.
    line = refused(capsys, data, "--target", "target", "--output", model, "--drop", "0.1")
    assert "--drop: no column '0.1'" in line
    assert not (tmp_path / "m.npz").exists()

    def parsers(parser: object) -> list[object]:
        found = [parser]
        for action in getattr(parser, "_actions", []):
            for sub in (getattr(action, "choices", None) or {}).values() if isinstance(
                    getattr(action, "choices", None), dict) else []:
                found += parsers(sub)
        return found

    every = parsers(cli.build_parser())
    assert len(every) == 9  # the top level and its eight commands
    assert all(p.allow_abbrev is False for p in every)  # type: ignore[attr-defined]


def features_csv(path: Path) -> Path:
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 60))
    frame = pd.DataFrame({"a": a, "b": b, "c": c, "y": (a + b > 0).astype(int)})
    frame.to_csv(path, index=False)
    return path


def test_features_and_drop_choose_the_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, model = str(features_csv(tmp_path / "d.csv")), str(tmp_path / "m.npz")
    base = [data, "--target", "y", "--output", model, "--epochs", "2", "--quiet"]
    assert train(capsys, *base, "--features", "c", "a")[0] == 0
    loaded = playwithnn.load(model)
    assert isinstance(loaded, Model) and loaded.features == ("c", "a")  # exactly these, in this order
    assert loaded.network.layer_sizes[0] == 2
    assert train(capsys, *base, "--drop", "b")[0] == 0
    assert playwithnn.load(model).features == ("a", "c")
    assert train(capsys, *base)[0] == 0
    assert playwithnn.load(model).features == ("a", "b", "c")
    # Repeated, an option adds to itself: it does not keep only the last.
    assert train(capsys, *base, "--features", "c", "--features", "a")[0] == 0
    assert playwithnn.load(model).features == ("c", "a")
    assert train(capsys, *base, "--drop", "a", "--drop", "c")[0] == 0
    assert playwithnn.load(model).features == ("b",)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--features", "a", "bb"], "d.csv: --features: no column 'bb'; the columns are a, b, c, y; "
                                    "did you mean 'b'?"),
        (["--drop", "cc"], "d.csv: --drop: no column 'cc'; the columns are a, b, c, y; did you mean 'c'?"),
        (["--features", "a", "y"], "--features names the target 'y'; the target is never a feature"),
        (["--drop", "y"], "--drop names the target 'y'; the target is never a feature"),
        (["--features", "a", "--drop", "b"], "argument --drop: not allowed with argument --features"),
        (["--drop", "a", "b", "c"], "d.csv: no feature columns besides the target 'y' and those of --drop"),
        (["--features", "a", "a"], "--features names 'a' more than once"),
        (["--features", "a", "--features", "a"], "--features names 'a' more than once"),
        (["--drop", "a", "--drop", "a"], "--drop names 'a' more than once"),
        (["--features"], "argument --features: expected at least one argument"),
    ],
)
def test_bad_feature_choices_are_one_line(args: list[str], message: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = str(features_csv(tmp_path / "d.csv"))
    line = refused(capsys, data, "--target", "y", "--output", str(tmp_path / "m.npz"), *args)
    assert message in line
    assert not (tmp_path / "m.npz").exists()


# ------------------------------------------------------------------ row IDs
def test_a_pandas_index_is_read_and_named_as_pandas_names_it(sk: Path) -> None:
    table = tabular.read_table(sk / "iris_index.csv")
    assert table.names[0] == "Unnamed: 0"
    assert table.values("Unnamed: 0").tolist() == list(range(150))
    assert pd.read_csv(sk / "iris_index.csv").columns[0] == "Unnamed: 0"  # the name pandas gives it
    # Only the first name may be empty, and only when "Unnamed: 0" is not taken.
    with pytest.raises(tabular.TableError, match="the header's column 2 has no name"):
        tabular.parse_table("a,,b\n1,2,3\n", source="t.csv")
    with pytest.raises(tabular.TableError, match="the header's column 1 has no name"):
        tabular.parse_table(",Unnamed: 0\n1,2\n", source="t.csv")


def test_a_row_id_gets_a_notice_but_stays_a_feature(sk: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    model = str(tmp_path / "m.npz")
    base = [str(sk / "iris_index.csv"), "--target", "target", "--output", model, "--epochs", "3"]
    status, out, err = train(capsys, *base)
    assert status == 0
    err_of_the_notice = ("notice: column 'Unnamed: 0' looks like a row ID (its values are the integers 0 to "
                         "149, each once); it is a feature, which rarely helps a model; leave it out with "
                         "--drop 'Unnamed: 0'\n")
    assert err == err_of_the_notice
    assert out.startswith("training a 5-16-16-3 network")  # not dropped: the user decides
    assert playwithnn.load(model).features[0] == "Unnamed: 0"
    status, out, err = train(capsys, *base, "--drop", "Unnamed: 0")
    assert (status, err) == (0, "")
    assert playwithnn.load(model).features == ("sepal length (cm)", "sepal width (cm)",
                                               "petal length (cm)", "petal width (cm)")
    assert train(capsys, *base, "--quiet")[1:] == ("wrote " + model + "\n", err_of_the_notice)  # kept: it is
    # about the data, and --quiet hides only progress and scores


@pytest.mark.parametrize(
    ("column", "name", "reason"),
    [
        ([5, 9, 12, 30, 31, 40, 41, 77, 80, 90], "n", "its values are all-different integers in increasing "
                                                      "order"),
        ([3, 1, 2, 0, 4, 9, 8, 7, 6, 5], "k", "its values are the integers 0 to 9, each once"),
        ([f"row{i}" for i in (3, 1, 2, 0, 4, 9, 8, 7, 6, 5)], "who", "its values are all different texts"),
        ([0.5, 0.25, 3.5, 1.5, 9.5, 2.5, 4.5, 7.5, 8.5, 6.5], "user_id", "its name says so, and its values "
                                                                          "are all different"),
        ([7, 3, 9, 1, 11, 2, 19, 5, 30, 8], "ID", "its name says so, and its values are all different"),
    ],
)
def test_row_id_notices(column: list[object], name: str, reason: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.DataFrame({name: column, "x": np.linspace(0, 1, 10) ** 2, "y": [0, 1] * 5})
    frame.to_csv(tmp_path / "d.csv", index=False)
    status, _, err = train(capsys, str(tmp_path / "d.csv"), "--target", "y", "--output",
                           str(tmp_path / "m.npz"), "--epochs", "1", "--validation-split", "0.3")
    assert status == 0
    assert err.splitlines() == [f"notice: column {name!r} looks like a row ID ({reason}); it is a feature, "
                                f"which rarely helps a model; leave it out with --drop {name}"]
    # Chosen with --features, it is left out of --features, not dropped.
    status, _, err = train(capsys, str(tmp_path / "d.csv"), "--target", "y", "--output",
                           str(tmp_path / "m.npz"), "--epochs", "1", "--validation-split", "0.3",
                           "--features", "x", name)
    assert status == 0
    assert err.splitlines() == [f"notice: column {name!r} looks like a row ID ({reason}); it is a feature, "
                                "which rarely helps a model; leave it out of --features"]


def test_measurements_get_no_notice(sk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("diabetes", "wine"):
        status, _, err = train(capsys, str(sk / f"{name}.csv"), "--target", "target", "--output",
                               str(tmp_path / "m.npz"), "--epochs", "1")
        assert (status, err) == (0, "")


# ----------------------------------------------------------- early stopping
def test_early_stopping_is_on_and_keeps_the_best_epoch(sk: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    data, model = str(sk / "diabetes.csv"), str(tmp_path / "m.npz")
    status, out, _ = train(capsys, data, "--target", "target", "--output", model)
    assert status == 0
    best = kept_epoch(out)
    history = playwithnn.load(model).metadata["history"]
    assert history["stopped_early"] and history["best_epoch"] == best
    assert best < history["epochs"] < 200  # the default --epochs, never reached
    assert history["epochs"] == best + 10  # the default --patience
    assert re.search(r"^train: R² \S+  RMSE \S+  MAE \S+\nvalidation: R² \S+  RMSE \S+  MAE \S+$", out,
                     flags=re.M)
    # Without a validation split, train scores every row: what evaluate says of the same file.
    status, out, _ = train(capsys, data, "--target", "target", "--output", model, "--epochs", "3",
                           "--validation-split", "0")
    assert status == 0
    train_scores = re.search(r"^train: (R² .*)$", out, flags=re.M)
    assert train_scores, out
    assert cli.main(["evaluate", model, data, "--target", "target"]) == 0
    assert capsys.readouterr().out == f"{data} (442 rows): {train_scores[1]}\n"
    assert train(capsys, data, "--target", "target", "--output", model)[0] == 0
    early = playwithnn.load(model).network.parameters()
    # The weights kept are those of the best epoch: the same as a run that stops there.
    assert train(capsys, data, "--target", "target", "--output", model, "--patience", "0",
                 "--epochs", str(best))[0] == 0
    for p, q in zip(playwithnn.load(model).network.parameters(), early):
        np.testing.assert_array_equal(p, q)
    # --patience 0 turns it off: every epoch.
    status, out, _ = train(capsys, data, "--target", "target", "--output", model, "--patience", "0",
                           "--epochs", "30")
    assert status == 0 and re.search(r"^trained 30 epochs in \S+ s$", out, flags=re.M)
    # The validation score printed is the saved model's, on the rows held out.
    status, out, _ = train(capsys, data, "--target", "target", "--output", model)
    frame = pd.read_csv(data)
    _, held = holdout_split(len(frame), 0.2, np.random.default_rng(0))
    predicted = playwithnn.load(model).predict(frame.iloc[held])
    y = frame["target"].to_numpy()[held]
    r2 = 1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2)
    assert float(re.search(r"^validation: R² (\S+)", out, flags=re.M)[1]) == pytest.approx(  # type: ignore[index]
        r2, abs=5e-5)


def test_refit_trains_on_every_row_for_the_best_epoch_count(sk: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data, model = str(sk / "diabetes.csv"), str(tmp_path / "m.npz")
    status, out, _ = train(capsys, data, "--target", "target", "--output", model, "--refit")
    assert status == 0
    best = kept_epoch(out)
    assert (f"refit: trained a fresh network with the same seed on all 442 rows for {best} epochs (the best "
            "epoch count)") in out
    lines = out.splitlines()
    assert lines[-3].startswith("train: R² ") and lines[-2].startswith("validation: R² ")
    refit = playwithnn.load(model)
    history = refit.metadata["history"]
    assert history["refit"] and history["epochs"] == best
    assert history["early_stopped_run"]["best_epoch"] == best
    # The refit model is the one a run on all rows for that many epochs gives, scaling included.
    assert train(capsys, data, "--target", "target", "--output", model, "--validation-split", "0",
                 "--epochs", str(best))[0] == 0
    plain = playwithnn.load(model)
    for p, q in zip(refit.network.parameters(), plain.network.parameters()):
        np.testing.assert_array_equal(p, q)
    assert refit.preprocessing.to_json() == plain.preprocessing.to_json()
    frame = pd.read_csv(data)
    features = frame.drop(columns="target")
    means = [e.mean[0] for e in refit.preprocessing.encodings]
    np.testing.assert_allclose(means, features.mean(), rtol=1e-12)
    assert refit.target_mean[0] == pytest.approx(frame["target"].mean(), rel=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patience", "0"], "--refit trains again for the best number of epochs, which early stopping "
                              "finds"),
        (["--validation-split", "0"], "it needs --validation-split above 0, and no --patience 0"),
        (["--chunk-rows", "100"], "--refit is not available with --chunk-rows"),
    ],
)
def test_refit_needs_early_stopping(args: list[str], message: str, sk: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, str(sk / "diabetes.csv"), "--target", "target", "--output",
                   str(tmp_path / "m.npz"), "--refit", *args)
    assert message in line


# ------------------------------------------------------------------ missing values
def holed_iris(path: Path) -> tuple[object, list[tuple[int, str]]]:
    """iris with a few cells emptied; the frame and the (row, column) of each hole."""
    frame = datasets.load_iris(as_frame=True).frame
    holes = [(7, "sepal width (cm)"), (40, "petal length (cm)"), (41, "petal length (cm)"),
             (120, "sepal length (cm)")]
    for row, column in holes:
        frame.loc[row, column] = np.nan
    frame.to_csv(path, index=False)
    return frame, holes


def test_missing_values_are_refused_without_impute(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    holed_iris(tmp_path / "iris.csv")
    line = refused(capsys, str(tmp_path / "iris.csv"), "--target", "target", "--output",
                   str(tmp_path / "m.npz"))
    # Row 7 is on line 9 (after the header); pandas writes NaN as an empty cell.
    assert line.endswith("iris.csv, line 9, column 'sepal width (cm)': the cell is empty; fill or remove "
                         "missing values first, or let --impute fill them in (mean, median or most_frequent)")
    (tmp_path / "nan.csv").write_text("a,b,y\n1,2,0\n2,NaN,1\n3,4,0\n")
    line = refused(capsys, str(tmp_path / "nan.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"))
    assert "nan.csv, line 3, column 'b': the cell is NaN; fill or remove missing values first" in line
    # A missing target is an error, --impute or not.
    (tmp_path / "target.csv").write_text("a,y\n1,0\n2,\n3,1\n4,0\n5,1\n")
    line = refused(capsys, str(tmp_path / "target.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"),
                   "--impute", "mean")
    assert line.endswith("target.csv, line 3, column 'y': the label is missing")


@pytest.mark.parametrize("impute", ["mean", "median", "most_frequent"])
def test_impute_fills_holes_from_the_training_rows(impute: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    frame, holes = holed_iris(tmp_path / "iris.csv")
    model = str(tmp_path / "m.npz")
    status, out, err = train(capsys, str(tmp_path / "iris.csv"), "--target", "target", "--output", model,
                             "--impute", impute)
    assert (status, err) == (0, "")
    assert f"(4 missing cells filled in ({impute}); relu hidden layers" in out.splitlines()[0]
    loaded = playwithnn.load(model)
    # The statistics come from the training rows only: iris is split by class (stratified).
    k = frame["target"].to_numpy()
    kept, _ = holdout_split(len(frame), 0.2, np.random.default_rng(0), stratify=k)
    for encoding in loaded.preprocessing.encodings:
        column = frame[encoding.feature].to_numpy()[kept]
        present = column[~np.isnan(column)]
        expected = {"mean": present.mean(), "median": np.median(present),
                    "most_frequent": pd.Series(present).mode().min()}[impute]
        assert encoding.impute == pytest.approx(expected, rel=1e-12), encoding.feature  # every feature
        filled = np.where(np.isnan(column), expected, column)
        assert encoding.mean[0] == pytest.approx(filled.mean(), rel=1e-12)
    # The model fills the holes of the rows it predicts, raw rows from pandas.
    predicted = loaded.predict(frame)
    assert loaded.classes == [0, 1, 2] and predicted.dtype.kind == "i"
    assert np.mean(predicted == frame["target"].to_numpy()) >= 0.9
    assert all(predicted[row] in (0, 1, 2) for row, _ in holes)


# ------------------------------------------------------------------ categories
def colours_csv(path: Path, n: int = 300) -> object:
    rng = np.random.default_rng(1)
    colour = rng.choice(["red", "green", "blue"], n)
    x = rng.normal(size=n)
    y = np.where(colour == "red", x > 0.5, x < -0.5).astype(int)  # the colour moves the threshold
    frame = pd.DataFrame({"colour": colour, "x": x, "size": rng.choice(["S", "M", "L", "XL"], n), "y": y})
    frame.to_csv(path, index=False)
    return frame


def test_text_columns_are_one_hot_encoded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = colours_csv(tmp_path / "c.csv")
    model = str(tmp_path / "m.npz")
    status, out, err = train(capsys, str(tmp_path / "c.csv"), "--target", "y", "--output", model)
    assert (status, err) == (0, "")
    assert out.splitlines()[0].startswith(
        "training a 8-16-16-1 network (8 inputs from 3 features, 2 of them one-hot; relu hidden layers, "
        "sigmoid output, binary_crossentropy)")
    loaded = playwithnn.load(model)
    encodings = {e.feature: e for e in loaded.preprocessing.encodings}
    assert encodings["colour"].categories == ("blue", "green", "red")  # sorted
    assert encodings["size"].categories == ("L", "M", "S", "XL")
    assert loaded.preprocessing.input_names[:3] == ["colour=blue", "colour=green", "colour=red"]
    assert np.mean(loaded.predict(frame) == frame["y"].to_numpy()) >= 0.9
    # A colour it never saw is encoded as all zeros rather than refused.
    assert loaded.predict(pd.DataFrame({"colour": ["purple"], "x": [0.0], "size": ["M"]})).shape == (1,)


def test_too_many_categories_are_refused_however_many_rows(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # 101 zip codes on 2020 rows: few per row, but 101 inputs; 100 of them are taken.
    rng = np.random.default_rng(0)
    for n_codes, refused_ in ((MAX_CATEGORIES + 1, True), (MAX_CATEGORIES, False)):
        codes = [f"z{i:05d}" for i in range(n_codes)]
        frame = pd.DataFrame({"zip": rng.permutation(codes * 20), "y": [0, 1] * (10 * n_codes)})
        frame.to_csv(tmp_path / "d.csv", index=False)
        args = (str(tmp_path / "d.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"))
        if refused_:
            assert refused(capsys, *args).endswith(
                f"column 'zip': {n_codes} different texts in {20 * n_codes} rows, too many to be categories "
                f"(at most {MAX_CATEGORIES}, each an input of the network; it looks like an ID, "
                "free text or a code); leave it out with --drop zip")
        else:
            assert train(capsys, *args, "--epochs", "1")[0] == 0
            assert playwithnn.load(tmp_path / "m.npz").network.layer_sizes[0] == n_codes


def test_too_many_categories_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"name": [f"person {i}" for i in rng.permutation(120)], "x": rng.normal(size=120),
                          "y": [0, 1] * 60})
    frame.to_csv(tmp_path / "d.csv", index=False)
    line = refused(capsys, str(tmp_path / "d.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"))
    assert line.endswith("d.csv, column 'name': 120 different texts in 120 rows, too many to be categories "
                         f"(at most {MAX_CATEGORIES}, each an input of the network; it looks like an ID, "
                         "free text or a code); leave it out with --drop name")
    line = refused(capsys, str(tmp_path / "d.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"),
                   "--features", "name", "x")
    assert line.endswith("a code); leave it out of --features")
    status, _, _ = train(capsys, str(tmp_path / "d.csv"), "--target", "y", "--output",
                         str(tmp_path / "m.npz"), "--drop", "name", "--epochs", "1")
    assert status == 0


def test_a_text_cell_among_numbers_is_a_typo_not_a_category(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"{i * 0.5},{i % 2}" for i in range(20)]
    rows[12] = "6.O,0"  # a letter O for a zero
    (tmp_path / "d.csv").write_text("x,y\n" + "\n".join(rows) + "\n")
    line = refused(capsys, str(tmp_path / "d.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"))
    assert line.endswith("d.csv, line 14, column 'x': '6.O' is not a number; the column holds numbers "
                         "(a missing value is an empty cell, NaN, NA, ...)")


# ------------------------------------------------------------------ output
def test_quiet_prints_only_what_it_wrote(sk: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    model, plot = tmp_path / "m.npz", tmp_path / "c.png"
    status, out, err = train(capsys, str(sk / "iris_index.csv"), "--target", "target", "--output", str(model),
                             "--plot", str(plot), "--quiet")
    assert (status, out) == (0, f"wrote {model}\nwrote {plot}\n")
    assert err.startswith("notice: column 'Unnamed: 0' looks like a row ID") and err.count("\n") == 1


def test_a_pipe_gets_the_summary_without_progress(sk: Path, tmp_path: Path) -> None:
    args = ["train", str(sk / "wine.csv"), "--target", "target", "--output", "m.npz", "--epochs", "20",
            "--patience", "0"]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        "training", "trained", "train:", "validation:", "wrote"]
    verbose = run(*args, "--verbose", cwd=tmp_path)
    progress = verbose.stderr.splitlines()
    assert len(progress) == 20 and progress[0].startswith("epoch 1/20  loss ")


def test_progress_depends_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    args = cli.build_parser().parse_args(["train", "d.csv", "--target", "y", "--output", "m.npz"])
    for tty, verbose in [(True, 1), (False, 0)]:  # 1: a progress bar, on a terminal only
        monkeypatch.setattr(sys, "stderr", Stream(tty))
        assert fit_options(args).verbose == verbose
    args.verbose = True
    assert fit_options(args).verbose == 2
    args.verbose, args.quiet = False, True
    monkeypatch.setattr(sys, "stderr", Stream(True))
    assert fit_options(args).verbose == 0


def test_the_model_file_predicts_raw_rows_as_the_network_does(sk: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m.npz"
    assert train(capsys, str(sk / "wine.csv"), "--target", "target", "--output", str(model))[0] == 0
    loaded = playwithnn.load(model)
    frame = pd.read_csv(sk / "wine.csv")
    names = [c for c in frame.columns if c != "target"]
    assert isinstance(loaded, Model) and loaded.features == tuple(names)
    assert loaded.classes == [0, 1, 2] and loaded.target == "target" and loaded.task == "classification"
    assert set(loaded.metadata) == {"history"}  # the rest is in the model's description
    # The network on the inputs as the command line scales them: (x - mean) / scale.
    mean = np.array([e.mean[0] for e in loaded.preprocessing.encodings])
    scale = np.array([e.scale[0] for e in loaded.preprocessing.encodings])
    X = (frame[names].to_numpy() - mean) / scale
    np.testing.assert_allclose(loaded.transform(frame), X, rtol=1e-12, atol=1e-12)
    P = loaded.network.predict(X)
    np.testing.assert_array_equal(loaded.predict(frame), np.argmax(P, axis=1))
    assert np.mean(loaded.predict(frame) == frame["target"]) >= 0.95
    # Regression: predictions in the target's units.
    assert train(capsys, str(sk / "diabetes.csv"), "--target", "target", "--output", str(model))[0] == 0
    loaded = playwithnn.load(model)
    frame = pd.read_csv(sk / "diabetes.csv")
    out = loaded.network.predict(loaded.transform(frame))[:, 0]
    np.testing.assert_allclose(loaded.predict(frame), out * loaded.target_scale[0] + loaded.target_mean[0],
                               rtol=1e-12)
    assert loaded.classes is None and loaded.task == "regression"


def test_the_decision_boundary_goes_through_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from playwithnn import plotting

    seen: dict[str, object] = {}
    draw = plotting.plot_decision_boundary

    def spy(net: object, X: np.ndarray, y: np.ndarray, **kwargs: object) -> object:
        seen.update(X=X, transform=kwargs["transform"])
        return draw(net, X, y, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plotting, "plot_decision_boundary", spy)
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[5.0, -200.0], scale=[2.0, 50.0], size=(200, 2))
    pd.DataFrame({"u": X[:, 0], "v": X[:, 1], "y": (X[:, 0] > 5).astype(int)}).to_csv(tmp_path / "d.csv",
                                                                                       index=False)
    assert train(capsys, str(tmp_path / "d.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"),
                 "--plot", str(tmp_path / "c.png"), "--epochs", "5")[0] == 0
    loaded = playwithnn.load(tmp_path / "m.npz")
    points = np.array([[0.0, 0.0], [5.0, -200.0], [9.0, -100.0]])
    transform = seen["transform"]
    assert callable(transform)
    np.testing.assert_array_equal(transform(points), loaded.transform(points))
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------ a chunk at a time
def test_streamed_training_writes_a_model_without_early_stopping(sk: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m.npz"
    status, out, _ = train(capsys, str(sk / "wine.csv"), "--target", "target", "--output", str(model),
                           "--chunk-rows", "50", "--epochs", "30")
    assert status == 0 and re.search(r"^trained 30 epochs in \S+ s$", out, flags=re.M)
    loaded = playwithnn.load(model)
    frame = pd.read_csv(sk / "wine.csv")
    assert isinstance(loaded, Model) and loaded.classes == [0, 1, 2]
    assert set(loaded.metadata) == {"history"}
    assert np.mean(loaded.predict(frame) == frame["target"]) >= 0.9
    # Without a validation split, its scaling is that of the whole file (in memory too).
    for extra in ([], ["--chunk-rows", "40"]):
        assert train(capsys, str(sk / "wine.csv"), "--target", "target", "--output", str(model),
                     "--validation-split", "0", "--epochs", "1", "--quiet", *extra)[0] == 0
        features = frame.drop(columns="target")
        encodings = playwithnn.load(model).preprocessing.encodings
        np.testing.assert_allclose([e.mean[0] for e in encodings], features.mean(), rtol=1e-12)
        np.testing.assert_allclose([e.scale[0] for e in encodings], features.std(ddof=0), rtol=1e-12)
    # --patience 0 is no early stopping, which a streamed run does not do anyway; --drop applies too.
    assert train(capsys, str(sk / "wine.csv"), "--target", "target", "--output", str(model),
                 "--chunk-rows", "50", "--epochs", "1", "--patience", "0", "--drop", "proline")[0] == 0
    assert "proline" not in playwithnn.load(model).features


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patience", "3"], "--patience is not available with --chunk-rows: a streamed run does not stop "
                              "early"),
        (["--impute", "mean"], "--impute is not available with --chunk-rows: a streamed run reads numeric "
                               "features without missing values"),
    ],
)
def test_streamed_training_refuses_what_it_cannot_do(args: list[str], message: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    frame = colours_csv(tmp_path / "c.csv")
    line = refused(capsys, str(tmp_path / "c.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"),
                   "--chunk-rows", "100", *args)
    assert message in line
    line = refused(capsys, str(tmp_path / "c.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"),
                   "--chunk-rows", "100")
    assert line.endswith(f"c.csv, line 2, column 'colour': {frame['colour'][0]!r} is not a number; "
                         "--chunk-rows reads numeric features only (without it, a column of text is one-hot "
                         "encoded)")
