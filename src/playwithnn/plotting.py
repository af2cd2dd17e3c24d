"""Figures: the tutorial's loss and predictions, learning curves and decision boundaries.

Every function builds a :class:`matplotlib.figure.Figure` with the object-oriented
API and returns it, so nothing here needs a display or imports ``pyplot``. Save a
figure with :func:`save_figure`; show one yourself with ``pyplot`` if you have a
screen. Functions that draw a single panel take ``ax=`` to draw into your own axes.

>>> from playwithnn import NeuralNetwork
>>> from playwithnn.datasets import tutorial
>>> X, y = tutorial()
>>> net = NeuralNetwork([3, 4, 1], seed=1)
>>> history = net.fit(X, y, epochs=100)
>>> fig = plot_tutorial({"100 iterations": (history.loss, net.predict(X))}, y)
>>> [ax.get_title() for ax in fig.axes]
['Loss per iteration', 'Predictions against targets']
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from ._arrays import is_array, to_numpy
from ._files import atomic_write, check_target
from .metrics import is_classification_loss, predicted_class

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .network import NeuralNetwork
    from .training import History

#: Colours of the runs, the targets and the classes (matplotlib's default cycle).
_COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
           "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]


def _as_flat(values: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (n_samples,) or (n_samples, 1); got {arr.shape}")
    return arr


def _draw_loss_curve(ax: Axes, loss: Sequence[float], label: str | None, color: str,
                     *, linestyle: str = "-", mark_end: bool = False) -> None:
    """One loss curve against the 1-based epoch, on a log scale when every value is positive."""
    values = np.asarray(loss, dtype=np.float64)
    epochs = np.arange(1, values.size + 1)
    ax.plot(epochs, values, color=color, linestyle=linestyle, label=label)
    if mark_end and values.size:
        ax.plot(epochs[-1:], values[-1:], "o", color=color)
    if values.size and np.all(values > 0):
        ax.set_yscale("log")


def plot_tutorial(
    runs: Mapping[str, tuple[Sequence[float], ArrayLike]],
    targets: ArrayLike,
    *,
    fig: Figure | None = None,
) -> Figure:
    """The tutorial's figure: the loss per iteration beside the predictions against the targets.

    Parameters
    ----------
    runs : mapping of str to (loss, predictions)
        One entry per training run, e.g. ``{"1500 iterations": (history.loss,
        net.predict(X))}``: ``loss`` is the loss of each iteration and
        ``predictions`` has shape ``(n_samples,)`` or ``(n_samples, 1)``. Two or
        more runs are drawn together (compare mode): one curve per run, and one bar
        per run beside each target. The loss axis is logarithmic; in compare mode
        the iteration axis is too, so a short run stays visible beside a long one.
    targets : array-like of shape (n_samples,) or (n_samples, 1)
    fig : matplotlib.figure.Figure, optional
        Draw into this figure (e.g. one made by ``pyplot`` to show on screen);
        a new one is made if omitted.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: ``"Loss per iteration"`` and ``"Predictions against targets"``.

    Examples
    --------
    >>> fig = plot_tutorial({"a": ([1.0, 0.5], [0.1, 0.9]), "b": ([1.0, 0.2], [0.0, 1.0])},
    ...                     [0, 1])
    >>> len(fig.axes[0].get_lines()), len(fig.axes[1].patches)
    (4, 4)
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError("runs must be a non-empty mapping of label to (loss, predictions)")
    y = _as_flat(targets, "targets")
    preds = {}
    for label, (loss, pred) in runs.items():
        p = _as_flat(pred, f"predictions of {label!r}")
        if p.shape != y.shape:
            raise ValueError(
                f"predictions of {label!r} have {p.size} values but targets has {y.size}"
            )
        if len(loss) == 0:
            raise ValueError(f"loss of {label!r} is empty")
        preds[label] = p
    compare = len(runs) > 1
    if fig is None:
        fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_loss, ax_pred = fig.subplots(1, 2, width_ratios=[3, 2])

    for (label, (loss, _)), color in zip(runs.items(), itertools.cycle(_COLORS)):
        _draw_loss_curve(ax_loss, loss, label, color, mark_end=compare)
    if compare:
        ax_loss.set_xscale("log")
    ax_loss.set_title("Loss per iteration")
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("loss")
    ax_loss.grid(True, which="major", alpha=0.3)
    ax_loss.legend()

    # One bar per run beside each sample; the target is a black line across the group,
    # visible even where it is 0.
    width = 0.8 / len(preds)
    samples = np.arange(y.size)
    for i, ((label, p), color) in enumerate(zip(preds.items(), itertools.cycle(_COLORS))):
        bars = ax_pred.bar(samples - 0.4 + width * (i + 0.5), p, width, color=color,
                           label=f"predicted, {label}")
        ax_pred.bar_label(bars, fmt="%.3f", fontsize="x-small", padding=6)
    ax_pred.hlines(y, samples - 0.45, samples + 0.45, colors="black", linewidths=2.5, label="actual",
                   zorder=3)
    ax_pred.set_title("Predictions against targets")
    ax_pred.set_xlabel("sample")
    ax_pred.set_xticks(samples)
    ax_pred.set_xticklabels([str(i + 1) for i in samples])
    if y.max(initial=0) <= 1:
        ax_pred.set_ylim(0, 1.12)
    ax_pred.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14),
                   ncols=1 + len(preds) if len(preds) < 3 else 2)
    return fig


def plot_history(
    history: History,
    *,
    axes: Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """Learning curves: the loss, and the accuracy where recorded, for training and validation.

    Parameters
    ----------
    history : History
        What :meth:`~playwithnn.NeuralNetwork.fit` returned.
    axes : sequence of Axes, optional
        Draw into these: one for the loss, and a second for the accuracy when
        ``history.accuracy`` is not empty. New axes in a new figure if omitted.
    title : str, optional
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from playwithnn.training import History
    >>> fig = plot_history(History(loss=[0.7, 0.5], val_loss=[0.8, 0.6],
    ...                            accuracy=[0.5, 0.75], val_accuracy=[0.5, 0.5]))
    >>> [ax.get_title() for ax in fig.axes]
    ['Loss', 'Accuracy']
    """
    if not history.loss:
        raise ValueError("history has no epochs to plot")
    n_panels = 2 if history.accuracy else 1
    if axes is None:
        fig = Figure(figsize=(5.5 * n_panels, 4), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(1, n_panels)))
    elif len(axes) < n_panels:
        raise ValueError(f"axes must hold {n_panels} axes for this history; got {len(axes)}")
    ax_loss = axes[0]
    _draw_loss_curve(ax_loss, history.loss, "training", _COLORS[0])
    if history.val_loss:
        _draw_loss_curve(ax_loss, history.val_loss, "validation", _COLORS[1], linestyle="--")
    if history.best_epoch is not None:
        ax_loss.axvline(history.best_epoch, color="gray", linestyle=":", label="best epoch")
    ax_loss.set_title("Loss")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend()
    if history.accuracy:
        ax_acc = axes[1]
        epochs = np.arange(1, len(history.accuracy) + 1)
        ax_acc.plot(epochs, history.accuracy, color=_COLORS[0], label="training")
        if history.val_accuracy:
            ax_acc.plot(np.arange(1, len(history.val_accuracy) + 1), history.val_accuracy,
                        color=_COLORS[1], linestyle="--", label="validation")
        ax_acc.set_title("Accuracy")
        ax_acc.set_xlabel("epoch")
        ax_acc.set_ylabel("accuracy")
        ax_acc.set_ylim(-0.02, 1.02)
        ax_acc.grid(True, alpha=0.3)
        ax_acc.legend()
    fig_out = axes[0].figure
    if title:
        fig_out.suptitle(title)
    return fig_out  # type: ignore[return-value]


def plot_decision_boundary(
    net: NeuralNetwork,
    X: ArrayLike,
    y: ArrayLike,
    *,
    ax: Axes | None = None,
    transform: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] = ("x1", "x2"),
    resolution: int = 200,
) -> Figure:
    """The network's prediction over the plane of two features, with the data on top.

    For a classifier (a network trained with a cross-entropy loss) the
    background is the predicted class, :func:`playwithnn.metrics.predicted_class`
    (shaded by the probability of class 1 for one sigmoid output, with the line
    ``p = 0.5``); for a regression network it is the predicted value.

    Parameters
    ----------
    net : NeuralNetwork
        A network whose inputs are the two features (after ``transform``).
    X : array-like of shape (n_samples, 2)
        The data, in the coordinates to draw.
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices (or one-hot rows) for a classifier, values for regression.
    ax : Axes, optional
        Draw into these axes; new axes in a new figure if omitted.
    transform : callable, optional
        Maps points of shape ``(n_points, 2)`` in drawing coordinates to the
        network's inputs, e.g. the standardization used in training.
    class_names : sequence of str, optional
        Legend labels of the classes (default ``"class 0"``, ...).
    feature_names : (str, str), default=("x1", "x2")
        Axis labels.
    resolution : int, default=200
        Grid points along each axis.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from playwithnn import NeuralNetwork
    >>> from playwithnn.datasets import make_dataset
    >>> X, y = make_dataset("gaussians", n_samples=40, seed=0)
    >>> net = NeuralNetwork([2, 1], loss="binary_crossentropy", seed=0)
    >>> _ = net.fit(X, y, epochs=50)
    >>> fig = plot_decision_boundary(net, X, y, resolution=50)
    >>> fig.axes[0].get_title()
    'Decision boundary'
    """
    X, y = (to_numpy(a) if is_array(a) else a for a in (X, y))  # arrays of any library: drawn from the host
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to draw a boundary; got {X.shape}")
    target = np.asarray(y)
    if target.ndim == 2 and target.shape[1] > 1:  # one-hot rows: the class of each
        target = predicted_class(target)
    target = target.reshape(-1)
    if target.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {target.size}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer of at least 2; got {resolution!r}")
    if ax is None:
        fig = Figure(figsize=(5.5, 5), layout="constrained")
        ax = fig.subplots()

    low, high = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(high - low, 1e-3)
    g1 = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    g2 = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    G1, G2 = np.meshgrid(g1, g2)
    grid = np.column_stack([G1.ravel(), G2.ravel()])  # (resolution**2, 2)
    out = net.predict(grid if transform is None else transform(grid))
    regression = not is_classification_loss(net.loss_name)

    if regression:
        surface = out[:, 0].reshape(G1.shape)
        values = target.astype(np.float64)
        vmin, vmax = min(surface.min(), values.min()), max(surface.max(), values.max())
        filled = ax.contourf(G1, G2, surface, levels=20, cmap="viridis", vmin=vmin, vmax=vmax)
        ax.scatter(X[:, 0], X[:, 1], c=values, cmap="viridis", vmin=vmin, vmax=vmax,
                   edgecolors="white", linewidths=0.6, s=25)
        ax.figure.colorbar(filled, ax=ax, label="prediction")
        ax.set_title("Predictions")
    else:
        classes = target.astype(np.int64)
        if out.shape[1] == 1:
            prob = out[:, 0].reshape(G1.shape)
            ax.contourf(G1, G2, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
            ax.contour(G1, G2, prob, levels=[0.5], colors="black", linewidths=1.2)
            n_classes = 2
        else:
            n_classes = out.shape[1]
            predicted = predicted_class(out).reshape(G1.shape)
            from matplotlib.colors import ListedColormap

            cmap = ListedColormap([_COLORS[k % len(_COLORS)] for k in range(n_classes)])
            ax.contourf(G1, G2, predicted, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.3)
        colors = ["tab:blue", "tab:red"] if n_classes == 2 else _COLORS
        names = list(class_names) if class_names is not None else [f"class {k}" for k in range(n_classes)]
        for k in range(n_classes):
            mask = classes == k
            if mask.any():
                ax.scatter(X[mask, 0], X[mask, 1], color=colors[k % len(colors)], edgecolors="white",
                           linewidths=0.6, s=25, label=names[k] if k < len(names) else f"class {k}")
        ax.legend(fontsize="small")
        ax.set_title("Decision boundary")
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    return ax.figure  # type: ignore[return-value]


def figure_formats() -> list[str]:
    """The file suffixes :func:`save_figure` can write, without the dot.

    >>> {"png", "svg", "pdf"} <= set(figure_formats())
    True
    """
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def figure_bytes(fig: Figure, format: str = "png", *, dpi: int = 100) -> bytes:
    """The figure rendered in memory, as the bytes of a ``format`` file.

    Rendering before writing means a figure that cannot be drawn never touches a
    file: :func:`save_figure` and the command line render first, then write.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    format : str, default="png"
        One of :func:`figure_formats`.
    dpi : int, default=100

    Returns
    -------
    bytes

    Examples
    --------
    >>> figure_bytes(plot_tutorial({"a": ([1.0, 0.5], [0.2, 0.8])}, [0, 1]))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format=format, dpi=dpi)
    return buffer.getvalue()


def figure_format(path: str | os.PathLike[str]) -> str:
    """The format :func:`save_figure` writes to ``path``: its suffix, lower case, without the dot.

    Raises
    ------
    ValueError
        If the suffix is not one of :func:`figure_formats`.

    Examples
    --------
    >>> figure_format("curves.PNG")
    'png'
    """
    fmt = Path(path).suffix[1:].lower()
    supported = figure_formats()
    if fmt not in supported:
        known = ", ".join(f".{k}" for k in supported)
        raise ValueError(
            f"cannot tell the figure format of {os.fspath(path)!r}; use a suffix such as {known}")
    return fmt


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` without ever leaving a half-written file there.

    The figure is rendered in memory, written to a new temporary file in the same
    directory and flushed to disk, which then replaces ``path`` in one step
    (:func:`os.replace`); if anything fails, the temporary file is removed and an
    existing ``path`` is untouched. The format comes from the file's suffix
    (``.png``, ``.svg``, ``.pdf``, ...). A symbolic link is followed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or os.PathLike
    dpi : int, default=100

    Returns
    -------
    pathlib.Path
        ``path`` as given.

    Raises
    ------
    ValueError
        If the suffix is not a format matplotlib can write, or ``path`` exists
        and is not a regular file (a device such as ``/dev/null`` would be
        replaced, not written into).
    OSError
        If the directory does not exist or cannot be written.
    """
    check_target(path)
    fmt = figure_format(os.path.realpath(path))  # a link's target names the format
    atomic_write(path, figure_bytes(fig, fmt, dpi=dpi))
    return Path(path)


__all__ = ["figure_bytes", "figure_format", "figure_formats", "plot_decision_boundary", "plot_history",
           "plot_tutorial", "save_figure"]
