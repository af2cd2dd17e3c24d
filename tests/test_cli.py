"""The command line, run as a subprocess on good and bad files.

Good data comes from the ``datasets`` command itself. Every bad input must give
exit status 2 and exactly one line on standard error that names the file (and
the line and column where there is one), never a traceback, and must leave
existing output files as they were.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from playwithnn import cli
from playwithnn.cli import playground as cli_playground
from playwithnn.datasets import DATASETS, make_dataset
from playwithnn.io import load

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([sys.executable, "-m", "playwithnn", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def error_line(result: subprocess.CompletedProcess[str], command: str) -> str:
    """The single error line of a failed run, checked for its form."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"playwithnn {command}: error: "), lines[0]
    return lines[0]


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with moons.csv (training) and moons_test.csv, and a model trained on the first."""
    folder = tmp_path_factory.mktemp("cli")
    ok(run("datasets", "moons", "--samples", "300", "--noise", "0.1", "--seed", "0",
           "--output", "moons.csv", cwd=folder))
    ok(run("datasets", "moons", "--samples", "200", "--noise", "0.1", "--seed", "1",
           "--output", "moons_test.csv", cwd=folder))
    ok(run("train", "moons.csv", "--target", "label", "--output", "model.npz", "--quiet", cwd=folder))
    return folder


# ------------------------------------------------------------------ datasets
@pytest.mark.parametrize("name", DATASETS)
def test_datasets_writes_the_generator_output(name: str, tmp_path: Path) -> None:
    out = ok(run("datasets", name, "--samples", "50", "--noise", "0.05", "--seed", "3",
                 "--output", "d.csv", cwd=tmp_path))
    X, y = make_dataset(name, n_samples=50, noise=0.05, seed=3)
    header, rows = read_csv(tmp_path / "d.csv")
    assert header == [f"x{j + 1}" for j in range(X.shape[1])] + ["label"]
    # The numbers are written to read back as the very same floats.
    np.testing.assert_array_equal(np.array([[float(c) for c in r[:-1]] for r in rows]), X)
    assert [int(r[-1]) for r in rows] == y.tolist()
    assert out == f"wrote d.csv: {len(y)} samples of {name!r}, columns {', '.join(header[:-1])}, label\n"


def test_datasets_tutorial_and_stdout(tmp_path: Path) -> None:
    out = ok(run("datasets", "tutorial", cwd=tmp_path))
    assert out == "x1,x2,x3,label\n0,0,1,0\n0,1,1,1\n1,0,1,1\n1,1,1,0\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "argument NAME: invalid choice: 'nope'"),
        (["xor", "--samples", "0"], "argument --samples: expected a positive integer; got '0'"),
        (["xor", "--noise", "-1"], "argument --noise: expected a non-negative number; got '-1'"),
        (["xor", "--noise", "inf"], "argument --noise: expected a non-negative number; got 'inf'"),
        (["xor", "--output", "missing/d.csv"], "the directory missing does not exist"),
    ],
)
def test_datasets_bad_options(args: list[str], message: str, tmp_path: Path) -> None:
    assert message in error_line(run("datasets", *args, cwd=tmp_path), "datasets")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------- train, predict, evaluate
def test_round_trip_train_predict_evaluate(work: Path, tmp_path: Path) -> None:
    result = run("train", str(work / "moons.csv"), "--target", "label", "--output", "m.npz",
                 "--plot", "curves.png", "--epochs", "150", "--patience", "0", "--verbose", cwd=tmp_path)
    out = ok(result)
    assert out.splitlines()[0] == (
        f"training a 2-16-16-1 network (relu hidden layers, sigmoid output, binary_crossentropy) "
        f"on 240 rows of {work / 'moons.csv'} for classification, validating on 60")
    assert re.search(r"^trained 150 epochs in \d+\.\d\d s$", out, flags=re.M)
    train_acc = float(re.search(r"^train: accuracy (\d\.\d{4})  loss \S+$", out, flags=re.M)[1])  # type: ignore[index]
    val_acc = float(re.search(r"^validation: accuracy (\d\.\d{4})  loss \S+$", out, flags=re.M)[1])  # type: ignore[index]
    # Two moons with noise 0.1 are separable by a small ReLU network: it should get
    # (almost) all of them; 0.95 leaves room for a few noisy points near the boundary.
    assert train_acc >= 0.95 and val_acc >= 0.95
    assert out.endswith("wrote m.npz\nwrote curves.png\n")
    # Progress: with --verbose, one line per epoch on standard error.
    progress = result.stderr.splitlines()
    assert len(progress) == 150 and progress[0].startswith("epoch 1/150  loss ")
    assert (tmp_path / "curves.png").read_bytes()[:8] == PNG_SIGNATURE

    # evaluate on fresh data from another seed
    out = ok(run("evaluate", "m.npz", str(work / "moons_test.csv"), "--target", "label", cwd=tmp_path))
    evaluated = out.splitlines()
    m = re.fullmatch(r".*moons_test\.csv \(200 rows\): accuracy (\d\.\d{4})  loss (\S+)", evaluated[0])
    assert m, out
    test_acc = float(m[1])
    assert test_acc >= 0.95
    # The confusion matrix: a row per true class, a column per predicted class.
    assert evaluated[1] == "confusion matrix (rows: true class, columns: predicted class):"
    # Then precision, recall and F1 per class and their averages (tests/test_cli_predict.py checks them).
    assert evaluated[2].split() == ["0", "1"] and len(evaluated) == 11
    assert [line.split()[0] for line in evaluated[3:5]] == ["0", "1"]
    confusion = np.array([[int(v) for v in line.split()[1:]] for line in evaluated[3:5]])

    # predict: one label per row, agreeing with evaluate's accuracy
    out = ok(run("predict", "m.npz", str(work / "moons_test.csv"), "--output", "p.csv", cwd=tmp_path))
    assert out == "wrote p.csv: 200 predictions\n"
    header, rows = read_csv(tmp_path / "p.csv")
    _, truth = read_csv(work / "moons_test.csv")
    assert header == ["label"]
    predicted = [r[0] for r in rows]
    assert set(predicted) <= {"0", "1"}
    assert round(np.mean([p == t[-1] for p, t in zip(predicted, truth)]), 4) == test_acc
    counted = [[sum(t[-1] == true and p == guess for p, t in zip(predicted, truth)) for guess in "01"]
               for true in "01"]
    np.testing.assert_array_equal(confusion, counted)

    # predict to standard output, with probabilities
    out = ok(run("predict", "m.npz", str(work / "moons_test.csv"), "--probabilities", cwd=tmp_path))
    lines = out.splitlines()
    assert lines[0] == "label,p(0),p(1)" and len(lines) == 201
    for line, label in zip(lines[1:], predicted):
        cells = line.split(",")
        p0, p1 = float(cells[1]), float(cells[2])
        assert cells[0] == label and abs(p0 + p1 - 1) <= 2e-6  # printed to 6 places
        assert (p1 > 0.5) == (label == "1")


def test_model_file_holds_the_preprocessing(work: Path) -> None:
    from playwithnn.training import holdout_split

    model = load(work / "model.npz")
    assert (model.task, model.target, model.features, model.classes) == (
        "classification", "label", ("x1", "x2"), [0, 1])
    X, y = make_dataset("moons", n_samples=300, noise=0.1, seed=0)
    # The scaling is that of the training rows (80%, held out class by class), not of the whole file.
    kept, _ = holdout_split(300, 0.2, np.random.default_rng(0), stratify=y)
    encodings = model.preprocessing.encodings
    np.testing.assert_allclose([e.mean[0] for e in encodings], X[kept].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose([e.scale[0] for e in encodings], X[kept].std(axis=0), rtol=1e-12)
    net = model.network
    assert net.loss_name == "binary_crossentropy" and net.layer_sizes == [2, 16, 16, 1]


def test_multiclass_text_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    centers = {"cat": (-1.0, 0.0), "dog": (1.0, 0.0), "bird": (0.0, 1.5)}
    rows = [[*(np.array(c) + rng.normal(0, 0.3, 2)), name] for name, c in centers.items() for _ in range(60)]
    write_csv(tmp_path / "animals.csv", ["a", "b", "kind"], rows)
    out = ok(run("train", "animals.csv", "--target", "kind", "--output", "m.npz",
                 "--plot", "c.png", cwd=tmp_path))
    assert "2-16-16-3 network (relu hidden layers, softmax output, categorical_crossentropy)" in out
    assert load(tmp_path / "m.npz").classes == ["bird", "cat", "dog"]
    out = ok(run("predict", "m.npz", "animals.csv", "--probabilities", cwd=tmp_path))
    lines = out.splitlines()
    assert lines[0] == "kind,p(bird),p(cat),p(dog)"
    predicted = [line.split(",")[0] for line in lines[1:]]
    # Three well-separated blobs (0.3 spread, centres 1.5 or more apart).
    assert np.mean([p == r[2] for p, r in zip(predicted, rows)]) >= 0.95
    out = ok(run("evaluate", "m.npz", "animals.csv", "--target", "kind", cwd=tmp_path))
    evaluated = out.splitlines()
    assert re.fullmatch(r"animals\.csv \(180 rows\): accuracy (0\.9[5-9]\d\d|1\.0000)  loss \S+",
                        evaluated[0])
    assert evaluated[2].split() == ["bird", "cat", "dog"] and len(evaluated) == 13
    confusion = np.array([[int(v) for v in line.split()[1:]] for line in evaluated[3:6]])
    truth = [r[2] for r in rows]
    counted = [[sum(t == true and p == guess for p, t in zip(predicted, truth))
                for guess in ("bird", "cat", "dog")] for true in ("bird", "cat", "dog")]
    np.testing.assert_array_equal(confusion, counted)
    assert confusion.sum(axis=1).tolist() == [60, 60, 60]  # rows are the true classes


def test_regression(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (300, 2))
    y = 100 + 10 * X[:, 0] - 5 * X[:, 1] ** 2 + rng.normal(0, 0.5, 300)
    write_csv(tmp_path / "r.csv", ["u", "v", "price"], [[*x, t] for x, t in zip(X, y)])
    out = ok(run("train", "r.csv", "--target", "price", "--output", "m.npz", cwd=tmp_path))
    assert "identity output, mse) on 240 rows of r.csv for regression" in out
    r2 = [float(v) for v in re.findall(r"R² (\S+)  RMSE \S+", out)]
    # A smooth function of two inputs with little noise: R² well above 0.9.
    assert len(r2) == 2 and min(r2) >= 0.9
    out = ok(run("predict", "m.npz", "r.csv", cwd=tmp_path))
    predicted = np.array([float(v) for v in out.splitlines()[1:]])
    assert out.splitlines()[0] == "price"
    # Predictions are in the target's own units (scaled back), close to it.
    assert np.sqrt(np.mean((predicted - y) ** 2)) < 0.3 * y.std()
    out = ok(run("evaluate", "m.npz", "r.csv", "--target", "price", cwd=tmp_path))
    m = re.fullmatch(r"r\.csv \(300 rows\): R² (0\.9\d{3})  RMSE (\S+)  MAE (\S+)\n", out)
    assert m, out
    # All in the target's units, from the predictions predict writes (printed to 4 places/digits).
    assert float(m[2]) == pytest.approx(np.sqrt(np.mean((predicted - y) ** 2)), rel=1e-3)
    assert float(m[1]) == pytest.approx(1 - np.sum((predicted - y) ** 2) / np.sum((y - y.mean()) ** 2),
                                        abs=1e-4)
    assert float(m[3]) == pytest.approx(np.mean(np.abs(predicted - y)), rel=1e-3)


@pytest.mark.parametrize(
    ("labels", "task"),
    [
        (["a", "b"], "classification"),         # text
        ([0, 1, 2], "classification"),          # few integers
        (["1.0", "2.0"], "classification"),     # integers written as floats
        ([0.5, 1.25], "regression"),            # fractions
        (list(range(11)), "regression"),        # more than 10 distinct integers
    ],
)
def test_task_inference(labels: list[object], task: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    rows = [[i, i % 3, labels[i % len(labels)]] for i in range(44)]
    write_csv(tmp_path / "t.csv", ["x", "z", "y"], rows)
    args = ["train", str(tmp_path / "t.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"),
            "--epochs", "1"]
    assert cli.main(args) == 0
    assert f"for {task}" in capsys.readouterr().out
    other = "regression" if task == "classification" else "classification"
    if labels == ["a", "b"]:  # text cannot be regressed on
        assert cli.main([*args, "--task", other]) == 2
        assert capsys.readouterr().err.endswith(
            "t.csv, line 2, column 'y': 'a' is not a number; a regression target must be numeric\n")
    else:
        assert cli.main([*args, "--task", other]) == 0
        assert f"for {other}" in capsys.readouterr().out


def test_train_options_reach_the_network(work: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    args = ["train", str(work / "moons.csv"), "--target", "label", "--output", str(tmp_path / "m.npz"),
            "--hidden", "8", "--activation", "tanh", "--optimizer", "sgd", "--learning-rate", "0.2",
            "--epochs", "40", "--batch-size", "16", "--l2", "0.001", "--dropout", "0.1",
            "--validation-split", "0.25", "--patience", "3", "--seed", "5"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "2-8-1 network (tanh hidden layers" in out and "on 225 rows" in out
    net = load(tmp_path / "m.npz").network
    assert net.activation == ["tanh"]
    # The same seed gives the same model, bit for bit.
    first = [p.copy() for p in net.parameters()]
    assert cli.main(args) == 0
    capsys.readouterr()
    for p, q in zip(load(tmp_path / "m.npz").network.parameters(), first):
        np.testing.assert_array_equal(p, q)
    assert cli.main([*args, "--hidden", "--validation-split", "0"]) == 0
    out = capsys.readouterr().out
    assert "2-1 network" in out and "validation" not in out.split("trained")[1]


# ------------------------------------------------------------------ bad files
BAD_TRAINING_FILES = [
    # (name, content, message after "playwithnn train: error: ")
    ("empty.csv", b"", "empty.csv: the file is empty; expected CSV with a header row"),
    ("blank.csv", b"  \n\n", "blank.csv: the file is empty; expected CSV with a header row"),
    ("noheader.csv", b"0.5,0.1,0\n0.2,0.3,1\n",
     "noheader.csv: no header row: line 1 holds numbers (0.5, 0.1, 0); the first row must name the columns"),
    ("onlyheader.csv", b"x1,x2,label\n", "onlyheader.csv: a header row but no data rows"),
    ("ragged.csv", b"x1,x2,label\n1,2,0\n3,4\n",
     "ragged.csv, line 3: 2 cells, but the header has 3 columns (x1, x2, label)"),
    ("long.csv", b"x1,x2,label\n1,2,0,9\n", "long.csv, line 2: 4 cells, but the header has 3 columns"),
    ("text.csv", b"x1,x2,label\n1,2,0\n3,abc,1\n",
     "text.csv, line 3, column 'x2': 'abc' is not a number; the column holds numbers"),
    ("hole.csv", b"x1,x2,label\n1,2,0\n3,,1\n",
     "hole.csv, line 3, column 'x2': the cell is empty; fill or remove missing values first"),
    ("nan.csv", b"x1,x2,label\n1,2,0\n\n3,NaN,1\n",
     "nan.csv, line 4, column 'x2': the cell is NaN; fill or remove missing values first"),
    ("inf.csv", b"x1,x2,label\n1,inf,0\n", "inf.csv, line 2, column 'x2': the cell is infinite ('inf')"),
    ("nolabel.csv", b"a,b,c\n1,2,3\n", "nolabel.csv: no column 'label'; the columns are a, b, c"),
    ("dup.csv", b"x1,x1,label\n1,2,0\n", "dup.csv: the header names column 'x1' twice"),
    ("unnamed.csv", b"x1,,label\n1,2,0\n", "unnamed.csv: the header's column 2 has no name"),
    ("onlytarget.csv", b"label\n0\n1\n", "onlytarget.csv: no feature columns besides the target 'label'"),
    ("oneclass.csv", b"x1,label\n1,a\n2,a\n", "oneclass.csv, column 'label': only one class ('a')"),
    ("nolabelcell.csv", b"x1,label\n1,a\n2,\n3,b\n",
     "nolabelcell.csv, line 3, column 'label': the label is missing"),
    ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\xff\xfe",
     "binary.csv: not a text file (it is not UTF-8: byte 0x89 on line 1); save it as CSV in UTF-8"),
    ("nul.csv", b"x1,label\n1\x00,0\n",
     "nul.csv, line 2: the file holds a NUL character; it looks binary, not like CSV"),
    ("underscore.csv", b"x1,label\n1_000,0\n",
     "underscore.csv, line 2, column 'x1': '1_000' is not a number; the column holds numbers"),
    ("hex.csv", b"x1,label\n0x1f,0\n2,1\n", "hex.csv, line 2, column 'x1': '0x1f' is not a number"),
    ("overflow.csv", b"x1,label\n1e999,0\n",
     "overflow.csv, line 2, column 'x1': the cell is infinite ('1e999')"),
    ("missing.csv", None, "missing.csv: no such file"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_TRAINING_FILES,
                         ids=[b[0] for b in BAD_TRAINING_FILES])
def test_train_bad_files(name: str, content: bytes | None, message: str, tmp_path: Path) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    (tmp_path / "model.npz").write_bytes(b"a good model")
    (tmp_path / "curves.png").write_bytes(b"a good figure")
    result = run("train", name, "--target", "label", "--output", "model.npz", "--plot", "curves.png",
                 cwd=tmp_path)
    line = error_line(result, "train")
    assert line.startswith(f"playwithnn train: error: {message}"), line
    # Existing outputs are untouched, and no temporary file is left behind.
    assert (tmp_path / "model.npz").read_bytes() == b"a good model"
    assert (tmp_path / "curves.png").read_bytes() == b"a good figure"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_train_directory_as_data(tmp_path: Path) -> None:
    line = error_line(run("train", ".", "--target", "y", "--output", "m.npz", cwd=tmp_path), "train")
    assert line.endswith(".: is a directory, not a CSV file")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "missing/m.npz"],
         "cannot write model file missing/m.npz: the directory missing does not exist"),
        (["--output", "."], "model file '.' is not a file name"),
        (["--plot", "c.nope"], "figure c.nope has an unknown suffix '.nope'"),
        # The options of fit are checked by FitOptions and named as the command line names them.
        (["--epochs", "0"], "error: --epochs must be a positive integer; got 0"),
        (["--dropout", "1"], "error: --dropout must be in [0, 1); got 1.0"),
        (["--validation-split", "0.999"], "--validation-split=0.999 leaves 300 of 300 samples held out"),
        (["--dropout", "nan"], "error: --dropout must be in [0, 1); got nan"),
        (["--epochs", "2.5"], "argument --epochs: expected an integer; got '2.5'"),
        (["--l2", "much"], "argument --l2: expected a number; got 'much'"),
        (["--learning-rate", "-1"], "error: --learning-rate must be a positive finite number; got -1.0"),
        (["--optimizer", "adam", "--learning-rate", "inf"],
         "error: --learning-rate must be a positive finite number; got inf"),
        (["--batch-size", "0"], "error: --batch-size must be a positive integer; got 0"),
        (["--l2", "-0.5"], "error: --l2 must be a non-negative finite number; got -0.5"),
        (["--patience", "-1"], "argument --patience: expected a non-negative integer; got '-1'"),
        (["--validation-split", "1"], "error: --validation-split must be in [0, 1); got 1.0"),
        (["--activation", "softmax"], "argument --activation: invalid choice: 'softmax'"),
        (["--hidden", "0"], "argument --hidden: expected a positive integer; got '0'"),
        (["--verbose"], "argument --verbose: not allowed with argument --quiet"),
        (["--target", "nope"], "no column 'nope'; the columns are x1, x2, label"),
        (["--optimizer", "sgd", "--learning-rate", "1e4", "--task", "regression"],
         "training diverged at epoch 1"),
    ],
)
def test_train_bad_options_keep_outputs(args: list[str], message: str, work: Path, tmp_path: Path) -> None:
    (tmp_path / "model.npz").write_bytes(b"a good model")
    result = run("train", str(work / "moons.csv"), "--target", "label", "--output", "model.npz",
                 "--quiet", *args, cwd=tmp_path)
    assert message in error_line(result, "train")
    assert (tmp_path / "model.npz").read_bytes() == b"a good model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_bad_model_files(work: Path, tmp_path: Path) -> None:
    data = str(work / "moons_test.csv")
    good = (work / "model.npz").read_bytes()
    (tmp_path / "text.npz").write_text("x1,x2\n1,2\n", encoding="utf-8")
    (tmp_path / "truncated.npz").write_bytes(good[: len(good) // 2])
    tampered = bytearray(good)
    tampered[len(good) // 2] ^= 0xFF
    (tmp_path / "tampered.npz").write_bytes(bytes(tampered))
    cases = {
        "missing.npz": "missing.npz: no such file",
        "text.npz": "text.npz: not a playwithnn model file: it is not an .npz (zip) archive",
        "truncated.npz": "truncated.npz: ",
        "tampered.npz": "tampered.npz: ",
        ".": ".: not a regular file",
    }
    for model, message in cases.items():
        for command in (["predict", model, data], ["evaluate", model, data, "--target", "label"]):
            line = error_line(run(*command, cwd=tmp_path), command[0])
            assert line.startswith(f"playwithnn {command[0]}: error: {message}"), line


def test_predict_and_evaluate_bad_data(work: Path, tmp_path: Path) -> None:
    model = str(work / "model.npz")
    write_csv(tmp_path / "other.csv", ["p", "q", "label"], [[1, 2, 0]])
    write_csv(tmp_path / "half.csv", ["x1", "label"], [[1, 0]])
    write_csv(tmp_path / "text.csv", ["x1", "x2", "label"], [[1, 2, 0], [1, "two", 1]])
    write_csv(tmp_path / "newclass.csv", ["x1", "x2", "label"], [[1, 2, 0], [1, 2, 7]])
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "existing.csv").write_text("the old predictions\n", encoding="utf-8")
    predict_cases = {
        "other.csv": "other.csv: the model was trained on the features x1, x2, but the file has none "
                     "of them (its columns: p, q, label)",
        "half.csv": "half.csv: the model was trained on the features x1, x2, but the file has no "
                    "column 'x2' (its columns: x1, label)",
        "text.csv": "text.csv, line 3, column 'x2': 'two' is not a number; the model reads this feature "
                    "as numbers",
        "empty.csv": "empty.csv: the file is empty; expected CSV with a header row",
        "missing.csv": "missing.csv: no such file",
    }
    for data, message in predict_cases.items():
        result = run("predict", model, data, "--output", "existing.csv", cwd=tmp_path)
        assert error_line(result, "predict") == f"playwithnn predict: error: {message}"
        assert (tmp_path / "existing.csv").read_text(encoding="utf-8") == "the old predictions\n"
    result = run("evaluate", model, "newclass.csv", "--target", "label", cwd=tmp_path)
    assert error_line(result, "evaluate") == (
        "playwithnn evaluate: error: newclass.csv, line 3, column 'label': label '7' is not one of "
        "the model's classes (0, 1)")
    result = run("evaluate", model, "other.csv", "--target", "nope", cwd=tmp_path)
    assert error_line(result, "evaluate").endswith("other.csv: no column 'nope'; the columns are p, q, label")
    assert "cannot write predictions file" in error_line(
        run("predict", model, str(work / "moons.csv"), "--output", "no/p.csv", cwd=tmp_path), "predict")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "empty.csv", "existing.csv", "half.csv", "newclass.csv", "other.csv", "text.csv"]


def test_outputs_that_are_not_regular_files_are_refused(work: Path, tmp_path: Path) -> None:
    # A device would be replaced by the write-then-rename, not written into.
    assert Path(os.devnull).exists()
    for args, command in [
        (["datasets", "xor", "--output", os.devnull], "datasets"),
        (["demo", "--iterations", "1", "--output", os.devnull], "demo"),
        (["train", str(work / "moons.csv"), "--target", "label", "--output", os.devnull], "train"),
        (["predict", str(work / "model.npz"), str(work / "moons.csv"), "--output", os.devnull], "predict"),
    ]:
        line = error_line(run(*args, cwd=tmp_path), command)
        assert line.endswith(f"{os.devnull} exists and is not a regular file; give a file name")
    assert not Path(os.devnull).is_file()


# ------------------------------------------------------------------ the rest
def test_playground_calls_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []
    fake = types.SimpleNamespace(serve=lambda **kwargs: calls.append(kwargs) or 0)
    monkeypatch.setattr(cli_playground.importlib, "import_module", lambda name: fake)
    assert cli.main(["playground", "--port", "8123", "--host", "0.0.0.0", "--no-browser"]) == 0
    assert calls == [{"host": "0.0.0.0", "port": 8123, "open_browser": False}]
    assert cli.main(["playground"]) == 0
    assert calls[-1] == {"host": "127.0.0.1", "port": 8000, "open_browser": True}
    # serve returns 1 when it cannot listen (it says why itself): bad input, status 2.
    monkeypatch.setattr(cli_playground.importlib, "import_module",
                        lambda name: types.SimpleNamespace(serve=lambda **kwargs: 1))
    assert cli.main(["playground"]) == 2


@pytest.mark.parametrize("port", ["65536", "-1", "http", "80.5"])
def test_playground_bad_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["playground", "--port", port]) == 2
    assert capsys.readouterr().err == (
        f"playwithnn playground: error: argument --port: expected an integer from 0 to 65535; got {port!r} "
        "(see 'playwithnn playground --help')\n")


def test_playground_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("playground", "--no-browser", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"playwithnn playground: cannot listen on 127.0.0.1:{port}: ")


def test_playground_missing_server(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    def fail(name: str) -> None:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(cli_playground.importlib, "import_module", fail)
    assert cli.main(["playground"]) == 2
    assert capsys.readouterr().err == (
        "playwithnn playground: error: the playground is not available: "
        "No module named 'playwithnn.playground.server'\n")


def test_help_version_and_no_command(tmp_path: Path) -> None:
    out = ok(run("--help", cwd=tmp_path))
    for command in ["demo", "explain", "datasets", "train", "predict", "evaluate", "playground"]:
        assert command in out
    assert ok(run("--version", cwd=tmp_path)).startswith("playwithnn ")
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("playwithnn: error: the following arguments are required: COMMAND "
                             "(see 'playwithnn --help')\n")


# ------------------------------------------- every output prepared before any is written
def train_args(work: Path, folder: Path, *extra: str) -> list[str]:
    return ["train", str(work / "moons.csv"), "--target", "label", "--output", str(folder / "model.npz"),
            "--plot", str(folder / "curves.png"), "--epochs", "2", "--quiet", *extra]


def old_outputs(folder: Path) -> None:
    (folder / "model.npz").write_bytes(b"a good model")
    (folder / "curves.png").write_bytes(b"a good figure")


def assert_old_outputs(folder: Path) -> None:
    assert (folder / "model.npz").read_bytes() == b"a good model"
    assert (folder / "curves.png").read_bytes() == b"a good figure"
    assert sorted(p.name for p in folder.iterdir()) == ["curves.png", "model.npz"]  # no temporary


def test_train_figure_that_cannot_be_drawn_keeps_the_old_model(
        work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    old_outputs(tmp_path)

    def broken_savefig(self: object, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken_savefig)
    assert cli.main(train_args(work, tmp_path)) == 1
    err = capsys.readouterr().err
    assert err == "playwithnn train: error: unexpected OSError: [Errno 28] No space left on device\n"
    assert_old_outputs(tmp_path)


def test_train_figure_that_cannot_be_written_keeps_the_old_model(
        work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import playwithnn._files as files

    old_outputs(tmp_path)
    real_stage = files.stage
    staged: list[str] = []

    def stage(path: Path, content: files.Content) -> files.StagedFile:
        if str(path).endswith(".png"):  # the disk fills up while the figure is written
            raise OSError(28, "No space left on device")
        file = real_stage(path, content)
        staged.append(file.temporary)
        return file

    monkeypatch.setattr(files, "stage", stage)
    assert cli.main(train_args(work, tmp_path)) == 2
    assert capsys.readouterr().err == (f"playwithnn train: error: cannot write figure "
                                       f"{tmp_path / 'curves.png'}: No space left on device\n")
    assert len(staged) == 1  # the model was complete on disk, and then removed unused
    assert_old_outputs(tmp_path)


def test_train_writes_the_model_and_the_figure(work: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    old_outputs(tmp_path)
    assert cli.main(train_args(work, tmp_path)) == 0
    assert capsys.readouterr().out.endswith(
        f"wrote {tmp_path / 'model.npz'}\nwrote {tmp_path / 'curves.png'}\n")
    assert load(tmp_path / "model.npz").network.layer_sizes == [2, 16, 16, 1]
    assert (tmp_path / "curves.png").read_bytes()[:8] == PNG_SIGNATURE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png", "model.npz"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["train", "{work}/moons.csv", "--target", "label", "--output", "same.png", "--plot", "same.png"],
         "figure same.png is the same file as model file same.png"),
        (["train", "{work}/moons.csv", "--target", "label", "--output", "same.png", "--plot", "./same.png"],
         "figure same.png is the same file as model file same.png"),
        (["train", "data.csv", "--target", "label", "--output", "data.csv"],
         "model file data.csv is the same file as data file data.csv"),
        (["train", "data.csv", "--target", "label", "--output", "link.npz"],
         "is the same file as data file data.csv"),
        (["predict", "{work}/model.npz", "data.csv", "--output", "./data.csv"],
         "predictions file data.csv is the same file as data file data.csv"),
        (["predict", "{work}/model.npz", "data.csv", "--output", "{work}/model.npz"],
         "is the same file as model file"),
    ],
    ids=["plot-is-output", "plot-is-output-dot", "output-is-data", "plot-links-to-data",
         "predictions-are-data", "predictions-are-model"],
)
def test_an_output_cannot_be_another_file_of_the_run(command: list[str], message: str, work: Path,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    data = (work / "moons.csv").read_bytes()
    (tmp_path / "data.csv").write_bytes(data)
    (tmp_path / "same.png").write_bytes(b"a good figure")
    if os.name != "nt":
        (tmp_path / "link.npz").symlink_to(tmp_path / "data.csv")
    model = (work / "model.npz").read_bytes()
    command = [c.replace("{work}", str(work)) for c in command]
    if "link.npz" in command and os.name == "nt":  # pragma: no cover - no links there
        return
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"playwithnn {command[0]}: error: ") and err.count("\n") == 1
    assert message in err, err
    assert err.endswith("; give a different file name\n")
    assert (tmp_path / "data.csv").read_bytes() == data
    assert (tmp_path / "same.png").read_bytes() == b"a good figure"
    assert (work / "model.npz").read_bytes() == model
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# ----------------------------------------------- model files saved from Python
# Networks saved on their own are refused, models of every kind are read: tests/test_cli_predict.py.


# --------------------------------------------------------- the last guard
@pytest.mark.parametrize(
    ("failure", "status", "line"),
    [
        (RuntimeError("boom\n  on two lines"), 1,
         "playwithnn datasets: error: unexpected RuntimeError: boom on two lines"),
        (MemoryError(), 1, "playwithnn datasets: error: unexpected MemoryError"),
        (ValueError("a bug, not bad input"), 1,
         "playwithnn datasets: error: unexpected ValueError: a bug, not bad input"),
        (KeyboardInterrupt(), 130, "playwithnn datasets: interrupted"),
    ],
    ids=["runtime", "memory", "value", "ctrl-c"],
)
def test_unexpected_errors_are_one_line(failure: BaseException, status: int, line: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr("playwithnn.datasets.make_dataset", fail)
    assert cli.main(["datasets", "xor", "--output", str(tmp_path / "d.csv")]) == status
    out = capsys.readouterr()
    assert out.err == line + "\n"
    assert out.out == "" and list(tmp_path.iterdir()) == []


# ------------------------------------------------ names from the core's tables
def test_option_choices_come_from_the_core(monkeypatch: pytest.MonkeyPatch) -> None:
    from playwithnn.activations import ACTIVATIONS, Activation
    from playwithnn.optimizers import OPTIMIZERS, Adam

    def softplus(Z: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, Z)

    monkeypatch.setitem(ACTIVATIONS, "softplus", Activation("softplus", softplus, lambda A: 1 - np.exp(-A)))
    monkeypatch.setitem(OPTIMIZERS, "adam2", Adam)
    args = cli.build_parser().parse_args(["train", "d.csv", "--target", "y", "--output", "m.npz",
                                          "--activation", "softplus", "--optimizer", "adam2"])
    assert (args.activation, args.optimizer) == ("softplus", "adam2")
    # Activations that cannot be hidden (softmax) are not offered.
    choices = {a.dest: a.choices for a in cli.build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
               .choices["train"]._actions}
    assert list(choices["activation"]) == [name for name, a in ACTIVATIONS.items() if a.hidden]
    assert "softmax" not in choices["activation"]
    assert list(choices["optimizer"]) == list(OPTIMIZERS)


def test_a_reader_that_stops_early_does_not_lose_the_model(tmp_path: Path) -> None:
    """`playwithnn train ... | head -1`: the model is written before the lines that follow."""
    assert run("datasets", "xor", "--output", "xor.csv", "--samples", "60", "--seed", "0",
               cwd=tmp_path).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "playwithnn", "train", "xor.csv", "--target", "label",
         "--output", "m.npz", "--epochs", "100", "--hidden"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does
    status = proc.wait(timeout=120)
    assert first.startswith("training a 2-1 network (no hidden layer, sigmoid output")
    assert (tmp_path / "m.npz").is_file()
    assert status == 1 and "Traceback" not in proc.stderr.read()
    proc.stderr.close()


# ------------------------------------------------ the one table reader
def test_train_reads_semicolons_tabs_a_bom_and_crlf_like_commas(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The grammar of playwithnn.tabular: the same data in another dress is the same model."""
    X, y = make_dataset("xor", n_samples=40, seed=0)
    rows = [[repr(float(a)), repr(float(b)), "1.0" if label else "0"] for (a, b), label in zip(X, y)]
    plain = "x1,x2,label\n" + "".join(",".join(r) + "\n" for r in rows)
    dressed = {
        "plain.csv": plain.encode(),
        "semicolon.csv": b"\xef\xbb\xbf" + plain.replace(",", ";").replace("\n", "\r\n").encode(),
        "tab.tsv": ('"x1"\t"x2"\t"label"\n' + "".join("\t".join(r) + "\n\n" for r in rows)).encode(),
    }
    models = []
    for name, data in dressed.items():
        (tmp_path / name).write_bytes(data)
        args = ["train", str(tmp_path / name), "--target", "label", "--output", str(tmp_path / f"{name}.npz"),
                "--epochs", "2", "--hidden", "3"]
        assert cli.main(args) == 0, capsys.readouterr().err
        assert "on 32 rows" in capsys.readouterr().out
        models.append(load(tmp_path / f"{name}.npz"))
    for model in models:
        # "1.0" and "0" are the labels 1 and 0: numbers written one way.
        assert model.classes == [0, 1] and model.features == ("x1", "x2")
        for p, q in zip(model.network.parameters(), models[0].network.parameters()):
            np.testing.assert_array_equal(p, q)


def test_labels_that_are_one_number_are_one_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [[i, ["1", "1.0", "2", "2.00", "+1", "2e0"][i % 6]] for i in range(30)]
    write_csv(tmp_path / "d.csv", ["x", "y"], rows)
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--output", str(tmp_path / "m.npz"),
                     "--epochs", "1", "--quiet"]) == 0
    assert "2-16-16-1 network" not in capsys.readouterr().out  # one feature: 1-16-16-1
    assert load(tmp_path / "m.npz").classes == [1, 2]
    write_csv(tmp_path / "e.csv", ["x", "y"], [[0, "1.00"], [1, "2"], [2, "3.0"]])
    assert cli.main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "e.csv"), "--target", "y"]) == 2
    assert capsys.readouterr().err.endswith(
        "e.csv, line 4, column 'y': label '3' is not one of the model's classes (1, 2)\n")


# ------------------------------------------------ short messages for wide files
MAX_LINE = 300


def wide_csv(path: Path, n_columns: int = 10_000, n_rows: int = 3) -> Path:
    """A header of c0, c1, ... and x1, a column that is almost every name a user might try."""
    header = [f"c{j}" for j in range(n_columns - 1)] + ["x1"]
    rows = [[str((i + j) % 2) for j in range(n_columns)] for i in range(n_rows)]
    return write_csv(path, header, rows)


def short_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < MAX_LINE, (len(err), err[:400])
    return err


def test_a_missing_target_among_ten_thousand_columns_is_one_short_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wide = str(wide_csv(tmp_path / "wide.csv"))
    err = short_error(["train", wide, "--target", "x", "--output", str(tmp_path / "m.npz")], capsys)
    assert err.endswith("wide.csv: no column 'x'; the 10000 columns are c0, c1, c2, c3, c4, c5 "
                        "and 9994 more; did you mean 'x1'?\n")
    err = short_error(["train", wide, "--target", "y" * 5000, "--output", str(tmp_path / "m.npz")], capsys)
    assert "no column 'yyyyyyyy" in err and "...'" in err
    assert not list(tmp_path.glob("*.npz"))


def test_model_features_and_classes_are_named_briefly(work: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    model = str(work / "model.npz")  # trained on x1, x2
    wide = str(wide_csv(tmp_path / "wide.csv"))
    err = short_error(["predict", model, wide], capsys)
    assert "the file has no column 'x2' (its columns: c0, c1, c2, c3, c4, c5 and 9994 more)" in err
    # A model of ten thousand features, none of them in the file.
    from playwithnn import NeuralNetwork
    from playwithnn.model import Model
    from playwithnn.preprocessing import Preprocessing

    features = Preprocessing.identity([f"f{j}" for j in range(10_000)])
    Model(NeuralNetwork([10_000, 1], loss="binary_crossentropy", seed=0), features).save(tmp_path / "py.npz")
    err = short_error(["predict", str(tmp_path / "py.npz"), wide], capsys)
    assert ("trained on the features f0, f1, f2, f3, f4, f5 and 9994 more, but the file has none of them "
            "(its columns: c0, c1, c2, c3, c4, c5 and 9994 more)") in err
    # A ragged row under a wide header.
    with open(wide, "a", encoding="utf-8") as fh:
        fh.write("1,2\n")
    err = short_error(["evaluate", model, wide, "--target", "x1"], capsys)
    assert "line 5: 2 cells, but the header has 10000 columns (c0, c1, c2, c3, c4, c5 and 9994 more)" in err
    # Labels that are not among fifty classes.
    rows = [[i, f"class{i % 50}"] for i in range(100)]
    write_csv(tmp_path / "many.csv", ["x", "kind"], rows)
    assert cli.main(["train", str(tmp_path / "many.csv"), "--target", "kind", "--output",
                     str(tmp_path / "many.npz"), "--epochs", "1", "--hidden", "--quiet"]) == 0
    capsys.readouterr()
    write_csv(tmp_path / "new.csv", ["x", "kind"], [[0, "class0"], [1, "class" + "9" * 500]])
    err = short_error(["evaluate", str(tmp_path / "many.npz"), str(tmp_path / "new.csv"), "--target", "kind"],
                      capsys)
    assert "line 3, column 'kind': label 'class999" in err
    assert ("is not one of the model's classes (class0, class1, class10, class11, class12, class13 "
            "and 44 more)") in err


# ------------------------------------------------------- train, a chunk at a time
STREAM_LINE = re.compile(r"^training a \S+ network \(.*\) on (\d+) rows of (\S+), (\d+) at a time, for (\w+)"
                         r"(?:, validating on (\d+) of the (\d+) rows held out)?$")


def streamed(out: str) -> tuple[int, int, int]:
    """The first line of a streamed run: rows trained on, rows validated on, rows held out."""
    m = STREAM_LINE.match(out.splitlines()[0])
    assert m, out
    return int(m[1]), int(m[5] or 0), int(m[6] or 0)


def test_streamed_training_predicts_well(work: Path, tmp_path: Path) -> None:
    ok(run("datasets", "moons", "--samples", "1200", "--noise", "0.1", "--seed", "3",
           "--output", "big_moons.csv", cwd=tmp_path))
    result = run("train", "big_moons.csv", "--target", "label", "--output", "m.npz", "--chunk-rows", "100",
                 "--epochs", "40", "--plot", "curves.png", "--verbose", cwd=tmp_path)
    out = ok(result)
    n_train, n_val, n_held = streamed(out)
    assert n_train + n_held == 1200 and n_val == n_held
    assert re.search(r"^trained 40 epochs in \d+\.\d\d s$", out, flags=re.M)
    assert re.search(r"^train \(last epoch, each batch before its update\): loss \S+  accuracy \S+$", out,
                     flags=re.M)
    assert re.search(rf"^validation \({n_val} rows\): accuracy 0\.9[5-9]\d\d  loss \S+$", out, flags=re.M)
    assert out.endswith("wrote m.npz\nwrote curves.png\n")
    progress = result.stderr.splitlines()  # --verbose: one line per epoch, as without --chunk-rows
    assert len(progress) == 40 and progress[0].startswith("epoch 1/40  loss ")
    # Fresh data, from another seed: the model holds up.
    out = ok(run("evaluate", "m.npz", str(work / "moons_test.csv"), "--target", "label", cwd=tmp_path))
    accuracy = float(re.search(r"accuracy (\S+)", out)[1])  # type: ignore[index]
    assert accuracy >= 0.95, out


def test_streamed_training_holds_out_the_same_rows_whatever_the_chunks(tmp_path: Path) -> None:
    """Each row is held out with probability --validation-split, by a draw from the seed and its index."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 2))
    write_csv(tmp_path / "d.csv", ["a", "b", "y"], [[*x, int(x[0] > 0)] for x in X])
    held = {}
    for rows in ("1", "77", "5000", "100000"):
        out = ok(run("train", "d.csv", "--target", "y", "--output", "m.npz", "--chunk-rows", rows,
                     "--epochs", "1", "--validation-split", "0.25", cwd=tmp_path))
        n_train, n_val, n_held = streamed(out)
        assert n_train + n_held == 5000 and n_val == min(n_held, max(int(rows), 10_000))
        held[rows] = n_held
    assert len(set(held.values())) == 1  # the same rows, whatever the chunks
    # A share of 0.25 of 5000 rows: 1250, give or take sqrt(5000 * 0.25 * 0.75) = 31 (4 of those here).
    assert abs(held["77"] - 1250) < 4 * 31
    other = ok(run("train", "d.csv", "--target", "y", "--output", "m.npz", "--chunk-rows", "77",
                   "--seed", "1", "--epochs", "1", "--validation-split", "0.25", cwd=tmp_path))
    assert streamed(other)[2] != held["77"]  # another seed, other rows
    out = ok(run("train", "d.csv", "--target", "y", "--output", "m.npz", "--chunk-rows", "77",
                 "--epochs", "1", "--validation-split", "0", cwd=tmp_path))
    assert streamed(out) == (5000, 0, 0)


@pytest.mark.parametrize("target", ["label", "price", "kind"])
def test_streamed_scaling_is_the_in_memory_scaling(target: str, tmp_path: Path) -> None:
    """The first pass, a chunk at a time, gives the scaling that the whole file gives (all rows: no
    validation split, which each run draws its own way)."""
    rng = np.random.default_rng(1)
    X = rng.normal(loc=[3.0, -1e3, 0.0], scale=[1.0, 250.0, 1e-3], size=(2500, 3))
    targets = {"label": (X[:, 0] > 3).astype(int), "price": 7.5 * X[:, 0] + X[:, 2],
               "kind": np.array(["cat", "dog", "bird"])[rng.integers(0, 3, 2500)]}
    write_csv(tmp_path / "d.csv", ["u", "v", "w", target], [[*x, t] for x, t in zip(X, targets[target])])
    args = ["train", "d.csv", "--target", target, "--epochs", "1", "--validation-split", "0", "--quiet"]
    ok(run(*args, "--output", "whole.npz", cwd=tmp_path))
    ok(run(*args, "--output", "streamed.npz", "--chunk-rows", "333", cwd=tmp_path))
    whole, streamed_ = (load(tmp_path / "whole.npz").to_json(), load(tmp_path / "streamed.npz").to_json())
    assert whole.keys() == streamed_.keys()
    for key, value in whole.items():
        if key == "preprocessing":
            assert value["features"] == streamed_[key]["features"] == ["u", "v", "w"]
            for name in ("mean", "scale"):
                # The same sums in another order: equal to a few units in the last place.
                np.testing.assert_allclose([e[name] for e in streamed_[key]["encodings"]],
                                           [e[name] for e in value["encodings"]], rtol=1e-12, err_msg=name)
        elif key in ("target_mean", "target_scale"):
            np.testing.assert_allclose(streamed_[key], value, rtol=1e-12, err_msg=key)
        else:
            assert streamed_[key] == value, key
    assert whole["task"] == ("regression" if target == "price" else "classification")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunk-rows", "0"], "argument --chunk-rows: expected a positive integer; got '0'"),
        (["--chunk-rows", "-5"], "argument --chunk-rows: expected a positive integer; got '-5'"),
        (["--chunk-rows", "1.5"], "argument --chunk-rows: expected a positive integer; got '1.5'"),
        (["--chunk-rows", "many"], "argument --chunk-rows: expected a positive integer; got 'many'"),
        (["--chunk-rows"], "argument --chunk-rows: expected one argument"),
        (["--chunk-rows", "10", "--patience", "3"], "--patience is not available with --chunk-rows"),
    ],
)
def test_bad_chunk_rows_are_one_line(args: list[str], message: str, work: Path, tmp_path: Path) -> None:
    line = error_line(run("train", str(work / "moons.csv"), "--target", "label", "--output", "m.npz", *args,
                          cwd=tmp_path), "train")
    assert message in line
    assert list(tmp_path.iterdir()) == []


def test_streamed_training_refuses_bad_cells_by_line(tmp_path: Path) -> None:
    rows = [[i, i % 2] for i in range(500)] + [["x", 1]]
    write_csv(tmp_path / "d.csv", ["a", "y"], rows)
    line = error_line(run("train", "d.csv", "--target", "y", "--output", "m.npz", "--chunk-rows", "64",
                          cwd=tmp_path), "train")
    assert line.endswith("d.csv, line 502, column 'a': 'x' is not a number; --chunk-rows reads numeric "
                         "features only (without it, a column of text is one-hot encoded)")
    assert not (tmp_path / "m.npz").exists()


def test_train_prints_a_notice_for_what_training_got_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    assert cli.main(["datasets", "xor", "--output", str(tmp_path / "xor.csv"), "--samples", "200",
                     "--seed", "0"]) == 0
    common = ["train", str(tmp_path / "xor.csv"), "--target", "label", "--hidden", "4",
              "--activation", "relu",
              "--optimizer", "gd", "--epochs", "300", "--seed", "0", "--validation-split", "0"]
    assert cli.main([*common, "--learning-rate", "8", "--output", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out.splitlines()
    notices = [line for line in out if line.startswith("notice: ")]
    assert notices == ["notice: 3 of 4 units of hidden layer 1 (relu) output 0 on every training sample "
                       "(dead units): no gradient reaches their weights, so they never learn again. "
                       "Try a smaller learning rate, leaky_relu, or init='he'."]
    assert out.index(notices[0]) == len(out) - 2 and out[-1].startswith("wrote ")  # after the scores
    assert load(tmp_path / "m.npz").network.layer_sizes == [2, 4, 1]  # the model is written as usual
    assert cli.main([*common, "--learning-rate", "0.5", "--output", str(tmp_path / "n.npz")]) == 0
    assert "notice:" not in capsys.readouterr().out
