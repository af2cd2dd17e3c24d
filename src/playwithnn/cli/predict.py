"""``predict`` and ``evaluate``: a saved model on the rows of a CSV file.

A model file holds a Model: the network with the preprocessing of raw rows and the class
labels or the target's scaling (:mod:`playwithnn.model`). The commands give it the file's
columns by name and let it decide what a cell means: a number, a category, a missing value
filled in; a cell it cannot read (text in a number column, a category it does not know, a
hole it has nothing to fill in for) is reported as the file's line and column.
"""

from __future__ import annotations

import argparse
import csv
import io as _io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validation import name_list, shorten
from ..tabular import Table, TableError
from .errors import CommandError, print_notice
from .files import check_distinct, check_output_path, read_table, write_files
from .scores import class_report_lines, classification_scores, confusion_lines, metric_line, value_scores

if TYPE_CHECKING:
    from ..model import Model


#: How the model reads DATA.csv, as the help of ``predict`` and ``evaluate`` says it.
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
    from ..io import ModelFileError, load
    from ..model import Model

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
    from ..preprocessing import positional_hint

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
        print_notice(f"{table.source}, column {shorten(feature, 40)!r}: {n} row{'s' if n > 1 else ''} "
                     f"{'hold' if n > 1 else 'holds'} a category the model was not trained on "
                     f"({shown}{more}); the model reads it as none of its categories (all zeros)")


@contextmanager
def _cells_the_model_reads(table: Table) -> Iterator[None]:
    """Report a cell of ``table`` that the model cannot read as the file's one line.

    The model's :class:`~playwithnn.preprocessing.PreprocessingError` (a feature,
    a row counted from 0, the problem) becomes a :class:`TableError`:
    ``FILE, line N, column 'C': problem``, as a bad cell of the file reads.
    """
    from ..preprocessing import PreprocessingError

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
    output = None if args.output is None else check_output_path(args.output, "predictions file")
    if output is not None:
        check_distinct([("predictions file", output)],
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
        write_files([(output, buffer.getvalue().encode("utf-8"), "predictions file")])
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
        print(metric_line(label, value_scores(y, predicted_values)))
        return 0
    with _cells_the_model_reads(table):
        X = model.transform(columns)
    _notice_unknown_categories(model, table, columns)
    classes = [str(c) for c in model.classes]
    k = table.class_indices(args.target, classes, whose="the model's")
    scores, predicted = classification_scores(model.network, X, k)
    print("\n".join([metric_line(label, scores), *confusion_lines(k, predicted, classes),
                     *class_report_lines(k, predicted, classes)]))
    return 0
