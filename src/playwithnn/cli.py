"""The ``playwithnn`` command line.

::

    playwithnn demo [--iterations N | --compare N N ...] [--faithful] [--seed S] [--output PNG] [--show]
    playwithnn explain [--seed S] [--faithful] [--learning-rate η] [--decimals D] [--iteration N] [--pitfalls]
    playwithnn datasets NAME [--output CSV] [--samples N] [--noise X] [--seed S]
    playwithnn train DATA.csv --target COLUMN --output MODEL.npz [options]
    playwithnn predict MODEL.npz DATA.csv [--output CSV] [--probabilities] [--keep COLUMN ...]
    playwithnn evaluate MODEL.npz DATA.csv --target COLUMN
    playwithnn export MODEL.npz OUT.onnx|OUT.py [--format {onnx,numpy}] [--dtype D] [--opset N]
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
import os
import re
import shlex
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
from ._validation import (
    check_int_in_range,
    check_number_in_range,
    describe_range,
    name_list,
    shorten,
    unknown_name,
)
from .diagnostics import TrainingWarning
from .tabular import MAX_INTEGER_CLASSES, TASKS, Table, TableError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .model import Model
    from .network import NeuralNetwork
    from .preprocessing import Preprocessing
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
    """An argument parser whose errors are one line, raised rather than printed and exited.

    It takes no abbreviation of a long option (``allow_abbrev=False``), for itself
    and every subcommand's parser: ``--drop id`` must never be read as ``--dropout``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

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


# -------------------------------------------------------------------- scores
def _metric_line(label: str, scores: dict[str, float]) -> str:
    """``label: accuracy 0.9750  loss 0.0812``: scores to 4 places, losses and errors to 4 digits."""
    return f"{label}: " + "  ".join(f"{k} {v:.4f}" if k in ("accuracy", "R²") else f"{k} {v:.4g}"
                                    for k, v in scores.items())


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


def _confusion_lines(k: NDArray[np.int64], predicted: NDArray[np.intp], classes: Sequence[str]
                     ) -> list[str]:
    """The confusion matrix as aligned lines: a row per true class, a column per predicted one.

    Columns are headed by the classes' labels; when one is longer than
    :data:`MAX_LABEL_WIDTH`, by numbers instead, each row then starting with its
    class's number and its whole label (labels cut short could no longer be told
    apart: ``"Alpha Romeo Giulia 2019"`` and ``"Alpha Romeo Giulia 2020"``).
    """
    C = metrics.confusion_matrix(k, predicted, n_classes=len(classes))
    numbered = any(len(c) > MAX_LABEL_WIDTH for c in classes)
    if numbered:
        heads = [f"[{j + 1}]" for j in range(len(classes))]
        names = [f"{head} {c}" for head, c in zip(heads, classes)]
        title = "confusion matrix (rows: true class, columns: predicted class, by its number):"
    else:
        heads = names = list(classes)
        title = "confusion matrix (rows: true class, columns: predicted class):"
    left = max(len(n) for n in names)
    digits = len(str(int(C.max(initial=0))))
    widths = [max(len(h), digits) for h in heads]
    lines = [title, "  " + " " * left + "".join(f"  {h:>{w}}" for h, w in zip(heads, widths))]
    for name, row in zip(names, C):
        lines.append(f"  {name:<{left}}" + "".join(f"  {int(v):>{w}}" for v, w in zip(row, widths)))
    return lines


def _class_report_lines(k: NDArray[np.int64], predicted: NDArray[np.intp], classes: Sequence[str]
                        ) -> list[str]:
    """Precision, recall, F1 and support of each class, and their averages, as aligned lines.

    As scikit-learn's ``classification_report``: the scores of
    :func:`playwithnn.metrics.precision_recall_f1` for the true class indices ``k``
    and the ``predicted`` ones (0 where undefined), to 4 places; the support is a
    class's number of rows. ``macro avg`` is the plain mean over the classes,
    ``weighted avg`` the mean weighted by support.
    """
    precision, recall, f1, support = metrics.precision_recall_f1(k, predicted, n_classes=len(classes))
    scores = np.column_stack([precision, recall, f1])  # (n_classes, 3)
    total = int(support.sum())
    rows = [(c, s, int(n)) for c, s, n in zip(classes, scores, support)]  # whole labels
    rows += [("macro avg", scores.mean(axis=0), total), ("weighted avg", support @ scores / total, total)]
    left = max(len("class"), *(len(name) for name, _, _ in rows))
    headers = ("precision", "recall", "F1")
    widths = [max(len(h), 6) for h in headers]  # 6: "0.9750"
    n_width = max(len("support"), len(str(total)))
    lines = ["precision, recall and F1 per class (support: its rows in the file):",
             f"  {'class':<{left}}" + "".join(f"  {h:>{w}}" for h, w in zip(headers, widths))
             + f"  {'support':>{n_width}}"]
    for name, values, n in rows:
        lines.append(f"  {name:<{left}}" + "".join(f"  {v:>{w}.4f}" for v, w in zip(values, widths))
                     + f"  {n:>{n_width}}")
    return lines


def _value_scores(y: NDArray[np.float64], predicted: NDArray[np.float64]) -> dict[str, float]:
    """R², RMSE and MAE of a regressor's ``predicted`` values against ``y``, in the target's units."""
    return {"R²": metrics.r2_score(y, predicted), "RMSE": metrics.rmse(y, predicted),
            "MAE": metrics.mean_absolute_error(y, predicted)}


# --------------------------------------------------------------------- train
#: The options of ``train`` that are options of ``fit``: FitOptions' field and the option's name.
FIT_OPTIONS = {"epochs": "--epochs", "learning_rate": "--learning-rate", "optimizer": "--optimizer",
               "batch_size": "--batch-size", "l2": "--l2", "dropout": "--dropout",
               "validation_split": "--validation-split", "patience": "--patience"}
#: A confusion matrix whose labels are all at most this long is headed by them, else by numbers.
MAX_LABEL_WIDTH = 16
#: Epochs without a better validation loss before ``train`` stops, when ``--patience`` is not given.
DEFAULT_PATIENCE = 10
#: A column of text with more distinct values than this is refused, whatever the number of rows: each
#: category is an input of the network, a dense column of float64 per row (1500 zip codes on 200 000 rows
#: would be 2.4 GB), and so many are an ID, free text or a code to group first.
MAX_CATEGORIES = 100
#: Feature names that say "row ID" (with all-distinct values), as pandas and databases write them.
ID_NAMES = re.compile(r"id|index|.*_id|unnamed: 0", re.IGNORECASE)
#: Added to the message of a text cell in a column whose other cells are numbers.
NUMBERS_HINT = "; the column holds numbers (a missing value is an empty cell, NaN, NA, ...)"


def _patience(args: argparse.Namespace) -> int | None:
    """The patience ``fit`` gets: ``None`` for no early stopping.

    Early stopping is on by default when rows are held out for validation;
    ``--patience 0`` turns it off. A streamed run (``--chunk-rows``) does not stop early.
    """
    if args.patience is not None:
        return args.patience or None
    if args.chunk_rows is not None or args.validation_split == 0:
        return None
    return DEFAULT_PATIENCE


def _verbosity(args: argparse.Namespace) -> int:
    """``fit``'s ``verbose``: a progress bar on a terminal, nothing where standard error is a pipe or
    a file (whoever reads it gets the summary lines only); ``--verbose`` a line per epoch anywhere."""
    if args.quiet:
        return 0
    if args.verbose:
        return 2
    return 1 if sys.stderr.isatty() else 0


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
            validation_split=args.validation_split, patience=_patience(args), verbose=_verbosity(args),
        )
    except (TypeError, ValueError) as exc:
        fields = re.compile(r"\b(" + "|".join(FIT_OPTIONS) + r")\b")
        raise CommandError(fields.sub(lambda m: FIT_OPTIONS[m[1]], str(exc))) from None


def _notice(message: str) -> None:
    """One line on standard error, ``notice: ...``: about the data, so ``--quiet`` keeps it."""
    print(f"notice: {message}", file=sys.stderr)


def _feature_names(args: argparse.Namespace, names: Sequence[str]) -> list[str]:
    """The feature columns among the file's ``names``: ``--features`` in its order, or every column
    but the target and those of ``--drop``."""
    for option, chosen in (("--features", args.features), ("--drop", args.drop)):
        for name in chosen or ():
            if name not in names:
                raise CommandError(f"{args.data}: {option}: {unknown_name(name, names)}")
            if name == args.target:
                raise CommandError(f"{option} names the target {shorten(name, 40)!r}; the target is never "
                                   f"a feature: leave it out of {option}")
            if chosen.count(name) > 1:
                raise CommandError(f"{option} names {shorten(name, 40)!r} more than once")
    if args.features is not None:
        return list(args.features)
    dropped = set(args.drop or ())
    features = [name for name in names if name != args.target and name not in dropped]
    if not features:
        also = " and those of --drop" if dropped else ""
        raise CommandError(f"{args.data}: no feature columns besides the target {args.target!r}{also}")
    return features


def _leave_out(args: argparse.Namespace, name: str) -> str:
    """How to leave the feature ``name`` out: by ``--drop``, or, when ``--features`` chose them, out of it."""
    if args.features is not None:
        return "leave it out of --features"
    return f"leave it out with --drop {shlex.quote(name)}"


def _looks_like_a_number(text: str) -> bool:
    """Whether a cell was meant as a number: what ``float`` reads (``1_000``, ``inf``, ``1e999`` too)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _row_id_reason(name: str, values: NDArray[Any], n_distinct: int, any_missing: bool) -> str | None:
    """Why a feature column looks like a row ID rather than a measurement, or ``None``.

    Integers all different that run from one to the next (pandas' index 0 .. n-1)
    or only go up; text all different; or a name such as ``id``, ``index``,
    ``user_id`` or ``Unnamed: 0`` with all-different values. ``n_distinct`` is
    the number of distinct values, ``any_missing`` whether one is missing.
    """
    n = len(values)
    if n < 3 or any_missing or n_distinct != n:
        return None
    if values.dtype.kind != "f":
        return "its values are all different texts"
    low, high = float(values.min()), float(values.max())
    if (values == np.round(values)).all():
        if high - low == n - 1:
            return f"its values are the integers {_format_number(low)} to {_format_number(high)}, each once"
        if (np.diff(values) > 0).all():
            return "its values are all-different integers in increasing order"
    if ID_NAMES.fullmatch(name):
        return "its name says so, and its values are all different"
    return None


def _feature_columns(args: argparse.Namespace, table: Table, names: Sequence[str]
                     ) -> tuple[dict[str, NDArray[Any]], dict[str, NDArray[np.bool_]], list[str]]:
    """The feature columns as :meth:`Table.values` gives them, checked for what training needs; where
    each is missing; and the notices to give about them.

    Refuses (one line naming the file, line and column) a cell of text in a
    column whose other cells are mostly numbers (a typo, not a category), a
    column of text with more than :data:`MAX_CATEGORIES` distinct values, and
    without ``--impute`` a missing value. A notice tells of a column that looks
    like a row ID; the caller gives it once the data has passed every check, so
    that a refusal stays one line. Each column's distinct values are found once.
    """
    from .preprocessing import distinct_values

    columns = {name: table.values(name) for name in names}
    missing_of: dict[str, NDArray[np.bool_]] = {}
    notices = []
    first_missing: tuple[int, str] | None = None
    for name, values in columns.items():
        if values.dtype.kind == "f":
            missing = np.isnan(values)
            n_distinct = int(np.unique(values).size) if not missing.any() else 0
        else:
            distinct, inverse = distinct_values(values)
            is_missing = np.array([tabular.is_missing(str(v)) for v in distinct], dtype=bool)
            missing = is_missing[inverse]
            counts = np.bincount(inverse, minlength=len(distinct))
            n_present = int(counts[~is_missing].sum())
            numbers = sum(int(c) for v, c, gone in zip(distinct, counts.tolist(), is_missing)
                          if not gone and _looks_like_a_number(str(v)))
            if n_present and 2 * numbers >= n_present:
                table.numbers_or_missing(name, hint=NUMBERS_HINT)  # raises at the first that is not one
            n_distinct = int((~is_missing).sum())
            if n_distinct > MAX_CATEGORIES:
                raise CommandError(
                    f"{table.source}, column {shorten(name, 40)!r}: {n_distinct} different texts in "
                    f"{table.n_rows} rows, too many to be categories (at most {MAX_CATEGORIES}, each an "
                    f"input of the network; it looks like an ID, free text or a code); "
                    f"{_leave_out(args, name)}")
        missing_of[name] = missing
        if missing.any() and (first_missing is None or int(np.argmax(missing)) < first_missing[0]):
            first_missing = int(np.argmax(missing)), name
        reason = _row_id_reason(name, values, n_distinct, bool(missing.any()))
        if reason is not None:
            notices.append(f"column {shorten(name, 40)!r} looks like a row ID ({reason}); it is a feature, "
                           f"which rarely helps a model; {_leave_out(args, name)}")
    if first_missing is not None and args.impute is None:
        row, name = first_missing
        values = columns[name]
        cell = ""
        if values.dtype.kind == "f":  # "", "NA", "NaN", ...: only the file's text says which
            try:
                table.numbers(name)
            except TableError as exc:
                cell = exc.cell or ""
        else:
            cell = str(values[row])
        raise TableError(table.source, f"the cell is {tabular.missing_name(cell)}; fill or remove "
                         "missing values first, or let --impute fill them in (mean, median or "
                         "most_frequent)", line=int(table.lines[row]), column=name,
                         position=table.index(name) + 1, cell=cell)
    return columns, missing_of, notices


@contextmanager
def _preprocessing_errors(table: Table, rows: NDArray[np.intp] | None = None) -> Iterator[None]:
    """A :class:`~playwithnn.preprocessing.PreprocessingError` about ``table``'s rows ``rows`` (all of
    them if ``None``) as the file's one line, a ValueError of the fit as a CommandError."""
    from .preprocessing import PreprocessingError

    try:
        yield
    except PreprocessingError as err:
        i = err.row if rows is None else int(rows[err.row])
        raise TableError(table.source, err.problem, line=int(table.lines[i]), column=err.feature,
                         position=table.index(err.feature) + 1) from None
    except ValueError as exc:  # a feature with no value at all in the rows
        raise CommandError(f"{table.source}: {exc}; fill it in, or leave it out with --drop") from None


def _fit_preprocessing(table: Table, columns: dict[str, NDArray[Any]], rows: NDArray[np.intp],
                       impute: str | None) -> Preprocessing:
    """The preprocessing learnt from the rows ``rows`` (the training rows) of the feature ``columns``.

    Numbers are standardised, text one-hot encoded (its categories those of these
    rows; a category they lack is all zeros, as ``handle_unknown="ignore"``). With
    ``impute``, every feature gets a value to fill a hole with, learnt from these
    rows, even one without holes in them: a validation row, or a row to predict,
    may have one there.
    """
    from .preprocessing import Preprocessing

    train = {name: values[rows] for name, values in columns.items()}
    with _preprocessing_errors(table, rows):
        return Preprocessing.fit(train, impute=impute, impute_all=True, unknown="ignore")


def _class_values(labels: Sequence[str]) -> list[str | int | float]:
    """The classes as a model keeps them: numbers when every label is one (so that Python gets back
    the 0, 1, 2 of a column of integers, as from scikit-learn), else the labels' text."""
    if not all(tabular.is_number(label) for label in labels):
        return list(labels)
    values = [float(label) for label in labels]
    return [int(v) if v.is_integer() and abs(v) < 2**53 else v for v in values]


def _inputs_note(pre: Preprocessing, filled: int, impute: str | None) -> str:
    """``13 inputs from 10 features, 2 of them one-hot; `` (or ``""``): what the network's inputs are."""
    one_hot = sum(e.categories is not None for e in pre.encodings)
    notes = []
    if one_hot:
        notes.append(f"{pre.n_inputs} inputs from {len(pre.features)} features, {one_hot} of them one-hot")
    if filled:
        notes.append(f"{filled} missing cell{'s' if filled > 1 else ''} filled in ({impute})")
    return "".join(f"{note}; " for note in notes)


def _trained_scores(model: Model, truth: NDArray[Any], *, X: NDArray[np.float64], raw: Any
                    ) -> dict[str, float]:
    """A model's scores as ``evaluate`` gives them: accuracy and loss of the network inputs ``X``
    against the class indices ``truth``, or R², RMSE and MAE of ``model.predict(raw)`` (the raw rows)
    against the target's values, in its units."""
    if model.classes is not None:
        return _classification_scores(model.network, X, truth)[0]
    return _value_scores(truth, model.predict(raw))


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on a CSV file and save it as a model: the network and its preprocessing."""
    from .model import Model
    from .network import NeuralNetwork
    from .training import TrainingDivergedError, holdout_split

    options = _fit_options(args)
    _check_device(args.device)  # before any file is read
    if args.chunk_rows is not None:
        return _train_streamed(args, options)
    if args.refit and options.patience is None:
        raise CommandError("--refit trains again for the best number of epochs, which early stopping finds: "
                           "it needs --validation-split above 0, and no --patience 0")
    table = read_table(args.data)
    table.index(args.target)  # a missing column is the first thing to hear about
    output = _check_output_path(args.output, "model file")
    plot_path = None if args.plot is None else _check_figure_path(args.plot)
    outputs = [("model file", output)] + ([("figure", plot_path)] if plot_path is not None else [])
    _check_distinct(outputs, [("data file", args.data)])
    feature_names = _feature_names(args, table.names)
    columns, missing_of, notices = _feature_columns(args, table, feature_names)
    task = args.task or table.infer_task(args.target)
    n = table.n_rows

    k: NDArray[np.int64] | None = None
    if task == "classification":
        row_labels = table.labels(args.target)
        labels = tabular.sort_classes(row_labels)
        if len(labels) < 2:
            raise CommandError(
                f"{args.data}, column {args.target!r}: only one class ({labels[0]!r}); "
                "classification needs at least two"
            )
        index = {label: j for j, label in enumerate(labels)}
        k = np.array([index[label] for label in row_labels], dtype=np.int64)
        n_out = 1 if len(labels) == 2 else len(labels)
        loss = "binary_crossentropy" if len(labels) == 2 else "categorical_crossentropy"
        Y_all = k.reshape(-1, 1).astype(np.float64) if n_out == 1 else np.eye(n_out)[k]
        truth: NDArray[Any] = k
    else:
        truth = y = table.numbers(args.target, hint="; a regression target must be numeric")
        n_out, loss = 1, "mse"

    def model_of(rows: NDArray[np.intp], rng: np.random.Generator
                 ) -> tuple[Model, NDArray[np.float64], NDArray[np.float64]]:
        """A fresh network with the preprocessing (and target scaling) of ``rows``: the model, and
        every row's inputs X and targets Y."""
        pre = _fit_preprocessing(table, columns, rows, args.impute)
        with _preprocessing_errors(table):
            X = pre.transform(columns)
        try:
            net = NeuralNetwork([pre.n_inputs, *args.hidden, n_out], activation=args.activation,
                                loss=loss, seed=rng, device=args.device)
        except (TypeError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        if task == "classification":
            return Model(net, pre, task=task, classes=_class_values(labels), target=args.target), X, Y_all
        y_mean, y_scale = float(y[rows].mean()), float(y[rows].std()) or 1.0
        model = Model(net, pre, task=task, target=args.target, target_mean=y_mean, target_scale=y_scale)
        return model, X, ((y - y_mean) / y_scale).reshape(-1, 1)

    rng = np.random.default_rng(args.seed)
    train_idx, val_idx = np.arange(n), np.arange(0)
    if options.validation_split > 0:
        try:
            train_idx, val_idx = holdout_split(n, options.validation_split, rng, stratify=k,
                                               name="--validation-split")
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    n_val = len(val_idx)
    model, X, Y = model_of(train_idx, rng)
    net = model.network
    filled = sum(int(missing.sum()) for missing in missing_of.values()) if args.impute else 0
    hidden = f"{args.activation} hidden layers" if args.hidden else "no hidden layer"
    for notice in notices:
        _notice(notice)
    if not args.quiet:
        print(f"training a {'-'.join(map(str, net.layer_sizes))} network "
              f"({_inputs_note(model.preprocessing, filled, args.impute)}{hidden}, "
              f"{net.output_activation} output, {loss}) on {len(train_idx)} rows of {args.data}"
              f" for {task}" + (f", validating on {n_val}" if n_val else ""), flush=True)
    # The rows were split above, by holdout_split as fit would: fit gets them as validation_data.
    fit_arguments = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)
                     if f.name != "validation_split"}
    refit: tuple[Model, History, NDArray[np.float64]] | None = None
    try:
        # SIGTERM stops after the current batch, as Ctrl-C does; what fit diagnoses becomes a notice.
        with _StopRequest() as stop_request, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TrainingWarning)
            history = net.fit(X[train_idx], Y[train_idx],
                              validation_data=(X[val_idx], Y[val_idx]) if n_val else None,
                              **fit_arguments)
            if args.refit and not history.interrupted and history.best_epoch:
                # A fresh network with the same seed, on every row, for the best epoch count.
                all_rows = np.arange(n)
                refit_model, X_all, Y_refit = model_of(all_rows, np.random.default_rng(args.seed))
                refit_history = refit_model.network.fit(
                    X_all, Y_refit, **(fit_arguments | {"epochs": history.best_epoch, "patience": None}))
                refit = refit_model, refit_history, X_all
    except TrainingDivergedError as exc:
        raise CommandError(f"{str(exc).rstrip('.')}; nothing was written") from None
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None

    net.metadata = {"history": {"epochs": history.epochs, "seconds": history.seconds,
                                "best_epoch": history.best_epoch, "stopped_early": history.stopped_early}}
    lines = [_trained_line(history, stop_request)]
    def rows_of(rows: NDArray[np.intp]) -> dict[str, NDArray[Any]]:
        return {name: values[rows] for name, values in columns.items()}

    scored = [("train", model, X, train_idx), ("validation", model, X, val_idx)]
    saved, interrupted, plotted_rows = model, history.interrupted, train_idx
    if refit is not None:
        refit_model, refit_history, X_all = refit
        epochs = refit_history.epochs
        if refit_history.interrupted:
            lines.append(f"refit: interrupted after {epochs} epoch{'s' if epochs != 1 else ''}; the model "
                         "saved is the early-stopped one")
            interrupted = True
        else:
            lines.append(f"refit: trained a fresh network with the same seed on all {n} rows for "
                         f"{epochs} epochs (the best epoch count) in {refit_history.seconds:.2f} s: the "
                         "model saved; train: scores it on all rows, validation: the early-stopped network "
                         f"on the {n_val} rows it held out")
            refit_model.network.metadata = {"history": {
                "epochs": epochs, "seconds": refit_history.seconds, "refit": True,
                "early_stopped_run": net.metadata["history"]}}
            scored[0] = ("train", refit_model, X_all, np.arange(n))
            saved, plotted_rows = refit_model, np.arange(n)
    for label, scored_model, X_of_model, rows in scored[:2 if n_val else 1]:
        lines.append(_metric_line(label, _trained_scores(scored_model, truth[rows], X=X_of_model[rows],
                                                         raw=rows_of(rows))))
    for warning in caught:
        if issubclass(warning.category, TrainingWarning):
            lines.append(f"notice: {warning.message}")
        else:  # not ours to turn into a notice: passed on as it came
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)

    def figure() -> Figure:
        X_raw = None
        if all(columns[f].dtype.kind == "f" for f in feature_names):
            X_raw = np.column_stack([columns[f][plotted_rows] for f in feature_names])
        return _training_figure(saved, history, X_raw, None if k is None else k[plotted_rows])

    return _save_trained(saved, interrupted, stop_request, [] if args.quiet else lines, output, plot_path,
                         figure)


def _check_device(device: str) -> None:
    """``--device``: a ``cuda`` that this machine cannot give is bad input, said in one line."""
    from ._arrays import placement

    try:
        placement(device)
    except (ImportError, RuntimeError) as exc:
        raise CommandError(f"--device {device}: {exc}") from None


def _trained_line(history: History, stop_request: _StopRequest) -> str:
    """``trained 12 epochs in 3.40 s``, and how training stopped, and which epoch's weights it kept."""
    stop = ""
    if history.interrupted:
        stop = ", interrupted" + (" by SIGTERM" if stop_request.signum == signal.SIGTERM else "")
    elif history.stopped_early:
        stop = f", stopped early and kept epoch {history.best_epoch}"
    elif history.best_epoch is not None and history.best_epoch != history.epochs:
        stop = f", kept epoch {history.best_epoch} (the best)"
    epochs = "1 epoch" if history.epochs == 1 else f"{history.epochs} epochs"
    return f"trained {epochs} in {history.seconds:.2f} s{stop}"


def _save_trained(model: Model, interrupted: bool, stop_request: _StopRequest, lines: list[str],
                  output: Path, plot_path: Path | None, figure: Callable[[], Figure]) -> int:
    """Write the model (and the figure), then print ``lines`` and what was written; the exit status."""
    from ._arrays import to_numpy
    from ._modelfile import encode

    # Everything is prepared before the first byte is written: the model file's
    # content is checked and laid out, the figure drawn and rendered in memory.
    net = model.network
    try:
        content = encode(net.get_config(), [to_numpy(p) for p in net.parameters()], net.metadata,
                         model.to_json())
    except (TypeError, ValueError) as exc:
        raise CommandError(f"cannot save the model: {exc}; nothing was written") from None
    files: list[tuple[Path, _files.Content, str]] = [(output, content, "model file")]
    if plot_path is not None:
        files.append((plot_path, _figure_bytes(figure(), plot_path), "figure"))
    _write_files(files)  # before the metrics are printed: a closed pipe must not lose the model
    for line in lines:
        print(line)
    for path, _, _ in files:
        print(f"wrote {path}")
    if not interrupted:
        return 0
    # The model of the batches so far is saved, but the run did not finish: a script must not
    # take it for a success.
    by = " (SIGTERM)" if stop_request.signum == signal.SIGTERM else ""
    print(f"{PROG} train: interrupted{by}; the model trained so far is saved in {output}", file=sys.stderr)
    return stop_request.status()


def _training_figure(model: Model, history: Any, X_raw: NDArray[np.float64] | None,
                     k: NDArray[np.int64] | None) -> Figure:
    """The learning curves, and for a classifier of two numeric features whose rows are at hand
    (``X_raw``, raw values) the decision boundary, through the model's own preprocessing."""
    from matplotlib.figure import Figure

    from .plotting import plot_decision_boundary, plot_history

    n_curves = 2 if history.accuracy else 1
    boundary = k is not None and X_raw is not None and X_raw.shape[1] == 2 and model.classes is not None
    n_panels = n_curves + int(boundary)
    fig = Figure(figsize=(5.2 * n_panels, 4.4), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(1, n_panels)))
    plot_history(history, axes=axes[:n_curves])
    if boundary and k is not None and X_raw is not None and model.classes is not None:
        whole = ~np.isnan(X_raw).any(axis=1)  # rows with a hole (filled in by --impute) are not drawn
        plot_decision_boundary(model.network, X_raw[whole], k[whole], ax=axes[-1], transform=model.transform,
                               class_names=[str(c) for c in model.classes],
                               feature_names=list(model.features))
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


#: Added to the message of a feature cell that is not a number, in a streamed run.
STREAM_HINT = "; --chunk-rows reads numeric features only (without it, a column of text is one-hot encoded)"


def _streamed_arrays(chunk: Table, model: Model, classes: Sequence[str]
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[Any]]:
    """A chunk as the network takes it: ``X`` of shape (n_rows, n_features), standardized by the
    model's preprocessing; ``Y`` of shape (n_rows, n_outputs); and the truth to score against (class
    indices in ``classes``, the labels' text, or the target's values)."""
    X = model.transform(chunk.matrix(model.features, hint=STREAM_HINT))  # raw: numbers in order
    target = str(model.target)
    n_out = model.network.n_outputs
    if model.classes is not None:
        k = chunk.class_indices(target, classes)
        Y = k.reshape(-1, 1).astype(np.float64) if n_out == 1 else np.eye(n_out)[k]
        return X, Y, k
    y = chunk.numbers(target, hint="; a regression target must be numeric")
    return X, ((y - model.target_mean[0]) / model.target_scale[0]).reshape(-1, 1), y


def _train_streamed(args: argparse.Namespace, options: FitOptions) -> int:
    """``train --chunk-rows N``: train on a CSV file read N rows at a time, in memory bounded by N.

    A first pass over the file takes the statistics that scale the data (each
    feature's mean and standard deviation and the target's, over the rows not held
    out; the classes, over all rows) and counts the rows held out for validation:
    each row is held out with probability ``--validation-split``, by a draw from
    the seed and the row's index (:func:`_row_draws`), so the same rows in every
    epoch. Features must be numbers, without holes. Each
    epoch is then one more pass: the rows of each chunk that are not held out are
    one ``fit(..., epochs=1)`` (shuffled within the chunk), with one optimizer
    object, which keeps its state (Adam's moments) from chunk to chunk. The
    validation loss after each epoch is that of a uniform sample of the held-out
    rows, at most ``max(N, STREAM_VALIDATION_ROWS)`` of them, kept from the first epoch.
    It does not stop early: every epoch is run.
    """
    from .metrics import n_correct
    from .model import Model
    from .network import NeuralNetwork
    from .preprocessing import Encoding, Preprocessing
    from .training import History, TrainingDivergedError

    for given, option in ((args.patience, "--patience"), (args.refit, "--refit"),
                          (args.impute, "--impute")):
        if given:
            why = ("reads numeric features without missing values" if option == "--impute"
                   else "does not stop early")
            raise CommandError(f"{option} is not available with --chunk-rows: a streamed run {why}; "
                               "leave one of them out")
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
    feature_names = _feature_names(args, first.names)
    fraction = options.validation_split

    # The first pass: scaling, classes and the rows held out.
    features, target = _Moments(len(feature_names)), _Moments(1)
    labels: set[str] | None = None if args.task == "regression" else set()
    text = False  # whether the target holds a label that is not a number
    n_rows = n_held = 0
    for chunk in itertools.chain([first], chunks):
        kept = (_row_draws(args.seed, 0, n_rows, chunk.n_rows) >= fraction if fraction
                else np.ones(chunk.n_rows, dtype=bool))
        features.add(chunk.matrix(feature_names, hint=STREAM_HINT)[kept])
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
            y = chunk.numbers(args.target, hint="; a regression target must be numeric")
            target.add(y[kept, None])
        n_held += int((~kept).sum())
        n_rows += chunk.n_rows
    if fraction and not 0 < n_held < n_rows:
        raise CommandError(f"--validation-split={fraction} held out {n_held} of {n_rows} rows; it needs at "
                           "least 1 and must leave at least 1 for training")
    task = args.task or ("classification" if labels is not None and tabular.infer_task(labels) ==
                         "classification" else "regression")
    scale = features.std()
    scale[scale == 0] = 1.0  # a constant column stays constant (zero) rather than dividing by 0
    preprocessing = Preprocessing(feature_names, [
        Encoding(name, mean=[m], scale=[s])
        for name, m, s in zip(feature_names, features.mean.tolist(), scale.tolist())])
    classes: list[str] = []
    if task == "classification":
        classes = tabular.sort_classes(labels or ())
        if len(classes) < 2:
            raise CommandError(f"{args.data}, column {args.target!r}: only one class ({classes[0]!r}); "
                               "classification needs at least two")
        n_out = 1 if len(classes) == 2 else len(classes)
        loss = "binary_crossentropy" if len(classes) == 2 else "categorical_crossentropy"
    else:
        n_out, loss = 1, "mse"

    rng = np.random.default_rng(args.seed)
    try:
        net = NeuralNetwork([len(feature_names), *args.hidden, n_out], activation=args.activation,
                            loss=loss, seed=rng, device=args.device)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    if task == "classification":
        model = Model(net, preprocessing, task=task, classes=_class_values(classes), target=args.target)
    else:
        model = Model(net, preprocessing, task=task, target=args.target, target_mean=float(target.mean[0]),
                      target_scale=float(target.std()[0]) or 1.0)
    reservoir = _Reservoir(min(n_held, max(rows, STREAM_VALIDATION_ROWS)))
    hidden = f"{args.activation} hidden layers" if args.hidden else "no hidden layer"
    if not args.quiet:
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
                X, Y, truth = _streamed_arrays(chunk, model, classes)
                held = (_row_draws(args.seed, 0, first_row, chunk.n_rows) < fraction if fraction
                        else np.zeros(chunk.n_rows, dtype=bool))
                if epoch == 1 and held.any():
                    keys = _row_draws(args.seed, 1, first_row, chunk.n_rows)[held]
                    raw = chunk.matrix(model.features, hint=STREAM_HINT)[held]
                    reservoir.offer(keys, X[held], Y[held], truth[held], raw)
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
                X_val, Y_val, _, _ = reservoir.arrays
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
    net.metadata = {"history": {"epochs": history.epochs, "seconds": history.seconds}}

    lines = [_trained_line(history, stop_request)]
    if history.loss:
        train_scores = {"loss": history.loss[-1]} | ({"accuracy": history.accuracy[-1]} if classify else {})
        lines.append(_metric_line("train (last epoch, each batch before its update)", train_scores))
    if reservoir.arrays:
        X_val, _, truth, raw_val = reservoir.arrays
        lines.append(_metric_line(f"validation ({len(truth)} rows)",
                                  _trained_scores(model, truth, X=X_val, raw=raw_val)))
    return _save_trained(model, history.interrupted, stop_request, [] if args.quiet else lines, output,
                         plot_path, lambda: _training_figure(model, history, None, None))


# ------------------------------------------------------------ predict/evaluate
# A model file holds a Model: the network with the preprocessing of raw rows and the class
# labels or the target's scaling (playwithnn.model). The commands give it the file's columns
# by name and let it decide what a cell means: a number, a category, a missing value filled
# in; a cell it cannot read (text in a number column, a category it does not know, a hole
# it has nothing to fill in for) is reported as the file's line and column.
MODEL_HELP = ("The model reads its features by name from the columns of DATA.csv (others are ignored) and "
              "encodes them as it was trained to: numbers scaled, categories one-hot, missing values "
              "filled in where it learnt a value for them. A category it was not trained on is refused "
              "(one line naming the file, line and column), unless the model encodes unknown categories "
              "as all zeros (unknown=\"ignore\", as OneHotEncoder(handle_unknown=\"ignore\"), and every "
              "model trained by the command line), with a notice: on standard error per column.")


def _load_model(path: str) -> Model:
    """Load the model file ``path`` for the command line; a CommandError for anything wrong.

    :func:`playwithnn.io.load` checks the whole file (archive, arrays, checksum
    and the model's description). A network saved on its own is refused: it has
    no feature names and no scaling, so nothing says which columns to give it.
    """
    from .io import ModelFileError, load
    from .model import Model

    try:
        model = load(path)
    except ModelFileError as exc:
        raise CommandError(f"{path}: {exc.reason}") from None
    if not isinstance(model, Model):
        raise CommandError(
            f"{path}: a network saved on its own: it has no feature names or scaling, so the command "
            "line cannot know which columns to give it; save a model instead, with "
            "playwithnn.save(estimator_or_pipeline, path) or "
            "playwithnn.model.Model(net, preprocessing).save(path)")
    if model.classes is None and model.network.n_outputs != 1:
        raise CommandError(f"{path}: a regression model for the command line has one output; this one "
                           f"has {model.network.n_outputs}")
    return model


def _model_inputs(model: Model, table: Table) -> dict[str, NDArray[Any]]:
    """The columns of ``table`` that ``model`` reads, by name, as :meth:`Table.values` gives them.

    Numbers as float64 with NaN for a missing cell, other columns as text: what
    they mean is the model's preprocessing's to say (see :func:`_cells_the_model_reads`).

    Raises
    ------
    CommandError
        If the file lacks one of the model's features: one line naming the file,
        the missing columns and the model's features.
    TableError
        If a column of numbers holds an infinite one.
    """
    from .preprocessing import positional_hint

    present = set(table.names)
    read = model.preprocessing.features_read  # a pipeline may drop a column (an ID) that it was fitted on
    missing = [repr(shorten(f, 24)) for f in read if f not in present]
    if missing:
        lacks = ("none of them" if len(missing) == len(read) > 1 else
                 f"no column{'s' if len(missing) > 1 else ''} {name_list(missing)}")
        raise CommandError(
            f"{table.source}: the model was trained on the features {name_list(list(read))}, "
            f"but the file has {lacks} (its columns: {name_list(table.names)})"
            + positional_hint(model.features, table.names))
    return {f: table.values(f) for f in read}


def _notice_unknown_categories(model: Model, table: Table, columns: dict[str, NDArray[Any]]) -> None:
    """A notice per feature whose cells hold categories the model does not know (all zeros to it)."""
    for feature, (n, n_distinct, examples) in model.preprocessing.unknown_categories(columns).items():
        shown = ", ".join(repr(shorten(e, 24)) for e in examples)
        more = f", ... {n_distinct} in all" if n_distinct > len(examples) else ""
        _notice(f"{table.source}, column {shorten(feature, 40)!r}: {n} row{'s' if n > 1 else ''} "
                f"{'hold' if n > 1 else 'holds'} a category the model was not trained on ({shown}{more}); "
                "the model reads it as none of its categories (all zeros)")


@contextmanager
def _cells_the_model_reads(table: Table) -> Iterator[None]:
    """Report a cell of ``table`` that the model cannot read as the file's one line.

    The model's :class:`~playwithnn.preprocessing.PreprocessingError` (a feature,
    a row counted from 0, the problem) becomes a :class:`TableError`:
    ``FILE, line N, column 'C': problem``, as a bad cell of the file reads.
    """
    from .preprocessing import PreprocessingError

    try:
        yield
    except PreprocessingError as err:
        raise TableError(table.source, err.problem, line=int(table.lines[err.row]), column=err.feature,
                         position=table.index(err.feature) + 1) from None


def _prediction_header(model: Model, keep: Sequence[str], probabilities: bool) -> list[str]:
    """The columns ``predict`` writes: the kept ones, the prediction, and ``p(CLASS)`` per class.

    The prediction is named after the model's target (``prediction`` for a model
    without one), or ``predicted_TARGET`` beside a kept column of the target's name.

    Raises
    ------
    CommandError
        If ``--keep`` names a column twice or one named as a column of predictions,
        or ``--probabilities`` is asked of a regression model.
    """
    repeated = sorted({n for n in keep if list(keep).count(n) > 1})
    if repeated:
        raise CommandError(f"--keep names {name_list([repr(n) for n in repeated])} more than once")
    target = model.target or "prediction"
    if target in keep:  # the file's own target column, kept beside the predictions
        target = f"predicted_{target}"
    predictions = [target]
    if probabilities:
        if model.classes is None:
            raise CommandError("--probabilities is for a classifier; this is a regression model")
        predictions += [f"p({c})" for c in model.classes]
    clash = [name for name in predictions if name in keep]
    if clash:
        raise CommandError(f"--keep {name_list([repr(n) for n in clash])}: the predictions have a column "
                           "of that name")
    return [*keep, *predictions]


def _six_digits(value: float) -> str:
    """A predicted value to 6 significant digits, in fixed-point notation: ``1234570``, ``0.000123457``,
    never ``1.23457e+06`` (a spreadsheet or ``cut`` reads it as written)."""
    return str(np.format_float_positional(value, precision=6, unique=False, fractional=False, trim="-"))


def cmd_predict(args: argparse.Namespace) -> int:
    """Predict every row of a CSV file with a saved model, in the file's order.

    Writes the class label of each row (and with ``--probabilities`` each class's
    probability, to 6 places), or a regressor's value in the target's units, to 6
    significant digits in fixed-point notation (:func:`_six_digits`); ``--keep``
    columns come first, their cells as the file has them. Unknown categories: as
    the model's encoding says (see :data:`MODEL_HELP`), with a notice.
    """
    model = _load_model(args.model)
    table = read_table(args.data)
    output = None if args.output is None else _check_output_path(args.output, "predictions file")
    if output is not None:
        _check_distinct([("predictions file", output)],
                        [("model file", args.model), ("data file", args.data)])
    keep = list(args.keep or [])
    header = _prediction_header(model, keep, args.probabilities)
    kept = [table.cells(name) for name in keep]  # (n_rows,) each, the text as the file has it
    columns = _model_inputs(model, table)
    with _cells_the_model_reads(table):
        predicted = model.predict(columns)
        P = model.predict_proba(columns) if args.probabilities else np.empty((table.n_rows, 0))
    _notice_unknown_categories(model, table, columns)
    values = ([_six_digits(v) for v in predicted.tolist()] if model.classes is None
              else [str(label) for label in predicted.tolist()])
    probabilities = [[f"{p:.6f}" for p in column] for column in P.T.tolist()]
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*kept, values, *probabilities))
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        _write_files([(output, buffer.getvalue().encode("utf-8"), "predictions file")])
        print(f"wrote {output}: {table.n_rows} predictions")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a saved model on a labelled CSV file.

    Classification: accuracy and loss (the network's, on its outputs), the
    confusion matrix, and each class's precision, recall, F1 and support with
    their macro and weighted averages. Regression: R², RMSE and MAE in the
    target's units. Unknown categories: as the model's encoding says (see
    :data:`MODEL_HELP`).
    """
    model = _load_model(args.model)
    table = read_table(args.data)
    table.index(args.target)
    if args.target in model.features:
        raise CommandError(f"{args.data}: column {args.target!r} is one of the model's features, "
                           "not its target")
    columns = _model_inputs(model, table)
    label = f"{args.data} ({table.n_rows} rows)"
    if model.classes is None:
        with _cells_the_model_reads(table):
            predicted_values = model.predict(columns)
        _notice_unknown_categories(model, table, columns)
        y = table.numbers(args.target, hint="; a regression target must be numeric")
        print(_metric_line(label, _value_scores(y, predicted_values)))
        return 0
    with _cells_the_model_reads(table):
        X = model.transform(columns)
    _notice_unknown_categories(model, table, columns)
    classes = [str(c) for c in model.classes]
    k = table.class_indices(args.target, classes, whose="the model's")
    scores, predicted = _classification_scores(model.network, X, k)
    print("\n".join([_metric_line(label, scores), *_confusion_lines(k, predicted, classes),
                     *_class_report_lines(k, predicted, classes)]))
    return 0


# -------------------------------------------------------------------- export
#: What ``export`` writes in each format: what the file is called in messages, and its suffix.
EXPORT_FORMATS = {"onnx": ("ONNX file", ".onnx"), "numpy": ("NumPy script", ".py")}


def cmd_export(args: argparse.Namespace) -> int:
    """Write a model file as an ONNX graph or as a standalone NumPy script (:mod:`playwithnn.export`).

    The format is ``--format``, or else the output's suffix. Everything is checked
    and the file made in memory before it is written, atomically: a failed export
    leaves no file, and an existing one as it was.
    """
    from . import export
    from .io import ModelFileError, load
    from .model import Model

    suffix = Path(args.output).suffix.lower()
    fmt = args.format or next((f for f, (_, known) in EXPORT_FORMATS.items() if known == suffix), None)
    if fmt is None:
        raise CommandError(f"cannot tell the format of {args.output} from its suffix {suffix!r}; name the "
                           "file .onnx or .py, or give --format onnx or --format numpy")
    if fmt == "numpy" and (args.dtype is not None or args.opset is not None):
        raise CommandError(f"{'--dtype' if args.dtype is not None else '--opset'} is an option of "
                           "--format onnx; a NumPy script computes in the network's dtype")
    what = EXPORT_FORMATS[fmt][0]
    output = _check_output_path(args.output, what)
    _check_distinct([(what, output)], [("model file", args.model)])
    try:
        obj = load(args.model)
    except ModelFileError as exc:
        raise CommandError(f"{args.model}: {exc.reason}") from None
    try:
        if fmt == "numpy":
            content = export.to_numpy_script(obj).encode("utf-8")
            detail = "a NumPy script; its predict(X) predicts as the model does"
        else:
            opset = export.ONNX_OPSET if args.opset is None else args.opset
            proto = export.to_onnx(obj, dtype=args.dtype, opset=opset)
            content = proto.SerializeToString()
            dtype = args.dtype or (obj.network if isinstance(obj, Model) else obj).dtype.name
            detail = (f"an ONNX graph (opset {opset}, {dtype}); inputs "
                      f"{name_list([i.name for i in proto.graph.input])}; outputs "
                      f"{name_list([o.name for o in proto.graph.output])}")
    except (ImportError, ValueError) as exc:  # the extra is missing, or a piece cannot be expressed
        raise CommandError(str(exc)) from None
    _write_files([(output, content, what)])
    print(f"wrote {output}: {detail}")
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
        "semicolons or tabs (the grammar of playwithnn.tabular), and save it as a model: the network "
        "with its preprocessing, which predict, evaluate and playwithnn.load(MODEL).predict(rows) "
        "apply to raw rows. Every column but the target is a feature (see --features and --drop). "
        "A column of numbers is standardized; a column of text is one-hot encoded, its categories "
        "sorted (numbers first), a category that the training rows lack encoded as all zeros (a column "
        "whose cells are at least half numbers is numbers, and a cell of text in it an error). "
        "Means, scales, categories and the values that fill holes are learnt from the training "
        "rows only (all rows with --refit). The task is classification when the "
        f"target holds text or at most {MAX_INTEGER_CLASSES} distinct integers, else regression "
        "(whose target is standardized too, and predictions scaled back). A column that looks like "
        "a row ID (all-different integers in order, all-different texts, a name such as id or "
        "Unnamed: 0) gets a notice on standard error, but stays a feature unless --drop leaves it "
        "out.", epilog=EXIT_STATUSES)
    train.add_argument("data", metavar="DATA.csv")
    train.add_argument("--target", required=True, metavar="COLUMN", help="the column to predict")
    chosen = train.add_mutually_exclusive_group()
    chosen.add_argument("--features", nargs="+", action="extend", metavar="COLUMN",
                        help="the feature columns, exactly these, in this order (default: every column "
                        "but the target)")
    chosen.add_argument("--drop", nargs="+", action="extend", metavar="COLUMN",
                        help="leave these columns out: the features are every other column but the target")
    from .preprocessing import IMPUTE_STRATEGIES

    train.add_argument("--impute", choices=IMPUTE_STRATEGIES,
                       help="fill the missing values (empty or NaN cells) of the features: a number with "
                       "the mean or median of its column, or its most frequent value; a text column "
                       "always with its most frequent category. The values are learnt from the training "
                       "rows and saved in the model, which fills holes in the rows it predicts the same "
                       "way. Without it, a missing feature value is an error. A missing target is "
                       "always an error")
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
                       help="fraction of rows held out for validation, in [0, 1) (default 0.2); for "
                       "classification, that share of each class")
    train.add_argument("--patience", type=_non_negative_int, metavar="N",
                       help="early stopping: stop after N epochs without a better validation loss, and "
                       f"keep the weights of the best epoch (default {DEFAULT_PATIENCE}; 0 turns early "
                       "stopping off and runs every epoch; without a validation split it is off unless "
                       "given, and then watches the training loss)")
    train.add_argument("--refit", action="store_true",
                       help="after the early-stopped run, train a fresh network with the same seed on all "
                       "rows (validation rows too) for the best epoch count, and save that one; the "
                       "validation score printed is then the early-stopped run's")
    train.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
    train.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                       help="where to train: cuda is a GPU, through CuPy or PyTorch, whichever is "
                       "installed (default cpu)")
    train.add_argument("--chunk-rows", type=_positive_int, metavar="N",
                       help="read the file N rows at a time and train chunk by chunk, in memory bounded "
                       "by N rather than by the file: a first pass takes the scaling, then each epoch is "
                       "a pass (rows shuffled within a chunk; each row held out for validation by a draw "
                       "from the seed). Numeric features only, without missing values; no early stopping "
                       "(every epoch is run), so no --patience, --refit or --impute")
    train.add_argument("--task", choices=TASKS,
                       help="default: inferred from the target")
    train.add_argument("--plot", metavar="CURVES.png",
                       help="write the learning curves (and for two features the decision boundary)")
    loud = train.add_mutually_exclusive_group()
    loud.add_argument("--verbose", action="store_true",
                      help="one line per epoch on standard error (default: a progress bar where standard "
                      "error is a terminal, nothing where it is a pipe or a file)")
    loud.add_argument("--quiet", action="store_true",
                      help="print nothing but errors, notices about the data and the 'wrote FILE' lines: "
                      "no progress or scores")
    train.set_defaults(func=cmd_train, parser=train)

    predict = sub.add_parser("predict", help="predict a CSV file with a saved model",
                             description="Predict every row of a CSV file, in its order: one column "
                             "named after the model's target (or 'prediction') of class labels, or of "
                             "values in the target's units to 6 significant digits, in fixed-point "
                             "notation. " + MODEL_HELP)
    predict.add_argument("model", metavar="MODEL.npz")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--output", metavar="FILE.csv", help="where to write (default: standard output)")
    predict.add_argument("--probabilities", action="store_true",
                         help="classification: add a probability column per class, p(CLASS), to 6 places")
    predict.add_argument("--keep", nargs="+", action="extend", metavar="COLUMN",
                         help="columns of DATA.csv to write first, their cells as the file has them "
                         "(an id, say); the prediction of a kept target column is named "
                         "predicted_TARGET")
    predict.set_defaults(func=cmd_predict, parser=predict)

    evaluate = sub.add_parser("evaluate", help="score a saved model on a labelled CSV file",
                              description="Print accuracy, loss, the confusion matrix and each class's "
                              "precision, recall, F1 and support with their macro and weighted "
                              "(by support) averages (classification), or R², root mean squared error "
                              "and mean absolute error (regression). " + MODEL_HELP)
    evaluate.add_argument("model", metavar="MODEL.npz")
    evaluate.add_argument("data", metavar="DATA.csv")
    evaluate.add_argument("--target", required=True, metavar="COLUMN")
    evaluate.set_defaults(func=cmd_evaluate, parser=evaluate)

    exporting = sub.add_parser(
        "export", help="write a model file as an ONNX graph or a standalone NumPy script",
        description="Write a model file as an ONNX graph that ONNX Runtime runs (the onnx extra: pip install "
        "'playwithnn[onnx]'), or as a Python script that needs NumPy only, its weights written out and each "
        "layer one line. A model's graph takes the raw features, one input each named after it (numbers as "
        "floats, categories as strings; a missing value is NaN or the text ''), and gives a classifier's "
        "probabilities and label, or a regressor's prediction; a row that predict would refuse (a value "
        "with nothing to fill it, an unknown category the model refuses) gets NaN. A network saved on its "
        "own takes X and gives y_pred.", epilog=EXIT_STATUSES)
    exporting.add_argument("model", metavar="MODEL.npz")
    exporting.add_argument("output", metavar="OUT", help="the file to write, e.g. model.onnx or model.py")
    exporting.add_argument("--format", choices=list(EXPORT_FORMATS),
                           help="default: from OUT's suffix, .onnx or .py")
    exporting.add_argument("--dtype", choices=["float32", "float64"],
                           help="onnx: the graph's floats (default: the network's)")
    from .export import ONNX_OPSET

    exporting.add_argument("--opset", type=_int_option(ONNX_OPSET), metavar="N",
                           help=f"onnx: the ONNX opset, {ONNX_OPSET} or newer (default {ONNX_OPSET})")
    exporting.set_defaults(func=cmd_export, parser=exporting)

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
