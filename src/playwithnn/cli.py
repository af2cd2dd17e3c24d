"""The ``playwithnn`` command line.

::

    playwithnn demo [--iterations N | --compare N N ...] [--faithful] [--seed S] [--output PNG] [--show]
    playwithnn explain [--seed S] [--faithful] [--learning-rate η] [--decimals D]
    playwithnn datasets NAME [--output CSV] [--samples N] [--noise X] [--seed S]
    playwithnn playground [--host H] [--port P] [--no-browser]

Bad input (an option, a file, a cell) gets one line on standard error that names
what is wrong and where, and exit status 2. A failed run never overwrites an
existing output file: every input is checked before anything is written, and
files are written to a temporary name and then renamed.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io as _io
import itertools
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .network import NeuralNetwork

PROG = "playwithnn"

#: At most this many distinct integer values make a numeric target a classification target.
MAX_INTEGER_CLASSES = 10


class CommandError(Exception):
    """Bad input to a command: printed as one line on standard error, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, raised rather than printed and exited."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


# ----------------------------------------------------------------- option types
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer; got {text!r}")
    return value


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


def _write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a new file beside ``path``, then rename it over ``path``."""
    for n in itertools.count():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{n}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _save_figure(fig: Figure, path: Path) -> None:
    from .plotting import save_figure

    try:
        save_figure(fig, path)
    except OSError as exc:
        raise CommandError(f"cannot write figure {path}: {exc.strerror or exc}") from None


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
    _save_figure(fig, output)
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
        _write_text_atomic(output, buffer.getvalue())
        print(f"wrote {output}: {X.shape[0]} samples of {args.name!r}, columns "
              f"{', '.join(f'x{j + 1}' for j in range(X.shape[1]))}, label")
    return 0


# ---------------------------------------------------------------- playground
def cmd_playground(args: argparse.Namespace) -> int:
    """Serve the browser playground."""
    try:
        server = importlib.import_module("playwithnn.playground.server")
    except ImportError as exc:
        raise CommandError(f"the playground is not available: {exc}") from None
    try:
        server.serve(host=args.host, port=args.port, open_browser=not args.no_browser)
    except OSError as exc:
        raise CommandError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


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

    from .datasets import DATASETS

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

    play = sub.add_parser("playground", help="open the browser playground",
                          description="Serve the playground page on a local port.")
    play.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    play.add_argument("--port", type=_port, default=8000, help="default 8000")
    play.add_argument("--no-browser", action="store_true", help="do not open a browser")
    play.set_defaults(func=cmd_playground, parser=play)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0 on success, 2 on bad input (one line on standard error), 130 when
    interrupted.
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


__all__ = ["CommandError", "build_parser", "main"]
