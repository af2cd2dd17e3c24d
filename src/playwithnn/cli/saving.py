"""The end of a training run, whole or streamed.

The line that says how training went (:func:`trained_line`), the figure of it
(:func:`training_figure`), and the model and figure written, with the exit
status (:func:`save_trained`).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import _files
from .errors import PROG, CommandError
from .files import render_figure, write_files
from .signals import StopRequest

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..model import Model
    from ..training import History


def trained_line(history: History, stop_request: StopRequest) -> str:
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


def save_trained(model: Model, interrupted: bool, stop_request: StopRequest, lines: list[str],
                 output: Path, plot_path: Path | None, figure: Callable[[], Figure]) -> int:
    """Write the model (and the figure), then print ``lines`` and what was written; the exit status."""
    from .._arrays import to_numpy
    from .._modelfile import encode

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
        files.append((plot_path, render_figure(figure(), plot_path), "figure"))
    write_files(files)  # before the metrics are printed: a closed pipe must not lose the model
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


def training_figure(model: Model, history: Any, X_raw: NDArray[np.float64] | None,
                    k: NDArray[np.int64] | None) -> Figure:
    """The learning curves, and for a classifier of two numeric features whose rows are at hand
    (``X_raw``, raw values) the decision boundary, through the model's own preprocessing."""
    from matplotlib.figure import Figure

    from ..plotting import plot_decision_boundary, plot_history

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
