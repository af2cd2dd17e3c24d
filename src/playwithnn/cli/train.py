"""``train``: a network trained on a CSV file and saved as a model.

The options of ``fit`` are checked by FitOptions (:func:`fit_options`);
``--chunk-rows`` hands the run to :mod:`playwithnn.cli.streamed`.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import tabular
from ..diagnostics import TrainingWarning
from .columns import chosen_features, class_values, feature_columns, fit_preprocessing, preprocessing_errors
from .errors import CommandError, print_notice
from .files import check_training_outputs, read_table
from .saving import save_trained, trained_line, training_figure
from .scores import metric_line, trained_scores
from .signals import StopRequest
from .streamed import train_streamed

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..model import Model
    from ..preprocessing import Preprocessing
    from ..training import FitOptions, History


#: The options of ``train`` that are options of ``fit``: FitOptions' field and the option's name.
FIT_OPTIONS = {"epochs": "--epochs", "learning_rate": "--learning-rate", "optimizer": "--optimizer",
               "batch_size": "--batch-size", "l2": "--l2", "dropout": "--dropout",
               "validation_split": "--validation-split", "patience": "--patience"}
#: Epochs without a better validation loss before ``train`` stops, when ``--patience`` is not given.
DEFAULT_PATIENCE = 10


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


def fit_options(args: argparse.Namespace) -> FitOptions:
    """The training options, checked by FitOptions, the one home of their rules.

    A refusal is a CommandError whose message names the command line's option
    (``--learning-rate``) where FitOptions names its field (``learning_rate``).
    """
    from ..training import FitOptions

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


def _inputs_note(pre: Preprocessing, filled: int, impute: str | None) -> str:
    """``13 inputs from 10 features, 2 of them one-hot; `` (or ``""``): what the network's inputs are."""
    one_hot = sum(e.categories is not None for e in pre.encodings)
    notes = []
    if one_hot:
        notes.append(f"{pre.n_inputs} inputs from {len(pre.features)} features, {one_hot} of them one-hot")
    if filled:
        notes.append(f"{filled} missing cell{'s' if filled > 1 else ''} filled in ({impute})")
    return "".join(f"{note}; " for note in notes)


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on a CSV file and save it as a model: the network and its preprocessing."""
    from ..model import Model
    from ..network import NeuralNetwork
    from ..training import TrainingDivergedError, holdout_split

    options = fit_options(args)
    _check_device(args.device)  # before any file is read
    if args.chunk_rows is not None:
        return train_streamed(args, options)
    if args.refit and options.patience is None:
        raise CommandError("--refit trains again for the best number of epochs, which early stopping finds: "
                           "it needs --validation-split above 0, and no --patience 0")
    table = read_table(args.data)
    table.index(args.target)  # a missing column is the first thing to hear about
    output, plot_path = check_training_outputs(args.output, args.plot, args.data)
    feature_names = chosen_features(args, table.names)
    columns, missing_of, notices = feature_columns(args, table, feature_names)
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
        pre = fit_preprocessing(table, columns, rows, args.impute)
        with preprocessing_errors(table):
            X = pre.transform(columns)
        try:
            net = NeuralNetwork([pre.n_inputs, *args.hidden, n_out], activation=args.activation,
                                loss=loss, seed=rng, device=args.device)
        except (TypeError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        if task == "classification":
            return Model(net, pre, task=task, classes=class_values(labels), target=args.target), X, Y_all
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
        print_notice(notice)
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
        with StopRequest() as stop_request, warnings.catch_warnings(record=True) as caught:
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
    lines = [trained_line(history, stop_request)]
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
        lines.append(metric_line(label, trained_scores(scored_model, truth[rows], X=X_of_model[rows],
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
        return training_figure(saved, history, X_raw, None if k is None else k[plotted_rows])

    return save_trained(saved, interrupted, stop_request, [] if args.quiet else lines, output, plot_path,
                        figure)


def _check_device(device: str) -> None:
    """``--device``: a ``cuda`` that this machine cannot give is bad input, said in one line."""
    from .._arrays import placement

    try:
        placement(device)
    except (ImportError, RuntimeError) as exc:
        raise CommandError(f"--device {device}: {exc}") from None
