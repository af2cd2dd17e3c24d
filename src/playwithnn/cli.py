"""The ``playwithnn`` command line.

::

    playwithnn demo [--iterations N | --compare N N ...] [--faithful] [--seed S] [--output PNG] [--show]
    playwithnn explain [--seed S] [--faithful] [--learning-rate η] [--decimals D] [--iteration N] [--pitfalls]
    playwithnn datasets NAME [--output CSV] [--samples N] [--noise X] [--seed S]
    playwithnn train DATA.csv --target COLUMN --output MODEL.npz [options]
    playwithnn predict MODEL.npz DATA.csv [--output CSV] [--probabilities]
    playwithnn evaluate MODEL.npz DATA.csv --target COLUMN
    playwithnn playground [--host H] [--port P] [--no-browser]

Bad input (an option, a file, a cell) gets one line on standard error that names
what is wrong and where, and exit status 2; anything unexpected gets one line and
exit status 1, never a traceback. A failed run never overwrites an existing output
file: every input and output path is checked and every output (model, figure, CSV)
prepared in memory before anything is written; each file is then written to a
temporary name beside it, flushed to disk, and renamed over the old one only once
all of them are written.

Signals: Ctrl-C (SIGINT) and SIGTERM stop a command with exit status 130 and 143
(128 plus the signal's number, as a shell reports a process the signal ended), one
line on standard error. ``train`` takes the first of either as a request to stop
after the current batch: it saves the model trained so far, then exits with that
status; a second one stops it at once. A signal that arrives while files are being
written waits until they are (each file is then the new one, never half of it,
and no temporary file is left), and then acts.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib
import io as _io
import itertools
import math
import os
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from . import _files, metrics, tabular
from ._validation import check_int_in_range, check_number_in_range, describe_range, name_list, shorten
from .diagnostics import TrainingWarning
from .tabular import MAX_INTEGER_CLASSES, TASKS, Table, TableError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .network import NeuralNetwork
    from .training import FitOptions, History

PROG = "playwithnn"


class CommandError(Exception):
    """Bad input to a command: printed as one line on standard error, exit status 2."""


#: The exit statuses, as ``--help`` lists them.
EXIT_STATUSES = ("exit status: 0 success; 1 an unexpected error; 2 bad input (an option, a file, a cell); "
                 "130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM. The first of either stops train "
                 "after the current batch and saves the model trained so far before it exits with 130 "
                 "or 143; a second one stops it at once.")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, raised rather than printed and exited."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


# ----------------------------------------------------------------- option types
# Argparse types: the text is parsed here, the range checked by _validation (the rule
# the playground's settings use too), and argparse names the option in its message.
def _int_option(low: int | None, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high`` (inclusive; ``None``: no bound)."""
    expected = describe_range(low, high, integer=True)

    def parse(text: str) -> int:
        try:
            return check_int_in_range(int(text), "the value", low, high)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None

    return parse


def _number_option(low: float | None, high: float | None = None, *, low_open: bool = False,
                   high_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in the range (``*_open``: the bound itself is out)."""
    expected = describe_range(low, high, integer=False, low_open=low_open, high_open=high_open)

    def parse(text: str) -> float:
        try:
            return check_number_in_range(float(text), "the value", low, high,
                                         low_open=low_open, high_open=high_open)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None

    return parse


def _number(text: str) -> float:
    """An argparse type: any number, its range left to the check that owns it (FitOptions)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {text!r}") from None


_integer = _int_option(None)
_positive_int = _int_option(1)
_non_negative_int = _int_option(0)
_positive_float = _number_option(0.0, low_open=True)
_non_negative_float = _number_option(0.0)
_port = _int_option(0, 65535)


# ------------------------------------------------------------------- signals
# The core's fit turns the first SIGINT into a request to stop after the current batch
# (its handler is SIGINT's while it trains). The command line adds SIGTERM, which a
# library has no business handling: outside training it stops the command as Ctrl-C
# would; while training it is handed to SIGINT's handler, so that it stops the same way.
_Handler = Callable[[int, "FrameType | None"], Any]


class _Terminated(KeyboardInterrupt):
    """SIGTERM outside training: the command stops as Ctrl-C stops it, with exit status 143."""


def _raise_terminated(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Terminated


@contextmanager
def _signal_handlers(handlers: dict[int, _Handler]) -> Iterator[None]:
    """Install ``{signal number: handler}`` for the block, then put the previous ones back.

    Only the main thread can handle signals; elsewhere this installs nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in handlers}
    try:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        yield
    finally:
        for signum, before in previous.items():  # None: set outside Python; the default is closest
            signal.signal(signum, signal.SIG_DFL if before is None else before)


class _StopRequest:
    """SIGTERM (and, with ``catch_interrupt``, SIGINT) as a request to stop training.

    While the core trains, its own SIGINT handler holds the request; a SIGTERM is
    handed to that handler, so it stops training after the current batch as Ctrl-C
    does. Between two ``fit`` calls of a streamed run, ``catch_interrupt=True`` makes
    SIGINT a request too. The first request puts SIGINT's default handler back, so a
    second signal of either kind stops the command at once.

    Attributes
    ----------
    signum : int or None
        The first signal received, ``None`` if none was.
    """

    def __init__(self, *, catch_interrupt: bool = False) -> None:
        self.signum: int | None = None
        self._catch_interrupt = catch_interrupt

    def __enter__(self) -> _StopRequest:
        handlers: dict[int, _Handler] = {signal.SIGTERM: self._on_terminate}
        if self._catch_interrupt:
            handlers[signal.SIGINT] = self._on_interrupt
        self._handlers = _signal_handlers(handlers)
        self._handlers.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._handlers.__exit__(*exc)

    @property
    def requested(self) -> bool:
        """Whether a signal asked to stop."""
        return self.signum is not None

    def status(self) -> int:
        """The exit status of a run stopped by the request: 128 + the signal's number (SIGINT's if none)."""
        return 128 + (signal.SIGINT if self.signum is None else self.signum)

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C stops at once

    def _on_terminate(self, signum: int, frame: FrameType | None) -> None:
        first = self.signum is None
        if first:
            self.signum = signum
        handler = signal.getsignal(signal.SIGINT)
        if not first or not callable(handler) or handler is signal.default_int_handler:
            raise _Terminated  # outside training, or a second request: stop at once
        handler(signal.SIGINT, frame)  # the training's stop request (or ours, between two fits)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block, then deliver the first that came, if any.

    Files are written under it, so that a signal finds each file either old or new,
    whole, and no temporary file left over: the writing is short, and the signal
    acts as soon as it is done.
    """
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    try:
        with _signal_handlers({signal.SIGINT: hold, signal.SIGTERM: hold}):
            yield
    finally:
        if received:
            signal.raise_signal(received[0])  # to the handler now installed again


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
    full disk or an unwritable file leaves every existing file as it was. SIGINT and
    SIGTERM wait until the writing is done (:func:`_signals_held`).
    """
    with _signals_held():
        _write_staged(files)


def _write_staged(files: Sequence[tuple[Path, _files.Content, str]]) -> None:
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


def _setup_line(seed: int, faithful: bool, learning_rate: float = 1.0) -> str:
    if faithful:
        kind = "the article's exact setup: no biases, weights from U[0, 1)"
    else:
        kind = "with biases, Glorot-initialized weights"
    return f"3-4-1 sigmoid network, {kind}, seed {seed}, learning rate {learning_rate:g}, sum-of-squares loss"


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
    from .explain import explain_step, format_explanation, format_pitfalls, pitfalls
    from .training import TrainingDivergedError

    X, y = tutorial()
    net = _tutorial_network(args.seed, args.faithful)
    print(f"The tutorial's data, {_setup_line(args.seed, args.faithful, args.learning_rate)}")
    print()
    if args.pitfalls:
        print(format_pitfalls(pitfalls(net, X, y, learning_rate=args.learning_rate), decimals=args.decimals))
        return 0
    try:
        explanation = explain_step(net, X, y, learning_rate=args.learning_rate, iteration=args.iteration)
    except TrainingDivergedError as exc:
        raise CommandError(f"--iteration {args.iteration}: {exc}") from None
    print(format_explanation(explanation, decimals=args.decimals))
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
# Files are read by playwithnn.tabular, whose TableError (a file, line, column and cell
# in one line) main() reports as bad input, exactly as a CommandError.
def read_table(path: str) -> Table:
    """Read a CSV file with a header row and at least one data row.

    Raises
    ------
    TableError
        If the file cannot be read or is not CSV by :mod:`playwithnn.tabular`'s grammar.
    CommandError
        If it has a header but no data rows.
    """
    table = tabular.read_table(path)
    if table.n_rows == 0:
        raise CommandError(f"{path}: a header row but no data rows")
    return table


def _features(table: Table, names: Sequence[str]) -> NDArray[np.float64]:
    """The named columns as an ``(n_samples, n_features)`` float array, C-contiguous (read-only where
    it is the table's own block of numbers)."""
    return np.ascontiguousarray(table.matrix(names, hint="; features must be numeric"))


# --------------------------------------------------------------- preprocessing
def _model_features(net: NeuralNetwork, table: Table, target: str | None = None) -> list[str]:
    """The feature names the model expects, checked against ``table``'s columns."""
    meta = net.metadata
    names = meta.get("features")
    if names is None:  # a model saved from Python: every column but the target, in order
        names = [h for h in table.names if h != target]
        if len(names) != net.n_features:
            raise CommandError(
                f"{table.source}: {len(names)} feature columns ({name_list(names)}), but the model "
                f"expects {net.n_features} inputs"
            )
        return list(names)
    present = set(table.names)
    missing = [repr(shorten(n, 24)) for n in names if n not in present]
    if missing:
        raise CommandError(
            f"{table.source}: the model was trained on the features {name_list(names)}, but the file "
            f"has no column{'s' if len(missing) > 1 else ''} {name_list(missing)} "
            f"(its columns: {name_list(table.names)})"
        )
    return list(names)


def _standardize(net: NeuralNetwork, X: NDArray[np.float64]) -> NDArray[np.float64]:
    meta = net.metadata
    if "feature_mean" not in meta:
        return X
    return (X - np.asarray(meta["feature_mean"])) / np.asarray(meta["feature_scale"])


def _metric_line(label: str, scores: dict[str, float]) -> str:
    """``label: accuracy 0.9750  loss 0.0812``: scores to 4 places, losses and errors to 4 digits."""
    return f"{label}: " + "  ".join(f"{k} {v:.4f}" if k in ("accuracy", "R²") else f"{k} {v:.4g}"
                                    for k, v in scores.items())


def _class_probabilities(P: NDArray[np.floating]) -> NDArray[np.float64]:
    """``(n_samples, n_classes)`` from a classifier's outputs ``P``: ``[1 - p, p]`` for one output."""
    p = P.astype(np.float64)
    return np.column_stack([1 - p[:, 0], p[:, 0]]) if p.shape[1] == 1 else p


def _classification_scores(net: NeuralNetwork, X: NDArray[np.float64], k: NDArray[np.int64]
                           ) -> tuple[dict[str, float], NDArray[np.intp]]:
    """Accuracy of the predicted classes against the class indices ``k``, the loss, and the predictions.

    The predicted class is :func:`playwithnn.metrics.predicted_class`: what
    ``predict`` writes and what ``train`` and ``evaluate`` score.
    """
    P = net.predict(X)
    predicted = metrics.predicted_class(P)
    target = k.reshape(-1, 1).astype(np.float64) if net.n_outputs == 1 else np.eye(net.n_outputs)[k]
    return {"accuracy": metrics.accuracy(k, predicted), "loss": net.loss(X, target)}, predicted


def _regression_scores(net: NeuralNetwork, X: NDArray[np.float64], y: NDArray[np.float64]
                       ) -> dict[str, float]:
    """R² and RMSE of the predictions, in the target's own units."""
    pred = _regression_output(net, X)
    return {"R²": metrics.r2_score(y, pred), "RMSE": metrics.rmse(y, pred)}


def _confusion_lines(k: NDArray[np.int64], predicted: NDArray[np.intp], classes: Sequence[str]
                     ) -> list[str]:
    """The confusion matrix as aligned lines: a row per true class, a column per predicted one."""
    C = metrics.confusion_matrix(k, predicted, n_classes=len(classes))
    names = [_short_label(c) for c in classes]
    left = max(len(n) for n in names)
    digits = len(str(int(C.max(initial=0))))
    widths = [max(len(n), digits) for n in names]
    lines = ["confusion matrix (rows: true class, columns: predicted class):",
             "  " + " " * left + "".join(f"  {n:>{w}}" for n, w in zip(names, widths))]
    for name, row in zip(names, C):
        lines.append(f"  {name:<{left}}" + "".join(f"  {int(v):>{w}}" for v, w in zip(row, widths)))
    return lines


def _short_label(label: str) -> str:
    return label if len(label) <= 16 else label[:13] + "..."


def _regression_output(net: NeuralNetwork, X: NDArray[np.float64]) -> NDArray[np.float64]:
    meta = net.metadata
    out = net.predict(X)[:, 0].astype(np.float64)
    if "target_mean" in meta:
        out = out * float(meta["target_scale"]) + float(meta["target_mean"])
    return out


def _task_of(net: NeuralNetwork) -> str:
    """The task ``train`` stored, or for a model saved from Python the task its loss is for."""
    task = net.metadata.get("task")
    if task in TASKS:
        return str(task)
    return "classification" if metrics.is_classification_loss(net.loss_name) else "regression"


def _classes_of(net: NeuralNetwork) -> list[str]:
    meta = net.metadata
    classes = meta.get("classes")
    if classes is not None:
        return [str(c) for c in classes]
    return [str(k) for k in range(max(2, net.n_outputs))]


# --------------------------------------------------------------------- train
#: The options of ``train`` that are options of ``fit``: FitOptions' field and the option's name.
FIT_OPTIONS = {"epochs": "--epochs", "learning_rate": "--learning-rate", "optimizer": "--optimizer",
               "batch_size": "--batch-size", "l2": "--l2", "dropout": "--dropout",
               "validation_split": "--validation-split", "patience": "--patience"}


def _fit_options(args: argparse.Namespace) -> FitOptions:
    """The training options, checked by FitOptions, the one home of their rules.

    A refusal is a CommandError whose message names the command line's option
    (``--learning-rate``) where FitOptions names its field (``learning_rate``).
    """
    from .training import FitOptions

    learning_rate = args.learning_rate
    if learning_rate is None:
        learning_rate = 0.01 if args.optimizer == "adam" else 0.1
    try:
        return FitOptions(
            epochs=args.epochs, learning_rate=learning_rate, optimizer=args.optimizer,
            batch_size=args.batch_size, l2=args.l2, dropout=args.dropout,
            validation_split=args.validation_split, patience=args.patience,
            verbose=0 if args.quiet else (2 if args.verbose else 1),
        )
    except (TypeError, ValueError) as exc:
        fields = re.compile(r"\b(" + "|".join(FIT_OPTIONS) + r")\b")
        raise CommandError(fields.sub(lambda m: FIT_OPTIONS[m[1]], str(exc))) from None


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on a CSV file and save it."""
    from .network import NeuralNetwork
    from .training import TrainingDivergedError, holdout_split

    options = _fit_options(args)
    if args.chunk_rows is not None:
        return _train_streamed(args, options)
    table = read_table(args.data)
    table.index(args.target)  # a missing column is the first thing to hear about
    output = _check_output_path(args.output, "model file")
    plot_path = None if args.plot is None else _check_figure_path(args.plot)
    outputs = [("model file", output)] + ([("figure", plot_path)] if plot_path is not None else [])
    _check_distinct(outputs, [("data file", args.data)])
    feature_names = [h for h in table.names if h != args.target]
    if not feature_names:
        raise CommandError(f"{args.data}: no feature columns besides the target {args.target!r}")
    X_raw = _features(table, feature_names)
    task = args.task or table.infer_task(args.target)

    mean = X_raw.mean(axis=0)
    scale = X_raw.std(axis=0)
    scale[scale == 0] = 1.0  # a constant column stays constant (zero) rather than dividing by 0
    X = (X_raw - mean) / scale
    metadata: dict[str, Any] = {
        "task": task, "target": args.target, "features": feature_names,
        "feature_mean": mean.tolist(), "feature_scale": scale.tolist(),
    }
    if task == "classification":
        row_labels = table.labels(args.target)
        labels = tabular.sort_classes(row_labels)
        index = {label: j for j, label in enumerate(labels)}
        k = np.array([index[label] for label in row_labels], dtype=np.int64)
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
        y = table.numbers(args.target, hint="; a regression target must be numeric")
        y_mean, y_scale = float(y.mean()), float(y.std()) or 1.0
        metadata["target_mean"], metadata["target_scale"] = y_mean, y_scale
        n_out, loss = 1, "mse"
        Y = ((y - y_mean) / y_scale).reshape(-1, 1)

    rng = np.random.default_rng(args.seed)
    train_idx, val_idx = np.arange(X.shape[0]), np.arange(0)
    if options.validation_split > 0:
        try:
            train_idx, val_idx = holdout_split(X.shape[0], options.validation_split, rng,
                                               name="--validation-split")
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    n_val = len(val_idx)
    try:
        net = NeuralNetwork([X.shape[1], *args.hidden, n_out], activation=args.activation,
                            loss=loss, seed=rng)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    net.metadata = metadata
    hidden = f"{args.activation} hidden layers" if args.hidden else "no hidden layer"
    print(f"training a {'-'.join(map(str, net.layer_sizes))} network ({hidden}, "
          f"{net.output_activation} output, {loss}) on {len(train_idx)} rows of {args.data}"
          f" for {task}" + (f", validating on {n_val}" if n_val else ""))
    # The rows were split above, by holdout_split as fit would: fit gets them as validation_data.
    fit_arguments = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)
                     if f.name != "validation_split"}
    try:
        # SIGTERM stops after the current batch, as Ctrl-C does; what fit diagnoses becomes a notice.
        with _StopRequest() as stop_request, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TrainingWarning)
            history = net.fit(X[train_idx], Y[train_idx],
                              validation_data=(X[val_idx], Y[val_idx]) if n_val else None,
                              **fit_arguments)
    except TrainingDivergedError as exc:
        raise CommandError(f"{str(exc).rstrip('.')}; nothing was written") from None
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    metadata["history"] = {"epochs": history.epochs, "seconds": history.seconds}

    lines = [_trained_line(history, stop_request)]
    for label, idx in [("train", train_idx), ("validation", val_idx)][:2 if n_val else 1]:
        if task == "classification":
            scores, _ = _classification_scores(net, X[idx], k[idx])
        else:
            scores = _regression_scores(net, X[idx], y[idx])
        lines.append(_metric_line(label, scores))
    for warning in caught:
        if issubclass(warning.category, TrainingWarning):
            lines.append(f"notice: {warning.message}")
        else:  # not ours to turn into a notice: passed on as it came
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)

    def figure() -> Figure:
        return _training_figure(net, history, X_raw, k if task == "classification" else None,
                                feature_names, metadata)

    return _save_trained(net, history, stop_request, lines, output, plot_path, figure)


def _trained_line(history: History, stop_request: _StopRequest) -> str:
    """``trained 12 epochs in 3.40 s``, and how training stopped if it stopped early."""
    stop = ""
    if history.stopped_early:
        stop = f", stopped early and kept epoch {history.best_epoch}"
    elif history.interrupted:
        stop = ", interrupted" + (" by SIGTERM" if stop_request.signum == signal.SIGTERM else "")
    epochs = "1 epoch" if history.epochs == 1 else f"{history.epochs} epochs"
    return f"trained {epochs} in {history.seconds:.2f} s{stop}"


def _save_trained(net: NeuralNetwork, history: History, stop_request: _StopRequest, lines: list[str],
                  output: Path, plot_path: Path | None, figure: Callable[[], Figure]) -> int:
    """Write the model (and the figure), then print ``lines`` and what was written; the exit status."""
    from ._modelfile import encode

    # Everything is prepared before the first byte is written: the model file's
    # content is checked and laid out, the figure drawn and rendered in memory.
    try:
        files: list[tuple[Path, _files.Content, str]] = [
            (output, encode(net.get_config(), net.parameters(), net.metadata), "model file")]
    except (TypeError, ValueError) as exc:
        raise CommandError(f"cannot save the model: {exc}; nothing was written") from None
    if plot_path is not None:
        files.append((plot_path, _figure_bytes(figure(), plot_path), "figure"))
    _write_files(files)  # before the metrics are printed: a closed pipe must not lose the model
    for line in lines:
        print(line)
    for path, _, _ in files:
        print(f"wrote {path}")
    if not history.interrupted:
        return 0
    # The model of the batches so far is saved, but the run did not finish: a script must not
    # take it for a success.
    by = " (SIGTERM)" if stop_request.signum == signal.SIGTERM else ""
    print(f"{PROG} train: interrupted{by}; the model trained so far is saved in {output}", file=sys.stderr)
    return stop_request.status()


def _training_figure(net: NeuralNetwork, history: Any, X_raw: NDArray[np.float64] | None,
                     k: NDArray[np.int64] | None, feature_names: list[str],
                     metadata: dict[str, Any]) -> Figure:
    """The learning curves, and for a classifier of two features whose rows are at hand (``X_raw``)
    the decision boundary."""
    from matplotlib.figure import Figure

    from .plotting import plot_decision_boundary, plot_history

    n_curves = 2 if history.accuracy else 1
    boundary = k is not None and X_raw is not None and X_raw.shape[1] == 2
    n_panels = n_curves + int(boundary)
    fig = Figure(figsize=(5.2 * n_panels, 4.4), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(1, n_panels)))
    plot_history(history, axes=axes[:n_curves])
    if boundary and k is not None and X_raw is not None:
        mean, scale = np.asarray(metadata["feature_mean"]), np.asarray(metadata["feature_scale"])
        plot_decision_boundary(net, X_raw, k, ax=axes[-1],
                               transform=lambda P: (P - mean) / scale,
                               class_names=metadata["classes"], feature_names=feature_names)
    return fig


# ------------------------------------------------------- train, a chunk at a time
#: Classes a streamed run collects at most while it reads the target (beyond them it is regression).
STREAM_MAX_CLASSES = 1000
#: Rows held out for validation that a streamed run keeps, at most, beyond one chunk's worth.
STREAM_VALIDATION_ROWS = 10_000


def _mix64(x: int) -> int:
    """splitmix64's finaliser on one integer: 64 bits, each depending on every bit of ``x``."""
    x &= 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def _row_draws(seed: int, stream: int, first: int, n: int) -> NDArray[np.float64]:
    """A number drawn uniformly from [0, 1) for each of the rows ``first .. first + n - 1`` of a file.

    splitmix64, a counter-based generator: the draw of a row is a function of the
    seed, the stream and the row's index alone, so a row is drawn the same in every
    epoch and whatever the chunks it comes in (a Generator's draws would depend on
    how the rows were cut into chunks).

    Returns
    -------
    ndarray of shape (n,)
    """
    key = np.uint64(_mix64(_mix64(seed) + stream * 0x9E3779B97F4A7C15))
    z = key + (np.arange(first, first + n, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)  # arrays of uint64 wrap around
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53  # the top 53 bits


class _Moments:
    """Mean and standard deviation of columns seen a chunk at a time.

    Chan, Golub and LeVeque's update: a chunk of ``n_b`` rows with mean ``m_b``
    and sum of squared deviations ``M_b`` joins ``n_a`` rows with ``m_a``, ``M_a``
    as ``m = m_a + δ n_b / n``, ``M = M_a + M_b + δ² n_a n_b / n``, with
    ``δ = m_b - m_a`` and ``n = n_a + n_b``; the standard deviation is
    ``sqrt(M / n)``, NumPy's ``std`` (``ddof=0``). One chunk gives ``X.mean(axis=0)``
    and ``X.std(axis=0)`` exactly.
    """

    def __init__(self, n_columns: int) -> None:
        self.n = 0
        self.mean = np.zeros(n_columns)
        self.m2 = np.zeros(n_columns)

    def add(self, X: NDArray[np.float64]) -> None:
        """Take in the rows of ``X``, of shape (n_rows, n_columns)."""
        n_b = X.shape[0]
        if n_b == 0:
            return
        mean_b = X.mean(axis=0)
        m2_b = ((X - mean_b) ** 2).sum(axis=0)
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.m2 = self.m2 + m2_b + delta**2 * (self.n * n_b / n)
        self.n = n

    def std(self) -> NDArray[np.float64]:
        return np.sqrt(self.m2 / self.n)


class _Reservoir:
    """At most ``size`` rows, a uniform sample of those offered: the ones of the lowest keys.

    Each row comes with a key drawn uniformly (:func:`_row_draws`); keeping the
    ``size`` lowest keys of all the rows offered is a sample without replacement,
    the same whatever order or chunks the rows come in.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.keys = np.empty(0)
        self.arrays: list[NDArray[Any]] = []

    def offer(self, keys: NDArray[np.float64], *arrays: NDArray[Any]) -> None:
        """Offer rows: ``keys`` of shape (n,), and arrays of n rows each (the same arrays every time)."""
        keys = np.concatenate([self.keys, keys])
        arrays = tuple(np.concatenate([held, new]) if self.arrays else new
                       for held, new in zip(self.arrays or arrays, arrays))
        if keys.size > self.size:
            keep = np.sort(np.argpartition(keys, self.size - 1)[:self.size])
            keys, arrays = keys[keep], tuple(a[keep] for a in arrays)
        self.keys, self.arrays = keys, list(arrays)


def _streamed_arrays(chunk: Table, feature_names: Sequence[str], target: str, task: str,
                     metadata: dict[str, Any], n_out: int
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[Any]]:
    """A chunk as the network takes it: ``X`` of shape (n_rows, n_features), standardized; ``Y`` of
    shape (n_rows, n_outputs); and the truth to score against (class indices, or the target's values)."""
    mean, scale = np.asarray(metadata["feature_mean"]), np.asarray(metadata["feature_scale"])
    X = (chunk.matrix(feature_names, hint="; features must be numeric") - mean) / scale
    if task == "classification":
        k = chunk.class_indices(target, metadata["classes"])
        Y = k.reshape(-1, 1).astype(np.float64) if n_out == 1 else np.eye(n_out)[k]
        return X, Y, k
    y = chunk.numbers(target, hint="; a regression target must be numeric")
    return X, ((y - metadata["target_mean"]) / metadata["target_scale"]).reshape(-1, 1), y


def _train_streamed(args: argparse.Namespace, options: FitOptions) -> int:
    """``train --chunk-rows N``: train on a CSV file read N rows at a time, in memory bounded by N.

    A first pass over the file takes the statistics that scale the data (each
    feature's mean and standard deviation; the classes, or the target's mean and
    standard deviation) and counts the rows held out for validation: each row is
    held out with probability ``--validation-split``, by a draw from the seed and
    the row's index (:func:`_row_draws`), so the same rows in every epoch. Each
    epoch is then one more pass: the rows of each chunk that are not held out are
    one ``fit(..., epochs=1)`` (shuffled within the chunk), with one optimizer
    object, which keeps its state (Adam's moments) from chunk to chunk. The
    validation loss after each epoch is that of a uniform sample of the held-out
    rows, at most ``max(N, STREAM_VALIDATION_ROWS)`` of them, kept from the first epoch.
    """
    from .metrics import n_correct
    from .network import NeuralNetwork
    from .training import History, TrainingDivergedError

    if options.patience is not None:
        raise CommandError("--patience is not available with --chunk-rows: a streamed run does not "
                           "stop early; leave one of them out")
    rows = args.chunk_rows
    chunks = tabular.read_chunks(args.data, rows)
    first = next(chunks, None)
    if first is None:
        raise CommandError(f"{args.data}: a header row but no data rows")
    first.index(args.target)  # a missing column is the first thing to hear about
    output = _check_output_path(args.output, "model file")
    plot_path = None if args.plot is None else _check_figure_path(args.plot)
    outputs = [("model file", output)] + ([("figure", plot_path)] if plot_path is not None else [])
    _check_distinct(outputs, [("data file", args.data)])
    feature_names = [h for h in first.names if h != args.target]
    if not feature_names:
        raise CommandError(f"{args.data}: no feature columns besides the target {args.target!r}")
    fraction = options.validation_split

    # The first pass: scaling, classes and the rows held out.
    features, target = _Moments(len(feature_names)), _Moments(1)
    labels: set[str] | None = None if args.task == "regression" else set()
    text = False  # whether the target holds a label that is not a number
    n_rows = n_held = 0
    for chunk in itertools.chain([first], chunks):
        features.add(chunk.matrix(feature_names, hint="; features must be numeric"))
        if labels is not None:
            distinct = chunk.distinct_labels(args.target)
            text = text or not all(tabular.is_number(label) for label in distinct)
            labels.update(distinct)
            if len(labels) > STREAM_MAX_CLASSES:
                if text or args.task == "classification":
                    raise CommandError(f"{args.data}, column {args.target!r}: more than {STREAM_MAX_CLASSES} "
                                       "classes; --chunk-rows trains a classifier of at most that many")
                labels = None  # more numbers than classes: a regression target
        if args.task != "classification" and not text:
            target.add(chunk.numbers(args.target, hint="; a regression target must be numeric")[:, None])
        if fraction:
            n_held += int((_row_draws(args.seed, 0, n_rows, chunk.n_rows) < fraction).sum())
        n_rows += chunk.n_rows
    if fraction and not 0 < n_held < n_rows:
        raise CommandError(f"--validation-split={fraction} held out {n_held} of {n_rows} rows; it needs at "
                           "least 1 and must leave at least 1 for training")
    task = args.task or ("classification" if labels is not None and tabular.infer_task(labels) ==
                         "classification" else "regression")
    scale = features.std()
    scale[scale == 0] = 1.0  # a constant column stays constant (zero) rather than dividing by 0
    metadata: dict[str, Any] = {
        "task": task, "target": args.target, "features": feature_names,
        "feature_mean": features.mean.tolist(), "feature_scale": scale.tolist(),
    }
    if task == "classification":
        classes = tabular.sort_classes(labels or ())
        if len(classes) < 2:
            raise CommandError(f"{args.data}, column {args.target!r}: only one class ({classes[0]!r}); "
                               "classification needs at least two")
        metadata["classes"] = classes
        n_out = 1 if len(classes) == 2 else len(classes)
        loss = "binary_crossentropy" if len(classes) == 2 else "categorical_crossentropy"
    else:
        metadata["target_mean"] = float(target.mean[0])
        metadata["target_scale"] = float(target.std()[0]) or 1.0
        n_out, loss = 1, "mse"

    rng = np.random.default_rng(args.seed)
    try:
        net = NeuralNetwork([len(feature_names), *args.hidden, n_out], activation=args.activation,
                            loss=loss, seed=rng)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    net.metadata = metadata
    reservoir = _Reservoir(min(n_held, max(rows, STREAM_VALIDATION_ROWS)))
    hidden = f"{args.activation} hidden layers" if args.hidden else "no hidden layer"
    print(f"training a {'-'.join(map(str, net.layer_sizes))} network ({hidden}, "
          f"{net.output_activation} output, {loss}) on {n_rows - n_held} rows of {args.data}, "
          f"{rows} at a time, for {task}"
          + (f", validating on {reservoir.size} of the {n_held} rows held out" if n_held else ""),
          flush=True)

    # The epochs: a pass over the file each, a fit of one epoch for each chunk.
    optimizer = options.make_optimizer()  # one object: its state goes on from chunk to chunk
    history = History()
    classify = task == "classification"
    start = time.perf_counter()
    with _StopRequest(catch_interrupt=True) as stop_request:
        for epoch in range(1, options.epochs + 1):
            total = correct = 0.0
            seen = first_row = 0
            interrupted = False
            for chunk in tabular.read_chunks(args.data, rows):
                X, Y, truth = _streamed_arrays(chunk, feature_names, args.target, task, metadata, n_out)
                held = (_row_draws(args.seed, 0, first_row, chunk.n_rows) < fraction if fraction
                        else np.zeros(chunk.n_rows, dtype=bool))
                if epoch == 1 and held.any():
                    keys = _row_draws(args.seed, 1, first_row, chunk.n_rows)[held]
                    reservoir.offer(keys, X[held], Y[held], truth[held])
                first_row += chunk.n_rows
                kept = ~held
                if kept.any():
                    try:
                        fitted = net.fit(X[kept], Y[kept], epochs=1, optimizer=optimizer,
                                         batch_size=options.batch_size, l2=options.l2,
                                         dropout=options.dropout, shuffle=options.shuffle)
                    except TrainingDivergedError as exc:
                        message = str(exc).rstrip(".").replace("at epoch 1:", f"at epoch {epoch}:", 1)
                        raise CommandError(f"{message}; nothing was written") from None
                    m = int(kept.sum())
                    total += fitted.loss[-1] * m
                    correct += fitted.accuracy[-1] * m if fitted.accuracy else 0.0
                    seen += m
                    interrupted = fitted.interrupted
                if interrupted or stop_request.requested:
                    interrupted = True
                    break
            if seen:
                history.loss.append(total / seen)
                if classify:
                    history.accuracy.append(correct / seen)
            if reservoir.arrays and history.loss:
                X_val, Y_val, _ = reservoir.arrays
                val_loss, P = net.evaluate(X_val, Y_val)
                history.val_loss.append(val_loss)
                if classify:
                    history.val_accuracy.append(n_correct(Y_val, P, one_hot=n_out > 1) / len(Y_val))
            if options.verbose and history.loss:
                shown = "  ".join(f"{key} {history[key][-1]:.6g}" for key in
                                  ("loss", "val_loss", "accuracy", "val_accuracy") if history[key])
                print(f"epoch {epoch}/{options.epochs}  {shown}  {time.perf_counter() - start:.1f}s",
                      file=sys.stderr, flush=True)
            if interrupted:
                history.interrupted = True
                break
    history.seconds = time.perf_counter() - start
    metadata["history"] = {"epochs": history.epochs, "seconds": history.seconds}

    lines = [_trained_line(history, stop_request)]
    if history.loss:
        train_scores = {"loss": history.loss[-1]} | ({"accuracy": history.accuracy[-1]} if classify else {})
        lines.append(_metric_line("train (last epoch, each batch before its update)", train_scores))
    if reservoir.arrays:
        X_val, _, truth = reservoir.arrays
        label = f"validation ({len(truth)} rows)"
        scores = (_classification_scores(net, X_val, truth)[0] if classify
                  else _regression_scores(net, X_val, truth))
        lines.append(_metric_line(label, scores))
    return _save_trained(net, history, stop_request, lines, output, plot_path,
                         lambda: _training_figure(net, history, None, None, feature_names, metadata))


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
        P = net.predict(X)
        predicted = metrics.predicted_class(P)
        writer.writerow([target] + ([f"p({c})" for c in classes] if args.probabilities else []))
        if args.probabilities:
            for k, row in zip(predicted, _class_probabilities(P)):
                writer.writerow([classes[k]] + [f"{v:.6f}" for v in row])
        else:
            writer.writerows([classes[k]] for k in predicted)
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        _write_files([(output, buffer.getvalue().encode("utf-8"), "predictions file")])
        print(f"wrote {output}: {table.n_rows} predictions")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a saved model on a labelled CSV file: accuracy, loss and the confusion matrix, or R² and RMSE."""
    net = _load_model(args.model)
    table = read_table(args.data)
    table.index(args.target)
    names = _model_features(net, table, args.target)
    if args.target in names:
        raise CommandError(f"{args.data}: column {args.target!r} is one of the model's features, "
                           "not its target")
    X = _standardize(net, _features(table, names))
    label = f"{args.data} ({table.n_rows} rows)"
    if _task_of(net) == "regression":
        y = table.numbers(args.target, hint="; a regression target must be numeric")
        print(_metric_line(label, _regression_scores(net, X, y)))
        return 0
    classes = _classes_of(net)
    k = table.class_indices(args.target, classes, whose="the model's")
    scores, predicted = _classification_scores(net, X, k)
    print("\n".join([_metric_line(label, scores), *_confusion_lines(k, predicted, classes)]))
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
                     "step by step, and training on your own CSV data.", epilog=EXIT_STATUSES)
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
    explain.add_argument("--iteration", type=_int_option(1, 1_000_000), default=1, metavar="N",
                         help="tell the N-th iteration, after N-1 plain ones (default 1; at most 1000000)")
    explain.add_argument("--pitfalls", action="store_true",
                         help="instead, train the network 1500 iterations rightly and in four wrong ways "
                         "(σ applied twice, no biases, the update's sign flipped, a learning rate 50 times "
                         "larger) and show their losses")
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
        description="Train a network on a CSV file with a header row, its cells separated by commas, "
        "semicolons or tabs (the grammar of playwithnn.tabular). Numeric features are "
        "standardized, the scaling stored in the model file. The task is classification when the "
        f"target holds text or at most {MAX_INTEGER_CLASSES} distinct integers, else regression "
        "(whose target is standardized too, and predictions scaled back).", epilog=EXIT_STATUSES)
    train.add_argument("data", metavar="DATA.csv")
    train.add_argument("--target", required=True, metavar="COLUMN", help="the column to predict")
    train.add_argument("--output", required=True, metavar="MODEL.npz", help="the model file to write")
    train.add_argument("--hidden", type=_positive_int, nargs="*", default=[16, 16], metavar="WIDTH",
                       help="hidden layer widths (default 16 16; none for a linear model)")
    train.add_argument("--activation", default="relu",
                       choices=[name for name, a in ACTIVATIONS.items() if a.hidden],
                       help="hidden activation (default relu)")
    train.add_argument("--optimizer", default="adam", choices=list(OPTIMIZERS), help="default adam")
    # The options of fit are parsed here and checked by FitOptions (see _fit_options).
    train.add_argument("--learning-rate", type=_number, metavar="η",
                       help="step size (default 0.01 for adam, 0.1 for sgd and gd)")
    train.add_argument("--epochs", type=_integer, default=200, help="default 200")
    train.add_argument("--batch-size", type=_integer, default=32, help="default 32")
    train.add_argument("--l2", type=_number, default=0.0, help="L2 penalty (default 0)")
    train.add_argument("--dropout", type=_number, default=0.0, help="dropout rate in [0, 1) (default 0)")
    train.add_argument("--validation-split", type=_number, default=0.2,
                       help="fraction of rows held out for validation, in [0, 1) (default 0.2)")
    train.add_argument("--patience", type=_integer,
                       help="stop after this many epochs without a better validation loss")
    train.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
    train.add_argument("--chunk-rows", type=_positive_int, metavar="N",
                       help="read the file N rows at a time and train chunk by chunk, in memory bounded "
                       "by N rather than by the file: a first pass takes the scaling, then each epoch is "
                       "a pass (rows shuffled within a chunk; each row held out for validation by a draw "
                       "from the seed; no --patience)")
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
                              description="Print accuracy, loss and the confusion matrix "
                              "(classification) or R² and root mean squared error (regression).")
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
    other error (one line too), 130 when interrupted by Ctrl-C and 143 by SIGTERM
    (``train`` saves the model trained so far first; see :data:`EXIT_STATUSES`).
    """
    parser = build_parser()
    command = PROG
    # The command line handles Ctrl-C and SIGTERM itself (_StopRequest): Arrow, which reads
    # the CSV files, would otherwise swap in its own SIGINT handler while it reads, and
    # cancel the read instead of letting the run stop and save.
    tabular.disable_reader_interruption()
    try:
        with _signal_handlers({signal.SIGTERM: _raise_terminated}):
            args, extra = parser.parse_known_args(argv)
            command = f"{PROG} {args.command}"
            if extra:  # reported by the subcommand, whose help lists what it accepts
                args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
            return int(args.func(args))
    except (CommandError, TableError) as exc:  # a TableError names the file, line and cell
        message = str(exc)
        if not message.startswith(PROG):
            message = f"{command}: error: {message}"
        print(message, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as _Terminated
        terminated = isinstance(exc, _Terminated)
        print(f"{command}: {'terminated (SIGTERM)' if terminated else 'interrupted'}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
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


__all__ = ["CommandError", "build_parser", "main", "read_table"]
