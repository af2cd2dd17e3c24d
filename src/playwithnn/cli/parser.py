"""The argument parser of every subcommand: what each accepts, its help and its defaults."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from ..tabular import MAX_INTEGER_CLASSES, TASKS
from .datasets import cmd_datasets
from .errors import EXIT_STATUSES, PROG, CommandError
from .export import EXPORT_FORMATS, cmd_export
from .options import (
    int_option,
    integer,
    non_negative_float,
    non_negative_int,
    number,
    port,
    positive_float,
    positive_int,
)
from .playground import cmd_playground
from .predict import MODEL_HELP, cmd_evaluate, cmd_predict
from .train import DEFAULT_PATIENCE, cmd_train
from .tutorial import cmd_demo, cmd_explain


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog=PROG, description="A neural network built by hand in NumPy: the tutorial, "
                     "step by step, and training on your own CSV data.", epilog=EXIT_STATUSES)
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser("demo", help="train the tutorial's 3-4-1 network and draw the result",
                          description="Train the tutorial's 3-4-1 sigmoid network on its four samples "
                          "(gradient descent, learning rate 1), print actual against predicted values "
                          "and write a figure of the loss and the predictions.")
    runs = demo.add_mutually_exclusive_group()
    runs.add_argument("--iterations", type=positive_int, default=1500, metavar="N",
                      help="training iterations (default 1500)")
    runs.add_argument("--compare", type=positive_int, nargs="+", metavar="N",
                      help="train once for each count and draw the runs together, e.g. 1500 100000")
    demo.add_argument("--faithful", action="store_true",
                      help="the article's exact setup: no biases, weights from U[0, 1)")
    demo.add_argument("--seed", type=non_negative_int, default=1, help="random seed (default 1)")
    demo.add_argument("--output", metavar="PATH",
                      help="the figure to write (default NITER.png, e.g. 1500iter.png)")
    demo.add_argument("--show", action="store_true", help="also open the figure in a window")
    demo.set_defaults(func=cmd_demo, parser=demo)

    explain = sub.add_parser("explain", help="one training iteration, step by step, with real numbers",
                             description="Print one training iteration of the tutorial's network: "
                             "the feedforward, the loss, every chain-rule factor and the update.")
    explain.add_argument("--seed", type=non_negative_int, default=1, help="random seed (default 1)")
    explain.add_argument("--faithful", action="store_true",
                         help="the article's exact setup: no biases, weights from U[0, 1)")
    explain.add_argument("--learning-rate", type=positive_float, default=1.0, metavar="η",
                         help="step size of the update (default 1, the tutorial's)")
    explain.add_argument("--decimals", type=positive_int, default=4,
                         help="places to round the numbers to (default 4)")
    explain.add_argument("--iteration", type=int_option(1, 1_000_000), default=1, metavar="N",
                         help="tell the N-th iteration, after N-1 plain ones (default 1; at most 1000000)")
    explain.add_argument("--pitfalls", action="store_true",
                         help="instead, train the network 1500 iterations rightly and in four wrong ways "
                         "(σ applied twice, no biases, the update's sign flipped, a learning rate 50 times "
                         "larger) and show their losses")
    explain.set_defaults(func=cmd_explain, parser=explain)

    from ..activations import ACTIVATIONS
    from ..datasets import DATASETS
    from ..optimizers import OPTIMIZERS

    data = sub.add_parser("datasets", help="write a toy data set as CSV",
                          description="Write a toy data set, made in code, as CSV with a header row: "
                          "x1, x2, label (x1, x2, x3, label for the tutorial's).")
    data.add_argument("name", choices=DATASETS, metavar="NAME", help=f"one of {', '.join(DATASETS)}")
    data.add_argument("--output", metavar="FILE.csv", help="where to write (default: standard output)")
    data.add_argument("--samples", type=positive_int, default=200, help="number of rows (default 200)")
    data.add_argument("--noise", type=non_negative_float, default=0.0,
                      help="standard deviation of the noise on each coordinate (default 0)")
    data.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
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
    from ..preprocessing import IMPUTE_STRATEGIES

    train.add_argument("--impute", choices=IMPUTE_STRATEGIES,
                       help="fill the missing values (empty or NaN cells) of the features: a number with "
                       "the mean or median of its column, or its most frequent value; a text column "
                       "always with its most frequent category. The values are learnt from the training "
                       "rows and saved in the model, which fills holes in the rows it predicts the same "
                       "way. Without it, a missing feature value is an error. A missing target is "
                       "always an error")
    train.add_argument("--output", required=True, metavar="MODEL.npz", help="the model file to write")
    train.add_argument("--hidden", type=positive_int, nargs="*", default=[16, 16], metavar="WIDTH",
                       help="hidden layer widths (default 16 16; none for a linear model)")
    train.add_argument("--activation", default="relu",
                       choices=[name for name, a in ACTIVATIONS.items() if a.hidden],
                       help="hidden activation (default relu)")
    train.add_argument("--optimizer", default="adam", choices=list(OPTIMIZERS), help="default adam")
    # The options of fit are parsed here and checked by FitOptions (see fit_options).
    train.add_argument("--learning-rate", type=number, metavar="η",
                       help="step size (default 0.01 for adam, 0.1 for sgd and gd)")
    train.add_argument("--epochs", type=integer, default=200, help="default 200")
    train.add_argument("--batch-size", type=integer, default=32, help="default 32")
    train.add_argument("--l2", type=number, default=0.0, help="L2 penalty (default 0)")
    train.add_argument("--dropout", type=number, default=0.0, help="dropout rate in [0, 1) (default 0)")
    train.add_argument("--validation-split", type=number, default=0.2,
                       help="fraction of rows held out for validation, in [0, 1) (default 0.2); for "
                       "classification, that share of each class")
    train.add_argument("--patience", type=non_negative_int, metavar="N",
                       help="early stopping: stop after N epochs without a better validation loss, and "
                       f"keep the weights of the best epoch (default {DEFAULT_PATIENCE}; 0 turns early "
                       "stopping off and runs every epoch; without a validation split it is off unless "
                       "given, and then watches the training loss)")
    train.add_argument("--refit", action="store_true",
                       help="after the early-stopped run, train a fresh network with the same seed on all "
                       "rows (validation rows too) for the best epoch count, and save that one; the "
                       "validation score printed is then the early-stopped run's")
    train.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    train.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                       help="where to train: cuda is a GPU, through CuPy or PyTorch, whichever is "
                       "installed (default cpu)")
    train.add_argument("--chunk-rows", type=positive_int, metavar="N",
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
    from ..export import ONNX_OPSET

    exporting.add_argument("--opset", type=int_option(ONNX_OPSET), metavar="N",
                           help=f"onnx: the ONNX opset, {ONNX_OPSET} or newer (default {ONNX_OPSET})")
    exporting.set_defaults(func=cmd_export, parser=exporting)

    play = sub.add_parser("playground", help="open the browser playground",
                          description="Serve the playground page on a local port.")
    play.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    play.add_argument("--port", type=port, default=8000, help="default 8000")
    play.add_argument("--no-browser", action="store_true", help="do not open a browser")
    play.set_defaults(func=cmd_playground, parser=play)
    return parser
