"""The ``playwithnn`` command line.

::

    playwithnn demo [--iterations N | --compare N N ...] [--faithful] [--seed S] [--output PNG] [--show]
    playwithnn explain [--seed S] [--faithful] [--learning-rate η] [--decimals D]
    playwithnn datasets NAME [--output CSV] [--samples N] [--noise X] [--seed S]
    playwithnn train DATA.csv --target COLUMN --output MODEL.npz [options]
    playwithnn predict MODEL.npz DATA.csv [--output CSV] [--probabilities]
    playwithnn evaluate MODEL.npz DATA.csv --target COLUMN
    playwithnn playground [--host H] [--port P] [--no-browser]

Bad input (an option, a file, a cell) gets one line on standard error that names
what is wrong and where, and exit status 2; anything unexpected gets one line and
exit status 1, Ctrl-C one line and 130, never a traceback. A failed run never
overwrites an existing output file: every input and output path is checked and
every output (model, figure, CSV) prepared in memory before anything is written;
each file is then written to a temporary name beside it, flushed to disk, and
renamed over the old one only once all of them are written.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io as _io
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from . import _files

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .network import NeuralNetwork

PROG = "playwithnn"

#: At most this many distinct integer values make a numeric target a classification target.
MAX_INTEGER_CLASSES = 10
#: What ``train`` can learn; stored as the model's ``metadata["task"]``.
TASKS = ("classification", "regression")


class CommandError(Exception):
    """Bad input to a command: printed as one line on standard error, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, raised rather than printed and exited."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


# ----------------------------------------------------------------- option types
def _int_at_least(minimum: int, expected: str) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_non_negative_int = _int_at_least(0, "a non-negative integer")


def _float_in(low: float, high: float | None, *, low_open: bool, high_open: bool = True,
              what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}") from None
        ok = math.isfinite(value) and (value > low if low_open else value >= low)
        if high is not None:
            ok = ok and (value < high if high_open else value <= high)
        if not ok:
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}")
        return value

    return parse


_positive_float = _float_in(0.0, None, low_open=True, what="a positive number")
_non_negative_float = _float_in(0.0, None, low_open=False, what="a non-negative number")
_fraction = _float_in(0.0, 1.0, low_open=False, what="a number in [0, 1)")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535; got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535; got {text!r}")
    return value


# --------------------------------------------------------------------- files
def _check_output_path(path: str, what: str, suffixes: Sequence[str] | None = None) -> Path:
    """Check, before any work, that ``path`` can be written; return it as a Path."""
    target = Path(path)
    if not path or target.name in ("", ".", ".."):
        raise CommandError(f"{what} {path!r} is not a file name")
    if target.is_dir():
        raise CommandError(f"{what} {path} is a directory; give a file name")
    if target.exists() and not target.is_file():
        # Writing goes through a temporary file renamed over the target, which
        # would replace a device such as /dev/null rather than write into it.
        raise CommandError(f"{what} {path} exists and is not a regular file; give a file name")
    target = Path(os.path.realpath(target)) if target.is_symlink() else target
    parent = target.parent
    if not parent.is_dir():
        raise CommandError(f"cannot write {what} {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CommandError(f"cannot write {what} {path}: the directory {parent} is not writable")
    if suffixes is not None and target.suffix.lower() not in suffixes:
        known = ", ".join(sorted(suffixes))
        raise CommandError(f"{what} {path} has an unknown suffix {target.suffix!r}; use one of {known}")
    return target


def _check_figure_path(path: str) -> Path:
    from .plotting import figure_formats

    return _check_output_path(path, "figure", [f".{k}" for k in figure_formats()])


def _check_distinct(outputs: Sequence[tuple[str, Path]],
                    inputs: Sequence[tuple[str, str | Path]] = ()) -> None:
    """Refuse an output that is another output or one of the inputs: ``(what, path)`` pairs."""

    def same(a: str | Path, b: str | Path) -> bool:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)  # hard links too
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))

    for i, (what, path) in enumerate(outputs):
        for other_what, other in [*outputs[:i], *inputs]:
            if same(path, other):
                raise CommandError(f"{what} {path} is the same file as {other_what} {other}; "
                                   "give a different file name")


def _write_files(files: Sequence[tuple[Path, _files.Content, str]]) -> None:
    """Write every ``(path, content, what)``, all or none as far as the disk allows.

    Each content goes to a temporary file beside its path and is flushed to disk
    first; only when all of them are written are they renamed into place, so a
    full disk or an unwritable file leaves every existing file as it was.
    """
    staged: list[_files.StagedFile] = []
    try:
        for path, content, what in files:
            try:
                staged.append(_files.stage(path, content))
            except OSError as exc:
                raise CommandError(f"cannot write {what} {path}: {exc.strerror or exc}") from None
        for (path, _, what), file in zip(files, staged):
            try:
                file.commit()
            except OSError as exc:
                raise CommandError(f"cannot write {what} {path}: {exc.strerror or exc}") from None
    finally:
        for file in staged:
            file.discard()  # nothing to do for those committed


def _figure_bytes(fig: Figure, path: Path) -> bytes:
    from .plotting import figure_bytes, figure_format

    return figure_bytes(fig, figure_format(path))


def _pyplot_if_display() -> Any:
    """``matplotlib.pyplot`` if it can open a window here, else ``None``.

    Importing pyplot lets matplotlib pick its backend: an interactive one where
    a display exists, Agg on a machine without one (or where ``MPLBACKEND`` says so).
    """
    import matplotlib.backends
    import matplotlib.pyplot as plt
    from matplotlib import rcsetup

    backend = str(plt.get_backend()).lower()
    backends: Any = matplotlib.backends
    if hasattr(backends, "backend_registry"):  # matplotlib >= 3.9
        interactive = backends.backend_registry.list_builtin(backends.BackendFilter.INTERACTIVE)
    else:  # deprecated since matplotlib 3.9
        interactive = rcsetup.interactive_bk  # type: ignore[attr-defined]
    return plt if backend in {str(b).lower() for b in interactive} else None


# ---------------------------------------------------------------------- demo
def _tutorial_network(seed: int, faithful: bool) -> NeuralNetwork:
    from .network import NeuralNetwork

    if faithful:
        return NeuralNetwork([3, 4, 1], bias=False, init="uniform", seed=seed)
    return NeuralNetwork([3, 4, 1], seed=seed)


def _setup_line(seed: int, faithful: bool) -> str:
    if faithful:
        kind = "the article's exact setup: no biases, weights from U[0, 1)"
    else:
        kind = "with biases, Glorot-initialized weights"
    return f"3-4-1 sigmoid network, {kind}, seed {seed}, learning rate 1, sum-of-squares loss"


def cmd_demo(args: argparse.Namespace) -> int:
    """Train the tutorial's network, print actual against predicted, write the figure."""
    from .datasets import tutorial

    counts: list[int] = args.compare if args.compare else [args.iterations]
    if args.compare is not None and len(args.compare) < 2:
        raise CommandError("--compare needs at least two iteration counts, e.g. --compare 1500 100000")
    name = "vs".join(str(n) for n in counts) + "iter.png"
    output = _check_figure_path(args.output if args.output is not None else name)

    X, y = tutorial()
    runs = []
    for n in counts:
        net = _tutorial_network(args.seed, args.faithful)
        history = net.fit(X, y, epochs=n, learning_rate=1.0)
        runs.append((n, history, net.predict(X)[:, 0]))

    print(f"The tutorial's data, {_setup_line(args.seed, args.faithful)}")
    print()
    heads = ["x1", "x2", "x3", "actual"] + [f"predicted ({n} iterations)" if len(runs) == 1
                                            else f"{n} iterations" for n, _, _ in runs]
    widths = [max(len(h), 6) for h in heads]
    print("  ".join(h.rjust(w) for h, w in zip(heads, widths)))
    for i in range(X.shape[0]):
        cells = [f"{X[i, j]:.0f}" for j in range(3)] + [f"{y[i]:d}"]
        cells += [f"{pred[i]:.4f}" for _, _, pred in runs]
        print("  ".join(c.rjust(w) for c, w in zip(cells, widths)))
    print()
    for n, history, _ in runs:
        print(f"{n} iterations: final loss {history.loss[-1]:.6g} (sum of squared errors), "
              f"trained in {history.seconds:.3f} s")

    plt = _pyplot_if_display() if args.show else None
    fig = plt.figure(figsize=(11, 4.2), layout="constrained") if plt is not None else None
    from .plotting import plot_tutorial

    fig = plot_tutorial({f"{n} iterations": (h.loss, p) for n, h, p in runs}, y, fig=fig)
    _write_files([(output, _figure_bytes(fig, output), "figure")])
    print(f"wrote {output}")
    if args.show:
        if plt is None:
            print(f"note: no display here, so no window opens; the figure is in {output}")
        else:
            plt.show()
            plt.close(fig)
    return 0


# ------------------------------------------------------------------- explain
def cmd_explain(args: argparse.Namespace) -> int:
    """Print one training iteration of the tutorial's network, step by step."""
    from .datasets import tutorial
    from .explain import explain_step, format_explanation

    X, y = tutorial()
    net = _tutorial_network(args.seed, args.faithful)
    print(f"The tutorial's data, {_setup_line(args.seed, args.faithful)}")
    print()
    print(format_explanation(explain_step(net, X, y, learning_rate=args.learning_rate),
                             decimals=args.decimals))
    return 0


# ------------------------------------------------------------------ datasets
def _format_number(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without ``.0``."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def cmd_datasets(args: argparse.Namespace) -> int:
    """Write a toy data set as CSV: columns x1, x2 (x3 for the tutorial) and label."""
    from .datasets import make_dataset

    output = None if args.output is None else _check_output_path(args.output, "data file")
    X, y = make_dataset(args.name, n_samples=args.samples, noise=args.noise, seed=args.seed)
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f"x{j + 1}" for j in range(X.shape[1])] + ["label"])
    for row, label in zip(X, y):
        writer.writerow([_format_number(v) for v in row] + [str(int(label))])
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        _write_files([(output, buffer.getvalue().encode("utf-8"), "data file")])
        print(f"wrote {output}: {X.shape[0]} samples of {args.name!r}, columns "
              f"{', '.join(f'x{j + 1}' for j in range(X.shape[1]))}, label")
    return 0


# ------------------------------------------------------------------ CSV data
@dataclass
class Table:
    """A CSV file's header and data rows, as stripped text.

    Attributes
    ----------
    path : str
    header : list of str
    rows : list of list of str
    lines : list of int
        The line of the file each row starts on (the header is line 1 or later).
    """

    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def column(self, name: str) -> int:
        """Index of the column ``name``; a CommandError naming the columns if absent."""
        try:
            return self.header.index(name)
        except ValueError:
            raise CommandError(
                f"{self.path}: no column {name!r}; the columns are {', '.join(self.header)}"
            ) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_table(path: str) -> Table:
    """Read a CSV file with a header row; every problem is a one-line CommandError."""
    file = Path(path)
    if not file.exists():
        raise CommandError(f"{path}: no such file")
    if file.is_dir():
        raise CommandError(f"{path}: is a directory, not a CSV file")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a text file (it is not UTF-8); expected CSV with a header row"
                           ) from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not text.strip():
        raise CommandError(f"{path}: the file is empty; expected CSV with a header row")
    reader = csv.reader(_io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue  # blank line
            cells = [c.strip() for c in cells]
            if header is None:
                header = cells
                _check_header(path, header, reader.line_num)
                continue
            if len(cells) != len(header):
                raise CommandError(
                    f"{path}, line {reader.line_num}: {len(cells)} cells, but the header has "
                    f"{len(header)} columns ({', '.join(header)})"
                )
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CommandError(f"{path}, line {reader.line_num}: not valid CSV: {exc}") from None
    assert header is not None
    if not rows:
        raise CommandError(f"{path}: a header row but no data rows")
    return Table(path, header, rows, lines)


def _check_header(path: str, header: list[str], line: int) -> None:
    if all(_is_number(c) for c in header):
        raise CommandError(
            f"{path}: no header row: line {line} holds numbers ({', '.join(header[:4])}"
            f"{', ...' if len(header) > 4 else ''}); the first row must name the columns"
        )
    for j, name in enumerate(header):
        if not name:
            raise CommandError(f"{path}: the header's column {j + 1} has no name")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise CommandError(f"{path}: the header names column {name!r} twice")
        seen.add(name)


def _numeric_column(table: Table, j: int, what: str = "") -> NDArray[np.float64]:
    """Column ``j`` as finite floats, or a CommandError naming the line, column and cell."""
    name = table.header[j]
    values = np.empty(len(table.rows))
    for i, (cells, line) in enumerate(zip(table.rows, table.lines)):
        cell = cells[j]
        where = f"{table.path}, line {line}, column {name!r}"
        if cell == "":
            raise CommandError(f"{where}: the cell is empty; fill or remove missing values first")
        try:
            value = float(cell)
        except ValueError:
            raise CommandError(f"{where}: {cell!r} is not a number{what}") from None
        if math.isnan(value):
            raise CommandError(f"{where}: the cell is NaN; fill or remove missing values first")
        if math.isinf(value):
            raise CommandError(f"{where}: the cell is infinite ({cell!r})")
        values[i] = value
    return values


def _features(table: Table, names: Sequence[str]) -> NDArray[np.float64]:
    """The named columns as an ``(n_samples, n_features)`` float array."""
    columns = [table.column(name) for name in names]
    hint = "; features must be numeric"
    return np.column_stack([_numeric_column(table, j, hint) for j in columns])


def _label_text(cell: str) -> str:
    """A class label as text: numbers that are integers lose their ``.0``."""
    try:
        value = float(cell)
    except ValueError:
        return cell
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return cell


def _label_sort_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _infer_task(table: Table, j: int) -> str:
    cells = [cells[j] for cells in table.rows]
    values = []
    for cell in cells:
        try:
            values.append(float(cell))
        except ValueError:
            return "classification"
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) == len(values) and all(v.is_integer() for v in finite) \
            and len(set(finite)) <= MAX_INTEGER_CLASSES:
        return "classification"
    return "regression"


def _class_indices(table: Table, j: int, classes: Sequence[str]) -> NDArray[np.int64]:
    index = {label: k for k, label in enumerate(classes)}
    out = np.empty(len(table.rows), dtype=np.int64)
    name = table.header[j]
    for i, (cells, line) in enumerate(zip(table.rows, table.lines)):
        cell = cells[j]
        if cell == "" or cell.lower() == "nan":
            raise CommandError(f"{table.path}, line {line}, column {name!r}: the label is missing")
        label = _label_text(cell)
        if label not in index:
            raise CommandError(
                f"{table.path}, line {line}, column {name!r}: label {cell!r} is not one of the "
                f"model's classes ({', '.join(classes)})"
            )
        out[i] = index[label]
    return out


# --------------------------------------------------------------- preprocessing
def _model_features(net: NeuralNetwork, table: Table, target: str | None = None) -> list[str]:
    """The feature names the model expects, checked against ``table``'s columns."""
    meta = net.metadata
    names = meta.get("features")
    if names is None:  # a model saved from Python: every column but the target, in order
        names = [h for h in table.header if h != target]
        if len(names) != net.n_features:
            raise CommandError(
                f"{table.path}: {len(names)} feature columns ({', '.join(names)}), but the model "
                f"expects {net.n_features} inputs"
            )
        return list(names)
    missing = [n for n in names if n not in table.header]
    if missing:
        raise CommandError(
            f"{table.path}: the model was trained on the features {', '.join(names)}, but the file "
            f"has no column{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
            f"(its columns: {', '.join(table.header)})"
        )
    return list(names)


def _standardize(net: NeuralNetwork, X: NDArray[np.float64]) -> NDArray[np.float64]:
    meta = net.metadata
    if "feature_mean" not in meta:
        return X
    return (X - np.asarray(meta["feature_mean"])) / np.asarray(meta["feature_scale"])


def _metric_line(label: str, metrics: dict[str, float]) -> str:
    """``label: accuracy 0.9750  loss 0.0812``: scores to 4 places, losses to 4 digits."""
    return f"{label}: " + "  ".join(f"{k} {v:.4f}" if k in ("accuracy", "R²") else f"{k} {v:.4g}"
                                    for k, v in metrics.items())


def _class_probabilities(net: NeuralNetwork, X: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(n_samples, n_classes)``: ``[1 - p, p]`` for one sigmoid output, else the outputs.

    The predicted class of a row is its ``argmax``: what ``predict`` writes and
    what ``train`` and ``evaluate`` score, so their accuracy is that of the labels.
    (``training.n_correct`` decides by the loss instead, and for several outputs
    that are not one-hot it counts each output on its own.)
    """
    p = net.predict(X).astype(np.float64)
    return np.column_stack([1 - p[:, 0], p[:, 0]]) if p.shape[1] == 1 else p


def _classification_metrics(net: NeuralNetwork, X: NDArray[np.float64], k: NDArray[np.int64]
                            ) -> dict[str, float]:
    """Accuracy of the predicted labels against the class indices ``k``, and the loss."""
    p = _class_probabilities(net, X)
    target = k.reshape(-1, 1).astype(np.float64) if net.n_outputs == 1 else np.eye(net.n_outputs)[k]
    return {"accuracy": float(np.mean(p.argmax(axis=1) == k)), "loss": net.loss(X, target)}


def _regression_metrics(net: NeuralNetwork, X: NDArray[np.float64], y: NDArray[np.float64]
                        ) -> dict[str, float]:
    pred = _regression_output(net, X)
    residual = float(np.sum((y - pred) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)
    return {"R²": r2, "MSE": residual / y.size}


def _regression_output(net: NeuralNetwork, X: NDArray[np.float64]) -> NDArray[np.float64]:
    meta = net.metadata
    out = net.predict(X)[:, 0].astype(np.float64)
    if "target_mean" in meta:
        out = out * float(meta["target_scale"]) + float(meta["target_mean"])
    return out


def _task_of(net: NeuralNetwork) -> str:
    meta = net.metadata
    task = meta.get("task")
    if task in TASKS:
        return str(task)
    return "regression" if net.output_activation == "identity" else "classification"


def _classes_of(net: NeuralNetwork) -> list[str]:
    meta = net.metadata
    classes = meta.get("classes")
    if classes is not None:
        return [str(c) for c in classes]
    return [str(k) for k in range(max(2, net.n_outputs))]


# --------------------------------------------------------------------- train
def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on a CSV file and save it."""
    from ._modelfile import encode
    from .network import NeuralNetwork
    from .training import TrainingDivergedError

    table = read_table(args.data)
    target_j = table.column(args.target)
    output = _check_output_path(args.output, "model file")
    plot_path = None if args.plot is None else _check_figure_path(args.plot)
    outputs = [("model file", output)] + ([("figure", plot_path)] if plot_path is not None else [])
    _check_distinct(outputs, [("data file", args.data)])
    feature_names = [h for h in table.header if h != args.target]
    if not feature_names:
        raise CommandError(f"{args.data}: no feature columns besides the target {args.target!r}")
    X_raw = _features(table, feature_names)
    task = args.task or _infer_task(table, target_j)

    mean = X_raw.mean(axis=0)
    scale = X_raw.std(axis=0)
    scale[scale == 0] = 1.0  # a constant column stays constant (zero) rather than dividing by 0
    X = (X_raw - mean) / scale
    metadata: dict[str, Any] = {
        "task": task, "target": args.target, "features": feature_names,
        "feature_mean": mean.tolist(), "feature_scale": scale.tolist(),
    }
    if task == "classification":
        labels = sorted({_label_text(cells[target_j]) for cells in table.rows if cells[target_j]},
                        key=_label_sort_key)
        k = _class_indices(table, target_j, labels)
        if len(labels) < 2:
            raise CommandError(
                f"{args.data}, column {args.target!r}: only one class ({labels[0]!r}); "
                "classification needs at least two"
            )
        metadata["classes"] = labels
        if len(labels) == 2:
            n_out, loss = 1, "binary_crossentropy"
            Y = k.reshape(-1, 1).astype(np.float64)
        else:
            n_out, loss = len(labels), "categorical_crossentropy"
            Y = np.eye(len(labels))[k]
    else:
        y = _numeric_column(table, target_j, "; a regression target must be numeric")
        y_mean, y_scale = float(y.mean()), float(y.std()) or 1.0
        metadata["target_mean"], metadata["target_scale"] = y_mean, y_scale
        n_out, loss = 1, "mse"
        Y = ((y - y_mean) / y_scale).reshape(-1, 1)

    rng = np.random.default_rng(args.seed)
    n = X.shape[0]
    n_val = round(args.validation_split * n)
    if args.validation_split > 0 and (n_val < 1 or n_val >= n):
        raise CommandError(
            f"--validation-split {args.validation_split} leaves {n_val} of {n} rows for validation; "
            "it needs at least 1 and must leave at least 1 for training"
        )
    order = rng.permutation(n)
    val_idx, train_idx = order[:n_val], order[n_val:]
    try:
        net = NeuralNetwork([X.shape[1], *args.hidden, n_out], activation=args.activation,
                            loss=loss, seed=rng)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    net.metadata = metadata
    learning_rate = args.learning_rate
    if learning_rate is None:
        learning_rate = 0.01 if args.optimizer == "adam" else 0.1
    verbose = 0 if args.quiet else (2 if args.verbose else 1)
    hidden = f"{args.activation} hidden layers" if args.hidden else "no hidden layer"
    print(f"training a {'-'.join(map(str, net.layer_sizes))} network ({hidden}, "
          f"{net.output_activation} output, {loss}) on {len(train_idx)} rows of {args.data}"
          f" for {task}" + (f", validating on {n_val}" if n_val else ""))
    try:
        history = net.fit(
            X[train_idx], Y[train_idx], epochs=args.epochs, learning_rate=learning_rate,
            optimizer=args.optimizer, batch_size=args.batch_size, l2=args.l2, dropout=args.dropout,
            validation_data=(X[val_idx], Y[val_idx]) if n_val else None,
            patience=args.patience, verbose=verbose,
        )
    except TrainingDivergedError as exc:
        raise CommandError(f"{str(exc).rstrip('.')}; nothing was written") from None
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    metadata["history"] = {"epochs": history.epochs, "seconds": history.seconds}

    stop = ""
    if history.stopped_early:
        stop = f", stopped early and kept epoch {history.best_epoch}"
    elif history.interrupted:
        stop = ", interrupted"
    epochs = "1 epoch" if history.epochs == 1 else f"{history.epochs} epochs"
    lines = [f"trained {epochs} in {history.seconds:.2f} s{stop}"]
    for label, idx in [("train", train_idx), ("validation", val_idx)][:2 if n_val else 1]:
        if task == "classification":
            metrics = _classification_metrics(net, X[idx], k[idx])
        else:
            metrics = _regression_metrics(net, X[idx], y[idx])
        lines.append(_metric_line(label, metrics))

    # Everything is prepared before the first byte is written: the model file's
    # content is checked and laid out, the figure drawn and rendered in memory.
    try:
        files: list[tuple[Path, _files.Content, str]] = [
            (output, encode(net.get_config(), net.parameters(), net.metadata), "model file")]
    except (TypeError, ValueError) as exc:
        raise CommandError(f"cannot save the model: {exc}; nothing was written") from None
    if plot_path is not None:
        figure = _training_figure(net, history, X_raw, k if task == "classification" else None,
                                  feature_names, metadata)
        files.append((plot_path, _figure_bytes(figure, plot_path), "figure"))
    _write_files(files)  # before the metrics are printed: a closed pipe must not lose the model
    for line in lines:
        print(line)
    for path, _, _ in files:
        print(f"wrote {path}")
    return 0


def _training_figure(net: NeuralNetwork, history: Any, X_raw: NDArray[np.float64],
                     k: NDArray[np.int64] | None, feature_names: list[str],
                     metadata: dict[str, Any]) -> Figure:
    from matplotlib.figure import Figure

    from .plotting import plot_decision_boundary, plot_history

    n_curves = 2 if history.accuracy else 1
    boundary = k is not None and X_raw.shape[1] == 2
    n_panels = n_curves + int(boundary)
    fig = Figure(figsize=(5.2 * n_panels, 4.4), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(1, n_panels)))
    plot_history(history, axes=axes[:n_curves])
    if boundary and k is not None:
        mean, scale = np.asarray(metadata["feature_mean"]), np.asarray(metadata["feature_scale"])
        plot_decision_boundary(net, X_raw, k, ax=axes[-1],
                               transform=lambda P: (P - mean) / scale,
                               class_names=metadata["classes"], feature_names=feature_names)
    return fig


# ------------------------------------------------------------ predict/evaluate
def _load_model(path: str) -> NeuralNetwork:
    """Load a model file and check the metadata the commands read; a CommandError for anything wrong."""
    from .io import ModelFileError, load

    try:
        net = load(path)
    except ModelFileError as exc:
        raise CommandError(f"{path}: {exc.reason}") from None
    _check_metadata(path, net)
    return net


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_label(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _check_metadata(path: str, net: NeuralNetwork) -> None:
    """Check what ``train`` stores in a model's metadata, for a file saved from Python.

    Every key is optional (a network saved from Python may have none), but a key
    that is there must hold what the commands expect, so that a wrong one is a
    one-line error naming the file rather than a failure in the middle of a command.
    """
    meta = net.metadata
    n_features, n_outputs = net.n_features, net.n_outputs

    def bad(key: str, expected: str) -> NoReturn:
        raise CommandError(f"{path}: metadata[{key!r}] must be {expected}; got {_short(meta[key])}")

    if "task" in meta and meta["task"] not in TASKS:
        bad("task", " or ".join(repr(t) for t in TASKS))
    if "target" in meta and not isinstance(meta["target"], str):
        bad("target", "a column name")
    if meta.get("features") is not None:
        features = meta["features"]
        if not (isinstance(features, list) and all(isinstance(f, str) for f in features)):
            bad("features", "a list of column names")
        if len(features) != n_features:
            bad("features", f"a list of {n_features} column names, one per input of the network")
    for mean_key, scale_key, size in [("feature_mean", "feature_scale", n_features),
                                      ("target_mean", "target_scale", None)]:
        if (mean_key in meta) != (scale_key in meta):
            there, missing = (mean_key, scale_key) if mean_key in meta else (scale_key, mean_key)
            raise CommandError(f"{path}: metadata has {there!r} but no {missing!r}; "
                               "the scaling needs both")
        if mean_key not in meta:
            continue
        for key in (mean_key, scale_key):
            value, nonzero = meta[key], key == scale_key
            if size is None:
                if not (_is_finite_number(value) and (value != 0 or not nonzero)):
                    bad(key, "a finite non-zero number" if nonzero else "a finite number")
            elif not (isinstance(value, list) and len(value) == size
                      and all(_is_finite_number(v) and (v != 0 or not nonzero) for v in value)):
                bad(key, f"a list of {size} finite {'non-zero ' if nonzero else ''}numbers, "
                         "one per input of the network")
    task = _task_of(net)
    if task == "regression" and n_outputs != 1:
        raise CommandError(f"{path}: a regression model for the command line has one output; "
                           f"this network has {n_outputs}")
    if task == "classification" and meta.get("classes") is not None:
        classes = meta["classes"]
        n_classes = 2 if n_outputs == 1 else n_outputs
        if not (isinstance(classes, list) and all(_is_label(c) for c in classes)):
            bad("classes", "a list of class labels (text or integers)")
        if len(classes) != n_classes:
            bad("classes", f"a list of {n_classes} labels for a network with {n_outputs} output"
                           f"{'s' if n_outputs > 1 else ''}")
        if len({str(c) for c in classes}) != len(classes):
            bad("classes", "a list of distinct labels")


def cmd_predict(args: argparse.Namespace) -> int:
    """Predict every row of a CSV file with a saved model."""
    net = _load_model(args.model)
    table = read_table(args.data)
    output = None if args.output is None else _check_output_path(args.output, "predictions file")
    if output is not None:
        _check_distinct([("predictions file", output)],
                        [("model file", args.model), ("data file", args.data)])
    meta = net.metadata
    names = _model_features(net, table, meta.get("target"))
    X = _standardize(net, _features(table, names))
    target = str(meta.get("target", "prediction"))
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if _task_of(net) == "regression":
        writer.writerow([target])
        for value in _regression_output(net, X):
            writer.writerow([_format_number(value)])
    else:
        classes = _classes_of(net)
        p = _class_probabilities(net, X)
        writer.writerow([target] + ([f"p({c})" for c in classes] if args.probabilities else []))
        for row in p:
            cells = [classes[int(row.argmax())]]
            if args.probabilities:
                cells += [f"{v:.6f}" for v in row]
            writer.writerow(cells)
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        _write_files([(output, buffer.getvalue().encode("utf-8"), "predictions file")])
        print(f"wrote {output}: {len(table.rows)} predictions")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a saved model on a labelled CSV file."""
    net = _load_model(args.model)
    table = read_table(args.data)
    target_j = table.column(args.target)
    names = _model_features(net, table, args.target)
    if args.target in names:
        raise CommandError(f"{args.data}: column {args.target!r} is one of the model's features, "
                           "not its target")
    X = _standardize(net, _features(table, names))
    if _task_of(net) == "regression":
        y = _numeric_column(table, target_j, "; a regression target must be numeric")
        metrics = _regression_metrics(net, X, y)
    else:
        metrics = _classification_metrics(net, X, _class_indices(table, target_j, _classes_of(net)))
    print(_metric_line(f"{args.data} ({len(table.rows)} rows)", metrics))
    return 0


# ---------------------------------------------------------------- playground
def cmd_playground(args: argparse.Namespace) -> int:
    """Serve the browser playground."""
    try:
        server = importlib.import_module("playwithnn.playground.server")
    except ImportError as exc:
        raise CommandError(f"the playground is not available: {exc}") from None
    try:
        status = server.serve(host=args.host, port=args.port, open_browser=not args.no_browser)
    except OSError as exc:
        raise CommandError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from None
    # The server prints its own line when it cannot listen (address in use, say).
    return 2 if status else 0


# -------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog=PROG, description="A neural network built by hand in NumPy: the tutorial, "
                     "step by step, and training on your own CSV data.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser("demo", help="train the tutorial's 3-4-1 network and draw the result",
                          description="Train the tutorial's 3-4-1 sigmoid network on its four samples "
                          "(gradient descent, learning rate 1), print actual against predicted values "
                          "and write a figure of the loss and the predictions.")
    runs = demo.add_mutually_exclusive_group()
    runs.add_argument("--iterations", type=_positive_int, default=1500, metavar="N",
                      help="training iterations (default 1500)")
    runs.add_argument("--compare", type=_positive_int, nargs="+", metavar="N",
                      help="train once for each count and draw the runs together, e.g. 1500 100000")
    demo.add_argument("--faithful", action="store_true",
                      help="the article's exact setup: no biases, weights from U[0, 1)")
    demo.add_argument("--seed", type=_non_negative_int, default=1, help="random seed (default 1)")
    demo.add_argument("--output", metavar="PATH",
                      help="the figure to write (default NITER.png, e.g. 1500iter.png)")
    demo.add_argument("--show", action="store_true", help="also open the figure in a window")
    demo.set_defaults(func=cmd_demo, parser=demo)

    explain = sub.add_parser("explain", help="one training iteration, step by step, with real numbers",
                             description="Print one training iteration of the tutorial's network: "
                             "the feedforward, the loss, every chain-rule factor and the update.")
    explain.add_argument("--seed", type=_non_negative_int, default=1, help="random seed (default 1)")
    explain.add_argument("--faithful", action="store_true",
                         help="the article's exact setup: no biases, weights from U[0, 1)")
    explain.add_argument("--learning-rate", type=_positive_float, default=1.0, metavar="η",
                         help="step size of the update (default 1, the tutorial's)")
    explain.add_argument("--decimals", type=_positive_int, default=4,
                         help="places to round the numbers to (default 4)")
    explain.set_defaults(func=cmd_explain, parser=explain)

    from .activations import ACTIVATIONS
    from .datasets import DATASETS
    from .optimizers import OPTIMIZERS

    data = sub.add_parser("datasets", help="write a toy data set as CSV",
                          description="Write a toy data set, made in code, as CSV with a header row: "
                          "x1, x2, label (x1, x2, x3, label for the tutorial's).")
    data.add_argument("name", choices=DATASETS, metavar="NAME", help=f"one of {', '.join(DATASETS)}")
    data.add_argument("--output", metavar="FILE.csv", help="where to write (default: standard output)")
    data.add_argument("--samples", type=_positive_int, default=200, help="number of rows (default 200)")
    data.add_argument("--noise", type=_non_negative_float, default=0.0,
                      help="standard deviation of the noise on each coordinate (default 0)")
    data.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
    data.set_defaults(func=cmd_datasets, parser=data)

    train = sub.add_parser(
        "train", help="train a network on a CSV file and save it",
        description="Train a network on a CSV file with a header row. Numeric features are "
        "standardized, the scaling stored in the model file. The task is classification when the "
        f"target holds text or at most {MAX_INTEGER_CLASSES} distinct integers, else regression "
        "(whose target is standardized too, and predictions scaled back).")
    train.add_argument("data", metavar="DATA.csv")
    train.add_argument("--target", required=True, metavar="COLUMN", help="the column to predict")
    train.add_argument("--output", required=True, metavar="MODEL.npz", help="the model file to write")
    train.add_argument("--hidden", type=_positive_int, nargs="*", default=[16, 16], metavar="WIDTH",
                       help="hidden layer widths (default 16 16; none for a linear model)")
    train.add_argument("--activation", default="relu",
                       choices=[name for name, a in ACTIVATIONS.items() if a.hidden],
                       help="hidden activation (default relu)")
    train.add_argument("--optimizer", default="adam", choices=list(OPTIMIZERS), help="default adam")
    train.add_argument("--learning-rate", type=_positive_float, metavar="η",
                       help="step size (default 0.01 for adam, 0.1 for sgd and gd)")
    train.add_argument("--epochs", type=_positive_int, default=200, help="default 200")
    train.add_argument("--batch-size", type=_positive_int, default=32, help="default 32")
    train.add_argument("--l2", type=_non_negative_float, default=0.0, help="L2 penalty (default 0)")
    train.add_argument("--dropout", type=_fraction, default=0.0, help="dropout rate (default 0)")
    train.add_argument("--validation-split", type=_fraction, default=0.2,
                       help="fraction of rows held out for validation (default 0.2)")
    train.add_argument("--patience", type=_positive_int,
                       help="stop after this many epochs without a better validation loss")
    train.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
    train.add_argument("--task", choices=TASKS,
                       help="default: inferred from the target")
    train.add_argument("--plot", metavar="CURVES.png",
                       help="write the learning curves (and for two features the decision boundary)")
    loud = train.add_mutually_exclusive_group()
    loud.add_argument("--verbose", action="store_true", help="one line per epoch")
    loud.add_argument("--quiet", action="store_true", help="no progress while training")
    train.set_defaults(func=cmd_train, parser=train)

    predict = sub.add_parser("predict", help="predict a CSV file with a saved model",
                             description="Predict every row of a CSV file; its columns must include "
                             "the model's features (others are ignored).")
    predict.add_argument("model", metavar="MODEL.npz")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--output", metavar="FILE.csv", help="where to write (default: standard output)")
    predict.add_argument("--probabilities", action="store_true",
                         help="classification: add a probability column per class")
    predict.set_defaults(func=cmd_predict, parser=predict)

    evaluate = sub.add_parser("evaluate", help="score a saved model on a labelled CSV file",
                              description="Print accuracy and loss (classification) or R² and mean "
                              "squared error (regression).")
    evaluate.add_argument("model", metavar="MODEL.npz")
    evaluate.add_argument("data", metavar="DATA.csv")
    evaluate.add_argument("--target", required=True, metavar="COLUMN")
    evaluate.set_defaults(func=cmd_evaluate, parser=evaluate)

    play = sub.add_parser("playground", help="open the browser playground",
                          description="Serve the playground page on a local port.")
    play.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    play.add_argument("--port", type=_port, default=8000, help="default 8000")
    play.add_argument("--no-browser", action="store_true", help="do not open a browser")
    play.set_defaults(func=cmd_playground, parser=play)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0 on success, 2 on bad input (one line on standard error), 1 on any
    other error (one line too), 130 when interrupted.
    """
    parser = build_parser()
    command = PROG
    try:
        args, extra = parser.parse_known_args(argv)
        command = f"{PROG} {args.command}"
        if extra:  # reported by the subcommand, whose help lists what it accepts
            args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return int(args.func(args))
    except CommandError as exc:
        message = str(exc)
        if not message.startswith(PROG):
            message = f"{command}: error: {message}"
        print(message, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read our output has gone (`| head`): stop quietly, as other tools do,
        # and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # the last guard: one line, never a traceback
        detail = " ".join(str(exc).split())  # one line, whatever the message holds
        print(f"{command}: error: unexpected {type(exc).__name__}{': ' if detail else ''}{detail}",
              file=sys.stderr)
        return 1


__all__ = ["CommandError", "Table", "build_parser", "main", "read_table"]
