"""The tutorial's 3-4-1 network on the command line.

``demo`` trains it and draws the result; ``explain`` tells one training iteration
with real numbers.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .errors import CommandError
from .files import check_figure_path, pyplot_if_display, render_figure, write_files

if TYPE_CHECKING:
    from ..network import NeuralNetwork


def _tutorial_network(seed: int, faithful: bool) -> NeuralNetwork:
    from ..network import NeuralNetwork

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
    from ..datasets import tutorial

    counts: list[int] = args.compare if args.compare else [args.iterations]
    if args.compare is not None and len(args.compare) < 2:
        raise CommandError("--compare needs at least two iteration counts, e.g. --compare 1500 100000")
    name = "vs".join(str(n) for n in counts) + "iter.png"
    output = check_figure_path(args.output if args.output is not None else name)

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

    plt = pyplot_if_display() if args.show else None
    fig = plt.figure(figsize=(11, 4.2), layout="constrained") if plt is not None else None
    from ..plotting import plot_tutorial

    fig = plot_tutorial({f"{n} iterations": (h.loss, p) for n, h, p in runs}, y, fig=fig)
    write_files([(output, render_figure(fig, output), "figure")])
    print(f"wrote {output}")
    if args.show:
        if plt is None:
            print(f"note: no display here, so no window opens; the figure is in {output}")
        else:
            plt.show()
            plt.close(fig)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Print one training iteration of the tutorial's network, step by step."""
    from ..datasets import tutorial
    from ..explain import explain_step, format_explanation, format_pitfalls, pitfalls
    from ..training import TrainingDivergedError

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
