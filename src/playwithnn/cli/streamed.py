"""``train --chunk-rows N``: training on a CSV file read N rows at a time.

Memory is bounded by N rather than by the file; see :func:`train_streamed`.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import tabular
from ..tabular import Table
from .columns import chosen_features, class_values
from .errors import CommandError
from .files import check_training_outputs
from .saving import save_trained, trained_line, training_figure
from .scores import metric_line, trained_scores
from .signals import StopRequest

if TYPE_CHECKING:
    from ..model import Model
    from ..training import FitOptions


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


def train_streamed(args: argparse.Namespace, options: FitOptions) -> int:
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
    from ..metrics import n_correct
    from ..model import Model
    from ..network import NeuralNetwork
    from ..preprocessing import Encoding, Preprocessing
    from ..training import History, TrainingDivergedError

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
    output, plot_path = check_training_outputs(args.output, args.plot, args.data)
    feature_names = chosen_features(args, first.names)
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
        model = Model(net, preprocessing, task=task, classes=class_values(classes), target=args.target)
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
    with StopRequest(catch_interrupt=True) as stop_request:
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

    lines = [trained_line(history, stop_request)]
    if history.loss:
        train_scores = {"loss": history.loss[-1]} | ({"accuracy": history.accuracy[-1]} if classify else {})
        lines.append(metric_line("train (last epoch, each batch before its update)", train_scores))
    if reservoir.arrays:
        X_val, _, truth, raw_val = reservoir.arrays
        lines.append(metric_line(f"validation ({len(truth)} rows)",
                                 trained_scores(model, truth, X=X_val, raw=raw_val)))
    return save_trained(model, history.interrupted, stop_request, [] if args.quiet else lines, output,
                        plot_path, lambda: training_figure(model, history, None, None))
